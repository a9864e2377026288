"""The drawable ``Path`` of the wire protocol and its effective style per drawing style."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Self, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from code_monet.types.geometry import PathDict, PathType, Point, is_none
from code_monet.types.styles import DrawingStyleType, StrokeStyle, get_style_config

HEX_COLOR_PATTERN: Final = r"^#[0-9a-fA-F]{6}$"
MAX_SVG_D_LENGTH: Final = 200_000

# Exact point counts per path type; polyline needs at least two, svg uses ``d``.
_EXACT_POINTS: Final[dict[PathType, int]] = {
    PathType.LINE: 2,
    PathType.QUADRATIC: 3,
    PathType.CUBIC: 4,
}


class Author(StrEnum):
    AGENT = "agent"
    HUMAN = "human"


class Path(BaseModel):
    """One stroke. Style fields left unset are omitted when serialised (never ``null``)."""

    model_config = ConfigDict(allow_inf_nan=False)

    type: PathType
    points: list[Point] = Field(default_factory=list)
    d: str | None = Field(default=None, exclude_if=is_none, max_length=MAX_SVG_D_LENGTH)
    author: Author = Author.AGENT
    color: str | None = Field(default=None, exclude_if=is_none, pattern=HEX_COLOR_PATTERN)
    stroke_width: float | None = Field(default=None, exclude_if=is_none, gt=0, le=500)
    opacity: float | None = Field(default=None, exclude_if=is_none, ge=0, le=1)
    brush: str | None = Field(default=None, exclude_if=is_none, max_length=64)
    id: str | None = Field(default=None, exclude_if=is_none, max_length=64)
    fill: str | None = Field(default=None, exclude_if=is_none, pattern=HEX_COLOR_PATTERN)
    fill_opacity: float | None = Field(default=None, exclude_if=is_none, ge=0, le=1)

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        count = len(self.points)
        if self.type is PathType.SVG:
            if not self.d or not self.d.strip():
                raise ValueError("svg path needs a non-empty 'd' string")
        elif self.type is PathType.POLYLINE:
            if count < 2:
                raise ValueError(f"polyline needs at least 2 points, got {count}")
        else:
            expected = _EXACT_POINTS[self.type]
            if count != expected:
                raise ValueError(f"{self.type.value} needs exactly {expected} points, got {count}")
        return self

    def to_dict(self) -> PathDict:
        """The JSON-ready dict of this path (as the protocol sends it)."""
        return cast(PathDict, self.model_dump(mode="json"))

    def effective_style(self, style: DrawingStyleType) -> StrokeStyle:
        """The stroke style this path is drawn with.

        Plotter ignores per-path overrides (monochrome, one width); paint honours colour,
        width and opacity when set and falls back to the style defaults otherwise.
        """
        config = get_style_config(style)
        base = config.human_stroke if self.author is Author.HUMAN else config.agent_stroke
        if style is DrawingStyleType.PLOTTER:
            return base
        return StrokeStyle(
            color=self.color if self.color is not None else base.color,
            stroke_width=self.stroke_width if self.stroke_width is not None else base.stroke_width,
            opacity=self.opacity if self.opacity is not None else base.opacity,
            stroke_linecap=base.stroke_linecap,
            stroke_linejoin=base.stroke_linejoin,
        )
