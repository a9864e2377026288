"""Reaching a signed-in user's live session from an HTTP request."""

from __future__ import annotations

from fastapi import HTTPException, status

from code_monet.db.records import User
from code_monet.live.registry import UserSession
from code_monet.live.runtime import ServerRuntime


async def session_for(runtime: ServerRuntime, user: User) -> UserSession:
    """The user's session (loaded if needed; released again later if no socket is open)."""
    try:
        session = await runtime.registry.acquire(user.id)
    except RuntimeError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Server shutting down") from exc
    if not runtime.connections.count(session.user_id):
        runtime.registry.schedule_release(session)
    return session
