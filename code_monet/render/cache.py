"""An on-disk, content-addressed cache for rendered artefacts (images, plotter SVGs, estimates).

An artefact's key is a hash of the piece file's content hash and what was made from it, so a
key never goes stale: a changed piece has a new key. Files live under
``<data_dir>/cache/images/<key[:2]>/<key><suffix>`` and are written atomically. Concurrent
requests for one missing artefact share a single render, renders run in worker threads (never
on the event loop) and at most a few run at once.

The cache is bounded (``IMAGE_CACHE_MAX_MB``, 256 MiB by default): when a write takes it over
the limit, the least recently used artefacts (by file mtime; a hit older than an hour touches
it) are deleted in a worker thread until it is back under 80 % of the limit. A deleted
artefact is simply rendered again when next asked for.

There is no module-level registry of caches: the composition root (``create_app``) gets
``CacheSettings`` from the application's configuration, builds the server's one
``ContentCache`` and hands it to the routes (``routes.deps.ContentCacheDep``, through the app's
``AppServices``) and the piece index (pre-renders). Everything the cache
starts — renders, size upkeep, pre-renders (:meth:`ContentCache.spawn`) — is owned by it, so
shutdown and tests wait for exactly that server's work (:meth:`ContentCache.drain`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import BaseModel, Field

from code_monet.render.cache_prune import cache_size, prune
from code_monet.workspace.persistence import atomic_write_bytes

logger = logging.getLogger(__name__)

CACHE_VERSION: Final = "1"  # bump when renderers change, so old artefacts are not served
MAX_CONCURRENT_RENDERS: Final = 2
PRUNE_TO: Final = 0.8  # a prune leaves the cache at this fraction of its limit
TOUCH_AFTER_SECONDS: Final = 3600.0  # a hit refreshes an artefact's mtime at most this often
RESCAN_SECONDS: Final = 600.0  # re-measure the disk (other processes may share the cache)
RETRY_PRUNE_SECONDS: Final = 60.0  # after a prune that could not get under the limit


class CacheSettings(BaseModel):
    """How much disk the rendered-artefact cache may use (``IMAGE_CACHE_MAX_MB``)."""

    max_mb: int = Field(default=256, ge=1, le=1_000_000, description="Size limit in MiB")


def cache_key(content_hash: str, variant: str) -> str:
    """The key of ``variant`` (e.g. ``image:thumbnail``) made from content ``content_hash``."""
    return hashlib.sha256(f"v{CACHE_VERSION}\n{variant}\n{content_hash}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Artefact:
    key: str
    data: bytes

    @property
    def etag(self) -> str:
        """A strong ETag: the content key, quoted."""
        return f'"{self.key}"'


def _read_or_none(path: Path) -> bytes | None:
    """The artefact's bytes; a hit on one unused for an hour refreshes its mtime, so pruning
    sees it as recently used (best effort: a read-only cache still serves)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > TOUCH_AFTER_SECONDS:
            os.utime(path)
    return data


def _write(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data, durable=False)
    except OSError as exc:  # a full disk must not fail the request: serve uncached
        logger.warning("Could not cache %s: %s", path, exc)


def _retrieve(task: asyncio.Task[bytes]) -> None:
    """Mark a failed render's exception as retrieved (its waiters may all have gone)."""
    if not task.cancelled():
        task.exception()


