"""The Claude provider: message-stream processing, and the real Claude Code CLI end to end.

The end-to-end tests run the CLI bundled in the ``claude-agent-sdk`` wheel against a loopback
fake of the Anthropic Messages API (``tests/fakes/anthropic_api.py``): the fake streams scripted
text and tool calls in the real SSE format, the CLI calls our drawing tools through the
in-process MCP server, and the strokes land on a real workspace canvas. Nothing leaves the
machine. They skip only when the CLI binary is missing.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import claude_agent_sdk
import pytest
from claude_agent_sdk import (
    AssistantMessage,
    CLINotFoundError,
    Message,
    ProcessError,
    ResultError,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolUseBlock,
)
from fakes.anthropic_api import (
    FakeAnthropicAPI,
    MessagesCall,
    Reply,
    Script,
    TextOut,
    ToolUseOut,
    drawing_script,
    failing_script,
    serve,
)
from PIL import Image

from code_monet.agent.processor import (
    TurnProcessor,
    classify_api_failure,
    error_from_exception,
    redact,
)
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
from code_monet.agent.providers.claude import (
    ClaudeProvider,
    claude_provider_from_settings,
)
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import load_config
from code_monet.tools.context import ToolContext
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

FAKE_KEY = "sk-ant-test-0000-fake"
LINE: dict[str, object] = {"type": "line", "points": [{"x": 10, "y": 10}, {"x": 200, "y": 10}]}
DRAWING_TOOLS = {
    f"mcp__drawing__{name}"
    for name in ("draw_paths", "view_canvas", "mark_piece_done", "name_piece", "sign_canvas")
}


def _cli_available() -> bool:
    bundled = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return bundled.is_file() or shutil.which("claude") is not None


needs_cli = pytest.mark.skipif(
    not _cli_available(),
    reason="the Claude Code CLI is missing (no _bundled/claude in claude-agent-sdk, none on PATH)",
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _turn(message: str = "Draw something calm.", **limits: float) -> TurnContext:
    return TurnContext(
        system_prompt="You are Code Monet, an artist who draws with tools.",
        user_message=message,
        canvas_png=_png(),
        canvas_width=800,
        canvas_height=600,
        drawing_style=DrawingStyleType.PLOTTER,
        piece_number=1,
        prompt=None,
        nudges=(),
        human_strokes=0,
        turn_index=0,
        limits=TurnLimits(
            max_tool_calls=int(limits.get("max_tool_calls", 6)),
            max_output_tokens=4000,
            max_seconds=limits.get("max_seconds", 30.0),
        ),
    )


async def _run(
    provider: ClaudeProvider, turn: TurnContext, tools: ToolSession
) -> list[ProviderEvent]:
    return [event async for event in provider.run_turn(turn, tools)]


def _thinking(events: list[ProviderEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ThinkingDelta))


def _all_text(call: MessagesCall) -> str:
    return json.dumps(call.body)


@pytest.fixture
async def tools(tmp_path: Path) -> ToolSession:
    """The agent's tools on a real workspace. The provider needs only ``server`` and
    ``context``, so the session is not entered here (an anyio task group cannot outlive the
    fixture's task); tests that want the MCP client open too enter it themselves."""
    state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
    return ToolSession(ToolContext(state=state))


@pytest.fixture
def script(request: pytest.FixtureRequest) -> Script:
    """The fake's script: the drawing script unless a test parametrizes it (indirect)."""
    chosen: Script | None = getattr(request, "param", None)
    return chosen or drawing_script(LINE)


@pytest.fixture
async def fake_api(script: Script) -> AsyncIterator[FakeAnthropicAPI]:
    async with serve(FakeAnthropicAPI(script)) as fake:
        yield fake


@pytest.fixture
async def provider(fake_api: FakeAnthropicAPI) -> AsyncIterator[ClaudeProvider]:
    claude = ClaudeProvider(
        model="claude-sonnet-4-5", api_key=FAKE_KEY, base_url=fake_api.base_url, max_retries=0
    )
    yield claude
    await claude.close()


# ---------------------------------------------------------------------- recorded streams


def _stream(event: dict[str, object], parent: str | None = None) -> StreamEvent:
    return StreamEvent(str(uuid.uuid4()), "s1", event, parent_tool_use_id=parent)


def _text_round(message_id: str, *pieces: str) -> list[Message]:
    """A streamed round as the CLI delivers it: partial events, then the whole message."""
    start: dict[str, object] = {"type": "message_start", "message": {"id": message_id}}
    block: dict[str, object] = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text"},
    }
    messages: list[Message] = [_stream(start), _stream(block)]
    for piece in pieces:
        delta = {"type": "text_delta", "text": piece}
        messages.append(_stream({"type": "content_block_delta", "index": 0, "delta": delta}))
    full = AssistantMessage([TextBlock("".join(pieces))], "claude", message_id=message_id)
    return [*messages, full, _stream({"type": "message_stop"})]


