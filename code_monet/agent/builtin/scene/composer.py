"""From words to a scene: which subjects, where on the canvas, in what light and colours.

``compose`` reads the prompt with ``lexicon.read_words`` and arranges what it asked for the way
a painter would: a horizon (or a table edge, or a windowsill, or none for a close-up), depth
from sky to foreground, one focal subject on a thirds point, the others where there is room.
It adds a context subject only when the scene needs it (a sea under a boat, a moon at night)
and says so; it never adds stock decoration. Everything random comes from the ``rng`` passed
in, so a seed replays the same plan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final, NamedTuple

from code_monet.agent.builtin.scene.lexicon import NamedColour, Reading, Wanted, read_words
from code_monet.agent.builtin.scene.marks import Medium, Placement
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY


class Shape(NamedTuple):
    """How a subject sits in a scene: placement, height (fraction of canvas) and w/h."""

    placement: Placement
    size: float
    aspect: float


_P = Placement
SUBJECT_DEFAULTS: Final[Mapping[str, Shape]] = MappingProxyType(
    {
        # animals
        "cat": Shape(_P.GROUND, 0.45, 1.0),
        "dog": Shape(_P.GROUND, 0.45, 1.2),
        "bird": Shape(_P.SKY, 0.12, 1.2),
        "fish": Shape(_P.WATER, 0.2, 1.8),
        "horse": Shape(_P.GROUND, 0.5, 1.2),
        "owl": Shape(_P.GROUND, 0.35, 0.8),
        "whale": Shape(_P.WATER, 0.3, 1.8),
        "rabbit": Shape(_P.GROUND, 0.3, 1.0),
        "fox": Shape(_P.GROUND, 0.4, 1.2),
        "butterfly": Shape(_P.SKY, 0.15, 1.2),
        "duck": Shape(_P.WATER, 0.2, 1.2),
        # people
        "portrait": Shape(_P.ANY, 0.8, 0.8),
        "figure": Shape(_P.GROUND, 0.5, 0.45),
        "hands": Shape(_P.ANY, 0.6, 1.0),
        # nature
        "tree": Shape(_P.HORIZON, 0.55, 0.8),
        "pine": Shape(_P.HORIZON, 0.55, 0.55),
        "palm": Shape(_P.HORIZON, 0.55, 0.8),
        "forest": Shape(_P.FILL, 0.35, 3.0),
        "flower": Shape(_P.GROUND, 0.35, 0.6),
        "mountain": Shape(_P.HORIZON, 0.45, 1.6),
        "sea": Shape(_P.FILL, 0.4, 3.0),
        "river": Shape(_P.FILL, 0.4, 1.2),
        "cloud": Shape(_P.SKY, 0.18, 2.0),
        "moon": Shape(_P.SKY, 0.2, 1.0),
        "sun": Shape(_P.SKY, 0.25, 1.0),
        "stars": Shape(_P.SKY, 0.35, 2.0),
        "hill": Shape(_P.HORIZON, 0.3, 2.5),
        "rock": Shape(_P.GROUND, 0.2, 1.4),
        "grass": Shape(_P.FILL, 0.15, 4.0),
        "mushroom": Shape(_P.GROUND, 0.2, 1.0),
        "cactus": Shape(_P.GROUND, 0.35, 0.7),
        # built
        "lighthouse": Shape(_P.HORIZON, 0.6, 0.5),
        "house": Shape(_P.HORIZON, 0.4, 1.2),
        "skyline": Shape(_P.FILL, 0.45, 2.5),
        "bridge": Shape(_P.HORIZON, 0.3, 3.0),
        "boat": Shape(_P.WATER, 0.2, 2.0),
        "sailboat": Shape(_P.WATER, 0.35, 0.9),
        "castle": Shape(_P.HORIZON, 0.45, 1.4),
        "windmill": Shape(_P.HORIZON, 0.5, 0.8),
        "tower": Shape(_P.HORIZON, 0.6, 0.4),
        "street": Shape(_P.FILL, 1.0, 1.0),
        "train": Shape(_P.GROUND, 0.22, 3.2),
        "church": Shape(_P.HORIZON, 0.45, 0.9),
        "car": Shape(_P.GROUND, 0.15, 2.3),
        "lamppost": Shape(_P.GROUND, 0.5, 0.3),
        "fence": Shape(_P.GROUND, 0.15, 4.0),
        "window": Shape(_P.FILL, 1.0, 1.0),
        # objects
        "cup": Shape(_P.TABLE, 0.3, 1.25),
        "vase": Shape(_P.TABLE, 0.45, 0.6),
        "chair": Shape(_P.GROUND, 0.5, 0.62),
        "bicycle": Shape(_P.GROUND, 0.35, 1.75),
        "book": Shape(_P.TABLE, 0.25, 1.2),
        "teapot": Shape(_P.TABLE, 0.3, 1.45),
        "guitar": Shape(_P.GROUND, 0.55, 0.5),
        "table": Shape(_P.GROUND, 0.35, 1.5),
        "bottle": Shape(_P.TABLE, 0.4, 0.36),
        "lamp": Shape(_P.TABLE, 0.4, 0.8),
        "clock": Shape(_P.TABLE, 0.3, 0.9),
        "umbrella": Shape(_P.ANY, 0.45, 1.0),
        "kite": Shape(_P.SKY, 0.3, 0.7),
        "apple": Shape(_P.TABLE, 0.2, 1.0),
        "candle": Shape(_P.TABLE, 0.35, 0.45),
        "hat": Shape(_P.TABLE, 0.25, 1.45),
        "bowl": Shape(_P.TABLE, 0.25, 1.6),
    }
)
"""Placement, size and aspect for every canonical name, used until ``LIBRARY`` has the name
(subjects are written in parallel); a test keeps the two agreeing once it does."""

FILL_LAYERS: Final[Mapping[str, Layer]] = MappingProxyType(
    {
        "stars": Layer.SKY,
        "grass": Layer.FOREGROUND,
        "window": Layer.BACKGROUND,
    }
)

SCENE_TEMPLATES: Final[tuple[str, ...]] = (
    "a lighthouse on rocks at dusk",
    "a cat by a window at night",
    "a still life with a teapot and apples",
    "a sailboat on a calm sea at dawn",
    "a city skyline at dusk",
    "a windmill on a hill in the morning",
    "a fox in a snowy forest",
    "an owl under a full moon",
    "a red boat in the harbour",
    "a vase of flowers on a table",
    "a castle on a mountain in fog",
    "a whale in the ocean at night",
    "a horse in a meadow at sunset",
    "a house by a river in the rain",
    "pine trees under the stars",
)
"""What it draws when nobody asked for anything: each reads fully with the lexicon."""

CONTEXT_WHY: Final = "the scene calls for it"


class Hold(NamedTuple):
    """How a worn or held thing sits on its holder: its width as a fraction of the
    holder's, and its top at ``holder.y + down * holder.h - up * own height``."""

    width: float
    down: float
    up: float


