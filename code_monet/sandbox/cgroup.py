"""Memory and process bounds for sandboxed programs through Linux control groups.

Why: ``RLIMIT_AS`` bounds a program's address space, but not memory the kernel holds for it
elsewhere: a ``memfd_create`` file written with ``write()``, files in its scratch tmpfs (data
pages, and the inodes and dentries of half a million empty files) are never mapped, so a
program under a 768 MiB ``RLIMIT_AS`` held 1.4 GiB (issue 15). A memory cgroup charges all of
that (page cache, shmem, kernel memory) to the program and OOM-kills it at the limit.

Layout: one parent group per sandbox (per server) whose limit is the total budget for all
programs, and one child per worker with the per-program limit, no swap and a task (pids) limit.
A worker enters its child *before* it executes anything: the launch argv is prefixed with a
two-line ``sh`` shim that writes its own pid to the child's ``cgroup.procs`` and then ``exec``s
bubblewrap (or the runner), so every process and thread of the program is born inside.

cgroup v2 (a ``cgroup2`` mount at the root with the memory controller delegated) is used when
present; otherwise the v1 ``memory`` (and ``pids``) hierarchies, which many containers still
mount. When neither is writable ``setup_cgroups`` returns the reason, which the sandbox logs and
falls back from (see ``CodeSandbox.start``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shlex
import shutil
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

__all__ = ["CgroupSetup", "ProgramCgroup", "SandboxCgroups", "setup_cgroups"]

logger = logging.getLogger("code_monet.sandbox.code_sandbox")

CGROUP_ROOT: Final = Path("/sys/fs/cgroup")
_PARENT_PREFIX: Final = "code-monet-sandbox-"
_REMOVE_ATTEMPTS: Final = 500  # a big scratch tmpfs can take seconds to tear down
_REMOVE_PAUSE: Final = 0.02

Version = Literal[1, 2]


def _write(path: Path, value: str) -> None:
    """Write a cgroup interface file with one ``write`` (the kernel parses each write whole)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _read_keyed(path: Path, key: str) -> int | None:
    """The value of ``key`` in a flat keyed file (``memory.events``, ``memory.oom_control``)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(" ")
        if name == key:
            with contextlib.suppress(ValueError):
                return int(value)
    return None


def _own_cgroup(proc_self_cgroup: str, controller: str | None) -> str | None:
    """This process's group path for ``controller`` (v1), or its v2 path (``None``)."""
    for line in proc_self_cgroup.splitlines():
        _hid, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if controller is None and controllers == "":
            return path
        if controller is not None and controller in controllers.split(","):
            return path
    return None


def _mount_dir(mount: Path, own: str | None) -> Path:
    """Our own group under ``mount``; the mount itself when a cgroup namespace hides the path."""
    if own is not None:
        candidate = mount / own.lstrip("/")
        if candidate.is_dir():
            return candidate
    return mount


def _kill_procs(directory: Path) -> None:
    try:
        pids = (directory / "cgroup.procs").read_text().split()
    except OSError:
        return
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def _remove(directory: Path) -> bool:
    """rmdir a group, killing what is left in it and retrying while exiting tasks linger."""
    for _attempt in range(_REMOVE_ATTEMPTS):
        try:
            directory.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                logger.warning("Could not remove sandbox cgroup %s: %s", directory, exc)
                return False
        _kill_procs(directory)
        time.sleep(_REMOVE_PAUSE)
    logger.warning("Sandbox cgroup %s still busy; left in place", directory)
    return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_stale(base: Path) -> None:
    """Remove parents left by sandboxes whose server died without closing (SIGKILL, crash).

    Why: a group outlives its creator; without this every crash would leave one behind.
    """
    with contextlib.suppress(OSError):
        for parent in base.glob(f"{_PARENT_PREFIX}*"):
            pid_text = parent.name.removeprefix(_PARENT_PREFIX).partition("-")[0]
            if not pid_text.isdigit() or _pid_alive(int(pid_text)):
                continue
            for child in (entry for entry in parent.iterdir() if entry.is_dir()):
                _remove(child)
            if _remove(parent):
                logger.info("Removed a stale sandbox cgroup %s", parent)


