"""The gallery piece index: kept right on every save, reconciled from disk when it may not be.

* :func:`on_piece_saved` — the server calls it after each saved piece: index row upserted,
  images pre-rendered in the background (tasks owned by the server's ``ContentCache``, which
  shutdown drains). Never raises. When the database is unreachable the
  user gets a pending marker (``DATA_DIR/index-pending/<user id>``) instead of a lost row.
* :class:`IndexCatchUp` — the server's background task that re-indexes users with a pending
  marker once the database answers again (a few users per pass, backing off while it is down);
  markers survive restarts, so pieces saved during an outage are always indexed in the end.
* :func:`reconcile_user` — re-sync one user's rows with their gallery directory (pieces
  imported by the CLI, deleted files); only changed files are read.
* :class:`IndexReconciler` — a throttled sweep over opted-in users whose gallery directory
  changed (directory mtime), for the public listing.
* :func:`locate_piece` — a piece whose row is checked against its file (size, mtime) and
  refreshed when stale, so served content and cache keys always match the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from code_monet.db.engine import Database
from code_monet.db.errors import describe, is_database_unavailable
from code_monet.db.repository import public_pieces
from code_monet.render.cache import ContentCache
from code_monet.share.images import prerender_images
from code_monet.share.pieces import (
    LocatedPiece,
    PieceUnavailableError,
    file_signature,
    gallery_directory,
    piece_path,
    read_snapshot,
    scan_gallery,
)
from code_monet.types.state import GalleryEntry

logger = logging.getLogger(__name__)

PENDING_DIR: Final = "index-pending"


class IndexOutcome(StrEnum):
    INDEXED = "indexed"
    DEFERRED = "deferred"  # the database was unreachable: a pending marker was left
    SKIPPED = "skipped"  # bad data (unknown user, unreadable or corrupt file)


def pending_directory(data_dir: Path) -> Path:
    return data_dir / PENDING_DIR


def mark_pending(data_dir: Path, user_id: uuid.UUID) -> None:
    """Leave (or refresh) the user's marker: their gallery must be re-indexed. Blocking."""
    directory = pending_directory(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / str(user_id)
    os.close(os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600))
    os.utime(marker)  # a newer mtime tells a pass in flight not to delete it


def pending_users(data_dir: Path, limit: int) -> list[tuple[uuid.UUID, int]]:
    """Up to ``limit`` users with a marker, oldest first, with the marker's mtime. Blocking."""
    found: list[tuple[int, uuid.UUID]] = []
    try:
        entries = list(os.scandir(pending_directory(data_dir)))
    except FileNotFoundError:
        return []
    for item in entries:
        try:
            uid = uuid.UUID(item.name)
            found.append((item.stat().st_mtime_ns, uid))
        except (ValueError, OSError):
            continue
    found.sort()
    return [(uid, mtime) for mtime, uid in found[:limit]]


def clear_pending(data_dir: Path, user_id: uuid.UUID, seen_mtime_ns: int) -> None:
    """Remove the marker unless it was refreshed since ``seen_mtime_ns``. Blocking."""
    marker = pending_directory(data_dir) / str(user_id)
    with contextlib.suppress(FileNotFoundError):
        if marker.stat().st_mtime_ns == seen_mtime_ns:
            marker.unlink()