HELD: Final[Mapping[tuple[str, str], Hold]] = MappingProxyType(
    {
        ("umbrella", "figure"): Hold(2.0, 0.0, 0.62),
        ("hat", "figure"): Hold(0.6, 0.12, 0.55),
        ("hat", "portrait"): Hold(0.55, 0.16, 0.6),
        ("owl", "tree"): Hold(0.4, 0.18, 0.0),
        ("owl", "pine"): Hold(0.4, 0.3, 0.0),
        ("cup", "hands"): Hold(0.4, 0.5, 0.5),
        ("apple", "hands"): Hold(0.3, 0.5, 0.5),
        ("candle", "hands"): Hold(0.25, 0.5, 0.7),
        ("train", "bridge"): Hold(0.5, 0.7, 1.0),
        ("car", "bridge"): Hold(0.2, 0.7, 1.0),
    }
)
BRIDGE_DECKS: Final = (0.72, 0.27, 0.66)
"""Where the library's bridge variants (suspension, arches, truss) lay the deck, as a fraction
of the box height: a train on the bridge runs along it."""
"""Things worn or held by another when both are asked for ("a girl with an umbrella")."""
HOLDERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {item: tuple(h for (i, h) in HELD if i == item) for (item, _) in HELD}
)
SUPPORTS: Final = frozenset({"rock", "table", "hill"})
"""Things others stand on: a rock under a lighthouse is not someone on a beach."""
BACKDROPS: Final[Mapping[str, int]] = MappingProxyType(
    {"mountain": 0, "hill": 1, "forest": 2, "skyline": 3}
)
"""Far things drawn first within their layer, so nearer things stand in front of them."""
MAX_COPIES: Final = 7
DENSITY: Final[Mapping[str, float]] = MappingProxyType(
    {"minimal": 0.5, "crowded": 1.6, "close-up": 0.8}
)
SIDES: Final[Mapping[str, float]] = MappingProxyType(
    {"left": 1 / 3, "top-left": 1 / 3, "bottom-left": 1 / 3}
    | {"right": 2 / 3, "top-right": 2 / 3, "bottom-right": 2 / 3}
)
"""Which vertical third the focal takes when the prompt places it."""
INDOORS: Final = frozenset({"chair", "guitar", "table", "lamp", "clock", "bottle", "candle"})
"""Things that, asked for alone, belong in a room."""
_OUTDOOR_ANIMALS: Final = frozenset({"horse", "dog", "fox", "rabbit"})
_CLEAR_SKY_WEATHER: Final = frozenset({"fog", "rain", "storm", "snow"})
FLOWER_TULIP: Final = 1
VASE_TULIP: Final = 1
VASE_FLOWERS: Final = 2
BOWL_OF_FRUIT: Final = 1
"""Variant numbers of the library's flower, vase and bowl drawings that ``_fold`` relies on."""


def shape_of(name: str) -> Shape:
    """The library's placement/size/aspect when it has the subject, the defaults otherwise."""
    spec = LIBRARY.get(name)
    if spec is not None:
        return Shape(spec.placement, spec.size, spec.aspect)
    return SUBJECT_DEFAULTS.get(name, Shape(Placement.GROUND, 0.25, 1.0))


def said_of(name: str, count: int = 1, colour: str | None = None) -> str:
    """How the notebook names ``count`` of a subject: "a cat", "three red boats"."""
    spec = LIBRARY.get(name)
    label = spec.label if spec is not None and spec.label else LABELS.get(name, f"a {name}")
    article, _, noun = label.partition(" ")
    if article not in ("a", "an", "the"):
        article, noun = "", label
    if colour:
        noun = f"{colour} {noun}"
    if count > 1:
        return f"{number_word(count)} {plural_noun(noun)}"
    if not article or (article == "the" and not colour):
        return f"{article} {noun}".strip()
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "sea": "the sea",
        "grass": "grass",
        "stars": "stars",
        "hands": "hands",
        "skyline": "a city skyline",
        "sun": "the sun",
        "moon": "the moon",
        "apple": "an apple",
        "owl": "an owl",
    }
)
"""How the notebook names subjects whose default "a <name>" reads wrongly."""


def definite(name: str) -> str:
    """ "the fox", "the moon", "the stars": a subject already in the scene."""
    label = said_of(name)
    article, _, noun = label.partition(" ")
    return f"the {noun}" if article in ("a", "an", "the") else f"the {label}"


