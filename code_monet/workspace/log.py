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
  about once a second by :class:`GroupSync`, so a power cut loses at most that second.
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

import asyncio
import errno
import json
import logging
import os
import secrets
import shutil
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from pydantic import BaseModel
from pydantic_core import to_json

logger = logging.getLogger(__name__)

LOG_FILE: Final = "log.jsonl"
COMPACT_SUFFIX: Final = ".compact"
DEFAULT_KEEP: Final = 2000
DEFAULT_WINDOW_BYTES: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 4 * 1024 * 1024
SYNC_INTERVAL_SECONDS: Final = 1.0

JsonObject = dict[str, object]


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


# ---------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Entry:
    """A record to write: a JSON object's text without ``n``/``seq``."""

    body: str
    message: bool
    batch_id: int = 0
    """For a ``strokes`` message: its batch (so the channel need not parse the frame)."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A message as written: its ``seq``, its text (what sockets receive) and its batch."""

    seq: int
    text: str
    batch_id: int = 0


def message_entry(message: BaseModel) -> Entry:
    """A server message (its ``seq`` is given when it is written)."""
    return Entry(message.model_dump_json(exclude={"seq"}), message=True)


def fields_entry(fields: Mapping[str, object], *, message: bool, batch_id: int = 0) -> Entry:
    """A record from JSON-ready fields (hot path: no model validation)."""
    # pydantic-core's encoder: the same compact JSON as ``json.dumps``, several times faster.
    return Entry(to_json(dict(fields)).decode(), message=message, batch_id=batch_id)


def op_entry(op: str, **fields: object) -> Entry:
    """An internal record (not sent to anyone)."""
    return fields_entry({"op": op, **fields}, message=False)


def _line(n: int, seq: int | None, body: str) -> str:
    head = f'{{"n":{n},"seq":{seq}' if seq is not None else f'{{"n":{n}'
    return head + ("," + body[1:] if body != "{}" else "}")


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Record:
    """A record read back from the file."""

    n: int
    seq: int | None
    data: JsonObject
    text: str


def parse_record(raw: bytes) -> Record | None:
    """One line as a record; None when it is damaged."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    n, seq = value.get("n"), value.get("seq")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        return None
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1):
        return None
    if seq is None and not isinstance(value.get("op"), str):
        return None
    if seq is not None and not isinstance(value.get("type"), str):
        return None
    return Record(n, seq, value, text)


@dataclass
class LoadResult:
    """What was read from a log file, and what happened to it."""

    epoch: str
    base_seq: int
    records: list[Record]
    warnings: list[str] = field(default_factory=list)
    damaged: bool = False
    """Some line in the middle was damaged (copied aside, skipped)."""
    torn_tail: bool = False
    found: bool = False

    @property
    def last_n(self) -> int:
        return self.records[-1].n if self.records else 0

    @property
    def last_seq(self) -> int:
        seqs = [r.seq for r in self.records if r.seq is not None]
        return max(seqs, default=self.base_seq)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def copy_aside(path: Path, why: str) -> Path:
    """Copy a damaged file to ``<name>.corrupt-<timestamp>`` (before anything rewrites it)."""
    target = path.with_name(f"{path.name}.corrupt-{_stamp()}")
    shutil.copyfile(path, target)
    logger.error("Copied damaged file %s aside to %s: %s", path, target.name, why)
    return target


def read_log(path: Path) -> LoadResult:
    """Read a log file (blocking). Cuts a torn tail in place; copies a file with a damaged
    middle line aside and reports it; never loses an intact record."""
    result = LoadResult(epoch="", base_seq=0, records=[])
    if not path.exists():
        return result
    result.found = True
    raw = path.read_bytes()
    parsed: list[tuple[int, Record | None]] = []
    offset = 0
    for line in raw.split(b"\n")[:-1]:  # what follows the last newline is a torn write
        parsed.append((offset, parse_record(line)))
        offset += len(line) + 1
    keep_bytes = offset
    while parsed and parsed[-1][1] is None:  # a damaged last line is a torn write too
        keep_bytes = parsed.pop()[0]
    if keep_bytes < len(raw):
        result.torn_tail = True
        logger.warning("Cutting a torn last record of %s at byte %d", path, keep_bytes)
        with path.open("r+b") as handle:
            handle.truncate(keep_bytes)
    for offset, record in parsed:
        if record is None:
            if not result.damaged:
                copy_aside(path, f"damaged record at byte {offset}")
            result.damaged = True
            message = f"{path.name}: damaged record at byte {offset} was skipped"
            logger.error("%s (%s)", message, path)
            result.warnings.append(message)
        elif record.n == 0 and record.data.get("op") == "epoch":
            epoch, base = record.data.get("epoch"), record.data.get("base_seq")
            if isinstance(epoch, str) and isinstance(base, int) and not result.records:
                result.epoch, result.base_seq = epoch, base
        elif result.records and record.n <= result.records[-1].n:
            result.damaged = True
            result.warnings.append(f"{path.name}: record {record.n} out of order at {offset}")
        else:
            result.records.append(record)
    return result


# ---------------------------------------------------------------------------- the log

CommitListener = Callable[[list[Committed]], None]
"""Called with the messages once they are written and applied (the channel's fan-out)."""

FailureListener = Callable[["LogWriteError | None"], None]
"""Called with the error when writing starts failing, and with None when it works again."""


@dataclass
class GroupSync:
    """Flushes every log written in the last interval to disk in one worker-thread call (like a
    database's group commit), so the drawing path never waits for the disk. One per server."""

    interval: float = SYNC_INTERVAL_SECONDS
    on_error: Callable[[Path, OSError], None] | None = None
    dirty: set[Path] = field(default_factory=set)
    _timer: asyncio.TimerHandle | None = None
    _running: set[asyncio.Future[None]] = field(default_factory=set)

    def mark(self, path: Path) -> None:
        self.dirty.add(path)
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a command-line tool): flush now
                self.flush_now()
                return
            self._timer = loop.call_later(self.interval, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if not self.dirty:
            return
        paths, self.dirty = self.dirty, set()
        future = asyncio.get_running_loop().run_in_executor(None, self._sync_files, paths)
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def flush_now(self) -> None:
        paths, self.dirty = self.dirty, set()
        self._sync_files(paths)

    async def drain(self) -> None:
        """Flush everything now (shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        paths, self.dirty = self.dirty, set()
        if paths:
            await asyncio.to_thread(self._sync_files, paths)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _sync_files(self, paths: set[Path]) -> None:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # replaced since (compaction): its successor was synced
            except OSError as exc:
                self._report(path, exc)
                continue
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self._report(path, exc)
            finally:
                os.close(fd)

    def _report(self, path: Path, error: OSError) -> None:
        logger.error("Could not flush %s to disk: %s", path, error)
        if self.on_error is not None:
            self.on_error(path, error)


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
                text = _line(n, seq, entry.body)
                messages.append(Committed(seq, text, entry.batch_id))
                seq += 1
            else:
                text = _line(n, None, entry.body)
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
