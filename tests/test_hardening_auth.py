"""Issue #15 (auth hardening), through the real server in public mode: forwarded headers are
believed only from configured proxies, limits fall on the attacker's source rather than the
victim's address, sockets end with their session, and sign-up is no free address oracle."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx2
import pytest
from fakes.server import LiveServer, recv_json, running_server
from live_server import free_port, server_process, wait_healthy
from support.auth import TEST_SECRET, RecordingMailer
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from code_monet.app.config import ServerSettings
from code_monet.auth.passwords import hash_password
from code_monet.auth.service import TokenPair
from code_monet.db.repository import invites, users

PASSWORD = "correct horse battery"
VICTIM = "victim@example.com"
ATTACKER_IP, VICTIM_IP = "127.0.0.2", "127.0.0.3"


def _from(server: LiveServer, ip: str, token: str | None = None) -> httpx2.AsyncClient:
    """A client whose requests really come from ``ip`` (another loopback address)."""
    transport = httpx2.AsyncHTTPTransport(local_address=ip)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.AsyncClient(
        base_url=server.base_url, transport=transport, headers=headers, timeout=30
    )


@asynccontextmanager
async def _public(tmp_path: Path, **settings: float) -> AsyncIterator[LiveServer]:
    server_settings = ServerSettings(idle_grace_seconds=300, **settings)  # type: ignore[arg-type]
    async with running_server(tmp_path, settings=server_settings, local_mode=False) as server:
        yield server


async def _add_user(server: LiveServer, email: str = VICTIM) -> str:
    auth = server.app_runtime.auth
    password_hash = await hash_password(PASSWORD)
    async with auth.store() as session:
        user = await users.create_user(session, email, password_hash=password_hash)
    return str(user.id)


async def _sign_in(server: LiveServer, ip: str = VICTIM_IP) -> TokenPair:
    async with _from(server, ip) as client:
        reply = await client.post("/auth/signin", json={"email": VICTIM, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return TokenPair(body["access_token"], body["refresh_token"])


async def _close_code(ws: ClientConnection, within: float) -> int | None:
    """Read until the server closes the socket; its close code (None: still open)."""
    try:
        async with asyncio.timeout(within):
            while True:
                await ws.recv()
    except ConnectionClosed:
        return ws.close_code
    except TimeoutError:
        return None


class TestForwardedHeaders:
    """``code-monet serve`` believes X-Forwarded-For only from FORWARDED_ALLOW_IPS."""

    @staticmethod
    async def _magic_link_statuses(tmp_path: Path, extra: dict[str, str]) -> list[int]:
        port = free_port()
        env = {
            "LOCAL_MODE": "false",
            "JWT_SECRET": TEST_SECRET,
            "MAGIC_LINK_PER_IP_PER_HOUR": "5",
            **extra,
        }
        with server_process(tmp_path / "data", port, env) as process:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, process)
            async with httpx2.AsyncClient(base_url=base, timeout=10) as client:
                return [
                    (
                        await client.post(
                            "/auth/magic-link",
                            json={"email": f"u{i}@example.com"},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"},
                        )
                    ).status_code
                    for i in range(8)
                ]

    async def test_forwarded_for_is_believed_only_from_configured_proxies(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """By default a loopback peer cannot pick its rate-limit key with X-Forwarded-For;
        with FORWARDED_ALLOW_IPS naming the proxy, each forwarded client has its own limits."""
        # Arrange
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
        # Act
        default = await self._magic_link_statuses(tmp_path / "default", {})
        behind_proxy = await self._magic_link_statuses(
            tmp_path / "proxy", {"FORWARDED_ALLOW_IPS": "127.0.0.1"}
        )
        # Assert
        assert default == [200] * 5 + [429] * 3
        assert behind_proxy == [200] * 8


class TestNoVictimLockout:
    """An attacker hammering a victim's address is limited; the victim still signs in."""

    async def test_wrong_passwords_do_not_lock_the_owner_out(self, tmp_path: Path) -> None:
        """Ten wrong passwords from one source: that source gets 429, the owner gets in."""
        # Arrange
        async with _public(tmp_path) as server:
            await _add_user(server)
            wrong = {"email": VICTIM, "password": "not the password"}
            async with _from(server, ATTACKER_IP) as attacker:
                guesses = [
                    (await attacker.post("/auth/signin", json=wrong)).status_code for _ in range(11)
                ]
            # Act
            async with _from(server, VICTIM_IP) as victim:
                own = await victim.post(
                    "/auth/signin", json={"email": VICTIM, "password": PASSWORD}
                )
        # Assert
        assert guesses == [401] * 10 + [429]
        assert own.status_code == 200

    async def test_link_requests_do_not_stop_the_owners_link(self, tmp_path: Path) -> None:
        """Five link requests for the victim's address from elsewhere: the victim's own
        request still sends a link, and the link signs them in."""
        # Arrange
        async with _public(tmp_path) as server:
            await _add_user(server)
            mailer = RecordingMailer()
            server.app_runtime.auth.mailer = mailer
            async with _from(server, ATTACKER_IP) as attacker:
                for _ in range(5):
                    await attacker.post("/auth/magic-link", json={"email": VICTIM})
            await _mails(mailer, 5)
            # Act
            async with _from(server, VICTIM_IP) as victim:
                asked = await victim.post("/auth/magic-link", json={"email": VICTIM})
                await _mails(mailer, 6)
                token = mailer.sent[-1].text.split("token=")[1].split()[0]
                signed_in = await victim.post("/auth/magic-link/verify", json={"token": token})
        # Assert
        assert asked.status_code == 200
        assert len(mailer.sent) == 6
        assert signed_in.status_code == 200 and "access_token" in signed_in.json()


