"""Nudges steer a piece in progress: add things where asked, recolour, thin out, finish.

A nudge is read with the same lexicon as a prompt and applied to the live ``ScenePlan``:
added subjects go where the words point ("top left") and where there is room, colour nudges
change the palette for the strokes still to come, density nudges thin or fill the plan. The
outcome says in one plain first-person sentence what it did, so the notebook never claims a
change it did not make (or makes one it did not mention).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from code_monet.agent.builtin.scene.composer import (
    CONTEXT_WHY,
    Frame,
    Rect,
    bottom_range,
    clamp_box,
    darken,
    definite,
    free_spot,
    indoors,
    lighten,
    palette_for,
    pick_variant,
    rect_of,
    said_of,
    shape_of,
    size_box,
)
from code_monet.agent.builtin.scene.lexicon import COLOURS, NamedColour, Reading, Wanted, read_words
from code_monet.agent.builtin.scene.marks import Placement
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan

NUDGE_WHY: Final = "your nudge"
MIN_DENSITY: Final = 0.4
MAX_DENSITY: Final = 1.8

PLACE_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "top-left": "in the top left",
        "top-right": "in the top right",
        "bottom-left": "in the bottom left",
        "bottom-right": "in the bottom right",
        "left": "on the left",
        "right": "on the right",
        "center": "in the middle",
        "top": "at the top",
        "bottom": "at the bottom",
        "sky": "in the sky",
        "foreground": "in the foreground",
        "background": "in the background",
    }
)


@dataclass(frozen=True)
class NudgeOutcome:
    """What a nudge did: subjects added, the notebook sentence, whether to finish now."""

    added: tuple[PlacedSubject, ...]
    said: str
    finish: bool
    changed: tuple[str, ...]  # "subjects", "palette", "density", "light", "weather", "finish"


@dataclass
class _Nudge:
    """Scratch state for one ``apply_nudge`` call."""

    plan: ScenePlan
    frame: Frame
    rng: random.Random
    reading: Reading
    added: list[PlacedSubject] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def note(self, sentence: str, what: str) -> None:
        self.said.append(sentence)
        if what and what not in self.changed:
            self.changed.append(what)


# --- the plan's geometry ---


def frame_of(plan: ScenePlan, width: int, height: int) -> Frame:
    """Rebuild the composer's frame from a plan: horizon, kind and the water band."""
    names = {s.name for s in plan.subjects}
    if plan.horizon is None:
        kind = "abstract" if plan.composition == "abstract" else "close-up"
    elif "window" in names:
        kind = "window"
    elif any(s.name == "table" and s.layer is Layer.BACKGROUND for s in plan.subjects):
        kind = "table"
    else:
        kind = "landscape"
    water = next(((s.y, s.y + s.h) for s in plan.subjects if s.name in ("sea", "river")), None)
    margin = 0.04 * min(width, height)
    return Frame(width, height, margin, plan.horizon, kind, water)


def region_of(place: str, frame: Frame, taken: Sequence[Rect], *, high: bool = False) -> Rect:
    """The canvas rectangle a place word names (inside the margin)."""
    m, w, h = frame.margin, float(frame.width), float(frame.height)
    hw, hh = w / 2, h / 2
    line = frame.ground_line
    regions: dict[str, Rect] = {
        "top-left": (m, m, hw - m, hh - m),
        "top-right": (hw, m, hw - m, hh - m),
        "bottom-left": (m, hh, hw - m, hh - m),
        "bottom-right": (hw, hh, hw - m, hh - m),
        "left": (m, m, hw - m, h - 2 * m),
        "right": (hw, m, hw - m, h - 2 * m),
        "center": (w / 4, h / 4, hw, hh),
        "top": (m, m, w - 2 * m, hh - m),
        "bottom": (m, hh, w - 2 * m, hh - m),
        "sky": (m, m, w - 2 * m, max(0.15 * h, line - m)),
        "foreground": (m, line + 0.4 * (h - line), w - 2 * m, max(0.1 * h, 0.6 * (h - line) - m)),
        "background": (m, max(m, line - 0.25 * h), w - 2 * m, 0.3 * h),
    }
    if place == "corner":
        corners = ("top-left", "top-right") if high else ("bottom-left", "bottom-right")
        return min((regions[c] for c in corners), key=lambda r: _crowding(r, taken))
    return regions.get(place, (m, m, w - 2 * m, h - 2 * m))


