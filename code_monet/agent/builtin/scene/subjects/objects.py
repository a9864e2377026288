"""Subjects: everyday objects for still lifes (see scene/marks.py for the contract).

Each object is drawn the way an illustrator would: a strong silhouette first (rims as
ellipses in perspective, bodies as smooth profiles of revolution), then the details that
name it (a handle, a spout, spokes, clock hands, a flame), then tone in the medium's own
language: hatching for the plotter, washes for paint. Subjects draw in a private frame
``aspect`` wide and 1 high, so circles stay round, and ``_Sketch`` fits the result into the
unit box (standing objects touch its bottom edge).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from code_monet.agent.builtin.scene.marks import (
    Category,
    Mark,
    Medium,
    Placement,
    Point,
    SubjectSpec,
    Tone,
)
from code_monet.agent.builtin.scene.shapes import (
    Poly,
    arc,
    bezier,
    contour,
    detail,
    ellipse,
    hatch_marks,
    rect,
    smooth,
    stipple_marks,
    transform,
    wash,
    wobble,
)

_TAU: Final = 2 * math.pi
_MARGIN: Final = 0.02  # breathing room inside the unit box (sides, and top when grounded)

# ---------------------------------------------------------------- geometry helpers


def _circle(cx: float, cy: float, r: float, n: int = 32) -> Poly:
    return ellipse(cx, cy, r, r, n=n)


def _lathe(cx: float, profile: Sequence[tuple[float, float]], *, base: float = 0.0) -> Poly:
    """A body of revolution seen slightly from above: ``profile`` is (y, half-width) from
    top to bottom; returns the right side down, the front of the base, the left side up."""
    right = smooth([(cx + w, y) for y, w in profile], n=5)
    yb, wb = profile[-1]
    front = arc(cx, yb, wb, base, 0.0, math.pi, n=14)[1:-1] if base > 0 else ()
    left = tuple((2 * cx - x, y) for x, y in reversed(right))
    return right + front + left


def _mirror_closed(cx: float, right: Sequence[Point], *, n: int = 5) -> Poly:
    """A closed symmetric outline from its right half (top to bottom, ends on the axis)."""
    left = [(2 * cx - x, y) for x, y in reversed(right[1:-1])]
    return smooth([*right, *left], closed=True, n=n)


def _band(outer: Sequence[Point], inner: Sequence[Point]) -> Poly:
    """A closed strip between two open curves that run the same way (a handle, a rocker)."""
    return (*outer, *reversed(inner))


def _tube(p: Point, q: Point, w: float) -> Poly:
    """A quad of width ``w`` around the segment p→q (a leg, a rod)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    d = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / d * w / 2, dx / d * w / 2
    return (
        (p[0] + nx, p[1] + ny),
        (q[0] + nx, q[1] + ny),
        (q[0] - nx, q[1] - ny),
        (p[0] - nx, p[1] - ny),
    )


def _offset(pts: Sequence[Point], d: float) -> Poly:
    """A polyline moved sideways by ``d`` along its normals."""
    out: list[Point] = []
    for i, (x, y) in enumerate(pts):
        (ax, ay), (bx, by) = pts[max(0, i - 1)], pts[min(len(pts) - 1, i + 1)]
        n = math.hypot(bx - ax, by - ay) or 1.0
        out.append((x - (by - ay) / n * d, y + (bx - ax) / n * d))
    return tuple(out)


def _clip_x(poly: Sequence[Point], x0: float, *, keep_right: bool) -> Poly:
    """Sutherland–Hodgman clip of a polygon against the vertical line x = x0."""
    sign = 1.0 if keep_right else -1.0
    out: list[Point] = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        a_in, b_in = sign * (a[0] - x0) >= 0, sign * (b[0] - x0) >= 0
        if a_in:
            out.append(a)
        if a_in != b_in:
            t = (x0 - a[0]) / (b[0] - a[0])
            out.append((x0, a[1] + t * (b[1] - a[1])))
    return tuple(out)


def _side(poly: Sequence[Point], frac: float, *, right: bool = True) -> Poly:
    """The part of ``poly`` beyond ``frac`` of its width, from the left (or from the right)."""
    xs = [p[0] for p in poly]
    lo, hi = min(xs), max(xs)
    if right:
        return _clip_x(poly, lo + frac * (hi - lo), keep_right=True)
    return _clip_x(poly, hi - frac * (hi - lo), keep_right=False)


def _rounded(poly: Sequence[Point], *, bulge: float = 0.5) -> Poly:
    """The shadow side of a rounded body lit from the upper left: the right half, with the
    terminator bowing into the shadow so the shade is a crescent, not a half."""
    xs = [p[0] for p in poly]
    x0 = (min(xs) + max(xs)) / 2
    depth = max(xs) - x0
    part = _clip_x(poly, x0, keep_right=True)
    n = len(part)
    best, best_len = -1, 0.0
    for i in range(n):
        a, b = part[i], part[(i + 1) % n]
        if abs(a[0] - x0) < 1e-9 and abs(b[0] - x0) < 1e-9 and abs(b[1] - a[1]) > best_len:
            best, best_len = i, abs(b[1] - a[1])
    if best < 0:
        return part
    a, b = part[best], part[(best + 1) % n]
    bow = tuple(
        (x0 + bulge * depth * math.sin(math.pi * k / 12), a[1] + (b[1] - a[1]) * k / 12)
        for k in range(1, 12)
    )
    return (*part[: best + 1], *bow, *part[best + 1 :])


def _squiggle(x: float, y0: float, y1: float, amp: float, phase: float) -> Poly:
    """A rising wavy line (steam, a kite's tail)."""
    pts = [(x + amp * math.sin(phase + i * 1.4), y0 + (y1 - y0) * i / 6) for i in range(7)]
    return smooth(pts, n=5)


def _front_arc(cx: float, cy: float, rx: float, ry: float) -> Poly:
    """The near (lower) half of an ellipse: a band or a seam around a body."""
    return arc(cx, cy, rx, ry, 0.0, math.pi, n=16)


def _lift(poly: Sequence[Point], cx: float, k: float) -> Poly:
    """Raise points by ``k`` × (x − cx)²: a hat brim curling up at the sides."""
    return tuple((x, y - k * (x - cx) ** 2) for x, y in poly)


# ---------------------------------------------------------------- the sketchbook


@dataclass
class _Sketch:
    """Collects one drawing's marks in a frame ``aspect`` wide and 1 high, keeps washes,
    lines and tone in the medium's order, and fits the drawing into the unit box."""

    rng: random.Random
    medium: Medium
    aspect: float
    grounded: bool = True
    tilt: float = 0.0
    washes: list[Mark] = field(default_factory=list)
    lines: list[Mark] = field(default_factory=list)
    tones: list[Mark] = field(default_factory=list)

    @property
    def paint(self) -> bool:
        return self.medium is Medium.PAINT

    def j(self, value: float, spread: float) -> float:
        return value + self.rng.uniform(-spread, spread)

    def fill(self, poly: Sequence[Point], tone: Tone = Tone.BODY) -> None:
        if self.paint and len(poly) >= 3:
            self.washes.append(wash(poly, tone=tone))

    def line(
        self,
        pts: Sequence[Point],
        *,
        closed: bool = False,
        weight: float = 1.0,
        tone: Tone = Tone.INK,
    ) -> None:
        self.lines.append(
            contour(wobble(pts, self.rng, 0.003), closed=closed, tone=tone, weight=weight)
        )

    def fine(
        self,
        pts: Sequence[Point],
        *,
        closed: bool = False,
        weight: float = 0.6,
        tone: Tone = Tone.INK,
    ) -> None:
        self.lines.append(
            detail(wobble(pts, self.rng, 0.002), closed=closed, tone=tone, weight=weight)
        )

    def shade(
        self,
        poly: Sequence[Point],
        *,
        dark: bool = False,
        angle: float = 0.8,
        spacing: float = 0.03,
    ) -> None:
        """Shadow: a SHADE wash in paint, hatching (crossed when dark) for the plotter."""
        if len(poly) < 3:
            return
        if self.paint:
            self.washes.append(wash(poly, tone=Tone.SHADE))
            return
        self.tones.extend(hatch_marks(poly, angle=angle, spacing=spacing))
        if dark:
            self.tones.extend(hatch_marks(poly, angle=angle - 1.6, spacing=spacing * 1.2))

    def hatch(self, poly: Sequence[Point], *, angle: float = 0.8, spacing: float = 0.03) -> None:
        """Hatching that only the plotter needs: in paint the area's own wash says it."""
        if not self.paint and len(poly) >= 3:
            self.tones.extend(hatch_marks(poly, angle=angle, spacing=spacing))

    def rod(self, pts: Sequence[Point], *, width: float, weight: float = 1.6) -> None:
        """A stick (a stem, a shaft, a fork): a thick line in paint; on the plotter, whose
        one pen has one width, a narrow outline so it still reads as thick."""
        if self.paint:
            self.line(pts, weight=weight)
        else:
            self.line((*_offset(pts, width / 2), *reversed(_offset(pts, -width / 2))), closed=True)

    def dots(self, poly: Sequence[Point], count: int) -> None:
        """Shadow as stippling for the plotter, a SHADE wash in paint."""
        if self.paint:
            self.fill(poly, Tone.SHADE)
        elif len(poly) >= 3:
            self.tones.extend(stipple_marks(poly, self.rng, count))

    def light(self, poly: Sequence[Point]) -> None:
        self.fill(poly, Tone.LIGHT)

    def accent(self, poly: Sequence[Point], *, hatched: bool = False) -> None:
        """A contrasting area: an ACCENT wash, or fine accent hatching for the plotter."""
        if self.paint:
            self.fill(poly, Tone.ACCENT)
        elif hatched and len(poly) >= 3:
            self.tones.extend(hatch_marks(poly, angle=-0.7, spacing=0.022, tone=Tone.ACCENT))

    def marks(self) -> list[Mark]:
        ordered = [*self.washes, *self.lines] if self.paint else [*self.lines, *self.tones]
        return _fit(ordered, self.aspect, grounded=self.grounded, tilt=self.tilt)


def _fit(marks: list[Mark], aspect: float, *, grounded: bool, tilt: float) -> list[Mark]:
    """Tilt the drawing about its foot, scale it uniformly into the ``aspect`` × 1 frame
    (bottom on y = 1 when grounded, else centred) and express it in the unit box."""
    if tilt:
        pts = [p for m in marks for p in m.points]
        foot = ((min(p[0] for p in pts) + max(p[0] for p in pts)) / 2, max(p[1] for p in pts))
        marks = [
            Mark(transform(m.points, rot=tilt, about=foot), m.kind, m.tone, m.closed, m.weight)
            for m in marks
        ]
    pts = [p for m in marks for p in m.points]
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    bw, bh = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    room_h = 1 - _MARGIN if grounded else 1 - 2 * _MARGIN
    k = min(aspect * (1 - 2 * _MARGIN) / bw, room_h / bh)
    ox = aspect / 2 - k * (x0 + x1) / 2
    oy = 0.999 - k * y1 if grounded else 0.5 - k * (y0 + y1) / 2

    def place(p: Point) -> Point:
        u = (ox + k * p[0]) / aspect
        v = oy + k * p[1]
        return (min(1.0, max(0.0, u)), min(1.0, max(0.0, v)))

    return [
        Mark(tuple(place(p) for p in m.points), m.kind, m.tone, m.closed, m.weight) for m in marks
    ]


# ---------------------------------------------------------------- cup

_CUP_ASPECT: Final = 1.25


def _mug(s: _Sketch, cx: float, top: float, bottom: float, hw: float) -> None:
    """A straight mug with a D handle on the right, the drink showing inside the rim."""
    h = bottom - top
    ry = hw * 0.26
    body = _lathe(cx, [(top, hw), ((top + bottom) / 2, hw), (bottom, hw * 0.96)], base=ry)
    ex = cx + hw * 0.97
    outer = bezier(
        (ex, top + 0.16 * h),
        (ex + 0.42 * h, top + 0.08 * h),
        (ex + 0.42 * h, bottom - 0.16 * h),
        (ex, bottom - 0.2 * h),
    )
    inner = bezier(
        (ex, top + 0.3 * h),
        (ex + 0.24 * h, top + 0.28 * h),
        (ex + 0.24 * h, bottom - 0.36 * h),
        (ex, bottom - 0.34 * h),
    )
    handle = _band(outer, inner)
    s.fill(handle)
    s.fill(body)
    s.shade(_side(body, 0.64))
    s.shade(_side(handle, 0.5), spacing=0.025)
    rim = ellipse(cx, top, hw, ry)
    drink = ellipse(cx, top + ry * 0.3, hw * 0.86, ry * 0.68)
    s.fill(rim)
    s.shade(drink, dark=True, spacing=0.02)
    s.light(rect(cx - hw * 0.72, top + 0.2 * h, hw * 0.13, 0.55 * h))
    s.line(body, weight=1.2)
    s.line(rim, closed=True)
    s.fine(drink, closed=True)
    s.line(outer)
    s.line(inner)


