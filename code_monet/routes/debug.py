"""Debug endpoints for the signed-in user: a look at their agent and workspace.

Reading is allowed to any signed-in user (it is their own data); destructive actions are only
there in dev/local mode (404 otherwise).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from code_monet.routes.deps import AuthServiceDep, CurrentUser, RuntimeDep
from code_monet.routes.sessions import session_for


class AgentDebug(BaseModel):
    user_id: str
    provider: str
    status: str
    paused: bool
    pause_reason: str
    loop_running: bool
    turn_active: bool
    turns_run: int
    piece_number: int
    piece_completed: bool
    viewers: int
    # (v1) what the original terminal client's ``status``/``test`` and debug panel print
    stroke_count: int
    connected_clients: int
    notes: str
    monologue: str


class WorkspaceDebug(BaseModel):
    user_id: str
    directory: str
    piece_number: int
    strokes: int
    pending_strokes: int
    pending_batches: list[int]
    gallery_pieces: int
    last_seq: int
    canvas_width: int
    canvas_height: int
    drawing_style: str
    load_warnings: list[str]


class ActionResult(BaseModel):
    ok: bool
    detail: str


def create_debug_router() -> APIRouter:
    router = APIRouter(prefix="/debug", tags=["debug"])

    @router.get("/agent", response_model=AgentDebug)
    async def agent(user: CurrentUser, runtime: RuntimeDep) -> AgentDebug:
        session = await session_for(runtime, user)
        state, orchestrator = session.state, session.orchestrator
        return AgentDebug(
            user_id=session.user_id,
            provider=type(session.agent.provider).__name__,
            status=state.piece.status.value,
            paused=state.piece.paused,
            pause_reason=state.piece.pause_reason.value,
            loop_running=orchestrator.running,
            turn_active=orchestrator.turn_active,
            turns_run=orchestrator.turns_run,
            piece_number=state.piece.number,
            piece_completed=state.piece.completed,
            viewers=runtime.connections.count(session.user_id),
            stroke_count=state.canvas.stroke_count,
            connected_clients=runtime.connections.count(session.user_id),
            notes=state.piece.notes,
            monologue=state.piece.monologue,
        )

    @router.get("/workspace", response_model=WorkspaceDebug)
    async def workspace(user: CurrentUser, runtime: RuntimeDep) -> WorkspaceDebug:
        session = await session_for(runtime, user)
        state = session.state
        width, height = state.canvas.size
        return WorkspaceDebug(
            user_id=session.user_id,
            directory=state.directory.name,
            piece_number=state.piece.number,
            strokes=state.canvas.stroke_count,
            pending_strokes=session.channel.queue.stroke_count,
            pending_batches=session.channel.queue.ids(),
            gallery_pieces=len(await state.gallery.entries_async()),
            last_seq=session.channel.log.last_seq,
            canvas_width=width,
            canvas_height=height,
            drawing_style=state.canvas.drawing_style.value,
            load_warnings=state.load_warnings,
        )

    @router.post("/reset-agent", response_model=ActionResult)
    async def reset_agent(
        user: CurrentUser, runtime: RuntimeDep, auth: AuthServiceDep
    ) -> ActionResult:
        """Dev only: stop and restart the user's agent loop (drops its session memory)."""
        if not auth.settings.dev_endpoints_enabled:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        session = await session_for(runtime, user)
        await session.orchestrator.stop()
        await session.agent.reset_session()
        session.orchestrator.start()
        return ActionResult(ok=True, detail="Agent loop restarted")

    @router.post("/clear-queue", response_model=ActionResult)
    async def clear_queue(
        user: CurrentUser, runtime: RuntimeDep, auth: AuthServiceDep
    ) -> ActionResult:
        """Dev only: drop every queued stroke batch."""
        if not auth.settings.dev_endpoints_enabled:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        session = await session_for(runtime, user)
        dropped = session.channel.acknowledge(session.channel.queue.newest_id)
        return ActionResult(ok=True, detail=f"Dropped {dropped} queued batches")

    return router
