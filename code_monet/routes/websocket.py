"""``GET /ws``: the realtime socket (protocol v1, plus v2 ``seq`` resume and inline strokes).

Lifecycle: accept → authenticate (URL token, ``Sec-WebSocket-Protocol`` ``bearer.<token>``, or
— for a client that announced v2 with the ``code-monet.v2`` subprotocol, ``v=2``,
``strokes=inline`` or ``last_seq`` — a first ``auth`` frame; any other socket without a token
is closed 4001 at once) → load the user's session → send ``init`` (or replay what a resuming
v2 client missed) → undo a disconnect pause → read frames until the socket closes → on the
last socket's close, pause the agent and schedule the workspace's release.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from code_monet.auth.errors import AuthenticationError, AuthUnavailableError
from code_monet.auth.service import SessionEndedHook
from code_monet.live.connections import (
    CLOSE_GOING_AWAY,
    CLOSE_TRY_AGAIN_LATER,
    ClientConnection,
    ConnectionManager,
)
from code_monet.live.handlers import HandlerContext, handle_frame
from code_monet.live.options import ServerSettings
from code_monet.live.registry import UserSession
from code_monet.live.runtime import ServerRuntime
from code_monet.observability import metrics
from code_monet.observability.log_context import bind_user
from code_monet.observability.tracing import websocket_span
from code_monet.routes.services import services
from code_monet.types.messages import (
    AuthClientMessage,
    InitMessage,
    init_frame,
    parse_client_message,
)
from code_monet.types.state import GalleryEntry
from code_monet.types.styles import get_style_config

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4001
CLOSE_INTERNAL = 1011
AUTH_FRAME_TIMEOUT = 10.0
SESSION_ENDED = "Session ended; sign in again"
V2_SUBPROTOCOL = "code-monet.v2"
_TOKEN_PREFIXES = ("bearer.", "access_token.")


def token_key(token: str) -> str:
    """A short fingerprint of a bearer token: matches HTTP fetches to their client's sockets."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def socket_closer(connections: ConnectionManager) -> SessionEndedHook:
    """The auth service's hook: a session signed out (or revoked, or every session of a
    deactivated user) closes its open sockets with 4001 at once."""

    async def close(user_id: uuid.UUID, session_id: str | None) -> None:
        await connections.close_user(
            str(user_id), CLOSE_UNAUTHORIZED, SESSION_ENDED, session_id=session_id
        )

    return close


def _subprotocol_choice(offered: list[str]) -> tuple[str | None, str | None]:
    """(subprotocol to echo, token carried in a subprotocol)."""
    token = next(
        (p.split(".", 1)[1] for p in offered if p.lower().startswith(_TOKEN_PREFIXES)), None
    )
    if V2_SUBPROTOCOL in offered:
        return V2_SUBPROTOCOL, token
    plain = [p for p in offered if not p.lower().startswith(_TOKEN_PREFIXES)]
    return (plain[0] if plain else (offered[0] if offered else None)), token


@dataclass
class UnauthenticatedSockets:
    """Sockets waiting for their first-frame ``auth`` (up to ``AUTH_FRAME_TIMEOUT`` each), by
    source address. Capped per address and in total, so a client opening hundreds of sockets
    that never authenticate is refused at once instead of holding them all (issue 15)."""

    total: int = 0
    by_address: dict[str, int] = field(default_factory=dict)

    def enter(self, address: str, settings: ServerSettings) -> str | None:
        """Admit one more waiting socket; otherwise say why not (the close reason)."""
        if self.by_address.get(address, 0) >= settings.max_unauthenticated_per_address:
            return "Too many connections waiting to authenticate from your address; retry later"
        if self.total >= settings.max_unauthenticated_sockets:
            return "Too many connections waiting to authenticate; retry later"
        self.total += 1
        self.by_address[address] = self.by_address.get(address, 0) + 1
        return None

    def leave(self, address: str) -> None:
        self.total -= 1
        left = self.by_address.get(address, 1) - 1
        if left > 0:
            self.by_address[address] = left
        else:
            self.by_address.pop(address, None)


async def _first_frame_token(websocket: WebSocket) -> str | None:
    try:
        async with asyncio.timeout(AUTH_FRAME_TIMEOUT):
            raw = await websocket.receive_text()
    except (TimeoutError, WebSocketDisconnect, RuntimeError, KeyError):
        return None
    try:
        message = parse_client_message(raw)
    except (ValidationError, ValueError, RecursionError):  # deep nesting: no token, not a crash
        return None
    return message.token if isinstance(message, AuthClientMessage) else None


def _last_seq(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value) > 18:
        return None
    return int(value)


def _epoch(value: str | None) -> str | None:
    return value if value and len(value) <= 64 else None


