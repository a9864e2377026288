"""Subjects: built things — buildings, vehicles, street furniture (see scene/marks.py).

Why these drawings look the way they do: a viewer names a building by its silhouette first
(a striped tapering tower with a lamp is a lighthouse, crenellations make a castle, four
lattice sails make a windmill), then by a few telling details (lit windows, wheels, rigging).
So each subject draws its silhouette as strong contours, adds the telling details, and only
then tone: washes in paint, hatching on the plotter. Every drawing stays inside the unit box.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from code_monet.agent.builtin.scene.marks import (
    Category,
    DrawFn,
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
    bezier,
    contour,
    detail,
    ellipse,
    hatch_marks,
    inside,
    rect,
    smooth,
    stipple_marks,
    wash,
    wobble,
)

# ---------------------------------------------------------------- the sketch

_BUDGET: Final = 150
"""Most marks one drawing should send: beyond it a plotter's hatching is thinned."""


class _Sketch:
    """One drawing in progress. Areas become washes in paint and hatching (dark tones only)
    on the plotter, so a subject states *what* is dark once and both media follow."""

    def __init__(self, rng: random.Random, medium: Medium, aspect: float) -> None:
        self.rng = rng
        self.paint = medium is Medium.PAINT
        self.aspect = aspect
        self._marks: list[Mark] = []

    def jit(self, amount: float) -> float:
        return self.rng.uniform(-amount, amount)

    def circle(self, cx: float, cy: float, r: float, *, n: int = 20) -> Poly:
        """A circle of radius ``r`` (in box heights) that stays round in a wide box."""
        return ellipse(cx, cy, r / self.aspect, r, n=n)

    def area(
        self,
        poly: Sequence[Point],
        tone: Tone = Tone.BODY,
        *,
        line: bool = True,
        weight: float = 1.0,
        hatch: bool | None = None,
        angle: float = 0.8,
        spacing: float = 0.03,
        front: bool = False,
    ) -> None:
        """A closed area: a wash of ``tone`` in paint; on the plotter hatching when the tone
        is dark (SHADE, INK) or ``hatch`` asks for it. ``line`` adds its outline; ``front``
        hides the lines already drawn behind it."""
        if front:
            self.hide(poly)
        if self.paint:
            self._marks.append(wash(poly, tone=tone))
        else:
            wanted = tone in (Tone.SHADE, Tone.INK) if hatch is None else hatch
            if wanted:
                gap = spacing * (0.8 if tone is Tone.INK else 1.0)
                self._marks.extend(hatch_marks(poly, angle=angle, spacing=gap))
        if line:
            self.outline(poly, weight=weight)

    def hide(self, poly: Sequence[Point]) -> None:
        """Erase the parts of earlier lines that lie inside ``poly``: something solid now
        stands in front of them (washes stay; they are covered by the new wash anyway)."""
        kept: list[Mark] = []
        for mark in self._marks:
            kept.extend([mark] if mark.kind is MarkKind.WASH else _outside(mark, poly))
        self._marks = kept

    def shade(self, poly: Sequence[Point], *, angle: float = 0.8, spacing: float = 0.03) -> None:
        """Shadow without an outline: a SHADE wash or hatching."""
        self.area(poly, Tone.SHADE, line=False, angle=angle, spacing=spacing)

    def dots(self, poly: Sequence[Point], count: int) -> None:
        """Stippled texture (plotter only; paint already has its wash)."""
        if not self.paint:
            self._marks.extend(stipple_marks(poly, self.rng, count))

    def outline(self, poly: Sequence[Point], *, weight: float = 1.0) -> None:
        self._marks.append(contour(wobble(poly, self.rng, 0.0012), closed=True, weight=weight))

    def line(self, pts: Sequence[Point], *, weight: float = 1.0, tone: Tone = Tone.INK) -> None:
        self._marks.append(contour(wobble(pts, self.rng, 0.0012), tone=tone, weight=weight))

    def detail(
        self,
        pts: Sequence[Point],
        *,
        closed: bool = False,
        tone: Tone = Tone.INK,
        weight: float = 0.7,
    ) -> None:
        self._marks.append(detail(tuple(pts), closed=closed, tone=tone, weight=weight))

    def glow_line(self, pts: Sequence[Point], *, weight: float = 1.0) -> None:
        """A line that is light in paint (a beam, a ripple) and plain ink on paper."""
        tone = Tone.LIGHT if self.paint else Tone.INK
        self.detail(pts, tone=tone, weight=weight)

    def done(self, *, lower: float = 0.0) -> list[Mark]:
        """The marks, moved down by ``lower`` and clamped into the box; a plotter drawing
        over budget loses every other hatch line (its tone gets lighter, its shapes stay)
        until it fits."""
        marks = [replace(m, points=tuple((x, y + lower) for x, y in m.points)) for m in self._marks]
        while len(marks) > _BUDGET:
            hatches = [i for i, m in enumerate(marks) if m.kind is MarkKind.HATCH]
            if len(hatches) < 2:
                break
            drop = set(hatches[1::2])
            marks = [m for i, m in enumerate(marks) if i not in drop]
        return [_clamped(m) for m in marks]


def _outside(mark: Mark, poly: Sequence[Point]) -> list[Mark]:
    """The pieces of ``mark`` outside ``poly`` (the whole mark when it does not enter)."""
    pts = (*mark.points, mark.points[0]) if mark.closed else mark.points
    runs: list[list[Point]] = []
    run: list[Point] = []
    touched = False
    for a, b in itertools.pairwise(pts):
        for t0, t1, out in _spans_of(a, b, poly):
            p0, p1 = _lerp(a, b, t0), _lerp(a, b, t1)
            if not out:
                touched = True
                if len(run) >= 2:
                    runs.append(run)
                run = []
                continue
            if not run:
                run = [p0]
            run.append(p1)
    if len(run) >= 2:
        runs.append(run)
    if not touched:
        return [mark]
    return [replace(mark, points=tuple(r), closed=False) for r in runs]


def _spans_of(a: Point, b: Point, poly: Sequence[Point]) -> list[tuple[float, float, bool]]:
    """Segment ``a``–``b`` cut where it crosses ``poly``: (t0, t1, outside) pieces."""
    cuts = [0.0, 1.0]
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = len(poly)
    for i in range(n):
        (cx, cy), (ex, ey) = poly[i], poly[(i + 1) % n]
        fx, fy = ex - cx, ey - cy
        den = dx * fy - dy * fx
        if abs(den) < 1e-12:
            continue
        t = ((cx - a[0]) * fy - (cy - a[1]) * fx) / den
        u = ((cx - a[0]) * dy - (cy - a[1]) * dx) / den
        if 0.0 < t < 1.0 and 0.0 <= u <= 1.0:
            cuts.append(t)
    cuts.sort()
    return [
        (t0, t1, not inside(_lerp(a, b, (t0 + t1) / 2), poly))
        for t0, t1 in itertools.pairwise(cuts)
        if t1 - t0 > 1e-9
    ]


def _clamped(mark: Mark) -> Mark:
    pts = tuple((min(1.0, max(0.0, x)), min(1.0, max(0.0, y))) for x, y in mark.points)
    return replace(mark, points=pts)


# ---------------------------------------------------------------- shared geometry


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _below(poly: Sequence[Point], y0: float, *, keep_below: bool = True) -> Poly:
    """The part of ``poly`` below (or above) the line y = ``y0``: shade for the lower half
    of a form, a stripe across a sail (Sutherland–Hodgman against one edge)."""
    out: list[Point] = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        p_in, q_in = (p[1] >= y0) == keep_below, (q[1] >= y0) == keep_below
        if p_in:
            out.append(p)
        if p_in != q_in:
            t = (y0 - p[1]) / (q[1] - p[1])
            out.append((p[0] + (q[0] - p[0]) * t, y0))
    return tuple(out)


def _band(poly: Sequence[Point], y0: float, y1: float) -> Poly:
    """The part of ``poly`` between y = ``y0`` and y = ``y1``."""
    return _below(_below(poly, y0), y1, keep_below=False)


def _arch(
    x: float, base: float, w: float, h: float, *, rise: float | None = None, n: int = 10
) -> Poly:
    """A round-topped opening (door, window, arch) standing on ``base``."""
    r = w / 2 if rise is None else rise
    spring = base - h + r
    top = arc(x + w / 2, spring, w / 2, r, math.pi, 2 * math.pi, n=n)
    return ((x, base), *top, (x + w, base))


def _lancet(x: float, base: float, w: float, h: float) -> Poly:
    """A pointed (gothic) opening: the church window."""
    rise = min(h * 0.5, w * 1.2)
    spring = base - h + rise
    apex = (x + w / 2, base - h)
    left = bezier((x, spring), (x, spring - rise * 0.6), (x + w * 0.3, apex[1] + rise * 0.15), apex)
    right = bezier(
        apex, (x + w * 0.7, apex[1] + rise * 0.15), (x + w, spring - rise * 0.6), (x + w, spring)
    )
    return ((x, base), *left, *right[1:], (x + w, base))


def _battlements(x0: float, x1: float, y: float, n: int, depth: float) -> list[Point]:
    """The top edge of a crenellated wall, left to right: ``n`` merlons with gaps between."""
    step = (x1 - x0) / (2 * n - 1)
    pts: list[Point] = []
    for i in range(2 * n - 1):
        a, b = x0 + i * step, x0 + (i + 1) * step
        yy = y - depth if i % 2 == 0 else y
        pts += [(a, yy), (b, yy)]
    return pts


def _crenel_block(x0: float, x1: float, top: float, bottom: float, n: int, depth: float) -> Poly:
    return ((x0, bottom), *_battlements(x0, x1, top, n, depth), (x1, bottom))


def _pane(sk: _Sketch, x: float, y: float, w: float, h: float, *, lit: bool, bars: bool) -> None:
    """A window: glass (lit or dark), frame, and glazing bars."""
    sk.area(rect(x, y, w, h), Tone.ACCENT if lit else Tone.SHADE, weight=0.8, spacing=0.02)
    if bars:
        sk.detail(((x + w / 2, y), (x + w / 2, y + h)))
        sk.detail(((x, y + h / 2), (x + w, y + h / 2)))


def _door(sk: _Sketch, x: float, base: float, w: float, h: float, *, arched: bool = False) -> None:
    poly = _arch(x, base, w, h) if arched else rect(x, base - h, w, h)
    sk.area(poly, Tone.SHADE, weight=0.9, spacing=0.025)
    sk.detail(sk.circle(x + w * 0.78, base - h * 0.45, 0.008, n=6), closed=True)


def _gable_house(
    sk: _Sketch, x0: float, x1: float, eave: float, apex: float, base: float, *, lit: bool
) -> None:
    """A small house: walls, pitched roof, door and a window (the keeper's cottage)."""
    w = x1 - x0
    sk.area(rect(x0, eave, w, base - eave), Tone.BODY)
    roof = ((x0 - w * 0.08, eave), ((x0 + x1) / 2, apex), (x1 + w * 0.08, eave))
    sk.area(roof, Tone.SHADE, spacing=0.02)
    _door(sk, x0 + w * 0.15, base, w * 0.2, (base - eave) * 0.65)
    _pane(
        sk,
        x0 + w * 0.55,
        eave + (base - eave) * 0.25,
        w * 0.28,
        (base - eave) * 0.4,
        lit=lit,
        bars=True,
    )


def _wheel(sk: _Sketch, cx: float, cy: float, r: float, *, spokes: int = 0) -> None:
    sk.area(sk.circle(cx, cy, r), Tone.INK, hatch=False)
    if not sk.paint:
        sk.detail(sk.circle(cx, cy, r * 0.8, n=16), closed=True, weight=0.6)
    hub = sk.circle(cx, cy, r * 0.45, n=12)
    sk.area(hub, Tone.LIGHT, weight=0.7)
    rx = r * 0.45 / sk.aspect
    for k in range(spokes):
        a = math.pi * k / max(1, spokes)
        dx, dy = math.cos(a) * rx, math.sin(a) * r * 0.45
        sk.detail(((cx - dx, cy - dy), (cx + dx, cy + dy)), tone=Tone.INK)


def _ripples(sk: _Sketch, y0: float, y1: float, count: int) -> None:
    """Short wavy water lines under a boat, alternating left and right of its middle."""
    for i in range(count):
        y = y0 + (y1 - y0) * (i + 0.5) / count + sk.jit(0.01)
        x = (0.06 if i % 2 == 0 else 0.6) + sk.rng.uniform(0.0, 0.12)
        n = 8
        pts = [(x + 0.2 * j / (n - 1), y + 0.008 * math.sin(j * 1.6)) for j in range(n)]
        sk.glow_line(pts, weight=0.8)


def _smoke(sk: _Sketch, x: float, y: float, *, drift: float, puffs: int, r: float) -> None:
    """Puffs of smoke rising from a chimney or funnel, drifting sideways and growing."""
    for i in range(puffs):
        k = i + 1
        cx = x + drift * k * 0.9 + sk.jit(0.005)
        cy = y - r * 1.3 * k * 0.7
        sk.area(sk.circle(cx, cy, r * (0.7 + 0.25 * k), n=14), Tone.LIGHT, weight=0.6)


# ---------------------------------------------------------------- lighthouse


