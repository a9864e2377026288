"""Issue 15: every PNG the server makes on request goes through the render budget — not only
exports and the live canvas, but the social cards and previews behind public pieces and share
links. Through the real server in public mode, as an anonymous client: renders the cache lacks
are charged to the requester's address (429 + Retry-After past the budget), repeats and varied
query strings are served from the cache for free, and renders run under the global cap."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_share_support import sample_strokes

from code_monet.app.config import ServerSettings
from code_monet.render.cache import cache_root
from code_monet.share import exports, serve
from code_monet.share.exports import clean_svg as real_clean_svg
from code_monet.share.images import ImageKind, render_image
from code_monet.share.index import on_piece_saved
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import SavedCanvas
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.persistence import user_directory
from tests.fakes.server import LiveServer, running_server

ImageUrl = Callable[["Gallery", int], str]


@dataclass
class Gallery:
    """A public user's pieces and a share link to each (numbers from 1)."""

    user_id: str
    tokens: dict[int, str]

    def og_image(self, number: int) -> str:
        return f"/public/gallery/{self.user_id}/{piece_id(number)}/og-image.png"

    def thumbnail(self, number: int) -> str:
        return f"/public/gallery/{self.user_id}/{piece_id(number)}/thumbnail.png"

    def share_preview(self, number: int) -> str:
        return f"/s/{self.tokens[number]}/preview.png"

    def share_og_image(self, number: int) -> str:
        return f"/s/{self.tokens[number]}/og-image.png"


ROUTES: dict[str, ImageUrl] = {
    "public og-image": Gallery.og_image,
    "public thumbnail": Gallery.thumbnail,
    "share preview": Gallery.share_preview,
    "share og-image": Gallery.share_og_image,
}


def settings(**overrides: object) -> ServerSettings:
    values: dict[str, object] = {"idle_grace_seconds": 300, **overrides}
    return ServerSettings.model_validate(values)


async def gallery(server: LiveServer, pieces: int, *, prerender: bool) -> Gallery:
    """A user with a public gallery of ``pieces`` distinct pieces, each shared. Without
    ``prerender`` their images were never made (as for pieces the CLI imported): every first
    request for one is a render."""
    runtime = server.app_runtime
    user_id, token = await server.new_user_token()
    store = GalleryStore(user_directory(runtime.data_dir, user_id) / "gallery", durable=False)
    tokens: dict[int, str] = {}
    async with server.http(token) as client:
        opted = await client.put("/settings/gallery", json={"gallery_public": True})
        assert opted.status_code == 200, opted.text
        for number in range(1, pieces + 1):
            strokes: list[StrokePath] = sample_strokes()[: 1 + number % 4]
            canvas = SavedCanvas(
                id=piece_id(number), piece_number=number, strokes=strokes, width=800, height=600
            )
            entry = await asyncio.to_thread(store.save, canvas)
            cache = runtime.content_cache if prerender else None
            await on_piece_saved(runtime.database, runtime.data_dir, user_id, entry, cache=cache)
            shared = await client.post("/s/create", json={"piece_number": number})
            assert shared.status_code == 200, shared.text
            tokens[number] = shared.json()["token"]
    await runtime.content_cache.drain()
    return Gallery(user_id, tokens)


