"""Issue 15, sockets: hostile frames, control-message floods and unauthenticated sockets are
answered or refused without costing the server (or other users) anything lasting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.server import LiveServer, recv_json, recv_until, running_server
from websockets.asyncio.client import ClientConnection as WsClient
from websockets.exceptions import ConnectionClosed

from code_monet.app.config import ServerSettings
from code_monet.live.connections import ClientConnection
from code_monet.routes.websocket import AUTH_FRAME_TIMEOUT

STROKE = json.dumps({"type": "stroke", "points": [{"x": 10, "y": 10}, {"x": 60, "y": 40}]})
NO_SUCH_PIECE = json.dumps({"type": "load_canvas", "piece_number": 99_999})
"""A message that always answers with an error: marks the end of what a test sent."""


async def _replies_until_marker(ws: WsClient) -> list[dict[str, object]]:
    await ws.send(NO_SUCH_PIECE)
    _, seen = await recv_until(ws, "error", message="There is no piece 99999 in your gallery")
    return seen


async def _gallery_size(server: LiveServer) -> int:
    (session,) = server.app_runtime.registry.sessions()
    return len(await session.state.gallery.entries_async())


@pytest.fixture
def gallery_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """WORKSPACE_MAX_GALLERY_PIECES=2 for the server the test starts."""
    monkeypatch.setenv("WORKSPACE_MAX_GALLERY_PIECES", "2")  # create_app reads the config
    yield 2


class TestDeeplyNestedJson:
    async def test_error_frame_and_the_socket_stays_open(self, tmp_path: Path) -> None:
        """100,000 nested arrays (and objects) get an ``error`` frame; the socket keeps working."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)  # init
                depth = 100_000
                # Act
                await ws.send("[" * depth + "]" * depth)
                arrays, _ = await recv_until(ws, "error")
                await ws.send(
                    '{"type": "nudge", "text": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
                )
                objects, _ = await recv_until(ws, "error")
                await ws.send(json.dumps({"type": "nudge", "text": "   "}))
                after, _ = await recv_until(ws, "error")
        # Assert
        assert "nested too deeply" in str(arrays["message"])
        assert "nested too deeply" in str(objects["message"])
        assert after["message"] == "A nudge needs some text"  # the same socket still answers


class TestControlMessageLimits:
    async def test_new_canvas_flood_is_rate_limited(self, tmp_path: Path) -> None:
        """stroke + new_canvas twenty times: only the burst makes gallery pieces; the rest are
        answered with an error naming the wait."""
        # Arrange
        settings = ServerSettings(control_message_burst=5, control_messages_per_second=0.05)
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)  # init
                # Act
                for _ in range(20):
                    await ws.send(STROKE)
                    await ws.send(json.dumps({"type": "new_canvas"}))
                seen = await _replies_until_marker(ws)
                pieces = await _gallery_size(server)
        # Assert
        limited = [
            f for f in seen if f["type"] == "error" and "Too many 'new_canvas'" in str(f["message"])
        ]
        assert len(limited) == 15
        assert pieces == 5

    async def test_full_gallery_refuses_a_new_canvas(
        self, tmp_path: Path, gallery_limit: int
    ) -> None:
        """At WORKSPACE_MAX_GALLERY_PIECES a new canvas (that would save one more) is refused
        with a clear error, and nothing is saved."""
        # Arrange
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.ws(token, "strokes=inline") as ws:
                await recv_json(ws)  # init
                # Act
                for _ in range(gallery_limit + 1):
                    await ws.send(STROKE)
                    await ws.send(json.dumps({"type": "new_canvas"}))
                seen = await _replies_until_marker(ws)
                pieces = await _gallery_size(server)
        # Assert
        full = [f for f in seen if f["type"] == "error" and "gallery is full" in str(f["message"])]
        assert len(full) == 1
        assert "2 pieces (the limit is 2)" in str(full[0]["message"])
        assert pieces == gallery_limit


class BrokenSocket:
    """A peer that went away: every send fails."""

    async def send_text(self, data: str) -> None:
        raise ConnectionResetError("peer gone")

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        return None


class TestClosedSocketQueue:
    async def test_a_dead_peer_drops_its_queued_frames(self) -> None:
        """When a send fails, the frames still queued are dropped at once (and the reader is
        told), instead of staying in memory for a socket that will never send them."""
        # Arrange
        connection = ClientConnection("user", BrokenSocket(), queue_size=64)
        for index in range(50):
            connection.offer(f"frame {index}")
        # Act
        connection.start()
        await asyncio.wait_for(connection.closed_event.wait(), timeout=10)
        # Assert
        assert connection.closed
        assert connection.room() == 64
        assert not connection.offer("one more")

    async def test_close_drops_queued_frames(self) -> None:
        """Closing a socket forgets its queue (the writer never sends them)."""
        # Arrange
        connection = ClientConnection("user", BrokenSocket(), queue_size=64)
        for index in range(64):
            connection.offer(f"frame {index}")
        # Act
        await connection.close(1000)
        # Assert
        assert connection.room() >= 63  # at most the writer's stop marker is left


async def _close_of(ws: WsClient) -> tuple[int, str]:
    """The close code and reason the server sent (waiting at most half the auth timeout)."""
    try:
        await asyncio.wait_for(ws.recv(), timeout=AUTH_FRAME_TIMEOUT / 2)
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return exc.rcvd.code, exc.rcvd.reason
    raise AssertionError("the socket was not closed")


class TestUnauthenticatedSockets:
    async def test_capped_per_address_and_in_total(self, tmp_path: Path) -> None:
        """Over the per-address or the total cap a socket waiting to authenticate is closed
        at once with 1013 and a reason; one that authenticates frees its place."""
        # Arrange
        settings = ServerSettings(max_unauthenticated_per_address=2, max_unauthenticated_sockets=3)
        async with (
            running_server(tmp_path, settings=settings) as server,
            contextlib.AsyncExitStack() as stack,
        ):
            token = await server.local_token()
            auth = json.dumps({"type": "auth", "token": token})

            async def open_from(address: str) -> WsClient:
                return await stack.enter_async_context(
                    server.ws(None, "v=2", local_addr=(address, 0))
                )

            waiting = [await open_from(a) for a in ("127.0.0.1", "127.0.0.1", "127.0.0.2")]
            await asyncio.sleep(0.3)  # let the server reach the wait on each of them
            # Act
            began = time.perf_counter()
            same_address = await _close_of(await open_from("127.0.0.1"))
            over_total = await _close_of(await open_from("127.0.0.3"))
            refused_after = time.perf_counter() - began
            await waiting[0].send(auth)
            first = await recv_json(waiting[0])
            admitted = await open_from("127.0.0.3")
            await admitted.send(auth)
            later = await recv_json(admitted)
        # Assert
        assert same_address[0] == 1013 and "from your address" in same_address[1]
        assert over_total[0] == 1013 and "waiting to authenticate" in over_total[1]
        assert refused_after < AUTH_FRAME_TIMEOUT / 2  # refused at once, not after the wait
        assert first["type"] == "init" and later["type"] == "init"
