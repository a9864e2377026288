"""Atomic writes under SIGKILL, stale temp clean-up and path containment."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from code_monet.workspace.persistence import (
    WorkspacePathError,
    atomic_write_bytes,
    remove_stale_temp_files,
    safe_child,
    user_directory,
)

# The writer alternates between two large payloads forever, each self-checking (a digest line
# followed by the body), so a torn file is detectable whatever bytes it holds.
WRITER = r"""
import hashlib, sys
from pathlib import Path
from code_monet.workspace.persistence import atomic_write_bytes

target = Path(sys.argv[1])
bodies = [bytes([65 + k]) * 300_000 for k in range(2)]
i = 0
print("ready", flush=True)
while True:
    body = bodies[i % 2] + str(i).encode()
    atomic_write_bytes(target, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    i += 1
"""


def _is_whole(data: bytes) -> bool:
    digest, _, body = data.partition(b"\n")
    return hashlib.sha256(body).hexdigest().encode() == digest


class TestAtomicWriteUnderKill:
    """A writer killed with SIGKILL never leaves a torn file."""

    def test_sigkill_in_a_loop_never_tears_the_file(self, tmp_path: Path) -> None:
        """Every kill leaves either a previous whole file or the new whole file."""
        # Arrange
        target = tmp_path / "workspace.json"
        rng = random.Random(7)
        observed_versions: set[bytes] = set()
        initial = b"initial"
        atomic_write_bytes(target, hashlib.sha256(initial).hexdigest().encode() + b"\n" + initial)
        # Act
        for _ in range(12):
            proc = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(target)],
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
                stdout=subprocess.PIPE,
            )
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(0.02 + rng.random() * 0.08)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # Assert (per iteration)
            assert target.exists()
            data = target.read_bytes()
            assert _is_whole(data), "file was torn by a killed writer"
            observed_versions.add(data[-12:])
        # Assert
        assert len(observed_versions) > 1, "the writer never got to replace the file"
        remove_stale_temp_files(tmp_path)
        assert [p.name for p in tmp_path.iterdir()] == ["workspace.json"]

    def test_write_replaces_content(self, tmp_path: Path) -> None:
        """A completed atomic write is fully visible."""
        # Arrange
        target = tmp_path / "sub" / "f.json"
        # Act
        atomic_write_bytes(target, b"one")
        atomic_write_bytes(target, b"two")
        # Assert
        assert target.read_bytes() == b"two"
        assert [p.name for p in target.parent.iterdir()] == ["f.json"]


class TestPathContainment:
    """User ids and file names cannot escape their directory."""

    def test_user_directory_is_canonical_uuid(self, tmp_path: Path) -> None:
        """Upper-case UUIDs map to the same canonical directory."""
        # Arrange
        uid = "ABCDEF01-2345-4789-ABCD-EF0123456789"
        # Act
        path = user_directory(tmp_path, uid)
        # Assert
        assert path == (tmp_path / "users" / uid.lower()).resolve()

    @pytest.mark.parametrize("name", ["..", "../x.json", "a/b.json", "", ".", "x\x00.json"])
    def test_safe_child_rejects_escapes(self, tmp_path: Path, name: str) -> None:
        """Traversal, separators and NUL bytes are refused."""
        # Arrange / Act / Assert
        with pytest.raises(WorkspacePathError):
            safe_child(tmp_path, name)

    def test_safe_child_rejects_symlink_escape(self, tmp_path: Path) -> None:
        """A symlink that points outside the directory is refused."""
        # Arrange
        outside = tmp_path / "outside.json"
        outside.write_text("{}")
        inner = tmp_path / "inner"
        inner.mkdir()
        (inner / "link.json").symlink_to(outside)
        # Act / Assert
        with pytest.raises(WorkspacePathError, match="escapes"):
            safe_child(inner, "link.json")
