"""The server: ``create_app()`` builds the FastAPI application, ``serve()`` runs it with uvicorn.

Both take the application's ``AppConfig`` (``app.config.load_config``), read once by the CLI;
``create_app()`` without one reads it itself (uvicorn's ``--reload`` child does). The app keeps
one object on ``app.state``: ``routes.services.AppServices``, which owns the content cache, the
render gate, and, while the server runs, the database, auth service, live runtime and tracing.

Start-up (lifespan): take the ``DATA_DIR`` lock (one server per data directory), migrate the
database, connect it, build the auth service (creating the local user in local mode), prepare
the code sandbox (its worker pool warms up when the first user's session loads, not during
start-up), and create the connection manager, the user registry and the shutdown coordinator.
Shutdown closes sockets with 1001 first (before uvicorn tears connections down), then stops
every agent and releases every workspace, then closes the sandbox and the database — each step
bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import socket
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypedDict

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from code_monet import __version__
from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.agent.providers.base import ArtistProvider
from code_monet.agent.providers.factory import artist_provider
from code_monet.app.config import AppConfig, PathSettings, load_config
from code_monet.auth import build_auth_service
from code_monet.auth.mailer import Mailer
from code_monet.auth.service import AuthService
from code_monet.auth.settings import AuthSettings
from code_monet.db.engine import Database
from code_monet.db.errors import install_database_error_handlers
from code_monet.db.migrate import migrate_database
from code_monet.db.settings import resolve_database_url
from code_monet.limits.http_body import BodyLimitMiddleware, BodyLimits
from code_monet.live.connections import ConnectionManager
from code_monet.live.data_lock import DataDirLock, holding_data_dir
from code_monet.live.options import ServerSettings
from code_monet.live.registry import AgentFactory, WorkspaceRegistry
from code_monet.live.runtime import ServerRuntime
from code_monet.live.shutdown import ShutdownCoordinator
from code_monet.observability.log_context import (
    RequestContextMiddleware,
    configure_logging,
    install_log_redaction,
)
from code_monet.observability.tracing import setup_tracing
from code_monet.render.cache import ContentCache
from code_monet.render.gate import RenderGate
from code_monet.routes.auth import create_auth_router
from code_monet.routes.routers import create_api_router, create_share_routers
from code_monet.routes.services import AppServices, OpsAccess, app_services, install_services
from code_monet.routes.telemetry import create_telemetry_router
from code_monet.routes.web import mount_web
from code_monet.routes.websocket import socket_closer
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.share.index import IndexCatchUp
from code_monet.tools.image_generation import provider_from_settings
from code_monet.tools.parse_slots import ParseSlots
from code_monet.workspace import WorkspaceState
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.persistence import prepare_private_data_dir, private_file_creation

logger = logging.getLogger(__name__)

ProviderFactory = Callable[[], ArtistProvider]


def create_app(
    config: AppConfig | None = None,
    *,
    data_dir: Path | None = None,
    settings: ServerSettings | None = None,
    auth_settings: AuthSettings | None = None,
    database_url: str | None = None,
    provider_factory: ProviderFactory | None = None,
    sandbox_config: SandboxConfig | None = None,
    mailer: Mailer | None = None,
    data_lock: DataDirLock | None = None,
) -> FastAPI:
    """The whole server as an ASGI app, configured by ``config`` (default: ``load_config()``);
    the keyword arguments replace single sections or parts (tests, the bench).

    Start-up takes the ``DATA_DIR`` lock (``live.data_lock``) before writing anything there,
    unless ``data_lock`` already holds it (``serve`` takes it before building the app)."""
    config = _with_overrides(
        config or load_config(), data_dir=data_dir, server=settings, auth=auth_settings
    )
    root = config.data_dir.resolve()
    server_settings = config.server
    auth_config = config.auth
    artist = config.artist
    make_provider = provider_factory or (lambda: artist_provider(artist))
    # The server's one content cache (routes, pre-renders), sized by IMAGE_CACHE_MAX_MB.
    content_cache = ContentCache.for_data_dir(root, config.cache)
    parses = ParseSlots.from_settings(server_settings)  # agent-output parses, all users
    # The mode decides how strict the sandbox is (public: bubblewrap and a separate uid only);
    # SANDBOX_* set the memory per program and in total, and the program caps.
    sandbox_settings = dataclasses.replace(
        sandbox_config or config.sandbox.sandbox_config(local_mode=auth_config.local_mode),
        local_mode=auth_config.local_mode,
        worker_host_env=config.worker_host.worker_env(),
    )
    services = AppServices(
        data_dir=root,
        server=server_settings,
        auth_settings=auth_config,
        telemetry=config.telemetry,
        content_cache=content_cache,
        render_gate=RenderGate.from_settings(server_settings),  # PNG render limits (issue 15)
        # Who may read /metrics and /health's detail: in public mode, loopback or METRICS_TOKEN.
        ops_access=OpsAccess(
            public=not auth_config.local_mode, token=server_settings.metrics_token
        ),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Files the server creates are private (issue 15); the lock comes before any write.
        with private_file_creation(), holding_data_dir(root, data_lock):
            async with running(app):
                yield

    @contextlib.asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        if not gc.isenabled():  # the console script pauses it while loading; serve() resumes it
            logger.warning("The garbage collector was off at start-up; turning it on")
            gc.enable()
        await asyncio.to_thread(prepare_private_data_dir, root)  # 0700, older files tightened
        url = database_url or resolve_database_url(config.database, root)
        database = Database.connect(url, config.database)
        try:
            await migrate_database(database)
        except Exception:
            logger.error("Migrating the database failed; not starting")
            await database.dispose()
            raise
        auth = build_auth_service(database, auth_config, root, mailer=mailer)
        services.database = database
        services.auth = auth
        if auth_config.local_mode:
            await auth.ensure_local_user()
        sandbox = CodeSandbox(sandbox_settings)
        sandbox.log_preflight()  # says at start-up already when programs cannot run
        warmups: list[asyncio.Task[None]] = []
        image_provider = provider_from_settings(config.images)

        def agent_factory(state: WorkspaceState) -> DrawingAgent:
            if not warmups:  # the first artist: warm the sandbox's workers in the background
                warmups.append(asyncio.create_task(sandbox.start(), name="sandbox-start"))
            return DrawingAgent(
                state,
                provider=make_provider(),
                sandbox=sandbox,
                image_provider=image_provider,
                parse_slots=parses,
            )

        # Indexes saved pieces (now or after an outage) and pre-renders their images.
        index = IndexCatchUp(database, root, cache=content_cache)
        runtime = _build_runtime(
            server_settings,
            root,
            database,
            auth,
            agent_factory,
            auth_config.dev_mode,
            content_cache=content_cache,
            parses=parses,
            limits=config.workspace,
        )
        runtime.renders = services.render_gate
        runtime.registry.piece_saved_hooks.append(index.piece_saved)
        auth.session_hooks.append(socket_closer(runtime.connections))  # sign-out closes 4001
        index.start()
        services.runtime = runtime
        tracing = setup_tracing(app, engine=database.engine, settings=config.telemetry)
        services.tracing = tracing
        logger.info("Code Monet %s ready (data in %s)", __version__, root)
        try:
            yield
        finally:
            await runtime.shutdown.run()
            await index.stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(server_settings.shutdown_grace_seconds):
                    await content_cache.drain()
            for task in warmups:
                task.cancel()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task
            await sandbox.close()
            await database.dispose()
            tracing.shutdown()

    app = FastAPI(
        title="Code Monet",
        version=__version__,
        description="An autonomous AI artist that draws live over WebSockets.",
        lifespan=lifespan,
    )
    install_services(app, services)
    _install_error_handlers(app, dev_mode=auth_config.dev_mode)
    install_database_error_handlers(app)  # an outage is 503 + Retry-After, never a 500
    telemetry = config.telemetry
    body_limits = BodyLimits(
        default=server_settings.max_request_body_bytes,
        routes={"/traces": telemetry.client_traces_max_bytes},
    )
    app.add_middleware(BodyLimitMiddleware, limits=body_limits)  # inside: 413s get request ids
    app.add_middleware(RequestContextMiddleware)
    install_log_redaction()  # uvicorn logs every URL: never the tokens in them
    app.include_router(create_api_router())
    app.include_router(create_auth_router())
    for router in create_share_routers():
        app.include_router(router)
    app.include_router(create_telemetry_router(telemetry))
    mount_web(app, server_settings.web_dist_dir)
    return app


def _with_overrides(
    config: AppConfig,
    *,
    data_dir: Path | None,
    server: ServerSettings | None,
    auth: AuthSettings | None,
) -> AppConfig:
    """``config`` with the sections ``create_app``'s keyword arguments replace."""
    update: dict[str, object] = {}
    if data_dir is not None:
        update["paths"] = PathSettings(data_dir=data_dir)
    if server is not None:
        update["server"] = server
    if auth is not None:
        update["auth"] = auth
    return config.model_copy(update=update) if update else config


