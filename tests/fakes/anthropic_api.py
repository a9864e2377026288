"""A loopback fake of the Anthropic Messages API, for driving the real Claude Code CLI offline.

``FakeAnthropicAPI`` is a Starlette app served by uvicorn on 127.0.0.1 (ephemeral port). Every
``POST /v1/messages`` is answered by a *script*: a function that sees the request (tools
offered, conversation so far) and returns a ``Reply`` (text and tool calls, streamed in the real
server-sent-events format: ``message_start``, ``content_block_start``/``_delta``/``_stop``,
``message_delta`` with ``stop_reason`` and usage, ``message_stop``) or a ``Failure`` (an HTTP
error with the API's JSON error body). Requests carrying no tools (titles, quota probes and other
side requests the CLI may make) get a short text answer. ``count_tokens`` and model listing get
plausible answers; any other path is logged in ``unknown_paths`` and answered with ``{}``.

Tool calls name tools by their short name (``draw_paths``); the fake resolves that to the name
the CLI offered (``mcp__drawing__draw_paths``) and remembers which tool each ``tool_use`` id was
for, so a script can branch on which tool results came back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

logger = logging.getLogger(__name__)

JsonObject = dict[str, object]


@dataclass(frozen=True)
class TextOut:
    """A text block, streamed in ``chunk``-sized ``text_delta``s."""

    text: str
    chunk: int = 6


@dataclass(frozen=True)
class ToolUseOut:
    """A tool call by short tool name; its input is streamed as ``input_json_delta`` pieces."""

    tool: str
    input: JsonObject


@dataclass(frozen=True)
class Reply:
    blocks: tuple[TextOut | ToolUseOut, ...]
    stop_reason: str = "end_turn"
    input_tokens: int = 120
    output_tokens: int = 30
    delay: float = 0.0  # seconds to wait before streaming the first event


@dataclass(frozen=True)
class Failure:
    """An HTTP error answer in the API's error format."""

    status: int
    error_type: str
    message: str


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: object


