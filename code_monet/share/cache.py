"""An on-disk, content-addressed cache for rendered artefacts (images, plotter SVGs, estimates).

An artefact's key is a hash of the piece file's content hash and what was made from it, so a
key never goes stale: a changed piece has a new key. Files live under
``<data_dir>/cache/images/<key[:2]>/<key><suffix>`` and are written atomically. Concurrent
requests for one missing artefact share a single render, renders run in worker threads (never
on the event loop) and at most a few run at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from code_monet.workspace.persistence import atomic_write_bytes

logger = logging.getLogger(__name__)

CACHE_VERSION: Final = "1"  # bump when renderers change, so old artefacts are not served
MAX_CONCURRENT_RENDERS: Final = 2


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
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


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
    """Artefacts of one data directory, for one event loop (see :func:`cache_for`)."""

    root: Path
    max_concurrent: int = MAX_CONCURRENT_RENDERS
    _inflight: dict[str, asyncio.Task[bytes]] = field(default_factory=dict, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, repr=False)

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
        return data

    async def run(self, produce: Callable[[], bytes]) -> bytes:
        """``produce()`` in a worker thread under the render limit, without caching (for
        artefacts too varied to store, such as PNG exports at any size)."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrent)
        async with self._semaphore:
            return await asyncio.to_thread(produce)


_CACHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, ContentCache]] = (
    weakref.WeakKeyDictionary()
)


def cache_root(data_dir: Path) -> Path:
    return data_dir / "cache" / "images"


def cache_for(data_dir: Path) -> ContentCache:
    """The shared cache of ``data_dir`` on the running event loop (one render per artefact
    across the index hook and every route)."""
    loop = asyncio.get_running_loop()
    per_loop = _CACHES.setdefault(loop, {})
    root = cache_root(data_dir)
    cache = per_loop.get(root)
    if cache is None:
        cache = per_loop[root] = ContentCache(root)
    return cache
