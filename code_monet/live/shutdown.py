"""Graceful shutdown: stop accepting, close sockets with 1001, let saves finish, stop agents.

``ShutdownCoordinator.close_connections`` runs first (from the server's SIGTERM path, before
uvicorn tears connections down), then ``stop_agents`` (from the app's lifespan shutdown). Each
step is bounded in time. Workspace writes are atomic and run to completion in their worker
threads even when the awaiting task is cancelled, so no state is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from code_monet.live.connections import CLOSE_GOING_AWAY, ConnectionManager
from code_monet.live.registry import WorkspaceRegistry

logger = logging.getLogger(__name__)


@dataclass
class ShutdownCoordinator:
    connections: ConnectionManager
    registry: WorkspaceRegistry
    grace_seconds: float = 10.0
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _sockets_closed: bool = False
    _agents_stopped: bool = False

    @property
    def is_stopping(self) -> bool:
        return self.stopping.is_set()

    async def close_connections(self) -> None:
        """Refuse new sockets and close open ones with 1001 (frames already queued go out)."""
        self.stopping.set()
        if self._sockets_closed:
            return
        self._sockets_closed = True
        started = time.monotonic()
        try:
            async with asyncio.timeout(max(1.0, self.grace_seconds / 2)):
                await self.connections.close_all(CLOSE_GOING_AWAY, "Server shutting down")
        except TimeoutError:
            logger.warning("Some sockets did not close in time; dropping them")
        logger.info("Closed sockets in %.2f s", time.monotonic() - started)

    async def stop_agents(self) -> None:
        """Stop every agent loop and release every workspace (bounded)."""
        self.stopping.set()
        if self._agents_stopped:
            return
        self._agents_stopped = True
        started = time.monotonic()
        try:
            async with asyncio.timeout(max(1.0, self.grace_seconds)):
                await self.registry.close_all()
        except TimeoutError:
            logger.warning("Agents did not stop within %.1f s", self.grace_seconds)
        logger.info("Stopped agents in %.2f s", time.monotonic() - started)

    async def run(self) -> None:
        await self.close_connections()
        await self.stop_agents()
