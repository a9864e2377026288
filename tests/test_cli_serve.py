"""``code-monet serve``: its options, and the local-mode loopback guard before anything starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from code_monet import __version__
from code_monet.app.cli import app

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
        environ = {"LOCAL_MODE": "true"}
        # Act
        result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"], env=environ)
        # Assert
        assert result.exit_code == 2
        assert "Refusing to start in local mode" in result.stderr

    def test_bad_port_is_a_usage_error(self) -> None:
        """Ports outside 0–65535 are rejected by the option parser."""
        # Arrange / Act
        result = runner.invoke(app, ["serve", "--port", "70000"])
        # Assert
        assert result.exit_code == 2


def _run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


class TestStartUpCost:
    """What makes ``code-monet serve`` reach ``/health`` fast (``python -m bench.load``)."""

    def test_start_up_loads_no_optional_sdk(self) -> None:
        """SDKs used only when configured or first needed stay unloaded while the server starts."""
        # Arrange
        optional = ["mcp", "alembic", "aiosmtplib", "opentelemetry.exporter", "anthropic", "openai"]
        code = (
            "import sys, code_monet.app.server, code_monet.app.cli\n"
            f"optional = {optional!r}\n"
            "print(sorted({p for p in optional for m in sys.modules "
            "if m == p or m.startswith(p + '.')}))"
        )
        # Act
        loaded = _run_python(code)
        # Assert
        assert loaded == "[]"

    def test_console_script_turns_the_collector_back_on_for_other_commands(self) -> None:
        """The entry point pauses the collector only while loading; ``version`` runs with it on."""
        # Arrange
        code = (
            "import gc, sys\n"
            "sys.argv = ['code-monet', 'version']\n"
            "from code_monet.app.entry import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(gc.isenabled())"
        )
        # Act
        lines = _run_python(code).splitlines()
        # Assert
        assert lines[-1] == "True" and lines[0] == __version__

    def test_serving_freezes_the_start_up_heap_and_enables_the_collector(self) -> None:
        """``tune_gc_for_serving`` re-enables a paused collector with the serving threshold."""
        # Arrange
        code = (
            "import gc\n"
            "gc.disable()\n"
            "from code_monet.app.server import GC_YOUNG_THRESHOLD, tune_gc_for_serving\n"
            "tune_gc_for_serving()\n"
            "print(gc.isenabled(), gc.get_threshold()[0] == GC_YOUNG_THRESHOLD, "
            "gc.get_freeze_count() > 10_000)"
        )
        # Act
        state = _run_python(code)
        # Assert
        assert state == "True True True"

    def test_start_up_turns_a_paused_collector_back_on(self, tmp_path: Path) -> None:
        """Should a path into the server skip ``tune_gc_for_serving``, the lifespan still
        re-enables the collector (a server without it would leak cycles)."""
        # Arrange
        code = (
            "import asyncio, gc\n"
            "gc.disable()\n"
            "from code_monet.app.server import create_app\n"
            "app = create_app()\n"
            "async def main():\n"
            "    async with app.router.lifespan_context(app):\n"
            "        print(gc.isenabled())\n"
            "asyncio.run(main())"
        )
        # Act
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "DATA_DIR": str(tmp_path / "data")},
        )
        # Assert
        assert done.stdout.strip().splitlines()[-1] == "True"
        assert "garbage collector was off" in done.stderr
