"""Pen-plotter motion planning: how long a drawing takes and where the pen is at any moment.

The plotter style animates strokes as a real pen plotter would move: accelerating, slowing for
corners, lifting the pen to travel. The plan follows GRBL / axi / saxi: junction-deviation
corner speeds, a forward and a backward pass bounding every speed change by the acceleration,
then a trapezoidal (or triangular) velocity profile per segment. Planning and sampling are
vectorised with numpy over all segments at once. Stroke ordering lives in ``ordering``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from code_monet.geometry.ordering import apply_order, order_paths, travel_distance

__all__ = [
    "Block",
    "BlockKind",
    "MotionPlan",
    "PlotterConfig",
    "apply_order",
    "order_paths",
    "plan_motion",
    "travel_distance",
]

FloatArray = NDArray[np.float64]

_SAME_POINT: Final = 1e-9  # consecutive vertices closer than this are one vertex
DEFAULT_MAX_SAMPLES: Final = 2_000_000


class BlockKind(StrEnum):
    DRAW = "draw"  # pen down along a stroke
    TRAVEL = "travel"  # between strokes: pen up, or pen down under the stay-down rule
    LIFT = "lift"  # pause in place while the pen rises
    DROP = "drop"  # pause in place while the pen lowers and settles


_KINDS: Final = (BlockKind.DRAW, BlockKind.TRAVEL, BlockKind.LIFT, BlockKind.DROP)
_DRAW, _TRAVEL, _LIFT, _DROP = range(4)


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def _non_negative(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class PlotterConfig:
    """Machine limits, in canvas units and seconds."""

    draw_velocity: float = 200.0  # pen-down top speed (u/s)
    draw_acceleration: float = 1500.0  # pen-down acceleration (u/s²)
    travel_velocity: float = 400.0  # pen-up top speed (u/s)
    travel_acceleration: float = 3000.0  # pen-up acceleration (u/s²)
    junction_deviation: float = 0.05  # cornering: larger rounds corners faster (u)
    pen_lift_duration: float = 0.15  # seconds to raise the pen
    pen_drop_duration: float = 0.15  # seconds to lower the pen and let it settle
    stay_down_distance: float = 1.0  # gaps up to this are crossed with the pen down (u)

    def __post_init__(self) -> None:
        for name in ("draw_velocity", "draw_acceleration", "travel_velocity"):
            _positive(name, getattr(self, name))
        _positive("travel_acceleration", self.travel_acceleration)
        for name in ("junction_deviation", "pen_lift_duration", "pen_drop_duration"):
            _non_negative(name, getattr(self, name))
        _non_negative("stay_down_distance", self.stay_down_distance)


@dataclass(frozen=True, slots=True)
class Block:
    """One planned move or pause. Speeds in u/s, times in s; pauses have zero length."""

    kind: BlockKind
    start: tuple[float, float]
    end: tuple[float, float]
    length: float
    entry_speed: float
    cruise_speed: float
    exit_speed: float
    acceleration: float
    accel_time: float
    cruise_time: float
    decel_time: float
    dwell_time: float
    start_time: float
    pen_down: bool

    @property
    def duration(self) -> float:
        return self.accel_time + self.cruise_time + self.decel_time + self.dwell_time


@dataclass(frozen=True, slots=True)
class BlockArrays:
    """A plan's blocks as columns (row i is block i): the fast path for sampling."""

    kind: NDArray[np.int8]  # index into BlockKind order: draw, travel, lift, drop
    start: FloatArray  # (B, 2)
    end: FloatArray  # (B, 2)
    length: FloatArray
    entry_speed: FloatArray
    cruise_speed: FloatArray
    exit_speed: FloatArray
    acceleration: FloatArray
    accel_time: FloatArray
    cruise_time: FloatArray
    decel_time: FloatArray
    dwell_time: FloatArray
    pen_down: NDArray[np.bool_]


