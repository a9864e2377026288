"""The ``canvas_shares`` table: public share links (``/s/{token}``) to gallery pieces."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.models import CanvasShareRow, UserRow
from code_monet.db.records import CanvasShare
from code_monet.db.types import utc_now

MAX_TITLE_LENGTH = 200


def generate_share_token() -> str:
    """An unguessable, URL-safe token (128 bits)."""
    return secrets.token_urlsafe(16)


async def create_share(
    session: AsyncSession,
    user_id: uuid.UUID,
    piece_number: int,
    *,
    title: str | None = None,
    now: datetime | None = None,
    token: str | None = None,
) -> CanvasShare:
    if piece_number < 1:
        raise ValueError(f"Invalid piece_number {piece_number}: must be >= 1")
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        raise ValueError(f"Share title is {len(title)} characters; the limit is {MAX_TITLE_LENGTH}")
    row = CanvasShareRow(
        token=token or generate_share_token(),
        user_id=user_id,
        piece_number=piece_number,
        title=title,
        created_at=now or utc_now(),
    )
    session.add(row)
    await session.flush()
    return CanvasShare.from_row(row)


async def find_or_create_share(
    session: AsyncSession, user_id: uuid.UUID, piece_number: int, *, title: str | None = None
) -> tuple[CanvasShare, bool]:
    """The piece's newest share, or a new one; ``True`` when it was created.

    Two concurrent calls for one piece must not both create: on PostgreSQL (read committed)
    both would see no share, so the transaction first takes an advisory lock for that piece.
    SQLite write transactions (``BEGIN IMMEDIATE``) are serialised already.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(func.pg_advisory_xact_lock(_piece_lock(user_id, piece_number)))
        )
    existing = await find_share(session, user_id, piece_number)
    if existing is not None:
        return existing, False
    return await create_share(session, user_id, piece_number, title=title), True


def _piece_lock(user_id: uuid.UUID, piece_number: int) -> int:
    """A signed 64-bit advisory-lock key for one user's piece."""
    digest = hashlib.blake2b(f"share:{user_id}:{piece_number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def get_share(session: AsyncSession, token: str) -> CanvasShare | None:
    row = await session.get(CanvasShareRow, token)
    return CanvasShare.from_row(row) if row is not None else None


async def find_share(
    session: AsyncSession, user_id: uuid.UUID, piece_number: int
) -> CanvasShare | None:
    """The newest share of one of the user's pieces, if any."""
    stmt = (
        select(CanvasShareRow)
        .where(CanvasShareRow.user_id == user_id, CanvasShareRow.piece_number == piece_number)
        .order_by(CanvasShareRow.created_at.desc())
        .limit(1)
    )
    row = await session.scalar(stmt)
    return CanvasShare.from_row(row) if row is not None else None


async def list_shares(session: AsyncSession, user_id: uuid.UUID) -> list[CanvasShare]:
    """A user's shares, newest first."""
    stmt = (
        select(CanvasShareRow)
        .where(CanvasShareRow.user_id == user_id)
        .order_by(CanvasShareRow.created_at.desc(), CanvasShareRow.token)
    )
    return [CanvasShare.from_row(row) for row in await session.scalars(stmt)]


async def delete_share(session: AsyncSession, token: str, user_id: uuid.UUID) -> bool:
    """Delete a share the user owns; False when there is none (or it is someone else's)."""
    stmt = (
        delete(CanvasShareRow)
        .where(CanvasShareRow.token == token, CanvasShareRow.user_id == user_id)
        .returning(CanvasShareRow.token)
    )
    return (await session.scalars(stmt)).one_or_none() is not None


async def list_public_shares(session: AsyncSession, limit: int) -> list[CanvasShare]:
    """Shares whose owner is active and has a public gallery, newest first (for the sitemap:
    shares of private galleries stay unlisted)."""
    stmt = (
        select(CanvasShareRow)
        .join(UserRow, UserRow.id == CanvasShareRow.user_id)
        .where(UserRow.gallery_public.is_(True), UserRow.is_active.is_(True))
        .order_by(CanvasShareRow.created_at.desc(), CanvasShareRow.token)
        .limit(limit)
    )
    return [CanvasShare.from_row(row) for row in await session.scalars(stmt)]
