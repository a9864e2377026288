"""A small deterministic generative piece, used by ``code-monet render-sample``.

It exercises the whole drawing core (every path type, arcs, paint brushes) without a server or
an agent, so a fresh checkout can show what the renderer produces.
"""

from __future__ import annotations

import math
import random

import numpy as np

from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Path
from code_monet.types.state import DEFAULT_CANVAS_HEIGHT, DEFAULT_CANVAS_WIDTH
from code_monet.types.styles import PAINT_PALETTE, DrawingStyleType


def _flow_angle(x: float, y: float, phase: float) -> float:
    return math.sin(x * 0.008 + phase) * 2.2 + math.cos(y * 0.011 - phase * 0.7) * 1.6


def sample_piece(
    seed: int = 1,
    width: int = DEFAULT_CANVAS_WIDTH,
    height: int = DEFAULT_CANVAS_HEIGHT,
    style: DrawingStyleType = DrawingStyleType.PLOTTER,
) -> list[Path]:
    """Flow-field streamlines around a few arcs: deterministic for ``seed``."""
    rng = random.Random(seed)
    phase = rng.uniform(0, math.tau)
    paint = style is DrawingStyleType.PAINT
    paths: list[Path] = []
    margin = 40.0
    for _ in range(160 if not paint else 70):
        x, y = rng.uniform(margin, width - margin), rng.uniform(margin, height - margin)
        points = [Point(x=x, y=y)]
        for _ in range(rng.randint(12, 40)):
            angle = _flow_angle(x, y, phase)
            x += math.cos(angle) * 6.0
            y += math.sin(angle) * 6.0
            if not (margin <= x <= width - margin and margin <= y <= height - margin):
                break
            points.append(Point(x=x, y=y))
        if len(points) < 2:
            continue
        extra: dict[str, str | float] = {}
        if paint:
            extra = {
                "color": rng.choice(PAINT_PALETTE[:10]),
                "stroke_width": rng.uniform(3, 14),
                "opacity": rng.uniform(0.45, 0.9),
                "brush": rng.choice(BRUSH_NAMES),
            }
        paths.append(Path.model_validate({"type": "polyline", "points": points, **extra}))
    cx, cy = width * 0.5, height * 0.5
    for radius in np.linspace(40, min(width, height) * 0.32, 5):
        r = float(radius)
        d = f"M {cx - r:.1f} {cy:.1f} A {r:.1f} {r:.1f} 0 1 1 {cx + r:.1f} {cy:.1f}"
        paths.append(Path(type=PathType.SVG, d=d))
    paths.append(
        Path(
            type=PathType.CUBIC,
            points=[
                Point(x=margin, y=height - margin),
                Point(x=width * 0.3, y=height * 0.6),
                Point(x=width * 0.6, y=height * 1.0 - margin),
                Point(x=width - margin, y=height * 0.7),
            ],
        )
    )
    return paths
