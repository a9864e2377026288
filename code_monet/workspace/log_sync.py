"""Group commit for every user's log: written logs are flushed to disk about once a second in
one worker-thread call, so the drawing path never waits for the disk and a power cut loses at
most that second (a killed server loses nothing: written lines are in the page cache).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

SYNC_INTERVAL_SECONDS: Final = 1.0


@dataclass
class GroupSync:
    """Flushes every log written in the last interval to disk in one worker-thread call (like a
    database's group commit), so the drawing path never waits for the disk. One per server."""

    interval: float = SYNC_INTERVAL_SECONDS
    on_error: Callable[[Path, OSError], None] | None = None
    dirty: set[Path] = field(default_factory=set)
    _timer: asyncio.TimerHandle | None = None
    _running: set[asyncio.Future[None]] = field(default_factory=set)

    def mark(self, path: Path) -> None:
        self.dirty.add(path)
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a command-line tool): flush now
                self.flush_now()
                return
            self._timer = loop.call_later(self.interval, self._flush)

    def _flush(self) -> None:
        self._timer = None
        if not self.dirty:
            return
        paths, self.dirty = self.dirty, set()
        future = asyncio.get_running_loop().run_in_executor(None, self._sync_files, paths)
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def flush_now(self) -> None:
        paths, self.dirty = self.dirty, set()
        self._sync_files(paths)

    async def drain(self) -> None:
        """Flush everything now (shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        paths, self.dirty = self.dirty, set()
        if paths:
            await asyncio.to_thread(self._sync_files, paths)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _sync_files(self, paths: set[Path]) -> None:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # replaced since (compaction): its successor was synced
            except OSError as exc:
                self._report(path, exc)
                continue
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self._report(path, exc)
            finally:
                os.close(fd)

    def _report(self, path: Path, error: OSError) -> None:
        logger.error("Could not flush %s to disk: %s", path, error)
        if self.on_error is not None:
            self.on_error(path, error)
