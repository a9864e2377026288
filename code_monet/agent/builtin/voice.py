"""How the builtin artist talks: short, plain sentences streamed a clause at a time.

Viewers read the artist's thinking while strokes appear, so every decision is explained in
the artist's own words: what it took from the prompt, what it could not draw and what it does
instead, what it draws now and where, and why it stops. Phrasings vary by seed so two pieces do
not narrate identically, but the same seed always says the same thing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence

from code_monet.agent.builtin.api import ThinkingEvent
from code_monet.agent.builtin.planner import PiecePlan, Step
from code_monet.agent.builtin.scene.marks import Category, SubjectSpec
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
from code_monet.agent.builtin.techniques import TECHNIQUES

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")

PHASE_INTROS = {
    "composition": ("First, the ground of the piece.", "Composition first: the big movement."),
    "structure": ("Now the structure.", "Next, something for the eye to land on."),
    "detail": ("Now detail.", "A layer of detail."),
    "response": ("Answering the visitor.",),
}
CATEGORY_NOTES = {
    Category.ANIMAL: "its silhouette and its coat",
    Category.PERSON: "a few sure lines and the shadows",
    Category.NATURE: "its shape and its texture",
    Category.BUILT: "straight edges, windows and shadow",
    Category.OBJECT: "its silhouette and the light on it",
}
LAYER_WORDS = {
    Layer.SKY: "up in the sky",
    Layer.BACKGROUND: "in the distance",
    Layer.SUBJECT: "",
    Layer.FOREGROUND: "in the foreground",
    Layer.ATMOSPHERE: "over everything",
}


def chunks(text: str) -> Iterator[ThinkingEvent]:
    """Stream a paragraph one sentence at a time; the paragraph ends with a blank line."""
    parts = [p for p in _SENTENCE.split(text.strip()) if p]
    for i, part in enumerate(parts):
        yield ThinkingEvent(part + (" " if i < len(parts) - 1 else "\n\n"))


def listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _said(name: str, specs: dict[str, SubjectSpec]) -> str:
    spec = specs.get(name)
    return spec.said if spec is not None else f"a {name}"


def opening(
    scene: ScenePlan,
    specs: dict[str, SubjectSpec],
    *,
    width: int,
    height: int,
    paint: bool,
    rng: random.Random,
) -> str:
    """The first words of a piece: the canvas, what was read, what cannot be drawn, the plan."""
    lines = [
        rng.choice(["A new piece.", "Fresh paper.", "A new canvas."])
        + f" {width}×{height}, {'paint' if paint else 'plotter'} style."
    ]
    prompt = scene.prompt.strip()
    if prompt:
        quote = prompt if len(prompt) <= 80 else prompt[:77] + "…"
        took = listing(scene.understood) or "no words I can draw directly"
        lines.append(f'The prompt is "{quote}". From it I take {took}.')
    if scene.instead:  # the composer's own sentence: what it cannot draw and what instead
        lines.append(scene.instead.rstrip(".") + ".")
    elif scene.not_drawable:
        lines.append("I can't draw " + listing([f"'{w}'" for w in scene.not_drawable]) + ".")
    lines.append(plan_sentence(scene, specs, paint=paint))
    return " ".join(lines)


def plan_sentence(scene: ScenePlan, specs: dict[str, SubjectSpec], *, paint: bool) -> str:
    """The plan in one or two sentences: the subjects back to front, the light, the weather."""
    if not scene.subjects:
        colours = "its colours" if paint else "one pen"
        return (
            "No subject to draw, so this is an abstract piece: a ground, one shape for the eye, "
            f"then detail, in {colours}."
        )
    focal = next((s for s in scene.subjects if s.focal), scene.subjects[0])
    others = [_said(s.name, specs) for s in scene.subjects if s is not focal]
    text = f"The plan: {_said(focal.name, specs)} as the focal point"
    if others:
        text += ", with " + listing(others[:5])
    light = {"night": "at night", "dusk": "at dusk", "dawn": "at dawn"}.get(scene.time_of_day)
    if light:
        text += f", {light}"
    if scene.weather:
        text += ", in " + listing(list(dict.fromkeys(scene.weather)))
    if scene.horizon is not None:
        text += ". Back to front: the sky and ground first, then the subjects, then the air."
    else:
        text += ". Close up, with a quiet background so it stands out."
    return text


def subject_intro(spec: SubjectSpec, placed: PlacedSubject, where: str, rng: random.Random) -> str:
    """'Now the lighthouse, on the left: straight edges, then windows and shadow.'"""
    name = spec.said
    if placed.focal:
        lead = rng.choice(["Now the heart of it:", "The focal point now:", "Now the main subject:"])
    else:
        lead = rng.choice(["Now", "Next,", "Then"])
    place = LAYER_WORDS.get(placed.layer, "") or (
        f"on the {where}" if where.endswith("side") else f"in the {where}"
    )
    colour = " in the colour you asked for" if placed.body else ""
    why = " (your nudge)" if placed.why == "your nudge" else ""
    return f"{lead} {name}{why} {place}{colour}: {CATEGORY_NOTES[spec.category]}.".replace(
        "  ", " "
    )


def step_intro(step: Step, where: str, note: str, rng: random.Random) -> str:
    tech = TECHNIQUES[step.technique]
    intro = rng.choice(PHASE_INTROS.get(step.phase, PHASE_INTROS["detail"]))
    text = f"{intro} {tech.label.capitalize()} {where}: {tech.intent}."
    return f"{text} {note}".strip()


def abstract_note(plan: PiecePlan) -> str:
    return {
        "calm": "Slow and open.",
        "chaotic": "Let it churn a little.",
        "bold": "Heavy strokes.",
        "soft": "Light touch.",
    }.get(plan.mood, "")
