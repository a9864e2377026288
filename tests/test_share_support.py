"""Shared set-up for the sharing tests (an app with the sharing routers over a temp data dir,
users, saved pieces), plus tests of the content-addressed cache underneath."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from support.auth import FakeClock, make_app, make_service, settings_for_tests

from code_monet.app.config import load_config
from code_monet.app.server import create_app
from code_monet.auth.service import AuthService
from code_monet.db import Database
from code_monet.db.records import User
from code_monet.db.repository import users
from code_monet.render import cache as cache_module
from code_monet.render.cache import (
    TOUCH_AFTER_SECONDS,
    CacheSettings,
    ContentCache,
    cache_key,
    cache_root,
)
from code_monet.render.cache_prune import STALE_TEMP_SECONDS, scan
from code_monet.routes.deps import get_content_cache
from code_monet.routes.routers import create_share_routers
from code_monet.routes.services import AppServices, app_services, install_services
from code_monet.share.index import IndexReconciler, on_piece_saved
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Author
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import GalleryEntry, SavedCanvas
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.persistence import user_directory

BASE_URL = "https://art.example.org"
BASE_TIME = datetime(2030, 1, 1, 12, tzinfo=UTC)


def sample_strokes() -> list[StrokePath]:
    """A polyline, a cubic, a two-subpath svg path with an arc, and a human line."""
    return [
        StrokePath(
            type=PathType.POLYLINE,
            points=[Point(x=10, y=10), Point(x=120, y=40), Point(x=200, y=15)],
        ),
        StrokePath(
            type=PathType.CUBIC,
            points=[
                Point(x=600, y=500),
                Point(x=650, y=400),
                Point(x=700, y=580),
                Point(x=760, y=480),
            ],
        ),
        StrokePath(type=PathType.SVG, d="M 300 300 A 40 40 0 0 1 380 300 Z M 400 100 L 450 150"),
        StrokePath(
            type=PathType.LINE,
            points=[Point(x=50, y=550), Point(x=250, y=590)],
            author=Author.HUMAN,
        ),
    ]


@dataclass
class ShareEnv:
    app: FastAPI
    service: AuthService
    database: Database
    data_dir: Path
    client: httpx2.AsyncClient
    reconciler: IndexReconciler

    @property
    def cache(self) -> ContentCache:
        """The app's content cache (as ``create_app`` would install it)."""
        return app_services(self.app).require_content_cache()

    async def user(self, email: str, *, public: bool = False) -> tuple[User, dict[str, str]]:
        """A new user (optionally with a public gallery) and their bearer header."""
        async with self.database.transaction() as session:
            user = await users.create_user(session, email)
            if public:
                updated = await users.set_gallery_public(session, user.id, True)
                assert updated is not None
                user = updated
        pair = await self.service.issue_tokens(user)
        return user, {"Authorization": f"Bearer {pair.access_token}"}

    def write_piece(
        self,
        user: User,
        number: int,
        *,
        title: str | None = None,
        prompt: str | None = None,
        strokes: list[StrokePath] | None = None,
        style: DrawingStyleType = DrawingStyleType.PLOTTER,
        created_at: datetime | None = None,
        size: tuple[int, int] = (800, 600),
    ) -> GalleryEntry:
        """Write a piece file only (as the CLI would): the index does not know about it."""
        store = GalleryStore(user_directory(self.data_dir, user.id) / "gallery", durable=False)
        canvas = SavedCanvas(
            id=piece_id(number),
            piece_number=number,
            strokes=sample_strokes() if strokes is None else strokes,
            width=size[0],
            height=size[1],
            drawing_style=style,
            title=title,
            prompt=prompt,
            created_at=created_at or BASE_TIME + timedelta(minutes=number),
        )
        return store.save(canvas)

    async def save_piece(self, user: User, number: int, **fields: object) -> GalleryEntry:
        """Write a piece and tell the index, as the server does after every save."""
        entry = self.write_piece(user, number, **fields)  # type: ignore[arg-type]
        await on_piece_saved(self.database, self.data_dir, str(user.id), entry, cache=self.cache)
        await self.cache.drain()
        return entry