def _result(**fields: object) -> ResultMessage:
    usage = {"input_tokens": 100, "cache_read_input_tokens": 20, "output_tokens": 7}
    base: dict[str, object] = {
        "subtype": "success",
        "duration_ms": 5,
        "duration_api_ms": 4,
        "is_error": False,
        "num_turns": 1,
        "session_id": "s1",
        "usage": usage,
    }
    base.update(fields)
    return ResultMessage(**base)  # type: ignore[arg-type]


def _absorb_all(processor: TurnProcessor, messages: list[Message]) -> list[ProviderEvent]:
    return [event for message in messages for event in processor.absorb(message)]


class TestTurnProcessor:
    """Recorded SDK message sequences become thinking, rounds, usage and errors."""

    def test_streamed_text_becomes_only_new_thinking(self) -> None:
        """Each text_delta is one ThinkingDelta; the whole AssistantMessage repeats nothing."""
        # Arrange
        processor = TurnProcessor(max_rounds=4)
        messages = [SystemMessage("init", {}), *_text_round("m1", "Plan", "ning."), _result()]
        # Act
        events = _absorb_all(processor, messages)
        # Assert
        assert [e.text for e in events if isinstance(e, ThinkingDelta)] == ["Plan", "ning."]
        assert [e for e in events if isinstance(e, IterationEvent)] == [IterationEvent(1, 4)]
        assert TokenUsage(120, 7) in events
        assert processor.finished and processor.error is None

    def test_rounds_are_counted_and_separated_by_paragraphs(self) -> None:
        """A second round is IterationEvent 2, and its text starts a new paragraph."""
        # Arrange
        processor = TurnProcessor(max_rounds=3)
        tool = AssistantMessage(
            [ToolUseBlock("t1", "mcp__drawing__draw_paths", {})], "claude", message_id="m1"
        )
        messages = [*_text_round("m1", "First."), tool, *_text_round("m2", "Second."), _result()]
        # Act
        events = _absorb_all(processor, messages)
        # Assert
        assert _thinking(events) == "First.\n\nSecond."
        assert [e.current for e in events if isinstance(e, IterationEvent)] == [1, 2]
        assert processor.tool_calls == 1

    def test_unstreamed_messages_still_give_thinking_and_rounds(self) -> None:
        """Without partial events, text and rounds come from the whole messages."""
        # Arrange
        processor = TurnProcessor(max_rounds=2)
        messages: list[Message] = [
            AssistantMessage([TextBlock("Only whole.")], "claude", message_id="m1"),
            AssistantMessage([ToolUseBlock("t", "x", {})], "claude", message_id="m1"),
            AssistantMessage([TextBlock("Done.")], "claude", message_id="m2"),
        ]
        # Act
        events = _absorb_all(processor, messages)
        # Assert
        assert _thinking(events) == "Only whole.\n\nDone."
        assert processor.rounds == 2

    def test_subagent_traffic_is_ignored(self) -> None:
        """Events that belong to a nested tool use are not the artist's thinking."""
        # Arrange
        processor = TurnProcessor(max_rounds=2)
        delta = {"type": "text_delta", "text": "nested"}
        nested = _stream({"type": "content_block_delta", "delta": delta}, parent="toolu_1")
        # Act
        events = processor.absorb(nested)
        # Assert
        assert events == []

    @pytest.mark.parametrize(
        ("status", "error", "text", "kind"),
        [
            (401, "authentication_failed", "Invalid API key", ProviderErrorKind.AUTH),
            (400, "billing_error", "Credit balance is too low", ProviderErrorKind.BILLING),
            (429, "rate_limit", "Request rejected (429)", ProviderErrorKind.RATE_LIMIT),
            (529, "server_error", "API Error: 529 Overloaded", ProviderErrorKind.SERVER),
            (500, "server_error", "API Error: 500", ProviderErrorKind.SERVER),
            (
                None,
                "server_error",
                "Connection refused (ECONNREFUSED)",
                ProviderErrorKind.CONNECTION,
            ),
            (None, "server_error", "Request timed out.", ProviderErrorKind.TIMEOUT),
            (400, "invalid_request", "messages: bad", ProviderErrorKind.BAD_REQUEST),
        ],
    )
    def test_error_results_map_to_provider_errors(
        self, status: int | None, error: str, text: str, kind: ProviderErrorKind
    ) -> None:
        """The CLI's synthetic error message and error result classify the failure."""
        # Arrange
        processor = TurnProcessor(max_rounds=2)
        synthetic = AssistantMessage([TextBlock(text)], "<synthetic>", error=error)  # type: ignore[arg-type]
        failed = _result(is_error=True, api_error_status=status, result=text)
        # Act
        events = _absorb_all(processor, [synthetic, failed])
        # Assert
        assert processor.error is not None and processor.error.kind is kind
        assert _thinking(events) == ""

    def test_max_turns_and_interrupts_are_not_failures(self) -> None:
        """Running out of rounds, or our own interrupt, ends the turn without an error."""
        # Arrange
        out_of_rounds = TurnProcessor(max_rounds=2)
        interrupted = TurnProcessor(max_rounds=2, interrupted=True)
        # Act
        events = out_of_rounds.absorb(_result(subtype="error_max_turns", is_error=True))
        interrupted.absorb(_result(subtype="error_during_execution", is_error=True))
        # Assert
        assert out_of_rounds.error is None and "Stopping here" in _thinking(events)
        assert interrupted.error is None and interrupted.finished


