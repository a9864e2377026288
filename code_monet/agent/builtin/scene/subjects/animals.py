"""Subjects: animals, drawn as an illustrator would so people can name them at a glance.

Each animal is built from overlapping *parts* (closed shapes, back to front) and *details*
(eyes, whiskers, feathers). ``render`` turns them into marks for the medium: outlines with
hidden lines removed and hatching or stippling for the plotter, washes under a few lines for
paint. Parts are drawn in a natural-proportion frame and fitted into the unit box at the end,
so a pose never distorts. ``people`` uses the same kit.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from code_monet.agent.builtin.scene.marks import (
    Category,
    Mark,
    MarkKind,
    Medium,
    Placement,
    Point,
    SubjectSpec,
    Tone,
)
from code_monet.agent.builtin.scene.shapes import (
    Poly,
    arc,
    contour,
    detail,
    ellipse,
    hatch,
    inside,
    rect,
    smooth,
    stipple,
    transform,
)

# ---------------------------------------------------------------- the kit


@dataclass(frozen=True)
class Part:
    """A closed shape of a figure. Parts of one ``group`` merge (their outline is the
    union's); a later part hides the outlines of earlier ones. ``shaded`` parts are hatched
    (or stippled) by the plotter; ``outline`` False makes a pure tone area (shadow, light)."""

    poly: Poly
    tone: Tone = Tone.BODY
    group: int = -1
    outline: bool = True
    shaded: bool = False
    spacing: float = 1.0  # hatch spacing relative to the figure's usual


def part(
    poly: Sequence[Point],
    tone: Tone = Tone.BODY,
    *,
    group: int = -1,
    outline: bool = True,
    shaded: bool | None = None,
) -> Part:
    """A part; SHADE-toned parts are shaded by default."""
    return Part(tuple(poly), tone, group, outline, tone is Tone.SHADE if shaded is None else shaded)


def shadow(poly: Sequence[Point]) -> Part:
    """A shadow area: a SHADE wash in paint, hatching in plotter, no outline."""
    return Part(tuple(poly), Tone.SHADE, -1, False, True)


def light(poly: Sequence[Point]) -> Part:
    """A highlight area: a LIGHT wash in paint, nothing in plotter."""
    return Part(tuple(poly), Tone.LIGHT, -1, False, False)


def blob(points: Sequence[Point], n: int = 5) -> Poly:
    """A smooth closed outline through ``points``."""
    return smooth(points, closed=True, n=n)


def limb(centre: Sequence[Point], w0: float, w1: float, *, n: int = 5, bulge: float = 0.0) -> Poly:
    """A tapering tube (leg, tail, neck, finger) along a smooth centre line, round ends;
    ``bulge`` widens its middle (a bushy tail)."""
    line = smooth(centre, n=n) if len(centre) > 2 else tuple(centre)
    if len(line) == 2:
        line = tuple(
            (
                line[0][0] + (line[1][0] - line[0][0]) * t / 8,
                line[0][1] + (line[1][1] - line[0][1]) * t / 8,
            )
            for t in range(9)
        )
    count = len(line)
    left: list[Point] = []
    right: list[Point] = []
    for i, (x, y) in enumerate(line):
        a, b = line[max(i - 1, 0)], line[min(i + 1, count - 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        t = i / (count - 1)
        half = (w0 + (w1 - w0) * t + bulge * math.sin(math.pi * t)) / 2
        left.append((x + nx * half, y + ny * half))
        right.append((x - nx * half, y - ny * half))
    return (
        *left,
        *_cap(line[-1], line[-2], w1 / 2),
        *reversed(right),
        *_cap(line[0], line[1], w0 / 2),
    )


def paw_leg(
    pts: Sequence[Point], w0: float, w1: float, tone: Tone = Tone.BODY, *, group: int
) -> list[Part]:
    """A leg and its paw, pointing forward (+x, the way every profile here faces), merged
    into one outline by sharing ``group`` (which must be the leg's own)."""
    fx, fy = pts[-1]
    paw = ellipse(fx + w1 * 0.3, fy + w1 * 0.1, w1 * 0.8, w1 * 0.45, n=14)
    return [part(limb(pts, w0, w1), tone, group=group), part(paw, tone, group=group)]


def _cap(end: Point, before: Point, r: float) -> Poly:
    """A round end cap from the left side to the right side of a tube."""
    ang = math.atan2(end[1] - before[1], end[0] - before[0])
    return tuple(
        (
            end[0] + r * math.cos(ang + math.pi / 2 - math.pi * k / 6),
            end[1] + r * math.sin(ang + math.pi / 2 - math.pi * k / 6),
        )
        for k in range(1, 6)
    )


def clip(subject: Sequence[Point], window: Sequence[Point]) -> Poly:
    """``subject`` cut to a convex ``window`` (Sutherland–Hodgman): shadows inside a form."""
    area = sum(
        window[i - 1][0] * window[i][1] - window[i][0] * window[i - 1][1]
        for i in range(len(window))
    )
    sign = 1.0 if area > 0 else -1.0
    out = list(subject)
    for i in range(len(window)):
        a, b = window[i], window[(i + 1) % len(window)]
        if not out:
            break
        src, out = out, []
        for j in range(len(src)):
            p, q = src[j - 1], src[j]
            sp = sign * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]))
            sq = sign * ((b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]))
            if (sq >= 0) != (sp >= 0):
                t = sp / (sp - sq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
            if sq >= 0:
                out.append(q)
    return tuple(out)


def _bounds(poly: Sequence[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return min(xs), min(ys), max(xs), max(ys)


def _covered(p: Point, shapes: Sequence[tuple[Poly, tuple[float, float, float, float]]]) -> bool:
    return any(
        b[0] <= p[0] <= b[2] and b[1] <= p[1] <= b[3] and inside(p, poly) for poly, b in shapes
    )


def _resample(points: Sequence[Point], step: float, closed: bool) -> list[Point]:
    pts = [*points, points[0]] if closed else list(points)
    out = [pts[0]]
    for a, b in itertools.pairwise(pts):
        k = max(1, math.ceil(math.hypot(b[0] - a[0], b[1] - a[1]) / step))
        out.extend(
            (a[0] + (b[0] - a[0]) * i / k, a[1] + (b[1] - a[1]) * i / k) for i in range(1, k + 1)
        )
    return out


def _visible(
    points: Sequence[Point],
    hidden: Sequence[tuple[Poly, tuple[float, float, float, float]]],
    step: float,
    closed: bool,
) -> list[Poly]:
    """The runs of a line not covered by any of ``hidden``."""
    if not hidden:
        return [tuple(points) + ((points[0],) if closed else ())]
    runs: list[Poly] = []
    run: list[Point] = []
    for p in _resample(points, step, closed):
        if _covered(p, hidden):
            if len(run) > 2:
                runs.append(tuple(run))
            run = []
        else:
            run.append(p)
    if len(run) > 2:
        runs.append(tuple(run))
    if closed and len(runs) > 1 and runs[0][0] == points[0] and runs[-1][-1] == points[0]:
        runs = [runs[-1] + runs[0][1:], *runs[1:-1]]
    return runs


def _inside_runs(
    seg: Sequence[Point],
    area: tuple[Poly, tuple[float, float, float, float]],
    hidden: Sequence[tuple[Poly, tuple[float, float, float, float]]],
    step: float,
) -> list[Poly]:
    """Pieces of a hatch segment inside ``area`` and not hidden."""
    runs: list[Poly] = []
    run: list[Point] = []
    for p in _resample(seg, step, False):
        if _covered(p, [area]) and not _covered(p, hidden):
            run.append(p)
        else:
            if len(run) > 1:
                runs.append((run[0], run[-1]))
            run = []
    if len(run) > 1:
        runs.append((run[0], run[-1]))
    return runs


SPOT: Final = 0.004
"""A dark or light part smaller than this share of the figure's square is a spot (a pupil,
a nose, a glint): washes are laid in broad strokes, so a spot is drawn with the pen."""


def _spot(pt: Part) -> Mark:
    """A pupil as a tight spiral, a glint as a dot: small enough for a wash to swamp."""
    if pt.tone is Tone.INK:
        return Mark(_spiral(pt.poly), MarkKind.DETAIL, Tone.INK, False, 0.8)
    cx = sum(p[0] for p in pt.poly) / len(pt.poly)
    cy = sum(p[1] for p in pt.poly) / len(pt.poly)
    return Mark(((cx, cy), (cx + 1e-3, cy + 1e-3)), MarkKind.DETAIL, Tone.LIGHT, False, 1.2)


def _spiral(poly: Poly, turns: int = 3) -> Poly:
    """A solid-looking dark spot for the plotter: the outline wound in toward its centre."""
    cx = sum(p[0] for p in poly) / len(poly)
    cy = sum(p[1] for p in poly) / len(poly)
    total = len(poly) * turns
    return tuple(
        (cx + (x - cx) * (1 - 0.85 * i / total), cy + (y - cy) * (1 - 0.85 * i / total))
        for i, (x, y) in enumerate(poly[k % len(poly)] for k in range(total))
    )


def _area(poly: Sequence[Point]) -> float:
    return abs(
        sum(poly[i - 1][0] * poly[i][1] - poly[i][0] * poly[i - 1][1] for i in range(len(poly))) / 2
    )


@dataclass(frozen=True)
class Style:
    """How a figure's tone is laid down and where it sits in its box."""

    aspect: float  # the subject's box width / height
    angle: float = 0.8  # hatching angle (radians)
    stippled: bool = False  # the plotter stipples instead of hatching
    bottom: bool = True  # rest on the box's bottom edge (else centred)
    sparse: float = 1.0  # hatch spacing factor: small subjects hatch wider, or tone turns solid


def render(
    parts: Sequence[Part],
    details: Sequence[Mark],
    rng: random.Random,
    medium: Medium,
    style: Style,
) -> list[Mark]:
    """Marks for the medium, fitted into the unit box."""
    parts = [pt for pt in parts if len(pt.poly) >= 3]  # a clip that missed leaves nothing
    x0, y0, x1, y1 = _bounds([p for pt in parts for p in pt.poly])
    size = max(x1 - x0, y1 - y0)
    step = size * 0.006
    shapes = [(pt.poly, _bounds(pt.poly)) for pt in parts]
    marks: list[Mark] = []
    spots: list[Mark] = []
    if medium is Medium.PAINT:
        for pt in parts:  # washes slightly off register, as a painter's are
            if _area(pt.poly) < size * size * SPOT and pt.tone in (Tone.INK, Tone.LIGHT):
                spots.append(_spot(pt))
                continue
            shift = (rng.uniform(-1, 1) * size * 0.004, rng.uniform(-1, 1) * size * 0.004)
            marks.append(
                Mark(transform(pt.poly, dx=shift[0], dy=shift[1]), MarkKind.WASH, pt.tone, True)
            )
    else:
        marks.extend(_plotter_tone(parts, shapes, rng, style, size))
    for i, pt in enumerate(parts):
        if not pt.outline or (medium is Medium.PAINT and pt.tone is Tone.INK):
            continue
        hidden = [
            shapes[j]
            for j, other in enumerate(parts)
            if j != i and other.outline and (j > i or (pt.group >= 0 and other.group == pt.group))
        ]
        weight = 0.8 if medium is Medium.PAINT else 1.0
        for run in _visible(pt.poly, hidden, step, closed=True):
            marks.append(contour(run[::2] + run[-1:], weight=weight))
    marks.extend(details)
    marks.extend(spots)
    return _fit(marks, style)


def _plotter_tone(
    parts: Sequence[Part],
    shapes: Sequence[tuple[Poly, tuple[float, float, float, float]]],
    rng: random.Random,
    style: Style,
    size: float,
) -> list[Mark]:
    marks: list[Mark] = []
    for i, pt in enumerate(parts):
        if pt.tone is Tone.INK and pt.outline and _area(pt.poly) < size * size * SPOT:
            marks.append(Mark(_spiral(pt.poly), MarkKind.DETAIL, Tone.INK, False, 0.8))
            continue
        if not pt.shaded:
            continue
        hidden = [shapes[j] for j in range(i + 1, len(parts)) if parts[j].outline]
        if style.stippled:
            count = max(4, min(40, round(_area(pt.poly) / (size * size) * 500 / style.sparse)))
            marks.extend(
                Mark(
                    ((x, y), (x + size * 0.003, y + size * 0.003)),
                    MarkKind.STIPPLE,
                    Tone.SHADE,
                    False,
                    0.8,
                )
                for x, y in stipple(pt.poly, rng, count)
                if not _covered((x, y), hidden)
            )
            continue
        dense = 0.7 if pt.tone is Tone.INK else 1.0
        for seg in hatch(
            pt.poly, angle=style.angle, spacing=size * 0.028 * dense * pt.spacing * style.sparse
        ):
            for run in _inside_runs(seg, shapes[i], hidden, size * 0.006):
                marks.append(Mark(run, MarkKind.HATCH, Tone.SHADE, False, 0.5))
    return marks


def _fit(marks: Sequence[Mark], style: Style, margin: float = 0.03) -> list[Mark]:
    """Scale uniformly (true proportions in a box of ``aspect``) into the unit box."""
    x0, y0, x1, y1 = _bounds([p for m in marks for p in m.points])
    w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    s = min((1 - 2 * margin) * style.aspect / w, (1 - 2 * margin) / h)
    ox = (1 - w * s / style.aspect) / 2
    oy = 1 - margin - h * s if style.bottom else (1 - h * s) / 2

    def place(p: Point) -> Point:
        u = ox + (p[0] - x0) * s / style.aspect
        v = oy + (p[1] - y0) * s
        return (min(1.0, max(0.0, u)), min(1.0, max(0.0, v)))

    return [
        Mark(tuple(place(p) for p in m.points), m.kind, m.tone, m.closed, m.weight) for m in marks
    ]


def eye(cx: float, cy: float, r: float, *, ry: float | None = None) -> list[Part]:
    """A dark eye with a glint."""
    return [
        part(ellipse(cx, cy, r, ry or r, n=14), Tone.INK),
        Part(ellipse(cx - r * 0.35, cy - r * 0.35, r * 0.3, r * 0.3, n=8), Tone.LIGHT, -1, False),
    ]


def line(points: Sequence[Point], weight: float = 0.7, tone: Tone = Tone.INK) -> Mark:
    """A detail line through ``points`` (smoothed when there are three or more)."""
    return detail(smooth(points) if len(points) > 2 else tuple(points), tone=tone, weight=weight)


def ground_shadow(cx: float, y: float, rx: float) -> Part:
    """The shadow cast on the ground: a flat ellipse, loosely hatched."""
    return Part(ellipse(cx, y, rx, rx * 0.12, n=20), Tone.SHADE, -1, False, True, 1.6)


Builder = Callable[[random.Random], tuple[list[Part], list[Mark]]]


def _drawer(
    builders: Sequence[Builder], style: Style
) -> Callable[[random.Random, Medium, int], list[Mark]]:
    def draw(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
        parts, details = builders[variant % len(builders)](rng)
        return render(parts, details, rng, medium, style)

    return draw


def _j(rng: random.Random, amount: float = 0.02) -> float:
    """A small seeded jitter."""
    return rng.uniform(-amount, amount)


# ---------------------------------------------------------------- cat


def _cat_head(
    cx: float, cy: float, r: float, rng: random.Random, *, asleep: bool = False
) -> tuple[list[Part], list[Mark]]:
    ear = r * (0.95 + _j(rng, 0.1))
    head = blob(
        [
            (cx - r * 0.95, cy + r * 0.1),
            (cx - r * 0.8, cy - r * 0.55),
            (cx - r * 0.3, cy - r * 0.8),
            (cx + r * 0.3, cy - r * 0.8),
            (cx + r * 0.8, cy - r * 0.55),
            (cx + r * 0.95, cy + r * 0.1),
            (cx + r * 0.6, cy + r * 0.62),
            (cx, cy + r * 0.78),
            (cx - r * 0.6, cy + r * 0.62),
        ]
    )
    parts = [part(head, group=7)]
    details: list[Mark] = []
    for side in (-1, 1):
        base_out = (cx + side * r * 0.92, cy - r * 0.25)
        tip = (cx + side * r * 0.78, cy - r * 0.6 - ear)
        base_in = (cx + side * r * 0.15, cy - r * 0.75)
        parts.insert(
            0,
            part(
                blob(
                    [
                        base_out,
                        (cx + side * r * 0.95, cy - r * 0.9),
                        tip,
                        (cx + side * r * 0.35, cy - r * 1.05),
                        base_in,
                    ],
                    n=4,
                ),
                group=7,
            ),
        )
        parts.append(
            Part(
                (
                    (cx + side * r * 0.8, cy - r * 0.55),
                    (cx + side * r * 0.76, cy - r * 0.45 - ear * 0.85),
                    (cx + side * r * 0.38, cy - r * 0.78),
                ),
                Tone.SHADE,
                -1,
                False,
                True,
            )
        )
        ex = cx + side * r * 0.4
        if asleep:
            details.append(
                line(arc(ex, cy - r * 0.05, r * 0.2, r * 0.12, 0.2, math.pi - 0.2, n=8), 0.9)
            )
        else:
            parts.append(part(ellipse(ex, cy - r * 0.05, r * 0.2, r * 0.15, n=16), Tone.LIGHT))
            parts.append(part(ellipse(ex, cy - r * 0.05, r * 0.06, r * 0.14, n=10), Tone.INK))
        for k in (-1, 0, 1):
            details.append(
                line(
                    [
                        (cx + side * r * 0.3, cy + r * 0.35 + k * r * 0.05),
                        (cx + side * r * 0.9, cy + r * 0.28 + k * r * 0.14),
                        (cx + side * r * 1.45, cy + r * 0.22 + k * r * 0.28),
                    ],
                    0.5,
                )
            )
    nose = ((cx - r * 0.1, cy + r * 0.2), (cx + r * 0.1, cy + r * 0.2), (cx, cy + r * 0.32))
    parts.append(part(nose, Tone.INK))
    details.append(
        line(
            [
                (cx - r * 0.22, cy + r * 0.5),
                (cx - r * 0.1, cy + r * 0.52),
                (cx, cy + r * 0.33),
                (cx + r * 0.1, cy + r * 0.52),
                (cx + r * 0.22, cy + r * 0.5),
            ]
        )
    )
    return parts, details


def _cat_sitting(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    tail_y = 0.86 + _j(rng)
    tail = limb(
        [(0.58, 0.97), (0.76, 0.96), (0.86, 0.88), (0.88, tail_y - 0.12), (0.82, tail_y - 0.2)],
        0.07,
        0.05,
    )
    body = blob(
        [
            (0.5, 0.4),
            (0.63, 0.46),
            (0.7, 0.64),
            (0.73, 0.84),
            (0.68, 0.97),
            (0.5, 0.99),
            (0.32, 0.97),
            (0.27, 0.84),
            (0.3, 0.64),
            (0.37, 0.46),
        ]
    )
    parts = [ground_shadow(0.55, 0.99, 0.32), part(tail), part(body)]
    parts.append(shadow(clip(body, ellipse(0.82, 0.72, 0.2, 0.34))))
    parts.append(light(clip(body, ellipse(0.5, 0.55, 0.09, 0.16))))
    paws = [part(ellipse(x, 0.965, 0.055, 0.03, n=14)) for x in (0.44, 0.56)]
    parts.extend(paws)
    head_parts, details = _cat_head(0.5 + _j(rng, 0.01), 0.3, 0.17, rng)
    parts.extend(head_parts)
    details += [
        line([(0.45, 0.62), (0.44, 0.8), (0.44, 0.94)]),
        line([(0.55, 0.62), (0.56, 0.8), (0.56, 0.94)]),
        line([(0.5, 0.72), (0.5, 0.95)]),
    ]
    return parts, details


def _cat_curled(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    body = blob(
        [
            (0.2, 0.75),
            (0.3, 0.55),
            (0.55, 0.5),
            (0.8, 0.56),
            (0.9, 0.74),
            (0.84, 0.92),
            (0.55, 0.96),
            (0.25, 0.93),
        ]
    )
    tail = limb([(0.86, 0.86), (0.78, 0.95), (0.55, 0.97), (0.36, 0.95), (0.24, 0.9)], 0.07, 0.06)
    parts = [ground_shadow(0.55, 0.97, 0.4), part(body)]
    parts.append(shadow(clip(body, ellipse(0.6, 1.05, 0.5, 0.25))))
    parts.append(part(tail))
    head_parts, details = _cat_head(0.3, 0.74 + _j(rng, 0.01), 0.15, rng, asleep=True)
    parts.extend(head_parts)
    details.append(line([(0.55, 0.58), (0.7, 0.6), (0.8, 0.7)]))
    return parts, details


def _cat_walking(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    lift = _j(rng, 0.03)
    tail = limb(
        [(0.2, 0.55), (0.1, 0.45), (0.08, 0.3 + lift), (0.13, 0.2), (0.2, 0.2)], 0.06, 0.045
    )
    body = blob(
        [
            (0.2, 0.58),
            (0.3, 0.5),
            (0.5, 0.52),
            (0.68, 0.5),
            (0.78, 0.56),
            (0.77, 0.7),
            (0.66, 0.75),
            (0.45, 0.76),
            (0.28, 0.76),
            (0.18, 0.68),
        ]
    )
    thigh = blob([(0.2, 0.6), (0.3, 0.55), (0.38, 0.65), (0.36, 0.8), (0.28, 0.83), (0.2, 0.74)])
    far = [
        *paw_leg([(0.34, 0.72), (0.4, 0.85), (0.42, 0.97)], 0.07, 0.05, Tone.SHADE, group=40),
        *paw_leg([(0.66, 0.68), (0.62, 0.84), (0.6, 0.97)], 0.07, 0.05, Tone.SHADE, group=41),
    ]
    near = [
        *paw_leg([(0.28, 0.78), (0.24, 0.88), (0.2, 0.97)], 0.07, 0.055, group=3),
        part(thigh, group=3),
        *paw_leg([(0.72, 0.66), (0.76, 0.82), (0.8, 0.97)], 0.08, 0.055, group=42),
    ]
    parts = [ground_shadow(0.5, 0.98, 0.38), part(tail), *far, part(body)]
    parts.append(shadow(clip(body, ellipse(0.5, 0.88, 0.4, 0.17))))
    parts.extend(near)
    head_parts, details = _cat_head(0.8, 0.44, 0.14, rng)
    parts.extend(head_parts)
    return parts, details


# ---------------------------------------------------------------- dog


def _dog_head(hx: float, hy: float, r: float, rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A dog's head in profile facing right: skull, long muzzle, black nose, floppy ear."""
    skull = blob(
        [
            (hx - r, hy),
            (hx - r * 0.7, hy - r * 0.8),
            (hx, hy - r),
            (hx + r * 0.6, hy - r * 0.7),
            (hx + r * 0.8, hy),
            (hx + r * 0.3, hy + r * 0.8),
            (hx - r * 0.6, hy + r * 0.7),
        ]
    )
    muzzle = blob(
        [
            (hx + r * 0.2, hy - r * 0.35),
            (hx + r * 1.2, hy - r * 0.3),
            (hx + r * 1.55, hy - r * 0.1),
            (hx + r * 1.5, hy + r * 0.3),
            (hx + r * 1.0, hy + r * 0.5),
            (hx + r * 0.3, hy + r * 0.6),
        ]
    )
    drop = r * (1.0 + _j(rng, 0.15))
    ear = blob(
        [
            (hx - r * 0.2, hy - r * 0.85),
            (hx - r * 0.55, hy - r * 0.7),
            (hx - r * 0.8, hy + drop * 0.3),
            (hx - r * 0.65, hy + drop * 0.85),
            (hx - r * 0.4, hy + drop * 0.75),
            (hx - r * 0.1, hy - r * 0.3),
        ]
    )
    tongue = limb(
        [
            (hx + r * 1.0, hy + r * 0.38),
            (hx + r * 1.02, hy + r * 0.6),
            (hx + r * 0.95, hy + r * 0.8),
        ],
        r * 0.26,
        r * 0.24,
    )
    parts = [
        part(skull, group=5),
        part(muzzle, group=5),
        part(tongue, Tone.ACCENT),
        part(ear, Tone.SHADE),
    ]
    parts.append(part(ellipse(hx + r * 1.45, hy - r * 0.08, r * 0.16, r * 0.13, n=12), Tone.INK))
    parts += eye(hx + r * 0.3, hy - r * 0.35, r * 0.12)
    details = [
        line(
            [
                (hx + r * 1.45, hy + r * 0.05),
                (hx + r * 1.3, hy + r * 0.3),
                (hx + r * 0.8, hy + r * 0.35),
            ]
        ),
        line(
            [
                (hx + r * 0.05, hy - r * 0.55),
                (hx + r * 0.3, hy - r * 0.62),
                (hx + r * 0.5, hy - r * 0.55),
            ],
            0.6,
        ),
    ]
    return parts, details


def _collar(a: Point, b: Point, w: float) -> Part:
    return part(limb([a, b], w, w), Tone.ACCENT)


def _dog_standing(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    wag = _j(rng, 0.04)
    tail = limb([(0.2, 0.44), (0.12, 0.36), (0.08 + wag, 0.24), (0.1 + wag, 0.18)], 0.06, 0.03)
    body = blob(
        [
            (0.2, 0.48),
            (0.3, 0.42),
            (0.55, 0.43),
            (0.72, 0.4),
            (0.8, 0.5),
            (0.76, 0.64),
            (0.6, 0.68),
            (0.4, 0.66),
            (0.24, 0.66),
            (0.17, 0.58),
        ]
    )
    neck = limb([(0.7, 0.5), (0.76, 0.38), (0.79, 0.26)], 0.16, 0.12)

    def leg(pts: Sequence[Point], t: Tone = Tone.BODY) -> list[Part]:
        return paw_leg(pts, 0.085, 0.065, t, group=40 + round(pts[0][0] * 100))

    parts = [
        ground_shadow(0.5, 0.98, 0.38),
        part(tail),
        *leg([(0.3, 0.62), (0.33, 0.8), (0.32, 0.97)], Tone.SHADE),
        *leg([(0.68, 0.62), (0.66, 0.8), (0.67, 0.97)], Tone.SHADE),
        part(body, group=2),
        part(neck, group=2),
        shadow(clip(body, ellipse(0.5, 0.82, 0.42, 0.2))),
        *leg([(0.24, 0.6), (0.24, 0.8), (0.22, 0.97)]),
        *leg([(0.74, 0.6), (0.75, 0.8), (0.76, 0.97)]),
        _collar((0.705, 0.33), (0.85, 0.36), 0.035),
    ]
    head, details = _dog_head(0.82, 0.22, 0.1, rng)
    return parts + head, details


def _dog_sitting(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    wag = _j(rng, 0.03)
    tail = limb([(0.3, 0.9), (0.18, 0.93), (0.1, 0.9 + wag)], 0.05, 0.03)
    body = blob(
        [
            (0.32, 0.7),
            (0.42, 0.5),
            (0.55, 0.38),
            (0.66, 0.4),
            (0.7, 0.6),
            (0.66, 0.85),
            (0.55, 0.96),
            (0.38, 0.97),
            (0.3, 0.88),
        ]
    )
    haunch = blob(
        [(0.3, 0.78), (0.38, 0.64), (0.52, 0.68), (0.56, 0.84), (0.5, 0.96), (0.34, 0.96)]
    )
    neck = limb([(0.6, 0.5), (0.64, 0.36), (0.66, 0.24)], 0.17, 0.12)
    parts = [
        ground_shadow(0.45, 0.98, 0.32),
        part(tail),
        *paw_leg([(0.62, 0.6), (0.6, 0.8), (0.58, 0.97)], 0.075, 0.06, Tone.SHADE, group=40),
        part(body, group=2),
        part(neck, group=2),
        shadow(clip(body, ellipse(0.38, 0.92, 0.25, 0.3))),
        part(haunch),
        part(ellipse(0.52, 0.965, 0.08, 0.03, n=14)),
        *paw_leg([(0.66, 0.58), (0.67, 0.8), (0.67, 0.97)], 0.085, 0.065, group=41),
        _collar((0.58, 0.33), (0.72, 0.35), 0.035),
    ]
    head, details = _dog_head(0.68, 0.2, 0.1, rng)
    return parts + head, details


def _dog_lying(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    wag = _j(rng, 0.03)
    tail = limb([(0.15, 0.85), (0.07, 0.9), (0.03, 0.96 + wag * 0.3)], 0.05, 0.03)
    body = blob(
        [
            (0.14, 0.86),
            (0.22, 0.74),
            (0.45, 0.7),
            (0.62, 0.68),
            (0.72, 0.78),
            (0.7, 0.95),
            (0.45, 0.97),
            (0.2, 0.97),
        ]
    )
    haunch = blob(
        [(0.14, 0.88), (0.2, 0.76), (0.34, 0.78), (0.38, 0.9), (0.32, 0.97), (0.18, 0.97)]
    )
    neck = limb([(0.64, 0.8), (0.7, 0.66), (0.72, 0.56)], 0.16, 0.12)
    parts = [
        ground_shadow(0.48, 0.98, 0.45),
        part(tail),
        part(body, group=2),
        part(neck, group=2),
        shadow(clip(body, ellipse(0.45, 1.05, 0.35, 0.15))),
        part(haunch),
        part(limb([(0.66, 0.92), (0.8, 0.95), (0.93, 0.955)], 0.06, 0.055), Tone.SHADE),
        part(limb([(0.62, 0.95), (0.78, 0.97), (0.9, 0.97)], 0.065, 0.06)),
        _collar((0.655, 0.62), (0.79, 0.66), 0.035),
    ]
    head, details = _dog_head(0.74, 0.52, 0.1, rng)
    return parts + head, details


# ---------------------------------------------------------------- bird


def _bird_head(hx: float, hy: float, r: float) -> tuple[list[Part], list[Mark]]:
    beak = (
        (hx + r * 0.8, hy - r * 0.3),
        (hx + r * 1.9, hy + r * 0.05),
        (hx + r * 0.85, hy + r * 0.35),
    )
    parts = [part(beak, Tone.ACCENT), *eye(hx + r * 0.3, hy - r * 0.15, r * 0.2)]
    return parts, [line([(hx + r * 0.85, hy + r * 0.05), (hx + r * 1.9, hy + r * 0.05)], 0.5)]


def _raised_wing(shoulder: Point, wrist: Point, tip: Point, rear: Point, feathers: int = 4) -> Poly:
    """A wing lifted above the body, seen from the side: a curved leading edge from the
    shoulder over the wrist to the tip, then a ragged trailing edge of feathers back down."""
    lead = smooth([shoulder, wrist, tip], n=8)
    ex, ey = rear[0] - tip[0], rear[1] - tip[1]
    length = math.hypot(ex, ey)
    nx, ny = -ey / length, ex / length
    mx, my = (tip[0] + rear[0]) / 2, (tip[1] + rear[1]) / 2
    if nx * (wrist[0] - mx) + ny * (wrist[1] - my) > 0:
        nx, ny = -nx, -ny
    trail = []
    for k in range(1, feathers * 2):
        t = k / (feathers * 2)
        push = length * 0.07 * (1 - t) if k % 2 else 0.0
        trail.append((tip[0] + ex * t + nx * push, tip[1] + ey * t + ny * push))
    return (*lead, *trail, rear)


def _bird_flying(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Side view, wings raised in a V."""
    up = _j(rng, 0.04)
    body = blob([(0.25, 0.62), (0.4, 0.55), (0.62, 0.55), (0.74, 0.6), (0.62, 0.68), (0.4, 0.68)])
    head = ellipse(0.76, 0.56, 0.08, 0.07, n=18)
    tail = ((0.3, 0.6), (0.08, 0.55), (0.1, 0.62), (0.07, 0.7), (0.3, 0.66))
    far = _raised_wing((0.6, 0.57), (0.63, 0.32), (0.6, 0.08 + up), (0.5, 0.56))
    near = _raised_wing((0.57, 0.58), (0.5, 0.3), (0.24, 0.1 + up), (0.36, 0.6))
    parts = [
        part(far, Tone.SHADE),
        part(tail, Tone.SHADE),
        part(body, group=1),
        part(head, group=1),
        part(near),
    ]
    parts.append(shadow(clip(near, ellipse(0.28, 0.22 + up, 0.1, 0.1))))
    hp, details = _bird_head(0.76, 0.56, 0.08)
    details += [
        line([(0.3, 0.3 + up * 0.5), (0.4, 0.42), (0.47, 0.5)], 0.5),
        line([(0.36, 0.25 + up * 0.5), (0.45, 0.38), (0.52, 0.48)], 0.5),
    ]
    return parts + hp, details


def _bird_downstroke(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Side view, wings swept down below the body."""
    down = _j(rng, 0.03)
    body = blob([(0.25, 0.42), (0.4, 0.35), (0.62, 0.35), (0.74, 0.4), (0.62, 0.48), (0.4, 0.48)])
    head = ellipse(0.76, 0.36, 0.08, 0.07, n=18)
    tail = ((0.3, 0.4), (0.08, 0.33), (0.1, 0.41), (0.06, 0.5), (0.3, 0.46))
    far = _raised_wing((0.6, 0.43), (0.66, 0.62), (0.64, 0.86 + down), (0.52, 0.45))
    near = _raised_wing((0.57, 0.42), (0.52, 0.66), (0.3, 0.9 + down), (0.38, 0.44))
    parts = [
        part(far, Tone.SHADE),
        part(tail, Tone.SHADE),
        part(body, group=1),
        part(head, group=1),
        part(near),
        shadow(clip(near, ellipse(0.32, 0.88 + down, 0.1, 0.1))),
    ]
    hp, details = _bird_head(0.76, 0.36, 0.08)
    details += [
        line([(0.36, 0.78 + down * 0.5), (0.44, 0.62), (0.5, 0.5)], 0.5),
        line([(0.42, 0.8 + down * 0.5), (0.48, 0.64), (0.53, 0.52)], 0.5),
    ]
    return parts + hp, details


def _bird_soaring(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Gliding towards us: long wings bent at the wrist, pointed dark tips, a fanned tail."""
    lift = _j(rng, 0.03)
    parts: list[Part] = []
    details: list[Mark] = []
    for sd in (-1, 1):
        lead = smooth(
            [(0.5 + sd * 0.04, 0.44), (0.5 + sd * 0.2, 0.33 + lift), (0.5 + sd * 0.3, 0.34 + lift)],
            n=6,
        )
        tip = (0.5 + sd * 0.49, 0.5 + lift * 0.5)
        trail = [
            (0.5 + sd * 0.4, 0.46 + lift * 0.6),
            (0.5 + sd * 0.33, 0.45 + lift * 0.8),
            (0.5 + sd * 0.24, 0.47 + lift * 0.5),
            (0.5 + sd * 0.12, 0.52),
            (0.5 + sd * 0.04, 0.55),
        ]
        wing = (*lead, tip, *trail)
        parts.append(part(wing, group=1))
        parts.append(shadow(clip(wing, ellipse(tip[0], tip[1], 0.14, 0.08))))
        for k in range(3):
            x = 0.5 + sd * (0.36 + 0.03 * k)
            details.append(line([(x, 0.38 + lift + 0.03 * k), (x + sd * 0.05, 0.47 + lift)], 0.4))
    body = blob([(0.5, 0.38), (0.54, 0.45), (0.54, 0.6), (0.5, 0.66), (0.46, 0.6), (0.46, 0.45)])
    tail = (
        (0.47, 0.62),
        (0.53, 0.62),
        (0.58, 0.74),
        (0.54, 0.755),
        (0.5, 0.74),
        (0.46, 0.755),
        (0.42, 0.74),
    )
    head = ellipse(0.5, 0.36, 0.045, 0.05, n=16)
    parts = [part(tail, Tone.SHADE), *parts, part(body, group=1), part(head, group=1)]
    parts.append(part(((0.485, 0.37), (0.5, 0.43), (0.515, 0.37)), Tone.ACCENT))
    parts += [*eye(0.478, 0.35, 0.008), *eye(0.522, 0.35, 0.008)]
    return parts, details


# ---------------------------------------------------------------- fish


def _fish(
    body: Poly, tail: Poly, fins: Sequence[Poly], eye_at: Point, r: float, gill: Point
) -> tuple[list[Part], list[Mark]]:
    parts = [part(tail, Tone.SHADE), *[part(f, Tone.SHADE) for f in fins[:1]], part(body)]
    x0, y0, x1, y1 = _bounds(body)
    parts.append(
        shadow(
            clip(
                body,
                ellipse((x0 + x1) / 2, y1 + (y1 - y0) * 0.15, (x1 - x0) * 0.6, (y1 - y0) * 0.4),
            )
        )
    )
    parts.append(light(clip(body, ellipse((x0 + x1) / 2, y0, (x1 - x0) * 0.3, (y1 - y0) * 0.25))))
    parts += [part(f, Tone.SHADE) for f in fins[1:]]
    parts += [part(ellipse(*eye_at, r * 1.5, r * 1.5, n=14), Tone.LIGHT), *eye(*eye_at, r)]
    details = [
        line(arc(gill[0], gill[1], (y1 - y0) * 0.18, (y1 - y0) * 0.32, -1.2, 1.2, n=10), 0.8)
    ]
    return parts, details


def _scales(x0: float, x1: float, ys: Sequence[float], r: float) -> list[Mark]:
    out = []
    for row, y in enumerate(ys):
        x = x0 + (r if row % 2 else 0.0)
        while x < x1:
            out.append(line(arc(x, y, r, r, -1.2, 1.2, n=6), 0.4))
            x += 2 * r
    return out


def _fish_classic(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    fat = 1 + _j(rng, 0.08)
    body = blob(
        [
            (0.9, 0.5),
            (0.75, 0.5 - 0.2 * fat),
            (0.45, 0.5 - 0.24 * fat),
            (0.25, 0.46),
            (0.2, 0.5),
            (0.25, 0.54),
            (0.45, 0.5 + 0.22 * fat),
            (0.75, 0.5 + 0.18 * fat),
        ]
    )
    tail = blob(
        [(0.26, 0.5), (0.08, 0.28), (0.04, 0.3), (0.1, 0.5), (0.04, 0.72), (0.08, 0.74)], n=4
    )
    dorsal = blob([(0.65, 0.32), (0.52, 0.16), (0.38, 0.22), (0.35, 0.3)], n=4)
    pelvic = blob([(0.6, 0.64), (0.52, 0.8), (0.46, 0.7)], n=4)
    parts, details = _fish(body, tail, [dorsal, pelvic], (0.78, 0.45), 0.025, (0.68, 0.5))
    details += _scales(0.36, 0.62, (0.42, 0.52, 0.62), 0.035)
    details.append(line([(0.9, 0.53), (0.84, 0.55)], 0.7))
    for k in range(3):
        details.append(line([(0.08 + 0.03 * k, 0.36 + 0.02 * k), (0.2, 0.5)], 0.4))
    return parts, details


def _fish_round(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A tall, striped reef fish."""
    h = 1 + _j(rng, 0.06)
    body = blob(
        [
            (0.85, 0.5),
            (0.7, 0.5 - 0.28 * h),
            (0.45, 0.5 - 0.32 * h),
            (0.3, 0.42),
            (0.26, 0.5),
            (0.3, 0.58),
            (0.45, 0.5 + 0.3 * h),
            (0.7, 0.5 + 0.26 * h),
        ]
    )
    tail = blob([(0.3, 0.5), (0.12, 0.36), (0.1, 0.5), (0.12, 0.64)], n=4)
    dorsal = blob([(0.62, 0.25), (0.4, 0.04), (0.32, 0.2), (0.35, 0.4)], n=4)
    anal = blob([(0.62, 0.75), (0.4, 0.96), (0.32, 0.8), (0.35, 0.6)], n=4)
    parts, details = _fish(body, tail, [dorsal, anal], (0.74, 0.44), 0.028, (0.64, 0.5))
    for k, x in enumerate((0.42, 0.54)):
        stripe = clip(
            body,
            (
                (x - 0.035, 0.0),
                (x + 0.035, 0.0),
                (x + 0.035 + 0.02 * k, 1.0),
                (x - 0.035 + 0.02 * k, 1.0),
            ),
        )
        parts.insert(-3, part(stripe, Tone.SHADE, outline=False))
    details.append(line([(0.85, 0.52), (0.8, 0.54)], 0.7))
    return parts, details


def _fish_long(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A slender trout, bending as it swims, spotted, with bubbles."""
    bend = _j(rng, 0.02)
    body = blob(
        [
            (0.95, 0.52),
            (0.82, 0.45),
            (0.55, 0.42),
            (0.3, 0.46 + bend),
            (0.18, 0.52 + bend),
            (0.3, 0.58 + bend),
            (0.55, 0.62),
            (0.82, 0.6),
        ]
    )
    tail = blob(
        [(0.22, 0.52 + bend), (0.06, 0.4 + bend), (0.09, 0.52 + bend), (0.06, 0.64 + bend)], n=4
    )
    dorsal = blob([(0.6, 0.43), (0.52, 0.34), (0.46, 0.43)], n=4)
    belly = blob([(0.62, 0.6), (0.58, 0.7), (0.52, 0.61)], n=4)
    parts, details = _fish(body, tail, [dorsal, belly], (0.86, 0.5), 0.018, (0.78, 0.52))
    spots = [(0.4 + 0.08 * k + _j(rng, 0.01), 0.48 + 0.04 * (k % 2)) for k in range(5)]
    details += [detail(ellipse(x, y, 0.008, 0.008, n=6), closed=True, weight=0.8) for x, y in spots]
    details.append(line([(0.3, 0.52), (0.55, 0.53), (0.75, 0.53)], 0.4))
    details += [
        detail(
            ellipse(0.97 - k * 0.02, 0.38 - k * 0.09, 0.012 + k * 0.005, 0.012 + k * 0.005, n=10),
            closed=True,
            weight=0.6,
        )
        for k in range(3)
    ]
    return parts, details


# ---------------------------------------------------------------- horse


def _horse_head(
    px: float, py: float, down: float, rng: random.Random
) -> tuple[list[Part], list[Mark]]:
    """A long head from the poll at (px, py), the muzzle ``down`` radians below level."""
    c, s = math.cos(down), math.sin(down)
    rel = [
        (0.0, -0.04),
        (0.08, -0.05),
        (0.2, -0.03),
        (0.24, 0.0),
        (0.23, 0.04),
        (0.14, 0.05),
        (0.02, 0.07),
        (-0.04, 0.04),
    ]
    k = 1.25
    head = blob([(px + k * (x * c - y * s), py + k * (x * s + y * c)) for x, y in rel])
    ear = ((px - 0.01, py - 0.03), (px + 0.0, py - 0.1 + _j(rng, 0.01)), (px + 0.04, py - 0.04))

    def at(x: float, y: float) -> Point:
        return (px + k * (x * c - y * s), py + k * (x * s + y * c))

    parts = [part(ear, group=4), part(head, group=4), *eye(*at(0.05, -0.02), 0.011)]
    parts.append(part(ellipse(*at(0.2, 0.0), 0.012, 0.008, n=8), Tone.INK))
    details = [
        line([at(0.17, 0.035), at(0.22, 0.03)], 0.6),
        line([at(0.04, 0.06), at(0.08, 0.02), at(0.1, 0.045)], 0.5),
    ]
    return parts, details


def _horse(
    rng: random.Random,
    legs: Sequence[Sequence[Point]],
    neck: Sequence[Point],
    down: float,
    tail_line: Sequence[Point],
    *,
    airborne: bool = False,
) -> tuple[list[Part], list[Mark]]:
    """A horse in profile facing right; legs are near hind, far hind, near fore, far fore."""
    body = blob(
        [
            (0.2, 0.48),
            (0.26, 0.37),
            (0.4, 0.38),
            (0.55, 0.39),
            (0.68, 0.34),
            (0.77, 0.42),
            (0.76, 0.55),
            (0.66, 0.62),
            (0.5, 0.6),
            (0.34, 0.61),
            (0.23, 0.58),
        ]
    )
    sweep = _j(rng, 0.03)
    tail_pts = [(x + sweep * k / 3, y) for k, (x, y) in enumerate(tail_line)]
    tail = limb(tail_pts, 0.05, 0.02, bulge=0.05)
    neck_poly = limb(neck, 0.15, 0.09)
    dx, dy = neck[-1][0] - neck[0][0], neck[-1][1] - neck[0][1]
    norm = math.hypot(dx, dy)
    nx, ny = (dy / norm, -dx / norm) if -dx < 0 else (-dy / norm, dx / norm)
    mane = transform(
        limb([*neck[:-1], (neck[-1][0] - dx * 0.1, neck[-1][1] - dy * 0.1)], 0.05, 0.035),
        dx=nx * 0.05,
        dy=ny * 0.05,
    )
    thigh = blob([(0.2, 0.5), (0.3, 0.45), (0.37, 0.55), (0.33, 0.68), (0.26, 0.7), (0.2, 0.6)])
    near: list[Part] = []
    far: list[Part] = []
    for k, pts in enumerate(legs):
        group = 10 if k == 0 else 11 + k
        leg = [part(limb(pts, 0.075, 0.04), Tone.SHADE if k % 2 else Tone.BODY, group=group)]
        if k == 0:
            leg.append(part(thigh, group=group))
        hoof = ellipse(pts[-1][0], pts[-1][1] - 0.01, 0.026, 0.018, n=10)
        (far if k % 2 else near).extend([*leg, part(hoof, Tone.INK)])
    parts = [] if airborne else [ground_shadow(0.5, 0.985, 0.4)]
    parts += [part(tail, Tone.INK), *far, part(body, group=1), part(neck_poly, group=1)]
    parts.append(shadow(clip(body, ellipse(0.5, 0.75, 0.4, 0.2))))
    parts += [*near, part(mane, Tone.INK)]
    hp, details = _horse_head(neck[-1][0] + 0.01, neck[-1][1], down, rng)
    strands = [
        line([(x + 0.012 * k, y + 0.01) for x, y in tail_pts[1:]], 0.4, Tone.SHADE) for k in (-1, 1)
    ]
    return parts + hp, [*details, *strands]


def _horse_standing(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    legs = [
        [(0.28, 0.58), (0.25, 0.8), (0.27, 0.97)],
        [(0.34, 0.58), (0.33, 0.8), (0.35, 0.97)],
        [(0.7, 0.56), (0.7, 0.78), (0.69, 0.97)],
        [(0.63, 0.56), (0.62, 0.78), (0.62, 0.97)],
    ]
    tail = [(0.21, 0.42), (0.14, 0.5), (0.12, 0.66), (0.13, 0.8)]
    return _horse(rng, legs, [(0.7, 0.46), (0.76, 0.3), (0.8, 0.2)], 1.0, tail)


def _horse_trotting(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    legs = [
        [(0.26, 0.58), (0.18, 0.76), (0.1, 0.86)],
        [(0.34, 0.58), (0.37, 0.8), (0.4, 0.97)],
        [(0.72, 0.56), (0.83, 0.66), (0.8, 0.82)],
        [(0.64, 0.56), (0.6, 0.78), (0.57, 0.97)],
    ]
    tail = [(0.21, 0.42), (0.13, 0.48), (0.08, 0.62), (0.06, 0.74)]
    return _horse(rng, legs, [(0.7, 0.46), (0.78, 0.3), (0.84, 0.22)], 0.9, tail)


def _horse_galloping(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """All four legs stretched out, mane and tail streaming."""
    legs = [
        [(0.26, 0.58), (0.14, 0.68), (0.02, 0.74)],
        [(0.32, 0.6), (0.22, 0.74), (0.1, 0.8)],
        [(0.72, 0.56), (0.86, 0.62), (0.97, 0.58)],
        [(0.66, 0.58), (0.8, 0.7), (0.92, 0.72)],
    ]
    tail = [(0.21, 0.42), (0.12, 0.4), (0.04, 0.42), (0.0, 0.46)]
    parts, details = _horse(
        rng, legs, [(0.7, 0.46), (0.8, 0.34), (0.88, 0.28)], 0.75, tail, airborne=True
    )
    parts.insert(0, ground_shadow(0.5, 0.98, 0.35))
    details += [line([(0.02, 0.98), (0.12, 0.98)], 0.4), line([(0.86, 0.98), (0.98, 0.98)], 0.4)]
    return parts, details


# ---------------------------------------------------------------- owl


def _owl_face(
    cx: float, cy: float, r: float, rng: random.Random, *, sleepy: bool = False
) -> tuple[list[Part], list[Mark]]:
    parts: list[Part] = []
    details: list[Mark] = []
    for side in (-1, 1):
        ex = cx + side * r * 0.5
        parts.append(part(ellipse(ex, cy, r * 0.48, r * 0.46, n=22), Tone.LIGHT, group=6))
    for side in (-1, 1):
        ex = cx + side * r * 0.5
        parts.append(part(ellipse(ex, cy, r * 0.28, r * 0.28, n=18), Tone.ACCENT))
        if sleepy:
            parts.append(
                Part(
                    clip(
                        ellipse(ex, cy, r * 0.29, r * 0.29, n=18),
                        rect(ex - r, cy - r, 2 * r, r * 0.95),
                    ),
                    Tone.BODY,
                    -1,
                    False,
                )
            )
            details.append(
                line(
                    [
                        (ex - r * 0.28, cy - r * 0.03),
                        (ex, cy + r * 0.02),
                        (ex + r * 0.28, cy - r * 0.03),
                    ],
                    0.9,
                )
            )
        else:
            look = _j(rng, r * 0.05)
            parts += eye(ex + look, cy, r * 0.15)
        details.append(line(arc(ex, cy, r * 0.4, r * 0.38, math.pi * 1.1, math.pi * 1.9, n=8), 0.4))
    parts.append(
        part(
            ((cx - r * 0.1, cy + r * 0.15), (cx + r * 0.1, cy + r * 0.15), (cx, cy + r * 0.45)),
            Tone.INK,
        )
    )
    return parts, details


def _owl_body(
    cx: float, top: float, w: float, h: float, rng: random.Random
) -> tuple[list[Part], list[Mark]]:
    """Front view: head and body one egg, ear tufts, a big facial disc, folded wings."""
    tuft = _j(rng, 0.02)
    body = blob(
        [
            (cx, top + h * 0.05),
            (cx + w * 0.42, top),
            (cx + w * 0.5, top + h * 0.3),
            (cx + w * 0.48, top + h * 0.7),
            (cx + w * 0.3, top + h * 0.97),
            (cx, top + h),
            (cx - w * 0.3, top + h * 0.97),
            (cx - w * 0.48, top + h * 0.7),
            (cx - w * 0.5, top + h * 0.3),
            (cx - w * 0.42, top),
        ]
    )
    tufts = [
        part(
            (
                (cx + sd * w * 0.2, top + h * 0.04),
                (cx + sd * (w * 0.5 + tuft), top - h * 0.1),
                (cx + sd * w * 0.48, top + h * 0.16),
            ),
            group=8,
        )
        for sd in (-1, 1)
    ]
    parts = [
        *tufts,
        part(body, group=8),
        shadow(clip(body, ellipse(cx + w * 0.5, top + h * 0.7, w * 0.35, h * 0.5))),
    ]
    belly = ellipse(cx, top + h * 0.7, w * 0.28, h * 0.26, n=20)
    parts.append(light(belly))
    for sd in (-1, 1):
        wing = blob(
            [
                (cx + sd * w * 0.42, top + h * 0.4),
                (cx + sd * w * 0.32, top + h * 0.6),
                (cx + sd * w * 0.3, top + h * 0.85),
                (cx + sd * w * 0.4, top + h * 1.02),
                (cx + sd * w * 0.5, top + h * 0.7),
            ],
            n=4,
        )
        parts.append(part(wing, Tone.SHADE))
    face, details = _owl_face(cx, top + h * 0.27, w * 0.4, rng)
    for row in range(3):
        for k in range(3 - row % 2):
            x = cx + (k - (2 - row % 2) / 2) * w * 0.14
            y = top + h * (0.58 + row * 0.1)
            details.append(line([(x - w * 0.03, y), (x, y + h * 0.025), (x + w * 0.03, y)], 0.5))
    return parts + face, details


def _owl_perched(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    parts, details = _owl_body(0.5, 0.12, 0.5, 0.72, rng)
    branch = limb([(0.0, 0.88), (0.5, 0.87), (1.0, 0.9)], 0.06, 0.045)
    parts.append(part(branch, Tone.SHADE, shaded=False))
    for x in (0.43, 0.57):
        for k in (-1, 0, 1):
            details.append(line([(x + k * 0.015, 0.83), (x + k * 0.02, 0.86)], 1.2))
    details.append(line([(0.2, 0.9), (0.3, 0.89)], 0.4))
    return parts, details


def _owl_stump(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A tall owl on a tree stump."""
    parts, details = _owl_body(0.5, 0.1, 0.4, 0.62, rng)
    stump = blob([(0.28, 0.98), (0.3, 0.8), (0.34, 0.73), (0.66, 0.73), (0.7, 0.8), (0.72, 0.98)])
    parts += [
        part(stump, Tone.SHADE, shaded=False),
        shadow(clip(stump, ellipse(0.75, 0.9, 0.2, 0.3))),
    ]
    details += [
        line([(0.36, 0.76), (0.5, 0.78), (0.64, 0.76)], 0.6),
        line([(0.4, 0.82), (0.41, 0.95)], 0.4),
        line([(0.58, 0.84), (0.6, 0.96)], 0.4),
    ]
    return parts, details


def _owl_flying(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    flap = _j(rng, 0.03)
    parts: list[Part] = []
    details: list[Mark] = []
    for sd in (-1, 1):
        tips = [
            (0.5 + sd * (0.48 - k * 0.045), 0.46 + flap + (0.03 if k % 2 == 0 else 0.0))
            for k in range(6)
        ]
        wing = blob(
            [
                (0.5 + sd * 0.08, 0.35),
                (0.5 + sd * 0.25, 0.22 + flap),
                (0.5 + sd * 0.45, 0.3 + flap),
                (0.5 + sd * 0.5, 0.42 + flap),
                *tips,
                (0.5 + sd * 0.15, 0.6),
            ],
            n=3,
        )
        parts.append(part(wing, group=2))
        parts.append(shadow(clip(wing, ellipse(0.5 + sd * 0.36, 0.5 + flap, 0.14, 0.1))))
        for k in range(4):
            x = 0.5 + sd * (0.22 + k * 0.06)
            details.append(line([(x, 0.3 + flap), (x + sd * 0.02, 0.45 + flap)], 0.4))
    body, body_details = _owl_body(0.5, 0.2, 0.3, 0.5, rng)
    for sd in (-1, 1):
        details.append(line([(0.5 + sd * 0.05, 0.69), (0.5 + sd * 0.06, 0.76)], 1.2))
    return parts + body, details + body_details


# ---------------------------------------------------------------- whale


def _whale_parts(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A whale facing left, in a 0…1 frame: blunt head, long tapering body, flukes."""
    bulk = 1 + _j(rng, 0.05)
    body = blob(
        [
            (0.06, 0.5),
            (0.1, 0.38),
            (0.3, 0.34 - 0.02 * bulk),
            (0.55, 0.38),
            (0.75, 0.46),
            (0.86, 0.5),
            (0.88, 0.53),
            (0.75, 0.56),
            (0.5, 0.64),
            (0.25, 0.66 + 0.02 * bulk),
            (0.1, 0.62),
        ]
    )
    fluke = blob(
        [(0.84, 0.52), (0.92, 0.44), (0.99, 0.38), (0.96, 0.5), (0.99, 0.62), (0.92, 0.58)], n=4
    )
    flipper = blob([(0.3, 0.6), (0.4, 0.69), (0.37, 0.72), (0.26, 0.64)], n=4)
    parts = [part(fluke), part(body)]
    parts.append(shadow(clip(body, ellipse(0.4, 0.95, 0.6, 0.33))))
    belly = clip(body, ellipse(0.25, 0.78, 0.3, 0.17))
    parts.append(light(belly))
    parts.append(part(flipper, Tone.SHADE))
    parts += eye(0.22, 0.52, 0.012)
    details = [line([(0.07, 0.56), (0.15, 0.58), (0.24, 0.56)], 0.8)]
    details += [
        line([(0.1 + k * 0.05, 0.62 + k * 0.004), (0.2 + k * 0.06, 0.64 + k * 0.004)], 0.4)
        for k in range(3)
    ]
    return parts, details


def _spout(x: float, y: float, rng: random.Random) -> list[Mark]:
    out = []
    for sd in (-1, 0, 1):
        h = 0.2 + _j(rng, 0.02)
        out.append(line([(x, y), (x + sd * 0.03, y - h * 0.6), (x + sd * 0.09, y - h)], 0.7))
    out += [
        detail(ellipse(x + sd * 0.1, y - 0.18 + abs(sd) * 0.05, 0.008, 0.008, n=6), closed=True)
        for sd in (-1, 1)
    ]
    return out


def _waves(x0: float, x1: float, y: float, amp: float = 0.02) -> Mark:
    n = max(2, round((x1 - x0) / 0.08))
    pts = [
        (x0 + (x1 - x0) * k / (2 * n), y + (amp if k % 2 else -amp) * 0.5) for k in range(2 * n + 1)
    ]
    return line(pts, 0.6)


def _at_sea(
    parts: Sequence[Part], details: Sequence[Mark], sea: float
) -> tuple[list[Part], list[Mark]]:
    """What shows above the waterline ``sea``: parts cut there, details kept above it."""
    above = rect(-1.0, -1.0, 3.0, 1.0 + sea)
    kept = [
        Part(cut, pt.tone, pt.group, pt.outline, pt.shaded)
        for pt in parts
        if len(cut := clip(pt.poly, above)) >= 3
    ]
    marks = [m for m in details if all(p[1] <= sea for p in m.points)]
    return kept, marks


def _whale_swimming(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """At the surface, blowing: the sea hides its belly."""
    whole, marks = _whale_parts(rng)
    band = shadow(clip(whole[1].poly, ellipse(0.5, 0.66, 0.55, 0.12)))
    parts, details = _at_sea([*whole[:2], band, *whole[2:]], marks, 0.6)
    ripples = [line([(x - 0.05, 0.58), (x, 0.6), (x + 0.05, 0.58)], 0.5) for x in (0.02, 0.9, 0.96)]
    return parts, [
        *ripples,
        *details,
        *_spout(0.2, 0.35, rng),
        _waves(0.0, 1.0, 0.6),
        _waves(0.1, 0.9, 0.66, 0.012),
    ]


def _whale_breaching(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Leaping head first out of the sea, its tail still under the surface."""
    parts, details = _whale_parts(rng)
    rot = 1.0 + _j(rng, 0.05)
    sea = 0.8

    def turn(poly: Sequence[Point]) -> Poly:
        return transform(poly, rot=rot, about=(0.5, 0.5))

    moved, marks = _at_sea(
        [Part(turn(pt.poly), pt.tone, pt.group, pt.outline, pt.shaded) for pt in parts],
        [Mark(turn(m.points), m.kind, m.tone, m.closed, m.weight) for m in details],
        sea,
    )
    x = 0.46 + (sea - 0.5) / math.tan(rot)
    splash = [
        line(
            [
                (x + sd * 0.08, sea),
                (x + sd * (0.12 + 0.04 * k), sea - 0.08 - 0.03 * k),
                (x + sd * (0.2 + 0.06 * k), sea - 0.06 - 0.02 * k),
            ],
            0.6,
        )
        for sd in (-1, 1)
        for k in range(3)
    ]
    drops = [
        detail(
            ellipse(x + sd * (0.15 + 0.05 * k), sea - 0.16 - 0.04 * k, 0.008, 0.011, n=6),
            closed=True,
        )
        for sd in (-1, 1)
        for k in range(2)
    ]
    return moved, [
        *marks,
        *splash,
        *drops,
        _waves(0.0, 1.0, sea),
        _waves(0.15, 0.85, sea + 0.05, 0.012),
    ]


def _whale_diving(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Only the flukes show, lifted out of the sea."""
    spread = _j(rng, 0.03)
    stock = limb([(0.5, 0.95), (0.5, 0.75), (0.51, 0.52)], 0.18, 0.07)
    fluke = blob(
        [
            (0.5, 0.52),
            (0.34, 0.42),
            (0.14 - spread, 0.3),
            (0.06 - spread, 0.18),
            (0.22, 0.24),
            (0.42, 0.28),
            (0.5, 0.34),
            (0.58, 0.28),
            (0.78, 0.24),
            (0.94 + spread, 0.18),
            (0.86 + spread, 0.3),
            (0.66, 0.42),
        ]
    )
    parts = [
        part(stock, group=1),
        part(fluke, group=1),
        shadow(clip(stock, ellipse(0.62, 0.8, 0.1, 0.3))),
        shadow(clip(fluke, ellipse(0.5, 0.55, 0.45, 0.17))),
    ]
    drips = [
        detail(
            ellipse(0.1 + k * 0.16 + _j(rng, 0.01), 0.36 + 0.08 * (k % 3), 0.007, 0.012, n=6),
            closed=True,
        )
        for k in range(6)
    ]
    waves = [_waves(0.0, 1.0, 0.96), _waves(0.2, 0.8, 0.99, 0.012)]
    splash = [
        line(
            [
                (0.5 + sd * 0.1, 0.96),
                (0.5 + sd * (0.14 + 0.04 * k), 0.9 - 0.02 * k),
                (0.5 + sd * (0.2 + 0.05 * k), 0.88 - 0.01 * k),
            ],
            0.5,
        )
        for sd in (-1, 1)
        for k in range(2)
    ]
    ridge = [
        line([(0.5, 0.37), (0.36, 0.32), (0.18, 0.26)], 0.4),
        line([(0.5, 0.37), (0.64, 0.32), (0.82, 0.26)], 0.4),
    ]
    return parts, [*drips, *waves, *splash, *ridge]


# ---------------------------------------------------------------- rabbit


def _rabbit_head(
    hx: float, hy: float, r: float, rng: random.Random, *, front: bool = False
) -> tuple[list[Part], list[Mark]]:
    lop = _j(rng, 0.05)
    parts: list[Part] = []
    details: list[Mark] = []
    if front:
        head = blob(
            [
                (hx - r, hy),
                (hx - r * 0.7, hy - r * 0.8),
                (hx, hy - r * 0.9),
                (hx + r * 0.7, hy - r * 0.8),
                (hx + r, hy),
                (hx + r * 0.6, hy + r * 0.8),
                (hx, hy + r * 0.9),
                (hx - r * 0.6, hy + r * 0.8),
            ]
        )
        for sd in (-1, 1):
            ear = limb(
                [
                    (hx + sd * r * 0.35, hy - r * 0.6),
                    (hx + sd * r * 0.55, hy - r * 1.6),
                    (hx + sd * r * (0.7 + lop), hy - r * 2.6),
                ],
                r * 0.55,
                r * 0.45,
            )
            parts.append(part(ear, group=9))
            inner = limb(
                [
                    (hx + sd * r * 0.4, hy - r * 0.9),
                    (hx + sd * r * 0.55, hy - r * 1.6),
                    (hx + sd * r * (0.68 + lop), hy - r * 2.45),
                ],
                r * 0.25,
                r * 0.2,
            )
            parts.append(Part(inner, Tone.ACCENT, -1, False, True))
            parts += eye(hx + sd * r * 0.42, hy - r * 0.1, r * 0.13)
            for k in (-1, 1):
                details.append(
                    line(
                        [
                            (hx + sd * r * 0.2, hy + r * 0.4),
                            (hx + sd * r * 1.4, hy + r * (0.35 + k * 0.2)),
                        ],
                        0.45,
                    )
                )
        parts.insert(2, part(head, group=9))
        parts.append(
            part(
                (
                    (hx - r * 0.12, hy + r * 0.25),
                    (hx + r * 0.12, hy + r * 0.25),
                    (hx, hy + r * 0.38),
                ),
                Tone.ACCENT,
            )
        )
        details.append(
            line([(hx - r * 0.2, hy + r * 0.6), (hx, hy + r * 0.42), (hx + r * 0.2, hy + r * 0.6)])
        )
        return parts, details
    head = blob(
        [
            (hx - r, hy),
            (hx - r * 0.6, hy - r * 0.75),
            (hx + r * 0.4, hy - r * 0.7),
            (hx + r * 1.1, hy + r * 0.1),
            (hx + r * 1.05, hy + r * 0.4),
            (hx + r * 0.3, hy + r * 0.75),
            (hx - r * 0.7, hy + r * 0.6),
        ]
    )
    back_ear = limb(
        [
            (hx - r * 0.2, hy - r * 0.5),
            (hx - r * 0.7, hy - r * 1.5),
            (hx - r * (1.0 + lop), hy - r * 2.5),
        ],
        r * 0.5,
        r * 0.4,
    )
    ear = limb(
        [
            (hx - r * 0.1, hy - r * 0.5),
            (hx - r * 0.3, hy - r * 1.6),
            (hx - r * (0.35 + lop), hy - r * 2.7),
        ],
        r * 0.6,
        r * 0.45,
    )
    parts = [part(back_ear, Tone.SHADE), part(head, group=9), part(ear, group=9)]
    parts.append(
        Part(
            limb(
                [
                    (hx - r * 0.15, hy - r * 0.9),
                    (hx - r * 0.3, hy - r * 1.7),
                    (hx - r * (0.33 + lop), hy - r * 2.5),
                ],
                r * 0.25,
                r * 0.2,
            ),
            Tone.ACCENT,
            -1,
            False,
            True,
        )
    )
    parts += eye(hx + r * 0.35, hy - r * 0.1, r * 0.14)
    parts.append(part(ellipse(hx + r * 1.05, hy + r * 0.2, r * 0.09, r * 0.07, n=8), Tone.ACCENT))
    for k in (-1, 0, 1):
        details.append(
            line([(hx + r * 0.9, hy + r * 0.35), (hx + r * 1.6, hy + r * (0.3 + k * 0.2))], 0.45)
        )
    return parts, details


def _rabbit_sitting(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    body = blob(
        [
            (0.25, 0.8),
            (0.3, 0.58),
            (0.45, 0.5),
            (0.6, 0.52),
            (0.7, 0.66),
            (0.72, 0.88),
            (0.6, 0.97),
            (0.35, 0.97),
        ]
    )
    haunch = blob([(0.28, 0.85), (0.34, 0.7), (0.5, 0.72), (0.55, 0.88), (0.48, 0.97), (0.3, 0.97)])
    foot = limb([(0.36, 0.965), (0.6, 0.965)], 0.05, 0.045)
    tail = ellipse(0.24, 0.82, 0.06, 0.06, n=16)
    paw = limb([(0.68, 0.75), (0.7, 0.9), (0.72, 0.965)], 0.05, 0.045)
    parts = [
        ground_shadow(0.48, 0.98, 0.3),
        part(body),
        shadow(clip(body, ellipse(0.45, 1.05, 0.35, 0.2))),
        part(tail, Tone.LIGHT),
        part(haunch),
        part(foot),
        part(paw),
    ]
    head, details = _rabbit_head(0.64, 0.46, 0.11, rng)
    return parts + head, details


def _rabbit_front(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    body = blob(
        [
            (0.5, 0.5),
            (0.66, 0.56),
            (0.74, 0.78),
            (0.7, 0.96),
            (0.5, 0.98),
            (0.3, 0.96),
            (0.26, 0.78),
            (0.34, 0.56),
        ]
    )
    parts = [
        ground_shadow(0.5, 0.98, 0.3),
        part(body),
        shadow(clip(body, ellipse(0.8, 0.85, 0.2, 0.3))),
        light(ellipse(0.5, 0.76, 0.1, 0.14, n=16)),
    ]
    for sd in (-1, 1):
        parts.append(part(ellipse(0.5 + sd * 0.16, 0.955, 0.09, 0.035, n=14)))
        parts.append(part(ellipse(0.5 + sd * 0.06, 0.9, 0.04, 0.05, n=12)))
    head, details = _rabbit_head(0.5, 0.44, 0.12, rng, front=True)
    return parts + head, details


def _rabbit_hopping(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    stretch = _j(rng, 0.02)
    body = blob(
        [
            (0.18, 0.62),
            (0.3, 0.48),
            (0.55, 0.48),
            (0.72, 0.56),
            (0.68, 0.66),
            (0.45, 0.7),
            (0.25, 0.72),
        ]
    )
    hind = limb([(0.25, 0.65), (0.12, 0.76), (0.02 - stretch, 0.8)], 0.1, 0.045)
    front = limb([(0.64, 0.62), (0.76, 0.74), (0.84 + stretch, 0.84)], 0.05, 0.04)
    tail = ellipse(0.18, 0.56, 0.05, 0.05, n=14)
    parts = [
        ground_shadow(0.5, 0.96, 0.3),
        part(front, Tone.SHADE),
        part(body),
        shadow(clip(body, ellipse(0.45, 0.82, 0.35, 0.16))),
        part(tail, Tone.LIGHT),
        part(hind),
    ]
    parts.append(part(limb([(0.6, 0.62), (0.7, 0.76), (0.8 + stretch, 0.86)], 0.055, 0.045)))
    head, details = _rabbit_head(0.76, 0.48, 0.1, rng)
    details.append(line([(0.05, 0.9), (0.15, 0.9)], 0.4))
    return parts + head, details


# ---------------------------------------------------------------- fox


def _fox_head(
    hx: float, hy: float, r: float, rng: random.Random, *, front: bool = False, asleep: bool = False
) -> tuple[list[Part], list[Mark]]:
    perk = _j(rng, 0.05)
    details: list[Mark] = []
    if front:
        head = blob(
            [
                (hx - r * 1.2, hy + r * 0.1),
                (hx - r * 0.8, hy - r * 0.6),
                (hx, hy - r * 0.75),
                (hx + r * 0.8, hy - r * 0.6),
                (hx + r * 1.2, hy + r * 0.1),
                (hx + r * 0.4, hy + r * 0.6),
                (hx, hy + r * 1.0),
                (hx - r * 0.4, hy + r * 0.6),
            ],
            n=4,
        )
        parts = []
        for sd in (-1, 1):
            ear = (
                (hx + sd * r * 0.25, hy - r * 0.6),
                (hx + sd * r * (0.95 + perk), hy - r * 1.55),
                (hx + sd * r * 0.95, hy - r * 0.3),
            )
            parts.append(part(blob(ear, n=3), group=11))
            parts.append(
                Part(
                    transform(ear, sx=0.55, sy=0.6, about=(hx + sd * r * 0.75, hy - r * 0.6)),
                    Tone.INK,
                    -1,
                    False,
                )
            )
        parts.append(part(head, group=11))
        for sd in (-1, 1):
            cheek = blob(
                [
                    (hx + sd * r * 1.2, hy + r * 0.1),
                    (hx + sd * r * 0.4, hy + r * 0.6),
                    (hx + sd * r * 0.15, hy + r * 0.3),
                    (hx + sd * r * 0.5, hy + r * 0.15),
                ],
                n=3,
            )
            parts.append(Part(cheek, Tone.LIGHT, -1, False))
            if asleep:
                details.append(
                    line(
                        arc(
                            hx + sd * r * 0.42,
                            hy - r * 0.05,
                            r * 0.17,
                            r * 0.1,
                            0.2,
                            math.pi - 0.2,
                            n=8,
                        ),
                        0.9,
                    )
                )
            else:
                parts.append(
                    part(
                        ellipse(
                            hx + sd * r * 0.42,
                            hy - r * 0.1,
                            r * 0.15,
                            r * 0.09,
                            n=12,
                            rot=sd * 0.35,
                        ),
                        Tone.INK,
                    )
                )
        parts.append(part(ellipse(hx, hy + r * 0.85, r * 0.13, r * 0.1, n=10), Tone.INK))
        return parts, details
    head = blob(
        [
            (hx - r * 0.8, hy + r * 0.2),
            (hx - r * 0.6, hy - r * 0.5),
            (hx + r * 0.1, hy - r * 0.6),
            (hx + r * 0.7, hy - r * 0.2),
            (hx + r * 1.6, hy + r * 0.15),
            (hx + r * 1.6, hy + r * 0.3),
            (hx + r * 0.6, hy + r * 0.55),
            (hx - r * 0.2, hy + r * 0.65),
        ],
        n=4,
    )
    ear_b = (
        (hx - r * 0.55, hy - r * 0.4),
        (hx - r * (0.5 - perk), hy - r * 1.45),
        (hx - r * 0.05, hy - r * 0.55),
    )
    ear = (
        (hx - r * 0.3, hy - r * 0.5),
        (hx - r * (0.1 - perk), hy - r * 1.55),
        (hx + r * 0.25, hy - r * 0.5),
    )
    cheek = blob(
        [
            (hx + r * 1.55, hy + r * 0.3),
            (hx + r * 0.6, hy + r * 0.55),
            (hx - r * 0.2, hy + r * 0.65),
            (hx - r * 0.1, hy + r * 0.25),
            (hx + r * 0.7, hy + r * 0.2),
        ],
        n=3,
    )
    parts = [
        part(ear_b, Tone.INK),
        part(blob(ear, n=3), group=11),
        part(head, group=11),
        Part(cheek, Tone.LIGHT, -1, False),
    ]
    parts.append(part(ellipse(hx + r * 1.6, hy + r * 0.2, r * 0.1, r * 0.09, n=8), Tone.INK))
    if asleep:
        details.append(
            line(arc(hx + r * 0.45, hy - r * 0.1, r * 0.15, r * 0.08, 0.2, math.pi - 0.2, n=8), 0.9)
        )
    else:
        parts.append(
            part(
                ellipse(hx + r * 0.45, hy - r * 0.12, r * 0.13, r * 0.08, n=10, rot=-0.3), Tone.INK
            )
        )
    details.append(line([(hx + r * 1.5, hy + r * 0.35), (hx + r * 0.9, hy + r * 0.4)], 0.6))
    return parts, details


def _fox_tail(points: Sequence[Point], width: float) -> list[Part]:
    """A bushy tail with a white tip."""
    tail = limb(points, width * 0.3, width * 0.35, bulge=width * 0.8)
    end = points[-1]
    tip = clip(tail, ellipse(end[0], end[1], width * 0.6, width * 0.6, n=16))
    return [part(tail, shaded=True), part(tip, Tone.LIGHT)]


def _fox_standing(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    swish = _j(rng, 0.03)
    body = blob(
        [
            (0.28, 0.52),
            (0.38, 0.44),
            (0.6, 0.45),
            (0.74, 0.44),
            (0.8, 0.52),
            (0.76, 0.62),
            (0.6, 0.66),
            (0.4, 0.66),
            (0.28, 0.62),
        ]
    )

    def leg(pts: Sequence[Point], t: Tone) -> list[Part]:
        return paw_leg(pts, 0.06, 0.045, t, group=40 + round(pts[0][0] * 100))

    parts = [ground_shadow(0.5, 0.98, 0.42)]
    parts += _fox_tail([(0.3, 0.52), (0.18, 0.6), (0.1, 0.7 + swish), (0.02, 0.74 + swish)], 0.16)
    parts += [
        *leg([(0.38, 0.6), (0.4, 0.8), (0.39, 0.97)], Tone.SHADE),
        *leg([(0.7, 0.6), (0.68, 0.8), (0.7, 0.97)], Tone.SHADE),
    ]
    parts += [part(body), shadow(clip(body, ellipse(0.55, 0.8, 0.35, 0.18)))]
    parts.append(Part(clip(body, ellipse(0.82, 0.62, 0.1, 0.12)), Tone.LIGHT, -1, False))
    parts += [
        *leg([(0.32, 0.6), (0.3, 0.8), (0.31, 0.97)], Tone.BODY),
        *leg([(0.75, 0.58), (0.77, 0.8), (0.76, 0.97)], Tone.BODY),
        Part(limb([(0.3, 0.86), (0.31, 0.97)], 0.05, 0.045), Tone.INK, -1, False, False),
        Part(limb([(0.77, 0.86), (0.76, 0.97)], 0.05, 0.045), Tone.INK, -1, False, False),
    ]
    head, details = _fox_head(0.8, 0.4, 0.11, rng)
    return parts + head, details


def _fox_sitting(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    body = blob(
        [
            (0.5, 0.42),
            (0.64, 0.5),
            (0.7, 0.7),
            (0.72, 0.92),
            (0.6, 0.98),
            (0.4, 0.98),
            (0.28, 0.92),
            (0.3, 0.7),
            (0.36, 0.5),
        ]
    )
    parts = [ground_shadow(0.55, 0.98, 0.38)]
    parts += _fox_tail([(0.62, 0.95), (0.8, 0.95), (0.9, 0.86), (0.92, 0.72)], 0.14)
    parts += [part(body), shadow(clip(body, ellipse(0.8, 0.75, 0.2, 0.3)))]
    parts.append(
        Part(
            blob([(0.5, 0.46), (0.6, 0.55), (0.58, 0.75), (0.5, 0.8), (0.42, 0.75), (0.4, 0.55)]),
            Tone.LIGHT,
            -1,
            False,
        )
    )
    for x in (0.44, 0.56):
        parts.append(part(limb([(x, 0.66), (x, 0.85), (x, 0.965)], 0.06, 0.05), Tone.SHADE))
    head, details = _fox_head(0.5, 0.33, 0.12, rng, front=True)
    return parts + head, details


def _fox_curled(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    body = blob(
        [
            (0.15, 0.78),
            (0.25, 0.6),
            (0.55, 0.55),
            (0.82, 0.62),
            (0.9, 0.8),
            (0.8, 0.95),
            (0.5, 0.97),
            (0.2, 0.93),
        ]
    )
    parts = [
        ground_shadow(0.52, 0.97, 0.42),
        part(body),
        shadow(clip(body, ellipse(0.55, 1.05, 0.5, 0.25))),
    ]
    parts += _fox_tail([(0.88, 0.8), (0.78, 0.9), (0.55, 0.92), (0.3, 0.9)], 0.16)
    head, details = _fox_head(0.3, 0.76, 0.12, rng, asleep=True)
    details.append(line([(0.55, 0.6), (0.7, 0.64), (0.8, 0.72)]))
    return parts + head, details


# ---------------------------------------------------------------- butterfly


def _wings(
    cx: float, cy: float, s: float, rng: random.Random, squash: float = 1.0
) -> tuple[list[Part], list[Mark]]:
    """Four wings, spots and veins around a body at (cx, cy); ``squash`` narrows one side."""
    parts: list[Part] = []
    details: list[Mark] = []
    flare = _j(rng, 0.03)
    for sd in (-1, 1):
        k = s * (squash if sd < 0 else 1.0)
        upper = blob(
            [
                (cx, cy - 0.02),
                (cx + sd * k * 0.15, cy - 0.28 - flare),
                (cx + sd * k * 0.4, cy - 0.36 - flare),
                (cx + sd * k * 0.47, cy - 0.22),
                (cx + sd * k * 0.38, cy - 0.02),
                (cx + sd * k * 0.05, cy + 0.02),
            ]
        )
        lower = blob(
            [
                (cx, cy + 0.02),
                (cx + sd * k * 0.3, cy + 0.0),
                (cx + sd * k * 0.36, cy + 0.18),
                (cx + sd * k * 0.22, cy + 0.32),
                (cx + sd * k * 0.08, cy + 0.26),
            ]
        )
        parts += [part(lower, group=20 + sd), part(upper, group=30 + sd)]
        parts.append(
            Part(
                clip(upper, ellipse(cx + sd * k * 0.45, cy - 0.33, k * 0.2, 0.14)),
                Tone.SHADE,
                -1,
                False,
                True,
            )
        )
        parts.append(
            Part(
                clip(lower, ellipse(cx + sd * k * 0.25, cy + 0.32, k * 0.18, 0.1)),
                Tone.SHADE,
                -1,
                False,
                True,
            )
        )
        parts.append(part(ellipse(cx + sd * k * 0.28, cy - 0.2, k * 0.06, 0.05, n=12), Tone.ACCENT))
        parts.append(part(ellipse(cx + sd * k * 0.2, cy + 0.14, k * 0.04, 0.035, n=10), Tone.LIGHT))
        for ang in (-0.9, -0.5, -0.15):
            details.append(
                line(
                    [
                        (cx + sd * k * 0.03, cy),
                        (cx + sd * k * 0.3 * math.cos(ang), cy + 0.28 * math.sin(ang)),
                    ],
                    0.35,
                )
            )
    return parts, details


def _butterfly_body(cx: float, cy: float, s: float) -> tuple[list[Part], list[Mark]]:
    body = limb([(cx, cy - 0.1 * s), (cx, cy + 0.05), (cx, cy + 0.24 * s)], 0.045 * s, 0.025 * s)
    head = ellipse(cx, cy - 0.13 * s, 0.03 * s, 0.03 * s, n=12)
    parts = [part(body, Tone.INK, shaded=True), part(head, Tone.INK)]
    details = []
    for sd in (-1, 1):
        details.append(
            line(
                [
                    (cx + sd * 0.01, cy - 0.15 * s),
                    (cx + sd * 0.06 * s, cy - 0.3 * s),
                    (cx + sd * 0.12 * s, cy - 0.38 * s),
                ],
                0.6,
            )
        )
        details.append(
            detail(
                ellipse(cx + sd * 0.12 * s, cy - 0.38 * s, 0.012, 0.012, n=8),
                closed=True,
                weight=1.0,
            )
        )
    return parts, details


def _butterfly_open(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    wings, veins = _wings(0.5, 0.5, 1.0, rng)
    body, bd = _butterfly_body(0.5, 0.5, 1.0)
    return wings + body, veins + bd


def _butterfly_tilted(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    wings, veins = _wings(0.5, 0.5, 1.0, rng, squash=0.45)
    body, bd = _butterfly_body(0.5, 0.5, 1.0)
    parts = [
        Part(transform(p.poly, rot=-0.3, about=(0.5, 0.5)), p.tone, p.group, p.outline, p.shaded)
        for p in wings + body
    ]
    marks = [
        Mark(transform(m.points, rot=-0.3, about=(0.5, 0.5)), m.kind, m.tone, m.closed, m.weight)
        for m in veins + bd
    ]
    return parts, marks


def _butterfly_folded(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """Side view in flight, wings raised together over the body."""
    lean = _j(rng, 0.03)
    upper = blob(
        [
            (0.5, 0.55),
            (0.44 + lean, 0.3),
            (0.5 + lean, 0.1),
            (0.72 + lean, 0.08),
            (0.74 + lean, 0.2),
            (0.58, 0.52),
        ]
    )
    lower = blob([(0.5, 0.56), (0.64, 0.42), (0.74, 0.5), (0.7, 0.62), (0.56, 0.62)])
    body = limb([(0.4, 0.52), (0.5, 0.57), (0.64, 0.63)], 0.04, 0.025)
    parts = [
        part(lower),
        shadow(clip(lower, ellipse(0.72, 0.62, 0.08, 0.07))),
        part(upper),
        shadow(clip(upper, ellipse(0.7 + lean, 0.08, 0.15, 0.12))),
        part(ellipse(0.6 + lean * 0.5, 0.25, 0.035, 0.035, n=10), Tone.ACCENT),
        part(ellipse(0.66, 0.52, 0.022, 0.022, n=10), Tone.LIGHT),
        part(body, Tone.INK, shaded=True),
        part(ellipse(0.39, 0.5, 0.025, 0.025, n=10), Tone.INK),
    ]
    details = [
        line([(0.38, 0.48), (0.33, 0.38), (0.3, 0.33)], 0.6),
        line([(0.39, 0.48), (0.37, 0.37), (0.36, 0.32)], 0.6),
        line([(0.52, 0.54), (0.52 + lean, 0.3), (0.58 + lean, 0.14)], 0.35),
        line([(0.54, 0.54), (0.64 + lean, 0.3), (0.72 + lean, 0.16)], 0.35),
        line([(0.47, 0.59), (0.45, 0.63)], 0.6),
        line([(0.52, 0.61), (0.51, 0.65)], 0.6),
    ]
    details += [
        detail(ellipse(0.5 + 0.06 * k + lean, 0.12 + 0.015 * k, 0.008, 0.008, n=6), closed=True)
        for k in range(3)
    ]
    parts = [
        Part(transform(p.poly, rot=-0.2, about=(0.5, 0.4)), p.tone, p.group, p.outline, p.shaded)
        for p in parts
    ]
    details = [
        Mark(transform(m.points, rot=-0.2, about=(0.5, 0.4)), m.kind, m.tone, m.closed, m.weight)
        for m in details
    ]
    return parts, details


# ---------------------------------------------------------------- duck


def _duck_head(hx: float, hy: float, r: float) -> tuple[list[Part], list[Mark]]:
    head = ellipse(hx, hy, r, r * 0.9, n=20)
    bill = blob(
        [
            (hx + r * 0.7, hy - r * 0.05),
            (hx + r * 1.5, hy + r * 0.0),
            (hx + r * 1.9, hy + r * 0.15),
            (hx + r * 1.8, hy + r * 0.35),
            (hx + r * 0.7, hy + r * 0.4),
        ],
        n=4,
    )
    parts = [
        part(head, Tone.SHADE, group=13, shaded=False),
        part(bill, Tone.ACCENT),
        *eye(hx + r * 0.25, hy - r * 0.15, r * 0.15),
    ]
    return parts, [line([(hx + r * 0.8, hy + r * 0.2), (hx + r * 1.8, hy + r * 0.22)], 0.5)]


def _duck_afloat(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A duck sitting on the water (waterline at y 0.74), facing right."""
    bob = _j(rng, 0.01)
    body = blob(
        [
            (0.15, 0.5 + bob),
            (0.05, 0.42 + bob),
            (0.2, 0.5),
            (0.35, 0.46),
            (0.6, 0.47),
            (0.72, 0.55),
            (0.7, 0.68),
            (0.5, 0.74),
            (0.25, 0.72),
            (0.14, 0.62),
        ]
    )
    neck = limb([(0.64, 0.55), (0.66, 0.42), (0.67, 0.32)], 0.13, 0.1)
    wing = blob(
        [(0.58, 0.52), (0.4, 0.5), (0.2, 0.52), (0.12, 0.5), (0.3, 0.62), (0.55, 0.62)], n=4
    )
    parts = [
        part(body, group=14),
        part(neck, group=14),
        shadow(clip(body, ellipse(0.45, 0.85, 0.35, 0.16))),
        part(wing, Tone.SHADE),
    ]
    head, details = _duck_head(0.68, 0.27, 0.09)
    parts += [*head, part(limb([(0.6, 0.37), (0.74, 0.39)], 0.02, 0.02), Tone.LIGHT)]
    details.append(line([(0.46, 0.55), (0.3, 0.55), (0.18, 0.52)], 0.4))
    return parts, details


def _duck_floating(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    parts, details = _duck_afloat(rng)
    return parts, [*details, _waves(0.0, 0.95, 0.76, 0.015), _waves(0.15, 0.85, 0.82, 0.012)]


def _duck_with_duckling(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    """A duck afloat with a duckling paddling behind her."""
    parts, details = _duck_afloat(rng)
    small, small_details = _duck_afloat(rng)

    def shrink(points: Sequence[Point]) -> Poly:
        return transform(points, sx=0.45, sy=0.45, about=(0.7, 0.74), dx=-0.72)

    parts = [
        Part(shrink(p.poly), p.tone, p.group + 100 if p.group >= 0 else -1, p.outline, p.shaded)
        for p in small
    ] + parts
    details += [Mark(shrink(m.points), m.kind, m.tone, m.closed, m.weight) for m in small_details]
    return parts, [*details, _waves(-0.38, 0.95, 0.76, 0.015), _waves(-0.2, 0.85, 0.82, 0.012)]


def _duck_flying(rng: random.Random) -> tuple[list[Part], list[Mark]]:
    flap = _j(rng, 0.04)
    body = blob(
        [
            (0.15, 0.6),
            (0.3, 0.54),
            (0.55, 0.54),
            (0.7, 0.58),
            (0.6, 0.66),
            (0.35, 0.68),
            (0.18, 0.66),
        ]
    )
    neck = limb([(0.62, 0.59), (0.72, 0.55), (0.8, 0.52)], 0.09, 0.07)
    far = _raised_wing((0.56, 0.56), (0.59, 0.32), (0.56, 0.1 + flap), (0.45, 0.56))
    near = _raised_wing((0.52, 0.58), (0.45, 0.3), (0.2, 0.1 + flap), (0.3, 0.6))
    parts = [
        part(far, Tone.SHADE),
        part(body, group=14),
        part(neck, group=14),
        shadow(clip(body, ellipse(0.4, 0.78, 0.3, 0.14))),
        part(near),
    ]
    parts.append(shadow(clip(near, ellipse(0.25, 0.14 + flap, 0.1, 0.12))))
    parts.append(part(limb([(0.18, 0.64), (0.08, 0.66)], 0.025, 0.02), Tone.ACCENT))
    head, details = _duck_head(0.84, 0.5, 0.07)
    details += [line([(0.27, 0.25 + flap * 0.5), (0.36, 0.4), (0.42, 0.52)], 0.4)]
    return parts + head, details


# ---------------------------------------------------------------- registry

_CAT = _drawer((_cat_sitting, _cat_curled, _cat_walking), Style(1.0))
_DOG = _drawer((_dog_standing, _dog_sitting, _dog_lying), Style(1.2))
_BIRD = _drawer(
    (_bird_flying, _bird_soaring, _bird_downstroke), Style(1.2, bottom=False, sparse=1.8)
)
_FISH = _drawer(
    (_fish_classic, _fish_round, _fish_long), Style(1.8, angle=-0.6, bottom=False, sparse=1.4)
)
_HORSE = _drawer((_horse_standing, _horse_trotting, _horse_galloping), Style(1.2))
_OWL = _drawer((_owl_perched, _owl_flying, _owl_stump), Style(0.8, stippled=True))
_WHALE = _drawer((_whale_swimming, _whale_breaching, _whale_diving), Style(1.8, angle=-0.4))
_RABBIT = _drawer((_rabbit_sitting, _rabbit_front, _rabbit_hopping), Style(1.0, stippled=True))
_FOX = _drawer((_fox_standing, _fox_sitting, _fox_curled), Style(1.2))
_BUTTERFLY = _drawer(
    (_butterfly_open, _butterfly_folded, _butterfly_tilted), Style(1.2, bottom=False, sparse=1.6)
)
_DUCK = _drawer((_duck_floating, _duck_with_duckling, _duck_flying), Style(1.2, sparse=1.4))

SUBJECTS: tuple[SubjectSpec, ...] = (
    SubjectSpec("cat", Category.ANIMAL, Placement.GROUND, 1.0, "#f97316", _CAT, size=0.45),
    SubjectSpec("dog", Category.ANIMAL, Placement.GROUND, 1.2, "#8b5a2b", _DOG, size=0.45),
    SubjectSpec("bird", Category.ANIMAL, Placement.SKY, 1.2, "#3b82f6", _BIRD, size=0.12),
    SubjectSpec("fish", Category.ANIMAL, Placement.WATER, 1.8, "#4ecdc4", _FISH, size=0.2),
    SubjectSpec("horse", Category.ANIMAL, Placement.GROUND, 1.2, "#8b5a2b", _HORSE, size=0.5),
    SubjectSpec("owl", Category.ANIMAL, Placement.GROUND, 0.8, "#8b5a2b", _OWL, size=0.35),
    SubjectSpec("whale", Category.ANIMAL, Placement.WATER, 1.8, "#3b82f6", _WHALE, size=0.3),
    SubjectSpec("rabbit", Category.ANIMAL, Placement.GROUND, 1.0, "#9ca3af", _RABBIT, size=0.3),
    SubjectSpec("fox", Category.ANIMAL, Placement.GROUND, 1.2, "#f97316", _FOX, size=0.4),
    SubjectSpec("butterfly", Category.ANIMAL, Placement.SKY, 1.2, "#a855f7", _BUTTERFLY, size=0.15),
    SubjectSpec("duck", Category.ANIMAL, Placement.WATER, 1.2, "#4ade80", _DUCK, size=0.2),
)
