"""Persistence for accounts: SQLAlchemy 2 (async) models, repository, Alembic migrations.

SQLite under the data directory by default; PostgreSQL (asyncpg) when ``DATABASE_URL`` says so.
Start-up: ``Database.connect(url, settings)``, then ``await migrate_database(database)``
(``migrate(url, settings)`` does both for a one-off). While the database is down, ``errors``
turns what the driver raises into 503s.
"""

from __future__ import annotations

from code_monet.db.engine import Database
from code_monet.db.migrate import migrate
from code_monet.db.records import CanvasShare, InviteCode, MagicLink, RefreshToken, User
from code_monet.db.settings import DatabaseSettings, resolve_database_url

__all__ = [
    "CanvasShare",
    "Database",
    "DatabaseSettings",
    "InviteCode",
    "MagicLink",
    "RefreshToken",
    "User",
    "migrate",
    "resolve_database_url",
]