class TestErrorMapping:
    """SDK exceptions and error texts become ProviderErrors without secrets."""

    def test_sdk_exceptions(self) -> None:
        """A missing CLI, a dead process and an error result each get their own kind."""
        # Arrange
        result = ResultError("failed", {"api_error_status": 429, "result": "slow down"})
        # Act
        missing = error_from_exception(CLINotFoundError())
        died = error_from_exception(ProcessError("boom", exit_code=3))
        limited = error_from_exception(result)
        # Assert
        assert missing.kind is ProviderErrorKind.BAD_REQUEST
        assert died.kind is ProviderErrorKind.CONNECTION and died.retryable
        assert limited.kind is ProviderErrorKind.RATE_LIMIT

    def test_messages_never_carry_the_key(self) -> None:
        """The API key is redacted from anything shown to viewers."""
        # Arrange
        text = f"API Error: 500 upstream echoed {FAKE_KEY} and key-abcdef123"
        # Act
        error = classify_api_failure(500, "server_error", text, FAKE_KEY)
        # Assert
        assert FAKE_KEY not in error.message and "key-abcdef123" not in error.message
        assert redact("x" * 500).__len__() == 300


class TestSettings:
    """The configuration's Claude section comes from the standard variables."""

    def test_reads_environment(self) -> None:
        """Key, base URL and model come from ANTHROPIC_* and CLAUDE_MODEL."""
        # Arrange
        environ = {
            "ANTHROPIC_API_KEY": FAKE_KEY,
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
            "CLAUDE_MODEL": "claude-test-model",
        }
        # Act
        settings = load_config(environ, env_file=None).artist.claude
        provider = claude_provider_from_settings(settings)
        # Assert
        assert settings.anthropic_api_key is not None
        assert FAKE_KEY not in repr(settings)
        assert provider.name == "claude" and provider.model == "claude-test-model"
        assert provider.base_url == "http://127.0.0.1:9"


# ---------------------------------------------------------------------- the real CLI


def _two_tools_at_once(call: MessagesCall) -> Reply:
    """One round calling draw_paths and mark_piece_done together, then a closing text."""
    if call.tool_results():
        return Reply((TextOut("Done."),), "end_turn")
    calls = (ToolUseOut("draw_paths", {"paths": [LINE]}), ToolUseOut("mark_piece_done", {}))
    return Reply(calls, "tool_use")


