"""Saved piece files as sharing sees them: id parsing, content hashes and index snapshots.

All functions here are blocking file I/O or parsing; async callers run them with
``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from code_monet.db.repository.public_pieces import IndexedPiece
from code_monet.types.state import SavedCanvas
from code_monet.workspace.gallery import PIECE_FILE_RE, piece_id
from code_monet.workspace.persistence import WorkspacePathError, safe_child, user_directory

MAX_PIECE_NUMBER: Final = 999_999_999
_PIECE_ID_RE: Final = re.compile(r"^piece_(\d{6,9})$")


class PieceUnavailableError(LookupError):
    """The piece file is missing, unreadable or corrupt."""


class PieceChangedError(RuntimeError):
    """The piece file changed while it was being served (a concurrent save): retry."""


def parse_piece_id(value: str) -> int | None:
    """``piece_000012`` → 12; ``None`` for anything else (never raises)."""
    match = _PIECE_ID_RE.fullmatch(value)
    if match is None:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= MAX_PIECE_NUMBER and piece_id(number) == value else None


def parse_user_id(value: str) -> uuid.UUID | None:
    """A UUID from a path segment; ``None`` when malformed (never raises)."""
    try:
        return uuid.UUID(value) if len(value) <= 64 else None
    except ValueError:
        return None


def gallery_directory(data_dir: Path, user_id: uuid.UUID | str) -> Path:
    return user_directory(data_dir, user_id) / "gallery"


def piece_path(data_dir: Path, user_id: uuid.UUID | str, piece_number: int) -> Path:
    try:
        return safe_child(gallery_directory(data_dir, user_id), f"{piece_id(piece_number)}.json")
    except (WorkspacePathError, ValueError) as exc:
        raise PieceUnavailableError(f"Piece {piece_number} of {user_id}: {exc}") from exc


def content_hash(raw: bytes) -> str:
    """The sha256 hex digest of a piece file: what image and export caches are keyed by."""
    return hashlib.sha256(raw).hexdigest()


def file_signature(path: Path) -> tuple[int, int] | None:
    """``(size, mtime_ns)`` of a file, ``None`` when it does not exist."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class PieceSnapshot:
    """One piece file read at one moment: its parsed canvas and its index row."""

    canvas: SavedCanvas
    indexed: IndexedPiece


def read_snapshot(path: Path, user_id: uuid.UUID, piece_number: int) -> PieceSnapshot:
    """Read, hash and parse one piece file; ``PieceUnavailableError`` if missing or corrupt.

    The piece number comes from the file name (what ``piece_NNNNNN`` URLs address).
    """
    try:
        before = path.stat()
        raw = path.read_bytes()
    except OSError as exc:
        raise PieceUnavailableError(f"Piece file {path} cannot be read: {exc}") from exc
    try:
        canvas = SavedCanvas.model_validate_json(raw)
    except ValidationError as exc:
        raise PieceUnavailableError(
            f"Piece file {path} is corrupt: {exc.error_count()} validation errors"
        ) from exc
    indexed = IndexedPiece(
        user_id=user_id,
        piece_number=piece_number,
        title=canvas.title,
        drawing_style=canvas.drawing_style.value,
        stroke_count=len(canvas.strokes),
        width=canvas.width,
        height=canvas.height,
        created_at=canvas.created_at,
        content_hash=content_hash(raw),
        file_size=before.st_size,
        file_mtime_ns=before.st_mtime_ns,
    )
    return PieceSnapshot(canvas, indexed)


def scan_gallery(
    directory: Path, known: dict[int, tuple[int, int]]
) -> tuple[dict[int, PieceSnapshot | None], set[int]]:
    """Compare a gallery directory with indexed signatures.

    Returns the pieces whose file changed or is new (snapshot, or ``None`` when the file is
    corrupt) and the numbers of every piece file present. Unchanged files are not read.
    """
    changed: dict[int, PieceSnapshot | None] = {}
    present: set[int] = set()
    if not directory.is_dir():
        return changed, present
    user_id = uuid.UUID(directory.parent.name)
    for path in directory.iterdir():
        match = PIECE_FILE_RE.match(path.name)
        if match is None:
            continue
        number = int(match.group(1))
        if parse_piece_id(path.name.removesuffix(".json")) != number:
            continue
        signature = file_signature(path)
        if signature is None:
            continue
        present.add(number)
        if known.get(number) == signature:
            continue
        try:
            changed[number] = read_snapshot(path, user_id, number)
        except PieceUnavailableError:
            changed[number] = None
    return changed, present


@dataclass(frozen=True, slots=True)
class LocatedPiece:
    """A piece whose index row matches its file right now (see ``index.locate_piece``).

    ``canvas`` is set when the file was just read; otherwise :meth:`read_canvas` reads it.
    """

    path: Path
    indexed: IndexedPiece
    canvas: SavedCanvas | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.indexed.user_id

    @property
    def piece_number(self) -> int:
        return self.indexed.piece_number

    @property
    def content_hash(self) -> str:
        return self.indexed.content_hash

    @property
    def version(self) -> str:
        """Short content version for URLs (equals the gallery entry's ``thumbnail_token``)."""
        return self.indexed.content_hash[:16]

    def read_canvas(self) -> SavedCanvas:
        """The parsed piece (blocking). Raises ``PieceUnavailableError`` when it has gone or
        is corrupt, ``PieceChangedError`` when its content no longer matches ``content_hash``."""
        if self.canvas is not None:
            return self.canvas
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise PieceUnavailableError(f"Piece file {self.path} cannot be read: {exc}") from exc
        if content_hash(raw) != self.content_hash:
            raise PieceChangedError(f"Piece file {self.path} changed while being served")
        try:
            return SavedCanvas.model_validate_json(raw)
        except ValidationError as exc:
            raise PieceUnavailableError(f"Piece file {self.path} is corrupt") from exc
