"""Alembic migrations, run programmatically: at server start-up and by ``code-monet db upgrade``.

The migration scripts live in ``code_monet/db/migrations`` (shipped inside the package). Alembic
runs synchronously on a connection borrowed from the async engine, so :func:`migrate` is safe
to await from a running event loop.

Start-up fast paths (Alembic and its scripts take ~0.15 s to load, most of a cold start's
database work): a database already at :data:`SCHEMA_HEAD` is left alone without loading
Alembic, and an empty one gets the models' tables with ``create_all`` and is stamped at
:data:`SCHEMA_HEAD` (the "build from scratch, then stamp" recipe of Alembic's cookbook). Tests
check that this gives the very schema the migration scripts build, and that
:data:`SCHEMA_HEAD` is the scripts' head; at run time the fast paths are used only while the
newest script's file name carries that revision. Anything else goes through ``alembic upgrade``.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from code_monet.db.engine import WRITE_OPTION, Database
from code_monet.db.settings import DatabaseSettings, redact_url

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SCHEMA_HEAD = "0002"
"""The newest migration's revision; a test keeps it equal to :func:`head_revision`."""

_VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (and at ``connection``, if given)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration revision in the package (read from the scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"No migrations found in {MIGRATIONS_DIR}")
    return head


_PG_MIGRATION_LOCK = 0x636D6F6E  # any constant; serialises concurrent start-ups on PostgreSQL


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def _fast_path_safe() -> bool:
    """Whether :data:`SCHEMA_HEAD` is the newest script's revision, judged from the file names
    (``YYYYMMDD_<revision>_<slug>.py``) without loading Alembic. A new script whose revision
    was not copied into :data:`SCHEMA_HEAD` turns the fast paths off (with a warning) instead
    of leaving databases a migration behind."""
    names = [p.name for p in (MIGRATIONS_DIR / "versions").glob("*_*_*.py")]
    newest = max((name.split("_")[1] for name in names), default=None)
    if newest != SCHEMA_HEAD:
        logger.warning(
            "SCHEMA_HEAD is %s but the newest migration script is %s: migrating with Alembic",
            SCHEMA_HEAD,
            newest,
        )
    return newest == SCHEMA_HEAD


def _recorded(connection: Connection) -> tuple[str | None, bool]:
    """The revision the version table records (if exactly one), and whether any table exists.

    Read with plain SQL, so a database at head never loads Alembic."""
    names = inspect(connection).get_table_names()
    if _VERSION_TABLE not in names:
        return None, bool(names)
    rows = connection.exec_driver_sql(f"SELECT version_num FROM {_VERSION_TABLE}").all()
    return (str(rows[0][0]) if len(rows) == 1 else None), True


def _create_at_head(connection: Connection) -> None:
    """Build an empty database's schema from the models and stamp it at :data:`SCHEMA_HEAD`."""
    from code_monet.db.models import Base

    Base.metadata.create_all(connection)
    version = Table(
        _VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{_VERSION_TABLE}_pkc"),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=SCHEMA_HEAD))


def _upgrade_locked(connection: Connection) -> str | None:
    """Upgrade inside the caller's transaction, after taking the migration lock."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    recorded, has_tables = _recorded(connection)
    if recorded == SCHEMA_HEAD and _fast_path_safe():
        return recorded
    if not has_tables and _fast_path_safe():
        _create_at_head(connection)
        return None
    before = _current(connection)
    if before != head_revision():
        from alembic import command

        command.upgrade(alembic_config(connection), "head")
    return before


async def migrate_database(database: Database) -> None:
    """Apply every pending migration to ``database`` (the server awaits this at start-up)."""
    await upgrade_engine(database.engine)


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Apply pending migrations through ``engine`` in one transaction (no-op when up to date).

    Concurrent callers are serialised (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock),
    so two processes starting together never both run the same migration.
    """
    head = SCHEMA_HEAD if _fast_path_safe() else head_revision()
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


async def migrate(url: str, settings: DatabaseSettings) -> None:
    """Bring the database at ``url`` up to the newest schema (a one-off: the server migrates the
    database it keeps open with ``migrate_database``)."""
    database = Database.connect(url, settings)
    try:
        await migrate_database(database)
    except Exception as exc:
        logger.error("Migrating %s failed: %s", redact_url(url), exc)
        raise
    finally:
        await database.dispose()
