"""``DATA_DIR`` is private to the server's uid (issue 15): directories 0700, files 0600, older
too-open entries tightened at start-up, and the sandbox uid cannot read workspaces or secrets.

The data directory sits under a world-traversable parent (like /var/lib) so that only the
modes under ``DATA_DIR`` decide what another uid can read.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.server import recv_json, recv_until, running_server

from code_monet.auth.signing_key import SECRET_FILE, load_or_create_secret
from code_monet.workspace.persistence import atomic_write_bytes, tighten_permissions

SANDBOX_UID = 65534
STROKE = [{"x": 10.0 + 5 * i, "y": 20.0 + 3 * i} for i in range(10)]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """``<world-traversable parent>/data`` (pytest's own tmp dirs are 0700 all the way)."""
    parent = Path(tempfile.mkdtemp(prefix="code-monet-perm-"))
    parent.chmod(0o755)
    try:
        yield parent / "data"
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def open_entries(root: Path) -> list[str]:
    """Everything under ``root`` (and ``root``) that group or other may access."""
    found = []
    for entry in [root, *root.rglob("*")]:
        status = entry.lstat()
        if not stat.S_ISLNK(status.st_mode) and stat.S_IMODE(status.st_mode) & 0o077:
            found.append(f"{entry.relative_to(root.parent)} {stat.S_IMODE(status.st_mode):o}")
    return found


async def draw_one_stroke(data_dir: Path) -> None:
    """Start the real server, draw a stroke as the local user, stop it (flushing saves)."""
    async with running_server(data_dir) as server:
        token = await server.local_token()
        async with server.ws(token) as ws:
            await recv_json(ws)
            await ws.send(json.dumps({"type": "stroke", "points": STROKE}))
            await recv_until(ws, "human_stroke")


def readable_as_sandbox_uid(path: Path) -> bool:
    """Whether a forked child switched to the sandbox uid (``os.setuid``) can read ``path``."""
    pid = os.fork()
    if pid == 0:  # the child: only plain system calls, then _exit
        code = 2
        try:
            os.setgroups([])
            os.setgid(SANDBOX_UID)
            os.setuid(SANDBOX_UID)
            with path.open("rb") as handle:
                handle.read(1)
            code = 0
        except PermissionError:
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 3), f"the probe child failed (exit {code})"
    return code == 0


def server_files(data_dir: Path) -> tuple[list[Path], Path]:
    """The saved workspaces and the JWT secret file (created the way the server does)."""
    return list(data_dir.glob("users/*/workspace.json")), data_dir / SECRET_FILE


class TestServerData:
    """What a running server leaves in ``DATA_DIR``."""

    async def test_nothing_is_group_or_other_accessible(self, data_dir: Path) -> None:
        """After a start and a drawn stroke every directory is 0700 and every file 0600."""
        # Act
        await draw_one_stroke(data_dir)

        load_or_create_secret(data_dir)  # the tests' server gets JWT_SECRET, not this file

        # Assert
        workspaces, secret = server_files(data_dir)
        assert workspaces and secret.is_file()
        assert open_entries(data_dir) == [], "\n".join(open_entries(data_dir))

    async def test_sandbox_uid_cannot_read_workspaces_or_the_secret(self, data_dir: Path) -> None:
        """A process running as uid 65534 reads no workspace.json (also one an older version
        left 0644 in a 0755 directory), nor the JWT secret, nor the database."""
        # Arrange
        if os.geteuid() != 0:
            pytest.skip("switching to the sandbox uid needs root")
        older = data_dir / "users" / str(uuid.uuid4())
        older.mkdir(parents=True)
        (older / "workspace.json").write_text('{"strokes": []}')
        for path in (data_dir, data_dir / "users", older):
            path.chmod(0o755)
        (older / "workspace.json").chmod(0o644)
        await draw_one_stroke(data_dir)
        load_or_create_secret(data_dir)
        workspaces, secret = server_files(data_dir)

        # Act
        readable = {
            "workspaces": [readable_as_sandbox_uid(path) for path in workspaces],
            "secret": readable_as_sandbox_uid(secret),
            "database": readable_as_sandbox_uid(data_dir / "code_monet.db"),
        }

        # Assert
        assert readable == {"workspaces": [False, False], "secret": False, "database": False}

    async def test_older_open_data_is_tightened_at_start_up(
        self, data_dir: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Directories and files an older version made 0755/0644 lose group/other access."""
        # Arrange
        user = data_dir / "users" / str(uuid.uuid4())
        user.mkdir(parents=True)
        (user / "notes.txt").write_text("old")
        for path in (data_dir, data_dir / "users", user):
            path.chmod(0o755)
        (user / "notes.txt").chmod(0o644)
        caplog.set_level(logging.WARNING, logger="code_monet.workspace.persistence")

        # Act
        await draw_one_stroke(data_dir)

        # Assert
        assert open_entries(data_dir) == [], "\n".join(open_entries(data_dir))
        assert "private" in caplog.text


class TestWriters:
    """The shared writers create private files without relying on the umask."""

    def test_atomic_write_is_private_under_an_open_umask(self, tmp_path: Path) -> None:
        """New directories 0700 and the file 0600 even with umask 000."""
        # Arrange
        target = tmp_path / "a" / "b" / "file.json"
        previous = os.umask(0)

        # Act
        try:
            atomic_write_bytes(target, b"{}", durable=False)
        finally:
            os.umask(previous)

        # Assert
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode)
            for path in (tmp_path / "a", tmp_path / "a" / "b", target)
        }
        assert modes == {"a": 0o700, "b": 0o700, "file.json": 0o600}

    def test_tighten_leaves_symlinks_and_private_entries_alone(self, tmp_path: Path) -> None:
        """Only entries with group/other bits change; a symlink's target is not touched."""
        # Arrange
        outside = tmp_path / "outside"
        outside.write_text("x")
        outside.chmod(0o644)
        root = tmp_path / "root"
        root.mkdir(mode=0o700)
        (root / "private").write_text("x")
        (root / "private").chmod(0o600)
        (root / "open").write_text("x")
        (root / "open").chmod(0o640)
        (root / "link").symlink_to(outside)

        # Act
        changed = tighten_permissions(root)

        # Assert
        assert changed == 1
        assert stat.S_IMODE((root / "open").stat().st_mode) == 0o600
        assert stat.S_IMODE(outside.stat().st_mode) == 0o644

    def test_an_open_secrets_directory_is_tightened(self, tmp_path: Path) -> None:
        """A secrets directory left 0755 becomes 0700 when the secret is loaded."""
        # Arrange
        secrets = (tmp_path / SECRET_FILE).parent
        secrets.mkdir()
        secrets.chmod(0o755)

        # Act
        load_or_create_secret(tmp_path)

        # Assert
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
