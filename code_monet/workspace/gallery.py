"""A user's gallery of finished pieces: ``gallery/piece_000001.json`` files.

Listing reads each file once and then serves entries from a cache keyed by the file's size and
mtime, so a gallery of hundreds of pieces is not re-parsed on every request. A corrupt file is
skipped in listings and reported, never deleted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from code_monet.types.state import GalleryEntry, SavedCanvas
from code_monet.workspace.canvas_strokes import CanvasStrokes
from code_monet.workspace.persistence import atomic_write_bytes, safe_child

logger = logging.getLogger(__name__)

PIECE_FILE_RE = re.compile(r"^piece_(\d{6,9})\.json$")


def piece_id(piece_number: int) -> str:
    if piece_number < 1:
        raise ValueError(f"Invalid piece_number {piece_number}: must be >= 1")
    return f"piece_{piece_number:06d}"


@dataclass
class _CachedEntry:
    signature: tuple[int, int]
    entry: GalleryEntry | None


@dataclass
class GalleryStore:
    """Reads and writes one user's saved pieces."""

    directory: Path
    durable: bool = True
    corrupt_files: set[str] = field(default_factory=set)
    _cache: dict[str, _CachedEntry] = field(default_factory=dict, repr=False)

    def save(self, canvas: SavedCanvas) -> GalleryEntry:
        """Write a piece atomically and return its listing entry."""
        data = canvas.model_dump_json().encode()
        path = safe_child(self.directory, f"{canvas.id}.json")
        atomic_write_bytes(path, data, durable=self.durable)
        entry = _entry_for(canvas, data)
        stat = path.stat()
        self._cache[path.name] = _CachedEntry((stat.st_size, stat.st_mtime_ns), entry)
        return entry

    def save_with(self, canvas: SavedCanvas, strokes: CanvasStrokes) -> GalleryEntry:
        """:meth:`save` a piece with the live canvas's strokes (decoded here: call it in a
        worker thread)."""
        canvas.strokes = strokes.paths()
        return self.save(canvas)

    def entries(self) -> list[GalleryEntry]:
        """Every readable piece, oldest first (by piece number)."""
        if not self.directory.is_dir():
            return []
        result: list[GalleryEntry] = []
        seen: set[str] = set()
        for path in self.directory.iterdir():
            if not PIECE_FILE_RE.match(path.name):
                continue
            seen.add(path.name)
            entry = self._entry_for_file(path)
            if entry is not None:
                result.append(entry)
        for stale in set(self._cache) - seen:
            del self._cache[stale]
        result.sort(key=lambda e: e.piece_number)
        return result

    def entry_for(self, piece_number: int) -> GalleryEntry:
        """The listing entry of one saved piece; ``FileNotFoundError`` if there is none."""
        path = safe_child(self.directory, f"{piece_id(piece_number)}.json")
        entry = self._entry_for_file(path)
        if entry is None:
            raise FileNotFoundError(f"Gallery piece {piece_number} is missing or corrupt")
        return entry

    def load(self, piece_number: int) -> SavedCanvas:
        """One saved piece; ``FileNotFoundError`` when missing, ``ValueError`` when corrupt."""
        path = safe_child(self.directory, f"{piece_id(piece_number)}.json")
        raw = path.read_bytes()
        try:
            return SavedCanvas.model_validate_json(raw)
        except ValidationError as exc:
            self._report_corrupt(path, exc)
            raise ValueError(
                f"Gallery piece {piece_number} is corrupt: {exc.error_count()} validation errors"
            ) from exc

    async def entries_async(self) -> list[GalleryEntry]:
        """:meth:`entries`, in a worker thread (it reads every new or changed file)."""
        return await asyncio.to_thread(self.entries)

    async def load_async(self, piece_number: int) -> SavedCanvas:
        """:meth:`load`, in a worker thread."""
        return await asyncio.to_thread(self.load, piece_number)

    def next_free_number(self, at_least: int) -> int:
        """The smallest piece number ≥ ``at_least`` that is not already used on disk."""
        used = {
            int(m.group(1))
            for p in (self.directory.iterdir() if self.directory.is_dir() else [])
            if (m := PIECE_FILE_RE.match(p.name))
        }
        number = at_least
        while number in used:
            number += 1
        return number

    def _entry_for_file(self, path: Path) -> GalleryEntry | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        signature = (stat.st_size, stat.st_mtime_ns)
        cached = self._cache.get(path.name)
        if cached is not None and cached.signature == signature:
            return cached.entry
        entry: GalleryEntry | None
        try:
            raw = path.read_bytes()
            entry = _entry_for(SavedCanvas.model_validate_json(raw), raw)
        except (ValidationError, OSError) as exc:
            self._report_corrupt(path, exc)
            entry = None
        self._cache[path.name] = _CachedEntry(signature, entry)
        return entry

    def _report_corrupt(self, path: Path, exc: Exception) -> None:
        if path.name not in self.corrupt_files:
            logger.error("Skipping corrupt gallery file %s: %s", path, str(exc)[:300])
        self.corrupt_files.add(path.name)


def _entry_for(canvas: SavedCanvas, raw: bytes) -> GalleryEntry:
    return GalleryEntry(
        id=canvas.id,
        created_at=canvas.created_at,
        piece_number=canvas.piece_number,
        stroke_count=len(canvas.strokes),
        width=canvas.width,
        height=canvas.height,
        drawing_style=canvas.drawing_style,
        title=canvas.title,
        thumbnail_token=hashlib.sha256(raw).hexdigest()[:16],
    )