def create_websocket_router() -> APIRouter:
    router = APIRouter()
    waiting = UnauthenticatedSockets()  # one per app (per router), not per module

    @router.websocket("/ws")
    async def websocket_endpoint(websocket: WebSocket) -> None:
        await serve_socket(websocket, waiting)

    return router


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.close(code=code, reason=reason[:120])


async def _waited_token(
    websocket: WebSocket, waiting: UnauthenticatedSockets, settings: ServerSettings
) -> str | None:
    """The first-frame token, if this socket may wait for one (else it is closed with 1013)."""
    address = websocket.client.host if websocket.client is not None else "unknown"
    refused = waiting.enter(address, settings)
    if refused is not None:
        metrics.client_message_rejected("unauthenticated_cap")
        await _close(websocket, CLOSE_TRY_AGAIN_LATER, refused)
        return None
    try:
        return await _first_frame_token(websocket)
    finally:
        waiting.leave(address)


async def serve_socket(websocket: WebSocket, waiting: UnauthenticatedSockets | None = None) -> None:
    offered = list(websocket.scope.get("subprotocols") or [])
    subprotocol, header_token = _subprotocol_choice(offered)
    await websocket.accept(subprotocol=subprotocol)
    runtime = services(websocket).runtime
    if runtime is None or runtime.shutdown.is_stopping:
        await _close(websocket, CLOSE_GOING_AWAY, "Server shutting down")
        return
    params = websocket.query_params
    first_frame_auth = False
    inline = params.get("strokes") == "inline"
    last_seq = _last_seq(params.get("last_seq"))
    announced_v2 = (
        subprotocol == V2_SUBPROTOCOL or params.get("v") == "2" or inline or last_seq is not None
    )
    token = params.get("token") or header_token
    if not token and announced_v2:  # only a v2 client may send its token in the first frame
        token = await _waited_token(
            websocket, waiting or UnauthenticatedSockets(), runtime.settings
        )
        first_frame_auth = True
    if not token:  # (a v1 client without a token is told at once, as the original server does)
        await _close(websocket, CLOSE_UNAUTHORIZED, "Missing token")
        return
    version = 2 if (announced_v2 or first_frame_auth or subprotocol) else 1
    try:
        authenticated = await runtime.auth.authenticate(token, v1_grace=version == 1)
    except AuthUnavailableError:
        await _close(websocket, CLOSE_INTERNAL, "Authentication unavailable; retry shortly")
        return
    except AuthenticationError as exc:
        await _close(websocket, CLOSE_UNAUTHORIZED, str(exc) or "Invalid token")
        return
    user_id = str(authenticated.user.id)
    session_id = authenticated.claims.session_id
    with (
        bind_user(user_id),
        websocket_span(
            "ws.connection",
            user_id=user_id,
            client_trace_id=params.get("trace_id"),
            attributes={"ws.protocol_version": version, "ws.inline_strokes": inline},
        ),
    ):
        await _run_connection(
            runtime, websocket, user_id, token_key(token), inline, last_seq, version, session_id
        )