def plural_noun(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last.endswith("s") or last == "fish":
        plural = last
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u"):
        plural = last[:-1] + "ies"
    elif last.endswith(("ch", "sh", "x")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def number_word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if 0 <= n < len(words) else str(n)


# --- geometry ---


@dataclass(frozen=True)
class Frame:
    """The scene's geometry: canvas, margin, horizon and the bands things stand in."""

    width: int
    height: int
    margin: float
    horizon: float | None
    kind: str  # landscape, window, table, room, close-up, abstract
    water: tuple[float, float] | None = None  # y-range of the water band
    scale: float = 1.0  # panorama shrinks, close-up grows
    low_sun: bool = False  # dawn and dusk: the sun sits on the horizon
    side: float | None = None  # the third the focal goes on when the words say ("on the left")

    @property
    def inner(self) -> Rect:
        """Where subjects may go: inside the margin, and inside the panes of a window."""
        m, w, h = self.margin, float(self.width), float(self.height)
        if self.kind == "window":
            return (m + 0.09 * w, m + 0.09 * h, w - 2 * m - 0.18 * w, h - 2 * m - 0.09 * h)
        return (m, m, w - 2 * m, h - 2 * m)

    @property
    def ground_line(self) -> float:
        return self.horizon if self.horizon is not None else self.height * 0.62


Rect = tuple[float, float, float, float]  # x, y, w, h


def rect_of(s: PlacedSubject) -> Rect:
    return (s.x, s.y, s.w, s.h)


def overlap(a: Rect, b: Rect) -> float:
    """Intersection over the smaller area: 0 apart, 1 when one sits inside the other."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    small = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / small if small > 0 else 0.0


def clamp_box(frame: Frame, x: float, y: float, w: float, h: float) -> Rect:
    """Shrink and shift a box so it lies inside the canvas margin."""
    m = frame.margin
    w = min(w, frame.width - 2 * m)
    h = min(h, frame.height - 2 * m)
    x = min(max(x, m), frame.width - m - w)
    y = min(max(y, m), frame.height - m - h)
    return (x, y, w, h)


def size_box(frame: Frame, name: str, factor: float) -> tuple[float, float]:
    """(w, h) in pixels for a subject at ``factor`` of its natural size."""
    shape = shape_of(name)
    h = shape.size * frame.height * frame.scale * factor
    w = h * shape.aspect
    limit_w = (frame.width - 2 * frame.margin) * 0.9
    if w > limit_w:
        w, h = limit_w, limit_w / shape.aspect
    return w, h


def bottom_range(frame: Frame, placement: Placement, h: float) -> tuple[float, float]:
    """Where the bottom of a box may fall for a placement (min, max canvas y)."""
    m, height = frame.margin, float(frame.height)
    line = frame.ground_line
    if placement is Placement.SKY:
        top_min = frame.inner[1]
        top_max = max(top_min, line - h - 0.06 * height)
        return (top_min + h, top_max + h)
    if placement is Placement.HORIZON:
        base = line + 0.01 * height
        return (base, base)
    if placement is Placement.WATER and frame.water is not None:
        y0, y1 = frame.water
        return (y0 + 0.35 * (y1 - y0), min(y1, height - m))
    if placement is Placement.TABLE or frame.kind in ("window", "table"):
        return (line + 0.03 * height, line + 0.1 * height)
    if frame.horizon is None:
        return (height / 2 + h / 2, height / 2 + h / 2)
    low = line + 0.35 * (height - m - line)
    if frame.water is not None and frame.water[1] < height - m - 0.05 * height:
        low = frame.water[1] + 0.03 * height  # on the shore in front of the water
    return (min(max(low, line + 0.3 * h), height - m), height - m)


def vertical(frame: Frame, placement: Placement, h: float, rng: random.Random) -> float:
    lo, hi = bottom_range(frame, placement, h)
    bottom = lo if hi <= lo else rng.uniform(lo, hi)
    return bottom - h


def free_spot(
    frame: Frame,
    size: tuple[float, float],
    region: Rect,
    taken: Sequence[Rect],
    rng: random.Random,
    *,
    ys: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The top-left in ``region`` (and ``ys`` for the top) that overlaps ``taken`` least."""
    w, h = size
    rx, ry, rw, rh = region
    best: tuple[float, float, float] = (float("inf"), rx, ry)
    for _ in range(24):
        x = rng.uniform(rx, max(rx, rx + rw - w))
        y = rng.uniform(*ys) if ys is not None else rng.uniform(ry, max(ry, ry + rh - h))
        box = clamp_box(frame, x, y, w, h)
        score = sum(overlap(box, t) for t in taken)
        if score < best[0]:
            best = (score, box[0], box[1])
        if score == 0.0:
            break
    return best[1], best[2]


# --- which subjects ---


@dataclass(frozen=True)
class Want:
    """A subject to place: from the prompt or added by the scene, with why."""

    name: str
    count: int
    colour: str | None
    colour_name: str | None
    why: str
    word: str = ""  # the prompt's own word for it ("kittens" for cat)
    variant: int | None = None  # the drawing the words asked for ("a crescent moon")


def variant_count(name: str) -> int:
    """How many drawings the library has of ``name`` (3 until it has the subject)."""
    spec = LIBRARY.get(name)
    return spec.variants if spec is not None else 3


def pick_variant(name: str, hinted: int | None, rng: random.Random) -> int:
    """The hinted drawing, else a seeded pick over all of the subject's drawings. The draw is
    made either way, so a hint changes nothing else in a seeded plan."""
    drawn = rng.randrange(variant_count(name))
    return hinted if hinted is not None and 0 <= hinted < variant_count(name) else drawn


def _merge(subjects: Sequence[Wanted]) -> list[Want]:
    seen: dict[str, Want] = {}
    for s in subjects:
        if s.name not in seen:
            count = 1 if shape_of(s.name).placement is Placement.FILL else s.count
            capped = min(count, MAX_COPIES)
            seen[s.name] = Want(
                s.name, capped, s.colour, s.colour_name, "the prompt", s.word, s.variant
            )
        elif seen[s.name].variant is None and s.variant is not None:
            seen[s.name] = replace(seen[s.name], variant=s.variant)
    return list(seen.values())


def _fold(wants: list[Want]) -> list[Want]:
    """Flowers asked with a vase go in the vase (it draws them), not beside it: the slim
    vase holds a tulip, the round one a bunch. Fruit in "a bowl of fruit" goes in the bowl."""
    wants = _fold_fruit(wants)
    flower = next((w for w in wants if w.name == "flower"), None)
    if flower is None or not _has(wants, "vase"):
        return wants
    flowers = flower.word if flower.word.endswith("s") else plural_noun(flower.word or "flower")
    held = VASE_TULIP if flower.variant == FLOWER_TULIP else VASE_FLOWERS

    def filled(w: Want) -> Want:
        variant = held if w.variant is None else w.variant
        return replace(w, word=f"{w.word or 'vase'} of {flowers}", variant=variant)

    return [filled(w) if w.name == "vase" else w for w in wants if w.name != "flower"]


def _fold_fruit(wants: list[Want]) -> list[Want]:
    bowl = next((w for w in wants if w.name == "bowl"), None)
    fruit = next((w for w in wants if w.name == "apple"), None)
    if bowl is None or fruit is None or bowl.variant != BOWL_OF_FRUIT or "fruit" in bowl.word:
        return wants  # "a fruit bowl and two pears": the pears are beside it
    word = f"{bowl.word or 'bowl'} of {fruit.word or 'fruit'}"
    return [replace(w, word=word) if w is bowl else w for w in wants if w is not fruit]


def _has(wants: Sequence[Want], *names: str) -> bool:
    return any(w.name in names for w in wants)


def _context(reading: Reading, wants: list[Want], kind: str, minimal: bool) -> list[Want]:
    """Subjects the scene needs so the asked ones make sense, each with its reason."""
    extra: list[str] = []
    water = any(shape_of(w.name).placement is Placement.WATER for w in wants)
    if (water or _has(wants, "lighthouse")) and not _has(wants, "sea", "river"):
        extra.append("sea")
    if _has(wants, "lighthouse") and not _has(wants, "rock"):
        extra.append("rock")
    umbrellas = next((w.count for w in wants if w.name == "umbrella"), 0)
    if umbrellas and kind == "landscape" and not _has(wants, "figure"):
        extra += ["figure"] * umbrellas
    if kind == "table" and not _has(wants, "table"):
        extra.append("table")
    outdoor = any(w.name in _OUTDOOR_ANIMALS for w in wants)
    ground = _has(wants, "grass", "street", "sea", "river", "forest", "hill")
    if kind == "landscape" and outdoor and not ground and "snow" not in reading.weather:
        extra.append("grass")
    extra += _sky_context(reading, wants, kind, minimal)
    counts = Counter(extra)
    return [Want(n, k, None, None, CONTEXT_WHY) for n, k in counts.items()]


def _sky_context(reading: Reading, wants: list[Want], kind: str, minimal: bool) -> list[str]:
    if kind not in ("landscape", "window") or reading.composition == "from-above":
        return []
    time = _time_of(reading, wants)
    veiled = bool(set(reading.weather) & _CLEAR_SKY_WEATHER)
    lit = _has(wants, "moon", "sun")
    extra: list[str] = []
    if time == "night" and not lit:
        extra.append("moon")
    if time == "night" and not veiled and not minimal and not _has(wants, "stars"):
        extra.append("stars")
    if time in ("dusk", "dawn") and not lit and "fog" not in reading.weather:
        extra.append("sun")
    stormy = "rain" in reading.weather or "storm" in reading.weather
    if stormy and not _has(wants, "cloud"):
        extra.append("cloud")
    return extra


def _time_of(reading: Reading, wants: Sequence[Want]) -> str:
    if reading.time_of_day:
        return reading.time_of_day
    if _has(wants, "moon", "stars"):
        return "night"
    return "day"


def _scene_kind(reading: Reading, wants: Sequence[Want]) -> str:
    if not wants:
        return "abstract"
    free = [w for w in wants if not _has(wants, *HOLDERS.get(w.name, ()))]
    placements = {shape_of(w.name).placement for w in free}
    if _has(wants, "window"):
        return "window"
    if reading.composition == "close-up" or placements == {Placement.ANY}:
        return "close-up"
    outdoor = placements & {Placement.HORIZON, Placement.WATER, Placement.FILL}
    if Placement.TABLE in placements and not outdoor:
        return "table"
    if reading.composition == "still-life" and not outdoor:
        return "table"
    if all(w.name in INDOORS for w in free) and not reading.weather:
        return "room"  # a chair or a guitar stands on a floor, not in a field
    return "landscape"


# --- the frame ---


def _horizon(reading: Reading, wants: Sequence[Want], kind: str, height: int) -> float | None:
    if kind in ("close-up", "abstract"):
        return None
    if kind == "window":
        margin = 0.04 * height
        return height - margin - 0.15 * (height - 2 * margin)
    if kind == "table":
        return height * 0.58
    if kind == "room":
        return height * 0.6
    if reading.composition == "from-above":
        return height * 0.14
    if reading.composition == "panorama":
        return height * 0.74
    only_sky = all(shape_of(w.name).placement is Placement.SKY for w in wants)
    return height * (0.74 if only_sky else 0.64)


def _frame(
    reading: Reading, wants: Sequence[Want], kind: str, size: tuple[int, int], time: str
) -> Frame:
    w, h = size
    margin = 0.04 * min(w, h)
    horizon = _horizon(reading, wants, kind, h)
    water = None
    if horizon is not None and _has(wants, "sea", "river") and kind == "landscape":
        grounded = any(
            shape_of(x.name).placement is Placement.GROUND and x.name not in SUPPORTS for x in wants
        )
        depth = (h - margin - horizon) * (0.55 if grounded else 1.0)
        water = (horizon, horizon + depth)
    scale = {"panorama": 0.6, "from-above": 0.7}.get(reading.composition or "", 1.0)
    if kind == "close-up":
        scale = 1.0
    side = next((SIDES[p] for p in reading.places if p in SIDES), None)
    return Frame(w, h, margin, horizon, kind, water, scale, time in ("dusk", "dawn"), side)


# --- placing ---


def _fill_box(frame: Frame, name: str) -> Rect:
    """Bands: a sea from the horizon down, a skyline standing on it, a window frame."""
    m, W, H = frame.margin, float(frame.width), float(frame.height)
    line = frame.ground_line
    full_w = W - 2 * m
    if name == "window":
        return (m, m, full_w, H - 2 * m)
    if name == "stars":
        top = m if frame.kind != "window" else m + 0.08 * H
        left = m if frame.kind != "window" else m + 0.08 * W
        return (left, top, W - 2 * left, max(0.1 * H, line - top - 0.12 * H))
    if name in ("sea", "river") and frame.water is not None:
        return (m, frame.water[0], full_w, frame.water[1] - frame.water[0])
    if name in ("sea", "river", "street"):
        return (m, line, full_w, max(0.05 * H, H - m - line))
    if name == "table":
        return _table_box(frame)
    if name == "grass":
        top = max(line, H - m - 0.18 * H)
        return (m, top, full_w, H - m - top)
    band = min(shape_of(name).size * H * frame.scale, line - m)
    return (m, line - band + 0.01 * H, full_w, band)


TABLE_SURFACE: Final = 0.32
"""Where a drawn table's top lies in its box (fraction of the height): objects stand there."""


def _table_box(frame: Frame) -> Rect:
    """A table in the middle, sized so its top is where the still-life objects stand."""
    shape = shape_of("table")
    surface = frame.ground_line + 0.05 * frame.height
    h = (frame.height - frame.margin - surface) / (1 - TABLE_SURFACE)
    aspect = max(shape.aspect, 2.0)  # a long table: room for several objects
    w = min(h * aspect, frame.width - 2 * frame.margin)
    h = w / aspect
    return clamp_box(frame, (frame.width - w) / 2, surface - TABLE_SURFACE * h, w, h)


def _layer(name: str, placement: Placement, focal: bool) -> Layer:
    if placement is Placement.FILL:
        return FILL_LAYERS.get(name, Layer.BACKGROUND)
    if placement is Placement.SKY:
        return Layer.SKY
    if placement is Placement.HORIZON and not focal:
        return Layer.BACKGROUND
    return Layer.SUBJECT


def _focal_name(wants: Sequence[Want]) -> str | None:
    """The first thing asked for that stands on its own (not a band, not a worn hat)."""
    asked = [w for w in wants if w.why == "the prompt"]
    for w in asked:
        held = _has(wants, *HOLDERS.get(w.name, ()))
        if shape_of(w.name).placement is not Placement.FILL and not held:
            return w.name
    return asked[0].name if asked else None


@dataclass
class _Placer:
    """Places subjects one by one, remembering what is taken (local to one compose)."""

    frame: Frame
    rng: random.Random
    taken: list[Rect]
    placed: list[PlacedSubject]

    def add(self, want: Want, focal: bool) -> None:
        shape = shape_of(want.name)
        if shape.placement is Placement.FILL or self._is_table_top(want.name):
            self._put(want, _fill_box(self.frame, want.name), focal, Placement.FILL)
            return
        for k in range(want.count):
            box = self._box(want, shape, focal and k == 0, k)
            self._put(want, box, focal and k == 0, shape.placement)
            self.taken.append(box)

    def _box(self, want: Want, shape: Shape, focal: bool, k: int) -> Rect:
        f = self.frame
        factor = self._factor(shape, focal, want.count)
        w, h = size_box(f, want.name, factor * (1.0 if k == 0 else self.rng.uniform(0.7, 1.0)))
        special = None if focal else self._special(want.name, w, h)
        if special is not None:
            return special
        if f.kind == "close-up":
            return self._close_up(w, h, focal)
        if focal:
            third = f.width * (f.side or self.rng.choice((1 / 3, 2 / 3)))
            return clamp_box(f, third - w / 2, vertical(f, shape.placement, h, self.rng), w, h)
        region = self._region(want.name, k, w, h)
        ys = self._ys(want.name, k, shape.placement, h)
        x, y = free_spot(f, (w, h), region, self.taken, self.rng, ys=ys)
        return clamp_box(f, x, y, w, h)

    def _special(self, name: str, w: float, h: float) -> Rect | None:
        """Things that go with another: rocks under a lighthouse, a hill under the focal
        building, an umbrella or hat on a figure, the sun low at dusk."""
        if name == "rock" and (anchor := self._anchor("lighthouse")) is not None:
            return self._under(anchor, w, h)
        if name == "hill" and (anchor := self._focal_on_horizon()) is not None:
            return self._hill_under(anchor, w, h)
        holder = self._free_holder(name)
        if holder is not None:
            return self._held(HELD[(name, holder.name)], holder, w, h)
        if name == "sun" and self.frame.low_sun and self.frame.horizon is not None:
            return self._low_sun(w, h, self.frame.horizon)
        return None

    def _focal_on_horizon(self) -> PlacedSubject | None:
        focal = next((p for p in self.placed if p.focal), None)
        if focal is None or shape_of(focal.name).placement is not Placement.HORIZON:
            return None
        return focal if self.frame.kind == "landscape" else None

    def _hill_under(self, anchor: PlacedSubject, w: float, h: float) -> Rect:
        """A broad hill centred under the focal, which is lifted to stand near its top."""
        f = self.frame
        hw = max(w, anchor.w * 2.6)
        hh = max(h, 0.14 * f.height)
        box = clamp_box(f, anchor.x + anchor.w / 2 - hw / 2, f.ground_line - hh * 0.95, hw, hh)
        old = rect_of(anchor)
        anchor.y = max(f.margin, box[1] + 0.2 * box[3] - anchor.h)
        self.taken[self.taken.index(old)] = rect_of(anchor)
        return box

    def _free_holder(self, name: str) -> PlacedSubject | None:
        """The first holder of ``name`` not already holding one (one umbrella each)."""
        holders = [p for p in self.placed if p.name in HOLDERS.get(name, ())]
        busy = sum(1 for p in self.placed if p.name == name)
        return holders[busy] if busy < len(holders) else None

    def _held(self, hold: Hold, holder: PlacedSubject, w: float, h: float) -> Rect:
        if holder.name == "bridge":
            hold = hold._replace(down=BRIDGE_DECKS[holder.variant % len(BRIDGE_DECKS)])
        hw = min(holder.w * hold.width, self.frame.width * 0.5)
        hh = hw * h / w
        x = holder.x + holder.w / 2 - hw / 2
        return clamp_box(self.frame, x, holder.y + hold.down * holder.h - hold.up * hh, hw, hh)

    def _low_sun(self, w: float, h: float, horizon: float) -> Rect:
        f = self.frame
        band = next((p for p in self.placed if p.name in ("skyline", "forest")), None)
        y = horizon - h * 0.75 if band is None else band.y - h * 0.4
        boxes = [clamp_box(f, f.width * t - w / 2, y, w, h) for t in (1 / 3, 2 / 3)]
        self.rng.shuffle(boxes)
        return min(boxes, key=lambda b: sum(overlap(b, t) for t in self.taken))

    def _ys(self, name: str, k: int, placement: Placement, h: float) -> tuple[float, float]:
        """Range for the top of the box; later copies of a flock stay near the first."""
        lo, hi = bottom_range(self.frame, placement, h)
        top_lo, top_hi = lo - h, max(lo, hi) - h
        first = self._anchor(name) if k > 0 else None
        if first is None:
            return (top_lo, top_hi)
        near_lo = max(top_lo, first.y - 1.5 * h)
        near_hi = min(top_hi, first.y + 1.5 * h)
        return (near_lo, near_hi) if near_lo <= near_hi else (top_lo, top_hi)

    def _is_table_top(self, name: str) -> bool:
        return name == "table" and self.frame.kind == "table"

    def _factor(self, shape: Shape, focal: bool, count: int) -> float:
        if self.frame.kind == "close-up":
            return (0.78 / max(shape.size, 0.05)) if focal else 0.6
        base = 1.0 if focal else 0.65
        if self.frame.kind == "table":
            base *= 0.75
        return base * (0.8 if count > 2 else 1.0)

    def _close_up(self, w: float, h: float, focal: bool) -> Rect:
        f = self.frame
        if focal:
            return clamp_box(f, (f.width - w) / 2, (f.height - h) / 2 + 0.03 * f.height, w, h)
        region = (f.margin, f.margin, f.width - 2 * f.margin, f.height - 2 * f.margin)
        x, y = free_spot(f, (w * 0.5, h * 0.5), region, self.taken, self.rng)
        return clamp_box(f, x, y, w * 0.5, h * 0.5)

    def _region(self, name: str, k: int, w: float, h: float) -> Rect:
        """The whole canvas, or near the first of a flock/group for the later copies."""
        f = self.frame
        first = self._anchor(name) if k > 0 else None
        table = self._anchor("table") if f.kind == "table" else None
        if first is None and table is not None and shape_of(name).placement is Placement.TABLE:
            return (table.x + 0.1 * table.w, f.margin, 0.8 * table.w, f.height)
        if first is None:
            return f.inner
        return (first.x - 2.5 * w, first.y - 1.5 * h, 6 * w, 4 * h)

    def _anchor(self, name: str) -> PlacedSubject | None:
        return next((p for p in self.placed if p.name == name), None)

    def _under(self, anchor: PlacedSubject, w: float, h: float) -> Rect:
        rw = max(w, anchor.w * 2.4)
        cx = anchor.x + anchor.w / 2
        return clamp_box(self.frame, cx - rw / 2, anchor.y + anchor.h - h * 0.45, rw, h)

    def _put(self, want: Want, box: Rect, focal: bool, placement: Placement) -> None:
        self.placed.append(
            PlacedSubject(
                name=want.name,
                x=box[0],
                y=box[1],
                w=box[2],
                h=box[3],
                layer=_layer(want.name, placement, focal),
                variant=pick_variant(want.name, want.variant, self.rng),
                mirror=self.rng.random() < 0.5,
                body=want.colour,
                focal=focal,
                why=want.why,
            )
        )


def _order(wants: Sequence[Want], focal: str | None) -> list[Want]:
    """FILL bands first (others are placed against them), then the focal, then the rest;
    held things last, once their holders are in place."""
    fills = [w for w in wants if shape_of(w.name).placement is Placement.FILL or w.name == "table"]
    first = [w for w in wants if w.name == focal and w not in fills]
    rest = [w for w in wants if w not in fills and w not in first]
    held = [w for w in rest if _has(wants, *HOLDERS.get(w.name, ()))]
    return fills + first + [w for w in rest if w not in held] + held


def _place(frame: Frame, wants: Sequence[Want], rng: random.Random) -> list[PlacedSubject]:
    focal = _focal_name(wants)
    placer = _Placer(frame, rng, [], [])
    for want in _order(wants, focal):
        placer.add(want, want.name == focal)
    order = list(Layer)
    return sorted(placer.placed, key=lambda p: (order.index(p.layer), BACKDROPS.get(p.name, 9)))


# --- colour ---


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def mix(a: str, b: str, t: float) -> str:
    """``a`` moved a fraction ``t`` toward ``b``."""
    ra, rb = _rgb(a), _rgb(b)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ra, rb, strict=True))


