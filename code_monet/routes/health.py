"""``/health`` (liveness + readiness), ``/version`` and ``/api/version``.

In public mode strangers get only ``status`` and ``version`` from ``/health``: user and
connection counts and the degraded ``reasons`` (which can name users) go to loopback callers
or a ``METRICS_TOKEN`` bearer only (``OpsAccess``, shared with ``/metrics``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, SecretStr
from starlette.requests import HTTPConnection, Request

from code_monet import __version__
from code_monet.auth.local_mode import is_loopback_host
from code_monet.live.runtime import ServerRuntime

_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass(frozen=True)
class OpsAccess:
    """Who may read operational detail (``/metrics``, ``/health``'s counts and reasons).

    Local mode: everyone (the server only listens on loopback). Public mode: a direct loopback
    caller (no proxy's forwarding headers, since a proxy on this host makes everyone look local)
    or a request with ``Authorization: Bearer <METRICS_TOKEN>``."""

    public: bool = True
    token: SecretStr | None = None

    def allows(self, connection: HTTPConnection) -> bool:
        if not self.public:
            return True
        if self.token is not None:
            scheme, _, given = connection.headers.get("authorization", "").partition(" ")
            expected = self.token.get_secret_value()
            if scheme.lower() == "bearer" and secrets.compare_digest(
                given.strip().encode(), expected.encode()
            ):
                return True
        client = connection.client
        if client is None or not is_loopback_host(client.host):
            return False
        return not any(name in connection.headers for name in _FORWARDING_HEADERS)


def install_ops_access(app: FastAPI, access: OpsAccess) -> None:
    """Make ``access`` the policy of this app's ``/health`` and ``/metrics``."""
    app.state.ops_access = access


def ops_access(connection: HTTPConnection) -> OpsAccess:
    """The app's policy; without one installed, the strict default (loopback only)."""
    access = getattr(connection.app.state, "ops_access", None)
    return access if isinstance(access, OpsAccess) else OpsAccess()


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
        runtime = getattr(request.app.state, "runtime", None)
        if not isinstance(runtime, ServerRuntime):
            return JSONResponse({"status": "starting", "version": __version__}, status_code=503)
        reasons = runtime.registry.storage.reasons()
        status = "shutting_down" if runtime.shutdown.is_stopping else "ok"
        if reasons and not runtime.shutdown.is_stopping:
            status = "degraded"
        code = 200 if status == "ok" else 503
        if not ops_access(request).allows(request):
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
