"""From a plan step to a program's parameters: region, density, colour, width and brushes.

Why a separate module: this is where the artist's judgement becomes numbers — the mood sets
energy and weight, the critic's coverage reading thins or enriches a layer, the role of the
layer (ground, focal, texture) decides how loud its colour is, and earlier decisions (the focal
hole, the visitors' strokes, already-inked paper) become regions the program must keep clear of.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.palettes import MOODS, PALETTES, PaintStyle, layer_colors
from code_monet.agent.builtin.planner import PiecePlan, Step, region_for
from code_monet.agent.builtin.techniques import TECHNIQUES, ParamValue, ProgramParams, Technique

ROLE_OF_PHASE = {"composition": "ground", "structure": "focal", "detail": "texture"}
FOCAL_HOLE = 0.27  # of the short side: the ground leaves this much room for the focal shape


def paint_style(plan: PiecePlan, tech: Technique, role: str) -> PaintStyle:
    """Colours, widths, brushes and opacity for one layer (ignored by the plotter)."""
    mood = MOODS.get(plan.mood, MOODS["balanced"])
    layer_role = {"washes": "ground", "hatching": "shade", "stippling": "shade"}.get(
        tech.name, role
    )
    colors = layer_colors(PALETTES[plan.palette], layer_role)
    weight = mood.weight * {"ground": 0.9, "focal": 1.2}.get(role, 1.0)
    lo, hi = tech.widths
    brushes = tech.brushes
    base = {"ground": 0.75, "focal": 0.9}.get(role, 0.8)
    if tech.name == "washes":
        brushes = tuple(b for b in mood.brushes if b in ("watercolor", "airbrush")) or brushes
        base = 0.22 if role == "ground" else 0.3
        lo, hi = (lo * 1.4, hi * 1.5) if role == "ground" else (lo, hi)
    opacity = min(1.0, max(0.15, base + mood.opacity))
    return PaintStyle(colors, (lo * weight, hi * weight), brushes, opacity)


def layer_density(
    plan: PiecePlan, step: Step, reading: CanvasReading, *, paint: bool
) -> tuple[float, str]:
    """How many marks this layer gets, and a note when the canvas reading changed it."""
    mood = MOODS.get(plan.mood, MOODS["balanced"])
    density = step.density * mood.density * plan.density_bias
    note = ""
    if step.phase != "composition" and reading.coverage > 0.38:
        density *= 0.7
        note = (
            f"At {reading.coverage:.0%} coverage the paper is filling up, "
            "so this layer stays light."
        )
    elif step.phase == "detail" and reading.coverage < 0.08:
        density *= 1.2
        note = "The canvas is still sparse, so I can afford a richer layer here."
    if not paint and step.phase == "composition":
        density *= 0.85
    return max(0.25, min(2.5, density)), note


def layer_params(
    plan: PiecePlan,
    step: Step,
    reading: CanvasReading,
    rng: random.Random,
    *,
    paint: bool,
    avoid: Sequence[tuple[float, float, float, float]],
) -> ProgramParams:
    """The ``P`` dict of the program that draws ``step``."""
    tech = TECHNIQUES[step.technique]
    role = ROLE_OF_PHASE.get(step.phase, "texture")
    region, shape = region_for(step, plan, reading, reading.width, reading.height)
    density, _note = layer_density(plan, step, reading, paint=paint)
    style = paint_style(plan, tech, role)
    mood = MOODS.get(plan.mood, MOODS["balanced"])
    extra: dict[str, ParamValue] = {}
    fx, fy = plan.focal
    x0, y0, x1, y1 = region
    r = min(reading.width, reading.height) * FOCAL_HOLE
    reach = x0 - r < fx < x1 + r and y0 - r < fy < y1 + r
    if step.phase == "composition" and plan.focal_pending and reach:
        extra["hole"] = [round(fx, 1), round(fy, 1), round(r * 1.05, 1), round(r, 1)]
    layered = step.phase not in ("composition", "structure") and step.placement != "focal"
    if layered and reading.occupancy and tech.name not in ("washes", "lsystem"):
        extra["occ"] = list(reading.occupancy)
    if avoid:
        extra["avoid"] = [[round(v, 1) for v in box] for box in avoid[-12:]]
    if tech.name == "lsystem":
        extra["count"] = rng.randint(3, 6) if step.placement == "band" else 1
    if tech.name == "hatching":
        extra["light"] = [round(fx, 1), round(fy, 1)]
    return ProgramParams(
        seed=rng.randrange(1, 2**31),
        region=region,
        shape=shape,
        density=density,
        energy=max(0.0, min(1.0, mood.energy + rng.uniform(-0.1, 0.1))),
        paint=paint,
        colors=style.colors,
        widths=style.widths,
        brushes=style.brushes,
        opacity=style.opacity,
        variant=step.variant or tech.variants[0],
        extra=extra,
    )
