"""Limits on rendering PNGs on demand (issue 15): sizes snapped to a few steps, repeated
renders served from a cache, renders rate-limited per client, and a global cap on how many
run at once.

One ``RenderGate`` is built at app assembly (``create_app``) and reached by routes through
``routes.deps.RenderGateDep``. A *render* is a cache miss; hits cost no quota and take no slot.

- per client (``user:<id>`` signed in, ``addr:<ip>`` anonymous): at most
  ``RENDERS_PER_CLIENT`` renders per ``RENDER_WINDOW_SECONDS``; over it → 429 + Retry-After;
- globally: at most ``MAX_CONCURRENT_RENDERS`` renders at once (each in a worker thread),
  at most ``MAX_QUEUED_RENDERS`` waiting for a slot; beyond that → 503 + Retry-After.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Final, Protocol

from fastapi import HTTPException, Request, status

from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig
from code_monet.render.cache import Artefact, ContentCache

EXPORT_STEPS: Final = (64, 128, 256, 512, 1024, 2048, 4096)
"""Long edges a PNG export is rendered at (a request is rounded up to the next one)."""
BUSY_RETRY_SECONDS: Final = 2
LIVE_CACHE_ENTRIES: Final = 64
LIVE_CACHE_BYTES: Final = 32 * 1024 * 1024


def snap_up(requested: int, steps: Sequence[int]) -> int:
    """The smallest step ≥ ``requested`` (the largest step when all are smaller)."""
    ordered = sorted(steps)
    if not ordered:
        raise ValueError("snap_up needs at least one step")
    return next((step for step in ordered if step >= requested), ordered[-1])


def relative_steps(natural: int, low: int, high: int) -> list[int]:
    """``natural`` × 2^k (k from -6 to 2) within ``[low, high]``; ``[natural]`` clamped when
    none is (a live canvas is rendered at its own width, halves or doubles of it)."""
    steps = [natural * 2**k for k in range(3)] + [natural // 2**k for k in range(1, 7)]
    inside = sorted({step for step in steps if low <= step <= high})
    return inside or [min(high, max(low, natural))]


class RenderLimits(Protocol):
    """The render limits a gate is built from (the server settings have these fields)."""

    @property
    def max_concurrent_renders(self) -> int: ...
    @property
    def max_queued_renders(self) -> int: ...
    @property
    def renders_per_client(self) -> int: ...
    @property
    def render_window_seconds(self) -> float: ...


class RenderRateLimitedError(HTTPException):
    """429: this client rendered too much lately."""

    def __init__(self, client: str, limit: int, window: float, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many image renders: at most {limit} per {window:g} s per "
            f"{'user' if client.startswith('user:') else 'address'}; "
            f"retry in {seconds} s (already rendered images are not limited)",
            headers={"Retry-After": str(seconds)},
        )


class RenderBusyError(HTTPException):
    """503: every render slot is taken and the queue is full."""

    def __init__(self, queued: int) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"The server is busy rendering images ({queued} waiting); try again shortly",
            headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
        )


class BytesLru:
    """A small in-memory LRU of rendered bytes, bounded in entries and total size."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: Hashable, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        old = self._items.pop(key, None)
        self._bytes -= len(old) if old is not None else 0
        self._items[key] = data
        self._bytes += len(data)
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped)


