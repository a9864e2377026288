"""Per-user workspace: the live canvas, agent state, stroke queue and gallery, on disk.

Layout: ``<data dir>/users/{user_id}/workspace.json`` (a snapshot), ``journal.jsonl`` (stroke
changes since it, see :mod:`code_monet.workspace.journal`) and ``gallery/piece_000001.json``.
Every mutation happens under one ``asyncio.Lock`` and is on disk before it returns: drawing and
acknowledging batches append a journal line, everything else writes an atomic snapshot. The
JSON encoding, snapshot I/O and big interpolations run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from code_monet.config import WorkspaceLimitsSettings, get_settings, get_workspace_limits
from code_monet.types.geometry import PendingStrokeDict
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
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.canvas_strokes import CanvasStrokes
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.journal import (
    JOURNAL_FILE,
    JournalRecord,
    Replay,
    WorkspaceJournal,
    read_journal,
)
from code_monet.workspace.persistence import (
    atomic_write_bytes,
    move_aside,
    remove_stale_temp_files,
    user_directory,
)
from code_monet.workspace.strokes import (
    PendingBatch,
    PreparedStrokes,
    WorkspaceLimitError,
    check_paths,
    check_pending_capacity,
    check_stroke_capacity,
    prepare_strokes,
    prepare_strokes_async,
)

__all__ = [
    "PieceSavedHook",
    "WorkspaceLimitError",
    "WorkspaceState",
    "read_workspace_file",
    "replace_workspace_file",
    "workspace_exists",
]

PieceSavedHook = Callable[[str, GalleryEntry], Awaitable[None]]
"""Called with ``(user_id, entry)`` after a piece is written to the gallery."""

logger = logging.getLogger(__name__)

WORKSPACE_FILE = "workspace.json"


class WorkspaceState:
    """One user's studio state. Create it with :meth:`load_for_user`."""

    def __init__(
        self,
        user_id: str,
        directory: Path,
        data: WorkspaceFile,
        pending: list[PendingBatch],
        limits: WorkspaceLimitsSettings,
        *,
        durable: bool = True,
    ) -> None:
        self.user_id = user_id
        self.directory = directory
        self._strokes = CanvasStrokes.of(data.canvas.strokes)
        data.canvas.strokes = []  # the canvas's strokes live in ``_strokes`` (as JSON)
        self._data = data
        self._pending = pending
        self._limits = limits
        self._durable = durable
        self._lock = asyncio.Lock()
        self._snapshot_bytes = 0
        """Size of the last snapshot written (for the size-limit estimate)."""
        self._journal = WorkspaceJournal(
            directory / JOURNAL_FILE, durable=durable, last_n=data.journal_n
        )
        self.gallery = GalleryStore(directory / "gallery", durable=durable)
        self.load_warnings: list[str] = []
        self.piece_saved_hooks: list[PieceSavedHook] = []
        self.fresh = False
        """True when this workspace was just created (nothing on disk yet)."""

    # ------------------------------------------------------------------ loading

    @classmethod
    async def load_for_user(
        cls,
        user_id: str | uuid.UUID,
        *,
        data_dir: Path | None = None,
        limits: WorkspaceLimitsSettings | None = None,
        durable: bool = True,
    ) -> WorkspaceState:
        """Load (or create) a user's workspace. A corrupt file is moved aside and reported."""
        root = data_dir if data_dir is not None else get_settings().data_dir
        directory = user_directory(root, user_id)
        return await asyncio.to_thread(
            cls._load_sync,
            str(uuid.UUID(str(user_id))),
            directory,
            limits or get_workspace_limits(),
            durable,
        )

    @classmethod
    def _load_sync(
        cls, user_id: str, directory: Path, limits: WorkspaceLimitsSettings, durable: bool
    ) -> WorkspaceState:
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(directory)
        path = directory / WORKSPACE_FILE
        journal_path = directory / JOURNAL_FILE
        warnings: list[str] = []
        data = WorkspaceFile()
        if path.exists():
            try:
                data = WorkspaceFile.model_validate_json(path.read_bytes())
            except (ValidationError, ValueError, UnicodeDecodeError) as exc:
                moved = move_aside(path, str(exc)[:300])
                if journal_path.exists():  # its lines continue the lost snapshot
                    move_aside(journal_path, "its snapshot was corrupt")
                warnings.append(
                    f"workspace.json for user {user_id} was corrupt and was moved to "
                    f"{moved.name}; starting from an empty canvas"
                )
        replay = _replay_journal(data, journal_path, limits.max_monologue_chars)
        if replay.warning:
            warnings.append(replay.warning)
        pending = [
            _pending_batch(batch_id, prepare_strokes(paths))
            for batch_id, paths in _group_pending(data.pending_strokes)
        ]
        if data.status in (AgentStatus.THINKING, AgentStatus.EXECUTING, AgentStatus.DRAWING):
            data.status = AgentStatus.IDLE  # no turn survives a restart
        state = cls(user_id, directory, data, pending, limits, durable=durable)
        state.load_warnings = warnings
        state.fresh = not path.exists() and not warnings and not replay.records
        if path.exists():
            state._snapshot_bytes = path.stat().st_size
        if replay.records or replay.warning:
            state._write_sync()  # fold the replayed journal into a fresh snapshot
        return state

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

    @property
    def pending_count(self) -> int:
        return sum(len(b.strokes) for b in self._pending)

    # ------------------------------------------------------------------ canvas

    async def add_stroke(self, path: StrokePath) -> None:
        await self.add_strokes([path])

    async def add_strokes(self, paths: Sequence[StrokePath], *, queue: bool = False) -> int:
        """Append strokes to the canvas; all or nothing, saved before returning.

        With ``queue`` the same paths are also queued for viewers as one batch in the same
        atomic save (so a crash can never leave drawn strokes unannounced); returns its
        ``batch_id`` (0 when not queued).
        """
        check_paths(paths, self._limits)
        queued = await prepare_strokes_async(paths) if queue else None
        async with self._lock:
            strokes = self._strokes
            check_stroke_capacity(len(strokes), len(paths), self._limits)
            if queued is not None:
                check_pending_capacity(self.pending_count, len(paths), self._limits)
            before = strokes.mark()
            strokes.extend(paths)
            batch_id = 0
            if queued is not None:
                batch_id = self._data.next_batch_id
                self._data.next_batch_id += 1
                self._pending.append(_pending_batch(batch_id, queued))
            try:
                added = strokes.encoded()[before[0] :]
                # Queued strokes are in a snapshot twice (canvas and queue).
                growth = sum(len(s) for s in added) * (2 if batch_id else 1)
                await self._journal_or_save(
                    lambda: self._journal.append_strokes(batch_id, added),
                    snapshot=self._near_size_limit(growth),  # measures exactly; raises over it
                )
            except BaseException:
                strokes.rollback(before)
                if batch_id:
                    self._pending.pop()
                    self._data.next_batch_id -= 1
                raise
            return batch_id

    async def clear_canvas(self) -> None:
        async with self._lock:
            self._strokes.clear()
            self._pending.clear()
            await self._save_locked()

    async def new_canvas(
        self,
        *,
        drawing_style: DrawingStyleType | None = None,
        width: int | None = None,
        height: int | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """Save the current canvas to the gallery (if not empty) and start the next piece.

        Returns the saved piece id, or None when the canvas was empty.
        """
        saved_number: int | None = None
        async with self._lock:
            saved_id: str | None = None
            data = self._data
            if len(self._strokes):
                saved = await self._save_piece_locked()
                saved_id, saved_number = saved.id, saved.piece_number
                data.piece_number = saved.piece_number + 1
            data.piece_saved = False
            data.canvas = CanvasState(
                width=clamp_canvas_size(width, data.canvas.width),
                height=clamp_canvas_size(height, data.canvas.height),
                strokes=[],
                drawing_style=drawing_style or data.canvas.drawing_style,
            )
            self._strokes.clear()
            data.title = None
            data.prompt = prompt
            data.turn_index = 0
            data.artist_progress = None
            data.piece_completed = False
            data.notes = ""
            self._pending.clear()
            await self._save_locked()
        if saved_number is not None:
            entry = await asyncio.to_thread(self.gallery.entry_for, saved_number)
            await self._notify_saved(entry)
        return saved_id

    async def save_piece(self) -> GalleryEntry:
        """Save the current canvas to the gallery as this piece (again, if already saved)."""
        async with self._lock:
            saved = await self._save_piece_locked()
            await self._save_locked()
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
        data = self._data
        number = data.piece_number
        if not data.piece_saved:
            # Never overwrite a piece saved earlier (e.g. after a corrupt workspace.json reset
            # the counter): take the next free number instead.
            number = await asyncio.to_thread(self.gallery.next_free_number, number)
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
        previous = (data.piece_number, data.piece_saved)
        # Mark the piece saved before awaiting: if this task is cancelled meanwhile, the write
        # still completes in its worker thread, and a later save must overwrite, not duplicate.
        data.piece_number, data.piece_saved = number, True
        try:
            await asyncio.to_thread(self._write_piece_sync, saved, encoded)
        except asyncio.CancelledError:
            raise
        except BaseException:
            data.piece_number, data.piece_saved = previous
            raise
        return saved

    # ------------------------------------------------------------------ stroke queue

    async def queue_strokes(self, paths: Sequence[StrokePath]) -> tuple[int, int]:
        """Interpolate and queue paths as one batch; returns ``(batch_id, point_count)``."""
        check_paths(paths, self._limits)
        queued = await prepare_strokes_async(paths)
        async with self._lock:
            check_pending_capacity(self.pending_count, len(paths), self._limits)
            batch = _pending_batch(self._data.next_batch_id, queued)
            self._data.next_batch_id += 1
            self._pending.append(batch)
            try:
                await self._save_locked()
            except BaseException:
                self._pending.pop()
                self._data.next_batch_id -= 1
                raise
            return batch.batch_id, batch.point_count

    async def pop_strokes(self) -> list[PendingStrokeDict]:
        """Take every queued stroke (v1 ``GET /strokes/pending``)."""
        async with self._lock:
            batches, self._pending = self._pending, []
            await self._save_locked()
        return await asyncio.to_thread(_batches_to_dicts, batches)

    async def pending_strokes(self, after_batch_id: int = 0) -> list[PendingStrokeDict]:
        """Queued strokes of batches after ``after_batch_id``, without removing them."""
        batches = [b for b in self._pending if b.batch_id > after_batch_id]
        return await asyncio.to_thread(_batches_to_dicts, batches)

    def batch_dicts(self, batch_id: int) -> list[PendingStrokeDict]:
        """One queued batch as wire dicts (empty when it is no longer queued). Cheap: the points
        were interpolated when the batch was queued."""
        batch = self._queued(batch_id)
        return batch.to_dicts() if batch else []

    def batch_draw_seconds(self, batch_id: int) -> float:
        """How long a plotter takes to draw a queued batch (0 when it is no longer queued)."""
        batch = self._queued(batch_id)
        return batch.draw_seconds if batch else 0.0

    def _queued(self, batch_id: int) -> PendingBatch | None:
        return next((b for b in self._pending if b.batch_id == batch_id), None)

    def pending_batch_ids(self) -> list[int]:
        """Ids of the queued batches, oldest first."""
        return [b.batch_id for b in self._pending]

    def newest_pending_batch_id(self) -> int:
        """The newest queued batch id (0 when nothing is queued)."""
        return self._pending[-1].batch_id if self._pending else 0

    async def ack_batches(self, up_to_batch_id: int) -> int:
        """Drop queued batches up to and including ``up_to_batch_id``; returns how many."""
        async with self._lock:
            keep = [b for b in self._pending if b.batch_id > up_to_batch_id]
            dropped = len(self._pending) - len(keep)
            if dropped:
                previous, self._pending = self._pending, keep
                try:
                    await self._journal_or_save(lambda: self._journal.append_ack(up_to_batch_id))
                except BaseException:
                    self._pending = previous
                    raise
            return dropped

    # ------------------------------------------------------------------ gallery

    async def list_gallery(self) -> list[GalleryEntry]:
        return await asyncio.to_thread(self.gallery.entries)

    async def load_from_gallery(
        self, piece_number: int
    ) -> tuple[list[StrokePath], DrawingStyleType]:
        """Strokes and style of a saved piece; ``FileNotFoundError`` if there is none."""
        return await asyncio.to_thread(self.gallery.load_strokes, piece_number)

    async def load_saved(self, piece_number: int) -> SavedCanvas:
        """A whole saved piece; ``FileNotFoundError`` if missing, ``ValueError`` if corrupt."""
        return await asyncio.to_thread(self.gallery.load, piece_number)

    # ------------------------------------------------------------------ agent state

    async def set_status(self, status: AgentStatus) -> None:
        """Set the (informational) status; it is written with the next save, not on its own —
        it changes several times per turn and is not needed to resume."""
        self._data.status = status

    async def record_turn(self, turn_index: int, artist_progress: str | None) -> None:
        """Persist the artist's progress after a turn, so a restart, a crash or an idle release
        continues the piece instead of starting it again."""
        async with self._lock:
            self._data.turn_index = turn_index
            self._data.artist_progress = artist_progress
            await self._save_locked()

    async def set_paused(self, reason: PauseReason) -> None:
        """Pause with a reason, or resume with ``PauseReason.NONE``."""
        async with self._lock:
            self._data.pause_reason = reason
            await self._save_locked()

    async def set_title(self, title: str | None) -> None:
        async with self._lock:
            self._data.title = title
            await self._save_locked()

    async def set_prompt(self, prompt: str | None) -> None:
        async with self._lock:
            self._data.prompt = prompt
            await self._save_locked()

    async def set_piece_completed(self, completed: bool) -> None:
        async with self._lock:
            self._data.piece_completed = completed
            await self._save_locked()

    async def set_drawing_style(self, style: DrawingStyleType) -> None:
        async with self._lock:
            self._data.canvas.drawing_style = style
            await self._save_locked()

    async def set_notes(self, notes: str) -> None:
        """Replace the agent's notes; over-long notes are refused, not truncated."""
        if len(notes) > self._limits.max_notes_chars:
            raise WorkspaceLimitError(
                f"Notes are {len(notes)} characters; the limit is {self._limits.max_notes_chars}"
            )
        async with self._lock:
            self._data.notes = notes
            await self._save_locked()

    async def append_monologue(self, text: str) -> None:
        """Append to the running monologue, keeping only its most recent characters."""
        async with self._lock:
            previous = self._data.monologue
            self._data.monologue = _append_text(previous, text, self._limits.max_monologue_chars)
            try:
                await self._journal_or_save(lambda: self._journal.append_monologue(text))
            except BaseException:
                self._data.monologue = previous
                raise

    async def save(self) -> None:
        async with self._lock:
            await self._save_locked()

    # ------------------------------------------------------------------ persistence

    def _write_piece_sync(self, saved: SavedCanvas, strokes: CanvasStrokes) -> None:
        saved.strokes = strokes.paths()
        self.gallery.save(saved)

    def _encode(self) -> bytes:
        """``workspace.json`` bytes from the strokes' JSON kept in memory, so a save costs
        copying, not re-encoding the whole canvas (runs in a worker thread)."""
        canvas_fields = self._data.canvas.model_dump_json(exclude={"strokes"})
        rest = self._data.model_dump_json(exclude={"canvas"})
        return _join_canvas(canvas_fields, self._strokes.encoded(), rest)

    async def _journal_or_save(self, append: Callable[[], None], *, snapshot: bool = False) -> None:
        """Persist a journaled change (callers hold the lock): one journal line, or a full
        snapshot when asked or when the journal has grown past its bound."""
        if snapshot or self._journal.too_big:
            await self._save_locked()
        else:
            append()
            self._data.updated_at = utc_now()

    async def _save_locked(self) -> None:
        """Persist under the lock (callers hold it); encoding and I/O run in a thread."""
        self._data.pending_strokes = [
            PersistedPendingStroke(batch_id=b.batch_id, path=s.path)
            for b in self._pending
            for s in b.strokes
        ]
        self._data.updated_at = utc_now()
        await asyncio.to_thread(self._write_sync)

    def _write_sync(self) -> None:
        """Write a snapshot that includes every journal line, then empty the journal."""
        self._data.journal_n = self._journal.last_n
        self._write_snapshot()
        self._journal.truncate()

    def _near_size_limit(self, growth: int) -> bool:
        """Whether a snapshot might now exceed ``max_workspace_bytes`` (a safe over-estimate:
        the last snapshot, plus the journal since, plus ``growth``)."""
        estimate = self._snapshot_bytes + self._journal.size + growth
        return estimate > self._limits.max_workspace_bytes

    def _write_snapshot(self) -> None:
        payload = self._encode()
        if len(payload) > self._limits.max_workspace_bytes:
            raise WorkspaceLimitError(
                f"Workspace for user {self.user_id} would be {len(payload)} bytes; the limit "
                f"is {self._limits.max_workspace_bytes} bytes"
            )
        atomic_write_bytes(self.directory / WORKSPACE_FILE, payload, durable=self._durable)
        self._snapshot_bytes = len(payload)


def _join_canvas(canvas_fields: str, strokes: Sequence[str], rest: str) -> bytes:
    """``{"canvas": {...fields, "strokes": [...]}, ...rest}`` from pre-encoded parts."""
    head = canvas_fields[:-1] + ("," if canvas_fields != "{}" else "")
    body = rest[1:-1]
    return (
        '{"canvas":'
        + head
        + '"strokes":['
        + ",".join(strokes)
        + "]}"
        + ("," + body if body else "")
        + "}"
    ).encode()


def read_workspace_file(directory: Path) -> WorkspaceFile | None:
    """A workspace on disk as the server would load it (snapshot plus journal), without
    changing anything; None when there is none. Raises ``ValueError`` for a corrupt snapshot."""
    path, journal_path = directory / WORKSPACE_FILE, directory / JOURNAL_FILE
    if not workspace_exists(directory):
        return None
    data = (
        WorkspaceFile.model_validate_json(path.read_bytes()) if path.exists() else WorkspaceFile()
    )
    _replay_journal(data, journal_path, get_workspace_limits().max_monologue_chars)
    return data


def workspace_exists(directory: Path) -> bool:
    """Whether a user directory holds a workspace (a snapshot or a journal)."""
    return (directory / WORKSPACE_FILE).exists() or (directory / JOURNAL_FILE).exists()


def replace_workspace_file(directory: Path, data: WorkspaceFile) -> None:
    """Replace a workspace on disk (an import; the server must not be running for it): the
    snapshot is written and any journal of the old one removed."""
    atomic_write_bytes(directory / WORKSPACE_FILE, data.model_dump_json().encode())
    (directory / JOURNAL_FILE).unlink(missing_ok=True)


def _append_text(text: str, more: str, keep: int) -> str:
    """``text + more``, keeping only the last ``keep`` characters."""
    return (text + more)[-keep:] if keep else ""


def _replay_journal(data: WorkspaceFile, journal_path: Path, max_monologue_chars: int) -> Replay:
    """Apply the journal's lines newer than the snapshot ``data`` (blocking)."""
    replay = read_journal(journal_path, data.journal_n)
    _apply_journal(data, replay.records, max_monologue_chars)
    data.journal_n = replay.last_n
    return replay


def _apply_journal(
    data: WorkspaceFile, records: Sequence[JournalRecord], max_monologue_chars: int
) -> None:
    """Replay journal records onto a loaded snapshot (canvas, stroke queue, monologue)."""
    for record in records:
        if record["op"] == "monologue":
            data.monologue = _append_text(data.monologue, record["text"], max_monologue_chars)
        elif record["op"] == "strokes":
            data.canvas.strokes.extend(record["strokes"])
            batch_id = record["batch_id"]
            if batch_id:
                data.pending_strokes.extend(
                    PersistedPendingStroke(batch_id=batch_id, path=path)
                    for path in record["strokes"]
                )
                data.next_batch_id = max(data.next_batch_id, batch_id + 1)
        else:
            up_to = record["up_to"]
            data.pending_strokes = [p for p in data.pending_strokes if p.batch_id > up_to]


def _pending_batch(batch_id: int, prepared: PreparedStrokes) -> PendingBatch:
    return PendingBatch(batch_id, prepared.strokes, prepared.draw_seconds)


def _group_pending(
    strokes: list[PersistedPendingStroke],
) -> list[tuple[int, list[StrokePath]]]:
    groups: dict[int, list[StrokePath]] = {}
    for stroke in strokes:
        groups.setdefault(stroke.batch_id, []).append(stroke.path)
    return sorted(groups.items())


def _batches_to_dicts(batches: Sequence[PendingBatch]) -> list[PendingStrokeDict]:
    return [item for batch in batches for item in batch.to_dicts()]
