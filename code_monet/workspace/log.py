"""One user's durable, append-only log: the single source of truth for canvas changes, delivery
and replay.

``users/{id}/log.jsonl`` holds one JSON object per line. Every line has a record number ``n``;
lines that are server messages also carry the user's ``seq`` and are exactly what the user's
sockets receive. Other lines are internal changes (``op``: ``state``, ``ack``, ``monologue``,
``strokes``). The first line is a header naming the log's **epoch** (a random id that changes
whenever history is reset or lost) and the ``seq`` before its first message.

Rules this module enforces:

* **Nothing is sent that is not written.** :meth:`UserLog.commit` writes the records with one
  ``write`` and only then numbers them for good and hands the messages to its listener (the
  channel, which fans them out). A failed write (full disk, I/O error, a bad descriptor) raises
  :class:`LogWriteError`, cuts back what was partly written, consumes no ``seq`` and sends
  nothing, so memory and disk stay the same.
* **Durability as a database's group commit:** a written line is in the page cache, so a killed
  server loses nothing; with ``durable`` on, written logs are flushed to the disk (``fdatasync``)
  about once a second by :class:`~.log_sync.GroupSync`, so a power cut loses at most that second.
* **Loading never trusts and never destroys.** A torn last line (a crash mid-append) is cut; a
  damaged line in the middle is reported with its offset, the file is *copied* aside
  (``log.jsonl.corrupt-<ts>``) before anything is rewritten, and every intact record after it
  is kept. A log that lost records the snapshot relied on, or belongs to another epoch, starts a
  new epoch, and ``seq`` then jumps past anything that could have been sent (never reused,
  never backwards).
* **Compaction by size.** When the file grows past ``max_bytes`` the workspace folds everything
  into a snapshot and the log is rewritten with its header, the newest messages (at most
  ``keep`` messages and ``window_bytes`` of text: how far back a client can resume) and the
  records written meanwhile.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic_core import to_json

# Committed and GroupSync are re-exported: the live server imports them with the log.
from code_monet.workspace.log_records import Committed as Committed
from code_monet.workspace.log_records import Entry, LoadResult, record_line
from code_monet.workspace.log_sync import GroupSync as GroupSync

logger = logging.getLogger(__name__)

LOG_FILE: Final = "log.jsonl"
COMPACT_SUFFIX: Final = ".compact"
DEFAULT_KEEP: Final = 2000
DEFAULT_WINDOW_BYTES: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 4 * 1024 * 1024


class LogWriteError(Exception):
    """A record could not be written; nothing was changed or sent."""

    def __init__(self, reason: str, path: Path, error: OSError | None = None) -> None:
        super().__init__(f"{reason} (writing {path})")
        self.reason = reason
        self.path = path
        self.errno = error.errno if error is not None else None


STORAGE_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EBADF})
"""Write errors that mean the server's storage is failing (not a bug in a request)."""


def describe_os_error(error: OSError) -> str:
    """What a person should be told about a failed write."""
    match error.errno:
        case errno.ENOSPC | errno.EDQUOT:
            return "the server's disk is full"
        case errno.EROFS:
            return "the server's disk is read-only"
        case errno.EIO:
            return "the server's disk failed to write"
        case _:
            return f"the server could not write to its disk ({error.strerror or error})"


def new_epoch() -> str:
    return secrets.token_hex(8)


def jump_seq(last_seq: int) -> int:
    """The first seq after lost history: past anything a lost log could have sent. Messages are
    far fewer than one per millisecond, so the clock in milliseconds is always ahead."""
    return max(last_seq + 1, int(time.time() * 1000))


# ---------------------------------------------------------------------------- the log

CommitListener = Callable[[list[Committed]], None]
"""Called with the messages once they are written and applied (the channel's fan-out)."""

FailureListener = Callable[["LogWriteError | None"], None]
"""Called with the error when writing starts failing, and with None when it works again."""


