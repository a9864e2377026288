"""The ``users`` table: accounts keyed by a UUID, unique by normalised e-mail address."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.db.emails import normalize_email
from code_monet.db.models import UserRow
from code_monet.db.records import User
from code_monet.db.types import utc_now

logger = logging.getLogger(__name__)


class EmailTakenError(ValueError):
    """An account with this e-mail address already exists."""


async def create_user(
    session: AsyncSession,
    email: str,
    *,
    password_hash: str | None = None,
    is_active: bool = True,
    now: datetime | None = None,
) -> User:
    """Insert a user; raises :class:`EmailTakenError` if the (normalised) address is taken."""
    address = normalize_email(email)
    if await _row_by_email(session, address) is not None:
        raise EmailTakenError(f"An account for {address} already exists")
    row = UserRow(
        id=uuid.uuid4(),
        email=address,
        password_hash=password_hash,
        is_active=is_active,
        gallery_public=False,
        created_at=now or utc_now(),
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise EmailTakenError(f"An account for {address} already exists") from exc
    logger.info("Created user %s (%s)", row.id, address)
    return User.from_row(row)


async def get_or_create_user(
    session: AsyncSession, email: str, *, now: datetime | None = None
) -> tuple[User, bool]:
    """The user with this address, created (active, no password) if missing; and whether it was."""
    existing = await get_user_by_email(session, email)
    if existing is not None:
        return existing, False
    try:
        return await create_user(session, email, now=now), True
    except EmailTakenError:
        again = await get_user_by_email(session, email)
        if again is None:
            raise
        return again, False


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    row = await session.get(UserRow, user_id)
    return User.from_row(row) if row is not None else None


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    row = await _row_by_email(session, normalize_email(email))
    return User.from_row(row) if row is not None else None


async def get_credentials(session: AsyncSession, email: str) -> tuple[User, str | None] | None:
    """The user and their password hash (None when they have no password), for sign-in."""
    row = await _row_by_email(session, normalize_email(email))
    return (User.from_row(row), row.password_hash) if row is not None else None


async def list_users(session: AsyncSession) -> list[User]:
    """Every user, oldest first."""
    rows = await session.scalars(select(UserRow).order_by(UserRow.created_at, UserRow.email))
    return [User.from_row(row) for row in rows]


async def set_active(session: AsyncSession, user_id: uuid.UUID, active: bool) -> User | None:
    """Activate or deactivate; None when there is no such user."""
    return await _update(session, user_id, {"is_active": active})


async def set_gallery_public(
    session: AsyncSession, user_id: uuid.UUID, public: bool
) -> User | None:
    return await _update(session, user_id, {"gallery_public": public})


async def set_password_hash(
    session: AsyncSession, user_id: uuid.UUID, password_hash: str | None
) -> User | None:
    return await _update(session, user_id, {"password_hash": password_hash})


async def _row_by_email(session: AsyncSession, address: str) -> UserRow | None:
    row: UserRow | None = await session.scalar(select(UserRow).where(UserRow.email == address))
    return row


async def _update(
    session: AsyncSession, user_id: uuid.UUID, values: dict[str, object]
) -> User | None:
    stmt = (
        update(UserRow)
        .where(UserRow.id == user_id)
        .values(values)
        .returning(UserRow)
        .execution_options(populate_existing=True)
    )
    row: UserRow | None = (await session.scalars(stmt)).one_or_none()
    return User.from_row(row) if row is not None else None