def _lighthouse(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: striped tower sweeping two beams / on a heap of rocks in the surf /
    further off, with the keeper's cottage."""
    sk = _Sketch(rng, medium, 0.5)
    if variant == 1:
        cx, top, base, half_t, half_b = 0.5, 0.3 + sk.jit(0.02), 0.78, 0.11, 0.17
        _rocks(sk)
    elif variant == 2:
        cx, top, base, half_t, half_b = 0.3, 0.38 + sk.jit(0.02), 0.97, 0.08, 0.13
    else:
        cx, top, base, half_t, half_b = 0.5, 0.32 + sk.jit(0.02), 0.98, 0.13, 0.2
    lamp_y = _lantern(sk, cx, top, half_t)
    if variant != 1:
        _beams(sk, cx, lamp_y, half_t)
    _striped_tower(sk, cx, top, base, half_t, half_b, bands=4 + (variant == 0))
    if variant == 2:
        _gable_house(sk, 0.52, 0.94, 0.8, 0.64, 0.97, lit=True)
        sk.line(((0.0, 0.975), (1.0, 0.975)), weight=0.8)
    return sk.done()


def _striped_tower(
    sk: _Sketch, cx: float, top: float, base: float, half_t: float, half_b: float, *, bands: int
) -> None:
    def half(y: float) -> float:
        return half_t + (half_b - half_t) * (y - top) / (base - top)

    tower = ((cx - half_t, top), (cx + half_t, top), (cx + half_b, base), (cx - half_b, base))
    sk.hide(tower)
    levels = [top + (base - top) * i / bands for i in range(bands + 1)]
    for i in range(bands):
        a, b = levels[i], levels[i + 1]
        band = ((cx - half(a), a), (cx + half(a), a), (cx + half(b), b), (cx - half(b), b))
        tone = Tone.BODY if i % 2 == 0 else Tone.LIGHT
        sk.area(band, tone, line=False, hatch=tone is Tone.BODY, angle=-0.7, spacing=0.028)
        if i:
            sk.detail(((cx - half(a), a), (cx + half(a), a)))
    shadow = (
        (cx + half(top) * 0.45, top),
        (cx + half(top), top),
        (cx + half(base), base),
        (cx + half(base) * 0.45, base),
    )
    if sk.paint:
        sk.shade(shadow)
    sk.outline(tower, weight=1.3)
    _door(sk, cx - half_b * 0.25, base, half_b * 0.5, (base - top) * 0.12, arched=True)
    for f in (0.3, 0.6):
        y = top + (base - top) * f
        sk.area(
            rect(cx - half(y) * 0.15, y, half(y) * 0.3, 0.035), Tone.INK, weight=0.7, spacing=0.02
        )


def _lantern(sk: _Sketch, cx: float, top: float, half_t: float) -> float:
    """Gallery, glazed lamp room and domed cap on top of the tower; returns the lamp's y."""
    gw = half_t + 0.06
    sk.area(rect(cx - gw, top - 0.025, 2 * gw, 0.025), Tone.SHADE, spacing=0.015)
    rail = top - 0.065
    posts = [cx - gw + 2 * gw * i / 5 for i in range(6)]
    sk.line(
        ((cx - gw, top - 0.025), (cx - gw, rail), (cx + gw, rail), (cx + gw, top - 0.025)),
        weight=0.8,
    )
    for x in posts[1:-1]:
        sk.detail(((x, rail), (x, top - 0.025)), weight=0.5)
    lw = half_t * 0.72
    room_top = top - 0.14
    sk.area(rect(cx - lw, room_top, 2 * lw, 0.115), Tone.ACCENT, weight=0.9)
    for f in (-0.35, 0.35):
        sk.detail(((cx + lw * f, room_top), (cx + lw * f, top - 0.025)), weight=0.5)
    dome = (
        (cx - lw - 0.03, room_top),
        *arc(cx, room_top, lw + 0.03, 0.06, math.pi, 2 * math.pi, n=12)[1:-1],
        (cx + lw + 0.03, room_top),
    )
    sk.area(dome, Tone.SHADE, spacing=0.015)
    sk.line(((cx, room_top - 0.06), (cx, room_top - 0.09)), weight=1.2)
    return room_top + 0.055


def _beams(sk: _Sketch, cx: float, y: float, half_t: float) -> None:
    """Two cones of light sweeping out from the lamp to the box's edges."""
    spread = 0.09 + sk.jit(0.015)
    for edge, tilt in ((0.0, -0.05), (1.0, 0.03)):
        start = cx + (half_t * 0.7 if edge > cx else -half_t * 0.7)
        near = (start, y)
        far_a, far_b = (edge, y + tilt - spread), (edge, y + tilt + spread)
        if sk.paint:
            sk.area((near, far_a, far_b), Tone.LIGHT, line=False)
        else:
            for far in (far_a, far_b):
                sk.detail((near, far), weight=0.5)
            for k in (1, 2):
                mid = _lerp(far_a, far_b, k / 3)
                sk.detail((_lerp(near, mid, 0.35), mid), weight=0.4)


def _rocks(sk: _Sketch) -> None:
    """A heap of rocks for the lighthouse to stand on, with surf on both sides."""
    ring = [
        (0.04, 0.98),
        (0.08, 0.86),
        (0.2, 0.8),
        (0.32, 0.74),
        (0.5, 0.71),
        (0.68, 0.74),
        (0.82, 0.79),
        (0.93, 0.87),
        (0.97, 0.98),
    ]
    ring = [(x + sk.jit(0.015), y + sk.jit(0.012)) for x, y in ring]
    sk.area(ring, Tone.SHADE, weight=1.2, angle=0.5, spacing=0.025)
    for x, y in ((0.25, 0.84), (0.58, 0.82), (0.78, 0.9)):
        sk.detail(((x, y), (x + 0.05, y + 0.04), (x + 0.03, y + 0.09)), weight=0.6)
    for x0 in (0.0, 0.78):
        pts = [(x0 + 0.22 * j / 7, 0.955 + 0.01 * math.sin(j * 1.7)) for j in range(8)]
        sk.glow_line(pts, weight=0.9)


# ---------------------------------------------------------------- house


def _house(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: cottage with a smoking chimney / two-storey house / gambrel-roofed barn."""
    sk = _Sketch(rng, medium, 1.2)
    if variant == 1:
        _two_storey(sk)
    elif variant == 2:
        _barn(sk)
    else:
        _cottage(sk)
    return sk.done()


def _chimney(sk: _Sketch, x: float, w: float, top: float, slope: tuple[Point, Point]) -> None:
    """A chimney standing on the roof line ``slope`` (two points on it), capped."""
    (ax, ay), (bx, by) = slope

    def roof_y(u: float) -> float:
        return ay + (by - ay) * (u - ax) / (bx - ax)

    stack = ((x, top), (x + w, top), (x + w, roof_y(x + w)), (x, roof_y(x)))
    sk.area(stack, Tone.BODY, hatch=True, angle=1.2, spacing=0.02)
    sk.area(rect(x - 0.01, top - 0.02, w + 0.02, 0.02), Tone.SHADE, weight=0.8, spacing=0.012)


def _cottage(sk: _Sketch) -> None:
    eave, base = 0.52 + sk.jit(0.02), 0.98
    apex = 0.14 + sk.jit(0.02)
    sk.area(rect(0.16, eave, 0.68, base - eave), Tone.BODY)
    sk.shade(((0.78, eave), (0.84, eave), (0.84, base), (0.78, base)), angle=1.2)
    _chimney(sk, 0.64, 0.06, 0.16, ((0.5, apex), (0.92, eave)))
    _smoke(sk, 0.67, 0.12, drift=0.035, puffs=2, r=0.025)
    roof = ((0.08, eave), (0.5, apex), (0.92, eave))
    sk.area(roof, Tone.SHADE, weight=1.3, angle=0.4, spacing=0.028, front=True)
    for f in (0.45, 0.7):
        y = apex + (eave - apex) * f
        half = 0.42 * f
        sk.detail(((0.5 - half, y), (0.5 + half, y)), weight=0.5)
    _door(sk, 0.45, base, 0.11, 0.3)
    lit = sk.rng.random() < 0.5
    _pane(sk, 0.22, eave + 0.1, 0.14, 0.16, lit=lit, bars=True)
    _pane(sk, 0.62, eave + 0.1, 0.14, 0.16, lit=not lit, bars=True)
    sk.line(((0.12, base), (0.88, base)), weight=1.2)


def _two_storey(sk: _Sketch) -> None:
    eave, base = 0.34 + sk.jit(0.02), 0.98
    sk.area(rect(0.14, eave, 0.72, base - eave), Tone.BODY, weight=1.2)
    _chimney(sk, 0.19, 0.05, 0.08, ((0.09, eave), (0.24, 0.14)))
    roof = ((0.09, eave), (0.24, 0.14), (0.76, 0.14), (0.91, eave))
    sk.area(roof, Tone.SHADE, weight=1.3, angle=0.3, spacing=0.028, front=True)
    sk.detail(((0.14, (eave + base) / 2 + 0.02), (0.86, (eave + base) / 2 + 0.02)), weight=0.4)
    rows = (eave + 0.07, (eave + base) / 2 + 0.07)
    for r, y in enumerate(rows):
        for c, x in enumerate((0.2, 0.44, 0.68)):
            if r == 1 and c == 1:
                continue
            _pane(sk, x, y, 0.12, 0.15, lit=sk.rng.random() < 0.35, bars=True)
    _door(sk, 0.44, base, 0.12, 0.24, arched=True)
    sk.line(((0.4, base), (0.6, base), (0.6, base - 0.015), (0.4, base - 0.015)), weight=0.7)
    sk.line(((0.08, base), (0.92, base)), weight=1.2)


def _barn(sk: _Sketch) -> None:
    eave, base = 0.48 + sk.jit(0.02), 0.98
    ridge = 0.1 + sk.jit(0.02)
    walls = rect(0.14, eave, 0.72, base - eave)
    sk.area(walls, Tone.BODY, weight=1.2, hatch=True, angle=math.pi / 2, spacing=0.05)
    roof = ((0.1, eave), (0.2, 0.27), (0.5, ridge), (0.8, 0.27), (0.9, eave))
    sk.area(roof, Tone.SHADE, weight=1.3, angle=0.3, spacing=0.028, front=True)
    door = rect(0.38, base - 0.33, 0.24, 0.33)
    sk.area(door, Tone.LIGHT, weight=1.0)
    x0, y0, x1, y1 = 0.38, base - 0.33, 0.62, base
    sk.detail(((x0, y0), (x1, y1)), weight=0.9)
    sk.detail(((x1, y0), (x0, y1)), weight=0.9)
    sk.detail(((0.5, y0), (0.5, y1)), weight=0.9)
    loft = rect(0.44, 0.3, 0.12, 0.12)
    sk.area(loft, Tone.INK, weight=0.9)
    sk.detail(((0.44, 0.3), (0.56, 0.42)), tone=Tone.LIGHT if sk.paint else Tone.INK)
    sk.detail(((0.56, 0.3), (0.44, 0.42)), tone=Tone.LIGHT if sk.paint else Tone.INK)
    sk.line(((0.06, base), (0.94, base)), weight=1.2)


# ---------------------------------------------------------------- skyline


_ROOFS: tuple[tuple[str, ...], ...] = (
    ("flat", "setback", "antenna", "flat", "slant", "setback", "flat"),
    ("flat", "setback", "flat", "pointed", "flat"),
    ("dome", "slant", "flat", "antenna", "setback", "flat", "pointed"),
)


def _skyline(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: towers of mixed heights / rising to one stepped landmark /
    with a television tower."""
    sk = _Sketch(rng, medium, 2.5)
    roofs = _ROOFS[variant % len(_ROOFS)]
    if variant == 1:
        _city_row(sk, roofs, 0.0, 0.44, rise=1)
        _landmark(sk, 0.44, 0.56)
        _city_row(sk, roofs, 0.56, 1.0, rise=-1)
    elif variant == 2:
        nx = sk.rng.uniform(0.28, 0.4)
        _city_row(sk, roofs, 0.0, nx - 0.035, rise=0, low=0.3, high=0.62)
        _building(sk, nx - 0.035, nx + 0.035, 0.8, "flat", dark=True)
        _needle(sk, nx, 0.8)
        _city_row(sk, roofs, nx + 0.035, 1.0, rise=0, low=0.3, high=0.66)
    else:
        _city_row(sk, roofs, 0.0, 1.0, rise=0, low=0.3, high=0.92)
    sk.line(((0.0, 0.995), (1.0, 0.995)), weight=1.0)
    return sk.done()


def _spans(sk: _Sketch, x0: float, x1: float) -> list[tuple[float, float]]:
    """Building footprints shoulder to shoulder from ``x0`` to ``x1``."""
    out: list[tuple[float, float]] = []
    x = x0
    while x1 - x > 0.1:
        w = sk.rng.uniform(0.055, 0.095)
        out.append((x, x + w))
        x += w
    out.append((x, x1))
    return out


def _city_row(
    sk: _Sketch,
    roofs: Sequence[str],
    x0: float,
    x1: float,
    *,
    rise: int,
    low: float = 0.25,
    high: float = 0.62,
) -> None:
    """A row of buildings; ``rise`` ±1 makes them climb towards ``x1`` (+1) or ``x0`` (−1)."""
    spans = _spans(sk, x0, x1)
    for i, (a, b) in enumerate(spans):
        f = (i + 0.5) / len(spans)
        if rise:
            f = f if rise > 0 else 1 - f
            h = low + (high - low) * f + sk.jit(0.06)
        else:
            h = sk.rng.uniform(low, high)
        kind = roofs[(i * 3 + sk.rng.randrange(2)) % len(roofs)]
        _building(sk, a, b, 1.0 - h, kind, dark=i % 2 == 1)


def _roofline(x0: float, x1: float, top: float, kind: str) -> tuple[Poly, Point | None]:
    """A building's outline for its roof ``kind`` and the tip an antenna would stand on."""
    w, cx = x1 - x0, (x0 + x1) / 2
    roof_h = min(0.12, w * 1.3)
    if kind == "setback":
        s = w * 0.2
        return (
            (x0, 1.0),
            (x0, top + 0.1),
            (x0 + s, top + 0.1),
            (x0 + s, top),
            (x1 - s, top),
            (x1 - s, top + 0.1),
            (x1, top + 0.1),
            (x1, 1.0),
        ), (cx, top)
    if kind == "antenna":
        return ((x0, 1.0), (x0, top), (x1, top), (x1, 1.0)), (cx - w * 0.2, top)
    if kind == "spire":
        return ((x0, 1.0), (x0, top), (cx, top - roof_h * 2.2), (x1, top), (x1, 1.0)), None
    if kind in ("pointed", "gable"):
        return ((x0, 1.0), (x0, top), (cx, top - roof_h * 0.8), (x1, top), (x1, 1.0)), None
    if kind == "dome":
        dome = arc(cx, top, w / 2, roof_h * 0.8, math.pi, 2 * math.pi, n=10)
        return ((x0, 1.0), *dome, (x1, 1.0)), (cx, top - roof_h * 0.8)
    if kind == "slant":
        return ((x0, 1.0), (x0, top + 0.07), (x1, top), (x1, 1.0)), None
    return ((x0, 1.0), (x0, top), (x1, top), (x1, 1.0)), None


def _building(sk: _Sketch, x0: float, x1: float, top: float, kind: str, *, dark: bool) -> None:
    poly, tip = _roofline(x0, x1, top, kind)
    tone = Tone.SHADE if dark else Tone.BODY
    sk.area(poly, tone, weight=1.0, hatch=dark, angle=math.pi / 2, spacing=0.014)
    if tip is not None:
        sk.line((tip, (tip[0], max(0.01, tip[1] - 0.07))), weight=0.8)
    floor = top + (0.11 if kind in ("setback", "slant") else 0.03)
    if sk.paint:
        _lit_windows(sk, x0, x1, floor)
    elif not dark:
        _window_grid(sk, x0, x1, floor)


def _lit_windows(sk: _Sketch, x0: float, x1: float, top: float) -> None:
    """A few lit windows on a regular grid (paint): the city is lived in."""
    cols = max(2, int((x1 - x0) / 0.02))
    gap = (x1 - x0) / cols
    rows = max(1, int((0.96 - top) / 0.05))
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    for r, c in sk.rng.sample(cells, min(len(cells), 5)):
        x, y = x0 + gap * (c + 0.3), top + 0.02 + r * 0.05
        sk.area(rect(x, y, gap * 0.4, 0.028), Tone.ACCENT, line=False)


def _window_grid(sk: _Sketch, x0: float, x1: float, top: float) -> None:
    """Floors and mullions (plotter): a light building reads as glass and steel."""
    w = x1 - x0
    for k in (1, 2):
        x = x0 + w * k / 3
        sk.detail(((x, top + 0.02), (x, 0.97)), weight=0.4)
    y = top + 0.05
    while y < 0.95:
        sk.detail(((x0 + w * 0.1, y), (x1 - w * 0.1, y)), weight=0.4)
        y += 0.07


def _needle(sk: _Sketch, cx: float, base: float) -> None:
    """A television tower: thin shaft, a disc-shaped pod and a mast, far above the roofs."""
    pod_y = 0.26 + sk.jit(0.02)
    shaft = ((cx - 0.008, base), (cx - 0.005, pod_y), (cx + 0.005, pod_y), (cx + 0.008, base))
    sk.area(shaft, Tone.BODY, weight=1.1, hatch=False)
    pod = (
        (cx - 0.035, pod_y),
        (cx - 0.02, pod_y - 0.04),
        (cx + 0.02, pod_y - 0.04),
        (cx + 0.035, pod_y),
        (cx + 0.015, pod_y + 0.035),
        (cx - 0.015, pod_y + 0.035),
    )
    sk.area(pod, Tone.BODY, weight=1.2, hatch=False)
    sk.area(rect(cx - 0.03, pod_y - 0.012, 0.06, 0.012), Tone.ACCENT, weight=0.6)
    sk.area(rect(cx - 0.005, pod_y - 0.1, 0.01, 0.06), Tone.BODY, weight=0.9, hatch=False)
    sk.line(((cx, pod_y - 0.1), (cx, 0.01)), weight=1.0)


def _landmark(sk: _Sketch, x0: float, x1: float) -> None:
    """The tall stepped tower with a mast that every skyline is recognised by."""
    w, cx = x1 - x0, (x0 + x1) / 2
    steps = ((0.0, 0.42 + sk.jit(0.02)), (0.15, 0.3), (0.3, 0.2), (0.4, 0.13))
    left = [(x0 + w * s, y) for s, y in steps]
    right = [(x1 - w * s, y) for s, y in steps]
    pts: list[Point] = [(x0, 1.0)]
    for i, (x, y) in enumerate(left):
        pts += [(x, y), (left[i + 1][0], y)] if i + 1 < len(left) else [(x, y)]
    for i in range(len(right) - 1, -1, -1):
        x, y = right[i]
        pts += [(x, y)] if i + 1 == len(right) else [(right[i + 1][0], y), (x, y)]
    pts.append((x1, 1.0))
    sk.area(pts, Tone.BODY, weight=1.3, hatch=False)
    sk.line(((cx, steps[-1][1]), (cx, 0.01)), weight=1.2)
    for k in (1, 2, 3):
        x = x0 + w * k / 4
        sk.detail(((x, steps[0][1] + 0.03), (x, 0.97)), weight=0.5)
    if sk.paint:
        _lit_windows(sk, x0, x1, steps[0][1] + 0.03)


# ---------------------------------------------------------------- bridge


def _bridge(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: suspension bridge / stone arches / steel truss on piers."""
    sk = _Sketch(rng, medium, 3.0)
    if variant == 1:
        _arch_bridge(sk)
    elif variant == 2:
        _truss_bridge(sk)
    else:
        _suspension_bridge(sk)
    return sk.done()


def _suspension_bridge(sk: _Sketch) -> None:
    deck, tower_top = 0.72, 0.08 + sk.jit(0.02)
    towers = (0.26, 0.74)
    sag = deck - 0.05

    def main(x: float) -> float:
        t = (x - towers[0]) / (towers[1] - towers[0])
        return tower_top + (sag - tower_top) * (1 - (2 * t - 1) ** 2)

    def side(x: float, tx: float, end: float) -> float:
        t = (x - tx) / (end - tx)
        return tower_top + (deck - 0.02 - tower_top) * (1 - math.pow(1 - t, 1.6))

    sk.area(rect(0.0, deck, 1.0, 0.05), Tone.BODY, weight=1.2)
    sk.shade(rect(0.0, deck + 0.03, 1.0, 0.02), angle=0.0, spacing=0.012)
    for tx in towers:
        leg = rect(tx - 0.015, tower_top, 0.03, 1.0 - tower_top)
        sk.area(
            leg, Tone.BODY, weight=1.2, hatch=True, angle=math.pi / 2, spacing=0.012, front=True
        )
        for y in (tower_top + 0.06, tower_top + 0.26, deck - 0.08):
            sk.detail(((tx - 0.015, y), (tx + 0.015, y)), weight=0.8)
    xs = [towers[0] + (towers[1] - towers[0]) * i / 24 for i in range(25)]
    cable_tone = Tone.BODY if sk.paint else Tone.INK
    sk.line([(x, main(x)) for x in xs], weight=1.4, tone=cable_tone)
    for tx, end in ((towers[0], 0.0), (towers[1], 1.0)):
        pts = [
            (tx + (end - tx) * i / 12, side(tx + (end - tx) * i / 12, tx, end)) for i in range(13)
        ]
        sk.line(pts, weight=1.4, tone=cable_tone)
        for i in range(1, 6):
            x = tx + (end - tx) * i / 6
            sk.detail(((x, side(x, tx, end)), (x, deck)), weight=0.4)
    for x in xs[1:-1:2]:
        sk.detail(((x, main(x)), (x, deck)), weight=0.4)


def _arch_bridge(sk: _Sketch) -> None:
    deck = 0.34 + sk.jit(0.02)
    spans = ((0.08, 0.36), (0.4, 0.6), (0.64, 0.92))
    spring = 0.78
    pts: list[Point] = [(0.0, deck), (1.0, deck), (1.0, 1.0)]
    for a, b in reversed(spans):
        rise = (b - a) * 3.0 * 0.5 * (0.8 if b - a < 0.25 else 0.75)
        pts += [
            (b, 1.0),
            *arc((a + b) / 2, spring, (b - a) / 2, rise, 0.0, -math.pi, n=14),
            (a, 1.0),
        ]
    pts.append((0.0, 1.0))
    sk.area(pts, Tone.BODY, weight=1.3, hatch=False)
    sk.area(
        rect(0.0, deck - 0.07, 1.0, 0.07),
        Tone.BODY,
        weight=1.0,
        hatch=True,
        angle=0.0,
        spacing=0.02,
    )
    for a, b in spans:
        rise = (b - a) * 3.0 * 0.5 * (0.8 if b - a < 0.25 else 0.75)
        cx = (a + b) / 2
        inner = arc(cx, spring, (b - a) / 2, rise, math.pi, 2 * math.pi, n=14)
        outer = arc(cx, spring, (b - a) / 2 + 0.02, rise + 0.06, math.pi, 2 * math.pi, n=14)
        ring = (*outer, *reversed(inner))
        sk.area(ring, Tone.SHADE, weight=0.7, spacing=0.02)
        for k in range(1, 8):
            t = math.pi + math.pi * k / 8
            p = (cx + (b - a) / 2 * math.cos(t), spring + rise * math.sin(t))
            q = (cx + ((b - a) / 2 + 0.02) * math.cos(t), spring + (rise + 0.06) * math.sin(t))
            sk.detail((p, q), weight=0.5)


def _truss_bridge(sk: _Sketch) -> None:
    deck, chord = 0.66, 0.3 + sk.jit(0.02)
    sk.area(rect(0.0, deck, 1.0, 0.05), Tone.SHADE, weight=1.2, spacing=0.015)
    for x in (0.1, 0.5, 0.9):
        pier = (
            (x - 0.03, 1.0),
            (x - 0.022, deck + 0.05),
            (x + 0.022, deck + 0.05),
            (x + 0.03, 1.0),
        )
        sk.area(pier, Tone.BODY, weight=1.1, hatch=True, angle=0.3, spacing=0.03)
    for a, b in ((0.1, 0.5), (0.5, 0.9)):
        n = 6
        step = (b - a) / n
        top = ((a, deck), (a + step, chord), (b - step, chord), (b, deck))
        sk.line(top, weight=1.4)
        sk.line(((a, deck), (b, deck)), weight=1.2)
        zig: list[Point] = [(a, deck)]
        for k in range(1, n):
            x = a + k * step
            zig.append((x, chord if k % 2 else deck))
            sk.detail(((x, chord), (x, deck)), weight=0.6)
        zig.append((b, deck))
        sk.line(zig, weight=0.9)
        for k in range(1, n - 1):
            x = a + k * step
            sk.detail(
                ((x, chord if k % 2 == 0 else deck), (x + step, deck if k % 2 == 0 else chord)),
                weight=0.6,
            )


# ---------------------------------------------------------------- boat


def _boat(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: rowing boat with oars / fishing boat with wheelhouse and mast /
    steamer with funnels."""
    sk = _Sketch(rng, medium, 2.0)
    if variant == 1:
        _fishing_boat(sk)
    elif variant == 2:
        _steamer(sk)
    else:
        _rowing_boat(sk)
    return sk.done()


def _hull(stern: Point, bow: Point, keel: float, *, sheer: float = 0.04) -> Poly:
    """A hull seen from the side: sheer line along the top, a rounded belly below the water."""
    (sx, sy), (bx, by) = stern, bow
    top = bezier(
        stern, (sx + (bx - sx) * 0.35, sy + sheer), (sx + (bx - sx) * 0.7, by + sheer), bow, n=12
    )
    bottom = bezier(
        bow,
        (bx - (bx - sx) * 0.12, keel),
        (sx + (bx - sx) * 0.25, keel + 0.02),
        (sx + 0.02, sy + (keel - sy) * 0.75),
        n=14,
    )
    return (*top, *bottom[1:])


def _rowing_boat(sk: _Sketch) -> None:
    stern, bow = (0.12, 0.36), (0.88, 0.28 + sk.jit(0.02))
    hull = _hull(stern, bow, 0.8, sheer=0.16)
    far = bezier(stern, (0.38, 0.38), (0.64, 0.34), bow, n=12)
    near = hull[:12]
    sk.area((*far, *reversed(near)), Tone.SHADE, weight=0.9, spacing=0.02, angle=1.2)
    sk.area(hull, Tone.BODY, weight=1.4, hatch=False)
    sk.shade(_below(hull, 0.66), angle=0.3, spacing=0.025)
    sk.line([(x, y + 0.05) for x, y in near[1:-1]], weight=0.6)
    for x in (0.36, 0.62):
        sk.detail(((x, 0.42), (x, 0.47)), weight=1.0)
    for handle, blade in (((0.62, 0.3), (0.34, 0.86)), ((0.57, 0.33), (0.27, 0.9))):
        sk.line((handle, blade), weight=1.2)
        tip = _lerp(handle, blade, 1.06)
        sk.area(ellipse(tip[0], tip[1] - 0.02, 0.055, 0.018, n=12, rot=2.0), Tone.BODY, weight=0.9)
    _ripples(sk, 0.9, 0.99, 2)


def _fishing_boat(sk: _Sketch) -> None:
    hull = _hull((0.06, 0.55), (0.94, 0.48 + sk.jit(0.02)), 0.86)
    sk.area(hull, Tone.BODY, weight=1.4, hatch=False)
    sk.shade(_below(hull, 0.72), angle=0.3, spacing=0.025)
    sk.line(bezier((0.07, 0.62), (0.4, 0.68), (0.7, 0.66), (0.93, 0.55), n=12), weight=0.7)
    cabin = rect(0.18, 0.28, 0.2, 0.28)
    sk.area(cabin, Tone.LIGHT, weight=1.2)
    sk.area(
        ((0.15, 0.28), (0.41, 0.28), (0.38, 0.23), (0.18, 0.23)),
        Tone.SHADE,
        weight=1.0,
        spacing=0.015,
    )
    for x in (0.21, 0.3):
        sk.area(rect(x, 0.33, 0.06, 0.08), Tone.ACCENT, weight=0.7)
    mast = 0.64
    sk.line(((mast, 0.52), (mast, 0.06)), weight=1.4)
    sk.line(((mast, 0.14), (0.93, 0.47)), weight=0.6)
    sk.line(((mast, 0.14), (0.42, 0.3)), weight=0.6)
    sk.line(((mast, 0.3), (0.85, 0.18)), weight=1.0)
    sk.detail(((0.85, 0.18), (0.85, 0.34)), weight=0.5)
    sk.area(((0.83, 0.34), (0.87, 0.34), (0.86, 0.38), (0.84, 0.38)), Tone.INK, weight=0.6)
    sk.area(((mast, 0.06), (mast + 0.07, 0.08), (mast, 0.1)), Tone.ACCENT, weight=0.6)
    for x in (0.5, 0.76):
        sk.area(sk.circle(x, 0.58, 0.025, n=10), Tone.LIGHT, weight=0.6)
    _ripples(sk, 0.9, 0.99, 2)


def _steamer(sk: _Sketch) -> None:
    hull = ((0.03, 0.52), (0.97, 0.48), (0.92, 0.78), (0.08, 0.78))
    sk.area(hull, Tone.BODY, weight=1.4, hatch=False)
    sk.area(
        ((0.06, 0.7), (0.935, 0.7), (0.92, 0.78), (0.08, 0.78)),
        Tone.SHADE,
        weight=0.8,
        spacing=0.015,
    )
    for i in range(9):
        x = 0.14 + i * 0.085
        sk.area(sk.circle(x, 0.6, 0.022, n=10), Tone.LIGHT, weight=0.6)
    deck1 = rect(0.16, 0.4, 0.66, 0.11)
    deck2 = rect(0.24, 0.31, 0.46, 0.09)
    sk.area(deck1, Tone.LIGHT, weight=1.1)
    sk.area(deck2, Tone.LIGHT, weight=1.0)
    for i in range(10):
        x = 0.19 + i * 0.062
        sk.area(
            rect(x, 0.43, 0.03, 0.04),
            Tone.ACCENT if sk.rng.random() < 0.5 else Tone.SHADE,
            weight=0.5,
            spacing=0.012,
        )
    drift = -0.03
    for fx in (0.38, 0.56):
        top = 0.12 + sk.jit(0.01)
        funnel = ((fx - 0.035, 0.31), (fx - 0.03, top), (fx + 0.03, top), (fx + 0.035, 0.31))
        sk.area(funnel, Tone.ACCENT, weight=1.1)
        sk.area(rect(fx - 0.031, top, 0.062, 0.04), Tone.INK, weight=0.8, spacing=0.015)
        _smoke(sk, fx - 0.01, top - 0.01, drift=drift, puffs=2, r=0.03)
    sk.line(((0.88, 0.4), (0.88, 0.2)), weight=0.9)
    sk.area(((0.88, 0.2), (0.93, 0.215), (0.88, 0.23)), Tone.ACCENT, weight=0.6)
    sk.detail(((0.88, 0.22), (0.74, 0.31)), weight=0.5)
    _ripples(sk, 0.84, 0.99, 3)


# ---------------------------------------------------------------- sailboat


def _sailboat(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: sloop with mainsail and jib / dinghy with one striped sail /
    three-masted tall ship."""
    sk = _Sketch(rng, medium, 0.9)
    if variant == 1:
        _dinghy(sk)
    elif variant == 2:
        _tall_ship(sk)
    else:
        _sloop(sk)
    return sk.done()


def _sloop(sk: _Sketch) -> None:
    mast, head = 0.48, 0.05 + sk.jit(0.015)
    belly = 0.05 + sk.jit(0.015)
    main = (
        (mast + 0.01, head),
        *bezier(
            (mast + 0.01, head), (mast + 0.2 + belly, 0.25), (mast + 0.36, 0.5), (0.9, 0.7), n=10
        )[1:],
        (mast + 0.01, 0.7),
    )
    jib = (
        (mast - 0.015, head + 0.07),
        (mast - 0.015, 0.69),
        *bezier((0.1, 0.71), (0.2, 0.5), (0.32, 0.28), (mast - 0.015, head + 0.07), n=10)[:-1],
    )
    sk.area(main, Tone.LIGHT, weight=1.1)
    sk.area(jib, Tone.LIGHT, weight=1.1)
    for y in (0.3, 0.5):
        sk.detail(((mast + 0.01, y), (mast + 0.1 + (y - head) * 0.55, y - 0.02)), weight=0.4)
    sk.line(((mast, head - 0.01), (mast, 0.76)), weight=1.4)
    sk.line(((mast, 0.7), (0.92, 0.7)), weight=1.1)
    sk.area(
        ((mast, head - 0.01), (mast + 0.07, head + 0.005), (mast, head + 0.02)),
        Tone.ACCENT,
        weight=0.6,
    )
    _sail_hull(sk, (0.08, 0.74), (0.95, 0.72), 0.88)
    _ripples(sk, 0.92, 0.99, 2)


def _dinghy(sk: _Sketch) -> None:
    mast = 0.42 + sk.jit(0.02)
    sail = (
        (mast + 0.01, 0.06),
        *bezier((mast + 0.01, 0.06), (mast + 0.2, 0.2), (mast + 0.42, 0.45), (0.88, 0.72), n=12)[
            1:
        ],
        (mast + 0.01, 0.72),
    )
    sk.area(sail, Tone.BODY, weight=1.2, hatch=False)
    sk.area(_band(sail, 0.5, 0.58), Tone.ACCENT, weight=0.6, hatch=True, angle=0.0, spacing=0.02)
    for y in (0.25, 0.42):
        sk.detail(((mast + 0.01, y), (mast + 0.05 + (y - 0.06) * 0.7, y - 0.02)), weight=0.5)
    sk.line(((mast, 0.04), (mast, 0.78)), weight=1.4)
    sk.line(((mast, 0.72), (0.9, 0.72)), weight=1.1)
    sk.area(((mast, 0.04), (mast - 0.08, 0.06), (mast, 0.08)), Tone.ACCENT, weight=0.6)
    _sail_hull(sk, (0.14, 0.76), (0.86, 0.74), 0.88)
    _ripples(sk, 0.92, 0.99, 2)


def _sail_hull(sk: _Sketch, stern: Point, bow: Point, keel: float) -> None:
    hull = _hull(stern, bow, keel, sheer=0.02)
    sk.area(hull, Tone.SHADE, weight=1.4, spacing=0.022, angle=0.2)
    sk.detail(
        bezier(
            (stern[0] + 0.02, stern[1] + 0.04),
            (0.4, stern[1] + 0.06),
            (0.7, bow[1] + 0.05),
            (bow[0] - 0.03, bow[1] + 0.03),
            n=10,
        ),
        tone=Tone.LIGHT if sk.paint else Tone.INK,
        weight=0.8,
    )


def _tall_ship(sk: _Sketch) -> None:
    masts = ((0.3, 0.1), (0.52, 0.04), (0.74, 0.12))
    for mx, top in masts:
        top += sk.jit(0.01)
        sk.line(((mx, top), (mx, 0.66)), weight=1.2)
        n = 3
        span = (0.66 - top - 0.06) / n
        for k in range(n):
            y0 = top + 0.05 + k * span
            half = 0.07 + 0.02 * k
            y1 = y0 + span * 0.85
            sail = (
                (mx - half, y0),
                (mx + half, y0),
                *bezier(
                    (mx + half * 1.05, y1),
                    (mx + half * 0.5, y1 + 0.03),
                    (mx - half * 0.5, y1 + 0.03),
                    (mx - half * 1.05, y1),
                    n=8,
                ),
            )
            sk.area(sail, Tone.LIGHT, weight=0.9)
            sk.line(((mx - half - 0.01, y0), (mx + half + 0.01, y0)), weight=0.9)
        sk.area(((mx, top), (mx + 0.05, top + 0.012), (mx, top + 0.024)), Tone.ACCENT, weight=0.5)
    sk.line(((0.87, 0.6), (0.99, 0.5)), weight=1.0)
    sk.detail(((0.74, 0.14), (0.99, 0.5)), weight=0.5)
    sk.area(((0.87, 0.33), (0.975, 0.49), (0.87, 0.55)), Tone.LIGHT, weight=0.8)
    sk.detail(((0.3, 0.12), (0.04, 0.6)), weight=0.5)
    hull = (
        (0.02, 0.6),
        (0.14, 0.62),
        (0.88, 0.63),
        (0.95, 0.58),
        (0.86, 0.86),
        (0.16, 0.86),
        (0.06, 0.76),
    )
    sk.area(hull, Tone.BODY, weight=1.4, hatch=False, front=True)
    sk.shade(((0.1, 0.78), (0.88, 0.78), (0.86, 0.86), (0.16, 0.86)), angle=0.2, spacing=0.02)
    for i in range(7):
        sk.area(sk.circle(0.2 + i * 0.1, 0.71, 0.016, n=8), Tone.INK, weight=0.5, spacing=0.01)
    _ripples(sk, 0.9, 0.99, 2)


# ---------------------------------------------------------------- castle


def _castle(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: curtain wall, towers and gatehouse / fairy-tale cones and flags /
    keep on a hill."""
    sk = _Sketch(rng, medium, 1.4)
    if variant == 1:
        _fairy_castle(sk)
    elif variant == 2:
        _hill_castle(sk)
    else:
        _fortress(sk)
    return sk.done()


def _flag(sk: _Sketch, x: float, top: float, *, pole: float = 0.08) -> None:
    sk.line(((x, top + pole), (x, top)), weight=0.9)
    wave = (
        (x, top),
        (x + 0.035, top + 0.008),
        (x + 0.07, top + 0.002),
        (x + 0.065, top + 0.03),
        (x + 0.03, top + 0.036),
        (x, top + 0.03),
    )
    sk.area(wave, Tone.ACCENT, weight=0.7)


def _slits(sk: _Sketch, x: float, ys: Sequence[float]) -> None:
    for y in ys:
        sk.area(rect(x - 0.006, y, 0.012, 0.05), Tone.INK, weight=0.6, spacing=0.01)


def _fortress(sk: _Sketch) -> None:
    keep = _crenel_block(0.36, 0.64, 0.2 + sk.jit(0.02), 0.5, 4, 0.04)
    sk.area(keep, Tone.SHADE, weight=1.1, spacing=0.03)
    _flag(sk, 0.5, 0.06)
    wall = _crenel_block(0.2, 0.8, 0.52, 1.0, 7, 0.04)
    sk.area(wall, Tone.BODY, weight=1.2, front=True)
    for x0, x1 in ((0.04, 0.23), (0.77, 0.96)):
        top = 0.3 + sk.jit(0.02)
        sk.area(_crenel_block(x0, x1, top, 1.0, 3, 0.045), Tone.BODY, weight=1.3, front=True)
        sk.shade(rect(x1 - 0.05, top + 0.005, 0.05, 0.995 - top), angle=1.0, spacing=0.025)
        _slits(sk, (x0 + x1) / 2, (top + 0.12, top + 0.34))
    gate = _crenel_block(0.41, 0.59, 0.42, 1.0, 3, 0.04)
    sk.area(gate, Tone.BODY, weight=1.2, front=True)
    opening = _arch(0.45, 1.0, 0.1, 0.28)
    sk.area(opening, Tone.INK, weight=1.0, spacing=0.02)
    for x in (0.47, 0.5, 0.53):
        sk.detail(((x, 0.78), (x, 1.0)), tone=Tone.LIGHT if sk.paint else Tone.INK, weight=0.5)
    for y in (0.82, 0.88, 0.94):
        sk.detail(((0.45, y), (0.55, y)), tone=Tone.LIGHT if sk.paint else Tone.INK, weight=0.5)
    for x, y in ((0.27, 0.66), (0.31, 0.83), (0.66, 0.7), (0.7, 0.86)):
        sk.detail(rect(x, y, 0.05, 0.03), closed=True, weight=0.5)
        sk.detail(rect(x + 0.025, y + 0.03, 0.05, 0.03), closed=True, weight=0.5)
    _slits(sk, 0.5, (0.28,))


def _cone_tower(
    sk: _Sketch, x0: float, x1: float, top: float, base: float, cone: float, *, front: bool = False
) -> None:
    """A round tower with a pointed roof and a flag: the fairy-tale castle's shape."""
    w = x1 - x0
    sk.area(rect(x0, top, w, base - top), Tone.BODY, weight=1.2, front=front)
    sk.shade(rect(x1 - w * 0.3, top, w * 0.3, base - top), angle=1.1, spacing=0.025)
    roof = ((x0 - w * 0.15, top), ((x0 + x1) / 2, top - cone), (x1 + w * 0.15, top))
    sk.area(roof, Tone.ACCENT, weight=1.2, hatch=True, angle=1.2, spacing=0.018, front=front)
    _flag(sk, (x0 + x1) / 2, top - cone - 0.07, pole=0.07)
    sk.area(_arch(x0 + w * 0.35, top + 0.16, w * 0.3, 0.09), Tone.INK, weight=0.7, spacing=0.012)


def _fairy_castle(sk: _Sketch) -> None:
    wall = _crenel_block(0.12, 0.88, 0.58, 1.0, 8, 0.035)
    _cone_tower(sk, 0.42, 0.58, 0.26 + sk.jit(0.02), 0.6, 0.14)
    _cone_tower(sk, 0.27, 0.38, 0.4 + sk.jit(0.02), 0.6, 0.11)
    _cone_tower(sk, 0.62, 0.73, 0.4 + sk.jit(0.02), 0.6, 0.11)
    sk.area(wall, Tone.BODY, weight=1.2, front=True)
    _cone_tower(sk, 0.04, 0.16, 0.44, 1.0, 0.12, front=True)
    _cone_tower(sk, 0.84, 0.96, 0.44, 1.0, 0.12, front=True)
    sk.area(_arch(0.44, 1.0, 0.12, 0.22), Tone.INK, weight=1.1, spacing=0.02)
    for x in (0.26, 0.68):
        sk.area(_arch(x, 0.8, 0.05, 0.1), Tone.ACCENT, weight=0.7)


def _hill_castle(sk: _Sketch) -> None:
    hill = smooth(
        [(0.0, 1.0), (0.0, 0.9), (0.2, 0.8), (0.5, 0.76), (0.8, 0.8), (1.0, 0.9), (1.0, 1.0)], n=5
    )
    sk.area(hill, Tone.SHADE, weight=1.2, angle=0.3, spacing=0.03)
    path = bezier((0.5, 0.78), (0.6, 0.86), (0.3, 0.9), (0.45, 1.0), n=10)
    sk.line(path, weight=0.7)
    wall = _crenel_block(0.14, 0.86, 0.56, 0.8, 7, 0.035)
    keep = _crenel_block(0.32, 0.68, 0.18 + sk.jit(0.02), 0.6, 4, 0.04)
    sk.area(keep, Tone.BODY, weight=1.3)
    for x0 in (0.3, 0.66):
        sk.area(_crenel_block(x0, x0 + 0.04, 0.1, 0.22, 1, 0.03), Tone.BODY, weight=1.0, front=True)
    _flag(sk, 0.5, 0.04, pole=0.1)
    for x in (0.39, 0.57):
        sk.area(_arch(x, 0.42, 0.045, 0.1), Tone.INK, weight=0.7, spacing=0.012)
    sk.area(wall, Tone.BODY, weight=1.2, front=True)
    for x0 in (0.1, 0.82):
        sk.area(
            _crenel_block(x0, x0 + 0.09, 0.44, 0.82, 2, 0.035), Tone.BODY, weight=1.2, front=True
        )
        _slits(sk, x0 + 0.045, (0.54,))
    sk.area(_arch(0.45, 0.8, 0.1, 0.16), Tone.INK, weight=1.0, spacing=0.02)
    sk.shade(rect(0.62, 0.2, 0.06, 0.36), angle=1.0, spacing=0.025)


# ---------------------------------------------------------------- windmill


def _windmill(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: tower mill / post mill on its trestle / smock mill with a stage."""
    sk = _Sketch(rng, medium, 0.8)
    if variant == 1:
        hub = _post_mill(sk)
    elif variant == 2:
        hub = _smock_mill(sk)
    else:
        hub = _tower_mill(sk)
    _sails(sk, hub, 0.37, sk.rng.uniform(0.55, 1.0))
    return sk.done()


def _tower_mill(sk: _Sketch) -> Point:
    body = ((0.3, 0.99), (0.39, 0.42), (0.61, 0.42), (0.7, 0.99))
    sk.area(body, Tone.BODY, weight=1.3)
    sk.shade(((0.56, 0.42), (0.61, 0.42), (0.7, 0.99), (0.6, 0.99)), angle=1.2, spacing=0.025)
    cap = (
        (0.36, 0.43),
        *arc(0.5, 0.43, 0.14, 0.09, math.pi, 2 * math.pi, n=12)[1:-1],
        (0.64, 0.43),
    )
    sk.area(cap, Tone.SHADE, weight=1.2, spacing=0.02)
    _door(sk, 0.45, 0.99, 0.1, 0.16, arched=True)
    sk.area(rect(0.47, 0.6, 0.06, 0.07), Tone.ACCENT, weight=0.7)
    sk.line(((0.2, 0.99), (0.8, 0.99)), weight=1.0)
    return (0.5, 0.4)


def _post_mill(sk: _Sketch) -> Point:
    for leg in (((0.5, 0.7), (0.3, 0.99)), ((0.5, 0.7), (0.7, 0.99)), ((0.5, 0.6), (0.5, 0.99))):
        sk.line(leg, weight=1.3)
    sk.line(((0.36, 0.9), (0.64, 0.9)), weight=1.0)
    sk.line(((0.66, 0.52), (0.9, 0.97)), weight=1.1)
    sk.line(((0.62, 0.56), (0.8, 0.97)), weight=0.8)
    for k in range(1, 5):
        a, b = _lerp((0.66, 0.52), (0.9, 0.97), k / 5), _lerp((0.62, 0.56), (0.8, 0.97), k / 5)
        sk.detail((a, b), weight=0.5)
    body = ((0.33, 0.6), (0.33, 0.3), (0.5, 0.2), (0.67, 0.3), (0.67, 0.6))
    sk.area(body, Tone.BODY, weight=1.3)
    sk.shade(((0.58, 0.25), (0.67, 0.3), (0.67, 0.6), (0.58, 0.6)), angle=1.2, spacing=0.025)
    for y in (0.36, 0.44, 0.52):
        sk.detail(((0.33, y), (0.67, y)), weight=0.4)
    sk.area(rect(0.45, 0.46, 0.08, 0.1), Tone.ACCENT, weight=0.7)
    sk.line(((0.15, 0.99), (0.85, 0.99)), weight=1.0)
    return (0.5, 0.34)


def _smock_mill(sk: _Sketch) -> Point:
    base = rect(0.26, 0.8, 0.48, 0.19)
    sk.area(base, Tone.SHADE, weight=1.2, spacing=0.03, angle=0.3)
    body = ((0.3, 0.8), (0.4, 0.42), (0.6, 0.42), (0.7, 0.8))
    sk.area(body, Tone.BODY, weight=1.3)
    for f in (0.33, 0.66):
        sk.detail(
            (_lerp((0.3, 0.8), (0.7, 0.8), f), _lerp((0.4, 0.42), (0.6, 0.42), f)), weight=0.5
        )
    sk.shade(((0.56, 0.42), (0.6, 0.42), (0.7, 0.8), (0.6, 0.8)), angle=1.2, spacing=0.025)
    stage = rect(0.14, 0.77, 0.72, 0.03)
    sk.area(stage, Tone.SHADE, weight=1.1, spacing=0.012, front=True)
    sk.line(((0.14, 0.77), (0.14, 0.71), (0.86, 0.71), (0.86, 0.77)), weight=0.8)
    for x in (0.22, 0.3, 0.7, 0.78):
        sk.detail(((x, 0.71), (x, 0.77)), weight=0.5)
    cap = ((0.37, 0.43), (0.42, 0.34), (0.5, 0.31), (0.58, 0.34), (0.63, 0.43))
    sk.area(cap, Tone.SHADE, weight=1.2, spacing=0.02)
    _door(sk, 0.45, 0.99, 0.1, 0.15)
    sk.area(rect(0.47, 0.55, 0.06, 0.07), Tone.ACCENT, weight=0.7)
    return (0.5, 0.38)


def _sails(sk: _Sketch, hub: Point, length: float, start: float) -> None:
    """Four lattice sails on a hub: the one shape everyone reads as a windmill."""
    hx, hy = hub
    a = sk.aspect
    for k in range(4):
        ang = start + k * math.pi / 2
        d = (math.cos(ang), math.sin(ang))
        n = (-d[1], d[0])

        def at(r: float, s: float, d: Point = d, n: Point = n) -> Point:
            return (hx + (d[0] * r + n[0] * s) / a, hy + d[1] * r + n[1] * s)

        width = 0.075
        frame = (at(0.07, 0.0), at(length, 0.0), at(length, width), at(0.07, width))
        sk.area(frame, Tone.LIGHT, weight=0.9, front=True)
        sk.line((at(0.0, 0.0), at(length + 0.01, 0.0)), weight=1.3)
        for j in range(1, 6):
            r = 0.07 + (length - 0.07) * j / 6
            sk.detail((at(r, 0.0), at(r, width)), weight=0.5)
        sk.detail((at(0.07, width / 2), at(length, width / 2)), weight=0.5)
    sk.area(sk.circle(hx, hy, 0.025, n=10), Tone.INK, weight=0.9, spacing=0.01, front=True)


# ---------------------------------------------------------------- tower


def _tower(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: clock tower / lattice tower / round stone watchtower."""
    sk = _Sketch(rng, medium, 0.4)
    if variant == 1:
        _lattice_tower(sk)
    elif variant == 2:
        _watchtower(sk)
    else:
        _clock_tower(sk)
    return sk.done()


def _clock_tower(sk: _Sketch) -> None:
    sk.area(rect(0.18, 0.9, 0.64, 0.09), Tone.SHADE, weight=1.2, spacing=0.02)
    sk.area(rect(0.25, 0.42, 0.5, 0.48), Tone.BODY, weight=1.3)
    sk.shade(rect(0.6, 0.42, 0.15, 0.48), angle=1.3, spacing=0.02)
    for y in (0.5, 0.62, 0.74):
        sk.area(_lancet(0.33, y + 0.08, 0.1, 0.08), Tone.INK, weight=0.6, spacing=0.012)
        sk.area(_lancet(0.57, y + 0.08, 0.1, 0.08), Tone.INK, weight=0.6, spacing=0.012)
    sk.area(rect(0.2, 0.24, 0.6, 0.18), Tone.BODY, weight=1.3)
    face = sk.circle(0.5, 0.33, 0.085, n=24)
    sk.area(face, Tone.LIGHT, weight=1.2)
    for k in range(12):
        t = k * math.pi / 6
        r0, r1 = 0.07, 0.082
        sk.detail(
            (
                (0.5 + math.cos(t) * r0 / 0.4, 0.33 + math.sin(t) * r0),
                (0.5 + math.cos(t) * r1 / 0.4, 0.33 + math.sin(t) * r1),
            ),
            weight=0.4,
        )
    hour = sk.rng.uniform(0, 2 * math.pi)
    sk.line(
        ((0.5, 0.33), (0.5 + math.cos(hour) * 0.04 / 0.4, 0.33 + math.sin(hour) * 0.04)), weight=1.2
    )
    sk.line(((0.5, 0.33), (0.5, 0.33 - 0.065)), weight=0.9)
    sk.area(rect(0.24, 0.14, 0.52, 0.1), Tone.BODY, weight=1.1)
    for x in (0.3, 0.44, 0.58):
        sk.area(_arch(x, 0.235, 0.1, 0.08), Tone.INK, weight=0.6, spacing=0.012)
    sk.area(
        ((0.2, 0.14), (0.5, 0.02 + sk.jit(0.01)), (0.8, 0.14)), Tone.SHADE, weight=1.3, spacing=0.02
    )
    sk.line(((0.5, 0.03), (0.5, 0.0)), weight=1.0)


def _lattice_tower(sk: _Sketch) -> None:
    top = 0.12 + sk.jit(0.01)
    left_out = bezier((0.03, 0.99), (0.2, 0.75), (0.38, 0.45), (0.45, top), n=14)
    right_out = tuple((1 - x, y) for x, y in left_out)
    inner_l = bezier((0.2, 0.99), (0.3, 0.8), (0.42, 0.5), (0.48, top + 0.1), n=14)
    for side in (1, -1):
        outer = left_out if side == 1 else right_out
        inner = inner_l if side == 1 else tuple((1 - x, y) for x, y in inner_l)
        sk.area((*outer, *reversed(inner)), Tone.BODY, weight=1.2, hatch=False)
        zig = [outer[i] if i % 2 == 0 else inner[i] for i in range(len(outer))]
        sk.detail(zig, weight=0.6)
        zag = [inner[i] if i % 2 == 0 else outer[i] for i in range(len(outer))]
        sk.detail(zag, weight=0.6)
    sk.line(arc(0.5, 0.99, 0.3, 0.2, 0.0, -math.pi, n=14), weight=1.3)
    for y, half in ((0.72, 0.33), (0.45, 0.17)):
        deck = rect(0.5 - half - 0.02, y - 0.02, 2 * half + 0.04, 0.03)
        sk.area(deck, Tone.SHADE, weight=1.1, spacing=0.012, front=True)
    sk.area(rect(0.44, top - 0.03, 0.12, 0.03), Tone.SHADE, weight=1.0, spacing=0.012)
    sk.line(((0.5, top - 0.03), (0.5, 0.01)), weight=1.2)


def _watchtower(sk: _Sketch) -> None:
    body = ((0.22, 0.99), (0.27, 0.24), (0.73, 0.24), (0.78, 0.99))
    sk.area(body, Tone.BODY, weight=1.3)
    sk.shade(((0.6, 0.24), (0.73, 0.24), (0.78, 0.99), (0.64, 0.99)), angle=1.3, spacing=0.02)
    top = _crenel_block(0.17, 0.83, 0.13 + sk.jit(0.01), 0.24, 4, 0.05)
    sk.area(top, Tone.BODY, weight=1.3)
    for k in range(5):
        x = 0.25 + k * 0.12
        sk.line(((x, 0.24), (x + 0.02, 0.27), (x + 0.04, 0.24)), weight=0.6)
    for y in (0.4, 0.58, 0.76):
        sk.detail(
            arc(0.5, y - 0.06, 0.25 + (y - 0.24) * 0.07, 0.06, 0.3, math.pi - 0.3, n=10), weight=0.4
        )
    for y in (0.34, 0.56):
        sk.area(rect(0.47, y, 0.06, 0.08), Tone.INK, weight=0.6, spacing=0.012)
    _door(sk, 0.4, 0.99, 0.2, 0.14, arched=True)
    sk.line(((0.1, 0.99), (0.9, 0.99)), weight=1.0)


# ---------------------------------------------------------------- street


def _street(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: avenue in one-point perspective with lamps / narrow alley with washing /
    avenue with a zebra crossing and traffic light."""
    sk = _Sketch(rng, medium, 1.0)
    if variant == 1:
        _alley(sk)
    else:
        _avenue(sk, crossing=variant == 2)
    return sk.done()


def _facades(
    sk: _Sketch,
    vp: Point,
    side: int,
    base: float,
    cuts: Sequence[float],
    tops: Sequence[float],
    *,
    shaded: bool,
) -> None:
    """Buildings along one side of a street, their rooflines running to the vanishing point.
    ``side`` is 0 for the left edge of the box and 1 for the right."""
    edge = float(side)
    for i in range(len(cuts) - 1):
        ta, tb = cuts[i], cuts[i + 1]
        top_near, bot_near = (edge, tops[i]), (edge, base)

        def at(t: float, v: float, top_near: Point = top_near, bot_near: Point = bot_near) -> Point:
            return _lerp(_lerp(top_near, vp, t), _lerp(bot_near, vp, t), v)

        face = (at(ta, 0), at(tb, 0), at(tb, 1), at(ta, 1))
        tone = Tone.SHADE if shaded else Tone.BODY
        sk.area(face, tone, weight=1.0, hatch=False)
        sk.detail((at(ta, 0.05), at(tb, 0.05)), weight=0.5)
        cols = max(1, round((tb - ta) / 0.1))
        rows = 3 if i < 2 else 2
        for c in range(cols):
            ua = ta + (tb - ta) * (c + 0.25) / cols
            ub = ta + (tb - ta) * (c + 0.7) / cols
            for r in range(rows):
                va = 0.14 + r * 0.6 / rows
                vb = va + 0.32 / rows
                win = (at(ua, va), at(ub, va), at(ub, vb), at(ua, vb))
                lit = sk.rng.random() < 0.3
                sk.area(win, Tone.ACCENT if lit else Tone.LIGHT, weight=0.6, line=not sk.paint)
        if i < 3:
            ua, ub = ta + (tb - ta) * 0.4, ta + (tb - ta) * 0.62
            sk.area(
                (at(ua, 0.82), at(ub, 0.82), at(ub, 1), at(ua, 1)),
                Tone.INK,
                weight=0.6,
                spacing=0.02,
            )


def _lamp_post(sk: _Sketch, foot: Point, height: float) -> None:
    """A street lamp along the kerb, smaller with distance: it sells the perspective."""
    x, y = foot
    top = y - height
    s = height * 0.05
    if sk.paint:
        sk.area(sk.circle(x, top - s, s * 2.4, n=14), Tone.LIGHT, line=False)
    sk.line((foot, (x, top)), weight=max(0.6, height * 3))
    head = ((x - s * 0.6, top), (x - s, top - s * 2), (x + s, top - s * 2), (x + s * 0.6, top))
    sk.area(head, Tone.ACCENT, weight=0.7)
    sk.line(((x - s * 1.3, top - s * 2), (x, top - s * 3), (x + s * 1.3, top - s * 2)), weight=0.7)


def _avenue(sk: _Sketch, *, crossing: bool) -> None:
    """Road, pavements, facades and lamps all running to one vanishing point."""
    vp = (0.5 + sk.jit(0.04), 0.46 + sk.jit(0.03))
    far = 0.86
    sk.area(
        (
            _lerp((0.0, 0.0), vp, far),
            _lerp((1.0, 0.0), vp, far),
            _lerp((1.0, 0.8), vp, far),
            _lerp((0.0, 0.8), vp, far),
        ),
        Tone.SHADE,
        weight=0.6,
        spacing=0.02,
    )
    road = ((0.16, 1.0), _lerp((0.16, 1.0), vp, far), _lerp((0.84, 1.0), vp, far), (0.84, 1.0))
    sk.area(road, Tone.SHADE, weight=1.0, hatch=False)
    for side, curb in ((0, (0.16, 1.0)), (1, (0.84, 1.0))):
        base = (float(side), 0.8)
        walk = (base, _lerp(base, vp, far), _lerp(curb, vp, far), curb, (float(side), 1.0))
        sk.area(walk, Tone.LIGHT, weight=0.8)
        cuts = [0.0, 0.3 + sk.jit(0.03), 0.52, 0.67 + sk.jit(0.02), 0.77, far]
        tops = [sk.rng.uniform(0.0, 0.25) for _ in range(len(cuts) - 1)]
        _facades(sk, vp, side, 0.8, cuts, tops, shaded=side == 0)
    for t0 in (0.0, 0.22, 0.4, 0.54, 0.65, 0.73):
        a, b = _lerp((0.5, 1.0), vp, t0 + 0.04), _lerp((0.5, 1.0), vp, t0 + 0.1)
        sk.line((a, b), weight=max(0.4, 1.2 - t0), tone=Tone.LIGHT if sk.paint else Tone.INK)
    for t in (0.12, 0.5):
        for curb in ((0.1, 0.97), (0.9, 0.97)):
            foot = _lerp(curb, vp, t)
            _lamp_post(sk, foot, 0.55 * (1 - t))
    if crossing:
        for k in range(7):
            s0, s1 = 0.06 + k * 0.13, 0.12 + k * 0.13
            near_a, near_b = (
                _lerp((0.16, 1.0), (0.84, 1.0), s0),
                _lerp((0.16, 1.0), (0.84, 1.0), s1),
            )
            t0, t1 = 0.03, 0.16
            stripe = (
                _lerp(near_a, vp, t0),
                _lerp(near_b, vp, t0),
                _lerp(near_b, vp, t1),
                _lerp(near_a, vp, t1),
            )
            sk.area(stripe, Tone.LIGHT, weight=0.7, hatch=True, angle=math.pi / 2, spacing=0.012)
        _traffic_light(sk, (0.9, 0.99))


def _traffic_light(sk: _Sketch, foot: Point) -> None:
    x, y = foot
    sk.line(((x, y), (x, y - 0.42)), weight=1.4)
    box = rect(x - 0.03, y - 0.56, 0.06, 0.15)
    sk.area(box, Tone.INK, weight=1.0, spacing=0.012)
    for k, tone in enumerate((Tone.LIGHT, Tone.LIGHT, Tone.ACCENT)):
        sk.area(sk.circle(x, y - 0.53 + k * 0.045, 0.016, n=10), tone, weight=0.6)


def _alley(sk: _Sketch) -> None:
    """Tall walls close together, cobbles, washing on a line and a bright far end."""
    vp = (0.5 + sk.jit(0.03), 0.55 + sk.jit(0.03))
    far = 0.82
    sk.area(
        (
            _lerp((0.0, 0.0), vp, far),
            _lerp((1.0, 0.0), vp, far),
            _lerp((1.0, 1.0), vp, far),
            _lerp((0.0, 1.0), vp, far),
        ),
        Tone.LIGHT,
        weight=0.6,
    )
    ground = (
        (0.0, 1.0),
        (0.0, 0.94),
        _lerp((0.0, 0.94), vp, far),
        _lerp((1.0, 0.94), vp, far),
        (1.0, 0.94),
        (1.0, 1.0),
    )
    sk.area(ground, Tone.SHADE, weight=0.8, hatch=False)
    for side in (0, 1):
        cuts = [0.0, 0.35 + sk.jit(0.03), 0.6, far]
        tops = [sk.rng.uniform(-0.05, 0.05) for _ in range(3)]
        _facades(sk, vp, side, 0.94, cuts, tops, shaded=side == 1)
    sk.dots(ground, 45)
    sk.detail(((vp[0], 1.0), _lerp((vp[0], 1.0), vp, far)), weight=0.5)
    a, b = _lerp((0.0, 0.15), vp, 0.3), _lerp((1.0, 0.2), vp, 0.35)
    sag = bezier(a, (a[0] + 0.1, a[1] + 0.12), (b[0] - 0.1, b[1] + 0.12), b, n=16)
    sk.line(sag, weight=0.6)
    for k, tone in ((4, Tone.LIGHT), (7, Tone.ACCENT), (10, Tone.LIGHT)):
        px, py = sag[k]
        shirt = (
            (px - 0.03, py),
            (px + 0.03, py),
            (px + 0.05, py + 0.025),
            (px + 0.03, py + 0.035),
            (px + 0.025, py + 0.08),
            (px - 0.025, py + 0.08),
            (px - 0.03, py + 0.035),
            (px - 0.05, py + 0.025),
        )
        sk.area(shirt, tone, weight=0.6, hatch=False)
    bracket = _lerp((0.0, 0.45), vp, 0.2)
    sk.line((bracket, (bracket[0] + 0.08, bracket[1])), weight=1.0)
    _lamp_post(sk, (bracket[0] + 0.08, bracket[1] + 0.08), 0.08)


# ---------------------------------------------------------------- train


def _train(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: steam locomotive with tender and carriage / high-speed train /
    diesel with two carriages."""
    sk = _Sketch(rng, medium, 3.2)
    sk.line(((0.0, 0.95), (1.0, 0.95)), weight=1.2)
    for k in range(17):
        x = 0.02 + k * 0.06
        sk.detail(((x, 0.95), (x + 0.025, 0.99)), weight=0.5)
    if variant == 1:
        _bullet_train(sk)
    elif variant == 2:
        _diesel_train(sk)
    else:
        _steam_train(sk)
    return sk.done()


def _carriage(
    sk: _Sketch, x0: float, x1: float, top: float, bottom: float, *, rounded: bool
) -> None:
    body = rect(x0, top, x1 - x0, bottom - top)
    sk.area(body, Tone.BODY, weight=1.2)
    if rounded:
        roof = (
            (x0 - 0.005, top),
            *arc((x0 + x1) / 2, top, (x1 - x0) / 2 + 0.005, 0.05, math.pi, 2 * math.pi, n=10)[1:-1],
            (x1 + 0.005, top),
        )
        sk.area(roof, Tone.SHADE, weight=1.0, spacing=0.012)
    n = max(2, int((x1 - x0) / 0.045))
    gap = (x1 - x0) / n
    for k in range(n):
        sk.area(
            rect(x0 + k * gap + gap * 0.2, top + 0.08, gap * 0.6, 0.15),
            Tone.ACCENT if sk.rng.random() < 0.5 else Tone.LIGHT,
            weight=0.6,
        )
    sk.shade(rect(x0, bottom - 0.08, x1 - x0, 0.08), angle=0.0, spacing=0.02)
    for cx in (x0 + 0.04, x0 + 0.07, x1 - 0.07, x1 - 0.04):
        _wheel(sk, cx, bottom + 0.04, 0.05)


def _steam_train(sk: _Sketch) -> None:
    _carriage(sk, 0.02, 0.36, 0.36, 0.82, rounded=True)
    sk.line(((0.36, 0.8), (0.4, 0.8)), weight=1.0)
    tender = rect(0.4, 0.5, 0.12, 0.32)
    sk.area(tender, Tone.BODY, weight=1.2)
    coal = ((0.41, 0.5), (0.44, 0.43), (0.47, 0.45), (0.5, 0.42), (0.51, 0.5))
    sk.area(coal, Tone.INK, weight=0.7, spacing=0.015)
    for cx in (0.43, 0.49):
        _wheel(sk, cx, 0.86, 0.05)
    cab = rect(0.53, 0.3, 0.1, 0.52)
    sk.area(cab, Tone.BODY, weight=1.3)
    sk.area(rect(0.515, 0.26, 0.13, 0.04), Tone.SHADE, weight=1.0, spacing=0.01)
    sk.area(rect(0.555, 0.36, 0.055, 0.14), Tone.ACCENT, weight=0.7)
    boiler = rect(0.63, 0.44, 0.27, 0.28)
    sk.area(boiler, Tone.BODY, weight=1.3)
    sk.shade(rect(0.63, 0.62, 0.27, 0.1), angle=0.0, spacing=0.02)
    sk.area(rect(0.88, 0.44, 0.04, 0.3), Tone.SHADE, weight=1.0, spacing=0.015)
    for x in (0.7, 0.8):
        sk.detail(((x, 0.44), (x, 0.72)), weight=0.5)
    sk.area(
        (
            (0.71, 0.44),
            *arc(0.735, 0.44, 0.025, 0.05, math.pi, 2 * math.pi, n=8)[1:-1],
            (0.76, 0.44),
        ),
        Tone.SHADE,
        weight=0.9,
        spacing=0.01,
    )
    stack = ((0.84, 0.44), (0.835, 0.3), (0.825, 0.25), (0.885, 0.25), (0.875, 0.3), (0.87, 0.44))
    sk.area(stack, Tone.INK, weight=1.1, spacing=0.012)
    _smoke(sk, 0.85, 0.21, drift=-0.04, puffs=3, r=0.045)
    sk.area(((0.9, 0.74), (0.97, 0.9), (0.9, 0.9)), Tone.SHADE, weight=1.0, spacing=0.012)
    sk.area(sk.circle(0.915, 0.52, 0.035, n=10), Tone.ACCENT, weight=0.8)
    sk.area(rect(0.6, 0.72, 0.3, 0.06), Tone.INK, weight=0.8, spacing=0.015)
    xs = (0.66, 0.74, 0.82)
    for cx in xs:
        _wheel(sk, cx, 0.84, 0.1, spokes=3)
    sk.line(((xs[0], 0.86), (xs[-1], 0.86)), weight=1.2)


def _bullet_train(sk: _Sketch) -> None:
    top, bottom = 0.4 + sk.jit(0.02), 0.86
    nose = bezier((0.72, top), (0.88, top), (0.99, 0.7), (0.99, bottom - 0.04), n=14)
    body = ((0.01, bottom), (0.01, top + 0.04), (0.03, top), *nose, (0.98, bottom))
    sk.area(body, Tone.LIGHT, weight=1.4)
    band = ((0.01, 0.68), (0.96, 0.68), (0.985, 0.74), (0.01, 0.74))
    sk.area(band, Tone.BODY, weight=0.8, hatch=True, angle=0.0, spacing=0.015)
    windscreen = (
        (0.8, top + 0.03),
        *bezier((0.8, top + 0.03), (0.86, top + 0.03), (0.9, top + 0.08), (0.92, top + 0.13), n=6)[
            1:
        ],
        (0.8, top + 0.13),
    )
    sk.area(windscreen, Tone.INK, weight=0.8, spacing=0.012)
    for x in (0.3, 0.62):
        sk.detail(((x, top), (x, bottom)), weight=0.6)
    for k in range(20):
        x = 0.04 + k * 0.036
        if abs(x - 0.3) < 0.02 or abs(x - 0.62) < 0.02 or x > 0.76:
            continue
        sk.area(rect(x, top + 0.08, 0.022, 0.09), Tone.SHADE, weight=0.5, spacing=0.01)
    sk.area(rect(0.02, bottom, 0.94, 0.04), Tone.INK, line=False, spacing=0.015)
    for cx in (0.08, 0.16, 0.46, 0.54, 0.82, 0.88):
        _wheel(sk, cx, bottom + 0.04, 0.04)


def _diesel_train(sk: _Sketch) -> None:
    _carriage(sk, 0.02, 0.32, 0.4, 0.84, rounded=True)
    _carriage(sk, 0.34, 0.64, 0.4, 0.84, rounded=True)
    for x in (0.32, 0.64):
        sk.line(((x, 0.78), (x + 0.02, 0.78)), weight=1.0)
    loco = ((0.66, 0.84), (0.66, 0.34), (0.9, 0.34), (0.97, 0.5), (0.97, 0.84))
    sk.area(loco, Tone.BODY, weight=1.4)
    sk.area(((0.9, 0.38), (0.95, 0.5), (0.86, 0.5), (0.86, 0.38)), Tone.LIGHT, weight=0.8)
    band = rect(0.66, 0.62, 0.31, 0.05)
    sk.area(band, Tone.ACCENT, weight=0.7)
    for x in (0.7, 0.76):
        sk.area(rect(x, 0.42, 0.04, 0.12), Tone.SHADE, weight=0.6, spacing=0.01)
    sk.area(sk.circle(0.95, 0.74, 0.025, n=10), Tone.ACCENT, weight=0.7)
    sk.line(((0.7, 0.34), (0.72, 0.26), (0.76, 0.3), (0.78, 0.22)), weight=0.8)
    for cx in (0.7, 0.75, 0.88, 0.93):
        _wheel(sk, cx, 0.88, 0.05)


# ---------------------------------------------------------------- church


def _church(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: village church with spire / chapel with bell-cote and rose window /
    twin-towered cathedral."""
    sk = _Sketch(rng, medium, 0.9)
    if variant == 1:
        _chapel(sk)
    elif variant == 2:
        _cathedral(sk)
    else:
        _village_church(sk)
    return sk.done()


def _cross(sk: _Sketch, x: float, top: float, size: float) -> None:
    sk.line(((x, top), (x, top + size)), weight=1.3)
    sk.line(((x - size * 0.35, top + size * 0.3), (x + size * 0.35, top + size * 0.3)), weight=1.3)


def _village_church(sk: _Sketch) -> None:
    nave_top = 0.56 + sk.jit(0.02)
    roof = ((0.34, nave_top), (0.38, 0.4), (0.92, 0.4), (0.97, nave_top))
    sk.area(roof, Tone.SHADE, weight=1.3, angle=0.4, spacing=0.025)
    sk.area(rect(0.36, nave_top, 0.58, 0.99 - nave_top), Tone.BODY, weight=1.3)
    for x in (0.46, 0.62, 0.78):
        sk.area(_lancet(x, 0.88, 0.07, 0.2), Tone.ACCENT, weight=0.8)
    tower = rect(0.12, 0.34, 0.24, 0.65)
    sk.area(tower, Tone.BODY, weight=1.3, front=True)
    sk.shade(rect(0.29, 0.34, 0.07, 0.65), angle=1.3, spacing=0.02)
    spire = ((0.1, 0.34), (0.24, 0.1 + sk.jit(0.02)), (0.38, 0.34))
    sk.area(spire, Tone.SHADE, weight=1.3, angle=1.3, spacing=0.022)
    _cross(sk, 0.24, 0.0, 0.1)
    sk.area(_lancet(0.2, 0.48, 0.08, 0.09), Tone.INK, weight=0.7, spacing=0.012)
    sk.area(sk.circle(0.24, 0.58, 0.035, n=14), Tone.LIGHT, weight=0.8)
    _door(sk, 0.19, 0.99, 0.1, 0.2, arched=True)


def _chapel(sk: _Sketch) -> None:
    apex = 0.22 + sk.jit(0.02)
    front = ((0.18, 0.99), (0.18, 0.48), (0.5, apex), (0.82, 0.48), (0.82, 0.99))
    sk.area(front, Tone.BODY, weight=1.4)
    sk.line(((0.14, 0.5), (0.5, apex - 0.03), (0.86, 0.5)), weight=1.2)
    cote = ((0.44, apex + 0.01), (0.44, apex - 0.09), (0.56, apex - 0.09), (0.56, apex + 0.01))
    sk.area(cote, Tone.BODY, weight=1.1)
    sk.area(_arch(0.465, apex, 0.07, 0.075), Tone.INK, weight=0.7, spacing=0.012)
    sk.area(
        ((0.43, apex - 0.09), (0.5, apex - 0.14), (0.57, apex - 0.09)),
        Tone.SHADE,
        weight=1.0,
        spacing=0.012,
    )
    sk.area(((0.48, apex - 0.01), (0.5, apex - 0.05), (0.52, apex - 0.01)), Tone.ACCENT, weight=0.6)
    _cross(sk, 0.5, apex - 0.23, 0.09)
    rose = sk.circle(0.5, 0.46, 0.07, n=20)
    sk.area(rose, Tone.ACCENT, weight=1.0)
    for k in range(4):
        t = k * math.pi / 4
        dx, dy = math.cos(t) * 0.07 / 0.9, math.sin(t) * 0.07
        sk.detail(((0.5 - dx, 0.46 - dy), (0.5 + dx, 0.46 + dy)), weight=0.5)
    for x in (0.26, 0.66):
        sk.area(_lancet(x, 0.8, 0.08, 0.18), Tone.ACCENT, weight=0.8)
    _door(sk, 0.43, 0.99, 0.14, 0.24, arched=True)
    sk.shade(((0.74, 0.52), (0.82, 0.48), (0.82, 0.99), (0.74, 0.99)), angle=1.3, spacing=0.025)


def _cathedral(sk: _Sketch) -> None:
    centre = ((0.28, 0.99), (0.28, 0.36), (0.5, 0.2 + sk.jit(0.02)), (0.72, 0.36), (0.72, 0.99))
    sk.area(centre, Tone.BODY, weight=1.3)
    for x0 in (0.06, 0.72):
        tower = rect(x0, 0.2, 0.22, 0.79)
        sk.area(tower, Tone.BODY, weight=1.3)
        if x0 > 0.5:
            sk.shade(rect(x0 + 0.15, 0.2, 0.07, 0.79), angle=1.3, spacing=0.02)
        spire = ((x0 - 0.01, 0.2), (x0 + 0.11, 0.02 + sk.jit(0.01)), (x0 + 0.23, 0.2))
        sk.area(spire, Tone.SHADE, weight=1.2, angle=1.3, spacing=0.02)
        for y in (0.42, 0.66):
            sk.area(_lancet(x0 + 0.07, y, 0.08, 0.14), Tone.INK, weight=0.7, spacing=0.012)
        sk.detail(((x0, 0.72), (x0 + 0.22, 0.72)), weight=0.5)
    rose = sk.circle(0.5, 0.45, 0.09, n=24)
    sk.area(rose, Tone.ACCENT, weight=1.1)
    sk.detail(sk.circle(0.5, 0.45, 0.04, n=12), closed=True, weight=0.5)
    for k in range(8):
        t = k * math.pi / 4
        sk.detail(
            (
                (0.5 + math.cos(t) * 0.04 / 0.9, 0.45 + math.sin(t) * 0.04),
                (0.5 + math.cos(t) * 0.09 / 0.9, 0.45 + math.sin(t) * 0.09),
            ),
            weight=0.5,
        )
    sk.area(_lancet(0.41, 0.99, 0.18, 0.3), Tone.SHADE, weight=1.1, spacing=0.02)
    sk.area(_lancet(0.45, 0.99, 0.1, 0.22), Tone.INK, weight=0.8, spacing=0.012)
    _cross(sk, 0.5, 0.1, 0.08)


# ---------------------------------------------------------------- car


def _car(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: saloon / rounded beetle / estate with a roof rack."""
    sk = _Sketch(rng, medium, 2.3)
    if variant == 1:
        _beetle(sk)
    elif variant == 2:
        _hatchback(sk)
    else:
        _sedan(sk)
    return sk.done(lower=0.05)  # tyres on the bottom of the box: the car stands on the road


def _arched_sill(
    sk: _Sketch, wheels: Sequence[float], y: float, r: float, x0: float, x1: float
) -> list[Point]:
    """The car's lower edge from front (right) to back, lifting over each wheel."""
    pts: list[Point] = [(x1, y)]
    rx = (r + 0.03) / sk.aspect
    for cx in sorted(wheels, reverse=True):
        pts += [(cx + rx, y), *arc(cx, y + 0.02, rx, r + 0.05, 0.0, -math.pi, n=10), (cx - rx, y)]
    pts.append((x0, y))
    return pts


def _car_parts(
    sk: _Sketch,
    wheels: Sequence[float],
    cy: float,
    r: float,
    front: float,
    back: float,
    light_y: float,
) -> None:
    sk.area(sk.circle(front - 0.025, light_y, 0.03, n=10), Tone.ACCENT, weight=0.7)
    sk.area(rect(back, light_y - 0.02, 0.025, 0.05), Tone.ACCENT, weight=0.6)
    for cx in wheels:
        _wheel(sk, cx, cy, r, spokes=2)


def _sedan(sk: _Sketch) -> None:
    wheels, cy, r = (0.21, 0.79), 0.78, 0.16
    roof = 0.22 + sk.jit(0.02)
    upper = [
        (0.02, 0.56),
        (0.05, 0.47),
        (0.27, 0.44),
        (0.36, roof + 0.02),
        (0.42, roof),
        (0.64, roof),
        (0.71, roof + 0.03),
        (0.78, 0.44),
        (0.95, 0.47),
        (0.98, 0.58),
    ]
    body = (
        *upper,
        (0.98, 0.76),
        *_arched_sill(sk, wheels, 0.76, r, 0.02, 0.98)[1:-1],
        (0.02, 0.76),
    )
    sk.area(body, Tone.BODY, weight=1.4, hatch=False)
    sk.shade(_below(body, 0.66), angle=0.0, spacing=0.025)
    rear_win = ((0.3, 0.44), (0.38, 0.27), (0.5, 0.27), (0.5, 0.44))
    front_win = ((0.53, 0.44), (0.53, 0.27), (0.64, 0.27), (0.72, 0.44))
    for win in (rear_win, front_win):
        sk.area(win, Tone.LIGHT, weight=0.9)
    sk.detail(((0.515, 0.44), (0.515, 0.72)), weight=0.6)
    sk.detail(((0.3, 0.44), (0.3, 0.7)), weight=0.5)
    sk.detail(((0.73, 0.44), (0.73, 0.7)), weight=0.5)
    for x in (0.42, 0.62):
        sk.detail(((x, 0.5), (x + 0.04, 0.5)), weight=0.9)
    sk.line(((0.02, 0.6), (0.98, 0.6)), weight=0.4)
    _car_parts(sk, wheels, cy, r, 0.98, 0.02, 0.52)


def _beetle(sk: _Sketch) -> None:
    wheels, cy, r = (0.24, 0.76), 0.78, 0.15
    dome = smooth(
        [
            (0.04, 0.7),
            (0.06, 0.5),
            (0.2, 0.3),
            (0.45, 0.16 + sk.jit(0.02)),
            (0.66, 0.22),
            (0.8, 0.42),
            (0.96, 0.52),
            (0.97, 0.7),
        ],
        n=6,
    )
    body = (*dome, *_arched_sill(sk, wheels, 0.74, r, 0.04, 0.97)[1:-1])
    sk.area(body, Tone.BODY, weight=1.4, hatch=False)
    for cx in wheels:
        fender = arc(
            cx, 0.76, (r + 0.06) / sk.aspect, r + 0.1, math.pi * 1.05, math.pi * 1.95, n=10
        )
        sk.line(fender, weight=0.9)
    window = smooth([(0.3, 0.45), (0.33, 0.32), (0.46, 0.24), (0.6, 0.28), (0.7, 0.45)], n=5)
    sk.area(window, Tone.LIGHT, weight=0.9)
    sk.detail(((0.52, 0.25), (0.52, 0.45)), weight=0.7)
    sk.detail(((0.52, 0.45), (0.52, 0.7)), weight=0.6)
    sk.detail(((0.6, 0.53), (0.64, 0.53)), weight=0.9)
    sk.shade(_below(body, 0.62), angle=0.0, spacing=0.025)
    sk.line(((0.01, 0.72), (0.08, 0.72)), weight=1.1)
    sk.line(((0.92, 0.72), (0.99, 0.72)), weight=1.1)
    _car_parts(sk, wheels, cy, r, 0.96, 0.05, 0.5)


def _hatchback(sk: _Sketch) -> None:
    wheels, cy, r = (0.2, 0.78), 0.78, 0.16
    roof = 0.2 + sk.jit(0.02)
    upper = [
        (0.03, 0.7),
        (0.03, 0.4),
        (0.06, roof + 0.03),
        (0.1, roof),
        (0.56, roof),
        (0.7, 0.42),
        (0.93, 0.47),
        (0.97, 0.56),
        (0.97, 0.7),
    ]
    body = (*upper, *_arched_sill(sk, wheels, 0.74, r, 0.03, 0.97)[1:-1])
    sk.area(body, Tone.BODY, weight=1.4, hatch=False)
    sk.area(
        ((0.06, 0.25), (0.1, roof + 0.04), (0.3, roof + 0.04), (0.3, 0.44), (0.05, 0.44)),
        Tone.LIGHT,
        weight=0.9,
    )
    sk.area(
        ((0.33, roof + 0.04), (0.54, roof + 0.04), (0.66, 0.44), (0.33, 0.44)),
        Tone.LIGHT,
        weight=0.9,
    )
    sk.detail(((0.315, 0.44), (0.315, 0.72)), weight=0.6)
    sk.detail(((0.67, 0.44), (0.67, 0.7)), weight=0.5)
    sk.detail(((0.56, 0.5), (0.6, 0.5)), weight=0.9)
    sk.line(((0.12, roof - 0.03), (0.52, roof - 0.03)), weight=0.8)
    for x in (0.16, 0.46):
        sk.detail(((x, roof - 0.03), (x, roof)), weight=0.6)
    sk.shade(_below(body, 0.64), angle=0.0, spacing=0.025)
    _car_parts(sk, wheels, cy, r, 0.97, 0.03, 0.53)


# ---------------------------------------------------------------- lamppost


def _lamppost(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: lantern on a post / shepherd's-crook lamp / two globes on curved arms."""
    sk = _Sketch(rng, medium, 0.3)
    if variant == 1:
        _crook_lamp(sk)
    elif variant == 2:
        _twin_lamp(sk)
    else:
        _lantern_lamp(sk)
    return sk.done()


def _glow(sk: _Sketch, cx: float, cy: float, r: float) -> None:
    """Lamplight: a soft halo in paint, short rays on paper."""
    if sk.paint:
        sk.area(sk.circle(cx, cy, r, n=18), Tone.LIGHT, line=False)
        return
    for k in range(8):
        t = k * math.pi / 4 + 0.2
        a = (cx + math.cos(t) * r * 0.7 / sk.aspect, cy + math.sin(t) * r * 0.7)
        b = (cx + math.cos(t) * r / sk.aspect, cy + math.sin(t) * r)
        sk.detail((a, b), weight=0.5)


def _post(sk: _Sketch, x: float, top: float) -> None:
    """The column: a flared foot, a tapering shaft and two collars."""
    sk.area(
        ((x - 0.04, 0.88), (x - 0.025, top), (x + 0.025, top), (x + 0.04, 0.88)),
        Tone.BODY,
        weight=1.2,
        hatch=True,
        angle=math.pi / 2,
        spacing=0.03,
    )
    foot = ((x - 0.18, 0.99), (x - 0.12, 0.88), (x + 0.12, 0.88), (x + 0.18, 0.99))
    sk.area(foot, Tone.BODY, weight=1.3, hatch=True, angle=1.2, spacing=0.02)
    for y in (0.8, 0.6):
        sk.area(rect(x - 0.09, y, 0.18, 0.02), Tone.BODY, weight=0.8)


def _lantern_lamp(sk: _Sketch) -> None:
    _glow(sk, 0.5, 0.15, 0.13)
    _post(sk, 0.5, 0.24)
    sk.line(((0.22, 0.28), (0.78, 0.28)), weight=1.1)
    glass = ((0.36, 0.24), (0.28, 0.08), (0.72, 0.08), (0.64, 0.24))
    sk.area(glass, Tone.ACCENT, weight=1.2)
    sk.detail(((0.5, 0.08), (0.5, 0.24)), weight=0.6)
    sk.area(rect(0.34, 0.24, 0.32, 0.02), Tone.BODY, weight=0.9)
    cap = ((0.22, 0.08), (0.5, 0.03 + sk.jit(0.005)), (0.78, 0.08))
    sk.area(cap, Tone.BODY, weight=1.2, hatch=True, angle=1.3, spacing=0.01)
    sk.line(((0.5, 0.03), (0.5, 0.005)), weight=1.0)


def _crook_lamp(sk: _Sketch) -> None:
    x = 0.3
    _glow(sk, 0.74, 0.3, 0.075)
    _post(sk, x, 0.18)
    hook = arc(0.52, 0.18, 0.22, 0.1, math.pi, 2 * math.pi, n=14)
    sk.line(hook, weight=1.6)
    sk.line(((0.74, 0.18), (0.74, 0.22)), weight=1.0)
    shade = ((0.6, 0.28), (0.68, 0.22), (0.8, 0.22), (0.88, 0.28))
    sk.area(shade, Tone.BODY, weight=1.2, hatch=True, angle=1.2, spacing=0.012)
    sk.area(ellipse(0.74, 0.3, 0.1, 0.025, n=14), Tone.ACCENT, weight=0.9)


def _twin_lamp(sk: _Sketch) -> None:
    for gx in (0.17, 0.83):
        _glow(sk, gx, 0.2, 0.09)
    _post(sk, 0.5, 0.24)
    for gx, sign in ((0.17, -1), (0.83, 1)):
        sk.line(
            bezier((0.5, 0.36), (0.5 + sign * 0.2, 0.36), (gx, 0.34), (gx, 0.26), n=10), weight=1.4
        )
        sk.area(sk.circle(gx, 0.2, 0.045, n=16), Tone.ACCENT, weight=1.1)
        sk.area(rect(gx - 0.08, 0.24, 0.16, 0.02), Tone.BODY, weight=0.9)
    sk.area(
        ((0.44, 0.24), (0.5, 0.12 + sk.jit(0.01)), (0.56, 0.24)),
        Tone.BODY,
        weight=1.1,
        hatch=True,
        angle=1.3,
        spacing=0.02,
    )
    sk.area(sk.circle(0.5, 0.11, 0.012, n=8), Tone.BODY, weight=0.8)


# ---------------------------------------------------------------- fence


def _fence(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """Variants: picket fence / post-and-rail fence / iron railing on a plinth."""
    sk = _Sketch(rng, medium, 4.0)
    if variant == 1:
        _rail_fence(sk)
    elif variant == 2:
        _iron_railing(sk)
    else:
        _picket_fence(sk)
    return sk.done()


def _picket_fence(sk: _Sketch) -> None:
    n = 13 + sk.rng.randrange(3)
    pitch = 0.98 / n
    w = pitch * 0.62
    edges: list[tuple[float, float]] = []
    for k in range(n):
        x = 0.01 + k * pitch + sk.jit(0.002)
        top = 0.12 + sk.jit(0.02)
        picket = ((x, 0.98), (x, top + 0.1), (x + w / 2, top), (x + w, top + 0.1), (x + w, 0.98))
        sk.area(picket, Tone.BODY, weight=1.1)
        if sk.paint:
            side = (
                (x + w * 0.7, top + 0.08),
                (x + w, top + 0.1),
                (x + w, 0.98),
                (x + w * 0.7, 0.98),
            )
            sk.shade(side)
        edges.append((x, x + w))
    for y in (0.35, 0.72):
        for (_a, b), (c, _d) in itertools.pairwise(edges):
            gap = rect(b, y, c - b, 0.08)
            sk.area(gap, Tone.SHADE, weight=0.8, hatch=False)
    _grass(sk)


def _grass(sk: _Sketch) -> None:
    for k in range(9):
        x = 0.03 + k * 0.11 + sk.jit(0.02)
        tuft = ((x, 0.99), (x + 0.008, 0.9), (x + 0.012, 0.99), (x + 0.02, 0.92), (x + 0.022, 0.99))
        sk.detail(tuft, weight=0.6)


def _rail_fence(sk: _Sketch) -> None:
    posts = [0.02 + k * 0.19 for k in range(6)]
    w = 0.025
    for y in (0.3, 0.58):
        for a, b in itertools.pairwise(posts):
            sag = 0.01 + sk.jit(0.005)
            top = bezier(
                (a + w, y), ((2 * a + b) / 3, y + sag), ((a + 2 * b) / 3, y + sag), (b, y), n=8
            )
            bottom = tuple((x, yy + 0.1) for x, yy in reversed(top))
            sk.area((*top, *bottom), Tone.BODY, weight=1.1, hatch=False)
            sk.shade((*((x, yy + 0.07) for x, yy in top), *bottom), angle=0.0, spacing=0.02)
            sk.detail(((a + 0.05, y + 0.04), (a + 0.09, y + 0.045)), weight=0.4)
    for x in posts:
        peak = 0.16 + sk.jit(0.02)
        post = ((x, 0.98), (x, peak + 0.03), (x + w / 2, peak), (x + w, peak + 0.03), (x + w, 0.98))
        sk.area(post, Tone.BODY, weight=1.3, hatch=True, angle=math.pi / 2, spacing=0.008)
    _grass(sk)


def _iron_railing(sk: _Sketch) -> None:
    plinth = rect(0.0, 0.86, 1.0, 0.13)
    sk.area(plinth, Tone.SHADE, weight=1.2, angle=0.0, spacing=0.04)
    for x in (0.2, 0.4, 0.6, 0.8):
        sk.detail(((x, 0.86), (x, 0.99)), weight=0.4)
    tone = Tone.BODY if sk.paint else Tone.INK
    sk.line(((0.0, 0.3), (1.0, 0.3)), weight=1.3, tone=tone)
    sk.line(((0.0, 0.78), (1.0, 0.78)), weight=1.3, tone=tone)
    n = 28
    for k in range(n):
        x = 0.015 + k * (0.97 / (n - 1))
        if k % 9 == 0:
            sk.area(
                rect(x - 0.008, 0.22, 0.016, 0.64),
                Tone.BODY,
                weight=1.1,
                hatch=True,
                angle=math.pi / 2,
                spacing=0.005,
            )
            sk.area(sk.circle(x, 0.17, 0.05, n=10), Tone.BODY, weight=1.0)
            continue
        sk.line(((x, 0.86), (x, 0.2)), weight=1.0, tone=tone)
        sk.area(
            ((x, 0.1 + sk.jit(0.005)), (x + 0.006, 0.2), (x, 0.23), (x - 0.006, 0.2)),
            Tone.BODY,
            weight=0.8,
        )


# ---------------------------------------------------------------- window


def _window(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
    """A frame around the whole canvas: the scene shows through the middle, a sill below.
    Variants: casement with a transom / arched with tied curtains / sash with shutters."""
    sk = _Sketch(rng, medium, 1.0)
    if variant == 1:
        _arched_window(sk)
    elif variant == 2:
        _shuttered_window(sk)
    else:
        _casement(sk)
    _sill(sk)
    return sk.done()


def _frame(sk: _Sketch, outer: Poly, inner: Poly) -> None:
    """A frame band between two rectangles, as four strips (one closed area each)."""
    (ox0, oy0), (ox1, oy1) = outer[0], outer[2]
    (ix0, iy0), (ix1, iy1) = inner[0], inner[2]
    strips = (
        ((ox0, oy0), (ox1, oy0), (ix1, iy0), (ix0, iy0)),
        ((ox1, oy0), (ox1, oy1), (ix1, iy1), (ix1, iy0)),
        ((ox0, oy1), (ix0, iy1), (ix1, iy1), (ox1, oy1)),
        ((ox0, oy0), (ix0, iy0), (ix0, iy1), (ox0, oy1)),
    )
    for i, strip in enumerate(strips):
        sk.area(
            strip,
            Tone.BODY if i % 2 == 0 else Tone.SHADE,
            line=False,
            spacing=0.02,
            angle=1.0 if i == 1 else -1.0,
        )
    sk.outline(outer, weight=1.3)
    sk.outline(inner, weight=1.1)


def _bar(sk: _Sketch, a: Point, b: Point, width: float) -> None:
    """A thin glazing bar from ``a`` to ``b`` (horizontal or vertical)."""
    if abs(a[0] - b[0]) < 1e-9:
        poly = rect(a[0] - width / 2, a[1], width, b[1] - a[1])
    else:
        poly = rect(a[0], a[1] - width / 2, b[0] - a[0], width)
    sk.area(poly, Tone.BODY, weight=0.7, hatch=False)


def _sill(sk: _Sketch) -> None:
    wall = rect(0.0, 0.89, 1.0, 0.11)
    sk.area(wall, Tone.SHADE, weight=0.8, angle=0.3, spacing=0.025)
    ledge = rect(0.0, 0.85, 1.0, 0.04)
    sk.area(ledge, Tone.LIGHT, weight=1.3)
    sk.line(((0.0, 0.855), (1.0, 0.855)), weight=0.6)


def _casement(sk: _Sketch) -> None:
    outer, inner = rect(0.0, 0.0, 1.0, 0.85), rect(0.07, 0.07, 0.86, 0.78)
    _frame(sk, outer, inner)
    transom = 0.27 + sk.jit(0.01)
    _bar(sk, (0.07, transom), (0.93, transom), 0.025)
    for x in (0.35, 0.65):
        _bar(sk, (x, 0.07), (x, transom), 0.012)
    _bar(sk, (0.5, transom), (0.5, 0.85), 0.014)
    sk.detail(((0.47, 0.55), (0.47, 0.6)), weight=1.0)
    sk.detail(((0.53, 0.55), (0.53, 0.6)), weight=1.0)
    _glass_glints(sk, ((0.12, 0.4), (0.58, 0.36)))


def _glass_glints(sk: _Sketch, at: Sequence[Point]) -> None:
    for x, y in at:
        sk.glow_line(((x, y + 0.06), (x + 0.05, y)), weight=0.6)
        sk.glow_line(((x + 0.02, y + 0.08), (x + 0.07, y + 0.02)), weight=0.5)


def _arched_window(sk: _Sketch) -> None:
    outer = rect(0.0, 0.0, 1.0, 0.85)
    inner_arch = _arch(0.09, 0.85, 0.82, 0.78, rise=0.3, n=24)
    corners = (
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 0.85),
        (0.91, 0.85),
        *reversed(inner_arch[1:-1]),
        (0.09, 0.85),
        (0.0, 0.85),
    )
    sk.area(corners, Tone.BODY, weight=1.3, hatch=True, angle=0.9, spacing=0.03)
    sk.outline(outer, weight=1.3)
    _bar(sk, (0.5, 0.07), (0.5, 0.85), 0.012)
    _bar(sk, (0.09, 0.37), (0.91, 0.37), 0.012)
    for side in (0, 1):
        x0 = 0.09 if side == 0 else 0.91
        sign = 1 if side == 0 else -1
        tie = (x0 + sign * 0.035, 0.6)
        upper = bezier((x0 + sign * 0.13, 0.38), (x0 + sign * 0.1, 0.5), tie, tie, n=8)
        lower = bezier(
            tie, (x0 + sign * 0.05, 0.7), (x0 + sign * 0.1, 0.78), (x0 + sign * 0.1, 0.85), n=8
        )
        curtain = ((x0, 0.38), *upper, *lower[1:], (x0, 0.85))
        sk.area(curtain, Tone.ACCENT, weight=1.0, front=True)
        for f in (0.35, 0.7):
            sk.detail(((x0 + sign * 0.13 * f, 0.39), (x0 + sign * 0.03 * f, 0.59)), weight=0.5)
            sk.detail(((x0 + sign * 0.03 * f, 0.61), (x0 + sign * 0.09 * f, 0.84)), weight=0.5)
        sk.line(((x0, 0.58), tie, (x0, 0.62)), weight=1.0)
    _glass_glints(sk, ((0.6, 0.45),))


def _shuttered_window(sk: _Sketch) -> None:
    for x0 in (0.0, 0.85):
        shutter = rect(x0, 0.02, 0.15, 0.83)
        sk.area(shutter, Tone.BODY, weight=1.2, hatch=False)
        for k in range(1, 12):
            y = 0.02 + k * 0.83 / 12
            sk.detail(((x0 + 0.015, y), (x0 + 0.135, y + 0.015)), weight=0.5)
        sk.shade(rect(x0, 0.02, 0.02, 0.83), angle=0.0, spacing=0.02)
    outer, inner = rect(0.15, 0.02, 0.7, 0.83), rect(0.2, 0.07, 0.6, 0.78)
    _frame(sk, outer, inner)
    meet = 0.46 + sk.jit(0.01)
    _bar(sk, (0.2, meet), (0.8, meet), 0.018)
    _bar(sk, (0.5, 0.07), (0.5, 0.85), 0.012)


# ---------------------------------------------------------------- registry


def _spec(
    name: str, placement: Placement, aspect: float, body: str, draw: DrawFn, size: float
) -> SubjectSpec:
    return SubjectSpec(name, Category.BUILT, placement, aspect, body, draw, variants=3, size=size)


SUBJECTS: tuple[SubjectSpec, ...] = (
    _spec("lighthouse", Placement.HORIZON, 0.5, "#ff6b6b", _lighthouse, 0.6),
    _spec("house", Placement.HORIZON, 1.2, "#ffd93d", _house, 0.4),
    _spec("skyline", Placement.FILL, 2.5, "#9ca3af", _skyline, 0.45),
    _spec("bridge", Placement.HORIZON, 3.0, "#b45309", _bridge, 0.3),
    _spec("boat", Placement.WATER, 2.0, "#ff6b6b", _boat, 0.2),
    _spec("sailboat", Placement.WATER, 0.9, "#3b82f6", _sailboat, 0.35),
    _spec("castle", Placement.HORIZON, 1.4, "#9ca3af", _castle, 0.45),
    _spec("windmill", Placement.HORIZON, 0.8, "#8b5a2b", _windmill, 0.5),
    _spec("tower", Placement.HORIZON, 0.4, "#9ca3af", _tower, 0.6),
    _spec("street", Placement.FILL, 1.0, "#b45309", _street, 1.0),
    _spec("train", Placement.GROUND, 3.2, "#3b82f6", _train, 0.22),
    _spec("church", Placement.HORIZON, 0.9, "#ffffff", _church, 0.45),
    _spec("car", Placement.GROUND, 2.3, "#ff6b6b", _car, 0.15),
    _spec("lamppost", Placement.GROUND, 0.3, "#1a1a2e", _lamppost, 0.5),
    _spec("fence", Placement.GROUND, 4.0, "#8b5a2b", _fence, 0.15),
    _spec("window", Placement.FILL, 1.0, "#ffffff", _window, 1.0),
)