def _teacup(s: _Sketch) -> None:
    cx, hw = 0.62, s.j(0.34, 0.02)
    top, foot = 0.36, 0.8
    # saucer
    sy = 0.86
    saucer = ellipse(cx, sy, 0.58, 0.1, n=40)
    s.fill(saucer)
    s.shade(_side(saucer, 0.7), spacing=0.025)
    s.line(saucer, closed=True)
    s.line(_front_arc(cx, sy + 0.02, 0.57, 0.1))
    s.fine(ellipse(cx, sy - 0.005, 0.3, 0.05), closed=True)
    # cup
    profile = [(top, hw), (top + 0.18, hw * 0.92), (top + 0.34, hw * 0.62), (foot, hw * 0.34)]
    body = _lathe(cx, profile, base=0.03)
    ex = cx + hw * 0.9
    outer = bezier(
        (ex, top + 0.06), (ex + 0.24, top - 0.02), (ex + 0.2, top + 0.26), (ex - 0.1, top + 0.3)
    )
    inner = bezier(
        (ex - 0.01, top + 0.1),
        (ex + 0.14, top + 0.06),
        (ex + 0.12, top + 0.2),
        (ex - 0.08, top + 0.24),
    )
    handle = _band(outer, inner)
    s.fill(handle)
    s.fill(body)
    s.shade(_rounded(body))
    rim = ellipse(cx, top, hw, hw * 0.24)
    tea = ellipse(cx, top + 0.012, hw * 0.86, hw * 0.17)
    s.fill(rim)
    s.shade(tea, dark=True, spacing=0.02)
    s.light(
        (
            *smooth(
                [
                    (cx - hw * 0.7, top + 0.08),
                    (cx - hw * 0.55, top + 0.2),
                    (cx - hw * 0.3, top + 0.3),
                ]
            ),
            (cx - hw * 0.4, top + 0.2),
        )
    )
    s.line(body, weight=1.2)
    s.line(rim, closed=True)
    s.fine(tea, closed=True)
    s.line(outer)
    s.line(inner)
    # a painted band below the rim
    s.fine(_front_arc(cx, top + 0.06, hw * 0.97, hw * 0.24), tone=Tone.ACCENT, weight=0.9)


