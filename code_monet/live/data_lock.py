"""One process at a time on a ``DATA_DIR``: an exclusive OS lock held for the process lifetime.

Two servers on one data directory both load the same users' workspaces and overwrite each
other's saves (strokes a viewer saw were lost), so a server takes ``DATA_DIR/.code-monet.lock``
with ``flock`` before it writes anything there, and a second one stops at once with a message
naming the directory and the holder's pid. The kernel drops the lock when the holder exits,
even on SIGKILL, so a crashed server never blocks the next start. Offline commands that write
into ``DATA_DIR`` (``code-monet workspace import``) take the same lock for their duration.

Until the scale-out work makes several processes safe, this is the only supported layout.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

LOCK_FILE_NAME = ".code-monet.lock"


class LockHolder(TypedDict):
    """What the holder writes into the lock file (for the message a contender prints)."""

    pid: int
    hostname: str
    started_at: str


class DataDirLockedError(RuntimeError):
    """Another process holds the data directory's lock."""

    def __init__(self, directory: Path, holder: LockHolder | None, purpose: str) -> None:
        self.directory = directory
        self.holder = holder
        who = "another Code Monet process"
        if holder is not None:
            who = f"another Code Monet process (pid {holder['pid']} on {holder['hostname']})"
        super().__init__(
            f"The data directory {directory} is in use by {who}; {purpose}. "
            "Stop that process first, or point DATA_DIR at another directory "
            "(several processes on one DATA_DIR are not supported)."
        )


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_FILE_NAME


def _read_holder(fd: int) -> LockHolder | None:
    """The holder's record, or ``None`` when it is missing, partial or not ours."""
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, hostname, started = data.get("pid"), data.get("hostname"), data.get("started_at")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    return LockHolder(
        pid=pid,
        hostname=hostname if isinstance(hostname, str) else "?",
        started_at=started if isinstance(started, str) else "?",
    )


@dataclass
class DataDirLock:
    """A held lock on one data directory; :meth:`release` (or process exit) frees it."""

    directory: Path
    fd: int | None

    @classmethod
    def acquire(cls, data_dir: Path, *, purpose: str = "not starting") -> DataDirLock:
        """Take the lock without waiting (creating the directory if needed).

        Raises :class:`DataDirLockedError` when another process (or another holder in this
        one) has it; ``purpose`` ends the message (``"not starting"``, ``"not importing"``).
        """
        directory = data_dir.resolve()
        directory.mkdir(parents=True, exist_ok=True)
        path = lock_path(directory)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise OSError(f"Cannot open the data directory lock {path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DataDirLockedError(directory, holder, purpose) from None
        except OSError as exc:
            os.close(fd)
            raise OSError(f"Cannot lock the data directory lock {path}: {exc}") from exc
        record = LockHolder(
            pid=os.getpid(),
            hostname=socket.gethostname(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with contextlib.suppress(OSError):  # the record is informative only
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode("utf-8") + b"\n", 0)
        return cls(directory, fd)

    @property
    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        """Give the lock up (safe to repeat). The file stays: deleting it would race."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the last descriptor drops the flock


@contextlib.contextmanager
def holding_data_dir(
    data_dir: Path, held: DataDirLock | None = None, *, purpose: str = "not starting"
) -> Iterator[DataDirLock]:
    """The lock on ``data_dir`` for the block: ``held`` when the caller already has it (and
    keeps it afterwards), else one taken now and released at the end."""
    if held is not None and held.held:
        if held.directory != data_dir.resolve():
            raise ValueError(f"The lock held is on {held.directory}, not on {data_dir}")
        yield held
        return
    lock = DataDirLock.acquire(data_dir, purpose=purpose)
    try:
        yield lock
    finally:
        lock.release()
