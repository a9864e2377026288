"""Request and response bodies of the sharing endpoints (v1 field names kept, additions
optional)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from code_monet.share.pieces import MAX_PIECE_NUMBER
from code_monet.types.paths import Path as StrokePath
from code_monet.types.styles import DrawingStyleConfig, DrawingStyleType

MAX_SHARE_TITLE: Final = 200


class GallerySettings(BaseModel):
    """``GET|PUT /settings/gallery``."""

    model_config = ConfigDict(extra="forbid")

    gallery_public: bool


class PlotEstimate(BaseModel):
    """The motion planner's timing of a plot (canvas units, seconds)."""

    estimated_plot_seconds: float
    draw_seconds: float
    travel_seconds: float
    pen_seconds: float
    pen_lifts: int
    draw_distance: float
    travel_distance: float
    travel_distance_unordered: float
    layers: int
    strokes: int


class PieceMeta(BaseModel):
    """``…/meta``: what a piece is, and how long a pen plotter takes to draw it."""

    id: str
    piece_number: int
    user_id: str | None = None
    title: str | None
    prompt: str | None
    created_at: datetime
    drawing_style: DrawingStyleType
    canvas_width: int
    canvas_height: int
    stroke_count: int
    thumbnail_token: str
    estimated_plot_seconds: float
    plot: PlotEstimate


class PublicPieceSummary(BaseModel):
    """One entry of ``GET /public/gallery`` (v1: id, user_id, piece_number, stroke_count,
    created_at, title when set; the rest is additive)."""

    id: str
    user_id: str
    piece_number: int
    stroke_count: int
    created_at: datetime
    title: str | None = None
    drawing_style: DrawingStyleType
    width: int
    height: int
    thumbnail_token: str
    thumbnail_url: str
    og_image_url: str
    strokes_url: str


class PublicPieceDetail(BaseModel):
    """``GET /public/gallery/{user_id}/{piece_id}/strokes`` (v1: id, strokes, piece_number,
    created_at; the rest is additive)."""

    id: str
    user_id: str
    piece_number: int
    created_at: datetime
    title: str | None = None
    prompt: str | None = None
    strokes: list[StrokePath]
    stroke_count: int
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig
    canvas_width: int
    canvas_height: int
    thumbnail_url: str
    og_image_url: str


class CreateShareRequest(BaseModel):
    """``POST /s/create``."""

    piece_number: int = Field(ge=1, le=MAX_PIECE_NUMBER)
    title: str | None = Field(default=None, max_length=MAX_SHARE_TITLE)

    @field_validator("title")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value is None:
            return None
        stripped = value.strip()
        return stripped or None


class ShareResponse(BaseModel):
    """One share link (``POST /s/create``, ``GET /s/my-shares``)."""

    token: str
    url: str
    piece_number: int
    title: str | None
    created_at: datetime


class ShareApiResponse(BaseModel):
    """``GET /s/{token}/api`` (v1 fields first, then additions)."""

    token: str
    title: str
    piece_number: int
    canvas_width: int
    canvas_height: int
    stroke_count: int
    created_at: datetime
    url: str
    preview_url: str
    og_image_url: str
    piece_created_at: datetime
    drawing_style: DrawingStyleType
    prompt: str | None = None
    strokes: list[StrokePath]
