"""The drawing agent: runs the artist's turns against one user's workspace.

``DrawingAgent(state=workspace_state)`` builds each turn's context (system prompt, what changed,
the canvas image), opens an MCP tool session on the agent's own drawing server and lets the
configured provider — builtin, Claude or OpenAI-compatible — work. ``run_turn`` yields thinking
and iteration events and ends with ``AgentTurnComplete``. Retryable provider failures back off
with jitter; auth, billing and quota failures raise ``AgentPausedError`` so the orchestrator can
pause with reason ``error``.

Each turn runs in a task of its own (see ``run_turn``): the tool session and the provider's own
scopes are entered and exited by that task whatever the consumer of the events does.

The artist's progress lives in the workspace, so a restart, a crash or an idle release continues
the piece: the agent starts from ``state.piece.turn_index`` and restores a ``ResumableProvider``'s
progress, saves that progress before every tool call (when it changed) and records the turn when
it completes. A turn that fails or is interrupted does not count (the retry is the same turn),
but what it drew is never drawn again: the provider marked it done before the tool call that
drew it, and that mark was saved before the call ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.prompts import TurnFacts, system_prompt, turn_message
from code_monet.agent.providers.base import (
    ArtistProvider,
    IterationEvent,
    ProviderError,
    ResumableProvider,
    ThinkingDelta,
    TokenUsage,
    TurnContext,
    TurnLimits,
)
from code_monet.agent.tool_session import ToolSession
from code_monet.render.pipeline import render_agent_view_png
from code_monet.sandbox.code_sandbox import CodeSandbox
from code_monet.tools.call_scope import CALL_CANVAS
from code_monet.tools.context import ToolContext
from code_monet.tools.image_generation import ImageProvider
from code_monet.tools.parse_slots import ParseSlots
from code_monet.tools.registry import available_tool_names
from code_monet.types.messages import AgentTurnComplete
from code_monet.workspace import WorkspaceState

__all__ = [
    "AgentCallbacks",
    "AgentEvent",
    "AgentPausedError",
    "AgentTurnComplete",
    "DrawingAgent",
    "RetryPolicy",
    "ThinkingDelta",
]

logger = logging.getLogger(__name__)

AgentEvent = ThinkingDelta | IterationEvent | AgentTurnComplete
MAX_PENDING_NUDGES = 20

Emit = Callable[[AgentEvent], Awaitable[None]]
CANNOT_DRAW = frozenset({"view_canvas", "name_piece", "mark_piece_done"})
"""Tools that never add strokes: no progress needs saving before them."""


class AgentPausedError(Exception):
    """The provider cannot continue without a person (bad key, billing, quota, budget)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 20.0

    def delay(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        backoff = min(self.max_delay, self.base_delay * (2.0**attempt))
        jittered = backoff * (0.5 + rng.random() * 0.5)
        return max(jittered, min(hint or 0.0, self.max_delay))


@dataclass
class TokenBudget:
    """Optional cap on output tokens per user per day (0 = unlimited)."""

    daily_output_tokens: int = 0
    used: int = 0
    day: str = ""

    def charge(self, tokens: int, today: str) -> None:
        if today != self.day:
            self.day, self.used = today, 0
        self.used += tokens

    def exhausted(self, today: str) -> bool:
        if not self.daily_output_tokens:
            return False
        return today == self.day and self.used >= self.daily_output_tokens


class DrawingAgent:
    """The artist for one user. Not shared between users."""

    def __init__(
        self,
        state: WorkspaceState,
        *,
        provider: ArtistProvider,
        sandbox: CodeSandbox | None = None,
        image_provider: ImageProvider | None = None,
        parse_slots: ParseSlots | None = None,
        limits: TurnLimits | None = None,
        retry: RetryPolicy | None = None,
        budget: TokenBudget | None = None,
    ) -> None:
        self.state = state
        self.provider = provider  # the caller chooses it (``providers.factory.artist_provider``)
        self.sandbox = sandbox
        self.image_provider = image_provider
        # The server's cap on agent-output parses at once, shared by every agent; without
        # one (standalone use) this agent has its own.
        self.parse_slots = parse_slots or ParseSlots()
        self.limits = limits or TurnLimits()
        self.retry = retry or RetryPolicy()
        self.budget = budget or TokenBudget()
        self._nudges: list[str] = []
        self._turn_index = state.piece.turn_index  # turns already finished on this piece
        self._saved_progress = state.piece.artist_progress
        # (checked once: an isinstance against a runtime Protocol is slow on the hot path)
        self._resumable = self.provider if isinstance(self.provider, ResumableProvider) else None
        if self._resumable is not None:
            self._resumable.restore(state.piece.artist_progress, state.piece.number)
        self._humans_seen = self._human_count()
        self._humans_viewed = self._humans_seen
        self._interrupt = asyncio.Event()
        self._rng = random.Random()
        self.paused = False
        # Providers that never look at pictures (``sees_images = False``: the builtin artist, a
        # text-only model) get no turn image and no image in draw replies: two renders saved
        # per turn. ``view_canvas`` always answers with the picture.
        self.sees_images = bool(getattr(self.provider, "sees_images", True))
        self.direct_tools = bool(getattr(self.provider, "direct_tools", False))

    # ------------------------------------------------------------------ control

    def add_nudge(self, text: str) -> None:
        """Queue a viewer's nudge for the next turn (oldest dropped past the bound)."""
        cleaned = text.strip()
        if cleaned:
            self._nudges.append(cleaned[:2000])
            del self._nudges[:-MAX_PENDING_NUDGES]

    def pause(self) -> None:
        self.paused = True
        self._interrupt.set()

    def resume(self) -> None:
        self.paused = False
        self._interrupt.clear()

    async def reset_session(self) -> None:
        """A new piece: the provider starts a fresh session and the turn count restarts (the
        workspace's ``new_canvas`` already cleared the saved progress)."""
        await self.provider.reset()
        self._turn_index = 0
        self._saved_progress = None
        self._humans_seen = self._human_count()
        self._humans_viewed = self._humans_seen

    async def close(self) -> None:
        await self.provider.close()

    def _human_count(self) -> int:
        return self.state.canvas.human_stroke_count

    # ------------------------------------------------------------------ turns

    async def _turn_context(self, tools: list[str]) -> TurnContext:
        state = self.state
        width, height = state.canvas.size
        humans = self._human_count()
        nudges = tuple(self._nudges)
        self._nudges.clear()
        facts = TurnFacts(
            width=width,
            height=height,
            style=state.canvas.drawing_style,
            piece_number=state.piece.number,
            turn_index=self._turn_index,
            agent_strokes=state.canvas.stroke_count - humans,
            human_strokes=humans,
            new_human_strokes=max(0, humans - self._humans_seen),
            prompt=state.piece.prompt,
            nudges=nudges,
            notes=state.piece.notes,
            title=state.piece.title,
        )
        self._humans_seen = humans
        return TurnContext(
            system_prompt=system_prompt(state.canvas.drawing_style, width, height, tools=tools),
            user_message=turn_message(facts),
            canvas_png=await agent_view_png(state) if self.sees_images else None,
            canvas_width=width,
            canvas_height=height,
            drawing_style=state.canvas.drawing_style,
            piece_number=state.piece.number,
            prompt=state.piece.prompt,
            nudges=nudges,
            human_strokes=facts.new_human_strokes,
            turn_index=self._turn_index,
            limits=self.limits,
        )

    async def run_turn(self, callbacks: AgentCallbacks) -> AsyncIterator[AgentEvent]:
        """Run one turn; yields thinking/iteration events, then ``AgentTurnComplete``.

        The turn works in a task of its own and hands events over in lockstep: it waits until
        the consumer asks for the next one, as a plain generator would. Why: the tool session
        (an MCP client's anyio task group) and the provider's sessions must be closed by the
        task that opened them, and a consumer that stops iterating, raises or is cancelled used
        to leave that to whichever task finalised the generator. Now closing the iteration
        (``aclose``, or the consumer's task ending) cancels the turn's task and waits for it to
        close its own session; the turn's errors are raised here, in the consumer.
        """
        relay = _Relay()
        worker = asyncio.create_task(self._turn(callbacks, relay.send), name="agent-turn-work")
        worker.add_done_callback(relay.end)
        consumer = asyncio.current_task()

        def consumer_ended(_task: object) -> None:
            worker.cancel()  # a consumer that never closed the iteration: no orphan turn

        if consumer is not None:
            consumer.add_done_callback(consumer_ended)
        try:
            while (event := await relay.receive(worker)) is not None:
                yield event
                relay.taken()
        finally:
            if consumer is not None:
                consumer.remove_done_callback(consumer_ended)
            await _stop(worker, reported=relay.ended)

    async def play_turn(self, callbacks: AgentCallbacks, emit: Emit) -> None:
        """Run one turn in the calling task, handing each event to ``emit`` as it happens
        (thinking, iterations, then ``AgentTurnComplete``). The tool session is opened and
        closed by this task whatever happens; errors are raised here."""
        await self._turn(callbacks, emit)

    async def _turn(self, callbacks: AgentCallbacks, emit: Emit) -> None:
        """The body of a turn: open the tools, let the provider work."""
        today = _today()
        if self.budget.exhausted(today):
            raise AgentPausedError(
                f"The daily budget of {self.budget.daily_output_tokens} output tokens is used up"
            )
        # Every tool call of this turn belongs to the canvas it began on: strokes it commits
        # after a new piece began are refused (the turn's task and the tool server it starts
        # inherit this value).
        CALL_CANVAS.set(self.state.canvas.generation)
        context = ToolContext(
            state=self.state,
            callbacks=callbacks,
            sandbox=self.sandbox,
            image_provider=self.image_provider,
            human_strokes_seen=self._humans_viewed,
            parses=self.parse_slots,
        )
        if not self.sees_images:
            context.inline_image_max_paths = 0  # nobody would look at the reply image
        turn = await self._turn_context(available_tool_names(context))
        thinking: list[str] = []
        async with ToolSession(
            context, direct=self.direct_tools, before_call=self._checkpoint
        ) as tools:
            for attempt in range(self.retry.attempts):
                try:
                    async for event in self.provider.run_turn(turn, tools):
                        if isinstance(event, TokenUsage):
                            self.budget.charge(event.output_tokens, today)
                            continue
                        if isinstance(event, ThinkingDelta):
                            thinking.append(event.text)
                        await emit(event)
                    break
                except ProviderError as exc:
                    if not exc.retryable:
                        raise AgentPausedError(exc.message) from exc
                    if attempt + 1 >= self.retry.attempts or context.piece_done:
                        raise AgentPausedError(
                            f"{exc.message} (gave up after {attempt + 1} attempts)"
                        ) from exc
                    delay = self.retry.delay(attempt, exc.retry_after, self._rng)
                    logger.warning(
                        "Provider %s failed (%s); retrying in %.1fs",
                        self.provider.name,
                        exc.kind.value,
                        delay,
                    )
                    if await self._interrupted_within(delay):
                        break
        self._turn_index += 1
        self._humans_viewed = context.human_strokes_seen
        await self._record(self._provider_progress())
        text = "".join(thinking)
        if text:
            await self.state.append_monologue(text + "\n")
        await emit(AgentTurnComplete(done=context.piece_done, thinking=text))

    def _provider_progress(self) -> str | None:
        if self._resumable is not None:
            return self._resumable.progress()
        return None

    async def _checkpoint(self, tool: str) -> None:
        """Before a tool call: save the provider's progress if it moved, so whatever the call
        draws is already marked done if the process dies while it runs."""
        if tool in CANNOT_DRAW:
            return
        progress = self._provider_progress()
        if progress != self._saved_progress:
            await self._record(progress)

    async def _record(self, progress: str | None) -> None:
        await self.state.record_turn(self._turn_index, progress)
        self._saved_progress = progress

    async def _interrupted_within(self, seconds: float) -> bool:
        """Wait out a back-off, waking at once if the agent is paused meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._interrupt.wait(), timeout=seconds)
            return True
        return False


class _Relay:
    """Hands a turn's events to its consumer one at a time (at most one is ever in flight)."""

    def __init__(self) -> None:
        self._items: asyncio.Queue[AgentEvent | None] = asyncio.Queue()
        self._taken = asyncio.Event()
        self.ended = False
        """The consumer saw the turn end (and got its error, if any)."""

    async def send(self, event: AgentEvent) -> None:
        """From the turn: wait until the consumer has handled ``event`` and asks for more."""
        self._taken.clear()
        self._items.put_nowait(event)
        await self._taken.wait()

    def taken(self) -> None:
        self._taken.set()

    def end(self, _worker: object) -> None:
        self._items.put_nowait(None)

    async def receive(self, worker: asyncio.Task[None]) -> AgentEvent | None:
        """The next event, or None once the turn ended (its error is raised here)."""
        item = await self._items.get()
        if item is None:
            self.ended = True
            worker.result()
        return item


async def _stop(worker: asyncio.Task[None], *, reported: bool) -> None:
    """Cancel a turn's task (if still running) and wait until it has closed its session."""
    if not worker.done():
        worker.cancel()
        await asyncio.wait([worker])
    if reported or worker.cancelled():
        return
    if (error := worker.exception()) is not None:  # the consumer left first: log it, at least
        logger.warning("The turn failed after its consumer stopped: %r", error, exc_info=error)


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


async def agent_view_png(state: WorkspaceState) -> bytes:
    """The canvas as the agent sees it (human strokes highlighted, vision-sized) as PNG; rendered
    off the event loop."""
    canvas = await state.canvas.snapshot()
    return await asyncio.to_thread(render_agent_view_png, canvas)
