"""Search and social: ``/sitemap.xml``, ``/robots.txt`` and the 1200×630 OpenGraph image of
every public piece (``/public/gallery/{user_id}/{piece_id}/og-image.png``; a render, when the
cache lacks it, is charged to the requester through the ``RenderGate``)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from code_monet.db.repository import public_pieces, shares
from code_monet.render.gate import client_key
from code_monet.routes.deps import (
    ContentCacheDep,
    DatabaseDep,
    DataDirDep,
    PublicBaseUrlDep,
    RenderGateDep,
)
from code_monet.share.access import public_piece
from code_monet.share.http import not_found
from code_monet.share.images import ImageKind
from code_monet.share.index import IndexReconciler
from code_monet.share.serve import image_response
from code_monet.share.sitemap import MAX_SITEMAP_URLS, SitemapUrl, robots_txt, sitemap_xml
from code_monet.workspace.gallery import piece_id as format_piece_id

SITEMAP_CACHE: Final = "public, max-age=3600"
ROBOTS_CACHE: Final = "public, max-age=86400"


def create_seo_router(reconciler: IndexReconciler | None = None) -> APIRouter:
    router = APIRouter(tags=["seo"])
    sweeper = reconciler or IndexReconciler()

    @router.get("/sitemap.xml", response_class=Response)
    async def sitemap(
        database: DatabaseDep, data_dir: DataDirDep, base_url: PublicBaseUrlDep
    ) -> Response:
        """The public gallery, every public piece page and the share pages of public pieces
        (share links of private galleries stay unlisted)."""
        await sweeper.sweep_if_due(database, data_dir)
        async with database.read() as session:
            pieces = await public_pieces.list_public(session, MAX_SITEMAP_URLS)
            public_shares = await shares.list_public_shares(session, MAX_SITEMAP_URLS)
        urls = [SitemapUrl(f"{base_url}/public", pieces[0].created_at if pieces else None)]
        urls += [
            SitemapUrl(
                f"{base_url}/public/{p.user_id}/{format_piece_id(p.piece_number)}", p.created_at
            )
            for p in pieces
        ]
        urls += [SitemapUrl(f"{base_url}/s/{s.token}", s.created_at) for s in public_shares]
        return Response(
            sitemap_xml(urls),
            media_type="application/xml",
            headers={"Cache-Control": SITEMAP_CACHE},
        )

    @router.get("/robots.txt", response_class=Response)
    async def robots(base_url: PublicBaseUrlDep) -> Response:
        return Response(
            robots_txt(base_url),
            media_type="text/plain",
            headers={"Cache-Control": ROBOTS_CACHE},
        )

    @router.get("/public/gallery/{user_id}/{piece_id}/og-image.png")
    async def public_og_image(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        gate: RenderGateDep,
        v: Annotated[str | None, Query(max_length=64)] = None,
    ) -> Response:
        """1200×630 social card of a public piece."""
        piece = await public_piece(database, data_dir, user_id, piece_id)
        return await image_response(
            request,
            cache,
            piece,
            ImageKind.OG_IMAGE,
            version=v,
            public=True,
            gate=gate,
            client=client_key(request),
            missing=not_found(),
        )

    return router
