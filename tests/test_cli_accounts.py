"""CLI: `invite`, `user` and `db` command groups (Typer's CliRunner), on both backends."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from code_monet.app.cli import app
from code_monet.db import Database, DatabaseSettings
from code_monet.db.migrate import head_revision
from code_monet.db.records import User
from code_monet.db.repository import refresh_tokens, users
from code_monet.db.types import utc_now

runner = CliRunner()


def _invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _find_user(env: dict[str, str], email: str) -> User | None:
    async def find() -> User | None:
        database = Database.connect(env["DATABASE_URL"], DatabaseSettings())
        try:
            async with database.read() as session:
                return await users.get_user_by_email(session, email)
        finally:
            await database.dispose()

    return asyncio.run(find())


class TestInviteCommands:
    """invite create / list / revoke."""

    def test_create_list_revoke(self, env: dict[str, str]) -> None:
        """Codes are printed one per line, listed, and revocable."""
        # Arrange
        code, out, _ = _invoke(env, "invite", "create", "-n", "3")
        created = out.split()
        # Act
        revoked = _invoke(env, "invite", "revoke", created[0].lower())
        listed = _invoke(env, "invite", "list")
        available = _invoke(env, "invite", "list", "--available")
        # Assert
        assert code == 0 and len(created) == 3
        assert revoked[0] == 0 and f"Revoked {created[0]}" in revoked[1]
        assert listed[0] == 0 and all(c in listed[1] for c in created)
        assert "revoked" in listed[1]
        assert created[0] not in available[1] and created[1] in available[1]

    def test_errors_have_trustworthy_exit_codes(self, env: dict[str, str]) -> None:
        """Unknown code → 1; malformed code or bad count → 2 (usage)."""
        # Arrange / Act
        unknown = _invoke(env, "invite", "revoke", "ABCD-EFGH-JKMN")
        malformed = _invoke(env, "invite", "revoke", "no spaces!")
        zero = _invoke(env, "invite", "create", "-n", "0")
        # Assert
        assert unknown[0] == 1 and "Error: No invite code ABCD-EFGH-JKMN" in unknown[2]
        assert malformed[0] == 2 and zero[0] == 2

    def test_empty_list(self, env: dict[str, str]) -> None:
        """An empty table says so and succeeds."""
        # Arrange / Act
        code, out, _ = _invoke(env, "invite", "list")
        # Assert
        assert code == 0 and "No invite codes." in out


class TestUserCommands:
    """user list / create / deactivate / activate."""

    def test_create_list_deactivate_activate(self, env: dict[str, str]) -> None:
        """A user is created, listed, deactivated (signed out) and re-activated."""
        # Arrange
        created = _invoke(env, "user", "create", "Ada@Example.com")
        user = _find_user(env, "ada@example.com")
        assert user is not None

        async def add_token() -> None:
            database = Database.connect(env["DATABASE_URL"], DatabaseSettings())
            from code_monet.db.records import RefreshToken

            now = utc_now()
            token = RefreshToken(
                "j1", user.id, "f1", now, now.replace(year=now.year + 1), None, None
            )
            async with database.transaction() as session:
                await refresh_tokens.store(session, token)
            await database.dispose()

        asyncio.run(add_token())
        # Act
        listed = _invoke(env, "user", "list")
        off = _invoke(env, "user", "deactivate", "ADA@example.com")
        after_off = _find_user(env, "ada@example.com")
        on = _invoke(env, "user", "activate", "ada@example.com")
        after_on = _find_user(env, "ada@example.com")
        # Assert
        assert created[0] == 0 and str(user.id) in created[1]
        assert listed[0] == 0 and "ada@example.com" in listed[1]
        assert off[0] == 0 and "deactivated" in off[1]
        assert after_off is not None and not after_off.is_active
        assert on[0] == 0 and after_on is not None and after_on.is_active

        async def family_live() -> bool:
            database = Database.connect(env["DATABASE_URL"], DatabaseSettings())
            async with database.read() as session:
                live = await refresh_tokens.family_is_active(session, "f1", now=utc_now())
            await database.dispose()
            return live

        assert asyncio.run(family_live()) is False

    def test_password_from_stdin(self, env: dict[str, str]) -> None:
        """--password-stdin sets a password; a weak one is a usage error."""
        # Arrange / Act
        ok = _invoke(
            env, "user", "create", "p@example.com", "--password-stdin", stdin="long pass 1\n"
        )
        weak = _invoke(env, "user", "create", "w@example.com", "--password-stdin", stdin="short\n")
        # Assert
        assert ok[0] == 0
        user = _find_user(env, "p@example.com")
        assert user is not None and user.has_password
        assert weak[0] == 2 and _find_user(env, "w@example.com") is None

    def test_user_errors(self, env: dict[str, str]) -> None:
        """Duplicate → 1, unknown → 1, invalid address → 2."""
        # Arrange
        _invoke(env, "user", "create", "a@example.com")
        # Act
        duplicate = _invoke(env, "user", "create", "A@example.com")
        unknown = _invoke(env, "user", "deactivate", "nobody@example.com")
        invalid = _invoke(env, "user", "create", "not-an-address")
        # Assert
        assert duplicate[0] == 1 and "already exists" in duplicate[2]
        assert unknown[0] == 1 and "No user with e-mail nobody@example.com" in unknown[2]
        assert invalid[0] == 2


class TestDbCommands:
    """db upgrade / current, and database errors."""

    def test_upgrade_then_up_to_date(self, env: dict[str, str]) -> None:
        """The first upgrade migrates an empty database; the second is a no-op."""
        # Arrange / Act
        first = _invoke(env, "db", "upgrade")
        second = _invoke(env, "db", "upgrade")
        current = _invoke(env, "db", "current")
        # Assert
        assert first[0] == 0 and "upgraded from empty" in first[1]
        assert second[0] == 0 and "up to date" in second[1]
        assert current[0] == 0 and f"current: {head_revision()}" in current[1]

    def test_bad_or_unreachable_database_exits_1(self, tmp_path: Path) -> None:
        """An unsupported URL or a dead server is a clear error with exit code 1."""
        # Arrange
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        bad = {"DATA_DIR": str(tmp_path), "DATABASE_URL": "mysql://u@h/d"}
        dead = {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{port}/x",
        }
        # Act
        unsupported = _invoke(bad, "user", "list")
        unreachable = _invoke(dead, "db", "upgrade")
        # Assert
        assert unsupported[0] == 1 and "unsupported database" in unsupported[2]
        assert unreachable[0] == 1 and "Error: Database" in unreachable[2]
        assert "secret" not in unreachable[2]


class TestHelp:
    """Every group has help, and the existing commands are still there."""

    @pytest.mark.parametrize(
        "group", [[], ["invite"], ["user"], ["workspace"], ["gallery"], ["db"]]
    )
    def test_help(self, group: list[str]) -> None:
        """--help exits 0 and lists the group's commands."""
        # Arrange / Act
        result = runner.invoke(app, [*group, "--help"])
        # Assert
        assert result.exit_code == 0 and "Usage" in result.stdout

    def test_existing_commands_remain(self) -> None:
        """version, render-sample and draw are still registered."""
        # Arrange / Act
        result = runner.invoke(app, ["--help"])
        version = runner.invoke(app, ["version"])
        # Assert
        for name in ("version", "render-sample", "draw", "invite", "user", "db"):
            assert name in result.stdout
        assert version.exit_code == 0
