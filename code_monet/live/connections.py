"""WebSocket ConnectionManager: every user's messages reach all of that user's sockets.

Each socket has a bounded send queue drained by one writer task, so a slow or stalled client
never delays anyone else: when its queue is full it is closed with 1013 (try again later) and
dropped. A per-user cap on open sockets is enforced at connect time (close 4003).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from code_monet.observability import metrics

logger = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_TOO_MANY_CONNECTIONS = 4003


class Socket(Protocol):
    """The part of a WebSocket the manager needs (Starlette's WebSocket fits)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(eq=False)
class ClientConnection:
    """One open socket of one user."""

    user_id: str
    socket: Socket
    inline_strokes: bool = False
    protocol_version: int = 1
    queue_size: int = 256
    token_key: str = ""
    trace_id: str | None = None
    session_id: str = ""
    """The sign-in session (refresh-token family) whose token opened the socket: signing that
    session out closes the socket."""
    id: int = 0
    """This socket's number on its server (given by the ``ConnectionManager``; ``init``'s
    ``connection_id``)."""
    stroke_cursor: int = 0
    """Newest batch this socket is past: acknowledged (v1), received inline (v2), or already
    in the ``init`` it was greeted with. v1 fetches return the batches after it."""
    fetched_cursor: int = 0
    """Newest batch a fetch certainly made by this socket returned: a v1 client draws the
    whole reply, so its ``animation_done`` covers all of it."""
    closed: bool = False
    close_timeout: float = 2.0
    _queue: asyncio.Queue[str | None] = field(init=False)
    _writer: asyncio.Task[None] | None = field(default=None, init=False)
    closed_event: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    """Set once the socket is closed by us (shutdown, slow-client drop): readers stop."""

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.queue_size)

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.id}")

    def room(self) -> int:
        """Frames that can be queued right now without dropping the client."""
        return self._queue.maxsize - self._queue.qsize()

    def offer(self, text: str) -> bool:
        """Queue a frame without waiting; False when the client is too slow (queue full)."""
        if self.closed:
            return False
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True

    async def _write_loop(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            try:
                await self.socket.send_text(text)
            except Exception:  # the peer went away mid-send
                self.closed = True
                self.closed_event.set()  # its reader stops too: nobody is listening
                self._drop_queued()
                return

    def _drop_queued(self) -> None:
        """Forget every frame still queued: a closed socket will never send them, and a
        flooded queue must not hold memory (or keep a writer busy) after the client left."""
        while not self._queue.empty():
            self._queue.get_nowait()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Stop writing and send a close frame (bounded: a stalled peer cannot hold us)."""
        if self.closed:
            return
        self.closed = True
        self.closed_event.set()
        self._drop_queued()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.close_timeout):
                await self.socket.close(code=code, reason=reason)

    async def drain(self, seconds: float) -> None:
        """Let queued frames go out (bounded), then stop the writer."""
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)
        if self._writer is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                async with asyncio.timeout(seconds):
                    await asyncio.shield(self._writer)


@dataclass
class ConnectionManager:
    max_per_user: int = 8
    queue_size: int = 256
    _by_user: dict[str, set[ClientConnection]] = field(default_factory=dict)
    _closing: set[asyncio.Task[None]] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    """Socket numbers: one sequence per manager (per server), not per process."""

    def count(self, user_id: str) -> int:
        return len(self._by_user.get(user_id, ()))

    def connections(self, user_id: str) -> list[ClientConnection]:
        return list(self._by_user.get(user_id, ()))

    def all_connections(self) -> list[ClientConnection]:
        return [c for conns in self._by_user.values() for c in conns]

    def at_cap(self, user_id: str) -> bool:
        return self.count(user_id) >= self.max_per_user

    async def refuse_over_cap(self, socket: Socket) -> None:
        """Close a socket that would exceed the per-user cap (4003)."""
        with contextlib.suppress(Exception):
            await socket.close(
                code=CLOSE_TOO_MANY_CONNECTIONS,
                reason=f"Too many connections (limit {self.max_per_user})",
            )

    def register(
        self,
        user_id: str,
        socket: Socket,
        *,
        inline_strokes: bool,
        protocol_version: int,
        token_key: str = "",
        trace_id: str | None = None,
        session_id: str = "",
    ) -> ClientConnection:
        """Register a socket synchronously (no await: nothing can be broadcast in between)."""
        connection = ClientConnection(
            user_id,
            socket,
            inline_strokes=inline_strokes,
            protocol_version=protocol_version,
            queue_size=self.queue_size,
            token_key=token_key,
            trace_id=trace_id,
            session_id=session_id,
            id=next(self._ids),
        )
        connection.start()
        self._by_user.setdefault(user_id, set()).add(connection)
        return connection

    async def add(
        self, user_id: str, socket: Socket, *, inline_strokes: bool, protocol_version: int
    ) -> ClientConnection | None:
        """Register a socket; None (and the socket closed with 4003) when over the cap."""
        if self.at_cap(user_id):
            logger.warning("User %s: connection cap of %d reached", user_id, self.max_per_user)
            await self.refuse_over_cap(socket)
            return None
        return self.register(
            user_id, socket, inline_strokes=inline_strokes, protocol_version=protocol_version
        )

    def remove(self, connection: ClientConnection) -> bool:
        """Forget a socket; True when it was the user's last one."""
        conns = self._by_user.get(connection.user_id)
        if conns is None:
            return False
        conns.discard(connection)
        if not conns:
            del self._by_user[connection.user_id]
            return True
        return False

    async def send(self, connection: ClientConnection, text: str) -> None:
        """Queue a frame for one socket; a client whose queue is full is dropped (1013)."""
        self.deliver(connection, text)

    def deliver(self, connection: ClientConnection, text: str) -> None:
        """:meth:`send` without awaiting (queueing never waits; a drop closes in the
        background)."""
        if not connection.offer(text):
            self._drop_slow(connection)

    async def broadcast(self, user_id: str, text: str) -> None:
        for connection in self.connections(user_id):
            self.deliver(connection, text)

    def _drop_slow(self, connection: ClientConnection) -> None:
        if connection.closed:
            return
        logger.warning("Dropping slow client %d of user %s", connection.id, connection.user_id)
        metrics.slow_client_dropped()
        self.remove(connection)
        # Closing may wait on the stalled peer: never make the broadcaster wait for it.
        task = asyncio.create_task(
            connection.close(CLOSE_TRY_AGAIN_LATER, "Client too slow; reconnect"),
            name=f"ws-drop-{connection.id}",
        )
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close_user(
        self, user_id: str, code: int, reason: str, *, session_id: str | None = None
    ) -> int:
        """Close a user's sockets (only those of ``session_id`` when given); their readers
        then finish as after any close. Returns how many were closed."""
        doomed = [
            c
            for c in self.connections(user_id)
            if not c.closed and (session_id is None or c.session_id == session_id)
        ]
        await asyncio.gather(*(c.close(code, reason) for c in doomed), return_exceptions=True)
        return len(doomed)

    async def close_all(
        self, code: int = CLOSE_GOING_AWAY, reason: str = "Server shutting down"
    ) -> None:
        """Close every socket at once (each first gets up to a second to flush what is queued),
        so a few stalled clients cannot use up the shutdown's time before the rest hear 1001."""

        async def close_one(connection: ClientConnection) -> None:
            await connection.drain(seconds=1.0)
            await connection.close(code, reason)
            self.remove(connection)

        await asyncio.gather(
            *(close_one(c) for c in self.all_connections()), return_exceptions=True
        )