def _always_view(_call: MessagesCall) -> Reply:
    return Reply((ToolUseOut("view_canvas", {}),), "tool_use")


def _slow_first_round(call: MessagesCall) -> Reply:
    """A turn whose prompt says "slow" stalls for 20 s; everything else answers at once."""
    texts = [b.get("text") for b in call.last_user_blocks() if b.get("type") == "text"]
    delay = 20.0 if texts and "slow" in str(texts[-1]) else 0.0
    return Reply((TextOut("Made it."),), "end_turn", delay=delay)


@needs_cli
class TestClaudeCodeEndToEnd:
    """Claude Code (bundled CLI) drawing through our MCP server, against the fake API."""

    async def test_turn_draws_streams_and_finishes(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """Text streams as thinking, the line lands on the canvas and the piece is done."""
        # Arrange
        turn = _turn()
        # Act
        async with tools:  # the agent's own MCP client stays open beside Claude Code's
            events = await _run(provider, turn, tools)
            listed = await tools.list_tools()
        # Assert
        deltas = [e.text for e in events if isinstance(e, ThinkingDelta)]
        assert len(deltas) > 1 and "".join(deltas).startswith("Planning a line.")
        assert "The piece is finished." in _thinking(events)
        assert [e.current for e in events if isinstance(e, IterationEvent)] == [1, 2, 3]
        assert TokenUsage(input_tokens=360, output_tokens=90) in events
        strokes = tools.context.state.canvas.strokes
        assert len(strokes) == 1 and [(p.x, p.y) for p in strokes[0].points] == [
            (10, 10),
            (200, 10),
        ]
        assert tools.context.piece_done
        assert fake_api.unknown_paths == []
        assert {f"mcp__drawing__{t.name}" for t in listed} == DRAWING_TOOLS

    async def test_only_drawing_tools_are_offered(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """No Bash, file or web tools: every request offers exactly our drawing tools."""
        # Arrange
        turn = _turn()
        # Act
        await _run(provider, turn, tools)
        # Assert
        calls = fake_api.tool_calls
        assert len(calls) == 3
        assert all(set(call.tool_names) == DRAWING_TOOLS for call in calls)
        first = calls[0]
        assert turn.system_prompt in _all_text(first)
        assert first.body.get("max_tokens") == turn.limits.max_output_tokens
        kinds = [block.get("type") for block in first.last_user_blocks()]
        assert "image" in kinds and turn.user_message in _all_text(first)
        messages = [r for r in fake_api.requests if r.path == "/v1/messages"]
        assert all(r.headers.get("x-api-key") == FAKE_KEY for r in messages)

    async def test_tool_results_reach_the_model(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """The draw_paths result (text and canvas image) is sent back in the next request."""
        # Arrange
        turn = _turn()
        # Act
        await _run(provider, turn, tools)
        # Assert
        results = fake_api.tool_calls[1].tool_results()
        assert [name for name, _ in results] == ["draw_paths"]
        content = results[0][1].get("content")
        assert isinstance(content, list)
        texts = [c.get("text") for c in content if isinstance(c, dict) and c.get("type") == "text"]
        assert any(isinstance(t, str) and t.startswith("Drew 1") for t in texts)
        assert any(isinstance(c, dict) and c.get("type") == "image" for c in content)
        assert [name for name, _ in fake_api.tool_calls[2].tool_results()] == ["mark_piece_done"]

    async def test_file_mentions_in_prompts_are_not_expanded(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """A viewer's '@/path' is delivered verbatim; Claude Code reads no local file."""
        # Arrange
        secret_file = tools.context.workspace_dir / "private.txt"
        secret_file.write_text("TOP-SECRET-CONTENT")
        turn = _turn(f"Draw what @{secret_file} says")
        # Act
        await _run(provider, turn, tools)
        # Assert
        sent = "".join(_all_text(call) for call in fake_api.calls)
        assert f"@{secret_file}" in sent
        assert "TOP-SECRET-CONTENT" not in sent and "Read tool" not in sent

    async def test_session_lasts_the_piece_and_reset_starts_a_new_one(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """A second turn continues the conversation; after reset() the history is gone."""
        # Arrange
        await _run(provider, _turn("Draw turn one."), tools)
        # Act
        await _run(provider, _turn("Draw turn two."), tools)
        await provider.reset()
        await _run(provider, _turn("Draw a new piece."), tools)
        # Assert
        firsts = [c for c in fake_api.tool_calls if not c.tool_results()]
        assert len(firsts) == 3
        assert "Draw turn one." in _all_text(firsts[1])
        assert "Draw turn one." not in _all_text(firsts[2])
        sessions = [
            r.headers.get("x-claude-code-session-id")
            for r in fake_api.requests
            if r.path == "/v1/messages"
        ]
        assert len(set(sessions[:6])) == 1 and sessions[6] not in sessions[:6]

    @pytest.mark.parametrize(
        "script", [failing_script(401, "authentication_error", "invalid x-api-key")], indirect=True
    )
    async def test_invalid_key_is_an_auth_error(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """A 401 is ProviderError AUTH at once: one request, no retry loop."""
        # Arrange
        started = time.monotonic()
        # Act
        with pytest.raises(ProviderError) as caught:
            await _run(provider, _turn(), tools)
        # Assert
        assert caught.value.kind is ProviderErrorKind.AUTH and not caught.value.retryable
        assert FAKE_KEY not in caught.value.message
        assert len(fake_api.calls) == 1 and time.monotonic() - started < 15

    @pytest.mark.parametrize(
        ("script", "kind"),
        [
            (
                failing_script(429, "rate_limit_error", "Too many requests"),
                ProviderErrorKind.RATE_LIMIT,
            ),
            (failing_script(529, "overloaded_error", "Overloaded"), ProviderErrorKind.SERVER),
            (
                failing_script(400, "invalid_request_error", "Your credit balance is too low"),
                ProviderErrorKind.BILLING,
            ),
        ],
        indirect=["script"],
    )
    async def test_api_failures_are_classified(
        self,
        provider: ClaudeProvider,
        tools: ToolSession,
        fake_api: FakeAnthropicAPI,
        kind: ProviderErrorKind,
    ) -> None:
        """Rate limits, overload and billing problems each map to their kind; the session lives."""
        # Arrange
        turn = _turn()
        # Act
        with pytest.raises(ProviderError) as caught:
            await _run(provider, turn, tools)
        fake_api.script = drawing_script(LINE)
        events = await _run(provider, turn, tools)
        # Assert
        assert caught.value.kind is kind
        assert len(tools.context.state.canvas.strokes) == 1 and _thinking(events)

    @pytest.mark.parametrize("script", [_two_tools_at_once], indirect=True)
    async def test_tool_budget_is_enforced(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """With one tool call allowed, draw_paths runs and mark_piece_done is refused."""
        # Arrange
        turn = _turn(max_tool_calls=1)
        # Act
        await _run(provider, turn, tools)
        # Assert
        assert len(tools.context.state.canvas.strokes) == 1
        assert not tools.context.piece_done
        results = dict(fake_api.tool_calls[1].tool_results())
        assert results["draw_paths"].get("is_error") in (None, False)
        assert results["mark_piece_done"].get("is_error") is True

    async def test_rounds_are_bounded(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """A model that keeps calling tools gets max_tool_calls + 1 rounds, then the turn ends."""
        # Arrange
        fake_api.script = _always_view
        turn = _turn(max_tool_calls=2)
        # Act
        events = await _run(provider, turn, tools)
        # Assert
        assert len(fake_api.tool_calls) == 3
        assert "Stopping here" in _thinking(events)

    @pytest.mark.parametrize("script", [_slow_first_round], indirect=True)
    async def test_time_limit_interrupts_and_keeps_the_session(
        self, provider: ClaudeProvider, tools: ToolSession, fake_api: FakeAnthropicAPI
    ) -> None:
        """Past max_seconds the turn is interrupted and ends; the next turn still works."""
        # Arrange
        started = time.monotonic()
        # Act
        slow = await _run(provider, _turn("Draw slow", max_seconds=2.0), tools)
        elapsed = time.monotonic() - started
        quick = await _run(provider, _turn("Draw quick"), tools)
        # Assert
        assert "Out of time" in _thinking(slow) and elapsed < 12
        assert "Made it." in _thinking(quick)
        history = _all_text(fake_api.calls[-1])
        assert "Draw slow" in history and "interrupted" in history