def _cup(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a mug with a handle; a teacup on its saucer; a steaming mug."""
    s = _Sketch(rng, medium, _CUP_ASPECT)
    v = variant % 3
    if v == 0:
        _mug(s, 0.5, s.j(0.12, 0.02), 0.95, s.j(0.3, 0.015))
    elif v == 1:
        _teacup(s)
    else:
        hw = s.j(0.3, 0.015)
        _mug(s, 0.5, 0.5, 0.95, hw)
        for i, x in enumerate((0.38, 0.5, 0.62)):
            s.fine(_squiggle(x, 0.42, s.j(0.06, 0.03), 0.035, rng.uniform(0, _TAU) + i))
    return s.marks()


# ---------------------------------------------------------------- vase

_VASE_ASPECT: Final = 0.6


def _vase_body(s: _Sketch, cx: float, profile: list[tuple[float, float]], lip: float) -> Poly:
    """The vase itself: body, crescent shadow, a highlight and the open rim."""
    body = _lathe(cx, profile, base=profile[-1][1] * 0.22)
    top, rw = profile[0]
    rim = ellipse(cx, top, rw, rw * 0.28)
    s.fill(body)
    s.shade(_rounded(body))
    s.fill(rim, Tone.SHADE)
    y_wide, w_wide = max(profile, key=lambda p: p[1])
    height = profile[-1][0] - top
    s.light(ellipse(cx - w_wide * 0.55, y_wide, w_wide * 0.08, height * 0.14, n=16))
    s.line(body, weight=1.2)
    s.line(rim, closed=True)
    s.fine(ellipse(cx, top + 0.004, rw * lip, rw * 0.2), closed=True)
    return body


def _width_at(profile: list[tuple[float, float]], y: float) -> float:
    """The profile's half-width at height ``y`` (straight between its points)."""
    for (ya, wa), (yb, wb) in itertools.pairwise(profile):
        if ya <= y <= yb:
            return wa + (wb - wa) * (y - ya) / ((yb - ya) or 1.0)
    return profile[-1][1]


def _bands(s: _Sketch, cx: float, profile: list[tuple[float, float]], ys: Sequence[float]) -> None:
    """Painted bands around the body, following its curve at each height."""
    for y in ys:
        w = _width_at(profile, y)
        s.fine(_front_arc(cx, y, w, w * 0.22), weight=0.8)


def _amphora(s: _Sketch) -> None:
    cx = 0.3
    belly = s.j(0.25, 0.015)
    profile = [
        (0.05, 0.1),
        (0.1, 0.065),
        (0.2, 0.07),
        (0.33, 0.2),
        (0.5, belly),
        (0.72, 0.18),
        (0.88, 0.075),
        (0.93, 0.06),
        (0.98, 0.1),
    ]
    _vase_body(s, cx, profile, 0.75)
    for side in (-1, 1):
        outer = bezier(
            (cx + side * 0.065, 0.13),
            (cx + side * 0.24, 0.08),
            (cx + side * 0.26, 0.22),
            (cx + side * 0.2, 0.34),
        )
        inner = bezier(
            (cx + side * 0.066, 0.17),
            (cx + side * 0.19, 0.13),
            (cx + side * 0.2, 0.22),
            (cx + side * 0.16, 0.31),
        )
        s.fill(_band(outer, inner))
        s.line(outer)
        s.line(inner)
    _bands(s, cx, profile, (0.42, 0.6))
    # a zigzag frieze between the bands
    zig = []
    for i in range(11):
        t = i / 10
        x = cx - 0.22 + 0.44 * t
        dx = (x - cx) / 0.25
        zig.append((x, 0.47 + (0.08 if i % 2 else 0.0) + 0.05 * (1 - dx * dx) - 0.02))
    s.fine(zig, tone=Tone.ACCENT, weight=0.9)


def _tulip(s: _Sketch, x: float, y: float, r: float) -> None:
    """A closed tulip head: a cup of three pointed petals on its stem's end at (x, y)."""
    head = smooth(
        [
            (x, y + r * 0.9),
            (x - r * 0.75, y + r * 0.2),
            (x - r * 0.7, y - r * 0.75),
            (x - r * 0.25, y - r * 0.35),
            (x, y - r * 1.05),
            (x + r * 0.25, y - r * 0.35),
            (x + r * 0.7, y - r * 0.75),
            (x + r * 0.75, y + r * 0.2),
        ],
        closed=True,
        n=4,
    )
    s.accent(head, hatched=True)
    s.line(head, closed=True, weight=0.9)
    s.fine(smooth([(x, y + r * 0.85), (x - r * 0.1, y), (x, y - r * 0.9)]), weight=0.6)


def _slim_vase(s: _Sketch) -> None:
    cx = 0.3
    lip = 0.4
    profile = [
        (lip, 0.1),
        (lip + 0.05, 0.06),
        (lip + 0.2, s.j(0.075, 0.008)),
        (lip + 0.42, s.j(0.14, 0.01)),
        (lip + 0.52, 0.12),
        (0.975, 0.085),
    ]
    head = (s.j(cx + 0.05, 0.02), s.j(0.1, 0.015))
    stem = bezier((cx, lip), (cx, lip - 0.1), (head[0], head[1] + 0.15), head)
    s.line(stem, weight=0.9)
    tip = (cx - 0.2, s.j(0.16, 0.02))
    blade = (
        *bezier((cx - 0.01, lip), (cx - 0.06, lip - 0.12), (tip[0] + 0.02, tip[1] + 0.12), tip),
        *bezier(tip, (tip[0] + 0.1, tip[1] + 0.08), (cx + 0.02, lip - 0.14), (cx + 0.01, lip)),
    )
    s.fill(blade, Tone.SHADE)
    s.line(blade, closed=True, weight=0.8)
    _tulip(s, head[0], head[1], 0.075)
    _vase_body(s, cx, profile, 0.7)
    _bands(s, cx, profile, (lip + 0.34, lip + 0.47))
    for y in (lip + 0.38, lip + 0.42):
        w = _width_at(profile, y)
        s.fine(_front_arc(cx, y, w, w * 0.22), tone=Tone.ACCENT, weight=0.6)


def _flower(s: _Sketch, x: float, y: float, r: float, petals: int) -> None:
    """A daisy-like head: one scalloped outline of rounded petals around a centre."""
    turn = s.rng.uniform(0, _TAU)
    head = tuple(
        (
            x + r * (0.45 + 0.75 * abs(math.cos(petals * a / 2))) * math.cos(a + turn),
            y + r * (0.45 + 0.75 * abs(math.cos(petals * a / 2))) * math.sin(a + turn),
        )
        for a in (_TAU * k / (petals * 8) for k in range(petals * 8))
    )
    s.accent(head)
    s.fine(head, closed=True, weight=0.8)
    centre = _circle(x, y, r * 0.4, n=12)
    s.fill(centre, Tone.SHADE)
    s.fine(centre, closed=True, weight=0.7)


def _vase_with_flowers(s: _Sketch) -> None:
    cx = 0.5
    heads = [(cx - 0.26, 0.16), (cx + 0.02, 0.05), (cx + 0.28, 0.2), (cx - 0.05, 0.3)]
    for i, (hx, hy) in enumerate(heads):
        hx, hy = s.j(hx, 0.03), s.j(hy, 0.03)
        base = (cx + (i - 1.5) * 0.02, 0.5)
        stem = bezier(base, (base[0], 0.4), (hx, hy + 0.15), (hx, hy))
        s.line(stem, weight=0.8)
        if i % 2 == 0:
            mid = stem[len(stem) // 2]
            leaf = ellipse(mid[0] + 0.05, mid[1], 0.055, 0.018, n=12, rot=-0.5 if i else 0.5)
            s.fill(leaf, Tone.SHADE)
            s.fine(leaf, closed=True)
        _flower(s, hx, hy, s.j(0.07, 0.008), 5 + i % 2)
    profile = [
        (0.48, 0.085),
        (0.53, 0.065),
        (0.6, 0.15),
        (0.76, s.j(0.25, 0.015)),
        (0.92, 0.18),
        (0.985, 0.11),
    ]
    _vase_body(s, cx, profile, 0.7)
    _bands(s, cx, profile, (0.68,))


def _vase(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: an amphora with two handles; a slim vase with a tulip; a round vase of flowers."""
    s = _Sketch(rng, medium, _VASE_ASPECT)
    (_amphora, _slim_vase, _vase_with_flowers)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- chair

_CHAIR_ASPECT: Final = 0.62


def _part(s: _Sketch, poly: Poly, *, far: bool = False, shaded: bool = False) -> None:
    """A wooden part: a wash and an outline; far parts are drawn finer and never hatched."""
    s.fill(poly)
    if shaded and not far:
        s.hatch(poly, spacing=0.032, angle=1.2)
    if far:
        s.fine(poly, closed=True, weight=0.7)
    else:
        s.line(poly, closed=True, weight=1.0)


def _side_chair(s: _Sketch) -> None:
    lean = s.j(0.08, 0.015)
    seat_y = s.j(0.55, 0.015)
    dx, dy = 0.1, -0.05
    for ox, oy, is_far in ((dx, dy, True), (0.0, 0.0, False)):
        front_leg = _tube((0.12 + ox, seat_y + oy), (0.12 + ox, 1.0 + oy), 0.035)
        back_leg = _tube((0.43 + ox, seat_y + oy), (0.47 + ox, 1.0 + oy), 0.035)
        post = _tube((0.43 + ox, seat_y + oy), (0.43 + lean + ox, 0.04 + oy), 0.035)
        for part in (front_leg, back_leg, post):
            _part(s, part, far=is_far)
        s.fine(((0.12 + ox, seat_y + 0.28 + oy), (0.455 + ox, seat_y + 0.28 + oy)), weight=0.9)
    side = rect(0.08, seat_y, 0.41, 0.05)
    top = ((0.08, seat_y), (0.49, seat_y), (0.49 + dx, seat_y + dy), (0.08 + dx, seat_y + dy))
    s.fill(top, Tone.LIGHT)
    s.line(top, closed=True)
    _part(s, side, shaded=True)
    # backrest rails running from the near post to the far one
    for y in (0.07, 0.19, 0.31):
        x = 0.43 + lean * (seat_y - y) / (seat_y - 0.04)
        h = 0.06
        rail = ((x, y), (x + dx, y + dy), (x + dx - 0.006, y + dy + h), (x - 0.006, y + h))
        _part(s, rail, shaded=True)


def _three_quarter_chair(s: _Sketch) -> None:
    fl, fr = (0.06, 0.58), (0.4, s.j(0.64, 0.01))
    br, bl = (0.58, 0.52), (0.26, 0.47)
    th = 0.045
    legs = (
        (bl, 0.88, True),
        (br, 0.92, False),
        (fl, 0.96, False),
        (fr, 1.0, False),
    )
    for (x, y), foot, far in legs:
        # the far leg shows only below the seat's front edge
        y0 = fl[1] + (fr[1] - fl[1]) * (x - fl[0]) / (fr[0] - fl[0]) + th if far else y + th
        leg = _tube((x + 0.018, y0), (x + 0.018, foot), 0.034)
        _part(s, leg, far=far, shaded=not far)
    # stretchers between the front legs and along the side
    s.fine(((fl[0] + 0.02, 0.85), (fr[0] + 0.02, 0.89)), weight=0.9)
    s.fine(((fr[0] + 0.02, 0.87), (br[0] + 0.02, 0.8)), weight=0.9)
    seat_top = (fl, fr, br, bl)
    front = (fl, fr, (fr[0], fr[1] + th), (fl[0], fl[1] + th))
    side = (fr, br, (br[0], br[1] + th), (fr[0], fr[1] + th))
    _part(s, front)
    _part(s, side)
    s.shade(side, spacing=0.015, angle=1.4)
    s.fill(seat_top, Tone.BODY)
    s.light(
        ((fl[0] + 0.05, fl[1] - 0.005), (fr[0] - 0.02, fr[1] - 0.012), (fr[0] + 0.02, fr[1] - 0.04))
    )
    s.line(seat_top, closed=True)
    # the back: two posts rising from the back corners, a top rail and slats
    h = s.j(0.44, 0.02)
    lp = _tube((bl[0] + 0.015, bl[1] + 0.01), (bl[0] + 0.0, bl[1] - h), 0.03)
    rp = _tube((br[0] - 0.015, br[1] + 0.01), (br[0] - 0.005, br[1] - h), 0.03)
    rail_top = (
        (bl[0], bl[1] - h),
        (br[0] - 0.005, br[1] - h),
        (br[0] - 0.005, br[1] - h + 0.09),
        (bl[0], bl[1] - h + 0.09),
    )
    _part(s, lp)
    _part(s, rp)
    _part(s, rail_top, shaded=True)
    for k in (1, 2, 3):
        t = k / 4
        xa = bl[0] + (br[0] - bl[0]) * t
        ya = bl[1] + (br[1] - bl[1]) * t
        slat = _tube((xa, ya - h + 0.09), (xa, ya), 0.025)
        _part(s, slat)


def _rocking_chair(s: _Sketch) -> None:
    fx, fy = 0.12, -0.05  # from the near side of the chair to the far side
    seat_y = s.j(0.55, 0.01)
    rock = [(0.0, 0.87), (0.14, 0.95), (0.34, 0.98), (0.52, 0.955), (0.66, 0.87)]
    base, top = (0.46, seat_y), (s.j(0.6, 0.015), 0.05)
    for ox, oy, far in ((fx, fy, True), (0.0, 0.0, False)):
        lower = smooth([(x + ox, y + oy) for x, y in rock])
        upper = smooth([(x + ox, y + oy - 0.035) for x, y in rock])
        _part(s, _band(upper, lower), far=far)
        _part(s, _tube((0.14 + ox, seat_y + oy), (0.15 + ox, 0.93 + oy), 0.032), far=far)
        _part(s, _tube((0.45 + ox, seat_y + oy), (0.46 + ox, 0.93 + oy), 0.032), far=far)
    # the back: a plane of spindles between the near and far posts, under a top rail
    s.fill((base, top, (top[0] + fx, top[1] + fy), (base[0] + fx, base[1] + fy)), Tone.LIGHT)
    for k in range(1, 5):
        u = k / 5
        s.line(
            ((base[0] + fx * u, base[1] + fy * u), (top[0] + fx * u, top[1] + fy * u + 0.06)),
            weight=0.9,
        )
    _part(s, _tube((base[0] + fx, base[1] + fy), (top[0] + fx, top[1] + fy), 0.034), far=True)
    rail = (top, (top[0] + fx, top[1] + fy), (top[0] + fx - 0.01, top[1] + fy + 0.08))
    _part(s, (*rail, (top[0] - 0.01, top[1] + 0.08)), shaded=True)
    seat_side = rect(0.09, seat_y, 0.4, 0.05)
    seat_top = ((0.09, seat_y), (0.49, seat_y), (0.49 + fx, seat_y + fy), (0.09 + fx, seat_y + fy))
    s.fill(seat_top, Tone.LIGHT)
    s.line(seat_top, closed=True)
    _part(s, seat_side, shaded=True)
    _part(s, _tube(base, top, 0.036))
    # the near arm: a rest from the back post to a turned support at the front
    _part(s, _tube((0.13, seat_y), (0.11, 0.35), 0.026))
    arm = smooth([(0.04, 0.34), (0.2, 0.32), (0.4, 0.32), (0.52, 0.3)])
    _part(s, _band(arm, tuple((x, y + 0.03) for x, y in arm)))


def _chair(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: side view; three-quarter view; a rocking chair."""
    s = _Sketch(rng, medium, _CHAIR_ASPECT)
    (_side_chair, _three_quarter_chair, _rocking_chair)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- bicycle

_BIKE_ASPECT: Final = 1.75


@dataclass(frozen=True)
class _Frame:
    """Where a bicycle's joints are: hubs, crank, seat cluster, head tube, wheel size."""

    rear: Point
    front: Point
    crank: Point
    seat: Point
    head_top: Point
    head_bottom: Point
    r: float


def _wheel(s: _Sketch, c: Point, r: float, spokes: int) -> None:
    """A tyre, a rim, spokes from the hub: the part that says "bicycle" first."""
    s.line(_circle(c[0], c[1], r, n=40), closed=True, weight=2.2)
    s.fine(_circle(c[0], c[1], r * 0.9, n=36), closed=True, weight=0.6)
    turn = s.rng.uniform(0, _TAU)
    for k in range(spokes):
        a = turn + _TAU * k / spokes
        s.fine((c, (c[0] + 0.9 * r * math.cos(a), c[1] + 0.9 * r * math.sin(a))), weight=0.35)
    hub = _circle(c[0], c[1], r * 0.08, n=12)
    s.fill(hub, Tone.SHADE)
    s.fine(hub, closed=True, weight=0.8)


def _drivetrain(s: _Sketch, f: _Frame) -> None:
    """Chainring, chain to the rear cog, one crank and its pedal."""
    cx, cy = f.crank
    ring = _circle(cx, cy, 0.075, n=20)
    s.fill(ring, Tone.SHADE)
    s.fine(ring, closed=True, weight=0.9)
    cog = 0.035
    s.fine(((cx, cy - 0.075), (f.rear[0], f.rear[1] - cog)), weight=0.6)
    s.fine(((cx, cy + 0.075), (f.rear[0], f.rear[1] + cog)), weight=0.6)
    a = s.rng.uniform(0.6, 1.6)
    pedal = (cx + 0.13 * math.cos(a), cy + 0.13 * math.sin(a))
    s.line((f.crank, pedal), weight=1.6)
    s.line(((pedal[0] - 0.04, pedal[1]), (pedal[0] + 0.04, pedal[1])), weight=2.4)


def _saddle(s: _Sketch, at: Point) -> None:
    """A saddle, nose forward, on top of the seat post."""
    x, y = at
    saddle = smooth(
        [
            (x - 0.1, y - 0.035),
            (x + 0.0, y - 0.045),
            (x + 0.08, y - 0.03),
            (x + 0.02, y - 0.005),
            (x - 0.09, y - 0.01),
        ],
        closed=True,
        n=4,
    )
    s.fill(saddle, Tone.SHADE)
    s.shade(saddle, spacing=0.012, angle=0.3)
    s.line(saddle, closed=True)


def _tubes(s: _Sketch, segs: Sequence[Sequence[Point]]) -> None:
    """Frame tubes: thick lines in the bicycle's own colour in paint; on the plotter, whose
    one pen cannot be thick, each tube is drawn as a narrow outline so it reads as a tube."""
    for seg in segs:
        if s.paint:
            s.line(seg, weight=2.4, tone=Tone.BODY)
        else:
            s.line((*_offset(seg, 0.011), *reversed(_offset(seg, -0.011))), closed=True)


def _bicycle(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a road bike with spokes; a step-through with mudguards; a bike with a basket."""
    s = _Sketch(rng, medium, _BIKE_ASPECT)
    v = variant % 3
    r = s.j(0.3, 0.01)
    f = _Frame(
        rear=(0.34, 1 - r),
        front=(1.41, 1 - r),
        crank=(0.8, 1 - r + 0.05),
        seat=(0.7, 0.31),
        head_top=(1.2, 0.3),
        head_bottom=(1.24, 0.42),
        r=r,
    )
    for c in (f.rear, f.front):
        _wheel(s, c, r, 16 if v != 1 else 12)
    if v == 1:
        low = bezier(f.head_bottom, (1.1, 0.55), (0.9, 0.7), f.crank)
        _tubes(s, [low, (f.crank, f.seat), (f.seat, f.rear), (f.crank, f.rear)])
        for c in (f.rear, f.front):
            s.line(arc(c[0], c[1], r * 1.12, r * 1.12, math.pi * 1.08, math.pi * 1.92), weight=1.2)
    else:
        _tubes(
            s,
            [
                (f.seat, f.head_top),
                (f.crank, f.head_bottom),
                (f.crank, f.seat),
                (f.seat, f.rear),
                (f.crank, f.rear),
            ],
        )
    _tubes(s, [(f.head_top, f.head_bottom)])
    fork = bezier(f.head_bottom, (1.28, 0.5), (1.33, 0.62), f.front)
    s.rod(fork, width=0.02, weight=2.0)
    _drivetrain(s, f)
    post_top = (f.seat[0] - 0.015, f.seat[1] - 0.05)
    s.line((f.seat, post_top), weight=1.6)
    _saddle(s, post_top)
    stem = (f.head_top[0] - 0.02, f.head_top[1] - 0.08)
    s.line((f.head_top, stem), weight=1.6)
    if v == 0:
        bars = smooth([stem, (1.29, 0.21), (1.34, 0.26), (1.31, 0.33), (1.26, 0.32)], n=4)
    elif v == 1:
        bars = smooth([stem, (1.12, 0.17), (1.03, 0.2), (0.99, 0.21)], n=4)
    else:
        bars = smooth([stem, (1.2, 0.2), (1.12, 0.2)], n=4)
    s.rod(bars, width=0.018, weight=1.8)
    if v == 2:
        _basket(s, (stem[0] + 0.04, stem[1] + 0.02))
        rack = ((f.seat[0] - 0.04, f.seat[1] + 0.08), (0.22, f.seat[1] + 0.09))
        s.line(rack, weight=1.6)
        s.fine(((0.24, f.seat[1] + 0.09), f.rear), weight=0.9)
    return s.marks()


def _basket(s: _Sketch, at: Point) -> None:
    """A wicker basket on the handlebars: a tapered box with a weave."""
    x, y = at
    w, h = 0.3, 0.2
    box = ((x, y), (x + w, y - 0.02), (x + w - 0.03, y + h), (x + 0.02, y + h))
    s.accent(box)
    s.shade(_side(box, 0.6), spacing=0.02)
    s.line(box, closed=True, weight=1.2)
    for k in range(1, 6):
        t = k / 6
        s.fine(((x + w * t, y - 0.02 * t), (x + 0.02 + (w - 0.05) * t, y + h)), weight=0.5)
    for k in range(1, 4):
        t = k / 4
        s.fine(
            ((x + 0.02 * t, y + h * t), (x + w - 0.03 * t, y - 0.02 + (h + 0.02) * t)), weight=0.5
        )


# ---------------------------------------------------------------- book

_BOOK_ASPECT: Final = 1.2


def _standing_book(s: _Sketch) -> None:
    x0, x1 = 0.42, s.j(0.92, 0.02)
    top, bot = s.j(0.12, 0.02), 1.0
    dx, dy = -0.16, -0.07
    cover = rect(x0, top, x1 - x0, bot - top)
    spine = ((x0 + dx, top + dy), (x0, top), (x0, bot), (x0 + dx, bot + dy))
    pages = ((x0 + dx, top + dy), (x1 + dx, top + dy), (x1, top), (x0, top))
    s.fill(spine, Tone.SHADE)
    s.fill(cover)
    s.light(pages)
    s.shade(spine, dark=True, angle=1.3, spacing=0.025)
    s.line(cover, closed=True, weight=1.3)
    s.line(spine, closed=True, weight=1.1)
    s.line(pages, closed=True)
    for k in range(1, 4):
        t = k / 4
        s.fine(
            ((x0 + dx * t + 0.015, top + dy * t), (x1 + dx * t - 0.01, top + dy * t)), weight=0.4
        )
    # cover: a title plate and border; spine: gold bands
    w = x1 - x0
    plate = rect(x0 + w * 0.2, top + 0.18, w * 0.6, 0.16)
    s.accent(plate, hatched=True)
    s.fine(plate, closed=True, weight=0.8)
    s.fine(rect(x0 + 0.04, top + 0.04, w - 0.08, bot - top - 0.08), closed=True, weight=0.5)
    for y in (top + 0.22, top + 0.26, bot - 0.16):
        s.fine(((x0 + dx, y + dy), (x0, y)), tone=Tone.ACCENT, weight=1.0)
    s.fine(((x0 + w * 0.3, top + 0.45), (x0 + w * 0.7, top + 0.45)), weight=0.6)
    # a bookmark standing up out of the pages
    bx, by = x0 + w * s.j(0.6, 0.08) + dx * 0.5, top + dy * 0.5
    mark = ((bx, by), (bx + 0.07, by), (bx + 0.075, by - 0.12), (bx + 0.005, by - 0.12))
    s.accent(mark, hatched=True)
    s.line(mark, closed=True, weight=0.9)


def _open_book(s: _Sketch) -> None:
    cx = 0.6
    top_spine, bot_spine = 0.3, 0.9
    span = s.j(0.55, 0.02)
    for side in (-1, 1):
        ox = cx + side * span
        page = (
            *bezier((cx, top_spine), (cx + side * 0.1, 0.18), (cx + side * 0.35, 0.2), (ox, 0.24)),
            *bezier((ox, 0.24), (ox + side * 0.01, 0.45), (ox, 0.6), (ox, 0.82)),
            *bezier((ox, 0.82), (cx + side * 0.35, 0.78), (cx + side * 0.1, 0.78), (cx, bot_spine)),
        )
        cover = (
            (cx, bot_spine + 0.06),
            *bezier(
                (cx, bot_spine + 0.06),
                (cx + side * 0.12, 0.84),
                (cx + side * 0.35, 0.84),
                (ox + side * 0.03, 0.88),
            ),
            (ox + side * 0.03, 0.27),
            (ox, 0.24),
            *reversed(
                bezier(
                    (cx, bot_spine), (cx + side * 0.1, 0.78), (cx + side * 0.35, 0.78), (ox, 0.82)
                )
            ),
        )
        s.fill(cover)
        s.line(cover, closed=True)
        s.light(page)
        gutter = bezier(
            (cx, top_spine), (cx + side * 0.05, 0.25), (cx + side * 0.05, 0.8), (cx, bot_spine)
        )
        s.shade(gutter, spacing=0.012, angle=1.5)
        s.line(page, closed=True, weight=1.1)
        # stacked page edges along the bottom
        for k in (1, 2):
            s.fine(
                bezier(
                    (ox, 0.82 + 0.018 * k),
                    (cx + side * 0.35, 0.79 + 0.018 * k),
                    (cx + side * 0.1, 0.79 + 0.018 * k),
                    (cx, bot_spine + 0.02 * k),
                ),
                weight=0.4,
            )
        # lines of text
        for k in range(7):
            y = 0.34 + k * 0.06
            a = cx + side * 0.08
            b = ox - side * 0.06
            if k == 6:
                b = cx + side * 0.28
            s.fine(((a, y), ((a + b) / 2, y - 0.012), (b, y - 0.01)), weight=0.45)
    s.line(((cx, top_spine), (cx, bot_spine + 0.06)), weight=1.1)


def _stacked_book(s: _Sketch, x0: float, x1: float, y0: float, y1: float, *, pages: bool) -> None:
    """One book lying in a stack: its spine facing us, or the block of its pages."""
    face = (
        (x0, y0),
        (x1, y0),
        *bezier((x1, y0), (x1 + 0.025, y0 + 0.01), (x1 + 0.025, y1 - 0.01), (x1, y1), n=8)[1:-1],
        (x1, y1),
        (x0, y1),
        *bezier((x0, y1), (x0 - 0.025, y1 - 0.01), (x0 - 0.025, y0 + 0.01), (x0, y0), n=8)[1:-1],
    )
    if pages:
        s.light(face)
        s.line(face, closed=True)
        s.fill(rect(x0, y0, x1 - x0, 0.018))
        s.fill(rect(x0, y1 - 0.018, x1 - x0, 0.018))
        s.fine(((x0, y0 + 0.018), (x1, y0 + 0.018)), weight=0.7)
        s.fine(((x0, y1 - 0.018), (x1, y1 - 0.018)), weight=0.7)
        for k in range(1, 5):
            y = y0 + 0.018 + (y1 - y0 - 0.036) * k / 5
            s.fine(((x0 + 0.01, y), (x1 - 0.01, y)), weight=0.35)
        return
    s.fill(face)
    s.shade(_side(face, 0.75), spacing=0.02, angle=1.2)
    s.line(face, closed=True, weight=1.1)
    for xb in (x0 + 0.08, x1 - 0.08):
        s.fine(((xb, y0), (xb, y1)), tone=Tone.ACCENT, weight=1.0)
    label = rect(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0), 0.3 * (x1 - x0), 0.4 * (y1 - y0))
    s.accent(label)
    s.fine(label, closed=True, weight=0.6)


def _book_stack(s: _Sketch) -> None:
    h = 0.17
    specs = [
        (0.08, 1.12, False),
        (0.16, 1.02, True),
        (0.12, 1.08, False),
        (0.22, 0.98, False),
    ]
    y = 1.0
    top_x: tuple[float, float] = (0.0, 0.0)
    for i, (x0, x1, pages) in enumerate(specs):
        x0, x1 = s.j(x0, 0.03), s.j(x1, 0.03)
        hh = s.j(h, 0.015) if i else h
        _stacked_book(s, x0, x1, y - hh, y, pages=pages)
        top_x = (x0, x1)
        y -= hh
    # the top cover, seen from slightly above
    x0, x1 = top_x
    lid = ((x0, y), (x1, y), (x1 - 0.06, y - 0.1), (x0 + 0.06, y - 0.1))
    s.fill(lid)
    s.light(
        ((x0 + 0.1, y - 0.02), (x0 + 0.35, y - 0.02), (x0 + 0.38, y - 0.08), (x0 + 0.13, y - 0.08))
    )
    s.line(lid, closed=True)


def _book(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: closed and standing; open; a stack of four."""
    s = _Sketch(rng, medium, _BOOK_ASPECT)
    (_standing_book, _open_book, _book_stack)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- teapot

_TEAPOT_ASPECT: Final = 1.45


def _loop_handle(s: _Sketch, a: Point, b: Point, reach: float, thick: float) -> None:
    """A loop handle from ``a`` (upper) to ``b`` (lower) bulging right by ``reach``."""
    outer = bezier(a, (a[0] + reach, a[1] - 0.06), (b[0] + reach, b[1] + 0.02), b)
    inner = bezier(
        (a[0], a[1] + thick),
        (a[0] + reach - thick * 1.6, a[1] - 0.02),
        (b[0] + reach - thick * 1.6, b[1] - 0.02),
        (b[0], b[1] - thick),
    )
    band = _band(outer, inner)
    s.fill(band)
    s.shade(_side(band, 0.5), spacing=0.02)
    s.line(outer)
    s.line(inner)


def _spout(s: _Sketch, root_top: Point, root_bot: Point, tip: Point, bend: float) -> None:
    """A spout rising to the left: wide where it joins the body, narrow at the lip;
    ``tip`` is the outer lip, ``bend`` pushes the curve's neck sideways."""
    inner = (tip[0] + 0.055, tip[1] + 0.025)
    upper = bezier(
        root_top,
        (root_top[0] - 0.08, root_top[1]),
        (inner[0] + 0.02 + bend, inner[1] + 0.12),
        inner,
    )
    lower = bezier(
        root_bot,
        (root_bot[0] - 0.2, root_bot[1] - 0.02),
        (tip[0] + 0.02 + bend, tip[1] + 0.16),
        tip,
    )
    spout = (*upper, *reversed(lower))
    s.fill(spout)
    s.shade(_side(spout, 0.6, right=False), spacing=0.02)
    s.line(upper)
    s.line(lower)
    s.line((tip, inner), weight=1.2)


def _lid(s: _Sketch, cx: float, y: float, rw: float, dome: float, knob: float) -> None:
    """A teapot lid: a rim ellipse, a dome and a knob on top."""
    rim = ellipse(cx, y, rw, rw * 0.2)
    dome_poly = arc(cx, y - 0.005, rw * 0.9, dome, math.pi, _TAU, n=18)
    kn = ellipse(cx, y - dome - knob * 0.6, knob * 0.9, knob * 0.7, n=14)
    s.fill(dome_poly)
    s.shade(_side(dome_poly, 0.6), spacing=0.02)
    s.fill(kn, Tone.ACCENT)
    s.line(rim, closed=True)
    s.line(dome_poly)
    s.line(kn, closed=True)


@dataclass(frozen=True)
class _Pot:
    """One teapot's proportions: its body profile, lid (y, rim half-width, dome, knob),
    spout (root top, root bottom, lip, bend) and loop handle (top, bottom, reach) if any."""

    hw: float
    profile: tuple[tuple[float, float], ...]
    lid: tuple[float, float, float, float]
    spout: tuple[Point, Point, Point, float]
    handle: tuple[Point, Point, float] | None


def _pot(cx: float, hw: float, variant: int) -> _Pot:
    """The proportions of each teapot variant."""
    if variant == 0:  # round, a classic
        return _Pot(
            hw,
            ((0.32, 0.2), (0.4, hw * 0.88), (0.6, hw), (0.8, hw * 0.9), (0.95, hw * 0.58)),
            (0.32, 0.2, 0.1, 0.035),
            ((cx - hw * 0.95, 0.55), (cx - hw * 0.85, 0.78), (cx - hw - 0.3, 0.28), -0.02),
            ((cx + hw * 0.85, 0.42), (cx + hw * 0.8, 0.8), 0.26),
        )
    if variant == 1:  # tall and pear-shaped
        return _Pot(
            hw,
            ((0.22, 0.14), (0.32, hw * 0.7), (0.58, hw), (0.82, hw * 0.95), (0.95, hw * 0.7)),
            (0.22, 0.14, 0.12, 0.04),
            ((cx - hw * 0.85, 0.5), (cx - hw * 0.95, 0.8), (cx - hw - 0.36, 0.18), -0.06),
            ((cx + hw * 0.75, 0.32), (cx + hw * 0.92, 0.75), 0.24),
        )
    return _Pot(  # squat, with a cane handle over the top
        hw,
        ((0.45, 0.22), (0.5, hw * 0.85), (0.68, hw), (0.86, hw * 0.9), (0.96, hw * 0.65)),
        (0.45, 0.22, 0.06, 0.03),
        ((cx - hw * 0.95, 0.65), (cx - hw * 0.85, 0.85), (cx - hw - 0.18, 0.48), 0.0),
        None,
    )


def _cane_handle(s: _Sketch, cx: float) -> None:
    """A bamboo handle arching over the lid from shoulder to shoulder."""
    outer = bezier((cx - 0.3, 0.5), (cx - 0.28, 0.02), (cx + 0.28, 0.02), (cx + 0.3, 0.5))
    inner = bezier((cx - 0.27, 0.5), (cx - 0.25, 0.07), (cx + 0.25, 0.07), (cx + 0.27, 0.5))
    s.fill(_band(outer, inner), Tone.ACCENT)
    s.line(outer, weight=1.1)
    s.line(inner, weight=1.1)
    for t in (0.25, 0.5, 0.75):
        i = int(t * (len(outer) - 1))
        s.fine((outer[i], inner[i]), weight=0.8)


def _teapot(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: round with a loop handle; tall and pear-shaped; squat with a cane handle."""
    s = _Sketch(rng, medium, _TEAPOT_ASPECT)
    v = variant % 3
    cx = 0.75
    pot = _pot(cx, s.j((0.36, 0.28, 0.42)[v], 0.015), v)
    _spout(s, *pot.spout)
    if pot.handle is None:
        _cane_handle(s, cx)
    else:
        _loop_handle(s, *pot.handle, 0.045)
    body = _lathe(cx, pot.profile, base=pot.profile[-1][1] * 0.2)
    s.fill(body)
    s.shade(_rounded(body))
    s.light(ellipse(cx - pot.hw * 0.45, pot.profile[2][0] - 0.08, pot.hw * 0.12, 0.06, rot=-0.5))
    s.line(body, weight=1.2)
    shoulder_y, shoulder_w = pot.profile[1]
    s.fine(_front_arc(cx, shoulder_y + 0.02, shoulder_w * 1.02, shoulder_w * 0.2), weight=0.6)
    _lid(s, cx, *pot.lid)
    return s.marks()


# ---------------------------------------------------------------- guitar

_GUITAR_ASPECT: Final = 0.5


def _strings_and_neck(
    s: _Sketch, bridge_y: float, nut_y: float, body_top: float, *, inline_pegs: bool
) -> None:
    """Neck with frets, headstock with tuning pegs, six strings from the bridge."""
    neck = rect(-0.028, nut_y, 0.056, body_top - nut_y + 0.02)
    s.fill(neck)
    s.line(neck, closed=True)
    for k in range(1, 11):
        y = nut_y + (body_top - nut_y) * (1 - 0.86**k) / (1 - 0.86**10)
        s.fine(((-0.028, y), (0.028, y)), weight=0.5)
    if inline_pegs:
        head = smooth(
            [
                (-0.028, nut_y),
                (-0.04, nut_y - 0.06),
                (-0.02, nut_y - 0.13),
                (0.03, nut_y - 0.14),
                (0.05, nut_y - 0.08),
                (0.028, nut_y),
            ],
            closed=True,
            n=3,
        )
        pegs = [(0.065, nut_y - 0.02 - 0.022 * k) for k in range(6)]
    else:
        head = rect(-0.04, nut_y - 0.13, 0.08, 0.13)
        pegs = [(side * 0.065, nut_y - 0.03 - 0.035 * k) for side in (-1, 1) for k in range(3)]
    s.fill(head)
    s.line(head, closed=True)
    for px, py in pegs:
        peg = ellipse(px, py, 0.018, 0.01, n=10)
        s.fill(peg, Tone.ACCENT)
        s.fine(peg, closed=True, weight=0.8)
        s.fine(
            ((px - math.copysign(0.018, px), py), (math.copysign(0.03, px) * 0.9, py)), weight=0.6
        )
    for k in range(6):
        t = (k - 2.5) / 2.5
        s.fine(((t * 0.04, bridge_y), (t * 0.02, nut_y)), weight=0.35)


def _acoustic(s: _Sketch) -> None:
    lower = s.j(0.2, 0.008)
    right = [
        (0.0, 0.39),
        (0.075, 0.395),
        (0.125, 0.42),
        (0.145, 0.48),
        (0.135, 0.56),
        (0.115, 0.62),
        (0.125, 0.67),
        (0.17, 0.74),
        (lower, 0.82),
        (0.175, 0.91),
        (0.11, 0.97),
        (0.0, 0.99),
    ]
    body = _mirror_closed(0.0, right)
    s.fill(body)
    s.shade(_side(body, 0.66), spacing=0.025)
    s.line(body, closed=True, weight=1.3)
    hole = _circle(0.0, 0.57, 0.055, n=24)
    s.fill(_circle(0.0, 0.57, 0.07, n=24), Tone.ACCENT)
    s.fill(hole, Tone.INK)
    s.shade(hole, dark=True, spacing=0.012)
    s.line(hole, closed=True)
    s.fine(_circle(0.0, 0.57, 0.07, n=24), closed=True, weight=0.6)
    bridge = rect(-0.075, 0.835, 0.15, 0.025)
    s.fill(bridge, Tone.INK)
    s.line(bridge, closed=True)
    guard = smooth([(0.04, 0.63), (0.1, 0.62), (0.12, 0.7), (0.07, 0.74)], closed=True, n=4)
    s.fill(guard, Tone.SHADE)
    s.fine(guard, closed=True, weight=0.6)
    _strings_and_neck(s, 0.845, 0.11, 0.39, inline_pegs=False)


def _electric(s: _Sketch) -> None:
    pts = [
        (0.03, 0.56),
        (0.06, 0.5),
        (0.09, 0.43),
        (0.125, 0.44),
        (0.14, 0.52),
        (0.15, 0.62),
        (0.19, 0.73),
        (0.19, 0.86),
        (0.12, 0.96),
        (0.0, 0.99),
        (-0.13, 0.96),
        (-0.19, 0.86),
        (-0.18, 0.72),
        (-0.15, 0.62),
        (-0.15, 0.53),
        (-0.12, 0.48),
        (-0.09, 0.49),
        (-0.05, 0.56),
    ]
    body = smooth([(s.j(x, 0.004), y) for x, y in pts], closed=True, n=5)
    s.fill(body)
    s.shade(_side(body, 0.66), spacing=0.025)
    s.line(body, closed=True, weight=1.3)
    guard = smooth(
        [(-0.04, 0.56), (0.06, 0.57), (0.1, 0.7), (0.08, 0.82), (-0.1, 0.84), (-0.13, 0.7)],
        closed=True,
        n=4,
    )
    s.light(guard)
    s.fine(guard, closed=True, weight=0.7)
    for y in (0.64, 0.74):
        pick = rect(-0.05, y, 0.1, 0.028)
        s.fill(pick, Tone.INK)
        s.line(pick, closed=True)
    bridge = rect(-0.055, 0.85, 0.11, 0.03)
    s.fill(bridge, Tone.SHADE)
    s.line(bridge, closed=True)
    for kx, ky in ((0.1, 0.86), (0.12, 0.91)):
        knob = _circle(kx, ky, 0.016, n=10)
        s.fill(knob, Tone.ACCENT)
        s.fine(knob, closed=True, weight=0.8)
    _strings_and_neck(s, 0.865, 0.12, 0.56, inline_pegs=True)


def _guitar(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: acoustic upright; acoustic leaning; electric, slightly leaning."""
    v = variant % 3
    s = _Sketch(rng, medium, _GUITAR_ASPECT, tilt=(0.0, -0.32, 0.12)[v])
    (_acoustic, _acoustic, _electric)[v](s)
    if v == 1:
        s.tilt = s.j(-0.32, 0.04)
    return s.marks()


# ---------------------------------------------------------------- table

_TABLE_ASPECT: Final = 1.5


def _leg(
    s: _Sketch, x: float, y0: float, y1: float, w: float, *, far: bool = False, taper: float = 0.0
) -> None:
    """A table leg, optionally tapering towards the floor."""
    leg = ((x, y0), (x + w, y0), (x + w - taper, y1), (x + taper, y1))
    _part(s, leg, far=far, shaded=not far)


def _rect_table(s: _Sketch) -> None:
    d = (0.36, -0.16)
    fl, fr = (0.06, 0.4), (s.j(1.06, 0.02), 0.4)
    th, apron = 0.05, 0.08
    legs_h = 1.0 - fl[1] - th
    back_floor = fl[1] + d[1] + th + legs_h
    _leg(s, fl[0] + d[0] + 0.04, fl[1] + th + apron, back_floor, 0.045, far=True)
    _leg(s, fr[0] + d[0] - 0.09, fr[1] + d[1] + th, fr[1] + d[1] + th + legs_h, 0.05, far=True)
    top = (fl, fr, (fr[0] + d[0], fr[1] + d[1]), (fl[0] + d[0], fl[1] + d[1]))
    front = (fl, fr, (fr[0], fr[1] + th), (fl[0], fl[1] + th))
    side = (
        fr,
        (fr[0] + d[0], fr[1] + d[1]),
        (fr[0] + d[0], fr[1] + d[1] + th),
        (fr[0], fr[1] + th),
    )
    s.fill(top)
    s.light(((0.3, 0.37), (0.6, 0.37), (0.75, 0.3), (0.45, 0.3)))
    _part(s, front, shaded=True)
    _part(s, side)
    s.shade(side, dark=True, spacing=0.025)
    s.line(top, closed=True, weight=1.2)
    for k in range(1, 4):
        t = k / 4
        s.fine(
            (
                (fl[0] + d[0] * t + 0.05, fl[1] + d[1] * t),
                (fr[0] + d[0] * t - 0.05, fr[1] + d[1] * t),
            ),
            weight=0.35,
        )
    ap = (
        (fl[0] + 0.06, fl[1] + th),
        (fr[0] - 0.05, fr[1] + th),
        (fr[0] - 0.05, fr[1] + th + apron),
        (fl[0] + 0.06, fl[1] + th + apron),
    )
    s.fill(ap, Tone.SHADE)
    s.fine(ap, closed=True, weight=0.8)
    _leg(s, fl[0] + 0.01, fl[1] + th, 1.0, 0.055)
    _leg(s, fr[0] - 0.07, fr[1] + th, 1.0, 0.055)


def _round_table(s: _Sketch) -> None:
    cx, cy = 0.75, 0.3
    rx, ry = s.j(0.7, 0.02), 0.14
    th = 0.05
    column = _lathe(cx, [(cy + th, 0.045), (0.5, 0.06), (0.6, 0.035), (0.8, 0.04), (0.9, 0.05)])
    _part(s, column, shaded=True)
    for side in (-1, 1):
        foot = smooth([(cx, 0.86), (cx + side * 0.15, 0.92), (cx + side * 0.3, 0.99)])
        foot_up = smooth([(cx, 0.82), (cx + side * 0.15, 0.89), (cx + side * 0.3, 0.965)])
        band = _band(foot_up, foot)
        _part(s, band)
    back_foot = _tube((cx, 0.86), (cx + 0.08, 0.93), 0.035)
    _part(s, back_foot, far=True)
    edge = (*arc(cx, cy, rx, ry, 0.0, math.pi, n=20), *arc(cx, cy + th, rx, ry, math.pi, 0.0, n=20))
    s.fill(edge, Tone.SHADE)
    s.shade(edge, spacing=0.03, angle=1.4)
    s.line(edge, closed=True)
    top = ellipse(cx, cy, rx, ry, n=40)
    s.fill(top)
    s.light(ellipse(cx - rx * 0.3, cy - ry * 0.2, rx * 0.3, ry * 0.35))
    s.line(top, closed=True, weight=1.2)


def _drawer_table(s: _Sketch) -> None:
    x0, x1 = 0.04, s.j(1.46, 0.02)
    top_y, th = 0.3, 0.05
    surface = ((x0 + 0.08, top_y - 0.08), (x1 - 0.08, top_y - 0.08), (x1, top_y), (x0, top_y))
    slab = rect(x0, top_y, x1 - x0, th)
    ap = rect(x0 + 0.07, top_y + th, x1 - x0 - 0.14, 0.15)
    s.fill(surface)
    s.light(((0.4, top_y - 0.06), (0.8, top_y - 0.06), (0.84, top_y - 0.02), (0.36, top_y - 0.02)))
    s.line(surface, closed=True)
    _part(s, slab, shaded=True)
    _part(s, ap)
    drawer = rect((x0 + x1) / 2 - 0.22, top_y + th + 0.03, 0.44, 0.09)
    s.fill(drawer, Tone.SHADE)
    s.fine(drawer, closed=True, weight=0.9)
    knob = _circle((x0 + x1) / 2, top_y + th + 0.075, 0.014, n=10)
    s.fill(knob, Tone.ACCENT)
    s.fine(knob, closed=True, weight=0.9)
    leg_top = top_y + th + 0.15
    _leg(s, x0 + 0.07, leg_top, 1.0, 0.07, taper=0.015)
    _leg(s, x1 - 0.14, leg_top, 1.0, 0.07, taper=0.015)
    _leg(s, x0 + 0.2, leg_top, 0.92, 0.05, far=True, taper=0.01)
    _leg(s, x1 - 0.25, leg_top, 0.92, 0.05, far=True, taper=0.01)


def _table(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: rectangular, in three-quarters; round on a pedestal; seen front-on, a drawer."""
    s = _Sketch(rng, medium, _TABLE_ASPECT)
    (_rect_table, _round_table, _drawer_table)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- bottle

_BOTTLE_ASPECT: Final = 0.36


def _glass(s: _Sketch, cx: float, profile: list[tuple[float, float]]) -> Poly:
    """A bottle's glass body with its shadow side, a highlight streak and its mouth."""
    body = _lathe(cx, profile, base=profile[-1][1] * 0.2)
    s.fill(body)
    s.shade(_side(body, 0.66), spacing=0.025)
    w = profile[-1][1]
    s.light(rect(cx - w * 0.65, profile[-1][0] * 0.55, w * 0.16, profile[-1][0] * 0.36))
    s.line(body, weight=1.2)
    top, rw = profile[0]
    s.line(ellipse(cx, top, rw, rw * 0.3, n=16), closed=True)
    return body


def _label(s: _Sketch, cx: float, w: float, y0: float, y1: float, *, oval: bool = False) -> None:
    """A label wrapped round the bottle (or an oval one stuck on it)."""
    if oval:
        lab = ellipse(cx, (y0 + y1) / 2, w * 0.7, (y1 - y0) / 2)
        s.light(lab)
        s.line(lab, closed=True, weight=0.9)
        s.fine(((cx - w * 0.35, (y0 + y1) / 2), (cx + w * 0.35, (y0 + y1) / 2)), weight=0.6)
        return
    upper = _front_arc(cx, y0, w, w * 0.2)
    lower = _front_arc(cx, y1, w, w * 0.2)
    lab = (*upper, *reversed(lower))
    s.light(lab)
    s.line(upper, weight=0.9)
    s.line(lower, weight=0.9)
    for k in (0.35, 0.6):
        y = y0 + (y1 - y0) * k + w * 0.2
        s.fine(((cx - w * 0.5, y), (cx + w * 0.5, y)), weight=0.6)


def _bottle(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: wine, with foil and a label; beer, with a crown cap; water, with a screw cap."""
    s = _Sketch(rng, medium, _BOTTLE_ASPECT)
    v = variant % 3
    cx = 0.18
    if v == 0:
        w = s.j(0.15, 0.006)
        profile = [(0.02, 0.04), (0.3, 0.038), (0.4, 0.08), (0.48, w * 0.95), (0.56, w), (0.98, w)]
        _glass(s, cx, profile)
        foil = ((cx - 0.044, 0.02), (cx + 0.044, 0.02), (cx + 0.041, 0.17), (cx - 0.041, 0.17))
        s.accent(foil, hatched=True)
        s.line(foil, closed=True)
        _label(s, cx, w, 0.62, 0.84)
    elif v == 1:
        w = s.j(0.13, 0.006)
        profile = [(0.1, 0.035), (0.14, 0.032), (0.3, 0.04), (0.45, 0.09), (0.55, w), (0.98, w)]
        _glass(s, cx, profile)
        cap = ((cx - 0.045, 0.07), (cx + 0.045, 0.07), (cx + 0.04, 0.11), (cx - 0.04, 0.11))
        s.accent(cap)
        s.line(cap, closed=True)
        for k in range(5):
            x = cx - 0.036 + 0.018 * k
            s.fine(((x, 0.07), (x, 0.11)), weight=0.5)
        _label(s, cx, w, 0.62, 0.82, oval=True)
        s.fine(_front_arc(cx, 0.3, 0.04, 0.01), weight=0.7)
        s.fine(_front_arc(cx, 0.36, 0.058, 0.012), weight=0.7)
    else:
        w = s.j(0.14, 0.006)
        profile = [(0.14, 0.05), (0.2, 0.055), (0.3, w * 0.9), (0.38, w), (0.98, w)]
        _glass(s, cx, profile)
        screw = rect(cx - 0.055, 0.03, 0.11, 0.1)
        s.accent(screw)
        s.line(screw, closed=True)
        for k in range(1, 6):
            x = cx - 0.055 + 0.11 * k / 6
            s.fine(((x, 0.035), (x, 0.125)), weight=0.5)
        for y in (0.46, 0.52, 0.86, 0.92):
            s.fine(_front_arc(cx, y, w, w * 0.2), weight=0.7)
        _label(s, cx, w, 0.6, 0.76)
    return s.marks()


# ---------------------------------------------------------------- lamp

_LAMP_ASPECT: Final = 0.8


def _shade_cone(s: _Sketch, cx: float, top: float, bottom: float, tw: float, bw: float) -> None:
    """A drum lampshade: a small top ellipse, a wide bottom rim, straight flared sides."""
    ry_t, ry_b = tw * 0.22, bw * 0.2
    rim_front = _front_arc(cx, bottom, bw, ry_b)
    face = ((cx - tw, top), (cx + tw, top), *rim_front)
    s.fill(face)
    s.shade(_side(face, 0.64), spacing=0.025, angle=1.2)
    s.light(ellipse(cx, bottom, bw * 0.96, ry_b * 0.8))
    s.fill(_front_arc(cx, bottom, bw, ry_b))
    s.line(((cx - tw, top), (cx - bw, bottom)), weight=1.2)
    s.line(((cx + tw, top), (cx + bw, bottom)), weight=1.2)
    s.line(rim_front, weight=1.2)
    s.fine(arc(cx, bottom, bw, ry_b, math.pi, _TAU, n=16), weight=0.6)
    s.line(ellipse(cx, top, tw, ry_t), closed=True)
    s.fine(_front_arc(cx, bottom - 0.04, bw * 0.93, ry_b), tone=Tone.ACCENT, weight=0.9)


def _table_lamp(s: _Sketch) -> None:
    cx = 0.4
    bottom = s.j(0.45, 0.015)
    stem = rect(cx - 0.015, bottom, 0.03, 0.62 - bottom)
    s.fill(stem, Tone.SHADE)
    s.line(stem, closed=True)
    base = _lathe(
        cx, [(0.62, 0.05), (0.72, 0.13), (0.82, 0.15), (0.9, 0.1), (0.93, 0.06)], base=0.015
    )
    s.fill(base)
    s.shade(_rounded(base))
    s.light(ellipse(cx - 0.07, 0.77, 0.018, 0.05, n=12))
    s.line(base, weight=1.2)
    s.line(ellipse(cx, 0.62, 0.05, 0.012, n=14), closed=True)
    plinth = (*_front_arc(cx, 0.95, 0.17, 0.04), *arc(cx, 0.93, 0.17, 0.04, math.pi, _TAU, n=16))
    s.fill(plinth, Tone.SHADE)
    s.line(plinth, closed=True)
    _shade_cone(s, cx, 0.08, bottom, 0.17, 0.34)
    s.fine(((cx + 0.12, bottom + 0.02), (cx + 0.12, bottom + 0.14)), weight=0.6)
    s.fine(_circle(cx + 0.12, bottom + 0.15, 0.01, n=8), closed=True, weight=0.6)


def _desk_lamp(s: _Sketch) -> None:
    base_c = (0.55, 0.93)
    elbow = (s.j(0.8, 0.03), 0.42)
    head = (0.32, s.j(0.14, 0.03))
    base = (
        *_front_arc(base_c[0], base_c[1], 0.24, 0.05),
        *arc(base_c[0], base_c[1] - 0.04, 0.24, 0.05, math.pi, _TAU, n=16),
    )
    s.fill(base)
    s.shade(_side(base, 0.6), dark=True, spacing=0.02)
    s.line(base, closed=True, weight=1.2)
    s.line(ellipse(base_c[0], base_c[1] - 0.04, 0.24, 0.05), closed=True)
    root = (base_c[0], base_c[1] - 0.06)
    for a, b in ((root, elbow), (elbow, head)):
        for off in (-0.014, 0.014):
            s.line(((a[0] + off, a[1]), (b[0] + off, b[1])), weight=1.3, tone=Tone.BODY)
        # a spring alongside each arm
        coil = [
            (a[0] + (b[0] - a[0]) * t + 0.03 * (k % 2), a[1] + (b[1] - a[1]) * t)
            for k, t in enumerate(x / 14 for x in range(3, 12))
        ]
        s.fine(coil, weight=0.6)
    for joint in (root, elbow, head):
        knob = _circle(joint[0], joint[1], 0.022, n=12)
        s.fill(knob, Tone.ACCENT)
        s.line(knob, closed=True)
    # the head: a cone opening down and to the left, with light falling from it
    theta = s.j(1.95, 0.08)
    u = (math.cos(theta), math.sin(theta))
    perp = (-u[1], u[0])
    length, mouth_r, neck_r = 0.2, 0.13, 0.035
    m = (head[0] + length * u[0], head[1] + length * u[1])

    def at(c: Point, k: float) -> Point:
        return (c[0] + k * perp[0], c[1] + k * perp[1])

    cone = (at(head, neck_r), at(m, mouth_r), at(m, -mouth_r), at(head, -neck_r))
    mouth = ellipse(m[0], m[1], mouth_r, mouth_r * 0.35, n=24, rot=theta + math.pi / 2)
    beam = []
    for k, spread in ((mouth_r, -0.25), (-mouth_r, 0.25)):
        q = at(m, k)
        d = (math.cos(theta + spread), math.sin(theta + spread))
        reach = (0.98 - q[1]) / max(d[1], 0.2)
        beam.append(q)
        beam.append((q[0] + reach * d[0], q[1] + reach * d[1]))
    s.light((beam[0], beam[1], beam[3], beam[2]))
    cap = ellipse(head[0], head[1], neck_r * 1.4, neck_r * 1.2, n=12)
    s.fill(cap, Tone.SHADE)
    s.fill(cone)
    s.shade(_side(cone, 0.5), spacing=0.02)
    s.line(cap, closed=True)
    s.line(cone, closed=True, weight=1.2)
    s.fill(mouth, Tone.LIGHT)
    s.line(mouth, closed=True)


def _lantern(s: _Sketch) -> None:
    cx = 0.4
    font = _lathe(cx, [(0.78, 0.16), (0.84, 0.24), (0.93, 0.22), (0.97, 0.15)], base=0.03)
    s.fill(font)
    s.shade(_rounded(font))
    s.line(font, weight=1.2)
    s.line(ellipse(cx, 0.78, 0.16, 0.035), closed=True)
    glass = _lathe(
        cx, [(0.32, 0.08), (0.45, 0.15), (0.58, s.j(0.17, 0.01)), (0.72, 0.11), (0.78, 0.09)]
    )
    s.light(glass)
    s.line(glass, weight=1.0)
    s.fine(ellipse(cx - 0.09, 0.55, 0.015, 0.07, n=12), closed=True, weight=0.5)
    flame = smooth([(cx, 0.47), (cx + 0.035, 0.6), (cx, 0.67), (cx - 0.035, 0.6)], closed=True, n=5)
    s.accent(flame)
    s.line(flame, closed=True, weight=0.9)
    s.line(rect(cx - 0.03, 0.67, 0.06, 0.06), closed=True, weight=0.8)
    cap = _lathe(cx, [(0.22, 0.05), (0.28, 0.12), (0.32, 0.12)], base=0.02)
    s.fill(cap, Tone.SHADE)
    s.shade(_side(cap, 0.6), spacing=0.02)
    s.line(cap, weight=1.1)
    s.line(ellipse(cx, 0.22, 0.05, 0.012, n=12), closed=True)
    handle = arc(cx, 0.28, 0.13, 0.2, math.pi, _TAU, n=18)
    s.line(handle, weight=1.4)


def _lamp(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a table lamp with a shade; an anglepoise desk lamp; an oil lantern."""
    s = _Sketch(rng, medium, _LAMP_ASPECT)
    (_table_lamp, _desk_lamp, _lantern)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- clock

_CLOCK_ASPECT: Final = 0.9


def _dial(s: _Sketch, cx: float, cy: float, r: float, *, second: bool = False) -> None:
    """A clock face: twelve ticks (longer at the quarters), two hands and a hub."""
    face = _circle(cx, cy, r, n=40)
    s.light(face)
    s.line(face, closed=True, weight=0.9)
    for k in range(12):
        a = _TAU * k / 12
        inner = r * (0.78 if k % 3 == 0 else 0.87)
        c, sn = math.cos(a), math.sin(a)
        s.fine(
            ((cx + inner * c, cy + inner * sn), (cx + r * 0.95 * c, cy + r * 0.95 * sn)),
            weight=1.1 if k % 3 == 0 else 0.6,
        )
    hour = s.rng.uniform(0, 12)
    minute = s.rng.uniform(0, 60)
    for turn, length, weight in ((hour / 12, 0.5, 1.8), (minute / 60, 0.78, 1.2)):
        a = _TAU * turn - math.pi / 2
        s.line(
            (
                (cx - 0.1 * r * math.cos(a), cy - 0.1 * r * math.sin(a)),
                (cx + length * r * math.cos(a), cy + length * r * math.sin(a)),
            ),
            weight=weight,
        )
    if second:
        a = s.rng.uniform(0, _TAU)
        s.fine(
            ((cx, cy), (cx + 0.85 * r * math.cos(a), cy + 0.85 * r * math.sin(a))),
            tone=Tone.ACCENT,
            weight=0.6,
        )
    hub = _circle(cx, cy, r * 0.05, n=10)
    s.fill(hub, Tone.INK)
    s.line(hub, closed=True)


def _ring(cx: float, cy: float, r_out: float, r_in: float) -> Poly:
    """An annulus as one polygon (a seam joins the circles; fills are even-odd)."""
    outer = _circle(cx, cy, r_out, n=44)
    inner = _circle(cx, cy, r_in, n=40)
    return (*outer, outer[0], inner[0], *reversed(inner))


def _alarm_clock(s: _Sketch) -> None:
    cx, cy, r = 0.45, 0.56, s.j(0.33, 0.01)
    for side in (-1, 1):
        a = -math.pi / 2 + side * 0.72
        bx, by = cx + (r + 0.04) * math.cos(a), cy + (r + 0.04) * math.sin(a)
        bell = arc(bx, by, 0.12, 0.1, math.pi + side * 0.72 - 0.05, _TAU + side * 0.72 + 0.05, n=16)
        s.fill(bell, Tone.ACCENT)
        s.shade(bell, spacing=0.02)
        s.line(bell, closed=True, weight=1.1)
        foot = (cx + side * r * 0.62, cy + r * 0.75)
        s.rod((foot, (cx + side * r * 0.85, 1.0)), width=0.025, weight=2.0)
    s.line(((cx, cy - r), (cx, cy - r - 0.1)), weight=1.4)
    s.line(((cx - 0.05, cy - r - 0.1), (cx + 0.05, cy - r - 0.1)), weight=1.6)
    case = _circle(cx, cy, r, n=44)
    s.fill(_ring(cx, cy, r, r * 0.84))
    s.shade(_rounded(case, bulge=0.85), spacing=0.025)
    s.line(case, closed=True, weight=1.4)
    _dial(s, cx, cy, r * 0.84, second=True)


def _mantel_clock(s: _Sketch) -> None:
    cx = 0.45
    arch_y = s.j(0.42, 0.015)
    case = (
        (cx - 0.34, 0.9),
        (cx - 0.34, arch_y),
        *arc(cx, arch_y, 0.34, 0.32, math.pi, _TAU, n=24)[1:-1],
        (cx + 0.34, arch_y),
        (cx + 0.34, 0.9),
    )
    plinth = rect(cx - 0.42, 0.9, 0.84, 0.07)
    # the case's wash has the bezel cut out; the seam to the hole runs level, along the
    # scan of the wash, so it leaves no trace
    cy = arch_y + 0.02
    hole = _circle(cx, cy, 0.26, n=40)
    s.fill(((cx + 0.34, cy), *case[-1:], *case[:-1], (cx + 0.34, cy), hole[0], *reversed(hole)))
    s.shade(_side(case, 0.9), spacing=0.022)
    s.line(case, closed=True, weight=1.3)
    s.fill(plinth, Tone.SHADE)
    s.line(plinth, closed=True, weight=1.2)
    for fx in (cx - 0.36, cx + 0.3):
        foot = rect(fx, 0.97, 0.06, 0.03)
        s.fill(foot, Tone.SHADE)
        s.line(foot, closed=True)
    s.fine(((cx - 0.3, 0.82), (cx + 0.3, 0.82)), weight=0.6)
    bezel = _circle(cx, arch_y + 0.02, 0.26, n=40)
    s.fill(_ring(cx, arch_y + 0.02, 0.26, 0.22), Tone.ACCENT)
    s.line(bezel, closed=True, weight=1.2)
    _dial(s, cx, arch_y + 0.02, 0.22)


def _desk_clock(s: _Sketch) -> None:
    cx, cy, r = 0.45, 0.45, s.j(0.38, 0.01)
    stand = (
        (cx - 0.22, 1.0),
        (cx - 0.12, cy + r * 0.8),
        (cx + 0.12, cy + r * 0.8),
        (cx + 0.22, 1.0),
    )
    s.fill(stand, Tone.SHADE)
    s.shade(stand, spacing=0.02)
    s.line(stand, closed=True)
    case = _circle(cx, cy, r, n=44)
    s.fill(_ring(cx, cy, r, r * 0.84))
    s.shade(_rounded(case, bulge=0.85), spacing=0.025)
    s.line(case, closed=True, weight=1.5)
    s.fine(_circle(cx, cy, r * 0.92, n=40), closed=True, weight=0.6)
    _dial(s, cx, cy, r * 0.84, second=True)


def _clock(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: an alarm clock with bells; a mantel clock; a round desk clock on a stand."""
    s = _Sketch(rng, medium, _CLOCK_ASPECT)
    (_alarm_clock, _mantel_clock, _desk_clock)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- umbrella

_UMBRELLA_ASPECT: Final = 1.0


def _open_umbrella(s: _Sketch) -> None:
    cx, top = 0.5, 0.08
    spread = s.j(0.47, 0.015)
    tips = [
        (cx - spread, 0.46),
        (cx - spread * 0.5, 0.52),
        (cx, 0.54),
        (cx + spread * 0.5, 0.52),
        (cx + spread, 0.46),
    ]
    ribs = []
    for x, y in tips:
        bulge = (x - cx) * 0.55
        ribs.append(
            bezier(
                (cx, top), (cx + bulge * 1.1, top - 0.005), (x + (x - cx) * 0.12, y - 0.3), (x, y)
            )
        )
    for i in range(4):
        a, b = tips[i], tips[i + 1]
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 - 0.07)
        scallop = bezier(b, mid, mid, a, n=10)
        panel = (*ribs[i], *reversed(scallop), *reversed(ribs[i + 1]))
        if i % 2 == 0:
            s.fill(panel)
            s.hatch(panel, spacing=0.03, angle=0.9 + 0.3 * i)
        else:
            s.accent(panel)
        s.line(scallop, weight=1.1)
    for k, rib in enumerate(ribs):
        if k in (0, 4):
            s.line(rib, weight=1.3)
        else:
            s.fine(rib, weight=0.8)
    s.line(((cx, top), (cx, top - 0.06)), weight=1.6)
    shaft_end = (cx, 0.88)
    s.rod(((cx, top), shaft_end), width=0.016)
    hook = arc(cx - 0.07, 0.88, 0.07, 0.08, 0.0, math.pi, n=14)
    s.rod(hook, width=0.022, weight=2.4)


def _closed_umbrella(s: _Sketch) -> None:
    cx = 0.5
    w = s.j(0.11, 0.006)
    right = [
        (cx, 0.02),
        (cx + w * 0.35, 0.2),
        (cx + w, 0.5),
        (cx + w * 0.8, 0.6),
        (cx + 0.015, 0.66),
    ]
    left = [(cx - 0.015, 0.66), (cx - w * 0.8, 0.6), (cx - w * 1.05, 0.5), (cx - w * 0.3, 0.2)]
    canopy = smooth([*right, *left], closed=True, n=5)
    s.fill(canopy)
    s.shade(_side(canopy, 0.55), spacing=0.02)
    s.line(canopy, closed=True, weight=1.3)
    for off in (-0.4, 0.15, 0.55):
        fold = smooth(
            [
                (cx, 0.05),
                (cx + w * off * 0.6, 0.3),
                (cx + w * off, 0.52),
                (cx + w * off * 0.3, 0.63),
            ]
        )
        s.fine(fold, weight=0.6)
    strap = rect(cx - w * 0.95, 0.43, w * 1.95, 0.04)
    s.accent(strap, hatched=True)
    s.line(strap, closed=True)
    s.line(((cx, 0.02), (cx, -0.03)), weight=1.6)
    s.rod(((cx, 0.66), (cx, 0.86)), width=0.018, weight=1.8)
    hook = arc(cx - 0.08, 0.86, 0.08, 0.09, 0.0, math.pi, n=14)
    s.rod(hook, width=0.024, weight=2.6)


def _umbrella(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: open; open and tilted; closed and leaning."""
    v = variant % 3
    s = _Sketch(rng, medium, _UMBRELLA_ASPECT, grounded=False)
    if v == 2:
        _closed_umbrella(s)
        s.tilt = s.j(0.22, 0.04)
    else:
        _open_umbrella(s)
        s.tilt = s.j(0.0, 0.04) if v == 0 else s.j(-0.35, 0.05)
    return s.marks()


# ---------------------------------------------------------------- kite

_KITE_ASPECT: Final = 0.7


def _bow(s: _Sketch, x: float, y: float, size: float) -> None:
    """A bow-tie on a kite's tail."""
    for side in (-1, 1):
        wing = ((x, y), (x + side * size, y - size * 0.6), (x + side * size, y + size * 0.6))
        s.accent(wing)
        s.fine(wing, closed=True, weight=0.7)


def _tail(s: _Sketch, start: Point, length: float) -> None:
    """A kite's wavy tail with bows along it."""
    phase = s.rng.uniform(0, _TAU)
    pts = [
        (start[0] + 0.06 * math.sin(phase + 1.2 * i) + 0.015 * i, start[1] + length * i / 8)
        for i in range(9)
    ]
    tail = smooth(pts, n=5)
    s.line(tail, weight=0.8)
    for i in (2, 4, 6, 8):
        _bow(s, pts[i][0], pts[i][1], 0.04)


def _diamond_kite(s: _Sketch) -> None:
    cx = 0.35
    top, left, right, bottom = (cx, 0.02), (0.03, 0.24), (0.67, 0.24), (cx, s.j(0.62, 0.02))
    centre = (cx, 0.24)
    quads = [
        (top, right, centre),
        (right, bottom, centre),
        (bottom, left, centre),
        (left, top, centre),
    ]
    for i, tri in enumerate(quads):
        if i % 2 == 0:
            s.fill(tri)
        else:
            s.accent(tri)
            s.hatch(tri, spacing=0.03)
    s.line((top, right, bottom, left), closed=True, weight=1.3)
    s.fine((top, bottom), weight=1.0)
    s.fine((left, right), weight=1.0)
    _tail(s, bottom, 0.36)
    s.fine(smooth([centre, (0.2, 0.5), (0.05, 0.8), (0.0, 1.0)]), weight=0.5)


def _delta_kite(s: _Sketch) -> None:
    cx = 0.35
    nose = (cx, 0.04)
    lw, rw = (0.0, s.j(0.46, 0.02)), (0.7, s.j(0.46, 0.02))
    tail_root = (cx, 0.5)
    left_sail = (nose, tail_root, lw)
    right_sail = (nose, rw, tail_root)
    s.fill(left_sail)
    s.accent(right_sail)
    s.hatch(right_sail, spacing=0.03)
    s.line((nose, rw, tail_root, lw), closed=True, weight=1.3)
    s.fine((nose, tail_root), weight=1.0)
    s.fine(((0.12, 0.36), (0.58, 0.36)), weight=0.8)
    keel = (nose[0], 0.2), (cx + 0.05, 0.38), tail_root
    s.fine(keel, closed=True, weight=0.7)
    for dx in (-0.05, 0.05):
        s.line(
            _squiggle(cx + dx, 0.5, 0.98, 0.03, s.rng.uniform(0, _TAU)),
            weight=1.1,
            tone=Tone.ACCENT,
        )
    s.fine(smooth([(cx, 0.3), (0.18, 0.55), (0.05, 0.8), (0.0, 1.0)]), weight=0.5)


def _kite(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a diamond with a bowed tail; a delta with streamers; a tilted diamond."""
    v = variant % 3
    s = _Sketch(rng, medium, _KITE_ASPECT, grounded=False)
    if v == 1:
        _delta_kite(s)
    else:
        _diamond_kite(s)
        if v == 2:
            s.tilt = s.j(0.4, 0.06)
    return s.marks()


# ---------------------------------------------------------------- apple

_APPLE_ASPECT: Final = 1.0


def _apple_outline(s: _Sketch, cx: float, tall: float, *, bite: bool) -> tuple[Poly, Poly]:
    """The apple's outline (two shoulders, a dimple top and bottom) and, when bitten,
    the bite's edge."""
    w = s.j(0.45, 0.015) - 0.05 * tall
    top_y = 0.2
    pts = [
        (cx, top_y + 0.07),
        (cx + 0.16, top_y - 0.02),
        (cx + w * 0.85, top_y + 0.06),
        (cx + w, 0.5 - 0.05 * tall),
        (cx + w * 0.82, 0.82),
        (cx + 0.2, 0.97),
        (cx + 0.05, 0.96),
        (cx, 0.94),
        (cx - 0.05, 0.96),
        (cx - 0.2, 0.97),
        (cx - w * 0.82, 0.82),
        (cx - w, 0.5 - 0.05 * tall),
        (cx - w * 0.85, top_y + 0.06),
        (cx - 0.16, top_y - 0.02),
    ]
    if not bite:
        return smooth(pts, closed=True, n=5), ()
    edge = [
        (cx + w * 0.9, 0.36),
        (cx + w * 0.62, 0.45),
        (cx + w * 0.56, 0.56),
        (cx + w * 0.68, 0.68),
        (cx + w * 0.83, 0.74),
    ]
    pts[3:5] = edge
    return smooth(pts, closed=True, n=5), smooth(edge, n=4)


def _leaf(s: _Sketch, base: Point, length: float, angle: float) -> None:
    """A pointed leaf from ``base`` at ``angle``, with its midrib."""
    tip = (base[0] + length * math.cos(angle), base[1] + length * math.sin(angle))
    nx, ny = -math.sin(angle) * length * 0.35, math.cos(angle) * length * 0.35
    m1 = (base[0] + (tip[0] - base[0]) * 0.4, base[1] + (tip[1] - base[1]) * 0.4)
    leaf = (
        *bezier(base, (m1[0] + nx, m1[1] + ny), (tip[0] + nx * 0.3, tip[1] + ny * 0.3), tip, n=10),
        *bezier(tip, (tip[0] - nx * 0.3, tip[1] - ny * 0.3), (m1[0] - nx, m1[1] - ny), base, n=10)[
            1:-1
        ],
    )
    s.accent(leaf, hatched=True)
    s.line(leaf, closed=True)
    s.fine((base, tip), weight=0.5)


def _apple(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: with a leaf; with a bite out of it; taller with two leaves."""
    s = _Sketch(rng, medium, _APPLE_ASPECT)
    v = variant % 3
    cx = 0.5
    body, bite = _apple_outline(s, cx, 1.0 if v == 2 else 0.0, bite=v == 1)
    s.fill(body)
    shadow = _rounded(body)
    if s.paint:
        s.fill(shadow, Tone.SHADE)
    else:
        s.dots(shadow, 32)
        s.dots(_rounded(body, bulge=0.75), 16)
    s.light(ellipse(cx - 0.22, 0.38, 0.06, 0.1, rot=0.4))
    s.line(body, closed=True, weight=1.3)
    s.fine(arc(cx - 0.22, 0.38, 0.07, 0.12, 3.4, 4.4, n=8), weight=0.7)
    s.fine(arc(cx, 0.27, 0.08, 0.03, 0.3, math.pi - 0.3, n=8), weight=0.6)
    lean = s.j(0.06, 0.03) if v != 2 else -0.05
    stem = bezier((cx, 0.27), (cx, 0.18), (cx + lean, 0.1), (cx + lean + 0.02, 0.03), n=8)
    s.rod(stem, width=0.028, weight=2.0)
    if bite:
        m = len(bite) - 1
        inner = tuple((x - 0.06 * math.sin(math.pi * k / m), y) for k, (x, y) in enumerate(bite))
        s.light((*bite, *reversed(inner)))
        s.fine(inner, weight=0.7)
        for dy in (-0.04, 0.03):
            px, py = inner[m // 2][0] + 0.025, inner[m // 2][1] + dy
            pip = ellipse(px, py, 0.008, 0.018, n=8, rot=0.3)
            s.fill(pip, Tone.INK)
            s.fine(pip, closed=True, weight=0.8)
    else:
        _leaf(s, stem[3], s.j(0.25, 0.02), s.j(-0.35, 0.1))
        if v == 2:
            _leaf(s, stem[4], 0.2, s.j(-2.6, 0.1))
    return s.marks()


# ---------------------------------------------------------------- candle

_CANDLE_ASPECT: Final = 0.45


def _flame(s: _Sketch, x: float, y: float, h: float) -> None:
    """A teardrop flame whose base sits at (x, y), with its glow."""
    glow = ellipse(x, y - h * 0.5, h * 0.55, h * 0.75)
    s.light(glow)
    sway = s.j(0.0, h * 0.15)
    outer = smooth(
        [(x + sway, y - h), (x + h * 0.22, y - h * 0.35), (x, y), (x - h * 0.22, y - h * 0.35)],
        closed=True,
        n=6,
    )
    inner = smooth(
        [
            (x + sway * 0.5, y - h * 0.55),
            (x + h * 0.1, y - h * 0.2),
            (x, y - h * 0.02),
            (x - h * 0.1, y - h * 0.2),
        ],
        closed=True,
        n=5,
    )
    s.accent(outer)
    s.fill(inner, Tone.LIGHT)
    s.line(outer, closed=True, weight=1.0)
    s.fine(inner, closed=True, weight=0.6)
    if not s.paint:
        for k in range(7):
            a = -math.pi / 2 + (k - 3) * 0.45
            r0, r1 = h * 0.75, h * 0.95
            c = (x, y - h * 0.45)
            s.fine(
                (
                    (c[0] + r0 * math.cos(a), c[1] + r0 * math.sin(a)),
                    (c[0] + r1 * math.cos(a), c[1] + r1 * math.sin(a)),
                ),
                weight=0.4,
            )


def _wax(s: _Sketch, cx: float, top: float, bottom: float, hw: float) -> None:
    """A candle's wax: a cylinder with a lit rim, drips and the wick."""
    ry = hw * 0.28
    body = _lathe(cx, [(top, hw), ((top + bottom) / 2, hw), (bottom, hw)], base=ry)
    s.fill(body)
    s.shade(_side(body, 0.64), spacing=0.022)
    s.light(rect(cx - hw * 0.7, top + 0.06, hw * 0.15, (bottom - top) * 0.6))
    s.line(body, weight=1.2)
    rim = ellipse(cx, top, hw, ry)
    s.fill(rim, Tone.LIGHT)
    s.line(rim, closed=True)
    # drips running down the front from the rim
    for dx, length in ((-0.5, 0.09), (0.25, 0.14), (0.7, 0.06)):
        x = cx + dx * hw
        drip_len = s.j(length, 0.02) * (bottom - top) * 2
        base_y = top + ry * math.sqrt(max(0.0, 1 - dx * dx))
        drip = smooth(
            [
                (x - hw * 0.1, base_y),
                (x - hw * 0.07, base_y + drip_len * 0.8),
                (x, base_y + drip_len),
                (x + hw * 0.07, base_y + drip_len * 0.8),
                (x + hw * 0.1, base_y),
            ],
            n=4,
        )
        s.fill(drip, Tone.LIGHT)
        s.fine(drip, weight=0.8)
    s.line(((cx, top), (cx + 0.005, top - 0.05)), weight=1.4)


def _candle(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a pillar with drips; a taper in a chamberstick; a taper in a candlestick."""
    s = _Sketch(rng, medium, _CANDLE_ASPECT)
    v = variant % 3
    cx = 0.3
    if v == 0:
        hw = s.j(0.2, 0.01)
        top = 0.4
        _wax(s, cx, top, 0.97, hw)
        _flame(s, cx + 0.005, top - 0.045, 0.28)
    elif v == 1:
        rx = 0.22
        dish = ellipse(cx, 0.9, rx, 0.055, n=36)
        handle = _circle(cx + rx + 0.035, 0.89, 0.04, n=16)
        s.fill(handle, Tone.ACCENT)
        s.line(handle, closed=True)
        s.fine(_circle(cx + rx + 0.035, 0.89, 0.022, n=12), closed=True)
        under = (*_front_arc(cx, 0.93, rx, 0.055), *arc(cx, 0.9, rx, 0.055, math.pi, _TAU, n=16))
        s.fill(under, Tone.ACCENT)
        s.shade(_side(under, 0.6), spacing=0.02)
        s.line(under, closed=True)
        s.fill(dish, Tone.ACCENT)
        s.line(dish, closed=True)
        top = s.j(0.2, 0.02)
        _wax(s, cx, top, 0.88, 0.06)
        s.line(ellipse(cx, 0.885, 0.09, 0.022), closed=True)
        _flame(s, cx + 0.005, top - 0.045, 0.24)
    else:
        stick = _lathe(
            cx,
            [
                (0.5, 0.1),
                (0.53, 0.05),
                (0.6, 0.04),
                (0.66, 0.07),
                (0.72, 0.035),
                (0.85, 0.05),
                (0.92, 0.16),
                (0.97, 0.2),
            ],
            base=0.04,
        )
        s.fill(stick, Tone.ACCENT)
        s.shade(_side(stick, 0.62), spacing=0.02)
        s.line(stick, weight=1.2)
        s.line(ellipse(cx, 0.5, 0.1, 0.028), closed=True)
        top = s.j(0.2, 0.02)
        _wax(s, cx, top, 0.5, 0.055)
        _flame(s, cx + 0.005, top - 0.045, 0.17)
    return s.marks()


# ---------------------------------------------------------------- hat

_HAT_ASPECT: Final = 1.45


def _brim(s: _Sketch, cx: float, cy: float, rx: float, ry: float, hw: float, curl: float) -> None:
    """A brim ellipse with a thickness; its far edge is hidden where the crown stands."""
    full = _lift(ellipse(cx, cy, rx, ry, n=48), cx, curl)
    front = _lift(_front_arc(cx, cy, rx, ry), cx, curl)
    under = _lift(_front_arc(cx, cy + 0.03, rx * 0.99, ry), cx, curl)
    edge = (*front, *reversed(under))
    s.fill(full)
    s.fill(edge, Tone.SHADE)
    s.shade(_clip_x(full, cx + hw, keep_right=True), spacing=0.03)
    back = _lift(arc(cx, cy, rx, ry, math.pi, _TAU, n=40), cx, curl)
    s.line(front, weight=1.3)
    s.line(under, weight=1.0)
    for part in ([p for p in back if p[0] < cx - hw], [p for p in back if p[0] > cx + hw]):
        if len(part) >= 2:
            s.line(part, weight=1.1)


def _crown(
    s: _Sketch, outline: Poly, cx: float, base_y: float, hw: float, band_h: float, ry: float
) -> None:
    """A hat's crown with its shadow side and a band where it meets the brim."""
    s.fill(outline)
    s.shade(_side(outline, 0.65), spacing=0.025)
    s.line(outline, weight=1.3)
    upper = _front_arc(cx, base_y - band_h, hw * 1.0, ry)
    lower = _front_arc(cx, base_y, hw, ry)
    band = (*upper, *reversed(lower))
    s.accent(band, hatched=True)
    s.line(upper, weight=0.9)


def _top_hat(s: _Sketch) -> None:
    cx, cy = 0.72, 0.82
    hw = s.j(0.3, 0.01)
    top = s.j(0.08, 0.02)
    ry = hw * 0.24
    _brim(s, cx, cy, 0.66, 0.14, hw, 0.25)
    outline = _lathe(cx, [(top, hw * 1.08), ((top + cy) / 2, hw * 0.98), (cy, hw)], base=ry)
    _crown(s, outline, cx, cy, hw, 0.12, ry)
    lid = ellipse(cx, top, hw * 1.08, ry * 1.05)
    s.fill(lid, Tone.SHADE)
    s.line(lid, closed=True, weight=1.2)


def _fedora(s: _Sketch) -> None:
    cx, cy = 0.72, 0.78
    hw = s.j(0.3, 0.01)
    _brim(s, cx, cy, 0.68, 0.16, hw, 0.3)
    ry = hw * 0.22
    right = smooth([(cx, 0.3), (cx + 0.12, 0.22), (cx + hw * 0.92, 0.3), (cx + hw, cy)], n=6)
    outline = (
        *right,
        *_front_arc(cx, cy, hw, ry)[1:-1],
        *((2 * cx - x, y) for x, y in reversed(right)),
    )
    _crown(s, outline, cx, cy, hw, 0.1, ry)
    s.fine(smooth([(cx, 0.3), (cx - 0.02, 0.42), (cx + 0.01, 0.5)]), weight=0.9)
    s.fine(
        smooth([(cx - hw * 0.75, 0.38), (cx - hw * 0.6, 0.48), (cx - hw * 0.62, 0.58)]), weight=0.6
    )
    s.fine(
        smooth([(cx + hw * 0.75, 0.38), (cx + hw * 0.6, 0.48), (cx + hw * 0.62, 0.58)]), weight=0.6
    )


def _sun_hat(s: _Sketch) -> None:
    cx, cy = 0.72, 0.76
    hw = s.j(0.27, 0.01)
    _brim(s, cx, cy, 0.7, 0.2, hw, 0.12)
    ry = hw * 0.25
    outline = (
        *arc(cx, cy, hw, s.j(0.36, 0.02), math.pi, _TAU, n=20),
        *_front_arc(cx, cy, hw, ry)[1:-1],
    )
    _crown(s, outline, cx, cy, hw, 0.08, ry)
    # a bow on the band with trailing ribbons
    bx, by = cx + hw * 0.55, cy + 0.02
    for side in (-1, 1):
        loop = ellipse(bx + side * 0.06, by - 0.04, 0.06, 0.03, n=12, rot=side * 0.3)
        s.accent(loop)
        s.fine(loop, closed=True, weight=0.8)
    s.fine(smooth([(bx, by - 0.03), (bx + 0.06, by + 0.08), (bx + 0.05, by + 0.18)]), weight=0.9)
    s.fine(smooth([(bx, by - 0.03), (bx + 0.1, by + 0.05), (bx + 0.14, by + 0.14)]), weight=0.9)


def _hat(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: a top hat; a fedora; a wide sun hat with a bow."""
    s = _Sketch(rng, medium, _HAT_ASPECT)
    (_top_hat, _fedora, _sun_hat)[variant % 3](s)
    return s.marks()


# ---------------------------------------------------------------- bowl

_BOWL_ASPECT: Final = 1.6


def _bowl_body(s: _Sketch, cx: float, rim_y: float, rx: float, depth: float) -> Poly:
    """The bowl below its rim, on a foot ring; returns the rim ellipse."""
    ry = rx * 0.2
    yb = rim_y + depth
    profile = [(rim_y, rx), (rim_y + depth * 0.35, rx * 0.9), (rim_y + depth * 0.75, rx * 0.6)]
    foot = _lathe(cx, [(yb - 0.01, rx * 0.33), (yb + 0.045, rx * 0.37)], base=ry * 0.35)
    s.fill(foot, Tone.SHADE)
    s.line(foot)
    body = _lathe(cx, [*profile, (yb, rx * 0.35)], base=ry * 0.4)
    s.fill(body)
    s.shade(_rounded(body))
    s.light(ellipse(cx - rx * 0.55, rim_y + depth * 0.35, rx * 0.08, depth * 0.18, rot=-0.5))
    s.line(body, weight=1.3)
    s.fine(_front_arc(cx, rim_y + depth * 0.18, rx * 0.97, ry), tone=Tone.ACCENT, weight=1.0)
    return ellipse(cx, rim_y, rx, ry, n=44)


def _rim(s: _Sketch, rim: Poly, *, inside: Tone = Tone.SHADE) -> None:
    """A rim ellipse, its inside washed (shadow by default)."""
    s.fill(rim, inside)
    s.line(rim, closed=True, weight=1.2)


def _fruit(
    s: _Sketch, x: float, y: float, r: float, tone: Tone, *, level: float, stem: bool
) -> None:
    """A round fruit whose part below ``level`` is hidden inside the bowl."""
    if y + r > level:
        t0 = math.asin(max(-1.0, min(1.0, (level - y) / r)))
        outline = arc(x, y, r, r, math.pi - t0, _TAU + t0, n=20)
    else:
        outline = _circle(x, y, r, n=20)
    s.fill(outline, tone)
    s.shade(_rounded(outline), spacing=0.025)
    s.line(outline)
    s.light(ellipse(x - r * 0.4, y - r * 0.4, r * 0.15, r * 0.1, n=10, rot=-0.6))
    if stem:
        s.fine(((x, y - r * 0.85), (x + r * 0.2, y - r * 1.3)), weight=1.3)


def _grapes(s: _Sketch, x: float, y: float, r: float) -> None:
    """A bunch of grapes hanging over the rim: rows of 3, 2, 1."""
    for row, count in enumerate((3, 2, 1)):
        for k in range(count):
            gx = x + (k - (count - 1) / 2) * r * 1.8
            gy = y + row * r * 1.6
            grape = _circle(s.j(gx, r * 0.1), gy, r, n=12)
            s.fill(grape, Tone.SHADE)
            s.line(grape, closed=True, weight=0.9)
    s.fine(((x, y - r), (x + r * 0.5, y - r * 2.2)), weight=1.1)


def _fruit_bowl(s: _Sketch, cx: float, rx: float) -> None:
    rim_y, depth = 0.5, 0.42
    ry = rx * 0.2
    s.fill(ellipse(cx, rim_y, rx, ry, n=44), Tone.SHADE)
    level = rim_y + 0.04
    for x, y, r, tone in (
        (cx - 0.3, rim_y - 0.08, 0.17, Tone.ACCENT),
        (cx + 0.27, rim_y - 0.08, 0.16, Tone.LIGHT),
        (cx - 0.02, rim_y - 0.24, 0.18, Tone.ACCENT),
    ):
        _fruit(s, s.j(x, 0.02), s.j(y, 0.02), r, tone, level=level, stem=tone is Tone.ACCENT)
    back = arc(cx, rim_y, rx, ry, math.pi, _TAU, n=40)
    for part in (
        [p for p in back if p[0] < cx - rx * 0.66],
        [p for p in back if p[0] > cx + rx * 0.64],
    ):
        s.line(part, weight=1.2)
    _bowl_body(s, cx, rim_y, rx, depth)
    s.line(_front_arc(cx, rim_y, rx, ry), weight=1.2)
    _grapes(s, cx + rx * 0.62, rim_y + 0.06, 0.045)


def _bowl(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: empty; a bowl of fruit; a steaming bowl of soup with a spoon."""
    s = _Sketch(rng, medium, _BOWL_ASPECT)
    v = variant % 3
    cx = 0.8
    rx = s.j(0.72, 0.02)
    if v == 0:
        rim_y, depth = 0.35, 0.56
        rim = _bowl_body(s, cx, rim_y, rx, depth)
        _rim(s, rim)
        iy, irx, iry = rim_y + 0.005, rx * 0.95, rx * 0.18
        s.fine(ellipse(cx, iy, irx, iry), closed=True, weight=0.6)
        # the inner wall's shadow falls on the left, the side nearest the light
        wall = (
            *arc(cx, iy, irx, iry, math.pi / 2, 1.5 * math.pi, n=20),
            *arc(cx, iy, irx * 0.45, iry, 1.5 * math.pi, math.pi / 2, n=14),
        )
        s.shade(wall, spacing=0.025, angle=-0.8)
    elif v == 1:
        _fruit_bowl(s, cx, rx)
    else:
        rim_y, depth = 0.45, 0.48
        rim = _bowl_body(s, cx, rim_y, rx, depth)
        _rim(s, rim, inside=Tone.LIGHT)
        soup = ellipse(cx, rim_y + 0.01, rx * 0.88, rx * 0.15)
        s.accent(soup)
        s.hatch(soup, angle=0.12, spacing=0.04)
        s.fine(soup, closed=True)
        spoon = _tube((cx + 0.2, rim_y), (cx + 0.62, rim_y - 0.3), 0.04)
        s.fill(spoon, Tone.SHADE)
        s.line(spoon, closed=True)
        for i, x in enumerate((cx - 0.25, cx, cx + 0.25)):
            s.fine(_squiggle(x, rim_y - 0.04, s.j(0.02, 0.02), 0.03, rng.uniform(0, _TAU) + i))
    return s.marks()


# ---------------------------------------------------------------- the catalogue


SUBJECTS: tuple[SubjectSpec, ...] = (
    SubjectSpec("cup", Category.OBJECT, Placement.TABLE, _CUP_ASPECT, "#4ecdc4", _cup, size=0.3),
    SubjectSpec(
        "vase", Category.OBJECT, Placement.TABLE, _VASE_ASPECT, "#3b82f6", _vase, size=0.45
    ),
    SubjectSpec(
        "chair", Category.OBJECT, Placement.GROUND, _CHAIR_ASPECT, "#8b5a2b", _chair, size=0.5
    ),
    SubjectSpec(
        "bicycle", Category.OBJECT, Placement.GROUND, _BIKE_ASPECT, "#ff6b6b", _bicycle, size=0.35
    ),
    SubjectSpec(
        "book", Category.OBJECT, Placement.TABLE, _BOOK_ASPECT, "#7b68ee", _book, size=0.25
    ),
    SubjectSpec(
        "teapot", Category.OBJECT, Placement.TABLE, _TEAPOT_ASPECT, "#4ecdc4", _teapot, size=0.3
    ),
    SubjectSpec(
        "guitar", Category.OBJECT, Placement.GROUND, _GUITAR_ASPECT, "#f97316", _guitar, size=0.55
    ),
    SubjectSpec(
        "table", Category.OBJECT, Placement.GROUND, _TABLE_ASPECT, "#8b5a2b", _table, size=0.35
    ),
    SubjectSpec(
        "bottle", Category.OBJECT, Placement.TABLE, _BOTTLE_ASPECT, "#4ade80", _bottle, size=0.4
    ),
    SubjectSpec("lamp", Category.OBJECT, Placement.TABLE, _LAMP_ASPECT, "#ffd93d", _lamp, size=0.4),
    SubjectSpec(
        "clock", Category.OBJECT, Placement.TABLE, _CLOCK_ASPECT, "#8b5a2b", _clock, size=0.3
    ),
    SubjectSpec(
        "umbrella",
        Category.OBJECT,
        Placement.ANY,
        _UMBRELLA_ASPECT,
        "#ff6b6b",
        _umbrella,
        size=0.45,
    ),
    SubjectSpec("kite", Category.OBJECT, Placement.SKY, _KITE_ASPECT, "#ff6b6b", _kite, size=0.3),
    SubjectSpec(
        "apple", Category.OBJECT, Placement.TABLE, _APPLE_ASPECT, "#c0392b", _apple, size=0.2
    ),
    SubjectSpec(
        "candle", Category.OBJECT, Placement.TABLE, _CANDLE_ASPECT, "#ff6b6b", _candle, size=0.35
    ),
    SubjectSpec("hat", Category.OBJECT, Placement.TABLE, _HAT_ASPECT, "#8b5a2b", _hat, size=0.25),
    SubjectSpec(
        "bowl", Category.OBJECT, Placement.TABLE, _BOWL_ASPECT, "#4ecdc4", _bowl, size=0.25
    ),
)
