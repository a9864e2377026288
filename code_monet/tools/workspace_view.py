"""What the tools may do with a user's workspace: a narrow protocol, not the whole
:class:`~code_monet.workspace.WorkspaceState`.

A tool reads the canvas and the piece's number, draws strokes (through the workspace, which
logs them first) and titles the piece. It never starts a piece, saves to the gallery, pauses
the studio or touches the stroke queue: those belong to the orchestrator and the user's
channel. ``WorkspaceState`` satisfies these protocols structurally (mypy checks it where a
``ToolContext`` is built).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import CanvasState
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.stroke_queue import QueuedBatch


class CanvasView(Protocol):
    """The live canvas, read-only."""

    @property
    def generation(self) -> int:
        """Bumped when a new piece begins (a drawing started before must not land on it)."""
        ...

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def drawing_style(self) -> DrawingStyleType: ...

    async def snapshot(self) -> CanvasState: ...

    async def stroke_paths(self) -> list[StrokePath]: ...


class PieceView(Protocol):
    """The piece being drawn, read-only."""

    @property
    def number(self) -> int: ...


class CanvasAccess(Protocol):
    """Everything the tools use of one user's workspace."""

    @property
    def user_id(self) -> str: ...

    @property
    def directory(self) -> Path:
        """The user's directory (the tools keep reference images under it)."""
        ...

    @property
    def canvas(self) -> CanvasView: ...

    @property
    def piece(self) -> PieceView: ...

    async def add_strokes(
        self,
        paths: Sequence[StrokePath],
        *,
        queue: bool = False,
        canvas_generation: int | None = None,
    ) -> QueuedBatch | None:
        """Draw strokes (logged before they count; see ``WorkspaceState.add_strokes``)."""
        ...

    async def set_title(self, title: str | None) -> None: ...
