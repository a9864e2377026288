"""Migrations, engine configuration and URL handling, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from support.db import (
    postgres_schema,
    postgres_url,
    require_backend,
    temporary_database,
)

from code_monet.db import Database, migrate
from code_monet.db.migrate import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    head_revision,
    migrate_database,
)
from code_monet.db.models import Base
from code_monet.db.repository import users
from code_monet.db.settings import (
    DatabaseConfigError,
    DatabaseSettings,
    default_sqlite_url,
    normalise_database_url,
    resolve_database_url,
)

migrate_module = importlib.import_module("code_monet.db.migrate")  # not the re-exported function

TABLES = {
    "users",
    "invite_codes",
    "magic_link_tokens",
    "refresh_tokens",
    "canvas_shares",
    "gallery_pieces",
}


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _downgrade_to_base(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "base")


class TestMigrationsMatchModels:
    """The migration scripts build exactly the schema the models describe."""

    async def test_autogenerate_finds_no_difference(self, db: Database) -> None:
        """Comparing the migrated database with the models yields no diff."""
        # Arrange (the fixture migrated the database)
        # Act
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        # Assert
        assert diff == []

    async def test_upgrade_creates_every_table_at_head(self, db: Database) -> None:
        """All tables exist and the recorded revision is the newest one."""
        # Arrange / Act
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await current_revision(db.engine)
        # Assert
        assert tables >= TABLES
        assert revision == head_revision()

    async def test_migrate_twice_is_a_no_op_and_downgrade_round_trips(self, db: Database) -> None:
        """Re-running is harmless; downgrade to base and back restores the schema."""
        # Arrange
        await migrate_database(db)
        # Act
        async with db.engine.begin() as conn:
            await conn.run_sync(_downgrade_to_base)
        emptied = await current_revision(db.engine)
        await migrate_database(db)
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        # Assert
        assert emptied is None
        assert diff == []

    async def test_concurrent_migrations_do_not_collide(self, tmp_path: Path) -> None:
        """Two start-ups migrating the same empty SQLite file at once both succeed."""
        # Arrange
        url = default_sqlite_url(tmp_path)
        # Act
        await asyncio.gather(migrate(url, DatabaseSettings()), migrate(url, DatabaseSettings()))
        database = Database.connect(url, DatabaseSettings())
        revision = await current_revision(database.engine)
        await database.dispose()
        # Assert
        assert revision == head_revision()


def _schema(connection: Connection) -> dict[str, object]:
    """Everything an inspector reports about every table, in a comparable (sorted) form."""
    inspector = inspect(connection)
    schema: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        columns = [
            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(table)
        ]
        keys = sorted(
            (fk["name"] or "", fk["constrained_columns"], fk["referred_table"], str(fk["options"]))
            for fk in inspector.get_foreign_keys(table)
        )
        indexes = sorted(
            (i["name"] or "", i["column_names"], bool(i["unique"]))
            for i in inspector.get_indexes(table)
        )
        uniques = sorted(
            (u["name"] or "", u["column_names"]) for u in inspector.get_unique_constraints(table)
        )
        primary = inspector.get_pk_constraint(table)["constrained_columns"]
        schema[table] = [sorted(columns), keys, indexes, uniques, primary]
    return schema


def _upgrade_with_scripts(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


class TestFreshDatabaseFastPath:
    """An empty database is built from the models and stamped, exactly as the scripts build it."""

    def test_schema_head_is_the_scripts_head(self) -> None:
        """The constant the start-up fast path trusts names the newest migration script."""
        # Arrange / Act
        head = head_revision()
        # Assert
        assert head == SCHEMA_HEAD

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    async def test_create_all_gives_the_schema_the_scripts_build(
        self, backend: str, tmp_path: Path
    ) -> None:
        """Tables, columns, keys, indexes and the recorded revision match on both paths."""
        # Arrange
        require_backend(backend)
        async with (
            temporary_database(backend, tmp_path / "fast") as fast,
            temporary_database(backend, tmp_path / "scripted", migrate=False) as scripted,
        ):
            async with scripted.engine.begin() as conn:
                await conn.run_sync(_upgrade_with_scripts)
            # Act
            async with fast.engine.connect() as conn:
                fast_schema = await conn.run_sync(_schema)
                fast_diff = await conn.run_sync(_diff)
            async with scripted.engine.connect() as conn:
                scripted_schema = await conn.run_sync(_schema)
            revisions = [await current_revision(d.engine) for d in (fast, scripted)]
        # Assert
        assert fast_schema == scripted_schema
        assert "users" in fast_schema and fast_diff == []
        assert revisions == [SCHEMA_HEAD, SCHEMA_HEAD]

    def test_start_up_loads_no_alembic_for_a_fresh_or_current_database(
        self, tmp_path: Path
    ) -> None:
        """``migrate(url, settings)`` on an empty and then an up-to-date file never imports
        Alembic."""
        # Arrange
        url = default_sqlite_url(tmp_path)
        program = (
            "import asyncio, json, sys\n"
            "from code_monet.db import DatabaseSettings, migrate\n"
            f"asyncio.run(migrate({url!r}, DatabaseSettings()))\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic')))"
        )
        # Act
        runs = [
            subprocess.run(
                [sys.executable, "-c", program],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            for _ in range(2)
        ]
        # Assert
        assert [json.loads(r.stdout) for r in runs] == [[], []]
        assert (tmp_path / "code_monet.db").exists()

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    async def test_a_database_behind_head_is_upgraded_by_the_scripts(
        self, backend: str, tmp_path: Path
    ) -> None:
        """A database at 0001 is taken to head by Alembic and matches the models."""
        # Arrange
        require_backend(backend)
        async with temporary_database(backend, tmp_path, migrate=False) as database:
            async with database.engine.begin() as conn:
                await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
            before = await current_revision(database.engine)
            # Act
            await migrate_database(database)
            after = await current_revision(database.engine)
            async with database.engine.connect() as conn:
                diff = await conn.run_sync(_diff)
        # Assert
        assert (before, after) == ("0001", SCHEMA_HEAD)
        assert diff == []

    async def test_a_stale_schema_head_falls_back_to_alembic(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If SCHEMA_HEAD lags the newest script, an empty database is migrated by the scripts."""
        # Arrange
        monkeypatch.setattr(migrate_module, "SCHEMA_HEAD", "0001")
        migrate_module._fast_path_safe.cache_clear()
        created: list[bool] = []
        real_create = migrate_module._create_at_head
        monkeypatch.setattr(
            migrate_module,
            "_create_at_head",
            lambda c: created.append(True) or real_create(c),
        )
        url = default_sqlite_url(tmp_path)
        # Act
        try:
            await migrate(url, DatabaseSettings())
        finally:
            migrate_module._fast_path_safe.cache_clear()
        database = Database.connect(url, DatabaseSettings())
        revision = await current_revision(database.engine)
        await database.dispose()
        # Assert
        assert created == []
        assert revision == head_revision()


