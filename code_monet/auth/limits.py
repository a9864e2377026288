"""The rate limiters of the auth endpoints, per client IP and per e-mail address."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from code_monet.auth.errors import RateLimitedError
from code_monet.auth.settings import AuthSettings
from code_monet.rate_limiter import RateLimiter, RateLimiterConfig

logger = logging.getLogger(__name__)

MINUTE, QUARTER_HOUR, HOUR = 60.0, 15 * 60.0, 3600.0


def _limiter(max_requests: int, window: float) -> RateLimiter:
    return RateLimiter(RateLimiterConfig(max_requests=max_requests, window_seconds=window))


@dataclass
class AuthLimits:
    magic_link_ip: RateLimiter
    magic_link_email: RateLimiter
    verify_ip: RateLimiter
    code_email: RateLimiter
    signin_ip: RateLimiter
    signin_email: RateLimiter
    signup_ip: RateLimiter
    refresh_ip: RateLimiter

    @classmethod
    def from_settings(cls, s: AuthSettings) -> AuthLimits:
        return cls(
            magic_link_ip=_limiter(s.magic_link_per_ip_per_hour, HOUR),
            magic_link_email=_limiter(s.magic_link_per_email_per_hour, HOUR),
            verify_ip=_limiter(s.verify_per_ip_per_15min, QUARTER_HOUR),
            code_email=_limiter(s.code_attempts_per_email_per_15min, QUARTER_HOUR),
            signin_ip=_limiter(s.signin_per_ip_per_15min, QUARTER_HOUR),
            signin_email=_limiter(s.signin_per_email_per_15min, QUARTER_HOUR),
            signup_ip=_limiter(s.signup_per_ip_per_hour, HOUR),
            refresh_ip=_limiter(s.refresh_per_ip_per_minute, MINUTE),
        )


def enforce(limiter: RateLimiter, key: str, what: str, now: float) -> None:
    """Count one request for ``key``; raise :class:`RateLimitedError` when over the limit."""
    if limiter.is_allowed(key, now=now):
        return
    wait = limiter.retry_after(key, now=now)
    logger.warning("Rate limited %s for %s (retry in %.0fs)", what, key, wait)
    raise RateLimitedError(
        f"Too many {what} attempts; try again in {math.ceil(wait)} seconds", retry_after=wait
    )
