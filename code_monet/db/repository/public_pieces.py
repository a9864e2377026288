"""The ``gallery_pieces`` table: an index of every saved piece, listed publicly for opted-in users.

Rows are written when a piece is saved (and by reconciliation from the gallery directory);
the public listing reads them newest first with keyset (cursor) pagination, so it never scans
or parses users' files.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.models import GalleryPieceRow, UserRow
from code_monet.db.types import utc_now

MAX_TITLE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class IndexedPiece:
    """One indexed piece (an immutable copy of its row)."""

    user_id: uuid.UUID
    piece_number: int
    title: str | None
    drawing_style: str
    stroke_count: int
    width: int
    height: int
    created_at: datetime
    content_hash: str
    file_size: int
    file_mtime_ns: int

    @classmethod
    def from_row(cls, row: GalleryPieceRow) -> IndexedPiece:
        return cls(
            user_id=row.user_id,
            piece_number=row.piece_number,
            title=row.title,
            drawing_style=row.drawing_style,
            stroke_count=row.stroke_count,
            width=row.width,
            height=row.height,
            created_at=row.created_at,
            content_hash=row.content_hash,
            file_size=row.file_size,
            file_mtime_ns=row.file_mtime_ns,
        )

    @property
    def signature(self) -> tuple[int, int]:
        """``(size, mtime_ns)`` of the file when it was indexed."""
        return (self.file_size, self.file_mtime_ns)


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where a page of the newest-first listing ended (exclusive)."""

    created_at: datetime
    user_id: uuid.UUID
    piece_number: int


def _values(piece: IndexedPiece) -> dict[str, object]:
    title = piece.title[:MAX_TITLE_LENGTH] if piece.title is not None else None
    return {
        "title": title,
        "drawing_style": piece.drawing_style,
        "stroke_count": piece.stroke_count,
        "width": piece.width,
        "height": piece.height,
        "created_at": piece.created_at,
        "content_hash": piece.content_hash,
        "file_size": piece.file_size,
        "file_mtime_ns": piece.file_mtime_ns,
    }


async def upsert_piece(
    session: AsyncSession, piece: IndexedPiece, *, now: datetime | None = None
) -> None:
    """Insert or replace the row of ``(piece.user_id, piece.piece_number)``."""
    stamp = now or utc_now()
    key = (piece.user_id, piece.piece_number)
    row = await session.get(GalleryPieceRow, key)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(
                    GalleryPieceRow(
                        user_id=piece.user_id,
                        piece_number=piece.piece_number,
                        indexed_at=stamp,
                        **_values(piece),
                    )
                )
            return
        except IntegrityError:
            # A concurrent writer inserted it first (or the user does not exist).
            row = await session.get(GalleryPieceRow, key, populate_existing=True)
            if row is None:
                raise
    for name, value in _values(piece).items():
        setattr(row, name, value)
    row.indexed_at = stamp
    await session.flush()


async def delete_pieces(
    session: AsyncSession, user_id: uuid.UUID, piece_numbers: Sequence[int]
) -> int:
    """Remove these pieces of the user from the index; returns how many rows went."""
    if not piece_numbers:
        return 0
    stmt = (
        delete(GalleryPieceRow)
        .where(
            GalleryPieceRow.user_id == user_id,
            GalleryPieceRow.piece_number.in_(list(piece_numbers)),
        )
        .returning(GalleryPieceRow.piece_number)
    )
    return len((await session.scalars(stmt)).all())


async def get_piece(
    session: AsyncSession, user_id: uuid.UUID, piece_number: int
) -> IndexedPiece | None:
    row = await session.get(GalleryPieceRow, (user_id, piece_number))
    return IndexedPiece.from_row(row) if row is not None else None


async def list_user_pieces(session: AsyncSession, user_id: uuid.UUID) -> list[IndexedPiece]:
    """Every indexed piece of one user (any visibility), by piece number."""
    stmt = (
        select(GalleryPieceRow)
        .where(GalleryPieceRow.user_id == user_id)
        .order_by(GalleryPieceRow.piece_number)
    )
    return [IndexedPiece.from_row(row) for row in await session.scalars(stmt)]


def _public() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (UserRow.gallery_public.is_(True), UserRow.is_active.is_(True))


async def list_public(
    session: AsyncSession, limit: int, after: PageCursor | None = None
) -> list[IndexedPiece]:
    """Pieces of opted-in, active users, newest first, starting after ``after``."""
    if limit < 1:
        raise ValueError(f"Invalid limit {limit}: must be >= 1")
    row = GalleryPieceRow
    stmt = select(row).join(UserRow, UserRow.id == row.user_id).where(*_public())
    if after is not None:
        stmt = stmt.where(
            or_(
                row.created_at < after.created_at,
                and_(
                    row.created_at == after.created_at,
                    or_(
                        row.user_id < after.user_id,
                        and_(row.user_id == after.user_id, row.piece_number < after.piece_number),
                    ),
                ),
            )
        )
    stmt = stmt.order_by(row.created_at.desc(), row.user_id.desc(), row.piece_number.desc()).limit(
        limit
    )
    return [IndexedPiece.from_row(r) for r in await session.scalars(stmt)]


async def list_public_user_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Active users whose gallery is public."""
    stmt = select(UserRow.id).where(*_public()).order_by(UserRow.id)
    return list(await session.scalars(stmt))
