"""Tokens: JWT encoding rules, rotation, reuse detection, logout, and the signing secret."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.auth import TEST_SECRET, FakeClock, make_service

from code_monet.auth.errors import AuthenticationError, RefreshTokenReuseError
from code_monet.auth.service import AuthService
from code_monet.auth.settings import AuthSettings
from code_monet.auth.signing_key import (
    SECRET_FILE,
    SigningKeyError,
    load_or_create_secret,
    resolve_signing_secret,
)
from code_monet.auth.tokens import TokenCodec, TokenError
from code_monet.db import Database
from code_monet.db.records import User
from code_monet.db.repository import users

T0 = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def service(db: Database, tmp_path: Path, clock: FakeClock) -> AuthService:
    return make_service(db, tmp_path, clock=clock)


async def _user(service: AuthService, email: str = "ada@example.com") -> User:
    async with service.database.transaction() as session:
        return await users.create_user(session, email)


def _codec() -> TokenCodec:
    return TokenCodec(secret=TEST_SECRET)


class TestTokenCodec:
    """Encoding and verification of individual tokens."""

    def test_round_trip_carries_type_user_and_session(self) -> None:
        """A fresh access token decodes to the same claims."""
        # Arrange
        user_id = uuid.uuid4()
        issued = _codec().issue(user_id, "access", session_id="fam", now=T0)
        # Act
        claims = _codec().decode(issued.token, "access", now=T0)
        # Assert
        assert claims == issued.claims
        assert (claims.user_id, claims.type, claims.session_id) == (user_id, "access", "fam")
        assert claims.expires_at == T0 + timedelta(minutes=15)

    def test_expiry_uses_the_given_time(self) -> None:
        """Valid one second before expiry, refused at expiry."""
        # Arrange
        issued = _codec().issue(uuid.uuid4(), "access", session_id="s", now=T0)
        expiry = issued.claims.expires_at
        # Act
        before = _codec().decode(issued.token, "access", now=expiry - timedelta(seconds=1))
        # Assert
        assert before.jti == issued.claims.jti
        with pytest.raises(TokenError, match="expired"):
            _codec().decode(issued.token, "access", now=expiry)

    def test_wrong_type_is_refused(self) -> None:
        """A refresh token is not an access token, and vice versa."""
        # Arrange
        refresh = _codec().issue(uuid.uuid4(), "refresh", session_id="s", now=T0)
        access = _codec().issue(uuid.uuid4(), "access", session_id="s", now=T0)
        # Act / Assert
        with pytest.raises(TokenError, match="expected 'access'"):
            _codec().decode(refresh.token, "access", now=T0)
        with pytest.raises(TokenError, match="expected 'refresh'"):
            _codec().decode(access.token, "refresh", now=T0)

    def test_tampered_payload_and_foreign_secret_are_refused(self) -> None:
        """Changing the payload or signing with another key breaks the signature."""
        # Arrange
        token = _codec().issue(uuid.uuid4(), "access", session_id="s", now=T0).token
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["sub"] = str(uuid.uuid4())
        forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
        tampered = f"{header}.{forged_payload.decode()}.{signature}"
        foreign = TokenCodec(secret="another-secret-" + "y" * 40).issue(
            uuid.uuid4(), "access", session_id="s", now=T0
        )
        # Act / Assert
        for bad in (tampered, foreign.token):
            with pytest.raises(TokenError, match="signature"):
                _codec().decode(bad, "access", now=T0)

    @pytest.mark.parametrize(
        "token", ["", "abc", "a.b.c", "x" * 5000, "Bearer xyz", "\x00.\x00.\x00"]
    )
    def test_malformed_tokens_are_refused(self, token: str) -> None:
        """Garbage never raises anything but TokenError."""
        # Arrange / Act / Assert
        with pytest.raises(TokenError):
            _codec().decode(token, "access", now=T0)

    @settings(max_examples=200, deadline=None)
    @given(
        token=st.one_of(
            st.text(max_size=300),
            st.lists(st.text(max_size=80), min_size=3, max_size=3).map(".".join),
        )
    )
    def test_any_string_fails_only_with_token_error(self, token: str) -> None:
        """Arbitrary text (including dotted triples) never raises anything but TokenError."""
        # Arrange
        codec = _codec()
        # Act / Assert
        with pytest.raises(TokenError):
            codec.decode(token, "access", now=T0)

    def test_unsigned_and_other_algorithms_are_refused(self) -> None:
        """alg=none and missing claims are rejected."""
        # Arrange
        now = int(T0.timestamp())
        base = {"sub": str(uuid.uuid4()), "type": "access", "iat": now, "exp": now + 60}
        unsigned = jwt.encode({**base, "jti": "j", "sid": "s", "iss": "code-monet"}, None, "none")
        missing_sid = jwt.encode({**base, "jti": "j", "iss": "code-monet"}, TEST_SECRET, "HS256")
        # Act / Assert
        for bad in (unsigned, missing_sid):
            with pytest.raises(TokenError):
                _codec().decode(bad, "access", now=T0)


class TestRotation:
    """Refresh rotation, reuse detection and logout through the service."""

    async def test_refresh_returns_new_pair_and_old_token_stops_working(
        self, service: AuthService
    ) -> None:
        """Each refresh gives a new pair; the previous refresh token is then reuse."""
        # Arrange
        user = await _user(service)
        first = await service.issue_tokens(user)
        # Act
        second = await service.refresh(first.refresh_token, "ip")
        me = await service.authenticate_access_token(second.access_token)
        # Assert
        assert second.refresh_token != first.refresh_token
        assert me.id == user.id
        with pytest.raises(RefreshTokenReuseError):
            await service.refresh(first.refresh_token, "ip")

    async def test_reuse_revokes_the_whole_family(self, service: AuthService) -> None:
        """After reuse, even the newest refresh and access tokens of that family are dead."""
        # Arrange
        user = await _user(service)
        first = await service.issue_tokens(user)
        second = await service.refresh(first.refresh_token, "ip")
        other_device = await service.issue_tokens(user)
        # Act
        with pytest.raises(RefreshTokenReuseError):
            await service.refresh(first.refresh_token, "ip")
        # Assert
        with pytest.raises(AuthenticationError, match="revoked"):
            await service.refresh(second.refresh_token, "ip")
        with pytest.raises(AuthenticationError, match="signed out"):
            await service.authenticate_access_token(second.access_token)
        assert (await service.authenticate_access_token(other_device.access_token)).id == user.id

    async def test_logout_revokes_session(self, service: AuthService) -> None:
        """Logout kills the session's refresh and access tokens, not other sessions."""
        # Arrange
        user = await _user(service)
        pair = await service.issue_tokens(user)
        other = await service.issue_tokens(user)
        session = await service.authenticate(pair.access_token)
        # Act
        revoked = await service.logout(session)
        # Assert
        assert revoked == 1
        with pytest.raises(AuthenticationError):
            await service.refresh(pair.refresh_token, "ip")
        with pytest.raises(AuthenticationError, match="signed out"):
            await service.authenticate_access_token(pair.access_token)
        assert (await service.authenticate_access_token(other.access_token)).id == user.id

    async def test_expired_tokens_are_refused(self, service: AuthService, clock: FakeClock) -> None:
        """Access tokens die after 15 minutes and refresh tokens after 30 days."""
        # Arrange
        user = await _user(service)
        pair = await service.issue_tokens(user)
        # Act
        clock.advance(minutes=15)
        # Assert
        with pytest.raises(AuthenticationError, match="expired"):
            await service.authenticate_access_token(pair.access_token)
        renewed = await service.refresh(pair.refresh_token, "ip")
        clock.advance(days=30)
        with pytest.raises(AuthenticationError, match="expired"):
            await service.refresh(renewed.refresh_token, "ip")

    async def test_inactive_or_deleted_user_is_refused(self, service: AuthService) -> None:
        """A deactivated user's valid tokens stop working for access and refresh."""
        # Arrange
        user = await _user(service)
        pair = await service.issue_tokens(user)
        async with service.database.transaction() as session:
            await users.set_active(session, user.id, False)
        # Act / Assert
        with pytest.raises(AuthenticationError, match="inactive"):
            await service.authenticate_access_token(pair.access_token)
        with pytest.raises(AuthenticationError, match="inactive"):
            await service.refresh(pair.refresh_token, "ip")

    async def test_refresh_token_not_accepted_as_access(self, service: AuthService) -> None:
        """The type claim is enforced by authenticate_access_token."""
        # Arrange
        pair = await service.issue_tokens(await _user(service))
        # Act / Assert
        with pytest.raises(AuthenticationError, match="expected 'access'"):
            await service.authenticate_access_token(pair.refresh_token)
        with pytest.raises(AuthenticationError, match="expected 'refresh'"):
            await service.refresh(pair.access_token, "ip")


