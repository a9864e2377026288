"""Canvas, agent and gallery state: what a workspace holds and persists."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from code_monet.types.paths import Path
from code_monet.types.styles import DrawingStyleType

DEFAULT_CANVAS_WIDTH: Final = 800
DEFAULT_CANVAS_HEIGHT: Final = 600
DEFAULT_CANVAS_SIZE: Final = (DEFAULT_CANVAS_WIDTH, DEFAULT_CANVAS_HEIGHT)
MIN_CANVAS_SIZE: Final = 240
MAX_CANVAS_SIZE: Final = 2400


def utc_now() -> datetime:
    return datetime.now(UTC)


def clamp_canvas_size(value: int | float | None, default: int) -> int:
    """Clamp a requested canvas dimension to the protocol's 240–2400 range."""
    if value is None:
        return default
    return int(min(MAX_CANVAS_SIZE, max(MIN_CANVAS_SIZE, round(value))))


class AgentStatus(StrEnum):
    IDLE = "idle"
    THINKING = "thinking"
    EXECUTING = "executing"
    DRAWING = "drawing"
    PAUSED = "paused"
    ERROR = "error"


class PauseReason(StrEnum):
    NONE = "none"
    USER = "user"
    DISCONNECT = "disconnect"
    ERROR = "error"
    STORAGE = "storage"
    """The server could not write to its disk: paused until writes work again (never saved)."""
    WAITING = "waiting"
    """A brand-new studio waits for its first piece (Start, a new piece or a nudge begins it):
    clients show it as paused, and a reload or a viewer coming back never starts it."""


class CanvasState(BaseModel):
    width: int = Field(default=DEFAULT_CANVAS_WIDTH, ge=MIN_CANVAS_SIZE, le=MAX_CANVAS_SIZE)
    height: int = Field(default=DEFAULT_CANVAS_HEIGHT, ge=MIN_CANVAS_SIZE, le=MAX_CANVAS_SIZE)
    strokes: list[Path] = Field(default_factory=list)
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER


class GalleryEntry(BaseModel):
    """One saved piece as the gallery lists it (protocol ``GalleryEntry``)."""

    id: str
    created_at: datetime
    piece_number: int
    stroke_count: int
    width: int = DEFAULT_CANVAS_WIDTH
    height: int = DEFAULT_CANVAS_HEIGHT
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER
    title: str | None = None
    thumbnail_token: str | None = None


class SavedCanvas(BaseModel):
    """A finished piece as stored in ``gallery/piece_NNNNNN.json``."""

    model_config = ConfigDict(extra="ignore")

    id: str
    created_at: datetime = Field(default_factory=utc_now)
    piece_number: int = Field(ge=1)
    strokes: list[Path]
    width: int = DEFAULT_CANVAS_WIDTH
    height: int = DEFAULT_CANVAS_HEIGHT
    drawing_style: DrawingStyleType = DrawingStyleType.PLOTTER
    title: str | None = None
    prompt: str | None = None


class PersistedPendingStroke(BaseModel):
    """A queued stroke as persisted. Its animation points are re-derived on load
    (interpolation is deterministic), which keeps every save small."""

    batch_id: int = Field(ge=1)
    path: Path


class WorkspaceFile(BaseModel):
    """The shape of ``workspace.json``: everything needed to resume a user's studio."""

    model_config = ConfigDict(extra="ignore")

    version: int = 1
    canvas: CanvasState = Field(default_factory=CanvasState)
    status: AgentStatus = AgentStatus.IDLE
    pause_reason: PauseReason = PauseReason.NONE
    piece_number: int = Field(default=1, ge=1)
    piece_completed: bool = False
    piece_saved: bool = False
    title: str | None = None
    prompt: str | None = None
    notes: str = ""
    monologue: str = ""
    pending_strokes: list[PersistedPendingStroke] = Field(default_factory=list)
    turn_index: int = Field(default=0, ge=0)
    """Turns the artist has finished on the current piece (a restart continues from here)."""
    artist_progress: str | None = Field(default=None, max_length=1_000_000)
    """The provider's own resumable state for the current piece (opaque JSON text)."""
    turn_draws: list[str] = Field(default_factory=list)
    """Fingerprints of the batches the current (unfinished) turn drew: a turn interrupted by a
    restart and run again skips what it had already drawn."""
    next_batch_id: int = Field(default=1, ge=1)
    journal_n: int = Field(default=0, ge=0)
    """(Before the log) the newest ``journal.jsonl`` line included in this snapshot."""
    log_epoch: str = ""
    """The epoch of ``log.jsonl`` this snapshot belongs to."""
    log_n: int = Field(default=0, ge=0)
    """The newest ``log.jsonl`` record already folded into this snapshot."""
    last_seq: int = Field(default=0, ge=0)
    """The newest message ``seq`` when this snapshot was written."""
    updated_at: datetime = Field(default_factory=utc_now)
