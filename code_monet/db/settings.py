"""Database settings: ``DATABASE_URL`` (PostgreSQL via asyncpg) or embedded SQLite by default.

A plain model: the application fills it from the environment once and passes it down."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_FILE_NAME = "code_monet.db"

_DRIVER_FOR_BACKEND = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_BACKEND_ALIASES = {"postgres": "postgresql"}


class DatabaseConfigError(ValueError):
    """A ``DATABASE_URL`` that names an unsupported database or driver."""


class DatabaseSettings(BaseModel):
    """Connection settings. Unset ``DATABASE_URL`` means SQLite under the data directory."""

    database_url: str | None = Field(
        default=None, description="postgresql+asyncpg://… or sqlite+aiosqlite:///path"
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0, le=600_000)
    db_echo: bool = False


def default_sqlite_url(data_dir: Path) -> str:
    """``sqlite+aiosqlite:///<data_dir>/code_monet.db`` (absolute path)."""
    return f"sqlite+aiosqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}"


def normalise_database_url(raw: str) -> str:
    """Pin the async driver: ``postgres://`` and ``postgresql://`` become asyncpg,
    ``sqlite://`` becomes aiosqlite. Any other database or driver is refused."""
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise DatabaseConfigError(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    backend, _, driver = url.drivername.partition("+")
    backend = _BACKEND_ALIASES.get(backend, backend)
    wanted = _DRIVER_FOR_BACKEND.get(backend)
    if wanted is None:
        raise DatabaseConfigError(
            f"DATABASE_URL uses unsupported database {backend!r}; use sqlite or postgresql"
        )
    if driver and f"{backend}+{driver}" != wanted:
        raise DatabaseConfigError(
            f"DATABASE_URL driver {url.drivername!r} is not supported; use {wanted!r}"
        )
    return url.set(drivername=wanted).render_as_string(hide_password=False)


def resolve_database_url(settings: DatabaseSettings, data_dir: Path) -> str:
    """The configured URL (normalised), else the embedded SQLite file in ``data_dir``."""
    if settings.database_url:
        return normalise_database_url(settings.database_url)
    return default_sqlite_url(data_dir)


def redact_url(url: str | URL) -> str:
    """The URL with its password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)
