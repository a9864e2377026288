"""FastAPI dependencies: the auth service (``app.state.auth_service``) and the signed-in user.

``CurrentUser`` answers 401 (with ``WWW-Authenticate: Bearer``) without a valid access token;
``OptionalUser`` is ``None`` then. Both answer 503 when the account store is down.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from code_monet.auth.errors import AuthenticationError, AuthUnavailableError
from code_monet.auth.service import AuthenticatedSession, AuthService
from code_monet.db.errors import RETRY_AFTER_SECONDS
from code_monet.db.records import User
from code_monet.observability.log_context import tag_user

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/*")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def install_auth(app: FastAPI, service: AuthService) -> None:
    """Make ``service`` available to the dependencies below (call once at start-up)."""
    app.state.auth_service = service


def get_auth_service(connection: HTTPConnection) -> AuthService:
    """The installed service (works for HTTP routes and WebSocket endpoints alike)."""
    service = getattr(connection.app.state, "auth_service", None)
    if not isinstance(service, AuthService):
        raise RuntimeError("No auth service installed: call install_auth(app, service) at start-up")
    return service


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


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
