"""The sandbox fails closed (issue 15): without full isolation no program runs in public mode,
the local fallback needs an explicit opt-in, and no program ever keeps the server's own uid.

"Bubblewrap missing" is simulated with a bubblewrap path that does not exist, so detection,
refusal and the tool's reply all run for real.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest
from support.auth import settings_for_tests

from code_monet.app.config import ServerSettings
from code_monet.app.server import create_app
from code_monet.sandbox.code_sandbox import (
    CodeSandbox,
    SandboxCapabilities,
    SandboxConfig,
    SandboxUnavailableError,
)
from code_monet.tools.context import ToolContext
from code_monet.tools.svg_generation import GenerateSvgInput, generate_svg
from code_monet.workspace import WorkspaceState

MISSING_BWRAP = "/nonexistent/code-monet-test/bwrap"
DISABLED = (
    "Code execution is disabled: this server cannot isolate programs (bubblewrap missing); "
    "ask the operator to install it"
)
FULL = SandboxCapabilities(bubblewrap=True, seccomp=True, unprivileged_uid=True)
NO_BWRAP = SandboxCapabilities(bubblewrap=False, seccomp=True, unprivileged_uid=True)


def program_touching(marker: Path) -> str:
    """A program that leaves a file behind if it runs at all, and reports its uid."""
    return "\n".join(
        [
            "import os",
            "print('uid', os.getuid())",
            "try:",
            f"    open({str(marker)!r}, 'w').write('ran')",
            "except OSError:",
            "    pass",
            "output_paths([line(1, 2, 3, 4)])",
        ]
    )


async def tool_reply(tmp_path: Path, box: CodeSandbox, code: str) -> tuple[str, bool]:
    """Run ``code`` through the real ``generate_svg`` tool: the reply's text (then the
    program's stdout, if it ran) and its error flag."""
    state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
    ctx = ToolContext(state=state, sandbox=box)
    try:
        reply = await generate_svg(ctx, GenerateSvgInput(code=code))
    finally:
        await box.close()
    stdout = ctx.program_output.stdout if ctx.program_output is not None else ""
    return f"{reply.text}\n{stdout}", reply.is_error


def pretend_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the sandbox believe the server runs as an ordinary user (uid 1000)."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)


class TestPublicMode:
    """A public server runs programs only under bubblewrap and a separate uid."""

    async def test_missing_bubblewrap_refuses_through_the_tool(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The tool says why and what to do; the program never runs; start-up logs it."""
        # Arrange
        marker = tmp_path / "ran"
        box = CodeSandbox(SandboxConfig(pool_size=0, bwrap_path=MISSING_BWRAP))
        caplog.set_level(logging.INFO, logger="code_monet.sandbox.code_sandbox")

        # Act
        text, is_error = await tool_reply(tmp_path, box, program_touching(marker))

        # Assert
        assert is_error
        assert DISABLED in text
        assert not marker.exists()
        assert box.capabilities is not None and not box.capabilities.bubblewrap
        assert any(
            record.levelno == logging.ERROR and DISABLED in record.getMessage()
            for record in caplog.records
        )

    async def test_broken_bubblewrap_refuses_and_says_so(self, tmp_path: Path) -> None:
        """Installed but failing (e.g. no user namespaces in a container) is refused too."""
        # Arrange
        marker = tmp_path / "ran"
        box = CodeSandbox(SandboxConfig(pool_size=0, bwrap_path="/bin/false"))

        # Act
        text, is_error = await tool_reply(tmp_path, box, program_touching(marker))

        # Assert
        assert is_error
        assert "(bubblewrap installed but not working here)" in text
        assert "user namespaces" in text
        assert not marker.exists()

    async def test_server_start_logs_that_code_execution_is_disabled(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The operator learns it from the start-up log, before any artist runs."""
        # Arrange
        app = create_app(
            data_dir=tmp_path / "data",
            settings=ServerSettings(),
            auth_settings=settings_for_tests(local_mode=False),
            sandbox_config=SandboxConfig(pool_size=0, bwrap_path=MISSING_BWRAP),
        )
        caplog.set_level(logging.INFO)

        # Act
        async with app.router.lifespan_context(app):
            pass

        # Assert
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert any(DISABLED in message for message in errors), errors

    async def test_no_separate_uid_refuses(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Bubblewrap alone is not enough in public mode: the program must not keep our uid."""
        # Arrange
        pretend_not_root(monkeypatch)
        box = CodeSandbox(SandboxConfig(pool_size=0), capabilities=FULL)

        # Act
        with pytest.raises(SandboxUnavailableError) as raised:
            await box.run("print('hi')", canvas_width=10, canvas_height=10, brushes=[])
        await box.close()

        # Assert
        assert "separate uid" in str(raised.value)
        assert not box._pool

    async def test_fallback_opt_in_is_ignored(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """SANDBOX_ALLOW_FALLBACK does nothing on a public server, and says so."""
        # Arrange
        marker = tmp_path / "ran"
        config = SandboxConfig(pool_size=0, bwrap_path=MISSING_BWRAP, allow_fallback=True)
        box = CodeSandbox(config)
        caplog.set_level(logging.WARNING, logger="code_monet.sandbox.code_sandbox")

        # Act
        box.log_preflight()
        text, is_error = await tool_reply(tmp_path, box, program_touching(marker))

        # Assert
        assert is_error and DISABLED in text
        assert not marker.exists()
        assert "SANDBOX_ALLOW_FALLBACK is ignored" in caplog.text


class TestLocalMode:
    """A local server may use the fallback, but only when its user opts in."""

    async def test_without_opt_in_refuses_and_names_the_setting(self, tmp_path: Path) -> None:
        """The refusal tells the local user both ways out."""
        # Arrange
        marker = tmp_path / "ran"
        box = CodeSandbox(SandboxConfig(pool_size=0, bwrap_path=MISSING_BWRAP, local_mode=True))

        # Act
        text, is_error = await tool_reply(tmp_path, box, program_touching(marker))

        # Assert
        assert is_error
        assert DISABLED in text
        assert "SANDBOX_ALLOW_FALLBACK=true" in text
        assert not marker.exists()

    async def test_opt_in_runs_as_the_sandbox_uid_and_logs_why(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """With the opt-in the program runs, as uid 65534, and the log says why."""
        # Arrange
        if os.geteuid() != 0:
            pytest.skip("only a root server can drop programs to another uid")
        config = SandboxConfig(
            pool_size=0, bwrap_path=MISSING_BWRAP, local_mode=True, allow_fallback=True
        )
        box = CodeSandbox(config)
        caplog.set_level(logging.INFO, logger="code_monet.sandbox.code_sandbox")

        # Act
        text, is_error = await tool_reply(tmp_path, box, program_touching(tmp_path / "ran"))

        # Assert
        assert not is_error, text
        assert "uid 65534" in text
        assert "WITHOUT bubblewrap (bubblewrap missing)" in caplog.text
        assert "SANDBOX_ALLOW_FALLBACK=true" in caplog.text

    async def test_opt_in_never_runs_as_the_servers_uid(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A non-root server cannot drop the uid, so even with the opt-in nothing runs."""
        # Arrange
        pretend_not_root(monkeypatch)
        config = SandboxConfig(pool_size=0, local_mode=True, allow_fallback=True)
        box = CodeSandbox(config, capabilities=NO_BWRAP)

        # Act
        with pytest.raises(SandboxUnavailableError) as raised:
            await box.run("print('hi')", canvas_width=10, canvas_height=10, brushes=[])
        await box.close()

        # Assert
        assert "server's own uid" in str(raised.value)
