"""How an artist reaches its tools: an MCP client session on the agent's own drawing server.

Every provider (builtin, OpenAI-compatible) calls tools through :class:`ToolSession`, i.e.
through a real in-process MCP client, exactly as a language model's tool calls would arrive.
The Claude provider instead hands ``session.server`` to the Claude Agent SDK.
"""

from __future__ import annotations

import base64
from contextlib import AsyncExitStack
from dataclasses import dataclass

import mcp_types as types
from mcp import Client
from mcp.server import Server

from code_monet.tools import Lifespan, ToolContext, create_drawing_server


@dataclass(frozen=True, slots=True)
class ToolReply:
    """What one tool call returned, in the shape artists consume."""

    text: str
    is_error: bool
    image_png: bytes | None


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    name: str
    description: str
    input_schema: dict[str, object]


def reply_from_result(result: types.CallToolResult) -> ToolReply:
    text = "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))
    image = next(
        (base64.b64decode(c.data) for c in result.content if isinstance(c, types.ImageContent)),
        None,
    )
    return ToolReply(text=text, is_error=bool(result.is_error), image_png=image)


class ToolSession:
    """An open MCP client session on one agent's drawing server (use ``async with``)."""

    def __init__(self, context: ToolContext) -> None:
        self.context = context
        self.server: Server[Lifespan] = create_drawing_server(context)
        self._stack = AsyncExitStack()
        self._client: Client | None = None

    async def __aenter__(self) -> ToolSession:
        self._client = await self._stack.enter_async_context(Client(self.server))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._client = None
        await self._stack.aclose()

    def _require(self) -> Client:
        if self._client is None:
            raise RuntimeError("ToolSession used outside 'async with'")
        return self._client

    async def list_tools(self) -> list[ToolDefinition]:
        listed = await self._require().list_tools()
        return [
            ToolDefinition(t.name, t.description or "", dict(t.input_schema)) for t in listed.tools
        ]

    async def call(self, name: str, arguments: dict[str, object]) -> ToolReply:
        result = await self._require().call_tool(name, arguments)
        if not isinstance(result, types.CallToolResult):
            return ToolReply(f"Tool {name} returned no result", True, None)
        return reply_from_result(result)

    async def __call__(self, name: str, arguments: dict[str, object]) -> ToolReply:
        return await self.call(name, arguments)
