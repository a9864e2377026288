"""Runs agent-written drawing programs in a locked-down, pre-warmed subprocess sandbox.

Why: ``generate_svg`` executes Python the model wrote, which is hostile input (prompt injection
is expected). Each program runs in its own process with no network (a bubblewrap network
namespace and/or a seccomp filter), a read-only view of only the Python runtime, an empty
scratch directory, no inherited environment, resource limits, an unprivileged uid and a
wall-clock timeout that kills the whole process group.

Starting python and importing numpy costs ~100 ms, far over the latency budget, so a small pool
of warm workers (``runner.py``) waits, already locked down, for exactly one program
each; a replacement is spawned as soon as a worker is taken.

Memory that ``RLIMIT_AS`` cannot see (memfd, tmpfs files, kernel memory for inodes) is bounded by
a cgroup per worker inside one per-sandbox parent holding the total budget
(``cgroup``), and at most ``max_programs`` programs run at once, ``max_programs_per_owner``
per user (``slots``): issue 15.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import shutil
import signal
import tempfile
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from code_monet.sandbox.cgroup import ProgramCgroup, SandboxCgroups, setup_cgroups
from code_monet.sandbox.config import (
    SandboxCapabilities,
    SandboxConfig,
    SandboxError,
    SandboxResult,
    SandboxUnavailableError,
)
from code_monet.sandbox.launch import (
    _SCRATCH_INSIDE,
    _bwrap_argv,
    _direct_argv,
    _discover_runtime,
    _parse_report,
    _Runtime,
    _sandbox_env,
    _worker_spec,
    detect_capabilities,
)
from code_monet.sandbox.runner import (
    REQUEST_HEADER_LIMIT,
    OutputLimitError,
    ProgramOutputError,
    RawPathDict,
    RawPointDict,
    ReadyReport,
    validate_result_paths,
)
from code_monet.sandbox.slots import ProgramSlots, SlotsBusyError

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

_READ_CHUNK: Final = 1 << 16
_EXIT_GRACE: Final = 5.0
_DRAIN_GRACE: Final = 2.0
_PARSE_IN_THREAD_BYTES: Final = 256 << 10
# Workers import numpy at this niceness so warming the pool does not slow running programs;
# only a root parent can restore priority 0 when a worker is taken (see ``_acquire``).
_WARMUP_NICE: Final = 19
_RESULT_SLACK_BYTES: Final = 64 << 10
# Tasks a worker needs beside the program's own (the cgroup shim's exec, bwrap and its pid 1).
_LAUNCH_TASKS: Final = 4


# --------------------------------------------------------------------------------------------
# Workers and the pool.
# --------------------------------------------------------------------------------------------


class _ResultsPipe(asyncio.ReadTransport):
    """The parent's end of a worker's results pipe, feeding ``reader``: the fd's only owner.

    Why not ``loop.connect_read_pipe(..., os.fdopen(fd))``: asyncio's transport closes the file
    object it is given, but uvloop's closes the fd itself (libuv) and then also closes the file
    object, a second ``close(fd)``. Usually that fails with EBADF; when another thread (snapshot
    writes, fsync, the journal) has just opened a file and got the same number, it silently
    closes *that* file instead (issue 14). ``add_reader`` works the same on both loops and never
    closes the fd, so here exactly one ``os.close`` happens, in ``close``.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fd: int, reader: asyncio.StreamReader
    ) -> None:
        super().__init__()
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._on_readable)
        # Ownership passes only once nothing above can fail: on error the caller closes ``fd``.
        self._loop = loop
        self._fd: int | None = fd
        self._reading = True
        self._eof = False
        self._reader = reader
        reader.set_transport(self)  # lets the reader pause us past 2 × its limit

    def _on_readable(self) -> None:
        if self._fd is None:
            return
        try:
            data = os.read(self._fd, _READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._stop_reading()
            self._eof = True
            self._reader.set_exception(exc)
            return
        if data:
            self._reader.feed_data(data)  # may call pause_reading
        else:
            self._stop_reading()
            self._eof = True
            self._reader.feed_eof()

    def _stop_reading(self) -> None:
        if self._reading and self._fd is not None:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def pause_reading(self) -> None:
        self._stop_reading()

    def resume_reading(self) -> None:
        if not self._reading and not self._eof and self._fd is not None:
            self._reading = True
            self._loop.add_reader(self._fd, self._on_readable)

    def is_reading(self) -> bool:
        return self._reading and self._fd is not None

    def is_closing(self) -> bool:
        return self._fd is None

    def close(self) -> None:
        """Stop watching the fd and close it; idempotent."""
        if self._fd is None:
            return
        self._stop_reading()
        fd, self._fd = self._fd, None
        os.close(fd)

    def __del__(self) -> None:
        # Unreachable while a loop watches the fd (the loop holds ``_on_readable``): no loop
        # call is needed, or safe from whatever thread the collector runs in.
        fd = getattr(self, "_fd", None)
        if fd is not None:
            warnings.warn(f"unclosed sandbox results pipe (fd {fd})", ResourceWarning, stacklevel=1)
            self._fd = None
            os.close(fd)


@dataclass(eq=False)
class _Worker:
    """A started runner blocked on reading its program from stdin."""

    process: asyncio.subprocess.Process
    results: asyncio.StreamReader
    results_transport: asyncio.ReadTransport
    scratch_host: Path | None
    report: ReadyReport | None = None
    cgroup: ProgramCgroup | None = None


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
        self._slots = ProgramSlots(self.config.max_programs, self.config.max_programs_per_owner)
        self._cgroups: SandboxCgroups | None = None
        self._cgroup_problem: str | None = None
        self._fallback_mounts: tuple[str, ...] = ()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def capabilities(self) -> SandboxCapabilities | None:
        """What the sandbox uses (None before ``start``)."""
        return self._capabilities

    @property
    def cgroups(self) -> SandboxCgroups | None:
        """The groups bounding programs' memory (None before ``start`` or when unavailable)."""
        return self._cgroups

    @property
    def fallback_mounts(self) -> tuple[str, ...]:
        """What the fallback's private mount namespace hides or bounds (empty under bwrap)."""
        return self._fallback_mounts

    @property
    def cgroup_problem(self) -> str | None:
        """Why programs run without a memory cgroup (None when they have one)."""
        return self._cgroup_problem

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
                logger.error("Code execution is disabled: %s", self._unavailable_message())
                return
            if not caps.network_isolated:
                logger.warning("Code sandbox runs programs WITHOUT network isolation")
            if not caps.bubblewrap:
                logger.warning(
                    "Code sandbox runs WITHOUT bubblewrap (%s): the local user opted in with "
                    "SANDBOX_ALLOW_FALLBACK=true, so programs see the host filesystem as uid %d, "
                    "limited only by file permissions",
                    self._bwrap_problem(),
                    self.config.sandbox_uid,
                )
                self._scratch_base = Path(tempfile.mkdtemp(prefix="code-monet-sandbox-"))
                self._scratch_base.chmod(0o711)  # traversable, not listable
            await self._setup_cgroups()
            self._replenish()

    async def _setup_cgroups(self) -> None:
        """Bound memory with cgroups when the host lets us; otherwise log why and what remains."""
        config = self.config
        if config.use_cgroups:
            setup = await asyncio.to_thread(
                setup_cgroups, config.memory_total_bytes, Path(config.cgroup_root)
            )
            self._cgroups, self._cgroup_problem = setup.cgroups, setup.reason
        else:
            self._cgroup_problem = "turned off in the configuration (SANDBOX_USE_CGROUPS=false)"
        if self._cgroups is not None:
            logger.info(
                "Code sandbox bounds memory with %s: %d MiB per program (memfd, scratch files "
                "and kernel memory count), at most %d programs at once, %d per user",
                self._cgroups.describe(),
                config.memory_bytes >> 20,
                config.max_programs,
                config.max_programs_per_owner,
            )
            return
        logger.warning(
            "Code sandbox runs programs WITHOUT a memory cgroup (%s): each is bounded by "
            "RLIMIT_AS (%d MiB), its %d MiB scratch tmpfs and RLIMIT_NPROC; memfd_create is "
            "denied instead; the number of files in scratch is not bounded",
            self._cgroup_problem,
            config.memory_bytes >> 20,
            config.scratch_bytes >> 20,
        )

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
            if worker.cgroup is not None:
                await asyncio.to_thread(worker.cgroup.kill)
        if self._cgroups is not None:
            await asyncio.to_thread(self._cgroups.close)
            self._cgroups = None
        if self._scratch_base is not None:
            await asyncio.to_thread(shutil.rmtree, self._scratch_base, True)
            self._scratch_base = None

    async def __aenter__(self) -> CodeSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _bwrap_problem(self) -> str:
        if shutil.which(self.config.bwrap_path) is None:
            return "bubblewrap missing"
        return "bubblewrap installed but not working here"

    def preflight(self) -> str | None:
        """Why programs cannot run, from cheap checks only (no probes), for a start-up log line.

        Why: the full detection runs when the first artist starts; an operator should learn at
        start-up already that code execution is off and how to turn it on.
        """
        config = self.config
        if shutil.which(config.bwrap_path) is None:
            if config.local_mode and config.allow_fallback and self._root:
                return None
            return self._no_bwrap_reason()
        if not config.local_mode and not self._root:
            return self._no_uid_reason()
        return None

    def log_preflight(self) -> None:
        """Log at server start-up whether programs can run, and why not (see ``preflight``)."""
        reason = self.preflight()
        if reason is not None:
            logger.error("Code execution is disabled: %s", reason)
        if self.config.allow_fallback and not self.config.local_mode:
            logger.warning(
                "SANDBOX_ALLOW_FALLBACK is ignored: a public server never runs programs "
                "without bubblewrap"
            )
        elif self.config.allow_fallback and reason is None:
            logger.warning(
                "SANDBOX_ALLOW_FALLBACK=true: if bubblewrap fails, programs run in the weaker "
                "fallback (host filesystem visible to uid %d)",
                self.config.sandbox_uid,
            )

    def _no_bwrap_reason(self) -> str:
        problem = self._bwrap_problem()
        if shutil.which(self.config.bwrap_path) is None:
            fix = "ask the operator to install it (apt-get install bubblewrap)"
        else:  # e.g. a container without user namespaces
            fix = (
                "ask the operator to make it work (it needs unprivileged user namespaces or a "
                "setuid bwrap; containers must allow them)"
            )
        if not self.config.local_mode:
            return f"this server cannot isolate programs ({problem}); {fix}"
        if not self.config.allow_fallback:
            return (
                f"this server cannot isolate programs ({problem}); {fix}, or opt in to the "
                "weaker fallback on this local server with SANDBOX_ALLOW_FALLBACK=true"
            )
        return (
            f"this server cannot isolate programs ({problem}) and the fallback would run them "
            "as the server's own uid (only a root server can switch them to "
            f"uid {self.config.sandbox_uid}); {fix}"
        )

    def _no_uid_reason(self) -> str:
        return (
            "this server cannot run programs under a separate uid (it does not run as root, so "
            f"it cannot switch them to uid {self.config.sandbox_uid}); a public server runs "
            "programs only under bubblewrap and a separate uid"
        )

    def _unavailable_reason(self) -> str | None:
        """Why programs must not run here (None when they may): fail closed (issue 15).

        Public mode needs bubblewrap and a uid other than the server's; local mode needs
        bubblewrap, or an explicit opt-in to the fallback, which still never keeps the
        server's uid (it would read the JWT secret and the database).
        """
        caps = self._capabilities
        if caps is None:
            return "sandbox capabilities were not detected"
        if self.config.require_isolation and not caps.network_isolated:
            return (
                "network isolation is required but neither bubblewrap nor seccomp works here "
                f"({caps.describe()}). Install bubblewrap (apt-get install bubblewrap) or run on "
                "an x86_64 Linux kernel with seccomp"
            )
        if not caps.bubblewrap:
            if self.config.local_mode and self.config.allow_fallback and self._drop:
                return None
            return self._no_bwrap_reason()
        if not self.config.local_mode and not self._drop:
            return self._no_uid_reason()
        return None

    def _unavailable_message(self) -> str:
        return self._unavailable_reason() or "unknown reason"

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
        cgroup = await self._make_cgroup()
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
                deny_memfd=cgroup is None,
                private_mounts=not self._use_bwrap and self._drop,
            )
            argv = (
                _bwrap_argv(runtime, spec, self.config)
                if self._use_bwrap
                else _direct_argv(runtime, spec)
            )
            if cgroup is not None and self._cgroups is not None:
                argv = cgroup.wrap(argv, self._cgroups.shell)
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=(write_fd,),
                env=_sandbox_env(scratch, self.config.worker_host_env),
                cwd=cwd,
                start_new_session=True,
            )
        except BaseException:
            os.close(read_fd)
            if scratch_host is not None:
                shutil.rmtree(scratch_host, ignore_errors=True)
            if cgroup is not None:
                cgroup.remove()
            raise
        finally:
            os.close(write_fd)
        results = asyncio.StreamReader(limit=_READ_CHUNK)
        try:
            transport = _ResultsPipe(loop, read_fd, results)  # owns read_fd from here on
        except BaseException:  # it did not take the fd: still ours to close, once
            _kill_group(process)
            os.close(read_fd)
            if scratch_host is not None:
                shutil.rmtree(scratch_host, ignore_errors=True)
            if cgroup is not None:
                cgroup.remove()
            raise
        worker = _Worker(process, results, transport, scratch_host, cgroup=cgroup)
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
            if worker.report["private_mounts_problems"]:
                logger.warning(
                    "Code sandbox fallback could not hide all of the host: %s",
                    "; ".join(worker.report["private_mounts_problems"]),
                )
        self._fallback_mounts = tuple(worker.report["private_mounts"])
        return worker

    async def _make_cgroup(self) -> ProgramCgroup | None:
        """A fresh group for one worker; fail closed (no worker) if the host refuses it."""
        cgroups = self._cgroups
        if cgroups is None:
            return None
        try:
            return await asyncio.to_thread(
                cgroups.program,
                memory_bytes=self.config.memory_bytes,
                max_tasks=self.config.max_processes + _LAUNCH_TASKS,
            )
        except OSError as exc:
            raise SandboxError(
                f"could not create the memory cgroup for a sandbox worker under "
                f"{cgroups.memory_parent}: {exc}"
            ) from exc

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
            else "plain subprocess (host filesystem, per-run scratch dir; private mounts: "
            f"{', '.join(report['private_mounts']) or 'none'})"
        )
        memory = (
            f"memory {self.config.memory_bytes >> 20} MiB per program by {self._cgroups.describe()}"
            if self._cgroups is not None
            else f"NO memory cgroup ({self._cgroup_problem}); memfd_create denied"
        )
        return (
            f"{mode}; uid {report['uid']} gid {report['gid']}; "
            f"seccomp {'on' if report['seccomp'] else 'OFF'}; "
            f"no_new_privs {'on' if report['no_new_privs'] else 'OFF'}; "
            f"rlimits cpu={limits['cpu_seconds']}s as={limits['address_space'] >> 20}MiB "
            f"fsize={limits['file_size'] >> 20}MiB nproc={limits['processes']} "
            f"nofile={limits['open_files']} core={limits['core']}; "
            f"wall timeout {self.config.wall_timeout:g}s; output cap "
            f"{self.config.max_output_bytes} bytes; pool size {self.config.pool_size}; {memory}; "
            f"at most {self.config.max_programs} programs at once, "
            f"{self.config.max_programs_per_owner} per user"
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
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker.process.wait(), _EXIT_GRACE)
        finally:  # also when the caller is cancelled: the results fd is closed here, once
            worker.results_transport.close()
        if worker.cgroup is not None:
            await asyncio.to_thread(worker.cgroup.remove)
        if worker.scratch_host is not None:
            await asyncio.to_thread(shutil.rmtree, worker.scratch_host, True)

    # -- running programs -----------------------------------------------------------------

    async def run(
        self,
        code: str,
        *,
        canvas_width: int,
        canvas_height: int,
        brushes: Sequence[str],
        owner: str | None = None,
    ) -> SandboxResult:
        """Run one program in its own fresh worker and return its paths and output.

        Program failures (exceptions, limits, timeouts) come back as ``SandboxResult.error``;
        so does "busy" (``busy=True``) when no slot frees up within ``slot_wait_seconds``: at
        most ``max_programs`` run at once, ``max_programs_per_owner`` of them for ``owner``
        (the user; None counts only against the server cap).
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
        try:
            await self._slots.acquire(owner, self.config.slot_wait_seconds)
        except SlotsBusyError as exc:
            logger.info("Code sandbox busy, program refused: %s", exc)
            return dataclasses.replace(self._refusal(str(exc), started), busy=True)
        try:
            worker = await self._acquire()
            self._active.add(worker)
            try:
                return await self._execute(worker, header + code_bytes, started)
            finally:
                self._active.discard(worker)
                await self._dispose(worker)
        finally:
            self._slots.release(owner)

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
        oom, peak = False, None
        if worker.cgroup is not None:
            oom, peak = await asyncio.to_thread(_memory_outcome, worker.cgroup)
        paths: list[RawPathDict] = []
        error = (
            self._kill_message(state.kill_reason)
            or (self._oom_message() if oom else None)
            or self._signal_message(exit_code)
        )
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
            memory_peak_bytes=peak,
        )

    def _oom_message(self) -> str:
        return (
            f"Program went over its {self.config.memory_bytes >> 20} MiB memory limit and was "
            "killed (everything counts: arrays, memfd and /dev/shm files, files in its scratch "
            "directory); use less memory"
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


def _memory_outcome(cgroup: ProgramCgroup) -> tuple[bool, int | None]:
    """Whether the kernel OOM-killed the program, and its peak memory (blocking reads)."""
    return cgroup.oom_killed(), cgroup.peak_bytes()


def _reject_constant(name: str) -> float:
    raise ProgramOutputError(f"results contain the non-finite number {name}")