def darken(c: str, t: float = 0.35) -> str:
    return mix(c, "#000000", t)


def lighten(c: str, t: float = 0.5) -> str:
    return mix(c, "#ffffff", t)


def grey_out(c: str, t: float) -> str:
    r, g, b = _rgb(c)
    y = round(0.3 * r + 0.59 * g + 0.11 * b)
    return mix(c, f"#{y:02x}{y:02x}{y:02x}", t)


class Palette(NamedTuple):
    colours: tuple[str, ...]  # ink, body, shade, accent, light, extras…
    sky: tuple[str, ...]
    ground: tuple[str, ...]
    note: str  # what the notebook says about the light


BASE_PALETTES: Final[Mapping[str, Palette]] = MappingProxyType(
    {
        "day": Palette(
            ("#2b2d42", "#4f7cac", "#35546f", "#e9b44c", "#f7f3e3", "#7fa36b", "#c8553d"),
            ("#8ec5e8", "#d4ecfa"),
            ("#8fb174", "#5d7f4a"),
            "daylight: clear blues and greens",
        ),
        "dawn": Palette(
            ("#3a2e4a", "#e89bb0", "#7a5c8f", "#f2c14e", "#fff1e0", "#f6c1cc", "#b8a9d9"),
            ("#a9b8e0", "#f6c1cc", "#fbe3b0"),
            ("#9a8fb0", "#6f6488"),
            "dawn: pinks and gold",
        ),
        "dusk": Palette(
            ("#2a1b3d", "#d9704a", "#5b3a6e", "#f4a259", "#fde2c0", "#8a4f7d", "#f28f3b"),
            ("#3d2c5e", "#a05282", "#f29e6d"),
            ("#4a3050", "#2c1d36"),
            "dusk: orange and violet",
        ),
        "night": Palette(
            ("#0b1026", "#2c4a7e", "#14213d", "#f2e8c9", "#f5f3ea", "#3d5a99", "#6b7fb8"),
            ("#070b1f", "#13224a", "#23386b"),
            ("#101a30", "#0a1020"),
            "night: deep blues and a moon",
        ),
    }
)
WATER_GROUND: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "day": ("#5b8db8", "#2f5f8a"),
        "dawn": ("#c9a6c4", "#6f7fa8"),
        "dusk": ("#b0607a", "#3b2a55"),
        "night": ("#1a2a50", "#0a1228"),
    }
)
SAND: Final = ("#e6d3a8", "#c8ab78")
WEATHER_NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "fog": "fog: soft grey veils",
        "rain": "rain: slanting lines and a heavier sky",
        "storm": "a storm: dark sky and heavy strokes",
        "snow": "snow: whites and cold greys",
        "wind": "wind: sweeping lines",
    }
)