def _crowding(region: Rect, taken: Sequence[Rect]) -> float:
    x, y, w, h = region
    area = 0.0
    for t in taken:
        ix = max(0.0, min(x + w, t[0] + t[2]) - max(x, t[0]))
        iy = max(0.0, min(y + h, t[1] + t[3]) - max(y, t[1]))
        area += ix * iy
    return area


def _place_name(place: str, frame: Frame, taken: Sequence[Rect], *, high: bool) -> str:
    if place != "corner":
        return PLACE_WORDS.get(place, "")
    region = region_of(place, frame, taken, high=high)
    vertical = "top" if region[1] < frame.height / 3 else "bottom"
    side = "left" if region[0] < frame.width / 3 else "right"
    return f"in the {vertical} {side} corner"


def _taken(plan: ScenePlan) -> list[Rect]:
    return [rect_of(s) for s in plan.subjects if shape_of(s.name).placement is not Placement.FILL]


# --- adding subjects ---


def _copies(want: Wanted, rng: random.Random) -> int:
    if want.counted or want.count <= 1:
        return min(want.count, 7)
    small_sky = shape_of(want.name).placement is Placement.SKY
    return rng.randint(3, 5) if small_sky else rng.randint(2, 3)


def _fit(size: tuple[float, float], region: Rect) -> tuple[float, float]:
    w, h = size
    k = min(1.0, region[2] * 0.9 / w, region[3] * 0.8 / h)
    return w * k, h * k


def _top_range(frame: Frame, name: str, h: float, region: Rect) -> tuple[float, float]:
    """Where the box's top may go: the subject's natural band inside the region if they
    meet (a boat on the water in the bottom right), else anywhere in the region."""
    lo, hi = bottom_range(frame, shape_of(name).placement, h)
    natural = (lo - h, max(lo, hi) - h)
    inside = (region[1], region[1] + region[3] - h)
    meet = (max(natural[0], inside[0]), min(natural[1], inside[1]))
    if meet[0] <= meet[1]:
        return meet
    return (inside[0], max(inside[0], inside[1]))


def _new_subject(n: _Nudge, want: Wanted, region: Rect, factor: float) -> PlacedSubject:
    if shape_of(want.name).placement is Placement.FILL:
        return _band(n, want)
    size = _fit(size_box(n.frame, want.name, factor), region)
    taken = _taken(n.plan)
    ys = _top_range(n.frame, want.name, size[1], region)
    x, y = free_spot(n.frame, size, region, taken, n.rng, ys=ys)
    x = min(max(x, region[0]), region[0] + region[2] - size[0])
    box = clamp_box(n.frame, x, y, *size)
    return PlacedSubject(
        name=want.name,
        x=box[0],
        y=box[1],
        w=box[2],
        h=box[3],
        layer=Layer.SUBJECT,
        variant=pick_variant(want.name, want.variant, n.rng),
        mirror=n.rng.random() < 0.5,
        body=want.colour,
        why=NUDGE_WHY,
        focal=False,
        drawn=False,
    )


def _band(n: _Nudge, want: Wanted) -> PlacedSubject:
    """A band subject (sea, grass, stars) nudged in spans the width like the composer's."""
    f = n.frame
    h = shape_of(want.name).size * f.height * 0.6
    top = f.ground_line if want.name != "stars" else f.margin
    box = clamp_box(f, f.margin, top, f.width - 2 * f.margin, h)
    return PlacedSubject(
        want.name,
        *box,
        layer=Layer.BACKGROUND,
        variant=pick_variant(want.name, want.variant, n.rng),
        body=want.colour,
        why=NUDGE_WHY,
    )


