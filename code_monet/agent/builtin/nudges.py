"""Understanding nudges: plain words → techniques, palette, density, mood and placement.

Visitors write things like "more blue waves, calm" or "a forest on the left". The artist does
not need a language model to take that seriously: subjects and technique names choose what it
draws next, colour words pick a paint palette, density and mood words change how, and place
words say where. Each recognised word also yields a short phrase so the artist can say how it
understood the nudge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# word stem → (techniques, variant hint, archetype, what it is understood as)
SUBJECTS: Final[dict[str, tuple[tuple[str, ...], str, str, str]]] = {
    "sea": (("waves", "washes"), "sea", "seascape", "the sea"),
    "ocean": (("waves", "washes"), "sea", "seascape", "the ocean"),
    "wave": (("waves", "flow_field"), "sea", "seascape", "waves"),
    "water": (("waves", "flow_field"), "sea", "seascape", "water"),
    "river": (("flow_field", "waves"), "long", "currents", "a river"),
    "tide": (("waves",), "sea", "seascape", "the tide"),
    "lake": (("washes", "waves"), "sea", "seascape", "still water"),
    "wind": (("flow_field",), "long", "currents", "wind"),
    "storm": (("flow_field",), "long", "currents", "a storm"),
    "current": (("flow_field",), "long", "currents", "currents"),
    "hair": (("flow_field",), "long", "currents", "hair-like strands"),
    "grass": (("flow_field",), "short", "garden", "grass"),
    "tree": (("lsystem",), "forest", "garden", "trees"),
    "forest": (("lsystem",), "forest", "garden", "a forest"),
    "wood": (("lsystem",), "forest", "garden", "woods"),
    "plant": (("lsystem",), "garden", "garden", "plants"),
    "garden": (("lsystem",), "garden", "garden", "a garden"),
    "flower": (("lsystem", "spiral"), "garden", "garden", "flowers"),
    "leaf": (("lsystem", "voronoi"), "garden", "garden", "leaves"),
    "branch": (("lsystem",), "forest", "garden", "branches"),
    "city": (("subdivision", "truchet"), "", "city", "a city"),
    "building": (("subdivision",), "", "city", "buildings"),
    "architect": (("subdivision",), "", "city", "architecture"),
    "grid": (("subdivision", "truchet"), "", "city", "a grid"),
    "window": (("subdivision",), "", "city", "windows"),
    "maze": (("truchet",), "maze", "city", "a maze"),
    "labyrinth": (("truchet",), "rings", "city", "a labyrinth"),
    "tile": (("truchet",), "arcs", "city", "tiles"),
    "pattern": (("truchet", "voronoi"), "rings", "city", "pattern"),
    "sun": (("circle_packing", "spiral"), "arms", "seascape", "a sun"),
    "moon": (("circle_packing", "moire"), "", "cosmos", "a moon"),
    "circle": (("circle_packing", "moire"), "", "cells", "circles"),
    "bubble": (("circle_packing",), "", "cells", "bubbles"),
    "planet": (("moire", "circle_packing"), "", "cosmos", "a planet"),
    "orbit": (("harmonograph", "moire"), "", "cosmos", "orbits"),
    "spiral": (("spiral",), "arms", "cosmos", "a spiral"),
    "vortex": (("spiral",), "single", "cosmos", "a vortex"),
    "whirl": (("spiral",), "arms", "currents", "a whirl"),
    "shell": (("spiral",), "single", "cells", "a shell"),
    "sunflower": (("spiral",), "phyllotaxis", "garden", "a sunflower"),
    "seed": (("spiral",), "phyllotaxis", "garden", "seeds"),
    "star": (("starfield", "stippling"), "", "cosmos", "stars"),
    "night": (("starfield",), "", "cosmos", "the night sky"),
    "sky": (("washes", "starfield"), "", "cosmos", "the sky"),
    "galaxy": (("spiral", "starfield"), "arms", "cosmos", "a galaxy"),
    "space": (("starfield", "moire"), "", "cosmos", "space"),
    "cosmos": (("starfield", "spiral"), "", "cosmos", "the cosmos"),
    "rain": (("stippling", "hatching"), "even", "cosmos", "rain"),
    "snow": (("stippling",), "even", "cosmos", "snow"),
    "dust": (("stippling",), "cluster", "cosmos", "dust"),
    "sand": (("stippling", "waves"), "gradient", "terrain", "sand"),
    "desert": (("waves", "stippling"), "dunes", "terrain", "a desert"),
    "dune": (("waves",), "dunes", "terrain", "dunes"),
    "mountain": (("waves", "contours"), "ridge", "terrain", "mountains"),
    "hill": (("waves", "contours"), "dunes", "terrain", "hills"),
    "landscape": (("waves", "contours"), "ridge", "terrain", "a landscape"),
    "map": (("contours",), "", "terrain", "a map"),
    "terrain": (("contours",), "", "terrain", "terrain"),
    "valley": (("contours",), "", "terrain", "a valley"),
    "cell": (("voronoi",), "", "cells", "cells"),
    "skin": (("voronoi",), "", "cells", "skin"),
    "stone": (("voronoi",), "", "cells", "stones"),
    "crack": (("voronoi",), "", "cells", "cracks"),
    "organic": (("voronoi", "flow_field"), "", "cells", "something organic"),
    "pendulum": (("harmonograph",), "", "currents", "a pendulum"),
    "dance": (("harmonograph",), "", "currents", "dance"),
    "loop": (("harmonograph",), "", "currents", "loops"),
    "light": (("hatching",), "", "terrain", "light"),
    "shadow": (("hatching",), "", "terrain", "shadow"),
    "ripple": (("moire",), "", "cells", "ripples"),
    "vibration": (("moire",), "", "cosmos", "vibration"),
}

# pattern (matched at a word start) → technique
TECHNIQUE_WORDS: Final[dict[str, str]] = {
    r"flow ?field": "flow_field",
    r"flow(ing)?\b": "flow_field",
    r"l-? ?system": "lsystem",
    r"truchet": "truchet",
    r"(circle )?packing": "circle_packing",
    r"contour|topograph": "contours",
    r"hatch": "hatching",
    r"harmonograph|lissajous": "harmonograph",
    r"stippl|dots?\b|dotted": "stippling",
    r"subdivi|mondrian|rectangles?\b": "subdivision",
    r"phyllotaxis": "spiral",
    r"moir[eé]|interference": "moire",
    r"voronoi": "voronoi",
    r"wash(es)?\b|watercolou?r": "washes",
    r"constellation": "starfield",
}

COLOURS: Final[dict[str, str]] = {
    "blue": "ocean",
    "navy": "ocean",
    "teal": "cool",
    "turquoise": "cool",
    "cyan": "cool",
    "cool": "cool",
    "cold": "cool",
    "icy": "cool",
    "red": "coral",
    "pink": "coral",
    "coral": "coral",
    "rose": "coral",
    "warm": "ember",
    "orange": "ember",
    "fire": "ember",
    "autumn": "ember",
    "sunset": "ember",
    "hot": "ember",
    "green": "forest",
    "verdant": "forest",
    "spring": "citrus",
    "yellow": "citrus",
    "gold": "citrus",
    "golden": "citrus",
    "purple": "twilight",
    "violet": "twilight",
    "lilac": "twilight",
    "dusk": "twilight",
    "colourful": "carnival",
    "colorful": "carnival",
    "rainbow": "carnival",
    "vivid": "carnival",
    "bright": "carnival",
    "monochrome": "mono",
    "black": "mono",
    "ink": "mono",
    "grey": "mono",
    "gray": "mono",
    "mono": "mono",
}

MOOD_WORDS: Final[dict[str, str]] = {
    "calm": "calm",
    "quiet": "calm",
    "peace": "calm",
    "serene": "calm",
    "still": "calm",
    "gentle": "soft",
    "soft": "soft",
    "delicate": "soft",
    "light": "soft",
    "dream": "soft",
    "chaos": "chaotic",
    "chaotic": "chaotic",
    "wild": "chaotic",
    "energ": "chaotic",
    "storm": "chaotic",
    "turbulent": "chaotic",
    "messy": "chaotic",
    "bold": "bold",
    "strong": "bold",
    "loud": "bold",
    "dramatic": "bold",
    "heavy": "bold",
    "thick": "bold",
}

DENSER: Final = ("denser", "dense", "more", "busier", "busy", "fill", "lots", "thicker", "richer")
SPARSER: Final = ("sparse", "less", "minimal", "fewer", "simpler", "simple", "empty", "airy")
FINISH: Final = ("finish", "sign it", "done", "wrap up", "complete it", "that's it", "stop")
PLACES: Final[dict[str, str]] = {
    "left": "left",
    "right": "right",
    "top": "top",
    "upper": "top",
    "sky": "top",
    "bottom": "bottom",
    "lower": "bottom",
    "ground": "bottom",
    "centre": "centre",
    "center": "centre",
    "middle": "centre",
}


@dataclass(frozen=True)
class Direction:
    """What one nudge (or the piece prompt) asks for."""

    text: str
    techniques: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # what the words were understood as ("the sea")
    variant: str = ""
    archetype: str | None = None
    palette: str | None = None
    density: float | None = None
    mood: str | None = None
    place: str | None = None
    finish: bool = False
    understood: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return (
            not (self.techniques or self.palette or self.density or self.mood or self.place)
            and not self.finish
        )


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zà-ÿ'-]+", text.lower())


def interpret(text: str) -> Direction:
    """Read one nudge. Unknown words are simply not understood (the artist says so)."""
    lowered = " " + text.lower() + " "
    words = _words(text)
    techniques: list[str] = []
    subjects: list[str] = []
    understood: list[str] = []
    variant, archetype = "", None
    for pattern, name in TECHNIQUE_WORDS.items():
        match = re.search(r"\b(?:" + pattern + r")[\w-]*", lowered)
        if match and name not in techniques:
            techniques.append(name)
            understood.append(f"'{match.group(0).strip()}' as a technique I know ({name})")
    stems = sorted(SUBJECTS, key=len, reverse=True)  # "sunflower" before "sun"
    for word in words:
        for stem in stems:
            names, hint, arch, meaning = SUBJECTS[stem]
            if word.startswith(stem) and not (stem == "star" and word.startswith("start")):
                fresh = [n for n in names if n not in techniques]
                techniques.extend(fresh)
                variant = variant or hint
                archetype = archetype or arch
                subjects.append(meaning)
                understood.append(f"'{word}' as {meaning}")
                break
    palette = next((COLOURS[w] for w in words if w in COLOURS), None)
    if palette:
        word = next(w for w in words if w in COLOURS)
        understood.append(f"'{word}' as a colour cue")
    mood = next((MOOD_WORDS[s] for w in words for s in MOOD_WORDS if w.startswith(s)), None)
    if mood:
        understood.append(f"a {mood} mood")
    density: float | None = None
    if any(w in SPARSER for w in words):
        density = 0.6
        understood.append("fewer marks, more air")
    elif any(w in DENSER for w in words):
        density = 1.35 if any(w in ("denser", "dense", "busier", "fill") for w in words) else 1.2
        understood.append("more marks")
    place = next((PLACES[w] for w in words if w in PLACES and w != "light"), None)
    if place and not (place == "top" and "sky" in words and len(techniques) > 0):
        understood.append(f"placed at the {place}")
    finish = any(phrase in lowered for phrase in FINISH) and not techniques
    if finish:
        understood.append("a wish to finish")
    return Direction(
        text=text.strip(),
        techniques=tuple(techniques),
        subjects=tuple(subjects),
        variant=variant,
        archetype=archetype,
        palette=palette,
        density=density,
        mood=mood,
        place=place,
        finish=finish,
        understood=tuple(understood),
    )
