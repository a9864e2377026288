"""How many sandboxed programs may run at once: per server and per owner (user).

Why: every running program may hold its full memory limit and a core, so the number running is
what bounds the server's memory and keeps one user's programs from starving everyone else's
(issue 15: three heavy programs took 3.5 GiB). A program beyond either cap waits, for a bounded
time only, and is then refused with a "busy" message instead of queueing without end.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

__all__ = ["ProgramSlots", "SlotsBusyError"]


class SlotsBusyError(Exception):
    """No slot became free within the wait; the message is meant for the model."""


@dataclass
class ProgramSlots:
    """Counting slots with a per-owner cap; single event loop, no locks needed.

    ``owner=None`` (headless runs, tests) counts only against the server cap.
    """

    per_server: int
    per_owner: int
    _running: int = field(default=0, init=False)
    _by_owner: dict[str, int] = field(default_factory=dict, init=False)
    _waiters: list[asyncio.Future[None]] = field(default_factory=list, init=False)

    @property
    def running(self) -> int:
        return self._running

    def running_for(self, owner: str | None) -> int:
        return self._by_owner.get(owner, 0) if owner is not None else 0

    def _free(self, owner: str | None) -> bool:
        if self._running >= self.per_server:
            return False
        return owner is None or self._by_owner.get(owner, 0) < self.per_owner

    async def acquire(self, owner: str | None, wait_seconds: float) -> None:
        """Take a slot, waiting up to ``wait_seconds``; ``SlotsBusyError`` past that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while not self._free(owner):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SlotsBusyError(self._busy_message(owner, wait_seconds))
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                raise SlotsBusyError(self._busy_message(owner, wait_seconds)) from None
            finally:
                self._waiters.remove(waiter)
        self._running += 1
        if owner is not None:
            self._by_owner[owner] = self._by_owner.get(owner, 0) + 1

    def release(self, owner: str | None) -> None:
        """Give a slot back (synchronous, so it also runs in a cancelled task's cleanup)."""
        self._running -= 1
        if owner is not None:
            left = self._by_owner.get(owner, 0) - 1
            if left > 0:
                self._by_owner[owner] = left
            else:
                self._by_owner.pop(owner, None)
        for waiter in self._waiters:  # every waiter re-checks its own caps
            if not waiter.done():
                waiter.set_result(None)

    def _busy_message(self, owner: str | None, waited: float) -> str:
        mine = ""
        if owner is not None and self._by_owner.get(owner, 0) >= self.per_owner:
            mine = (
                f"; {self._by_owner[owner]} of them are yours, the limit is "
                f"{self.per_owner} per user"
            )
        return (
            f"The code sandbox is busy: {self._running} programs are running (limit "
            f"{self.per_server} on this server){mine}. Waited {waited:g} s for a free slot; "
            "try again when your other programs have finished, or draw with draw_paths."
        )