def _add(n: _Nudge, want: Wanted, scale: float = 1.0) -> None:
    places = n.reading.places
    taken = _taken(n.plan)
    high = shape_of(want.name).placement is Placement.SKY  # a corner of the sky, not the sea
    region = region_of(places[0] if places else "", n.frame, taken, high=high)
    where = _place_name(places[0], n.frame, taken, high=high) if places else ""
    count = _copies(want, n.rng)
    new: list[PlacedSubject] = []
    for k in range(count):
        factor = (0.7 if count > 2 else 0.8) * (1.0 if k == 0 else n.rng.uniform(0.75, 1.0))
        near = region if places or not new else _near(n.frame, new[0], region)
        subject = _new_subject(n, want, near, factor * scale)
        n.plan.subjects.append(subject)
        new.append(subject)
    n.added.extend(new)
    on_water = n.frame.water is not None and shape_of(want.name).placement is Placement.WATER
    tail = (f" {where}" if where else "") + (", on the water" if on_water else "")
    size = {True: "big", False: "small"}.get(scale > 1) if scale != 1.0 else None
    adjective = " ".join(a for a in (size, want.colour_name) if a) or None
    n.note(f"I'm adding {said_of(want.name, count, adjective)}{tail}.", "subjects")


def _near(frame: Frame, first: PlacedSubject, region: Rect) -> Rect:
    """Later copies of a flock stay within a few body lengths of the first."""
    x0 = max(region[0], first.x - 2.5 * first.w)
    y0 = max(region[1], first.y - 2.0 * first.h)
    x1 = min(region[0] + region[2], first.x + 3.5 * first.w)
    y1 = min(region[1] + region[3], first.y + 3.0 * first.h)
    if x1 - x0 < first.w or y1 - y0 < first.h:
        return region
    return (x0, y0, x1 - x0, y1 - y0)


def _resize(n: _Nudge, want: Wanted, factor: float) -> None:
    """ "bigger moon": grow the undrawn one in place, or add a bigger one where it was."""
    bigger = factor > 1
    word = "bigger" if bigger else "smaller"
    mine = [s for s in n.plan.subjects if s.name == want.name]
    undrawn = [s for s in mine if not s.drawn]
    for s in undrawn:
        cx, cy = s.x + s.w / 2, s.y + s.h / 2
        box = clamp_box(
            n.frame, cx - s.w * factor / 2, cy - s.h * factor / 2, s.w * factor, s.h * factor
        )
        s.x, s.y, s.w, s.h = box
        s.variant = s.variant if want.variant is None else want.variant
    if undrawn:
        n.note(f"I'm making {definite(want.name)} {word}.", "subjects")
        return
    if not mine:
        one = Wanted(want.name, 1, want.colour, True, want.colour_name, variant=want.variant)
        _add(n, one, factor)
        return
    old = mine[-1]
    cx, cy = old.x + old.w / 2, old.y + old.h / 2
    w, h = old.w * factor, old.h * factor
    box = clamp_box(n.frame, cx - w / 2, cy - h / 2, w, h)
    new = PlacedSubject(
        want.name,
        *box,
        layer=old.layer,
        variant=old.variant if want.variant is None else want.variant,
        mirror=old.mirror,
        body=want.colour or old.body,
        why=NUDGE_WHY,
    )
    n.plan.subjects.append(new)
    n.added.append(new)
    n.note(f"I'm adding a {word} {want.name} where the first one is.", "subjects")


def _remove(n: _Nudge, want: Wanted, share: float = 1.0) -> None:
    """Take out undrawn ones: all for "remove", about half for "fewer"."""
    undrawn = [s for s in n.plan.subjects if s.name == want.name and not s.drawn]
    gone = undrawn[len(undrawn) - max(1, round(len(undrawn) * share)) :] if undrawn else []
    n.plan.subjects[:] = [s for s in n.plan.subjects if s not in gone]
    if gone:
        n.note(f"I'm leaving out {said_of(want.name, len(gone))} I hadn't drawn yet.", "subjects")
    else:
        n.note(f"There is no undrawn {want.name} left to take out.", "subjects")


