"""CLI plumbing: each command's configuration, commands that use the database, ``code-monet db``.

Exit codes: 0 success, 1 failure (not found, conflict, database error), 2 usage error (an
invalid setting included). Every command builds its ``AppConfig`` once (``command_config``).
The database is ``DATABASE_URL`` or the embedded SQLite file under ``DATA_DIR``; pending
migrations are applied before any command touches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from code_monet.app.config import AppConfig, load_config
from code_monet.db.engine import Database
from code_monet.db.migrate import current_revision, head_revision, migrate_database
from code_monet.db.settings import DatabaseConfigError, redact_url, resolve_database_url

T = TypeVar("T")

EXIT_FAILURE = 1
EXIT_USAGE = 2

db_app = typer.Typer(help="Database schema (DATABASE_URL, or SQLite in DATA_DIR).")


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``Error: message`` to stderr and exit with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def command_config() -> AppConfig:
    """The configuration of one command, read from the environment (and ``.env``) once; an
    invalid setting exits 2 naming it."""
    try:
        return load_config()
    except ValidationError as exc:
        fail(f"Invalid configuration: {exc}", code=EXIT_USAGE)


def database_url(config: AppConfig) -> str:
    try:
        return resolve_database_url(config.database, config.data_dir)
    except DatabaseConfigError as exc:
        fail(str(exc))


def run_with_database(
    action: Callable[[Database], Awaitable[T]], config: AppConfig, *, migrate: bool = True
) -> T:
    """Run ``action`` against a migrated database; database errors exit 1 with a message."""
    url = database_url(config)

    async def main() -> T:
        database = Database.connect(url, config.database)
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

    before = run_with_database(action, command_config(), migrate=False)
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

    revision = run_with_database(action, command_config(), migrate=False)
    typer.echo(f"current: {revision or 'empty'}\nhead:    {head_revision()}")
