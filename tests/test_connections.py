"""ConnectionManager: bounded queues, slow clients, caps."""

from __future__ import annotations

import asyncio

from code_monet.live.connections import (
    CLOSE_TOO_MANY_CONNECTIONS,
    CLOSE_TRY_AGAIN_LATER,
    ConnectionManager,
)


class FakeSocket:
    """A socket that records frames; optionally never completes a send (a stalled client)."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.frames: list[str] = []
        self.closed_with: int | None = None
        self.stalled = stalled
        self.closed = asyncio.Event()
        self._never = asyncio.Event()

    async def send_text(self, data: str) -> None:
        if self.stalled:
            await self._never.wait()
        self.frames.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = code
        self.closed.set()


class TestConnectionManager:
    """Fan-out, back-pressure and caps."""

    async def test_broadcast_reaches_every_socket_of_the_user_only(self) -> None:
        """All of a user's sockets get the frame; another user's do not."""
        # Arrange
        manager = ConnectionManager()
        a1, a2, b1 = FakeSocket(), FakeSocket(), FakeSocket()
        for user, sock in (("a", a1), ("a", a2), ("b", b1)):
            await manager.add(user, sock, inline_strokes=False, protocol_version=1)
        # Act
        await manager.broadcast("a", "hello")
        await asyncio.sleep(0.01)
        # Assert
        assert a1.frames == ["hello"] and a2.frames == ["hello"] and b1.frames == []

    async def test_stalled_client_is_dropped_without_delaying_others(self) -> None:
        """A client whose queue fills is closed with 1013; the healthy one gets everything."""
        # Arrange
        manager = ConnectionManager(queue_size=4)
        slow, fast = FakeSocket(stalled=True), FakeSocket()
        await manager.add("u", slow, inline_strokes=False, protocol_version=1)
        await manager.add("u", fast, inline_strokes=False, protocol_version=1)
        # Act
        for i in range(20):
            await manager.broadcast("u", f"m{i}")
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        # Assert
        assert slow.closed_with == CLOSE_TRY_AGAIN_LATER
        assert manager.count("u") == 1
        assert fast.frames == [f"m{i}" for i in range(20)]

    async def test_per_user_cap(self) -> None:
        """Past the cap a new socket is closed with 4003 and not registered."""
        # Arrange
        manager = ConnectionManager(max_per_user=2)
        sockets = [FakeSocket() for _ in range(3)]
        # Act
        results = [
            await manager.add("u", s, inline_strokes=False, protocol_version=1) for s in sockets
        ]
        # Assert
        assert results[2] is None and sockets[2].closed_with == CLOSE_TOO_MANY_CONNECTIONS
        assert manager.count("u") == 2

    async def test_remove_reports_last_socket(self) -> None:
        """remove() is True only for the user's last socket."""
        # Arrange
        manager = ConnectionManager()
        c1 = await manager.add("u", FakeSocket(), inline_strokes=False, protocol_version=1)
        c2 = await manager.add("u", FakeSocket(), inline_strokes=False, protocol_version=1)
        assert c1 is not None and c2 is not None
        # Act / Assert
        assert manager.remove(c1) is False
        assert manager.remove(c2) is True

    async def test_shutdown_closes_every_socket_at_once(self) -> None:
        """Stalled sockets (each may take its full second to flush) do not hold back a
        healthy one's 1001: it is closed while they are still being waited for."""
        # Arrange
        manager = ConnectionManager()
        stalled = [FakeSocket(stalled=True) for _ in range(5)]
        healthy = FakeSocket()
        for sock in [*stalled, healthy]:  # the healthy one last: sequentially it would wait
            await manager.add("a", sock, inline_strokes=True, protocol_version=2)
        await manager.broadcast("a", "last words")
        # Act
        closing = asyncio.create_task(manager.close_all())
        await healthy.closed.wait()
        stalled_closed_first = [s.closed_with for s in stalled]
        await closing
        # Assert
        assert stalled_closed_first == [None] * 5
        assert [s.closed_with for s in [*stalled, healthy]] == [1001] * 6
        assert healthy.frames == ["last words"]
        assert manager.count("a") == 0
