"""AgentOrchestrator: wake semantics, viewers, pause, nudges and animation waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from code_monet.agent.drawing_agent import DrawingAgent, RetryPolicy
from code_monet.agent.providers.base import (
    ProviderError,
    ProviderErrorKind,
    ProviderEvent,
    ThinkingDelta,
    TurnContext,
)
from code_monet.agent.tool_session import ToolSession
from code_monet.live.orchestrator import AgentOrchestrator
from code_monet.types.messages import ServerMessage
from code_monet.types.state import PauseReason
from code_monet.workspace import WorkspaceState
from code_monet.workspace.log import Committed

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01)
_SERVER_MESSAGE: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
LINE = {"type": "line", "points": [{"x": 10, "y": 10}, {"x": 300, "y": 10}]}


class ScriptedProvider:
    """A provider whose turns follow a script: draw a line, then optionally finish."""

    name = "scripted"

    def __init__(self, *, finish_on_turn: int = 1, block: asyncio.Event | None = None) -> None:
        self.turns: list[TurnContext] = []
        self.finish_on_turn = finish_on_turn
        self.block = block
        self.resets = 0
        self.error: ProviderError | None = None

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self.turns.append(turn)
        if self.error is not None:
            raise self.error
        yield ThinkingDelta("Drawing a line. ")
        await tools.call("draw_paths", {"paths": [LINE]})
        if self.block is not None:
            await self.block.wait()
        if len(self.turns) >= self.finish_on_turn:
            await tools.call("mark_piece_done", {})

    async def reset(self) -> None:
        self.resets += 1

    async def close(self) -> None:
        return None


class RecordingBroadcaster:
    """Records messages; acknowledges animations when asked to."""

    def __init__(self, viewers: int = 1) -> None:
        self.messages: list[ServerMessage] = []
        self.viewers = viewers
        self.batches: list[int] = []
        self.orchestrator: AgentOrchestrator | None = None
        self.auto_ack = True

    async def send(self, message: ServerMessage) -> None:
        self.messages.append(message)

    def send_unlogged(self, message: ServerMessage) -> None:
        self.messages.append(message)

    def on_logged(self, committed: list[Committed]) -> None:
        """The workspace log's listener: what the workspace itself announces."""
        for item in committed:
            self.messages.append(_SERVER_MESSAGE.validate_json(item.text))
            if item.batch_id:
                self.batches.append(item.batch_id)
                if self.auto_ack and self.orchestrator is not None:
                    self.orchestrator.animation_done(item.batch_id)

    def viewer_count(self) -> int:
        return self.viewers

    def types(self) -> list[str]:
        return [m.type for m in self.messages]


async def _setup(
    tmp_path: Path,
    provider: ScriptedProvider,
    viewers: int = 1,
    retry: RetryPolicy | None = None,
) -> tuple[AgentOrchestrator, RecordingBroadcaster]:
    state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
    broadcaster = RecordingBroadcaster(viewers)
    orchestrator = AgentOrchestrator(
        DrawingAgent(state, provider=provider, retry=retry),
        broadcaster,
        animation_timeout_cap=5.0,
    )
    broadcaster.orchestrator = orchestrator
    orchestrator.start()
    return orchestrator, broadcaster


async def _until(predicate: object, limit: float = 10.0) -> None:
    """Wait until ``predicate()`` holds (test-side observation of state, bounded in time)."""
    assert callable(predicate)
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - observing the system from outside
            await asyncio.sleep(0.01)


class TestWakeSemantics:
    """Turns run only when woken with viewers present."""

    async def test_no_turn_without_wake(self, tmp_path: Path) -> None:
        """Starting the loop alone runs nothing."""
        # Arrange
        provider = ScriptedProvider()
        orchestrator, _ = await _setup(tmp_path, provider)
        # Act
        await asyncio.sleep(0.05)
        # Assert
        assert provider.turns == []
        await orchestrator.stop()

    async def test_no_turn_without_viewers(self, tmp_path: Path) -> None:
        """A wake with nobody watching does not start a turn."""
        # Arrange
        provider = ScriptedProvider()
        orchestrator, _ = await _setup(tmp_path, provider, viewers=0)
        # Act
        orchestrator.wake()
        await asyncio.sleep(0.05)
        # Assert
        assert provider.turns == []
        await orchestrator.stop()

    async def test_runs_until_piece_done_then_stops(self, tmp_path: Path) -> None:
        """Woken, it runs turns until the piece is done, saves it and goes quiet."""
        # Arrange
        provider = ScriptedProvider(finish_on_turn=2)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        # Act
        orchestrator.wake()
        await _until(lambda: orchestrator.state.piece.completed)
        await _until(lambda: broadcaster.types().count("turn_state") >= 4)
        # Assert
        assert len(provider.turns) == 2
        types = broadcaster.types()
        assert types.count("turn_state") == 4
        assert "thinking_delta" in types and "code_execution" in types
        assert types[-2:] == ["piece_state", "gallery_update"] or "piece_state" in types
        assert [e.id for e in await orchestrator.state.gallery.entries_async()] == ["piece_000001"]
        await orchestrator.stop()

    async def test_nudge_reopens_finished_piece(self, tmp_path: Path) -> None:
        """A nudge after completion reopens the piece and reaches the next turn."""
        # Arrange
        provider = ScriptedProvider(finish_on_turn=1)
        orchestrator, _ = await _setup(tmp_path, provider)
        orchestrator.wake()
        await _until(lambda: orchestrator.state.piece.completed)
        # Act
        await orchestrator.nudge("add some birds")
        await _until(lambda: len(provider.turns) == 2)
        # Assert
        assert provider.turns[1].nudges == ("add some birds",)
        await orchestrator.stop()