class TestSigningSecret:
    """The signing secret comes from config or a 0600 file; never a built-in default."""

    def test_generated_once_with_0600(self, tmp_path: Path) -> None:
        """The first start writes a 0600 file; later starts read the same secret."""
        # Arrange / Act
        first = load_or_create_secret(tmp_path)
        second = load_or_create_secret(tmp_path)
        # Assert
        path = tmp_path / SECRET_FILE
        assert first == second and len(first) >= 32
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_loose_permissions_are_tightened(self, tmp_path: Path) -> None:
        """A secret file readable by others is fixed to 0600."""
        # Arrange
        secret = load_or_create_secret(tmp_path)
        path = tmp_path / SECRET_FILE
        path.chmod(0o644)
        # Act
        again = load_or_create_secret(tmp_path)
        # Assert
        assert again == secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_configured_secret_wins_and_short_ones_are_refused(self, tmp_path: Path) -> None:
        """JWT_SECRET is used when set, and must be long enough."""
        # Arrange
        strong = AuthSettings(jwt_secret="s" * 40)
        weak = AuthSettings(jwt_secret="short")
        # Act
        resolved = resolve_signing_secret(strong, tmp_path)
        # Assert
        assert resolved == "s" * 40
        assert not (tmp_path / SECRET_FILE).exists()
        with pytest.raises(SigningKeyError, match="at least 32"):
            resolve_signing_secret(weak, tmp_path)
