"""The authentication service: sessions (token pairs), refresh rotation with reuse detection,
logout, password sign-up/sign-in, local mode, and the one ``authenticate_access_token``.

HTTP-agnostic: it raises :mod:`code_monet.auth.errors`; the router maps them to responses.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.auth.errors import (
    AccountExistsError,
    AuthenticationError,
    AuthError,
    AuthUnavailableError,
    DevEndpointDisabledError,
    InvalidCredentialsError,
    InviteError,
    RefreshTokenReuseError,
)
from code_monet.auth.limits import AuthLimits, enforce
from code_monet.auth.mailer import Mailer
from code_monet.auth.passwords import (
    WeakPasswordError,
    hash_password,
    hash_password_sync,
    needs_rehash,
    verify_password,
)
from code_monet.auth.settings import AuthSettings
from code_monet.auth.tokens import TokenClaims, TokenCodec, TokenError, new_token_id
from code_monet.db.emails import InvalidEmailError, normalize_email
from code_monet.db.engine import Database
from code_monet.db.records import RefreshToken, User
from code_monet.db.repository import invites, magic_links, refresh_tokens, users
from code_monet.db.types import utc_now

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SessionEndedHook = Callable[[uuid.UUID, str | None], Awaitable[None]]
"""Told (user id, session id; None = every session) when sessions end in this process, so the
server can close their live sockets at once (sessions ended by another process, such as
``code-monet user deactivate``, are noticed by the sockets' periodic re-check)."""
BAD_CREDENTIALS = "Invalid email or password"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str


@dataclass(frozen=True, slots=True)
class AuthenticatedSession:
    user: User
    claims: TokenClaims


@dataclass
class AuthService:
    database: Database
    codec: TokenCodec
    settings: AuthSettings
    mailer: Mailer
    limits: AuthLimits
    clock: Clock = utc_now
    session_hooks: list[SessionEndedHook] = field(default_factory=list)

    async def _sessions_ended(self, user_id: uuid.UUID, session_ids: list[str | None]) -> None:
        """Run every hook; a failing hook is logged, it never undoes the sign-out."""
        for hook in self.session_hooks:
            for session_id in session_ids:
                try:
                    await hook(user_id, session_id)
                except Exception:
                    logger.exception("Session-ended hook failed for user %s", user_id)

    def now(self) -> datetime:
        return self.clock()

    def tick(self) -> float:
        """Rate-limiter time: follows the injected clock, so tests never sleep."""
        return self.clock().timestamp()

    @asynccontextmanager
    async def store(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A DB session; database failures become :class:`AuthUnavailableError` (503/1011)."""
        manager = self.database.transaction() if write else self.database.read()
        try:
            async with manager as session:
                yield session
        except (AuthError, ValueError):
            raise
        except (SQLAlchemyError, OSError) as exc:
            logger.error("Account store unavailable: %s", exc)
            raise AuthUnavailableError("Account service is temporarily unavailable") from exc

    # ------------------------------------------------------------------ sessions

    async def start_session(self, session: AsyncSession, user: User, now: datetime) -> TokenPair:
        """A new refresh-token family (one signed-in device) and its first token pair."""
        return await self._issue(session, user.id, new_token_id(), now, rotate_from=None)

    async def _issue(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        family: str,
        now: datetime,
        *,
        rotate_from: str | None,
    ) -> TokenPair:
        refresh = self.codec.issue(user_id, "refresh", session_id=family, now=now)
        access = self.codec.issue(user_id, "access", session_id=family, now=now)
        record = RefreshToken(
            jti=refresh.claims.jti,
            user_id=user_id,
            family_id=family,
            issued_at=refresh.claims.issued_at,
            expires_at=refresh.claims.expires_at,
            revoked_at=None,
            replaced_by=None,
        )
        if rotate_from is None:
            await refresh_tokens.store(session, record)
        elif not await refresh_tokens.rotate(session, rotate_from, record, now=now):
            raise _Raced()
        return TokenPair(access.token, refresh.token)

    async def issue_tokens(self, user: User) -> TokenPair:
        """Sign ``user`` in on a new device (used by magic links, dev tokens and tests)."""
        async with self.store() as session:
            return await self.start_session(session, user, self.now())

    async def refresh(self, refresh_token: str, ip: str) -> TokenPair:
        """Rotate: a new pair for a live refresh token. A rotated token seen again is reuse:
        the whole family is revoked and the caller must sign in again."""
        enforce(self.limits.refresh_ip, ip, "token refresh", self.tick())
        now = self.now()
        try:
            claims = self.codec.decode(refresh_token, "refresh", now=now)
        except TokenError as exc:
            raise AuthenticationError(str(exc)) from exc
        reused = False
        async with self.store() as session:
            stored = await refresh_tokens.get(session, claims.jti)
            if stored is None or stored.user_id != claims.user_id:
                raise AuthenticationError("Refresh token is not recognised; sign in again")
            if stored.revoked_at is not None:
                reused = stored.replaced_by is not None
                if reused:
                    await refresh_tokens.revoke_family(session, stored.family_id, now=now)
            else:
                user = await users.get_user(session, claims.user_id)
                if user is None or not user.is_active:
                    raise AuthenticationError("Account is inactive or no longer exists")
                try:
                    return await self._issue(
                        session, user.id, stored.family_id, now, rotate_from=stored.jti
                    )
                except _Raced:
                    reused = True
                    await refresh_tokens.revoke_family(session, stored.family_id, now=now)
        if reused:
            logger.warning(
                "Refresh token reuse for user %s (family %s): family revoked",
                claims.user_id,
                claims.session_id,
            )
            await self._sessions_ended(claims.user_id, [claims.session_id])
            raise RefreshTokenReuseError("Refresh token was already used; sign in again")
        raise AuthenticationError("Refresh token was revoked; sign in again")

    async def logout(self, auth: AuthenticatedSession, refresh_token: str | None = None) -> int:
        """Revoke the caller's session (and the refresh token's, if another of theirs)."""
        now = self.now()
        families = {auth.claims.session_id}
        if refresh_token:
            try:
                claims = self.codec.decode(refresh_token, "refresh", now=now)
            except TokenError:
                claims = None
            if claims is not None and claims.user_id == auth.user.id:
                families.add(claims.session_id)
        async with self.store() as session:
            revoked = 0
            for family in sorted(families):
                revoked += await refresh_tokens.revoke_family(session, family, now=now)
        await self._sessions_ended(auth.user.id, list(sorted(families)))
        logger.info("User %s signed out (%d token(s) revoked)", auth.user.id, revoked)
        return revoked

    # ------------------------------------------------------------------ access tokens

    async def authenticate(self, token: str, *, v1_grace: bool = False) -> AuthenticatedSession:
        """Check an access token: signature, type, expiry, active user, session not revoked.

        ``v1_grace``: a protocol-v1 use (its clients refresh tokens only on page load) accepts
        a token up to ``V1_SESSION_GRACE_HOURS`` past its expiry — the session check below
        still ends it the moment its session does."""
        now = self.now()
        grace = timedelta(hours=self.settings.v1_session_grace_hours if v1_grace else 0)
        try:
            claims = self.codec.decode(token, "access", now=now - grace)
        except TokenError as exc:
            raise AuthenticationError(str(exc)) from exc
        async with self.store(write=False) as session:
            user = await users.get_user(session, claims.user_id)
            live = await refresh_tokens.family_is_active(session, claims.session_id, now=now)
        if user is None or not user.is_active:
            raise AuthenticationError("Account is inactive or no longer exists")
        if not live:
            raise AuthenticationError("Session was signed out; sign in again")
        return AuthenticatedSession(user, claims)

    async def session_is_live(self, user_id: uuid.UUID, session_id: str) -> bool:
        """Whether an open socket's user is still active and its session still signed in
        (re-checked periodically: another process may have deactivated the user)."""
        async with self.store(write=False) as session:
            user = await users.get_user(session, user_id)
            live = await refresh_tokens.family_is_active(session, session_id, now=self.now())
        return user is not None and user.is_active and live

    async def authenticate_access_token(self, token: str) -> User:
        """The user an access token belongs to (REST dependencies and the WebSocket).

        Raises :class:`AuthenticationError` (WS close 4001) or :class:`AuthUnavailableError`
        (WS close 1011, the client retries).
        """
        return (await self.authenticate(token)).user

    # ------------------------------------------------------------------ passwords

    async def signup(self, email: str, password: str, invite_code: str, ip: str) -> TokenPair:
        """Create an account with an invite code and a password, and sign it in."""
        enforce(self.limits.signup_ip, ip, "sign-up", self.tick())
        bad_invite = InviteError("Invite code is invalid, already used or revoked")
        try:
            async with self.store(write=False) as session:
                if not await invites.is_available(session, invite_code):
                    raise bad_invite
        except invites.InvalidInviteCodeError as exc:
            raise InviteError(str(exc)) from exc
        try:
            password_hash = await hash_password(password)
        except WeakPasswordError as exc:
            raise AuthError(str(exc)) from exc
        now = self.now()
        try:
            async with self.store() as session:
                user = await users.create_user(session, email, password_hash=password_hash, now=now)
                if not await invites.consume_invite(session, invite_code, user.id, now=now):
                    raise bad_invite
                pair = await self.start_session(session, user, now)
        except users.EmailTakenError as exc:
            await self._burn_invite(email, invite_code)
            raise AccountExistsError("An account with this email already exists") from exc
        logger.info("User %s signed up with an invite", user.id)
        return pair

    async def _burn_invite(self, email: str, invite_code: str) -> None:
        """An invite tried on a taken address is used up: probing which addresses have
        accounts costs one invite per address (only admins hand them out)."""
        now = self.now()
        async with self.store() as session:
            owner = await users.get_user_by_email(session, normalize_email(email))
            if owner is not None:
                await invites.consume_invite(session, invite_code, owner.id, now=now)
        logger.info("Sign-up for a taken address: invite used up")

    async def signin(self, email: str, password: str, ip: str) -> TokenPair:
        """E-mail + password. Unknown addresses cost the same as wrong passwords."""
        enforce(self.limits.signin_ip, ip, "sign-in", self.tick())
        try:
            email = normalize_email(email)
        except InvalidEmailError as exc:
            raise InvalidCredentialsError(BAD_CREDENTIALS) from exc
        guard = self.limits.signin_email
        guard.check(ip, email, "sign-in", self.tick())
        async with self.store(write=False) as session:
            found = await users.get_credentials(session, email)
        user, stored_hash = found if found is not None else (None, None)
        matched = await verify_password(stored_hash, password)
        if user is None or not matched or not user.is_active:
            guard.record(ip, email, self.tick())  # only failures count against the address
            logger.info("Failed sign-in from %s", ip)
            raise InvalidCredentialsError(BAD_CREDENTIALS)
        now = self.now()
        async with self.store() as session:
            if stored_hash is not None and needs_rehash(stored_hash):
                new_hash = await asyncio.to_thread(hash_password_sync, password)
                await users.set_password_hash(session, user.id, new_hash)
            return await self.start_session(session, user, now)

    # ------------------------------------------------------------------ local mode

    async def ensure_local_user(self) -> User:
        """The local-mode user (created on first call)."""
        async with self.store() as session:
            user, created = await users.get_or_create_user(
                session, self.settings.local_user_email, now=self.now()
            )
            if not user.is_active:
                user = await users.set_active(session, user.id, True) or user
        if created:
            logger.info("Created the local user %s (%s)", user.id, user.email)
        return user

    async def dev_tokens(self) -> TokenPair:
        """Tokens for the local user; only in dev or local mode."""
        if not self.settings.dev_endpoints_enabled:
            raise DevEndpointDisabledError("Not Found")
        return await self.issue_tokens(await self.ensure_local_user())

    # ------------------------------------------------------------------ housekeeping

    async def purge_expired(self) -> int:
        """Delete expired refresh tokens and magic links; returns how many rows went."""
        now = self.now()
        async with self.store() as session:
            count = await refresh_tokens.purge_expired(session, now=now)
            count += await magic_links.purge_expired(session, now=now)
        return count


class _Raced(Exception):
    """The refresh token was rotated by a concurrent request between read and update."""