class TestPauseAndAnimation:
    """Pausing, disconnects and the animation handshake."""

    async def test_user_pause_interrupts_running_turn(self, tmp_path: Path) -> None:
        """A user's pause cancels the turn in progress promptly."""
        # Arrange
        block = asyncio.Event()
        provider = ScriptedProvider(block=block)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        orchestrator.wake()
        await _until(lambda: orchestrator.turn_active and broadcaster.batches)
        # Act
        await orchestrator.pause(PauseReason.USER)
        await _until(lambda: not orchestrator.turn_active)
        # Assert
        assert orchestrator.state.piece.pause_reason is PauseReason.USER
        assert not orchestrator.state.piece.completed
        turn_states = [m for m in broadcaster.messages if m.type == "turn_state"]
        assert turn_states[-1].active is False  # type: ignore[union-attr]
        assert broadcaster.types()[-2:] in (["turn_state", "paused"], ["paused", "turn_state"])
        await orchestrator.stop()

    async def test_disconnect_pause_lets_turn_finish_and_reconnect_resumes(
        self, tmp_path: Path
    ) -> None:
        """The last viewer leaving lets the turn finish; a viewer returning resumes."""
        # Arrange
        block = asyncio.Event()
        provider = ScriptedProvider(block=block, finish_on_turn=3)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        orchestrator.wake()
        await _until(lambda: orchestrator.turn_active and broadcaster.batches)
        # Act
        broadcaster.viewers = 0
        await orchestrator.last_viewer_left()
        block.set()
        await _until(lambda: not orchestrator.turn_active)
        turns_while_away = len(provider.turns)
        broadcaster.viewers = 1
        await orchestrator.viewer_connected()
        await _until(lambda: orchestrator.state.piece.completed)
        # Assert
        assert turns_while_away == 1
        assert orchestrator.state.piece.pause_reason is PauseReason.NONE
        await orchestrator.stop()

    async def test_user_pause_is_never_auto_resumed(self, tmp_path: Path) -> None:
        """A viewer reconnecting does not undo a user's own pause."""
        # Arrange
        provider = ScriptedProvider()
        orchestrator, _ = await _setup(tmp_path, provider)
        await orchestrator.pause(PauseReason.USER)
        # Act
        await orchestrator.viewer_connected()
        await asyncio.sleep(0.05)
        # Assert
        assert orchestrator.state.piece.pause_reason is PauseReason.USER
        assert provider.turns == []
        await orchestrator.stop()

    async def test_animation_wait_released_only_by_that_batch_or_a_later_one(
        self, tmp_path: Path
    ) -> None:
        """animation_done for an earlier batch does not release the agent; its own (or a later
        one: the viewer animated through it) does."""
        # Arrange
        provider = ScriptedProvider(finish_on_turn=1)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        broadcaster.auto_ack = False
        orchestrator.wake()
        await _until(lambda: bool(broadcaster.batches))
        batch = broadcaster.batches[0]
        # Act
        orchestrator.animation_done(batch - 1)
        await asyncio.sleep(0.1)
        still_waiting = not orchestrator.state.piece.completed
        orchestrator.animation_done(batch + 1)
        await _until(lambda: orchestrator.state.piece.completed)
        # Assert
        assert still_waiting
        await orchestrator.stop()

    async def test_auth_error_pauses_with_error_message(self, tmp_path: Path) -> None:
        """A non-retryable provider failure pauses (reason error) and tells the viewers."""
        # Arrange
        provider = ScriptedProvider()
        provider.error = ProviderError(ProviderErrorKind.AUTH, "The API key was rejected")
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        # Act
        orchestrator.wake()
        await _until(lambda: orchestrator.state.piece.paused)
        # Assert
        assert orchestrator.state.piece.pause_reason is PauseReason.ERROR
        errors = [m for m in broadcaster.messages if m.type == "error"]
        assert errors and "API key was rejected" in errors[0].message  # type: ignore[union-attr]
        await orchestrator.stop()

    async def test_new_piece_saves_and_resets(self, tmp_path: Path) -> None:
        """new_piece saves the canvas, resets the session and uses the direction as prompt."""
        # Arrange
        provider = ScriptedProvider(finish_on_turn=1)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        orchestrator.wake()
        await _until(lambda: orchestrator.state.piece.completed)
        # Act
        saved = await orchestrator.new_piece(direction="a quiet harbour")
        await _until(lambda: len(provider.turns) == 2)
        # Assert
        assert saved == "piece_000001"
        assert provider.resets == 1
        assert provider.turns[1].prompt == "a quiet harbour"
        assert "new_canvas" in broadcaster.types()
        await orchestrator.stop()


