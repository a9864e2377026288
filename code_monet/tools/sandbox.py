"""Runs agent-written drawing programs in a locked-down, pre-warmed subprocess sandbox.

Why: ``generate_svg`` executes Python the model wrote, which is hostile input (prompt injection
is expected). Each program runs in its own process with no network (a bubblewrap network
namespace and/or a seccomp filter), a read-only view of only the Python runtime, an empty
scratch directory, no inherited environment, resource limits, an unprivileged uid and a
wall-clock timeout that kills the whole process group.

Starting python and importing numpy costs ~100 ms, far over the latency budget, so a small pool
of warm workers (``sandbox_runner.py``) waits, already locked down, for exactly one program
each; a replacement is spawned as soon as a worker is taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from code_monet.tools.sandbox_runner import (
    REQUEST_HEADER_LIMIT,
    OutputLimitError,
    ProgramOutputError,
    RawPathDict,
    RawPointDict,
    ReadyReport,
    WorkerSpec,
    validate_result_paths,
)

__all__ = [
    "CodeSandbox",
    "RawPathDict",
    "RawPointDict",
    "SandboxCapabilities",
    "SandboxConfig",
    "SandboxError",
    "SandboxResult",
    "SandboxUnavailableError",
    "detect_capabilities",
]

logger = logging.getLogger(__name__)

RUNNER_PATH: Final = Path(__file__).with_name("sandbox_runner.py")
_RUNNER_INSIDE: Final = "/sandbox/sandbox_runner.py"
_SCRATCH_INSIDE: Final = "/scratch"
_READ_CHUNK: Final = 1 << 16
_PROBE_TIMEOUT: Final = 30.0
_EXIT_GRACE: Final = 5.0
_DRAIN_GRACE: Final = 2.0
_PARSE_IN_THREAD_BYTES: Final = 256 << 10
# Workers import numpy at this niceness so warming the pool does not slow running programs;
# only a root parent can restore priority 0 when a worker is taken (see ``_acquire``).
_WARMUP_NICE: Final = 19
_RESULT_SLACK_BYTES: Final = 64 << 10
# Parent variables a worker may see: only OpenBLAS CPU workarounds, never anything else.
_PASSTHROUGH_ENV: Final = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the program): worker start-up, closed sandbox, ..."""


class SandboxUnavailableError(SandboxError):
    """Isolation is required but no network isolation mechanism works on this host."""


@dataclass(frozen=True)
class SandboxConfig:
    """Limits for one program run, and how the worker pool behaves."""

    cpu_seconds: int = 5
    memory_bytes: int = 768 << 20
    file_size_bytes: int = 10 << 20
    max_processes: int = 64
    max_open_files: int = 64
    wall_timeout: float = 10.0
    max_output_bytes: int = 64 << 10
    stderr_tail_bytes: int = 4096
    require_isolation: bool = False
    pool_size: int = 2
    max_paths: int = 5000
    max_points: int = 200_000
    max_result_bytes: int = 4 << 20
    max_code_bytes: int = 100 << 10
    scratch_bytes: int = 32 << 20
    sandbox_uid: int = 65534
    sandbox_gid: int = 65534
    spawn_timeout: float = 30.0
    max_concurrent_spawns: int = 2

    def __post_init__(self) -> None:
        positive = {
            "cpu_seconds": self.cpu_seconds,
            "memory_bytes": self.memory_bytes,
            "file_size_bytes": self.file_size_bytes,
            "max_processes": self.max_processes,
            "max_open_files": self.max_open_files,
            "wall_timeout": self.wall_timeout,
            "max_output_bytes": self.max_output_bytes,
            "stderr_tail_bytes": self.stderr_tail_bytes,
            "max_paths": self.max_paths,
            "max_points": self.max_points,
            "max_result_bytes": self.max_result_bytes,
            "max_code_bytes": self.max_code_bytes,
            "scratch_bytes": self.scratch_bytes,
            "spawn_timeout": self.spawn_timeout,
            "max_concurrent_spawns": self.max_concurrent_spawns,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"SandboxConfig.{name} must be positive, got {value}")
        if self.pool_size < 0:
            raise ValueError(f"SandboxConfig.pool_size must be >= 0, got {self.pool_size}")
        if self.sandbox_uid <= 0 or self.sandbox_gid <= 0:
            raise ValueError(
                f"SandboxConfig.sandbox_uid/gid must be non-root ids, got "
                f"{self.sandbox_uid}:{self.sandbox_gid}"
            )


