"""Authentication settings: a plain model (the application fills it from the environment once;
every field has an embedded default)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from code_monet.db.emails import normalize_email

MIN_SECRET_LENGTH = 32


class AuthSettings(BaseModel):
    """``JWT_SECRET``, token lifetimes, magic links, mail, local/dev mode and rate limits."""

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 signing secret (>= 32 chars). Unset: generated once and stored "
        "with 0600 permissions in DATA_DIR/secrets/jwt_secret.",
    )
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    v1_session_grace_hours: int = Field(
        default=24,
        ge=0,
        le=7 * 24,
        description="How long after its expiry an access token still opens a protocol-v1 "
        "socket and fetches GET /strokes/pending (v1 clients refresh only on page load). Safe "
        "because every use re-checks the token's sign-in session: logout, deactivation and "
        "refresh-token reuse still cut it off at once. 0 turns the grace off.",
    )

    # Local mode: the embedded default of `code-monet serve` on 127.0.0.1. One local user is
    # created and GET /auth/dev-token hands out its tokens. Dev mode enables that endpoint too.
    local_mode: bool = True
    dev_mode: bool = False
    local_user_email: str = "local@code-monet.localhost"

    # Magic links.
    magic_link_minutes: int = Field(default=15, ge=1, le=24 * 60)
    magic_code_max_attempts: int = Field(default=5, ge=1, le=100)
    magic_link_signup: bool = Field(
        default=False, description="Let a magic link create an account for an unknown address"
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="This server's URL, used in e-mailed links"
    )
    web_app_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where GET /auth/verify sends the browser (tokens go in the URL fragment)",
    )
    web_callback_path: str = "/auth/callback"

    # Mail.
    mailer: Literal["console", "smtp"] = "console"
    mail_from: str = "Code Monet <no-reply@code-monet.localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # Rate limits (requests per window) — per client IP, per (client IP, e-mail address),
    # and a generous cap per address across all clients (auth.limits: never locks the owner
    # of an address out; over it, only clients that already tried that address are refused).
    magic_link_per_ip_per_hour: int = Field(default=20, ge=1)
    magic_link_per_email_per_hour: int = Field(
        default=5, ge=1, description="Link requests per (client IP, address)"
    )
    magic_link_per_email_all_sources_per_hour: int = Field(default=30, ge=1)
    verify_per_ip_per_15min: int = Field(default=30, ge=1)
    code_attempts_per_email_per_15min: int = Field(
        default=10, ge=1, description="Wrong codes per (client IP, address)"
    )
    code_attempts_per_email_all_sources_per_15min: int = Field(default=50, ge=1)
    signin_per_ip_per_15min: int = Field(default=20, ge=1)
    signin_per_email_per_15min: int = Field(
        default=10, ge=1, description="Wrong passwords per (client IP, address)"
    )
    signin_failures_per_email_all_sources_per_15min: int = Field(default=100, ge=1)
    signup_per_ip_per_hour: int = Field(default=10, ge=1)
    refresh_per_ip_per_minute: int = Field(default=60, ge=1)

    @field_validator("local_user_email")
    @classmethod
    def _normalise_local_email(cls, value: str) -> str:
        return normalize_email(value)

    @property
    def dev_endpoints_enabled(self) -> bool:
        return self.local_mode or self.dev_mode