def _subjects(n: _Nudge) -> None:
    intents = set(n.reading.intents)
    for want in n.reading.subjects:
        if "bigger" in intents:
            _resize(n, want, 1.5)
        elif "smaller" in intents:
            _resize(n, want, 0.7)
        elif "remove" in intents:
            _remove(n, want)
        elif "less" in intents:
            _remove(n, want, share=0.5)
        elif want.name in ONLY_ONE and _redrawn(n, want):
            pass
        elif want.name in ONLY_ONE and _undrawn_or_drawn(n.plan, want.name):
            n.note(f"The {want.name} is already there, so I'm leaving it as it is.", "")
        else:
            _add(n, want)


ONLY_ONE: Final = frozenset(
    {"sun", "moon", "sea", "river", "window", "skyline", "street", "grass", "forest", "stars"}
)
"""Things a scene has one of: asking again does not paint a second sea."""


def _redrawn(n: _Nudge, want: Wanted) -> bool:
    """ "a crescent moon" when a full one is planned but not drawn: draw it as asked."""
    if want.variant is None:
        return False
    undrawn = [s for s in n.plan.subjects if s.name == want.name and not s.drawn]
    changed = [s for s in undrawn if s.variant != want.variant]
    for s in changed:
        s.variant = want.variant
    if changed:
        said = f"I'm changing {definite(want.name)} I haven't drawn yet to match '{want.hint}'."
        n.note(said, "subjects")
    return bool(changed)


def _undrawn_or_drawn(plan: ScenePlan, name: str) -> bool:
    return any(s.name == name for s in plan.subjects)


# --- colour, density, light ---


def _recolour(n: _Nudge, colours: Sequence[NamedColour]) -> None:
    """The colours named become body, shade and extras for the strokes still to come."""
    hexes = list(dict.fromkeys(c.hex for c in colours))
    old = n.plan.palette or ["#1f1f1f", "#555555", "#333333", "#999999", "#f5f5f5"]
    first = hexes[0]
    accent = hexes[1] if len(hexes) > 1 else old[3]
    extras = [*hexes, *(darken(c) for c in hexes), lighten(first, 0.35)]
    n.plan.palette = [old[0], first, darken(first), accent, old[4], *extras]
    asked = {c.lower() for c in COLOURS.values()}
    for s in n.plan.subjects:
        if not s.drawn and (s.body is None or s.body.lower() not in asked):
            s.body = first  # a colour the words asked for ("a red boat") stays
    names = list(dict.fromkeys(c.name for c in colours))
    joined = " and ".join(names)
    n.note(f"From here on I'll paint in {joined}.", "palette")


def _density(n: _Nudge, less: bool) -> None:
    plan = n.plan
    if not less:
        plan.density = min(MAX_DENSITY, round(plan.density * 1.3, 2))
        n.note("I'll make it busier from here on.", "density")
        return
    plan.density = max(MIN_DENSITY, round(plan.density * 0.7, 2))
    gone = _clutter(plan.subjects)
    plan.subjects[:] = [s for s in plan.subjects if s not in gone]
    if gone:
        n.note(f"I'm clearing away {_count_phrase(gone)} and keeping the rest sparse.", "density")
    else:
        n.note("Nothing undrawn is left to clear away, so I'll keep what comes sparse.", "density")


NEVER_CLEARED: Final = frozenset({"rock", "table", "window", "sea", "river", "hill"})


def _clutter(subjects: Sequence[PlacedSubject]) -> list[PlacedSubject]:
    """Undrawn, non-focal extras: context the scene added (bar what others stand on) and
    every copy after the first of anything asked for."""
    kept: set[str] = set()
    gone = []
    for s in subjects:
        if s.drawn or s.focal or shape_of(s.name).placement is Placement.FILL:
            kept.add(s.name)
            continue
        if s.name in NEVER_CLEARED or (s.name not in kept and s.why != CONTEXT_WHY):
            kept.add(s.name)
            continue
        gone.append(s)
    return gone


