"""Public sharing: the public gallery and its piece index, share links with server-rendered
pages, social preview images, exports (SVG, plotter SVG, PNG), sitemap and robots.

The server wires two things::

    for router in create_share_routers():
        app.include_router(router)
    # after every saved piece (images pre-rendered into the server's content cache):
    await on_piece_saved(database, data_dir, user_id, entry, cache=content_cache)
"""

from __future__ import annotations

from fastapi import APIRouter

from code_monet.share.index import (
    IndexReconciler,
    on_piece_saved,
    reconcile_user,
)

__all__ = [
    "IndexReconciler",
    "create_share_routers",
    "on_piece_saved",
    "reconcile_user",
]


def create_share_routers(reconciler: IndexReconciler | None = None) -> list[APIRouter]:
    """Every sharing router: public gallery, SEO, share links, gallery settings, exports and
    the owner's thumbnails. The public listing and the sitemap share one lazy reconciler."""
    from code_monet.routes.exports import create_exports_router
    from code_monet.routes.gallery_images import create_gallery_images_router
    from code_monet.routes.gallery_settings import create_gallery_settings_router
    from code_monet.routes.public_gallery import create_public_gallery_router
    from code_monet.routes.public_pages import create_public_pages_router
    from code_monet.routes.seo import create_seo_router
    from code_monet.routes.shares import create_shares_router

    sweeper = reconciler or IndexReconciler()
    return [
        create_public_gallery_router(sweeper),
        create_public_pages_router(),
        create_seo_router(sweeper),
        create_shares_router(),
        create_gallery_settings_router(),
        create_exports_router(),
        create_gallery_images_router(),
    ]