INTERIORS: Final[Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]] = MappingProxyType(
    {
        "day": (("#efe6d6", "#ddd0ba"), ("#b58a63", "#8a6445")),
        "dawn": (("#f3e2da", "#e2cbbf"), ("#b48a70", "#87634f")),
        "dusk": (("#e6cdb4", "#c9a98c"), ("#9c6b4e", "#6e4a36")),
        "night": (("#3a3346", "#2a2434"), ("#5a4036", "#3b2a24")),
    }
)
"""(wall, wood) for scenes indoors: a still life's wall and table, a window's wall and sill."""


def indoors(p: Palette, kind: str, time: str) -> Palette:
    wall, wood = INTERIORS.get(time, INTERIORS["day"])
    if kind in ("table", "room"):
        return Palette(p.colours, wall, wood, p.note)
    if kind == "window":
        return Palette(p.colours, p.sky, (wood[0], wall[1]), p.note)
    return p


def _adjust(colours: Sequence[str], fn: str, t: float) -> tuple[str, ...]:
    ops = {"grey": grey_out, "dark": darken, "light": lighten}
    return tuple(ops[fn](c, t) for c in colours)


def _weathered(p: Palette, weather: Sequence[str]) -> Palette:
    cols, sky, ground = p.colours, p.sky, p.ground
    if "fog" in weather:
        cols = (mix(cols[0], "#a7adb2", 0.25), *(mix(c, "#a7adb2", 0.55) for c in cols[1:]))
        sky = tuple(mix(c, "#c9cdd0", 0.7) for c in sky)
        ground = tuple(mix(c, "#9ea4a8", 0.6) for c in ground)
    if "rain" in weather or "storm" in weather:
        t = 0.35 if "storm" in weather else 0.2
        sky, cols = _adjust(sky, "grey", 0.5), _adjust(cols, "grey", t)
        sky = _adjust(sky, "dark", t)
    if "snow" in weather:
        ground = ("#eef2f5", "#c9d3dc")
        cols = (*cols[:4], "#ffffff", *cols[5:])
    return Palette(cols, sky, ground, p.note)