class TestMigrateByUrl:
    """``migrate(url, settings)``: a one-off migration by URL."""

    async def test_sqlite_url(self, tmp_path: Path) -> None:
        """An absent SQLite file (and its directory) is created and migrated."""
        # Arrange
        url = default_sqlite_url(tmp_path / "nested" / "data")
        # Act
        await migrate(url, DatabaseSettings())
        database = Database.connect(url, DatabaseSettings())
        revision = await current_revision(database.engine)
        await database.dispose()
        # Assert
        assert revision == head_revision()
        assert (tmp_path / "nested" / "data" / "code_monet.db").exists()

    async def test_postgres_url(self) -> None:
        """Migrating the PostgreSQL test database by URL works and is idempotent."""
        # Arrange
        require_backend("postgres")
        url = postgres_url()
        assert url is not None
        async with postgres_schema(url) as schema:
            scoped = Database.connect(
                url, DatabaseSettings(), connect_args={"server_settings": {"search_path": schema}}
            )
            # Act
            await migrate_database(scoped)
            await migrate_database(scoped)
            revision = await current_revision(scoped.engine)
            await scoped.dispose()
        # Assert
        assert revision == head_revision()


class TestSQLiteEngine:
    """The embedded default: WAL, busy timeout, foreign keys, a real pool."""

    async def test_pragmas_on_every_connection(self, tmp_path: Path) -> None:
        """Each pooled connection has WAL, foreign keys and a busy timeout."""
        # Arrange
        pragmas = ("journal_mode", "foreign_keys", "busy_timeout")
        async with temporary_database("sqlite", tmp_path) as database:
            engine = database.engine
            # Act
            async with engine.connect() as first, engine.connect() as second:
                seen = [
                    tuple([(await c.execute(text(f"PRAGMA {p}"))).scalar_one() for p in pragmas])
                    for c in (first, second)
                ]
        # Assert
        expected = ("wal", 1, DatabaseSettings().sqlite_busy_timeout_ms)
        assert seen == [expected, expected]

    async def test_concurrent_writers_use_several_connections(self, tmp_path: Path) -> None:
        """Parallel write transactions all commit (no 'database is locked', no shared conn)."""
        # Arrange
        async with temporary_database("sqlite", tmp_path) as database:

            async def create(i: int) -> None:
                async with database.transaction() as session:
                    await users.create_user(session, f"w{i}@example.com")

            # Act
            await asyncio.gather(*(create(i) for i in range(20)))
            async with database.read() as session:
                count = len(await users.list_users(session))
            pool_size = database.engine.sync_engine.pool.size()
        # Assert
        assert count == 20
        assert pool_size > 1

    async def test_new_database_file_is_private(self, tmp_path: Path) -> None:
        """A new SQLite file (and its WAL) is readable by the owner only."""
        # Arrange
        async with temporary_database("sqlite", tmp_path) as database:
            # Act
            async with database.transaction() as session:
                await users.create_user(session, "a@example.com")
            files = sorted((tmp_path / "db").glob("code_monet.db*"))
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        # Assert
        assert "code_monet.db" in modes
        assert set(modes.values()) == {0o600}

    def test_in_memory_sqlite_is_refused(self) -> None:
        """An in-memory database would silently differ per pooled connection."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match="must name a file"):
            Database.connect("sqlite+aiosqlite:///:memory:", DatabaseSettings())


class TestDatabaseUrls:
    """``DATABASE_URL`` handling."""

    def test_default_is_sqlite_in_data_dir(self, tmp_path: Path) -> None:
        """Unset DATABASE_URL → sqlite+aiosqlite file under DATA_DIR."""
        # Arrange
        settings = DatabaseSettings(database_url=None)
        # Act
        url = resolve_database_url(settings, tmp_path)
        # Assert
        assert url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/code_monet.db"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("postgres://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
            ("postgresql://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
            ("postgresql+asyncpg://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
            ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ],
    )
    def test_async_driver_is_pinned(self, raw: str, expected: str) -> None:
        """Plain URLs get the async driver; explicit asyncpg/aiosqlite are kept."""
        # Arrange / Act
        url = normalise_database_url(raw)
        # Assert
        assert url == expected

    @pytest.mark.parametrize(
        "raw", ["mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url", "oracle://x"]
    )
    def test_unsupported_urls_are_refused(self, raw: str) -> None:
        """Other databases and sync drivers are refused with a clear message."""
        # Arrange / Act / Assert
        with pytest.raises(DatabaseConfigError, match="DATABASE_URL"):
            normalise_database_url(raw)
