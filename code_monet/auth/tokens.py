"""JWTs (HS256): short-lived access tokens and long-lived refresh tokens.

Every token carries ``type`` (``access``/``refresh``), ``sub`` (user id), ``sid`` (the session,
i.e. refresh-token family), ``jti``, ``iat``, ``exp`` and ``iss``. Decoding checks the signature,
the issuer, the type and expiry against an injectable ``now``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

from code_monet.db.types import utc_now

ALGORITHM = "HS256"
ISSUER = "code-monet"
TokenType = Literal["access", "refresh"]
_REQUIRED = ["exp", "iat", "sub", "type", "jti", "sid", "iss"]


class TokenError(Exception):
    """A token that is malformed, forged, expired or of the wrong type."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    type: TokenType
    jti: str
    session_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    claims: TokenClaims


def new_token_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class TokenCodec:
    """Encodes and decodes tokens with one secret and fixed lifetimes."""

    secret: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)

    def issue(
        self,
        user_id: uuid.UUID,
        token_type: TokenType,
        *,
        session_id: str,
        now: datetime | None = None,
        jti: str | None = None,
    ) -> IssuedToken:
        issued = (now or utc_now()).replace(microsecond=0)
        ttl = self.access_ttl if token_type == "access" else self.refresh_ttl
        claims = TokenClaims(
            user_id=user_id,
            type=token_type,
            jti=jti or new_token_id(),
            session_id=session_id,
            issued_at=issued,
            expires_at=issued + ttl,
        )
        payload = {
            "sub": str(user_id),
            "type": token_type,
            "jti": claims.jti,
            "sid": session_id,
            "iss": ISSUER,
            "iat": int(issued.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return IssuedToken(jwt.encode(payload, self.secret, algorithm=ALGORITHM), claims)

    def decode(
        self, token: str, expected_type: TokenType, *, now: datetime | None = None
    ) -> TokenClaims:
        """Verified claims, or :class:`TokenError` saying what is wrong."""
        if not token or len(token) > 4096:
            raise TokenError("Token is empty or too long")
        try:
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"verify_exp": False, "verify_iat": False, "require": _REQUIRED},
            )
        except jwt.InvalidSignatureError as exc:
            raise TokenError("Token signature is invalid") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"Token is malformed: {exc}") from exc
        token_type = payload.get("type")
        if token_type != expected_type:
            raise TokenError(f"Wrong token type {token_type!r}: expected {expected_type!r}")
        claims = _claims(payload, expected_type)
        if claims.expires_at <= (now or utc_now()):
            raise TokenError(f"{expected_type.capitalize()} token expired")
        return claims


def _claims(payload: dict[str, object], token_type: TokenType) -> TokenClaims:
    sub, jti, sid = payload.get("sub"), payload.get("jti"), payload.get("sid")
    iat, exp = payload.get("iat"), payload.get("exp")
    if not (isinstance(sub, str) and isinstance(jti, str) and isinstance(sid, str)):
        raise TokenError("Token claims sub, jti and sid must be strings")
    if not (isinstance(iat, int) and isinstance(exp, int)):
        raise TokenError("Token claims iat and exp must be integers")
    try:
        user_id = uuid.UUID(sub)
        issued, expires = datetime.fromtimestamp(iat, UTC), datetime.fromtimestamp(exp, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise TokenError(f"Token claims are invalid: {exc}") from exc
    return TokenClaims(user_id, token_type, jti, sid, issued, expires)
