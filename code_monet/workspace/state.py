"""One user's studio state — the live canvas, the artist's state, the stroke queue — kept in
memory and made durable through the user's log.

Layout: ``<data dir>/users/{user_id}/workspace.json`` (a snapshot), ``log.jsonl`` (every change
and message since, see :mod:`code_monet.workspace.log`) and ``gallery/piece_000001.json``.

Every change is first written to the log and only then applied to memory, by the same
:meth:`WorkspaceState._apply` that replays the log on load: what a viewer was sent, what is on
disk and what is in memory can never disagree. A failed write raises
:class:`~code_monet.workspace.log.LogWriteError` and changes nothing. The snapshot is only a fold of
the log: written when the log is compacted and when the session ends.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from code_monet.types.messages import (
    ClearMessage,
    GalleryUpdateMessage,
    HumanStrokeMessage,
    NewCanvasMessage,
    PausedMessage,
    PieceStateMessage,
    PieceTitleMessage,
    StyleChangeMessage,
)
from code_monet.types.paths import Author
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import (
    AgentStatus,
    CanvasState,
    GalleryEntry,
    PauseReason,
    PersistedPendingStroke,
    SavedCanvas,
    WorkspaceFile,
    clamp_canvas_size,
    utc_now,
)
from code_monet.types.styles import DrawingStyleType, get_style_config
from code_monet.workspace.canvas_strokes import CanvasStrokes
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.legacy import LEGACY_EVENTS_FILE, migrate_legacy_files
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import (
    COMPACT_SUFFIX,
    DEFAULT_KEEP,
    DEFAULT_MAX_BYTES,
    DEFAULT_WINDOW_BYTES,
    LOG_FILE,
    Entry,
    GroupSync,
    LoadResult,
    Record,
    UserLog,
    copy_aside,
    fields_entry,
    jump_seq,
    message_entry,
    new_epoch,
    op_entry,
    parse_record,
    read_log,
)
from code_monet.workspace.persistence import (
    atomic_write_bytes,
    move_aside,
    remove_stale_temp_files,
    user_directory,
)
from code_monet.workspace.stroke_queue import QueuedBatch, StrokeQueue, StrokesAnnouncement
from code_monet.workspace.strokes import (
    PendingBatch,
    PreparedStrokes,
    StaleCanvasError,
    WorkspaceLimitError,
    check_paths,
    check_pending_capacity,
    check_stroke_capacity,
    prepare_strokes,
    prepare_strokes_async,
)

logger = logging.getLogger(__name__)

WORKSPACE_FILE = "workspace.json"
MAX_TURN_DRAWS = 256
"""Fingerprints kept of one turn's batches (a turn draws a handful)."""

PieceSavedHook = Callable[[str, GalleryEntry], Awaitable[None]]
"""Called with ``(user_id, entry)`` after a piece is written to the gallery."""


class StateChange(BaseModel):
    """The fields an ``op: state`` record sets (unset fields are left alone). ``canvas``
    replaces the canvas with an empty one of that size and style (a new piece)."""

    model_config = ConfigDict(extra="forbid")

    pause_reason: PauseReason | None = None
    piece_number: int | None = Field(default=None, ge=1)
    piece_completed: bool | None = None
    piece_saved: bool | None = None
    title: str | None = None
    prompt: str | None = None
    notes: str | None = None
    turn_index: int | None = Field(default=None, ge=0)
    artist_progress: str | None = None
    turn_draws: list[str] | None = None
    drawing_style: DrawingStyleType | None = None
    canvas: CanvasState | None = None


@dataclass(frozen=True, slots=True)
class LogOptions:
    """How the user's log is kept (from the server's settings)."""

    keep: int = DEFAULT_KEEP
    window_bytes: int = DEFAULT_WINDOW_BYTES
    max_bytes: int = DEFAULT_MAX_BYTES
    syncer: GroupSync | None = None


