"""Issue 15 hardening of on-demand PNG rendering, through a real server: requested sizes are
rounded to a few steps and each step is rendered once (then served from a cache), renders are
rate-limited per user and per address (429 + Retry-After), and a bounded number run at once."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from test_share_support import sample_strokes

from code_monet.app.config import ServerSettings
from code_monet.limits.rate_limiter import RateLimiterConfig
from code_monet.render.gate import (
    EXPORT_STEPS,
    RenderBusyError,
    RenderGate,
    relative_steps,
    snap_up,
)
from code_monet.share.index import on_piece_saved
from code_monet.types.state import SavedCanvas
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.persistence import user_directory
from tests.fakes.server import LiveServer, running_server


async def public_piece(server: LiveServer) -> str:
    """A signed-in user with a public gallery and one saved 800×600 piece; its export URL."""
    user_id, token = await server.new_user_token()
    async with server.http(token) as client:
        opted = await client.put("/settings/gallery", json={"gallery_public": True})
        assert opted.status_code == 200, opted.text
    runtime = server.app_runtime
    store = GalleryStore(user_directory(runtime.data_dir, user_id) / "gallery", durable=False)
    canvas = SavedCanvas(
        id=piece_id(1), piece_number=1, strokes=sample_strokes(), width=800, height=600
    )
    entry = await asyncio.to_thread(store.save, canvas)
    await on_piece_saved(
        runtime.database, runtime.data_dir, user_id, entry, cache=runtime.content_cache
    )
    await runtime.content_cache.drain()
    return f"/public/gallery/{user_id}/piece_000001/export.png"


def long_edge(png: bytes) -> int:
    return max(Image.open(io.BytesIO(png)).size)


class TestSizeSteps:
    """Varied sizes cost at most one render per step; repeats are served from the cache."""

    async def test_varied_export_sizes_render_once_per_step(self, tmp_path: Path) -> None:
        # Arrange
        sizes = list(range(100, 2100, 100))  # 20 different sizes, 5 steps (128 … 2048)
        steps = {snap_up(size, EXPORT_STEPS) for size in sizes}
        async with running_server(tmp_path) as server:
            url = await public_piece(server)
            gate = server.app_runtime.renders
            async with server.http() as client:
                # Act: 40 at once, each size twice (joining a render under way is free)
                both = await asyncio.gather(*(client.get(f"{url}?size={s}") for s in sizes * 2))
                again = await asyncio.gather(*(client.get(f"{url}?size={s}") for s in sizes))
            # Assert
            replies = both[: len(sizes)]
            assert [r.status_code for r in both + again] == [200] * 60
            assert gate.renders == len(steps) == 5
            assert {long_edge(r.content) for r in replies} == steps
            assert all(long_edge(r.content) >= s for r, s in zip(replies, sizes, strict=True))

    async def test_varied_canvas_widths_render_once_per_step(self, tmp_path: Path) -> None:
        # Arrange
        widths = [16, 30, 64, 90, 150, 199, 250, 333, 400, 512, 700, 800, 1000, 1500, 3000]
        steps = {snap_up(w, relative_steps(800, 16, 4096)) for w in widths}
        async with running_server(tmp_path) as server:
            token = await server.local_token()
            async with server.http(token) as client:
                warm = await client.get("/state")  # loads the workspace first
                gate = server.app_runtime.renders
                # Act
                replies = [await client.get(f"/canvas.png?width={w}") for w in widths]
                repeats = [await client.get(f"/canvas.png?width={w}") for w in widths]
        # Assert
        assert warm.status_code == 200
        assert [r.status_code for r in replies + repeats] == [200] * 30
        assert gate.renders == len(steps)
        assert {Image.open(io.BytesIO(r.content)).size[0] for r in replies} == steps


class TestRenderRateLimits:
    """Renders (cache misses) beyond the budget are 429 with Retry-After; hits are free."""

    async def test_anonymous_exports_are_limited_per_address(self, tmp_path: Path) -> None:
        # Arrange
        settings = ServerSettings(idle_grace_seconds=300, renders_per_client=3)
        async with running_server(tmp_path, settings=settings) as server:
            url = await public_piece(server)
            async with server.http() as client:
                # Act
                first = [await client.get(f"{url}?size={s}") for s in (64, 128, 256)]
                over = await client.get(f"{url}?size=512")
                cached = await client.get(f"{url}?size=100")  # 128: rendered already
        # Assert
        assert [r.status_code for r in first] == [200, 200, 200]
        assert over.status_code == 429
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert "renders" in over.json()["detail"]
        assert cached.status_code == 200 and long_edge(cached.content) == 128

    async def test_signed_in_canvas_renders_are_limited_per_user(self, tmp_path: Path) -> None:
        # Arrange
        settings = ServerSettings(idle_grace_seconds=300, renders_per_client=2)
        async with running_server(tmp_path, settings=settings) as server:
            token = await server.local_token()
            async with server.http(token) as client:
                await client.get("/state")
                # Act
                replies = [await client.get(f"/canvas.png?width={w}") for w in (100, 200, 400)]
        # Assert
        assert [r.status_code for r in replies] == [200, 200, 429]
        assert int(replies[2].headers["retry-after"]) >= 1


class TestRenderPool:
    """At most ``max_concurrent`` renders run at once; a full queue is refused with 503."""

    async def test_concurrency_is_capped(self) -> None:
        # Arrange
        gate = RenderGate(
            max_concurrent=2, per_client=RateLimiterConfig(max_requests=100, window_seconds=60)
        )
        lock = threading.Lock()
        running = [0, 0]  # now, peak

        def produce() -> bytes:
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return b"png"

        # Act
        results = await asyncio.gather(*(gate.render(f"addr:{i}", produce) for i in range(8)))
        # Assert
        assert results == [b"png"] * 8
        assert running[1] == 2 and gate.renders == 8

    async def test_full_queue_is_503_with_retry_after(self) -> None:
        # Arrange
        gate = RenderGate(max_concurrent=1, max_queued=1)
        release = threading.Event()

        def slow() -> bytes:
            release.wait(10)
            return b"png"

        busy = asyncio.gather(gate.render("addr:a", slow), gate.render("addr:b", slow))
        await asyncio.sleep(0.1)  # one running, one queued
        # Act
        with pytest.raises(RenderBusyError) as refused:
            await gate.render("addr:c", slow)
        release.set()
        # Assert
        assert await busy == [b"png", b"png"]
        assert refused.value.status_code == 503
        assert refused.value.headers == {"Retry-After": "2"}
