"""Test support (used by the test suite only): a settable clock, a recording mailer, and a
minimal FastAPI app with the auth router, for tests of code that needs a signed-in user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from code_monet.auth.bootstrap import build_auth_service
from code_monet.auth.mailer import MailMessage
from code_monet.auth.service import AuthService
from code_monet.auth.settings import AuthSettings
from code_monet.db.engine import Database
from code_monet.render.cache import ContentCache
from code_monet.routes.services import AppServices, install_services

TEST_SECRET = "test-secret-" + "x" * 40


@dataclass
class FakeClock:
    """Time that only moves when a test says so."""

    current: datetime = field(default_factory=lambda: datetime(2030, 1, 1, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class RecordingMailer:
    """Keeps every message instead of sending it."""

    sent: list[MailMessage] = field(default_factory=list)

    async def send(self, message: MailMessage) -> None:
        self.sent.append(message)


def settings_for_tests(**overrides: object) -> AuthSettings:
    """Settings independent of the environment (explicit secret, console mail)."""
    values: dict[str, object] = {"jwt_secret": TEST_SECRET, "mailer": "console"}
    values.update(overrides)
    return AuthSettings.model_validate(values)


def make_service(
    database: Database,
    data_dir: Path,
    *,
    clock: FakeClock | None = None,
    settings: AuthSettings | None = None,
    mailer: RecordingMailer | None = None,
) -> AuthService:
    return build_auth_service(
        database,
        settings or settings_for_tests(),
        data_dir,
        mailer=mailer or RecordingMailer(),
        clock=clock or FakeClock(),
    )


def make_app(
    service: AuthService,
    data_dir: Path = Path("data"),
    *,
    content_cache: ContentCache | None = None,
) -> FastAPI:
    """FastAPI with the auth router and services holding the auth service and the database
    (plus ``data_dir`` and ``content_cache`` for routers that read them)."""
    from code_monet.routes.auth import create_auth_router

    app = FastAPI()
    services = AppServices(
        data_dir=data_dir,
        auth_settings=service.settings,
        content_cache=content_cache,
        database=service.database,
        auth=service,
    )
    install_services(app, services)
    app.include_router(create_auth_router())
    return app
