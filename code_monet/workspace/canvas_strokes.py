"""The live canvas's strokes, held in memory as their encoded JSON.

A canvas only grows between clears, and most of the time its strokes are only *written*
(appended, saved, counted). Keeping each stroke as one JSON string instead of a Pydantic
``Path`` with its ``Point`` models takes a fraction of the memory and — what matters for
latency — gives Python's cyclic garbage collector nothing to walk: a string is not a tracked
object, while a two-point ``Path`` is eight. With a few hundred busy studios the model form made
full collections pause the server for over half a second.

Strokes are decoded back into ``Path`` models only when a whole canvas is needed (rendering, the
``init`` message, saving a piece to the gallery); :meth:`CanvasStrokes.paths` does that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from pydantic import TypeAdapter

from code_monet.types.paths import Author
from code_monet.types.paths import Path as StrokePath

INLINE_DECODE_MAX_STROKES = 200
"""Canvases up to this many strokes decode on the event loop (about a millisecond)."""

_PATH_LIST: TypeAdapter[list[StrokePath]] = TypeAdapter(list[StrokePath])


class CanvasStrokes:
    """An append-only (until cleared) list of strokes kept as JSON, with author counts."""

    __slots__ = ("_human", "_json")

    def __init__(self) -> None:
        self._json: list[str] = []
        self._human = 0

    @classmethod
    def of(cls, paths: Iterable[StrokePath]) -> CanvasStrokes:
        strokes = cls()
        strokes.extend(paths)
        return strokes

    def __len__(self) -> int:
        return len(self._json)

    @property
    def human_count(self) -> int:
        """How many strokes people drew (the rest are the artist's)."""
        return self._human

    def extend(self, paths: Iterable[StrokePath]) -> None:
        for path in paths:
            self._json.append(path.model_dump_json())
            self._human += path.author is Author.HUMAN

    def extend_encoded(self, encoded: Sequence[str], human: int) -> None:
        """Append strokes already encoded (``human`` of them drawn by people)."""
        self._json.extend(encoded)
        self._human += human

    def snapshot(self) -> CanvasStrokes:
        """A copy that later appends do not change (cheap: the strings are shared)."""
        copy = CanvasStrokes()
        copy._json = list(self._json)
        copy._human = self._human
        return copy

    def clear(self) -> None:
        self._json.clear()
        self._human = 0

    def encoded(self) -> Sequence[str]:
        """Each stroke's JSON, oldest first (a view: do not keep it across mutations)."""
        return self._json

    def json_array(self) -> str:
        """The strokes as one JSON array, exactly as ``list[Path]`` would serialise."""
        return "[" + ",".join(self._json) + "]"

    def paths(self) -> list[StrokePath]:
        """Decode every stroke into a fresh ``Path`` (CPU-bound for big canvases)."""
        return _PATH_LIST.validate_json(self.json_array())

    async def paths_async(self) -> list[StrokePath]:
        """:meth:`paths`, in a worker thread unless the canvas is small. Call it on a
        :meth:`snapshot` if the canvas may change meanwhile."""
        if len(self._json) <= INLINE_DECODE_MAX_STROKES:
            return self.paths()
        return await asyncio.to_thread(self.paths)
