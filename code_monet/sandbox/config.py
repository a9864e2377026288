"""Sandbox errors, configuration and result types.

Why: these small value types are shared by the launch helpers (``launch``), the worker
pool (``code_sandbox``) and callers, so they live apart from both to keep the modules small.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import BaseModel, Field

from code_monet.sandbox.runner import RawPathDict

__all__ = [
    "SandboxCapabilities",
    "SandboxConfig",
    "SandboxError",
    "SandboxResult",
    "SandboxSettings",
    "SandboxUnavailableError",
    "WorkerHostSettings",
]


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the program): worker start-up, closed sandbox, ..."""


class SandboxUnavailableError(SandboxError):
    """Programs must not run here: the isolation this server's mode requires does not work."""


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
    # Files a program may create in its scratch (the fallback's own tmpfs only: bubblewrap's
    # cannot take nr_inodes; there a cgroup bounds the kernel memory files cost instead).
    scratch_inodes: int = 4096
    sandbox_uid: int = 65534
    sandbox_gid: int = 65534
    spawn_timeout: float = 30.0
    max_concurrent_spawns: int = 2
    # Fail closed (issue 15): unless told it serves only its local user, the sandbox runs
    # programs only under bubblewrap *and* a uid other than the server's.
    local_mode: bool = False
    # Local mode only: run without bubblewrap (host filesystem visible, uid still dropped).
    allow_fallback: bool = False
    bwrap_path: str = "bwrap"
    # Concurrency and memory in total (issue 15): at most ``max_programs`` programs run at once
    # (``max_programs_per_owner`` per user); a program waits up to ``slot_wait_seconds`` for a
    # slot, then gets a "busy" error. ``memory_bytes`` × ``max_programs`` must fit in
    # ``memory_total_bytes``, the limit of the parent cgroup that holds every worker.
    max_programs: int = 4
    max_programs_per_owner: int = 2
    slot_wait_seconds: float = 10.0
    memory_total_bytes: int = 4 * (768 << 20)
    # Bound each program's memory with a cgroup (memfd, tmpfs files and kernel memory count);
    # without one, memfd_create is denied by seccomp instead and a warning says why.
    use_cgroups: bool = True
    cgroup_root: str = "/sys/fs/cgroup"
    # Host CPU workarounds handed to workers (``WorkerHostSettings``, read by the application):
    # a worker's environment is otherwise built from scratch, with nothing of the server's.
    worker_host_env: tuple[tuple[str, str], ...] = ()

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
            "scratch_inodes": self.scratch_inodes,
            "spawn_timeout": self.spawn_timeout,
            "max_concurrent_spawns": self.max_concurrent_spawns,
            "max_programs": self.max_programs,
            "max_programs_per_owner": self.max_programs_per_owner,
            "memory_total_bytes": self.memory_total_bytes,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"SandboxConfig.{name} must be positive, got {value}")
        if self.slot_wait_seconds < 0:
            raise ValueError(
                f"SandboxConfig.slot_wait_seconds must be >= 0, got {self.slot_wait_seconds}"
            )
        if self.memory_bytes * self.max_programs > self.memory_total_bytes:
            raise ValueError(
                f"SandboxConfig: {self.max_programs} programs of {self.memory_bytes >> 20} MiB "
                f"need {(self.memory_bytes * self.max_programs) >> 20} MiB, over "
                f"memory_total_bytes ({self.memory_total_bytes >> 20} MiB); lower max_programs "
                "or memory_bytes, or raise memory_total_bytes"
            )
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
    # The most memory the program's cgroup held (None without cgroups): heap, memfd, tmpfs.
    memory_peak_bytes: int | None = None
    # Refused because every program slot stayed taken (``error`` says so); nothing ran.
    busy: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class SandboxSettings(BaseModel):
    """How agent-written programs may run (issue 15: fail closed without full isolation).

    Memory and concurrency (issue 15): each program may hold ``SANDBOX_MEMORY_BYTES`` (768 MiB),
    counted by a cgroup so memfd, /dev/shm and scratch files count too; at most
    ``SANDBOX_MAX_PROGRAMS`` run at once (default 2 × cores, fewer if the total budget is
    smaller), ``SANDBOX_MAX_PROGRAMS_PER_USER`` (2) of them for one user; a program waits up
    to ``SANDBOX_SLOT_WAIT_SECONDS`` (10) for a slot and is then refused as "busy". All programs
    together stay under ``SANDBOX_MEMORY_TOTAL_BYTES`` (default: per-program limit × server
    cap, e.g. 3 GiB on 2 cores); a per-program limit × cap above it refuses to start.
    """

    allow_fallback: bool = Field(
        default=False,
        description="Local mode only: without bubblewrap, still run programs (as uid 65534, "
        "seeing the host filesystem); ignored in public mode",
    )
    bwrap_path: str = Field(default="bwrap", description="The bubblewrap executable")
    memory_bytes: int = Field(
        default=768 << 20,
        ge=64 << 20,
        description="Memory one program may hold (address space, and its cgroup: memfd, "
        "/dev/shm and scratch files count)",
    )
    max_programs: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Programs running at once on this server (default: 2 × cores, at most as "
        "many as fit in memory_total_bytes)",
    )
    max_programs_per_user: int = Field(
        default=2, ge=1, le=64, description="Programs running at once for one user"
    )
    slot_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="How long a program waits for a free slot before the tool says 'busy'",
    )
    memory_total_bytes: int | None = Field(
        default=None,
        ge=64 << 20,
        description="Memory all programs together may hold (the parent cgroup's limit; "
        "default: memory_bytes × max_programs)",
    )
    use_cgroups: bool = Field(
        default=True,
        description="Bound programs with cgroups when the host allows (v2, else v1); without, "
        "memfd_create is denied and the reason is logged",
    )

    def sandbox_config(self, *, local_mode: bool, cores: int | None = None) -> SandboxConfig:
        """The sandbox's configuration from these settings (``cores``: for tests).

        Raises ValueError when ``memory_bytes`` × ``max_programs`` exceeds an explicitly set
        ``memory_total_bytes``: the server then refuses to start rather than overcommit.
        """
        cap = self.max_programs
        if cap is None:
            cap = 2 * (cores or os.cpu_count() or 1)
            if self.memory_total_bytes is not None:
                cap = max(1, min(cap, self.memory_total_bytes // self.memory_bytes))
        total = self.memory_total_bytes or self.memory_bytes * cap
        return SandboxConfig(
            local_mode=local_mode,
            allow_fallback=self.allow_fallback,
            bwrap_path=self.bwrap_path,
            memory_bytes=self.memory_bytes,
            max_programs=cap,
            max_programs_per_owner=self.max_programs_per_user,
            slot_wait_seconds=self.slot_wait_seconds,
            memory_total_bytes=total,
            use_cgroups=self.use_cgroups,
        )


class WorkerHostSettings(BaseModel):
    """OpenBLAS CPU workarounds (``OPENBLAS_CORETYPE``, ``OPENBLAS_L2_SIZE``) some hosts need for
    numpy to run in a worker; the only host variables a worker ever sees."""

    openblas_coretype: str | None = None
    openblas_l2_size: str | None = None

    def worker_env(self) -> tuple[tuple[str, str], ...]:
        """The variables that are set, as ``SandboxConfig.worker_host_env``."""
        pairs = (
            ("OPENBLAS_CORETYPE", self.openblas_coretype),
            ("OPENBLAS_L2_SIZE", self.openblas_l2_size),
        )
        return tuple((name, value) for name, value in pairs if value is not None)
