"""Test support (used by the test suite only): throwaway databases on SQLite and PostgreSQL.

PostgreSQL runs when ``TEST_POSTGRES_URL`` is set (``scripts/postgres.sh start`` prints it);
each database is a fresh schema in that server, dropped afterwards, so tests never see each
other's rows. With ``TEST_POSTGRES_REQUIRED=1`` a missing URL fails instead of skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from code_monet.db.engine import Database
from code_monet.db.migrate import migrate_database
from code_monet.db.settings import DatabaseSettings, default_sqlite_url, normalise_database_url

BACKENDS = ("sqlite", "postgres")
POSTGRES_SKIP_REASON = (
    'PostgreSQL tests need TEST_POSTGRES_URL (run `eval "$(bash scripts/postgres.sh start)"`)'
)


def postgres_url() -> str | None:
    raw = os.environ.get("TEST_POSTGRES_URL", "").strip()
    return normalise_database_url(raw) if raw else None


def postgres_required() -> bool:
    return os.environ.get("TEST_POSTGRES_REQUIRED", "") in ("1", "true", "yes")


@asynccontextmanager
async def postgres_schema(url: str) -> AsyncIterator[str]:
    """A new, empty schema in the test server; dropped (with everything in it) on exit."""
    schema = f"test_{secrets.token_hex(6)}"
    admin = Database.connect(url, DatabaseSettings())
    try:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema
    finally:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def temporary_database(
    backend: str, workdir: Path, *, migrate: bool = True
) -> AsyncIterator[Database]:
    """An empty (by default migrated) database on ``backend`` that is gone afterwards."""
    if backend == "sqlite":
        database = Database.connect(default_sqlite_url(workdir / "db"), DatabaseSettings())
        try:
            if migrate:
                await migrate_database(database)
            yield database
        finally:
            await database.dispose()
        return
    url = postgres_url()
    if backend != "postgres" or url is None:
        raise RuntimeError(f"Backend {backend!r} is unavailable: {POSTGRES_SKIP_REASON}")
    async with postgres_schema(url) as schema:
        database = Database.connect(
            url, DatabaseSettings(), connect_args={"server_settings": {"search_path": schema}}
        )
        try:
            if migrate:
                await migrate_database(database)
            yield database
        finally:
            await database.dispose()


def require_backend(backend: str) -> None:
    """Skip the calling test (or fail, if PostgreSQL is required) when ``backend`` is absent."""
    import pytest

    if backend == "postgres" and postgres_url() is None:
        if postgres_required():
            pytest.fail(f"TEST_POSTGRES_REQUIRED is set but: {POSTGRES_SKIP_REASON}")
        pytest.skip(POSTGRES_SKIP_REASON)


async def create_postgres_database(url: str) -> str:
    """Create a new, empty database on the test server (for code that only takes a URL, like
    the CLI) and return its URL. Needs the CREATEDB privilege (postgres.sh grants it)."""
    name = f"test_{secrets.token_hex(6)}"
    await _autocommit(url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`create_postgres_database` (given its URL)."""
    name = make_url(url).database
    if not name or not name.startswith("test_"):
        raise ValueError(f"Refusing to drop {name!r}: not a test database")
    await _autocommit(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', maintenance=True)


async def _autocommit(url: str, statement: str, *, maintenance: bool = False) -> None:
    target = make_url(url).set(database="postgres") if maintenance else make_url(url)
    admin = Database.connect(target.render_as_string(hide_password=False), DatabaseSettings())
    try:
        engine = admin.engine.execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()