@pytest.mark.parametrize("cap", [0.5])
def test_animation_timeout_is_capped(cap: float) -> None:
    """The animation wait never exceeds its cap, however long the plot."""
    # Arrange
    from code_monet.live.orchestrator import animation_timeout
    from code_monet.types import Path as StrokePath
    from code_monet.types import PathType, Point
    from code_monet.workspace.strokes import prepare_strokes

    long_path = StrokePath(
        type=PathType.POLYLINE, points=[Point(x=i % 800, y=(i * 7) % 600) for i in range(500)]
    )
    # Act
    prepared = prepare_strokes([long_path])
    timeout = animation_timeout(prepared.draw_seconds, cap)
    # Assert
    assert prepared.draw_seconds > cap
    assert timeout == cap


class FlakyProvider(ScriptedProvider):
    """Fails with a retryable error a given number of times, then behaves."""

    def __init__(self, failures: int) -> None:
        super().__init__(finish_on_turn=1)
        self.failures = failures
        self.attempts = 0

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ProviderError(ProviderErrorKind.RATE_LIMIT, "Rate limited", retry_after=0.0)
        async for event in super().run_turn(turn, tools):
            yield event


class TestRetries:
    """Retryable provider failures back off and retry; persistent ones pause."""

    async def test_rate_limit_is_retried_then_succeeds(self, tmp_path: Path) -> None:
        """Two rate limits then success: the piece completes without pausing."""
        # Arrange
        provider = FlakyProvider(failures=2)
        orchestrator, _ = await _setup(tmp_path, provider, retry=FAST_RETRY)
        state = orchestrator.state
        # Act
        orchestrator.wake()
        await _until(lambda: state.piece.completed)
        # Assert
        assert provider.attempts == 3
        assert not state.piece.paused
        await orchestrator.stop()

    async def test_persistent_rate_limit_pauses_with_error(self, tmp_path: Path) -> None:
        """When every attempt fails the agent pauses with reason error."""
        # Arrange
        provider = FlakyProvider(failures=10)
        orchestrator, broadcaster = await _setup(tmp_path, provider, retry=FAST_RETRY)
        state = orchestrator.state
        # Act
        orchestrator.wake()
        await _until(lambda: state.piece.paused)
        # Assert
        assert provider.attempts == 3
        assert state.piece.pause_reason is PauseReason.ERROR
        errors = [m for m in broadcaster.messages if m.type == "error"]
        assert errors and "gave up after 3 attempts" in errors[0].message  # type: ignore[union-attr]
        await orchestrator.stop()


class TestLoopCrash:
    """A loop that dies of a bug is logged and restarted while the viewer stays."""

    async def test_a_dead_loop_is_logged_and_restarted(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One crash in the loop itself: an error line, then the artist draws again."""
        # Arrange
        provider = ScriptedProvider(finish_on_turn=99)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        real_can_run = orchestrator.can_run
        crashes: list[int] = []

        def can_run_once_broken() -> bool:
            if not crashes:
                crashes.append(1)
                raise RuntimeError("a bug in the loop")
            return real_can_run()

        orchestrator.can_run = can_run_once_broken  # type: ignore[method-assign]
        # Act
        await orchestrator.resume()
        await _until(lambda: not orchestrator.running)
        died = [r for r in caplog.records if "agent loop" in r.getMessage()]
        await _until(lambda: bool(broadcaster.batches), limit=15.0)  # it draws again
        await orchestrator.stop()
        # Assert
        assert crashes == [1]
        assert died and died[0].levelname == "ERROR" and died[0].exc_info is not None
        assert broadcaster.batches  # it drew after the restart


class TestStorageFailures:
    async def test_a_gallery_that_cannot_be_written_pauses_for_storage_and_recovers(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A full disk while saving the finished piece is not "an unexpected error": the
        artist pauses with reason storage (told without a seq) and, once writing works again,
        carries on and saves the piece."""
        # Arrange
        import errno

        from code_monet.workspace import gallery

        real_write = gallery.atomic_write_bytes

        def full_disk(path: Path, data: bytes, *, durable: bool = True) -> None:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(gallery, "atomic_write_bytes", full_disk)
        provider = ScriptedProvider(finish_on_turn=1)
        orchestrator, broadcaster = await _setup(tmp_path, provider)
        # Act
        orchestrator.wake()
        await _until(lambda: orchestrator.state.piece.pause_reason is PauseReason.STORAGE)
        paused = [m for m in broadcaster.messages if m.type == "paused"]
        monkeypatch.setattr(gallery, "atomic_write_bytes", real_write)
        await _until(lambda: bool(orchestrator.state.gallery.entries()), limit=15)
        # Assert
        assert paused and paused[-1].model_dump().get("reason") == "storage"
        assert paused[-1].seq is None
        errors = [m.model_dump()["message"] for m in broadcaster.messages if m.type == "error"]
        assert any("disk is full" in e for e in errors)
        assert not any("unexpected" in e for e in errors)
        assert not orchestrator.state.piece.paused
        await orchestrator.stop()