class RenderGate:
    """The server's render budget: per-client rate limit, global concurrency cap, a live
    canvas cache, and a count of renders done (for metrics and tests)."""

    def __init__(
        self,
        *,
        max_concurrent: int = 2,
        max_queued: int = 32,
        per_client: RateLimiterConfig | None = None,
    ) -> None:
        self.max_concurrent = max_concurrent
        self.max_queued = max_queued
        self.limits = per_client or RateLimiterConfig(max_requests=30, window_seconds=60.0)
        self._rate = RateLimiter(self.limits)
        self.slots = asyncio.Semaphore(max_concurrent)
        self._queued = 0
        self._pending: dict[str, int] = {}  # cache keys being rendered → requests waiting
        self._count_lock = threading.Lock()
        self._renders = 0
        self.live = BytesLru(LIVE_CACHE_ENTRIES, LIVE_CACHE_BYTES)

    @classmethod
    def from_settings(cls, settings: RenderLimits) -> RenderGate:
        return cls(
            max_concurrent=settings.max_concurrent_renders,
            max_queued=settings.max_queued_renders,
            per_client=RateLimiterConfig(
                max_requests=settings.renders_per_client,
                window_seconds=settings.render_window_seconds,
            ),
        )

    @property
    def renders(self) -> int:
        """Renders started since the server started (cache hits are not renders)."""
        with self._count_lock:
            return self._renders

    def admit(self, client: str) -> None:
        """Charge one render to ``client``; 429 (``RenderRateLimitedError``) when over."""
        if not self._rate.is_allowed(client):
            raise RenderRateLimitedError(
                client,
                self.limits.max_requests,
                self.limits.window_seconds,
                self._rate.retry_after(client),
            )

    def _counted(self, produce: Callable[[], bytes]) -> Callable[[], bytes]:
        def run() -> bytes:
            with self._count_lock:
                self._renders += 1
            return produce()

        return run

    async def render(self, client: str, produce: Callable[[], bytes]) -> bytes:
        """``produce()`` (CPU-bound) in a worker thread, charged to ``client``, under the
        global cap."""
        self.admit(client)
        async with self._slot():
            return await asyncio.to_thread(self._counted(produce))

    async def cached(
        self,
        cache: ContentCache,
        key: str,
        suffix: str,
        produce: Callable[[], bytes],
        client: str | None,
    ) -> Artefact:
        """The cached artefact; on a miss ``produce()`` is charged to ``client`` (``None``:
        charged to nobody) and run under the cap. Joining a render under way (another
        request's, or a save's pre-render) is free, like a hit."""
        path = cache.path_for(key, suffix)
        # A hit, or a render already under way: the cache joins it, nothing is charged. Asked
        # again after the file check: a render may have started while this request waited.
        if (
            self._joining(cache, key, suffix)
            or await asyncio.to_thread(path.is_file)
            or self._joining(cache, key, suffix)
        ):
            return await cache.get(key, suffix, self._counted(produce))
        if client is not None:
            self.admit(client)
        self._pending[key] = self._pending.get(key, 0) + 1
        try:
            async with self._slot():
                return await cache.get(key, suffix, self._counted(produce))
        finally:
            self._pending[key] -= 1
            if not self._pending[key]:
                del self._pending[key]

    def _joining(self, cache: ContentCache, key: str, suffix: str) -> bool:
        """Whether a render of ``key`` is under way (through this gate, or a pre-render)."""
        return key in self._pending or cache.in_flight(key, suffix)

    def _slot(self) -> _Slot:
        """A render slot to ``async with``; 503 at once when the queue for one is full."""
        if self.slots.locked() and self._queued >= self.max_queued:
            raise RenderBusyError(self._queued)
        return _Slot(self)

    def count_waiting(self, delta: int) -> None:
        self._queued += delta


class _Slot:
    """``async with``: wait for one of the gate's render slots (counted as queued meanwhile)."""

    def __init__(self, gate: RenderGate) -> None:
        self.gate = gate

    async def __aenter__(self) -> None:
        self.gate.count_waiting(1)
        try:
            await self.gate.slots.acquire()
        finally:
            self.gate.count_waiting(-1)

    async def __aexit__(self, *_: object) -> None:
        self.gate.slots.release()


def client_key(request: Request, user_id: object | None = None) -> str:
    """Who a render is charged to: the signed-in user, else the peer address."""
    if user_id is not None:
        return f"user:{user_id}"
    return f"addr:{request.client.host if request.client is not None else 'unknown'}"
