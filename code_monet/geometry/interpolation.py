"""Path → points: the evenly spaced points a client animates a stroke through.

Clients draw agent strokes point by point, so every path kind must become a dense polyline.
Straight edges keep their vertices and are split into steps of at most ``spacing``. Bézier
curves (quadratics are raised to cubics) are sampled by a cost that grows with arc length and
with the local second derivative, so tight bends get more points and every chord stays within
``tolerance`` of the curve. It runs on the workspace's hot path, so the work is vectorised with
numpy over whole batches of paths (:func:`interpolate_paths`); each path's result does not
depend on what else is in the batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from code_monet.geometry import svg_path
from code_monet.types.geometry import PathType, PointDict
from code_monet.types.paths import Path

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
XY = tuple[float, float]

DEFAULT_SPACING: Final = 2.0
DEFAULT_TOLERANCE: Final = 0.2
DEFAULT_MAX_POINTS: Final = 20_000

_DUPLICATE_FRACTION: Final = 1e-3  # consecutive points closer than this × spacing are dropped
_CAP: Final = 1e15  # ceiling on lengths and costs, so huge coordinates stay finite
_CURVE_SPACING_MARGIN: Final = 0.96  # curve steps are placed by chord estimates: aim short
_FINE_MIN: Final = 64  # fine parameter intervals per curve (more for long curves)
_FINE_MAX: Final = 256
_TWO_THIRDS: Final = 2.0 / 3.0
_EMPTY: Final = np.empty((0, 2), dtype=np.float64)


def _check_arguments(spacing: float, tolerance: float, max_points: int) -> None:
    if not (math.isfinite(spacing) and spacing > 0):
        raise ValueError(f"spacing must be a positive finite number, got {spacing!r}")
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance must be a positive finite number, got {tolerance!r}")
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points!r}")


# --- skeleton: every path's vertices, with curves hanging off the edges they replace ------


def _elevate(q: tuple[XY, ...]) -> tuple[float, ...]:
    """Cubic control points (x0 y0 … x3 y3) of quadratic ``q``: same curve and parameters."""
    (x0, y0), (x1, y1), (x2, y2) = q
    return (
        x0,
        y0,
        x0 / 3 + x1 * _TWO_THIRDS,
        y0 / 3 + y1 * _TWO_THIRDS,
        x2 / 3 + x1 * _TWO_THIRDS,
        y2 / 3 + y1 * _TWO_THIRDS,
        x2,
        y2,
    )


def _flatten(points: tuple[XY, ...]) -> tuple[float, ...]:
    return tuple(c for p in points for c in p)


@dataclass(slots=True)
class _Skeleton:
    """Vertices of every subpath of every path, in drawing order.

    Vertex ``i`` is reached from vertex ``i - 1`` by a straight edge, or by the cubic listed
    with ``curve_ends == i``; the first vertex of a subpath is reached by a jump (pen up).
    """

    xy: list[XY] = field(default_factory=list)
    sub_firsts: list[int] = field(default_factory=list)
    path_firsts: list[int] = field(default_factory=list)
    curve_ends: list[int] = field(default_factory=list)
    curves: list[tuple[float, ...]] = field(default_factory=list)

    def add(self, path: Path) -> None:
        xy = self.xy
        self.path_firsts.append(len(xy))
        kind = path.type
        if kind is PathType.LINE or kind is PathType.POLYLINE:
            self.sub_firsts.append(len(xy))
            xy.extend([(p.x, p.y) for p in path.points])
            return
        if kind is PathType.QUADRATIC or kind is PathType.CUBIC:
            pts = tuple((p.x, p.y) for p in path.points)
            self.sub_firsts.append(len(xy))
            xy.append(pts[0])
            xy.append(pts[-1])
            self.curve_ends.append(len(xy) - 1)
            self.curves.append(_elevate(pts) if kind is PathType.QUADRATIC else _flatten(pts))
            return
        for sub in svg_path.path_geometry(path):
            if not sub.segments:
                continue
            self.sub_firsts.append(len(xy))
            xy.append(sub.start)
            for seg in sub.segments:
                xy.append(seg.points[-1])
                if seg.kind != "line":
                    self.curve_ends.append(len(xy) - 1)
                    points = seg.points
                    self.curves.append(_elevate(points) if seg.kind == "quad" else _flatten(points))


# --- curves -------------------------------------------------------------------------------


@cache
def _fine_bases(fine: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fine parameters t, cubic Bernstein weights and B'' weights at them, shape (4, fine+1)."""
    t = np.linspace(0.0, 1.0, fine + 1)
    u = 1.0 - t
    second = np.stack((6.0 * u, 6.0 * (t - 2.0 * u), 6.0 * (u - 2.0 * t), 6.0 * t))
    return t, _bernstein(t), second


