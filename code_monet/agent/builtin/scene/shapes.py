"""Geometry for subjects, in unit-box coordinates: curves, outlines, hatching and stippling.

Everything returns plain point tuples so subjects stay small and readable; randomness comes
only from the ``random.Random`` passed in (a seed replays the same drawing).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from code_monet.agent.builtin.scene.marks import Mark, MarkKind, Point, Tone

Poly = tuple[Point, ...]


def ellipse(cx: float, cy: float, rx: float, ry: float, *, n: int = 28, rot: float = 0.0) -> Poly:
    """A closed ellipse (first point not repeated), rotated by ``rot`` radians."""
    c, s = math.cos(rot), math.sin(rot)
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + x * c - y * s, cy + x * s + y * c))
    return tuple(pts)


def arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, *, n: int = 16
) -> Poly:
    """An open elliptical arc from angle ``start`` to ``end`` (radians, y down)."""
    return tuple(
        (
            cx + rx * math.cos(start + (end - start) * i / (n - 1)),
            cy + ry * math.sin(start + (end - start) * i / (n - 1)),
        )
        for i in range(n)
    )


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, *, n: int = 16) -> Poly:
    """A cubic Bézier curve sampled at ``n`` points."""
    out = []
    for i in range(n):
        t = i / (n - 1)
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
        out.append(
            (
                a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
            )
        )
    return tuple(out)


def smooth(points: Sequence[Point], *, closed: bool = False, n: int = 6) -> Poly:
    """A Catmull-Rom curve through ``points`` (``n`` samples per segment)."""
    pts = list(points)
    if len(pts) < 3:
        return tuple(pts)
    ring = pts if closed else [pts[0], *pts, pts[-1]]
    count = len(pts) if closed else len(pts) - 1
    out: list[Point] = []
    for i in range(count):
        if closed:
            p0, p1, p2, p3 = (ring[(i + k - 1) % len(ring)] for k in range(4))
        else:
            p0, p1, p2, p3 = ring[i], ring[i + 1], ring[i + 2], ring[i + 3]
        for j in range(n):
            t = j / n
            t2, t3 = t * t, t * t * t
            out.append(
                tuple(  # type: ignore[arg-type]
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    if not closed:
        out.append(pts[-1])
    return tuple(out)


def rect(x: float, y: float, w: float, h: float) -> Poly:
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def transform(
    points: Sequence[Point],
    *,
    dx: float = 0.0,
    dy: float = 0.0,
    sx: float = 1.0,
    sy: float = 1.0,
    rot: float = 0.0,
    about: Point = (0.0, 0.0),
) -> Poly:
    """Scale and rotate about ``about``, then translate."""
    c, s = math.cos(rot), math.sin(rot)
    out = []
    for x, y in points:
        x, y = (x - about[0]) * sx, (y - about[1]) * sy
        out.append((about[0] + x * c - y * s + dx, about[1] + x * s + y * c + dy))
    return tuple(out)


def wobble(points: Sequence[Point], rng: random.Random, amount: float = 0.004) -> Poly:
    """A hand-drawn tremor: each point moved by up to ``amount`` (unit-box units)."""
    return tuple(
        (x + rng.uniform(-amount, amount), y + rng.uniform(-amount, amount)) for x, y in points
    )


def inside(p: Point, poly: Sequence[Point]) -> bool:
    """Even-odd point-in-polygon test."""
    x, y = p
    hit = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def hatch(poly: Sequence[Point], *, angle: float = 0.8, spacing: float = 0.03) -> list[Poly]:
    """Parallel segments at ``angle`` (radians) filling ``poly`` (any simple polygon)."""
    c, s = math.cos(-angle), math.sin(-angle)
    rot = [(x * c - y * s, x * s + y * c) for x, y in poly]  # rotate so hatches are horizontal
    ys = [p[1] for p in rot]
    lines: list[Poly] = []
    y = min(ys) + spacing / 2
    ci, si = math.cos(angle), math.sin(angle)
    n = len(rot)
    while y < max(ys):
        xs = sorted(
            x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            for (x1, y1), (x2, y2) in ((rot[i], rot[(i + 1) % n]) for i in range(n))
            if (y1 > y) != (y2 > y)
        )
        for a, b in zip(xs[::2], xs[1::2], strict=False):
            lines.append(((a * ci - y * si, a * si + y * ci), (b * ci - y * si, b * si + y * ci)))
        y += spacing
    return lines


def stipple(poly: Sequence[Point], rng: random.Random, count: int) -> list[Point]:
    """``count`` random dots inside ``poly`` (rejection sampling within its bounds)."""
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    dots: list[Point] = []
    for _ in range(count * 20):
        if len(dots) >= count:
            break
        p = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
        if inside(p, poly):
            dots.append(p)
    return dots


# ---------------------------------------------------------------- mark builders


def contour(
    points: Sequence[Point], *, closed: bool = False, tone: Tone = Tone.INK, weight: float = 1.0
) -> Mark:
    return Mark(tuple(points), MarkKind.CONTOUR, tone, closed, weight)


def detail(
    points: Sequence[Point], *, closed: bool = False, tone: Tone = Tone.INK, weight: float = 0.7
) -> Mark:
    return Mark(tuple(points), MarkKind.DETAIL, tone, closed, weight)


def wash(points: Sequence[Point], *, tone: Tone = Tone.BODY) -> Mark:
    return Mark(tuple(points), MarkKind.WASH, tone, True, 1.0)


def hatch_marks(
    poly: Sequence[Point],
    *,
    angle: float = 0.8,
    spacing: float = 0.03,
    tone: Tone = Tone.SHADE,
    weight: float = 0.5,
) -> list[Mark]:
    return [
        Mark(seg, MarkKind.HATCH, tone, False, weight)
        for seg in hatch(poly, angle=angle, spacing=spacing)
    ]


def stipple_marks(
    poly: Sequence[Point],
    rng: random.Random,
    count: int,
    *,
    tone: Tone = Tone.SHADE,
    weight: float = 0.8,
) -> list[Mark]:
    return [
        Mark(((x, y), (x + 0.002, y + 0.002)), MarkKind.STIPPLE, tone, False, weight)
        for x, y in stipple(poly, rng, count)
    ]
