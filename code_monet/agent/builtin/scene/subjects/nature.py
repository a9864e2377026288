"""Subjects: nature — trees, water, sky and ground, drawn so a viewer can name them at a glance.

Each subject draws a strong silhouette first, then the details that identify it (bark,
petals, craters, crests), then tone in the medium's own language: hatching or stippling for
the plotter, washes (body, shade, light) for paint. Variation comes only from the seeded rng.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

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
    transform,
    wash,
)

TAU = 2 * math.pi
SPARSE_BELOW = 0.35  # subjects drawn smaller than this (canvas share) hatch more sparsely

# ---------------------------------------------------------------- the sheet


@dataclass
class _Sheet:
    """One drawing in progress. Within a part, washes lie under lines and lines under
    hatching. Parts are drawn front to back: ``covers`` closes a part and hides whatever is
    drawn after it behind its silhouette, and the parts come out back to front."""

    rng: random.Random
    medium: Medium
    width: float = 1.0  # drawing x runs 0…width so circles stay round in a wide box
    sparse: float = 1.0  # small subjects space their hatching wider so it stays lines, not ink
    washes: list[Mark] = field(default_factory=list)
    lines: list[Mark] = field(default_factory=list)
    tones: list[Mark] = field(default_factory=list)
    parts: list[list[Mark]] = field(default_factory=list)
    mask: list[_Shape] = field(default_factory=list)

    @property
    def paint(self) -> bool:
        return self.medium is Medium.PAINT

    def fill(self, poly: Sequence[Point], tone: Tone = Tone.BODY) -> None:
        """A paint-only wash: the plotter lets the outline carry the area."""
        if self.paint and len(poly) >= 3:
            self.washes.append(wash(poly, tone=tone))

    def shade(
        self,
        poly: Sequence[Point],
        *,
        tone: Tone = Tone.SHADE,
        angle: float = 0.8,
        spacing: float = 0.03,
        dots: int = 0,
        avoid: Sequence[Poly] = (),
    ) -> None:
        """Tone an area: a wash in paint, hatching (or ``dots`` stipples) on the plotter;
        plotter tone leaves the ``avoid`` areas (snow, highlights) bare."""
        if len(poly) < 3:
            return
        if self.paint:
            self.washes.append(wash(poly, tone=tone))
        elif dots:
            for m in stipple_marks(poly, self.rng, round(dots / self.sparse), tone=tone):
                if not self._hidden(m.points[0], avoid):
                    self.tones.append(m)
        else:
            for m in hatch_marks(poly, angle=angle, spacing=spacing * self.sparse, tone=tone):
                pieces = self._clip(m.points, False, avoid)
                self.tones.extend(replace(m, points=p) for p in pieces)

    def hatch(
        self, poly: Sequence[Point], *, angle: float, spacing: float, tone: Tone = Tone.SHADE
    ) -> None:
        """Plotter-only hatching, for areas paint already toned with a wash."""
        if not self.paint and len(poly) >= 3:
            self.shade(poly, angle=angle, spacing=spacing, tone=tone)

    def line(
        self,
        pts: Sequence[Point],
        *,
        closed: bool = False,
        tone: Tone = Tone.INK,
        weight: float = 1.0,
    ) -> None:
        if not self._masks():
            self.lines.append(contour(pts, closed=closed, tone=tone, weight=weight))
            return
        for piece in self._clip(pts, closed):
            self.lines.append(contour(piece, tone=tone, weight=weight))

    def detail(
        self,
        pts: Sequence[Point],
        *,
        closed: bool = False,
        tone: Tone = Tone.INK,
        weight: float = 0.7,
    ) -> None:
        if not self._masks():
            self.lines.append(detail(pts, closed=closed, tone=tone, weight=weight))
            return
        for piece in self._clip(pts, closed):
            self.lines.append(detail(piece, tone=tone, weight=weight))

    def dot(self, p: Point, *, tone: Tone = Tone.INK, weight: float = 1.0) -> None:
        if not self._hidden(p):
            end = (p[0] + 0.002, p[1] + 0.002)
            self.tones.append(Mark((p, end), MarkKind.STIPPLE, tone, False, weight))

    def covers(self, *silhouettes: Sequence[Point]) -> None:
        """Close the part just drawn; its silhouettes hide everything drawn after it."""
        self.parts.append([*self.washes, *self.lines, *self.tones])
        self.washes, self.lines, self.tones = [], [], []
        self.mask.extend(_Shape.of(p) for p in silhouettes if len(p) >= 3)

    def marks(self) -> list[Mark]:
        parts = [*self.parts, [*self.washes, *self.lines, *self.tones]]
        return [_clamped(m, self.width) for part in reversed(parts) for m in part]

    def _masks(self, avoid: Sequence[Poly] = ()) -> list[_Shape]:
        """What hides new marks. Paint needs it too: the painter lays every wash before any
        line, and its washes are translucent, so a line behind a part must be cut away."""
        return [*self.mask, *(_Shape.of(p) for p in avoid if len(p) >= 3)]

    def _hidden(self, p: Point, avoid: Sequence[Poly] = ()) -> bool:
        return any(m.covers(p) for m in self._masks(avoid))

    def _clip(self, pts: Sequence[Point], closed: bool, avoid: Sequence[Poly] = ()) -> list[Poly]:
        """The visible pieces of a line once the parts in front have hidden theirs."""
        masks = self._masks(avoid)
        if len(pts) < 2:
            return []
        if not masks:
            return [tuple(pts)]

        def seen(p: Point) -> bool:
            return not any(m.covers(p) for m in masks)

        if closed:
            return [r for r in _runs(pts, seen) if len(r) >= 2]
        pieces: list[Poly] = []
        cur: list[Point] = []
        for p in _dense(pts, 0.01, closed=False):
            if seen(p):
                cur.append(p)
                continue
            if len(cur) >= 2:
                pieces.append(tuple(cur))
            cur = []
        if len(cur) >= 2:
            pieces.append(tuple(cur))
        return pieces


@dataclass(frozen=True)
class _Shape:
    """A silhouette with its bounding box, so most points are ruled out cheaply."""

    poly: Poly
    box: tuple[float, float, float, float]

    @classmethod
    def of(cls, pts: Sequence[Point]) -> _Shape:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return cls(tuple(pts), (min(xs), min(ys), max(xs), max(ys)))

    def covers(self, p: Point) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1 and inside(p, self.poly)


def _clamped(m: Mark, width: float) -> Mark:
    """Into the unit box: undo the drawing width, then keep every point inside 0…1."""
    pts = tuple((min(1.0, max(0.0, x / width)), min(1.0, max(0.0, y))) for x, y in m.points)
    return replace(m, points=pts)


def _drawer(
    parts: Sequence[Callable[[_Sheet], None]], width: float = 1.0, size: float = 0.5
) -> DrawFn:
    """Turn per-variant painters into the contract's ``draw(rng, medium, variant)``."""
    sparse = max(1.0, SPARSE_BELOW / size)

    def draw(rng: random.Random, medium: Medium, variant: int) -> list[Mark]:
        sheet = _Sheet(rng, medium, width, sparse)
        parts[variant % len(parts)](sheet)
        return sheet.marks()

    return draw


# ---------------------------------------------------------------- geometry helpers


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _ring(
    cx: float, cy: float, rx: float, ry: float, k: int, rng: random.Random, jitter: float
) -> Poly:
    """``k`` points round an ellipse (clockwise on screen), radii and angles jittered."""
    pts = []
    for i in range(k):
        t = -math.pi / 2 + TAU * (i + rng.uniform(-0.2, 0.2)) / k
        f = 1 + rng.uniform(-jitter, jitter)
        pts.append((cx + rx * f * math.cos(t), cy + ry * f * math.sin(t)))
    return tuple(pts)


def _scallop(
    base: Sequence[Point],
    centre: Point,
    rng: random.Random,
    *,
    bulge: float = 0.45,
    flat: frozenset[int] = frozenset(),
    closed: bool = True,
) -> Poly:
    """Outward bumps between consecutive base points: the edge of foliage or a cloud.
    Segments whose index is in ``flat`` stay straight."""
    out: list[Point] = []
    k = len(base)
    for i in range(k if closed else k - 1):
        a, b = base[i], base[(i + 1) % k]
        if i in flat:
            out.append(a)
            continue
        mx, my = (a[0] + b[0]) / 2 - centre[0], (a[1] + b[1]) / 2 - centre[1]
        norm = math.hypot(mx, my) or 1.0
        d = math.dist(a, b) * bulge * rng.uniform(0.8, 1.2)
        nx, ny = mx / norm * d, my / norm * d
        c1 = (a[0] + (b[0] - a[0]) * 0.05 + nx, a[1] + (b[1] - a[1]) * 0.05 + ny)
        c2 = (b[0] - (b[0] - a[0]) * 0.05 + nx, b[1] - (b[1] - a[1]) * 0.05 + ny)
        out.extend(bezier(a, c1, c2, b, n=9)[:-1])
    if not closed:
        out.append(base[-1])
    return tuple(out)


def _runs(
    ring: Sequence[Point], keep: Callable[[Point], bool], *, step: float = 0.01
) -> list[Poly]:
    """The contiguous stretches of a closed ring whose points satisfy ``keep`` (the ring is
    resampled every ``step`` first, so a clipped outline stops close to what hides it)."""
    if step:
        ring = _dense(ring, step)
    n = len(ring)
    flags = [keep(p) for p in ring]
    if all(flags):
        return [(*ring, ring[0])]
    start = flags.index(False)
    runs: list[Poly] = []
    cur: list[Point] = []
    for j in range(1, n + 1):
        i = (start + j) % n
        if flags[i]:
            cur.append(ring[i])
        elif cur:
            runs.append(tuple(cur))
            cur = []
    if cur:
        runs.append(tuple(cur))
    return runs


def _dense(pts: Sequence[Point], step: float, *, closed: bool = True) -> Poly:
    """A line resampled so no edge is longer than ``step`` (clean clipping)."""
    out: list[Point] = []
    n = len(pts) if closed else len(pts) - 1
    for i in range(n):
        a, b = pts[i], pts[(i + 1) % len(pts)]
        k = max(1, math.ceil(math.dist(a, b) / step))
        out.extend(_lerp(a, b, j / k) for j in range(k))
    if not closed:
        out.append(pts[-1])
    return tuple(out)


def _run(ring: Sequence[Point], keep: Callable[[Point], bool]) -> Poly:
    """The longest stretch of a closed ring whose points satisfy ``keep`` (not resampled)."""
    return max(_runs(ring, keep, step=0.0), key=len, default=())


def _crescent(outer: Sequence[Point], cut: Sequence[Point]) -> Poly:
    """The part of ``outer`` that ``cut`` does not cover (both closed, both clockwise)."""
    rim = _run(outer, lambda p: not inside(p, cut))
    edge = _run(cut, lambda p: inside(p, outer))
    return (*rim, *reversed(edge))


def _band(left: Sequence[Point], right: Sequence[Point]) -> Poly:
    """A closed area between two open edges drawn in the same direction."""
    return (*left, *reversed(right))


