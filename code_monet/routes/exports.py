"""Exports of a piece the caller may see: SVG (clean, or layered and travel-optimised for pen
plotters), PNG at a chosen size, and metadata with the planner's estimated plot time.

Owner (bearer token): ``/gallery/{piece_number}/export.svg|export.png|meta``.
Public pieces: ``/public/gallery/{user_id}/{piece_id}/export.svg|export.png|meta``.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response

from code_monet.render.cache import ContentCache
from code_monet.render.gate import EXPORT_STEPS, client_key, snap_up
from code_monet.routes.deps import (
    ContentCacheDep,
    CurrentUser,
    DatabaseDep,
    DataDirDep,
    RenderGateDep,
)
from code_monet.share.access import missing_own, own_piece, public_piece, read_canvas
from code_monet.share.exports import MAX_PNG_SIZE, MIN_PNG_SIZE
from code_monet.share.http import not_found
from code_monet.share.pieces import MAX_PIECE_NUMBER, LocatedPiece
from code_monet.share.schemas import PieceMeta, PlotEstimate
from code_monet.share.serve import plot_estimate, png_export_response, svg_export_response

VARIANT_HELP: Final = "auto (plotter pieces: plotter), clean or plotter"
SizeParam = Annotated[
    str | None,
    Query(
        max_length=20,
        description=f"Long edge in px, {MIN_PNG_SIZE}–{MAX_PNG_SIZE}, rounded up to one of "
        f"{', '.join(map(str, EXPORT_STEPS))} (default: the canvas's own long edge)",
    ),
]
VariantParam = Annotated[str, Query(max_length=20, description=VARIANT_HELP)]


def parse_piece_number(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PIECE_NUMBER:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail=f"Invalid piece number {value[:20]!r}: must be a positive integer",
        )
    return number


def parse_size(value: str | None, piece: LocatedPiece) -> int:
    """The long edge to render: the requested one rounded up to the next of ``EXPORT_STEPS``
    (so varied sizes cost a few renders, each cached); default: the canvas's own long edge
    (clamped to range, not rounded: one more size per piece)."""
    if value is None:
        natural = max(piece.indexed.width, piece.indexed.height)
        return min(MAX_PNG_SIZE, max(MIN_PNG_SIZE, natural))
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not MIN_PNG_SIZE <= size <= MAX_PNG_SIZE:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail=f"Invalid size {value[:20]!r}: must be an integer from "
            f"{MIN_PNG_SIZE} to {MAX_PNG_SIZE} (pixels on the long edge)",
        )
    return snap_up(size, EXPORT_STEPS)


async def piece_meta(
    cache: ContentCache, piece: LocatedPiece, missing: HTTPException, *, public: bool
) -> PieceMeta:
    canvas = await read_canvas(piece, missing)
    estimate = PlotEstimate.model_validate(await plot_estimate(cache, piece, missing))
    return PieceMeta(
        id=canvas.id,
        piece_number=piece.piece_number,
        user_id=str(piece.user_id) if public else None,
        title=canvas.title,
        prompt=canvas.prompt,
        created_at=canvas.created_at,
        drawing_style=canvas.drawing_style,
        canvas_width=canvas.width,
        canvas_height=canvas.height,
        stroke_count=len(canvas.strokes),
        thumbnail_token=piece.version,
        estimated_plot_seconds=estimate.estimated_plot_seconds,
        plot=estimate,
    )


def create_exports_router() -> APIRouter:
    router = APIRouter(tags=["exports"])

    @router.get("/gallery/{piece_number}/export.svg")
    async def own_svg(
        piece_number: str,
        request: Request,
        user: CurrentUser,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        variant: VariantParam = "auto",
    ) -> Response:
        number = parse_piece_number(piece_number)
        piece = await own_piece(database, data_dir, user, number)
        return await svg_export_response(
            request, cache, piece, variant, public=False, missing=missing_own(number)
        )

    @router.get("/gallery/{piece_number}/export.png")
    async def own_png(
        piece_number: str,
        request: Request,
        user: CurrentUser,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        size: SizeParam = None,
    ) -> Response:
        number = parse_piece_number(piece_number)
        piece = await own_piece(database, data_dir, user, number)
        return await png_export_response(
            request,
            cache,
            piece,
            parse_size(size, piece),
            public=False,
            missing=missing_own(number),
            gate=gate,
            client=client_key(request, user.id),
        )

    @router.get("/gallery/{piece_number}/meta", response_model=PieceMeta)
    async def own_meta(
        piece_number: str,
        user: CurrentUser,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
    ) -> PieceMeta:
        number = parse_piece_number(piece_number)
        piece = await own_piece(database, data_dir, user, number)
        return await piece_meta(cache, piece, missing_own(number), public=False)

    @router.get("/public/gallery/{user_id}/{piece_id}/export.svg")
    async def public_svg(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        variant: VariantParam = "auto",
    ) -> Response:
        piece = await public_piece(database, data_dir, user_id, piece_id)
        return await svg_export_response(
            request, cache, piece, variant, public=True, missing=not_found()
        )

    @router.get("/public/gallery/{user_id}/{piece_id}/export.png")
    async def public_png(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        size: SizeParam = None,
    ) -> Response:
        piece = await public_piece(database, data_dir, user_id, piece_id)
        return await png_export_response(
            request,
            cache,
            piece,
            parse_size(size, piece),
            public=True,
            missing=not_found(),
            gate=gate,
            client=client_key(request),
        )

    @router.get("/public/gallery/{user_id}/{piece_id}/meta", response_model=PieceMeta)
    async def public_meta(
        user_id: str,
        piece_id: str,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
    ) -> PieceMeta:
        piece = await public_piece(database, data_dir, user_id, piece_id)
        return await piece_meta(cache, piece, not_found(), public=True)

    return router
