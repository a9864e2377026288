"""Agent loop management: when the artist works, and what viewers see while it does.

One ``AgentOrchestrator`` per active user. It is event-driven: the loop sleeps on a wake event
and runs turns only when woken (resume, nudge, new canvas, a viewer returning after a disconnect
pause) while someone is watching, the agent is not paused and the piece is not finished. Tool
events become broadcasts; drawn strokes are queued, announced and animated before the agent goes
on (it waits for ``animation_done`` of that batch, or a timeout from the motion plan).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.drawing_agent import AgentEvent, AgentPausedError, DrawingAgent
from code_monet.agent.providers.base import IterationEvent, ThinkingDelta
from code_monet.live.turn_log import TurnLog
from code_monet.observability import metrics
from code_monet.observability.log_context import user_context
from code_monet.tools.callbacks import CodeExecutionEvent
from code_monet.types.messages import (
    AgentTurnComplete,
    CodeExecutionMessage,
    ErrorMessage,
    GalleryUpdateMessage,
    IterationMessage,
    PausedMessage,
    ServerMessage,
    ThinkingDeltaMessage,
    TurnStateMessage,
)
from code_monet.types.paths import Path
from code_monet.types.state import AgentStatus, PauseReason
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState
from code_monet.workspace.log import STORAGE_ERRNOS, Committed, LogWriteError, describe_os_error

logger = logging.getLogger(__name__)

MAX_RESTART_DELAY_SECONDS = 60.0
MAX_STORAGE_RETRY_SECONDS = 30.0


class Broadcaster(Protocol):
    """How the orchestrator reaches a user's viewers (the server implements it)."""

    async def send(self, message: ServerMessage) -> None:
        """Send one message to every socket of the user."""

    def send_unlogged(self, message: ServerMessage) -> None:
        """Tell every socket what cannot be logged (the log cannot be written)."""

    def on_logged(self, messages: list[Committed]) -> None:
        """Messages written to the user's log (the orchestrator makes this the log's
        listener): send them on."""

    def viewer_count(self) -> int:
        """How many sockets the user has open."""


def animation_timeout(draw_seconds: float, cap: float) -> float:
    """How long to wait for viewers to animate a batch: the plotter plan's time, capped."""
    return min(cap, draw_seconds * 1.25 + 1.0)


