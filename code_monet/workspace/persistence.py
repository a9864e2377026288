"""Crash-safe file writes and safe per-user directory resolution.

A write goes to a temp file in the same directory, is fsynced, renamed over the target and the
directory is fsynced, so a reader (or a restart after a crash) sees either the old file or the
new one, never a torn mix. User ids are validated as UUIDs and every resolved path is checked to
stay inside that user's directory.

Everything under ``DATA_DIR`` is private to the server's uid (directories 0700, files 0600):
sandboxed programs run as another uid and must not read other users' workspaces (issue 15).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_GROUP_OTHER_BITS = 0o077


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


def make_private_dir(path: Path) -> None:
    """``mkdir -p`` with every directory it creates 0700 (``Path.mkdir`` leaves parents at the
    umask's mode, usually 0755: readable by the sandbox uid)."""
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        directory.chmod(PRIVATE_DIR_MODE)  # mode is masked by the umask, never widened


def tighten_permissions(root: Path) -> int:
    """Remove group/other access from everything under ``root`` (and ``root``); returns how
    many entries changed. Why: data written before issue 15 was 0755/0644, readable by the
    sandbox uid. Symlinks are not followed."""
    changed = 0
    entries = [root]
    for directory, dirs, files in os.walk(root, followlinks=False):
        entries.extend(Path(directory) / name for name in (*dirs, *files))
    for entry in entries:
        try:
            status = entry.lstat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(status.st_mode)
        if stat.S_ISLNK(status.st_mode) or not mode & _GROUP_OTHER_BITS:
            continue
        try:
            entry.chmod(mode & ~_GROUP_OTHER_BITS)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OSError(f"cannot make {entry} private (mode {mode:o}): {exc}") from exc
        changed += 1
    if changed:
        logger.warning(
            "Made %d entries under %s private (no group/other access: sandboxed programs run "
            "as another uid and must not read them)",
            changed,
            root,
        )
    return changed


def prepare_private_data_dir(root: Path) -> None:
    """Create ``DATA_DIR`` (0700) and tighten whatever an older version left readable."""
    make_private_dir(root)
    tighten_permissions(root)


@contextlib.contextmanager
def private_file_creation() -> Iterator[None]:
    """While the server runs, files and directories anything creates are private (umask 077).

    Why: besides the writers here, the event log, turn logs, indexes and locks create files
    too; the umask covers them all. Process-wide, so restored when the server stops.
    """
    previous = os.umask(_GROUP_OTHER_BITS)
    try:
        yield
    finally:
        os.umask(previous)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename, fsync dir); the
    file is 0600 and new directories 0700."""
    directory = path.parent
    make_private_dir(directory)
    tmp = directory / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
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
