"""Issue 15: hostile agent output costs only its own call — parsing runs off the event loop and
stops the moment a per-call budget (paths, points, ``d`` bytes, CPU seconds) is spent."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
import uvicorn
from support.auth import settings_for_tests

from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import ServerSettings
from code_monet.app.server import GracefulServer, create_app
from code_monet.geometry.svg_path import Subpath, clear_parse_cache, path_geometry
from code_monet.sandbox.code_sandbox import SandboxConfig
from code_monet.tools import drawing
from code_monet.tools.context import ToolContext
from code_monet.tools.drawing import EmptyInput, view_canvas
from code_monet.tools.path_parsing import PathInputError, PathLimits, parse_paths
from code_monet.tools.results import ToolReply
from code_monet.types.geometry import PathType
from code_monet.types.paths import Path as StrokePath
from code_monet.workspace import WorkspaceState

# 3,000 distinct paths of 34 large arcs each (distinct, so no parse cache helps): before the
# fix all of them were parsed on the event loop — tens of seconds — before the point budget
# rejected most of them.
HOSTILE_PROGRAM = """
ds = []
for i in range(3000):
    arcs = "".join(f" a{30 + (i + k) % 50},40 {k} 1 1 9,{k % 3}" for k in range(34))
    ds.append(f"M{i % 700} {i % 500}" + arcs)
output_svg_paths(ds)
"""


def _hostile_paths(count: int) -> list[object]:
    return [
        {
            "type": "svg",
            "d": f"M{i % 700} {i % 500}"
            + "".join(f" a{30 + (i + k) % 50},40 {k} 1 1 9,{k % 3}" for k in range(34)),
        }
        for i in range(count)
    ]


@dataclass
class HostileArtist:
    """First turn: run the hostile program once and record the reply and how long it took."""

    gate: asyncio.Event
    started: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    reply: ToolReply | None = None
    seconds: float = 0.0
    name: str = "hostile"

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        yield ThinkingDelta("Arcs, thousands of them. ")
        if self.reply is None:
            await self.gate.wait()
            self.started.set()
            began = time.perf_counter()
            self.reply = await tools.call("generate_svg", {"code": HOSTILE_PROGRAM})
            self.seconds = time.perf_counter() - began
            self.finished.set()
        await tools.call("mark_piece_done", {})

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def hostile_server(data_dir: Path, artist: HostileArtist) -> AsyncIterator[str]:
    """The real app under uvicorn with a real sandbox and the hostile artist; yields its URL."""
    app = create_app(
        data_dir=data_dir,
        settings=ServerSettings(idle_grace_seconds=300),
        auth_settings=settings_for_tests(local_mode=True),
        provider_factory=lambda: artist,
        sandbox_config=SandboxConfig(pool_size=1),
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = GracefulServer(config, app)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=30)


class TestHostileProgramThroughTheServer:
    async def test_fails_fast_with_a_budget_error_while_health_stays_fast(
        self, tmp_path: Path
    ) -> None:
        """The hostile call is refused naming the budget; /health answers throughout in a
        small fraction of the call's time (it used to wait for the whole parse)."""
        from websockets.asyncio.client import connect

        # Arrange
        artist = HostileArtist(gate=asyncio.Event())
        async with (
            hostile_server(tmp_path, artist) as address,
            httpx2.AsyncClient(base_url=f"http://{address}", timeout=120) as http,
        ):
            token = (await http.get("/auth/dev-token")).json()["access_token"]
            async with connect(f"ws://{address}/ws?token={token}", max_size=None) as ws:
                await ws.recv()  # init
                await ws.send('{"type": "new_canvas", "direction": "arcs"}')
                # Act
                artist.gate.set()
                await asyncio.wait_for(artist.started.wait(), timeout=60)
                health_seconds: list[float] = []
                while not artist.finished.is_set():
                    began = time.perf_counter()
                    assert (await http.get("/health")).status_code == 200
                    health_seconds.append(time.perf_counter() - began)
                    await asyncio.sleep(0.02)
        # Assert
        assert artist.reply is not None and artist.reply.is_error, artist.reply
        assert "The program's output was rejected" in artist.reply.text
        assert "budget of" in artist.reply.text and "nothing was drawn" in artist.reply.text
        assert health_seconds, "the call finished before /health could be probed"
        assert max(health_seconds) < artist.seconds / 3, (max(health_seconds), artist.seconds)


