"""The public gallery (no sign-in): pieces of users who opted in, newest first.

``GET /public/gallery?limit=&cursor=`` reads the piece index (never users' files); the body is
the v1 list and the next page's cursor is in ``X-Next-Cursor`` and a ``Link: rel="next"``
header. Per piece: ``…/strokes`` and ``…/thumbnail.png``. Unknown users, private galleries,
missing pieces and malformed ids all answer the same 404.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, Response

from code_monet.db.repository import public_pieces
from code_monet.db.repository.public_pieces import IndexedPiece, PageCursor
from code_monet.render.cache import cache_key
from code_monet.render.gate import client_key
from code_monet.routes.deps import (
    ContentCacheDep,
    DatabaseDep,
    DataDirDep,
    PublicBaseUrlDep,
    RenderGateDep,
)
from code_monet.share.access import public_piece, read_canvas
from code_monet.share.http import cache_policy, etag_matches, not_found, not_modified
from code_monet.share.images import ImageKind
from code_monet.share.index import IndexReconciler
from code_monet.share.schemas import PublicPieceDetail, PublicPieceSummary
from code_monet.share.serve import image_response
from code_monet.types.styles import DrawingStyleType, get_style_config
from code_monet.workspace.gallery import piece_id as format_piece_id

DEFAULT_LIMIT: Final = 12
MAX_LIMIT: Final = 50
LISTING_CACHE: Final = "public, max-age=60"

VersionParam = Annotated[str | None, Query(max_length=64, description="Content version")]


def piece_urls(base_url: str, piece: IndexedPiece) -> tuple[str, str, str]:
    """Absolute thumbnail, OG image and strokes URLs (images content-versioned)."""
    root = f"{base_url}/public/gallery/{piece.user_id}/{format_piece_id(piece.piece_number)}"
    version = piece.content_hash[:16]
    return (
        f"{root}/thumbnail.png?v={version}",
        f"{root}/og-image.png?v={version}",
        f"{root}/strokes",
    )


def summary(base_url: str, piece: IndexedPiece) -> PublicPieceSummary:
    thumbnail, og_image, strokes = piece_urls(base_url, piece)
    return PublicPieceSummary(
        id=format_piece_id(piece.piece_number),
        user_id=str(piece.user_id),
        piece_number=piece.piece_number,
        stroke_count=piece.stroke_count,
        created_at=piece.created_at,
        title=piece.title,
        drawing_style=DrawingStyleType(piece.drawing_style),
        width=piece.width,
        height=piece.height,
        thumbnail_token=piece.content_hash[:16],
        thumbnail_url=thumbnail,
        og_image_url=og_image,
        strokes_url=strokes,
    )


def encode_cursor(piece: IndexedPiece) -> str:
    raw = json.dumps([piece.created_at.isoformat(), str(piece.user_id), piece.piece_number])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> PageCursor:
    """The cursor of ``encode_cursor``; 400 with a clear message for anything else."""
    try:
        if len(value) > 200:
            raise ValueError("too long")
        padded = value + "=" * (-len(value) % 4)
        created, user, number = json.loads(base64.urlsafe_b64decode(padded.encode()))
        when = datetime.fromisoformat(created)
        if when.tzinfo is None or not isinstance(number, int) or isinstance(number, bool):
            raise ValueError("bad fields")
        return PageCursor(when, uuid.UUID(user), number)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail="Invalid cursor: pass the X-Next-Cursor value of the previous page unchanged",
        ) from exc


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail=f"Invalid limit {value[:20]!r}: must be an integer from 1 to {MAX_LIMIT}",
        )
    return limit


def create_public_gallery_router(reconciler: IndexReconciler | None = None) -> APIRouter:
    router = APIRouter(tags=["public gallery"])
    sweeper = reconciler or IndexReconciler()

    @router.get("/public/gallery", response_model=list[PublicPieceSummary])
    async def list_public_gallery(
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        base_url: PublicBaseUrlDep,
        limit: Annotated[str | None, Query(max_length=20)] = None,
        cursor: Annotated[str | None, Query(max_length=400)] = None,
    ) -> Response:
        """Public pieces, newest first; ``limit`` ≤ 50; follow ``X-Next-Cursor`` for more."""
        count = parse_limit(limit)
        after = decode_cursor(cursor) if cursor is not None else None
        await sweeper.sweep_if_due(database, data_dir)
        async with database.read() as session:
            rows = await public_pieces.list_public(session, count + 1, after)
        page = rows[:count]
        body = [summary(base_url, row).model_dump(mode="json", exclude_none=True) for row in page]
        headers = {"Cache-Control": LISTING_CACHE}
        if len(rows) > count:
            token = encode_cursor(page[-1])
            query = urlencode({"limit": count, "cursor": token})
            headers["X-Next-Cursor"] = token
            headers["Link"] = f'<{base_url}{request.url.path}?{query}>; rel="next"'
        return JSONResponse(body, headers=headers)

    @router.get("/public/gallery/{user_id}/{piece_id}/strokes", response_model=PublicPieceDetail)
    async def public_piece_strokes(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        base_url: PublicBaseUrlDep,
    ) -> Response:
        """One public piece with its strokes (for the gallery page and replay)."""
        piece = await public_piece(database, data_dir, user_id, piece_id)
        etag = f'"{cache_key(piece.content_hash, "public-strokes:" + base_url)}"'
        policy = cache_policy(None, piece.version, public=True)
        if etag_matches(request, etag):
            return not_modified(etag, policy)
        canvas = await read_canvas(piece, not_found())
        thumbnail, og_image, _ = piece_urls(base_url, piece.indexed)
        detail = PublicPieceDetail(
            id=canvas.id,
            user_id=str(piece.user_id),
            piece_number=piece.piece_number,
            created_at=canvas.created_at,
            title=canvas.title,
            prompt=canvas.prompt,
            strokes=canvas.strokes,
            stroke_count=len(canvas.strokes),
            drawing_style=canvas.drawing_style,
            style_config=get_style_config(canvas.drawing_style),
            canvas_width=canvas.width,
            canvas_height=canvas.height,
            thumbnail_url=thumbnail,
            og_image_url=og_image,
        )
        # Unset optional top-level fields are left out (as v1 did); nested models are dumped
        # whole: ``style_config.color_palette`` is required (nullable) in the schema.
        unset = {name for name in ("title", "prompt") if getattr(detail, name) is None}
        return Response(
            detail.model_dump_json(exclude=unset),
            media_type="application/json",
            headers={"ETag": etag, "Cache-Control": policy},
        )

    @router.get("/public/gallery/{user_id}/{piece_id}/thumbnail.png")
    async def public_thumbnail(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        v: VersionParam = None,
    ) -> Response:
        """800×600 thumbnail (immutable when ``v`` is the current content version)."""
        piece = await public_piece(database, data_dir, user_id, piece_id)
        return await image_response(
            request,
            cache,
            piece,
            ImageKind.THUMBNAIL,
            version=v,
            public=True,
            gate=gate,
            client=client_key(request),
            missing=not_found(),
        )

    return router
