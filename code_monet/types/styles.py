"""Drawing styles (plotter, paint) and their stroke defaults, exactly as the protocol states."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class DrawingStyleType(StrEnum):
    PLOTTER = "plotter"
    PAINT = "paint"


class StrokeStyle(BaseModel):
    model_config = ConfigDict(frozen=True)

    color: str
    stroke_width: float
    opacity: float = 1.0
    stroke_linecap: Literal["round", "butt", "square"] = "round"
    stroke_linejoin: Literal["round", "miter", "bevel"] = "round"


class DrawingStyleConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: DrawingStyleType
    name: str
    description: str
    agent_stroke: StrokeStyle
    human_stroke: StrokeStyle
    supports_color: bool
    supports_variable_width: bool
    supports_opacity: bool
    color_palette: list[str] | None


PAINT_PALETTE: tuple[str, ...] = (
    "#1a1a2e",
    "#e94560",
    "#7b68ee",
    "#4ecdc4",
    "#ffd93d",
    "#ff6b6b",
    "#4ade80",
    "#3b82f6",
    "#f97316",
    "#a855f7",
    "#ffffff",
)

PLOTTER_STYLE = DrawingStyleConfig(
    type=DrawingStyleType.PLOTTER,
    name="Plotter",
    description="Monochrome pen on paper: precise, single-weight lines.",
    agent_stroke=StrokeStyle(color="#1a1a2e", stroke_width=2.5, opacity=1.0),
    human_stroke=StrokeStyle(color="#0066CC", stroke_width=2.5, opacity=1.0),
    supports_color=False,
    supports_variable_width=False,
    supports_opacity=False,
    color_palette=None,
)

PAINT_STYLE = DrawingStyleConfig(
    type=DrawingStyleType.PAINT,
    name="Paint",
    description="Brush and colour: variable widths, translucent layers and brush textures.",
    agent_stroke=StrokeStyle(color="#1a1a2e", stroke_width=8.0, opacity=0.85),
    human_stroke=StrokeStyle(color="#e94560", stroke_width=8.0, opacity=0.85),
    supports_color=True,
    supports_variable_width=True,
    supports_opacity=True,
    color_palette=list(PAINT_PALETTE),
)

_STYLES: dict[DrawingStyleType, DrawingStyleConfig] = {
    DrawingStyleType.PLOTTER: PLOTTER_STYLE,
    DrawingStyleType.PAINT: PAINT_STYLE,
}


def get_style_config(style: DrawingStyleType | str) -> DrawingStyleConfig:
    """The configuration of a drawing style; raises ``ValueError`` for an unknown name."""
    try:
        return _STYLES[DrawingStyleType(style)]
    except ValueError as exc:
        known = ", ".join(s.value for s in DrawingStyleType)
        raise ValueError(f"Unknown drawing style {style!r}; expected one of: {known}") from exc
