"""From a subject's marks to ``draw_paths`` paths: placement, colour, width and batching.

Why a painter between subjects and tools: a subject only knows unit-box geometry and tone
roles. Where it sits, which colours the scene gives each tone and how thick a contour is in
paint (or that the plotter has one pen and one width) are decided here, once, for every
subject. Every point is clamped into the subject's box (and the canvas), so a subject can
never spill over its neighbours or off the paper.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from code_monet.agent.builtin.scene.marks import (
    Box,
    Mark,
    MarkKind,
    Medium,
    Point,
    SubjectSpec,
    Tone,
)
from code_monet.agent.builtin.scene.plan import PlacedSubject, ScenePlan
from code_monet.agent.builtin.scene.shapes import hatch

__all__ = [
    "BATCH",
    "Canvas",
    "Colours",
    "PathDict",
    "batches",
    "clip_out",
    "colours_for",
    "mark_paths",
    "paint_subject",
    "safe_colour",
    "scan_fill",
    "subject_strokes",
]

PathDict = dict[str, object]
Rect = tuple[float, float, float, float]
CLIP_STEP: Final = 6.0
T = TypeVar("T")
Canvas = tuple[float, float]

BATCH: Final = 30
INK_FALLBACK: Final = "#1a1a2e"
# Share of the box's short side a paint contour takes, and its bounds in px.
CONTOUR_SHARE: Final = 0.014
CONTOUR_MIN, CONTOUR_MAX = 1.6, 5.5
KIND_WIDTH: Final[dict[MarkKind, float]] = {
    MarkKind.CONTOUR: 1.0,
    MarkKind.DETAIL: 0.8,
    MarkKind.HATCH: 0.55,
    MarkKind.STIPPLE: 1.5,
    MarkKind.WASH: 0.5,
}
KIND_OPACITY: Final[dict[MarkKind, float]] = {
    MarkKind.CONTOUR: 0.95,
    MarkKind.DETAIL: 0.95,
    MarkKind.HATCH: 0.7,
    MarkKind.STIPPLE: 0.85,
    MarkKind.WASH: 0.35,
}
KIND_BRUSH: Final[dict[MarkKind, str]] = {
    MarkKind.CONTOUR: "ink",
    MarkKind.DETAIL: "ink",
    MarkKind.HATCH: "pencil",
    MarkKind.STIPPLE: "marker",
}
WASH_OPACITY: Final = 0.6
WASH_WIDTH_MIN, WASH_WIDTH_MAX = 3.0, 14.0
DRAW_ORDER: Final[dict[MarkKind, int]] = {
    MarkKind.WASH: 0,
    MarkKind.HATCH: 1,
    MarkKind.STIPPLE: 1,
    MarkKind.CONTOUR: 2,
    MarkKind.DETAIL: 3,
}


@dataclass(frozen=True)
class Colours:
    """The colour each tone takes for one subject (paint only)."""

    ink: str
    body: str
    shade: str
    accent: str
    light: str

    def of(self, tone: Tone) -> str:
        return {
            Tone.INK: self.ink,
            Tone.BODY: self.body,
            Tone.SHADE: self.shade,
            Tone.ACCENT: self.accent,
            Tone.LIGHT: self.light,
        }[tone]


def safe_colour(colour: str) -> str:
    """``colour`` as ``#rrggbb``, moved off the visitors' paint colour when it would read as
    theirs: the critic finds visitors' strokes by that hue, so the artist never paints in it."""
    text = colour.strip().lower()
    if len(text) != 7 or not text.startswith("#"):
        return INK_FALLBACK
    try:
        r, g, b = (int(text[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return INK_FALLBACK
    if r > 185 and g < 150 and b - g > 10 and b < 175:  # critic._human_mask for paint
        b = max(0, g)
    return f"#{r:02x}{g:02x}{b:02x}"


def _pick(palette: Sequence[str], index: int) -> str:
    if not palette:
        return INK_FALLBACK
    return palette[index] if index < len(palette) else palette[-1]


def colours_for(plan: ScenePlan, body: str | None = None) -> Colours:
    """Tone → colour for a subject whose own colour is ``body`` (None: the palette's body)."""
    p = plan.palette
    return Colours(
        ink=safe_colour(_pick(p, 0)),
        body=safe_colour(body or _pick(p, 1)),
        shade=safe_colour(_pick(p, 2)),
        accent=safe_colour(_pick(p, 3)),
        light=safe_colour(_pick(p, 4)),
    )


def _clamp(p: Point) -> Point:
    return (min(1.0, max(0.0, p[0])), min(1.0, max(0.0, p[1])))


def _place(points: Iterable[Point], box: Box, canvas: Canvas | None) -> list[dict[str, float]]:
    out = []
    for p in points:
        x, y = box.to_canvas(_clamp(p))
        if canvas is not None:
            x = min(canvas[0] - 0.5, max(0.5, x))
            y = min(canvas[1] - 0.5, max(0.5, y))
        out.append({"x": round(x, 1), "y": round(y, 1)})
    return out


def contour_width(box: Box) -> float:
    """A paint contour's width for a subject this size: bigger subjects, bolder lines."""
    return min(CONTOUR_MAX, max(CONTOUR_MIN, min(box.w, box.h) * CONTOUR_SHARE))


def mark_paths(
    marks: Iterable[Mark],
    box: Box,
    colours: Colours,
    medium: Medium,
    *,
    canvas: Canvas | None = None,
    opacity: float = 1.0,
) -> list[PathDict]:
    """``marks`` (unit-box geometry) as ``draw_paths`` paths inside ``box``.

    Plotter: one pen, one width — the tool ignores colour and width, so none are sent, and a
    wash is only its outline (tone there comes from hatching). Paint: washes are filled areas,
    lines take the tone's colour and a width scaled to the subject's size."""
    base = contour_width(box)
    paths: list[PathDict] = []
    for mark in marks:
        if len(mark.points) < 2 and mark.kind is not MarkKind.STIPPLE:
            continue
        points = list(mark.points)
        if len(points) == 1:
            points.append((points[0][0] + 0.002, points[0][1] + 0.002))
        if medium is Medium.PAINT and mark.kind is MarkKind.WASH:
            corners = [box.to_canvas(_clamp(p)) for p in points]
            width = min(WASH_WIDTH_MAX, max(WASH_WIDTH_MIN, min(box.w, box.h) / 10))
            x0, y0 = max(box.x, 0.5), max(box.y, 0.5)
            x1, y1 = box.x + box.w, box.y + box.h
            if canvas is not None:
                x1, y1 = min(x1, canvas[0] - 0.5), min(y1, canvas[1] - 0.5)
            tone = colours.of(mark.tone)
            paths += scan_fill(corners, tone, WASH_OPACITY * opacity, width, (x0, y0, x1, y1))
            continue
        closed = mark.closed or mark.kind is MarkKind.WASH
        if closed and len(points) > 2:
            points.append(points[0])
        placed = _place(points, box, canvas)
        path: PathDict = {"type": "line" if len(placed) == 2 else "polyline", "points": placed}
        if medium is Medium.PAINT:
            path.update(_paint_style(mark, colours, base, opacity))
        elif mark.kind is MarkKind.WASH and mark.tone is Tone.LIGHT:
            continue  # a glow has no outline on paper
        paths.append(path)
    return paths


def scan_fill(
    polygon: Sequence[Point],
    colour: str,
    opacity: float,
    width: float,
    area: tuple[float, float, float, float],
    *,
    inset: bool = True,
) -> list[PathDict]:
    """A filled area as overlapping parallel brush strokes, at most ``width`` wide.

    Why strokes and not a fill: ``draw_paths`` takes strokes only (it keeps colour, width,
    opacity and brush, not a fill), and a wash laid in broad parallel strokes is how a painter
    covers an area anyway. Strokes run along the area's longer side and sit half a width apart,
    so every point is under exactly two of them (an even tone, no stripes), each at the opacity
    that makes two reach ``opacity``; a narrow area gets narrower strokes. With ``inset`` the
    ends are pulled in by half the width so the round caps stay inside the polygon; ``area``
    (x0, y0, x1, y1) bounds every point."""
    if len(polygon) < 3:
        return []
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    across, along = max(xs) - min(xs), max(ys) - min(ys)
    angle = 0.0 if across >= along else math.pi / 2
    width = max(1.5, min(width, min(across, along) / 2.5))
    each = 1.0 - math.sqrt(max(0.0, 1.0 - min(1.0, opacity)))
    style: PathDict = {
        "color": colour,
        "stroke_width": round(width, 2),
        "opacity": round(max(0.02, each), 3),
    }
    out: list[PathDict] = []
    for a, b in hatch(polygon, angle=angle, spacing=width / 2):
        if inset:
            a, b = _pull(a, b, width / 2)
        points = [_bounded(a, area), _bounded(b, area)]
        out.append({"type": "line", "points": points, **style})
    return out


def _pull(a: Point, b: Point, by: float) -> tuple[Point, Point]:
    """Both ends moved towards each other by ``by`` (no further than the middle)."""
    length = math.dist(a, b)
    if length < 1e-9:
        return a, b
    t = min(by, length / 2 - 0.1) / length if length > 0.2 else 0.0
    dx, dy = (b[0] - a[0]) * t, (b[1] - a[1]) * t
    return (a[0] + dx, a[1] + dy), (b[0] - dx, b[1] - dy)


def _bounded(p: Point, area: tuple[float, float, float, float]) -> dict[str, float]:
    x = min(area[2], max(area[0], p[0]))
    y = min(area[3], max(area[1], p[1]))
    return {"x": round(x, 1), "y": round(y, 1)}


def _paint_style(mark: Mark, colours: Colours, base: float, opacity: float) -> PathDict:
    colour = colours.of(mark.tone)
    width = max(0.6, base * KIND_WIDTH[mark.kind] * mark.weight)
    return {
        "color": colour,
        "stroke_width": round(width, 2),
        "opacity": round(min(1.0, KIND_OPACITY[mark.kind] * opacity), 3),
        "brush": KIND_BRUSH[mark.kind],
    }


def clip_out(paths: Sequence[PathDict], keep: Rect) -> list[PathDict]:
    """``paths`` with every part inside ``keep`` (x0, y0, x1, y1) cut away: a line crossing it
    is split in two. Why: the corner reserved for the signature stays bare paper even when a
    wide band (a sea, a field) runs under it."""
    out: list[PathDict] = []
    for path in paths:
        raw = path.get("points")
        if not isinstance(raw, list):
            out.append(path)
            continue
        points = _dense([(float(p["x"]), float(p["y"])) for p in raw], CLIP_STEP)
        if not any(_within(p, keep) for p in points):
            out.append(path)
            continue
        for run in _outside(points, keep):
            pts = [{"x": round(x, 1), "y": round(y, 1)} for x, y in run]
            out.append({**path, "type": "line" if len(pts) == 2 else "polyline", "points": pts})
    return out


def _within(p: Point, keep: Rect) -> bool:
    return keep[0] <= p[0] <= keep[2] and keep[1] <= p[1] <= keep[3]


def _dense(points: Sequence[Point], step: float) -> list[Point]:
    """Extra points every ``step`` px along long segments (so a cut falls near the box)."""
    if len(points) < 2:
        return list(points)
    out = [points[0]]
    for a, b in itertools.pairwise(points):
        n = max(1, math.ceil(math.dist(a, b) / step))
        out += [
            (a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(1, n + 1)
        ]
    return out


def _outside(points: Sequence[Point], keep: Rect) -> list[list[Point]]:
    runs: list[list[Point]] = [[]]
    for p in points:
        if _within(p, keep):
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if len(r) >= 2]


def box_of(placed: PlacedSubject) -> Box:
    return Box(placed.x, placed.y, placed.w, placed.h, placed.mirror)


def subject_strokes(
    spec: SubjectSpec,
    placed: PlacedSubject,
    plan: ScenePlan,
    medium: Medium,
    rng: random.Random,
    *,
    canvas: Canvas | None = None,
    keep: Rect | None = None,
) -> list[tuple[MarkKind, PathDict]]:
    """Like ``paint_subject``, each path with the kind of mark it came from (so the artist
    can say "colour first", "now the lines" as the batches go out); ``keep`` is a box the
    subject must leave bare (see ``clip_out``)."""
    variant = placed.variant % max(1, spec.variants)
    marks = spec.draw(rng, medium, variant)
    ranked = sorted(enumerate(marks), key=lambda im: (DRAW_ORDER[im[1].kind], im[0]))
    colours = colours_for(plan, placed.body or spec.body)
    box = box_of(placed)
    out: list[tuple[MarkKind, PathDict]] = []
    for _i, mark in ranked:
        paths = mark_paths([mark], box, colours, medium, canvas=canvas)
        if keep is not None:
            paths = clip_out(paths, keep)
        out += [(mark.kind, p) for p in paths]
    return out


def paint_subject(
    spec: SubjectSpec,
    placed: PlacedSubject,
    plan: ScenePlan,
    medium: Medium,
    rng: random.Random,
    *,
    canvas: Canvas | None = None,
) -> list[PathDict]:
    """One placed subject as ``draw_paths`` paths: washes first, then tone, then the lines
    that make it recognisable, so the contour is never buried under its own colour."""
    return [p for _k, p in subject_strokes(spec, placed, plan, medium, rng, canvas=canvas)]


def batches(paths: Sequence[T], size: int = BATCH) -> list[list[T]]:
    """Split into ``draw_paths`` calls of about ``size`` paths (the last takes a short tail
    rather than leaving a batch of two)."""
    if not paths:
        return []
    size = max(1, size)
    out = [list(paths[i : i + size]) for i in range(0, len(paths), size)]
    if len(out) > 1 and len(out[-1]) < size // 4:
        out[-2].extend(out.pop())
    return out