def _parent_name() -> str:
    return f"{_PARENT_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class ProgramCgroup:
    """One worker's groups: memory (always) and pids (when the host has that controller)."""

    version: Version
    memory_dir: Path
    pids_dir: Path | None
    memory_bytes: int

    @property
    def dirs(self) -> tuple[Path, ...]:
        return (self.memory_dir,) if self.pids_dir is None else (self.memory_dir, self.pids_dir)

    def wrap(self, argv: list[str], shell: str) -> list[str]:
        """``argv`` behind a shim that joins these groups first, so nothing runs outside them.

        If joining fails the shim exits 126 with the shell's message on stderr: the worker
        never starts (fail closed) and the start-up failure names the cause.
        """
        joins = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.dirs)
        return [shell, "-c", f'{joins} || exit 126\nexec "$@"', "sandbox-cgroup-shim", *argv]

    def peak_bytes(self) -> int | None:
        """The most memory the program held (all charges: heap, memfd, tmpfs, inodes)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        return _read_int(self.memory_dir / name)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a task of this program for going over its memory limit."""
        if self.version == 2:
            count = _read_keyed(self.memory_dir / "memory.events", "oom_kill")
        else:
            count = _read_keyed(self.memory_dir / "memory.oom_control", "oom_kill")
        return bool(count)

    def kill(self) -> None:
        """SIGKILL every task still in the program's group (even one that left its pgid)."""
        if self.version == 2:
            with contextlib.suppress(OSError):
                _write(self.memory_dir / "cgroup.kill", "1")
        for directory in self.dirs:
            _kill_procs(directory)

    def remove(self) -> None:
        """Kill what is left and delete the groups (blocking: retries briefly while busy)."""
        self.kill()
        for directory in self.dirs:
            _remove(directory)


@dataclass(frozen=True)
class SandboxCgroups:
    """The sandbox's parent groups; ``program`` makes one child per worker."""

    version: Version
    memory_parent: Path
    pids_parent: Path | None
    shell: str
    total_bytes: int

    def program(self, *, memory_bytes: int, max_tasks: int) -> ProgramCgroup:
        """Create a child group for one worker (blocking, a few sysfs writes)."""
        name = f"run-{uuid.uuid4().hex[:12]}"
        memory_dir = self.memory_parent / name
        memory_dir.mkdir()
        pids_dir: Path | None = None
        try:
            if self.version == 2:
                _write(memory_dir / "memory.max", str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap configured: the file may be absent
                    _write(memory_dir / "memory.swap.max", "0")
                _write(memory_dir / "pids.max", str(max_tasks))
            else:
                _write(memory_dir / "memory.limit_in_bytes", str(memory_bytes))
                with contextlib.suppress(OSError):  # only with swap accounting enabled
                    _write(memory_dir / "memory.memsw.limit_in_bytes", str(memory_bytes))
                with contextlib.suppress(OSError):
                    _write(memory_dir / "memory.swappiness", "0")
                if self.pids_parent is not None:
                    pids_dir = self.pids_parent / name
                    pids_dir.mkdir()
                    _write(pids_dir / "pids.max", str(max_tasks))
        except BaseException:
            for directory in (memory_dir, pids_dir):
                if directory is not None:
                    with contextlib.suppress(OSError):
                        directory.rmdir()
            raise
        return ProgramCgroup(self.version, memory_dir, pids_dir, memory_bytes)

    def peak_bytes(self) -> int | None:
        """The most memory all programs of this sandbox held at once."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        return _read_int(self.memory_parent / name)

    def describe(self) -> str:
        pids = "pids" if self.version == 2 or self.pids_parent is not None else "no pids"
        return (
            f"cgroup v{self.version} ({self.memory_parent}; memory, {pids}; total budget "
            f"{self.total_bytes >> 20} MiB)"
        )

    def close(self) -> None:
        """Remove leftover children and the parents (blocking)."""
        for parent in (self.memory_parent, self.pids_parent):
            if parent is None:
                continue
            with contextlib.suppress(OSError):
                for child in parent.iterdir():
                    if child.is_dir():
                        _kill_procs(child)
                        _remove(child)
            _remove(parent)


@dataclass(frozen=True)
class CgroupSetup:
    """``setup_cgroups``' answer: the groups, or why there are none."""

    cgroups: SandboxCgroups | None
    reason: str | None


def _v2(root: Path, own: str | None, total_bytes: int, shell: str) -> SandboxCgroups:
    """A parent under our own v2 group, with memory and pids delegated to its children."""
    base = _mount_dir(root, own)
    controllers = (base / "cgroup.controllers").read_text().split()
    missing = {"memory", "pids"} - set(controllers)
    if missing:
        raise OSError(f"cgroup v2 at {base} does not offer {', '.join(sorted(missing))}")
    # Children of ``base`` get the controllers only through its subtree_control; this fails
    # (EBUSY) when ``base`` itself holds processes and is not the root, the "no internal
    # processes" rule: the server then needs a delegated group (systemd Delegate=yes).
    try:
        _write(base / "cgroup.subtree_control", "+memory +pids")
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"cannot delegate memory and pids below {base} ({exc.strerror}); a group that "
            "holds processes cannot have controlled children: run the server in a delegated "
            "group of its own (systemd: Delegate=yes)",
        ) from exc
    _reap_stale(base)
    parent = base / _parent_name()
    parent.mkdir()
    try:
        _write(parent / "memory.max", str(total_bytes))
        with contextlib.suppress(OSError):
            _write(parent / "memory.swap.max", "0")
        _write(parent / "cgroup.subtree_control", "+memory +pids")
    except BaseException:
        _remove(parent)
        raise
    return SandboxCgroups(2, parent, None, shell, total_bytes)


