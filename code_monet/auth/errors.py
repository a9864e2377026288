"""Authentication errors. Each carries the HTTP status the router answers with and a message
that is safe to show to the client (it never says whether an address has an account)."""

from __future__ import annotations


class AuthError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationError(AuthError):
    """Missing, invalid or expired credentials, or an inactive account."""

    status_code = 401


class InvalidCredentialsError(AuthenticationError):
    """Wrong e-mail/password, magic link or code."""


class RefreshTokenReuseError(AuthenticationError):
    """A rotated refresh token was presented again; its whole family has been revoked."""


class InviteError(AuthError):
    """The invite code is unknown, used or revoked."""


class AccountExistsError(AuthError):
    status_code = 409


class RateLimitedError(AuthError):
    status_code = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthUnavailableError(AuthError):
    """The account store cannot be reached (clients should retry, not sign out)."""

    status_code = 503


class DevEndpointDisabledError(AuthError):
    """A dev-only endpoint outside dev/local mode (answered as a plain 404)."""

    status_code = 404