def _bernstein(t: FloatArray) -> FloatArray:
    out = np.empty((4, len(t)), dtype=np.float64)
    u = 1.0 - t
    ut = 3.0 * t
    ut *= u
    np.multiply(u, u, out=out[0])
    out[0] *= u
    np.multiply(ut, u, out=out[1])
    np.multiply(ut, t, out=out[2])
    np.multiply(t, t, out=out[3])
    out[3] *= t
    return out


def _fine_counts(ctrl: FloatArray, spacing: float) -> IntArray:
    """Fine intervals per cubic, from its own extent only (so batching never changes it)."""
    extent = np.fmin((ctrl.max(axis=2) - ctrl.min(axis=2)).max(axis=1), _CAP)
    fine = np.ceil(extent / (32.0 * spacing))
    fine *= 16.0
    counts: IntArray = np.clip(fine, _FINE_MIN, _FINE_MAX).astype(np.intp)
    return counts


def _curve_costs(ctrl: FloatArray, fine: int, spacing: float, tolerance: float) -> FloatArray:
    """Cumulative sampling cost of each cubic (K, 2, 4) at ``fine`` + 1 even parameters.

    A fine interval with chord ℓ costs ``max(ℓ / spacing, h·√(M / 8·tol))`` where h = 1/fine
    and M is the largest |B''| on it: a chord spanning parameter width w strays at most
    w²·M/8 from the curve, so one unit of cost is one step honouring both ``spacing`` and
    ``tolerance``. B'' is linear in t for a cubic, so its largest norm is at an interval end.
    """
    _, basis, second = _fine_bases(fine)
    pts = ctrl @ basis
    chord = np.hypot(pts[:, 0, 1:] - pts[:, 0, :-1], pts[:, 1, 1:] - pts[:, 1, :-1])
    acc = ctrl @ second
    bend = np.hypot(acc[:, 0], acc[:, 1])
    bend = np.fmax(bend[:, 1:], bend[:, :-1])
    bend *= 1.0 / (8.0 * tolerance * fine * fine)
    np.sqrt(bend, out=bend)
    chord *= 1.0 / (spacing * _CURVE_SPACING_MARGIN)
    cost = np.fmax(chord, bend, out=chord)
    np.fmin(cost, _CAP / fine, out=cost)  # also maps NaN (from overflow) to the cap
    cum = np.empty((len(ctrl), fine + 1), dtype=np.float64)
    cum[:, 0] = 0.0
    np.cumsum(cost, axis=1, out=cum[:, 1:])
    return cum


def _curve_points(
    ctrl: FloatArray, cum: FloatArray, fine_t: FloatArray, steps: IntArray
) -> FloatArray:
    """``steps[k]`` points along cubic k (t = 0 excluded) at equal cost intervals.

    The arithmetic is elementwise and in the same order for one curve or many, so a curve's
    points never depend on its batch.
    """
    if len(ctrl) == 1:
        n = int(steps[0])
        level = ((np.arange(1, n + 1) - n) / n + 1.0) * cum[0, -1]
        t = np.interp(level, cum[0], fine_t)
        rows = ctrl
    else:
        owner = np.repeat(np.arange(len(ctrl)), steps)
        ends = np.cumsum(steps)
        level = (np.arange(1, len(owner) + 1) - ends[owner]) / steps[owner] + 1.0
        level *= cum[owner, -1]
        t = np.empty_like(level)
        for k, (start, stop) in enumerate(zip((ends - steps).tolist(), ends.tolist(), strict=True)):
            t[start:stop] = np.interp(level[start:stop], cum[k], fine_t)
        rows = ctrl[owner]
    w = _bernstein(t)[:, :, None]
    pts: FloatArray = rows[:, :, 0] * w[0]
    pts += rows[:, :, 1] * w[1]
    pts += rows[:, :, 2] * w[2]
    pts += rows[:, :, 3] * w[3]
    return pts


# --- the batch engine ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Result:
    points: FloatArray  # every path's points, concatenated
    path_bounds: IntArray  # path p is points[path_bounds[p]:path_bounds[p + 1]]
    sub_starts: IntArray  # where each subpath begins in points


