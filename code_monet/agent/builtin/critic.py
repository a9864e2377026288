"""Reading ``view_canvas``: the artist measures what it sees before it decides.

The text gives coverage, ink bounds and where new human strokes are; the PNG (decoded with
Pillow + numpy) gives what the text cannot: density per region, where the weight sits, the
most open area to work in next, the quietest bottom corner for the signature, and a sample of
the visitors' actual ink (they are drawn in the style's human colour) so a response can follow
their shape.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from code_monet.types.styles import DrawingStyleType

Box = tuple[float, float, float, float]
FloatGrid = NDArray[np.float64]

INK_THRESHOLD: Final = 232  # same rule as the tool's coverage: clearly darker than paper
COARSE: Final = 32  # columns of the coarse density map
MAX_INK_SAMPLES: Final = 320
OCCUPANCY_COLS: Final = 40
OCCUPIED: Final = 0.12
EDGE_STEP: Final = 36  # grey levels between neighbours that make a drawn edge

_COVERAGE = re.compile(r"Ink coverage:\s*([\d.]+)%")
_BOUNDS = re.compile(r"x (-?\d+)\D+?(-?\d+), y (-?\d+)\D+?(-?\d+)")
_COUNTS = re.compile(r"Strokes:\s*(\d+) by you, (\d+) by humans")
_NEW_HUMANS = re.compile(r"(\d+) new human strokes since you last looked, at (.*?)(?:\s…)?\. They")


@dataclass(frozen=True)
class CanvasReading:
    """What one look at the canvas told the artist."""

    width: int
    height: int
    coverage: float = 0.0  # fraction 0..1
    agent_strokes: int = 0
    human_total: int = 0
    bounds: Box | None = None
    human_boxes: tuple[Box, ...] = ()
    human_ink: tuple[tuple[float, float], ...] = ()
    thirds: tuple[tuple[float, ...], ...] = ((0.0,) * 3,) * 3  # [row][col] ink fraction
    open_spot: tuple[float, float] | None = None  # centre of the most open area
    left_share: float = 0.5
    top_share: float = 0.5
    occupancy: tuple[str, ...] = ()  # rows of "0"/"1": coarse cells that already hold ink
    seen: bool = False  # an image was decoded
    marks: float = 0.0  # fraction of the paper crossed by drawn edges (washes do not count)
    mark_thirds: tuple[tuple[float, ...], ...] = ((0.0,) * 3,) * 3
    ink: NDArray[np.bool_] | None = field(default=None, compare=False, repr=False)
    """The image's ink mask (image pixels, not canvas units): where the signature can go."""

    def place_name(self, x: float, y: float) -> str:
        """'top left', 'centre', 'right side'… for a canvas point."""
        col = min(2, max(0, int(3 * x / max(1, self.width))))
        row = min(2, max(0, int(3 * y / max(1, self.height))))
        cols, rows = ("left", "centre", "right"), ("top", "middle", "bottom")
        if row == 1:
            return "centre" if col == 1 else f"{cols[col]} side"
        return f"{rows[row]} {cols[col]}"

    def densest_third(self) -> tuple[int, int]:
        cells = [(-self.thirds[r][c], r, c) for r in range(3) for c in range(3)]
        _d, row, col = min(cells)
        return row, col

    def ink_pixels(self, box: Box) -> int | None:
        """How many image pixels inside canvas ``box`` (x0, y0, x1, y1) hold ink; None when
        no image was seen."""
        if self.ink is None:
            return None
        rows, cols = self.ink.shape
        sx, sy = cols / max(1, self.width), rows / max(1, self.height)
        c0, c1 = max(0, int(box[0] * sx)), min(cols, math.ceil(box[2] * sx) + 1)
        r0, r1 = max(0, int(box[1] * sy)), min(rows, math.ceil(box[3] * sy) + 1)
        if c1 <= c0 or r1 <= r0:
            return 0
        return int(self.ink[r0:r1, c0:c1].sum())

    def emptiest_cells(self, limit: float) -> list[tuple[int, int]]:
        """Thirds (row, col) with fewer drawn edges than ``limit``, emptiest first (a third
        under a flat wash of sky is still empty of things)."""
        cells = [(self.mark_thirds[r][c], r, c) for r in range(3) for c in range(3)]
        return [(r, c) for d, r, c in sorted(cells) if d < limit]


def parse_boxes(text: str) -> list[Box]:
    return [(float(a), float(c), float(b), float(d)) for a, b, c, d in _BOUNDS.findall(text)]


