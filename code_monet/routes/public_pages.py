"""``GET /public/{user_id}/{piece_id}``: a public piece as a server-rendered page.

The sitemap links here, so crawlers (and people without JavaScript) see each public piece with
its title, inline SVG and social-card meta. Same look as a share page; same 404 for private,
unknown and malformed ids as the rest of the public gallery.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from code_monet.render.cache import cache_key
from code_monet.routes.deps import ContentCacheDep, DatabaseDep, DataDirDep, PublicBaseUrlDep
from code_monet.routes.shares import piece_page
from code_monet.share.access import public_piece, read_canvas
from code_monet.share.http import SHORT_PUBLIC, etag_matches, not_found, not_modified
from code_monet.share.serve import clean_svg_text
from code_monet.workspace.gallery import piece_id as format_piece_id


def create_public_pages_router() -> APIRouter:
    router = APIRouter(tags=["public gallery"])

    @router.get("/public/{user_id}/{piece_id}", response_class=HTMLResponse)
    async def public_piece_page(
        user_id: str,
        piece_id: str,
        request: Request,
        database: DatabaseDep,
        data_dir: DataDirDep,
        cache: ContentCacheDep,
        base_url: PublicBaseUrlDep,
    ) -> Response:
        """One public piece, server-rendered (no JavaScript needed)."""
        piece = await public_piece(database, data_dir, user_id, piece_id)
        etag = f'"{cache_key(piece.content_hash, f"public-page:{base_url}")}"'
        if etag_matches(request, etag):
            return not_modified(etag, SHORT_PUBLIC)
        canvas = await read_canvas(piece, not_found())
        number = format_piece_id(canvas.piece_number)
        page_url = f"{base_url}/public/{piece.user_id}/{number}"
        image_root = f"{base_url}/public/gallery/{piece.user_id}/{number}"
        title = (canvas.title or "").strip() or f"Untitled #{canvas.piece_number}"
        return await piece_page(
            canvas,
            svg=await clean_svg_text(cache, piece, not_found()),
            title=title,
            page_url=page_url,
            image_url=f"{image_root}/og-image.png?v={piece.version}",
            base_url=base_url,
            indexable=True,
            etag=etag,
        )

    return router