def _v1(root: Path, proc_cgroup: str, total_bytes: int, shell: str) -> SandboxCgroups:
    """A parent under our own v1 memory group (and pids group, when mounted)."""
    memory_mount = root / "memory"
    if not (memory_mount / "memory.limit_in_bytes").is_file():
        raise OSError(f"no cgroup v1 memory hierarchy at {memory_mount}")
    name = _parent_name()
    memory_base = _mount_dir(memory_mount, _own_cgroup(proc_cgroup, "memory"))
    _reap_stale(memory_base)
    memory_parent = memory_base / name
    memory_parent.mkdir()
    pids_parent: Path | None = None
    try:
        _write(memory_parent / "memory.limit_in_bytes", str(total_bytes))
        if _read_int(memory_parent / "memory.use_hierarchy") == 0:
            # Without hierarchy the parent's limit would not cover its children.
            with contextlib.suppress(OSError):
                _write(memory_parent / "memory.use_hierarchy", "1")
            if _read_int(memory_parent / "memory.use_hierarchy") != 1:
                raise OSError("cgroup v1 memory.use_hierarchy is off and cannot be turned on")
        pids_mount = root / "pids"
        if (pids_mount / "cgroup.procs").is_file():
            pids_base = _mount_dir(pids_mount, _own_cgroup(proc_cgroup, "pids"))
            _reap_stale(pids_base)
            candidate = pids_base / name
            with contextlib.suppress(OSError):
                candidate.mkdir()
                pids_parent = candidate
    except BaseException:
        _remove(memory_parent)
        raise
    return SandboxCgroups(1, memory_parent, pids_parent, shell, total_bytes)


def setup_cgroups(total_bytes: int, root: Path = CGROUP_ROOT) -> CgroupSetup:
    """Create the sandbox's parent groups, or say why that is impossible here (blocking).

    Tries cgroup v2 first, then v1. Each failure is collected so the logged reason says what
    was tried (e.g. "v2: memory not delegated; v1: read-only file system").
    """
    shell = shutil.which("sh") or ""
    if not shell:
        return CgroupSetup(None, "no sh to place workers in their group before they start")
    try:
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    except OSError as exc:
        return CgroupSetup(None, f"cannot read /proc/self/cgroup: {exc}")
    problems: list[str] = []
    if (root / "cgroup.controllers").is_file():
        try:
            return CgroupSetup(_v2(root, _own_cgroup(proc_cgroup, None), total_bytes, shell), None)
        except OSError as exc:
            problems.append(f"v2: {exc}")
    else:
        problems.append(f"v2: {root} is not a cgroup2 mount")
    try:
        return CgroupSetup(_v1(root, proc_cgroup, total_bytes, shell), None)
    except OSError as exc:
        problems.append(f"v1: {exc}")
    return CgroupSetup(None, "; ".join(problems))
