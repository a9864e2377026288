"""``workspace.json``: the snapshot a user's log is folded into (written when the log is
compacted and when the session ends), and the offline tools' access to a workspace on disk
(export, import) without loading it into a server.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from code_monet.types.state import WorkspaceFile, utc_now
from code_monet.workspace.canvas_strokes import CanvasStrokes
from code_monet.workspace.contents import WorkspaceContents
from code_monet.workspace.legacy import LEGACY_EVENTS_FILE, migrate_legacy_files
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import LOG_FILE, UserLog
from code_monet.workspace.log_records import LoadResult, parse_record
from code_monet.workspace.persistence import atomic_write_bytes, move_aside
from code_monet.workspace.strokes import WorkspaceLimitError

logger = logging.getLogger(__name__)

WORKSPACE_FILE = "workspace.json"


@dataclass
class SnapshotWriter:
    """Folds a live workspace into ``workspace.json`` and compacts its log; bounds the
    snapshot's size. Writes no log records (only :class:`WorkspaceState` does)."""

    user_id: str
    directory: Path
    contents: WorkspaceContents
    log: UserLog
    limits: WorkspaceLimits
    durable: bool = True
    snapshot_bytes: int = 0
    """The size of the last snapshot written (or read on load)."""
    compacting: asyncio.Task[bool] | None = field(default=None, repr=False)
    """The compaction running in the background, if any."""

    def check_growth(self, growth: int) -> None:
        """Refuse growth that would take a snapshot past ``max_workspace_bytes`` (estimated
        from the last snapshot and what was added since; exact enough to bound the disk)."""
        estimate = self.snapshot_bytes + self.contents.growth + growth
        if estimate > self.limits.max_workspace_bytes:
            raise WorkspaceLimitError(
                f"Workspace for user {self.user_id} would be about {estimate} bytes; the limit "
                f"is {self.limits.max_workspace_bytes} bytes"
            )

    async def save(self) -> None:
        """Fold everything into a snapshot and compact the log (the session ends)."""
        if self.compacting is not None and not self.compacting.done():
            await asyncio.shield(self.compacting)
        await self.compact()

    def schedule_compaction(self) -> None:
        """Compact in the background (once at a time) when the log has grown too big."""
        if self.log.needs_compaction and (self.compacting is None or self.compacting.done()):
            self.compacting = asyncio.get_running_loop().create_task(
                self.compact(), name=f"compact-{self.user_id}"
            )

    async def compact(self) -> bool:
        """Write a snapshot folded at the log's newest record, then rewrite the log with only
        its replay window (plus whatever is written meanwhile). False when it failed; the old
        snapshot and log are then untouched and still consistent."""
        n, window = self.log.begin_compaction()
        data, strokes = self._capture(n)
        written: Path | None = None
        try:
            await asyncio.to_thread(self._write, data, strokes)
            written = await asyncio.to_thread(self.log.write_compacted, window)
        except (OSError, WorkspaceLimitError) as exc:
            logger.error("Compacting the log of user %s failed: %s", self.user_id, exc)
            return False
        finally:
            self.log.finish_compaction(written)
        return written is not None

    def fold_sync(self) -> None:
        """(Loading, blocking.) A snapshot of the state as of the log's newest record."""
        data, strokes = self._capture(self.log.last_n)
        self._write(data, strokes)

    def _capture(self, n: int) -> tuple[WorkspaceFile, CanvasStrokes]:
        """The state as of log record ``n`` (on the event loop: nothing changes meanwhile)."""
        data, strokes = self.contents.to_file()
        data.log_n, data.log_epoch, data.last_seq = n, self.log.epoch, self.log.last_seq
        data.updated_at = utc_now()
        return data, strokes

    def _write(self, data: WorkspaceFile, strokes: CanvasStrokes) -> None:
        payload = encode_snapshot(data, strokes)
        if len(payload) > self.limits.max_workspace_bytes:
            raise WorkspaceLimitError(
                f"Workspace for user {self.user_id} would be {len(payload)} bytes; the limit "
                f"is {self.limits.max_workspace_bytes} bytes"
            )
        atomic_write_bytes(self.directory / WORKSPACE_FILE, payload, durable=self.durable)
        self.snapshot_bytes = len(payload)
        self.contents.growth = 0


