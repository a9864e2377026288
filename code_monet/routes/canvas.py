"""The signed-in user's live canvas: ``/state``, ``/canvas.png``, ``/canvas.svg``.

Rendering runs in a worker thread; the event loop never rasterises. ``canvas.png``'s width is
rounded up to the canvas width times a power of two, renders are cached per canvas revision
and charged to the user (``RenderGate``: 429 + Retry-After beyond the budget).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from code_monet.observability import metrics
from code_monet.render.gate import client_key, relative_steps, snap_up
from code_monet.render.pipeline import RenderOptions, canvas_to_svg, render_strokes_png
from code_monet.routes.deps import CurrentUser, RuntimeDep
from code_monet.routes.sessions import session_for
from code_monet.types.paths import Path
from code_monet.types.state import AgentStatus
from code_monet.types.styles import DrawingStyleConfig, DrawingStyleType, get_style_config

NO_STORE = {"Cache-Control": "no-store"}


class StateResponse(BaseModel):
    """The live studio state (the fields of ``init`` without the gallery)."""

    strokes: list[Path]
    status: AgentStatus
    paused: bool
    pause_reason: str
    piece_number: int
    piece_completed: bool
    monologue: str
    drawing_style: DrawingStyleType
    style_config: DrawingStyleConfig
    canvas_width: int
    canvas_height: int
    title: str | None
    prompt: str | None
    pending_strokes: int
    viewers: int
    turn_active: bool
    server_time: datetime


def create_canvas_router() -> APIRouter:
    router = APIRouter(tags=["canvas"])

    @router.get("/state", response_model=StateResponse)
    async def get_state(user: CurrentUser, runtime: RuntimeDep) -> StateResponse:
        session = await session_for(runtime, user)
        state = session.state
        width, height = state.canvas.size
        return StateResponse(
            strokes=await state.canvas.stroke_paths(),
            status=state.piece.status,
            paused=state.piece.paused,
            pause_reason=state.piece.pause_reason.value,
            piece_number=state.piece.number,
            piece_completed=state.piece.completed,
            monologue=state.piece.monologue,
            drawing_style=state.canvas.drawing_style,
            style_config=get_style_config(state.canvas.drawing_style),
            canvas_width=width,
            canvas_height=height,
            title=state.piece.title,
            prompt=state.piece.prompt,
            pending_strokes=session.channel.queue.stroke_count,
            viewers=runtime.connections.count(session.user_id),
            turn_active=session.orchestrator.turn_active,
            server_time=datetime.now().astimezone(),
        )

    @router.get("/canvas.png", response_class=Response)
    async def canvas_png(
        request: Request,
        user: CurrentUser,
        runtime: RuntimeDep,
        width: int | None = Query(
            default=None,
            ge=16,
            le=4096,
            description="Output width, rounded up to the canvas width × 2^k (¼, ½, 1, 2, 4…)",
        ),
        highlight_human: bool = False,
    ) -> Response:
        """The live canvas as PNG (optionally scaled to about ``width``)."""
        session = await session_for(runtime, user)
        state = session.state
        canvas_w, canvas_h = state.canvas.size
        out_w = snap_up(width, relative_steps(canvas_w, 16, 4096)) if width else canvas_w
        out_h = max(1, round(canvas_h * out_w / canvas_w))
        gate = runtime.renders
        key = (session.user_id, state.log.last_seq, out_w, highlight_human)
        cached = gate.live.get(key)
        if cached is not None:
            return Response(cached, media_type="image/png", headers=NO_STORE)
        options = RenderOptions(
            width=out_w,
            height=out_h,
            drawing_style=state.canvas.drawing_style,
            highlight_human=highlight_human,
            expand_brushes=state.canvas.drawing_style is DrawingStyleType.PAINT,
            scale_from=(canvas_w, canvas_h),
            scale_padding=0,
        )
        started = time.perf_counter()
        strokes = await state.canvas.stroke_paths()
        png = await gate.render(
            client_key(request, user.id), lambda: render_strokes_png(strokes, options)
        )
        gate.live.put(key, png)
        metrics.render_finished("canvas_png", time.perf_counter() - started)
        return Response(png, media_type="image/png", headers=NO_STORE)

    @router.get("/canvas.svg", response_class=Response)
    async def canvas_svg(user: CurrentUser, runtime: RuntimeDep) -> Response:
        """The live canvas as a standalone SVG document."""
        session = await session_for(runtime, user)
        state = session.state
        canvas_w, canvas_h = state.canvas.size
        strokes = await state.canvas.stroke_paths()
        svg = await asyncio.to_thread(
            canvas_to_svg, strokes, canvas_w, canvas_h, state.canvas.drawing_style
        )
        return Response(svg, media_type="image/svg+xml", headers=NO_STORE)

    return router