def _build_runtime(
    settings: ServerSettings,
    data_dir: Path,
    database: Database,
    auth_service: AuthService,
    agent_factory: AgentFactory,
    dev_mode: bool,
    *,
    content_cache: ContentCache,
    parses: ParseSlots,
    limits: WorkspaceLimits,
) -> ServerRuntime:
    connections = ConnectionManager(
        max_per_user=settings.max_connections_per_user, queue_size=settings.send_queue_size
    )
    registry = WorkspaceRegistry(data_dir, connections, settings, agent_factory, limits=limits)
    shutdown = ShutdownCoordinator(connections, registry, settings.shutdown_grace_seconds)
    return ServerRuntime(
        settings=settings,
        data_dir=data_dir,
        database=database,
        auth=auth_service,
        connections=connections,
        registry=registry,
        shutdown=shutdown,
        content_cache=content_cache,
        parses=parses,
        dev_mode=dev_mode,
    )


def _install_error_handlers(app: FastAPI, *, dev_mode: bool) -> None:
    """JSON errors with a clear message; never a stack trace outside dev mode."""

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, HTTPException | RequestValidationError):
            raise exc
        logger.exception("Unhandled error on %s %s", request.method, request.url.path)
        detail = "Internal server error"
        if dev_mode:
            detail = f"Internal server error: {type(exc).__name__}: {exc}"
        return JSONResponse({"detail": detail}, status_code=500)


