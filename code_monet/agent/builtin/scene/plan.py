"""A scene plan: what the prompt asked for, arranged on the canvas, coloured and lit.

The composer builds it from words (``lexicon``), nudges edit it, the painter draws it and
``progress`` saves it, so it is plain data: JSON-friendly fields only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Layer(StrEnum):
    """Depth, drawn back to front."""

    SKY = "sky"  # sky tone, sun/moon, clouds, stars
    BACKGROUND = "background"  # far hills, skyline, sea: things on the horizon line
    SUBJECT = "subject"  # the focal subject(s)
    FOREGROUND = "foreground"  # near ground, grass, a windowsill, framing
    ATMOSPHERE = "atmosphere"  # fog veils, rain, snow, wind lines: over everything


@dataclass
class PlacedSubject:
    """One subject in the scene: which, where (canvas px), how, in what colour."""

    name: str  # a key of ``subjects.LIBRARY``
    x: float
    y: float
    w: float
    h: float
    layer: Layer
    variant: int
    mirror: bool = False
    body: str | None = None  # colour asked for ("a red boat"); None → the palette's choice
    focal: bool = False
    drawn: bool = False  # set before its marks are sent (a crash never redraws it)
    why: str = ""  # "the prompt", "your nudge", "the scene calls for it"


@dataclass
class ScenePlan:
    prompt: str
    subjects: list[PlacedSubject]
    palette: list[str]  # hex colours: ink, body, shade, accent, light, then extras
    sky: list[str]  # gradient top → horizon for the sky wash (paint) / tone (plotter)
    ground: list[str]  # colours for the ground or water below the horizon
    horizon: float | None  # canvas y of the horizon; None for a close-up without one
    time_of_day: str = "day"  # dawn, day, dusk, night
    weather: list[str] = field(default_factory=list)  # fog, rain, snow, storm, wind
    mood: str = "calm"
    composition: str = "balanced"  # close-up, from-above, panorama, minimal, crowded, balanced
    density: float = 1.0  # 0.4 minimal … 1.8 crowded; nudges "less clutter"/"more" change it
    understood: list[str] = field(default_factory=list)  # what it took from the words
    not_drawable: list[str] = field(default_factory=list)  # words it could not draw
    instead: str = ""  # what it will do instead, when something was not drawable
