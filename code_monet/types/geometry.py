"""Coordinate primitives shared by every module: points, path kinds and their dict shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import NotRequired, TypedDict

from pydantic import BaseModel, ConfigDict


def is_none(value: object) -> bool:
    """``exclude_if`` predicate: optional wire fields are omitted when unset, never ``null``."""
    return value is None


class Point(BaseModel):
    """A point in canvas units, origin top-left. NaN and infinities are rejected."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    x: float
    y: float


class PathType(StrEnum):
    """The drawable path kinds of the wire protocol."""

    LINE = "line"
    POLYLINE = "polyline"
    QUADRATIC = "quadratic"
    CUBIC = "cubic"
    SVG = "svg"


class PointDict(TypedDict):
    x: float
    y: float


class PathDict(TypedDict):
    """A serialised :class:`code_monet.types.paths.Path` (unset style fields are absent)."""

    type: str
    points: list[PointDict]
    author: str
    d: NotRequired[str]
    color: NotRequired[str]
    stroke_width: NotRequired[float]
    opacity: NotRequired[float]
    brush: NotRequired[str]
    id: NotRequired[str]
    fill: NotRequired[str]
    fill_opacity: NotRequired[float]


class PendingStrokeDict(TypedDict):
    """A queued stroke: the path plus the pre-interpolated points a client animates."""

    batch_id: int
    path: PathDict
    points: list[PointDict]
