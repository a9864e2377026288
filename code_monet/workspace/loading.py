"""Opening a user's workspace files: which snapshot, which log, which records to replay.

Damage is copied aside and reported, never silently dropped. The log continues the snapshot
only when both agree (same epoch, nothing lost); otherwise a new epoch starts with numbering
past anything a viewer may have seen. :meth:`WorkspaceState.load_for_user
<code_monet.workspace.state.WorkspaceState.load_for_user>` replays what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from code_monet.types.state import AgentStatus, PauseReason, WorkspaceFile
from code_monet.workspace.legacy import LEGACY_EVENTS_FILE, LegacyFiles, migrate_legacy_files
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import (
    COMPACT_SUFFIX,
    DEFAULT_KEEP,
    DEFAULT_MAX_BYTES,
    DEFAULT_WINDOW_BYTES,
    LOG_FILE,
    UserLog,
    jump_seq,
    new_epoch,
)
from code_monet.workspace.log_records import Record, copy_aside, read_log
from code_monet.workspace.log_sync import GroupSync
from code_monet.workspace.persistence import move_aside, remove_stale_temp_files
from code_monet.workspace.snapshot import WORKSPACE_FILE


@dataclass(frozen=True, slots=True)
class LogOptions:
    """How the user's log is kept (from the server's settings)."""

    keep: int = DEFAULT_KEEP
    window_bytes: int = DEFAULT_WINDOW_BYTES
    max_bytes: int = DEFAULT_MAX_BYTES
    syncer: GroupSync | None = None


@dataclass
class OpenedFiles:
    """A workspace's files, read and reconciled: the snapshot, the log to continue and the
    log records to replay on top of the snapshot."""

    data: WorkspaceFile
    log: UserLog
    records: list[Record]
    legacy: LegacyFiles
    warnings: list[str] = field(default_factory=list)
    brand_new: bool = False
    """Nothing was on disk."""
    snapshot_bytes: int = 0
    refold: bool = False
    """The log was started anew: once replayed, the state must be written as the snapshot of
    the new log (then :meth:`finish_migration`)."""

    def finish_migration(self, directory: Path) -> None:
        """Remove the old layout's files once a snapshot includes them."""
        (directory / LEGACY_EVENTS_FILE).unlink(missing_ok=True)
        self.legacy.remove_journal()


def open_files(
    user_id: str, directory: Path, limits: WorkspaceLimits, durable: bool, options: LogOptions
) -> OpenedFiles:
    """Read a user's snapshot and log (blocking), creating the directory and a log if needed."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_stale_temp_files(directory)
    (directory / (LOG_FILE + COMPACT_SUFFIX)).unlink(missing_ok=True)
    path, log_path = directory / WORKSPACE_FILE, directory / LOG_FILE
    warnings: list[str] = []
    snapshot_found = path.exists()
    snapshot_lost = False
    data = WorkspaceFile()
    if snapshot_found:
        try:
            data = WorkspaceFile.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            moved = move_aside(path, str(exc)[:300])
            snapshot_lost = True
            warnings.append(
                f"workspace.json for user {user_id} was damaged and was moved to "
                f"{moved.name}; starting from an empty canvas"
            )
    legacy = migrate_legacy_files(directory, data, limits.max_monologue_chars)
    warnings.extend(legacy.warnings)
    loaded = read_log(log_path)
    warnings.extend(loaded.warnings)
    # The log continues this snapshot: its intact records after the snapshot apply (even
    # past a damaged one). It is kept as it is only if nothing at all was lost.
    usable = (
        not snapshot_lost
        and loaded.found
        and loaded.epoch != ""
        and loaded.epoch == (data.log_epoch or loaded.epoch)
    )
    trusted = usable and not loaded.damaged and loaded.last_n >= data.log_n
    records = [r for r in loaded.records if r.n > data.log_n] if usable else []
    if data.status in (AgentStatus.THINKING, AgentStatus.EXECUTING, AgentStatus.DRAWING):
        data.status = AgentStatus.IDLE  # no turn survives a restart
    if data.pause_reason is PauseReason.STORAGE:
        data.pause_reason = PauseReason.NONE  # writes are tried again; they pause anew
    brand_new = not snapshot_found and not loaded.found and not legacy.found
    syncer = options.syncer if durable else None
    log: UserLog
    if trusted:
        log = UserLog.resume(
            log_path,
            loaded,
            keep=options.keep,
            window_bytes=options.window_bytes,
            max_bytes=options.max_bytes,
            syncer=syncer,
        )
    else:
        last_seen = max(data.last_seq, loaded.last_seq, legacy.last_seq)
        history_reset = not brand_new
        if history_reset and loaded.found and not loaded.damaged:
            copy_aside(log_path, "its history does not match workspace.json")
        if history_reset:
            warnings.append(
                f"The history of user {user_id} was reset or damaged; viewers get a fresh "
                "start (new log epoch)"
            )
        # An old layout read cleanly knows its newest seq; anything else may have sent more.
        migrated = legacy.found and legacy.clean and not snapshot_lost and not loaded.found
        base = jump_seq(last_seen) - 1 if history_reset and not migrated else last_seen
        log = UserLog.create(
            log_path,
            epoch=new_epoch(),
            base_seq=base,
            keep=options.keep,
            window_bytes=options.window_bytes,
            max_bytes=options.max_bytes,
            syncer=syncer,
        )
        data.log_n = 0
    data.log_epoch = log.epoch
    return OpenedFiles(
        data=data,
        log=log,
        records=records,
        legacy=legacy,
        warnings=warnings,
        brand_new=brand_new,
        snapshot_bytes=path.stat().st_size if snapshot_found and not snapshot_lost else 0,
        refold=not trusted and not brand_new,
    )