async def _mails(mailer: RecordingMailer, count: int) -> None:
    """Wait (bounded) for the background deliveries to have sent ``count`` mails."""
    for _ in range(500):
        if len(mailer.sent) >= count:
            return
        await asyncio.sleep(0.02)


class TestSignupOracle:
    """Sign-up with a taken address uses the invite up (each probe costs an invite)."""

    async def test_taken_address_uses_the_invite_up(self, tmp_path: Path) -> None:
        """The invite tried on a taken address cannot then create another account."""
        # Arrange
        async with _public(tmp_path) as server:
            await _add_user(server)
            async with server.app_runtime.auth.store() as session:
                code = (await invites.create_invites(session, 1))[0].code
            async with _from(server, ATTACKER_IP) as client:
                taken = await client.post(
                    "/auth/signup",
                    json={"email": VICTIM, "password": PASSWORD, "invite_code": code},
                )
                # Act
                reuse = await client.post(
                    "/auth/signup",
                    json={"email": "new@example.com", "password": PASSWORD, "invite_code": code},
                )
        # Assert
        assert taken.status_code == 409
        assert reuse.status_code == 400


class TestSocketsEndWithTheSession:
    """Signing out, revoking a refresh family, or deactivating a user closes sockets (4001)."""

    async def test_logout_closes_that_sessions_sockets_only(self, tmp_path: Path) -> None:
        """Logout closes the signed-out session's socket; another session's stays open."""
        # Arrange
        async with _public(tmp_path) as server:
            user_id = await _add_user(server)
            phone, laptop = await _sign_in(server), await _sign_in(server)
            async with (
                server.ws(phone.access_token) as ws_phone,
                server.ws(laptop.access_token) as ws_laptop,
            ):
                await recv_json(ws_phone)
                await recv_json(ws_laptop)
                # Act
                async with _from(server, VICTIM_IP, phone.access_token) as client:
                    out = await client.post("/auth/logout")
                code = await _close_code(ws_phone, within=5)
                await asyncio.sleep(0.2)
                # Assert
                assert out.status_code == 200
                assert code == 4001
                assert server.app_runtime.connections.count(user_id) == 1
                assert ws_laptop.close_code is None

    async def test_refresh_reuse_closes_the_familys_sockets(self, tmp_path: Path) -> None:
        """A rotated refresh token presented again revokes its family and closes its socket."""
        # Arrange
        async with _public(tmp_path) as server:
            await _add_user(server)
            pair = await _sign_in(server)
            async with server.ws(pair.access_token) as ws, _from(server, VICTIM_IP) as client:
                await recv_json(ws)
                body = {"refresh_token": pair.refresh_token}
                rotated = await client.post("/auth/refresh", json=body)
                # Act
                reused = await client.post("/auth/refresh", json=body)
                code = await _close_code(ws, within=5)
        # Assert
        assert rotated.status_code == 200 and reused.status_code == 401
        assert code == 4001

    async def test_cli_deactivation_closes_sockets_and_refuses_strokes(
        self, tmp_path: Path
    ) -> None:
        """`code-monet user deactivate` in another process: the socket is closed 4001 within
        the re-check interval and a stroke sent after it is not drawn."""
        # Arrange
        async with _public(tmp_path, ws_session_recheck_seconds=0.5) as server:
            user_id = await _add_user(server)
            pair = await _sign_in(server)
            env = {**os.environ, "DATABASE_URL": server.app_runtime.database.url}
            async with server.ws(pair.access_token) as ws:
                await recv_json(ws)
                # Act
                cli = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "code_monet", "user", "deactivate", VICTIM, env=env
                )
                assert await cli.wait() == 0
                await asyncio.sleep(0.6)
                stroke = {"type": "stroke", "points": [{"x": 1, "y": 1}, {"x": 90, "y": 40}]}
                with suppress(ConnectionClosed):
                    await ws.send(json.dumps(stroke))
                code = await _close_code(ws, within=3)
            session = await server.app_runtime.registry.acquire(user_id)
            humans = session.state.canvas.human_stroke_count
            server.app_runtime.registry.schedule_release(session)
        # Assert
        assert code == 4001
        assert humans == 0
