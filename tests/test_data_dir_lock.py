"""One server per ``DATA_DIR``: a second ``code-monet serve`` on the same data stops at once with
a clear message, a killed server never blocks the next one, and offline commands that write
into ``DATA_DIR`` refuse while a server holds it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2
import pytest
from live_server import free_port, server_process, wait_healthy

from code_monet.app.cli import WorkspaceExport
from code_monet.app.server import create_app
from code_monet.live.data_lock import (
    LOCK_FILE_NAME,
    DataDirLock,
    DataDirLockedError,
    holding_data_dir,
)
from code_monet.types.state import WorkspaceFile

SECOND_SERVER_EXITS_WITHIN = 20.0
"""Seconds a second server on the same data may take to give up (imports included)."""


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "AGENT_PROVIDER": "builtin",
        "LOCAL_MODE": "true",
        "DATABASE_URL": "",
    }


async def _healthy_now(port: int) -> bool:
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        return (await client.get("/health")).status_code == 200


def _holder_pid(data_dir: Path) -> int:
    pid: int = json.loads((data_dir / LOCK_FILE_NAME).read_text())["pid"]
    return pid


class TestTwoServersOnOneDataDir:
    """The second server exits non-zero at once; the first keeps serving."""

    async def test_a_second_server_exits_at_once_naming_the_directory_and_the_holder(
        self, tmp_path: Path
    ) -> None:
        """Exit code 1 within seconds, the message names ``DATA_DIR`` and the first's pid."""
        # Arrange
        first_port, second_port = free_port(), free_port()
        with server_process(tmp_path, first_port) as first:
            await wait_healthy(f"http://127.0.0.1:{first_port}", first)
            # Act
            started = time.monotonic()
            with server_process(tmp_path, second_port) as second:
                try:
                    code = await asyncio.to_thread(second.wait, SECOND_SERVER_EXITS_WITHIN)
                except subprocess.TimeoutExpired:  # it started: stop it to read what it said
                    code = None
                    second.kill()
                    await asyncio.to_thread(second.wait, 30)
                elapsed = time.monotonic() - started
                assert second.stderr is not None
                message = second.stderr.read().decode()
            first_still_serving = await _healthy_now(first_port)
        # Assert
        assert code == 1, message[-2000:]
        assert elapsed < SECOND_SERVER_EXITS_WITHIN
        assert str(tmp_path) in message  # pytest gives a resolved path
        assert f"pid {first.pid}" in message
        assert "Traceback" not in message
        assert first_still_serving

    async def test_after_sigkill_of_the_holder_a_new_server_starts(self, tmp_path: Path) -> None:
        """The kernel drops the lock with the killed process: no stale lock blocks a restart."""
        # Arrange
        port = free_port()
        with server_process(tmp_path, port) as first:
            await wait_healthy(f"http://127.0.0.1:{port}", first)
            first.kill()  # SIGKILL: no clean-up of any kind
            await asyncio.to_thread(first.wait, 30)
        # Act
        port = free_port()
        with server_process(tmp_path, port) as second:
            await wait_healthy(f"http://127.0.0.1:{port}", second)
            holder = _holder_pid(tmp_path)
            # Assert
            assert holder == second.pid


class TestStartUpTakesTheLockFirst:
    """Nothing is written into a locked ``DATA_DIR``: the lock comes before the database."""

    async def test_a_locked_data_dir_is_left_untouched(self, tmp_path: Path) -> None:
        """The app's start-up fails with ``DataDirLockedError`` and writes nothing there."""
        # Arrange
        data_dir = tmp_path / "data"
        held = DataDirLock.acquire(data_dir)
        app = create_app(data_dir=data_dir)
        # Act
        try:
            with pytest.raises(DataDirLockedError) as refused:
                async with app.router.lifespan_context(app):
                    pass
        finally:
            held.release()
        # Assert
        assert sorted(p.name for p in data_dir.iterdir()) == [LOCK_FILE_NAME]
        assert f"pid {os.getpid()}" in str(refused.value)

    def test_the_lock_is_exclusive_until_released(self, tmp_path: Path) -> None:
        """A second holder is refused (even in the same process) until the first releases."""
        # Arrange
        first = DataDirLock.acquire(tmp_path)
        # Act
        with pytest.raises(DataDirLockedError):
            DataDirLock.acquire(tmp_path)
        first.release()
        first.release()  # releasing twice is harmless
        with holding_data_dir(tmp_path) as again:
            reacquired = again.held
        # Assert
        assert reacquired
        assert not first.held


class TestOfflineCommands:
    """``workspace import`` writes into ``DATA_DIR``: it refuses while a server holds it."""

    async def test_workspace_import_is_refused_while_a_server_runs(self, tmp_path: Path) -> None:
        """Exit code 1 with the lock's message; no workspace is written for the user."""
        # Arrange
        data_dir = tmp_path / "data"
        user_id = str(uuid.uuid4())
        export = tmp_path / "export.json"
        export.write_text(
            WorkspaceExport(user_id=user_id, workspace=WorkspaceFile()).model_dump_json()
        )
        port = free_port()
        with server_process(data_dir, port) as server:
            await wait_healthy(f"http://127.0.0.1:{port}", server)
            # Act
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "code_monet", "workspace", "import", str(export)],
                env=_env(data_dir),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        # Assert
        assert done.returncode == 1, done.stderr
        assert str(data_dir) in done.stderr and "not importing" in done.stderr
        assert not (data_dir / "users" / user_id).exists()