def encode_snapshot(data: WorkspaceFile, strokes: CanvasStrokes) -> bytes:
    """``workspace.json`` bytes from the strokes' JSON kept in memory, so a snapshot costs
    copying, not re-encoding the whole canvas (runs in a worker thread)."""
    canvas_fields = data.canvas.model_dump_json(exclude={"strokes"})
    rest = data.model_dump_json(exclude={"canvas"})
    head = canvas_fields[:-1] + ("," if canvas_fields != "{}" else "")
    body = rest[1:-1]
    return (
        '{"canvas":'
        + head
        + '"strokes":['
        + ",".join(strokes.encoded())
        + "]}"
        + ("," + body if body else "")
        + "}"
    ).encode()


def workspace_exists(directory: Path) -> bool:
    """Whether a user directory holds a workspace (a snapshot or a log)."""
    return any(
        (directory / name).exists()
        for name in (WORKSPACE_FILE, LOG_FILE, LEGACY_EVENTS_FILE, "journal.jsonl")
    )


def read_workspace_file(directory: Path, limits: WorkspaceLimits) -> WorkspaceFile | None:
    """A workspace on disk as the server would load it (snapshot plus log), without changing
    anything; None when there is none. Raises ``ValueError`` for a damaged snapshot."""
    path, log_path = directory / WORKSPACE_FILE, directory / LOG_FILE
    if not workspace_exists(directory):
        return None
    data = (
        WorkspaceFile.model_validate_json(path.read_bytes()) if path.exists() else WorkspaceFile()
    )
    migrate_legacy_files(directory, data, limits.max_monologue_chars, dry_run=True)
    return _fold_offline(data, _peek_log(log_path), limits)


def replace_workspace_file(directory: Path, data: WorkspaceFile) -> None:
    """Replace a workspace on disk (an import; the server must not be running for it): the
    snapshot is written and the old log moved aside, so the next load starts a new epoch."""
    data.log_epoch, data.log_n = "", 0
    atomic_write_bytes(directory / WORKSPACE_FILE, data.model_dump_json().encode())
    log_path = directory / LOG_FILE
    if log_path.exists():
        move_aside(log_path, "the workspace was replaced by an import")


def _peek_log(path: Path) -> LoadResult:
    """Read a log without cutting or copying anything (offline tools)."""
    result = LoadResult(epoch="", base_seq=0, records=[])
    if not path.exists():
        return result
    for line in path.read_bytes().split(b"\n"):
        record = parse_record(line)
        if record is None:
            continue
        if record.n == 0 and record.data.get("op") == "epoch":
            epoch = record.data.get("epoch")
            result.epoch = epoch if isinstance(epoch, str) else ""
        else:
            result.records.append(record)
    result.found = True
    return result


def _fold_offline(
    data: WorkspaceFile, loaded: LoadResult, limits: WorkspaceLimits
) -> WorkspaceFile:
    """Apply a log's records newer than the snapshot to ``data`` (no files touched; a damaged
    record is skipped, as on load)."""
    if not loaded.epoch or loaded.epoch != (data.log_epoch or loaded.epoch):
        return data
    contents = WorkspaceContents.from_file(data, limits.max_monologue_chars)
    for record in loaded.records:
        if record.n > data.log_n:
            try:
                contents.apply_record(record.data)
            except (ValueError, TypeError, KeyError):
                continue
    folded, strokes = contents.to_file()
    folded.canvas.strokes = strokes.paths()
    folded.log_n, folded.log_epoch = data.log_n, loaded.epoch
    folded.last_seq = max(data.last_seq, loaded.last_seq)
    folded.updated_at = utc_now()
    return folded
