"""Share links: ``/s/create``, ``/s/my-shares``, ``DELETE /s/{token}`` (bearer token), and the
public ``/s/{token}`` HTML page, ``/s/{token}/preview.png``, ``/s/{token}/og-image.png`` and
``/s/{token}/api``. A link works whatever the owner's gallery visibility: the unguessable token
(128 random bits) is the permission. Image renders the cache lacks are charged to the
requester through the ``RenderGate`` like every other PNG made on request."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from code_monet.db.engine import Database
from code_monet.db.records import CanvasShare
from code_monet.db.repository import shares
from code_monet.render.cache import ContentCache, cache_key
from code_monet.render.gate import RenderGate, client_key
from code_monet.routes.deps import (
    ContentCacheDep,
    CurrentUser,
    DatabaseDep,
    DataDirDep,
    PublicBaseUrlDep,
    RenderGateDep,
)
from code_monet.share.access import SharedPiece, own_piece, read_canvas, shared_piece
from code_monet.share.http import SHORT_PUBLIC, etag_matches, not_found, not_modified
from code_monet.share.images import ImageKind, image_size
from code_monet.share.pages import ShareView, render_share_page
from code_monet.share.schemas import CreateShareRequest, ShareApiResponse, ShareResponse
from code_monet.share.serve import clean_svg_text, image_response
from code_monet.types.state import SavedCanvas

logger = logging.getLogger(__name__)

PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
VersionParam = Annotated[str | None, Query(max_length=64)]


def share_url(base_url: str, token: str) -> str:
    return f"{base_url}/s/{token}"


def share_response(base_url: str, share: CanvasShare) -> ShareResponse:
    return ShareResponse(
        token=share.token,
        url=share_url(base_url, share.token),
        piece_number=share.piece_number,
        title=share.title,
        created_at=share.created_at,
    )


def display_title(shared: SharedPiece, canvas: SavedCanvas | None = None) -> str:
    """Share title, else piece title, else ``Untitled #N``."""
    piece_title = canvas.title if canvas is not None else shared.piece.indexed.title
    for candidate in (shared.share.title, piece_title):
        if candidate is not None and candidate.strip():
            return candidate.strip()
    return f"Untitled #{shared.share.piece_number}"


async def piece_page(
    canvas: SavedCanvas,
    *,
    svg: str,
    title: str,
    page_url: str,
    image_url: str,
    base_url: str,
    indexable: bool,
    etag: str,
) -> HTMLResponse:
    """A piece as a server-rendered page (share pages and public piece pages); ``svg`` is its
    clean SVG (``serve.clean_svg_text``, cached per content)."""
    view = ShareView(
        title=title,
        prompt=canvas.prompt,
        created_at=canvas.created_at,
        drawing_style=canvas.drawing_style,
        stroke_count=len(canvas.strokes),
        svg=svg,
        page_url=page_url,
        image_url=image_url,
        image_size=image_size(ImageKind.OG_IMAGE),
        studio_url=f"{base_url}/studio",
        indexable=indexable,
    )
    headers = {**PAGE_HEADERS, "ETag": etag, "Cache-Control": SHORT_PUBLIC}
    return HTMLResponse(render_share_page(view), headers=headers)


