"""Wiring: build the :class:`AuthService` from settings (the server calls this at start-up)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from code_monet.auth.limits import AuthLimits
from code_monet.auth.mailer import Mailer, build_mailer
from code_monet.auth.service import AuthService, Clock
from code_monet.auth.settings import AuthSettings
from code_monet.auth.signing_key import resolve_signing_secret
from code_monet.auth.tokens import TokenCodec
from code_monet.db.engine import Database
from code_monet.db.types import utc_now


def build_auth_service(
    database: Database,
    settings: AuthSettings,
    data_dir: Path,
    *,
    mailer: Mailer | None = None,
    clock: Clock = utc_now,
) -> AuthService:
    """An :class:`AuthService` with the signing secret resolved (created on first start)."""
    codec = TokenCodec(
        secret=resolve_signing_secret(settings, data_dir),
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
    )
    return AuthService(
        database=database,
        codec=codec,
        settings=settings,
        mailer=mailer or build_mailer(settings),
        limits=AuthLimits.from_settings(settings),
        clock=clock,
    )
