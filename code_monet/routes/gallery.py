"""The signed-in user's gallery: ``GET /gallery`` and ``GET /gallery/{piece_number}/strokes``.

(Thumbnails, exports and sharing live in :mod:`code_monet.share` and its routers.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from code_monet.routes.deps import CurrentUser, RuntimeDep
from code_monet.routes.sessions import session_for
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import GalleryEntry
from code_monet.types.styles import DrawingStyleConfig, DrawingStyleType, get_style_config

PieceNumber = Annotated[int, Path(ge=1, le=10_000_000, description="The piece's number")]


class GalleryPieceResponse(BaseModel):
    id: str
    piece_number: int
    created_at: datetime
    title: str | None
    prompt: str | None
    strokes: list[StrokePath]
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig
    canvas_width: int
    canvas_height: int


def create_gallery_router() -> APIRouter:
    router = APIRouter(tags=["gallery"])

    @router.get("/gallery", response_model=list[GalleryEntry])
    async def list_gallery(user: CurrentUser, runtime: RuntimeDep) -> list[GalleryEntry]:
        """The user's finished pieces, newest first."""
        session = await session_for(runtime, user)
        entries = await session.state.gallery.entries_async()
        return sorted(entries, key=lambda e: (e.created_at, e.piece_number), reverse=True)

    @router.get("/gallery/{piece_number}/strokes", response_model=GalleryPieceResponse)
    async def piece_strokes(
        piece_number: PieceNumber, user: CurrentUser, runtime: RuntimeDep
    ) -> GalleryPieceResponse:
        """One saved piece with its strokes (for the gallery view and replay)."""
        session = await session_for(runtime, user)
        try:
            saved = await session.state.gallery.load_async(piece_number)
        except (FileNotFoundError, ValueError) as exc:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"There is no piece {piece_number} in your gallery"
            ) from exc
        return GalleryPieceResponse(
            id=saved.id,
            piece_number=saved.piece_number,
            created_at=saved.created_at,
            title=saved.title,
            prompt=saved.prompt,
            strokes=saved.strokes,
            drawing_style=saved.drawing_style,
            style_config=get_style_config(saved.drawing_style),
            canvas_width=saved.width,
            canvas_height=saved.height,
        )

    return router
