"""Queued-stroke interpolation and the workspace's size limits.

Agent strokes are queued in batches for clients to animate. Each queued stroke keeps its
interpolated points as a numpy array in memory; only the path is persisted (interpolation is
deterministic, so points are re-derived on load).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from code_monet.config import WorkspaceLimitsSettings
from code_monet.interpolation import interpolate_paths, points_to_dicts
from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.paths import Path


class WorkspaceLimitError(ValueError):
    """A workspace limit would be exceeded; nothing was changed."""


@dataclass(frozen=True, slots=True)
class QueuedStroke:
    path: Path
    points: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PendingBatch:
    batch_id: int
    strokes: tuple[QueuedStroke, ...]

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


def interpolate_strokes(paths: Sequence[Path]) -> tuple[QueuedStroke, ...]:
    """Interpolate every path (CPU-bound: call it through ``asyncio.to_thread``)."""
    return tuple(
        QueuedStroke(path, points)
        for path, points in zip(paths, interpolate_paths(paths), strict=True)
    )


def check_paths(paths: Sequence[Path], limits: WorkspaceLimitsSettings) -> None:
    """Reject paths with more points than a workspace accepts, naming the first offender."""
    for index, path in enumerate(paths):
        if len(path.points) > limits.max_points_per_path:
            raise WorkspaceLimitError(
                f"Path {index} has {len(path.points)} points; the limit is "
                f"{limits.max_points_per_path} points per path"
            )


def check_stroke_capacity(current: int, adding: int, limits: WorkspaceLimitsSettings) -> None:
    if current + adding > limits.max_strokes_per_canvas:
        raise WorkspaceLimitError(
            f"Canvas holds {current} strokes; adding {adding} would exceed the limit of "
            f"{limits.max_strokes_per_canvas} strokes per canvas"
        )


def check_pending_capacity(current: int, adding: int, limits: WorkspaceLimitsSettings) -> None:
    if current + adding > limits.max_pending_strokes:
        raise WorkspaceLimitError(
            f"{current} strokes are waiting to be animated; adding {adding} would exceed the "
            f"limit of {limits.max_pending_strokes} pending strokes"
        )