def read_canvas(
    text: str,
    png: bytes | None,
    *,
    width: int,
    height: int,
    style: DrawingStyleType,
    avoid: tuple[tuple[float, float, float], ...] = (),
    jitter: float = 0.0,
    new_humans: int = 0,
    answered: tuple[Box, ...] = (),
) -> CanvasReading:
    """Measure a ``view_canvas`` reply. ``avoid`` discs (x, y, r) are never the open spot.

    The listing may repeat human strokes the artist already saw (and shows at most ten), so
    the newest ``new_humans`` listed boxes are taken; when they are not listed, the new ink is
    found in the image instead: visitor-coloured pixels outside the ``answered`` boxes.
    """
    coverage_match = _COVERAGE.search(text)
    coverage = float(coverage_match.group(1)) / 100.0 if coverage_match else 0.0
    counts = _COUNTS.search(text)
    bounds_line = next((ln for ln in text.splitlines() if ln.startswith("Ink bounds")), "")
    bounds = parse_boxes(bounds_line)
    humans = _NEW_HUMANS.search(text)
    listed = parse_boxes(humans.group(2)) if humans else []
    total_humans = int(counts.group(2)) if counts else len(listed)
    human_boxes: tuple[Box, ...] = ()
    if new_humans > 0 and listed and total_humans <= len(listed):
        human_boxes = tuple(listed[-new_humans:])
    base = CanvasReading(
        width=width,
        height=height,
        coverage=coverage,
        agent_strokes=int(counts.group(1)) if counts else 0,
        human_total=int(counts.group(2)) if counts else 0,
        bounds=bounds[0] if bounds else None,
        human_boxes=human_boxes,
    )
    if png is None:
        return base
    try:
        with Image.open(io.BytesIO(png)) as image:
            rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    except (OSError, ValueError):
        return base
    if new_humans > 0 and not human_boxes:
        found = _unanswered_ink_box(rgb, style, answered, width / rgb.shape[1])
        base = replace(base, human_boxes=(found,) if found else ())
    return _measure(base, rgb, style, avoid, jitter)