class MotionPlan:
    """A planned drawing: blocks in time order (held as :class:`BlockArrays`) and timing.

    Pen lifts and drops are pauses in place; during a drop the pen counts as down (it is
    settling on the paper), during a lift as up.
    """

    __slots__ = ("_blocks", "arrays", "config", "durations", "start_times")

    def __init__(self, config: PlotterConfig, arrays: BlockArrays) -> None:
        self.config = config
        self.arrays = arrays
        self.durations: FloatArray = (
            arrays.accel_time + arrays.cruise_time + arrays.decel_time + arrays.dwell_time
        )
        starts = np.concatenate(([0.0], np.cumsum(self.durations)[:-1]))
        self.start_times: FloatArray = starts[: len(self.durations)]
        self._blocks: tuple[Block, ...] | None = None

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Every block as an object (built on first use)."""
        if self._blocks is None:
            c = self.arrays
            numbers = (c.length, c.entry_speed, c.cruise_speed, c.exit_speed, c.acceleration)
            timing = (c.accel_time, c.cruise_time, c.decel_time, c.dwell_time, self.start_times)
            rows = zip(*(column.tolist() for column in (*numbers, *timing)), strict=True)
            self._blocks = tuple(
                Block(
                    _KINDS[k], (s[0], s[1]), (e[0], e[1]), d, v0, vc, v1, a, ta, tc, td, tw, t0, pen
                )
                for k, s, e, (d, v0, vc, v1, a, ta, tc, td, tw, t0), pen in zip(
                    c.kind.tolist(),
                    c.start.tolist(),
                    c.end.tolist(),
                    rows,
                    c.pen_down.tolist(),
                    strict=True,
                )
            )
        return self._blocks

    def _sum_of(self, values: FloatArray, *kinds: int) -> float:
        return float(values[np.isin(self.arrays.kind, kinds)].sum())

    @property
    def total_time(self) -> float:
        return float(self.durations.sum())

    @property
    def draw_time(self) -> float:
        return self._sum_of(self.durations, _DRAW)

    @property
    def travel_time(self) -> float:
        """Time spent moving between strokes (pen up or under the stay-down rule)."""
        return self._sum_of(self.durations, _TRAVEL)

    @property
    def pen_time(self) -> float:
        """Time spent lifting and dropping the pen."""
        return self._sum_of(self.durations, _LIFT, _DROP)

    @property
    def pen_lifts(self) -> int:
        return int((self.arrays.kind == _LIFT).sum())

    @property
    def travel_distance(self) -> float:
        return self._sum_of(self.arrays.length, _TRAVEL)

    @property
    def draw_distance(self) -> float:
        return self._sum_of(self.arrays.length, _DRAW)

    def _locate(self, times: ArrayLike) -> tuple[NDArray[np.intp], FloatArray, FloatArray]:
        """Block index, time into the block, and time into its deceleration, per time."""
        t = np.asarray(times, dtype=np.float64)
        if not np.isfinite(t).all():
            raise ValueError("times must be finite")
        c = self.arrays
        block = np.searchsorted(self.start_times, t, side="right") - 1
        np.clip(block, 0, len(c.kind) - 1, out=block)
        tau = np.clip(t - self.start_times[block], 0.0, self.durations[block])
        tail = np.clip(tau - c.accel_time[block] - c.cruise_time[block], 0.0, c.decel_time[block])
        return block, tau, tail

    def velocity_at(self, times: ArrayLike) -> FloatArray:
        """Pen speed (u/s) at each time; 0 during pauses, before and after the plan."""
        if not len(self.arrays.kind):
            return np.zeros(np.shape(times), dtype=np.float64)
        c = self.arrays
        block, tau, tail = self._locate(times)
        a = c.acceleration[block]
        ramp = c.entry_speed[block] + a * tau
        speed = np.where(tau < c.accel_time[block], ramp, c.cruise_speed[block] - a * tail)
        inside = (np.asarray(times) >= 0.0) & (np.asarray(times) <= self.total_time)
        return np.where(inside, np.maximum(speed, 0.0), 0.0)

    def position_at(self, times: ArrayLike) -> tuple[FloatArray, NDArray[np.bool_]]:
        """Pen position (T, 2) and pen-down flags at each time (clamped to the plan)."""
        if not len(self.arrays.kind):
            raise ValueError("an empty plan has no positions")
        c = self.arrays
        block, tau, tail = self._locate(times)
        v0, vc, a = c.entry_speed[block], c.cruise_speed[block], c.acceleration[block]
        ramp = np.minimum(tau, c.accel_time[block])
        run = np.clip(tau - c.accel_time[block], 0.0, c.cruise_time[block])
        dist = v0 * ramp + 0.5 * a * ramp**2 + vc * (run + tail) - 0.5 * a * tail**2
        length = c.length[block]
        frac = np.divide(dist, length, out=np.zeros_like(dist), where=length > 0)
        np.clip(frac, 0.0, 1.0, out=frac)
        points = c.start[block] * (1.0 - frac[:, None]) + c.end[block] * frac[:, None]
        return points, c.pen_down[block]

    def sample(self, fps: float, *, max_samples: int = DEFAULT_MAX_SAMPLES) -> FloatArray:
        """Rows ``(t, x, y, pen_down)`` every 1/fps seconds, plus the final moment.

        Raises ``ValueError`` for a non-positive fps or more than ``max_samples`` rows.
        """
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive finite number, got {fps!r}")
        if not len(self.arrays.kind):
            return np.empty((0, 4), dtype=np.float64)
        total = self.total_time
        count = math.floor(total * fps) + 1
        if count > max_samples:
            raise ValueError(
                f"{total:.3g} s at {fps} fps is {count} samples; the limit is {max_samples}"
            )
        times = np.arange(count, dtype=np.float64) / fps
        if times[-1] < total:
            times = np.append(times, total)
        points, pen = self.position_at(times)
        return np.column_stack((times, points, pen.astype(np.float64)))


DEFAULT_CONFIG: Final = PlotterConfig()


def _runs(polylines: Sequence[FloatArray]) -> list[FloatArray]:
    runs: list[FloatArray] = []
    for index, run in enumerate(polylines):
        arr = np.asarray(run, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
            raise ValueError(f"polyline {index} has shape {arr.shape}; expected (N >= 1, 2)")
        if not np.isfinite(arr).all():
            raise ValueError(f"polyline {index} has non-finite coordinates")
        runs.append(arr)
    return runs


def _junction_limits(unit: FloatArray, config: PlotterConfig) -> FloatArray:
    """Squared corner speed between consecutive unit directions (GRBL junction deviation)."""
    cos_theta = -(unit[:-1, 0] * unit[1:, 0] + unit[:-1, 1] * unit[1:, 1])
    sin_half = np.sqrt(0.5 * (1.0 - np.clip(cos_theta, -1.0, 1.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = config.draw_acceleration * config.junction_deviation * sin_half / (1.0 - sin_half)
    limit[sin_half >= 1.0 - 1e-12] = np.inf  # straight on: only the top speed limits
    return np.fmin(limit, config.draw_velocity**2)


def plan_motion(
    polylines: Sequence[FloatArray], config: PlotterConfig = DEFAULT_CONFIG
) -> MotionPlan:
    """Plan drawing ``polylines`` (pen-down runs, in this order) with ``config`` limits.

    Each run starts with a pen drop and ends with a pen lift and a pen-up travel to the next,
    unless the next run starts within ``stay_down_distance``: then the pen stays down and the
    gap is a pen-down travel joined to both runs with corner speeds. Raises ``ValueError`` for
    malformed runs (not (N, 2), empty, non-finite) or coordinates too large to time.
    """
    runs = _runs(polylines)
    if not runs:
        return MotionPlan(config, _empty_arrays())
    with np.errstate(over="ignore", invalid="ignore"):  # huge inputs: caught as non-finite
        return MotionPlan(config, _plan(runs, config))


def _plan(runs: list[FloatArray], config: PlotterConfig) -> BlockArrays:
    sizes = np.array([len(r) for r in runs])
    verts = np.concatenate(runs)
    run_id = np.repeat(np.arange(len(runs)), sizes)
    lasts = np.cumsum(sizes)[:-1] - 1
    gaps = np.hypot(*(verts[lasts + 1] - verts[lasts]).T)
    chain = np.concatenate(([0], np.cumsum(gaps > config.stay_down_distance)))[run_id]
    same_run = run_id[1:] == run_id[:-1]
    # Merge coincident consecutive vertices of a pen-down chain (dropping the segment between).
    step = np.hypot(*np.diff(verts, axis=0).T)
    keep = np.concatenate(([True], (step > _SAME_POINT) | (chain[1:] != chain[:-1])))
    verts, chain, same_run = verts[keep], chain[keep], same_run[keep[1:]]
    return _spread(_moves(verts, chain, same_run, config), verts, chain, config)


def _moves(
    verts: FloatArray,
    chain: NDArray[np.intp],
    same_run: NDArray[np.bool_],
    config: PlotterConfig,
) -> BlockArrays:
    """The straight moves between consecutive vertices, with speeds and profile times."""
    delta = np.diff(verts, axis=0)
    length = np.hypot(delta[:, 0], delta[:, 1])
    if not np.isfinite(length).all():
        raise ValueError("coordinates are too large to plan")
    pen_down = chain[1:] == chain[:-1]
    v_max = np.where(pen_down, config.draw_velocity, config.travel_velocity)
    accel = np.where(pen_down, config.draw_acceleration, config.travel_acceleration)

    # Squared speed limits at the vertices: 0 where the pen stops, corner limits elsewhere.
    limit = np.zeros(len(verts))
    if len(length) > 1:
        unit = delta / np.maximum(length, _SAME_POINT)[:, None]
        corner = _junction_limits(unit, config)
        limit[1:-1] = np.where(pen_down[:-1] & pen_down[1:], corner, 0.0)
    # Forward pass v²[k] <= v²[k-1] + 2·a·d, then the backward one, in closed form: with
    # R the prefix sums of 2·a·d, forward[k] = R[k] + min over j <= k of (limit[j] - R[j]).
    reach = np.concatenate(([0.0], np.cumsum(2.0 * accel * length)))
    forward = reach + np.minimum.accumulate(limit - reach)
    v2 = np.minimum.accumulate((forward + reach)[::-1])[::-1] - reach
    v2 = np.clip(np.minimum(v2, limit), 0.0, None)

    v0_2, v1_2 = v2[:-1], v2[1:]
    cruise_2 = np.minimum(v_max**2, 0.5 * (v0_2 + v1_2) + accel * length)
    cruise_2 = np.maximum(cruise_2, np.maximum(v0_2, v1_2))
    v0, v1, vc = np.sqrt(v0_2), np.sqrt(v1_2), np.sqrt(cruise_2)
    ramps = (2.0 * cruise_2 - v0_2 - v1_2) / (2.0 * accel)
    cruise_time = np.divide(
        np.maximum(length - ramps, 0.0), vc, out=np.zeros_like(vc), where=vc > 0
    )
    return BlockArrays(
        kind=np.where(pen_down & same_run, _DRAW, _TRAVEL).astype(np.int8),
        start=verts[:-1],
        end=verts[1:],
        length=length,
        entry_speed=v0,
        cruise_speed=vc,
        exit_speed=v1,
        acceleration=accel,
        accel_time=(vc - v0) / accel,
        cruise_time=cruise_time,
        decel_time=(vc - v1) / accel,
        dwell_time=np.zeros(len(length)),
        pen_down=pen_down,
    )


def _spread(
    moves: BlockArrays, verts: FloatArray, chain: NDArray[np.intp], config: PlotterConfig
) -> BlockArrays:
    """Interleave a drop before and a lift after every chain (pen-down stretch) with the moves.

    Move k starts at vertex k, so chain c's drop lands at index first[c] + 2c, its moves
    follow, then its lift, then the pen-up travel to chain c + 1.
    """
    chains = int(chain[-1]) + 1
    first = np.flatnonzero(np.concatenate(([True], chain[1:] != chain[:-1])))
    last = np.append(first[1:] - 1, len(verts) - 1)
    move_at = np.arange(len(verts) - 1) + 2 * chain[:-1] + np.where(moves.pen_down, 1, 2)
    drop_at = first + 2 * np.arange(chains)
    lift_at = last + 2 * np.arange(chains) + 1
    total = len(verts) - 1 + 2 * chains

    def column(
        values: FloatArray, at_drop: FloatArray | float, at_lift: FloatArray | float
    ) -> FloatArray:
        out = np.empty((total, *values.shape[1:]), dtype=np.float64)
        out[move_at] = values
        out[drop_at] = at_drop
        out[lift_at] = at_lift
        return out

    kind = np.empty(total, dtype=np.int8)
    kind[move_at], kind[drop_at], kind[lift_at] = moves.kind, _DROP, _LIFT
    pen = np.empty(total, dtype=np.bool_)
    pen[move_at], pen[drop_at], pen[lift_at] = moves.pen_down, True, False
    return BlockArrays(
        kind=kind,
        start=column(moves.start, verts[first], verts[last]),
        end=column(moves.end, verts[first], verts[last]),
        length=column(moves.length, 0.0, 0.0),
        entry_speed=column(moves.entry_speed, 0.0, 0.0),
        cruise_speed=column(moves.cruise_speed, 0.0, 0.0),
        exit_speed=column(moves.exit_speed, 0.0, 0.0),
        acceleration=column(moves.acceleration, 0.0, 0.0),
        accel_time=column(moves.accel_time, 0.0, 0.0),
        cruise_time=column(moves.cruise_time, 0.0, 0.0),
        decel_time=column(moves.decel_time, 0.0, 0.0),
        dwell_time=column(moves.dwell_time, config.pen_drop_duration, config.pen_lift_duration),
        pen_down=pen,
    )


def _empty_arrays() -> BlockArrays:
    nothing = np.empty(0, dtype=np.float64)
    points = np.empty((0, 2), dtype=np.float64)
    return BlockArrays(
        kind=np.empty(0, dtype=np.int8),
        start=points,
        end=points,
        length=nothing,
        entry_speed=nothing,
        cruise_speed=nothing,
        exit_speed=nothing,
        acceleration=nothing,
        accel_time=nothing,
        cruise_time=nothing,
        decel_time=nothing,
        dwell_time=nothing,
        pen_down=np.empty(0, dtype=np.bool_),
    )
