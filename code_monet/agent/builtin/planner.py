"""What a piece is and what is left to draw: the scene, its work queue, the abstract steps.

Why a queue derived from state rather than a list of turns: a nudge can add a subject at any
time, a restart must continue exactly where the piece stopped, and a piece should unfold in
depth order (sky, background, the focal subject, foreground, weather). So the artist keeps only
*what is done* (subjects' ``drawn`` flags, atmosphere chunks, abstract steps taken) and asks
``pending`` what comes next. Abstract compositions (no subjects) keep the older technique plan:
an archetype of ground, focal structure and details drawn as ``generate_svg`` programs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.palettes import MOODS
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
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
ABSTRACT: Final = ("currents", "cells", "city", "terrain", "cosmos")


MAX_TURNS: Final = 9  # a piece never takes more turns than this
LAYER_ORDER: Final = {
    Layer.SKY: 0,
    Layer.BACKGROUND: 1,
    Layer.SUBJECT: 2,
    Layer.FOREGROUND: 3,
    Layer.ATMOSPHERE: 4,
}


@dataclass(frozen=True)
class Step:
    phase: str  # composition | structure | detail | response
    technique: str
    variant: str
    placement: str
    density: float = 1.0
    reason: str = ""  # why this step exists


@dataclass
class PiecePlan:
    """An abstract piece's technique plan (ground, focal structure, details)."""

    archetype: str
    palette: str
    mood: str
    focal: tuple[float, float]
    steps: list[Step]
    density_bias: float = 1.0
    used: list[str] = field(default_factory=list)
    underpaint: bool = False  # paint: a translucent wash under the first layer
    focal_drawn: bool = False

    @property
    def focal_pending(self) -> bool:
        return any(s.phase == "structure" and s.placement == "focal" for s in self.steps)


@dataclass
class PieceState:
    """One piece: its scene plan and what is already done. Flags are set *before* the tool
    call that draws them (the agent saves progress before every call: never drawn twice)."""

    scene: ScenePlan
    abstract: PiecePlan | None = None
    done: list[str] = field(default_factory=list)  # atmosphere chunks drawn
    signature: str = "bottom_right"  # the corner kept clear for the signature
    reviewed: bool = False  # the finishing look (and its one addition) happened
    signed: bool = False
    title: str | None = None
    finished: bool = False


@dataclass(frozen=True)
class Work:
    """One item of the queue: an atmosphere chunk, a subject (by index) or an abstract step."""

    kind: str  # "background" | "subject" | "weather" | "step"
    key: str  # chunk key, subject index or technique name


def subject_order(scene: ScenePlan) -> list[int]:
    """Undrawn subjects back to front, the focal subject first within its layer."""
    undrawn = [i for i, s in enumerate(scene.subjects) if not s.drawn]
    return sorted(undrawn, key=lambda i: _rank(scene.subjects[i], i))


def _rank(placed: PlacedSubject, index: int) -> tuple[int, int, int]:
    return (LAYER_ORDER.get(placed.layer, 2), 0 if placed.focal else 1, index)


def pending(state: PieceState, background: list[str], weather: list[str]) -> list[Work]:
    """Everything left to draw, in drawing order."""
    queue = [Work("background", k) for k in background if k not in state.done]
    queue += [Work("subject", str(i)) for i in subject_order(state.scene)]
    if state.abstract is not None:
        queue += [Work("step", s.technique) for s in state.abstract.steps]
    queue += [Work("weather", k) for k in weather if k not in state.done]
    return queue


def this_turn(queue: list[Work], scene: ScenePlan) -> list[Work]:
    """What one turn draws: all the background washes, the focal subject alone, up to two
    other subjects of one layer, one abstract step, or all the weather."""
    if not queue:
        return []
    first = queue[0]
    if first.kind in ("background", "weather"):
        return [w for w in queue if w.kind == first.kind]
    if first.kind == "step":
        return [first]
    head = scene.subjects[int(first.key)]
    if head.focal:
        return [first]
    chosen = [first]
    for item in queue[1:2]:
        other = scene.subjects[int(item.key)] if item.kind == "subject" else None
        if other is not None and not other.focal and other.layer == head.layer:
            chosen.append(item)
    return chosen


def make_plan(
    rng: random.Random,
    width: int,
    height: int,
    *,
    paint: bool,
    mood: str = "balanced",
    density: float = 1.0,
) -> PiecePlan:
    """An abstract piece's technique plan: a ground, one focal structure, two or three
    details, in the abstract archetypes (no plants or seas: the prompt asked for no subject)."""
    archetype = rng.choice(ABSTRACT)
    grounds, structures, details, palettes = ARCHETYPES[archetype]
    if not paint:  # ruled "washes" are heavy on a plotter
        details = tuple(o for o in details if o[0] != "washes")
    fx = width * rng.choice([1 / 3, 2 / 3]) + rng.uniform(-0.04, 0.04) * width
    fy_frac = rng.choice([0.3, 0.34]) if archetype in HIGH_FOCUS else rng.choice([1 / 3, 2 / 3])
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
    plan = PiecePlan(
        archetype,
        rng.choice(palettes),
        mood if mood in MOODS else "balanced",
        (fx, height * fy_frac),
        steps,
        density_bias=max(0.4, min(2.0, density)),
    )
    plan.underpaint = paint and rng.random() < 0.4
    return plan


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