class TestBudgetsStopTheWork:
    def test_points_budget_stops_parsing_at_the_path_that_spends_it(self) -> None:
        """Over the point budget the whole call is refused, naming the budget and the path;
        parsing stops there instead of going through every remaining path."""
        # Arrange
        clear_parse_cache()
        raw = _hostile_paths(400)
        limits = PathLimits(max_paths=5000, max_points_total=20_000, max_cpu_seconds=60)
        # Act
        began = time.thread_time()
        try:
            parse_paths(raw, canvas_width=800, canvas_height=600, limits=limits)
            error = ""
        except PathInputError as exc:
            error = str(exc)
        spent = time.thread_time() - began
        # Assert
        assert "the budget of 20000 points per call was spent at path 16" in error
        assert "nothing was drawn" in error
        # 16 of 400 paths were parsed: well under half of the whole batch's work.
        whole = time.thread_time()
        parse_paths(raw[16:32], canvas_width=800, canvas_height=600, limits=limits)
        sixteen = time.thread_time() - whole
        assert spent < 4 * sixteen

    def test_cpu_budget_stops_a_slow_call(self) -> None:
        """A call that spends its CPU seconds is refused as a whole, naming that budget."""
        # Arrange
        raw = _hostile_paths(200)
        limits = PathLimits(max_points_total=10_000_000, max_cpu_seconds=0.05)
        # Act
        try:
            parse_paths(raw, canvas_width=800, canvas_height=600, limits=limits)
            error = ""
        except PathInputError as exc:
            error = str(exc)
        # Assert
        assert "the budget of 0.05 CPU seconds per call was spent at path" in error

    def test_total_d_bytes_are_checked_before_parsing(self) -> None:
        """Too many characters of ``d`` in one call: refused at once, naming the limit."""
        # Arrange
        raw = _hostile_paths(100)
        limits = PathLimits(max_d_bytes_total=10_000)
        # Act
        try:
            parse_paths(raw, canvas_width=800, canvas_height=600, limits=limits)
            error = ""
        except PathInputError as exc:
            error = str(exc)
        # Assert
        assert "characters of svg 'd' in total; the limit is 10000 per call" in error


class TestViewCanvasOffTheLoop:
    async def test_ink_bounds_leave_the_loop_free(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """view_canvas computes the ink bounds (a re-parse of every svg stroke the parse cache
        no longer holds: seconds on a big canvas) in a worker thread: the loop keeps ticking."""
        # Arrange
        state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
        strokes = [StrokePath(type=PathType.SVG, d=f"M{i} 10 L{i + 50} 90") for i in range(5)]
        await state.add_strokes(strokes)

        def slow_geometry(path: StrokePath) -> list[Subpath]:
            time.sleep(0.3)  # stands in for parsing a long, uncached d (holds the thread)
            return path_geometry(path)

        monkeypatch.setattr(drawing, "path_geometry", slow_geometry)
        gaps: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                began = time.perf_counter()
                await asyncio.sleep(0.005)
                gaps.append(time.perf_counter() - began)

        # Act
        ticking = asyncio.create_task(probe())
        began = time.perf_counter()
        reply = await view_canvas(ToolContext(state=state), EmptyInput())
        seconds = time.perf_counter() - began
        done.set()
        await ticking
        # Assert
        assert "Ink bounds: x 0–54, y 10–90" in reply.text
        assert max(gaps) < seconds / 3, (max(gaps), seconds)
