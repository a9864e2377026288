"""How sandbox workers are launched: runtime discovery, command lines, environment, probes.

Why: building the bubblewrap/direct argv, the minimal environment and the worker spec, parsing
a worker's ready report and probing host capabilities (``detect_capabilities``) are pure,
mostly synchronous steps, kept apart from the asyncio worker pool in ``sandbox``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from code_monet.sandbox.config import (
    SandboxCapabilities,
    SandboxConfig,
    SandboxUnavailableError,
)
from code_monet.sandbox.runner import ReadyReport, WorkerSpec

__all__ = ["RUNNER_PATH", "detect_capabilities"]

# Logs under the sandbox's logger name, as before this module was split out of it.
logger = logging.getLogger("code_monet.sandbox.code_sandbox")

RUNNER_PATH: Final = Path(__file__).with_name("runner.py")
_RUNNER_INSIDE: Final = "/sandbox/runner.py"
_SCRATCH_INSIDE: Final = "/scratch"
_PROBE_TIMEOUT: Final = 30.0


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
        config.bwrap_path,
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


def _sandbox_env(home: str, host: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """A minimal environment built from scratch: nothing of the server's (no API keys), plus
    the host's OpenBLAS CPU workarounds the application read (``SandboxConfig.worker_host_env``).

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
    env.update(host)
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
    deny_memfd: bool = False,
    private_mounts: bool = False,
) -> WorkerSpec:
    return {
        "sys_path": list(runtime.sys_path),
        "result_fd": result_fd,
        "scratch": scratch,
        "drop_uid": config.sandbox_uid if drop else None,
        "drop_gid": config.sandbox_gid if drop else None,
        "seccomp": seccomp,
        "deny_memfd": deny_memfd,
        "private_mounts": private_mounts,
        "scratch_bytes": config.scratch_bytes,
        "scratch_inodes": config.scratch_inodes,
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
        env = _sandbox_env(scratch, config.worker_host_env)

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
        if shutil.which(config.bwrap_path) is not None:
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
                _sandbox_env(_SCRATCH_INSIDE, config.worker_host_env),
                "/",
                "bubblewrap",
            )
            bubblewrap = report is not None and set(report["network_interfaces"]) <= {"lo"}
    return SandboxCapabilities(
        bubblewrap=bubblewrap, seccomp=seccomp, unprivileged_uid=unprivileged
    )
