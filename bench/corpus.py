"""Deterministic path corpora for the benchmarks (seeded ``random.Random``)."""

from __future__ import annotations

import math
import random

from code_monet.types import Author, Path, PathType, Point
from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.styles import PAINT_PALETTE

CANVAS_WIDTH = 800
CANVAS_HEIGHT = 600


def _point(rng: random.Random, width: int, height: int) -> Point:
    return Point(x=round(rng.uniform(0, width), 2), y=round(rng.uniform(0, height), 2))


def _near(rng: random.Random, origin: Point, reach: float, width: int, height: int) -> Point:
    x = min(width, max(0.0, origin.x + rng.uniform(-reach, reach)))
    y = min(height, max(0.0, origin.y + rng.uniform(-reach, reach)))
    return Point(x=round(x, 2), y=round(y, 2))


def _walk(rng: random.Random, count: int, width: int, height: int) -> list[Point]:
    """A hand-like polyline: steps of 4–12 units whose heading drifts smoothly."""
    x, y = rng.uniform(0, width), rng.uniform(0, height)
    heading = rng.uniform(0, math.tau)
    points = [Point(x=round(x, 2), y=round(y, 2))]
    for _ in range(count - 1):
        heading += rng.uniform(-0.6, 0.6)
        step = rng.uniform(4.0, 12.0)
        x = min(width, max(0.0, x + math.cos(heading) * step))
        y = min(height, max(0.0, y + math.sin(heading) * step))
        points.append(Point(x=round(x, 2), y=round(y, 2)))
    return points


def _fmt(point: Point) -> str:
    return f"{point.x:g} {point.y:g}"


def _svg_d(rng: random.Random, width: int, height: int) -> str:
    """A ``d`` string of 3–10 L/Q/C commands (occasionally closed)."""
    current = _point(rng, width, height)
    parts = [f"M {_fmt(current)}"]
    for _ in range(rng.randint(3, 10)):
        kind = rng.choice("LQC")
        count = {"L": 1, "Q": 2, "C": 3}[kind]
        pts = [_near(rng, current, 40.0, width, height) for _ in range(count)]
        parts.append(kind + " " + " ".join(_fmt(p) for p in pts))
        current = pts[-1]
    if rng.random() < 0.2:
        parts.append("Z")
    return " ".join(parts)


def _shape(rng: random.Random, width: int, height: int, author: Author) -> Path:
    """One mixed path: 40% polyline, 15% each line/quadratic/cubic, 15% svg."""
    roll = rng.random()
    if roll < 0.40:
        points = _walk(rng, rng.randint(8, 40), width, height)
        return Path(type=PathType.POLYLINE, points=points, author=author)
    if roll < 0.55:
        start = _point(rng, width, height)
        return Path(
            type=PathType.LINE,
            points=[start, _near(rng, start, 120.0, width, height)],
            author=author,
        )
    if roll < 0.70:
        start = _point(rng, width, height)
        pts = [start] + [_near(rng, start, 100.0, width, height) for _ in range(2)]
        return Path(type=PathType.QUADRATIC, points=pts, author=author)
    if roll < 0.85:
        start = _point(rng, width, height)
        pts = [start] + [_near(rng, start, 120.0, width, height) for _ in range(3)]
        return Path(type=PathType.CUBIC, points=pts, author=author)
    return Path(type=PathType.SVG, d=_svg_d(rng, width, height), author=author)


def plotter_corpus(
    n: int = 2000,
    *,
    seed: int = 1,
    width: int = CANVAS_WIDTH,
    height: int = CANVAS_HEIGHT,
    human_share: float = 0.0,
) -> list[Path]:
    """``n`` mixed plotter paths (no style overrides); ``human_share`` of them by a human."""
    rng = random.Random(seed)
    paths: list[Path] = []
    for _ in range(n):
        author = Author.HUMAN if rng.random() < human_share else Author.AGENT
        paths.append(_shape(rng, width, height, author))
    return paths


def paint_corpus(
    n: int = 600,
    *,
    seed: int = 2,
    width: int = CANVAS_WIDTH,
    height: int = CANVAS_HEIGHT,
) -> list[Path]:
    """``n`` paint strokes: palette colours, widths 2–20, opacity 0.3–1, a brush on 70%."""
    rng = random.Random(seed)
    paths: list[Path] = []
    for _ in range(n):
        base = _shape(rng, width, height, Author.AGENT)
        paths.append(
            base.model_copy(
                update={
                    "color": rng.choice(PAINT_PALETTE),
                    "stroke_width": round(rng.uniform(2.0, 20.0), 1),
                    "opacity": round(rng.uniform(0.3, 1.0), 2),
                    "brush": rng.choice(BRUSH_NAMES) if rng.random() < 0.7 else None,
                }
            )
        )
    return paths


def mixed_paths(n: int = 1000, *, seed: int = 3) -> list[Path]:
    """``n`` mixed paths by both authors, a third of them with paint-style overrides."""
    rng = random.Random(seed)
    paths: list[Path] = []
    for _ in range(n):
        author = Author.HUMAN if rng.random() < 0.1 else Author.AGENT
        path = _shape(rng, CANVAS_WIDTH, CANVAS_HEIGHT, author)
        if rng.random() < 0.33:
            path = path.model_copy(
                update={
                    "color": rng.choice(PAINT_PALETTE),
                    "stroke_width": round(rng.uniform(2.0, 20.0), 1),
                    "opacity": round(rng.uniform(0.3, 1.0), 2),
                }
            )
        paths.append(path)
    return paths
