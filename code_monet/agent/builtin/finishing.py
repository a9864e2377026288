"""The finishing touches: a hand-placed accent (``draw_paths``) and the piece's title.

Accents are few, deliberate marks — a sun disc, a small flock, a row of dots — in the accent
colour, placed in the most open area, so the last thing a viewer sees drawn is a decision
rather than more texture. Titles are assembled from what the piece actually is
(its techniques, subject, mood and palette), deterministically for a seed.
"""

from __future__ import annotations

import math
import random
from typing import Final

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.palettes import INK, MOODS, PALETTES
from code_monet.agent.builtin.planner import PiecePlan

PathDict = dict[str, object]

NOUNS: Final[dict[str, tuple[str, ...]]] = {
    "flow_field": ("Currents", "Drift", "Undertow", "Streamlines"),
    "waves": ("Swell", "Tide", "Breakers", "Ridgelines"),
    "lsystem": ("Canopy", "Thicket", "Understory", "Branching"),
    "harmonograph": ("Pendulum", "Orbit", "Lissajous", "Swing"),
    "spiral": ("Vortex", "Gyre", "Unwinding", "Sunflower"),
    "contours": ("Topography", "Elevation", "Watershed", "Contours"),
    "washes": ("Haze", "Wash", "Weather", "Glow"),
    "truchet": ("Labyrinth", "Meander", "Knotwork", "Crossings"),
    "circle_packing": ("Bubbles", "Moons", "Colony", "Rings"),
    "subdivision": ("Floor Plan", "Blocks", "Quarters", "Rooms"),
    "hatching": ("Shade", "Engraving", "Half-Light", "Grain"),
    "moire": ("Interference", "Resonance", "Shimmer", "Echoes"),
    "voronoi": ("Cells", "Mosaic", "Tissue", "Pebbles"),
    "stippling": ("Dust", "Pollen", "Rain", "Static"),
    "starfield": ("Night Sky", "Stars", "Nocturne", "Constellations"),
}
PLACES: Final[dict[str, tuple[str, ...]]] = {
    "seascape": ("the Harbour", "Open Water", "the Shore"),
    "garden": ("the Garden", "the Orchard", "the Meadow"),
    "city": ("the City", "the Quarter", "the Old Town"),
    "cosmos": ("the Dark", "Deep Space", "the Observatory"),
    "cells": ("the Petri Dish", "the Hive", "the Tide Pool"),
    "terrain": ("the High Plateau", "the Valley", "the Foothills"),
    "currents": ("the Estuary", "the Wind", "the Narrows"),
}
TIMES: Final = (
    "at Dusk",
    "at Noon",
    "before Rain",
    "after Midnight",
    "in Early Spring",
    "at Low Tide",
    "in November",
)


def make_title(plan: PiecePlan, rng: random.Random, *, paint: bool) -> str:
    """An evocative title from the piece's own ingredients (same seed → same title)."""
    used = [t for t in plan.used if t != "washes"] or plan.used or ["flow_field"]
    noun = rng.choice(NOUNS.get(used[0], NOUNS["flow_field"]))
    other = [t for t in used[1:] if t in NOUNS and t != used[0]]
    noun2 = rng.choice(NOUNS[other[0]]) if other else rng.choice(NOUNS["washes"])
    mood = MOODS.get(plan.mood, MOODS["balanced"])
    adjective = rng.choice(mood.words)
    colours = PALETTES[plan.palette if paint else "mono"].title_words
    colour = rng.choice(colours)
    place = rng.choice(PLACES.get(plan.archetype, PLACES["currents"]))
    subject = noun
    if plan.subjects:
        words = plan.subjects[0].split()
        subject = " ".join(words[1:] if words[0] in ("a", "an", "the") else words).title()
    patterns = [
        f"{adjective} {noun}",
        f"{noun} {rng.choice(TIMES)}",
        f"{noun} over {place}",
        f"{colour} {noun}",
        f"Study for {noun}, No. {rng.randint(2, 31)}",
        f"{noun} and {noun2}",
        f"{subject}, {adjective.lower()}",
        f"{colour} {subject} {rng.choice(TIMES)}",
    ]
    if not plan.subjects:
        patterns = patterns[:6]
    return rng.choice(patterns)[:100]


