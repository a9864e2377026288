"""WebSocket message handlers: what each client message (protocol v1 + v2) does.

Every inbound frame is bounded, parsed and validated with Pydantic before it reaches a handler.
Bad JSON or an invalid message gets an ``error`` frame; unknown types are logged and ignored; a
handler that fails sends ``error`` too. The socket always stays open.

Control messages (new canvas, nudge, pause, resume, clear, style) each save or wake something,
so they are rate-limited per user, and a new canvas is refused once the gallery is full: a
client flooding them costs one error frame each, not a gallery piece and an agent turn.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Final

from pydantic import TypeAdapter, ValidationError

from code_monet.live.connections import ClientConnection
from code_monet.live.options import ServerSettings
from code_monet.live.registry import UserSession
from code_monet.observability import metrics
from code_monet.types.geometry import PathType, Point
from code_monet.types.messages import (
    CLIENT_MESSAGE_TYPES,
    AnimationDoneClientMessage,
    AuthClientMessage,
    ClearClientMessage,
    ClientMessage,
    ErrorMessage,
    LoadCanvasClientMessage,
    LoadCanvasMessage,
    NewCanvasClientMessage,
    NudgeClientMessage,
    PauseClientMessage,
    ResumeClientMessage,
    SetStyleClientMessage,
    StrokeClientMessage,
)
from code_monet.types.paths import Author, Path
from code_monet.types.state import DEFAULT_CANVAS_HEIGHT, DEFAULT_CANVAS_WIDTH, PauseReason
from code_monet.types.styles import get_style_config
from code_monet.workspace import WorkspaceLimitError

logger = logging.getLogger(__name__)

_client_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
_CONTROL_MESSAGES: Final = (
    NewCanvasClientMessage,
    NudgeClientMessage,
    PauseClientMessage,
    ResumeClientMessage,
    ClearClientMessage,
    SetStyleClientMessage,
)


@dataclass(frozen=True)
class HandlerContext:
    """Who sent a message and where replies go."""

    session: UserSession
    connection: ClientConnection
    settings: ServerSettings
    max_gallery_pieces: int = 1000

    async def reply_error(self, message: str, details: str | None = None) -> None:
        await self.session.channel.send_to(
            self.connection, ErrorMessage(message=message, details=details)
        )


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"][1:]) or "message"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


async def handle_frame(ctx: HandlerContext, raw: str | bytes) -> None:
    """Validate one inbound frame and dispatch it; never raises."""
    if len(raw) > ctx.settings.max_frame_bytes:
        metrics.client_message_rejected("too_large")
        await ctx.reply_error(
            f"Message too large: {len(raw)} bytes (limit {ctx.settings.max_frame_bytes})"
        )
        return
    try:
        data: object = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        metrics.client_message_rejected("bad_json")
        await ctx.reply_error("Invalid JSON: each message must be one JSON object")
        return
    except RecursionError:  # e.g. 100,000 nested arrays: answer, keep the socket
        metrics.client_message_rejected("too_deep")
        await ctx.reply_error("Invalid JSON: nested too deeply")
        return
    kind = data.get("type") if isinstance(data, dict) else None
    if not isinstance(kind, str):
        metrics.client_message_rejected("no_type")
        await ctx.reply_error("Each message must be a JSON object with a string 'type'")
        return
    if kind not in CLIENT_MESSAGE_TYPES:
        logger.info("Ignoring unknown message type %r", kind[:64])
        metrics.client_message("unknown")
        return
    try:
        message = _client_adapter.validate_python(data)
    except ValidationError as exc:
        metrics.client_message_rejected("invalid")
        await ctx.reply_error(f"Invalid '{kind}' message", _validation_summary(exc))
        return
    except RecursionError:
        metrics.client_message_rejected("too_deep")
        await ctx.reply_error(f"Invalid '{kind}' message: nested too deeply")
        return
    session = ctx.session
    if isinstance(message, _CONTROL_MESSAGES) and not session.control_messages.is_allowed(
        session.user_id
    ):
        metrics.client_message_rejected("rate_limited")
        wait = session.control_messages.retry_after(session.user_id)
        await ctx.reply_error(
            f"Too many '{kind}' requests — please wait {math.ceil(wait)} s",
            f"limit {ctx.settings.control_message_burst} control messages, "
            f"{ctx.settings.control_messages_per_second:g} per second sustained",
        )
        return
    metrics.client_message(kind)
    try:
        await dispatch(ctx, message)
    except WorkspaceLimitError as exc:
        await ctx.reply_error(str(exc))
    except Exception:
        logger.exception("Handler for %r failed (user %s)", kind, ctx.session.user_id)
        await ctx.reply_error(f"Could not handle '{kind}'; please try again")


# ---------------------------------------------------------------------------- handlers


def human_path(points: list[Point], width: int, height: int, limit: int) -> Path:
    """A human stroke: points clamped to the canvas, bounded, a tap drawn as a dot."""
    clamped = [
        Point(x=min(max(p.x, 0.0), float(width)), y=min(max(p.y, 0.0), float(height)))
        for p in points[:limit]
        if math.isfinite(p.x) and math.isfinite(p.y)
    ]
    if not clamped:
        raise ValueError("A stroke needs at least one finite point")
    if len(clamped) == 1:
        clamped.append(clamped[0])
    return Path(type=PathType.POLYLINE, points=clamped, author=Author.HUMAN)


async def _stroke(ctx: HandlerContext, message: StrokeClientMessage) -> None:
    session = ctx.session
    if not session.human_strokes.is_allowed(session.user_id):
        await ctx.reply_error("Drawing too fast — please slow down a little")
        return
    width, height = session.state.canvas.size
    path = human_path(message.points, width, height, ctx.settings.max_human_stroke_points)
    await session.state.add_strokes([path])  # viewers get human_stroke once it is written


async def _nudge(ctx: HandlerContext, message: NudgeClientMessage) -> None:
    text = message.said.strip()
    if not text:
        await ctx.reply_error("A nudge needs some text")
        return
    if len(text) > ctx.settings.max_nudge_chars:
        await ctx.reply_error(
            f"Nudge too long: {len(text)} characters (limit {ctx.settings.max_nudge_chars})"
        )
        return
    await ctx.session.orchestrator.nudge(text)


async def _clear(ctx: HandlerContext, message: ClearClientMessage) -> None:
    await ctx.session.state.clear_canvas()  # viewers get clear once it is written


async def _pause(ctx: HandlerContext, message: PauseClientMessage) -> None:
    await ctx.session.orchestrator.pause(PauseReason.USER)


async def _resume(ctx: HandlerContext, message: ResumeClientMessage) -> None:
    direction = (message.direction or "").strip()[: ctx.settings.max_nudge_chars] or None
    await ctx.session.orchestrator.resume(direction)


async def _new_canvas(ctx: HandlerContext, message: NewCanvasClientMessage) -> None:
    state = ctx.session.state
    if state.canvas.stroke_count:  # this canvas would be saved as a new gallery piece
        pieces = len(await state.gallery.entries_async())
        if pieces >= ctx.max_gallery_pieces:
            await ctx.reply_error(
                f"Your gallery is full: {pieces} pieces (the limit is {ctx.max_gallery_pieces}). "
                "Delete some pieces, or clear this canvas, to start a new one"
            )
            return
    direction = (message.direction or "").strip()[: ctx.settings.max_nudge_chars] or None
    width = message.canvas_width if message.canvas_width is not None else DEFAULT_CANVAS_WIDTH
    height = message.canvas_height if message.canvas_height is not None else DEFAULT_CANVAS_HEIGHT
    await ctx.session.orchestrator.new_piece(
        direction=direction,
        drawing_style=message.drawing_style,
        width=round(width) if math.isfinite(width) else DEFAULT_CANVAS_WIDTH,
        height=round(height) if math.isfinite(height) else DEFAULT_CANVAS_HEIGHT,
    )


async def _load_canvas(ctx: HandlerContext, message: LoadCanvasClientMessage) -> None:
    state = ctx.session.state
    try:
        saved = await state.gallery.load_async(message.piece_number)
    except (FileNotFoundError, ValueError):
        await ctx.reply_error(f"There is no piece {message.piece_number} in your gallery")
        return
    await ctx.session.channel.send_to(
        ctx.connection,
        LoadCanvasMessage(
            strokes=saved.strokes,
            piece_number=saved.piece_number,
            drawing_style=saved.drawing_style,
            style_config=get_style_config(saved.drawing_style),
            canvas_width=saved.width,
            canvas_height=saved.height,
        ),
    )


async def _set_style(ctx: HandlerContext, message: SetStyleClientMessage) -> None:
    await ctx.session.state.set_drawing_style(message.drawing_style)  # (+ style_change)


async def _animation_done(ctx: HandlerContext, message: AnimationDoneClientMessage) -> None:
    channel = ctx.session.channel
    batch_id = message.batch_id
    if batch_id is None:  # everything delivered so far (every queued batch was announced)
        batch_id = max(channel.queue.newest_id, ctx.connection.stroke_cursor)
        if not batch_id:
            return
    ctx.session.orchestrator.animation_done(batch_id)
    await channel.animated(ctx.connection, batch_id)


async def dispatch(ctx: HandlerContext, message: ClientMessage) -> None:
    """Run the handler of one validated message."""
    match message:
        case StrokeClientMessage():
            await _stroke(ctx, message)
        case NudgeClientMessage():
            await _nudge(ctx, message)
        case ClearClientMessage():
            await _clear(ctx, message)
        case PauseClientMessage():
            await _pause(ctx, message)
        case ResumeClientMessage():
            await _resume(ctx, message)
        case NewCanvasClientMessage():
            await _new_canvas(ctx, message)
        case LoadCanvasClientMessage():
            await _load_canvas(ctx, message)
        case SetStyleClientMessage():
            await _set_style(ctx, message)
        case AnimationDoneClientMessage():
            await _animation_done(ctx, message)
        case AuthClientMessage():
            return  # already authenticated: nothing to do
