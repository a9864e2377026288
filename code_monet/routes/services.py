"""The one object a server keeps on ``app.state``: ``AppServices``, read through ``services()``.

``create_app`` builds it with what exists before start-up (configuration sections, the data
directory, the content cache, the render gate, the ops-access policy) and its lifespan fills in
what start-up makes (database, auth service, live runtime, tracing handle) and closes them.
Routes reach every service through the typed accessors here (``routes.deps`` wraps them as
FastAPI dependencies) instead of one ``getattr(app.state, …)`` per service, and a test builds
a partial app by installing an ``AppServices`` with only what it needs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, status
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from code_monet.auth.local_mode import is_loopback_host
from code_monet.auth.service import AuthService
from code_monet.auth.settings import AuthSettings
from code_monet.db.engine import Database
from code_monet.live.options import ServerSettings
from code_monet.live.runtime import ServerRuntime
from code_monet.observability.settings import TelemetrySettings
from code_monet.observability.tracing import TracingHandle
from code_monet.render.cache import ContentCache
from code_monet.render.gate import RenderGate

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


@dataclass
class AppServices:
    """Everything a server's routes use, owned in one place (``create_app`` builds it).

    The first fields exist from assembly on; ``database``, ``auth``, ``runtime`` and
    ``tracing`` are set by the lifespan while the server runs (``None`` before start-up and in
    apps that need none of them)."""

    data_dir: Path
    server: ServerSettings = field(default_factory=ServerSettings)
    auth_settings: AuthSettings = field(default_factory=AuthSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    content_cache: ContentCache | None = None
    render_gate: RenderGate = field(default_factory=RenderGate)
    ops_access: OpsAccess = field(default_factory=OpsAccess)
    database: Database | None = None
    auth: AuthService | None = None
    runtime: ServerRuntime | None = None
    tracing: TracingHandle | None = None

    def require_database(self) -> Database:
        if self.database is None:
            raise RuntimeError("No database on this app's services (set at start-up)")
        return self.database

    def require_auth(self) -> AuthService:
        if self.auth is None:
            raise RuntimeError("No auth service on this app's services (set at start-up)")
        return self.auth

    def require_content_cache(self) -> ContentCache:
        """There is no fallback: a second cache over the same directory would render the
        same artefact twice and miss the other's in-flight renders."""
        if self.content_cache is None:
            raise RuntimeError("No content cache on this app's services (create_app builds one)")
        return self.content_cache

    def require_runtime(self) -> ServerRuntime:
        """The live server; 503 while it is starting (or in an app that has none)."""
        if self.runtime is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The server is starting up")
        return self.runtime

    @property
    def public_base_url(self) -> str:
        """The configured public base URL, without a trailing slash."""
        settings = self.auth.settings if self.auth is not None else self.auth_settings
        return settings.public_base_url.rstrip("/")


def install_services(app: Starlette, installed: AppServices) -> None:
    """Make ``installed`` the services of ``app`` (``create_app`` does; tests of parts do)."""
    app.state.services = installed


def app_services(app: Starlette) -> AppServices:
    """``app``'s services; a clear error when the app was not assembled by ``create_app``."""
    found = getattr(app.state, "services", None)
    if not isinstance(found, AppServices):
        raise RuntimeError(
            "This app has no AppServices: build it with create_app, or install_services(app, …)"
        )
    return found


def services(connection: HTTPConnection) -> AppServices:
    """The services of the app serving ``connection`` (HTTP request or WebSocket)."""
    return app_services(connection.app)