@dataclass(frozen=True)
class SandboxCapabilities:
    """Which isolation mechanisms work on this host (see ``detect_capabilities``)."""

    bubblewrap: bool
    seccomp: bool
    unprivileged_uid: bool

    @property
    def network_isolated(self) -> bool:
        """Whether at least one mechanism cuts programs off the network."""
        return self.bubblewrap or self.seccomp

    def describe(self) -> str:
        def flag(value: bool) -> str:
            return "yes" if value else "NO"

        return (
            f"bubblewrap namespaces (net, pid, ipc, uts, mount; read-only runtime): "
            f"{flag(self.bubblewrap)}; seccomp filter (sockets, exec, fork, namespaces, "
            f"ptrace): {flag(self.seccomp)}; unprivileged uid: {flag(self.unprivileged_uid)}"
        )


@dataclass(frozen=True)
class SandboxResult:
    """What one program run produced. ``error`` is a message meant for the model."""

    exit_code: int | None
    paths: list[RawPathDict]
    stdout: str
    stderr_tail: str
    timed_out: bool
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------------------------
# Runtime discovery and command lines.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Runtime:
    """The interpreter to run and the host paths a worker needs to see (read-only)."""

    python: str
    sys_path: tuple[str, ...]
    binds: tuple[str, ...]


