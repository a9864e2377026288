"""Issue 14: every file descriptor of a sandbox run has one owner and is closed exactly once.

The sandbox used to hand ``os.fdopen(read_fd)`` to ``loop.connect_read_pipe``. asyncio's pipe
transport closes that file object once; uvloop's closes the fd itself (libuv) and then closes the
file object as well, a second ``close(fd)``. Usually that one fails with EBADF; when another
thread has just been given the same fd number it closes that thread's file instead (in the soak:
EBADF in snapshot writes, directory fsync, the journal's fdatasync, and one SIGABRT).

The in-process tests catch a double close deterministically: a pipe transport's file object is
checked, at the moment the transport closes it, for an fd that is already closed, and
``os.close`` records EBADF. The strace test checks the system calls themselves, as the issue did.
Last, the ``EVENT_LOOP`` setting that picks the server's loop (asyncio by default, measured).
"""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import uvloop
from pydantic import ValidationError

from code_monet.app.config import load_config
from code_monet.sandbox.code_sandbox import (
    CodeSandbox,
    SandboxCapabilities,
    SandboxConfig,
    SandboxResult,
    SandboxUnavailableError,
    detect_capabilities,
)

REPO = Path(__file__).resolve().parent.parent
BRUSHES = ("oil_round",)
RUNS = 12
LOOPS = ("asyncio", "uvloop")
# The ways a run can end: paths and output, a results flood (the reader pauses the pipe, then
# the parent kills the program), an early exit and (once, last) the wall-clock timeout.
PROGRAMS = (
    "output_paths([line(1, 2, 3, 4)])\nprint('ok')",
    "import os\nos.write(3, b'x' * (8 << 20))",
    "raise SystemExit(3)",
)
TIMEOUT_PROGRAM = "import time\ntime.sleep(30)"


@dataclass
class FdAudit:
    """What the run did wrong with file descriptors."""

    double_closes: list[str] = field(default_factory=list)
    pipes_watched: int = 0


class WatchedPipe:
    """Stands in for the file object a loop's pipe transport is given.

    When the transport closes it, the fd must still be open (this object is its owner); an fd
    already closed by someone else (libuv, under uvloop) means this close is the second one.
    """

    def __init__(self, pipe: Any, audit: FdAudit) -> None:
        self._pipe = pipe
        self._fd = pipe.fileno()
        self._audit = audit
        audit.pipes_watched += 1

    def fileno(self) -> int:
        fd: int = self._pipe.fileno()
        return fd

    def close(self) -> None:
        if not self._pipe.closed:
            try:
                os.fstat(self._fd)
            except OSError as exc:
                if exc.errno == errno.EBADF:
                    self._audit.double_closes.append(
                        f"fd {self._fd}: transport closed its file object after the fd was closed"
                    )
        self._pipe.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)


def audited_loop(kind: str, audit: FdAudit) -> Callable[[], asyncio.AbstractEventLoop]:
    """A loop factory whose pipe transports get ``WatchedPipe`` file objects."""
    base: type[asyncio.AbstractEventLoop] = (
        uvloop.Loop if kind == "uvloop" else asyncio.SelectorEventLoop
    )

    class Audited(base):  # type: ignore[valid-type,misc]
        async def connect_read_pipe(self, protocol_factory: Any, pipe: Any) -> Any:
            return await super().connect_read_pipe(protocol_factory, WatchedPipe(pipe, audit))

    return Audited


def open_fds() -> set[int]:
    """This process's open fds (not counting the one that lists them)."""
    listed = [int(entry.name) for entry in Path("/proc/self/fd").iterdir()]
    still_open = set()
    for fd in listed:
        try:
            os.fstat(fd)
        except OSError:
            continue
        still_open.add(fd)
    return still_open


def describe_fd(fd: int) -> str:
    try:
        return str(Path(f"/proc/self/fd/{fd}").readlink())
    except OSError as exc:
        return f"gone ({exc.strerror})"


@pytest.fixture(scope="module")
def caps() -> SandboxCapabilities:
    return detect_capabilities()