async def on_piece_saved(
    database: Database,
    data_dir: Path,
    user_id: str,
    entry: GalleryEntry,
    *,
    cache: ContentCache | None = None,
) -> IndexOutcome:
    """Index a just-saved piece and pre-render its images into ``cache`` (in a background task
    the cache owns; ``None``: no pre-render).

    Bad data (unknown user, unreadable or corrupt file) is logged and ignored. A database
    outage leaves a pending marker for :class:`IndexCatchUp` (the piece is still pre-rendered).
    """
    try:
        uid = uuid.UUID(str(user_id))
        path = piece_path(data_dir, uid, entry.piece_number)
        snapshot = await asyncio.to_thread(read_snapshot, path, uid, entry.piece_number)
    except Exception as exc:
        logger.warning("Could not index piece %s of user %s: %s", entry.id, str(user_id)[:64], exc)
        return IndexOutcome.SKIPPED
    outcome = IndexOutcome.INDEXED
    try:
        async with database.transaction() as session:
            await public_pieces.upsert_piece(session, snapshot.indexed)
    except Exception as exc:
        if not is_database_unavailable(exc):
            logger.warning("Could not index piece %s of user %s: %s", entry.id, uid, exc)
            return IndexOutcome.SKIPPED
        try:
            await asyncio.to_thread(mark_pending, data_dir, uid)
        except OSError as marker_error:
            logger.error(
                "Could not index piece %s of user %s (database unavailable: %s) nor leave a "
                "pending marker (%s): the public gallery lacks it until the next sweep",
                entry.id,
                uid,
                describe(exc),
                marker_error,
            )
            return IndexOutcome.SKIPPED
        logger.warning(
            "Database unavailable while indexing piece %s of user %s (%s); it will be indexed "
            "when the database is back",
            entry.id,
            uid,
            describe(exc),
        )
        outcome = IndexOutcome.DEFERRED
    if cache is not None:
        located = LocatedPiece(path, snapshot.indexed, snapshot.canvas)
        cache.spawn(prerender_images(cache, located), name=f"prerender-{entry.id}")
    return outcome


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    indexed: int
    removed: int


async def reconcile_user(database: Database, data_dir: Path, user_id: uuid.UUID) -> ReconcileResult:
    """Bring one user's index rows in line with their gallery directory.

    New and changed files are (re)indexed, rows of deleted or corrupt files are removed;
    unchanged files (same size and mtime) are not read.
    """
    async with database.read() as session:
        rows = await public_pieces.list_user_pieces(session, user_id)
    known = {row.piece_number: row.signature for row in rows}
    directory = gallery_directory(data_dir, user_id)
    changed, present = await asyncio.to_thread(scan_gallery, directory, known)
    gone = [n for n in known if n not in present or (n in changed and changed[n] is None)]
    fresh = [snapshot for snapshot in changed.values() if snapshot is not None]
    if fresh or gone:
        async with database.transaction() as session:
            for snapshot in fresh:
                await public_pieces.upsert_piece(session, snapshot.indexed)
            await public_pieces.delete_pieces(session, user_id, gone)
        logger.info(
            "Reconciled gallery index of %s: %d indexed, %d removed", user_id, len(fresh), len(gone)
        )
    return ReconcileResult(indexed=len(fresh), removed=len(gone))


async def locate_piece(
    database: Database, data_dir: Path, user_id: uuid.UUID, piece_number: int
) -> LocatedPiece:
    """The piece with an index row matching its file; ``PieceUnavailableError`` if there is
    no readable file. A missing or stale row is (re)written from the file on the way."""
    path = piece_path(data_dir, user_id, piece_number)
    async with database.read() as session:
        row = await public_pieces.get_piece(session, user_id, piece_number)
    signature = await asyncio.to_thread(file_signature, path)
    if signature is None:
        if row is not None:
            async with database.transaction() as session:
                await public_pieces.delete_pieces(session, user_id, [piece_number])
        raise PieceUnavailableError(f"Piece {piece_number} of {user_id} has no file")
    if row is not None and row.signature == signature:
        return LocatedPiece(path, row)
    snapshot = await asyncio.to_thread(read_snapshot, path, user_id, piece_number)
    try:
        async with database.transaction() as session:
            await public_pieces.upsert_piece(session, snapshot.indexed)
    except Exception as exc:  # the index is an optimisation: still serve the piece
        logger.warning(
            "Could not refresh index row of piece %d of %s: %s", piece_number, user_id, exc
        )
    return LocatedPiece(path, snapshot.indexed, snapshot.canvas)


