"""A real Code Monet server on loopback for tests: uvicorn + the real app, a scripted artist.

``running_server`` starts ``create_app`` under uvicorn on a free port inside the test's event
loop and yields a ``LiveServer`` with helpers to sign users in and open WebSockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import uvicorn
from support.auth import settings_for_tests
from websockets.asyncio.client import ClientConnection, connect

from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import ServerSettings
from code_monet.app.server import GracefulServer, create_app, transport_frame_limit
from code_monet.db.repository import users
from code_monet.live.runtime import ServerRuntime
from code_monet.routes.services import app_services
from code_monet.sandbox.code_sandbox import SandboxConfig


class ScriptedArtist:
    """Each turn: think a sentence, draw ``paths_per_turn`` short lines; finish after
    ``finish_after`` turns. ``gate`` (when set) must be opened before each drawing call."""

    name = "scripted"

    def __init__(
        self,
        *,
        paths_per_turn: int = 3,
        finish_after: int = 2,
        gate: asyncio.Event | None = None,
        batches_per_turn: int = 1,
        line_length: float = 20.0,
    ) -> None:
        self.line_length = line_length
        self.paths_per_turn = paths_per_turn
        self.finish_after = finish_after
        self.gate = gate
        self.batches_per_turn = batches_per_turn
        self.turns = 0
        self.nudges_seen: list[str] = []

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        self.turns += 1
        self.nudges_seen.extend(turn.nudges)
        yield ThinkingDelta(f"Turn {self.turns}: a few lines. ")
        for batch in range(self.batches_per_turn):
            if self.gate is not None:
                await self.gate.wait()
            y = 20 + 7 * ((self.turns * self.batches_per_turn + batch) % 80)
            paths = [
                {
                    "type": "line",
                    "points": [
                        {"x": 10 + (30 * i) % 700, "y": y},
                        {"x": 10 + (30 * i) % 700 + self.line_length, "y": y + 1},
                    ],
                }
                for i in range(self.paths_per_turn)
            ]
            await tools.call("draw_paths", {"paths": paths})
        if self.turns >= self.finish_after:
            await tools.call("name_piece", {"title": f"Lines {self.turns}"})
            await tools.call("mark_piece_done", {})

    async def reset(self) -> None:
        self.turns = 0  # a new piece

    async def close(self) -> None:
        return None


@dataclass
class LiveServer:
    base_url: str
    ws_url: str
    app_runtime: ServerRuntime
    artists: list[ScriptedArtist] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    """Artists wait on this before drawing (unless given their own): set it to let them draw."""

    def http(self, token: str | None = None) -> httpx2.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx2.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def local_token(self) -> str:
        async with self.http() as client:
            reply = await client.get("/auth/dev-token")
            reply.raise_for_status()
            token: str = reply.json()["access_token"]
            return token

    async def new_user_token(self, email: str | None = None) -> tuple[str, str]:
        """Create another user directly in the database; returns (user id, access token)."""
        auth = self.app_runtime.auth
        address = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        async with auth.store() as session:
            user, _ = await users.get_or_create_user(session, address, now=auth.now())
        pair = await auth.issue_tokens(user)
        return str(user.id), pair.access_token

    def ws(self, token: str | None, query: str = "", **kwargs: object) -> connect:
        parts = [f"token={token}"] if token else []
        if query:
            parts.append(query)
        url = self.ws_url + ("?" + "&".join(parts) if parts else "")
        return connect(url, max_size=None, open_timeout=30, **kwargs)  # type: ignore[arg-type]


async def recv_json(ws: ClientConnection, within: float = 30) -> dict[str, object]:
    raw = await asyncio.wait_for(ws.recv(), timeout=within)
    data = json.loads(raw)
    assert isinstance(data, dict)
    return data


async def recv_until(
    ws: ClientConnection, kind: str, within: float = 30, **match: object
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Read frames until one of ``type == kind`` (and matching fields); returns it and all seen."""
    seen: list[dict[str, object]] = []
    async with asyncio.timeout(within):
        while True:
            frame = await recv_json(ws, within)
            seen.append(frame)
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame, seen


@contextlib.asynccontextmanager
async def running_server(
    data_dir: Path,
    *,
    artist_kwargs: dict[str, object] | None = None,
    settings: ServerSettings | None = None,
    local_mode: bool = True,
) -> AsyncIterator[LiveServer]:
    artists: list[ScriptedArtist] = []
    gate = asyncio.Event()

    def make_artist() -> ScriptedArtist:
        kwargs: dict[str, object] = {"gate": gate, **(artist_kwargs or {})}
        artist = ScriptedArtist(**kwargs)  # type: ignore[arg-type]
        artists.append(artist)
        return artist

    settings = settings or ServerSettings(idle_grace_seconds=300)
    app = create_app(
        data_dir=data_dir,
        settings=settings,
        auth_settings=settings_for_tests(local_mode=local_mode),
        provider_factory=make_artist,
        sandbox_config=SandboxConfig(pool_size=1),
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        ws_max_size=transport_frame_limit(settings),  # as ``code-monet serve`` does
    )
    server = GracefulServer(config, app)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    runtime = app_services(app).runtime
    assert isinstance(runtime, ServerRuntime)
    live = LiveServer(
        f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws", runtime, artists, gate
    )
    try:
        yield live
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=30)
