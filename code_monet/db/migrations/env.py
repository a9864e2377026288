"""Alembic environment.

Uses the connection :mod:`code_monet.db.migrate` hands over (the normal path). Run from the
``alembic`` command line it connects to the URL given explicitly, ``alembic -x url=<URL> …`` or
``sqlalchemy.url``; it reads no configuration of its own (``code-monet db upgrade`` migrates the
configured database).
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
    """The URL the ``alembic`` command line was given (``-x url=…`` or ``sqlalchemy.url``)."""
    from code_monet.db.settings import normalise_database_url

    given = context.get_x_argument(as_dictionary=True).get("url")
    configured = given or config.get_main_option("sqlalchemy.url")
    if not configured:
        raise RuntimeError(
            "No database URL: run alembic with -x url=sqlite+aiosqlite:///data/code_monet.db "
            "(or a postgresql URL), or use `code-monet db upgrade` for the configured database"
        )
    return normalise_database_url(configured)


async def _run_with_own_engine() -> None:
    from code_monet.db.engine import Database
    from code_monet.db.settings import DatabaseSettings

    database = Database.connect(_url(), DatabaseSettings())  # one connection: the defaults do
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
