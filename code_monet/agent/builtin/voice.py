"""How the builtin artist talks: short, plain sentences streamed a clause at a time.

Viewers read the artist's thinking while strokes appear, so every decision is explained in
the artist's own words (what it sees, what it will do, why). Phrasings vary by seed so two
pieces do not narrate identically, but the same seed always says the same thing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from code_monet.agent.builtin.api import ThinkingEvent
from code_monet.agent.builtin.nudges import Direction
from code_monet.agent.builtin.palettes import MOODS, PALETTES
from code_monet.agent.builtin.planner import PiecePlan, Step
from code_monet.agent.builtin.techniques import TECHNIQUES

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")

ARCHETYPE_WORDS = {
    "seascape": "a seascape: water below, something luminous above it",
    "currents": "a field of currents with one still point of focus",
    "garden": "a garden: ground, plants rising from it, air above",
    "city": "an architectural grid, with one round shape to break it",
    "cells": "an organic field of cells and a single moving line",
    "cosmos": "a night-sky piece: dust, stars and one bright body",
    "terrain": "a terrain seen from above, with light falling across it",
}
MOOD_WORDS = {
    "calm": "calm — long smooth lines, slow curves, plenty of air",
    "chaotic": "restless — tighter turns and more agitation in every line",
    "bold": "bold — heavier strokes and stronger contrast",
    "soft": "soft — thin, translucent marks",
    "balanced": "balanced — steady lines, medium density",
}
PLACEMENTS = {
    "full": "across the canvas",
    "lower": "along the lower half",
    "upper": "across the top",
    "band": "rising from the ground line",
    "open": "where the paper is most open",
    "focal": "at the focal point",
    "left": "on the left",
    "right": "on the right",
    "top": "across the top",
    "bottom": "along the bottom",
    "centre": "in the centre",
    "shadow": "as a shadow beside the focal shape",
}
PHASE_INTROS = {
    "composition": (
        "First, the composition.",
        "I'll start with the ground of the piece.",
        "Composition first: the big movement.",
    ),
    "structure": (
        "Now the structure.",
        "Time for the focal point.",
        "Next, something for the eye to land on.",
    ),
    "detail": ("Now detail.", "Detail next.", "A layer of detail."),
    "response": ("Answering the visitor.",),
}


def chunks(text: str) -> Iterator[ThinkingEvent]:
    """Stream a paragraph one sentence at a time; the paragraph ends with a blank line."""
    parts = [p for p in _SENTENCE.split(text.strip()) if p]
    for i, part in enumerate(parts):
        yield ThinkingEvent(part + (" " if i < len(parts) - 1 else "\n\n"))


def opening(plan: PiecePlan, width: int, height: int, paint: bool, rng: random.Random) -> str:
    steps = plan.steps
    ground = next((s for s in steps if s.phase == "composition"), None)
    focal = next((s for s in steps if s.phase == "structure"), None)
    lines = [
        rng.choice(["A new piece.", "Fresh paper.", "A new canvas."])
        + f" {width}×{height}, {'paint' if paint else 'plotter'} style.",
        f"I'm planning {ARCHETYPE_WORDS.get(plan.archetype, 'a layered piece')}.",
    ]
    if ground and focal:
        lines.append(
            f"{TECHNIQUES[ground.technique].label.capitalize()} will be the ground, then "
            f"{TECHNIQUES[focal.technique].label} as the focal point, then detail wherever the "
            "paper stays open."
        )
    if paint:
        lines.append(f"Palette: {PALETTES[plan.palette].label}.")
    else:
        lines.append("One pen, one width: all the tone has to come from how close the lines sit.")
    lines.append(f"The mood is {MOOD_WORDS.get(plan.mood, 'balanced')}.")
    return " ".join(lines)


def understood(direction: Direction, paint: bool, step: Step | None) -> str:
    quote = direction.text if len(direction.text) <= 80 else direction.text[:77] + "…"
    if not direction.understood:
        return (
            f'A nudge: "{quote}". I don\'t recognise anything in it I can draw directly, so I '
            "take it as encouragement and keep to the plan."
        )
    parts = [f'A nudge: "{quote}". I read ' + "; ".join(direction.understood) + "."]
    if step is not None:
        where = PLACEMENTS.get(step.placement, "where there is room")
        parts.append(f"So next comes {TECHNIQUES[step.technique].label}, {where}.")
    if direction.palette:
        if paint:
            parts.append(f"Switching the palette to {PALETTES[direction.palette].label}.")
        else:
            parts.append(
                "The plotter has one ink, so I can't change colour; I'll answer the colour "
                "with line weight and spacing instead."
            )
    if direction.mood:
        parts.append(f"From here on the mood is {MOOD_WORDS[direction.mood]}.")
    if direction.density:
        parts.append(
            "I'll pack the marks closer."
            if direction.density > 1
            else "I'll thin the marks out and leave more air."
        )
    if direction.finish:
        parts.append("I'll bring the piece to a close this turn.")
    return " ".join(parts)


def step_intro(step: Step, where: str, note: str, rng: random.Random) -> str:
    tech = TECHNIQUES[step.technique]
    intro = rng.choice(PHASE_INTROS.get(step.phase, PHASE_INTROS["detail"]))
    because = f" ({step.reason} asked for it)" if step.reason else ""
    text = f"{intro} {tech.label.capitalize()} {where}{because}: {tech.intent}."
    return f"{text} {note}".strip()


def mood_note(plan: PiecePlan, density: float) -> str:
    mood = MOODS.get(plan.mood, MOODS["balanced"])
    if density < 0.75:
        return "I'll keep it sparse so it breathes."
    if density > 1.25:
        return "This one can be dense."
    return {
        "calm": "Slow and open.",
        "chaotic": "Let it churn a little.",
        "bold": "Heavy strokes.",
        "soft": "Light touch.",
    }.get(mood.name, "")
