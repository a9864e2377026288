"""``/health`` (liveness + readiness), ``/version`` and ``/api/version``.

In public mode strangers get only ``status`` and ``version`` from ``/health``: user and
connection counts and the degraded ``reasons`` (which can name users) go to loopback callers
or a ``METRICS_TOKEN`` bearer only (``routes.services.OpsAccess``, shared with ``/metrics``).
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.requests import Request

from code_monet import __version__
from code_monet.routes.services import OpsAccess, services

__all__ = ["OpsAccess", "create_health_router"]


class PublicHealthResponse(BaseModel):
    """What anyone may see: enough for a load balancer or uptime check."""

    status: str
    version: str


class HealthResponse(PublicHealthResponse):
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
        installed = services(request)
        runtime = installed.runtime
        if runtime is None:
            return JSONResponse({"status": "starting", "version": __version__}, status_code=503)
        reasons = runtime.registry.storage.reasons()
        status = "shutting_down" if runtime.shutdown.is_stopping else "ok"
        if reasons and not runtime.shutdown.is_stopping:
            status = "degraded"
        code = 200 if status == "ok" else 503
        if not installed.ops_access.allows(request):
            brief = PublicHealthResponse(status=status, version=__version__)
            return JSONResponse(brief.model_dump(), status_code=code)
        body = HealthResponse(
            status=status,
            version=__version__,
            uptime_seconds=round(time.time() - runtime.started_at, 3),
            active_users=runtime.registry.active_users(),
            connections=len(runtime.connections.all_connections()),
            reasons=reasons,
        )
        return JSONResponse(body.model_dump(), status_code=code)

    @router.get("/version", response_model=VersionResponse)
    @router.get("/api/version", response_model=VersionResponse, include_in_schema=False)
    async def version() -> VersionResponse:
        return VersionResponse(version=__version__, protocol_versions=[1, 2])

    return router