def _ribbon(spine: Sequence[Point], widths: Sequence[float]) -> tuple[Poly, Poly]:
    """Left and right edges at ``widths`` (half-widths) either side of a spine."""
    left, right = [], []
    n = len(spine)
    for i, (x, y) in enumerate(spine):
        a, b = spine[max(0, i - 1)], spine[min(n - 1, i + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / norm, dx / norm
        w = widths[i]
        left.append((x + nx * w, y + ny * w))
        right.append((x - nx * w, y - ny * w))
    return tuple(left), tuple(right)


def _star(cx: float, cy: float, r: float, points: int, inner: float, rot: float = 0.0) -> Poly:
    pts = []
    for i in range(points * 2):
        t = rot - math.pi / 2 + math.pi * i / points
        rr = r if i % 2 == 0 else r * inner
        pts.append((cx + rr * math.cos(t), cy + rr * math.sin(t)))
    return tuple(pts)


def _profile(xs: Sequence[float], f: Callable[[float], float]) -> Poly:
    return tuple((x, f(x)) for x in xs)


def _steps(a: float, b: float, n: int) -> list[float]:
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def _visible(profile: Sequence[Point], front: Callable[[float], float]) -> list[Poly]:
    """Stretches of a skyline ``profile`` not hidden behind the ``front`` skyline."""
    runs: list[Poly] = []
    cur: list[Point] = []
    for p in profile:
        if p[1] < front(p[0]) - 0.004:
            cur.append(p)
        else:
            if len(cur) >= 2:
                runs.append(tuple(cur))
            cur = []
    if len(cur) >= 2:
        runs.append(tuple(cur))
    return runs


def _ground(s: _Sheet, x0: float, x1: float, y: float = 0.995) -> None:
    """A short line of earth so a standing subject does not float."""
    r = s.rng
    s.detail(smooth([(x0, y), ((x0 + x1) / 2, y - r.uniform(0, 0.008)), (x1, y)]), weight=0.8)


# ---------------------------------------------------------------- trees


def _trunk(s: _Sheet, x: float, top: float, half: float, flare: float) -> Poly:
    """A tapering trunk from the ground to ``top``; returns its area."""
    r = s.rng
    lean = r.uniform(-0.01, 0.01)
    left = bezier(
        (x - half - flare, 0.995), (x - half, 0.93), (x - half + lean, 0.8), (x - half * 0.8, top)
    )
    right = bezier(
        (x + half + flare, 0.995), (x + half, 0.93), (x + half + lean, 0.8), (x + half * 0.8, top)
    )
    s.line(left, weight=1.2)
    s.line(right, weight=1.2)
    for k in range(2):
        bx = x + half * (-0.3 + 0.6 * k) + r.uniform(-0.01, 0.01)
        y0 = 0.97 - r.uniform(0, 0.05)
        s.detail(
            smooth([(bx, y0), (bx + r.uniform(-0.01, 0.01), (y0 + top) / 2), (bx, top + 0.05)])
        )
    return _band(left, right)


def _oak(s: _Sheet) -> None:
    """A round oak: a lumpy crown of leaf clumps on a flared trunk, shadowed lower right."""
    r = s.rng
    cx, cy, rx, ry = 0.5 + r.uniform(-0.02, 0.02), 0.35, 0.36, 0.26
    crown = _scallop(_ring(cx, cy, rx, ry, 10, r, 0.07), (cx, cy), r, bulge=0.45)
    s.fill(crown)
    s.shade(_crescent(crown, ellipse(cx - 0.09, cy - 0.08, rx * 0.95, ry * 0.95, n=40)))
    s.fill(
        _scallop(_ring(cx - 0.12, cy - 0.1, 0.1, 0.07, 5, r, 0.1), (cx - 0.12, cy - 0.1), r),
        Tone.LIGHT,
    )
    s.line(crown, closed=True, weight=1.3)
    for _ in range(6):
        ox, oy = cx + r.uniform(-0.24, 0.24), cy + r.uniform(-0.14, 0.16)
        s.detail(arc(ox, oy, 0.05, 0.035, 0.4, 2.7, n=8))
    # the fork where the trunk meets the crown, seen through the leaves
    s.detail(bezier((0.47, 0.62), (0.45, 0.56), (0.4, 0.52), (0.36, 0.48)), weight=0.9)
    s.detail(bezier((0.53, 0.62), (0.55, 0.55), (0.6, 0.52), (0.64, 0.47)), weight=0.9)
    s.covers(crown)
    trunk = _trunk(s, 0.5, 0.55, 0.05, 0.04)
    s.fill(trunk, Tone.SHADE)
    s.shade(_right_half(trunk), spacing=0.02)
    _ground(s, 0.28, 0.72)


def _right_half(area: Poly) -> Poly:
    """The right half of an area (by its centre line), for shading a lit-from-left form."""
    xs = [p[0] for p in area]
    mid = (min(xs) + max(xs)) / 2
    return tuple((max(x, mid), y) for x, y in area)


def _branches(
    r: random.Random, start: Point, angle: float, length: float, depth: int
) -> list[tuple[Poly, int]]:
    """A recursive bare-branch skeleton: (curve, depth) pairs, thickest first."""
    end = (start[0] + length * math.cos(angle), start[1] + length * math.sin(angle))
    bend = r.uniform(-0.15, 0.15)
    mid = _lerp(start, end, 0.5)
    mid = (
        mid[0] - math.sin(angle) * length * bend * 0.3,
        mid[1] + math.cos(angle) * length * bend * 0.3,
    )
    out = [(smooth([start, mid, end], n=4), depth)]
    if depth >= 5:
        return out
    forks = 3 if depth == 1 else r.choice((2, 2, 3))
    spread = r.uniform(0.45, 0.65) if depth == 1 else r.uniform(0.3, 0.5)
    for i in range(forks):
        t = -1 + 2 * i / (forks - 1)
        out.extend(
            _branches(
                r,
                end,
                angle + t * spread + r.uniform(-0.12, 0.12),
                length * r.uniform(0.62, 0.78),
                depth + 1,
            )
        )
    return out


def _bare(s: _Sheet) -> None:
    """A winter tree: bare branches forking from the trunk, thinning to twigs."""
    r = s.rng
    fork = (0.5, 0.66)
    skeleton = _branches(r, fork, -math.pi / 2 + r.uniform(-0.08, 0.08), 0.16, 1)
    pts = [p for curve, _ in skeleton for p in curve]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    # stretch or shrink the crown to fill the box above the trunk, its base where the trunk ends
    scale = min(
        1.5, 0.47 / max(0.5 - min(xs), max(xs) - 0.5, 1e-6), 0.63 / max(fork[1] - min(ys), 1e-6)
    )
    trunk = _trunk(s, 0.5, fork[1], 0.032, 0.035)
    s.fill(trunk, Tone.SHADE)
    s.shade(_right_half(trunk), spacing=0.015)
    for curve, depth in skeleton:
        fitted = transform(curve, sx=scale, sy=scale, about=fork)
        s.line(fitted, weight=max(0.4, 3.2 - 0.6 * depth), tone=Tone.INK)
    _ground(s, 0.3, 0.7)


def _poplar(s: _Sheet) -> None:
    """A tall poplar: a narrow flame of leaves on a short trunk."""
    r = s.rng
    top = 0.03
    w = 0.2 + r.uniform(-0.02, 0.02)
    side = [
        (0.5 + w * 0.15, top + 0.06),
        (0.5 + w * 0.7, 0.25),
        (0.5 + w, 0.5),
        (0.5 + w * 0.85, 0.72),
    ]
    base = [
        (0.5, top),
        *side,
        (0.5, 0.84),
        *((1 - x, y) for x, y in reversed(side)),
    ]
    crown = _scallop(smooth(base, closed=True, n=2), (0.5, 0.45), r, bulge=0.35)
    s.fill(crown)
    s.shade(_crescent(crown, transform(crown, dx=-0.07, dy=-0.02)), angle=1.2, spacing=0.025)
    s.line(crown, closed=True, weight=1.3)
    for _ in range(7):
        y = r.uniform(0.15, 0.72)
        x = 0.5 + r.uniform(-0.6, 0.6) * w * math.sin(math.pi * min(1.0, (y - top) / 0.8))
        s.detail(arc(x, y, 0.03, 0.05, 0.6, 2.5, n=7))
    s.covers(crown)
    trunk = _trunk(s, 0.5, 0.78, 0.03, 0.02)
    s.fill(trunk, Tone.SHADE)
    _ground(s, 0.36, 0.64)


# ---------------------------------------------------------------- pines


def _pine_outline(
    cx: float, top: float, bottom: float, half: float, tiers: int, rng: random.Random, droop: float
) -> tuple[Poly, list[float]]:
    """A tiered conifer silhouette (closed) and the y of each tier's lower edge."""
    right: list[Point] = [(cx, top)]
    ys = []
    for i in range(tiers):
        f = (i + 1) / tiers
        y = top + (bottom - top) * f
        w = half * (0.3 + 0.7 * f) * rng.uniform(0.92, 1.08)
        ys.append(y)
        right.append((cx + w, y + droop * rng.uniform(0.6, 1.2)))
        if i < tiers - 1:
            right.append((cx + w * 0.45, y - (bottom - top) / tiers * 0.15))
    left = [(2 * cx - x, y) for x, y in reversed(right[1:])]
    hem = [
        (cx + half * 0.5, bottom + droop * 0.2),
        (cx, bottom - droop * 0.3),
        (cx - half * 0.5, bottom + droop * 0.2),
    ]
    return (*right, *hem, *left), ys


def _pine_tree(s: _Sheet, tiers: int, half: float, snow: bool) -> None:
    """A conifer of drooping tiers (snow caps on each if asked), dark on its right half."""
    r = s.rng
    top = 0.02 + r.uniform(0, 0.02)
    bottom = 0.88
    outline, ys = _pine_outline(0.5, top, bottom, half, tiers, r, 0.03)
    trunk = rect(0.46, bottom - 0.01, 0.08, 0.995 - bottom + 0.01)
    s.fill(trunk, Tone.SHADE)
    s.line(((0.46, bottom), (0.46, 0.995)), weight=1.1)
    s.line(((0.54, bottom), (0.54, 0.995)), weight=1.1)
    s.fill(outline)
    right = tuple((max(x, 0.5), y) for x, y in outline)
    caps = [
        _snow_cap(0.5, upper, lower, half * (0.3 + 0.7 * (lower - top) / (bottom - top)), r)
        for upper, lower in zip((top, *ys), ys, strict=False)
    ]
    s.shade(right, angle=1.1, spacing=0.025, avoid=caps if snow else ())
    s.line(outline, closed=True, weight=1.3)
    prev = top
    for y in ys:
        mid = (prev + y) / 2
        for side in (-1, 1):
            w = half * 0.6 * (y - top) / (bottom - top)
            s.detail(((0.5, mid), (0.5 + side * w * 0.5, (mid + y) / 2)), weight=0.5)
        if snow:
            cap = caps[ys.index(y)]
            s.fill(cap, Tone.LIGHT)
            s.detail(cap, closed=True, weight=0.8)
        prev = y
    _ground(s, 0.3, 0.7)


def _snow_cap(cx: float, top: float, bottom: float, w: float, r: random.Random) -> Poly:
    """A lump of snow lying along the upper edges of one tier."""
    y = top + (bottom - top) * 0.45
    under = [
        (cx + w * t, y + 0.015 * math.sin(t * 9 + r.uniform(0, 1))) for t in _steps(0.6, -0.6, 7)
    ]
    return ((cx, top + 0.01), *under)


def _pine(s: _Sheet) -> None:
    """The classic pine: four wide tiers."""
    _pine_tree(s, 4, 0.36, snow=False)


def _spruce(s: _Sheet) -> None:
    """A slender spruce: seven narrow tiers."""
    _pine_tree(s, 7, 0.27, snow=False)


def _snowy_pine(s: _Sheet) -> None:
    """A pine with snow lying on every tier."""
    _pine_tree(s, 4, 0.38, snow=True)


# ---------------------------------------------------------------- palms


def _frond(s: _Sheet, root: Point, angle: float, length: float, scale: float) -> Poly:
    """One feathery palm leaf arching out and drooping, leaflets as a saw-toothed edge."""
    dx, dy = math.cos(angle), math.sin(angle)
    side = abs(dx)
    droop = length * (0.1 + 0.55 * side)
    tip = (root[0] + length * dx, root[1] + length * dy + droop)
    c1 = (root[0] + length * 0.5 * dx, root[1] + length * 0.5 * dy - length * 0.22 * side)
    c2 = (root[0] + length * 0.9 * dx, root[1] + length * 0.9 * dy + droop * 0.2)
    spine = bezier(root, c1, c2, tip, n=15)
    widths = [scale * 0.055 * math.sin(math.pi * min(0.97, i / 14)) ** 0.8 for i in range(15)]
    left, right = _ribbon(spine, widths)
    blade = _band(left, right)
    s.fill(blade)
    s.fill(_band(spine, right), Tone.SHADE)
    s.line(blade, closed=True, weight=0.9)
    s.detail(spine, weight=0.8)
    for i in range(2, 14, 3 if scale > 0.8 else 5):  # cuts between leaflets, raked to the tip
        a = spine[i]
        ends = [_lerp(a, _lerp(e[i + 1], e[min(14, i + 2)], 0.5), 1.15) for e in (left, right)]
        s.detail((ends[0], a, ends[1]), weight=0.5)
    return blade


def _palm_tree(s: _Sheet, base_x: float, top: Point, scale: float, fronds: int) -> list[Poly]:
    """A palm: ringed, curving trunk, a crown of fronds and coconuts; returns its silhouette."""
    r = s.rng
    base = (base_x, 0.99)
    lean = top[0] - base_x
    spine = bezier(base, (base_x + lean * 0.1, 0.8), (top[0] - lean * 0.2, top[1] + 0.2), top, n=14)
    widths = [scale * (0.045 - 0.018 * i / 13) for i in range(14)]
    left, right = _ribbon(spine, widths)
    trunk = _band(left, right)
    s.fill(trunk, Tone.SHADE)
    s.shade(_band(spine, right), spacing=0.03)
    s.line(left, weight=1.2)
    s.line(right, weight=1.2)
    for i in range(1, 13, 1 if scale > 0.8 else 2):
        a, b = left[i], right[i]
        m = _lerp(a, b, 0.5)
        s.detail(smooth([a, (m[0], m[1] + 0.012), b], n=3), weight=0.6)
    blades = []
    for k in range(fronds):
        t = k / (fronds - 1)
        t = 0.5 + (t - 0.5) * (1 + 0.25 * abs(t - 0.5))  # fewer fronds straight up
        angle = math.pi * (0.9 + 1.2 * t) + r.uniform(-0.06, 0.06)
        length = scale * (0.3 + 0.12 * abs(math.cos(angle))) * r.uniform(0.92, 1.05)
        blades.append(_frond(s, top, angle, length, scale))
    for dx, dy in ((-0.025, 0.03), (0.02, 0.035), (0.0, 0.05)):
        nut = ellipse(top[0] + dx * scale, top[1] + dy * scale, 0.022 * scale, 0.022 * scale, n=10)
        s.fill(nut, Tone.ACCENT)
        s.line(nut, closed=True, weight=0.8)
    return [trunk, *blades]


def _palm(s: _Sheet) -> None:
    """A palm with a gently curving trunk."""
    _palm_tree(s, 0.42, (0.56 + s.rng.uniform(-0.02, 0.02), 0.3), 1.0, 9)
    _ground(s, 0.25, 0.65)


def _leaning_palm(s: _Sheet) -> None:
    """A palm leaning out over the beach."""
    _palm_tree(s, 0.3, (0.64, 0.32), 0.95, 8)
    _ground(s, 0.12, 0.55)


def _palm_pair(s: _Sheet) -> None:
    """Two palms, the smaller one behind."""
    _ground(s, 0.1, 0.9)
    s.covers(())
    s.covers(*_palm_tree(s, 0.38, (0.32, 0.3), 0.88, 8))
    _palm_tree(s, 0.66, (0.74, 0.5), 0.6, 7)


# ---------------------------------------------------------------- forest


def _small_pine(s: _Sheet, cx: float, top: float, half: float, back: bool) -> Poly:
    """A forest pine; returns its silhouette so it can hide the trees behind it."""
    outline, _ = _pine_outline(cx, top, 0.93, half, 3, s.rng, 0.015)
    s.fill(rect(cx - 0.012, 0.9, 0.024, 0.095), Tone.SHADE)
    s.line(((cx - 0.012, 0.92), (cx - 0.012, 0.995)), weight=0.9)
    s.line(((cx + 0.012, 0.92), (cx + 0.012, 0.995)), weight=0.9)
    s.fill(outline, Tone.SHADE if back else Tone.BODY)
    if not back:  # the far row stays plain: distance pales it
        s.shade(tuple((max(x, cx), y) for x, y in outline), angle=1.1, spacing=0.045)
    s.line(outline, closed=True, weight=0.9 if back else 1.1)
    return (*outline, (cx + 0.012, 0.995), (cx - 0.012, 0.995))


def _small_round(s: _Sheet, cx: float, top: float, half: float, back: bool) -> Poly:
    """A forest broadleaf; returns its silhouette so it can hide the trees behind it."""
    r = s.rng
    ry = (0.78 - top) / 2
    cy = top + ry
    crown = _scallop(_ring(cx, cy, half * 0.8, ry * 0.8, 8, r, 0.08), (cx, cy), r, bulge=0.4)
    trunk = rect(cx - 0.014, cy + ry * 0.5, 0.028, 0.995 - cy - ry * 0.5)
    s.fill(trunk, Tone.SHADE)
    s.line(((cx - 0.014, cy + ry * 0.6), (cx - 0.014, 0.995)), weight=0.9)
    s.line(((cx + 0.014, cy + ry * 0.6), (cx + 0.014, 0.995)), weight=0.9)
    s.fill(crown, Tone.SHADE if back else Tone.BODY)
    if not back:
        s.shade(
            _crescent(crown, ellipse(cx - half * 0.3, cy - ry * 0.25, half, ry, n=30)),
            spacing=0.05,
        )
    s.line(crown, closed=True, weight=0.9 if back else 1.1)
    return (*crown[: len(crown) // 2], *trunk[2:], *crown[len(crown) // 2 :])


def _forest_of(s: _Sheet, kinds: str) -> None:
    """Two rows of trees, the near row first (it hides the far one); ``kinds`` is a string of
    p (pine) and r (round) to pick from."""
    r, w = s.rng, s.width
    s.line(((0.0, 0.995), (w, 0.995)), weight=1.0)
    s.covers(())
    for back, count, y0 in ((False, 7, 0.24), (True, 10, 0.02)):
        step = w / count
        for i in range(count):
            kind = r.choice(kinds)
            half = (0.13 if kind == "p" else 0.16) * (0.85 if back else 1.0)
            x = step * (i + 0.5 + r.uniform(-0.2, 0.2)) + (0.0 if back else step * 0.1)
            x = min(max(x, half + 0.01), w - half - 0.01)
            top = y0 + r.uniform(0, 0.12)
            draw = _small_pine if kind == "p" else _small_round
            s.covers(draw(s, x, top, half, back))


def _pine_forest(s: _Sheet) -> None:
    """A forest of pines."""
    _forest_of(s, "p")


def _leafy_forest(s: _Sheet) -> None:
    """A forest of round broadleaf trees."""
    _forest_of(s, "r")


def _mixed_forest(s: _Sheet) -> None:
    """A forest of pines among broadleaf trees."""
    _forest_of(s, "ppr")


# ---------------------------------------------------------------- flowers


def _stem(s: _Sheet, head: Point, leaves: int = 2) -> None:
    """A flower's curving stem with leaves (each with a vein) up to ``head``."""
    r = s.rng
    x = head[0]
    stem = bezier((x + 0.01, 0.99), (x - 0.04, 0.8), (x + 0.03, 0.6), head, n=14)
    s.line(stem, weight=1.2)
    for k in range(leaves):
        t = 0.35 + 0.2 * k
        at = stem[int((1 - t) * 13)]
        side = -1 if k % 2 == 0 else 1
        tip = (at[0] + side * 0.17, at[1] - 0.1 + r.uniform(-0.03, 0.02))
        mid = _lerp(at, tip, 0.5)
        leaf = (
            *bezier(at, (mid[0], mid[1] - 0.06), (tip[0] - side * 0.05, tip[1]), tip, n=8),
            *bezier(tip, (tip[0] - side * 0.04, tip[1] + 0.04), (mid[0], mid[1] + 0.05), at, n=8)[
                1:-1
            ],
        )
        s.fill(leaf, Tone.SHADE)
        s.line(leaf, closed=True, weight=0.9)
        s.detail(smooth([at, (mid[0], mid[1] - 0.005), tip], n=4), weight=0.5)


def _daisy(s: _Sheet) -> None:
    """A daisy: a ring of long petals round a round, dotted centre."""
    r = s.rng
    c = (s.width / 2 + r.uniform(-0.02, 0.02), 0.3)
    _stem(s, (c[0], c[1] + 0.08))
    n = 14
    for i in range(n):
        t = TAU * i / n + r.uniform(-0.05, 0.05)
        length = 0.19 * r.uniform(0.9, 1.05)
        petal = ellipse(
            c[0] + math.cos(t) * (length / 2 + 0.05),
            c[1] + math.sin(t) * (length / 2 + 0.05),
            length / 2,
            0.04,
            n=14,
            rot=t,
        )
        s.fill(petal)
        s.line(petal, closed=True, weight=0.9)
    disc = ellipse(c[0], c[1], 0.075, 0.075, n=20)
    s.fill(disc, Tone.ACCENT)
    s.line(disc, closed=True, weight=1.1)
    for _ in range(10):
        a, d = r.uniform(0, TAU), r.uniform(0, 0.055)
        s.dot((c[0] + d * math.cos(a), c[1] + d * math.sin(a)))


def _tulip(s: _Sheet) -> None:
    """A tulip: a closed cup of three pointed petals."""
    r = s.rng
    cx, top, base = s.width / 2 + r.uniform(-0.02, 0.02), 0.1, 0.42
    _stem(s, (cx, base))
    w = 0.115
    cup = (
        *bezier(
            (cx, base),
            (cx - w * 1.3, base - 0.02),
            (cx - w * 1.1, top + 0.05),
            (cx - w * 0.9, top),
            n=12,
        ),
        (cx - w * 0.45, top + 0.09),
        (cx, top - 0.02),
        (cx + w * 0.45, top + 0.09),
        *bezier(
            (cx + w * 0.9, top),
            (cx + w * 1.1, top + 0.05),
            (cx + w * 1.3, base - 0.02),
            (cx, base),
            n=12,
        )[:-1],
    )
    s.fill(cup)
    s.shade(tuple((max(x, cx + 0.02), y) for x, y in cup), spacing=0.022)
    s.line(cup, closed=True, weight=1.3)
    s.detail(
        bezier(
            (cx, top - 0.01),
            (cx - 0.04, top + 0.12),
            (cx - 0.035, base - 0.1),
            (cx - 0.01, base - 0.01),
        )
    )
    s.detail(
        bezier(
            (cx, top - 0.01),
            (cx + 0.04, top + 0.12),
            (cx + 0.035, base - 0.1),
            (cx + 0.01, base - 0.01),
        )
    )
    s.fill(ellipse(cx - 0.05, top + 0.12, 0.018, 0.08, n=12), Tone.LIGHT)


def _sunflower(s: _Sheet) -> None:
    """A sunflower: two rings of pointed petals round a big seed disc."""
    r = s.rng
    c = (s.width / 2, 0.27)
    _stem(s, (c[0], c[1] + 0.1), leaves=3)
    for ring, n, rad in ((0, 18, 0.23), (1, 18, 0.2)):
        for i in range(n):
            t = TAU * (i + 0.5 * ring) / n + r.uniform(-0.03, 0.03)
            base_r = 0.09
            tip = (c[0] + math.cos(t) * rad, c[1] + math.sin(t) * rad)
            b1 = (c[0] + math.cos(t - 0.16) * base_r, c[1] + math.sin(t - 0.16) * base_r)
            b2 = (c[0] + math.cos(t + 0.16) * base_r, c[1] + math.sin(t + 0.16) * base_r)
            mid = _lerp(c, tip, 0.7)
            corners = (
                b1,
                (mid[0] + math.cos(t - 1.57) * 0.025, mid[1] + math.sin(t - 1.57) * 0.025),
                tip,
                (mid[0] + math.cos(t + 1.57) * 0.025, mid[1] + math.sin(t + 1.57) * 0.025),
                b2,
            )
            petal = smooth(corners, closed=True, n=3)
            s.fill(petal, Tone.SHADE if ring == 0 else Tone.BODY)
            if ring == 1 or not s.paint:
                s.line(petal, closed=True, weight=0.8)
    disc = ellipse(c[0], c[1], 0.1, 0.1, n=24)
    s.fill(disc, Tone.INK)
    s.line(disc, closed=True, weight=1.3)
    if s.paint:
        s.tones.extend(stipple_marks(disc, r, 25, tone=Tone.ACCENT))
    else:
        s.hatch(disc, angle=0.6, spacing=0.025, tone=Tone.INK)
        s.hatch(disc, angle=-0.6, spacing=0.025, tone=Tone.INK)


# ---------------------------------------------------------------- mountains


def _jagged(pts: Sequence[Point], r: random.Random, amount: float, splits: int = 3) -> Poly:
    """Break straight ridge segments into rocky zigzags."""
    out: list[Point] = [pts[0]]
    for a, b in itertools.pairwise(pts):
        for k in range(1, splits + 1):
            p = _lerp(a, b, k / (splits + 1))
            out.append((p[0] + r.uniform(-amount, amount), p[1] + r.uniform(-amount, amount)))
        out.append(b)
    return tuple(out)


def _snowline(lx: float, rx: float, y: float, r: random.Random) -> Poly:
    """The ragged lower edge of a snow cap from the left ridge to the right ridge."""
    n = max(3, min(7, 1 + 2 * round((rx - lx) / 0.12)))
    pts = []
    for i in range(n):
        t = i / (n - 1)
        dy = 0.05 if i % 2 else -0.01
        pts.append((lx + (rx - lx) * t, y + dy * r.uniform(0.6, 1.4)))
    return tuple(pts)


def _ridge_x(ridge: Sequence[Point], y: float, right: bool) -> float:
    """Where a monotone ridge line crosses height ``y``."""
    for a, b in itertools.pairwise(ridge):
        if (a[1] - y) * (b[1] - y) <= 0 and a[1] != b[1]:
            return a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
    return ridge[-1][0] if right else ridge[0][0]


def _peak(
    s: _Sheet, px: float, py: float, lx: float, rx: float, snow: bool, front: bool = True
) -> Poly:
    """A mountain: left and right ridges from the foot to a peak; returns the outline."""
    r = s.rng
    left = _jagged(
        [(lx, 0.995), (px - (px - lx) * 0.45, py + (0.995 - py) * 0.45), (px, py)], r, 0.02
    )
    right = _jagged(
        [(px, py), (px + (rx - px) * 0.4, py + (0.995 - py) * 0.5), (rx, 0.995)], r, 0.02
    )
    outline = (*left, *right[1:])
    s.fill(outline, Tone.BODY if front else Tone.SHADE)
    # the shadowed face: from the peak down a spur to the foot, then along the right ridge
    foot = (px + (rx - px) * 0.25, 0.995)
    spur = _jagged([(px, py), _lerp((px, py), foot, 0.5), foot], r, 0.015, 2)
    face = (*spur, *reversed(right))
    snow_y = py + (0.995 - py) * 0.28
    if snow:
        face = tuple((x, max(y, snow_y + 0.03)) for x, y in face)
    s.shade(face, angle=0.9, spacing=0.028)
    s.line(outline, weight=1.3 if front else 1.0)
    s.detail(spur, weight=0.8)
    if snow:
        line = _snowline(_ridge_x(left, snow_y, False), _ridge_x(right, snow_y, True), snow_y, r)
        above = [p for p in (*left, *right[1:]) if p[1] < snow_y]
        s.fill((*above, *reversed(line)), Tone.LIGHT)
        s.detail(line, weight=0.9)
    return outline


def _lone_peak(s: _Sheet) -> None:
    """One peak with a snow cap and its shadowed face."""
    w = s.width
    _peak(s, w * (0.5 + s.rng.uniform(-0.05, 0.05)), 0.05, 0.03, w - 0.03, snow=True)


def _range(s: _Sheet) -> None:
    """A mountain range before a paler farther one; the tallest peak wears snow."""
    r, w = s.rng, s.width
    far = [(w * 0.36, 0.17), (w * 0.66, 0.12 + r.uniform(0, 0.05))]  # seen in the valleys
    near = [(w * 0.24, 0.33), (w * 0.5, 0.06), (w * 0.8, 0.24)]
    xs = _steps(0.0, w, 49)
    far_line = _skyline(xs, far, 1.3, r)
    near_line = _skyline(xs, near, 1.5, r)
    s.fill((*far_line, (w, 0.995), (0.0, 0.995)), Tone.SHADE)
    s.fill((*near_line, (w, 0.995), (0.0, 0.995)))
    front = dict(near_line)
    for run in _visible(far_line, lambda x: front.get(x, 1.0)):
        s.line(run, weight=0.8)
        below = tuple((x, front.get(x, 1.0)) for x, _ in reversed(run))
        s.hatch((*run, *below), angle=0.3, spacing=0.03)
    s.line(near_line, weight=1.3)
    for i, (px, py) in enumerate(near):
        top = min(near_line, key=lambda p: abs(p[0] - px) + p[1] * 0.2)
        foot = (top[0] + 0.12, 0.995)
        spur = _jagged([top, _lerp(top, foot, 0.5), foot], r, 0.015, 2)
        right_end = near[i + 1][0] if i + 1 < len(near) else w
        valley = min(
            (p for p in near_line if top[0] < p[0] <= right_end),
            key=lambda p: -p[1],
            default=(w, 0.995),
        )
        ridge = [p for p in near_line if top[0] <= p[0] <= valley[0]]
        face = (*spur, valley, *reversed(ridge))
        snow_y = py + 0.24
        if i == 1:
            face = tuple((x, max(y, snow_y + 0.03)) for x, y in face)
        s.shade(face, angle=0.9, spacing=0.028)
        s.detail(spur, weight=0.8)
        if i == 1:
            cap = [p for p in near_line if p[1] < snow_y and abs(p[0] - px) < 0.4]
            line = _snowline(cap[0][0], cap[-1][0], snow_y, r)
            s.fill((*cap, *reversed(line)), Tone.LIGHT)
            s.detail(line, weight=0.9)


def _skyline(xs: Sequence[float], peaks: Sequence[Point], slope: float, r: random.Random) -> Poly:
    """A rocky skyline: the highest of several straight-sided peaks, roughened."""
    pts = []
    w = xs[-1]
    for x in xs:
        y = min(py + abs(x - px) * slope for px, py in peaks)
        edge = max(0.0, 1 - min(x, w - x) / (0.2 * w)) ** 2  # the range ends at the ground
        y = y + (0.995 - y) * edge
        pts.append((x, min(0.995, y + r.uniform(-0.012, 0.012) * (1 - edge))))
    return tuple(pts)


def _mesa(s: _Sheet) -> None:
    """A flat-topped butte: cap rock, a banded cliff with a turned corner, scree below."""
    r, w = s.rng, s.width
    top = 0.25 + r.uniform(-0.03, 0.03)
    lx, rx, foot = w * 0.17, w * 0.83, 0.62
    left = (
        *bezier((0.0, 0.995), (w * 0.08, 0.93), (w * 0.12, 0.75), (lx - 0.03, foot), n=8),
        (lx - 0.01, 0.45),
        (lx, top + 0.02),
    )
    right = (
        (rx, top),
        (rx + 0.01, 0.45),
        (rx + 0.03, foot),
        *bezier((rx + 0.03, foot), (w * 0.88, 0.75), (w * 0.92, 0.93), (w, 0.995), n=8)[1:],
    )
    crest = _jagged([(lx, top + 0.02), (rx, top)], r, 0.006, 8)
    outline = (*left, *crest[1:-1], *right)
    corner = rx - w * 0.12
    s.fill(outline)
    s.fill(
        ((lx, top + 0.02), *crest[1:-1], (rx, top), (rx, top + 0.06), (lx, top + 0.08)), Tone.LIGHT
    )
    s.shade(((corner, top + 0.01), *right[:3], (corner, foot)), angle=1.3, spacing=0.022)
    s.shade((*right[2:], (corner + 0.05, 0.995), (corner, foot)), angle=0.7, spacing=0.035)
    s.line(outline, weight=1.3)
    s.detail(((corner, top + 0.01), (corner + 0.01, foot)), weight=0.8)
    s.detail(((lx + 0.01, foot), (corner, foot + 0.01), (rx + 0.03, foot)), weight=0.7)
    for k in range(3):
        y = top + 0.07 + k * 0.11
        x0 = _ridge_x(left, y, False) + 0.01
        s.detail(_jagged([(x0, y), (corner, y + r.uniform(-0.01, 0.01))], r, 0.006, 6), weight=0.7)
        s.detail(((corner, y), (rx - 0.005, y - 0.02)), weight=0.6)
    for _ in range(9):
        x = r.uniform(lx + 0.06, corner - 0.05)
        y0 = top + 0.08 + 0.11 * r.randrange(3)
        s.detail(((x, y0), (x + r.uniform(-0.01, 0.01), y0 + r.uniform(0.05, 0.09))), weight=0.5)
    for k in range(4):
        x = lx + 0.1 + (corner - lx) * k / 4 + r.uniform(0, 0.1)
        s.detail(
            bezier((x, foot + 0.03), (x - 0.03, 0.75), (x - 0.06, 0.85), (x - 0.12, 0.97), n=6),
            weight=0.5,
        )


# ---------------------------------------------------------------- water


def _calm_sea(s: _Sheet) -> None:
    """A calm sea: long level ripples, spaced wider as they come nearer."""
    r, w = s.rng, s.width
    s.fill(rect(0, 0, w, 1))
    s.fill(rect(0, 0, w, 0.12), Tone.LIGHT)
    s.line(((0.0, 0.004), (w, 0.004)), weight=1.2)
    rows = 13
    for k in range(1, rows + 1):
        y = 0.03 + 0.94 * (k / rows) ** 1.5
        length = 0.08 + 0.5 * y
        for _ in range(2 + int(3 * (1 - y))):
            x = r.uniform(0.02, w - length - 0.02)
            dash = smooth(
                [(x, y), (x + length / 2, y + r.uniform(-0.006, 0.006)), (x + length, y)], n=4
            )
            s.detail(
                dash, tone=Tone.LIGHT if s.paint and r.random() < 0.6 else Tone.INK, weight=0.6 + y
            )


def _wave_crest(x: float, y: float, half: float, height: float) -> Poly:
    """A pointed little wave: two hollow curves meeting at a crest."""
    return (
        *bezier(
            (x - half, y),
            (x - half * 0.4, y),
            (x - half * 0.1, y - height * 0.5),
            (x, y - height),
            n=6,
        ),
        *bezier(
            (x, y - height),
            (x + half * 0.1, y - height * 0.5),
            (x + half * 0.4, y),
            (x + half, y),
            n=6,
        )[1:],
    )


def _choppy_sea(s: _Sheet) -> None:
    """A choppy sea: rows of pointed little waves, bigger towards the viewer."""
    r, w = s.rng, s.width
    s.fill(rect(0, 0, w, 1))
    s.fill(rect(0, 0, w, 0.1), Tone.LIGHT)
    s.line(((0.0, 0.004), (w, 0.004)), weight=1.2)
    rows = 9
    for k in range(rows):
        y = 0.06 + 0.92 * ((k + 1) / rows) ** 1.4
        half = 0.03 + 0.12 * y
        x = r.uniform(0, half)
        while x < w - half:
            crest = _wave_crest(x + half, y, half, half * 0.6)
            tone = Tone.INK if not s.paint or y > 0.5 else Tone.LIGHT  # far crests catch light
            s.detail(crest, tone=tone, weight=0.6 + 0.8 * y)
            x += 2 * half * r.uniform(1.1, 1.8)


def _breaker(x0: float, span: float, base: float, height: float) -> tuple[Poly, Poly, Poly]:
    """One rolling wave: (its back and steep face, the curling lip, the hollow under it)."""

    def at(u: float, v: float) -> Point:
        return (x0 + span * u, base - height * v)

    back = bezier(at(0, 0), at(0.35, 0), at(0.45, 0.9), at(0.66, 1.0), n=10)
    face = bezier(at(0.66, 1.0), at(0.72, 0.6), at(0.8, 0.05), at(1.0, 0.0), n=8)
    lip = (
        *bezier(at(0.66, 1.0), at(0.84, 1.08), at(0.93, 0.62), at(0.82, 0.5), n=8),
        *bezier(at(0.82, 0.5), at(0.76, 0.44), at(0.72, 0.58), at(0.76, 0.66), n=5)[1:],
    )
    hollow = (*face, at(0.74, 0.0))
    return (*back, *face[1:]), lip, hollow


def _big_waves(s: _Sheet) -> None:
    """Rolling breakers with curling, foaming lips, row behind row."""
    r, w = s.rng, s.width
    rows = ((0.97, 0.42, 2), (0.62, 0.3, 3), (0.3, 0.2, 5))
    for base, height, count in rows:  # near to far: each row's water hides the one behind
        span = w / count * 1.15
        x = -span * r.uniform(0.2, 0.4)
        profile: list[Point] = []
        lips = []
        while x < w:
            line, lip, hollow = _breaker(x, span, base + r.uniform(-0.02, 0.02), height)
            profile.extend(line)
            lips.append((lip, hollow))
            x += span
        water = (*profile, (profile[-1][0], 1.0), (profile[0][0], 1.0))
        s.fill(water)
        for _lip, hollow in lips:
            s.shade(hollow, angle=1.4, spacing=0.03)
        s.line(profile, weight=0.8 + height * 1.5)
        for lip, _ in lips:
            s.fill(lip, Tone.LIGHT)
            s.detail(lip, weight=0.6 + height * 1.5)
        for _ in range(count):
            y = base - height * r.uniform(0.1, 0.3)
            x0 = r.uniform(0.0, w - 0.2)
            s.detail(
                ((x0, y), (x0 + 0.1 + height * 0.3, y)),
                tone=Tone.LIGHT if s.paint else Tone.INK,
                weight=0.5,
            )
        s.covers(water)
    s.fill(rect(0, 0, w, 1), Tone.SHADE)
    s.line(((0.0, 0.004), (w, 0.004)), weight=1.2)


def _river_of(s: _Sheet, turns: float, stones: bool) -> None:
    """A river winding from the near bank up to the horizon, narrowing with distance."""
    r, w = s.rng, s.width
    phase = r.uniform(-0.4, 0.4)

    def centre(y: float) -> float:
        return w / 2 + (0.04 + 0.2 * y) * math.sin(turns * math.pi * (1 - y) + phase) * w

    def half(y: float) -> float:
        return 0.012 + 0.26 * w * math.pow(y, 1.4)

    ys = _steps(0.01, 0.995, 30)
    left = tuple((centre(y) - half(y), y) for y in ys)
    right = tuple((centre(y) + half(y), y) for y in ys)
    water = _band(left, right)
    s.fill(water)
    s.fill(_band(left, tuple((centre(y) - half(y) * 0.6, y) for y in ys)), Tone.SHADE)
    s.line(left, weight=1.2)
    s.line(right, weight=1.2)
    s.hatch(_band(left, tuple((centre(y) - half(y) * 0.5, y) for y in ys)), angle=0.0, spacing=0.03)
    for y in _steps(0.08, 0.95, 11):
        c, h = centre(y) + r.uniform(-0.3, 0.3) * half(y), half(y)
        ripple = [
            (c + h * 0.25 * t, y + 0.006 * (0.3 + y) * math.sin(t * 2 * math.pi))
            for t in _steps(-1, 1, 9)
        ]
        s.detail(ripple, tone=Tone.LIGHT if s.paint else Tone.INK, weight=0.5 + y)
    for y in _steps(0.15, 0.95, 7):
        for edge, side in ((centre(y) - half(y), -1), (centre(y) + half(y), 1)):
            x = edge + side * (0.02 + 0.03 * y)
            size = 0.02 + 0.04 * y
            s.detail(
                (
                    (x - size * 0.4, y - size),
                    (x, y),
                    (x + size * 0.1, y - size * 1.2),
                    (x + size * 0.3, y),
                    (x + size * 0.6, y - size * 0.8),
                ),
                weight=0.5,
            )
    if stones:
        for y in (0.45, 0.7, 0.88):
            c = centre(y) + half(y) * r.uniform(-0.5, 0.5)
            stone = ellipse(c, y, 0.02 + 0.05 * y, 0.01 + 0.025 * y, n=12)
            s.fill(stone, Tone.SHADE)
            s.line(stone, closed=True, weight=0.9)


def _winding_river(s: _Sheet) -> None:
    """A river in an S-bend."""
    _river_of(s, 1.6, stones=False)


def _bending_river(s: _Sheet) -> None:
    """A river in one wide bend."""
    _river_of(s, 0.8, stones=False)


def _stony_river(s: _Sheet) -> None:
    """A meandering stream with stones in the water."""
    _river_of(s, 2.3, stones=True)


# ---------------------------------------------------------------- sky


def _cloud_shape(
    r: random.Random, cx: float, base: float, half: float, height: float, bumps: int
) -> Poly:
    """A cumulus outline: round puffs along the top, a flat underside."""
    pts = [(cx - half, base)]
    for i in range(bumps + 1):
        t = math.pi + math.pi * i / bumps
        f = r.uniform(0.85, 1.05) if 0 < i < bumps else 0.55
        pts.append((cx + half * math.cos(t) * 0.98, base + height * f * math.sin(t)))
    pts.append((cx + half, base))
    shape = _scallop(pts, (cx, base), r, bulge=0.42, closed=False)
    return (*shape, *smooth([(cx + half, base), (cx, base + 0.02), (cx - half, base)], n=5)[1:-1])


def _cloud_of(s: _Sheet, cx: float, base: float, half: float, height: float, bumps: int) -> Poly:
    """One cumulus cloud with a shaded underside; returns its outline."""
    r = s.rng
    shape = _cloud_shape(r, cx, base, half, height, bumps)
    s.fill(shape)
    belly = tuple((x, max(y, base - height * 0.3)) for x, y in shape)
    s.shade(belly, angle=0.0, spacing=0.035, tone=Tone.SHADE)
    s.line(shape, closed=True, weight=1.2)
    for k in range(2):
        x = cx + half * (-0.35 + 0.7 * k) + r.uniform(-0.05, 0.05)
        s.detail(arc(x, base - height * 0.3, half * 0.18, height * 0.25, 3.6, 5.6, n=8), weight=0.6)
    return shape


def _cumulus(s: _Sheet) -> None:
    """A single big cumulus."""
    w = s.width
    _cloud_of(s, w / 2, 0.8, w * 0.42, 0.62, 5)


def _long_cloud(s: _Sheet) -> None:
    """Two clouds, the nearer one overlapping the farther."""
    w = s.width
    s.covers(_cloud_of(s, w * 0.64, 0.9, w * 0.3, 0.32, 5))  # the near cloud hides the far one
    _cloud_of(s, w * 0.4, 0.62, w * 0.36, 0.44, 6)


def _rain_cloud(s: _Sheet) -> None:
    """A dark cloud with slanting rain beneath it."""
    w, r = s.width, s.rng
    shape = _cloud_shape(r, w / 2, 0.58, w * 0.42, 0.44, 5)
    s.fill(shape, Tone.SHADE)
    s.shade(tuple((x, max(y, 0.25)) for x, y in shape), angle=0.5, spacing=0.05)
    s.line(shape, closed=True, weight=1.3)
    for k in range(3):
        x = w / 2 + w * 0.28 * (k - 1)
        s.detail(arc(x, 0.35, w * 0.07, 0.12, 3.6, 5.8, n=8), weight=0.6)
    for i in range(11):
        x = w * (0.16 + 0.66 * i / 10) + r.uniform(-0.02, 0.02)
        y = 0.64 + r.uniform(0, 0.06)
        tone = Tone.SHADE if s.paint else Tone.INK
        s.detail(((x, y), (x - 0.06, y + 0.2 + r.uniform(0, 0.08))), tone=tone, weight=0.9)


def _craters(
    s: _Sheet, cx: float, cy: float, rad: float, keep: Callable[[Point], bool], n: int
) -> None:
    """Up to ``n`` spaced craters within ``rad`` of the centre where ``keep`` allows."""
    r = s.rng
    placed: list[tuple[Point, float]] = []
    for _ in range(n * 10):
        if len(placed) >= n:
            break
        a, d = r.uniform(0, TAU), rad * math.sqrt(r.uniform(0.02, 0.6))
        p = (cx + d * math.cos(a), cy + d * math.sin(a))
        size = rad * r.uniform(0.08, 0.2)
        crowded = any(math.dist(p, q) < size + qs + 0.03 for q, qs in placed)
        if crowded or not keep(p) or math.dist(p, (cx, cy)) + size > rad * 0.9:
            continue
        placed.append((p, size))
        crater = ellipse(p[0], p[1], size, size * 0.85, n=14)
        s.fill(crater, Tone.SHADE)
        s.detail(crater, closed=True, weight=0.7)
        s.detail(
            arc(p[0] + size * 0.15, p[1] + size * 0.1, size * 0.8, size * 0.7, 0.2, 2.0, n=6),
            weight=0.5,
        )


def _full_moon(s: _Sheet) -> None:
    """A full moon: a disc with craters."""
    r = s.rng
    c, rad = (0.5, 0.5), 0.45
    disc = ellipse(c[0], c[1], rad, rad, n=48)
    s.fill(disc)
    s.line(disc, closed=True, weight=1.3)
    _craters(s, c[0], c[1], rad, lambda p: True, 6 + r.randrange(2))
    if not s.paint:
        s.shade(_crescent(disc, ellipse(c[0] - 0.1, c[1] - 0.08, rad, rad, n=48)), dots=70)


def _crescent_moon(s: _Sheet) -> None:
    """A crescent moon: the disc with a bite taken out."""
    r = s.rng
    c, rad = (0.5, 0.5), 0.45
    disc = ellipse(c[0], c[1], rad, rad, n=60)
    bite = ellipse(c[0] + 0.2 + r.uniform(-0.02, 0.02), c[1] - 0.1, rad * 0.9, rad * 0.9, n=60)
    moon = _crescent(disc, bite)
    s.fill(moon)
    if not s.paint:
        s.shade(_crescent(moon, transform(bite, dx=-0.07, dy=0.02)), dots=45)
    else:
        s.fill(_crescent(moon, transform(disc, dx=0.05, dy=0.04)), Tone.LIGHT)
    s.line(moon, closed=True, weight=1.3)
    for t in (2.2 + r.uniform(-0.1, 0.1), 3.0, 3.8 + r.uniform(-0.1, 0.1)):
        p = (c[0] + rad * 0.8 * math.cos(t), c[1] + rad * 0.8 * math.sin(t))
        if inside(p, moon):
            crater = ellipse(p[0], p[1], 0.035, 0.03, n=12)
            s.fill(crater, Tone.SHADE)
            s.detail(crater, closed=True, weight=0.6)


def _half_moon(s: _Sheet) -> None:
    """A half moon: the lit half with craters, the dark half faint."""
    c, rad = (0.5, 0.5), 0.45
    lit = arc(c[0], c[1], rad, rad, -math.pi / 2, math.pi / 2, n=30)
    dark = arc(c[0], c[1], rad, rad, math.pi / 2, 3 * math.pi / 2, n=30)
    s.fill(dark, Tone.SHADE)
    s.fill(lit)
    if not s.paint:
        s.detail(dark, weight=0.4)
        s.shade(_crescent(lit, ellipse(c[0] - 0.12, c[1], rad, rad, n=60)), dots=45)
    s.line(lit, closed=True, weight=1.3)
    _craters(s, c[0], c[1], rad, lambda p: p[0] > c[0] + 0.06, 4)


def _sun_disc(s: _Sheet, rad: float) -> Poly:
    """The sun's disc with a highlight; returns it."""
    disc = ellipse(0.5, 0.5, rad, rad, n=40)
    s.fill(disc)
    s.fill(ellipse(0.45, 0.45, rad * 0.5, rad * 0.5, n=20), Tone.LIGHT)
    if not s.paint:
        s.shade(_crescent(disc, ellipse(0.44, 0.44, rad, rad, n=40)), spacing=0.025)
    s.line(disc, closed=True, weight=1.4)
    return disc


def _sun_rays(s: _Sheet) -> None:
    """A sun with straight rays of two lengths."""
    r = s.rng
    _sun_disc(s, 0.22)
    n = 12
    for i in range(n):
        t = TAU * i / n + r.uniform(-0.04, 0.04)
        r0, r1 = 0.28, (0.46 if i % 2 == 0 else 0.39)
        s.line(
            (
                (0.5 + r0 * math.cos(t), 0.5 + r0 * math.sin(t)),
                (0.5 + r1 * math.cos(t), 0.5 + r1 * math.sin(t)),
            ),
            tone=Tone.BODY if s.paint else Tone.INK,
            weight=1.8,
        )


def _sun_wavy(s: _Sheet) -> None:
    """A sun with wavy rays."""
    r = s.rng
    _sun_disc(s, 0.2)
    n = 10
    for i in range(n):
        t = TAU * i / n + r.uniform(-0.04, 0.04)
        pts = []
        for k in range(9):
            d = 0.26 + 0.2 * k / 8
            wob = 0.03 * math.sin(k * 1.4) * (k / 8 + 0.3)
            pts.append(
                (
                    0.5 + d * math.cos(t) - wob * math.sin(t),
                    0.5 + d * math.sin(t) + wob * math.cos(t),
                )
            )
        s.line(smooth(pts, n=3), tone=Tone.BODY if s.paint else Tone.INK, weight=1.6)


def _sun_burst(s: _Sheet) -> None:
    """A sun in a ring of pointed rays."""
    r = s.rng
    burst = _star(0.5, 0.5, 0.47, 14, 0.6, rot=r.uniform(0, 0.2))
    s.fill(burst, Tone.ACCENT)
    s.line(burst, closed=True, weight=1.1)
    _sun_disc(s, 0.24)


def _scatter(
    r: random.Random, w: float, n: int, gap: float, margin: float, taken: Sequence[Point] = ()
) -> list[Point]:
    """Up to ``n`` points spread over the box no closer than ``gap`` (to each other and to
    the points already ``taken``)."""
    pts: list[Point] = []
    for _ in range(n * 30):
        if len(pts) >= n:
            break
        p = (r.uniform(margin, w - margin), r.uniform(margin, 1 - margin))
        if all(math.dist(p, q) > gap for q in (*pts, *taken)):
            pts.append(p)
    return pts


def _star_mark(s: _Sheet, p: Point, size: float, points: int, inner: float) -> None:
    """One star shape (four points are a twinkle, five a star)."""
    shape = _star(p[0], p[1], size, points, inner, rot=s.rng.uniform(-0.2, 0.2))
    if points == 4:
        shape = smooth(shape, closed=True, n=3)
    s.fill(shape)
    s.line(shape, closed=True, weight=1.0)


def _starfield(s: _Sheet, points: int, inner: float, big: int, small: int) -> list[Point]:
    """Bright stars and faint specks spread over the box; returns the bright ones."""
    r, w = s.rng, s.width
    bright = _scatter(r, w, big, 0.3, 0.14)
    for p in bright:
        _star_mark(s, p, r.uniform(0.07, 0.13), points, inner)
    faint = _scatter(r, w, small, 0.1, 0.04, bright)
    for i, p in enumerate(faint):
        s.dot(p, weight=1.5)
        if i % 3 == 0:
            size = 0.022
            s.detail(((p[0] - size, p[1]), (p[0] + size, p[1])), weight=0.5)
            s.detail(((p[0], p[1] - size), (p[0], p[1] + size)), weight=0.5)
    return bright


def _five_point_stars(s: _Sheet) -> None:
    """A starfield of five-pointed stars."""
    _starfield(s, 5, 0.42, 8, 22)


def _twinkling_stars(s: _Sheet) -> None:
    """A starfield of four-pointed twinkles."""
    _starfield(s, 4, 0.22, 9, 20)


def _shooting_star(s: _Sheet) -> None:
    """A starfield crossed by a shooting star and its trail."""
    r, w = s.rng, s.width
    _starfield(s, 5, 0.42, 4, 18)
    head = (w * 0.72, 0.3 + r.uniform(-0.05, 0.05))
    for k, off in enumerate((-0.035, 0.0, 0.035)):
        tail = (head[0] - w * 0.5, head[1] + 0.5)
        s.line(
            ((head[0] - 0.05, head[1] + 0.05 + off), (tail[0] + k * 0.05, tail[1] + off)),
            weight=1.0 - 0.2 * abs(k - 1),
        )
    _star_mark(s, head, 0.09, 5, 0.42)


# ---------------------------------------------------------------- hills


def _hump(cx: float, half: float, height: float, foot: float = 0.995) -> Callable[[float], float]:
    """A rounded hill profile that meets the ground smoothly at ``cx ± half``."""

    def y(x: float) -> float:
        u = (x - cx) / half
        return foot - height * (1 - u * u) ** 1.6 if abs(u) < 1 else foot

    return y


def _tufts(s: _Sheet, profile: Sequence[Point], n: int, size: float) -> None:
    """Little tufts of grass along a hill's outline."""
    r = s.rng
    for _ in range(n):
        x, y = profile[r.randrange(2, len(profile) - 2)]
        y += size * 1.4
        s.detail(
            (
                (x - size, y - size),
                (x - size * 0.3, y),
                (x, y - size * 1.3),
                (x + size * 0.3, y),
                (x + size, y - size),
            ),
            weight=0.6,
        )


def _hill_body(s: _Sheet, f: Callable[[float], float], cx: float, half: float, tone: Tone) -> Poly:
    """A hill's area and shaded right flank; returns its outline."""
    xs = _steps(max(0.0, cx - half), min(s.width, cx + half), 40)
    profile = _profile(xs, f)
    area = (*profile, (xs[-1], 0.995), (xs[0], 0.995))
    s.fill(area, tone)
    flank = [p for p in profile if p[0] > cx + half * 0.12]
    s.shade((*flank, (cx + half * 0.5, 0.995)), angle=0.6, spacing=0.03)
    return profile


def _round_hill(s: _Sheet) -> None:
    """One round grassy hill."""
    w = s.width
    f = _hump(w / 2, w * 0.5, 0.85)
    profile = _hill_body(s, f, w / 2, w * 0.5, Tone.BODY)
    s.line(profile, weight=1.3)
    _tufts(s, profile, 7, 0.025)


def _rolling_hills(s: _Sheet) -> None:
    """Rolling hills: two near ones before a bigger, darker one."""
    r, w = s.rng, s.width
    back = _hump(w * 0.62, w * 0.5, 0.9)
    fronts = [_hump(w * 0.22, w * 0.3, 0.5 + r.uniform(-0.05, 0.05)), _hump(w * 0.85, w * 0.3, 0.4)]

    def front(x: float) -> float:
        return min(g(x) for g in fronts)

    xs = _steps(0.0, w, 60)
    back_line = _profile(xs, back)
    s.fill((*back_line, (w, 0.995), (0.0, 0.995)), Tone.SHADE)
    for run in _visible(back_line, front):
        s.line(run, weight=1.0)
        s.hatch((*run, *((x, front(x)) for x, _ in reversed(run))), angle=0.35, spacing=0.045)
    for g, (cx, half) in zip(fronts, ((w * 0.22, w * 0.3), (w * 0.85, w * 0.3)), strict=True):
        profile = _hill_body(s, g, cx, half, Tone.BODY)
        s.line(profile, weight=1.3)
        _tufts(s, profile, 3, 0.02)


def _field_hill(s: _Sheet) -> None:
    """Farmland over a hill: bands of fields following its curve, every other one ploughed."""
    r, w = s.rng, s.width
    cx, half, height = w * 0.5, w * 0.5, 0.75
    f = _hump(cx, half, height)
    xs = _steps(0.0, w, 40)
    profile = _profile(xs, f)
    s.fill((*profile, (w, 0.995), (0.0, 0.995)))
    curves = [profile] + [_profile(xs, _hump(cx, half, height * k)) for k in (0.62, 0.32)]
    curves.append(_profile(xs, lambda _x: 0.995))

    def out(u: float, k: float) -> float:
        return min(w, max(0.0, cx + u * half * k))

    for band, (upper, lower) in enumerate(itertools.pairwise(curves)):
        n = 1 + band + r.randrange(2)
        cuts = [-0.8 + 1.6 * (k + 0.5) / n + r.uniform(-0.15, 0.15) for k in range(n)]
        edges = [-2.0, *cuts, 2.0]
        spread = 0.6 + 0.3 * band  # hedges fan out down the slope
        for cell, (ua, ub) in enumerate(itertools.pairwise(edges)):
            top = [p for p in upper if out(ua, spread) <= p[0] <= out(ub, spread)]
            bottom = [p for p in lower if out(ua, spread + 0.3) <= p[0] <= out(ub, spread + 0.3)]
            if len(top) < 2 or len(bottom) < 2:
                continue
            area = (*top, *reversed(bottom))
            crop = (band * 2 + cell) % 3
            if crop == 0:
                s.fill(area, Tone.LIGHT)
            else:
                s.shade(area, angle=0.5 if crop == 1 else -0.6, spacing=0.05)
            if cell:  # a hedge between this field and the last
                s.detail((top[0], bottom[0]), weight=0.7)
        if band:
            s.detail(upper, weight=0.7)
    s.line(profile, weight=1.3)
    _tufts(s, profile, 3, 0.02)


# ---------------------------------------------------------------- rocks


def _boulder_shape(
    r: random.Random, cx: float, cy: float, rx: float, ry: float, foot: float
) -> Poly:
    """A rounded boulder outline sitting flat on ``foot``."""
    ring = _ring(cx, cy, rx, ry, 9, r, 0.1)
    return smooth([(x, min(y, foot)) for x, y in ring], closed=True, n=4)


def _rock_body(s: _Sheet, shape: Poly, cx: float, cy: float, rx: float, ry: float) -> None:
    """A boulder's wash, shadow, highlight and outline."""
    s.fill(shape)
    shadow = _crescent(shape, ellipse(cx - rx * 0.25, cy - ry * 0.3, rx, ry, n=40))
    s.shade(shadow, dots=int(260 * rx * ry) + 20)
    s.fill(
        _crescent(
            ellipse(cx - rx * 0.35, cy - ry * 0.4, rx * 0.35, ry * 0.25, n=16),
            ellipse(cx - rx * 0.3, cy - ry * 0.3, rx * 0.35, ry * 0.25, n=16),
        ),
        Tone.LIGHT,
    )
    s.line(shape, closed=True, weight=1.3)


def _boulder(s: _Sheet) -> None:
    """One big rounded boulder with cracks."""
    r, w = s.rng, s.width
    cx, cy, rx, ry = w / 2, 0.55, w * 0.42, 0.45
    shape = _boulder_shape(r, cx, cy, rx, ry, 0.97)
    _rock_body(s, shape, cx, cy, rx, ry)
    for _ in range(2):
        x, y = cx + r.uniform(-0.2, 0.2), cy + r.uniform(-0.2, 0.1)
        s.detail(_jagged([(x, y), (x + r.uniform(-0.1, 0.1), y + 0.15)], r, 0.015, 2), weight=0.6)
    _ground(s, 0.02, w - 0.02)


def _angular_rock(s: _Sheet) -> None:
    """A faceted rock: flat faces meeting at an apex, the right face in shadow."""
    r, w = s.rng, s.width
    cx, cy = w / 2, 0.58
    ring = [(x, min(y, 0.97)) for x, y in _ring(cx, cy, w * 0.44, 0.42, 7, r, 0.12)]
    apex = (cx + r.uniform(0.0, 0.1), cy - 0.12)
    right_i = max(range(7), key=lambda i: ring[i][0])
    low_i = max(range(7), key=lambda i: ring[i][1] - abs(ring[i][0] - cx))
    s.fill(ring)
    j = right_i
    face = [apex]
    while True:
        face.append(ring[j])
        if j == low_i:
            break
        j = (j + 1) % 7
    s.shade(face, angle=0.9, spacing=0.025)
    top_i = min(range(7), key=lambda i: ring[i][1])
    s.line(ring, closed=True, weight=1.4)
    for i in {right_i, low_i, top_i}:
        s.detail((apex, ring[i]), weight=0.9)
    _ground(s, 0.02, w - 0.02)


def _rock_pile(s: _Sheet) -> None:
    """Two small stones in front of a big boulder."""
    r, w = s.rng, s.width
    _ground(s, 0.02, w - 0.02)
    s.covers(())
    stones = [
        (w * 0.2, 0.78, w * 0.16, 0.2),
        (w * 0.8, 0.8, w * 0.17, 0.18),
        (w * 0.48, 0.5, w * 0.3, 0.45),
    ]
    for cx, cy, rx, ry in stones:  # the two small stones stand in front of the big one
        shape = _boulder_shape(r, cx, cy, rx, ry, 0.97)
        _rock_body(s, shape, cx, cy, rx, ry)
        s.covers(shape)


# ---------------------------------------------------------------- grass


def _blade(s: _Sheet, base: Point, height: float, lean: float, width: float, tone: Tone) -> None:
    """One blade of grass: a tapering curved sliver (a line on the plotter)."""
    tip = (base[0] + lean, base[1] - height)
    spine = bezier(
        base,
        (base[0], base[1] - height * 0.5),
        (base[0] + lean * 0.5, base[1] - height * 0.85),
        tip,
        n=8,
    )
    if s.paint:
        left, right = _ribbon(spine, [width * (1 - i / 7) for i in range(8)])
        s.fill(_band(left, right), tone)
        if tone is Tone.SHADE:  # a few dark strokes on top give the washes an edge
            s.line(left, tone=Tone.SHADE, weight=0.6)
    else:
        s.line(spine, weight=0.8)


def _tuft_band(s: _Sheet, per_unit: float, blades: int, tall: float) -> None:
    """A band of grass tufts (``per_unit`` per box height of width), blades fanning out."""
    r, w = s.rng, s.width
    tufts = max(3, round(per_unit * w))
    for i in range(tufts):
        x = w * (i + 0.5 + r.uniform(-0.3, 0.3)) / tufts
        for k in range(blades):
            t = k / (blades - 1) - 0.5
            height = tall * r.uniform(0.55, 1.0) * (1 - abs(t) * 0.7)
            tone = Tone.BODY if k % 2 else Tone.SHADE
            _blade(s, (x + t * 0.04, 0.99), height, t * 0.35 + r.uniform(-0.05, 0.05), 0.018, tone)
    s.line(((0.0, 0.99), (w, 0.99)), weight=0.9)


def _grass_tufts(s: _Sheet) -> None:
    """Short grass in tufts."""
    _tuft_band(s, 2.75, 5, 0.75)


def _meadow_grass(s: _Sheet) -> None:
    """Tall meadow grass bending in the wind."""
    r, w = s.rng, s.width
    wind = r.uniform(0.08, 0.16)
    count = max(10, round(13 * w))
    for i in range(count):
        x = w * (i + r.uniform(0, 1)) / count
        tone = Tone.SHADE if i % 3 == 0 else Tone.BODY
        _blade(s, (x, 0.99), r.uniform(0.6, 0.97), wind + r.uniform(-0.12, 0.12), 0.02, tone)
    s.line(((0.0, 0.99), (w, 0.99)), weight=0.9)


def _flowery_grass(s: _Sheet) -> None:
    """Grass tufts with small wild flowers."""
    r, w = s.rng, s.width
    _tuft_band(s, 2.2, 4, 0.6)
    count = max(2, round(1.2 * w))
    for i in range(count):
        x = w * (i + 0.5 + r.uniform(-0.25, 0.25)) / count
        y = r.uniform(0.2, 0.4)
        s.detail(
            bezier((x, 0.99), (x - 0.02, 0.7), (x + 0.02, 0.5), (x, y + 0.05), n=6), weight=0.7
        )
        blossom = _blossom(x, y, 0.065, r.uniform(0, 1))
        s.fill(blossom, Tone.ACCENT)
        s.detail(blossom, closed=True, weight=0.6)
        s.dot((x, y), weight=2.0)


def _blossom(cx: float, cy: float, rad: float, turn: float) -> Poly:
    """A little five-petalled flower head as one outline."""
    pts = []
    for k in range(10):
        f = 1.0 if k % 2 == 0 else 0.35
        t = turn + math.pi * k / 5
        pts.append((cx + rad * f * math.cos(t), cy + rad * f * math.sin(t)))
    return smooth(pts, closed=True, n=4)


# ---------------------------------------------------------------- mushrooms


def _mushroom_one(s: _Sheet, cx: float, foot: float, w: float, h: float, style: str) -> None:
    """One mushroom: stem, cap (dome, flat or cone), gills under the rim, spots if asked."""
    r = s.rng
    rim = foot - h * (0.62 if style == "cone" else 0.5)
    top = foot - h
    sw = w * (0.1 if style == "cone" else 0.14)
    stem_l = bezier(
        (cx - sw * 1.25, foot),
        (cx - sw * 0.9, foot - h * 0.15),
        (cx - sw * 1.1, rim + h * 0.2),
        (cx - sw * 0.85, rim + 0.01),
        n=8,
    )
    stem_r = bezier(
        (cx + sw * 1.25, foot),
        (cx + sw * 0.9, foot - h * 0.15),
        (cx + sw * 1.1, rim + h * 0.2),
        (cx + sw * 0.85, rim + 0.01),
        n=8,
    )
    stem = _band(stem_l, stem_r)
    s.fill(stem, Tone.LIGHT)
    s.shade(_right_half(stem), spacing=0.02)
    s.line(stem_l, weight=1.1)
    s.line(stem_r, weight=1.1)
    s.line(smooth([stem_l[0], (cx, foot + 0.004), stem_r[0]], n=3), weight=1.0)
    cw = w / 2
    if style == "cone":
        dome = (
            *bezier(
                (cx - cw, rim),
                (cx - cw * 0.8, rim - h * 0.2),
                (cx - cw * 0.4, top),
                (cx, top),
                n=10,
            ),
            *bezier(
                (cx, top),
                (cx + cw * 0.4, top),
                (cx + cw * 0.8, rim - h * 0.2),
                (cx + cw, rim),
                n=10,
            )[1:],
        )
    else:
        height = (rim - top) * (0.75 if style == "flat" else 1.0)
        dome = arc(cx, rim, cw, height, math.pi, TAU, n=24)
    under = bezier(
        (cx + cw, rim),
        (cx + cw * 0.5, rim + h * 0.08),
        (cx - cw * 0.5, rim + h * 0.08),
        (cx - cw, rim),
        n=10,
    )
    cap = (*dome, *under[1:-1])
    s.fill(cap)
    s.shade(_crescent(cap, transform(cap, dx=-cw * 0.3, dy=-h * 0.05)), spacing=0.022)
    s.line(cap, closed=True, weight=1.3)
    for k in range(1, 8):
        p = under[k + 1]
        s.detail((p, _lerp(p, (cx, rim + 0.005), 0.55)), weight=0.5)
    s.detail(arc(cx, rim + h * 0.18, sw * 1.1, h * 0.03, 0.2, math.pi - 0.2, n=6), weight=0.7)
    if style == "spotted":
        for k in range(6):
            t = math.pi * (1.15 + 0.7 * k / 5) + r.uniform(-0.05, 0.05)
            f = 0.55 if k % 2 else 0.8
            p = (cx + cw * f * math.cos(t), rim + (rim - top) * f * math.sin(t))
            spot = ellipse(p[0], p[1], w * 0.045, h * 0.035, n=10)
            s.fill(spot, Tone.LIGHT)
            s.detail(spot, closed=True, weight=0.7)


def _fly_agaric(s: _Sheet) -> None:
    """A fly agaric: spotted dome cap, ringed stem."""
    _mushroom_one(s, 0.5 + s.rng.uniform(-0.02, 0.02), 0.98, 0.9, 0.92, "spotted")


def _mushroom_cluster(s: _Sheet) -> None:
    """Three mushrooms of different sizes and caps."""
    r = s.rng
    _mushroom_one(s, 0.62, 0.97, 0.62, 0.92, "spotted")
    _mushroom_one(s, 0.22 + r.uniform(-0.02, 0.02), 0.98, 0.36, r.uniform(0.45, 0.55), "flat")
    _mushroom_one(s, 0.88, 0.985, 0.22, r.uniform(0.28, 0.36), "dome")


def _cone_mushroom(s: _Sheet) -> None:
    """Two tall mushrooms with bell-shaped caps."""
    r = s.rng
    _mushroom_one(s, 0.52 + r.uniform(-0.02, 0.02), 0.98, r.uniform(0.55, 0.62), 0.95, "cone")
    _mushroom_one(s, 0.18 + r.uniform(-0.02, 0.02), 0.985, 0.26, r.uniform(0.4, 0.5), "cone")


# ---------------------------------------------------------------- cacti


def _column(cx: float, top: float, half: float) -> Poly:
    """An upright cactus stem with a rounded top, as a closed ring."""
    return (
        (cx - half, 0.99),
        *arc(cx, top + half, half, half, math.pi, TAU, n=14),
        (cx + half, 0.99),
    )


def _arm(
    cx: float, root: float, y: float, reach: float, top: float, half: float
) -> tuple[Poly, Poly]:
    """A saguaro arm leaving the column (centre ``cx``) from ``root`` at height ``y``: (closed
    outline, centre rib). It starts just inside the column so the washes barely overlap."""
    ax = cx + reach
    spine = (
        *bezier((root, y), (ax, y), (ax, y), (ax, y - 0.12), n=10),
        *((ax, yy) for yy in _steps(y - 0.14, top + half, 5)),
    )
    left, right = _ribbon(spine, [half] * len(spine))
    lo, ro = left[-1], right[-1]
    cap = bezier(lo, (lo[0], top - half * 0.3), (ro[0], top - half * 0.3), ro, n=8)
    return (*left, *cap[1:-1], *reversed(right)), spine


def _saguaro(s: _Sheet) -> None:
    """A saguaro: a ribbed column with two upturned arms."""
    r = s.rng
    cx, half, top = 0.35, 0.085, 0.04
    column = _column(cx, top, half)
    arms = [
        _arm(
            cx,
            cx - half * 0.8,
            0.6 + r.uniform(-0.03, 0.03),
            -0.2,
            0.3 + r.uniform(-0.04, 0.04),
            0.055,
        ),
        _arm(
            cx,
            cx + half * 0.8,
            0.5 + r.uniform(-0.03, 0.03),
            0.2,
            0.2 + r.uniform(-0.04, 0.04),
            0.055,
        ),
    ]
    for outline, _ in arms:
        s.fill(outline)
        s.shade(_right_half(outline), spacing=0.02)
    s.fill(column)
    s.shade(tuple((max(x, cx + half * 0.3), y) for x, y in column), spacing=0.02)
    for outline, spine in arms:
        for run in _runs(outline, lambda p: not inside(p, column)):
            s.line(run, weight=1.3)
        s.detail([p for p in spine if not inside(p, column)], weight=0.6)
    for run in _runs(column, lambda p: not any(inside(p, a) for a, _ in arms)):
        s.line(run, weight=1.3)
    for f in (-0.5, 0.0, 0.5):
        x = cx + half * f
        s.detail(
            smooth([(x, 0.97), (x, top + half), (cx + (x - cx) * 0.4, top + 0.02)], n=4), weight=0.6
        )
    _spines(s, column, 10)
    _ground(s, 0.05, 0.65)


def _spines(s: _Sheet, ring: Sequence[Point], n: int) -> None:
    """Little pairs of needles poking out of an outline."""
    r = s.rng
    ring = _dense(ring, 0.03)
    cx = sum(p[0] for p in ring) / len(ring)
    cy = sum(p[1] for p in ring) / len(ring)
    for _ in range(n):
        x, y = ring[r.randrange(len(ring))]
        dx, dy = x - cx, y - cy
        norm = math.hypot(dx, dy) or 1.0
        ux, uy = dx / norm * 0.022, dy / norm * 0.022
        s.detail(
            ((x + uy * 0.5, y - ux * 0.5), (x, y), (x - uy * 0.5 + ux, y + ux * 0.5 + uy)),
            weight=0.4,
        )


def _barrel(s: _Sheet) -> None:
    """A barrel cactus: a ribbed ball crowned with flowers."""
    r = s.rng
    cx, cy, rx, ry = 0.35, 0.63, 0.3, 0.36
    body = tuple((x, min(y, 0.97)) for x, y in ellipse(cx, cy, rx, ry, n=40))
    s.fill(body)
    s.shade(_crescent(body, ellipse(cx - 0.08, cy - 0.05, rx, ry, n=40)), spacing=0.02)
    s.line(body, closed=True, weight=1.4)
    for f in (-0.7, -0.35, 0.0, 0.35, 0.7):
        rib = [
            (cx + f * rx * math.cos(t), min(0.965, cy + ry * math.sin(t)))
            for t in _steps(-1.35, 1.45, 12)
        ]
        s.detail(rib, weight=0.6)
        for k in (3, 6, 9):
            x, y = rib[k]
            s.detail(((x - 0.012, y - 0.006), (x, y), (x + 0.012, y - 0.006)), weight=0.4)
    for dx in (-0.08, 0.0, 0.08):
        p = (cx + dx + r.uniform(-0.01, 0.01), cy - ry + 0.02 - (0.03 if dx == 0 else 0.0))
        for k in range(5):
            t = TAU * k / 5
            petal = ellipse(p[0] + 0.022 * math.cos(t), p[1] + 0.022 * math.sin(t), 0.02, 0.02, n=8)
            s.fill(petal, Tone.ACCENT)
            s.detail(petal, closed=True, weight=0.5)
    _ground(s, 0.02, 0.68)


def _prickly_pear(s: _Sheet) -> None:
    """A prickly pear: flat oval pads with spines and fruit."""
    r = s.rng
    base = (0.35, 0.72, 0.15, 0.25, 0.0)
    uppers = [
        (0.19, 0.38, 0.11, 0.17, -0.45 + r.uniform(-0.08, 0.08)),
        (0.5, 0.34, 0.105, 0.16, 0.4 + r.uniform(-0.08, 0.08)),
    ]
    front = ellipse(base[0], base[1], base[2], base[3], n=30)
    for cx, cy, rx, ry, rot in uppers:
        pad = ellipse(cx, cy, rx, ry, n=26, rot=rot)
        s.fill(pad)
        s.shade(
            _crescent(pad, ellipse(cx - rx * 0.3, cy - ry * 0.2, rx, ry, n=26, rot=rot)),
            spacing=0.02,
        )
        for run in _runs(pad, lambda p: not inside(p, front)):
            s.line(run, weight=1.2)
        tip = (cx + ry * math.sin(rot), cy - ry * math.cos(rot))
        fruit = ellipse(tip[0], tip[1] - 0.025, 0.025, 0.035, n=10, rot=rot)
        s.fill(fruit, Tone.ACCENT)
        s.line(fruit, closed=True, weight=0.8)
        _areoles(s, cx, cy, rx, ry, rot, 5, front)
    s.fill(front)
    s.shade(
        _crescent(front, ellipse(base[0] - 0.05, base[1] - 0.05, base[2], base[3], n=30)),
        spacing=0.02,
    )
    s.line(front, closed=True, weight=1.3)
    _areoles(s, base[0], base[1], base[2], base[3], 0.0, 7, ())
    _ground(s, 0.1, 0.6)


def _areoles(
    s: _Sheet,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    rot: float,
    n: int,
    hidden: Sequence[Point],
) -> None:
    """The spiny dots on a prickly-pear pad."""
    r = s.rng
    c, si = math.cos(rot), math.sin(rot)
    for _ in range(n):
        u, v = r.uniform(-0.6, 0.6), r.uniform(-0.65, 0.65)
        x, y = rx * u, ry * v
        p = (cx + x * c - y * si, cy + x * si + y * c)
        if hidden and inside(p, hidden):
            continue
        s.dot(p, weight=1.4)
        s.detail(((p[0] - 0.015, p[1] - 0.012), p, (p[0] + 0.012, p[1] - 0.016)), weight=0.4)


# ---------------------------------------------------------------- the library


def _spec(
    name: str,
    placement: Placement,
    aspect: float,
    body: str,
    size: float,
    parts: Sequence[Callable[[_Sheet], None]],
    *,
    square: bool = True,
) -> SubjectSpec:
    """``square`` draws in an ``aspect``-wide box so round things stay round."""
    return SubjectSpec(
        name=name,
        category=Category.NATURE,
        placement=placement,
        aspect=aspect,
        body=body,
        draw=_drawer(parts, aspect if square else 1.0, size),
        variants=len(parts),
        size=size,
    )


SUBJECTS: tuple[SubjectSpec, ...] = (
    _spec("tree", Placement.HORIZON, 0.8, "#2f855a", 0.55, (_oak, _bare, _poplar), square=False),
    _spec(
        "pine",
        Placement.HORIZON,
        0.55,
        "#2f855a",
        0.55,
        (_pine, _spruce, _snowy_pine),
        square=False,
    ),
    _spec(
        "palm",
        Placement.HORIZON,
        0.8,
        "#4ade80",
        0.55,
        (_palm, _leaning_palm, _palm_pair),
        square=False,
    ),
    _spec(
        "forest", Placement.FILL, 3.0, "#2f855a", 0.35, (_pine_forest, _leafy_forest, _mixed_forest)
    ),
    _spec("flower", Placement.GROUND, 0.6, "#ff6b6b", 0.35, (_daisy, _tulip, _sunflower)),
    _spec("mountain", Placement.HORIZON, 1.6, "#9ca3af", 0.45, (_lone_peak, _range, _mesa)),
    _spec("sea", Placement.FILL, 3.0, "#3b82f6", 0.4, (_calm_sea, _choppy_sea, _big_waves)),
    _spec(
        "river", Placement.FILL, 2.5, "#3b82f6", 0.4, (_winding_river, _bending_river, _stony_river)
    ),
    _spec("cloud", Placement.SKY, 2.0, "#ffffff", 0.18, (_cumulus, _long_cloud, _rain_cloud)),
    _spec("moon", Placement.SKY, 1.0, "#f5f0e1", 0.2, (_full_moon, _crescent_moon, _half_moon)),
    _spec("sun", Placement.SKY, 1.0, "#ffd93d", 0.25, (_sun_rays, _sun_wavy, _sun_burst)),
    _spec(
        "stars",
        Placement.SKY,
        2.0,
        "#ffd93d",
        0.35,
        (_five_point_stars, _twinkling_stars, _shooting_star),
    ),
    _spec(
        "hill", Placement.HORIZON, 2.5, "#4ade80", 0.3, (_round_hill, _rolling_hills, _field_hill)
    ),
    _spec("rock", Placement.GROUND, 1.4, "#9ca3af", 0.2, (_boulder, _angular_rock, _rock_pile)),
    _spec(
        "grass", Placement.FILL, 6.0, "#4ade80", 0.15, (_grass_tufts, _meadow_grass, _flowery_grass)
    ),
    _spec(
        "mushroom",
        Placement.GROUND,
        1.0,
        "#ff6b6b",
        0.2,
        (_fly_agaric, _mushroom_cluster, _cone_mushroom),
    ),
    _spec("cactus", Placement.GROUND, 0.7, "#4ade80", 0.35, (_saguaro, _barrel, _prickly_pear)),
)
