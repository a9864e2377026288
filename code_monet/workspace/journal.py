"""An append-only journal of stroke changes between full ``workspace.json`` snapshots.

Drawing is the hot path: an artist adds a batch of strokes every second or so and every viewer
acknowledges it. Rewriting the whole ``workspace.json`` (temp file, fsync, rename, fsync of the
directory) for each of those costs more than everything else the server does for the batch, and
grows with the canvas. Instead each such change appends one JSON line to ``journal.jsonl``:

* ``{"n": 7, "op": "strokes", "batch_id": 3, "strokes": [...]}`` — strokes added to the canvas
  (``batch_id`` 0: not queued for viewers);
* ``{"n": 8, "op": "ack", "up_to": 3}`` — queued batches up to ``up_to`` were animated;
* ``{"n": 9, "op": "monologue", "text": "..."}`` — text appended to the artist's monologue.

Every other change writes a full snapshot, which records the newest journal line it includes
(``journal_n``) and then empties the journal; lines at or below ``journal_n`` are skipped when
replaying, so a crash between the two steps never applies a change twice. On load the journal
is replayed onto the snapshot; a torn last line (a crash mid-append) ends the replay.

Durability: each line is handed to the operating system (``write``) before the change is
announced, so a crashed or killed server loses nothing. With ``durable`` on, journals written
to are also flushed to the disk (``fdatasync``) about ``SYNC_INTERVAL_SECONDS`` later, all of
them in one worker-thread call (like a database's group commit), so the drawing path never
waits for the disk; a power cut can lose that last second of strokes, never the workspace.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict

from pydantic import ValidationError

from code_monet.types.paths import Path as StrokePath

logger = logging.getLogger(__name__)

JOURNAL_FILE = "journal.jsonl"
MAX_JOURNAL_BYTES = 1024 * 1024
"""A journal bigger than this is folded into a fresh snapshot at the next change."""
SYNC_INTERVAL_SECONDS = 1.0


class StrokesRecord(TypedDict):
    n: int
    op: Literal["strokes"]
    batch_id: int
    strokes: list[StrokePath]


class AckRecord(TypedDict):
    n: int
    op: Literal["ack"]
    up_to: int


class MonologueRecord(TypedDict):
    n: int
    op: Literal["monologue"]
    text: str


JournalRecord = StrokesRecord | AckRecord | MonologueRecord


@dataclass
class WorkspaceJournal:
    """The journal file of one workspace; callers serialise access (the workspace lock)."""

    path: Path
    durable: bool = True
    last_n: int = 0
    """The newest line number written (or included in the snapshot)."""
    size: int = 0

    @property
    def too_big(self) -> bool:
        return self.size > MAX_JOURNAL_BYTES

    def append_strokes(self, batch_id: int, strokes_json: Sequence[str]) -> None:
        """Record strokes added to the canvas (already encoded, one JSON object each)."""
        n = self.last_n + 1
        head = f'{{"n":{n},"op":"strokes","batch_id":{batch_id},"strokes":['
        self._append(n, head + ",".join(strokes_json) + "]}\n")

    def append_ack(self, up_to: int) -> None:
        """Record that queued batches up to ``up_to`` are done."""
        n = self.last_n + 1
        self._append(n, f'{{"n":{n},"op":"ack","up_to":{up_to}}}\n')

    def append_monologue(self, text: str) -> None:
        """Record text appended to the monologue."""
        n = self.last_n + 1
        self._append(n, json.dumps({"n": n, "op": "monologue", "text": text}) + "\n")

    def _append(self, n: int, line: str) -> None:
        """One small append to the page cache, on the calling (event-loop) thread: a few
        microseconds, far cheaper than a hop to a worker thread."""
        data = line.encode()
        _append_bytes(self.path, data)
        self.last_n = n
        self.size += len(data)
        if self.durable:
            _SYNCER.mark(self.path)

    def truncate(self) -> None:
        """Empty the journal after a snapshot that includes every line (blocking: call it
        from the thread that wrote the snapshot)."""
        if self.size or self.path.exists():
            with self.path.open("wb"):
                pass
        self.size = 0


def _append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        written = os.write(fd, data)
        if written != len(data):  # regular files do not short-write short of a full disk
            raise OSError(f"Short write to {path}: {written} of {len(data)} bytes")
    finally:
        os.close(fd)


def _sync_files(paths: set[Path]) -> None:
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # removed since (an import replaced the workspace)
        try:
            os.fdatasync(fd)
        except OSError:
            logger.exception("Could not flush journal %s to disk", path)
        finally:
            os.close(fd)


@dataclass
class _GroupSync:
    """Flushes every journal written in the last interval to disk in one worker-thread call."""

    interval: float = SYNC_INTERVAL_SECONDS
    dirty: set[Path] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    _timer: asyncio.TimerHandle | None = None
    _running: set[asyncio.Future[None]] = field(default_factory=set)

    def mark(self, path: Path) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests run several): start over
            self._loop, self._timer = loop, None
        self.dirty.add(path)
        if self._timer is None:
            self._timer = loop.call_later(self.interval, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if self._loop is None or not self.dirty:
            return
        paths, self.dirty = self.dirty, set()
        future = self._loop.run_in_executor(None, _sync_files, paths)
        self._running.add(future)  # keep a reference until it is done
        future.add_done_callback(self._running.discard)


_SYNCER = _GroupSync()


@dataclass
class Replay:
    """What a journal held beyond its snapshot."""

    records: list[JournalRecord]
    last_n: int
    warning: str | None = None


def read_journal(path: Path, after_n: int) -> Replay:
    """The valid records newer than ``after_n`` (blocking). A damaged line ends the replay:
    only the last line can be torn by a crash, and nothing after a damaged line is trusted."""
    records: list[JournalRecord] = []
    last_n = after_n
    if not path.exists():
        return Replay(records, last_n)
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        record = _parse_line(raw)
        if record is None:
            warning = f"{path.name} line {number} is damaged; later lines were ignored"
            logger.warning("Journal %s: %s", path, warning)
            return Replay(records, last_n, warning)
        if record["n"] <= after_n:
            continue  # already in the snapshot (a crash came between snapshot and truncate)
        records.append(record)
        last_n = record["n"]
    return Replay(records, last_n)


def _parse_line(raw: bytes) -> JournalRecord | None:
    try:
        value = json.loads(raw)
        if not isinstance(value, dict):
            return None
        n, op = value.get("n"), value.get("op")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            return None
        if op == "ack":
            up_to = value.get("up_to")
            if not isinstance(up_to, int) or isinstance(up_to, bool):
                return None
            return AckRecord(n=n, op="ack", up_to=up_to)
        if op == "monologue":
            text = value.get("text")
            if not isinstance(text, str):
                return None
            return MonologueRecord(n=n, op="monologue", text=text)
        if op == "strokes":
            batch_id = value.get("batch_id")
            if not isinstance(batch_id, int) or isinstance(batch_id, bool) or batch_id < 0:
                return None
            strokes = [StrokePath.model_validate(item) for item in value.get("strokes", [])]
            return StrokesRecord(n=n, op="strokes", batch_id=batch_id, strokes=strokes)
    except (ValueError, TypeError, ValidationError):
        return None
    return None
