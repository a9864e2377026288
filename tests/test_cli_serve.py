"""``code-monet serve``: its options, and the local-mode loopback guard before anything starts."""

from __future__ import annotations

from typer.testing import CliRunner

from code_monet.auth.settings import get_auth_settings
from code_monet.cli import app

runner = CliRunner()


class TestServeCommand:
    def test_help_lists_host_port_and_reload(self) -> None:
        """The command documents its options."""
        # Arrange / Act
        result = runner.invoke(app, ["serve", "--help"])
        # Assert
        assert result.exit_code == 0
        for option in ("--host", "--port", "--reload", "--force"):
            assert option in result.stdout

    def test_local_mode_refuses_a_public_address(self) -> None:
        """Local mode signs anyone in: binding 0.0.0.0 is refused with exit code 2."""
        # Arrange
        get_auth_settings.cache_clear()
        # Act
        result = runner.invoke(
            app, ["serve", "--host", "0.0.0.0", "--port", "1"], env={"LOCAL_MODE": "true"}
        )
        get_auth_settings.cache_clear()
        # Assert
        assert result.exit_code == 2
        assert "Refusing to start in local mode" in result.stderr

    def test_bad_port_is_a_usage_error(self) -> None:
        """Ports outside 0–65535 are rejected by the option parser."""
        # Arrange / Act
        result = runner.invoke(app, ["serve", "--port", "70000"])
        # Assert
        assert result.exit_code == 2
