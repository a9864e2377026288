"""Magic links end to end: real SMTP (aiosmtpd), link/token/code verification, expiry,
code brute-force limits and rate limits. Time is injected; nothing sleeps."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select
from support.auth import (
    FakeClock,
    RecordingMailer,
    make_app,
    make_service,
    settings_for_tests,
)

from code_monet.auth.bootstrap import build_auth_service
from code_monet.auth.mailer import ConsoleMailer, MailMessage, SmtpMailer, build_mailer
from code_monet.auth.service import AuthService
from code_monet.db import Database
from code_monet.db.models import MagicLinkTokenRow
from code_monet.db.repository import users

EMAIL = "ada@example.com"
CODE_RE = re.compile(r"code in the app: (\d{6})")
LINK_RE = re.compile(r"(http://\S+/auth/verify\?token=[A-Za-z0-9_-]+)")


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def service(db: Database, tmp_path: Path, clock: FakeClock, mailer: RecordingMailer) -> AuthService:
    return make_service(db, tmp_path, clock=clock, mailer=mailer)


def _client(service: AuthService, ip: str = "10.0.0.1") -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(
        app=make_app(service), raise_app_exceptions=False, client=(ip, 5000)
    )
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


async def _add_user(service: AuthService, email: str = EMAIL, active: bool = True) -> None:
    async with service.database.transaction() as session:
        await users.create_user(session, email, is_active=active)


def _token_and_code(text: str) -> tuple[str, str]:
    link, code = LINK_RE.search(text), CODE_RE.search(text)
    assert link is not None and code is not None, text
    token = parse_qs(urlsplit(link.group(1)).query)["token"][0]
    return token, code.group(1)


async def _request_link(client: httpx2.AsyncClient, email: str = EMAIL) -> httpx2.Response:
    return await client.post("/auth/magic-link", json={"email": email, "platform": "web"})


class TestSmtpDelivery:
    """The full flow through a real local SMTP server."""

    async def test_link_arrives_by_smtp_and_signs_in_via_redirect(
        self, db: Database, tmp_path: Path, smtp_server: tuple[Inbox, int]
    ) -> None:
        """POST /auth/magic-link → mail → GET /auth/verify → redirect with tokens → /auth/me."""
        # Arrange
        inbox, port = smtp_server
        settings = settings_for_tests(
            mailer="smtp", smtp_host="127.0.0.1", smtp_port=port, web_app_url="https://studio.test"
        )
        service = build_auth_service(db, settings, tmp_path, clock=FakeClock())
        assert isinstance(service.mailer, SmtpMailer)
        await _add_user(service)
        async with _client(service) as client:
            # Act
            requested = await _request_link(client, "ADA@example.com")
            assert len(inbox.messages) == 1
            mail = inbox.messages[0]
            token, _code = _token_and_code(mail.get_content())
            landing = await client.get("/auth/verify", params={"token": token})
            fragment = parse_qs(urlsplit(landing.headers["location"]).fragment)
            me = await client.get(
                "/auth/me", headers={"Authorization": f"Bearer {fragment['access_token'][0]}"}
            )
            again = await client.get("/auth/verify", params={"token": token})
        # Assert
        assert requested.status_code == 200
        assert mail["To"] == EMAIL and "sign-in code" in mail["Subject"]
        assert landing.status_code == 303
        assert landing.headers["location"].startswith("https://studio.test/auth/callback#")
        assert landing.headers["cache-control"] == "no-store"
        assert fragment["token_type"] == ["bearer"] and "refresh_token" in fragment
        assert me.status_code == 200 and me.json()["email"] == EMAIL
        assert again.status_code == 401 and "already used" in again.json()["detail"]

    async def test_smtp_failure_still_answers_generically(
        self, db: Database, tmp_path: Path
    ) -> None:
        """A dead mail server is logged, never revealed to the client."""
        # Arrange
        settings = settings_for_tests(mailer="smtp", smtp_port=_free_port(), smtp_timeout_seconds=5)
        service = build_auth_service(db, settings, tmp_path, clock=FakeClock())
        await _add_user(service)
        async with _client(service) as client:
            # Act
            response = await _request_link(client)
        # Assert
        assert response.status_code == 200 and response.json()["ok"] is True

    async def test_console_mailer_is_the_default(self) -> None:
        """Without MAILER=smtp the message goes to the log (dev)."""
        # Arrange
        mailer = build_mailer(settings_for_tests())
        assert isinstance(mailer, ConsoleMailer)
        # Act
        await mailer.send(MailMessage(to=EMAIL, subject="s", text="t"))
        # Assert
        assert mailer.sent == [MailMessage(to=EMAIL, subject="s", text="t")]


class TestVerification:
    """Verification by token and by code; single use; expiry; no enumeration."""

    async def test_token_and_code_verification(
        self, service: AuthService, mailer: RecordingMailer
    ) -> None:
        """POST verify (token) and verify-code each sign in once; only hashes are stored."""
        # Arrange
        await _add_user(service)
        async with _client(service) as client:
            await _request_link(client)
            await _request_link(client)
            token_1, _ = _token_and_code(mailer.sent[0].text)
            _, code_2 = _token_and_code(mailer.sent[1].text)
            async with service.database.read() as session:
                rows = list(await session.scalars(select(MagicLinkTokenRow)))
            # Act
            by_code = await client.post(
                "/auth/magic-link/verify-code", json={"email": EMAIL, "code": code_2}
            )
            by_token_after = await client.post("/auth/magic-link/verify", json={"token": token_1})
        # Assert
        assert by_code.status_code == 200
        assert set(by_code.json()) == {"access_token", "refresh_token", "token_type"}
        assert by_token_after.status_code == 401  # signing in used up the other link too
        assert all(token_1 not in (r.token_hash, r.code_hash) for r in rows)
        assert all(len(r.token_hash) == 64 and r.platform == "web" for r in rows)

    async def test_post_verify_with_token(
        self, service: AuthService, mailer: RecordingMailer
    ) -> None:
        """Apps can post the token themselves; it works once."""
        # Arrange
        await _add_user(service)
        async with _client(service) as client:
            await _request_link(client)
            token, _ = _token_and_code(mailer.sent[0].text)
            # Act
            first = await client.post("/auth/magic-link/verify", json={"token": token})
            second = await client.post("/auth/magic-link/verify", json={"token": token})
        # Assert
        assert first.status_code == 200 and first.json()["token_type"] == "bearer"
        assert second.status_code == 401

    async def test_link_and_code_expire_after_15_minutes(
        self, service: AuthService, mailer: RecordingMailer, clock: FakeClock
    ) -> None:
        """At expiry both the link and the code are refused."""
        # Arrange
        await _add_user(service)
        async with _client(service) as client:
            await _request_link(client)
            token, code = _token_and_code(mailer.sent[0].text)
            clock.advance(minutes=15)
            # Act
            by_token = await client.post("/auth/magic-link/verify", json={"token": token})
            by_code = await client.post(
                "/auth/magic-link/verify-code", json={"email": EMAIL, "code": code}
            )
        # Assert
        assert by_token.status_code == 401 and by_code.status_code == 401
        assert "expired" in by_code.json()["detail"]

    async def test_unknown_and_inactive_addresses_get_the_same_answer(
        self, service: AuthService, mailer: RecordingMailer
    ) -> None:
        """Known, unknown and inactive addresses answer identically; only the known gets mail."""
        # Arrange
        await _add_user(service)
        await _add_user(service, "off@example.com", active=False)
        async with _client(service) as client:
            # Act
            answers = [
                await _request_link(client, address)
                for address in (EMAIL, "nobody@example.com", "off@example.com")
            ]
        # Assert
        assert {(a.status_code, a.text) for a in answers} == {
            (answers[0].status_code, answers[0].text)
        }
        assert [m.to for m in mailer.sent] == [EMAIL]

    async def test_open_signup_creates_the_account(
        self, db: Database, tmp_path: Path, mailer: RecordingMailer
    ) -> None:
        """With MAGIC_LINK_SIGNUP a new address gets an account on verification."""
        # Arrange
        settings = settings_for_tests(magic_link_signup=True)
        service = make_service(db, tmp_path, settings=settings, mailer=mailer)
        async with _client(service) as client:
            await _request_link(client, "new@example.com")
            _, code = _token_and_code(mailer.sent[0].text)
            # Act
            response = await client.post(
                "/auth/magic-link/verify-code", json={"email": "new@example.com", "code": code}
            )
        # Assert
        assert response.status_code == 200
        async with db.read() as session:
            assert await users.get_user_by_email(session, "new@example.com") is not None


class TestBruteForce:
    """Code guessing is bounded per code and per address."""

    async def test_code_is_burned_after_five_wrong_attempts(
        self, service: AuthService, mailer: RecordingMailer
    ) -> None:
        """After five wrong codes the right code stops working; the e-mailed link (256 random
        bits, not guessable) still signs its owner in, so guessing codes locks nobody out."""
        # Arrange
        await _add_user(service)
        async with _client(service) as client:
            await _request_link(client)
            token, code = _token_and_code(mailer.sent[0].text)
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            # Act
            misses = [
                await client.post(
                    "/auth/magic-link/verify-code", json={"email": EMAIL, "code": wrong}
                )
                for _ in range(5)
            ]
            right = await client.post(
                "/auth/magic-link/verify-code", json={"email": EMAIL, "code": code}
            )
            link = await client.post("/auth/magic-link/verify", json={"token": token})
        # Assert
        assert [m.status_code for m in misses] == [401] * 5
        assert right.status_code == 401 and link.status_code == 200

    async def test_per_email_attempt_limit_returns_429(
        self, db: Database, tmp_path: Path, mailer: RecordingMailer, clock: FakeClock
    ) -> None:
        """Past the per-address limit even the right code gets 429 until the window passes."""
        # Arrange
        settings = settings_for_tests(code_attempts_per_email_per_15min=3)
        service = make_service(db, tmp_path, settings=settings, mailer=mailer, clock=clock)
        await _add_user(service)
        async with _client(service) as client:
            await _request_link(client)
            _, code = _token_and_code(mailer.sent[0].text)
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            for _ in range(3):
                await client.post(
                    "/auth/magic-link/verify-code", json={"email": EMAIL, "code": wrong}
                )
            # Act
            limited = await client.post(
                "/auth/magic-link/verify-code", json={"email": EMAIL, "code": code}
            )
            clock.advance(minutes=14)  # the link and the per-address window are still open
            still = await client.post(
                "/auth/magic-link/verify-code", json={"email": EMAIL, "code": code}
            )
        # Assert
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "Too many" in limited.json()["detail"]
        assert still.status_code == 429


class TestRateLimits:
    """Requests for links and verifications are limited per IP and per address."""

    async def test_link_requests_limited_per_ip(
        self, db: Database, tmp_path: Path, mailer: RecordingMailer, clock: FakeClock
    ) -> None:
        """The (n+1)-th request from one IP in an hour is 429; another IP is unaffected."""
        # Arrange
        settings = settings_for_tests(magic_link_per_ip_per_hour=2)
        service = make_service(db, tmp_path, settings=settings, mailer=mailer, clock=clock)
        async with _client(service, "10.0.0.1") as one, _client(service, "10.0.0.2") as two:
            # Act
            statuses = [
                (await _request_link(one, f"u{i}@example.com")).status_code for i in range(3)
            ]
            other_ip = await _request_link(two)
            clock.advance(hours=1)
            after_window = await _request_link(one)
        # Assert
        assert statuses == [200, 200, 429]
        assert other_ip.status_code == 200 and after_window.status_code == 200

    async def test_link_requests_limited_per_address_silently(
        self, db: Database, tmp_path: Path, mailer: RecordingMailer
    ) -> None:
        """Over the per-address limit the answer stays generic but no more mail is sent."""
        # Arrange
        settings = settings_for_tests(magic_link_per_email_per_hour=2)
        service = make_service(db, tmp_path, settings=settings, mailer=mailer)
        await _add_user(service)
        async with _client(service) as client:
            # Act
            statuses = [(await _request_link(client)).status_code for _ in range(4)]
        # Assert
        assert statuses == [200] * 4
        assert len(mailer.sent) == 2

    async def test_verifications_limited_per_ip(
        self, db: Database, tmp_path: Path, mailer: RecordingMailer
    ) -> None:
        """Token guessing from one IP hits 429."""
        # Arrange
        settings = settings_for_tests(verify_per_ip_per_15min=3)
        service = make_service(db, tmp_path, settings=settings, mailer=mailer)
        async with _client(service) as client:
            # Act
            statuses = [
                (await client.post("/auth/magic-link/verify", json={"token": "x" * 43})).status_code
                for _ in range(4)
            ]
        # Assert
        assert statuses == [401, 401, 401, 429]
