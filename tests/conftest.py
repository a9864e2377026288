"""Shared fixtures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from support.auth import FakeClock
from support.db import (
    BACKENDS,
    create_postgres_database,
    drop_postgres_database,
    postgres_url,
    require_backend,
    temporary_database,
)

from code_monet.db.engine import Database
from code_monet.db.settings import default_sqlite_url
from code_monet.workspace import WorkspaceState
from code_monet.workspace.limits import WorkspaceLimits


@pytest.fixture
def user_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def limits() -> WorkspaceLimits:
    return WorkspaceLimits()


@pytest.fixture
async def workspace(tmp_path: Path, user_id: str) -> WorkspaceState:
    return await WorkspaceState.load_for_user(user_id, data_dir=tmp_path, durable=False)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh migrated database on each backend (PostgreSQL when TEST_POSTGRES_URL is set)."""
    require_backend(request.param)
    async with temporary_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for CLI tests: DATA_DIR in tmp, DATABASE_URL a fresh database."""
    require_backend(request.param)
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        yield {"DATA_DIR": str(data_dir), "DATABASE_URL": default_sqlite_url(data_dir)}
        return
    url = postgres_url()
    assert url is not None
    database_url = asyncio.run(create_postgres_database(url))
    try:
        yield {"DATA_DIR": str(data_dir), "DATABASE_URL": database_url}
    finally:
        asyncio.run(drop_postgres_database(database_url))