def _scaled_steps(
    cost: FloatArray, steps: IntArray, path_firsts: IntArray, natural: IntArray, max_points: int
) -> None:
    """Shrink the step counts of paths over ``max_points`` (as if spacing were widened)."""
    for p in np.flatnonzero(natural > max_points).tolist():
        start, stop = int(path_firsts[p]), int(path_firsts[p + 1])
        budget = max_points - (stop - start)
        whole = float(cost[start:stop].sum())
        part = steps[start:stop]
        if budget > 0 and whole > 0:
            np.maximum(
                np.ceil(cost[start:stop] / (whole / budget)), 1.0, out=part, casting="unsafe"
            )
        else:
            part.fill(1)
        part[cost[start:stop] == 0.0] = 1


def _dedupe(out: FloatArray, sub_starts: IntArray, eps: float) -> NDArray[np.bool_] | None:
    """Which points to keep: near-duplicate consecutive points go, every subpath's ends stay.

    ``None`` when every point is kept (the usual case, checked first because it is cheap).
    """
    gaps = np.hypot(out[1:, 0] - out[:-1, 0], out[1:, 1] - out[:-1, 1])
    apart = gaps >= eps  # NaN compares False, so non-finite points are caught here too
    if apart.all():
        return None
    total = len(out)
    sub_lasts = np.append(sub_starts[1:] - 1, total - 1)
    keep = np.empty(total, dtype=np.bool_)
    keep[0] = True
    keep[1:] = apart
    keep[sub_starts] = True
    keep[sub_lasts] = True
    # The point kept just before a subpath's last one may duplicate it: drop that one instead.
    index = np.where(keep, np.arange(total), 0)
    before = np.maximum.accumulate(index)[np.maximum(sub_lasts - 1, 0)]
    gap = out[before] - out[sub_lasts]
    keep[before[(before > sub_starts) & (np.hypot(gap[:, 0], gap[:, 1]) < eps)]] = False
    keep &= np.isfinite(out).all(axis=1)  # guard: inputs are validated finite
    return keep


_Curves = tuple[FloatArray, IntArray, FloatArray, FloatArray]  # ctrl, end vertex, cum, fine t


def _costs(
    skeleton: _Skeleton, verts: FloatArray, spacing: float, tolerance: float
) -> tuple[FloatArray, list[_Curves], bool]:
    """``cost[i]``: steps (in spacing units) needed to reach vertex i; 0 at subpath starts.

    Also the curves grouped by fine resolution, and whether any edge may be a duplicate.
    """
    cost = np.empty(len(verts), dtype=np.float64)
    np.hypot(verts[1:, 0] - verts[:-1, 0], verts[1:, 1] - verts[:-1, 1], out=cost[1:])
    cost *= 1.0 / spacing
    suspect = not bool((cost[1:] >= _DUPLICATE_FRACTION).all())  # NaN counts as suspect
    groups: list[_Curves] = []
    if skeleton.curves:
        curves = np.array(skeleton.curves, dtype=np.float64).reshape(-1, 4, 2)
        ctrl = np.ascontiguousarray(curves.transpose(0, 2, 1))
        ends = np.array(skeleton.curve_ends, dtype=np.intp)
        fine = _fine_counts(ctrl, spacing)
        sizes = [int(fine[0])] if fine.min() == fine.max() else np.unique(fine).tolist()
        for size in sizes:
            pick = fine == size
            group = (ctrl, ends) if len(sizes) == 1 else (ctrl[pick], ends[pick])
            cum = _curve_costs(group[0], size, spacing, tolerance)
            cost[group[1]] = cum[:, -1]
            groups.append((group[0], group[1], cum, _fine_bases(size)[0]))
    cost[skeleton.sub_firsts] = 0.0
    np.fmin(cost, _CAP, out=cost)  # also maps NaN (from overflow) to the cap
    return cost, groups, suspect