def _measure(
    base: CanvasReading,
    rgb: NDArray[np.int16],
    style: DrawingStyleType,
    avoid: tuple[tuple[float, float, float], ...],
    jitter: float,
) -> CanvasReading:
    h, w = rgb.shape[:2]
    ink = rgb.mean(axis=2) < INK_THRESHOLD
    sx, sy = base.width / w, base.height / h
    thirds = _thirds(ink)
    edges = _edges(rgb)
    total = float(ink.sum())
    left = float(ink[:, : w // 2].sum()) / total if total else 0.5
    top = float(ink[: h // 2, :].sum()) / total if total else 0.5
    return CanvasReading(
        width=base.width,
        height=base.height,
        coverage=base.coverage or float(ink.mean()),
        agent_strokes=base.agent_strokes,
        human_total=base.human_total,
        bounds=base.bounds,
        human_boxes=base.human_boxes,
        human_ink=_human_ink(rgb, style, base.human_boxes, sx, sy),
        thirds=thirds,
        open_spot=_open_spot(ink, sx, sy, avoid, jitter),
        left_share=left,
        top_share=top,
        occupancy=_occupancy(ink),
        seen=True,
        marks=float(edges.mean()),
        mark_thirds=_thirds(edges),
        ink=ink,
    )


def _edges(rgb: NDArray[np.int16]) -> NDArray[np.bool_]:
    """Pixels on a drawn edge: a sharp step in brightness to a neighbour. Lines, contours and
    hatching make edges; a smooth wash of sky or ground makes almost none."""
    grey = rgb.mean(axis=2)
    edge = np.zeros(grey.shape, dtype=bool)
    edge[:, 1:] |= np.abs(np.diff(grey, axis=1)) > EDGE_STEP
    edge[1:, :] |= np.abs(np.diff(grey, axis=0)) > EDGE_STEP
    return edge


def _thirds(mask: NDArray[np.bool_]) -> tuple[tuple[float, ...], ...]:
    h, w = mask.shape
    return tuple(
        tuple(
            float(mask[r * h // 3 : (r + 1) * h // 3, c * w // 3 : (c + 1) * w // 3].mean())
            for c in range(3)
        )
        for r in range(3)
    )


def _occupancy(ink: NDArray[np.bool_]) -> tuple[str, ...]:
    """Which coarse cells (OCCUPANCY_COLS across) already hold a noticeable amount of ink."""
    h, w = ink.shape
    cell = max(1, w // OCCUPANCY_COLS)
    rows, cols = h // cell, w // cell
    grid = ink[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    return tuple("".join("1" if v > OCCUPIED else "0" for v in row) for row in grid.tolist())


def _open_spot(
    ink: NDArray[np.bool_],
    sx: float,
    sy: float,
    avoid: tuple[tuple[float, float, float], ...],
    jitter: float,
) -> tuple[float, float]:
    """Centre of the window (about a third of each side) with the least ink."""
    h, w = ink.shape
    cell = max(1, w // COARSE)
    rows, cols = h // cell, w // cell
    grid: FloatGrid = (
        ink[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    )
    wr, wc = max(1, int(rows * 0.34)), max(1, int(cols * 0.3))
    sums = np.zeros((rows + 1, cols + 1))
    sums[1:, 1:] = grid.cumsum(axis=0).cumsum(axis=1)
    box = sums[wr:, wc:] - sums[:-wr, wc:] - sums[wr:, :-wc] + sums[:-wr, :-wc]
    score = box / (wr * wc)
    ys = (np.arange(score.shape[0]) + wr / 2) * cell * sy
    xs = (np.arange(score.shape[1]) + wc / 2) * cell * sx
    gx, gy = np.meshgrid(xs, ys)
    # A faint, seeded preference so an empty canvas does not always pick the same corner,
    # and a pull away from the very edges.
    cx, cy = w * sx / 2, h * sy / 2
    score = score + 0.004 * (np.sin(gx * 0.013 + jitter * 6.0) + np.cos(gy * 0.017 - jitter * 4.0))
    score = score + 0.002 * (np.abs(gx - cx) / cx + np.abs(gy - cy) / cy)
    for ax, ay, ar in avoid:
        score = score + 1.0 * (np.hypot(gx - ax, gy - ay) < ar)
    row, col = np.unravel_index(int(np.argmin(score)), score.shape)
    return float(xs[col]), float(ys[row])


def _human_mask(rgb: NDArray[np.int16], style: DrawingStyleType) -> NDArray[np.bool_]:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if style is DrawingStyleType.PLOTTER:  # #0066cc
        return (b > 140) & (r < 110) & (b - r > 80)
    return (r > 185) & (g < 150) & (b - g > 10) & (b < 175)  # #e94560


def _unanswered_ink_box(
    rgb: NDArray[np.int16], style: DrawingStyleType, answered: tuple[Box, ...], scale: float
) -> Box | None:
    mask = _human_mask(rgb, style)
    for x0, y0, x1, y1 in answered:
        mask[int(y0 / scale) : int(y1 / scale) + 1, int(x0 / scale) : int(x1 / scale) + 1] = False
    ys, xs = np.nonzero(mask)
    if len(xs) < 4:
        return None
    return (
        float(xs.min()) * scale,
        float(ys.min()) * scale,
        float(xs.max()) * scale,
        float(ys.max()) * scale,
    )


def _human_ink(
    rgb: NDArray[np.int16],
    style: DrawingStyleType,
    boxes: tuple[Box, ...],
    sx: float,
    sy: float,
) -> tuple[tuple[float, float], ...]:
    """Pixels in the visitors' colour inside the reported boxes, as canvas points."""
    if not boxes:
        return ()
    mask = _human_mask(rgb, style)
    keep = np.zeros_like(mask)
    h, w = mask.shape
    for x0, y0, x1, y1 in boxes:
        c0, c1 = max(0, int(x0 / sx) - 3), min(w, int(x1 / sx) + 4)
        r0, r1 = max(0, int(y0 / sy) - 3), min(h, int(y1 / sy) + 4)
        keep[r0:r1, c0:c1] = True
    ys, xs = np.nonzero(mask & keep)
    if len(xs) == 0:
        return ()
    step = max(1, len(xs) // MAX_INK_SAMPLES)
    return tuple(
        (round(float(x) * sx, 1), round(float(y) * sy, 1))
        for x, y in zip(xs[::step].tolist(), ys[::step].tolist(), strict=True)
    )


def describe(reading: CanvasReading) -> str:
    """A sentence or two about the canvas, in the artist's words."""
    if reading.coverage < 0.005 and not reading.human_total:
        return "The paper is still blank."
    parts = [f"Ink covers about {reading.coverage:.0%} of the paper."]
    if reading.seen and reading.coverage > 0.01:
        if abs(reading.left_share - 0.5) > 0.1:
            side = "left" if reading.left_share > 0.5 else "right"
            share = max(reading.left_share, 1 - reading.left_share)
            parts.append(f"The weight leans {side} ({share:.0%} of the ink).")
        elif abs(reading.top_share - 0.5) > 0.12:
            side = "top" if reading.top_share > 0.5 else "bottom"
            parts.append(f"Most of the ink sits in the {side} half.")
        else:
            parts.append("The weight is fairly even.")
        row, col = reading.densest_third()
        dense = reading.thirds[row][col]
        x, y = (col + 0.5) * reading.width / 3, (row + 0.5) * reading.height / 3
        parts.append(f"The {reading.place_name(x, y)} is the densest part ({dense:.0%} inked).")
    if reading.open_spot and reading.coverage > 0.005:
        x, y = reading.open_spot
        parts.append(f"The most open area is around the {reading.place_name(x, y)}.")
    return " ".join(parts)