class GracefulServer(uvicorn.Server):
    """uvicorn, but our sockets are closed with 1001 before uvicorn drops connections."""

    def __init__(self, config: uvicorn.Config, app: FastAPI, worker_threads: int = 0) -> None:
        super().__init__(config)
        self.code_monet_app = app
        self.worker_threads = worker_threads

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        if self.worker_threads:
            # Workspace saves spend most of their time waiting on fsync with the GIL released:
            # more threads than asyncio's default (cores + 4) keep them from queueing.
            executor = ThreadPoolExecutor(self.worker_threads, thread_name_prefix="code-monet")
            asyncio.get_running_loop().set_default_executor(executor)
        await super().serve(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        runtime = app_services(self.code_monet_app).runtime
        if runtime is not None:
            await runtime.shutdown.close_connections()
        await super().shutdown(sockets)


def serve(
    config: AppConfig, host: str, port: int, *, reload: bool = False, log_level: str = "info"
) -> None:
    """Run the server in the foreground until SIGINT/SIGTERM."""
    logs = config.logging
    configure_logging(
        logs.log_level if log_level == "info" else log_level.upper(), json_format=logs.json_format
    )
    settings = config.server
    data_dir = config.data_dir.resolve()
    if reload:
        DataDirLock.acquire(data_dir).release()  # fail fast; the child server holds the lock
        gc.enable()  # this process only watches files; the server runs in a fresh child
        uvicorn.run(
            "code_monet.app.server:create_app",
            factory=True,
            host=host,
            port=port,
            reload=True,
            log_level=log_level,
            log_config=None,
            loop=settings.event_loop,
            ws_max_size=transport_frame_limit(settings),
            **proxy_options(settings),
        )
        return
    data_lock = DataDirLock.acquire(data_dir)  # DataDirLockedError: another server has it
    app = create_app(
        config,
        data_dir=data_dir,
        settings=settings.model_copy(update={"host": host, "port": port}),
        data_lock=data_lock,
    )
    server_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,
        loop=settings.event_loop,
        ws_max_size=transport_frame_limit(settings),
        ws_per_message_deflate=settings.ws_per_message_deflate,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) or None,
        lifespan="on",
        **proxy_options(settings),
    )
    tune_gc_for_serving()
    try:
        GracefulServer(server_config, app, settings.worker_threads).run()
    finally:
        data_lock.release()


class ProxyOptions(TypedDict):
    proxy_headers: bool
    forwarded_allow_ips: str


def proxy_options(settings: ServerSettings) -> ProxyOptions:
    """uvicorn's proxy-header handling, the one place the client address is derived (rate
    limits key on it). uvicorn's own default believes ``X-Forwarded-For`` from any loopback
    peer, so anyone connecting through a local process could pick their rate-limit key:
    forwarded headers are believed only from ``FORWARDED_ALLOW_IPS`` (none by default)."""
    trusted = settings.forwarded_allow_ips.strip()
    return ProxyOptions(proxy_headers=bool(trusted), forwarded_allow_ips=trusted)


def transport_frame_limit(settings: ServerSettings) -> int:
    """The WebSocket frame size uvicorn accepts at all (larger ones close the socket, 1009).

    Twice ``MAX_FRAME_BYTES``: a frame over the app's limit but under this one gets a clear
    ``error`` frame and the socket stays open (``user_handlers``); only absurd ones are cut."""
    return settings.max_frame_bytes * 2


GC_YOUNG_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default is 700)."""


def tune_gc_for_serving() -> None:
    """Make the cyclic garbage collector cheap for a long-running server.

    Everything allocated so far (modules, the app, its routes) lives as long as the process:
    it is frozen out of the collector's reach, so full collections no longer walk it. Young
    collections run every ``GC_YOUNG_THRESHOLD`` allocations instead of 700: a server that
    builds many short-lived frames spent ~15 % of its CPU in the collector at the default,
    ~4 % with this (``python -m bench.load``), with shorter worst pauses.

    There is no full collection first: start-up leaves ~2,000 objects of garbage, not worth
    the ~0.2 s of a collection at this heap size. The collector is (re-)enabled here, since
    the console script (``code_monet.app.entry``) keeps it off while the server loads."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    gc.enable()
