"""Paint-mode brush expansion: a path → a main stroke plus bristle and wet-edge strokes.

Each output :class:`BrushStroke` is a centre line with a width per point; the renderer fills it
as a variable-width outline. Expansion is deterministic for a seed (a stable digest of the path
when none is given) and vectorised with numpy over *all* paths of a batch at once: Béziers are
sampled in parameter space (one input segment = one time step), so the pen's velocity is the
curve's derivative — long input segments and spread-out control points are fast, and thin.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from code_monet.geometry.arrays import CLOSE, CUBIC, LINE, MOVE, QUAD, path_arrays
from code_monet.types.brushes import BrushPreset
from code_monet.types.paths import Path

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

PRESSURE_GAIN: Final = 0.45  # max relative width change from velocity at pressure_response=1
WOBBLE_GAIN: Final = 0.5  # lateral wobble (in widths) at edge_noise=1
WIDTH_NOISE_GAIN: Final = 0.6  # width jitter at edge_noise=1
WET_DARKEN: Final = 0.45  # colour loss of the wet rim at wet_edges=1
BRISTLE_TRIM: Final = 0.15  # bristles start/end up to this fraction of the stroke late/early
BRISTLE_STRIDE: Final = 2  # bristles are thin and smooth: every other centre-line sample
MAX_SEGMENT_SAMPLES: Final = 48
SPACING_PER_WIDTH: Final = 0.8  # centre-line sample spacing / stroke width …
MIN_SPACING: Final = 3.0  # … clamped to this range (canvas units)
MAX_SPACING: Final = 10.0
MAX_TURN: Final = 0.3  # radians a curve may turn between samples
_CONSUMED: Final = np.array([1, 1, 2, 0, 3, 0], dtype=np.intp)  # points used per verb


@dataclass(frozen=True, slots=True)
class BrushStroke:
    """A variable-width stroke: ``points`` ``(N, 2)`` centre line, ``widths`` ``(N,)``."""

    points: FloatArray
    widths: FloatArray
    color: str
    opacity: float


@dataclass(frozen=True, slots=True)
class BrushRequest:
    """One path to expand: its geometry (verb/point arrays) and the stroke's base style."""

    verbs: NDArray[np.uint8]
    points: NDArray[np.float32]
    preset: BrushPreset
    color: str
    width: float
    opacity: float
    seed: int


@dataclass(frozen=True, slots=True)
class BrushBatch:
    """All strokes of a batch back to back: row ``r`` is ``points[offsets[r]:offsets[r+1]]``."""

    points: FloatArray
    widths: FloatArray
    offsets: IntArray
    colors: tuple[str, ...]
    opacities: FloatArray
    owner: IntArray  # the request each row came from

    def strokes(self) -> list[BrushStroke]:
        bounds = self.offsets.tolist()
        return [
            BrushStroke(self.points[a:b], self.widths[a:b], color, float(opacity))
            for a, b, color, opacity in zip(
                bounds[:-1], bounds[1:], self.colors, self.opacities, strict=True
            )
        ]


def path_seed(path: Path) -> int:
    """A seed derived from the path's geometry and style (stable across processes)."""
    arrays = path_arrays(path)
    points = arrays.points if arrays is not None else np.empty((0, 2), np.float32)
    return geometry_seed(path, points)


