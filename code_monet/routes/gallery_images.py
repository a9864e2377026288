"""``GET /gallery/thumbnail/{piece_id}.png``: the signed-in user's own thumbnails, from the
content-keyed image cache (immutable when ``?v=`` is the entry's ``thumbnail_token``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response

from code_monet.render.gate import client_key
from code_monet.routes.deps import (
    ContentCacheDep,
    CurrentUser,
    DatabaseDep,
    DataDirDep,
    RenderGateDep,
)
from code_monet.share.access import missing_own, own_piece
from code_monet.share.images import ImageKind
from code_monet.share.pieces import parse_piece_id
from code_monet.share.serve import image_response


def create_gallery_images_router() -> APIRouter:
    router = APIRouter(tags=["gallery"])

    @router.get("/gallery/thumbnail/{piece_id}.png")
    async def own_thumbnail(
        piece_id: str,
        request: Request,
        user: CurrentUser,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        v: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Response:
        """800×600 PNG of one of your pieces."""
        number = parse_piece_id(piece_id)
        if number is None:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                detail=f"Invalid piece id {piece_id[:40]!r}: expected e.g. 'piece_000012'",
            )
        piece = await own_piece(database, data_dir, user, number)
        return await image_response(
            request,
            cache,
            piece,
            ImageKind.THUMBNAIL,
            version=v,
            public=False,
            gate=gate,
            client=client_key(request, user.id),
            missing=missing_own(number),
        )

    return router
