"""The drawing agent: runs the artist's turns against one user's workspace.

``DrawingAgent(state=workspace_state)`` builds each turn's context (system prompt, what changed,
the canvas image), opens an MCP tool session on the agent's own drawing server and lets the
configured provider — builtin, Claude or OpenAI-compatible — work. ``run_turn`` yields thinking
and iteration events and ends with ``AgentTurnComplete``. Retryable provider failures back off
with jitter; auth, billing and quota failures raise ``AgentPausedError`` so the orchestrator can
pause with reason ``error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.prompts import TurnFacts, system_prompt, turn_message
from code_monet.agent.providers.base import (
    ArtistProvider,
    IterationEvent,
    ProviderError,
    ThinkingDelta,
    TokenUsage,
    TurnContext,
    TurnLimits,
)
from code_monet.agent.renderer import agent_view_png
from code_monet.agent.tool_session import ToolSession
from code_monet.tools import ToolContext, available_tool_names
from code_monet.tools.image_generation import ImageProvider
from code_monet.tools.sandbox import CodeSandbox
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


def _provider_from_config() -> ArtistProvider:
    from code_monet.agent.providers.factory import provider_from_env

    return provider_from_env()


class DrawingAgent:
    """The artist for one user. Not shared between users."""

    def __init__(
        self,
        state: WorkspaceState,
        *,
        provider: ArtistProvider | None = None,
        sandbox: CodeSandbox | None = None,
        image_provider: ImageProvider | None = None,
        limits: TurnLimits | None = None,
        retry: RetryPolicy | None = None,
        budget: TokenBudget | None = None,
    ) -> None:
        self.state = state
        self.provider = provider if provider is not None else _provider_from_config()
        self.sandbox = sandbox
        self.image_provider = image_provider
        self.limits = limits or TurnLimits()
        self.retry = retry or RetryPolicy()
        self.budget = budget or TokenBudget()
        self._nudges: list[str] = []
        self._turn_index = 0
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

    @property
    def pending_nudges(self) -> tuple[str, ...]:
        return tuple(self._nudges)

    def pause(self) -> None:
        self.paused = True
        self._interrupt.set()

    def resume(self) -> None:
        self.paused = False
        self._interrupt.clear()

    async def reset_session(self) -> None:
        """A new piece: the provider starts a fresh session and the turn count restarts."""
        await self.provider.reset()
        self._turn_index = 0
        self._humans_seen = self._human_count()
        self._humans_viewed = self._humans_seen

    async def close(self) -> None:
        await self.provider.close()

    def _human_count(self) -> int:
        return self.state.human_stroke_count

    # ------------------------------------------------------------------ turns

    async def _turn_context(self, tools: list[str]) -> TurnContext:
        state = self.state
        width, height = state.canvas_size
        humans = self._human_count()
        nudges = tuple(self._nudges)
        self._nudges.clear()
        facts = TurnFacts(
            width=width,
            height=height,
            style=state.drawing_style,
            piece_number=state.piece_number,
            turn_index=self._turn_index,
            agent_strokes=state.stroke_count - humans,
            human_strokes=humans,
            new_human_strokes=max(0, humans - self._humans_seen),
            prompt=state.prompt,
            nudges=nudges,
            notes=state.notes,
            title=state.title,
        )
        self._humans_seen = humans
        return TurnContext(
            system_prompt=system_prompt(state.drawing_style, width, height, tools=tools),
            user_message=turn_message(facts),
            canvas_png=await agent_view_png(state) if self.sees_images else None,
            canvas_width=width,
            canvas_height=height,
            drawing_style=state.drawing_style,
            piece_number=state.piece_number,
            prompt=state.prompt,
            nudges=nudges,
            human_strokes=facts.new_human_strokes,
            turn_index=self._turn_index,
            limits=self.limits,
        )

    async def run_turn(self, callbacks: AgentCallbacks) -> AsyncIterator[AgentEvent]:
        """Run one turn; yields thinking/iteration events, then ``AgentTurnComplete``."""
        today = _today()
        if self.budget.exhausted(today):
            raise AgentPausedError(
                f"The daily budget of {self.budget.daily_output_tokens} output tokens is used up"
            )
        context = ToolContext(
            state=self.state,
            callbacks=callbacks,
            sandbox=self.sandbox,
            image_provider=self.image_provider,
            human_strokes_seen=self._humans_viewed,
        )
        if not self.sees_images:
            context.inline_image_max_paths = 0  # nobody would look at the reply image
        turn = await self._turn_context(available_tool_names(context))
        thinking: list[str] = []
        async with ToolSession(context, direct=self.direct_tools) as tools:
            for attempt in range(self.retry.attempts):
                try:
                    async for event in self.provider.run_turn(turn, tools):
                        if isinstance(event, TokenUsage):
                            self.budget.charge(event.output_tokens, today)
                            continue
                        if isinstance(event, ThinkingDelta):
                            thinking.append(event.text)
                        yield event
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
        text = "".join(thinking)
        if text:
            await self.state.append_monologue(text + "\n")
        yield AgentTurnComplete(done=context.piece_done, thinking=text)

    async def _interrupted_within(self, seconds: float) -> bool:
        """Wait out a back-off, waking at once if the agent is paused meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._interrupt.wait(), timeout=seconds)
            return True
        return False


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()
