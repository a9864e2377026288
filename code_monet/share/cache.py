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
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from code_monet.workspace.persistence import atomic_write_bytes

logger = logging.getLogger(__name__)

CACHE_VERSION: Final = "1"  # bump when renderers change, so old artefacts are not served
MAX_CONCURRENT_RENDERS: Final = 2
PRUNE_TO: Final = 0.8  # a prune leaves the cache at this fraction of its limit
TOUCH_AFTER_SECONDS: Final = 3600.0  # a hit refreshes an artefact's mtime at most this often


class CacheSettings(BaseSettings):
    """How much disk the rendered-artefact cache may use."""

    model_config = SettingsConfigDict(env_prefix="IMAGE_CACHE_", extra="ignore")

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
    """The artefact's bytes (touching a stale mtime, so pruning sees it as recently used)."""
    try:
        data = path.read_bytes()
        if time.time() - path.stat().st_mtime > TOUCH_AFTER_SECONDS:
            os.utime(path)
    except FileNotFoundError:
        return None
    return data


def _artefacts(root: Path) -> list[tuple[float, int, Path]]:
    """(mtime, size, path) of every artefact under ``root`` (temp files of writes excluded)."""
    found: list[tuple[float, int, Path]] = []
    if not root.is_dir():
        return found
    for shard in root.iterdir():
        if not shard.is_dir():
            continue
        for entry in os.scandir(shard):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            found.append((info.st_mtime, info.st_size, Path(entry.path)))
    return found


def _cache_size(root: Path) -> int:
    return sum(size for _, size, _ in _artefacts(root))


def _prune(root: Path, target: int) -> int:
    """Delete least recently used artefacts until at most ``target`` bytes remain; the size
    left."""
    found = sorted(_artefacts(root), key=lambda item: item[0])
    total = sum(size for _, size, _ in found)
    removed = 0
    for _, size, path in found:
        if total <= target:
            break
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Could not prune %s from the image cache: %s", path, exc)
            continue
        total -= size
        removed += 1
    if removed:
        logger.info(
            "Image cache over its limit: removed %d artefacts, %d bytes left", removed, total
        )
    return total


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
    max_bytes: int = 256 * 1024 * 1024
    _inflight: dict[str, asyncio.Task[bytes]] = field(default_factory=dict, repr=False)
    _semaphore: asyncio.Semaphore | None = field(default=None, repr=False)
    _size: int | None = field(default=None, repr=False)  # bytes on disk, once measured
    _pruning: asyncio.Task[None] | None = field(default=None, repr=False)

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
        await self._account(len(data))
        return data

    async def _account(self, added: int) -> None:
        """Count a write and start a prune (one at a time) once the cache is over its limit."""
        if self._size is None:
            self._size = await asyncio.to_thread(_cache_size, self.root)
        else:
            self._size += added
        if self._size > self.max_bytes and self._pruning is None:
            self._pruning = asyncio.create_task(self._prune(), name="image-cache-prune")

    async def _prune(self) -> None:
        try:
            self._size = await asyncio.to_thread(_prune, self.root, int(self.max_bytes * PRUNE_TO))
        except OSError as exc:
            logger.warning("Pruning the image cache %s failed: %s", self.root, exc)
        finally:
            self._pruning = None

    async def settle(self) -> None:
        """Wait for a running prune (tests, shutdown)."""
        if self._pruning is not None:
            await asyncio.shield(self._pruning)

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
        limit = CacheSettings().max_mb * 1024 * 1024
        cache = per_loop[root] = ContentCache(root, max_bytes=limit)
    return cache
