"""A server-wide cap on agent-output parses running at once (issue 15).

Parsing what an agent produced (``draw_paths`` input, a ``generate_svg`` program's output) runs
in a worker thread within per-call budgets, so one call costs only its own user a few seconds.
But those threads are the server's shared pool (file I/O, renders, saves): many users' huge
outputs at once would take every one of them. ``ParseSlots`` bounds how many parses run at once
across all users; a parse waits for a slot, and one that waits longer than ``max_wait_seconds``
is refused with ``ParseBusyError`` (the tool answers "server busy") instead of queueing without
end.

The composition root (``create_app``) builds one from the server settings and hands it to every
agent, which hands it to each turn's ``ToolContext``. A context built without one (the CLI,
tests) gets its own, so nothing is shared by accident through a module global.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable
from typing import Final, Protocol, TypeVar

T = TypeVar("T")

DEFAULT_MAX_WAIT_SECONDS: Final = 30.0


def default_parse_slots() -> int:
    """One parse per core: parses are CPU-bound, more at once only share the same cores."""
    return os.cpu_count() or 1


class ParseLimits(Protocol):
    """The parse limits slots are built from (the server settings have these fields)."""

    @property
    def max_concurrent_parses(self) -> int | None: ...
    @property
    def parse_wait_seconds(self) -> float: ...


class ParseBusyError(Exception):
    """No parse slot freed up within the bound: the server is busy with other users' parses."""

    def __init__(self, waited_seconds: float, capacity: int) -> None:
        self.waited_seconds = waited_seconds
        self.capacity = capacity
        super().__init__(
            f"The server is busy: all {capacity} drawing parsers are in use by other requests "
            f"and none freed up within {math.ceil(waited_seconds)} s. Nothing was drawn; try "
            "again in a moment (a smaller batch of paths parses sooner)."
        )


class ParseSlots:
    """At most ``capacity`` parses in worker threads at once; waiting at most
    ``max_wait_seconds`` for a slot. Counts are exposed for metrics and tests."""

    def __init__(
        self, capacity: int | None = None, max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS
    ) -> None:
        if capacity is not None and capacity < 1:
            raise ValueError(f"ParseSlots needs at least one slot, got {capacity}")
        if max_wait_seconds <= 0:
            raise ValueError(f"max_wait_seconds must be positive, got {max_wait_seconds}")
        self.capacity = capacity if capacity is not None else default_parse_slots()
        self.max_wait_seconds = max_wait_seconds
        self._slots = asyncio.Semaphore(self.capacity)
        self.running = 0
        self.waiting = 0

    @classmethod
    def from_settings(cls, settings: ParseLimits) -> ParseSlots:
        """The server's slots (``MAX_CONCURRENT_PARSES``, ``PARSE_WAIT_SECONDS``)."""
        return cls(settings.max_concurrent_parses, settings.parse_wait_seconds)

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in a worker thread once a slot is free.

        Raises ``ParseBusyError`` when no slot frees up within ``max_wait_seconds``. The slot
        is held until the thread finishes, even if the caller is cancelled meanwhile: a thread
        cannot be stopped, and the cap is about threads busy, not callers waiting."""
        self.waiting += 1
        try:
            async with asyncio.timeout(self.max_wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise ParseBusyError(self.max_wait_seconds, self.capacity) from None
        finally:
            self.waiting -= 1
        self.running += 1

        def finished(done: asyncio.Future[T]) -> None:
            self.running -= 1
            self._slots.release()
            if not done.cancelled():
                done.exception()  # retrieved: a cancelled caller may never read it

        thread = asyncio.ensure_future(asyncio.to_thread(work))
        thread.add_done_callback(finished)
        return await asyncio.shield(thread)
