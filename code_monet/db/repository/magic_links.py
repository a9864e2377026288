"""The ``magic_link_tokens`` table: single-use sign-in links and their 6-digit codes.

Only hashes are stored. A link is *active* while unused, unexpired and not burned; a code is
burned after ``max_attempts`` wrong guesses, which also kills its link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.models import MagicLinkTokenRow
from code_monet.db.records import MagicLink

_T = MagicLinkTokenRow


async def create_magic_link(
    session: AsyncSession,
    *,
    token_hash: str,
    code_hash: str,
    email: str,
    platform: str | None,
    now: datetime,
    expires_at: datetime,
) -> MagicLink:
    row = MagicLinkTokenRow(
        token_hash=token_hash,
        code_hash=code_hash,
        email=email,
        platform=platform,
        created_at=now,
        expires_at=expires_at,
        failed_attempts=0,
    )
    session.add(row)
    await session.flush()
    return MagicLink.from_row(row)


async def get_by_token_hash(session: AsyncSession, token_hash: str) -> MagicLink | None:
    row = await session.scalar(select(_T).where(_T.token_hash == token_hash))
    return MagicLink.from_row(row) if row is not None else None


async def active_for_email(
    session: AsyncSession, email: str, *, now: datetime, max_attempts: int
) -> list[MagicLink]:
    """Links for ``email`` that can still be used, newest first."""
    stmt = (
        select(_T)
        .where(
            _T.email == email,
            _T.used_at.is_(None),
            _T.expires_at > now,
            _T.failed_attempts < max_attempts,
        )
        .order_by(_T.created_at.desc(), _T.id.desc())
    )
    return [MagicLink.from_row(row) for row in await session.scalars(stmt)]


async def mark_used(
    session: AsyncSession, link_id: int, *, now: datetime, max_attempts: int
) -> bool:
    """Use an active link exactly once: False if it was used, expired or burned meanwhile."""
    stmt = (
        update(_T)
        .where(
            _T.id == link_id,
            _T.used_at.is_(None),
            _T.expires_at > now,
            _T.failed_attempts < max_attempts,
        )
        .values(used_at=now)
        .returning(_T.id)
    )
    return (await session.scalars(stmt)).one_or_none() is not None


async def record_failed_attempt(session: AsyncSession, link_ids: list[int]) -> list[int]:
    """Count one wrong code against each link; returns their new attempt counts."""
    if not link_ids:
        return []
    stmt = (
        update(_T)
        .where(_T.id.in_(link_ids))
        .values(failed_attempts=_T.failed_attempts + 1)
        .returning(_T.failed_attempts)
    )
    return list(await session.scalars(stmt))


async def invalidate_for_email(session: AsyncSession, email: str, *, now: datetime) -> int:
    """Mark every unused link of ``email`` as used (after a successful sign-in)."""
    stmt = (
        update(_T)
        .where(_T.email == email, _T.used_at.is_(None))
        .values(used_at=now)
        .returning(_T.id)
    )
    return len(list(await session.scalars(stmt)))


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete links that expired before ``now``; returns how many."""
    stmt = delete(_T).where(_T.expires_at <= now).returning(_T.id)
    return len(list(await session.scalars(stmt)))
