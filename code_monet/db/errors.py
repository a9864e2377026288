"""Database outages, told apart from bugs, and answered in one place.

When the database is down (PostgreSQL stopped or restarting, a dropped connection, a pool
that cannot connect, SQLite locked or unreadable) every route should say so — 503 with a
reason and ``Retry-After`` — instead of a 500 that looks like a bug. The errors arrive in many
shapes: SQLAlchemy's ``OperationalError``/``InterfaceError``, a ``DBAPIError`` wrapping an
asyncpg connection error (SQLSTATE class 08, 57P0x), or a bare ``ConnectionRefusedError`` /
``TimeoutError`` straight from the driver's connect. :func:`is_database_unavailable` knows them
all; :func:`install_database_error_handlers` registers the one handler that answers them.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from typing import Final, cast

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.requests import HTTPConnection
from starlette.types import ExceptionHandler
from starlette.websockets import WebSocket, WebSocketState

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE: Final = "The database is unavailable; please retry shortly"
RETRY_AFTER_SECONDS: Final = 5
CLOSE_INTERNAL: Final = 1011

_UNAVAILABLE_SQLSTATES: Final = frozenset({"57P01", "57P02", "57P03", "53300", "53000"})
"""Admin/crash shutdown, cannot connect now, too many connections, insufficient resources."""

_DRIVER_MODULES: Final = ("asyncpg", "sqlalchemy", "aiosqlite", "code_monet.db")
"""An ``OSError`` raised through these modules' frames came from talking to the database."""

_SQLALCHEMY_UNAVAILABLE: Final = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


def _sqlstate(error: BaseException) -> str | None:
    for name in ("sqlstate", "pgcode"):
        value = getattr(error, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _raised_by_driver(error: BaseException) -> bool:
    for frame, _ in traceback.walk_tb(error.__traceback__):
        module = frame.f_globals.get("__name__")
        if isinstance(module, str) and module.startswith(_DRIVER_MODULES):
            return True
    return False


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    for cls in type(error).__mro__:
        if cls.__module__.startswith("asyncpg") and cls.__name__ in (
            "PostgresConnectionError",
            "InterfaceError",
            "ConnectionDoesNotExistError",
        ):
            return True
    return False


def _one_is_unavailable(error: BaseException, *, in_driver: bool) -> bool:
    if isinstance(error, _SQLALCHEMY_UNAVAILABLE):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    state = _sqlstate(error)
    if state is not None and (state.startswith("08") or state in _UNAVAILABLE_SQLSTATES):
        return True
    if _is_asyncpg_connection_error(error):
        return True
    return isinstance(error, OSError) and (in_driver or _raised_by_driver(error))


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached right now (retry later), as
    opposed to a bug or bad data (an ``IntegrityError``, a file ``OSError`` elsewhere)."""
    seen: set[int] = set()
    pending: list[tuple[BaseException, bool]] = [(error, False)]
    while pending and len(seen) < 16:
        current, in_driver = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _one_is_unavailable(current, in_driver=in_driver):
            return True
        wrapped = isinstance(current, sa_exc.DBAPIError)
        if isinstance(current, sa_exc.DBAPIError) and isinstance(current.orig, BaseException):
            pending.append((current.orig, True))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append((linked, in_driver or wrapped))
    return False


def describe(error: BaseException) -> str:
    """One short line for the log: the error's type and first line, no URL or password."""
    first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def unavailable_response() -> JSONResponse:
    return JSONResponse(
        {"detail": DATABASE_UNAVAILABLE},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_database_error_handlers(app: FastAPI) -> None:
    """Answer database outages with 503 (HTTP) or close 1011 (WebSocket); anything else is
    re-raised to the app's generic 500 handler unchanged."""

    async def database_unavailable(connection: HTTPConnection, error: Exception) -> Response | None:
        if not is_database_unavailable(error):
            raise error
        logger.warning("Database unavailable during %s: %s", connection.url.path, describe(error))
        if isinstance(connection, WebSocket):
            if connection.client_state is not WebSocketState.DISCONNECTED:
                with contextlib.suppress(RuntimeError, OSError):
                    await connection.close(CLOSE_INTERNAL, "Database unavailable; retry shortly")
            return None
        return unavailable_response()

    # One callable serves both kinds of connection; Starlette's type is a union of the two.
    handler = cast(ExceptionHandler, database_unavailable)
    for error_type in (sa_exc.SQLAlchemyError, OSError):
        app.add_exception_handler(error_type, handler)
