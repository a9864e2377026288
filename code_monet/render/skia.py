"""Skia engine behind ``code_monet.render.pipeline``: geometry arrays → skia paths → PNG.

Paths are built from numpy arrays in one call: the arrays are packed into skia's path
serialisation format and loaded with ``Path.readFromMemory`` (verified against skia's own
encoder at import; a slow verb-by-verb builder is the fallback).
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import numpy as np
import skia
from numpy.typing import NDArray

from code_monet.geometry.arrays import CLOSE, CUBIC, LINE, MOVE, QUAD
from code_monet.geometry.brushes import BrushBatch

_SERIAL_VERSION: Final = 5
_EVEN_ODD_BITS: Final = 1 << 8


def _serialize(verbs: NDArray[np.uint8], points: NDArray[np.float32], even_odd: bool) -> bytes:
    packed = _SERIAL_VERSION | (_EVEN_ODD_BITS if even_odd else 0)
    verb_bytes = verbs.tobytes()
    pad = b"\0" * (-len(verb_bytes) % 4)
    header = struct.pack("<iiii", packed, len(points), 0, len(verbs))
    return header + points.astype("<f4", copy=False).tobytes() + verb_bytes + pad


def _build_slow(verbs: NDArray[np.uint8], points: NDArray[np.float32], even_odd: bool) -> skia.Path:
    out = skia.Path()
    if even_odd:
        out.setFillType(skia.PathFillType.kEvenOdd)
    pts = points.tolist()
    i = 0
    for verb in verbs.tolist():
        if verb == MOVE:
            out.moveTo(*pts[i])
            i += 1
        elif verb == LINE:
            out.lineTo(*pts[i])
            i += 1
        elif verb == QUAD:
            out.quadTo(*pts[i], *pts[i + 1])
            i += 2
        elif verb == CUBIC:
            out.cubicTo(*pts[i], *pts[i + 1], *pts[i + 2])
            i += 3
        else:
            out.close()
    return out


def _serialization_matches() -> bool:
    reference = skia.Path()
    reference.moveTo(1, 2)
    reference.lineTo(3, 4)
    reference.quadTo(5, 6, 7, 8)
    reference.cubicTo(9, 10, 11, 12, 13, 14)
    reference.close()
    verbs = np.array([MOVE, LINE, QUAD, CUBIC, CLOSE], dtype=np.uint8)
    points = np.arange(1, 15, dtype=np.float32).reshape(7, 2)
    try:
        return bool(bytes(reference.serialize()) == _serialize(verbs, points, False))
    except Exception:  # an unexpected skia build: use the slow builder
        return False


_FAST_BUILD: Final = _serialization_matches()


def make_path(
    verbs: NDArray[np.uint8], points: NDArray[np.float32], *, even_odd: bool = False
) -> skia.Path:
    """A skia path from verb and point arrays (one native call on the fast path)."""
    if _FAST_BUILD:
        out = skia.Path()
        if out.readFromMemory(_serialize(verbs, points, even_odd)):
            return out
    return _build_slow(verbs, points, even_odd)


# --- drawing ---------------------------------------------------------------------------------

RGBA = tuple[int, int, int, int]
IntArray = NDArray[np.intp]


HAIRLINE: Final = -1.0  # DrawOp.width of a one-device-pixel anti-aliased hairline
FILL: Final = 0.0  # DrawOp.width of a fill
HAIRLINE_MAX_WIDTH: Final = 2.0  # brush rows at most this wide (device px) become hairlines


def rgb_int(color: str) -> int:
    """``0xRRGGBB`` of a ``#rrggbb`` colour."""
    return int(color[1:7], 16)


def alpha_int(opacity: float) -> int:
    return max(0, min(255, round(opacity * 255)))


@dataclass(frozen=True, slots=True)
class DrawOp:
    """One skia path drawn with one paint: a stroke of ``width`` > 0, a fill (``FILL``) or a
    hairline (``HAIRLINE``)."""

    path: skia.Path
    rgb: int
    alpha: int
    width: float


