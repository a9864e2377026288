"""How one user's messages and stroke batches reach that user's sockets.

``UserChannel`` listens to the user's log (:mod:`code_monet.workspace.log`): every message reaches
sockets only after its record is written, with the ``seq`` it was written with, and nothing else
is ever sent to all sockets — except the unlogged notices that the log itself cannot be written.
A drawn batch is one ``strokes`` message: v2 sockets that asked for inline strokes get it as is;
v1 sockets get ``agent_strokes_ready`` with the same ``seq`` and fetch the batch over HTTP.

The channel owns the user's stroke queue (:mod:`code_monet.workspace.stroke_queue`), the sockets'
cursors into it, the acknowledgement counts and the ``ack`` records: each socket keeps a
stroke cursor (the newest batch it has been given or has fetched); queued batches are dropped
once every open socket is past them, so no socket is starved by another fetching first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field

from code_monet.live.connections import ClientConnection, ConnectionManager
from code_monet.observability import metrics
from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.messages import (
    AgentStrokesReadyMessage,
    ServerMessage,
)
from code_monet.workspace import WorkspaceState
from code_monet.workspace.log import Committed, LogWriteError, UserLog
from code_monet.workspace.stroke_queue import StrokeQueue, batches_to_dicts

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
    """One user's outbound path: fan-out of logged messages, stroke batches and cursors."""

    user_id: str
    state: WorkspaceState
    connections: ConnectionManager
    _acks: dict[int, int] = field(default_factory=dict)
    _queued_at: dict[int, float] = field(default_factory=dict)  # until the first ack

    @property
    def log(self) -> UserLog:
        return self.state.log

    @property
    def queue(self) -> StrokeQueue:
        """The user's stroke queue (rebuilt from the log on load; this channel drives it)."""
        return self.state.queue

    # ------------------------------------------------------------------ Broadcaster protocol

    async def send(self, message: ServerMessage) -> None:
        """Log a message; it reaches every socket once written."""
        self.state.publish(message)

    def viewer_count(self) -> int:
        return self.connections.count(self.user_id)

    def send_unlogged(self, message: ServerMessage) -> None:
        """Tell every socket something the log cannot hold (that the log cannot be written):
        no ``seq``, never replayed."""
        text = message.model_dump_json()
        for connection in self.connections.connections(self.user_id):
            self.connections.deliver(connection, text)

    def on_logged(self, messages: list[Committed]) -> None:
        """(The log's listener.) Queue written messages for every socket of the user."""
        sockets = self.connections.connections(self.user_id)
        for message in messages:
            if message.batch_id:
                self._fan_out_batch(message, sockets)
                continue
            for connection in sockets:
                self.connections.deliver(connection, message.text)

    def _fan_out_batch(self, message: Committed, sockets: list[ClientConnection]) -> None:
        batch_id = message.batch_id
        announced = self.queue.announcement(batch_id)
        v1_text: str | None = None
        for connection in sockets:
            if connection.inline_strokes:
                connection.stroke_cursor = max(connection.stroke_cursor, batch_id)
                self.connections.deliver(connection, message.text)
                continue
            if v1_text is None:
                v1_text = (
                    AgentStrokesReadyMessage(
                        count=announced.count,
                        batch_id=batch_id,
                        piece_number=announced.piece_number,
                        seq=message.seq,
                    ).model_dump_json()
                    if announced is not None
                    else v1_announcement(message.text)
                )
            if v1_text is not None:
                self.connections.deliver(connection, v1_text)
        queued_at = announced.queued_at if announced is not None else time.time()
        if announced is not None:
            metrics.batch_queued(announced.count)
        metrics.batch_delivered(time.time() - queued_at)
        self._acks[batch_id] = 0
        self._queued_at[batch_id] = queued_at
        for per_batch in (self._acks, self._queued_at):
            while len(per_batch) > MAX_RETAINED_BATCHES:
                del per_batch[min(per_batch)]
        self.trim()

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

    async def fetch_pending(
        self,
        *,
        after_batch_id: int | None = None,
        connection_id: int | None = None,
        token_key: str = "",
    ) -> list[PendingStrokeDict]:
        """``GET /strokes/pending``: every batch the asking socket has not acknowledged yet.

        Idempotent until ``animation_done``: fetching moves nothing, so a client that fetches
        again and again (the original web client re-fetches on every render and keeps the
        last reply) always gets all of its unacknowledged strokes. With ``after_batch_id`` the
        client says where it is; with ``connection_id`` (from its ``init``) or its bearer token
        we find its socket. A client we cannot place gets every queued batch (v1 behaviour).

        A v1 client draws the whole reply and then acknowledges the batch it was told about,
        so a fetch certainly made by one socket (named by ``connection_id``, or the only one
        on its token) is remembered: that socket's ``animation_done`` covers all of it.

        Several v1 sockets on one token (two tabs of one login) cannot be told apart over
        HTTP: the fetch is answered for the one that is furthest behind, so no tab misses a
        stroke (a tab may then be given a batch twice; naming the socket avoids that).
        """
        if after_batch_id is not None:  # the client keeps its own place
            return await self.pending_after(after_batch_id)
        if connection_id is not None:
            matches = [c for c in self._v1_sockets() if c.id == connection_id]
        else:
            matches = self._v1_sockets(token_key) if token_key else []
        chosen = min(matches, key=lambda c: (c.stroke_cursor, c.id)) if matches else None
        strokes = await self.pending_after(chosen.stroke_cursor if chosen is not None else 0)
        if chosen is not None and len(matches) == 1 and strokes:
            chosen.fetched_cursor = max(chosen.fetched_cursor, strokes[-1]["batch_id"])
        return strokes

    async def pending_after(self, batch_id: int) -> list[PendingStrokeDict]:
        """Queued strokes of batches after ``batch_id``, as wire dicts (built off the loop)."""
        return await asyncio.to_thread(batches_to_dicts, self.queue.after(batch_id))

    def acknowledge(self, up_to: int) -> int:
        """Drop queued batches up to and including ``up_to`` (written to the log first);
        returns how many were dropped."""
        dropped = self.queue.count_up_to(up_to)
        if dropped:
            self.state.record_ack(up_to)
        return dropped

    async def animated(self, connection: ClientConnection, batch_id: int) -> None:
        """A socket finished animating ``batch_id``: it is past it. The queue is trimmed once
        every socket has acknowledged (counted, so 500 viewers cost O(1) per ack)."""
        # (a v1 socket drew everything its last fetch returned, even past ``batch_id``)
        past = connection.fetched_cursor if connection.fetched_cursor >= batch_id else 0
        connection.stroke_cursor = max(connection.stroke_cursor, batch_id, past)
        queued_at = self._queued_at.pop(batch_id, None)
        if queued_at is not None:  # the first viewer to finish it
            metrics.batch_acknowledged(time.time() - queued_at)
        if batch_id in self._acks:
            self._acks[batch_id] += 1
            if self._acks[batch_id] < self.viewer_count():
                return
            del self._acks[batch_id]
        self.trim()

    def _v1_sockets(self, token_key: str | None = None) -> list[ClientConnection]:
        """The user's sockets that fetch over HTTP (optionally: signed in with that token)."""
        return [
            c
            for c in self.connections.connections(self.user_id)
            if not c.inline_strokes and (token_key is None or c.token_key == token_key)
        ]

    def trim(self) -> None:
        """Drop queued batches every open socket is past (and the oldest beyond the cap).
        Called while fanning out a batch (before it is in the queue) and after acks."""
        sockets = self.connections.connections(self.user_id)
        if not sockets:
            return
        up_to = min(c.stroke_cursor for c in sockets)
        ids = self.queue.ids()
        if len(ids) > MAX_RETAINED_BATCHES:
            up_to = max(up_to, ids[-MAX_RETAINED_BATCHES - 1])
        if ids and up_to >= ids[0]:
            # (a failed write is reported by the log; the queue is trimmed once writing works)
            with contextlib.suppress(LogWriteError):
                self.acknowledge(up_to)
