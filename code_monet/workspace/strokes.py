"""Queued-stroke interpolation and the workspace's size limits.

Agent strokes are queued in batches for clients to animate. Each queued stroke keeps its
interpolated points as a numpy array in memory; only the path is persisted (interpolation is
deterministic, so points are re-derived on load). A batch also knows how long a plotter takes
to draw it (the motion plan), which bounds how long the artist waits for viewers to animate it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from code_monet.geometry.interpolation import interpolate_paths, points_to_dicts
from code_monet.geometry.motion import plan_motion
from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.paths import Path
from code_monet.workspace.limits import WorkspaceLimits


class WorkspaceLimitError(ValueError):
    """A workspace limit would be exceeded; nothing was changed."""


class StaleCanvasError(ValueError):
    """Strokes meant for a canvas that has since been replaced by a new piece; not drawn."""


@dataclass(frozen=True, slots=True)
class QueuedStroke:
    path: Path
    points: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PreparedStrokes:
    """Paths interpolated for animation, with the plotter's time to draw them."""

    strokes: tuple[QueuedStroke, ...]
    draw_seconds: float


@dataclass(frozen=True, slots=True)
class PendingBatch:
    batch_id: int
    strokes: tuple[QueuedStroke, ...]
    draw_seconds: float = 0.0

    @property
    def point_count(self) -> int:
        return sum(len(s.points) for s in self.strokes)

    def to_dicts(self) -> list[PendingStrokeDict]:
        return [
            {
                "batch_id": self.batch_id,
                "path": s.path.to_dict(),
                "points": points_to_dicts(s.points),
            }
            for s in self.strokes
        ]


INLINE_PREPARE_MAX_POINTS = 400
"""Batches with at most this many input points are prepared on the event loop (well under a
millisecond: a thread hop would cost about as much); bigger ones go to a worker thread."""


def interpolate_strokes(paths: Sequence[Path]) -> tuple[QueuedStroke, ...]:
    """Interpolate every path (CPU-bound: call it through ``asyncio.to_thread``)."""
    return tuple(
        QueuedStroke(path, points)
        for path, points in zip(paths, interpolate_paths(paths), strict=True)
    )


def prepare_strokes(paths: Sequence[Path]) -> PreparedStrokes:
    """Interpolate ``paths`` and time them with the motion planner (CPU-bound)."""
    strokes = interpolate_strokes(paths)
    runs = [s.points for s in strokes if len(s.points)]
    return PreparedStrokes(strokes, plan_motion(runs).total_time if runs else 0.0)


async def prepare_strokes_async(paths: Sequence[Path]) -> PreparedStrokes:
    """:func:`prepare_strokes`, inline for small batches and in a worker thread otherwise."""
    if sum(len(p.points) for p in paths) <= INLINE_PREPARE_MAX_POINTS:
        return prepare_strokes(paths)
    return await asyncio.to_thread(prepare_strokes, paths)


def check_paths(paths: Sequence[Path], limits: WorkspaceLimits) -> None:
    """Reject paths with more points than a workspace accepts, naming the first offender."""
    for index, path in enumerate(paths):
        if len(path.points) > limits.max_points_per_path:
            raise WorkspaceLimitError(
                f"Path {index} has {len(path.points)} points; the limit is "
                f"{limits.max_points_per_path} points per path"
            )


def check_stroke_capacity(current: int, adding: int, limits: WorkspaceLimits) -> None:
    if current + adding > limits.max_strokes_per_canvas:
        raise WorkspaceLimitError(
            f"Canvas holds {current} strokes; adding {adding} would exceed the limit of "
            f"{limits.max_strokes_per_canvas} strokes per canvas"
        )


def check_pending_capacity(current: int, adding: int, limits: WorkspaceLimits) -> None:
    if current + adding > limits.max_pending_strokes:
        raise WorkspaceLimitError(
            f"{current} strokes are waiting to be animated; adding {adding} would exceed the "
            f"limit of {limits.max_pending_strokes} pending strokes"
        )