def geometry_seed(path: Path, points: NDArray[np.float32]) -> int:
    """:func:`path_seed` given the path's float32 geometry points (already at hand)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(points.tobytes())
    text = f"{path.type.value}\0{path.d or ''}\0{path.brush}\0{path.color}\0{path.stroke_width}"
    digest.update(text.encode())
    return int.from_bytes(digest.digest(), "little")


def _darken(color: str, amount: float) -> str:
    value = int(color[1:7], 16)
    channels = [(value >> shift) & 255 for shift in (16, 8, 0)]
    return "#" + "".join(f"{round(c * (1.0 - amount)):02x}" for c in channels)


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    result: FloatArray = x * x * (3.0 - 2.0 * x)
    return result


def _segments(requests: Sequence[BrushRequest]) -> tuple[FloatArray, IntArray, IntArray]:
    """Every drawable segment as cubic control points ``(G, 4, 2)``, its request and subpath."""
    verbs = np.concatenate([r.verbs for r in requests]).astype(np.intp)
    pts = np.concatenate([r.points for r in requests]).astype(np.float64)
    owner = np.repeat(np.arange(len(requests)), [len(r.verbs) for r in requests])
    end = np.cumsum(_CONSUMED[verbs]) - 1
    is_move = verbs == MOVE
    sub = np.cumsum(is_move) - 1
    seg = np.flatnonzero(~is_move)
    kind = verbs[seg]
    p0 = pts[end[seg - 1]]
    p3 = np.where((kind == CLOSE)[:, None], pts[end[is_move]][sub[seg]], pts[end[seg]])
    third = (p3 - p0) / 3.0
    c1, c2 = p0 + third, p3 - third
    quad = kind == QUAD
    q = pts[np.maximum(end[seg] - 1, 0)][quad]
    c1[quad] = p0[quad] + (q - p0[quad]) * (2.0 / 3.0)
    c2[quad] = p3[quad] + (q - p3[quad]) * (2.0 / 3.0)
    cubic = kind == CUBIC
    c1[cubic] = pts[np.maximum(end[seg] - 2, 0)][cubic]
    c2[cubic] = pts[np.maximum(end[seg] - 1, 0)][cubic]
    keep = (kind == LINE) | quad | cubic | np.any(p0 != p3, axis=1)  # drop no-op closes
    ctrl = np.stack([p0, c1, c2, p3], axis=1)[keep]
    return ctrl, owner[seg][keep], sub[seg][keep]


def _windowed_mean(
    values: FloatArray, half: IntArray, first: IntArray, last: IntArray
) -> FloatArray:
    """Mean over ``[i - half, i + half]`` clipped to each sample's run ``[first, last]``."""
    index = np.arange(len(values))
    lo = np.maximum(index - half, first)
    hi = np.minimum(index + half, last)
    zero = np.zeros((1, *values.shape[1:]))
    cumulative = np.concatenate([zero, np.cumsum(values, axis=0)])
    count = (hi - lo + 1).reshape((-1, *((1,) * (values.ndim - 1))))
    mean: FloatArray = (cumulative[hi + 1] - cumulative[lo]) / count
    return mean


@dataclass(frozen=True, slots=True)
class _Samples:
    """The smoothed centre lines of every subpath, back to back, with their width profile."""

    points: FloatArray  # (T, 2)
    normal: FloatArray  # (T, 2)
    arc: FloatArray  # (T,) arc length from the subpath start
    profile: FloatArray  # (T,) main stroke width
    sub_a: IntArray  # first sample of each subpath
    sub_n: IntArray  # samples per subpath
    sub_req: IntArray  # request of each subpath
    length: FloatArray  # arc length of each subpath


_PRESET_FIELDS: Final = (
    "bristle_count",
    "bristle_spread",
    "bristle_opacity",
    "bristle_width_ratio",
    "main_opacity",
    "taper",
    "pressure_response",
    "edge_noise",
    "wet_edges",
    "smoothing",
)


@lru_cache(maxsize=256)
def _preset_row(preset: BrushPreset) -> tuple[float, ...]:
    return tuple(float(getattr(preset, name)) for name in _PRESET_FIELDS)


def _preset_table(requests: Sequence[BrushRequest]) -> dict[str, FloatArray]:
    """Every preset parameter as an array over the requests."""
    table = np.array([_preset_row(r.preset) for r in requests], dtype=np.float64)
    columns = dict(zip(_PRESET_FIELDS, table.T, strict=True))
    columns["width"] = np.array([r.width for r in requests], dtype=np.float64)
    columns["opacity"] = np.array([r.opacity for r in requests], dtype=np.float64)
    return columns


