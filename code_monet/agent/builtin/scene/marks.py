"""The drawing vocabulary every subject speaks: boxes, marks and subject specifications.

A subject draws in its own unit box (0…1 on both axes, y down) and knows nothing of canvas
size, colour or tool calls. It returns ``Mark``s tagged with what they are (contour, hatch,
stipple, wash, detail) and which *tone* they take (ink, body, shade, accent, light); the
painter maps tones to the scene's palette and the medium's stroke widths, then places the
marks in the subject's ``Box`` on the canvas. So one definition of a cat serves both styles,
every palette, every size and every position.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

Point = tuple[float, float]


class Medium(StrEnum):
    """How a subject should express tone: line work (plotter) or washes of colour (paint)."""

    PLOTTER = "plotter"
    PAINT = "paint"


class MarkKind(StrEnum):
    CONTOUR = "contour"  # outline of a form: the line that makes it recognisable
    DETAIL = "detail"  # eyes, windows, whiskers: small lines inside a form
    HATCH = "hatch"  # parallel lines for tone or shadow
    STIPPLE = "stipple"  # dots for tone (a dot is a 2-point mark of near-zero length)
    WASH = "wash"  # a closed area filled with colour (paint); outlined lightly in plotter


class Tone(StrEnum):
    """A colour role: the painter picks the actual colour from the scene palette."""

    INK = "ink"  # darkest: outlines and details
    BODY = "body"  # the subject's own colour (a red boat's red)
    SHADE = "shade"  # a darker/cooler partner of BODY for shadow and hatching
    ACCENT = "accent"  # a small contrasting touch (a lit window, a beak)
    LIGHT = "light"  # highlights, glow, snow


@dataclass(frozen=True)
class Mark:
    """One stroke in unit-box coordinates. ``closed`` joins the last point to the first;
    a WASH mark is always a closed area. ``weight`` scales the medium's stroke width."""

    points: tuple[Point, ...]
    kind: MarkKind = MarkKind.CONTOUR
    tone: Tone = Tone.INK
    closed: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class Box:
    """Where a subject goes on the canvas, in canvas pixels; ``mirror`` flips it left-right."""

    x: float
    y: float
    w: float
    h: float
    mirror: bool = False

    def to_canvas(self, p: Point) -> Point:
        u = 1.0 - p[0] if self.mirror else p[0]
        return (self.x + u * self.w, self.y + p[1] * self.h)

    def contains(self, p: Point, slack: float = 0.0) -> bool:
        return (
            self.x - slack <= p[0] <= self.x + self.w + slack
            and self.y - slack <= p[1] <= self.y + self.h + slack
        )


class Placement(StrEnum):
    """Where a subject naturally sits in a scene with a horizon."""

    SKY = "sky"  # moon, sun, birds, clouds: above the horizon
    HORIZON = "horizon"  # standing on the horizon line: buildings, trees, mountains, lighthouse
    GROUND = "ground"  # standing on the ground in front: animals, people, chairs
    WATER = "water"  # on or in the water: boats, fish, whales
    TABLE = "table"  # objects that sit on a surface: cup, vase, teapot, book
    FILL = "fill"  # covers a whole band or the canvas: sea, forest, field, city skyline, rain
    ANY = "any"  # a close-up that can stand alone anywhere: portrait, face, hands


class Category(StrEnum):
    ANIMAL = "animal"
    PERSON = "person"
    NATURE = "nature"
    BUILT = "built"
    OBJECT = "object"


DrawFn = Callable[[random.Random, Medium, int], list[Mark]]
"""``draw(rng, medium, variant)`` → marks in the unit box. ``variant`` is 0…variants-1 and
chooses pose, viewpoint or construction; ``rng`` adds the seeded small variation."""


@dataclass(frozen=True)
class SubjectSpec:
    name: str  # the lexicon's canonical name, e.g. "cat"
    category: Category
    placement: Placement
    aspect: float  # preferred box width / height
    body: str  # default BODY colour (hex) when the prompt names none, e.g. "#f97316" for a fox
    draw: DrawFn
    variants: int = 3
    size: float = 0.5  # height as a fraction of the canvas when it is the main subject
    label: str = ""  # how the notebook names it ("a cat"); defaults to "a <name>"

    @property
    def said(self) -> str:
        return self.label or f"a {self.name}"


MIN_VARIANTS: Final = 3
