"""The contract between ``DrawingAgent`` and an artist provider.

A provider runs one turn: it reads the turn's context (system prompt, the turn message and the
canvas image), calls tools through the agent's ``ToolSession`` and streams what it thinks. It
never touches the workspace directly. Failures are ``ProviderError``s whose kind tells the agent
whether to retry (rate limit, 5xx, timeout, connection) or pause (auth, billing, quota).

A provider with state of its own that a restart must not lose also implements
``ResumableProvider``: the agent saves ``progress()`` in the workspace before every tool call and
after every turn, and hands it back through ``restore`` when an artist is built for a workspace.
The Claude and OpenAI-compatible providers need nothing beyond the turn index the agent keeps:
each turn's message carries the canvas (and its facts), so whatever is drawn is what they see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from code_monet.agent.tool_session import ToolSession
from code_monet.types.styles import DrawingStyleType


@dataclass(frozen=True, slots=True)
class TurnLimits:
    max_tool_calls: int = 12
    max_output_tokens: int = 8000
    max_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class TurnContext:
    """Everything a provider may use for one turn."""

    system_prompt: str
    user_message: str
    canvas_png: bytes | None
    canvas_width: int
    canvas_height: int
    drawing_style: DrawingStyleType
    piece_number: int
    prompt: str | None
    nudges: tuple[str, ...]
    human_strokes: int
    turn_index: int
    limits: TurnLimits


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """New reasoning text (only the new part)."""

    text: str


@dataclass(frozen=True, slots=True)
class IterationEvent:
    """The provider started model round ``current`` of at most ``max`` this turn."""

    current: int
    max: int


@dataclass(frozen=True, slots=True)
class TokenUsage:
    input_tokens: int
    output_tokens: int


ProviderEvent = ThinkingDelta | IterationEvent | TokenUsage


class ProviderErrorKind(StrEnum):
    AUTH = "auth"
    BILLING = "billing"
    QUOTA = "quota"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BAD_REQUEST = "bad_request"


RETRYABLE_KINDS = frozenset(
    {
        ProviderErrorKind.RATE_LIMIT,
        ProviderErrorKind.SERVER,
        ProviderErrorKind.TIMEOUT,
        ProviderErrorKind.CONNECTION,
    }
)


class ProviderError(Exception):
    """A provider failure; ``message`` is safe to show viewers (never contains secrets)."""

    def __init__(
        self, kind: ProviderErrorKind, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


class ArtistProvider(Protocol):
    """One artist backend. ``reset`` starts a new piece (a new model session)."""

    name: str

    def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]: ...

    async def reset(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class ResumableProvider(Protocol):
    """A provider whose progress through a piece survives restarts (optional)."""

    def progress(self) -> str | None:
        """The current piece's resumable state as text (None: nothing to keep)."""

    def restore(self, progress: str | None, piece_number: int) -> None:
        """Continue piece ``piece_number`` from ``progress``; unusable text is ignored with a
        warning, never raised."""