def _sample(requests: Sequence[BrushRequest], params: dict[str, FloatArray]) -> _Samples | None:
    """Sample every segment at uniform parameter steps (the first of a subpath from t = 0);
    smooth, measure arc length and apply velocity (pressure) and taper to the width."""
    ctrl, seg_req, seg_sub = _segments(requests)
    if len(ctrl) == 0:
        return None
    width = params["width"]
    legs = np.diff(ctrl, axis=1)
    leg_len = np.hypot(legs[..., 0], legs[..., 1])
    cross = legs[:, :-1, 0] * legs[:, 1:, 1] - legs[:, :-1, 1] * legs[:, 1:, 0]
    dot = (legs[:, :-1] * legs[:, 1:]).sum(axis=2)
    turn = np.abs(np.arctan2(cross, dot)).sum(axis=1)
    spacing = np.clip(width * SPACING_PER_WIDTH, MIN_SPACING, MAX_SPACING)[seg_req]
    steps = np.maximum(np.ceil(leg_len.sum(axis=1) / spacing), np.ceil(turn / MAX_TURN))
    steps = np.clip(steps, 1, MAX_SEGMENT_SAMPLES).astype(np.intp)
    first = np.concatenate([[True], seg_sub[1:] != seg_sub[:-1]])
    count = steps + first
    seg_of = np.repeat(np.arange(len(ctrl)), count)
    j = np.arange(len(seg_of)) - np.repeat(np.cumsum(count) - count, count) + (~first)[seg_of]
    t = (j / steps[seg_of])[:, None]
    mt = 1.0 - t
    c = ctrl[seg_of]
    points = mt**3 * c[:, 0] + 3 * mt * mt * t * c[:, 1] + 3 * mt * t * t * c[:, 2] + t**3 * c[:, 3]
    velocity = mt * mt * legs[seg_of, 0] + 2 * mt * t * legs[seg_of, 1] + t * t * legs[seg_of, 2]
    speed = np.hypot(velocity[:, 0], velocity[:, 1])

    sample_sub = seg_sub[seg_of]
    sub_a = np.flatnonzero(np.concatenate([[True], sample_sub[1:] != sample_sub[:-1]]))
    sub_n = np.diff(np.append(sub_a, len(sample_sub)))
    sub_z = sub_a + sub_n - 1
    sid = np.repeat(np.arange(len(sub_a)), sub_n)
    sub_req = seg_req[seg_of][sub_a]
    first_i, last_i = sub_a[sid], sub_z[sid]
    smoothing = np.rint(params["smoothing"] * 3).astype(np.intp)
    smoothed = _windowed_mean(points, smoothing[sub_req][sid], first_i, last_i)
    smoothed[sub_a], smoothed[sub_z] = points[sub_a], points[sub_z]
    points = smoothed
    speed = _windowed_mean(speed, np.full(len(speed), 2), first_i, last_i)

    step = np.hypot(*np.diff(points, axis=0, prepend=points[:1]).T)
    step[sub_a] = 0.0
    arc = np.cumsum(step)
    arc -= arc[sub_a][sid]
    length = arc[sub_z]
    mean_speed = np.bincount(sid, speed) / sub_n
    rel = speed / np.where(mean_speed > 0, mean_speed, 1.0)[sid] + (mean_speed == 0)[sid]
    pressure = params["pressure_response"][sub_req][sid]
    sub_width = width[sub_req]
    taper_len = np.maximum(np.minimum(0.3 * length, 4.0 * sub_width), 1e-9)[sid]
    taper = params["taper"][sub_req][sid]
    to_end = np.minimum(arc, length[sid] - arc) / taper_len
    profile = sub_width[sid] * (1.0 - PRESSURE_GAIN * pressure * np.tanh(rel - 1.0))
    profile *= 1.0 - taper * (1.0 - _smoothstep(to_end))

    index = np.arange(len(points))
    tangent = points[np.minimum(index + 1, last_i)] - points[np.maximum(index - 1, first_i)]
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.where(norm > 0, norm, 1.0)[:, None]
    normal[norm == 0] = (0.0, 1.0)
    return _Samples(points, normal, arc, profile, sub_a, sub_n, sub_req, length)