@dataclass(frozen=True, slots=True)
class Placement:
    """Maps source-canvas units into the output: ``out = src * scale + offset``, clipped."""

    scale: float
    dx: float
    dy: float
    source_width: float
    source_height: float


@dataclass(frozen=True, slots=True)
class Raster:
    """Rendered pixels: palette indices ``(H, W)`` + ``palette``, or ``(H, W, 3|4)`` RGB(A)."""

    pixels: NDArray[np.uint8]
    palette: NDArray[np.uint8] | None = None

    def rgb_or_rgba(self) -> NDArray[np.uint8]:
        """Plain RGB (or RGBA when translucent) pixels, resolving the palette if any."""
        if self.palette is None:
            return self.pixels
        lookup: NDArray[np.uint8] = self.palette[self.pixels]
        return lookup


def _stroke_paint() -> skia.Paint:
    return skia.Paint(
        AntiAlias=True,
        Style=skia.Paint.kStroke_Style,
        StrokeCap=skia.Paint.kRound_Cap,
        StrokeJoin=skia.Paint.kRound_Join,
    )


def _draw(
    canvas: skia.Canvas,
    ops: list[DrawOp],
    placement: Placement | None,
    mask: bool,
    paper: int | None = None,
) -> None:
    if placement is not None:
        canvas.translate(placement.dx, placement.dy)
        canvas.scale(placement.scale, placement.scale)
        bounds = skia.Rect.MakeWH(placement.source_width, placement.source_height)
        canvas.clipRect(bounds, skia.ClipOp.kIntersect, True)
    if paper is not None:
        canvas.drawColor(0xFF000000 | paper)
    stroke = _stroke_paint()
    fill = skia.Paint(AntiAlias=True, Style=skia.Paint.kFill_Style)
    for op in ops:
        color = (op.alpha << 24) | (0 if mask else op.rgb)
        if op.width != FILL:
            stroke.setColor(color)
            stroke.setStrokeWidth(max(op.width, 0.0))
            canvas.drawPath(op.path, stroke)
        else:
            fill.setColor(color)
            canvas.drawPath(op.path, fill)


def _palette(background: RGBA, rgb: int) -> NDArray[np.uint8]:
    ink = np.array([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255], dtype=np.float64)
    paper = np.array(background[:3], dtype=np.float64)
    steps = np.arange(256, dtype=np.float64)[:, None] / 255.0
    return np.rint(paper + (ink - paper) * steps).astype(np.uint8)


def rasterize(
    ops: list[DrawOp],
    width: int,
    height: int,
    background: RGBA,
    placement: Placement | None,
    paper: int | None = None,
) -> Raster:
    """Draw ``ops`` in order over ``background`` (and the canvas area filled with the opaque
    ``paper`` colour, ``0xRRGGBB``, when given).

    When every op has the same colour over an opaque background, coverage is drawn into an
    8-bit alpha mask and mapped through a 256-entry palette (exactly the blend RGBA
    compositing gives, at a quarter of the bytes to encode).
    """
    hues = {op.rgb for op in ops}
    if background[3] == 255 and len(hues) <= 1 and paper is None:
        mask = np.zeros((height, width), dtype=np.uint8)
        surface = skia.Surface(mask, skia.kAlpha_8_ColorType, skia.kPremul_AlphaType)
        _draw(surface.getCanvas(), ops, placement, mask=True)
        del surface
        ink = hues.pop() if hues else 0
        return Raster(mask, _palette(background, ink))
    pixels = np.zeros((height, width, 4), dtype=np.uint8)
    surface = skia.Surface(pixels, skia.kRGBA_8888_ColorType, skia.kPremul_AlphaType)
    canvas = surface.getCanvas()
    r, g, b, a = background
    canvas.clear(skia.Color(r, g, b, a))
    _draw(canvas, ops, placement, mask=False, paper=paper)
    if a == 255:
        del surface
        return Raster(np.ascontiguousarray(pixels[:, :, :3]))
    snapshot = surface.makeImageSnapshot()
    unpremul: NDArray[np.uint8] = snapshot.toarray(
        colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType
    )
    return Raster(unpremul)


