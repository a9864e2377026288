"""HTTP route handlers (FastAPI routers), one module per area.

``create_api_router()`` gathers the realtime server's own routes (health, canvas, strokes,
gallery, debug, apple, the WebSocket). Auth, sharing, telemetry and the web client have their
own factories, included by :func:`code_monet.app.server.create_app`.
"""

from __future__ import annotations

from fastapi import APIRouter


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