@dataclass
class MessagesCall:
    """One ``/v1/messages`` request, with helpers for scripts and assertions."""

    body: JsonObject
    tool_names: list[str]
    tool_ids: dict[str, str]

    @property
    def messages(self) -> list[JsonObject]:
        raw = self.body.get("messages")
        return [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []

    def last_user_blocks(self) -> list[JsonObject]:
        """Content blocks of the last user message (a plain string becomes one text block)."""
        for message in reversed(self.messages):
            if message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return [{"type": "text", "text": content}]
            if isinstance(content, list):
                return [b for b in content if isinstance(b, dict)]
            return []
        return []

    def tool_results(self) -> list[tuple[str, JsonObject]]:
        """``(short tool name, tool_result block)`` for each result in the last user message."""
        found: list[tuple[str, JsonObject]] = []
        for block in self.last_user_blocks():
            if block.get("type") == "tool_result":
                name = self.tool_ids.get(str(block.get("tool_use_id")), "?")
                found.append((name.rsplit("__", 1)[-1], block))
        return found


Script = Callable[[MessagesCall], Reply | Failure]


def drawing_script(line: JsonObject, thought: str = "Planning a line.") -> Script:
    """Round 1: text + draw_paths(line); after its result: mark_piece_done; then: end_turn."""

    def script(call: MessagesCall) -> Reply | Failure:
        results = [name for name, _block in call.tool_results()]
        if "mark_piece_done" in results:
            return Reply((TextOut("The piece is finished."),), "end_turn")
        if "draw_paths" in results:
            return Reply((ToolUseOut("mark_piece_done", {}),), "tool_use")
        return Reply(
            (TextOut(thought), ToolUseOut("draw_paths", {"paths": [line]})),
            "tool_use",
        )

    return script


def failing_script(status: int, error_type: str, message: str) -> Script:
    def script(_call: MessagesCall) -> Reply | Failure:
        return Failure(status, error_type, message)

    return script


def _sse(event: str, data: JsonObject) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


@dataclass
class FakeAnthropicAPI:
    """The fake server's state: its script and everything it was asked."""

    script: Script
    model: str = "claude-fake-1"
    requests: list[RecordedRequest] = field(default_factory=list)
    calls: list[MessagesCall] = field(default_factory=list)
    unknown_paths: list[str] = field(default_factory=list)
    tool_ids: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    @property
    def tool_calls(self) -> list[MessagesCall]:
        """The main-loop requests (those that offered tools)."""
        return [c for c in self.calls if c.tool_names]

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        body: object = None
        if raw:
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                body = raw.decode("utf-8", "replace")
        path = request.url.path
        self.requests.append(
            RecordedRequest(request.method, path, request.url.query, dict(request.headers), body)
        )
        if request.method == "POST" and path == "/v1/messages" and isinstance(body, dict):
            return self._messages(body)
        if path == "/v1/messages/count_tokens":
            return JSONResponse({"input_tokens": 42})
        if path == "/v1/models":
            listing = [{"type": "model", "id": self.model, "display_name": "Fake"}]
            return JSONResponse({"data": listing, "has_more": False})
        logger.info("fake Anthropic API: unhandled %s %s", request.method, path)
        self.unknown_paths.append(f"{request.method} {path}")
        return JSONResponse({})

    def _messages(self, body: JsonObject) -> Response:
        tools = body.get("tools")
        names = [
            str(t.get("name"))
            for t in (tools if isinstance(tools, list) else [])
            if isinstance(t, dict)
        ]
        call = MessagesCall(body, names, self.tool_ids)
        self.calls.append(call)
        outcome = self.script(call) if names else Reply((TextOut("OK"),), "end_turn", 10, 1)
        if isinstance(outcome, Failure):
            error = {"type": outcome.error_type, "message": outcome.message}
            return JSONResponse(
                {"type": "error", "error": error},
                status_code=outcome.status,
                headers={"request-id": f"req_{uuid.uuid4().hex[:12]}"},
            )
        return self._stream(outcome, names, bool(body.get("stream")))

    def _resolve(self, short: str, offered: list[str]) -> str:
        return next((n for n in offered if n == short or n.endswith(f"__{short}")), short)

    def _stream(self, reply: Reply, offered: list[str], stream: bool) -> Response:
        message_id = f"msg_{uuid.uuid4().hex[:20]}"
        blocks: list[JsonObject] = []
        events: list[bytes] = []
        usage = {"input_tokens": reply.input_tokens, "output_tokens": 1}
        start: JsonObject = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        events.append(_sse("message_start", {"type": "message_start", "message": start}))
        events.append(_sse("ping", {"type": "ping"}))
        for index, block in enumerate(reply.blocks):
            events.extend(self._block_events(index, block, offered, blocks))
        delta: JsonObject = {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": reply.output_tokens},
        }
        events.append(_sse("message_delta", delta))
        events.append(_sse("message_stop", {"type": "message_stop"}))
        headers = {"request-id": f"req_{uuid.uuid4().hex[:12]}"}
        if not stream:
            final = dict(start, content=blocks, stop_reason=reply.stop_reason)
            final["usage"] = {
                "input_tokens": reply.input_tokens,
                "output_tokens": reply.output_tokens,
            }
            return JSONResponse(final, headers=headers)

        async def body() -> AsyncIterator[bytes]:
            await asyncio.sleep(reply.delay)
            for chunk in events:
                yield chunk
                await asyncio.sleep(0.002)

        return StreamingResponse(body(), media_type="text/event-stream", headers=headers)

    def _block_events(
        self, index: int, block: TextOut | ToolUseOut, offered: list[str], out: list[JsonObject]
    ) -> list[bytes]:
        events: list[bytes] = []
        if isinstance(block, TextOut):
            out.append({"type": "text", "text": block.text})
            head: JsonObject = {"type": "text", "text": ""}
            pieces = [
                block.text[i : i + block.chunk] for i in range(0, len(block.text), block.chunk)
            ]
            deltas: list[JsonObject] = [{"type": "text_delta", "text": p} for p in pieces]
        else:
            tool_id = f"toolu_{uuid.uuid4().hex[:20]}"
            name = self._resolve(block.tool, offered)
            self.tool_ids[tool_id] = name
            out.append({"type": "tool_use", "id": tool_id, "name": name, "input": block.input})
            head = {"type": "tool_use", "id": tool_id, "name": name, "input": {}}
            encoded = json.dumps(block.input)
            cut = max(1, len(encoded) // 3)
            pieces = ["", *[encoded[i : i + cut] for i in range(0, len(encoded), cut)]]
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
        start = {"type": "content_block_start", "index": index, "content_block": head}
        events.append(_sse("content_block_start", start))
        for delta in deltas:
            payload = {"type": "content_block_delta", "index": index, "delta": delta}
            events.append(_sse("content_block_delta", payload))
        events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
        return events


@contextlib.asynccontextmanager
async def serve(fake: FakeAnthropicAPI) -> AsyncIterator[FakeAnthropicAPI]:
    """Serve ``fake`` on 127.0.0.1 (ephemeral port) and set ``fake.base_url`` while open."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        fake.app(),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        raise RuntimeError("the fake Anthropic API did not start")
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