MOOD_SHIFTS: Final[Mapping[str, tuple[str, float]]] = MappingProxyType(
    {
        "sad": ("grey", 0.35),
        "lonely": ("grey", 0.2),
        "dreamy": ("light", 0.25),
        "mysterious": ("dark", 0.2),
        "dramatic": ("dark", 0.1),
    }
)


def _moody(p: Palette, mood: str | None) -> Palette:
    shift = MOOD_SHIFTS.get(mood or "")
    if shift is None:
        return p
    fn, t = shift
    cols = (p.colours[0], *_adjust(p.colours[1:], fn, t))
    return Palette(cols, _adjust(p.sky, fn, t), _adjust(p.ground, fn, t), p.note)


def _asked(p: Palette, asked: Sequence[NamedColour], abstract: bool) -> Palette:
    """Colours the words named become the body, shade, accent and extras: they dominate."""
    if not asked:
        return p
    hexes = list(dict.fromkeys(c.hex for c in asked))
    first = hexes[0]
    second = hexes[1] if len(hexes) > 1 else p.colours[3]
    extras = [*hexes[1:], *(darken(c) for c in hexes[1:]), lighten(first, 0.35)]
    ink = p.colours[0]
    cols = (ink, first, darken(first), second, lighten(first, 0.8), *extras)
    if not abstract:
        return Palette(cols, p.sky, p.ground, p.note)
    sky = tuple(lighten(c, 0.82) for c in hexes[:2])
    ground = tuple(lighten(c, 0.7) for c in reversed(hexes[:2]))
    return Palette(cols, sky, ground, p.note)


