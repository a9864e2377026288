"""Every WebSocket message of protocol v1 and our v2 additions, as Pydantic models.

``ServerMessage`` and ``ClientMessage`` are discriminated unions on ``type``; parse inbound
frames with :func:`parse_client_message`. Server messages carry an optional ``seq`` (v2) that
is omitted when unset, as are the other fields the protocol marks optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from code_monet.types.geometry import Point, is_none
from code_monet.types.paths import Path
from code_monet.types.state import AgentStatus, GalleryEntry
from code_monet.types.styles import DrawingStyleConfig, DrawingStyleType

MAX_NUDGE_LENGTH = 2000
MAX_HUMAN_STROKE_POINTS = 5000


class _ServerBase(BaseModel):
    """Common base: ``seq`` plus the optional fields that are omitted instead of ``null``."""

    seq: int | None = Field(default=None, exclude_if=is_none)


class PendingStroke(BaseModel):
    batch_id: int
    path: Path
    points: list[Point]


# ----------------------------------------------------------------------------- server → client


class InitMessage(_ServerBase):
    type: Literal["init"] = "init"
    strokes: list[Path]
    gallery: list[GalleryEntry]
    status: AgentStatus
    paused: bool
    piece_number: int
    monologue: str
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig
    canvas_width: int
    canvas_height: int
    title: str | None = None
    prompt: str | None = None
    # v2 (additive; omitted when unset): which socket this is, for ``GET /strokes/pending
    # ?connection_id=``, whether the piece is finished, whether a turn is running, and the
    # newest stroke batch already contained in ``strokes``.
    connection_id: int | None = Field(default=None, exclude_if=is_none)
    piece_completed: bool | None = Field(default=None, exclude_if=is_none)
    turn_active: bool | None = Field(default=None, exclude_if=is_none)
    last_batch_id: int | None = Field(default=None, exclude_if=is_none)
    # The log epoch: it changes whenever the server's history was reset or lost, so a client
    # resumes (``last_seq``) only within one epoch.
    epoch: str | None = Field(default=None, exclude_if=is_none)


def init_frame(init: InitMessage, strokes_json: str) -> str:
    """``init`` as JSON with the canvas's strokes spliced in already encoded (``init`` must have
    ``strokes=[]``): the same text as serialising the models, without decoding a big canvas."""
    text = init.model_dump_json()
    empty = '"strokes":[]'
    at = text.index(empty)  # the first field after seq/type, whose values cannot contain it
    return text[:at] + '"strokes":' + strokes_json + text[at + len(empty) :]


class PausedMessage(_ServerBase):
    type: Literal["paused"] = "paused"
    paused: bool
    # (additive) why the artist stopped, when it was not the viewer: "storage" (the server could
    # not write), "error" (the artist's provider failed).
    reason: str | None = Field(default=None, exclude_if=is_none)


class ThinkingDeltaMessage(_ServerBase):
    type: Literal["thinking_delta"] = "thinking_delta"
    text: str
    iteration: int


class IterationMessage(_ServerBase):
    type: Literal["iteration"] = "iteration"
    current: int
    max: int


class CodeExecutionMessage(_ServerBase):
    type: Literal["code_execution"] = "code_execution"
    status: Literal["started", "completed"]
    tool_name: str
    tool_input: dict[str, object] | None = None
    stdout: str | None = None
    stderr: str | None = None
    return_code: int | None = Field(default=None, exclude_if=is_none)
    iteration: int


class AgentStrokesReadyMessage(_ServerBase):
    type: Literal["agent_strokes_ready"] = "agent_strokes_ready"
    count: int
    batch_id: int
    piece_number: int


class HumanStrokeMessage(_ServerBase):
    type: Literal["human_stroke"] = "human_stroke"
    path: Path


class PieceStateMessage(_ServerBase):
    type: Literal["piece_state"] = "piece_state"
    number: int
    completed: bool


class ClearMessage(_ServerBase):
    type: Literal["clear"] = "clear"


class NewCanvasMessage(_ServerBase):
    type: Literal["new_canvas"] = "new_canvas"
    saved_id: str | None
    canvas_width: int
    canvas_height: int


class LoadCanvasMessage(_ServerBase):
    type: Literal["load_canvas"] = "load_canvas"
    strokes: list[Path]
    piece_number: int
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig
    canvas_width: int
    canvas_height: int


class GalleryUpdateMessage(_ServerBase):
    type: Literal["gallery_update"] = "gallery_update"
    canvases: list[GalleryEntry]


class StyleChangeMessage(_ServerBase):
    type: Literal["style_change"] = "style_change"
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig


class ErrorMessage(_ServerBase):
    type: Literal["error"] = "error"
    message: str
    details: str | None = Field(default=None, exclude_if=is_none)


class TurnStateMessage(_ServerBase):
    type: Literal["turn_state"] = "turn_state"
    active: bool


class PieceTitleMessage(_ServerBase):
    type: Literal["piece_title"] = "piece_title"
    piece_number: int
    title: str | None


class StrokesMessage(_ServerBase):
    """v2: a stroke batch pushed inline instead of ``agent_strokes_ready``."""

    type: Literal["strokes"] = "strokes"
    batch_id: int
    piece_number: int
    strokes: list[PendingStroke]
    queued_at: float | None = Field(default=None, exclude_if=is_none)
    """Unix time the batch was queued (latency measurement); omitted when unknown."""


ServerMessage = Annotated[
    InitMessage
    | PausedMessage
    | ThinkingDeltaMessage
    | IterationMessage
    | CodeExecutionMessage
    | AgentStrokesReadyMessage
    | HumanStrokeMessage
    | PieceStateMessage
    | ClearMessage
    | NewCanvasMessage
    | LoadCanvasMessage
    | GalleryUpdateMessage
    | StyleChangeMessage
    | ErrorMessage
    | TurnStateMessage
    | PieceTitleMessage
    | StrokesMessage,
    Field(discriminator="type"),
]

# ----------------------------------------------------------------------------- client → server


class _ClientBase(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class StrokeClientMessage(_ClientBase):
    type: Literal["stroke"]
    points: list[Point] = Field(min_length=1, max_length=MAX_HUMAN_STROKE_POINTS)


class NudgeClientMessage(_ClientBase):
    """``text`` is the nudge; ``message`` is accepted in its place (some v1 clients send it)."""

    type: Literal["nudge"]
    text: str = Field(default="", max_length=MAX_NUDGE_LENGTH)
    message: str | None = Field(default=None, max_length=MAX_NUDGE_LENGTH)

    @model_validator(mode="after")
    def _has_text(self) -> NudgeClientMessage:
        if not (self.text or self.message):
            raise ValueError("a nudge needs its text (in 'text')")
        return self

    @property
    def said(self) -> str:
        return self.text or self.message or ""


class ClearClientMessage(_ClientBase):
    type: Literal["clear"]


class PauseClientMessage(_ClientBase):
    type: Literal["pause"]


class ResumeClientMessage(_ClientBase):
    type: Literal["resume"]
    direction: str | None = Field(default=None, max_length=MAX_NUDGE_LENGTH)


class NewCanvasClientMessage(_ClientBase):
    type: Literal["new_canvas"]
    direction: str | None = Field(default=None, max_length=MAX_NUDGE_LENGTH)
    drawing_style: DrawingStyleType | None = None
    canvas_width: float | None = None
    canvas_height: float | None = None


class LoadCanvasClientMessage(_ClientBase):
    type: Literal["load_canvas"]
    piece_number: int = Field(ge=1)


class SetStyleClientMessage(_ClientBase):
    type: Literal["set_style"]
    drawing_style: DrawingStyleType


class AnimationDoneClientMessage(_ClientBase):
    """Without ``batch_id`` (the original terminal client) it acknowledges every batch
    delivered so far."""

    type: Literal["animation_done"]
    batch_id: int | None = None


class AuthClientMessage(_ClientBase):
    """v2: authenticate with the first frame instead of a token in the URL."""

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=4096)


ClientMessage = Annotated[
    StrokeClientMessage
    | NudgeClientMessage
    | ClearClientMessage
    | PauseClientMessage
    | ResumeClientMessage
    | NewCanvasClientMessage
    | LoadCanvasClientMessage
    | SetStyleClientMessage
    | AnimationDoneClientMessage
    | AuthClientMessage,
    Field(discriminator="type"),
]

CLIENT_MESSAGE_TYPES: frozenset[str] = frozenset(
    {
        "stroke",
        "nudge",
        "clear",
        "pause",
        "resume",
        "new_canvas",
        "load_canvas",
        "set_style",
        "animation_done",
        "auth",
    }
)

_client_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
_server_adapter: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Parse and validate one inbound JSON frame; raises ``pydantic.ValidationError``."""
    return _client_adapter.validate_json(raw)


def parse_server_message(raw: str | bytes) -> ServerMessage:
    """Parse one outbound frame (used by tests and clients written in Python)."""
    return _server_adapter.validate_json(raw)


# ----------------------------------------------------------------------------- agent events


@dataclass(frozen=True, slots=True)
class AgentTurnComplete:
    """The last event of ``DrawingAgent.run_turn``: whether the piece is done, and the
    thinking text the turn produced."""

    done: bool
    thinking: str
