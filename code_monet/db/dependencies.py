"""FastAPI dependencies for the database: the app keeps its ``Database`` in
``app.state.database`` (set at start-up); routes ask for it with :data:`DatabaseDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.requests import HTTPConnection

from code_monet.db.engine import Database


def install_database(app: FastAPI, database: Database) -> None:
    """Make ``database`` available to :func:`get_database` (call once at start-up)."""
    app.state.database = database


def get_database(connection: HTTPConnection) -> Database:
    """The installed database (works for HTTP routes and WebSocket endpoints alike)."""
    database = getattr(connection.app.state, "database", None)
    if not isinstance(database, Database):
        raise RuntimeError("No database installed: call install_database(app, db) at start-up")
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