def _draws(
    requests: Sequence[BrushRequest], sub_req: IntArray, uniforms: IntArray, noise: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Each request's random numbers from its own ``default_rng(seed)``, concatenated in
    subpath order: ``uniforms`` in [0, 1) and ``noise`` in [-√3, √3) (unit variance)."""
    per_u = np.bincount(sub_req, uniforms, minlength=len(requests)).astype(np.intp).tolist()
    per_n = np.bincount(sub_req, noise, minlength=len(requests)).astype(np.intp).tolist()
    u_parts: list[FloatArray] = []
    n_parts: list[FloatArray] = []
    for request, nu, nn in zip(requests, per_u, per_n, strict=True):
        if nu or nn:
            draws = np.random.default_rng(request.seed).random(nu + nn)
            u_parts.append(draws[:nu])
            n_parts.append(draws[nu:])
    unit_noise = (np.concatenate(n_parts) - 0.5) * (2.0 * math.sqrt(3.0))
    return np.concatenate(u_parts), unit_noise


def expand_brush_batch(
    requests: Sequence[BrushRequest], canvas_width: int, canvas_height: int
) -> BrushBatch:
    """Expand many paths at once (see :func:`expand_brush_strokes`); rows keep request order:
    per subpath the main stroke, its bristles, then its wet rims."""
    if canvas_width <= 0 or canvas_height <= 0:
        raise ValueError(f"canvas size must be positive, got {canvas_width}×{canvas_height}")
    params = _preset_table(requests) if requests else {}
    samples = _sample(requests, params) if requests else None
    if samples is None:
        return BrushBatch(
            np.empty((0, 2)),
            np.empty(0),
            np.zeros(1, np.intp),
            (),
            np.empty(0),
            np.empty(0, np.intp),
        )
    sub_req, sub_n = samples.sub_req, samples.sub_n
    # Per subpath: rows = main + bristles + wet rims, knots of smooth noise along the arc.
    bristle_opacity = params["bristle_opacity"]
    wet_edges = params["wet_edges"]
    req_bristles = np.where(bristle_opacity > 0, params["bristle_count"], 0)
    bristles = req_bristles.astype(np.intp)[sub_req]
    wet = np.where(wet_edges > 0, 2, 0)[sub_req]
    rows = 1 + bristles + wet
    knot_len = np.maximum(2.0 * params["width"], 8.0)[sub_req]
    knots = (samples.length / knot_len).astype(np.intp) + 2
    uniform, noise = _draws(requests, sub_req, 4 * bristles, 2 * rows * knots)

    row_sub = np.repeat(np.arange(len(rows)), rows)
    q = np.arange(len(row_sub)) - (np.cumsum(rows) - rows)[row_sub]
    owner = sub_req[row_sub]
    nb = bristles[row_sub]
    is_bristle = (q >= 1) & (q <= nb)
    is_wet = q > nb
    b = q - 1
    u_base = (np.cumsum(4 * bristles) - 4 * bristles)[row_sub]

    def draw(part: int) -> FloatArray:
        if len(uniform) == 0:
            return np.zeros(len(q))
        picked: FloatArray = uniform[np.where(is_bristle, u_base + part * nb + b, 0)]
        return picked

    fan = np.where(nb > 1, -0.5 + b / np.maximum(nb - 1, 1), 0.0)
    spread = params["bristle_spread"][owner]
    rim = (0.12 + 0.1 * wet_edges)[owner]
    rim_side = np.where(q == nb + 1, -1.0, 1.0) * (0.5 - rim / 2)
    lateral = np.where(is_bristle, (fan + (draw(0) - 0.5) / np.maximum(nb, 1)) * spread, 0.0)
    lateral = np.where(is_wet, rim_side, lateral)
    ratio = params["bristle_width_ratio"][owner] * (0.7 + 0.6 * draw(1))
    ratio = np.where(is_bristle, ratio, np.where(is_wet, rim, 1.0))
    edge = params["edge_noise"][owner]
    wobble = np.where(is_bristle, 1.0, np.where(is_wet, 0.5, 0.3)) * edge * WOBBLE_GAIN
    span = sub_n[row_sub]
    room = np.maximum(0, (span - 2) // 2)
    trim_lo = np.minimum((draw(2) * BRISTLE_TRIM * span).astype(np.intp), room)
    trim_hi = np.minimum((draw(3) * BRISTLE_TRIM * span).astype(np.intp), room)
    row_start = samples.sub_a[row_sub] + np.where(is_bristle, trim_lo, 0)
    run = span - np.where(is_bristle, trim_lo + trim_hi, 0)
    stride = np.where(is_bristle, BRISTLE_STRIDE, 1)
    row_len = (run - 2) // stride + 2  # every stride-th sample, and always the last

    # Row samples: index into the subpath samples, smooth noise (wobble, width) along the arc.
    row_of = np.repeat(np.arange(len(row_start)), row_len)
    offsets = np.concatenate([[0], np.cumsum(row_len)])
    j = (np.arange(offsets[-1]) - offsets[:-1][row_of]) * stride[row_of]
    s = row_start[row_of] + np.minimum(j, (run - 1)[row_of])
    row_knots = knots[row_sub]
    n_base = ((np.cumsum(2 * rows * knots) - 2 * rows * knots)[row_sub] + q * 2 * row_knots)[row_of]
    u = samples.arc[s] / knot_len[row_sub][row_of]
    i0 = u.astype(np.intp)
    frac = _smoothstep(u - i0)
    k = row_knots[row_of]
    wobble_n = noise[n_base + i0] * (1 - frac) + noise[n_base + i0 + 1] * frac
    width_n = noise[n_base + k + i0] * (1 - frac) + noise[n_base + k + i0 + 1] * frac
    main = samples.profile[s]
    offset = (lateral[row_of] + wobble[row_of] * wobble_n) * main
    centres = samples.points[s] + samples.normal[s] * offset[:, None]
    np.clip(centres, 0.0, (canvas_width, canvas_height), out=centres)
    jitter = np.maximum(1.0 + (edge * WIDTH_NOISE_GAIN)[row_of] * width_n, 0.2)
    widths = ratio[row_of] * main * jitter

    base_opacity = params["opacity"][owner]
    main_opacity = params["main_opacity"][owner]
    rim_opacity = np.minimum(1.0, 0.25 + 0.6 * wet_edges)[owner]
    opacity = np.where(is_bristle, bristle_opacity[owner], main_opacity)
    opacity = np.where(is_wet, rim_opacity, opacity) * base_opacity
    rim_colors = [_darken(r.color, WET_DARKEN * r.preset.wet_edges) for r in requests]
    colors = tuple(
        rim_colors[o] if w else requests[o].color
        for o, w in zip(owner.tolist(), is_wet.tolist(), strict=True)
    )
    return BrushBatch(centres, widths, offsets, colors, opacity, owner)


def expand_brush_strokes(
    path: Path,
    preset: BrushPreset,
    *,
    base_color: str,
    base_width: float,
    base_opacity: float,
    canvas_width: int,
    canvas_height: int,
    seed: int | None = None,
) -> list[BrushStroke]:
    """Expand ``path`` into brush strokes: per subpath a main stroke, ``preset.bristle_count``
    bristles across ``bristle_spread``·width and, for wet brushes, two darker rim strokes.

    Width follows velocity (narrower where consecutive samples are far apart, scaled by
    ``pressure_response``) and narrows at the ends (``taper``); ``edge_noise`` adds smooth
    random wobble; ``smoothing`` averages the centre line first. Coordinates are clamped to
    the canvas. Deterministic for ``seed`` (default: :func:`path_seed`). Unparseable svg
    paths give no strokes.
    """
    if not (base_width > 0 and math.isfinite(base_width)):
        raise ValueError(f"base_width must be a positive finite number, got {base_width!r}")
    arrays = path_arrays(path)
    if arrays is None:
        return []
    request = BrushRequest(
        arrays.verbs,
        arrays.points,
        preset,
        base_color,
        base_width,
        base_opacity,
        path_seed(path) if seed is None else seed,
    )
    return expand_brush_batch([request], canvas_width, canvas_height).strokes()