def create_shares_router() -> APIRouter:
    router = APIRouter(tags=["share"])

    @router.post("/s/create", response_model=ShareResponse)
    async def create_share(
        body: CreateShareRequest,
        user: CurrentUser,
        database: DatabaseDep,
        data_dir: DataDirDep,
        base_url: PublicBaseUrlDep,
    ) -> ShareResponse:
        """A share link for one of your pieces: the existing one if the piece has one."""
        await own_piece(database, data_dir, user, body.piece_number)
        async with database.transaction() as session:
            share, created = await shares.find_or_create_share(
                session, user.id, body.piece_number, title=body.title
            )
        if created:
            logger.info("User %s shared piece %d", user.id, body.piece_number)
        return share_response(base_url, share)

    @router.get("/s/my-shares", response_model=list[ShareResponse])
    async def my_shares(
        user: CurrentUser, database: DatabaseDep, base_url: PublicBaseUrlDep
    ) -> list[ShareResponse]:
        async with database.read() as session:
            mine = await shares.list_shares(session, user.id)
        return [share_response(base_url, share) for share in mine]

    @router.delete("/s/{token}")
    async def delete_share(token: str, user: CurrentUser, database: DatabaseDep) -> dict[str, str]:
        """Delete one of your share links (someone else's answers 404, like a missing one)."""
        async with database.transaction() as session:
            deleted = await shares.delete_share(session, token[:64], user.id)
        if not deleted:
            raise not_found()
        return {"status": "deleted"}

    @router.get("/s/{token}", response_class=HTMLResponse)
    async def share_page(
        token: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        base_url: PublicBaseUrlDep,
    ) -> Response:
        """The share page: server-rendered, no JavaScript needed."""
        shared = await shared_piece(database, data_dir, token)
        piece = shared.piece
        indexable = shared.owner.gallery_public
        variant = f"share-page:{shared.share.title}:{base_url}:{indexable}:{token}"
        etag = f'"{cache_key(piece.content_hash, variant)}"'
        if etag_matches(request, etag):
            return not_modified(etag, SHORT_PUBLIC)
        canvas = await read_canvas(piece, not_found())
        page_url = share_url(base_url, token)
        return await piece_page(
            canvas,
            svg=await clean_svg_text(cache, piece, not_found()),
            title=display_title(shared, canvas),
            page_url=page_url,
            image_url=f"{page_url}/og-image.png?v={piece.version}",
            base_url=base_url,
            indexable=indexable,
            etag=etag,
        )

    async def shared_image(
        token: str,
        request: Request,
        database: Database,
        data_dir: Path,
        cache: ContentCache,
        gate: RenderGate,
        kind: ImageKind,
        v: str | None,
    ) -> Response:
        shared = await shared_piece(database, data_dir, token)
        return await image_response(
            request,
            cache,
            shared.piece,
            kind,
            version=v,
            public=True,
            gate=gate,
            client=client_key(request),
            missing=not_found(),
        )

    @router.get("/s/{token}/preview.png")
    async def share_preview(
        token: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        v: VersionParam = None,
    ) -> Response:
        """800×600 preview image of the shared piece."""
        return await shared_image(
            token, request, database, data_dir, cache, gate, ImageKind.PREVIEW, v
        )

    @router.get("/s/{token}/og-image.png")
    async def share_og_image(
        token: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        v: VersionParam = None,
    ) -> Response:
        """1200×630 social card of the shared piece (the page's ``og:image``)."""
        return await shared_image(
            token, request, database, data_dir, cache, gate, ImageKind.OG_IMAGE, v
        )

    @router.get("/s/{token}/api", response_model=ShareApiResponse)
    async def share_api(
        token: str, database: DatabaseDep, data_dir: DataDirDep, base_url: PublicBaseUrlDep
    ) -> Response:
        """The shared piece as JSON (metadata and strokes)."""
        shared = await shared_piece(database, data_dir, token)
        canvas = await read_canvas(shared.piece, not_found())
        page_url = share_url(base_url, token)
        body = ShareApiResponse(
            token=shared.share.token,
            title=display_title(shared, canvas),
            piece_number=shared.share.piece_number,
            canvas_width=canvas.width,
            canvas_height=canvas.height,
            stroke_count=len(canvas.strokes),
            created_at=shared.share.created_at,
            url=page_url,
            preview_url=f"{page_url}/preview.png?v={shared.piece.version}",
            og_image_url=f"{page_url}/og-image.png?v={shared.piece.version}",
            piece_created_at=canvas.created_at,
            drawing_style=canvas.drawing_style,
            prompt=canvas.prompt,
            strokes=canvas.strokes,
        )
        return Response(
            body.model_dump_json(exclude_none=True),
            media_type="application/json",
            headers={"Cache-Control": SHORT_PUBLIC},
        )

    return router