def palette_for(
    time: str,
    weather: Sequence[str],
    mood: str | None,
    asked: Sequence[NamedColour],
    *,
    water: bool = False,
    shore: bool = False,
    abstract: bool = False,
) -> Palette:
    """Light first (time of day), then weather and mood, then the colours asked on top."""
    base = BASE_PALETTES.get(time, BASE_PALETTES["day"])
    if water:
        base = Palette(base.colours, base.sky, WATER_GROUND.get(time, base.ground), base.note)
    if shore:
        base = Palette(base.colours, base.sky, SAND, base.note)
    return _asked(_moody(_weathered(base, weather), mood), asked, abstract)


# --- notebook phrases ---


def _colour_phrase(asked: Sequence[NamedColour]) -> str:
    names = list(dict.fromkeys(c.name for c in asked))
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined} as the main colour{'s' if len(names) > 1 else ''}"


def asked_phrase(want: Want) -> str:
    """The prompt's own words for a subject ("three kittens", "a red yacht")."""
    word = want.word
    if not word or word == want.name or want.name in ("window", "skyline"):
        return said_of(want.name, want.count, want.colour_name)
    noun = f"{want.colour_name} {word}" if want.colour_name else word
    head = word.split(" of ")[0]  # "vase of roses" is one vase
    plural_word = head.endswith("s") and not want.name.endswith("s")
    if want.count > 1:
        return f"{number_word(want.count)} {noun if plural_word else plural_noun(noun)}"
    if said_of(want.name).startswith("the ") or shape_of(want.name).placement is Placement.FILL:
        return f"the {noun}"  # the ocean, the woods
    if plural_word:
        return said_of(want.name, 1, want.colour_name)
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _understood(reading: Reading, wants: Sequence[Want], kind: str, time: str) -> list[str]:
    out = [asked_phrase(w) for w in wants if w.why == "the prompt"]
    if kind == "window":
        out = [p if p != said_of("window") else "a window with a sill" for p in out]
    out += [f"{said_of(w.name)} ({CONTEXT_WHY})" for w in wants if w.why == CONTEXT_WHY]
    if reading.time_of_day or time != "day":
        out.append(BASE_PALETTES[time].note)
    out += [WEATHER_NOTES[w] for w in reading.weather if w in WEATHER_NOTES]
    if reading.mood:
        out.append(f"a {reading.mood} mood")
    if reading.composition and kind != "abstract":
        out.append(_COMPOSITION_NOTES.get(reading.composition, reading.composition))
    if reading.free_colours:
        out.append(_colour_phrase(reading.free_colours))
    if reading.abstract and kind == "abstract":
        styles = [st for st in reading.styles if st != "abstract"]
        out.append("an abstract piece" + (f" of {' and '.join(styles)}" if styles else ""))
    return out