def build_app(service: AuthService, data_dir: Path, reconciler: IndexReconciler) -> FastAPI:
    app = make_app(service, data_dir, content_cache=ContentCache(cache_root(data_dir)))
    for router in create_share_routers(reconciler):
        app.include_router(router)
    return app


@pytest.fixture
async def share(db: Database, tmp_path: Path) -> AsyncIterator[ShareEnv]:
    """An app with the sharing routers; the lazy reconciler sweeps on every listing."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    service = make_service(
        db, data_dir, clock=FakeClock(), settings=settings_for_tests(public_base_url=BASE_URL + "/")
    )
    reconciler = IndexReconciler(interval_seconds=0.0)
    app = build_app(service, data_dir, reconciler)
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        env = ShareEnv(app, service, db, data_dir, client, reconciler)
        yield env
    await env.cache.drain()


class TestContentCache:
    """The on-disk artefact cache: render once, share concurrent renders, key by content."""

    async def test_second_get_reads_the_file_without_rendering(self, tmp_path: Path) -> None:
        """A cached artefact is not produced again."""
        # Arrange
        cache = ContentCache(tmp_path / "cache")
        calls: list[int] = []

        def produce() -> bytes:
            calls.append(1)
            return b"png-bytes"

        key = cache_key("a" * 64, "image:thumbnail")
        # Act
        first = await cache.get(key, ".png", produce)
        second = await cache.get(key, ".png", produce)
        # Assert
        assert first.data == second.data == b"png-bytes"
        assert len(calls) == 1
        assert cache.path_for(key, ".png").read_bytes() == b"png-bytes"
        assert first.etag == f'"{key}"'

    async def test_concurrent_requests_share_one_render(self, tmp_path: Path) -> None:
        """Ten simultaneous requests for one missing artefact cause one render."""
        # Arrange
        cache = ContentCache(tmp_path / "cache")
        calls: list[int] = []
        started, release = threading.Event(), threading.Event()

        def produce() -> bytes:
            calls.append(1)
            started.set()
            release.wait(timeout=10)
            return b"once"

        key = cache_key("b" * 64, "image:og-image")
        # Act
        tasks = [asyncio.create_task(cache.get(key, ".png", produce)) for _ in range(10)]
        await asyncio.to_thread(started.wait, 10)
        release.set()
        results = await asyncio.gather(*tasks)
        # Assert
        assert {r.data for r in results} == {b"once"}
        assert len(calls) == 1

    async def test_failed_render_is_not_cached(self, tmp_path: Path) -> None:
        """An exception reaches the caller and the next request tries again."""
        # Arrange
        cache = ContentCache(tmp_path / "cache")
        key = cache_key("c" * 64, "svg:plotter")

        def broken() -> bytes:
            raise ValueError("render failed")

        # Act
        with pytest.raises(ValueError, match="render failed"):
            await cache.get(key, ".svg", broken)
        retried = await cache.get(key, ".svg", lambda: b"ok")
        # Assert
        assert retried.data == b"ok"

    def test_keys_differ_by_content_and_variant(self) -> None:
        """The key changes with the content hash and with the kind of artefact."""
        # Arrange
        content_a, content_b = "a" * 64, "b" * 64
        # Act
        keys = {
            cache_key(content_a, "image:thumbnail"),
            cache_key(content_b, "image:thumbnail"),
            cache_key(content_a, "image:og-image"),
        }
        # Assert
        assert len(keys) == 3
        assert all(len(k) == 64 for k in keys)

    def test_malformed_keys_are_refused(self, tmp_path: Path) -> None:
        """Only 64 hex digits name a cache file (no path tricks)."""
        # Arrange
        cache = ContentCache(tmp_path / "cache")
        # Act / Assert
        for bad in ("../../etc/passwd", "A" * 64, "a" * 63, str(uuid.uuid4())):
            with pytest.raises(ValueError, match="Invalid cache key"):
                cache.path_for(bad, ".png")


def _age(path: Path, seconds: float) -> None:
    """Make ``path`` look last used ``seconds`` ago."""
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


class TestCacheLimit:
    """The cache stays under its size limit, dropping the least recently used artefacts."""

    async def test_writes_past_the_limit_prune_the_oldest(self, tmp_path: Path) -> None:
        """Five 300-byte artefacts in a 1,000-byte cache: the fourth write prunes the two
        oldest (down to 80 %), the fifth fits."""
        # Arrange
        cache = ContentCache(tmp_path / "cache", max_bytes=1000)
        keys = [cache_key(f"{n:064x}", "image:thumbnail") for n in range(5)]
        # Act
        for age, key in zip(range(5, 0, -1), keys, strict=True):
            await cache.get(key, ".png", lambda: b"x" * 300)
            _age(cache.path_for(key, ".png"), age * 100.0)
            await cache.settle()
        left = sorted(p.name for p in (tmp_path / "cache").rglob("*.png"))
        # Assert
        assert left == sorted(f"{k}.png" for k in keys[2:])

    async def test_a_recent_hit_keeps_an_old_artefact(self, tmp_path: Path) -> None:
        """Reading a long-unused artefact marks it used, so a prune takes a newer, unread one."""
        # Arrange
        cache = ContentCache(tmp_path / "cache", max_bytes=800)
        old, newer, newest = (cache_key(f"{n:064x}", "image:og-image") for n in range(3))
        await cache.get(old, ".png", lambda: b"o" * 300)
        _age(cache.path_for(old, ".png"), TOUCH_AFTER_SECONDS + 500)
        await cache.get(newer, ".png", lambda: b"n" * 300)
        _age(cache.path_for(newer, ".png"), 60.0)
        # Act
        hit = await cache.get(old, ".png", lambda: b"rendered again")
        await cache.get(newest, ".png", lambda: b"w" * 300)
        await cache.settle()
        # Assert
        assert hit.data == b"o" * 300
        assert cache.path_for(old, ".png").exists()
        assert not cache.path_for(newer, ".png").exists()
        assert cache.path_for(newest, ".png").exists()

    async def test_a_pruned_artefact_is_rendered_again(self, tmp_path: Path) -> None:
        """After its file is pruned, the next request renders and stores it anew."""
        # Arrange
        cache = ContentCache(tmp_path / "cache", max_bytes=500)
        first, second = (cache_key(f"{n:064x}", "svg:clean") for n in range(2))
        await cache.get(first, ".svg", lambda: b"1" * 300)
        _age(cache.path_for(first, ".svg"), 100.0)
        await cache.get(second, ".svg", lambda: b"2" * 300)
        await cache.settle()
        calls: list[int] = []

        def again() -> bytes:
            calls.append(1)
            return b"1" * 300

        # Act
        artefact = await cache.get(first, ".svg", again)
        # Assert
        assert artefact.data == b"1" * 300 and calls == [1]

    async def test_writes_during_a_prune_are_counted(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Artefacts stored while a prune runs still count: a follow-up round prunes them."""
        # Arrange
        root = tmp_path / "cache"
        cache = ContentCache(root, max_bytes=1000)
        entered, release = threading.Event(), threading.Event()
        real_prune = cache_module.prune

        def slow_prune(where: Path, target: int) -> int:
            left = real_prune(where, target)  # done before the writes below land
            entered.set()
            release.wait(timeout=10)
            return left

        monkeypatch.setattr(cache_module, "prune", slow_prune)
        keys = [cache_key(f"{n:064x}", "image:thumbnail") for n in range(7)]
        for key in keys[:4]:
            await cache.get(key, ".png", lambda: b"x" * 300)
            await asyncio.sleep(0)  # the size check starts in the background
        await asyncio.to_thread(entered.wait, 10)
        # Act
        for key in keys[4:]:
            await cache.get(key, ".png", lambda: b"y" * 300)
        release.set()
        await cache.settle()
        # Assert
        assert sum(entry.size for entry in scan(root)) <= 1000

    async def test_symlinked_directories_are_never_pruned(self, tmp_path: Path) -> None:
        """A shard that is a symlink elsewhere is neither counted nor emptied."""
        # Arrange
        outside = tmp_path / "outside"
        outside.mkdir()
        bait = outside / ("ab" + "0" * 62 + ".png")
        bait.write_bytes(b"keep me" * 100)
        root = tmp_path / "cache"
        root.mkdir()
        (root / "ab").symlink_to(outside, target_is_directory=True)
        cache = ContentCache(root, max_bytes=500)
        # Act
        for n in range(3):
            await cache.get(cache_key(f"{n:064x}", "svg:clean"), ".svg", lambda: b"s" * 300)
            await cache.settle()
        # Assert
        assert bait.exists()
        assert sum(entry.size for entry in scan(root)) <= 500

    async def test_a_hit_is_served_when_its_mtime_cannot_be_touched(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A read-only cache still serves old artefacts (touching is best effort)."""
        # Arrange
        cache = ContentCache(tmp_path / "cache")
        key = cache_key("d" * 64, "image:thumbnail")
        await cache.get(key, ".png", lambda: b"old")
        _age(cache.path_for(key, ".png"), TOUCH_AFTER_SECONDS + 60)

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise PermissionError("read-only")

        monkeypatch.setattr(os, "utime", refuse)
        # Act
        hit = await cache.get(key, ".png", lambda: b"rendered again")
        # Assert
        assert hit.data == b"old"

    def test_stale_temp_files_are_removed_and_fresh_ones_kept(self, tmp_path: Path) -> None:
        """A killed writer's temp file goes once it is an hour old; a live write's stays."""
        # Arrange
        shard = tmp_path / "cache" / "ab"
        shard.mkdir(parents=True)
        stale, fresh = shard / ".x.png.1.aa.tmp", shard / ".y.png.1.bb.tmp"
        stale.write_bytes(b"t")
        fresh.write_bytes(b"t")
        _age(stale, STALE_TEMP_SECONDS + 60)
        # Act
        found = scan(tmp_path / "cache")
        # Assert
        assert found == []
        assert not stale.exists() and fresh.exists()

    def test_the_limit_comes_from_the_config_the_app_is_assembled_with(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``IMAGE_CACHE_MAX_MB`` is read once (``load_config``, the edge) into the app's one
        cache; changing the environment afterwards changes nothing."""
        # Arrange
        config = load_config({"IMAGE_CACHE_MAX_MB": "3"}, env_file=None)
        app = create_app(config, data_dir=tmp_path / "data-env", auth_settings=settings_for_tests())
        # Act
        monkeypatch.setenv("IMAGE_CACHE_MAX_MB", "5")
        cache = app_services(app).require_content_cache()
        # Assert
        assert cache.max_bytes == 3 * 1024 * 1024
        assert cache.root == cache_root((tmp_path / "data-env").resolve())

    def test_settings_size_a_cache_for_a_data_dir(self, tmp_path: Path) -> None:
        """``ContentCache.for_data_dir`` takes its limit from settings it is given."""
        # Arrange
        settings = CacheSettings(max_mb=7)
        # Act
        cache = ContentCache.for_data_dir(tmp_path, settings)
        # Assert
        assert cache.max_bytes == 7 * 1024 * 1024 and cache.root == cache_root(tmp_path)

    def test_an_app_without_a_cache_fails_loudly(self, tmp_path: Path) -> None:
        """No hidden per-call cache: a route on an app without one is a wiring error."""
        # Arrange
        app = FastAPI()
        install_services(app, AppServices(data_dir=tmp_path))
        scope = {"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"}
        # Act / Assert
        with pytest.raises(RuntimeError, match="No content cache"):
            get_content_cache(Request(scope))

    def test_an_app_not_assembled_by_create_app_fails_loudly(self) -> None:
        """Without ``AppServices`` on the app, the accessor says how to assemble it."""
        # Arrange
        scope = {"type": "http", "app": FastAPI(), "headers": [], "method": "GET", "path": "/"}
        # Act / Assert
        with pytest.raises(RuntimeError, match="create_app, or install_services"):
            get_content_cache(Request(scope))