def _polyline(path: Path, spacing: float, max_points: int) -> FloatArray | None:
    """Fast path for one line/polyline: the engine's arithmetic minus its bookkeeping.

    ``None`` when the engine must handle it (near-duplicate vertices, or too many points).
    """
    verts = np.array([(p.x, p.y) for p in path.points], dtype=np.float64)
    cost = np.hypot(verts[1:, 0] - verts[:-1, 0], verts[1:, 1] - verts[:-1, 1])
    cost *= 1.0 / spacing
    if not bool((cost >= _DUPLICATE_FRACTION).all()) or float(cost.max()) > _CAP:
        return None  # duplicates, or huge coordinates (the engine handles overflow)
    np.fmin(cost, _CAP, out=cost)
    steps = np.ceil(cost).astype(np.intp)
    total = int(steps.sum()) + 1
    if total > max_points:
        return None
    owner = np.repeat(np.arange(1, len(verts)), steps)
    starts = np.cumsum(steps) - steps  # chunk of vertex i starts at starts[i - 1] + 1
    t = ((np.arange(total - 1) - starts[owner - 1] + 1) / steps[owner - 1])[:, None]
    out = np.empty((total, 2), dtype=np.float64)
    out[0] = verts[0]
    out[1:] = verts[owner - 1] * (1.0 - t) + verts[owner] * t
    return out


def _single_curve(
    path: Path, spacing: float, tolerance: float, max_points: int
) -> FloatArray | None:
    """Fast path for one quadratic/cubic: the engine's arithmetic minus its bookkeeping.

    ``None`` when the engine must handle it (too many points, duplicates or overflow).
    """
    xy = tuple((p.x, p.y) for p in path.points)
    flat = _elevate(xy) if path.type is PathType.QUADRATIC else _flatten(xy)
    ctrl = np.ascontiguousarray(
        np.array(flat, dtype=np.float64).reshape(1, 4, 2).transpose(0, 2, 1)
    )
    fine = int(_fine_counts(ctrl, spacing)[0])
    cum = _curve_costs(ctrl, fine, spacing, tolerance)
    cost = float(cum[0, -1])
    if not cost < max_points - 1:  # also catches NaN
        return None
    steps = max(math.ceil(cost), 1)
    out = np.empty((steps + 1, 2), dtype=np.float64)
    out[0] = xy[0]
    out[1:] = _curve_points(ctrl, cum, _fine_bases(fine)[0], np.array([steps], dtype=np.intp))
    gaps = np.hypot(out[1:, 0] - out[:-1, 0], out[1:, 1] - out[:-1, 1])
    return out if bool((gaps >= _DUPLICATE_FRACTION * spacing).all()) else None


def _engine(paths: Sequence[Path], spacing: float, tolerance: float, max_points: int) -> _Result:
    # Huge (finite) coordinates may overflow differences; every such value is capped or
    # caught, so the warnings are noise.
    with np.errstate(over="ignore", invalid="ignore"):
        return _run(paths, spacing, tolerance, max_points)


def _run(paths: Sequence[Path], spacing: float, tolerance: float, max_points: int) -> _Result:
    skeleton = _Skeleton()
    for path in paths:
        skeleton.add(path)
    count = len(skeleton.xy)
    path_firsts = np.array([*skeleton.path_firsts, count], dtype=np.intp)
    if count == 0:
        return _Result(_EMPTY, path_firsts, path_firsts[:0])
    verts = np.array(skeleton.xy, dtype=np.float64)
    firsts = np.array(skeleton.sub_firsts, dtype=np.intp)
    cost, groups, suspect = _costs(skeleton, verts, spacing, tolerance)
    steps = np.ceil(cost).astype(np.intp)
    np.maximum(steps, 1, out=steps)
    csum = np.empty(count + 1, dtype=np.intp)
    csum[0] = 0
    np.cumsum(steps, out=csum[1:])
    natural = csum[path_firsts[1:]] - csum[path_firsts[:-1]]
    if int(natural.max()) > max_points:
        _scaled_steps(cost, steps, path_firsts, natural, max_points)
        np.cumsum(steps, out=csum[1:])

    # Vertex i's points fill out[csum[i]:csum[i + 1]]: its subpath start, or the steps of the
    # edge or curve that reaches it.
    total = int(csum[-1])
    out = np.empty((total, 2), dtype=np.float64)
    sub_starts = csum[firsts]
    out[sub_starts] = verts[firsts]
    simple = len(firsts) == 1
    if not groups:
        line_ends = np.arange(1, count) if simple else np.flatnonzero(_not_starts(count, firsts))
    elif count > 2 or not simple:
        is_line = _not_starts(count, firsts)
        for _, ends, _, _ in groups:
            is_line[ends] = False
        line_ends = np.flatnonzero(is_line)
    else:
        line_ends = np.empty(0, dtype=np.intp)
    if len(line_ends):
        n = steps[line_ends]
        owner = np.repeat(line_ends, n)
        if simple and not groups:
            at = np.arange(1, total)
            t = ((at - csum[owner] + 1) / steps[owner])[:, None]
        else:
            local = np.arange(len(owner)) - np.repeat(np.cumsum(n) - n, n)  # step - 1
            at = csum[owner] + local
            t = ((local + 1) / steps[owner])[:, None]
        # Convex form: exactly the vertex at t = 1, and no overflow for huge coordinates.
        out[at] = verts[owner - 1] * (1.0 - t) + verts[owner] * t
    for ctrl, ends, cum, fine_t in groups:
        k_steps = steps[ends]
        pts = _curve_points(ctrl, cum, fine_t, k_steps)
        if simple and count == 2:
            out[1:] = pts
        else:
            at = np.repeat(csum[ends + 1] - np.cumsum(k_steps), k_steps)
            out[at + np.arange(len(at))] = pts

    path_bounds = csum[path_firsts]
    if groups or suspect:
        keep = _dedupe(out, sub_starts, _DUPLICATE_FRACTION * spacing)
        if keep is not None:
            index = np.concatenate(([0], np.cumsum(keep)))
            out, path_bounds, sub_starts = out[keep], index[path_bounds], index[sub_starts]
    return _Result(out, path_bounds, sub_starts)


