"""Plain, immutable records the repository returns (never live ORM objects).

They are safe to pass between tasks, keep in memory and compare, and tie no caller to a session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from code_monet.db.models import (
    CanvasShareRow,
    InviteCodeRow,
    MagicLinkTokenRow,
    RefreshTokenRow,
    UserRow,
)


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    email: str
    is_active: bool
    gallery_public: bool
    created_at: datetime
    has_password: bool

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=row.id,
            email=row.email,
            is_active=row.is_active,
            gallery_public=row.gallery_public,
            created_at=row.created_at,
            has_password=row.password_hash is not None,
        )


@dataclass(frozen=True, slots=True)
class InviteCode:
    code: str
    created_at: datetime
    used_by: uuid.UUID | None
    used_at: datetime | None
    revoked: bool

    @property
    def status(self) -> str:
        if self.revoked:
            return "revoked"
        return "used" if self.used_at is not None else "available"

    @classmethod
    def from_row(cls, row: InviteCodeRow) -> InviteCode:
        return cls(row.code, row.created_at, row.used_by, row.used_at, row.revoked)


@dataclass(frozen=True, slots=True)
class MagicLink:
    id: int
    token_hash: str
    code_hash: str
    email: str
    platform: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    failed_attempts: int

    @classmethod
    def from_row(cls, row: MagicLinkTokenRow) -> MagicLink:
        return cls(
            id=row.id,
            token_hash=row.token_hash,
            code_hash=row.code_hash,
            email=row.email,
            platform=row.platform,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
            failed_attempts=row.failed_attempts,
        )


@dataclass(frozen=True, slots=True)
class RefreshToken:
    jti: str
    user_id: uuid.UUID
    family_id: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    replaced_by: str | None

    @classmethod
    def from_row(cls, row: RefreshTokenRow) -> RefreshToken:
        return cls(
            jti=row.jti,
            user_id=row.user_id,
            family_id=row.family_id,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            replaced_by=row.replaced_by,
        )


@dataclass(frozen=True, slots=True)
class CanvasShare:
    token: str
    user_id: uuid.UUID
    piece_number: int
    title: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: CanvasShareRow) -> CanvasShare:
        return cls(row.token, row.user_id, row.piece_number, row.title, row.created_at)
