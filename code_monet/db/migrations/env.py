"""Alembic environment.

Uses the connection :mod:`code_monet.db.migrate` hands over (the normal path); run from the
``alembic`` command line it connects to ``DATABASE_URL`` (or the embedded SQLite file) itself.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from code_monet.db.models import Base
from code_monet.db.types import UTCDateTime

target_metadata = Base.metadata
config = context.config


def _render_item(kind: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes plain ``sa.DateTime(timezone=True)``, never our TypeDecorator, so
    migration scripts do not depend on application code that may change later."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    from code_monet.app.config import Settings
    from code_monet.db.settings import DatabaseSettings, resolve_database_url

    configured = config.get_main_option("sqlalchemy.url")
    return configured or resolve_database_url(DatabaseSettings(), Settings().data_dir)


async def _run_with_own_engine() -> None:
    from code_monet.db.engine import Database

    database = Database.connect(_url())
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_configure_and_run)
    finally:
        await database.dispose()


def _run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


_connection = config.attributes.get("connection")
if context.is_offline_mode():
    _run_offline()
elif isinstance(_connection, Connection):
    _configure_and_run(_connection)
else:
    asyncio.run(_run_with_own_engine())