@dataclass
class ContentCache:
    """Artefacts of one data directory: one per server, built by the composition root, so
    every route and the index share its in-flight renders (one render per artefact)."""

    root: Path
    max_concurrent: int = MAX_CONCURRENT_RENDERS
    max_bytes: int = 256 * 1024 * 1024
    _inflight: dict[str, asyncio.Task[bytes]] = field(default_factory=dict, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, repr=False)
    _size: int | None = field(default=None, repr=False)  # bytes on disk when last measured
    _written: int = field(default=0, repr=False)  # bytes written since then
    _measured_at: float = field(default=0.0, repr=False)
    _retry_at: float = field(default=0.0, repr=False)
    _upkeep: asyncio.Task[None] | None = field(default=None, repr=False)
    _background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @classmethod
    def for_data_dir(cls, data_dir: Path, settings: CacheSettings) -> ContentCache:
        """The cache of ``data_dir`` within ``settings``' size limit (settings are read by
        the caller, once, at the edge)."""
        return cls(cache_root(data_dir), max_bytes=settings.max_mb * 1024 * 1024)

    def path_for(self, key: str, suffix: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"Invalid cache key {key[:70]!r}: expected 64 hex digits")
        return self.root / key[:2] / f"{key}{suffix}"

    async def get(self, key: str, suffix: str, produce: Callable[[], bytes]) -> Artefact:
        """The cached artefact, or ``produce()`` (run in a thread) stored and returned.

        Exceptions of ``produce`` reach every caller waiting for that render; nothing is
        cached then.
        """
        path = self.path_for(key, suffix)
        data = await asyncio.to_thread(_read_or_none, path)
        if data is not None:
            return Artefact(key, data)
        name = path.name
        task = self._inflight.get(name)
        if task is None:
            task = asyncio.create_task(self._produce(path, produce), name=f"render-{name}")
            self._inflight[name] = task
            task.add_done_callback(_retrieve)
            task.add_done_callback(lambda done: self._forget(name, done))
        return Artefact(key, await asyncio.shield(task))

    def _forget(self, name: str, task: asyncio.Task[bytes]) -> None:
        if self._inflight.get(name) is task:
            del self._inflight[name]

    async def _produce(self, path: Path, produce: Callable[[], bytes]) -> bytes:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrent)
        async with self._semaphore:
            data = await asyncio.to_thread(produce)
            await asyncio.to_thread(_write, path, data)
        self._note_write(len(data))
        return data

    def _note_write(self, size: int) -> None:
        """Count a write; the size check (and any prune) runs in the background, never on the
        request that rendered the artefact."""
        self._written += size
        if self._upkeep is None:
            self._upkeep = asyncio.create_task(self._keep_under_limit(), name="image-cache-upkeep")
            self._upkeep.add_done_callback(self._upkeep_done)

    def _upkeep_done(self, task: asyncio.Task[None]) -> None:
        if self._upkeep is task:
            self._upkeep = None
        if task.cancelled():
            return
        if task.exception() is not None:
            logger.warning("Image cache upkeep of %s failed: %s", self.root, task.exception())
        elif self._written and asyncio.get_running_loop().time() >= self._retry_at:
            self._note_write(0)  # writes that landed while it ran

    async def _keep_under_limit(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() < self._retry_at:
            return
        try:
            if self._size is None or loop.time() - self._measured_at > RESCAN_SECONDS:
                self._written = 0  # writes from here on are counted on top of the scan
                self._size = await asyncio.to_thread(cache_size, self.root)
                self._measured_at = loop.time()
            self._size += self._written
            self._written = 0
            if self._size <= self.max_bytes:
                return
            left = await asyncio.to_thread(prune, self.root, int(self.max_bytes * PRUNE_TO))
        except OSError as exc:
            logger.warning("Image cache upkeep of %s failed: %s", self.root, exc)
            self._retry_at = loop.time() + RETRY_PRUNE_SECONDS
            return
        # Writes that landed during the prune are in ``_written``, counted on the next round.
        self._size, self._measured_at = left, loop.time()
        if left > self.max_bytes:  # could not delete enough: do not rescan on every write
            self._retry_at = loop.time() + RETRY_PRUNE_SECONDS

    async def settle(self) -> None:
        """Wait until the size checks of the writes so far are done (for tests)."""
        while self._upkeep is not None:  # its done callback may have started another round
            await asyncio.shield(self._upkeep)

    def spawn(self, work: Coroutine[object, object, None], name: str) -> None:
        """Run ``work`` (e.g. pre-rendering a saved piece) in a background task the cache
        owns: nobody awaits it, yet shutdown can wait for it (:meth:`drain`)."""
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def in_flight(self, key: str, suffix: str) -> bool:
        """Whether the artefact is being produced right now (a request can join it)."""
        return self.path_for(key, suffix).name in self._inflight

    async def drain(self) -> None:
        """Wait until every background task started so far (pre-renders) has finished, then
        for the size checks they caused (graceful shutdown, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.settle()


def cache_root(data_dir: Path) -> Path:
    return data_dir / "cache" / "images"
