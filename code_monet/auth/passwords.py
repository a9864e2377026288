"""Password hashing with Argon2id (argon2-cffi). Hashing runs in a worker thread.

Sign-in for an unknown address (or an account without a password) verifies against a dummy
hash, so it costs the same as a real attempt and timing does not reveal which addresses exist.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_HASHER = PasswordHasher()


class WeakPasswordError(ValueError):
    """A password that does not meet the length rules."""


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"Password must be at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise WeakPasswordError("Password must not be only whitespace")


def hash_password_sync(password: str) -> str:
    return _HASHER.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("code-monet dummy password for constant-time sign-in")


def verify_password_sync(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with no hash, burns the same time and returns False."""
    target = password_hash if password_hash is not None else _dummy_hash()
    try:
        matched = _HASHER.verify(target, password)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError) as exc:
        logger.error("Stored password hash could not be verified: %s", exc)
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


async def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (policy checked first), computed off the event loop."""
    check_password_policy(password)
    return await asyncio.to_thread(hash_password_sync, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Off-loop :func:`verify_password_sync`; over-long input is rejected at equal cost."""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]
        password_hash = None
    return await asyncio.to_thread(verify_password_sync, password_hash, password)
