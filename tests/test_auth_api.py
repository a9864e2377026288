"""The /auth HTTP endpoints: sign-up, sign-in, refresh, me, logout, dev token, dependencies."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher
from support.auth import FakeClock, make_app, make_service, settings_for_tests

from code_monet.auth import passwords
from code_monet.auth.service import AuthService
from code_monet.db import Database, DatabaseSettings
from code_monet.db.repository import invites, users
from code_monet.routes.deps import CurrentUser, OptionalUser

PASSWORD = "correct horse battery"


@pytest.fixture
def service(db: Database, tmp_path: Path, clock: FakeClock) -> AuthService:
    return make_service(db, tmp_path, clock=clock)


def _client(service: AuthService, ip: str = "10.0.0.1") -> httpx2.AsyncClient:
    app = make_app(service)

    @app.get("/whoami")
    async def whoami(user: OptionalUser) -> dict[str, str | None]:
        return {"email": user.email if user is not None else None}

    @app.get("/private")
    async def private(user: CurrentUser) -> dict[str, str]:
        return {"email": user.email}

    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 1))
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _invite(service: AuthService) -> str:
    async with service.database.transaction() as session:
        return (await invites.create_invites(session, 1))[0].code


async def _signup(client: httpx2.AsyncClient, service: AuthService, email: str) -> httpx2.Response:
    body = {"email": email, "password": PASSWORD, "invite_code": await _invite(service)}
    return await client.post("/auth/signup", json=body)


class TestSignupAndSignin:
    """Invite-code sign-up with a password, and password sign-in."""

    async def test_signup_then_signin_then_me(self, service: AuthService) -> None:
        """A new account signs up with an invite, signs in and sees itself at /auth/me."""
        # Arrange
        async with _client(service) as client:
            # Act
            signup = await _signup(client, service, "Ada@Example.com")
            signin = await client.post(
                "/auth/signin", json={"email": "ada@example.com", "password": PASSWORD}
            )
            me = await client.get("/auth/me", headers=_bearer(signin.json()["access_token"]))
        # Assert
        assert signup.status_code == 201
        assert set(signup.json()) == {"access_token", "refresh_token", "token_type"}
        assert signin.status_code == 200 and signin.json()["token_type"] == "bearer"
        body = me.json()
        assert me.status_code == 200 and body["email"] == "ada@example.com"
        assert set(body) == {"id", "email", "gallery_public", "created_at", "is_active"}

    async def test_invite_is_single_use_and_checked(self, service: AuthService) -> None:
        """Used, revoked, unknown or malformed invites are refused with 400."""
        # Arrange
        code = await _invite(service)
        revoked = await _invite(service)
        async with service.database.transaction() as session:
            await invites.revoke_invite(session, revoked)
        async with _client(service) as client:
            body = {"email": "a@example.com", "password": PASSWORD, "invite_code": code}
            first = await client.post("/auth/signup", json=body)
            # Act
            attempts = [
                await client.post(
                    "/auth/signup",
                    json={"email": f"b{i}@example.com", "password": PASSWORD, "invite_code": c},
                )
                for i, c in enumerate([code, revoked, "ZZZZ-ZZZZ-ZZZZ", "bad code!"])
            ]
        # Assert
        assert first.status_code == 201
        assert [a.status_code for a in attempts] == [400, 400, 400, 400]
        assert "Invite code" in attempts[0].json()["detail"]

    async def test_existing_email_is_409_and_invite_is_used_up(self, service: AuthService) -> None:
        """Signing up with a taken address fails and uses the invite up: probing addresses
        costs an invite each."""
        # Arrange
        async with _client(service) as client:
            await _signup(client, service, "a@example.com")
            code = await _invite(service)
            # Act
            again = await client.post(
                "/auth/signup",
                json={"email": "A@example.com", "password": PASSWORD, "invite_code": code},
            )
        # Assert
        assert again.status_code == 409
        async with service.database.read() as session:
            assert not await invites.is_available(session, code)

    async def test_wrong_password_unknown_user_and_inactive_user_look_alike(
        self, service: AuthService
    ) -> None:
        """All three failures answer 401 with the same message."""
        # Arrange
        async with _client(service) as client:
            await _signup(client, service, "a@example.com")
            await _signup(client, service, "off@example.com")
            async with service.database.transaction() as session:
                off = await users.get_user_by_email(session, "off@example.com")
                assert off is not None
                await users.set_active(session, off.id, False)
            # Act
            answers = [
                await client.post("/auth/signin", json={"email": email, "password": password})
                for email, password in [
                    ("a@example.com", "wrong password"),
                    ("nobody@example.com", PASSWORD),
                    ("off@example.com", PASSWORD),
                ]
            ]
        # Assert
        assert {a.status_code for a in answers} == {401}
        assert len({a.json()["detail"] for a in answers}) == 1

    async def test_unknown_user_still_runs_a_password_hash(
        self, service: AuthService, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Sign-in for an unknown address verifies a dummy Argon2 hash (same cost as a real one)."""
        # Arrange
        calls: list[str] = []
        real_verify = PasswordHasher.verify

        def spy(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
            calls.append(str(hash))
            return real_verify(self, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", spy)
        async with _client(service) as client:
            # Act
            response = await client.post(
                "/auth/signin", json={"email": "ghost@example.com", "password": PASSWORD}
            )
        # Assert
        assert response.status_code == 401
        assert calls == [passwords._dummy_hash()]
        assert calls[0].startswith("$argon2id$")

    async def test_outdated_hash_is_upgraded_on_signin(self, service: AuthService) -> None:
        """A hash made with weaker parameters is replaced after a successful sign-in."""
        # Arrange
        weak_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
        async with service.database.transaction() as session:
            user = await users.create_user(session, "old@example.com", password_hash=weak_hash)
        async with _client(service) as client:
            # Act
            response = await client.post(
                "/auth/signin", json={"email": "old@example.com", "password": "pw"}
            )
        async with service.database.read() as session:
            creds = await users.get_credentials(session, "old@example.com")
        # Assert
        assert response.status_code == 200
        assert creds is not None and creds[0].id == user.id
        assert creds[1] != weak_hash and not passwords.needs_rehash(creds[1] or "")

    async def test_signin_is_rate_limited(
        self, db: Database, tmp_path: Path, clock: FakeClock
    ) -> None:
        """Wrong passwords are limited per (client, address): the client that guessed is
        refused, another client may still try; the window passing restores them."""
        # Arrange
        settings = settings_for_tests(signin_per_email_per_15min=2)
        service = make_service(db, tmp_path, clock=clock, settings=settings)
        body = {"email": "a@example.com", "password": "wrong password"}
        async with _client(service, "10.0.0.1") as one, _client(service, "10.0.0.2") as two:
            # Act
            first = [(await one.post("/auth/signin", json=body)).status_code for _ in range(3)]
            other_ip = await two.post("/auth/signin", json=body)
            clock.advance(minutes=15)
            later = await one.post("/auth/signin", json=body)
        # Assert
        assert first[:2] == [401, 401]
        assert first[2] == 429
        assert other_ip.status_code == 401
        assert later.status_code == 401

    async def test_address_cap_refuses_repeat_guessers_not_fresh_clients(
        self, db: Database, tmp_path: Path, clock: FakeClock
    ) -> None:
        """Over the per-address cap (a distributed attack) a client that already guessed
        wrong is refused, but the owner's client, fresh for that address, still signs in."""
        # Arrange
        settings = settings_for_tests(
            signin_per_email_per_15min=2, signin_failures_per_email_all_sources_per_15min=3
        )
        service = make_service(db, tmp_path, clock=clock, settings=settings)
        async with _client(service, "10.0.0.9") as owner:
            await _signup(owner, service, "a@example.com")
        wrong = {"email": "a@example.com", "password": "wrong password"}
        right = {"email": "a@example.com", "password": PASSWORD}
        async with (
            _client(service, "10.0.0.1") as one,
            _client(service, "10.0.0.2") as two,
            _client(service, "10.0.0.3") as three,
            _client(service, "10.0.0.9") as owner,
        ):
            # Act
            guesses = [(await c.post("/auth/signin", json=wrong)).status_code for c in (one, one)]
            guesses += [(await two.post("/auth/signin", json=wrong)).status_code]
            fresh = (await three.post("/auth/signin", json=wrong)).status_code
            repeat = (await two.post("/auth/signin", json=wrong)).status_code
            own = await owner.post("/auth/signin", json=right)
        # Assert
        assert guesses == [401, 401, 401]
        assert fresh == 401
        assert repeat == 429
        assert own.status_code == 200


class TestSessionsOverHttp:
    """Refresh, logout, /auth/me and the user dependencies."""

    async def test_refresh_rotates_and_reuse_is_401(self, service: AuthService) -> None:
        """The new refresh token works; the old one is reuse and kills the session."""
        # Arrange
        async with _client(service) as client:
            pair = (await _signup(client, service, "a@example.com")).json()
            # Act
            rotated = await client.post(
                "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
            )
            reused = await client.post(
                "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
            )
            after = await client.get("/auth/me", headers=_bearer(rotated.json()["access_token"]))
        # Assert
        assert rotated.status_code == 200 and rotated.json()["token_type"] == "bearer"
        assert reused.status_code == 401 and "already used" in reused.json()["detail"]
        assert after.status_code == 401

    async def test_logout_ends_the_session(self, service: AuthService) -> None:
        """After logout the access and refresh tokens are refused."""
        # Arrange
        async with _client(service) as client:
            pair = (await _signup(client, service, "a@example.com")).json()
            headers = _bearer(pair["access_token"])
            # Act
            out = await client.post(
                "/auth/logout", headers=headers, json={"refresh_token": pair["refresh_token"]}
            )
            me = await client.get("/auth/me", headers=headers)
            refresh = await client.post(
                "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
            )
            anonymous = await client.post("/auth/logout")
        # Assert
        assert out.status_code == 200 and out.json()["ok"] is True
        assert me.status_code == 401 and refresh.status_code == 401
        assert anonymous.status_code == 401

    async def test_current_and_optional_user(self, service: AuthService) -> None:
        """CurrentUser demands a valid token (401 + WWW-Authenticate); OptionalUser allows none."""
        # Arrange
        async with _client(service) as client:
            pair = (await _signup(client, service, "a@example.com")).json()
            good = _bearer(pair["access_token"])
            # Act
            private_ok = await client.get("/private", headers=good)
            private_none = await client.get("/private")
            private_bad = await client.get("/private", headers=_bearer("garbage"))
            private_refresh = await client.get("/private", headers=_bearer(pair["refresh_token"]))
            optional_ok = await client.get("/whoami", headers=good)
            optional_none = await client.get("/whoami")
            optional_bad = await client.get("/whoami", headers=_bearer("garbage"))
        # Assert
        assert private_ok.json() == {"email": "a@example.com"}
        for response in (private_none, private_bad, private_refresh):
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
        assert "expected 'access'" in private_refresh.json()["detail"]
        assert optional_ok.json() == {"email": "a@example.com"}
        assert optional_none.json() == optional_bad.json() == {"email": None}

    async def test_database_down_is_503_not_401(self, tmp_path: Path) -> None:
        """When the account store is unreachable clients get 503 (retry), not 401 (sign out)."""
        # Arrange
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        dead = Database.connect(
            f"postgresql+asyncpg://u:p@127.0.0.1:{port}/none", DatabaseSettings()
        )
        service = make_service(dead, tmp_path)
        token = service.codec.issue(uuid.uuid4(), "access", session_id="s", now=service.now()).token
        async with _client(service) as client:
            # Act
            response = await client.get("/auth/me", headers=_bearer(token))
        await dead.dispose()
        # Assert
        assert response.status_code == 503
        assert "temporarily unavailable" in response.json()["detail"]


class TestDevToken:
    """GET /auth/dev-token exists only in dev/local mode."""

    async def test_local_mode_hands_out_local_user_tokens(self, service: AuthService) -> None:
        """Local mode: tokens for the one local user, the same user every time."""
        # Arrange
        async with _client(service) as client:
            # Act
            first = await client.get("/auth/dev-token")
            second = await client.get("/auth/dev-token")
            me = await client.get("/auth/me", headers=_bearer(second.json()["access_token"]))
        # Assert
        assert first.status_code == 200 and first.json()["token_type"] == "bearer"
        assert me.json()["email"] == service.settings.local_user_email
        async with service.database.read() as session:
            assert len(await users.list_users(session)) == 1

    @pytest.mark.parametrize(("local", "dev", "status"), [(False, False, 404), (False, True, 200)])
    async def test_dev_token_only_in_dev_or_local_mode(
        self, db: Database, tmp_path: Path, local: bool, dev: bool, status: int
    ) -> None:
        """Outside dev/local mode the endpoint is a plain 404."""
        # Arrange
        settings = settings_for_tests(local_mode=local, dev_mode=dev)
        service = make_service(db, tmp_path, settings=settings)
        async with _client(service) as client:
            # Act
            response = await client.get("/auth/dev-token")
            unknown = await client.get("/auth/no-such-endpoint")
        # Assert
        assert response.status_code == status
        if status == 404:
            assert response.json() == unknown.json() == {"detail": "Not Found"}
