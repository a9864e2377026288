"""Shared fixtures."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from code_monet.config import WorkspaceLimitsSettings
from code_monet.workspace import WorkspaceState


@pytest.fixture
def user_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def limits() -> WorkspaceLimitsSettings:
    return WorkspaceLimitsSettings()


@pytest.fixture
async def workspace(tmp_path: Path, user_id: str) -> WorkspaceState:
    return await WorkspaceState.load_for_user(user_id, data_dir=tmp_path, durable=False)
