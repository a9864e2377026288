"""The rate limiters of the auth endpoints: per client address, and per (client address,
e-mail address) with a generous cap per e-mail address across all sources.

Why per source: a limit keyed only by the victim's address lets anyone lock the victim out
(five link requests for their address, ten wrong passwords). Limits here always fall on the
source that misbehaves. The cap across sources exists for distributed attacks; once an address
is over it, only sources that already used up part of their own share for that address are
refused, so the victim (a source with no failures for it) still signs in.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from code_monet.auth.errors import RateLimitedError
from code_monet.auth.settings import AuthSettings
from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig

logger = logging.getLogger(__name__)

MINUTE, QUARTER_HOUR, HOUR = 60.0, 15 * 60.0, 3600.0


def _limiter(max_requests: int, window: float) -> RateLimiter:
    return RateLimiter(RateLimiterConfig(max_requests=max_requests, window_seconds=window))


@dataclass
class AddressGuard:
    """Attempts against one e-mail address: ``per_source`` counts each (client, address)
    pair; ``all_sources`` counts the address, whoever asks. Checking never counts; the caller
    records what should count (a request, or a failure)."""

    per_source: RateLimiter
    all_sources: RateLimiter

    def refusal(self, ip: str, email: str, now: float) -> float | None:
        """Seconds to wait when ``ip`` may not try ``email`` now; None when it may."""
        pair = (ip, email)
        used = self.per_source.config.max_requests - self.per_source.remaining(pair, now=now)
        if used >= self.per_source.config.max_requests:
            return self.per_source.retry_after(pair, now=now)
        if used > 0 and self.all_sources.remaining(email, now=now) == 0:
            return max(1.0, self.all_sources.retry_after(email, now=now))
        return None

    def check(self, ip: str, email: str, what: str, now: float) -> None:
        """Raise :class:`RateLimitedError` when ``ip`` may not try ``email`` now."""
        wait = self.refusal(ip, email, now)
        if wait is not None:
            _refuse(what, f"{ip} for {email}", wait)

    def record(self, ip: str, email: str, now: float) -> None:
        """Count one attempt of ``ip`` against ``email``."""
        self.per_source.is_allowed((ip, email), now=now)
        self.all_sources.is_allowed(email, now=now)


@dataclass
class AuthLimits:
    magic_link_ip: RateLimiter
    magic_link_email: AddressGuard
    verify_ip: RateLimiter
    code_email: AddressGuard
    signin_ip: RateLimiter
    signin_email: AddressGuard
    signup_ip: RateLimiter
    refresh_ip: RateLimiter

    @classmethod
    def from_settings(cls, s: AuthSettings) -> AuthLimits:
        return cls(
            magic_link_ip=_limiter(s.magic_link_per_ip_per_hour, HOUR),
            magic_link_email=AddressGuard(
                _limiter(s.magic_link_per_email_per_hour, HOUR),
                _limiter(s.magic_link_per_email_all_sources_per_hour, HOUR),
            ),
            verify_ip=_limiter(s.verify_per_ip_per_15min, QUARTER_HOUR),
            code_email=AddressGuard(
                _limiter(s.code_attempts_per_email_per_15min, QUARTER_HOUR),
                _limiter(s.code_attempts_per_email_all_sources_per_15min, QUARTER_HOUR),
            ),
            signin_ip=_limiter(s.signin_per_ip_per_15min, QUARTER_HOUR),
            signin_email=AddressGuard(
                _limiter(s.signin_per_email_per_15min, QUARTER_HOUR),
                _limiter(s.signin_failures_per_email_all_sources_per_15min, QUARTER_HOUR),
            ),
            signup_ip=_limiter(s.signup_per_ip_per_hour, HOUR),
            refresh_ip=_limiter(s.refresh_per_ip_per_minute, MINUTE),
        )


def _refuse(what: str, key: str, wait: float) -> None:
    logger.warning("Rate limited %s for %s (retry in %.0fs)", what, key, wait)
    raise RateLimitedError(
        f"Too many {what} attempts; try again in {math.ceil(wait)} seconds", retry_after=wait
    )


def enforce(limiter: RateLimiter, key: str, what: str, now: float) -> None:
    """Count one request for ``key``; raise :class:`RateLimitedError` when over the limit."""
    if limiter.is_allowed(key, now=now):
        return
    _refuse(what, key, limiter.retry_after(key, now=now))