@dataclass
class AgentOrchestrator:
    agent: DrawingAgent
    broadcaster: Broadcaster
    animation_timeout_cap: float = 30.0
    _wake_event: asyncio.Event = field(default_factory=asyncio.Event)
    _loop_task: asyncio.Task[None] | None = None
    _turn_task: asyncio.Task[None] | None = None
    _animation_waiters: dict[int, asyncio.Event] = field(default_factory=dict)
    _iteration: int = 0
    _stopping: bool = False
    _crashes: int = 0  # loop deaths since the last turn that ended normally
    turns_run: int = 0
    on_storage_change: Callable[[str | None], None] | None = None
    """Told the reason when this user's writes start failing, None when they work again."""
    _resume_to: PauseReason = PauseReason.NONE
    _recovery: asyncio.Task[None] | None = None
    _storage_retry: asyncio.Event = field(default_factory=asyncio.Event)
    _early_acks: deque[int] = field(default_factory=lambda: deque(maxlen=64))
    _replacing: int = 0  # new pieces being set up (no turn may start meanwhile)
    _ending: asyncio.Future[None] | None = None
    """The last turn's shielded end (turn_state false, turn log), until it is done."""

    def __post_init__(self) -> None:
        self.state.log.listener = self.broadcaster.on_logged

    @property
    def state(self) -> WorkspaceState:
        return self.agent.state

    @property
    def turn_active(self) -> bool:
        return self._turn_task is not None and not self._turn_task.done()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._stopping = False
            task = asyncio.create_task(
                self._run_loop(), name="agent-loop", context=user_context(self.state.user_id)
            )
            task.add_done_callback(self._loop_ended)
            self._loop_task = task

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        """A loop that died of a bug is logged and restarted (after 1, 2, 4 … 60 s), so a
        user who stays connected does not keep a dead artist until their next visit."""
        if task is not self._loop_task or task.cancelled() or self._stopping:
            return
        error = task.exception()
        if error is None:
            return
        delay = min(MAX_RESTART_DELAY_SECONDS, 2.0**self._crashes)
        self._crashes += 1
        logger.error(
            "The agent loop of user %s died; restarting it in %.0f s",
            self.state.user_id,
            delay,
            exc_info=error,
        )
        asyncio.get_running_loop().call_later(delay, self._restart_after_crash)

    def _restart_after_crash(self) -> None:
        if not self._stopping and not self.running:
            self.start()
            self.wake()

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def stop(self) -> None:
        """Stop the loop; a running turn is cancelled."""
        self._stopping = True
        self._wake_event.set()
        for task in (self._turn_task, self._loop_task, self._recovery):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._release_waiters()

    def wake(self) -> None:
        self._wake_event.set()

    def can_run(self) -> bool:
        state = self.state
        return (
            not self._stopping
            and not self._replacing
            and self.broadcaster.viewer_count() > 0
            and not state.piece.paused
            and not state.piece.completed
        )

    async def _run_loop(self) -> None:
        logger.debug("Agent loop running")  # (its records carry the user, no request)
        while not self._stopping:
            await self._wake_event.wait()
            self._wake_event.clear()
            while self.can_run():
                if self._ending is not None and not self._ending.done():
                    await asyncio.wait([self._ending])  # the last turn's end is sent first
                    continue  # (can_run again: the world may have changed meanwhile)
                self._turn_task = asyncio.create_task(self._run_turn(), name="agent-turn")
                with contextlib.suppress(asyncio.CancelledError):
                    await self._turn_task
                self._crashes = 0
                if self._stopping:
                    return

    # ------------------------------------------------------------------ viewer actions

    async def pause(self, reason: PauseReason = PauseReason.USER) -> None:
        """Pause (viewers get ``paused``). A user's pause interrupts a running turn; a
        disconnect lets it finish."""
        if self.state.piece.pause_reason is PauseReason.STORAGE:
            self._resume_to = reason  # what to be once the disk works again
            return
        await self.state.set_paused(reason)
        self.agent.pause()
        if reason is not PauseReason.DISCONNECT and self._turn_task and not self._turn_task.done():
            self._turn_task.cancel()
        self._release_waiters()
        await self.state.set_status(AgentStatus.PAUSED)

    async def resume(self, direction: str | None = None) -> None:
        """Resume (viewers get ``paused:false``). A studio waiting for its first piece takes
        ``direction`` as that piece's prompt; otherwise it is a nudge."""
        piece = self.state.piece
        if direction and piece.pause_reason is PauseReason.WAITING and not piece.prompt:
            await self.state.set_prompt(direction)
        elif direction:
            self.agent.add_nudge(direction)
        if self.state.piece.pause_reason is PauseReason.STORAGE:
            self._resume_to = PauseReason.NONE
            return
        await self.state.set_paused(PauseReason.NONE)
        self.agent.resume()
        await self.state.set_status(AgentStatus.IDLE)
        self.wake()

    async def nudge(self, text: str) -> None:
        """Queue a nudge and wake the artist; a finished piece is reopened, and a studio
        waiting for its first piece begins it (the nudge is its direction)."""
        if self.state.piece.pause_reason is PauseReason.WAITING:
            await self.resume(text)
            return
        self.agent.add_nudge(text)
        if self.state.piece.completed:
            await self.state.set_piece_completed(False)
        self.wake()

    async def new_piece(
        self,
        *,
        direction: str | None = None,
        drawing_style: DrawingStyleType | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> str | None:
        """Save the canvas (if not empty), start the next piece, resume and wake. No turn
        starts meanwhile (one would begin on the old canvas)."""
        self._replacing += 1
        try:
            return await self._replace_piece(direction, drawing_style, width, height)
        finally:
            self._replacing -= 1
            self.wake()

    async def _replace_piece(
        self,
        direction: str | None,
        drawing_style: DrawingStyleType | None,
        width: int | None,
        height: int | None,
    ) -> str | None:
        if self._turn_task and not self._turn_task.done():
            self._turn_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._turn_task
        saved_id = await self.state.new_canvas(
            drawing_style=drawing_style, width=width, height=height, prompt=direction
        )
        await self.agent.reset_session()
        if direction:
            self.agent.add_nudge(direction)
        if self.state.piece.paused:
            await self.state.set_paused(PauseReason.NONE)
        self.agent.resume()
        self.wake()
        return saved_id

    def animation_done(self, batch_id: int) -> None:
        """A client finished animating ``batch_id``: release the agent's wait for it (and for
        older batches; never a newer one). A batch acknowledged before the artist starts
        waiting for it is remembered."""
        waiting = [b for b in self._animation_waiters if b <= batch_id]
        for waited in waiting:  # (an ack of everything so far covers older batches too)
            self._animation_waiters[waited].set()
        if batch_id not in waiting:
            self._early_acks.append(batch_id)

    async def viewer_connected(self) -> None:
        """A viewer arrived: undo a disconnect pause (never a user's own pause)."""
        if self.state.piece.pause_reason is PauseReason.DISCONNECT:
            await self.resume()
        else:
            self.wake()

    async def last_viewer_left(self) -> None:
        if not self.state.piece.paused:
            await self.pause(PauseReason.DISCONNECT)

    # ------------------------------------------------------------------ a turn

    def _callbacks(self, log: TurnLog) -> AgentCallbacks:
        async def on_code_execution(event: CodeExecutionEvent) -> None:
            log.tool(event)
            if event.status == "completed":
                metrics.tool_call(event.tool_name, event.return_code in (None, 0))
            if event.status == "started":
                status = (
                    AgentStatus.EXECUTING
                    if event.tool_name == "generate_svg"
                    else AgentStatus.DRAWING
                )
                await self.state.set_status(status)
            await self.broadcaster.send(
                CodeExecutionMessage(
                    status=event.status,
                    tool_name=event.tool_name,
                    tool_input=event.tool_input,
                    stdout=event.stdout,
                    stderr=event.stderr,
                    return_code=event.return_code,
                    iteration=self._iteration,
                )
            )

        async def on_batch_queued(paths: list[Path], batch_id: int) -> None:
            await self._deliver(batch_id, len(paths))

        async def on_title(title: str) -> None:
            log.note(f"titled: {title}")  # (viewers got piece_title with the title's record)

        # Drawn paths are queued in the same log record that puts them on the canvas; the
        # tools report each queued batch through ``on_batch_queued``.
        return AgentCallbacks(
            on_code_execution=on_code_execution, on_title=on_title, on_batch_queued=on_batch_queued
        )

    async def _deliver(self, batch_id: int, count: int) -> None:
        """Wait until viewers have animated a batch (already sent when it was written; 0: the
        batch was on the canvas already, nothing to wait for)."""
        if not batch_id:
            return
        waiter = asyncio.Event()
        if batch_id in self._early_acks:
            waiter.set()
        self._animation_waiters[batch_id] = waiter
        try:
            timeout = animation_timeout(self._draw_seconds(batch_id), self.animation_timeout_cap)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout=timeout)
        finally:
            self._animation_waiters.pop(batch_id, None)

    def _draw_seconds(self, batch_id: int) -> float:
        """How long a plotter takes to draw a queued batch (0 once it left the queue)."""
        batch = self.state.queue.batch(batch_id)
        return batch.draw_seconds if batch is not None else 0.0

    def _release_waiters(self) -> None:
        for waiter in self._animation_waiters.values():
            waiter.set()

    async def _run_turn(self) -> None:
        log = TurnLog.open(self.state.directory, self.state.piece.number, self.turns_run)
        self.turns_run += 1
        started = time.monotonic()
        outcome = "ok"
        await self.broadcaster.send(TurnStateMessage(active=True))
        await self.state.set_status(AgentStatus.THINKING)

        async def on_event(event: AgentEvent) -> None:
            if isinstance(event, ThinkingDelta):
                log.thinking(event.text)
                await self.broadcaster.send(
                    ThinkingDeltaMessage(text=event.text, iteration=self._iteration)
                )
            elif isinstance(event, IterationEvent):
                self._iteration += 1
                await self.broadcaster.send(IterationMessage(current=event.current, max=event.max))
            elif isinstance(event, AgentTurnComplete) and event.done:
                await self._finish_piece()

        try:
            # Events are handled inline, in this task (the turn's tool session is opened and
            # closed here too): no hand-over between tasks, so a busy server adds no extra
            # event-loop passes between an artist's thought and its strokes.
            await self.agent.play_turn(self._callbacks(log), on_event)
        except LogWriteError:
            outcome = "storage"  # the storage failure handler paused and told the viewers
            log.note("the server could not write; paused")
        except OSError as exc:
            if exc.errno not in STORAGE_ERRNOS:
                raise
            outcome = "storage"  # e.g. the gallery could not be written: the same pause
            log.note(f"the server could not write: {exc}")
            self.storage_failed(
                LogWriteError(describe_os_error(exc), pathlib.Path(str(exc.filename or "?")), exc)
            )
        except AgentPausedError as exc:
            outcome = "paused"
            log.note(f"paused: {exc}")
            await self.broadcaster.send(ErrorMessage(message=str(exc)))
            await self.pause(PauseReason.ERROR)
        except asyncio.CancelledError:
            outcome = "interrupted"
            log.note("interrupted")
            raise
        except Exception as exc:
            outcome = "error"
            logger.exception("Turn failed for user %s", self.state.user_id)
            log.note(f"failed: {exc!r}")
            await self.state.set_status(AgentStatus.ERROR)
            await self.broadcaster.send(
                ErrorMessage(message="The artist hit an unexpected error and paused.")
            )
            await self.pause(PauseReason.ERROR)
        finally:
            metrics.turn_finished(time.monotonic() - started, outcome)
            # Shielded: a second cancel (pause, then a new piece) must not swallow the
            # turn_state{active:false} viewers rely on, nor leave the turn log open. The next
            # turn waits for it (``_ending``), so viewers never see two turns begin in a row.
            self._ending = asyncio.ensure_future(self._end_turn(log))
            await asyncio.shield(self._ending)

    async def _end_turn(self, log: TurnLog) -> None:
        try:
            if log.cheap:
                log.close()  # one small append: cheaper than the hop to a worker thread
            else:
                await asyncio.to_thread(log.close)
        except OSError as exc:  # a diagnostic: never worth failing the turn over
            logger.warning("Could not write the turn log %s: %s", log.path, exc)
        with contextlib.suppress(Exception):
            await self.broadcaster.send(TurnStateMessage(active=False))
            if not self.state.piece.paused:
                await self.state.set_status(AgentStatus.IDLE)

    async def _finish_piece(self) -> None:
        # Saved first: a piece whose save failed (a full disk) is not finished, so the artist
        # finishes it again once writing works.
        await self.state.save_piece()
        await self.state.set_piece_completed(True)
        gallery = await self.state.gallery.entries_async()
        await self.broadcaster.send(GalleryUpdateMessage(canvases=gallery))

    # ------------------------------------------------------------------ storage failures

    def storage_failed(self, error: LogWriteError | None) -> None:
        """(The log's failure listener.) Writing failed: pause the artist in memory (the pause
        cannot be written either), tell every socket why without a ``seq``, and try again with
        back-off until a write works; ``None``: a write worked again."""
        if error is None:
            self._storage_retry.set()  # another write worked: try to resume at once
            if self.on_storage_change is not None:
                self.on_storage_change(None)
            return
        if self.on_storage_change is not None:
            self.on_storage_change(error.reason)
        if self.state.piece.pause_reason is PauseReason.STORAGE:
            return
        self._resume_to = self.state.piece.pause_reason
        self.state.pause_in_memory(PauseReason.STORAGE)
        self.agent.pause()
        if self._turn_task is not None and not self._turn_task.done():
            self._turn_task.cancel()
        self._release_waiters()
        self.broadcaster.send_unlogged(
            ErrorMessage(
                message=f"The artist paused: {error.reason}. Nothing you saw was lost; it "
                "carries on by itself once the server can write again."
            )
        )
        self.broadcaster.send_unlogged(PausedMessage(paused=True, reason="storage"))
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.get_running_loop().create_task(
                self._recover_storage(), name=f"storage-recovery-{self.state.user_id}"
            )

    async def _recover_storage(self) -> None:
        """Retry (1, 2, 4 … 30 s) until the pause state can be written again, then resume."""
        delay = 1.0
        while not self._stopping:
            self._storage_retry.clear()
            with contextlib.suppress(TimeoutError):  # woken by a write that worked, or a timer
                await asyncio.wait_for(self._storage_retry.wait(), timeout=delay)
            delay = min(MAX_STORAGE_RETRY_SECONDS, delay * 2)
            target = self._resume_to
            try:
                await self.state.set_paused(target)
            except LogWriteError:
                continue
            logger.info("Writes work again for user %s; the artist carries on", self.state.user_id)
            if target is PauseReason.NONE:
                self.agent.resume()
                await self.state.set_status(AgentStatus.IDLE)
                self.wake()
            return
