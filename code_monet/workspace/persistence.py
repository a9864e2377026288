"""Crash-safe file writes and safe per-user directory resolution.

A write goes to a temp file in the same directory, is fsynced, renamed over the target and the
directory is fsynced, so a reader (or a restart after a crash) sees either the old file or the
new one, never a torn mix. User ids are validated as UUIDs and every resolved path is checked to
stay inside that user's directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)


class WorkspacePathError(ValueError):
    """A user id or file name that would escape the user's directory."""


def validate_user_id(user_id: str | uuid.UUID) -> str:
    """The canonical lower-case UUID string; raises for anything else."""
    try:
        return str(uuid.UUID(str(user_id)))
    except (ValueError, AttributeError, TypeError) as exc:
        raise WorkspacePathError(f"Invalid user_id {str(user_id)[:64]!r}: must be a UUID") from exc


def user_directory(data_dir: Path, user_id: str | uuid.UUID) -> Path:
    """``<data_dir>/users/<uuid>``, resolved and checked to be inside ``data_dir``."""
    canonical = validate_user_id(user_id)
    users_root = (data_dir / "users").resolve()
    path = (users_root / canonical).resolve()
    if path.parent != users_root:
        raise WorkspacePathError(f"User directory for {canonical} escapes {users_root}")
    return path


def safe_child(directory: Path, name: str) -> Path:
    """``directory/name`` after checking ``name`` is a plain file name inside ``directory``."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        raise WorkspacePathError(f"Invalid file name {name[:64]!r} in {directory}")
    root = directory.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise WorkspacePathError(f"Path {name[:64]!r} escapes {root}")
    return path


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename, fsync dir)."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        _fsync_directory(directory)


def move_aside(path: Path, reason: str) -> Path:
    """Rename a damaged file to ``<name>.corrupt-<timestamp>`` so nothing is lost."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.replace(target)
    logger.error("Moved corrupt file %s aside to %s: %s", path, target.name, reason)
    return target


def remove_stale_temp_files(directory: Path) -> int:
    """Delete temp files a killed writer left behind; returns how many were removed."""
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                removed += 1
    return removed
