"""How an artist reaches its tools: an MCP client session on the agent's own drawing server.

Every provider (builtin, OpenAI-compatible) calls tools through :class:`ToolSession`, i.e.
through a real in-process MCP client, exactly as a language model's tool calls would arrive.
The Claude provider instead hands ``session.server`` to the Claude Agent SDK. A provider that
sets ``direct_tools = True`` (scripted load generators) skips the MCP round trip and calls the
same tool functions directly — same validation, callbacks and results, less overhead.

A session holds anyio cancel scopes (the MCP client's task group): it must be entered and exited
by one task. ``DrawingAgent.run_turn`` guarantees that by running each turn in a task of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from code_monet.tools.context import ToolContext
from code_monet.tools.registry import TOOLS, Lifespan, call_tool, create_drawing_server
from code_monet.tools.results import ToolReply, reply_from_mcp

if TYPE_CHECKING:
    from mcp import Client
    from mcp.server import Server

__all__ = ["BeforeCall", "ToolDefinition", "ToolReply", "ToolSession"]

BeforeCall = Callable[[str], Awaitable[None]]
"""Awaited with the tool's name before every call made through the session."""


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    name: str
    description: str
    input_schema: dict[str, object]


class ToolSession:
    """An open MCP client session on one agent's drawing server (use ``async with``)."""

    def __init__(
        self, context: ToolContext, *, direct: bool = False, before_call: BeforeCall | None = None
    ) -> None:
        self.context = context
        self.direct = direct
        self.before_call = before_call
        """The agent's checkpoint: the artist's progress is saved before a tool can draw."""
        self._stack = AsyncExitStack()
        self._client: Client | None = None
        self._open = False

    @cached_property
    def server(self) -> Server[Lifespan]:
        """This agent's MCP drawing server (built on first use: direct sessions never need
        it, and building one per turn only made garbage for the collector)."""
        return create_drawing_server(self.context)

    async def __aenter__(self) -> ToolSession:
        if not self.direct:
            from mcp import Client  # the MCP SDK loads with the first MCP session

            self._client = await self._stack.enter_async_context(Client(self.server))
        self._open = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._client = None
        self._open = False
        await self._stack.aclose()

    @property
    def is_open(self) -> bool:
        return self._open

    def _require(self) -> Client:
        if self._client is None:
            raise RuntimeError("ToolSession used outside 'async with'")
        return self._client

    async def list_tools(self) -> list[ToolDefinition]:
        if self.direct:
            self._require_open()
            return [
                ToolDefinition(t.name, t.description, dict(t.input_schema))
                for t in TOOLS
                if t.available(self.context)
            ]
        listed = await self._require().list_tools()
        return [
            ToolDefinition(t.name, t.description or "", dict(t.input_schema)) for t in listed.tools
        ]

    def _require_open(self) -> None:
        if not self._open:
            raise RuntimeError("ToolSession used outside 'async with'")

    async def call(self, name: str, arguments: dict[str, object]) -> ToolReply:
        self._require_open()
        if self.before_call is not None:
            await self.before_call(name)
        if self.direct:
            return await call_tool(self.context, name, arguments)
        import mcp_types

        result = await self._require().call_tool(name, arguments)
        if not isinstance(result, mcp_types.CallToolResult):
            return ToolReply(f"Tool {name} returned no result", True, None)
        return reply_from_mcp(result)

    async def __call__(self, name: str, arguments: dict[str, object]) -> ToolReply:
        return await self.call(name, arguments)
