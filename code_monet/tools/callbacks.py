"""Callback injection for tool handlers.

Tools never talk to sockets or the orchestrator directly: they report what happened through
these callbacks, which the orchestrator fills in (broadcast ``code_execution``, queue and animate
strokes). The defaults do nothing, so tools also run headless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from code_monet.types.paths import Path

JsonObject = dict[str, object]


@dataclass(frozen=True, slots=True)
class CodeExecutionEvent:
    """A tool call starting or finishing (broadcast as ``code_execution``)."""

    status: Literal["started", "completed"]
    tool_name: str
    tool_input: JsonObject
    stdout: str | None = None
    stderr: str | None = None
    return_code: int | None = None


@dataclass(frozen=True, slots=True)
class ProgramOutput:
    """What an agent-written program printed, reported with its tool call's completion."""

    stdout: str
    stderr: str
    return_code: int | None


OnCodeExecution = Callable[[CodeExecutionEvent], Awaitable[None]]
OnTitle = Callable[[str], Awaitable[None]]
OnBatchQueued = Callable[[list[Path], int], Awaitable[None]]


async def _ignore_event(_event: CodeExecutionEvent) -> None:
    return None


async def _ignore_title(_title: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ToolCallbacks:
    """What the tools report. A finished piece is not a callback: the tools set
    ``ToolContext.piece_done`` and the turn ends with ``AgentTurnComplete(done=True)``."""

    on_code_execution: OnCodeExecution = field(default=_ignore_event)
    on_title: OnTitle = field(default=_ignore_title)
    # When set, drawn paths are queued (for viewers to animate) in the same save as they are
    # added to the canvas, and this is called with them and their batch id (0: nothing was
    # queued). Unset (headless runs), strokes only land on the canvas.
    on_batch_queued: OnBatchQueued | None = None