_COMPOSITION_NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "close-up": "close-up: one big subject",
        "from-above": "from above: a high horizon and no sky",
        "panorama": "a panorama: a low horizon and small, far things",
        "minimal": "minimal: few things and space around them",
        "crowded": "crowded: more of everything",
        "still-life": "a still life on a table",
    }
)


def _quoted(words: Sequence[str]) -> str:
    q = [f"'{w}'" for w in words]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1]


def _instead(reading: Reading, wants: Sequence[Want], kind: str) -> str:
    if not reading.unknown:
        return ""
    if not wants and not reading.free_colours and not reading.abstract:
        return (
            f"I don't know how to draw {_quoted(reading.unknown)}, so I'll make an abstract "
            "piece of lines and shapes instead."
        )
    if not wants:
        return f"I can't draw {_quoted(reading.unknown)}, so I'll make an abstract piece instead."
    return f"I can't draw {_quoted(reading.unknown)}, so I'll leave that out and paint the rest."


# --- compose ---


def _composition(reading: Reading, kind: str) -> str:
    if kind == "abstract":
        return "abstract"
    if kind == "close-up":
        return "close-up"
    comp = reading.composition or "balanced"
    return "balanced" if comp == "still-life" else comp


def _density(reading: Reading, kind: str) -> float:
    if kind == "abstract":
        return 1.0
    if kind == "close-up":
        return DENSITY["close-up"]
    return DENSITY.get(reading.composition or "", 1.0)


def _crowd(wants: list[Want], density: float) -> list[Want]:
    """Crowded doubles the countable things asked for; minimal keeps one of each."""
    out = []
    for w in wants:
        countable = shape_of(w.name).placement not in (Placement.FILL, Placement.ANY)
        count = w.count
        if countable and density > 1.2:
            count = min(MAX_COPIES, max(2, w.count * 2))
        if density < 0.8:
            count = 1
        out.append(replace(w, count=count))
    return out


def _close_up_fix(wants: list[Want], kind: str) -> list[Want]:
    """A close-up of a person is a portrait."""
    if kind != "close-up":
        return wants
    return [
        replace(w, name="portrait", count=1, word="", variant=None) if w.name == "figure" else w
        for w in wants
    ]


def _sandy(frame: Frame, wants: Sequence[Want]) -> bool:
    """Sand underfoot: a beach in front of the sea, or a desert round a cactus."""
    beach = _has(wants, "sea") and frame.water is not None and frame.water[1] < frame.height * 0.9
    return beach or (_has(wants, "cactus") and frame.kind == "landscape")


def compose(
    prompt: str | None,
    *,
    width: int,
    height: int,
    medium: Medium,
    rng: random.Random,
) -> ScenePlan:
    """The scene plan for ``prompt`` (a seeded template when it is empty)."""
    text = (prompt or "").strip()
    chose = not text
    if chose:
        text = rng.choice(SCENE_TEMPLATES)
    reading = read_words(text)
    wants = _fold(_merge(reading.subjects))  # "an abstract cat" still has its cat
    kind = _scene_kind(reading, wants)
    wants = _close_up_fix(wants, kind)
    density = _density(reading, kind)
    wants = _crowd(wants, density)
    if kind != "close-up":
        wants += _context(reading, wants, kind, density < 0.8)
    time = _time_of(reading, wants)
    frame = _frame(reading, wants, kind, (width, height), time)
    palette = palette_for(
        time,
        reading.weather,
        reading.mood,
        reading.free_colours,
        water=frame.water is not None and _has(wants, "sea"),  # a river runs through land
        shore=_sandy(frame, wants),
        abstract=kind == "abstract",
    )
    palette = indoors(palette, kind, time)
    understood = _understood(reading, wants, kind, time)
    instead = _instead(reading, wants, kind)
    if chose:
        instead = f"Nothing was asked, so I chose {text}."
    del medium  # the plan is the same for both media; the painter speaks the medium
    placed = _place(frame, wants, rng)
    return ScenePlan(
        prompt=text,
        subjects=placed,
        palette=list(palette.colours),
        sky=list(palette.sky),
        ground=list(palette.ground),
        horizon=frame.horizon,
        time_of_day=time,
        weather=list(reading.weather),
        mood=reading.mood or ("quiet" if time == "night" else "calm"),
        composition=_composition(reading, kind),
        density=density,
        understood=understood,
        not_drawable=list(reading.unknown),
        instead=instead,
    )