class WorkspaceState:
    """One user's studio state. Create it with :meth:`load_for_user`."""

    def __init__(
        self,
        user_id: str,
        directory: Path,
        data: WorkspaceFile,
        log: UserLog,
        limits: WorkspaceLimits,
        *,
        durable: bool = True,
    ) -> None:
        self.user_id = user_id
        self.directory = directory
        self._strokes = CanvasStrokes.of(data.canvas.strokes)
        data.canvas.strokes = []  # the canvas's strokes live in ``_strokes`` (as JSON)
        self.queue = StrokeQueue()
        """Batches not yet animated by every viewer: owned by the user's channel; the
        workspace only applies log records to it (see :mod:`code_monet.workspace.stroke_queue`)."""
        for batch_id, paths in _group_pending(data.pending_strokes):
            self.queue.append(_pending_batch(batch_id, prepare_strokes(paths)))
        data.pending_strokes = []
        self._data = data
        self.log = log
        self._limits = limits
        self._durable = durable
        self._lock = asyncio.Lock()
        self._compacting: asyncio.Task[bool] | None = None
        self._snapshot_bytes = 0
        self._growth = 0
        """Bytes of strokes added since the last snapshot (for the size-limit estimate)."""
        self.gallery = GalleryStore(directory / "gallery", durable=durable)
        self.load_warnings: list[str] = []
        self.piece_saved_hooks: list[PieceSavedHook] = []
        self.fresh = False
        """True when this workspace was just created (nothing on disk yet)."""
        self.canvas_generation = 0
        """Bumped whenever a new canvas begins (in memory: a tool call in flight across a new
        piece must not draw on it; nothing is in flight across a restart)."""
        self._replayable: set[str] = set()
        """Batches the current turn drew before the server stopped: when the interrupted turn
        runs again, drawing one of them again is skipped (it is on the canvas already)."""

    # ------------------------------------------------------------------ loading

    @classmethod
    async def load_for_user(
        cls,
        user_id: str | uuid.UUID,
        *,
        data_dir: Path,
        limits: WorkspaceLimits | None = None,
        durable: bool = True,
        log_options: LogOptions | None = None,
    ) -> WorkspaceState:
        """Load (or create) a user's workspace. Damage is copied aside and reported.

        ``limits`` defaults to the built-in limits; the server passes its configured ones."""
        directory = user_directory(data_dir, user_id)
        return await asyncio.to_thread(
            cls._load_sync,
            str(uuid.UUID(str(user_id))),
            directory,
            limits or WorkspaceLimits(),
            durable,
            log_options or LogOptions(),
        )

    @classmethod
    def _load_sync(
        cls,
        user_id: str,
        directory: Path,
        limits: WorkspaceLimits,
        durable: bool,
        options: LogOptions,
    ) -> WorkspaceState:
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
        log: UserLog
        history_reset = False
        if trusted:
            log = UserLog.resume(
                log_path,
                loaded,
                keep=options.keep,
                window_bytes=options.window_bytes,
                max_bytes=options.max_bytes,
                syncer=options.syncer if durable else None,
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
                syncer=options.syncer if durable else None,
            )
            data.log_n = 0
        data.log_epoch = log.epoch
        state = cls(user_id, directory, data, log, limits, durable=durable)
        for record in records:
            state._replay(record)
        state._replayable = set(state._data.turn_draws)
        state.load_warnings = warnings
        state.fresh = brand_new
        if snapshot_found and not snapshot_lost:
            state._snapshot_bytes = path.stat().st_size
        if not trusted and not brand_new:
            state._fold_sync()  # the snapshot now matches the new log
            (directory / LEGACY_EVENTS_FILE).unlink(missing_ok=True)
            legacy.remove_journal()
        return state

    def _replay(self, record: Record) -> None:
        """Apply one record read back from the log (damaged fields: the record is skipped)."""
        try:
            self._apply_data(record.data)
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            logger.error("Skipping log record %d of user %s: %s", record.n, self.user_id, exc)

    def _apply_data(self, data: dict[str, object]) -> None:
        kind, op = data.get("type"), data.get("op")
        if kind == "strokes":
            items = data.get("strokes")
            batch_id = data.get("batch_id")
            if not isinstance(items, list) or not isinstance(batch_id, int):
                raise ValueError("a strokes record needs strokes and batch_id")
            paths = [StrokePath.model_validate(item["path"]) for item in items]
            batch = _pending_batch(batch_id, prepare_strokes(paths))
            self._add_drawn(paths, batch, _digest_field(data))
        elif kind == "human_stroke":
            self._add([StrokePath.model_validate(data["path"])], None)
        elif kind == "clear":
            self._clear()
        elif op == "strokes":
            items = data.get("strokes")
            if not isinstance(items, list):
                raise ValueError("a strokes record needs strokes")
            paths = [StrokePath.model_validate(item) for item in items]
            self._add_drawn(paths, None, _digest_field(data))
        elif op == "state":
            self._set(StateChange.model_validate(data.get("set")))
        elif op == "ack":
            up_to = data.get("up_to")
            if not isinstance(up_to, int):
                raise ValueError("an ack record needs up_to")
            self.queue.ack(up_to)
        elif op == "monologue":
            text = data.get("text")
            if not isinstance(text, str):
                raise ValueError("a monologue record needs text")
            self._data.monologue = _append_text(
                self._data.monologue, text, self._limits.max_monologue_chars
            )
        # other messages (thinking, tool events, …) change nothing here

    # ------------------------------------------------------------------ applying changes

    def _add(
        self,
        paths: Sequence[StrokePath],
        batch: PendingBatch | None,
        encoded: Sequence[str] | None = None,
        announcement: StrokesAnnouncement | None = None,
    ) -> None:
        if encoded is None:
            self._strokes.extend(paths)
        else:
            self._strokes.extend_encoded(encoded, sum(p.author is Author.HUMAN for p in paths))
        self._growth += sum(len(p.points) for p in paths) * 24
        if batch is not None:
            self.queue.append(batch, announcement)
            self._data.next_batch_id = max(self._data.next_batch_id, batch.batch_id + 1)

    def _add_drawn(
        self,
        paths: Sequence[StrokePath],
        batch: PendingBatch | None,
        digest: str | None,
        encoded: Sequence[str] | None = None,
        announcement: StrokesAnnouncement | None = None,
    ) -> None:
        self._add(paths, batch, encoded, announcement)
        if digest is not None:  # what the current turn drew (see ``_replayable``)
            self._data.turn_draws = [*self._data.turn_draws[-MAX_TURN_DRAWS + 1 :], digest]

    def _clear(self) -> None:
        self._strokes.clear()
        self.queue.clear()

    def _set(self, change: StateChange) -> None:
        data = self._data
        for name in change.model_fields_set:
            value = getattr(change, name)
            if name == "canvas":
                if value is None:
                    continue
                data.canvas = value.model_copy(update={"strokes": []})
                self._clear()
                self.canvas_generation += 1
            elif name == "drawing_style":
                if value is not None:
                    data.canvas.drawing_style = value
            elif name == "notes":
                data.notes = value or ""
            elif name == "turn_draws":
                data.turn_draws = list(value or [])
            else:
                setattr(data, name, value)
        data.updated_at = utc_now()

    def _commit(self, entries: Sequence[Entry], apply: Callable[[], None]) -> None:
        """Write ``entries``; then apply the change to memory; then send the messages."""
        self.log.commit(entries, apply=apply)
        if self.log.needs_compaction:
            self._schedule_compaction()

    def publish(self, *messages: BaseModel) -> None:
        """Write messages that change no state (thinking, tool events, …); the log's listener
        sends them once written."""
        self._commit([message_entry(m) for m in messages], _nothing)

    def _change(self, change: StateChange, *messages: BaseModel) -> None:
        entries = [
            op_entry("state", set=_change_fields(change)),
            *(message_entry(m) for m in messages),
        ]
        self._commit(entries, lambda: self._set(change))

    # ------------------------------------------------------------------ read-only views

    @property
    def canvas(self) -> CanvasState:
        """A snapshot of the canvas with its strokes decoded (CPU-bound for big canvases:
        prefer :meth:`canvas_snapshot` on the event loop)."""
        return self._data.canvas.model_copy(update={"strokes": self._strokes.paths()})

    async def canvas_snapshot(self) -> CanvasState:
        """:attr:`canvas`, decoded off the event loop when it is big."""
        canvas = self._data.canvas.model_copy()
        canvas.strokes = await self.stroke_paths()
        return canvas

    async def stroke_paths(self) -> list[StrokePath]:
        """:attr:`strokes`, decoded off the event loop when the canvas is big."""
        return await self._strokes.snapshot().paths_async()

    def strokes_json(self) -> str:
        """The canvas's strokes as one JSON array (no decoding: for building frames)."""
        return self._strokes.json_array()

    @property
    def strokes(self) -> list[StrokePath]:
        """The canvas's strokes, decoded (a fresh list of fresh models on every call)."""
        return self._strokes.paths()

    @property
    def stroke_count(self) -> int:
        return len(self._strokes)

    @property
    def human_stroke_count(self) -> int:
        """Strokes people drew on the current canvas."""
        return self._strokes.human_count

    @property
    def drawing_style(self) -> DrawingStyleType:
        return self._data.canvas.drawing_style

    @property
    def canvas_size(self) -> tuple[int, int]:
        return self._data.canvas.width, self._data.canvas.height

    @property
    def piece_number(self) -> int:
        return self._data.piece_number

    @property
    def piece_completed(self) -> bool:
        return self._data.piece_completed

    @property
    def title(self) -> str | None:
        return self._data.title

    @property
    def prompt(self) -> str | None:
        return self._data.prompt

    @property
    def notes(self) -> str:
        return self._data.notes

    @property
    def monologue(self) -> str:
        return self._data.monologue

    @property
    def turn_index(self) -> int:
        """Turns the artist has finished on the current piece."""
        return self._data.turn_index

    @property
    def artist_progress(self) -> str | None:
        """The provider's resumable state for the current piece (opaque JSON text)."""
        return self._data.artist_progress

    @property
    def status(self) -> AgentStatus:
        return self._data.status

    @property
    def pause_reason(self) -> PauseReason:
        return self._data.pause_reason

    @property
    def paused(self) -> bool:
        return self._data.pause_reason is not PauseReason.NONE

    # ------------------------------------------------------------------ canvas

    async def add_strokes(
        self,
        paths: Sequence[StrokePath],
        *,
        queue: bool = False,
        canvas_generation: int | None = None,
    ) -> QueuedBatch | None:
        """Append strokes to the canvas; all or nothing, in the log before returning.

        With ``queue`` the paths are one batch for viewers: a single ``strokes`` message that is
        both the canvas change and what viewers receive; returns the queued batch (None when
        not queued, or when the batch was drawn before a restart and is skipped). Strokes
        people draw are each announced as ``human_stroke``. With ``canvas_generation`` (what
        it was when the drawing began) strokes for a canvas replaced meanwhile by a new piece
        raise :class:`StaleCanvasError` and are not drawn.
        """
        check_paths(paths, self._limits)
        encoded = [p.model_dump_json() for p in paths]  # once: for the digest and the canvas
        digest = _draw_digest(paths, encoded)
        if digest is not None and digest in self._replayable:
            # An interrupted turn being run again draws what it drew before: on the canvas.
            self._replayable.discard(digest)
            logger.info("User %s: skipped a batch already drawn before a restart", self.user_id)
            return None
        prepared = await prepare_strokes_async(paths) if queue else None
        # From here on nothing awaits: the checks hold when the record is written.
        if canvas_generation is not None and canvas_generation != self.canvas_generation:
            raise StaleCanvasError(
                f"A new piece began while these {len(paths)} strokes were being drawn for the "
                "previous one: they were not drawn"
            )
        check_stroke_capacity(len(self._strokes), len(paths), self._limits)
        growth = sum(len(p.points) for p in paths) * 24 * (2 if queue else 1)
        self._check_size(growth)
        if prepared is None:
            entries = [
                message_entry(HumanStrokeMessage(path=p))
                if p.author is Author.HUMAN
                else fields_entry(
                    {"op": "strokes", "strokes": [p.to_dict()], "draw": digest}, message=False
                )
                for p in paths
            ]
            self._commit(entries, lambda: self._add_drawn(paths, None, digest, encoded))
            return None
        check_pending_capacity(self.queue.stroke_count, len(paths), self._limits)
        batch = _pending_batch(self._data.next_batch_id, prepared)
        queued_at = time.time()
        announcement = StrokesAnnouncement(
            batch.batch_id, self._data.piece_number, len(paths), queued_at
        )
        entry = fields_entry(
            {
                "type": "strokes",
                "batch_id": batch.batch_id,
                "piece_number": self._data.piece_number,
                "strokes": batch.to_dicts(),
                "queued_at": queued_at,
                # (additive) the batch's fingerprint: an interrupted turn run again skips it
                "draw": digest,
            },
            message=True,
            batch_id=batch.batch_id,
        )

        self._commit([entry], lambda: self._add_drawn(paths, batch, digest, encoded, announcement))
        return QueuedBatch(batch, announcement)

    def _check_size(self, growth: int) -> None:
        """Refuse growth that would take a snapshot past ``max_workspace_bytes`` (estimated
        from the last snapshot and what was added since; exact enough to bound the disk)."""
        estimate = self._snapshot_bytes + self._growth + growth
        if estimate > self._limits.max_workspace_bytes:
            raise WorkspaceLimitError(
                f"Workspace for user {self.user_id} would be about {estimate} bytes; the limit "
                f"is {self._limits.max_workspace_bytes} bytes"
            )

    async def clear_canvas(self) -> None:
        """Clear the canvas (and the stroke queue); viewers get ``clear``."""
        self._commit([message_entry(ClearMessage())], self._clear)

    async def new_canvas(
        self,
        *,
        drawing_style: DrawingStyleType | None = None,
        width: int | None = None,
        height: int | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """Save the current canvas to the gallery (if not empty) and start the next piece;
        viewers get ``new_canvas`` (``style_change`` when a style is given), ``gallery_update``
        and ``piece_state`` with the number of the new piece, in one record.

        Returns the saved piece id, or None when the canvas was empty.
        """
        saved: SavedCanvas | None = None
        async with self._lock:
            data = self._data
            if len(self._strokes):
                saved = await self._save_piece_locked()
            number = saved.piece_number + 1 if saved is not None else data.piece_number
            # The number announced is the number saved: skip numbers already in the gallery
            # (a finished piece that was saved, then cleared, keeps its number).
            number = await asyncio.to_thread(self.gallery.next_free_number, number)
            canvas = CanvasState(
                width=clamp_canvas_size(width, data.canvas.width),
                height=clamp_canvas_size(height, data.canvas.height),
                strokes=[],
                drawing_style=drawing_style or data.canvas.drawing_style,
            )
            change = StateChange(
                canvas=canvas,
                piece_number=number,
                piece_saved=False,
                piece_completed=False,
                title=None,
                prompt=prompt,
                notes="",
                turn_index=0,
                artist_progress=None,
                turn_draws=[],
            )
            gallery = await self.list_gallery()
            style = (
                [
                    StyleChangeMessage(
                        drawing_style=drawing_style, style_config=get_style_config(drawing_style)
                    )
                ]
                if drawing_style is not None
                else []
            )
            self._change(
                change,
                NewCanvasMessage(
                    saved_id=saved.id if saved is not None else None,
                    canvas_width=canvas.width,
                    canvas_height=canvas.height,
                ),
                *style,  # a style sent with the new piece is announced like set_style's
                GalleryUpdateMessage(canvases=gallery),
                PieceStateMessage(number=number, completed=False),
            )
        if saved is not None:
            entry = await asyncio.to_thread(self.gallery.entry_for, saved.piece_number)
            await self._notify_saved(entry)
        return saved.id if saved is not None else None

    async def save_piece(self) -> GalleryEntry:
        """Save the current canvas to the gallery as this piece (again, if already saved)."""
        async with self._lock:
            saved = await self._save_piece_locked()
            entry = await asyncio.to_thread(self.gallery.entry_for, saved.piece_number)
        await self._notify_saved(entry)
        return entry

    async def _notify_saved(self, entry: GalleryEntry) -> None:
        """Tell the hooks (public index, image cache) about a saved piece; they never fail us."""
        for hook in list(self.piece_saved_hooks):
            try:
                await hook(self.user_id, entry)
            except Exception:
                logger.exception(
                    "Piece-saved hook failed for %s of user %s", entry.id, self.user_id
                )

    async def _save_piece_locked(self) -> SavedCanvas:
        """Write the canvas as a gallery piece. The piece's number is logged as saved *before*
        the file is written, so a crash in between can only make a later save overwrite the
        same number, never save the piece twice under two numbers."""
        data = self._data
        number = data.piece_number
        if not data.piece_saved:
            # Never overwrite a piece saved earlier (e.g. after a damaged workspace.json reset
            # the counter): take the next free number instead.
            number = await asyncio.to_thread(self.gallery.next_free_number, number)
            self._change(StateChange(piece_number=number, piece_saved=True))
        encoded = self._strokes.snapshot()  # decoded in the worker thread
        saved = SavedCanvas(
            id=piece_id(number),
            piece_number=number,
            strokes=[],
            width=data.canvas.width,
            height=data.canvas.height,
            drawing_style=data.canvas.drawing_style,
            title=data.title,
            prompt=data.prompt,
        )
        await asyncio.to_thread(self._write_piece_sync, saved, encoded)
        return saved

    # ------------------------------------------------------------------ stroke queue

    def record_ack(self, up_to_batch_id: int) -> None:
        """Write that every viewer is past ``up_to_batch_id`` (the channel decides when)."""
        self._commit(
            [op_entry("ack", up_to=up_to_batch_id)], lambda: self.queue.ack(up_to_batch_id)
        )

    # ------------------------------------------------------------------ gallery

    async def list_gallery(self) -> list[GalleryEntry]:
        return await asyncio.to_thread(self.gallery.entries)

    async def load_saved(self, piece_number: int) -> SavedCanvas:
        """A whole saved piece; ``FileNotFoundError`` if missing, ``ValueError`` if corrupt."""
        return await asyncio.to_thread(self.gallery.load, piece_number)

    # ------------------------------------------------------------------ agent state

    async def set_status(self, status: AgentStatus) -> None:
        """Set the (informational) status; it is kept in memory and in snapshots only — it
        changes several times per turn and is not needed to resume."""
        self._data.status = status

    async def set_paused(self, reason: PauseReason) -> None:
        """Pause with a reason, or resume with ``PauseReason.NONE``; viewers get ``paused``."""
        paused = reason is not PauseReason.NONE
        shown = reason.value if reason in (PauseReason.ERROR, PauseReason.STORAGE) else None
        self._change(StateChange(pause_reason=reason), PausedMessage(paused=paused, reason=shown))

    def pause_in_memory(self, reason: PauseReason) -> None:
        """Pause without writing (the disk is failing): never saved, undone on load."""
        self._data.pause_reason = reason

    async def set_title(self, title: str | None) -> None:
        """Title the piece; viewers get ``piece_title``."""
        self._change(
            StateChange(title=title),
            PieceTitleMessage(piece_number=self._data.piece_number, title=title),
        )

    async def set_prompt(self, prompt: str | None) -> None:
        self._change(StateChange(prompt=prompt))

    async def set_piece_completed(self, completed: bool) -> None:
        """Mark the piece finished (or reopen it); viewers get ``piece_state``."""
        self._change(
            StateChange(piece_completed=completed),
            PieceStateMessage(number=self._data.piece_number, completed=completed),
        )

    async def set_drawing_style(self, style: DrawingStyleType) -> None:
        """Change the style; viewers get ``style_change`` with its configuration."""
        self._change(
            StateChange(drawing_style=style),
            StyleChangeMessage(drawing_style=style, style_config=get_style_config(style)),
        )

    async def record_turn(self, turn_index: int, artist_progress: str | None) -> None:
        """Persist the artist's progress after a turn, so a restart, a crash or an idle release
        continues the piece instead of starting it again."""
        self._replayable.clear()
        self._change(
            StateChange(turn_index=turn_index, artist_progress=artist_progress, turn_draws=[])
        )

    async def append_monologue(self, text: str) -> None:
        """Append to the running monologue, keeping only its most recent characters."""

        def apply() -> None:
            self._data.monologue = _append_text(
                self._data.monologue, text, self._limits.max_monologue_chars
            )

        self._commit([op_entry("monologue", text=text)], apply)

    # ------------------------------------------------------------------ snapshots

    async def save(self) -> None:
        """Fold everything into a snapshot and compact the log (the session ends)."""
        if self._compacting is not None and not self._compacting.done():
            await asyncio.shield(self._compacting)
        await self.compact()

    def _schedule_compaction(self) -> None:
        if self._compacting is None or self._compacting.done():
            self._compacting = asyncio.get_running_loop().create_task(
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
            await asyncio.to_thread(self._write_snapshot, data, strokes)
            written = await asyncio.to_thread(self.log.write_compacted, window)
        except (OSError, WorkspaceLimitError) as exc:
            logger.error("Compacting the log of user %s failed: %s", self.user_id, exc)
            return False
        finally:
            self.log.finish_compaction(written)
        return written is not None

    def _capture(self, n: int) -> tuple[WorkspaceFile, CanvasStrokes]:
        """The state as of log record ``n`` (on the event loop: nothing changes meanwhile)."""
        data = self._data.model_copy(deep=True)
        data.pending_strokes = self.queue.persisted()
        data.log_n, data.log_epoch, data.last_seq = n, self.log.epoch, self.log.last_seq
        data.updated_at = utc_now()
        return data, self._strokes.snapshot()

    def _fold_sync(self) -> None:
        """(Loading, blocking.) A snapshot of the state as of the log's newest record."""
        data, strokes = self._capture(self.log.last_n)
        self._write_snapshot(data, strokes)

    def _write_snapshot(self, data: WorkspaceFile, strokes: CanvasStrokes) -> None:
        payload = _encode(data, strokes)
        if len(payload) > self._limits.max_workspace_bytes:
            raise WorkspaceLimitError(
                f"Workspace for user {self.user_id} would be {len(payload)} bytes; the limit "
                f"is {self._limits.max_workspace_bytes} bytes"
            )
        atomic_write_bytes(self.directory / WORKSPACE_FILE, payload, durable=self._durable)
        self._snapshot_bytes = len(payload)
        self._growth = 0

    def _write_piece_sync(self, saved: SavedCanvas, strokes: CanvasStrokes) -> None:
        saved.strokes = strokes.paths()
        self.gallery.save(saved)

    def close(self) -> None:
        self.log.close()


def _digest_field(data: dict[str, object]) -> str | None:
    digest = data.get("draw")
    return digest if isinstance(digest, str) and len(digest) <= 64 else None


def _change_fields(change: StateChange) -> dict[str, object]:
    fields: dict[str, object] = change.model_dump(mode="json", exclude_unset=True)
    return fields


def _draw_digest(paths: Sequence[StrokePath], encoded: Sequence[str]) -> str | None:
    """A fingerprint of an artist's batch (None for people's strokes: never skipped)."""
    if not paths or any(p.author is Author.HUMAN for p in paths):
        return None
    digest = hashlib.sha256()
    for text in encoded:
        digest.update(text.encode())
    return digest.hexdigest()[:24]


def _nothing() -> None:
    """A change that touches no state."""


def _encode(data: WorkspaceFile, strokes: CanvasStrokes) -> bytes:
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
    """Apply a log's records newer than the snapshot to ``data`` (no files touched)."""
    if not loaded.epoch or loaded.epoch != (data.log_epoch or loaded.epoch):
        return data
    log = UserLog(path=Path("/dev/null"), epoch=loaded.epoch)
    state = WorkspaceState(
        "00000000-0000-0000-0000-000000000000", Path("/nonexistent"), data, log, limits
    )
    for record in loaded.records:
        if record.n > data.log_n:
            state._replay(record)
    folded, strokes = state._capture(data.log_n)
    folded.canvas.strokes = strokes.paths()
    return folded


def workspace_exists(directory: Path) -> bool:
    """Whether a user directory holds a workspace (a snapshot or a log)."""
    return any(
        (directory / name).exists()
        for name in (WORKSPACE_FILE, LOG_FILE, LEGACY_EVENTS_FILE, "journal.jsonl")
    )


def replace_workspace_file(directory: Path, data: WorkspaceFile) -> None:
    """Replace a workspace on disk (an import; the server must not be running for it): the
    snapshot is written and the old log moved aside, so the next load starts a new epoch."""
    data.log_epoch, data.log_n = "", 0
    atomic_write_bytes(directory / WORKSPACE_FILE, data.model_dump_json().encode())
    log_path = directory / LOG_FILE
    if log_path.exists():
        move_aside(log_path, "the workspace was replaced by an import")


def _append_text(text: str, more: str, keep: int) -> str:
    """``text + more``, keeping only the last ``keep`` characters."""
    return (text + more)[-keep:] if keep else ""


def _pending_batch(batch_id: int, prepared: PreparedStrokes) -> PendingBatch:
    return PendingBatch(batch_id, prepared.strokes, prepared.draw_seconds)


def _group_pending(
    strokes: list[PersistedPendingStroke],
) -> list[tuple[int, list[StrokePath]]]:
    groups: dict[int, list[StrokePath]] = {}
    for stroke in strokes:
        groups.setdefault(stroke.batch_id, []).append(stroke.path)
    return sorted(groups.items())
