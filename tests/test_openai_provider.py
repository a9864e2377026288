"""The OpenAI-compatible provider against a loopback fake Chat Completions server.

The fake is a real HTTP server (starlette + uvicorn on 127.0.0.1, ephemeral port) that streams
Server-Sent Events exactly like OpenAI: ``chat.completion.chunk`` objects with tool-call deltas
split across chunks by ``index``, a final usage chunk and ``data: [DONE]``. The provider talks to
it through the real ``openai`` client and runs tools through a real ``ToolSession``.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from code_monet.agent.providers.base import (
    IterationEvent,
    ProviderError,
    ProviderErrorKind,
    ProviderEvent,
    ThinkingDelta,
    TokenUsage,
    TurnContext,
    TurnLimits,
)
from code_monet.agent.providers.openai_compat import (
    OpenAICompatProvider,
    openai_provider_from_settings,
)
from code_monet.agent.providers.settings import OpenAISettings
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import load_config
from code_monet.tools.context import ToolContext
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

API_KEY = "sk-test-secret-key-123456"
LINE_ARGS = '{"paths": [{"type": "line", "points": [{"x": 10, "y": 10}, {"x": 200, "y": 10}]}]}'


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


CANVAS_PNG = _png()


# ----------------------------------------------------------------------- the fake


@dataclass
class Call:
    """A scripted tool call; ``fragments`` are the streamed pieces of its arguments."""

    name: str
    fragments: list[str]
    id: str = ""


@dataclass
class Reply:
    """One scripted answer of the fake: a stream, an HTTP error or a hang."""

    text: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    status: int = 200
    error: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    same_index: bool = False  # every call at index 0, as some servers do
    extra_delta: dict[str, object] | None = None


def _sse(payload: dict[str, object] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n"


class FakeOpenAI:
    """Serves ``POST /v1/chat/completions`` from a script and records every request."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[dict[str, object]] = []
        self.paths: list[str] = []
        self.auth: list[str | None] = []
        self.release = asyncio.Event()
        self.base_url = ""
        self.app = Starlette(routes=[Route("/v1/chat/completions", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        self.paths.append(request.url.path)
        self.auth.append(request.headers.get("authorization"))
        reply = self.script.pop(0) if self.script else Reply(text=["(script exhausted)"])
        if reply.hang:
            await self.release.wait()
        if reply.status != 200:
            return JSONResponse(
                {"error": reply.error}, status_code=reply.status, headers=reply.headers
            )
        return StreamingResponse(
            self._stream(reply, str(body["model"])), media_type="text/event-stream"
        )

    def _stream(self, reply: Reply, model: str) -> Iterator[str]:
        def chunk(delta: dict[str, object], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
            return _sse(_envelope(model, [choice]))

        yield chunk({"role": "assistant", "content": ""})
        if reply.extra_delta is not None:
            yield chunk(reply.extra_delta)
        for piece in reply.text:
            yield chunk({"content": piece})
        for position, call in enumerate(reply.calls):
            index = 0 if reply.same_index else position
            head = {"name": call.name, "arguments": ""}
            call_id = call.id or f"call_{uuid.uuid4().hex[:8]}"
            first = {"index": index, "id": call_id, "type": "function", "function": head}
            yield chunk({"tool_calls": [first]})
            for fragment in call.fragments:
                part = {"index": index, "function": {"arguments": fragment}}
                yield chunk({"tool_calls": [part]})
        yield chunk({}, "tool_calls" if reply.calls else "stop")
        usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
        yield _sse({**_envelope(model, []), "usage": usage})
        yield _sse("[DONE]")


def _envelope(model: str, choices: list[dict[str, object]]) -> dict[str, object]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": choices,
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI()
    config = uvicorn.Config(server.app, host="127.0.0.1", port=0, log_level="warning")
    uv = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # early connections wait in the backlog until uvicorn accepts
    port = listener.getsockname()[1]
    task = asyncio.create_task(uv.serve(sockets=[listener]))
    server.base_url = f"http://127.0.0.1:{port}/v1"
    yield server
    server.release.set()
    uv.should_exit = True
    await task
    listener.close()


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[ToolSession]:
    """A real ToolSession, held open by one task (its anyio scopes must exit where entered)."""
    state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
    opened: asyncio.Future[ToolSession] = asyncio.get_running_loop().create_future()
    finished = asyncio.Event()

    async def hold() -> None:
        try:
            async with ToolSession(ToolContext(state=state)) as tools:
                opened.set_result(tools)
                await finished.wait()
        except BaseException as exc:
            if not opened.done():
                opened.set_exception(exc)
            raise

    holder = asyncio.create_task(hold())
    yield await opened
    finished.set()
    await holder


@pytest.fixture
async def provider(fake: FakeOpenAI) -> AsyncIterator[OpenAICompatProvider]:
    artist = OpenAICompatProvider(api_key=API_KEY, model="fake-model", base_url=fake.base_url)
    yield artist
    await artist.close()


def make_turn(
    *, message: str = "Your turn.", limits: TurnLimits | None = None, png: bytes | None = CANVAS_PNG
) -> TurnContext:
    return TurnContext(
        system_prompt="You are an artist.",
        user_message=message,
        canvas_png=png,
        canvas_width=800,
        canvas_height=600,
        drawing_style=DrawingStyleType.PLOTTER,
        piece_number=1,
        prompt=None,
        nudges=(),
        human_strokes=0,
        turn_index=0,
        limits=limits or TurnLimits(max_seconds=10.0),
    )


async def run(
    artist: OpenAICompatProvider, tools: ToolSession, turn: TurnContext | None = None
) -> list[ProviderEvent]:
    return [event async for event in artist.run_turn(turn or make_turn(), tools)]


def thinking(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ThinkingDelta))


def messages(request: dict[str, object]) -> list[dict[str, object]]:
    found = request["messages"]
    assert isinstance(found, list)
    return found


def first_function(message: dict[str, object]) -> dict[str, str]:
    calls = message["tool_calls"]
    assert isinstance(calls, list)
    function = calls[0]["function"]
    assert isinstance(function, dict)
    return function


def tool_messages(request: dict[str, object]) -> list[str]:
    return [str(m["content"]) for m in messages(request) if m["role"] == "tool"]


def image_urls(request: dict[str, object]) -> list[str]:
    urls: list[str] = []
    for message in messages(request):
        content = message["content"]
        if isinstance(content, list):
            urls += [p["image_url"]["url"] for p in content if p["type"] == "image_url"]
    return urls


# ------------------------------------------------------------------------ the tests


class TestStreaming:
    """Text, iterations and usage arrive as provider events."""

    async def test_text_is_streamed_as_thinking_deltas_in_order(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Each content delta becomes one ThinkingDelta, in order, plus usage."""
        # Arrange
        fake.script = [Reply(text=["I'll ", "draw ", "a line."])]
        # Act
        events = await run(provider, session)
        # Assert
        deltas = [e.text for e in events if isinstance(e, ThinkingDelta)]
        assert deltas == ["I'll ", "draw ", "a line."]
        assert events[0] == IterationEvent(current=1, max=13)
        assert TokenUsage(input_tokens=11, output_tokens=7) in events
        assert len(fake.requests) == 1

    async def test_reasoning_content_is_streamed_too(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Servers that stream reasoning_content (vLLM, DeepSeek) show it as thinking."""
        # Arrange
        fake.script = [Reply(text=["Done."], extra_delta={"reasoning_content": "Hmm. "})]
        # Act
        events = await run(provider, session)
        # Assert
        assert thinking(events) == "Hmm. Done."

    async def test_request_carries_tools_image_and_limits(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """The fake receives the tool list, the canvas data URL and the token limit."""
        # Arrange
        fake.script = [Reply(text=["ok"])]
        # Act
        await run(provider, session)
        # Assert
        request = fake.requests[0]
        tools = request["tools"]
        assert isinstance(tools, list)
        names = {t["function"]["name"] for t in tools}
        assert {"draw_paths", "view_canvas", "mark_piece_done"} <= names
        assert all(t["type"] == "function" and "parameters" in t["function"] for t in tools)
        urls = image_urls(request)
        assert len(urls) == 1
        assert urls[0].startswith("data:image/png;base64,")
        assert request["stream"] is True
        assert request["stream_options"] == {"include_usage": True}
        assert request["max_tokens"] == 8000
        assert request["model"] == "fake-model"
        assert messages(request)[0] == {"role": "system", "content": "You are an artist."}

    async def test_no_image_without_vision(self, fake: FakeOpenAI, session: ToolSession) -> None:
        """With supports_vision=False the user message is plain text."""
        # Arrange
        fake.script = [Reply(text=["ok"])]
        artist = OpenAICompatProvider(
            api_key=None, model="m", base_url=fake.base_url, supports_vision=False
        )
        # Act
        await run(artist, session)
        await artist.close()
        # Assert
        assert image_urls(fake.requests[0]) == []
        assert messages(fake.requests[0])[1] == {"role": "user", "content": "Your turn."}


class TestToolCalls:
    """Streamed tool calls are assembled, executed and answered."""

    async def test_tool_call_split_in_fragments_draws_a_stroke(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """A draw_paths call whose arguments arrive in 3 fragments reaches the canvas."""
        # Arrange
        third = len(LINE_ARGS) // 3
        fragments = [LINE_ARGS[:third], LINE_ARGS[third : 2 * third], LINE_ARGS[2 * third :]]
        fake.script = [
            Reply(text=["I'll draw a line"], calls=[Call("draw_paths", fragments, "call_1")]),
            Reply(text=["Looks good."]),
        ]
        # Act
        events = await run(provider, session)
        # Assert
        assert len(session.context.state.canvas.strokes) == 1
        assert thinking(events) == "I'll draw a line\n\nLooks good."
        assert [e.current for e in events if isinstance(e, IterationEvent)] == [1, 2]
        second = messages(fake.requests[1])
        assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "user"]
        assistant, reply = second[2], second[3]
        assert assistant["content"] == "I'll draw a line"
        assert first_function(assistant) == {
            "name": "draw_paths",
            "arguments": LINE_ARGS,
        }
        assert reply["tool_call_id"] == "call_1"
        assert not str(reply["content"]).startswith("Error")

    async def test_tool_error_is_returned_to_the_model(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """A tool that fails answers with an 'Error:' tool message, and the turn goes on."""
        # Arrange
        fake.script = [Reply(calls=[Call("draw_paths", ['{"paths": 5}'])]), Reply(text=["Oops"])]
        # Act
        await run(provider, session)
        # Assert
        replies = tool_messages(fake.requests[1])
        assert len(replies) == 1
        assert replies[0].startswith("Error:")
        assert session.context.state.canvas.strokes == []

    async def test_malformed_json_arguments_become_a_tool_error(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Invalid JSON is reported to the model instead of raising."""
        # Arrange
        fake.script = [
            Reply(calls=[Call("draw_paths", ['{"paths": [', "oops"])]),
            Reply(calls=[Call("draw_paths", ["[1, 2]"])]),
            Reply(text=["Sorry."]),
        ]
        # Act
        events = await run(provider, session)
        # Assert
        assert "Error: arguments were not valid JSON" in tool_messages(fake.requests[1])[0]
        assert "must be a JSON object" in tool_messages(fake.requests[2])[1]
        assert thinking(events) == "Sorry."
        assert first_function(messages(fake.requests[1])[2])["arguments"] == "{}"

    async def test_view_canvas_image_follows_as_user_message(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """A tool image comes back in a user message; only the latest image is kept."""
        # Arrange
        fake.script = [Reply(calls=[Call("view_canvas", ["{}"])]), Reply(text=["Nice."])]
        # Act
        await run(provider, session)
        # Assert
        second = messages(fake.requests[1])
        assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "user"]
        assert len(image_urls(fake.requests[1])) == 1
        assert image_urls({"messages": second[-1:]})[0].startswith("data:image/png;base64,")
        assert "image omitted" in str(second[1]["content"])

    async def test_max_tool_calls_stops_execution(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Past the budget calls are not executed and the turn ends with a note."""
        # Arrange
        calls = [Call("draw_paths", [LINE_ARGS]) for _ in range(3)]
        fake.script = [Reply(calls=calls), Reply(text=["next turn"])]
        turn = make_turn(limits=TurnLimits(max_tool_calls=2, max_seconds=10.0))
        # Act
        events = await run(provider, session, turn)
        await run(provider, session)
        # Assert
        assert len(session.context.state.canvas.strokes) == 2
        assert "tool calls this turn" in thinking(events)
        assert [e.max for e in events if isinstance(e, IterationEvent)] == [3]
        replies = tool_messages(fake.requests[1])  # every call id is still answered
        assert len(replies) == 3
        assert replies[2].startswith("Error: not executed")

    async def test_calls_sharing_an_index_are_told_apart_by_id(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Servers that stream every call at index 0 still get each call executed."""
        # Arrange
        calls = [Call("draw_paths", [LINE_ARGS], f"call_{i}") for i in range(2)]
        fake.script = [Reply(calls=calls, same_index=True), Reply(text=["ok"])]
        # Act
        await run(provider, session)
        # Assert
        assert len(session.context.state.canvas.strokes) == 2
        assert len(tool_messages(fake.requests[1])) == 2

    async def test_mark_piece_done_ends_the_turn(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """After mark_piece_done no further model round is requested."""
        # Arrange
        fake.script = [
            Reply(text=["I'll draw a line"], calls=[Call("draw_paths", [LINE_ARGS])]),
            Reply(calls=[Call("mark_piece_done", ["{}"])]),
            Reply(text=["never asked"]),
        ]
        # Act
        events = await run(provider, session)
        # Assert
        assert session.context.piece_done is True
        assert len(fake.requests) == 2
        assert "never asked" not in thinking(events)


class TestHistory:
    """The conversation of a piece is kept, bounded and reset."""

    async def test_history_carries_over_turns_and_reset_clears_it(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """The second turn sees the first; after reset() only system + user are sent."""
        # Arrange
        fake.script = [Reply(text=["one"]), Reply(text=["two"]), Reply(text=["three"])]
        # Act
        await run(provider, session, make_turn(message="first"))
        await run(provider, session, make_turn(message="second"))
        await provider.reset()
        await run(provider, session, make_turn(message="third", png=None))
        # Assert
        roles = [m["role"] for m in messages(fake.requests[1])]
        assert roles == ["system", "user", "assistant", "user"]
        assert len(image_urls(fake.requests[1])) == 1
        assert messages(fake.requests[2]) == [
            {"role": "system", "content": "You are an artist."},
            {"role": "user", "content": "third"},
        ]

    async def test_history_is_bounded(self, fake: FakeOpenAI, session: ToolSession) -> None:
        """Old turns are dropped so requests stay small, starting at a user message."""
        # Arrange
        artist = OpenAICompatProvider(
            api_key=None, model="m", base_url=fake.base_url, max_history_messages=3
        )
        fake.script = [Reply(text=[str(i)]) for i in range(4)]
        # Act
        for i in range(4):
            await run(artist, session, make_turn(message=f"turn {i}"))
        await artist.close()
        # Assert
        last = messages(fake.requests[3])
        assert [m["role"] for m in last] == ["system", "user", "assistant", "user"]
        assert last[1]["content"] == "turn 2 (image omitted, a newer one follows)"

    async def test_failed_turn_leaves_no_trace(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """A turn that fails is rolled back so a retry does not repeat the user message."""
        # Arrange
        fake.script = [Reply(status=500, error={"message": "boom"}), Reply(text=["ok"])]
        with pytest.raises(ProviderError):
            await run(provider, session)
        # Act
        await run(provider, session)
        # Assert
        assert [m["role"] for m in messages(fake.requests[1])] == ["system", "user"]


class TestErrors:
    """HTTP failures map to ProviderError kinds without leaking the key."""

    @pytest.mark.parametrize(
        ("status", "error", "headers", "kind", "retry_after"),
        [
            (401, {"message": f"Incorrect API key provided: {API_KEY}"}, {}, "auth", None),
            (403, {"message": "forbidden"}, {}, "auth", None),
            (402, {"message": "pay up"}, {}, "billing", None),
            (429, {"message": "slow down"}, {"retry-after": "7"}, "rate_limit", 7.0),
            (429, {"message": "quota", "code": "insufficient_quota"}, {}, "quota", None),
            (500, {"message": "kaput"}, {}, "server", None),
            (503, {"message": "overloaded"}, {}, "server", None),
            (400, {"message": f"bad thing near {API_KEY}"}, {}, "bad_request", None),
            (404, {"message": "no such model"}, {}, "bad_request", None),
        ],
    )
    async def test_status_maps_to_kind(
        self,
        fake: FakeOpenAI,
        provider: OpenAICompatProvider,
        session: ToolSession,
        status: int,
        error: dict[str, object],
        headers: dict[str, str],
        kind: str,
        retry_after: float | None,
    ) -> None:
        """Each status (and error code) becomes the right kind; messages hold no key."""
        # Arrange
        fake.script = [Reply(status=status, error=error, headers=headers)]
        # Act
        with pytest.raises(ProviderError) as caught:
            await run(provider, session)
        # Assert
        assert caught.value.kind == ProviderErrorKind(kind)
        assert caught.value.retry_after == retry_after
        assert API_KEY not in caught.value.message
        assert "sk-test" not in caught.value.message
        assert len(fake.requests) == 1  # no retries inside the provider

    async def test_hanging_server_times_out(self, fake: FakeOpenAI, session: ToolSession) -> None:
        """A server that never answers raises TIMEOUT after the client timeout."""
        # Arrange
        fake.script = [Reply(hang=True)]
        artist = OpenAICompatProvider(api_key=None, model="m", base_url=fake.base_url, timeout=0.5)
        # Act
        with pytest.raises(ProviderError) as caught:
            await run(artist, session)
        await artist.close()
        # Assert
        assert caught.value.kind is ProviderErrorKind.TIMEOUT

    async def test_turn_deadline_times_out(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """The turn's max_seconds bounds a request even when the client would wait longer."""
        # Arrange
        fake.script = [Reply(hang=True)]
        turn = make_turn(limits=TurnLimits(max_seconds=0.5))
        # Act
        with pytest.raises(ProviderError) as caught:
            await run(provider, session, turn)
        # Assert
        assert caught.value.kind is ProviderErrorKind.TIMEOUT

    async def test_unreachable_server_is_a_connection_error(self, session: ToolSession) -> None:
        """Nothing listening on the port → CONNECTION."""
        # Arrange
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        artist = OpenAICompatProvider(
            api_key=None, model="m", base_url=f"http://127.0.0.1:{port}/v1"
        )
        # Act
        with pytest.raises(ProviderError) as caught:
            await run(artist, session)
        await artist.close()
        # Assert
        assert caught.value.kind is ProviderErrorKind.CONNECTION


class TestConfiguration:
    """base_url, the key and settings from the environment."""

    async def test_base_url_and_key_are_used(
        self, fake: FakeOpenAI, provider: OpenAICompatProvider, session: ToolSession
    ) -> None:
        """Requests go to {base_url}/chat/completions with the bearer key."""
        # Arrange
        fake.script = [Reply(text=["ok"])]
        # Act
        await run(provider, session)
        # Assert
        assert fake.paths == ["/v1/chat/completions"]
        assert fake.auth == [f"Bearer {API_KEY}"]

    async def test_missing_key_sends_placeholder(
        self, fake: FakeOpenAI, session: ToolSession
    ) -> None:
        """Local servers need no key: a placeholder is sent."""
        # Arrange
        fake.script = [Reply(text=["ok"])]
        artist = OpenAICompatProvider(api_key=None, model="m", base_url=fake.base_url)
        # Act
        await run(artist, session)
        await artist.close()
        # Assert
        assert fake.auth == ["Bearer not-needed"]
        assert artist.name == "openai"

    async def test_provider_from_configuration(self) -> None:
        """OPENAI_* variables configure the provider (through the application's config)."""
        # Arrange
        environ = {
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "OPENAI_MODEL": "llama3.2-vision",
            "OPENAI_SUPPORTS_VISION": "false",
        }
        settings = load_config(environ, env_file=None).artist.openai
        # Act
        artist = openai_provider_from_settings(settings)
        # Assert
        assert artist.model == "llama3.2-vision"
        assert artist.base_url == "http://127.0.0.1:11434/v1"
        assert artist.supports_vision is False
        assert API_KEY not in repr(settings)
        await artist.close()

    async def test_provider_defaults(self) -> None:
        """Without variables the model is gpt-4.1-mini with vision."""
        # Arrange
        settings = OpenAISettings()
        # Act
        artist = openai_provider_from_settings(settings)
        # Assert
        assert artist.model == "gpt-4.1-mini"
        assert artist.supports_vision is True
        await artist.close()