async def _run_connection(
    runtime: ServerRuntime,
    websocket: WebSocket,
    user_id: str,
    key: str,
    inline: bool,
    last_seq: int | None,
    version: int,
    session_id: str = "",
) -> None:
    connections = runtime.connections
    if connections.at_cap(user_id):
        await connections.refuse_over_cap(websocket)
        return
    try:
        session = await runtime.registry.acquire(user_id)
        gallery = await session.state.gallery.entries_async()
    except RuntimeError:
        await _close(websocket, CLOSE_GOING_AWAY, "Server shutting down")
        return
    if connections.at_cap(user_id) or runtime.shutdown.is_stopping:
        if runtime.shutdown.is_stopping:
            await _close(websocket, CLOSE_GOING_AWAY, "Server shutting down")
        else:
            await connections.refuse_over_cap(websocket)
        runtime.registry.schedule_release(session)
        return
    # From here to the first await nothing else runs: the socket sees every later broadcast
    # exactly once, after its init (or its replay).
    connection = connections.register(
        user_id,
        websocket,
        inline_strokes=inline,
        protocol_version=version,
        token_key=key,
        trace_id=websocket.query_params.get("trace_id"),
        session_id=session_id,
    )
    _greet(session, connection, gallery, last_seq, _epoch(websocket.query_params.get("epoch")))
    metrics.connection_opened(version)
    close_code = 1000
    closed_by_us: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    check = _SessionCheck(runtime, connection)
    watcher = asyncio.create_task(check.watch(), name=f"ws-session-check-{connection.id}")
    try:
        await session.orchestrator.viewer_connected()
        ctx = HandlerContext(
            session,
            connection,
            runtime.settings,
            max_gallery_pieces=runtime.registry.limits.max_gallery_pieces,
        )
        closed_by_us = asyncio.ensure_future(connection.closed_event.wait())
        while True:
            receiving = asyncio.ensure_future(websocket.receive())
            await asyncio.wait({receiving, closed_by_us}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():  # dropped as too slow, or closed at shutdown
                receiving.cancel()
                close_code = 1013
                break
            message = receiving.result()
            if message["type"] == "websocket.disconnect":
                close_code = int(message.get("code") or 1000)
                break
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            if not await check.still_live(stale_only=True):
                close_code = CLOSE_UNAUTHORIZED
                break
            await handle_frame(ctx, raw)
    except WebSocketDisconnect as exc:
        close_code = exc.code
    except RuntimeError:  # the socket was closed under us (shutdown, slow-client drop)
        close_code = CLOSE_GOING_AWAY
    finally:
        closed_by_us.cancel()
        watcher.cancel()
        await _disconnected(runtime, session, connection, close_code)


class _SessionCheck:
    """Re-checks that a socket's user is active and its session signed in, at most every
    ``WS_SESSION_RECHECK_SECONDS``: in the background (a socket that only listens is closed
    too) and before a frame is handled once the last check is that old. In-process sign-outs
    close sockets at once (:func:`socket_closer`); this catches other processes (the CLI)."""

    def __init__(self, runtime: ServerRuntime, connection: ClientConnection) -> None:
        self.runtime = runtime
        self.connection = connection
        self.interval = runtime.settings.ws_session_recheck_seconds
        self.checked_at = asyncio.get_running_loop().time()

    async def still_live(self, *, stale_only: bool) -> bool:
        """False (and the socket closed 4001) when the session has ended."""
        now = asyncio.get_running_loop().time()
        if stale_only and now - self.checked_at < self.interval:
            return True
        self.checked_at = now
        connection = self.connection
        try:
            live = await self.runtime.auth.session_is_live(
                uuid.UUID(connection.user_id), connection.session_id
            )
        except AuthUnavailableError:
            return True  # an outage is not a sign-out: the next check decides
        if not live:
            logger.info("Closing socket %d: its session ended", connection.id)
            await connection.close(CLOSE_UNAUTHORIZED, SESSION_ENDED)
        return live

    async def watch(self) -> None:
        """Re-check every ``interval`` until the socket closes (which ends the wait at once)."""
        while not self.connection.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.connection.closed_event.wait(), self.interval)
            if self.connection.closed or not await self.still_live(stale_only=False):
                return


def _greet(
    session: UserSession,
    connection: ClientConnection,
    gallery: list[GalleryEntry],
    last_seq: int | None,
    epoch: str | None = None,
) -> None:
    """Queue the socket's first frames: a replay of what it missed, or a fresh ``init`` (when
    the log no longer has all of it, the client's ``epoch`` is not the log's, its ``last_seq``
    is ahead of the log, or the replay would not fit the socket's send queue)."""
    state, channel = session.state, session.channel
    same_epoch = epoch is None or epoch == channel.log.epoch
    replay = channel.log.since(last_seq) if last_seq is not None and same_epoch else None
    frames = channel.replay_frames(connection, replay) if replay is not None else None
    if frames is not None and len(frames) < connection.room():
        for frame in frames:
            connection.offer(frame)
        if connection.inline_strokes:
            connection.stroke_cursor = channel.queue.newest_id
        return
    width, height = state.canvas.size
    newest = channel.queue.newest_id
    init = InitMessage(
        strokes=[],
        gallery=gallery,
        status=state.piece.status,
        paused=state.piece.paused,
        piece_number=state.piece.number,
        monologue=state.piece.monologue,
        drawing_style=state.canvas.drawing_style,
        style_config=get_style_config(state.canvas.drawing_style),
        canvas_width=width,
        canvas_height=height,
        title=state.piece.title,
        prompt=state.piece.prompt,
        seq=channel.log.last_seq,
        epoch=channel.log.epoch,
        connection_id=connection.id,
        piece_completed=state.piece.completed,
        turn_active=session.orchestrator.turn_active,
        last_batch_id=newest,
    )
    connection.offer(init_frame(init, state.canvas.strokes_json()))
    connection.stroke_cursor = newest  # the init's strokes hold every queued batch already


async def _disconnected(
    runtime: ServerRuntime, session: UserSession, connection: ClientConnection, code: int
) -> None:
    if not connection.closed:
        await connection.close(1000)
    runtime.connections.remove(connection)
    last = runtime.connections.count(session.user_id) == 0
    metrics.connection_closed(code)
    if last:
        with contextlib.suppress(Exception):
            await session.orchestrator.last_viewer_left()
        runtime.registry.schedule_release(session)
