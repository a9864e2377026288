"""``code-monet draw``: a reader that goes away ends the command quietly, as with Unix tools.

The command is run for real (a subprocess with the builtin offline artist) and its stdout is
piped into a reader that closes after the first line, like ``code-monet draw "a boat" | head -1``.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from code_monet.agent.providers.builtin import BuiltinProvider
from code_monet.app.cli import EXIT_CLOSED_PIPE
from code_monet.app.headless import draw_piece
from code_monet.types.styles import DrawingStyleType

BOUND_SECONDS = 60.0  # a whole piece takes a few seconds; the bug hung until killed


def _draw_command(tmp_path: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "code_monet", "draw", *args, "-o", str(tmp_path / "out")]
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "AGENT_PROVIDER": "builtin",
        "PYTHONUNBUFFERED": "1",
    }
    return command, env


class TestReaderGoesAway:
    """``code-monet draw … | head -1``."""

    def test_exits_quietly_when_the_reader_closes_after_one_line(self, tmp_path: Path) -> None:
        """The first line arrives; the reader closes; the command stops within a bounded time,
        with status 141 (128 + SIGPIPE) and nothing on stderr — no traceback."""
        # Arrange
        command, env = _draw_command(tmp_path, "a boat")
        stderr_path = tmp_path / "stderr.txt"
        started = time.monotonic()
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=tmp_path
            )
            assert process.stdout is not None
            # Act
            first_line = process.stdout.readline()
            process.stdout.close()
            try:
                code = process.wait(timeout=BOUND_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(f"draw did not exit within {BOUND_SECONDS} s of its reader closing")
        elapsed = time.monotonic() - started
        errors = stderr_path.read_text(errors="replace")
        # Assert
        assert first_line.strip()
        assert code == EXIT_CLOSED_PIPE, errors
        assert "Traceback" not in errors
        assert errors == ""
        assert elapsed < BOUND_SECONDS

    def test_a_reader_that_stays_gets_the_whole_piece(self, tmp_path: Path) -> None:
        """Without a closed pipe the same command finishes the piece and exits 0."""
        # Arrange
        command, env = _draw_command(tmp_path, "a boat")
        # Act
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
        # Assert
        assert done.returncode == 0, done.stderr
        assert "finished:" in done.stdout
        assert "Traceback" not in done.stderr


class _ClosedPipe(io.StringIO):
    """A stdout whose reader is gone (every write fails with EPIPE)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


class _FailingDevice(_ClosedPipe):
    """A stdout that fails with an I/O error: not a closed pipe, a real failure mid-turn."""

    def write(self, text: str) -> int:
        self.writes += 1
        raise OSError(errno.EIO, "Input/output error")


class TestHeadlessOutput:
    """``draw_piece`` when writing the artist's thinking fails."""

    async def test_closed_pipe_stops_the_piece(self, tmp_path: Path) -> None:
        """A closed pipe stops the piece at once and is reported as ``output_closed``."""
        # Arrange
        out = _ClosedPipe()
        # Act
        result = await draw_piece(
            "a boat",
            style=DrawingStyleType.PLOTTER,
            out_dir=tmp_path / "out",
            provider=BuiltinProvider(seed=1),
            data_dir=tmp_path / "data",
            out=out,
        )
        # Assert
        assert result.output_closed
        assert not result.completed
        assert out.writes == 1

    async def test_failing_output_pauses_the_artist_and_ends_the_run(self, tmp_path: Path) -> None:
        """Another error while a turn's thinking is written fails that turn: the artist pauses
        with an error, the tool session closes in its own task and the run ends (it used to
        hang, its turn cancelled by the MCP client's cancel scope from another task)."""
        # Arrange
        out = _FailingDevice()
        # Act
        async with asyncio.timeout(BOUND_SECONDS):
            result = await draw_piece(
                "a boat",
                style=DrawingStyleType.PLOTTER,
                out_dir=tmp_path / "out",
                provider=BuiltinProvider(seed=1),
                data_dir=tmp_path / "data",
                out=out,
            )
        # Assert
        assert not result.completed and not result.output_closed
        assert out.writes == 1