def _style(paint: bool, color: str, width: float, brush: str, opacity: float = 0.92) -> PathDict:
    if not paint:
        return {}
    return {"color": color, "stroke_width": width, "brush": brush, "opacity": opacity}


def _circle(x: float, y: float, r: float) -> str:
    arc = f"a{r:.1f},{r:.1f} 0 1,0"
    return f"M{x - r:.1f},{y:.1f}{arc} {2 * r:.1f},0{arc} {-2 * r:.1f},0"


def accent_paths(
    plan: PiecePlan, reading: CanvasReading, rng: random.Random, *, paint: bool
) -> tuple[str, list[PathDict]]:
    """A few deliberate marks for the finishing turn and a phrase naming them."""
    w, h = float(reading.width), float(reading.height)
    ox, oy = reading.open_spot or (w * 0.7, h * 0.25)
    ox = min(max(ox, w * 0.12), w * 0.88)
    oy = min(max(oy, h * 0.12), h * 0.72)
    palette = PALETTES[plan.palette]
    accent = palette.accent if paint else INK
    kinds: tuple[str, ...] = {
        "seascape": ("birds", "disc"),
        "garden": ("disc", "birds"),
        "cosmos": ("disc", "dots"),
        "city": ("dots", "disc"),
        "terrain": ("disc", "birds"),
        "cells": ("dots", "disc"),
    }.get(plan.archetype, ("dots", "disc"))
    if plan.focal_drawn:  # a sun-like focal shape is already there: no second sun
        kinds = tuple(k for k in kinds if k != "disc") or ("dots",)
    kind = rng.choice(kinds)
    s = min(w, h)
    paths: list[PathDict] = []
    if kind == "disc":
        r = s * rng.uniform(0.045, 0.07)
        oy = min(oy, h * 0.4)
        if paint:
            paths.append(
                {
                    "type": "svg",
                    "d": _circle(ox, oy, r * 0.5),
                    **_style(paint, accent, r, "palette_knife", 0.95),
                }
            )
            paths.append(
                {
                    "type": "svg",
                    "d": _circle(ox, oy, r * 1.45),
                    **_style(paint, accent, 2.0, "ink", 0.8),
                }
            )
        else:
            rings = " ".join(_circle(ox, oy, q) for q in [r * k / 7 for k in range(1, 8)])
            paths.append({"type": "svg", "d": rings})
            paths.append({"type": "svg", "d": _circle(ox, oy, r * 1.5)})
        return "a small disc of colour, the sun or moon this piece was missing", paths
    if kind == "birds":
        for _ in range(rng.randint(3, 6)):
            bx, by = ox + rng.uniform(-1, 1) * s * 0.12, oy + rng.uniform(-1, 1) * s * 0.07
            span = s * rng.uniform(0.012, 0.025)
            lift = span * rng.uniform(0.35, 0.6)
            d = (
                f"M{bx - span:.1f},{by:.1f}Q{bx - span / 2:.1f},{by - lift:.1f} {bx:.1f},{by:.1f}"
                f"Q{bx + span / 2:.1f},{by - lift:.1f} {bx + span:.1f},{by:.1f}"
            )
            paths.append({"type": "svg", "d": d, **_style(paint, INK, 2.2, "ink", 0.9)})
        return "a loose flock of birds in the open sky", paths
    n = rng.randint(3, 7)
    angle = rng.uniform(-0.4, 0.4)
    gap = s * rng.uniform(0.035, 0.05)
    for i in range(n):
        x = ox + math.cos(angle) * gap * (i - n / 2)
        y = oy + math.sin(angle) * gap * (i - n / 2)
        r = s * 0.008 * (1.0 + (i % 3) * 0.5)
        if paint:
            points = [{"x": x - 0.3, "y": y}, {"x": x + 0.3, "y": y}]
            paths.append(
                {
                    "type": "line",
                    "points": points,
                    **_style(paint, accent, r * 2.4, "palette_knife", 0.95),
                }
            )
        else:
            rings = " ".join(_circle(x, y, q) for q in (r * 0.4, r, r * 1.6))
            paths.append({"type": "svg", "d": rings})
    return "a short row of dots, a rhythm the eye can rest on", paths