class TestShareAndSocialImagesAreMetered:
    """The four image routes behind public pieces and share links charge renders the cache
    lacks to the anonymous requester's address."""

    @pytest.mark.parametrize("route", list(ROUTES))
    async def test_renders_past_the_budget_are_429_and_repeats_are_free(
        self, tmp_path: Path, route: str
    ) -> None:
        # Arrange
        url = ROUTES[route]
        async with running_server(
            tmp_path, settings=settings(renders_per_client=3), local_mode=False
        ) as server:
            pieces = await gallery(server, 5, prerender=False)
            gate = server.app_runtime.renders
            async with server.http() as anonymous:
                # Act: five pieces never rendered, varied ?v= as a crawler would send
                misses = [
                    await anonymous.get(url(pieces, n), params={"v": f"x{n}"}) for n in (1, 2, 3, 4)
                ]
                repeats = [
                    await anonymous.get(url(pieces, n), params={"v": f"other-{k}"})
                    for n in (1, 2, 3)
                    for k in range(3)
                ]
                rendered = gate.renders
        # Assert
        assert [r.status_code for r in misses] == [200, 200, 200, 429]
        refused = misses[3]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "renders" in refused.json()["detail"]
        assert [r.status_code for r in repeats] == [200] * 9
        assert all(r.headers["content-type"] == "image/png" for r in misses[:3] + repeats)
        assert rendered == 3  # the refused one was never rendered; repeats were cache hits

    async def test_images_pre_rendered_on_save_cost_no_budget(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(
            tmp_path, settings=settings(renders_per_client=1), local_mode=False
        ) as server:
            pieces = await gallery(server, 3, prerender=True)
            gate = server.app_runtime.renders
            async with server.http() as anonymous:
                # Act: every route, every piece, twice
                replies = [
                    await anonymous.get(url(pieces, n))
                    for url in ROUTES.values()
                    for n in (1, 2, 3)
                    for _ in range(2)
                ]
        # Assert
        assert [r.status_code for r in replies] == [200] * 24
        assert gate.renders == 0

    async def test_a_pruned_cache_is_not_a_free_rerender(self, tmp_path: Path) -> None:
        # Arrange: pre-rendered, then the cache lost everything (pruned, or wiped by an admin)
        async with running_server(
            tmp_path, settings=settings(renders_per_client=2), local_mode=False
        ) as server:
            pieces = await gallery(server, 3, prerender=True)
            await asyncio.to_thread(shutil.rmtree, cache_root(server.app_runtime.data_dir))
            async with server.http() as anonymous:
                # Act
                replies = [await anonymous.get(pieces.share_og_image(n)) for n in (1, 2, 3)]
                again = await anonymous.get(pieces.share_og_image(1))
        # Assert
        assert [r.status_code for r in replies] == [200, 200, 429]
        assert again.status_code == 200

    async def test_concurrent_requests_for_one_image_render_it_once(self, tmp_path: Path) -> None:
        # Arrange
        async with running_server(
            tmp_path, settings=settings(renders_per_client=1), local_mode=False
        ) as server:
            pieces = await gallery(server, 1, prerender=False)
            gate = server.app_runtime.renders
            async with server.http() as anonymous:
                # Act: 20 at once, each with its own query string
                replies = await asyncio.gather(
                    *(anonymous.get(pieces.og_image(1), params={"v": str(k)}) for k in range(20))
                )
        # Assert
        assert [r.status_code for r in replies] == [200] * 20
        assert len({r.content for r in replies}) == 1
        assert gate.renders == 1


class TestRenderCap:
    """Social-card renders run under the server's global cap on renders at once."""

    async def test_at_most_max_concurrent_renders_run_at_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Arrange
        lock = threading.Lock()
        running = [0, 0]  # now, peak
        real = render_image

        def observed(canvas: SavedCanvas, kind: ImageKind) -> bytes:
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            try:
                time.sleep(0.02)  # widens any overlap; the assertion counts, it does not time
                return real(canvas, kind)
            finally:
                with lock:
                    running[0] -= 1

        monkeypatch.setattr(serve, "render_image", observed)
        limits = settings(renders_per_client=100, max_concurrent_renders=1)
        async with running_server(tmp_path, settings=limits, local_mode=False) as server:
            pieces = await gallery(server, 6, prerender=False)
            async with server.http() as anonymous:
                # Act: six different pieces at once, over two routes
                replies = await asyncio.gather(
                    *(anonymous.get(pieces.og_image(n)) for n in range(1, 7)),
                    *(anonymous.get(pieces.share_preview(n)) for n in range(1, 7)),
                )
        # Assert
        assert [r.status_code for r in replies] == [200] * 12
        assert running[1] == 1


class TestPiecePagesReuseTheCachedSvg:
    """Share and public piece pages inline the clean SVG from the content cache: repeated
    anonymous page views do not serialise every stroke again."""

    async def test_repeated_page_views_serialise_the_svg_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Arrange
        calls: list[int] = []

        def counted(canvas: SavedCanvas) -> str:
            calls.append(canvas.piece_number)
            return real_clean_svg(canvas)

        monkeypatch.setattr(exports, "clean_svg", counted)
        async with running_server(tmp_path, settings=settings(), local_mode=False) as server:
            pieces = await gallery(server, 1, prerender=False)
            page = f"/public/{pieces.user_id}/{piece_id(1)}"
            async with server.http() as anonymous:
                # Act
                views = [await anonymous.get(url) for url in [page, "/s/" + pieces.tokens[1]] * 3]
        # Assert
        assert [r.status_code for r in views] == [200] * 6
        assert all("<svg" in r.text for r in views)
        assert calls == [1]
