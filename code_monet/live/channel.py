"""How one user's server messages and stroke batches reach that user's sockets.

``UserChannel`` is the server's :class:`~code_monet.live.orchestrator.Broadcaster`. Every
message gets the user's next durable ``seq`` (``EventLog``) and goes to every socket of the user
through the ``ConnectionManager`` (bounded queues, slow clients dropped).
A drawn batch is serialised once as a v2 ``strokes`` frame; sockets that did not ask for
inline strokes get the v1 ``agent_strokes_ready`` announcement with the same ``seq``
and fetch the batch over HTTP.

Each socket keeps a stroke cursor (the newest batch it has been given or has fetched); queued
batches are dropped from the workspace once every open socket is past them, so no socket is
starved by another fetching first.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

from code_monet import metrics
from code_monet.live.connections import ClientConnection, ConnectionManager
from code_monet.live.log import EventLog
from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.messages import (
    AgentStrokesReadyMessage,
    ServerMessage,
)
from code_monet.workspace import WorkspaceState

logger = logging.getLogger(__name__)

MAX_RETAINED_BATCHES = 64
"""Batches kept for sockets that never fetch (e.g. a v1 script that ignores strokes)."""


def v1_announcement(strokes_line: str) -> str | None:
    """Turn a logged ``strokes`` frame into the ``agent_strokes_ready`` a v1 socket expects."""
    try:
        data = json.loads(strokes_line)
        message = AgentStrokesReadyMessage(
            count=len(data["strokes"]),
            batch_id=int(data["batch_id"]),
            piece_number=int(data["piece_number"]),
            seq=int(data["seq"]),
        )
    except (ValueError, KeyError, TypeError):
        logger.warning("Could not convert a logged strokes frame for a v1 socket")
        return None
    return message.model_dump_json()


@dataclass
class UserChannel:
    """One user's outbound path: seq stamping, fan-out, stroke batches and cursors."""

    user_id: str
    state: WorkspaceState
    events: EventLog
    connections: ConnectionManager
    _acks: dict[int, int] = field(default_factory=dict)
    _queued_at: dict[int, float] = field(default_factory=dict)  # until the first ack

    # ------------------------------------------------------------------ Broadcaster protocol

    async def send(self, message: ServerMessage) -> None:
        text = self.events.stamp(message)
        await self.connections.broadcast(self.user_id, text)

    async def strokes_ready(self, batch_id: int, piece_number: int, count: int) -> None:
        queued_at = time.time()
        # Hot path: the batch's points are already in memory; build the frame once, on the loop.
        seq, inline_text = self.events.stamp_json(
            {
                "type": "strokes",
                "batch_id": batch_id,
                "piece_number": piece_number,
                "strokes": self.state.batch_dicts(batch_id),
                "queued_at": queued_at,
            }
        )
        v1_text = AgentStrokesReadyMessage(
            count=count, batch_id=batch_id, piece_number=piece_number, seq=seq
        ).model_dump_json()
        for connection in self.connections.connections(self.user_id):
            if connection.inline_strokes:
                connection.stroke_cursor = max(connection.stroke_cursor, batch_id)
                await self.connections.send(connection, inline_text)
            else:
                await self.connections.send(connection, v1_text)
        metrics.batch_queued(count)
        metrics.batch_delivered(time.time() - queued_at)
        self._acks[batch_id] = 0
        self._queued_at[batch_id] = queued_at
        for per_batch in (self._acks, self._queued_at):
            while len(per_batch) > MAX_RETAINED_BATCHES:
                del per_batch[min(per_batch)]
        await self.trim()

    def viewer_count(self) -> int:
        return self.connections.count(self.user_id)

    async def announce_unlogged(self) -> int:
        """After a crash: log (and so replay) queued batches whose frame was never written."""
        announced = self.events.newest_strokes_batch()
        missing = [b for b in self.state.pending_batch_ids() if b > announced]
        for batch_id in missing:
            self.events.stamp_json(
                {
                    "type": "strokes",
                    "batch_id": batch_id,
                    "piece_number": self.state.piece_number,
                    "strokes": self.state.batch_dicts(batch_id),
                }
            )
        if missing:
            logger.info("User %s: announced %d unlogged batches", self.user_id, len(missing))
        return len(missing)

    # ------------------------------------------------------------------ per-socket sending

    async def send_to(self, connection: ClientConnection, message: ServerMessage) -> None:
        """A reply to one socket only (not logged; keeps the user's current ``seq``)."""
        await self.connections.send(connection, message.model_dump_json())

    def replay_frames(self, connection: ClientConnection, lines: list[str]) -> list[str]:
        """What a resuming socket should receive for logged ``lines`` (v1 sockets get
        announcements instead of inline batches)."""
        if connection.inline_strokes:
            return lines
        frames: list[str] = []
        for line in lines:
            if line.startswith('{"seq":') and '"type":"strokes"' in line[:64]:
                announcement = v1_announcement(line)
                if announcement is not None:
                    frames.append(announcement)
            else:
                frames.append(line)
        return frames

    # ------------------------------------------------------------------ cursors and trimming

    def newest_batch_id(self) -> int:
        return self.state.newest_pending_batch_id()

    async def fetch_pending(
        self,
        *,
        after_batch_id: int | None = None,
        connection_id: int | None = None,
        token_key: str = "",
    ) -> list[PendingStrokeDict]:
        """``GET /strokes/pending``: batches the asking client has not had yet.

        With ``after_batch_id`` the client says where it is; with ``connection_id`` (from its
        ``init``) or its bearer token we find its socket. A client we cannot place gets every
        queued batch (v1 behaviour).

        Several v1 sockets on one token (two tabs of one login) cannot be told apart over
        HTTP. A fetch is then credited to the most up-to-date of them that is still behind
        (a tab fetches once per announcement, so the fast tab asks first), nothing is trimmed
        on its say-so, and ``animation_done`` (which arrives on the real socket) corrects a
        wrong guess, so each tab gets every batch once.
        """
        if after_batch_id is not None:  # the client keeps its own place: no cursor moves
            return await self.state.pending_strokes(after_batch_id=after_batch_id)
        if connection_id is not None:
            matches = [c for c in self._v1_sockets() if c.id == connection_id]
        else:
            matches = self._v1_sockets(token_key) if token_key else []
        newest_queued = self.state.newest_pending_batch_id()
        behind = [c for c in matches if c.fetched_cursor < newest_queued] or matches
        chosen = max(behind, key=lambda c: (c.fetched_cursor, -c.id)) if behind else None
        cursor = chosen.fetched_cursor if chosen is not None else 0
        strokes = await self.state.pending_strokes(after_batch_id=cursor)
        newest = max((s["batch_id"] for s in strokes), default=cursor)
        if chosen is not None:
            chosen.fetched_cursor = max(chosen.fetched_cursor, newest)
            if len(matches) == 1:  # certainly this socket's fetch: it is past these batches
                chosen.stroke_cursor = max(chosen.stroke_cursor, newest)
                await self.trim()
        return strokes

    async def animated(self, connection: ClientConnection, batch_id: int) -> None:
        """A socket finished animating ``batch_id``: it is past it. The queue is trimmed once
        every socket has acknowledged (counted, so 500 viewers cost O(1) per ack)."""
        connection.stroke_cursor = max(connection.stroke_cursor, batch_id)
        queued_at = self._queued_at.pop(batch_id, None)
        if queued_at is not None:  # the first viewer to finish it
            metrics.batch_acknowledged(time.time() - queued_at)
        if connection.fetched_cursor < batch_id:
            self._recredit(connection, batch_id)
        if batch_id in self._acks:
            self._acks[batch_id] += 1
            if self._acks[batch_id] < self.viewer_count():
                return
            del self._acks[batch_id]
        await self.trim()

    def _recredit(self, connection: ClientConnection, batch_id: int) -> None:
        """``connection`` animated a batch whose fetch was credited to another socket on its
        token: that one has not had it, so it gets it on its own fetch."""
        connection.fetched_cursor = batch_id
        for other in self._v1_sockets(connection.token_key):
            if other is not connection and other.fetched_cursor >= batch_id > other.stroke_cursor:
                other.fetched_cursor = other.stroke_cursor
                return

    def _v1_sockets(self, token_key: str | None = None) -> list[ClientConnection]:
        """The user's sockets that fetch over HTTP (optionally: signed in with that token)."""
        return [
            c
            for c in self.connections.connections(self.user_id)
            if not c.inline_strokes and (token_key is None or c.token_key == token_key)
        ]

    async def trim(self) -> None:
        """Drop queued batches every open socket is past (and the oldest beyond the cap)."""
        sockets = self.connections.connections(self.user_id)
        if not sockets:
            return
        up_to = min(c.stroke_cursor for c in sockets)
        ids = self.state.pending_batch_ids()
        if len(ids) > MAX_RETAINED_BATCHES:
            up_to = max(up_to, ids[-MAX_RETAINED_BATCHES - 1])
        if ids and up_to >= ids[0]:
            await self.state.ack_batches(up_to)
