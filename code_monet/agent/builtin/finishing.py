"""Finishing a piece: one last look, at most one fitting addition, the signature, the title.

Why: a piece should end on a decision, not on a stock flourish. The finishing look measures
the rendered canvas (``critic``): when the scene leaves a large part of the paper empty and is
not meant to be minimal, one small subject that belongs there is added (a cloud in an empty
daylight sky, grass in an empty foreground) — never when the paper is already full, and never
birds: they come only when the prompt or a nudge asks for them. The signature
goes where the rendered canvas has no ink: its exact box at each bottom spot is computed with
the signing tool's own geometry and the inked pixels under it are counted. Titles come from
what the piece shows (its focal subject, its light and weather), deterministically for a seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Final, Literal

from code_monet.agent.builtin.critic import CanvasReading
from code_monet.agent.builtin.planner import PieceState
from code_monet.agent.builtin.scene.marks import Category, SubjectSpec
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
from code_monet.geometry.svg_path import path_geometry
from code_monet.tools.signature import signature_paths

Box = tuple[float, float, float, float]
Position = Literal["bottom_right", "bottom_left", "bottom_center"]
SPOTS: Final[tuple[Position, ...]] = ("bottom_right", "bottom_left", "bottom_center")
SIZES: Final = ("medium", "small")
# Drawn-edge share of the paper above which nothing more is added, and below which a third
# is empty, per medium (paint's brush edges are soft, the plotter's pen lines sharp).
CLUTTERED: Final = {False: 0.12, True: 0.05}
EMPTY_CELL: Final = {False: 0.012, True: 0.004}
SKY_ADDITIONS: Final[tuple[str, ...]] = ("cloud",)
FAIR_WEATHER: Final[dict[str, tuple[int, ...]]] = {"cloud": (0, 1)}  # not the rain cloud
NO_ADDITION_IN: Final = frozenset({"fog", "rain", "snow", "storm"})
GROUND_ADDITIONS: Final[tuple[str, ...]] = ("grass", "flowers", "flower", "rocks")

NOUNS: Final[dict[str, tuple[str, ...]]] = {
    "flow_field": ("Currents", "Drift", "Streamlines"),
    "waves": ("Swell", "Tide", "Ridgelines"),
    "lsystem": ("Canopy", "Thicket", "Branching"),
    "harmonograph": ("Pendulum", "Orbit", "Swing"),
    "spiral": ("Vortex", "Gyre", "Unwinding"),
    "contours": ("Topography", "Elevation", "Contours"),
    "washes": ("Haze", "Wash", "Glow"),
    "truchet": ("Labyrinth", "Meander", "Crossings"),
    "circle_packing": ("Bubbles", "Rings", "Colony"),
    "subdivision": ("Blocks", "Quarters", "Rooms"),
    "hatching": ("Shade", "Engraving", "Grain"),
    "moire": ("Interference", "Resonance", "Shimmer"),
    "voronoi": ("Cells", "Mosaic", "Pebbles"),
    "stippling": ("Dust", "Pollen", "Static"),
    "starfield": ("Stars", "Nocturne", "Constellations"),
}
MOOD_ADJECTIVES: Final[dict[str, tuple[str, ...]]] = {
    "calm": ("Quiet", "Calm"),
    "chaotic": ("Restless", "Wild"),
    "bold": ("Bold", "Bright"),
    "soft": ("Gentle", "Soft"),
    "balanced": ("Clear", "Open"),
}
LIGHT_WORDS: Final = {"night": "at Night", "dusk": "at Dusk", "dawn": "at Dawn"}
WEATHER_WORDS: Final = {
    "fog": "in Fog",
    "rain": "in the Rain",
    "snow": "in Snow",
    "storm": "in a Storm",
    "wind": "in the Wind",
}
COLOUR_WORDS: Final = (
    "red",
    "blue",
    "green",
    "yellow",
    "orange",
    "purple",
    "pink",
    "violet",
    "black",
    "white",
    "gold",
    "grey",
    "gray",
    "teal",
    "brown",
)


@dataclass(frozen=True)
class Signature:
    position: Position
    size: str
    inked: int | None  # inked pixels under it in the last look (None: no image)
    box: Box


def signature_box(position: Position, size: str, width: int, height: int, piece: int) -> Box:
    """The canvas box the signing tool will draw in (its own geometry, stroke included)."""
    paths = signature_paths(
        canvas_width=width,
        canvas_height=height,
        position=position,
        size="small" if size == "small" else "medium",
        seed=piece,
    )
    xs: list[float] = []
    ys: list[float] = []
    for path in paths:
        for sub in path_geometry(path):
            points = [sub.start, *(p for seg in sub.segments for p in seg.points)]
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
    pad = 4.0
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def reserve_signature(scene: ScenePlan, width: int, height: int, piece: int) -> Position:
    """At planning time: the bottom spot the subjects cover least (atmosphere keeps clear of
    it, so the signature will land on bare paper)."""

    def covered(position: Position) -> float:
        x0, y0, x1, y1 = signature_box(position, "medium", width, height, piece)
        total = 0.0
        for s in scene.subjects:
            dx = min(x1, s.x + s.w) - max(x0, s.x)
            dy = min(y1, s.y + s.h) - max(y0, s.y)
            total += max(0.0, dx) * max(0.0, dy)
        return total

    return min(SPOTS, key=lambda p: (covered(p), SPOTS.index(p)))


def choose_signature(
    reading: CanvasReading, reserved: str, width: int, height: int, piece: int
) -> Signature:
    """The bottom spot and size whose signature box covers the fewest inked pixels (the
    reserved spot first, medium before small)."""
    first: Position = next((p for p in SPOTS if p == reserved), "bottom_right")
    order = [first, *(p for p in SPOTS if p != first)]
    best: Signature | None = None
    for size in SIZES:
        for position in order:
            box = signature_box(position, size, width, height, piece)
            inked = reading.ink_pixels(box)
            candidate = Signature(position, size, inked, box)
            if inked is None or inked == 0:
                return candidate
            if best is None or (best.inked is not None and inked < best.inked):
                best = candidate
    assert best is not None
    return best


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def finishing_addition(
    scene: ScenePlan,
    reading: CanvasReading,
    library: dict[str, SubjectSpec],
    rng: random.Random,
    keep: Box,
    *,
    paint: bool,
) -> PlacedSubject | None:
    """One small subject for a large empty region, if the scene calls for it; else None.

    Only outdoor scenes (a horizon, a focal subject that is not a still-life object) that are
    neither minimal nor already full; a cloud only when the whole sky band is empty and the
    weather is open, grass only when the whole foreground band is."""
    if scene.composition in ("minimal", "abstract", "close-up") or scene.density < 0.7:
        return None
    if not reading.seen or reading.marks > CLUTTERED[paint] or not _outdoor(scene, library):
        return None
    empty = set(reading.emptiest_cells(EMPTY_CELL[paint]))
    present = {s.name for s in scene.subjects}
    w, h = float(reading.width), float(reading.height)
    for row, col in reading.emptiest_cells(EMPTY_CELL[paint]):
        if not all((row, c) in empty for c in range(3)):
            continue  # only a whole empty band is a large empty region
        cx, cy = (col + 0.5) * w / 3, (row + 0.5) * h / 3
        name, layer = _fitting(scene, library, present, row, cy)
        if name is None:
            continue
        spec = library[name]
        bh = h * (0.08 if layer is Layer.SKY else 0.12)
        bw = min(w / 3 * 0.8, bh * max(0.6, spec.aspect))
        box = (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
        if _overlaps(box, keep) or any(
            _overlaps(box, (s.x, s.y, s.x + s.w, s.y + s.h)) for s in scene.subjects
        ):
            continue
        why = f"the empty {reading.place_name(cx, cy)} called for it"
        variants = FAIR_WEATHER.get(name) or tuple(range(max(1, spec.variants)))
        return PlacedSubject(
            name,
            box[0],
            box[1],
            bw,
            bh,
            layer,
            rng.choice(variants),
            mirror=rng.random() < 0.5,
            why=why,
        )
    return None


def _outdoor(scene: ScenePlan, library: dict[str, SubjectSpec]) -> bool:
    if scene.horizon is None or not scene.subjects:
        return False
    focal = next((s for s in scene.subjects if s.focal), scene.subjects[0])
    spec = library.get(focal.name)
    return spec is not None and spec.category is not Category.OBJECT


def _fitting(
    scene: ScenePlan,
    library: dict[str, SubjectSpec],
    present: set[str],
    row: int,
    cy: float,
) -> tuple[str | None, Layer]:
    """What belongs in an empty band: a cloud in open daylight sky, grass below the horizon.
    Nothing already in the scene."""
    if scene.horizon is not None and cy < scene.horizon and row == 0:
        open_sky = scene.time_of_day != "night" and not NO_ADDITION_IN & set(scene.weather)
        found = next((n for n in SKY_ADDITIONS if n in library), None)
        if open_sky and found is not None and not present & set(SKY_ADDITIONS):
            return found, Layer.SKY
        return None, Layer.SKY
    if scene.horizon is not None and cy > scene.horizon and row == 2:
        found = next((n for n in GROUND_ADDITIONS if n in library and n not in present), None)
        return found, Layer.FOREGROUND
    return None, Layer.SKY


def _noun(name: str) -> str:
    return name.replace("_", " ").title()


def make_title(state: PieceState, rng: random.Random) -> str:
    """An honest title: what the piece shows, its light and weather (same seed, same title)."""
    scene = state.scene
    adjective = rng.choice(MOOD_ADJECTIVES.get(scene.mood, (scene.mood.title() or "Quiet",)))
    if not scene.subjects:
        return _abstract_title(state, adjective, rng)
    focal = next((s for s in scene.subjects if s.focal), scene.subjects[0])
    noun = _noun(focal.name)
    others = [_noun(s.name) for s in scene.subjects if s.name != focal.name and not s.drawn]
    others = others or [_noun(s.name) for s in scene.subjects if s.name != focal.name]
    phrases = [LIGHT_WORDS[scene.time_of_day]] if scene.time_of_day in LIGHT_WORDS else []
    phrases += [WEATHER_WORDS[w] for w in scene.weather if w in WEATHER_WORDS]
    if phrases:
        return rng.choice([f"{noun} {phrases[0]}", f"The {noun} {phrases[0]}"])[:100]
    patterns = [f"The {noun}", f"{adjective} {noun}", f"{noun}, Study No. {rng.randint(2, 31)}"]
    if others:
        patterns += [f"{noun} and {others[0]}", f"{noun} with {others[0]}"]
    return rng.choice(patterns)[:100]


def _abstract_title(state: PieceState, adjective: str, rng: random.Random) -> str:
    used = state.abstract.used if state.abstract is not None else []
    noun = rng.choice(NOUNS.get(used[0], NOUNS["flow_field"])) if used else "Rhythm"
    words = re.findall(r"[a-z]+", state.scene.prompt.lower())
    colours = [w for w in dict.fromkeys(words) if w in COLOUR_WORDS]
    if colours:
        named = " and ".join(c.title() for c in colours[:2])
        return rng.choice([f"{noun} in {named}", f"{adjective} {noun} in {named}"])[:100]
    return rng.choice([f"{adjective} {noun}", f"{noun}, No. {rng.randint(2, 31)}"])[:100]
