"""Bad input on every /auth endpoint answers 4xx with a JSON message, never 500."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from support.auth import make_app, make_service, settings_for_tests

from code_monet.auth.service import AuthService
from code_monet.db import Database

POST_ENDPOINTS = [
    "/auth/magic-link",
    "/auth/magic-link/verify",
    "/auth/magic-link/verify-code",
    "/auth/refresh",
    "/auth/signup",
    "/auth/signin",
]

NUL = "\u0000"
JUNK_BODIES: list[bytes] = [
    b"",
    b"not json",
    b"{",
    b"[]",
    b"null",
    b"123",
    b'"a string"',
    b"{}",
    b"\xff\xfe\x00garbage",
    b'{"email": 5, "token": 5, "code": 5, "refresh_token": 5, "password": 5, "invite_code": 5}',
    b'{"email": null, "token": null, "code": null, "refresh_token": null, "password": null}',
    b'{"email": [], "token": {}, "code": [1], "refresh_token": [], "password": {}}',
    (
        '{"email": "a' + NUL + '@x.io", "token": "' + NUL * 20 + '", "code": "12345' + NUL + '",'
        ' "refresh_token": "a.b' + NUL + '.c", "password": "' + NUL * 9 + '",'
        ' "invite_code": "AB' + NUL + 'CD", "platform": "' + NUL + '"}'
    ).encode(),
    (
        '{"email": "'
        + "a" * 5000
        + '@x.io", "token": "'
        + "t" * 5000
        + '", "code": "'
        + "1" * 5000
        + '", "refresh_token": "'
        + "r" * 9000
        + '", "password": "'
        + "p" * 5000
        + '", "invite_code": "'
        + "i" * 5000
        + '"}'
    ).encode(),
    (
        b'{"email": "ada@example.com", "token": "../../etc/passwd", "code": "12ab56",'
        b' "refresh_token": "eyJhbGciOiJub25lIn0.e30.", "password": "x",'
        b' "invite_code": "\' OR 1=1 --", "platform": "<script>"}'
    ),
    (
        '{"email": "ada@example.com", "token": "' + "A" * 43 + '", "code": "000000",'
        ' "refresh_token": "a.b.c", "password": "long enough password",'
        ' "invite_code": "AAAA-BBBB-CCCC", "platform": "web"}'
    ).encode(),
    (
        '{"email": "\u00e9\u00e9@\u00e9\u00e9", "code": "\u0661\u0662\u0663\u0664\u0665\u0666"}'
    ).encode(),
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
]


@pytest.fixture
def service(db: Database, tmp_path: Path) -> AuthService:
    generous = {
        "magic_link_per_ip_per_hour": 10_000,
        "verify_per_ip_per_15min": 10_000,
        "code_attempts_per_email_per_15min": 10_000,
        "signin_per_ip_per_15min": 10_000,
        "signin_per_email_per_15min": 10_000,
        "signup_per_ip_per_hour": 10_000,
        "refresh_per_ip_per_minute": 10_000,
    }
    return make_service(db, tmp_path, settings=settings_for_tests(**generous))


def _client(service: AuthService) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=make_app(service), raise_app_exceptions=False)
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


def _assert_clear_4xx(response: httpx2.Response, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/json"), what
    detail = response.json()["detail"]
    assert detail, f"{what}: empty detail"


class TestJunkBodies:
    """Every POST endpoint survives junk bodies."""

    @pytest.mark.parametrize("path", POST_ENDPOINTS)
    async def test_post_endpoints_answer_4xx(self, service: AuthService, path: str) -> None:
        """Malformed JSON, wrong types, NUL bytes, huge values, injections → 4xx JSON."""
        # Arrange
        async with _client(service) as client:
            # Act
            responses = [
                (
                    body[:60],
                    await client.post(
                        path, content=body, headers={"Content-Type": "application/json"}
                    ),
                )
                for body in JUNK_BODIES
            ]
            form = await client.post(path, data={"email": "a@b.c"})
        # Assert
        for body, response in responses:
            if path == "/auth/magic-link" and response.status_code == 200:
                continue  # a valid address in a junk-looking body is a fine request
            _assert_clear_4xx(response, f"POST {path} {body!r}")
        _assert_clear_4xx(form, f"POST {path} form")

    async def test_logout_with_junk(self, service: AuthService) -> None:
        """Logout: junk bodies and junk tokens are 4xx."""
        # Arrange
        pair = await service.dev_tokens()
        headers = {"Authorization": f"Bearer {pair.access_token}"}
        async with _client(service) as client:
            # Act
            bodies = [
                await client.post(
                    "/auth/logout",
                    content=b,
                    headers={**headers, "Content-Type": "application/json"},
                )
                for b in (b"not json", b"[]", b'{"refresh_token": 5}', b"{" * 100)
            ]
            tokens = [
                await client.post("/auth/logout", headers={"Authorization": value})
                for value in ("Bearer", "Bearer x.y.z", "Basic abc", "bearer " + "a" * 9000)
            ]
        # Assert
        for response in [*bodies, *tokens]:
            _assert_clear_4xx(response, "POST /auth/logout")


class TestSemanticallyBadBodies:
    """Well-formed JSON whose values break a rule is 4xx too."""

    async def test_whitespace_password_on_signup(self, service: AuthService) -> None:
        """A password of only spaces passes the length rule but is refused (422), not 500."""
        # Arrange
        body = {"email": "a@example.com", "password": " " * 12, "invite_code": "AAAA-BBBB-CCCC"}
        async with _client(service) as client:
            # Act
            response = await client.post("/auth/signup", json=body)
        # Assert
        _assert_clear_4xx(response, "signup with whitespace password")
        assert "whitespace" in str(response.json()["detail"])


class TestJunkQueriesAndHeaders:
    """GET endpoints survive junk queries and Authorization headers."""

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "?token=",
            "?token=" + "a" * 300,
            "?token=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00",
            "?token=%FF%FE",
            "?token=" + "A" * 43,
            "?token=../../etc/passwd",
            "?token=a&token=b",
        ],
    )
    async def test_verify_link(self, service: AuthService, query: str) -> None:
        """GET /auth/verify with a missing, empty, huge, NUL or unknown token → 4xx JSON."""
        # Arrange
        async with _client(service) as client:
            # Act
            response = await client.get(f"/auth/verify{query}")
        # Assert
        _assert_clear_4xx(response, f"GET /auth/verify{query}")

    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "",
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer a.b.c",
            "Bearer " + "x" * 9000,
        ],
    )
    async def test_me(self, service: AuthService, authorization: str | None) -> None:
        """GET /auth/me without a usable token → 401 JSON."""
        # Arrange
        headers = {} if authorization is None else {"Authorization": authorization}
        async with _client(service) as client:
            # Act
            response = await client.get("/auth/me", headers=headers)
        # Assert
        assert response.status_code == 401
        _assert_clear_4xx(response, f"GET /auth/me {authorization!r:.40}")

    async def test_dev_token_ignores_junk(self, service: AuthService) -> None:
        """GET /auth/dev-token with junk query/headers still answers cleanly."""
        # Arrange
        async with _client(service) as client:
            # Act
            response = await client.get(
                "/auth/dev-token?x=%00", headers={"Authorization": "Bearer junk"}
            )
        # Assert
        assert response.status_code == 200
