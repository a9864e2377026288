"""One user's studio in memory, made durable through the user's log — and the only writer of
that log.

Its parts are read where they live: ``state.canvas`` (:class:`~.canvas.LiveCanvas`),
``state.piece`` (:class:`~.piece.PieceStatus`), ``state.queue`` (owned by the user's channel)
and ``state.gallery`` (:class:`~.gallery.GalleryStore`). Every change is first written to the
log (``users/{id}/log.jsonl``) and only then applied to memory by the same
:class:`~.contents.WorkspaceContents` methods that replay the log on load, so what a viewer was
sent, what is on disk and what is in memory never disagree. A failed write raises
:class:`~.log.LogWriteError` and changes nothing. ``workspace.json`` is only a fold of the log
(:mod:`.snapshot`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

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
    GalleryEntry,
    PauseReason,
    SavedCanvas,
)
from code_monet.types.styles import DrawingStyleType, get_style_config
from code_monet.workspace.contents import (
    StateChange,
    WorkspaceContents,
    draw_digest,
    pending_batch,
)
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.loading import LogOptions, open_files
from code_monet.workspace.log import UserLog
from code_monet.workspace.log_records import (
    Entry,
    Record,
    fields_entry,
    message_entry,
    op_entry,
)
from code_monet.workspace.persistence import user_directory
from code_monet.workspace.snapshot import SnapshotWriter
from code_monet.workspace.stroke_queue import QueuedBatch, StrokesAnnouncement
from code_monet.workspace.strokes import (
    StaleCanvasError,
    check_paths,
    check_pending_capacity,
    check_stroke_capacity,
    prepare_strokes_async,
)

logger = logging.getLogger(__name__)

PieceSavedHook = Callable[[str, GalleryEntry], Awaitable[None]]
"""Called with ``(user_id, entry)`` after a piece is written to the gallery."""


class WorkspaceState:
    """One user's studio. Create it with :meth:`load_for_user`."""

    def __init__(
        self,
        user_id: str,
        directory: Path,
        contents: WorkspaceContents,
        log: UserLog,
        limits: WorkspaceLimits,
        *,
        durable: bool = True,
    ) -> None:
        self.user_id = user_id
        self.directory = directory
        self._contents = contents
        self.canvas = contents.canvas
        """The live canvas (read it here; change it through this class)."""
        self.piece = contents.piece
        """The piece's metadata and the studio's status (read it here; change it here)."""
        self.queue = contents.queue
        """Batches not yet animated by every viewer: owned by the user's channel; the
        workspace only applies log records to it (see :mod:`code_monet.workspace.stroke_queue`)."""
        self.log = log
        self.gallery = GalleryStore(directory / "gallery", durable=durable)
        self._limits = limits
        self._lock = asyncio.Lock()
        self.snapshots = SnapshotWriter(user_id, directory, contents, log, limits, durable)
        """``workspace.json`` (the log folded) and the log's compaction."""
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
        opened = open_files(user_id, directory, limits, durable, options)
        contents = WorkspaceContents.from_file(opened.data, limits.max_monologue_chars)
        state = cls(user_id, directory, contents, opened.log, limits, durable=durable)
        for record in opened.records:
            state._replay(record)
        state.piece.replayable = set(state.piece.turn_draws)
        state.load_warnings = opened.warnings
        state.fresh = opened.brand_new
        state.snapshots.snapshot_bytes = opened.snapshot_bytes
        if opened.refold:
            state.snapshots.fold_sync()  # the snapshot now matches the new log
            opened.finish_migration(directory)
        return state

    def _replay(self, record: Record) -> None:
        """Apply one record read back from the log (damaged fields: the record is skipped)."""
        try:
            self._contents.apply_record(record.data)
        except (ValueError, TypeError, KeyError) as exc:
            logger.error("Skipping log record %d of user %s: %s", record.n, self.user_id, exc)

    # ------------------------------------------------------------------ writing

    def _commit(self, entries: Sequence[Entry], apply: Callable[[], None]) -> None:
        """Write ``entries``; then apply the change to memory; then send the messages."""
        self.log.commit(entries, apply=apply)
        self.snapshots.schedule_compaction()

    def publish(self, *messages: BaseModel) -> None:
        """Write messages that change no state (thinking, tool events, …); the log's listener
        sends them once written."""
        self._commit([message_entry(m) for m in messages], _nothing)

    def _change(self, change: StateChange, *messages: BaseModel) -> None:
        entries = [op_entry("state", set=change.fields()), *(message_entry(m) for m in messages)]
        self._commit(entries, lambda: self._contents.set(change))

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
        digest = draw_digest(paths, encoded)
        if self.piece.take_replayable(digest):
            # An interrupted turn being run again draws what it drew before: on the canvas.
            logger.info("User %s: skipped a batch already drawn before a restart", self.user_id)
            return None
        prepared = await prepare_strokes_async(paths) if queue else None
        # From here on nothing awaits: the checks hold when the record is written.
        if canvas_generation is not None and canvas_generation != self.canvas.generation:
            raise StaleCanvasError(
                f"A new piece began while these {len(paths)} strokes were being drawn for the "
                "previous one: they were not drawn"
            )
        check_stroke_capacity(self.canvas.stroke_count, len(paths), self._limits)
        self.snapshots.check_growth(sum(len(p.points) for p in paths) * 24 * (2 if queue else 1))
        contents = self._contents
        if prepared is None:
            entries = [
                message_entry(HumanStrokeMessage(path=p))
                if p.author is Author.HUMAN
                else fields_entry(
                    {"op": "strokes", "strokes": [p.to_dict()], "draw": digest}, message=False
                )
                for p in paths
            ]
            self._commit(entries, lambda: contents.add(paths, None, digest, encoded))
            return None
        check_pending_capacity(self.queue.stroke_count, len(paths), self._limits)
        batch = pending_batch(contents.next_batch_id, prepared)
        number, queued_at = self.piece.number, time.time()
        announcement = StrokesAnnouncement(batch.batch_id, number, len(paths), queued_at)
        entry = fields_entry(
            {
                "type": "strokes",
                "batch_id": batch.batch_id,
                "piece_number": number,
                "strokes": batch.to_dicts(),
                "queued_at": queued_at,
                # (additive) the batch's fingerprint: an interrupted turn run again skips it
                "draw": digest,
            },
            message=True,
            batch_id=batch.batch_id,
        )
        self._commit([entry], lambda: contents.add(paths, batch, digest, encoded, announcement))
        return QueuedBatch(batch, announcement)

    async def clear_canvas(self) -> None:
        """Clear the canvas (and the stroke queue); viewers get ``clear``."""
        self._commit([message_entry(ClearMessage())], self._contents.clear)

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
            if self.canvas.stroke_count:
                saved = await self._save_piece_locked()
            number = saved.piece_number + 1 if saved is not None else self.piece.number
            # The number announced is the number saved: skip numbers already in the gallery
            # (a finished piece that was saved, then cleared, keeps its number).
            number = await asyncio.to_thread(self.gallery.next_free_number, number)
            canvas = self.canvas.next_settings(width, height, drawing_style)
            change = StateChange.new_piece(canvas, number, prompt)
            gallery = await self.gallery.entries_async()
            style = [_style_message(drawing_style)] if drawing_style is not None else []
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

    # ------------------------------------------------------------------ gallery

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
        piece = self.piece
        number = piece.number
        if not piece.saved:
            # Never overwrite a piece saved earlier (e.g. after a damaged workspace.json reset
            # the counter): take the next free number instead.
            number = await asyncio.to_thread(self.gallery.next_free_number, number)
            self._change(StateChange(piece_number=number, piece_saved=True))
        strokes = self.canvas.frozen_strokes()  # decoded in the worker thread
        settings = self.canvas.settings
        saved = SavedCanvas(
            id=piece_id(number),
            piece_number=number,
            strokes=[],
            width=settings.width,
            height=settings.height,
            drawing_style=settings.drawing_style,
            title=piece.title,
            prompt=piece.prompt,
        )
        await asyncio.to_thread(self.gallery.save_with, saved, strokes)
        return saved

    # ------------------------------------------------------------------ stroke queue

    def record_ack(self, up_to_batch_id: int) -> None:
        """Write that every viewer is past ``up_to_batch_id`` (the channel decides when)."""
        self._commit(
            [op_entry("ack", up_to=up_to_batch_id)], lambda: self.queue.ack(up_to_batch_id)
        )

    # ------------------------------------------------------------------ the piece's status

    async def set_status(self, status: AgentStatus) -> None:
        """Set the (informational) status; it is kept in memory and in snapshots only — it
        changes several times per turn and is not needed to resume."""
        self.piece.status = status

    async def set_paused(self, reason: PauseReason) -> None:
        """Pause with a reason, or resume with ``PauseReason.NONE``; viewers get ``paused``."""
        paused = reason is not PauseReason.NONE
        shown = reason.value if reason in (PauseReason.ERROR, PauseReason.STORAGE) else None
        self._change(StateChange(pause_reason=reason), PausedMessage(paused=paused, reason=shown))

    def pause_in_memory(self, reason: PauseReason) -> None:
        """Pause without writing (the disk is failing): never saved, undone on load."""
        self.piece.pause_reason = reason

    async def set_title(self, title: str | None) -> None:
        """Title the piece; viewers get ``piece_title``."""
        self._change(
            StateChange(title=title),
            PieceTitleMessage(piece_number=self.piece.number, title=title),
        )

    async def set_prompt(self, prompt: str | None) -> None:
        self._change(StateChange(prompt=prompt))

    async def set_piece_completed(self, completed: bool) -> None:
        """Mark the piece finished (or reopen it); viewers get ``piece_state``."""
        self._change(
            StateChange(piece_completed=completed),
            PieceStateMessage(number=self.piece.number, completed=completed),
        )

    async def set_drawing_style(self, style: DrawingStyleType) -> None:
        """Change the style; viewers get ``style_change`` with its configuration."""
        self._change(StateChange(drawing_style=style), _style_message(style))

    async def record_turn(self, turn_index: int, artist_progress: str | None) -> None:
        """Persist the artist's progress after a turn, so a restart, a crash or an idle release
        continues the piece instead of starting it again."""
        self.piece.replayable.clear()
        self._change(
            StateChange(turn_index=turn_index, artist_progress=artist_progress, turn_draws=[])
        )

    async def append_monologue(self, text: str) -> None:
        """Append to the running monologue, keeping only its most recent characters."""
        keep = self._limits.max_monologue_chars
        self._commit(
            [op_entry("monologue", text=text)], lambda: self.piece.apply_monologue(text, keep)
        )

    # ------------------------------------------------------------------ snapshots

    async def save(self) -> None:
        """Fold everything into a snapshot and compact the log (the session ends)."""
        await self.snapshots.save()

    def close(self) -> None:
        self.log.close()


def _style_message(style: DrawingStyleType) -> StyleChangeMessage:
    return StyleChangeMessage(drawing_style=style, style_config=get_style_config(style))


def _nothing() -> None:
    """A change that touches no state."""
