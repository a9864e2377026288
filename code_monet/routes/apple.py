"""``/.well-known/apple-app-site-association``: universal links for the iOS app."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from code_monet.routes.deps import ServerSettingsDep


def create_apple_router() -> APIRouter:
    router = APIRouter(tags=["apple"])

    @router.get("/.well-known/apple-app-site-association")
    async def apple_app_site_association(settings: ServerSettingsDep) -> JSONResponse:
        """Which app ids may open share links and magic links (``APPLE_APP_IDS``)."""
        paths = ["/s/*", "/auth/verify*", "/studio*", "/gallery*"]
        body = {
            "applinks": {
                "apps": [],
                "details": [{"appIDs": settings.apple_app_ids, "paths": paths}],
            },
            "webcredentials": {"apps": settings.apple_app_ids},
        }
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})

    return router
