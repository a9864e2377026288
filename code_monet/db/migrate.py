"""Alembic migrations, run programmatically: at server start-up and by ``code-monet db upgrade``.

The migration scripts live in ``code_monet/db/migrations`` (shipped inside the package). Alembic
runs synchronously on a connection borrowed from the async engine, so :func:`migrate` is safe
to await from a running event loop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from code_monet.db.settings import redact_url

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (and at ``connection``, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration revision in the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"No migrations found in {MIGRATIONS_DIR}")
    return head


_PG_MIGRATION_LOCK = 0x636D6F6E  # any constant; serialises concurrent start-ups on PostgreSQL


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade_locked(connection: Connection) -> str | None:
    """Upgrade inside the caller's transaction, after taking the migration lock."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    before = _current(connection)
    if before != head_revision():
        command.upgrade(alembic_config(connection), "head")
    return before


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Apply pending migrations through ``engine`` in one transaction (no-op when up to date).

    Concurrent callers are serialised (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock),
    so two processes starting together never both run the same migration.
    """
    from code_monet.db.engine import WRITE_OPTION

    head = head_revision()
    async with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        before = await conn.run_sync(_upgrade_locked)
    if before == head:
        logger.debug("Database schema is up to date (%s)", head)
    else:
        logger.info("Database migrated from %s to %s", before or "empty", head)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest schema. The server awaits this at start-up."""
    from code_monet.db.engine import Database

    database = Database.connect(url)
    try:
        await database.migrate()
    except Exception as exc:
        logger.error("Migrating %s failed: %s", redact_url(url), exc)
        raise
    finally:
        await database.dispose()
