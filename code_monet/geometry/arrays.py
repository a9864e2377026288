"""Path → drawing geometry: skia-style verb and point arrays for every path type.

Shared by the skia renderer, the brush expansion and the SVG export. SVG ``d`` strings are
parsed once (``svg_path``, arcs already cubics) and cached per string.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from code_monet.geometry import svg_path
from code_monet.types.geometry import PathType
from code_monet.types.paths import Path

logger = logging.getLogger(__name__)

MOVE: Final = 0
LINE: Final = 1
QUAD: Final = 2
CUBIC: Final = 4
CLOSE: Final = 5

_SIMPLE_VERBS: Final[dict[PathType, tuple[int, ...]]] = {
    PathType.LINE: (MOVE, LINE),
    PathType.QUADRATIC: (MOVE, QUAD),
    PathType.CUBIC: (MOVE, CUBIC),
}
_SEGMENT_VERBS: Final = {"line": LINE, "quad": QUAD, "cubic": CUBIC}


@dataclass(frozen=True, slots=True)
class PathArrays:
    """Skia-ready geometry: verbs (MOVE/LINE/QUAD/CUBIC/CLOSE) and their float32 points."""

    verbs: NDArray[np.uint8]
    points: NDArray[np.float32]


def _simple_arrays(path: Path) -> PathArrays:
    with np.errstate(over="ignore"):
        xy = np.array([(p.x, p.y) for p in path.points], dtype=np.float32)
    if path.type is PathType.POLYLINE:
        verbs = np.full(len(xy), LINE, dtype=np.uint8)
        verbs[0] = MOVE
    else:
        verbs = np.array(_SIMPLE_VERBS[path.type], dtype=np.uint8)
    return PathArrays(verbs, xy)


@lru_cache(maxsize=2048)
def svg_arrays(d: str) -> PathArrays:
    """Arrays of an SVG ``d`` string (cached per string); ``ValueError`` if unparseable."""
    verbs: list[int] = []
    points: list[tuple[float, float]] = []
    for sub in svg_path.parse_path_d(d):
        verbs.append(MOVE)
        points.append(sub.start)
        for seg in sub.segments:
            verbs.append(_SEGMENT_VERBS[seg.kind])
            points.extend(seg.points[1:])
        if sub.closed:
            verbs.append(CLOSE)
    if not points:
        raise ValueError(f"svg path has no drawable geometry: {d[:60]!r}")
    with np.errstate(over="ignore"):
        xy = np.array(points, dtype=np.float32)
    if not np.isfinite(xy).all():
        raise ValueError(f"svg path has coordinates beyond float32 range: {d[:60]!r}")
    arrays = PathArrays(np.array(verbs, dtype=np.uint8), xy)
    arrays.verbs.flags.writeable = False  # shared through the cache
    arrays.points.flags.writeable = False
    return arrays


def path_arrays(path: Path) -> PathArrays | None:
    """Geometry of any path type, or ``None`` (logged) when an svg ``d`` cannot be parsed or
    a coordinate does not fit a float32 (skia's coordinate type)."""
    if path.type is not PathType.SVG:
        arrays = _simple_arrays(path)
        if np.isfinite(arrays.points).all():
            return arrays
        logger.warning("Skipping %s path with out-of-range coordinates", path.type.value)
        return None
    try:
        return svg_arrays(path.d or "")
    except Exception as exc:  # never let one bad path break a render
        logger.warning("Skipping unparseable svg path %r: %s", (path.d or "")[:80], exc)
        return None