def _directory_mtimes(data_dir: Path, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    result: dict[uuid.UUID, int] = {}
    for uid in user_ids:
        try:
            result[uid] = gallery_directory(data_dir, uid).stat().st_mtime_ns
        except OSError:
            result[uid] = -1
    return result


@dataclass
class IndexReconciler:
    """Throttled lazy reconciliation of opted-in users' rows (at most one sweep per
    ``interval_seconds``; only users whose gallery directory mtime changed are rescanned)."""

    interval_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _last_sweep: float | None = None
    _seen: dict[uuid.UUID, int] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def sweep_if_due(self, database: Database, data_dir: Path) -> int:
        """Run a sweep when one is due; returns how many users were reconciled."""
        now = self.clock()
        due = self._last_sweep is None or now - self._last_sweep >= self.interval_seconds
        if not due or self._lock.locked():
            return 0
        async with self._lock:
            self._last_sweep = now
            async with database.read() as session:
                ids = await public_pieces.list_public_user_ids(session)
            mtimes = await asyncio.to_thread(_directory_mtimes, data_dir, ids)
            stale = [uid for uid in ids if self._seen.get(uid) != mtimes[uid]]
            for uid in stale:
                try:
                    await reconcile_user(database, data_dir, uid)
                    self._seen[uid] = mtimes[uid]
                except Exception:
                    logger.exception("Reconciling the gallery index of %s failed", uid)
            return len(stale)


@dataclass(frozen=True, slots=True)
class CatchUpPass:
    indexed_users: int
    remaining: bool
    unavailable: bool


@dataclass
class IndexCatchUp:
    """Indexes, once the database answers again, the pieces whose indexing it missed.

    Wired as the registry's piece-saved hook (:meth:`piece_saved`); :meth:`start` runs the
    loop: a pass right away (markers left before a restart), then one whenever a save was
    deferred, at most ``batch_users`` users per pass; while the database is down it retries
    after ``first_retry_seconds``, doubling up to ``max_retry_seconds``. Saved pieces' images
    are pre-rendered into ``cache`` (the server's) when ``prerender`` is on.
    """

    database: Database
    data_dir: Path
    cache: ContentCache | None = None
    batch_users: int = 20
    first_retry_seconds: float = 1.0
    max_retry_seconds: float = 15.0
    idle_check_seconds: float = 300.0
    prerender: bool = True
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def piece_saved(self, user_id: str, entry: GalleryEntry) -> None:
        """The piece-saved hook: index now, or leave it to the loop if the database is down."""
        outcome = await on_piece_saved(
            self.database,
            self.data_dir,
            user_id,
            entry,
            cache=self.cache if self.prerender else None,
        )
        if outcome is IndexOutcome.DEFERRED:
            self._wake.set()

    async def run_pass(self) -> CatchUpPass:
        """Reconcile up to ``batch_users`` users with a marker; stops at the first outage."""
        pending = await asyncio.to_thread(pending_users, self.data_dir, self.batch_users + 1)
        done = 0
        for uid, seen in pending[: self.batch_users]:
            try:
                await reconcile_user(self.database, self.data_dir, uid)
            except Exception as exc:
                if is_database_unavailable(exc):
                    return CatchUpPass(done, remaining=True, unavailable=True)
                logger.exception("Catching up the gallery index of %s failed; giving up", uid)
            await asyncio.to_thread(clear_pending, self.data_dir, uid, seen)
            done += 1
        if done:
            logger.info("Gallery index caught up for %d user(s) after a database outage", done)
        return CatchUpPass(done, remaining=len(pending) > self.batch_users, unavailable=False)

    async def _run(self) -> None:
        delay = self.first_retry_seconds
        while True:
            self._wake.clear()
            try:
                result = await self.run_pass()
            except OSError as exc:  # the markers could not be read: try again later
                logger.error("Reading the pending gallery index markers failed: %s", exc)
                result = CatchUpPass(0, remaining=True, unavailable=True)
            if result.unavailable:  # back off; a piece deferred meanwhile retries at once
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                delay = min(delay * 2, self.max_retry_seconds)
                continue
            delay = self.first_retry_seconds
            if result.remaining:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.idle_check_seconds):
                    await self._wake.wait()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="gallery-index-catch-up")

    async def stop(self) -> None:
        """Cancel the loop (markers stay on disk for the next start)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
