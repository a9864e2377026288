"""User registry: one active workspace (state, agent, orchestrator, channel) per connected user.

A user's session is loaded on first use — concurrent first connections share one load, and no
global lock is held while files are read — and released after an idle grace period once the
last socket has gone (a returning viewer cancels the release). An agent loop that died is
restarted the next time the session is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig
from code_monet.live.channel import UserChannel
from code_monet.live.connections import ConnectionManager
from code_monet.live.options import ServerSettings
from code_monet.live.orchestrator import AgentOrchestrator
from code_monet.live.storage_health import StorageHealth
from code_monet.observability import metrics
from code_monet.types.state import PauseReason
from code_monet.workspace import LogOptions, PieceSavedHook, WorkspaceState
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import GroupSync

logger = logging.getLogger(__name__)

AgentFactory = Callable[[WorkspaceState], DrawingAgent]


@dataclass(eq=False)
class UserSession:
    """Everything live for one user while they (or their grace period) last."""

    user_id: str
    state: WorkspaceState
    agent: DrawingAgent
    orchestrator: AgentOrchestrator
    channel: UserChannel
    human_strokes: RateLimiter
    control_messages: RateLimiter = field(
        default_factory=lambda: RateLimiter(RateLimiterConfig(20, 20.0, max_keys=4))
    )
    """new_canvas / nudge / pause / resume / clear / set_style: each saves or wakes something."""
    release_handle: asyncio.TimerHandle | None = None
    released: bool = False


@dataclass
class WorkspaceRegistry:
    data_dir: Path
    connections: ConnectionManager
    settings: ServerSettings
    agent_factory: AgentFactory
    limits: WorkspaceLimits = field(default_factory=WorkspaceLimits)
    piece_saved_hooks: list[PieceSavedHook] = field(default_factory=list)
    _sessions: dict[str, UserSession] = field(default_factory=dict)
    _loading: dict[str, asyncio.Task[UserSession]] = field(default_factory=dict)
    _releasing: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _closing: bool = False
    storage: StorageHealth = field(default_factory=StorageHealth)
    syncer: GroupSync = field(default_factory=GroupSync)

    def __post_init__(self) -> None:
        self.syncer.on_error = self.storage.flush_failed

    def log_options(self) -> LogOptions:
        return LogOptions(
            keep=self.settings.event_log_keep,
            window_bytes=self.settings.event_log_window_bytes,
            max_bytes=self.settings.event_log_max_bytes,
            syncer=self.syncer,
        )

    # ------------------------------------------------------------------ lookup

    def loaded(self, user_id: str) -> UserSession | None:
        return self._sessions.get(user_id)

    def active_users(self) -> int:
        return len(self._sessions)

    def sessions(self) -> list[UserSession]:
        return list(self._sessions.values())

    async def acquire(self, user_id: str | uuid.UUID) -> UserSession:
        """The user's session, loading it if needed; cancels a pending idle release."""
        if self._closing:
            raise RuntimeError("The server is shutting down")
        key = str(uuid.UUID(str(user_id)))
        session = self._sessions.get(key)
        if session is None:
            releasing = self._releasing.get(key)
            if releasing is not None:  # its last save and log compaction own the files
                await asyncio.shield(releasing)
                return await self.acquire(key)
            task = self._loading.get(key)
            if task is None:
                task = asyncio.create_task(self._load(key), name=f"load-{key}")
                self._loading[key] = task
                task.add_done_callback(lambda _t: self._loading.pop(key, None))
            session = await asyncio.shield(task)
        self._cancel_release(session)
        if not session.orchestrator.running and not self._closing:
            logger.info("Starting the agent loop for user %s", key)
            session.orchestrator.start()
        return session

    async def _load(self, user_id: str) -> UserSession:
        state = await WorkspaceState.load_for_user(
            user_id, data_dir=self.data_dir, limits=self.limits, log_options=self.log_options()
        )
        for warning in state.load_warnings:
            logger.warning(warning)
        state.piece_saved_hooks.extend(self.piece_saved_hooks)
        channel = UserChannel(user_id, state, self.connections)
        agent = self.agent_factory(state)
        orchestrator = AgentOrchestrator(agent, channel)
        orchestrator.on_storage_change = lambda reason: self.storage.report(user_id, reason)
        state.log.on_failure = orchestrator.storage_failed
        if state.fresh:  # a new studio shows Start and waits (v1 clients expect paused)
            await state.set_paused(PauseReason.WAITING)
        limiter = RateLimiter(
            RateLimiterConfig(
                max_requests=self.settings.human_stroke_burst,
                window_seconds=self.settings.human_stroke_burst
                / self.settings.human_strokes_per_second,
                max_keys=4,
            )
        )
        control = RateLimiter(
            RateLimiterConfig(
                max_requests=self.settings.control_message_burst,
                window_seconds=self.settings.control_message_burst
                / self.settings.control_messages_per_second,
                max_keys=4,
            )
        )
        session = UserSession(user_id, state, agent, orchestrator, channel, limiter, control)
        self._sessions[user_id] = session
        metrics.set_active_users(len(self._sessions))
        return session

    # ------------------------------------------------------------------ release

    def schedule_release(self, session: UserSession) -> None:
        """Release the session after the grace period unless a viewer comes back."""
        self._cancel_release(session)
        if self.connections.count(session.user_id):
            return
        loop = asyncio.get_running_loop()
        session.release_handle = loop.call_later(
            self.settings.idle_grace_seconds,
            lambda: asyncio.create_task(self._release_if_idle(session)),
        )

    def _cancel_release(self, session: UserSession) -> None:
        if session.release_handle is not None:
            session.release_handle.cancel()
            session.release_handle = None

    async def _release_if_idle(self, session: UserSession) -> None:
        session.release_handle = None
        if self.connections.count(session.user_id) or session.released:
            return
        await self.release(session)

    async def release(self, session: UserSession) -> None:
        """Stop the agent and forget the session (its state is already on disk).

        Until the teardown is done the user's files are still being written (final save, log
        compaction): an ``acquire`` in that window waits for it rather than loading a second
        session onto the same files."""
        user_id = session.user_id
        if session.released:
            pending = self._releasing.get(user_id)
            if pending is not None:
                await asyncio.shield(pending)
            return
        session.released = True
        self._cancel_release(session)
        if self._sessions.get(user_id) is session:
            del self._sessions[user_id]
            metrics.set_active_users(len(self._sessions))
        task = asyncio.create_task(self._tear_down(session), name=f"release-{user_id}")
        self._releasing[user_id] = task
        task.add_done_callback(lambda done: self._released(user_id, done))
        await asyncio.shield(task)

    def _released(self, user_id: str, task: asyncio.Task[None]) -> None:
        if self._releasing.get(user_id) is task:
            del self._releasing[user_id]

    async def _tear_down(self, session: UserSession) -> None:
        try:
            await session.orchestrator.stop()
        except Exception:
            logger.exception("Stopping the agent of user %s failed", session.user_id)
        with contextlib.suppress(Exception):
            await session.agent.close()
        try:
            await session.state.save()  # a snapshot, and the log compacted to its window
        except Exception:
            logger.exception("Final save failed for user %s", session.user_id)
        session.state.close()
        self.storage.report(session.user_id, None)
        logger.info("Released the workspace of user %s", session.user_id)

    async def close_all(self) -> None:
        """Shutdown: stop every agent loop and release every session."""
        self._closing = True
        for task in list(self._loading.values()):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        sessions = list(self._sessions.values())
        await asyncio.gather(*(self.release(s) for s in sessions), return_exceptions=True)
        await asyncio.gather(*list(self._releasing.values()), return_exceptions=True)
        await self.syncer.drain()
