"""The gallery piece index: kept right on every save, reconciled from disk when it may not be.

* :func:`on_piece_saved` — the server calls it after each saved piece: index row upserted,
  images pre-rendered in the background. Never raises.
* :func:`reconcile_user` — re-sync one user's rows with their gallery directory (pieces
  imported by the CLI, deleted files); only changed files are read.
* :class:`IndexReconciler` — a throttled sweep over opted-in users whose gallery directory
  changed (directory mtime), for the public listing.
* :func:`locate_piece` — a piece whose row is checked against its file (size, mtime) and
  refreshed when stale, so served content and cache keys always match the file.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from code_monet.db.engine import Database
from code_monet.db.repository import public_pieces
from code_monet.share.cache import cache_for
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

_BACKGROUND: set[asyncio.Task[None]] = set()


async def on_piece_saved(
    database: Database,
    data_dir: Path,
    user_id: str,
    entry: GalleryEntry,
    *,
    prerender: bool = True,
) -> None:
    """Index a just-saved piece and pre-render its images (in the background).

    Bad data (unknown user, unreadable or corrupt file) is logged and ignored.
    """
    try:
        uid = uuid.UUID(str(user_id))
        path = piece_path(data_dir, uid, entry.piece_number)
        snapshot = await asyncio.to_thread(read_snapshot, path, uid, entry.piece_number)
        async with database.transaction() as session:
            await public_pieces.upsert_piece(session, snapshot.indexed)
    except Exception as exc:
        logger.warning("Could not index piece %s of user %s: %s", entry.id, str(user_id)[:64], exc)
        return
    if prerender:
        located = LocatedPiece(path, snapshot.indexed, snapshot.canvas)
        task = asyncio.create_task(
            prerender_images(cache_for(data_dir), located), name=f"prerender-{entry.id}"
        )
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)


async def wait_for_background_renders() -> None:
    """Wait until every pre-render started so far has finished (tests, graceful shutdown)."""
    while _BACKGROUND:
        await asyncio.gather(*list(_BACKGROUND), return_exceptions=True)


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
