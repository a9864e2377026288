"""Request and response bodies of the ``/auth`` endpoints (shapes per docs/protocol.md).

Unknown fields are ignored (clients may be newer than the server); wrong types, missing fields
and malformed values answer 422 with a message naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from code_monet.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
)
from code_monet.db.emails import normalize_email


def _platform(value: str) -> str:
    cleaned = value.strip().lower()
    if not cleaned.replace("-", "").replace("_", "").isalnum() or not cleaned.isascii():
        raise ValueError("platform must be a short word such as 'web' or 'ios'")
    return cleaned


def _new_password(value: str) -> str:
    check_password_policy(value)
    return value


Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(normalize_email)]
Platform = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_platform)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MagicLinkRequest(_Body):
    email: Email
    platform: Platform | None = None


class MagicLinkVerifyRequest(_Body):
    token: str = Field(min_length=1, max_length=256)


class VerifyCodeRequest(_Body):
    email: Email
    code: str = Field(
        min_length=6, max_length=6, pattern=r"^[0-9]{6}$", description="The 6-digit code e-mailed"
    )


class RefreshRequest(_Body):
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(_Body):
    refresh_token: str | None = Field(default=None, max_length=4096)


class SignupRequest(_Body):
    email: Email
    password: Annotated[
        str,
        Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
        AfterValidator(_new_password),
    ]
    invite_code: str = Field(min_length=1, max_length=64)


class SigninRequest(_Body):
    email: Email
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"


class MessageResponse(BaseModel):
    ok: bool = True
    message: str


class MeResponse(BaseModel):
    id: str
    email: str
    gallery_public: bool
    created_at: datetime
    is_active: bool
