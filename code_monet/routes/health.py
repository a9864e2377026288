"""``/health`` (liveness + readiness), ``/version`` and ``/api/version``."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.requests import Request

from code_monet import __version__
from code_monet.live.runtime import ServerRuntime


class HealthResponse(BaseModel):
    status: str
    version: str
    uptime_seconds: float
    active_users: int
    connections: int
    reasons: list[str] = []


class VersionResponse(BaseModel):
    version: str
    protocol_versions: list[int]


def create_health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=HealthResponse)
    async def health(request: Request) -> JSONResponse:
        """200 when the server is ready; 503 while starting, shutting down or degraded (it
        cannot write users' data: ``reasons`` say why)."""
        runtime = getattr(request.app.state, "runtime", None)
        if not isinstance(runtime, ServerRuntime):
            return JSONResponse({"status": "starting", "version": __version__}, status_code=503)
        reasons = runtime.registry.storage.reasons()
        status = "shutting_down" if runtime.shutdown.is_stopping else "ok"
        if reasons and not runtime.shutdown.is_stopping:
            status = "degraded"
        body = HealthResponse(
            status=status,
            version=__version__,
            uptime_seconds=round(time.time() - runtime.started_at, 3),
            active_users=runtime.registry.active_users(),
            connections=len(runtime.connections.all_connections()),
            reasons=reasons,
        )
        code = 200 if status == "ok" else 503
        return JSONResponse(body.model_dump(), status_code=code)

    @router.get("/version", response_model=VersionResponse)
    @router.get("/api/version", response_model=VersionResponse, include_in_schema=False)
    async def version() -> VersionResponse:
        return VersionResponse(version=__version__, protocol_versions=[1, 2])

    return router
