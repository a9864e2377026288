"""Paint palettes and moods: how colour words and feelings become stroke parameters.

Every colour is from the paint style's palette. ``#e94560`` is deliberately never used by the
artist: it is the colour visitors draw with in paint style, so keeping it free lets the artist
find human strokes in its view of the canvas (and keeps their marks distinct from its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

INK: Final = "#1a1a2e"


@dataclass(frozen=True)
class Palette:
    name: str
    colors: tuple[str, ...]  # ordered for gradients (t = 0 … 1)


PALETTES: Final[dict[str, Palette]] = {
    p.name: p
    for p in (
        Palette("ocean", ("#1a1a2e", "#3b82f6", "#4ecdc4", "#7b68ee")),
        Palette("ember", ("#1a1a2e", "#f97316", "#ff6b6b", "#ffd93d")),
        Palette("forest", ("#1a1a2e", "#4ade80", "#4ecdc4", "#ffd93d")),
        Palette("twilight", ("#1a1a2e", "#7b68ee", "#a855f7", "#3b82f6")),
        Palette("coral", ("#1a1a2e", "#ff6b6b", "#f97316", "#a855f7")),
        Palette("citrus", ("#1a1a2e", "#ffd93d", "#f97316", "#4ade80")),
        Palette("cool", ("#3b82f6", "#4ecdc4", "#7b68ee", "#a855f7")),
        Palette("carnival", ("#1a1a2e", "#3b82f6", "#ffd93d", "#ff6b6b", "#4ade80", "#a855f7")),
        Palette("mono", ("#1a1a2e",)),
    )
}


@dataclass(frozen=True)
class Mood:
    name: str
    energy: float  # 0 calm … 1 turbulent (flow turns, amplitudes, wobble)
    density: float  # multiplier on marks per area
    weight: float  # multiplier on paint stroke widths
    opacity: float  # added to the layer opacity
    brushes: tuple[str, ...]  # preferred paint brushes for broad marks


MOODS: Final[dict[str, Mood]] = {
    m.name: m
    for m in (
        Mood("calm", 0.15, 0.85, 1.0, 0.0, ("watercolor", "ink")),
        Mood("chaotic", 0.9, 1.15, 1.0, 0.0, ("dry_brush", "charcoal")),
        Mood("bold", 0.55, 0.95, 1.6, 0.1, ("oil_round", "palette_knife")),
        Mood("soft", 0.3, 0.85, 0.65, -0.2, ("watercolor", "airbrush")),
        Mood("balanced", 0.45, 1.0, 1.0, 0.0, ("oil_round", "ink")),
    )
}


@dataclass(frozen=True)
class PaintStyle:
    """Colours, widths, brushes and opacity for one program's paths (unused in plotter)."""

    colors: tuple[str, ...]
    widths: tuple[float, float]
    brushes: tuple[str, ...]
    opacity: float


def layer_colors(palette: Palette, role: str) -> tuple[str, ...]:
    """Ground layers skip the dark ink so they stay light; focal layers use everything."""
    if role == "ground" and len(palette.colors) > 2:
        return tuple(c for c in palette.colors if c != INK) or palette.colors
    if role == "texture" and len(palette.colors) > 2:
        return palette.colors[:3]
    if role == "shade" and len(palette.colors) > 2:  # hatching: no heavy ink lines in paint
        return tuple(c for c in palette.colors if c != INK)[:3]
    return palette.colors
