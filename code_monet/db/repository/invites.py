"""The ``invite_codes`` table: single-use codes that let a new account sign up.

Codes look like ``K7QM-3XWD-P9TF`` (no 0/O/1/I/L to misread). Input is normalised (trimmed,
upper-cased), and consuming a code is one conditional UPDATE, so two sign-ups racing for the
same code cannot both win.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.models import InviteCodeRow
from code_monet.db.records import InviteCode
from code_monet.db.types import utc_now

logger = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 3, 4
MAX_BATCH = 1000
_CODE_RE = re.compile(r"^[A-Z0-9_-]{4,64}$")


class InvalidInviteCodeError(ValueError):
    """A string that cannot be an invite code."""


class InviteStateError(ValueError):
    """An invite that cannot change as asked (e.g. revoking a used code)."""


def generate_invite_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def normalize_invite_code(raw: str) -> str:
    """Trimmed and upper-cased; raises :class:`InvalidInviteCodeError` for impossible codes."""
    code = raw.strip().upper()
    if not _CODE_RE.match(code):
        raise InvalidInviteCodeError(
            "Invite code must be 4-64 letters, digits, '-' or '_' (e.g. K7QM-3XWD-P9TF)"
        )
    return code


async def create_invites(
    session: AsyncSession, count: int = 1, *, now: datetime | None = None
) -> list[InviteCode]:
    """Create ``count`` fresh codes (1..1000)."""
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"Invite count must be between 1 and {MAX_BATCH}, got {count}")
    created = now or utc_now()
    rows = [InviteCodeRow(code=generate_invite_code(), created_at=created) for _ in range(count)]
    session.add_all(rows)
    await session.flush()
    logger.info("Created %d invite code(s)", count)
    return [InviteCode.from_row(row) for row in rows]


async def list_invites(session: AsyncSession) -> list[InviteCode]:
    """Every code, newest first."""
    stmt = select(InviteCodeRow).order_by(InviteCodeRow.created_at.desc(), InviteCodeRow.code)
    return [InviteCode.from_row(row) for row in await session.scalars(stmt)]


async def get_invite(session: AsyncSession, code: str) -> InviteCode | None:
    row = await session.get(InviteCodeRow, normalize_invite_code(code))
    return InviteCode.from_row(row) if row is not None else None


async def revoke_invite(session: AsyncSession, code: str) -> InviteCode | None:
    """Revoke an unused code (idempotent); None when there is no such code."""
    normalized = normalize_invite_code(code)
    row = await session.get(InviteCodeRow, normalized)
    if row is None:
        return None
    if row.used_at is not None:
        raise InviteStateError(f"Invite {normalized} was already used and cannot be revoked")
    row.revoked = True
    await session.flush()
    logger.info("Revoked invite code %s", normalized)
    return InviteCode.from_row(row)


async def consume_invite(
    session: AsyncSession, code: str, user_id: uuid.UUID, *, now: datetime | None = None
) -> bool:
    """Mark an available code as used by ``user_id``; False if it is unknown, used or revoked."""
    stmt = (
        update(InviteCodeRow)
        .where(
            InviteCodeRow.code == normalize_invite_code(code),
            InviteCodeRow.used_at.is_(None),
            InviteCodeRow.revoked.is_(False),
        )
        .values(used_by=user_id, used_at=now or utc_now())
        .returning(InviteCodeRow.code)
    )
    return (await session.scalars(stmt)).one_or_none() is not None


async def is_available(session: AsyncSession, code: str) -> bool:
    invite = await get_invite(session, code)
    return invite is not None and invite.status == "available"