# --- variable-width outlines -------------------------------------------------------------------

_CAP_STEPS: Final = 4


@dataclass(frozen=True, slots=True)
class Outlines:
    """Closed outline polygons of many strokes: polygon ``r`` is
    ``points[point_offsets[r]:point_offsets[r+1]]`` with its verbs at ``verb_offsets``."""

    points: NDArray[np.float32]
    verbs: NDArray[np.uint8]
    point_offsets: IntArray
    verb_offsets: IntArray

    def path(self, first: int, stop: int) -> skia.Path:
        """One skia path holding polygons ``first..stop-1`` (winding fill: their union)."""
        po, vo = self.point_offsets, self.verb_offsets
        return make_path(self.verbs[vo[first] : vo[stop]], self.points[po[first] : po[stop]])


def outline_polygons(
    centres: NDArray[np.float64], radii: NDArray[np.float64], offsets: IntArray
) -> Outlines:
    """Outlines of variable-width round-capped strokes given back to back.

    Stroke ``r`` has centre points ``centres[offsets[r]:offsets[r+1]]`` and half widths
    ``radii`` alike; its polygon is the left side, the end cap, the right side reversed and
    the start cap. All strokes are processed in one vectorised pass.
    """
    sizes = np.diff(offsets)
    row_of = np.repeat(np.arange(len(sizes)), sizes)
    index = np.arange(len(centres))
    row_first = offsets[:-1][row_of]
    tangent = (
        centres[np.minimum(index + 1, offsets[1:][row_of] - 1)]
        - centres[np.maximum(index - 1, row_first)]
    )
    length = np.hypot(tangent[:, 0], tangent[:, 1])
    tangent /= np.where(length > 0, length, 1.0)[:, None]
    tangent[length == 0] = (1.0, 0.0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    offset = normal * radii[:, None]
    caps = 2 * _CAP_STEPS
    point_offsets = np.concatenate([[0], np.cumsum(2 * sizes + caps)])
    out = np.empty((point_offsets[-1], 2), dtype=np.float32)
    j = index - row_first
    base = point_offsets[:-1][row_of]
    out[base + j] = centres + offset
    out[base + 2 * sizes[row_of] + _CAP_STEPS - 1 - j] = centres - offset
    theta = np.linspace(0.0, np.pi, _CAP_STEPS + 2)[1:-1]
    cos_t, sin_t = np.cos(theta)[None, :, None], np.sin(theta)[None, :, None]
    steps = np.arange(_CAP_STEPS)[None, :]
    for ends, sign, shift in (
        (offsets[1:] - 1, 1.0, sizes),
        (offsets[:-1], -1.0, 2 * sizes + _CAP_STEPS),
    ):
        n = normal[ends][:, None, :] * sign
        t = tangent[ends][:, None, :] * sign
        swept = centres[ends][:, None, :] + radii[ends][:, None, None] * (cos_t * n + sin_t * t)
        out[(point_offsets[:-1] + shift)[:, None] + steps] = swept
    verb_offsets = np.concatenate([[0], np.cumsum(2 * sizes + caps + 1)])
    verbs = np.full(verb_offsets[-1], LINE, dtype=np.uint8)
    verbs[verb_offsets[:-1]] = MOVE
    verbs[verb_offsets[1:] - 1] = CLOSE
    return Outlines(out, verbs, point_offsets, verb_offsets)


# --- brush strokes ---------------------------------------------------------------------------


def _subset(offsets: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Sample indices and new offsets of the ragged ``rows`` (in order)."""
    sizes = np.diff(offsets)[rows]
    new_offsets = np.concatenate([[0], np.cumsum(sizes)])
    owner = np.repeat(np.arange(len(rows)), sizes)
    index = np.arange(new_offsets[-1]) - new_offsets[:-1][owner] + offsets[:-1][rows][owner]
    return index, new_offsets


def brush_ops(batch: BrushBatch, requests: int, scale: float) -> list[list[DrawOp]]:
    """Draw ops per request for an expanded brush batch.

    Rows are filled as variable-width outlines; rows at most ``HAIRLINE_MAX_WIDTH`` device
    pixels wide are drawn as hairlines with their opacity scaled by their mean width (the same
    ink, a fraction of the raster cost). Consecutive rows of one request with the same colour,
    opacity and kind (its bristles) share one skia path.
    """
    per_request: list[list[DrawOp]] = [[] for _ in range(requests)]
    if len(batch.colors) == 0:
        return per_request
    starts = batch.offsets[:-1]
    thin = np.maximum.reduceat(batch.widths, starts) * scale <= HAIRLINE_MAX_WIDTH
    thick_rows, thin_rows = np.flatnonzero(~thin), np.flatnonzero(thin)
    index, thick_offsets = _subset(batch.offsets, thick_rows)
    outlines = outline_polygons(batch.points[index], batch.widths[index] * 0.5, thick_offsets)
    index, line_offsets = _subset(batch.offsets, thin_rows)
    line_points = batch.points[index].astype(np.float32)
    line_verbs = np.full(len(index), LINE, dtype=np.uint8)
    line_verbs[line_offsets[:-1]] = MOVE
    line_width = np.concatenate([[0.0], np.cumsum(batch.widths[index])])
    position = np.empty(len(thin), dtype=np.intp)  # each row's place within its kind
    position[thick_rows] = np.arange(len(thick_rows))
    position[thin_rows] = np.arange(len(thin_rows))
    keys = list(
        zip(
            batch.owner.tolist(),
            batch.colors,
            np.clip(np.rint(batch.opacities * 255), 0, 255).astype(np.intp).tolist(),
            thin.tolist(),
            strict=True,
        )
    )
    first = 0
    for row in range(1, len(keys) + 1):
        if row < len(keys) and keys[row] == keys[first]:
            continue
        owner, color, alpha, is_thin = keys[first]
        a, b = int(position[first]), int(position[row - 1]) + 1
        if is_thin:
            lo, hi = line_offsets[a], line_offsets[b]
            mean_width = (line_width[hi] - line_width[lo]) / max(hi - lo, 1) * scale
            path = make_path(line_verbs[lo:hi], line_points[lo:hi])
            op = DrawOp(path, rgb_int(color), min(255, round(alpha * mean_width)), HAIRLINE)
        else:
            op = DrawOp(outlines.path(a, b), rgb_int(color), alpha, FILL)
        per_request[owner].append(op)
        first = row
    return per_request


BrushKey = tuple[int, str, str, float, float, int, int, float]


class BrushOpCache:
    """Thread-safe LRU of the draw ops of expanded brush strokes.

    Keyed by the stroke's geometry/style digest, preset, resolved style, canvas size and output
    scale: a canvas re-rendered after each agent turn only expands its new strokes. Skia paths
    are not modified once built, so cached ops are shared between renders.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self._entries: OrderedDict[BrushKey, tuple[DrawOp, ...]] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: BrushKey) -> tuple[DrawOp, ...] | None:
        with self._lock:
            ops = self._entries.get(key)
            if ops is not None:
                self._entries.move_to_end(key)
            return ops

    def put(self, key: BrushKey, ops: tuple[DrawOp, ...]) -> None:
        with self._lock:
            self._entries[key] = ops
            self._entries.move_to_end(key)
            while len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


BRUSH_OP_CACHE: Final = BrushOpCache()
