"""Stroke ordering for pen plotters: draw the runs in an order that keeps pen-up travel short.

A plotter spends much of its time travelling with the pen up between strokes. Greedy nearest
neighbour (the ordering axi and saxi use) picks, from wherever the pen is, the closest
remaining run, entered at whichever end is nearer; distances are computed with numpy for all
remaining runs at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Order = list[tuple[int, bool]]


def _endpoints(polylines: Sequence[FloatArray]) -> tuple[FloatArray, FloatArray]:
    """First and last point of every run, each shape (n, 2); ``ValueError`` if malformed."""
    firsts = np.empty((len(polylines), 2), dtype=np.float64)
    lasts = np.empty((len(polylines), 2), dtype=np.float64)
    for index, run in enumerate(polylines):
        arr = np.asarray(run, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
            raise ValueError(f"polyline {index} has shape {arr.shape}; expected (N >= 1, 2)")
        if not np.isfinite(arr[[0, -1]]).all():
            raise ValueError(f"polyline {index} has a non-finite endpoint")
        firsts[index] = arr[0]
        lasts[index] = arr[-1]
    return firsts, lasts


def _check_start(start: tuple[float, float]) -> tuple[float, float]:
    x, y = float(start[0]), float(start[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"start must be a finite point, got {start!r}")
    return x, y


def order_paths(polylines: Sequence[FloatArray], start: tuple[float, float] = (0.0, 0.0)) -> Order:
    """A travel-minimising drawing order: ``(index, reversed)`` for every run, each once.

    Greedy nearest neighbour from ``start``: the next run is the one with the nearest end;
    ``reversed`` is True when that is its last point (the run is then drawn backwards). Exact
    ties prefer entering at a first point, then the lower index.
    """
    x, y = _check_start(start)
    firsts, lasts = _endpoints(polylines)
    count = len(firsts)
    # Candidate entry points: every run's first point, then every run's last point.
    xs = np.concatenate((firsts[:, 0], lasts[:, 0]))
    ys = np.concatenate((firsts[:, 1], lasts[:, 1]))
    ids = np.concatenate((np.arange(count), np.arange(count)))
    order: Order = []
    dx = np.empty_like(xs)
    dy = np.empty_like(ys)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(count):
            np.subtract(xs, x, out=dx)
            np.subtract(ys, y, out=dy)
            dx *= dx
            dy *= dy
            dx += dy
            pick = int(np.argmin(dx))
            run = int(ids[pick])
            reverse = pick >= len(xs) // 2
            order.append((run, reverse))
            x, y = (firsts if reverse else lasts)[run]
            # Retire both entry points of the run; shrink the arrays once half are retired.
            xs[pick] = np.inf
            xs[pick + (-1 if reverse else 1) * (len(xs) // 2)] = np.inf
            remaining = count - len(order)
            if len(xs) > 64 and 4 * remaining <= len(xs):
                xs, ys, ids = _compact(xs, ys, ids)
                dx, dy = np.empty_like(xs), np.empty_like(ys)
    return order


def _compact(
    xs: FloatArray, ys: FloatArray, ids: NDArray[np.intp]
) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """Keep only live candidates, still as [all first points, all last points]."""
    half = len(xs) // 2
    live = np.flatnonzero(xs[:half] != np.inf)
    keep = np.concatenate((live, live + half))
    return xs[keep], ys[keep], ids[keep]


def apply_order(polylines: Sequence[FloatArray], order: Order) -> list[FloatArray]:
    """The runs in ``order``, reversed ones flipped (views, not copies)."""
    result: list[FloatArray] = []
    for index, reverse in order:
        run = np.asarray(polylines[index], dtype=np.float64)
        result.append(run[::-1] if reverse else run)
    return result


def travel_distance(
    polylines: Sequence[FloatArray], start: tuple[float, float] = (0.0, 0.0)
) -> float:
    """Total pen-up distance drawing the runs as given: start → first run, then end → start."""
    x, y = _check_start(start)
    if not polylines:
        return 0.0
    firsts, lasts = _endpoints(polylines)
    origins = np.concatenate(([[x, y]], lasts[:-1]))
    return float(np.hypot(*(firsts - origins).T).sum())
