"""Local mode: loopback-only binding, the automatic local user."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.auth import make_service, settings_for_tests
from support.db import temporary_database

from code_monet.auth.local_mode import UnsafeBindError, check_bind_address, is_loopback_host
from code_monet.db.repository import users


class TestCheckBindAddress:
    """Local mode refuses addresses other machines can reach, unless forced."""

    @pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
    def test_loopback_is_allowed(self, host: str) -> None:
        """Loopback names and addresses pass in local mode."""
        # Arrange / Act
        check_bind_address(host, local_mode=True)
        # Assert
        assert is_loopback_host(host)

    @pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", ""])
    def test_non_loopback_is_refused_in_local_mode(self, host: str) -> None:
        """Public or wildcard addresses are refused with an explanation."""
        # Arrange / Act / Assert
        with pytest.raises(UnsafeBindError, match="local mode"):
            check_bind_address(host, local_mode=True)

    def test_forced_or_not_local_is_allowed(self, caplog: pytest.LogCaptureFixture) -> None:
        """--force allows it (with a warning); multi-user mode may bind anywhere."""
        # Arrange / Act
        check_bind_address("0.0.0.0", local_mode=True, force=True)
        check_bind_address("0.0.0.0", local_mode=False)
        # Assert
        assert "forced" in caplog.text


class TestLocalUserSetting:
    """LOCAL_USER_EMAIL is validated when settings load."""

    def test_local_user_email_is_normalised_and_checked(self) -> None:
        """A valid address is normalised; an invalid one fails at start-up, not per request."""
        # Arrange / Act
        ok = settings_for_tests(local_user_email="Me@Example.COM")
        # Assert
        assert ok.local_user_email == "me@example.com"
        with pytest.raises(ValueError, match="E-mail address"):
            settings_for_tests(local_user_email="not an address")


class TestLocalUser:
    """The local user is created once and kept active."""

    async def test_local_user_is_created_once_and_reactivated(self, tmp_path: Path) -> None:
        """ensure_local_user is idempotent and undoes a deactivation."""
        # Arrange
        async with temporary_database("sqlite", tmp_path) as db:
            service = make_service(db, tmp_path, settings=settings_for_tests())
            first = await service.ensure_local_user()
            async with db.transaction() as session:
                await users.set_active(session, first.id, False)
            # Act
            second = await service.ensure_local_user()
            async with db.read() as session:
                everyone = await users.list_users(session)
        # Assert
        assert second.id == first.id and second.is_active
        assert [u.email for u in everyone] == ["local@code-monet.localhost"]
