"""Path shape rules, the drawable ``Path`` of the wire protocol, and ``PathInput``.

The rules (path kinds and their point counts, the length of ``d``, style bounds, the colour
rule from :mod:`code_monet.types.colors`) are written once here: the ``Path`` model, the path
JSON schema the model is given (generated from ``PathInput``), the tool-side parser and the
sandbox runner's generated constants all derive from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Final, Self, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    model_validator,
)

from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.colors import HEX_COLOR_DESCRIPTION, HEX_COLOR_PATTERN, HexColor
from code_monet.types.geometry import PathDict, PathType, Point, is_none
from code_monet.types.styles import DrawingStyleType, StrokeStyle, get_style_config

__all__ = [
    "EXACT_POINTS",
    "HEX_COLOR_PATTERN",
    "MAX_BRUSH_NAME_LENGTH",
    "MAX_PATH_ID_LENGTH",
    "MAX_STROKE_WIDTH",
    "MAX_SVG_D_LENGTH",
    "MIN_POLYLINE_POINTS",
    "STYLE_KEYS",
    "Author",
    "Path",
    "PathInput",
    "point_count_problem",
]

MAX_SVG_D_LENGTH: Final = 200_000
MAX_STROKE_WIDTH: Final = 500
MAX_BRUSH_NAME_LENGTH: Final = 64
MAX_PATH_ID_LENGTH: Final = 64

EXACT_POINTS: Final[Mapping[PathType, int]] = MappingProxyType(
    {PathType.LINE: 2, PathType.QUADRATIC: 3, PathType.CUBIC: 4}
)
"""Exact point counts per path type; polyline needs at least ``MIN_POLYLINE_POINTS``, svg
uses ``d`` instead of points."""
MIN_POLYLINE_POINTS: Final = 2

StrokeWidth = Annotated[float, Field(gt=0, le=MAX_STROKE_WIDTH)]
Opacity = Annotated[float, Field(ge=0, le=1)]


def point_count_problem(kind: PathType, count: int) -> str | None:
    """Why ``count`` points do not make a ``kind`` path (``None``: they do; svg is not counted)."""
    if kind is PathType.SVG:
        return None
    if kind is PathType.POLYLINE:
        if count < MIN_POLYLINE_POINTS:
            return f"polyline needs at least {MIN_POLYLINE_POINTS} points, got {count}"
        return None
    expected = EXACT_POINTS[kind]
    if count != expected:
        return f"{kind.value} needs exactly {expected} points, got {count}"
    return None


def _svg_needs_d(kind: PathType, d: str | None) -> None:
    if kind is PathType.SVG and (not d or not d.strip()):
        raise ValueError("svg path needs a non-empty 'd' string")


def _known_brush(name: str) -> str:
    if name not in BRUSH_NAMES:
        raise ValueError(f"unknown brush {name!r}; expected one of: {', '.join(BRUSH_NAMES)}")
    return name


_BRUSH_ENUM: Final[list[JsonValue]] = [*BRUSH_NAMES]
KnownBrush = Annotated[
    str, AfterValidator(_known_brush), Field(json_schema_extra={"enum": _BRUSH_ENUM})
]


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
    color: HexColor | None = Field(default=None, exclude_if=is_none)
    stroke_width: StrokeWidth | None = Field(default=None, exclude_if=is_none)
    opacity: Opacity | None = Field(default=None, exclude_if=is_none)
    brush: str | None = Field(default=None, exclude_if=is_none, max_length=MAX_BRUSH_NAME_LENGTH)
    id: str | None = Field(default=None, exclude_if=is_none, max_length=MAX_PATH_ID_LENGTH)
    fill: HexColor | None = Field(default=None, exclude_if=is_none)
    fill_opacity: Opacity | None = Field(default=None, exclude_if=is_none)

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        _svg_needs_d(self.type, self.d)
        problem = point_count_problem(self.type, len(self.points))
        if problem is not None:
            raise ValueError(problem)
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


class PathInput(BaseModel):
    """One path, in canvas units (origin top-left); style options apply in paint style only."""

    model_config = ConfigDict(allow_inf_nan=False)

    type: PathType = Field(
        description="line: 2 points; polyline: 2 or more; quadratic: 3 (start, control, end); "
        "cubic: 4 (start, control, control, end); svg: no points, uses d"
    )
    points: list[Point] = Field(
        default_factory=list, description="The points in drawing order (not for svg)."
    )
    d: str | None = Field(
        default=None,
        max_length=MAX_SVG_D_LENGTH,
        description="SVG path data for type svg (every command, arcs included).",
    )
    color: HexColor | None = Field(
        default=None, description=f"{HEX_COLOR_DESCRIPTION} (paint style only)"
    )
    stroke_width: float | None = Field(
        default=None,
        gt=0,
        description="Line width in canvas units (paint style only; clamped to the style's range).",
    )
    opacity: Opacity | None = Field(default=None, description="0-1 (paint style only)")
    brush: KnownBrush | None = Field(default=None, description="Brush texture (paint style only).")

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        _svg_needs_d(self.type, self.d)
        problem = point_count_problem(self.type, len(self.points))
        if problem is not None:
            raise ValueError(problem)
        return self


STYLE_KEYS: Final[tuple[str, ...]] = tuple(
    name for name in PathInput.model_fields if name not in ("type", "points", "d")
)
"""The per-path style options an artist may set (paint style honours them)."""