def _discover_runtime() -> _Runtime:
    python = Path(sys.executable).resolve()
    base = Path(sys.base_prefix).resolve()
    binds = [base]
    if not python.is_relative_to(base):
        binds.append(python.parent)
    spec = importlib.util.find_spec("numpy")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise SandboxUnavailableError("numpy is not installed, but sandboxed programs need it")
    package = Path(locations[0]).resolve()
    binds.append(package)
    libs = package.with_name(package.name + ".libs")
    if libs.is_dir():  # manylinux wheels keep OpenBLAS beside the package
        binds.append(libs)
    sys_path = [package.parent]
    # The runner builds its seccomp filter with pyseccomp (one module; libseccomp.so.2 comes
    # from /usr/lib). Without it, the seccomp probe fails and detection reports no seccomp.
    seccomp_spec = importlib.util.find_spec("pyseccomp")
    if seccomp_spec is not None and seccomp_spec.origin is not None:
        module = Path(seccomp_spec.origin).resolve()
        binds.append(module)
        cached = Path(importlib.util.cache_from_source(str(module)))
        if cached.is_file():
            binds.append(cached)
        if module.parent not in sys_path:
            sys_path.append(module.parent)
    return _Runtime(
        python=str(python),
        sys_path=tuple(str(path) for path in sys_path),
        binds=tuple(str(path) for path in binds),
    )


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _bwrap_argv(runtime: _Runtime, spec: WorkerSpec, config: SandboxConfig) -> list[str]:
    """bubblewrap: fresh net/pid/ipc/uts/mount namespaces, only the runtime bound read-only."""
    argv = [
        "bwrap",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
    ]
    if spec["drop_uid"] is not None:  # the runner drops to it itself, after importing numpy
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in (Path(name) for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")):
        if top.is_symlink():
            argv += ["--symlink", str(top.readlink()), str(top)]
        elif top.is_dir():
            argv += ["--ro-bind", str(top), str(top)]
    binds: list[str] = []
    for path in sorted(set(runtime.binds), key=len):
        if not any(_under(path, outer) for outer in ["/usr", *binds]):
            binds.append(path)
    parents = {str(parent) for path in binds for parent in Path(path).parents}
    parents.discard("/")
    for parent in sorted(parents, key=lambda p: p.count("/")):
        # bwrap would create these 0700 root-owned, hiding the runtime from the sandbox uid.
        argv += ["--perms", "0755", "--dir", parent]
    for path in binds:
        argv += ["--ro-bind", path, path]
    argv += ["--dev", "/dev"]
    argv += ["--size", str(config.scratch_bytes), "--perms", "0777", "--tmpfs", _SCRATCH_INSIDE]
    argv += ["--perms", "0755", "--dir", str(Path(_RUNNER_INSIDE).parent)]
    argv += ["--ro-bind", str(RUNNER_PATH), _RUNNER_INSIDE]
    argv += ["--chdir", _SCRATCH_INSIDE, "--"]
    argv += [runtime.python, "-I", "-S", "-B", _RUNNER_INSIDE, json.dumps(spec)]
    return argv


def _direct_argv(runtime: _Runtime, spec: WorkerSpec) -> list[str]:
    return [runtime.python, "-I", "-S", "-B", str(RUNNER_PATH), json.dumps(spec)]


def _sandbox_env(home: str) -> dict[str, str]:
    """A minimal environment built from scratch: nothing of the server's (no API keys).

    ``-I`` makes the interpreter ignore PYTHON* variables, so none are set.
    """
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in _PASSTHROUGH_ENV:
        value = os.environ.get(name)
        if value is not None:
            env[name] = value
    return env


def _worker_spec(
    config: SandboxConfig,
    runtime: _Runtime,
    *,
    result_fd: int,
    scratch: str,
    drop: bool,
    seccomp: bool,
    probe: bool,
    nice: int = 0,
) -> WorkerSpec:
    return {
        "sys_path": list(runtime.sys_path),
        "result_fd": result_fd,
        "scratch": scratch,
        "drop_uid": config.sandbox_uid if drop else None,
        "drop_gid": config.sandbox_gid if drop else None,
        "seccomp": seccomp,
        "cpu_seconds": config.cpu_seconds,
        "memory_bytes": config.memory_bytes,
        "file_size_bytes": config.file_size_bytes,
        "max_processes": config.max_processes,
        "max_open_files": config.max_open_files,
        "max_code_bytes": config.max_code_bytes,
        "max_paths": config.max_paths,
        "max_points": config.max_points,
        "max_result_bytes": config.max_result_bytes,
        "nice": nice,
        "probe": probe,
    }


def _parse_report(line: bytes) -> ReadyReport | None:
    try:
        report: ReadyReport = json.loads(line)
    except ValueError:
        return None
    if not isinstance(report, dict) or report.get("ready") is not True:
        return None
    return report


# --------------------------------------------------------------------------------------------
# Capability detection.
# --------------------------------------------------------------------------------------------


def _run_probe(argv: list[str], env: dict[str, str], cwd: str, what: str) -> ReadyReport | None:
    try:
        completed = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            cwd=cwd,
            timeout=_PROBE_TIMEOUT,
            start_new_session=True,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.info("Sandbox probe %s could not run: %s", what, exc)
        return None
    lines = completed.stdout.strip().splitlines()
    report = _parse_report(lines[-1]) if lines else None
    if completed.returncode != 0 or report is None:
        detail = completed.stderr.decode("utf-8", "replace").strip()[-500:]
        logger.info(
            "Sandbox probe %s failed (exit %s): %s", what, completed.returncode, detail or "-"
        )
        return None
    return report


def detect_capabilities(config: SandboxConfig | None = None) -> SandboxCapabilities:
    """Probe which isolation mechanisms work here by starting the runner in probe mode.

    Blocking (it runs a few short subprocesses): call it via ``asyncio.to_thread``.
    """
    config = config or SandboxConfig()
    runtime = _discover_runtime()
    root = os.geteuid() == 0
    with tempfile.TemporaryDirectory(prefix="code-monet-sandbox-probe-") as scratch:
        if root:
            os.chown(scratch, config.sandbox_uid, config.sandbox_gid)
        env = _sandbox_env(scratch)

        def probe_direct(seccomp: bool) -> ReadyReport | None:
            spec = _worker_spec(
                config,
                runtime,
                result_fd=1,
                scratch=scratch,
                drop=root,
                seccomp=seccomp,
                probe=True,
            )
            return _run_probe(_direct_argv(runtime, spec), env, scratch, f"direct/{seccomp=}")

        direct = probe_direct(seccomp=True)
        seccomp = direct is not None and direct["seccomp"] and direct["socket_blocked"]
        if direct is None:
            direct = probe_direct(seccomp=False)
        # Not root: already unprivileged. Root: only if the runner managed to drop.
        unprivileged = not root or (direct is not None and direct["uid"] == config.sandbox_uid)

        bubblewrap = False
        if shutil.which("bwrap") is not None:
            spec = _worker_spec(
                config,
                runtime,
                result_fd=1,
                scratch=_SCRATCH_INSIDE,
                drop=root and unprivileged,
                seccomp=False,
                probe=True,
            )
            report = _run_probe(
                _bwrap_argv(runtime, spec, config),
                _sandbox_env(_SCRATCH_INSIDE),
                "/",
                "bubblewrap",
            )
            bubblewrap = report is not None and set(report["network_interfaces"]) <= {"lo"}
    return SandboxCapabilities(
        bubblewrap=bubblewrap, seccomp=seccomp, unprivileged_uid=unprivileged
    )


# --------------------------------------------------------------------------------------------
# Workers and the pool.
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    """A started runner blocked on reading its program from stdin."""

    process: asyncio.subprocess.Process
    results: asyncio.StreamReader
    results_transport: asyncio.ReadTransport
    scratch_host: Path | None
    report: ReadyReport | None = None


@dataclass
class _RunState:
    """Why the parent stopped a run early (first reason wins)."""

    kill_reason: str | None = None


def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGKILL the worker's whole process group (it is a session leader, so pgid == pid).

    Deliberately not ``process.kill()``: Popen polls (reaps) the child first, racing asyncio's
    child watcher, which then reports a bogus exit status 255.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


async def _read_capped(
    stream: asyncio.StreamReader, cap: int, on_flood: Callable[[], None]
) -> bytes:
    """Up to ``cap`` bytes; past that, call ``on_flood`` (which kills) and stop reading."""
    data = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        if len(data) + len(chunk) > cap:
            data += chunk[: cap - len(data)]
            on_flood()
            break
        data += chunk
    return bytes(data)


async def _read_tail(
    stream: asyncio.StreamReader, tail: int, cap: int, on_flood: Callable[[], None]
) -> bytes:
    """The last ``tail`` bytes; more than ``cap`` bytes in total is a flood."""
    total = 0
    data = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        total += len(chunk)
        data += chunk
        if len(data) > tail:
            del data[:-tail]
        if total > cap:
            on_flood()
            break
    return bytes(data)


async def _feed(stdin: asyncio.StreamWriter, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.write(data)
        await stdin.drain()
        stdin.close()
        await stdin.wait_closed()


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class CodeSandbox:
    """Runs programs in sandboxed one-shot workers; safe for concurrent ``run`` calls."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        capabilities: SandboxCapabilities | None = None,
        detector: Callable[[SandboxConfig], SandboxCapabilities] = detect_capabilities,
    ) -> None:
        self.config = config or SandboxConfig()
        self._capabilities = capabilities
        self._detector = detector
        self._runtime: _Runtime | None = None
        self._pool: deque[asyncio.Task[_Worker]] = deque()
        self._active: set[_Worker] = set()
        self._start_lock = asyncio.Lock()
        # Background warm-ups are CPU-bound: running many at once only slows running programs.
        self._spawn_slots = asyncio.Semaphore(self.config.max_concurrent_spawns)
        self._started = False
        self._closed = False
        self._policy_logged = False
        self._scratch_base: Path | None = None
        self._root = os.geteuid() == 0

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def capabilities(self) -> SandboxCapabilities | None:
        """What the sandbox uses (None before ``start``)."""
        return self._capabilities

    @property
    def _use_bwrap(self) -> bool:
        return self._capabilities is not None and self._capabilities.bubblewrap

    @property
    def _drop(self) -> bool:
        caps = self._capabilities
        return self._root and caps is not None and caps.unprivileged_uid

    async def start(self) -> None:
        """Detect capabilities (unless injected) and start warming the pool. Idempotent."""
        async with self._start_lock:
            if self._closed:
                raise SandboxError("the code sandbox is closed")
            if self._started:
                return
            if self._capabilities is None:
                self._capabilities = await asyncio.to_thread(self._detector, self.config)
            self._runtime = await asyncio.to_thread(_discover_runtime)
            self._started = True
            caps = self._capabilities
            logger.info("Code sandbox capabilities: %s", caps.describe())
            if self._unavailable_reason() is not None:
                logger.error("Code sandbox disabled: %s", self._unavailable_message())
                return
            if not caps.network_isolated:
                logger.warning("Code sandbox runs programs WITHOUT network isolation")
            if not caps.bubblewrap:
                logger.warning(
                    "Code sandbox runs without bubblewrap: programs see the host filesystem "
                    "(as %s), limited only by file permissions",
                    f"uid {self.config.sandbox_uid}" if self._drop else "the server's own uid",
                )
                self._scratch_base = Path(tempfile.mkdtemp(prefix="code-monet-sandbox-"))
                self._scratch_base.chmod(0o711)  # traversable, not listable
            self._replenish()

    async def wait_ready(self) -> None:
        """Start if needed and wait until the pooled workers are warm (or failed to start)."""
        await self.start()
        if self._pool:
            await asyncio.wait(list(self._pool))

    async def close(self) -> None:
        """Stop idle and running workers and remove scratch space."""
        self._closed = True
        pool = list(self._pool)
        self._pool.clear()
        if pool:
            # Let spawns finish rather than cancel them mid-way: a cancelled
            # create_subprocess_exec cleans up with Popen.poll(), racing asyncio's child watcher.
            _done, pending = await asyncio.wait(pool, timeout=self.config.spawn_timeout)
            for task in pending:
                task.cancel()
        for task in pool:
            with contextlib.suppress(BaseException):
                worker = await task
                await self._dispose(worker)
        for worker in list(self._active):
            _kill_group(worker.process)
        if self._scratch_base is not None:
            await asyncio.to_thread(shutil.rmtree, self._scratch_base, True)
            self._scratch_base = None

    async def __aenter__(self) -> CodeSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _unavailable_reason(self) -> str | None:
        """Why programs must not run here (None when they may)."""
        caps = self._capabilities
        if caps is None:
            return "sandbox capabilities were not detected"
        if self.config.require_isolation and not caps.network_isolated:
            return (
                "network isolation is required but neither bubblewrap nor seccomp works here "
                f"({caps.describe()}). Install bubblewrap (apt-get install bubblewrap) or run on "
                "an x86_64 Linux kernel with seccomp"
            )
        if self._root and not caps.unprivileged_uid and not caps.bubblewrap:
            return (
                "the server runs as root, cannot drop programs to an unprivileged uid and has "
                "no bubblewrap; programs would run as full root"
            )
        return None

    def _unavailable_message(self) -> str:
        reason = self._unavailable_reason() or "unknown reason"
        return f"Python code execution is unavailable on this server: {reason}."

    # -- workers --------------------------------------------------------------------------

    def _replenish(self) -> None:
        """Top the pool up to ``pool_size`` (ready or starting) workers; event-driven."""
        while not self._closed and len(self._pool) < self.config.pool_size:
            self._pool.append(self._spawn_task(background=True))

    def _spawn_task(self, *, background: bool) -> asyncio.Task[_Worker]:
        task = asyncio.create_task(self._spawn_limited() if background else self._spawn())
        task.add_done_callback(self._log_spawn_failure)
        return task

    async def _spawn_limited(self) -> _Worker:
        async with self._spawn_slots:
            # Only a root parent can restore priority 0 when the worker is taken.
            return await self._spawn(nice=_WARMUP_NICE if self._root else 0)

    @staticmethod
    def _log_spawn_failure(task: asyncio.Task[_Worker]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.warning("Code sandbox worker failed to start: %s", task.exception())

    def _make_scratch(self) -> Path:
        if self._scratch_base is None:
            raise SandboxError("code sandbox has no scratch base directory (not started?)")
        scratch = Path(tempfile.mkdtemp(prefix="run-", dir=self._scratch_base))
        if self._drop:
            os.chown(scratch, self.config.sandbox_uid, self.config.sandbox_gid)
        scratch.chmod(0o700)
        return scratch

    async def _spawn(self, *, nice: int = 0) -> _Worker:
        runtime = self._runtime
        caps = self._capabilities
        if runtime is None or caps is None:
            raise SandboxError("code sandbox is not started")
        loop = asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        scratch_host: Path | None = None
        try:
            if self._use_bwrap:
                scratch, cwd = _SCRATCH_INSIDE, "/"
            else:
                scratch_host = self._make_scratch()
                scratch = cwd = str(scratch_host)
            spec = _worker_spec(
                self.config,
                runtime,
                result_fd=write_fd,
                scratch=scratch,
                drop=self._drop,
                seccomp=caps.seccomp,
                probe=False,
                nice=nice,
            )
            argv = (
                _bwrap_argv(runtime, spec, self.config)
                if self._use_bwrap
                else _direct_argv(runtime, spec)
            )
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=(write_fd,),
                env=_sandbox_env(scratch),
                cwd=cwd,
                start_new_session=True,
            )
        except BaseException:
            os.close(read_fd)
            if scratch_host is not None:
                shutil.rmtree(scratch_host, ignore_errors=True)
            raise
        finally:
            os.close(write_fd)
        results = asyncio.StreamReader(limit=_READ_CHUNK)
        try:
            transport, _protocol = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(results), os.fdopen(read_fd, "rb", buffering=0)
            )
        except BaseException:
            _kill_group(process)
            with contextlib.suppress(OSError):
                os.close(read_fd)
            if scratch_host is not None:
                shutil.rmtree(scratch_host, ignore_errors=True)
            raise
        worker = _Worker(process, results, transport, scratch_host)
        try:
            line = await asyncio.wait_for(results.readline(), timeout=self.config.spawn_timeout)
            worker.report = _parse_report(line)
            if worker.report is None:
                raise SandboxError(await self._startup_failure(worker))
            self._check_report(worker.report)
        except BaseException:
            await self._dispose(worker)
            raise
        if not self._policy_logged:
            self._policy_logged = True
            logger.info("Code sandbox effective policy: %s", self._describe_policy(worker.report))
        return worker

    async def _startup_failure(self, worker: _Worker) -> str:
        _kill_group(worker.process)
        stderr = b""
        if worker.process.stderr is not None:
            with contextlib.suppress(TimeoutError):
                stderr = await asyncio.wait_for(worker.process.stderr.read(4096), _DRAIN_GRACE)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.process.wait(), _EXIT_GRACE)
        detail = stderr.decode("utf-8", "replace").strip() or "no error output"
        return f"sandbox worker failed to start (exit status {worker.process.returncode}): {detail}"

    def _check_report(self, report: ReadyReport) -> None:
        """Refuse a worker whose effective policy is weaker than what was detected."""
        caps = self._capabilities
        if caps is not None and caps.seccomp and not report["seccomp"]:
            raise SandboxError("sandbox worker started without its seccomp filter")
        if self._drop and report["uid"] != self.config.sandbox_uid:
            raise SandboxError(
                f"sandbox worker runs as uid {report['uid']}, expected {self.config.sandbox_uid}"
            )
        if not report["no_new_privs"]:
            raise SandboxError("sandbox worker started without no_new_privs")

    def _describe_policy(self, report: ReadyReport) -> str:
        limits = report["rlimits"]
        mode = (
            "bubblewrap (net/pid/ipc/uts/mount namespaces, read-only runtime, tmpfs scratch)"
            if self._use_bwrap
            else "plain subprocess (host filesystem, per-run scratch dir)"
        )
        return (
            f"{mode}; uid {report['uid']} gid {report['gid']}; "
            f"seccomp {'on' if report['seccomp'] else 'OFF'}; "
            f"no_new_privs {'on' if report['no_new_privs'] else 'OFF'}; "
            f"rlimits cpu={limits['cpu_seconds']}s as={limits['address_space'] >> 20}MiB "
            f"fsize={limits['file_size'] >> 20}MiB nproc={limits['processes']} "
            f"nofile={limits['open_files']} core={limits['core']}; "
            f"wall timeout {self.config.wall_timeout:g}s; output cap "
            f"{self.config.max_output_bytes} bytes; pool size {self.config.pool_size}"
        )

    async def _acquire(self) -> _Worker:
        """A ready worker: the oldest pooled one (spawning if none), replacing it at once."""
        last_error: BaseException | None = None
        for _attempt in range(3):
            if self._closed:
                raise SandboxError("the code sandbox is closed")
            done = [task for task in self._pool if task.done()]
            if done:
                task = done[0]
                self._pool.remove(task)
            elif self._pool:
                task = self._pool.popleft()
            else:  # nothing pooled: this run spawns its own worker, without queueing
                task = self._spawn_task(background=False)
            self._replenish()
            try:
                worker = await task
            except (SandboxError, OSError) as exc:
                last_error = exc
                continue
            if worker.process.returncode is None:
                if self._root:
                    with contextlib.suppress(OSError):  # bwrap + runner share the group
                        os.setpriority(os.PRIO_PGRP, worker.process.pid, 0)
                return worker
            last_error = SandboxError(f"idle worker exited with {worker.process.returncode}")
            await self._dispose(worker)
        logger.error("Code sandbox: no worker could be started: %s", last_error)
        raise SandboxError(f"no sandbox worker could be started: {last_error}")

    async def _dispose(self, worker: _Worker) -> None:
        _kill_group(worker.process)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.process.wait(), _EXIT_GRACE)
        worker.results_transport.close()
        if worker.scratch_host is not None:
            await asyncio.to_thread(shutil.rmtree, worker.scratch_host, True)

    # -- running programs -----------------------------------------------------------------

    async def run(
        self, code: str, *, canvas_width: int, canvas_height: int, brushes: Sequence[str]
    ) -> SandboxResult:
        """Run one program in its own fresh worker and return its paths and output.

        Program failures (exceptions, limits, timeouts) come back as ``SandboxResult.error``;
        ``SandboxUnavailableError`` means isolation is required but impossible here.
        """
        started = time.perf_counter()
        code_bytes = code.encode("utf-8", "replace")
        if len(code_bytes) > self.config.max_code_bytes:
            return self._refusal(
                f"Program is {len(code_bytes)} bytes; the limit is {self.config.max_code_bytes} "
                "bytes. Write shorter code (generate shapes in loops instead of listing them).",
                started,
            )
        await self.start()
        if self._unavailable_reason() is not None:
            message = self._unavailable_message()
            logger.warning("Refusing to run a program: %s", message)
            raise SandboxUnavailableError(message)
        header = (
            json.dumps(
                {
                    "canvas_width": int(canvas_width),
                    "canvas_height": int(canvas_height),
                    "brushes": [str(brush) for brush in brushes],
                }
            ).encode()
            + b"\n"
        )
        if len(header) > REQUEST_HEADER_LIMIT:
            raise ValueError(f"brush list too large for the sandbox ({len(header)} bytes)")
        worker = await self._acquire()
        self._active.add(worker)
        try:
            return await self._execute(worker, header + code_bytes, started)
        finally:
            self._active.discard(worker)
            await self._dispose(worker)

    def _refusal(self, message: str, started: float) -> SandboxResult:
        return SandboxResult(
            exit_code=None,
            paths=[],
            stdout="",
            stderr_tail="",
            timed_out=False,
            error=message,
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    async def _execute(self, worker: _Worker, request: bytes, started: float) -> SandboxResult:
        process = worker.process
        if process.stdin is None or process.stdout is None or process.stderr is None:
            raise SandboxError("sandbox worker has no stdio pipes")
        config = self.config
        state = _RunState()

        def stop(reason: str) -> Callable[[], None]:
            def kill() -> None:
                if state.kill_reason is None:
                    state.kill_reason = reason
                _kill_group(process)

            return kill

        readers = [
            asyncio.create_task(
                _read_capped(process.stdout, config.max_output_bytes, stop("stdout"))
            ),
            asyncio.create_task(
                _read_tail(
                    process.stderr,
                    config.stderr_tail_bytes,
                    config.max_output_bytes,
                    stop("stderr"),
                )
            ),
            asyncio.create_task(
                _read_capped(
                    worker.results, config.max_result_bytes + _RESULT_SLACK_BYTES, stop("results")
                )
            ),
        ]
        feeder = asyncio.create_task(_feed(process.stdin, request))
        waiter = asyncio.ensure_future(process.wait())
        try:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout=config.wall_timeout)
            except TimeoutError:
                stop("timeout")()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter), timeout=_EXIT_GRACE)
            _kill_group(process)  # nothing of the program may outlive it
            await asyncio.wait([*readers, feeder], timeout=_DRAIN_GRACE)
        finally:  # also when the caller cancels the run
            _kill_group(process)
            for task in [*readers, feeder, waiter]:
                if not task.done():
                    task.cancel()

        def collected(task: asyncio.Task[bytes]) -> bytes:
            if task.cancelled() or task.exception() is not None:
                return b""
            return task.result()

        stdout, stderr_tail, results = (collected(task) for task in readers)
        exit_code = self._exit_code(process.returncode)
        paths: list[RawPathDict] = []
        error = self._kill_message(state.kill_reason) or self._signal_message(exit_code)
        if error is None:
            paths, error = await self._parse_results(results)
            if error is None and exit_code not in (0, None):
                error = f"Program exited with status {exit_code}"
            if error is None and not results:
                error = "Program ended without reporting results (did it call os._exit?)"
        return SandboxResult(
            exit_code=exit_code,
            paths=paths,
            stdout=stdout.decode("utf-8", "replace"),
            stderr_tail=stderr_tail.decode("utf-8", "replace"),
            timed_out=state.kill_reason == "timeout",
            error=error,
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    def _exit_code(self, returncode: int | None) -> int | None:
        """The program's status, with death by signal N as -N (bwrap reports it as 128+N)."""
        if returncode is not None and self._use_bwrap and returncode > 128:
            return -(returncode - 128)
        return returncode

    def _kill_message(self, reason: str | None) -> str | None:
        config = self.config
        messages = {
            "timeout": f"Program exceeded the {config.wall_timeout:g} s time limit and was stopped",
            "stdout": f"Program output exceeded {config.max_output_bytes} bytes and was stopped",
            "stderr": (
                f"Program error output exceeded {config.max_output_bytes} bytes and was stopped"
            ),
            "results": (
                f"Program results exceeded {config.max_result_bytes} bytes and were discarded"
            ),
        }
        return messages.get(reason) if reason is not None else None

    def _signal_message(self, exit_code: int | None) -> str | None:
        if exit_code is None or exit_code >= 0:
            return None
        signum = -exit_code
        cpu = self.config.cpu_seconds
        if signum == signal.SIGXCPU:
            return f"Program exceeded the {cpu} s CPU time limit and was stopped"
        if signum == signal.SIGKILL:
            return (
                f"Program was killed (SIGKILL), e.g. for going past its CPU time ({cpu} s) "
                "limit or for signalling its own process group"
            )
        if signum == signal.SIGSEGV:
            return "Program crashed (SIGSEGV), for example from too-deep recursion"
        if signum == signal.SIGXFSZ:
            return f"Program exceeded the {self.config.file_size_bytes} byte file size limit"
        return f"Program was terminated by {_signal_name(signum)}"

    async def _parse_results(self, raw: bytes) -> tuple[list[RawPathDict], str | None]:
        """Decode and re-validate the results pipe: the program could have written to it."""
        lines = raw.strip().splitlines()
        if not lines:
            return [], None
        last = lines[-1]
        config = self.config

        def decode() -> tuple[list[RawPathDict], str | None]:
            message = json.loads(last, parse_constant=_reject_constant)
            if not isinstance(message, dict):
                raise ProgramOutputError("results are not a JSON object")
            error = message.get("error")
            if error is not None and not isinstance(error, str):
                raise ProgramOutputError("results 'error' is not a string")
            paths = validate_result_paths(
                message.get("paths"), max_paths=config.max_paths, max_points=config.max_points
            )
            return paths, (error[:2000] if error is not None else None)

        try:
            if len(last) > _PARSE_IN_THREAD_BYTES:
                return await asyncio.to_thread(decode)
            return decode()
        except OutputLimitError as exc:
            return [], f"Program output limit exceeded: {exc}"
        except (ValueError, RecursionError) as exc:
            return [], f"Program returned malformed results: {str(exc)[:500]}"


def _reject_constant(name: str) -> float:
    raise ProgramOutputError(f"results contain the non-finite number {name}")