@dataclass
class UserLog:
    """The open log of one user. Single-threaded: call it from the event loop (or one thread)."""

    path: Path
    epoch: str
    keep: int = DEFAULT_KEEP
    window_bytes: int = DEFAULT_WINDOW_BYTES
    max_bytes: int = DEFAULT_MAX_BYTES
    syncer: GroupSync | None = None
    listener: CommitListener | None = None
    on_failure: FailureListener | None = None
    _next_n: int = 1
    _next_seq: int = 1
    _size: int = 0
    _fd: int | None = None
    _recent: deque[tuple[int, str]] = field(default_factory=deque)
    _recent_bytes: int = 0
    _window_start: int = 1
    """The oldest seq a client may resume after (``last_seq + 1 >= _window_start``)."""
    _failed: LogWriteError | None = None
    _capture: list[str] | None = None
    _dirty_tail: bool = False

    # ------------------------------------------------------------------ opening

    @classmethod
    def create(
        cls, path: Path, *, epoch: str, base_seq: int, next_n: int = 1, **options: object
    ) -> UserLog:
        """Start a fresh file (blocking): a header and nothing else."""
        log = cls._new(path, epoch, options)
        log._next_n, log._next_seq = next_n, base_seq + 1
        log._window_start = base_seq + 1
        data = (_header(epoch, base_seq) + "\n").encode()
        _atomic_replace(path, data)
        log._size = len(data)
        return log

    @classmethod
    def resume(cls, path: Path, loaded: LoadResult, **options: object) -> UserLog:
        """Continue an intact file that was just read."""
        log = cls._new(path, loaded.epoch, options)
        log._next_n = loaded.last_n + 1
        log._next_seq = loaded.last_seq + 1
        log._size = path.stat().st_size
        messages = [(r.seq, r.text) for r in loaded.records if r.seq is not None]
        log._window_start = messages[0][0] if messages else log._next_seq
        for seq, text in messages:
            log._remember(seq, text)
        return log

    @classmethod
    def _new(cls, path: Path, epoch: str, options: Mapping[str, object]) -> UserLog:
        log = cls(path=path, epoch=epoch)
        for name, value in options.items():
            if name not in {"keep", "window_bytes", "max_bytes", "syncer"}:
                raise TypeError(f"Unknown log option {name!r}")
            setattr(log, name, value)
        return log

    # ------------------------------------------------------------------ reading

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    @property
    def last_n(self) -> int:
        return self._next_n - 1

    @property
    def size(self) -> int:
        return self._size

    @property
    def failing(self) -> LogWriteError | None:
        """The last write error while writing keeps failing (None when healthy)."""
        return self._failed

    @property
    def needs_compaction(self) -> bool:
        return self._size > self.max_bytes and self._capture is None

    def since(self, last_seq: int) -> list[str] | None:
        """Messages after ``last_seq``; None when some are no longer kept, or when ``last_seq``
        is ahead of this log (another epoch, or lost history): start afresh."""
        if last_seq > self.last_seq or last_seq + 1 < self._window_start:
            return None
        if last_seq == self.last_seq:
            return []
        return [text for seq, text in self._recent if seq > last_seq]

    def _remember(self, seq: int, text: str) -> None:
        self._recent.append((seq, text))
        self._recent_bytes += len(text)
        while self._recent and (
            len(self._recent) > self.keep or self._recent_bytes > self.window_bytes
        ):
            old_seq, old = self._recent.popleft()
            self._recent_bytes -= len(old)
            self._window_start = old_seq + 1

    # ------------------------------------------------------------------ writing

    def commit(
        self, entries: Sequence[Entry], apply: Callable[[], None] | None = None
    ) -> list[Committed]:
        """Write ``entries`` as one append; then give messages their ``seq`` for good, apply
        the change to memory (``apply``) and hand the messages to the listener, in that order.
        Raises :class:`LogWriteError` having changed and sent nothing."""
        n, seq = self._next_n, self._next_seq
        lines: list[str] = []
        messages: list[Committed] = []
        for entry in entries:
            if entry.message:
                text = record_line(n, seq, entry.body)
                messages.append(Committed(seq, text, entry.batch_id))
                seq += 1
            else:
                text = record_line(n, None, entry.body)
            lines.append(text)
            n += 1
        data = ("\n".join(lines) + "\n").encode()
        try:
            self._write(data)
        except OSError as exc:
            error = LogWriteError(describe_os_error(exc), self.path, exc)
            self._fail(error)
            raise error from exc
        self._next_n, self._next_seq = n, seq
        self._size += len(data)
        if self._capture is not None:
            self._capture.extend(lines)
        for message in messages:
            self._remember(message.seq, message.text)
        if self.syncer is not None:
            self.syncer.mark(self.path)
        if apply is not None:
            apply()
        if self._failed is not None:
            self._failed = None
            if self.on_failure is not None:
                self.on_failure(None)
        if messages and self.listener is not None:
            try:
                self.listener(messages)
            except Exception:  # written and applied: a fan-out bug must not undo that
                logger.exception("Sending logged messages of %s failed", self.path)
        return messages

    def _write(self, data: bytes) -> None:
        fd = self._open()
        start = self._size
        try:
            if self._dirty_tail:  # an earlier failed write could not be cut back
                os.ftruncate(fd, start)
                self._dirty_tail = False
            written = 0
            while written < len(data):
                count = os.write(fd, data[written:])
                if count <= 0:
                    raise OSError(errno.ENOSPC, "No space left on device")
                written += count
        except OSError:
            self._cut_back(start)
            raise

    def _cut_back(self, size: int) -> None:
        """Remove a partly written record, so the file ends where memory says it does."""
        fd = self._fd
        try:
            if fd is None:
                raise OSError(errno.EBADF, "log not open")
            os.ftruncate(fd, size)
        except OSError:
            self._dirty_tail = True
            self._close_fd()

    def _open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC)
            os.fchmod(self._fd, 0o600)
        return self._fd

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                logger.warning("Closing %s failed", self.path)

    def _fail(self, error: LogWriteError) -> None:
        logger.error("Write to %s failed: %s", self.path, error.reason)
        if error.errno == errno.EBADF:
            self._fd = None  # the descriptor is not ours any more: never close it again
        first = self._failed is None
        self._failed = error
        if first and self.on_failure is not None:
            self.on_failure(error)

    def close(self) -> None:
        self._close_fd()

    # ------------------------------------------------------------------ compaction

    def begin_compaction(self) -> tuple[int, list[str]]:
        """Start compacting: ``(last_n, window lines)`` to write beside a snapshot folded at
        ``last_n``. Records committed until :meth:`finish_compaction` are captured."""
        self._capture = []
        return self.last_n, [text for _, text in self._recent]

    def write_compacted(self, window: Sequence[str]) -> Path:
        """(Worker thread.) Write the new file beside the log: header plus window."""
        target = self.path.with_name(self.path.name + COMPACT_SUFFIX)
        first_seq = self._window_start if window else self._next_seq
        body = _header(self.epoch, first_seq - 1) + "\n" + "".join(t + "\n" for t in window)
        with target.open("wb") as handle:
            handle.write(body.encode())
            handle.flush()
            if self.syncer is not None:
                os.fsync(handle.fileno())
        return target

    def finish_compaction(self, written: Path | None) -> None:
        """(Event loop.) Append what was committed meanwhile and switch to the new file; with
        ``written`` None (the compaction failed) keep the old file."""
        captured, self._capture = self._capture or [], None
        if written is None:
            return
        try:
            extra = "".join(t + "\n" for t in captured).encode()
            if extra:
                fd = os.open(written, os.O_WRONLY | os.O_APPEND)
                try:
                    if os.write(fd, extra) != len(extra):
                        raise OSError(errno.ENOSPC, "short write while compacting")
                finally:
                    os.close(fd)
            written.replace(self.path)
        except OSError as exc:
            logger.error("Could not finish compacting %s: %s", self.path, exc)
            written.unlink(missing_ok=True)
            return
        self._close_fd()
        self._size = self.path.stat().st_size
        self._dirty_tail = False
        if self.syncer is not None:
            self.syncer.mark(self.path)


def _header(epoch: str, base_seq: int) -> str:
    return to_json({"n": 0, "op": "epoch", "epoch": epoch, "base_seq": base_seq}).decode()


def _atomic_replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.chmod(0o600)
    tmp.replace(path)
