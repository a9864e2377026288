"""Magic-link sign-in: an e-mailed single-use link plus a 6-digit code, 15 minutes to use.

Requesting always answers the same (the router replies before anything address-specific
happens, and :func:`deliver` runs afterwards), so responses reveal nothing about which
addresses have accounts. Only hashes are stored: SHA-256 of the link token, and an HMAC of the
code keyed by the signing secret (a bare hash of six digits would be trivially reversible).
Wrong codes count against the code (burned after ``MAGIC_CODE_MAX_ATTEMPTS``; the link itself
keeps working) and against the (client, address) pair (``CODE_ATTEMPTS_PER_EMAIL_PER_15MIN``);
requests and verifications are limited per IP and per (client, address), never per address
alone, so nobody can lock another person's address out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from code_monet.auth.errors import AuthError, InvalidCredentialsError
from code_monet.auth.limits import enforce
from code_monet.auth.mailer import MailError, MailMessage
from code_monet.auth.service import AuthService, TokenPair
from code_monet.db.records import MagicLink, User
from code_monet.db.repository import magic_links, users

logger = logging.getLogger(__name__)

BAD_LINK = "This sign-in link is invalid, expired or already used; request a new one"
BAD_CODE = "Invalid or expired code; check the e-mail or request a new one"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_CODE_RE = re.compile(r"^[0-9]{6}$")
LINK_ANY_ATTEMPTS = 2**31 - 1
"""``mark_used``'s attempt bound for link tokens: wrong codes never burn the link itself."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def hash_code(secret: str, email: str, code: str) -> str:
    message = f"magic-code\x00{email}\x00{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def check_request_rate(auth: AuthService, ip: str) -> None:
    """The per-IP limit on asking for links (the only part that can answer differently)."""
    enforce(auth.limits.magic_link_ip, ip, "sign-in link", auth.tick())


async def deliver(auth: AuthService, email: str, platform: str | None, ip: str = "") -> bool:
    """Create and e-mail a link + code if ``email`` may sign in; True when a mail went out.

    Runs after the response. Failures are logged, never surfaced (no enumeration). The
    per-address limit counts per requesting client (``auth.limits``): someone asking for
    links to another person's address cannot stop that person's own links.
    """
    guard, tick = auth.limits.magic_link_email, auth.tick()
    if guard.refusal(ip, email, tick) is not None:
        logger.warning("Magic link for %s dropped: limit reached for client %s", email, ip)
        return False
    guard.record(ip, email, tick)
    now = auth.now()
    token, code = secrets.token_urlsafe(32), new_code()
    try:
        async with auth.store() as session:
            user = await users.get_user_by_email(session, email)
            allowed = user.is_active if user is not None else auth.settings.magic_link_signup
            if not allowed:
                logger.info("Magic link for %s not sent: no active account", email)
                return False
            await magic_links.create_magic_link(
                session,
                token_hash=hash_token(token),
                code_hash=hash_code(auth.codec.secret, email, code),
                email=email,
                platform=platform,
                now=now,
                expires_at=now + timedelta(minutes=auth.settings.magic_link_minutes),
            )
        await auth.mailer.send(_message(auth, email, token, code))
    except (AuthError, MailError) as exc:
        logger.error("Magic link for %s failed: %s", email, exc)
        return False
    except Exception:
        logger.exception("Magic link for %s failed unexpectedly", email)
        return False
    return True


def _message(auth: AuthService, email: str, token: str, code: str) -> MailMessage:
    base = auth.settings.public_base_url.rstrip("/")
    minutes = auth.settings.magic_link_minutes
    text = (
        f"Sign in to Code Monet by opening this link:\n\n{base}/auth/verify?token={token}\n\n"
        f"Or enter this code in the app: {code}\n\n"
        f"The link and the code work once and expire in {minutes} minutes.\n"
        "If you did not ask to sign in, you can ignore this e-mail.\n"
    )
    return MailMessage(to=email, subject=f"Your Code Monet sign-in code: {code}", text=text)


async def verify_token(auth: AuthService, token: str, ip: str) -> TokenPair:
    """Sign in with the link's token (single use)."""
    enforce(auth.limits.verify_ip, ip, "sign-in link", auth.tick())
    if not _TOKEN_RE.match(token):
        raise InvalidCredentialsError(BAD_LINK)
    now = auth.now()
    async with auth.store() as session:
        link = await magic_links.get_by_token_hash(session, hash_token(token))
        # Wrong codes burn the 6-digit code, not the 256-bit link: guessing the owner's code
        # must not stop the owner's link from working.
        if link is None or not await magic_links.mark_used(
            session, link.id, now=now, max_attempts=LINK_ANY_ATTEMPTS
        ):
            raise InvalidCredentialsError(BAD_LINK)
        user = await _user_for(auth, session, link)
        await magic_links.invalidate_for_email(session, link.email, now=now)
        return await auth.start_session(session, user, now)


async def verify_code(auth: AuthService, email: str, code: str, ip: str) -> TokenPair:
    """Sign in with e-mail + the 6-digit code. Wrong guesses are counted and limited."""
    enforce(auth.limits.verify_ip, ip, "sign-in code", auth.tick())
    auth.limits.code_email.check(ip, email, "sign-in code", auth.tick())
    if not _CODE_RE.match(code):
        raise InvalidCredentialsError(BAD_CODE)
    now = auth.now()
    max_attempts = auth.settings.magic_code_max_attempts
    expected = hash_code(auth.codec.secret, email, code)
    async with auth.store() as session:
        active = await magic_links.active_for_email(
            session, email, now=now, max_attempts=max_attempts
        )
        match = next((x for x in active if hmac.compare_digest(x.code_hash, expected)), None)
        if match is not None and await magic_links.mark_used(
            session, match.id, now=now, max_attempts=max_attempts
        ):
            user = await _user_for(auth, session, match)
            await magic_links.invalidate_for_email(session, email, now=now)
            return await auth.start_session(session, user, now)
        counts = await magic_links.record_failed_attempt(session, [x.id for x in active])
    auth.limits.code_email.record(ip, email, auth.tick())
    if any(count >= max_attempts for count in counts):
        logger.warning("Sign-in code for %s burned after %d wrong attempts", email, max_attempts)
    raise InvalidCredentialsError(BAD_CODE)


async def _user_for(auth: AuthService, session: AsyncSession, link: MagicLink) -> User:
    if auth.settings.magic_link_signup:
        user, created = await users.get_or_create_user(session, link.email, now=auth.now())
        if created:
            logger.info("Magic link created account %s for %s", user.id, link.email)
    else:
        found = await users.get_user_by_email(session, link.email)
        if found is None:
            raise InvalidCredentialsError(BAD_LINK)
        user = found
    if not user.is_active:
        raise InvalidCredentialsError(BAD_LINK)
    return user
