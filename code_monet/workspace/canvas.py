"""The live canvas: the piece being drawn — its size, its style and its strokes.

It only changes when :class:`~code_monet.workspace.state.WorkspaceState` applies a record it
has written to the user's log (or replays one), so it has no writing methods of its own that a
caller could use to skip the log: readers use the properties, the workspace the ``apply_*``
methods.
"""

from __future__ import annotations

from collections.abc import Sequence

from code_monet.types.paths import Author
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import CanvasState, clamp_canvas_size
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.canvas_strokes import CanvasStrokes


class LiveCanvas:
    """The current canvas: settings as a strokeless ``CanvasState``, strokes as JSON."""

    __slots__ = ("_settings", "_strokes", "generation")

    def __init__(self, canvas: CanvasState) -> None:
        self._strokes = CanvasStrokes.of(canvas.strokes)
        self._settings = canvas.model_copy(update={"strokes": []})
        self.generation = 0
        """Bumped whenever a new canvas begins (in memory: a tool call in flight across a new
        piece must not draw on it; nothing is in flight across a restart)."""

    # ------------------------------------------------------------------ applied from the log

    def apply_strokes(self, paths: Sequence[StrokePath], encoded: Sequence[str] | None) -> None:
        """Append strokes (``encoded``: their JSON, when the caller has it already)."""
        if encoded is None:
            self._strokes.extend(paths)
        else:
            self._strokes.extend_encoded(encoded, sum(p.author is Author.HUMAN for p in paths))

    def apply_clear(self) -> None:
        self._strokes.clear()

    def apply_new(self, canvas: CanvasState) -> None:
        """Begin a new, empty canvas of ``canvas``'s size and style."""
        self._settings = canvas.model_copy(update={"strokes": []})
        self._strokes.clear()
        self.generation += 1

    def apply_style(self, style: DrawingStyleType) -> None:
        self._settings.drawing_style = style

    # ------------------------------------------------------------------ reading

    @property
    def settings(self) -> CanvasState:
        """Size and style, without strokes (a copy)."""
        return self._settings.model_copy()

    def next_settings(
        self, width: int | None, height: int | None, style: DrawingStyleType | None
    ) -> CanvasState:
        """The settings of a new canvas: a size asked for is clamped to the protocol's range,
        what is not asked for stays as it is."""
        return CanvasState(
            width=clamp_canvas_size(width, self._settings.width),
            height=clamp_canvas_size(height, self._settings.height),
            drawing_style=style or self._settings.drawing_style,
        )

    @property
    def size(self) -> tuple[int, int]:
        return self._settings.width, self._settings.height

    @property
    def drawing_style(self) -> DrawingStyleType:
        return self._settings.drawing_style

    @property
    def stroke_count(self) -> int:
        return len(self._strokes)

    @property
    def human_stroke_count(self) -> int:
        """Strokes people drew on the current canvas."""
        return self._strokes.human_count

    @property
    def strokes(self) -> list[StrokePath]:
        """The strokes, decoded (a fresh list of fresh models on every call; CPU-bound for
        big canvases: prefer :meth:`stroke_paths` on the event loop)."""
        return self._strokes.paths()

    async def stroke_paths(self) -> list[StrokePath]:
        """:attr:`strokes`, decoded off the event loop when the canvas is big."""
        return await self._strokes.snapshot().paths_async()

    async def snapshot(self) -> CanvasState:
        """The whole canvas with its strokes, decoded off the event loop when it is big."""
        canvas = self._settings.model_copy()
        canvas.strokes = await self.stroke_paths()
        return canvas

    def strokes_json(self) -> str:
        """The strokes as one JSON array (no decoding: for building frames)."""
        return self._strokes.json_array()

    def frozen_strokes(self) -> CanvasStrokes:
        """The strokes as they are now, unchanged by later appends (cheap: for snapshots and
        saving a piece, decoded or encoded in a worker thread)."""
        return self._strokes.snapshot()
