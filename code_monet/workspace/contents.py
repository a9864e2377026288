"""What a workspace holds — the canvas, the piece's status, the stroke queue — and how a log
record changes it.

The one place records are applied: :class:`~code_monet.workspace.state.WorkspaceState` applies
what it has just written through the same methods that replay the log on load, and the offline
tools fold a log into a snapshot with them too; so replaying a log always rebuilds the state
that was live when it was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from code_monet.types.paths import Author
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import (
    CanvasState,
    PauseReason,
    PersistedPendingStroke,
    WorkspaceFile,
    utc_now,
)
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.canvas import LiveCanvas
from code_monet.workspace.canvas_strokes import CanvasStrokes
from code_monet.workspace.piece import PieceStatus
from code_monet.workspace.stroke_queue import StrokeQueue, StrokesAnnouncement
from code_monet.workspace.strokes import PendingBatch, PreparedStrokes, prepare_strokes


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

    @classmethod
    def new_piece(cls, canvas: CanvasState, number: int, prompt: str | None) -> StateChange:
        """The change that begins piece ``number`` on an empty ``canvas``."""
        return cls(
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

    def fields(self) -> dict[str, object]:
        """The record's ``set`` object (only the fields that were set)."""
        fields: dict[str, object] = self.model_dump(mode="json", exclude_unset=True)
        return fields


@dataclass
class WorkspaceContents:
    """The in-memory state a user's log folds into."""

    canvas: LiveCanvas
    piece: PieceStatus
    monologue_keep: int
    """Characters of monologue kept (the workspace limit)."""
    queue: StrokeQueue = field(default_factory=StrokeQueue)
    next_batch_id: int = 1
    journal_n: int = 0
    updated_at: datetime = field(default_factory=utc_now)
    growth: int = 0
    """Bytes of strokes added since the last snapshot (for the size-limit estimate)."""

    @classmethod
    def from_file(cls, data: WorkspaceFile, monologue_keep: int) -> WorkspaceContents:
        contents = cls(
            LiveCanvas(data.canvas),
            PieceStatus.from_file(data),
            monologue_keep,
            next_batch_id=data.next_batch_id,
            journal_n=data.journal_n,
            updated_at=data.updated_at,
        )
        for batch_id, paths in _group_pending(data.pending_strokes):
            contents.queue.append(pending_batch(batch_id, prepare_strokes(paths)))
        return contents

    def to_file(self) -> tuple[WorkspaceFile, CanvasStrokes]:
        """A snapshot of everything (the canvas's strokes apart, still encoded): on the event
        loop, so nothing changes meanwhile."""
        data = WorkspaceFile(
            canvas=self.canvas.settings,
            pending_strokes=self.queue.persisted(),
            next_batch_id=self.next_batch_id,
            journal_n=self.journal_n,
            updated_at=self.updated_at,
        )
        self.piece.write_to(data)
        return data, self.canvas.frozen_strokes()

    # ------------------------------------------------------------------ records

    def apply_record(self, data: dict[str, object]) -> None:
        """Apply one record read back from the log (``ValueError`` and friends when its
        fields are damaged: nothing is changed then)."""
        kind, op = data.get("type"), data.get("op")
        if kind == "strokes":
            items = data.get("strokes")
            batch_id = data.get("batch_id")
            if not isinstance(items, list) or not isinstance(batch_id, int):
                raise ValueError("a strokes record needs strokes and batch_id")
            paths = [StrokePath.model_validate(item["path"]) for item in items]
            batch = pending_batch(batch_id, prepare_strokes(paths))
            self.add(paths, batch, digest_field(data))
        elif kind == "human_stroke":
            self.add([StrokePath.model_validate(data["path"])], None, None)
        elif kind == "clear":
            self.clear()
        elif op == "strokes":
            items = data.get("strokes")
            if not isinstance(items, list):
                raise ValueError("a strokes record needs strokes")
            self.add([StrokePath.model_validate(item) for item in items], None, digest_field(data))
        elif op == "state":
            self.set(StateChange.model_validate(data.get("set")))
        elif op == "ack":
            up_to = data.get("up_to")
            if not isinstance(up_to, int):
                raise ValueError("an ack record needs up_to")
            self.queue.ack(up_to)
        elif op == "monologue":
            text = data.get("text")
            if not isinstance(text, str):
                raise ValueError("a monologue record needs text")
            self.piece.apply_monologue(text, self.monologue_keep)
        # other messages (thinking, tool events, …) change nothing here

    def add(
        self,
        paths: Sequence[StrokePath],
        batch: PendingBatch | None,
        digest: str | None,
        encoded: Sequence[str] | None = None,
        announcement: StrokesAnnouncement | None = None,
    ) -> None:
        """Strokes drawn: on the canvas, queued for viewers when ``batch`` is given, and
        remembered as the current turn's when ``digest`` is (an artist's batch)."""
        self.canvas.apply_strokes(paths, encoded)
        self.growth += sum(len(p.points) for p in paths) * 24
        if batch is not None:
            self.queue.append(batch, announcement)
            self.next_batch_id = max(self.next_batch_id, batch.batch_id + 1)
        if digest is not None:
            self.piece.apply_draw(digest)

    def clear(self) -> None:
        self.canvas.apply_clear()
        self.queue.clear()

    def set(self, change: StateChange) -> None:
        piece = self.piece
        for name in change.model_fields_set:
            value = getattr(change, name)
            if name == "canvas":
                if value is not None:
                    self.canvas.apply_new(value)
                    self.queue.clear()
            elif name == "drawing_style":
                if value is not None:
                    self.canvas.apply_style(value)
            elif name == "notes":
                piece.notes = value or ""
            elif name == "turn_draws":
                piece.turn_draws = list(value or [])
            else:
                setattr(piece, _PIECE_FIELDS[name], value)
        self.updated_at = utc_now()


_PIECE_FIELDS = {
    "pause_reason": "pause_reason",
    "piece_number": "number",
    "piece_completed": "completed",
    "piece_saved": "saved",
    "title": "title",
    "prompt": "prompt",
    "turn_index": "turn_index",
    "artist_progress": "artist_progress",
}
"""``StateChange`` field → ``PieceStatus`` field (the rest are handled one by one)."""


def draw_digest(paths: Sequence[StrokePath], encoded: Sequence[str]) -> str | None:
    """A fingerprint of an artist's batch (None for people's strokes: never skipped)."""
    if not paths or any(p.author is Author.HUMAN for p in paths):
        return None
    digest = hashlib.sha256()
    for text in encoded:
        digest.update(text.encode())
    return digest.hexdigest()[:24]


def digest_field(data: dict[str, object]) -> str | None:
    """A record's batch fingerprint (``draw``), when it has a sane one."""
    digest = data.get("draw")
    return digest if isinstance(digest, str) and len(digest) <= 64 else None


def pending_batch(batch_id: int, prepared: PreparedStrokes) -> PendingBatch:
    return PendingBatch(batch_id, prepared.strokes, prepared.draw_seconds)


def _group_pending(
    strokes: list[PersistedPendingStroke],
) -> list[tuple[int, list[StrokePath]]]:
    groups: dict[int, list[StrokePath]] = {}
    for stroke in strokes:
        groups.setdefault(stroke.batch_id, []).append(stroke.path)
    return sorted(groups.items())
