"""The piece plan: a composition archetype, a palette, a mood, a focal point and the steps.

Why archetypes: random technique soup reads as noise. A plan fixes the hierarchy every good
piece has — a quiet ground (composition), one focal structure on a rule-of-thirds point, then
details placed where the canvas is still open — and leaves the ground a soft hole where the
focal element will go. Nudges rewrite the queue of steps; the critic decides where they land.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.nudges import Direction
from code_monet.agent.builtin.palettes import DEFAULT_PALETTES, MOODS
from code_monet.agent.builtin.techniques import TECHNIQUES

Option = tuple[str, str, str]  # technique, variant, placement
Region = tuple[float, float, float, float]

# archetype → (ground options, structure options, detail options, palettes)
Options = tuple[Option, ...]
ARCHETYPES: Final[dict[str, tuple[Options, Options, Options, tuple[str, ...]]]] = {
    "seascape": (
        (("waves", "sea", "lower"), ("waves", "sea", "lower")),
        (("spiral", "arms", "focal"), ("moire", "", "focal"), ("circle_packing", "", "focal")),
        (("starfield", "", "upper"), ("washes", "", "upper"), ("stippling", "gradient", "open")),
        ("ocean", "twilight", "ember", "cool"),
    ),
    "currents": (
        (("flow_field", "long", "full"),),
        (("harmonograph", "", "focal"), ("spiral", "single", "focal"), ("moire", "", "focal")),
        (
            ("stippling", "cluster", "open"),
            ("hatching", "shadow", "shadow"),
            ("starfield", "", "open"),
        ),
        ("ocean", "coral", "twilight", "citrus", "carnival"),
    ),
    "garden": (
        (("contours", "", "full"), ("flow_field", "short", "full")),
        (("lsystem", "forest", "band"), ("lsystem", "garden", "band")),
        (
            ("washes", "", "upper"),
            ("stippling", "gradient", "open"),
            ("circle_packing", "", "open"),
            ("flow_field", "short", "open"),
        ),
        ("forest", "citrus", "ember"),
    ),
    "city": (
        (("subdivision", "", "full"), ("truchet", "rings", "full"), ("truchet", "arcs", "full")),
        (
            ("circle_packing", "", "focal"),
            ("moire", "", "focal"),
            ("spiral", "phyllotaxis", "focal"),
        ),
        (("hatching", "shadow", "shadow"), ("stippling", "even", "open"), ("voronoi", "", "open")),
        ("carnival", "coral", "citrus", "ocean"),
    ),
    "cells": (
        (("voronoi", "", "full"), ("circle_packing", "", "full")),
        (("harmonograph", "", "focal"), ("spiral", "phyllotaxis", "focal"), ("moire", "", "focal")),
        (
            ("stippling", "cluster", "open"),
            ("flow_field", "short", "open"),
            ("hatching", "shadow", "shadow"),
        ),
        ("coral", "citrus", "forest", "carnival"),
    ),
    "cosmos": (
        (("starfield", "", "full"), ("flow_field", "long", "full")),
        (("moire", "", "focal"), ("spiral", "arms", "focal"), ("harmonograph", "", "focal")),
        (
            ("circle_packing", "", "open"),
            ("stippling", "cluster", "open"),
            ("contours", "", "open"),
        ),
        ("twilight", "ocean", "cool"),
    ),
    "terrain": (
        (("contours", "", "full"), ("waves", "ridge", "lower")),
        (("circle_packing", "", "focal"), ("spiral", "arms", "focal"), ("moire", "", "focal")),
        (
            ("hatching", "shadow", "shadow"),
            ("stippling", "gradient", "open"),
            ("flow_field", "short", "open"),
        ),
        ("ember", "forest", "citrus", "coral"),
    ),
}
HIGH_FOCUS: Final = frozenset({"seascape", "cosmos", "garden"})
MAX_TURNS: Final = 7


@dataclass(frozen=True)
class Step:
    phase: str  # composition | structure | detail | response
    technique: str
    variant: str
    placement: str
    density: float = 1.0
    reason: str = ""  # why this step exists (a nudge, the plan)


@dataclass
class PiecePlan:
    archetype: str
    palette: str
    mood: str
    focal: tuple[float, float]
    steps: list[Step]
    density_bias: float = 1.0
    used: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    underpaint: bool = False  # paint: a translucent wash under the first layer
    focal_drawn: bool = False
    finished: bool = False
    accented: bool = False  # the finishing accent; set before it is drawn (see artist.finish)
    signed: bool = False
    title: str | None = None

    def next_step(self) -> Step | None:
        return self.steps[0] if self.steps else None

    @property
    def focal_pending(self) -> bool:
        return any(s.phase == "structure" and s.placement == "focal" for s in self.steps)


def make_plan(
    rng: random.Random, width: int, height: int, direction: Direction | None, *, paint: bool
) -> PiecePlan:
    """A fresh plan; the piece prompt (if any) chooses the archetype and first techniques."""
    archetype = (direction.archetype if direction else None) or rng.choice(sorted(ARCHETYPES))
    grounds, structures, details, palettes = ARCHETYPES[archetype]
    if not paint:  # ruled "washes" are heavy on a plotter: only when asked for
        details = tuple(o for o in details if o[0] != "washes")
    palette = (direction.palette if direction else None) or rng.choice(palettes)
    if palette not in DEFAULT_PALETTES and palette not in palettes and not direction:
        palette = rng.choice(DEFAULT_PALETTES)
    mood = (direction.mood if direction else None) or rng.choice(
        ["balanced", "balanced", "calm", "bold", "soft", "chaotic"]
    )
    fx = width * rng.choice([1 / 3, 2 / 3]) + rng.uniform(-0.04, 0.04) * width
    fy_frac = rng.choice([0.3, 0.34]) if archetype in HIGH_FOCUS else rng.choice([1 / 3, 2 / 3])
    focal = (fx, height * fy_frac)
    ground = rng.choice(grounds)
    structure = rng.choice(structures)
    detail_pool = list(details)
    rng.shuffle(detail_pool)
    count = min(len(detail_pool), rng.choice([2, 2, 3]))
    steps = [
        Step("composition", *ground),
        Step("structure", *structure),
        *(Step("detail", *opt, density=0.9) for opt in detail_pool[:count]),
    ]
    plan = PiecePlan(archetype, palette, mood, focal, steps)
    plan.underpaint = paint and (archetype in HIGH_FOCUS or rng.random() < 0.4)
    if direction and direction.density:
        plan.density_bias = direction.density
    if direction:
        adopted = 0
        for name in direction.techniques:
            if adopted < 2 and (paint or name != "washes"):
                step = _adopt(plan, name, direction.variant, direction.place, adopted == 0)
                adopted += step is not None
    return plan


def _adopt(
    plan: PiecePlan, name: str, variant_hint: str, place: str | None, first: bool
) -> Step | None:
    """Put a technique the prompt asked for into the free step whose role fits it best."""
    tech = TECHNIQUES[name]
    variant = variant_hint if variant_hint in tech.variants else tech.variants[0]
    for index, step in enumerate(plan.steps):
        role = {"composition": "ground", "structure": "focal", "detail": "texture"}[step.phase]
        if step.reason or role not in tech.roles:
            continue
        where = (place if first else None) or step.placement
        if where == "band" or (step.phase == "structure" and not place):
            where = "focal" if step.phase == "structure" else "full"
        if name == "lsystem":
            where = "band"
        elif name == "waves" and step.phase == "composition":
            where = "lower" if variant == "sea" else "full"
        elif step.phase == "detail" and where == "shadow":
            where = "open"
        new = Step(step.phase, name, variant, where, step.density, "the prompt")
        plan.steps[index] = new
        return new
    if not first:
        return None
    new = Step("detail", name, variant, place or "open", 1.0, "the prompt")
    plan.steps.insert(min(2, len(plan.steps)), new)
    return new


def apply_direction(plan: PiecePlan, direction: Direction, turns_left: int) -> Step | None:
    """Fold a nudge into the plan; returns the step it put first (if it asked for one)."""
    if direction.palette:
        plan.palette = direction.palette
    if direction.mood:
        plan.mood = direction.mood
    if direction.density:
        plan.density_bias = max(0.4, min(2.0, plan.density_bias * direction.density))
    if not direction.techniques:
        if direction.place and plan.steps:
            first = plan.steps[0]
            plan.steps[0] = Step(
                first.phase,
                first.technique,
                first.variant,
                direction.place,
                first.density,
                "your nudge",
            )
        return None
    name = direction.techniques[0]
    tech = TECHNIQUES[name]
    variant = direction.variant if direction.variant in tech.variants else tech.variants[0]
    phase = plan.steps[0].phase if plan.steps else "detail"
    placement = direction.place or ("open" if phase != "composition" else "full")
    if name == "lsystem" and not direction.place:
        placement = "band"
    step = Step(phase, name, variant, placement, 1.0, "your nudge")
    if plan.steps and plan.steps[0].phase == phase and turns_left <= len(plan.steps):
        plan.steps[0] = step  # no room to add: the nudge replaces what was next
    else:
        plan.steps.insert(0, step)
    return step


def region_for(
    step: Step, plan: PiecePlan, reading: CanvasReading, width: int, height: int
) -> tuple[Region, str]:
    """Where a step draws: a rectangle and a shape (rect or ellipse)."""
    m = 0.06 * min(width, height)
    w, h = float(width), float(height)
    fx, fy = plan.focal
    place = step.placement
    if place == "focal":
        r = min(w, h) * (0.24 if TECHNIQUES[step.technique].name != "lsystem" else 0.3)
        return _fit((fx - r * 1.05, fy - r, fx + r * 1.05, fy + r), w, h, m), "ellipse"
    if place == "shadow":  # a cast shadow below and beside the focal shape
        sx = fx + (0.12 if fx < w / 2 else -0.12) * w
        rx, ry = w * 0.3, h * 0.2
        return _fit((sx - rx, fy + h * 0.1 - ry, sx + rx, fy + h * 0.1 + ry), w, h, m), "ellipse"
    if place == "open":
        ox, oy = reading.open_spot or (w / 2, h / 2)
        rx, ry = w * 0.3, h * 0.33
        return _fit((ox - rx, oy - ry, ox + rx, oy + ry), w, h, m), "ellipse"
    boxes: dict[str, Region] = {
        "full": (m, m, w - m, h - m),
        "lower": (m, h * 0.44, w - m, h - m),
        "upper": (m, m, w - m, h * 0.46),
        "band": (m, h * 0.22, w - m, h - m * 0.6),
        "left": (m, m, w * 0.46, h - m),
        "right": (w * 0.54, m, w - m, h - m),
        "top": (m, m, w - m, h * 0.45),
        "bottom": (m, h * 0.55, w - m, h - m),
        "centre": (w * 0.28, h * 0.25, w * 0.72, h * 0.75),
    }
    box = boxes.get(place, boxes["full"])
    shape = "ellipse" if place == "centre" else "rect"
    return box, shape


def _fit(box: Region, w: float, h: float, m: float) -> Region:
    """Slide a box back inside the canvas margin (keeping its size when it fits)."""
    x0, y0, x1, y1 = box
    bw, bh = min(x1 - x0, w - 2 * m), min(y1 - y0, h - 2 * m)
    x0 = min(max(x0, m), w - m - bw)
    y0 = min(max(y0, m), h - m - bh)
    return (x0, y0, x0 + bw, y0 + bh)


def mood_of(plan: PiecePlan) -> str:
    return plan.mood if plan.mood in MOODS else "balanced"
