"""CLI plumbing for commands that use the database, and the ``code-monet db`` group.

Exit codes: 0 success, 1 failure (not found, conflict, database error), 2 usage error.
The database is ``DATABASE_URL`` or the embedded SQLite file under ``DATA_DIR``; pending
migrations are applied before any command touches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError

from code_monet.app.config import Settings
from code_monet.db.engine import Database
from code_monet.db.migrate import current_revision, head_revision, migrate_database
from code_monet.db.settings import (
    DatabaseConfigError,
    DatabaseSettings,
    redact_url,
    resolve_database_url,
)

T = TypeVar("T")

EXIT_FAILURE = 1

db_app = typer.Typer(help="Database schema (DATABASE_URL, or SQLite in DATA_DIR).")


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``Error: message`` to stderr and exit with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def database_url() -> str:
    try:
        return resolve_database_url(DatabaseSettings(), Settings().data_dir)
    except DatabaseConfigError as exc:
        fail(str(exc))


def run_with_database(action: Callable[[Database], Awaitable[T]], *, migrate: bool = True) -> T:
    """Run ``action`` against a migrated database; database errors exit 1 with a message."""
    url = database_url()

    async def main() -> T:
        database = Database.connect(url)
        try:
            if migrate:
                await migrate_database(database)
            return await action(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except (SQLAlchemyError, OSError) as exc:
        fail(f"Database {redact_url(url)} failed: {exc}")


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations (the server also does this at start-up)."""

    async def action(database: Database) -> str | None:
        before = await current_revision(database.engine)
        await migrate_database(database)
        return before

    before = run_with_database(action, migrate=False)
    head = head_revision()
    if before == head:
        typer.echo(f"Database is up to date (revision {head}).")
    else:
        typer.echo(f"Database upgraded from {before or 'empty'} to revision {head}.")


@db_app.command("current")
def current() -> None:
    """Print the database's schema revision and the newest one available."""

    async def action(database: Database) -> str | None:
        return await current_revision(database.engine)

    revision = run_with_database(action, migrate=False)
    typer.echo(f"current: {revision or 'empty'}\nhead:    {head_revision()}")
