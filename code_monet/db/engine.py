"""The async engine and sessions: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL.

Both backends use a real connection pool, so concurrent requests never queue behind one shared
connection. On SQLite, write transactions start with ``BEGIN IMMEDIATE`` (they take the write
lock up front and wait out ``busy_timeout`` instead of failing half-way); read transactions are
plain deferred ones, which WAL lets run alongside a writer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from code_monet.db.settings import DatabaseSettings, redact_url

logger = logging.getLogger(__name__)

WRITE_OPTION = "code_monet_write"


class _Cursor(Protocol):
    def execute(self, sql: str, /) -> object: ...

    def close(self) -> None: ...


class _SQLiteConnection(Protocol):
    """The slice of a DB-API connection the SQLite set-up needs (typed for mypy)."""

    isolation_level: str | None

    def cursor(self) -> _Cursor: ...


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: _SQLiteConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy (below) emit BEGIN itself, so IMMEDIATE can be chosen per transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")  # already WAL (see _ensure_wal): a no-op
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = bool(conn.get_execution_options().get(WRITE_OPTION, False))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ensure_wal(path: Path, busy_timeout_ms: int, attempts: int = 50) -> None:
    """Switch the database file to WAL once, before any pooled connection opens it.

    WAL is persistent, so later connections find it set. Switching needs an exclusive lock and
    SQLite does not wait for that one (no busy handler), so concurrent first starts retry.
    """
    if not path.exists():
        # Account data (password and token hashes): readable by this user only. SQLite gives the
        # -wal and -shm files the same permissions.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for attempt in range(attempts):
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=busy_timeout_ms / 1000)) as conn:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if mode and str(mode[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
        time.sleep(0.02)
    raise RuntimeError(f"SQLite database {path} could not be switched to WAL mode")


@dataclass
class Database:
    """An engine plus session factories. Create with :meth:`connect`; close with :meth:`dispose`."""

    url: str
    engine: AsyncEngine
    _read_sessions: async_sessionmaker[AsyncSession]
    _write_sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(
        cls,
        url: str,
        cfg: DatabaseSettings,
        *,
        connect_args: Mapping[str, object] | None = None,
    ) -> Database:
        """Build the engine for ``url`` with the pool and SQLite options of ``cfg`` (the
        application's database section); no connection is opened until first use."""
        parsed = make_url(url)
        args = dict(connect_args or {})
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file:"):
                raise ValueError(
                    f"SQLite URL {url!r} must name a file: in-memory databases are not shared "
                    "between pooled connections"
                )
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            _ensure_wal(Path(database), cfg.sqlite_busy_timeout_ms)
            args.setdefault("timeout", cfg.sqlite_busy_timeout_ms / 1000)
        engine = create_async_engine(
            url,
            echo=cfg.db_echo,
            pool_size=cfg.db_pool_size,
            max_overflow=cfg.db_max_overflow,
            pool_timeout=cfg.db_pool_timeout_seconds,
            pool_pre_ping=parsed.get_backend_name() != "sqlite",
            connect_args=args,
        )
        if parsed.get_backend_name() == "sqlite":
            _configure_sqlite(engine, cfg.sqlite_busy_timeout_ms)
        writer = engine.execution_options(**{WRITE_OPTION: True})
        logger.info("Database: %s", redact_url(url))
        return cls(
            url=url,
            engine=engine,
            _read_sessions=async_sessionmaker(engine, expire_on_commit=False),
            _write_sessions=async_sessionmaker(writer, expire_on_commit=False),
        )

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed on success, rolled back on error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (a deferred transaction, rolled back at the end)."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