@pytest.fixture
def ebadf_closes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``os.close`` calls (from any Python code) that failed with EBADF."""
    failures: list[int] = []
    real_close = os.close

    def close(fd: int) -> None:
        try:
            real_close(fd)
        except OSError as exc:
            if exc.errno == errno.EBADF:
                failures.append(fd)
            raise

    monkeypatch.setattr(os, "close", close)
    return failures


async def drive(caps: SandboxCapabilities, runs: int) -> list[SandboxResult]:
    """``runs`` programs through a pooled sandbox (the way the server uses it), then close."""
    config = SandboxConfig(cpu_seconds=2, wall_timeout=1.0, pool_size=2)
    results: list[SandboxResult] = []
    async with CodeSandbox(config, capabilities=caps) as box:
        await box.wait_ready()
        for index in range(runs):
            code = PROGRAMS[index % len(PROGRAMS)]
            results.append(
                await box.run(code, canvas_width=100, canvas_height=100, brushes=BRUSHES)
            )
        results.append(
            await box.run(TIMEOUT_PROGRAM, canvas_width=100, canvas_height=100, brushes=BRUSHES)
        )
    return results


class TestEveryFdClosedOnce:
    """Real sandbox runs under each event loop: no double close, no leaked fd."""

    @pytest.mark.parametrize("kind", LOOPS)
    def test_runs_close_each_fd_exactly_once(
        self, kind: str, caps: SandboxCapabilities, ebadf_closes: list[int]
    ) -> None:
        """Runs of every kind leave no fd closed twice and none open (pool and loop closed)."""
        # Arrange
        audit = FdAudit()
        # libuv opens a process-wide pipe (its signal lock) with the first loop, for good.
        uvloop.new_event_loop().close()
        before = open_fds()

        # Act
        with asyncio.Runner(loop_factory=audited_loop(kind, audit)) as runner:
            try:
                results = runner.run(drive(caps, RUNS))
            except SandboxUnavailableError as exc:
                pytest.skip(str(exc))
        leaked = {fd: describe_fd(fd) for fd in open_fds() - before}

        # Assert
        assert audit.double_closes == []
        assert ebadf_closes == []
        assert leaked == {}
        assert results[0].error is None, results[0].error
        assert results[0].stdout == "ok\n"
        assert results[1].error is not None and "results exceeded" in results[1].error
        assert results[2].error == "program called exit(3)"
        assert results[-1].timed_out


STRACE_SCRIPT = """
import asyncio, sys
import uvloop
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig

async def main():
    config = SandboxConfig(cpu_seconds=2, wall_timeout=2.0, pool_size=2)
    async with CodeSandbox(config) as box:
        for _ in range({runs}):
            result = await box.run("output_paths([line(1, 2, 3, 4)])", canvas_width=10,
                                   canvas_height=10, brushes=["oil_round"])
            assert result.error is None, result.error

runner = uvloop.run if sys.argv[1] == "uvloop" else asyncio.run
runner(main())
"""


def strace_works() -> bool:
    strace = shutil.which("strace")
    if strace is None:
        return False
    probe = subprocess.run(
        [strace, "-qq", "-o", os.devnull, "true"], capture_output=True, timeout=30, check=False
    )
    return probe.returncode == 0


class TestSystemCalls:
    """The server's own process makes no failing ``close(2)`` calls (as seen by strace)."""

    @pytest.mark.parametrize("kind", LOOPS)
    def test_no_close_fails_with_ebadf(self, kind: str, tmp_path: Path) -> None:
        """Sandbox runs under strace: the event-loop thread's close() calls all succeed."""
        # Arrange
        if not strace_works():
            pytest.skip("strace is missing or cannot trace here")
        trace = tmp_path / "close.trace"
        # Without -f only the thread that runs the event loop is traced (not the workers).
        command = [
            "strace",
            "-qq",
            "-e",
            "trace=close",
            "-o",
            str(trace),
            sys.executable,
            "-c",
            STRACE_SCRIPT.format(runs=RUNS),
            kind,
        ]

        # Act
        done = subprocess.run(command, cwd=REPO, capture_output=True, timeout=120, check=False)

        # Assert
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        calls = trace.read_text().splitlines()
        failed = [line for line in calls if "EBADF" in line]
        assert len(calls) > RUNS
        assert failed == []


class TestEventLoopSetting:
    """``EVENT_LOOP`` picks uvicorn's loop; asyncio by default (measured in issue 14)."""

    def test_default_is_asyncio(self) -> None:
        """Without ``EVENT_LOOP`` the server runs on asyncio's own loop."""
        # Arrange
        environ: dict[str, str] = {}

        # Act
        choice = load_config(environ, env_file=None).server.event_loop
        factory = uvicorn.Config("code_monet.app.server:create_app", loop=choice).get_loop_factory()

        # Assert
        assert choice == "asyncio"
        assert factory is asyncio.SelectorEventLoop

    @pytest.mark.parametrize(("value", "expected"), [("uvloop", "uvloop"), ("auto", "auto")])
    def test_environment_chooses(self, value: str, expected: str) -> None:
        """``EVENT_LOOP=uvloop`` (or ``auto``) is passed through to uvicorn."""
        # Arrange
        environ = {"EVENT_LOOP": value}

        # Act
        choice = load_config(environ, env_file=None).server.event_loop

        # Assert
        assert choice == expected

    def test_unknown_loop_is_refused(self) -> None:
        """A typo fails at start-up instead of silently picking a loop."""
        # Arrange
        environ = {"EVENT_LOOP": "tokio"}

        # Act / Assert
        with pytest.raises(ValidationError):
            load_config(environ, env_file=None)