def _not_starts(count: int, firsts: IntArray) -> NDArray[np.bool_]:
    """True for every vertex that is not a subpath start."""
    mask = np.ones(count, dtype=np.bool_)
    mask[firsts] = False
    return mask


# --- public API -----------------------------------------------------------------------------


def interpolate_paths(
    paths: Sequence[Path],
    *,
    spacing: float = DEFAULT_SPACING,
    tolerance: float = DEFAULT_TOLERANCE,
    max_points: int = DEFAULT_MAX_POINTS,
) -> list[FloatArray]:
    """:func:`interpolate_path` for many paths at once (much faster; identical results)."""
    _check_arguments(spacing, tolerance, max_points)
    if not paths:
        return []
    result = _engine(paths, spacing, tolerance, max_points)
    if len(paths) == 1:
        return [result.points]
    return np.split(result.points, result.path_bounds[1:-1])


def interpolate_subpaths(
    path: Path,
    *,
    spacing: float = DEFAULT_SPACING,
    tolerance: float = DEFAULT_TOLERANCE,
    max_points: int = DEFAULT_MAX_POINTS,
) -> list[FloatArray]:
    """One float64 ``(N, 2)`` array per pen-down run (subpath) of ``path``.

    Edges keep their vertices and are split so consecutive points are at most ``spacing``
    apart; curves get more points where they bend, chords within ``tolerance`` of the curve
    (and steps within ``spacing``, up to the accuracy of an arc-length estimate). First and
    last points are exact; near-duplicate consecutive points are dropped. When the natural
    count exceeds ``max_points`` the spacing (and tolerance) widen to fit; the count never
    exceeds ``max(max_points, vertices + subpaths)``. Subpaths without segments are skipped.
    Raises ``ValueError`` for a non-positive spacing or tolerance, or ``max_points < 2``.
    """
    _check_arguments(spacing, tolerance, max_points)
    result = _engine([path], spacing, tolerance, max_points)
    if len(result.sub_starts) <= 1:
        return [result.points] if len(result.points) else []
    return [part for part in np.split(result.points, result.sub_starts[1:]) if len(part)]


def interpolate_path(
    path: Path,
    *,
    spacing: float = DEFAULT_SPACING,
    tolerance: float = DEFAULT_TOLERANCE,
    max_points: int = DEFAULT_MAX_POINTS,
) -> FloatArray:
    """Every subpath of ``path`` interpolated and concatenated, shape ``(N, 2)``."""
    _check_arguments(spacing, tolerance, max_points)
    if path.type is PathType.POLYLINE or path.type is PathType.LINE:
        with np.errstate(over="ignore", invalid="ignore"):
            fast = _polyline(path, spacing, max_points)
        if fast is not None:
            return fast
    elif path.type is PathType.CUBIC or path.type is PathType.QUADRATIC:
        with np.errstate(over="ignore", invalid="ignore"):
            fast = _single_curve(path, spacing, tolerance, max_points)
        if fast is not None:
            return fast
    return _engine([path], spacing, tolerance, max_points).points


def points_to_dicts(arr: FloatArray) -> list[PointDict]:
    """``{"x": …, "y": …}`` dicts for the wire (hot path: one ``tolist`` per column, which
    beats iterating rows)."""
    return [{"x": x, "y": y} for x, y in zip(arr[:, 0].tolist(), arr[:, 1].tolist(), strict=True)]
