"""The builtin artist's contract with ``DrawingAgent``: what a turn gets and what it yields.

The artist never touches the workspace: it only calls tools through a ``ToolCaller`` (in
production a real MCP client session), exactly as a language model's tool calls would arrive.
``ToolReply`` is the tool session's own reply type, so a ``ToolSession`` is a ``ToolCaller``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from code_monet.agent.tool_session import ToolReply
from code_monet.types.styles import DrawingStyleType

__all__ = ["ThinkingEvent", "ToolCaller", "ToolReply", "TurnFinished", "TurnInput"]


class ToolCaller(Protocol):
    """Calls one tool by name and returns what it replied (errors are replies, not raises)."""

    async def __call__(self, name: str, arguments: dict[str, object]) -> ToolReply: ...


@dataclass(frozen=True)
class TurnInput:
    """What the artist knows at the start of a turn."""

    canvas_width: int
    canvas_height: int
    drawing_style: DrawingStyleType
    piece_number: int
    prompt: str | None
    nudges: tuple[str, ...]  # new nudges since the last turn
    human_strokes: int  # human strokes added since the artist's last turn
    turn_index: int  # 0 for the first turn of a piece


@dataclass(frozen=True)
class ThinkingEvent:
    """Plain-language reasoning, streamed in small chunks."""

    text: str


@dataclass(frozen=True)
class TurnFinished:
    """The turn is over; ``done`` when the piece was signed, named and marked done."""

    done: bool