def _count_phrase(subjects: Sequence[PlacedSubject]) -> str:
    counts: dict[str, int] = {}
    for s in subjects:
        counts[s.name] = counts.get(s.name, 0) + 1
    parts = [said_of(name, k) for name, k in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _light(n: _Nudge) -> None:
    """ "make it night", "add fog": new light or weather repaints the sky still to come."""
    r, plan = n.reading, n.plan
    if r.time_of_day:
        plan.time_of_day = r.time_of_day
    if r.mood:
        plan.mood = r.mood
    for w in r.weather:
        if w not in plan.weather:
            plan.weather.append(w)
    sea = any(s.name == "sea" for s in plan.subjects) and n.frame.water is not None
    shore = sea and n.frame.water is not None and n.frame.water[1] < n.frame.height * 0.9
    fresh = palette_for(plan.time_of_day, plan.weather, plan.mood, (), water=sea, shore=shore)
    fresh = indoors(fresh, n.frame.kind, plan.time_of_day)
    plan.sky, plan.ground = list(fresh.sky), list(fresh.ground)
    plan.palette = list(fresh.colours)
    if r.time_of_day:
        n.note(f"I'm turning the light to {r.time_of_day}.", "light")
    if r.weather:
        n.note(f"I'm bringing in {' and '.join(r.weather)}.", "weather")
    if r.mood:
        n.note(f"I'll keep the colours {r.mood} from here on.", "palette")
    if r.time_of_day == "night" and plan.horizon is not None:
        _moon_for_night(n)


def _moon_for_night(n: _Nudge) -> None:
    """Night needs a moon rather than a sun still waiting to be drawn."""
    plan = n.plan
    plan.subjects[:] = [s for s in plan.subjects if s.drawn or s.name != "sun"]
    if not any(s.name == "moon" for s in plan.subjects):
        _add(n, Wanted("moon", 1, None, True))


def _colours_and_density(n: _Nudge) -> None:
    r = n.reading
    intents = set(r.intents)
    if r.free_colours:
        _recolour(n, r.free_colours)
    less = bool(intents & {"less"}) or r.composition == "minimal"
    more = "more" in intents or r.composition == "crowded"
    if r.subjects or r.free_colours or r.mood:
        return
    if less:
        _density(n, less=True)
    elif more:
        _density(n, less=False)


def _unknown(n: _Nudge) -> None:
    words = n.reading.unknown
    if not words:
        return
    quoted = " or ".join(f"'{w}'" for w in words[:4])
    if n.said:
        n.said.append(f"I couldn't use {quoted}.")
    else:
        n.said.append(f"I couldn't make out {quoted}, so I'll carry on with the piece as planned.")


def _finish_sentence(plan: ScenePlan) -> str:
    """Finishing still completes the focal subject: a piece without it is not the prompt."""
    focal = next((s for s in plan.subjects if s.focal and not s.drawn), None)
    if focal is None:
        return "I'll finish here and sign it."
    return f"I'll finish {definite(focal.name)} and sign it."


def apply_nudge(
    plan: ScenePlan, text: str, *, width: int, height: int, rng: random.Random
) -> NudgeOutcome:
    """Apply a viewer's nudge to ``plan`` (in place) and say what was done."""
    reading = read_words(text)
    n = _Nudge(plan, frame_of(plan, width, height), rng, reading)
    if reading.time_of_day or reading.weather or reading.mood:
        _light(n)
    _subjects(n)
    _colours_and_density(n)
    finish = "finish" in reading.intents
    if finish:
        n.note(_finish_sentence(plan), "finish")
    _unknown(n)
    if not n.said and reading.matched:
        words = ", ".join(f"'{m[0]}'" for m in reading.matched[:3])
        n.said.append(f"I read {words}, but it changes nothing still to draw; I'll carry on.")
    if not n.said:
        n.said.append("I'll carry on with the piece as planned.")
    return NudgeOutcome(tuple(n.added), " ".join(n.said), finish, tuple(n.changed))
