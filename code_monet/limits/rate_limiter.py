"""Sliding-window rate limiting for any per-key (per-user, per-IP) limit.

Time is injectable (``now=``) so tests never sleep. A ``threading.Lock`` guards the windows,
so the limiter is safe from the event loop and from worker threads alike.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimiterConfig:
    max_requests: int
    window_seconds: float
    max_keys: int = 100_000

    def __post_init__(self) -> None:
        if self.max_requests < 1:
            raise ValueError(f"max_requests must be >= 1, got {self.max_requests}")
        if not self.window_seconds > 0:
            raise ValueError(f"window_seconds must be > 0, got {self.window_seconds}")
        if self.max_keys < 1:
            raise ValueError(f"max_keys must be >= 1, got {self.max_keys}")


@dataclass
class RateLimiter:
    """At most ``max_requests`` per key in any ``window_seconds`` long sliding window."""

    config: RateLimiterConfig
    _hits: dict[Hashable, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _window(self, key: Hashable, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.config.max_keys:
                self._prune(now)
            hits = deque()
            self._hits[key] = hits
        cutoff = now - self.config.window_seconds
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return hits

    def _prune(self, now: float) -> None:
        cutoff = now - self.config.window_seconds
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]
        for key in stale:
            del self._hits[key]
        if len(self._hits) >= self.config.max_keys:
            # Still full of live keys: forget the oldest-used ones rather than grow unbounded.
            by_age = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in by_age[: len(self._hits) - self.config.max_keys + 1]:
                del self._hits[key]

    def is_allowed(self, key: Hashable, now: float | None = None) -> bool:
        """Record a request for ``key`` and say whether it is within the limit.

        A refused request is not recorded, so a client that backs off recovers on time.
        """
        current = time.monotonic() if now is None else now
        with self._lock:
            hits = self._window(key, current)
            if len(hits) >= self.config.max_requests:
                return False
            hits.append(current)
            return True

    def remaining(self, key: Hashable, now: float | None = None) -> int:
        """How many more requests ``key`` may make in the current window."""
        current = time.monotonic() if now is None else now
        with self._lock:
            if key not in self._hits:
                return self.config.max_requests
            return max(0, self.config.max_requests - len(self._window(key, current)))

    def retry_after(self, key: Hashable, now: float | None = None) -> float:
        """Seconds until ``key`` may make another request (0 when it may now)."""
        current = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return 0.0
            hits = self._window(key, current)
            if len(hits) < self.config.max_requests:
                return 0.0
            return max(0.0, hits[0] + self.config.window_seconds - current)

    @property
    def tracked_keys(self) -> int:
        """How many keys have a window in memory (bounded by ``max_keys``)."""
        with self._lock:
            return len(self._hits)
