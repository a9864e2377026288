"""The ``refresh_tokens`` table: one row per issued refresh token, grouped in families.

A sign-in starts a family; each refresh rotates the token (the old row gets ``revoked_at`` and
``replaced_by``). Presenting a rotated token again is reuse: the caller revokes the family.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.models import RefreshTokenRow
from code_monet.db.records import RefreshToken

_R = RefreshTokenRow


async def store(session: AsyncSession, token: RefreshToken) -> None:
    session.add(
        RefreshTokenRow(
            jti=token.jti,
            user_id=token.user_id,
            family_id=token.family_id,
            issued_at=token.issued_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            replaced_by=token.replaced_by,
        )
    )
    await session.flush()


async def get(session: AsyncSession, jti: str) -> RefreshToken | None:
    row = await session.get(_R, jti)
    return RefreshToken.from_row(row) if row is not None else None


async def rotate(session: AsyncSession, old_jti: str, new: RefreshToken, *, now: datetime) -> bool:
    """Replace a live token by ``new``; False (and nothing stored) if it was not live any more."""
    stmt = (
        update(_R)
        .where(_R.jti == old_jti, _R.revoked_at.is_(None), _R.expires_at > now)
        .values(revoked_at=now, replaced_by=new.jti)
        .returning(_R.jti)
    )
    if (await session.scalars(stmt)).one_or_none() is None:
        return False
    await store(session, new)
    return True


async def revoke_family(session: AsyncSession, family_id: str, *, now: datetime) -> int:
    """Revoke every live token of a family; returns how many."""
    stmt = (
        update(_R)
        .where(_R.family_id == family_id, _R.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(_R.jti)
    )
    return len(list(await session.scalars(stmt)))


async def revoke_all_for_user(session: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> int:
    """Sign a user out everywhere; returns how many tokens were revoked."""
    stmt = (
        update(_R)
        .where(_R.user_id == user_id, _R.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(_R.jti)
    )
    return len(list(await session.scalars(stmt)))


async def family_is_active(session: AsyncSession, family_id: str, *, now: datetime) -> bool:
    """Whether the family still has a live token (i.e. the session was not signed out)."""
    stmt = (
        select(_R.jti)
        .where(_R.family_id == family_id, _R.revoked_at.is_(None), _R.expires_at > now)
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete tokens that expired before ``now``; returns how many."""
    stmt = delete(_R).where(_R.expires_at <= now).returning(_R.jti)
    return len(list(await session.scalars(stmt)))
