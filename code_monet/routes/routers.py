"""The server's routers, gathered: the realtime API and everything sharing serves.

``create_api_router()`` holds the realtime server's own routes (health, canvas, strokes,
gallery, debug, apple, the WebSocket); ``create_share_routers()`` the public gallery, share
links, SEO, exports and thumbnails. Auth, telemetry and the web client have their own
factories; :func:`code_monet.app.server.create_app` includes them all.
"""

from __future__ import annotations

from fastapi import APIRouter

from code_monet.share.index import IndexReconciler


def create_api_router() -> APIRouter:
    from code_monet.routes.apple import create_apple_router
    from code_monet.routes.canvas import create_canvas_router
    from code_monet.routes.debug import create_debug_router
    from code_monet.routes.gallery import create_gallery_router
    from code_monet.routes.health import create_health_router
    from code_monet.routes.strokes import create_strokes_router
    from code_monet.routes.websocket import create_websocket_router

    router = APIRouter()
    for sub in (
        create_health_router(),
        create_canvas_router(),
        create_strokes_router(),
        create_gallery_router(),
        create_debug_router(),
        create_apple_router(),
        create_websocket_router(),
    ):
        router.include_router(sub)
    return router


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
