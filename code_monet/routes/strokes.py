"""``GET /strokes/pending``: v1 stroke delivery, with per-connection cursors.

A client gets the batches its sockets have not had yet: it may say where it is
(``after_batch_id``), name its socket (``connection_id`` from its ``init``), or be recognised by
its bearer token. Nothing is taken away from the user's other sockets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from code_monet.routes.deps import CurrentV1User, RuntimeDep
from code_monet.routes.sessions import session_for
from code_monet.routes.websocket import token_key
from code_monet.types.messages import PendingStroke

_bearer = HTTPBearer(auto_error=False)


class PendingStrokesResponse(BaseModel):
    strokes: list[PendingStroke]
    count: int
    piece_number: int


def create_strokes_router() -> APIRouter:
    router = APIRouter(tags=["strokes"])

    @router.get("/strokes/pending", response_model=PendingStrokesResponse)
    async def pending(
        user: CurrentV1User,
        runtime: RuntimeDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        after_batch_id: Annotated[int | None, Query(ge=0, le=2**53)] = None,
        connection_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    ) -> PendingStrokesResponse:
        session = await session_for(runtime, user)
        key = token_key(credentials.credentials) if credentials is not None else ""
        strokes = await session.channel.fetch_pending(
            after_batch_id=after_batch_id, connection_id=connection_id, token_key=key
        )
        return PendingStrokesResponse.model_validate(
            {"strokes": strokes, "count": len(strokes), "piece_number": session.state.piece.number}
        )

    return router
