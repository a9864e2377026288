"""FastAPI dependencies of the routers, all read from the app's one ``AppServices``.

The data directory, server settings, database, auth service (and the signed-in user), content
cache, public base URL, render gate and live runtime: each is a typed view of
``routes.services.services(connection)``, so a test builds an app over a temporary directory by
installing an ``AppServices`` with just what its routes use.

``CurrentUser`` answers 401 (with ``WWW-Authenticate: Bearer``) without a valid access token;
``OptionalUser`` is ``None`` then. Both answer 503 when the account store is down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from code_monet.auth.errors import AuthenticationError, AuthUnavailableError
from code_monet.auth.service import AuthenticatedSession, AuthService
from code_monet.db.engine import Database
from code_monet.db.errors import RETRY_AFTER_SECONDS
from code_monet.db.records import User
from code_monet.live.options import ServerSettings
from code_monet.live.runtime import ServerRuntime
from code_monet.observability.log_context import tag_user
from code_monet.render.cache import ContentCache
from code_monet.render.gate import RenderGate
from code_monet.routes.services import services

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/*")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_data_dir(connection: HTTPConnection) -> Path:
    return services(connection).data_dir


def get_server_settings(connection: HTTPConnection) -> ServerSettings:
    return services(connection).server


def get_database(connection: HTTPConnection) -> Database:
    """The running server's database (HTTP routes and WebSocket endpoints alike)."""
    return services(connection).require_database()


def get_auth_service(connection: HTTPConnection) -> AuthService:
    """The running server's auth service (HTTP routes and WebSocket endpoints alike)."""
    return services(connection).require_auth()


def get_content_cache(connection: HTTPConnection) -> ContentCache:
    return services(connection).require_content_cache()


def get_public_base_url(connection: HTTPConnection) -> str:
    """The configured public base URL (auth settings), without a trailing slash."""
    return services(connection).public_base_url


def get_render_gate(connection: HTTPConnection) -> RenderGate:
    return services(connection).render_gate


def get_runtime(connection: HTTPConnection) -> ServerRuntime:
    """The live server; 503 while it is starting."""
    return services(connection).require_runtime()


DataDirDep = Annotated[Path, Depends(get_data_dir)]
ServerSettingsDep = Annotated[ServerSettings, Depends(get_server_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
ContentCacheDep = Annotated[ContentCache, Depends(get_content_cache)]
PublicBaseUrlDep = Annotated[str, Depends(get_public_base_url)]
RenderGateDep = Annotated[RenderGate, Depends(get_render_gate)]
RuntimeDep = Annotated[ServerRuntime, Depends(get_runtime)]


def client_ip(request: Request) -> str:
    """The peer address (the app decides whether proxy headers rewrite it)."""
    return request.client.host if request.client is not None else "unknown"


def _unavailable(error: AuthUnavailableError) -> HTTPException:
    """503 with ``Retry-After``: the account store is down, the client should retry later."""
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail=error.message,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_session(
    service: AuthServiceDep, credentials: BearerCredentials
) -> AuthenticatedSession:
    if credentials is None:
        raise _unauthorized("Not signed in: send 'Authorization: Bearer <access token>'")
    try:
        session = await service.authenticate(credentials.credentials)
    except AuthUnavailableError as exc:
        raise _unavailable(exc) from exc
    except AuthenticationError as exc:
        raise _unauthorized(exc.message) from exc
    tag_user(str(session.user.id))  # the request's log lines carry who made it
    return session


async def current_user(session: Annotated[AuthenticatedSession, Depends(current_session)]) -> User:
    return session.user


async def current_v1_user(service: AuthServiceDep, credentials: BearerCredentials) -> User:
    """:func:`current_user` for routes that protocol-v1 clients poll all session long
    (``GET /strokes/pending``): an expired access token is accepted within the v1 grace,
    as long as its sign-in session is live (see ``AuthSettings.v1_session_grace_hours``)."""
    if credentials is None:
        raise _unauthorized("Not signed in: send 'Authorization: Bearer <access token>'")
    try:
        session = await service.authenticate(credentials.credentials, v1_grace=True)
    except AuthUnavailableError as exc:
        raise _unavailable(exc) from exc
    except AuthenticationError as exc:
        raise _unauthorized(exc.message) from exc
    tag_user(str(session.user.id))
    return session.user


async def optional_user(service: AuthServiceDep, credentials: BearerCredentials) -> User | None:
    if credentials is None:
        return None
    try:
        user = await service.authenticate_access_token(credentials.credentials)
    except AuthUnavailableError as exc:
        raise _unavailable(exc) from exc
    except AuthenticationError:
        return None
    tag_user(str(user.id))
    return user


CurrentSession = Annotated[AuthenticatedSession, Depends(current_session)]
CurrentUser = Annotated[User, Depends(current_user)]
CurrentV1User = Annotated[User, Depends(current_v1_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
