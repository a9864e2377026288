"""The script that runs ONE agent-written drawing program inside the code sandbox.

Why a separate script: agent code is hostile input, so it never runs in the server process.
``code_monet.sandbox.code_sandbox`` starts this file as ``python -I -S -B runner.py SPEC``
(inside bubblewrap when the host allows it). The runner imports numpy and the helper prelude,
*then* locks itself down (rlimits, privilege drop, no-new-privs, seccomp) and only afterwards
reads the untrusted program from stdin, runs it, sends the paths back as JSON on a dedicated
results pipe (never stdout, so prints cannot forge results) and exits: one program per process.

It must stay importable without the ``code_monet`` package (which is not visible inside the
sandbox): stdlib only, numpy and pyseccomp (for the seccomp filter) imported lazily. The
parent imports the pure validation helpers below to re-check everything that comes back, since
the program can write to the pipe itself.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import errno
import importlib
import json
import linecache
import math
import os
import random
import resource
import signal
import sys
import traceback
from collections.abc import Iterable, Mapping, Sized
from types import ModuleType
from typing import IO, Final, Literal, NamedTuple, NotRequired, Protocol, TypedDict

PROGRAM_FILENAME: Final = "<program>"

# Exit statuses of the runner itself (a program killed by a signal shows up as that signal).
EXIT_OK: Final = 0
EXIT_PROGRAM_ERROR: Final = 1
EXIT_RUNNER_ERROR: Final = 2

# Path shape rules; these mirror ``code_monet.types.paths.Path`` (which the caller validates
# into) so the model gets an early error pointing at its own code.
PATH_TYPES: Final = frozenset({"line", "polyline", "quadratic", "cubic", "svg"})
EXACT_POINTS: Final[dict[str, int]] = {"line": 2, "quadratic": 3, "cubic": 4}
STYLE_KEYS: Final = ("color", "stroke_width", "opacity", "brush")
MAX_SVG_D_LENGTH: Final = 200_000
MAX_BRUSH_NAME_LENGTH: Final = 64
MAX_STROKE_WIDTH: Final = 500.0
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
REQUEST_HEADER_LIMIT: Final = 64 << 10


class RawPointDict(TypedDict):
    x: float
    y: float


class RawPathDict(TypedDict):
    """A path as the program produced it (plain data; the caller validates it into ``Path``)."""

    type: str
    points: list[RawPointDict]
    d: NotRequired[str]
    color: NotRequired[str]
    stroke_width: NotRequired[float]
    opacity: NotRequired[float]
    brush: NotRequired[str]


class WorkerSpec(TypedDict):
    """What the parent tells a worker on its command line (JSON)."""

    sys_path: list[str]
    result_fd: int
    scratch: str
    drop_uid: int | None
    drop_gid: int | None
    seccomp: bool
    # No memory cgroup bounds this worker: deny memfd_create, whose pages RLIMIT_AS misses.
    deny_memfd: bool
    # Fallback (no bubblewrap, root): a private mount namespace hiding the host's /tmp,
    # /var/tmp, /dev/shm and other users' /proc entries, and a bounded tmpfs as scratch.
    private_mounts: bool
    scratch_bytes: int
    scratch_inodes: int
    cpu_seconds: int
    memory_bytes: int
    file_size_bytes: int
    max_processes: int
    max_open_files: int
    max_code_bytes: int
    max_paths: int
    max_points: int
    max_result_bytes: int
    nice: int
    probe: bool


class ReadyReport(TypedDict):
    """The effective policy a worker applied, sent before it reads any untrusted code."""

    ready: bool
    pid: int
    uid: int
    gid: int
    groups: list[int]
    seccomp: bool
    no_new_privs: bool
    dumpable: bool
    rlimits: dict[str, int]
    network_interfaces: list[str]
    socket_blocked: bool
    private_mounts: list[str]
    private_mounts_problems: list[str]


class RequestHeader(TypedDict):
    """First line of the request on stdin; the program's UTF-8 source follows it."""

    canvas_width: int
    canvas_height: int
    brushes: list[str]


class ResultMessage(TypedDict):
    """The single JSON document the worker writes to the results pipe before exiting."""

    paths: list[RawPathDict]
    error: str | None


class ProgramOutputError(ValueError):
    """A path the program produced is malformed (bad type, point count, style or number)."""


class OutputLimitError(Exception):
    """The program tried to output more than the per-program caps allow."""


# --------------------------------------------------------------------------------------------
# Validation shared by the runner (friendly early errors) and the parent (untrusted re-check).
# --------------------------------------------------------------------------------------------


def check_coordinate(value: float, path_index: int, point_index: int, axis: str) -> float:
    """``value`` if finite, else a ProgramOutputError naming the path and point."""
    if not math.isfinite(value):
        raise ProgramOutputError(
            f"path {path_index}: point {point_index} has a non-finite {axis} coordinate "
            f"({value!r}); coordinates must be finite numbers"
        )
    return value


def check_shape(path_index: int, path_type: str, point_count: int, d: str | None) -> None:
    """Raise ProgramOutputError unless ``path_type`` with that many points / ``d`` is drawable."""
    if path_type not in PATH_TYPES:
        allowed = ", ".join(sorted(PATH_TYPES))
        raise ProgramOutputError(
            f"path {path_index}: unknown path type {path_type!r} (allowed: {allowed})"
        )
    if path_type == "svg":
        if d is None or not d.strip():
            raise ProgramOutputError(f"path {path_index}: svg path needs a non-empty 'd' string")
        if len(d) > MAX_SVG_D_LENGTH:
            raise ProgramOutputError(
                f"path {path_index}: 'd' is {len(d)} characters, over the "
                f"{MAX_SVG_D_LENGTH} character limit"
            )
    elif path_type == "polyline":
        if point_count < 2:
            raise ProgramOutputError(
                f"path {path_index}: polyline needs at least 2 points, got {point_count}"
            )
    elif point_count != EXACT_POINTS[path_type]:
        raise ProgramOutputError(
            f"path {path_index}: {path_type} needs exactly {EXACT_POINTS[path_type]} points, "
            f"got {point_count}"
        )


def _is_hex_color(value: str) -> bool:
    return len(value) == 7 and value[0] == "#" and all(c in _HEX_DIGITS for c in value[1:])


def _style_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            number = float(value)  # type: ignore[arg-type]  # numpy scalars, Decimal, ...
        except (TypeError, ValueError):
            raise ProgramOutputError(
                f"{what} must be a number, got {type(value).__name__}"
            ) from None
    else:
        number = float(value)
    if not math.isfinite(number):
        raise ProgramOutputError(f"{what} must be finite, got {number!r}")
    return number


def check_style(key: str, value: object, brushes: frozenset[str] | None, where: str) -> str | float:
    """The validated style value; ``brushes=None`` skips the brush-name membership check."""
    if key == "color":
        if not isinstance(value, str) or not _is_hex_color(value):
            raise ProgramOutputError(f"{where}: color must be a '#RRGGBB' string, got {value!r}")
        return value
    if key == "stroke_width":
        width = _style_number(value, f"{where}: stroke_width")
        if not 0 < width <= MAX_STROKE_WIDTH:
            raise ProgramOutputError(
                f"{where}: stroke_width must be > 0 and <= {MAX_STROKE_WIDTH:g}, got {width:g}"
            )
        return width
    if key == "opacity":
        opacity = _style_number(value, f"{where}: opacity")
        if not 0 <= opacity <= 1:
            raise ProgramOutputError(f"{where}: opacity must be between 0 and 1, got {opacity:g}")
        return opacity
    if key == "brush":
        if not isinstance(value, str) or not 0 < len(value) <= MAX_BRUSH_NAME_LENGTH:
            raise ProgramOutputError(f"{where}: brush must be a brush name string, got {value!r}")
        if brushes and value not in brushes:
            raise ProgramOutputError(
                f"{where}: unknown brush {value!r}; available brushes: {', '.join(sorted(brushes))}"
            )
        return value
    raise ProgramOutputError(
        f"{where}: unknown style option {key!r}; allowed: {', '.join(STYLE_KEYS)}"
    )


def _apply_style(path: RawPathDict, key: str, value: str | float) -> None:
    if key == "color" and isinstance(value, str):
        path["color"] = value
    elif key == "brush" and isinstance(value, str):
        path["brush"] = value
    elif key == "stroke_width" and isinstance(value, float):
        path["stroke_width"] = value
    elif key == "opacity" and isinstance(value, float):
        path["opacity"] = value


def validate_result_paths(data: object, *, max_paths: int, max_points: int) -> list[RawPathDict]:
    """Strictly re-check result paths decoded from the pipe (the parent treats them as hostile).

    Unlike the program-facing helpers this accepts only the exact JSON shape the runner writes.
    Raises ProgramOutputError / OutputLimitError with a message naming the path and the limit.
    """
    if not isinstance(data, list):
        raise ProgramOutputError(f"results 'paths' must be a list, got {type(data).__name__}")
    if len(data) > max_paths:
        raise OutputLimitError(
            f"program output {len(data)} paths, over the limit of {max_paths} paths per program"
        )
    paths: list[RawPathDict] = []
    total_points = 0
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise ProgramOutputError(f"path {index}: must be an object, got {type(item).__name__}")
        path_type = item.get("type")
        raw_points = item.get("points")
        d = item.get("d")
        if not isinstance(path_type, str) or not isinstance(raw_points, list):
            raise ProgramOutputError(f"path {index}: needs a string 'type' and a 'points' list")
        if d is not None and not isinstance(d, str):
            raise ProgramOutputError(f"path {index}: 'd' must be a string")
        total_points += len(raw_points)
        if total_points > max_points:
            raise OutputLimitError(
                f"program output more than {max_points} points in total (limit reached at "
                f"path {index})"
            )
        check_shape(index, path_type, len(raw_points), d)
        points: list[RawPointDict] = []
        for point_index, raw in enumerate(raw_points):
            if not isinstance(raw, dict):
                raise ProgramOutputError(f"path {index}: point {point_index} must be an object")
            x, y = raw.get("x"), raw.get("y")
            if isinstance(x, bool) or isinstance(y, bool):
                raise ProgramOutputError(f"path {index}: point {point_index} must be numeric")
            if not isinstance(x, int | float) or not isinstance(y, int | float):
                raise ProgramOutputError(f"path {index}: point {point_index} must be numeric")
            points.append(
                {
                    "x": check_coordinate(float(x), index, point_index, "x"),
                    "y": check_coordinate(float(y), index, point_index, "y"),
                }
            )
        path: RawPathDict = {"type": path_type, "points": points}
        if d is not None:
            path["d"] = d
        for key, value in item.items():
            if key in ("type", "points", "d"):
                continue
            _apply_style(path, key, check_style(key, value, None, f"path {index}"))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# The program-facing API.
# --------------------------------------------------------------------------------------------


def _to_float(value: object, where: str) -> float:
    if isinstance(value, float):
        return value
    try:
        return float(value)  # type: ignore[arg-type]  # ints, numpy scalars, ...
    except (TypeError, ValueError):
        raise TypeError(f"{where} must be a number, got {type(value).__name__}") from None


def _to_point(value: object, where: str) -> RawPointDict:
    if isinstance(value, Mapping):
        if "x" not in value or "y" not in value:
            raise TypeError(f"{where}: a point dict needs 'x' and 'y' keys")
        x, y = value["x"], value["y"]
    else:
        try:
            x, y = value  # type: ignore[misc]  # any 2-sequence: tuple, list, numpy row
        except (TypeError, ValueError):
            raise TypeError(
                f"{where}: expected a point (x, y) or {{'x': ..., 'y': ...}}, "
                f"got {type(value).__name__}"
            ) from None
    return {"x": _to_float(x, f"{where} x"), "y": _to_float(y, f"{where} y")}


def _to_points(values: object, where: str, limit: int) -> list[RawPointDict]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{where}: expected a sequence of points, got {type(values).__name__}")
    if isinstance(values, Sized) and len(values) > limit:
        raise OutputLimitError(
            f"{where}: {len(values)} points is over the limit of {limit} points per program"
        )
    tolist = getattr(values, "tolist", None)
    if callable(tolist):  # numpy arrays: one C-level conversion instead of one per element
        values = tolist()
        if not isinstance(values, Iterable):
            raise TypeError(f"{where}: expected a sequence of points")
    return [_to_point(value, f"{where} point {i}") for i, value in enumerate(values)]


class ProgramOutput:
    """Collects the program's paths, enforcing the per-program caps as paths are added."""

    def __init__(self, *, max_paths: int, max_points: int, brushes: frozenset[str]) -> None:
        self.max_paths = max_paths
        self.max_points = max_points
        self.brushes = brushes
        self.paths: list[RawPathDict] = []
        self.point_count = 0
        self.limit_error: str | None = None

    def _limit(self, message: str) -> OutputLimitError:
        # Remembered so that a program catching the exception still fails with this message.
        self.limit_error = message
        return OutputLimitError(message)

    def make_path(
        self,
        path_type: str,
        points: list[RawPointDict],
        d: str | None,
        style: Mapping[str, object],
        where: str,
    ) -> RawPathDict:
        path: RawPathDict = {"type": path_type, "points": points}
        if d is not None:
            path["d"] = d
        for key, value in style.items():
            _apply_style(path, key, check_style(key, value, self.brushes, where))
        return path

    def normalize(self, item: object, index: int) -> RawPathDict:
        """A fresh, validated copy of a path dict the program passed to ``output_paths``."""
        if not isinstance(item, Mapping):
            raise ProgramOutputError(
                f"path {index}: expected a path dict (from line(), polyline(), ...), "
                f"got {type(item).__name__}"
            )
        path_type = item.get("type")
        if not isinstance(path_type, str):
            raise ProgramOutputError(f"path {index}: missing string 'type'")
        d = item.get("d")
        if d is not None and not isinstance(d, str):
            raise ProgramOutputError(f"path {index}: 'd' must be a string")
        points = _to_points(item.get("points", []), f"path {index}", self.max_points)
        check_shape(index, path_type, len(points), d)
        for point_index, point in enumerate(points):
            check_coordinate(point["x"], index, point_index, "x")
            check_coordinate(point["y"], index, point_index, "y")
        style = {k: v for k, v in item.items() if k not in ("type", "points", "d")}
        return self.make_path(path_type, points, d, style, f"path {index}")

    def reserve(self, count: int, caller: str) -> None:
        """Fail early (before converting anything) when ``count`` more paths cannot fit."""
        if len(self.paths) + count > self.max_paths:
            raise self._limit(
                f"{caller}: {count} more paths would exceed the limit of {self.max_paths} "
                f"paths per program ({len(self.paths)} already output)"
            )

    def add(self, items: object) -> None:
        if self.limit_error is not None:
            raise OutputLimitError(self.limit_error)
        if isinstance(items, Mapping):
            items = [items]
        if isinstance(items, str | bytes) or not isinstance(items, Iterable):
            raise TypeError(f"output_paths expects a list of paths, got {type(items).__name__}")
        if isinstance(items, Sized):
            self.reserve(len(items), "output_paths")
        for item in items:
            index = len(self.paths)
            if index >= self.max_paths:
                raise self._limit(f"too many paths: the limit is {self.max_paths} per program")
            path = self.normalize(item, index)
            if self.point_count + len(path["points"]) > self.max_points:
                raise self._limit(
                    f"too many points: path {index} would bring the total over the limit of "
                    f"{self.max_points} points per program"
                )
            self.point_count += len(path["points"])
            self.paths.append(path)


def build_program_api(
    output: ProgramOutput,
    *,
    canvas_width: int,
    canvas_height: int,
    brushes: tuple[str, ...],
    numpy_module: ModuleType | None,
) -> dict[str, object]:
    """The globals an agent program runs with: canvas size, modules and the path helpers."""

    def line(x1: object, y1: object, x2: object, y2: object, **style: object) -> RawPathDict:
        """A straight line from (x1, y1) to (x2, y2)."""
        points = [_to_point((x1, y1), "line start"), _to_point((x2, y2), "line end")]
        return output.make_path("line", points, None, style, "line()")

    def polyline(points: object, **style: object) -> RawPathDict:
        """Connected straight segments through at least two points."""
        converted = _to_points(points, "polyline()", output.max_points)
        if len(converted) < 2:
            raise ProgramOutputError(f"polyline() needs at least 2 points, got {len(converted)}")
        return output.make_path("polyline", converted, None, style, "polyline()")

    def quadratic(p0: object, p1: object, p2: object, **style: object) -> RawPathDict:
        """A quadratic Bézier: start, control, end."""
        points = [_to_point(p, f"quadratic() p{i}") for i, p in enumerate((p0, p1, p2))]
        return output.make_path("quadratic", points, None, style, "quadratic()")

    def cubic(p0: object, p1: object, p2: object, p3: object, **style: object) -> RawPathDict:
        """A cubic Bézier: start, control 1, control 2, end."""
        points = [_to_point(p, f"cubic() p{i}") for i, p in enumerate((p0, p1, p2, p3))]
        return output.make_path("cubic", points, None, style, "cubic()")

    def svg_path(d: object, **style: object) -> RawPathDict:
        """A path given as SVG path data (the ``d`` attribute)."""
        if not isinstance(d, str):
            raise TypeError(f"svg_path() expects the 'd' string, got {type(d).__name__}")
        if not d.strip() or len(d) > MAX_SVG_D_LENGTH:
            raise ProgramOutputError(
                f"svg_path() needs a non-empty 'd' of at most {MAX_SVG_D_LENGTH} characters, "
                f"got {len(d)} characters"
            )
        return output.make_path("svg", [], d, style, "svg_path()")

    def output_paths(paths: object) -> None:
        """Add paths (a list of dicts from the helpers above) to the program's output."""
        output.add(paths)

    def output_svg_paths(ds: object, **style: object) -> None:
        """Add one svg path per 'd' string, all with the same style."""
        if isinstance(ds, str):
            ds = [ds]
        if not isinstance(ds, Iterable):
            raise TypeError(f"output_svg_paths expects a list of 'd' strings, got {type(ds)}")
        if isinstance(ds, Sized):
            output.reserve(len(ds), "output_svg_paths")
        output.add(svg_path(d, **style) for d in ds)

    api: dict[str, object] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "canvas_width": canvas_width,
        "canvas_height": canvas_height,
        "math": math,
        "random": random,
        "BRUSHES": brushes,
        "line": line,
        "polyline": polyline,
        "quadratic": quadratic,
        "cubic": cubic,
        "svg_path": svg_path,
        "output_paths": output_paths,
        "output_svg_paths": output_svg_paths,
    }
    if numpy_module is not None:
        api["numpy"] = numpy_module
        api["np"] = numpy_module
    return api


# --------------------------------------------------------------------------------------------
# Lock-down: rlimits, privilege drop, seccomp.
# --------------------------------------------------------------------------------------------

_PR_SET_DUMPABLE: Final = 4
_PR_GET_DUMPABLE: Final = 3
_PR_SET_NO_NEW_PRIVS: Final = 38
_PR_GET_NO_NEW_PRIVS: Final = 39

_CLONE_THREAD: Final = 0x00010000
_ARG_MASK: Final = (1 << 64) - 1  # syscall arguments are compared as full 64-bit values
_LIBSECCOMP_SONAME: Final = "libseccomp.so.2"

# Syscalls an agent program never needs. Network: all socket creation and use (no AF_UNIX
# either). Escapes: exec, fork (threads stay allowed), new sessions/process groups (which would
# dodge the process-group kill), namespaces, mounts, ptrace and cross-process memory, kernel
# keyrings, bpf/perf/io_uring (io_uring can open sockets behind seccomp's back), module loading,
# raising rlimits (setrlimit; prlimit64 only with a new limit, see ``seccomp_rules``).
_DENY_EPERM: Final = (
    "socket",
    "connect",
    "accept",
    "bind",
    "listen",
    "socketpair",
    "accept4",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "setpgid",
    "setsid",
    "ptrace",
    "syslog",
    "uselib",
    "personality",
    "setrlimit",
    "chroot",
    "acct",
    "mount",
    "umount2",
    "swapon",
    "swapoff",
    "reboot",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "init_module",
    "delete_module",
    "quotactl",
    "vhangup",
    "pivot_root",
    "tkill",
    "kexec_load",
    "add_key",
    "request_key",
    "keyctl",
    "unshare",
    "perf_event_open",
    "fanotify_init",
    "name_to_handle_at",
    "open_by_handle_at",
    "setns",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "finit_module",
    "kexec_file_load",
    "bpf",
    "userfaultfd",
    "pidfd_send_signal",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "pidfd_getfd",
    "mount_setattr",
)
# Signals may only target this process: its own pid, or 0 (its own process group).
_OWN_PID_ONLY: Final = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


class ArgCheck(NamedTuple):
    """A libseccomp comparison on one syscall argument (all 64 bits of it).

    ``ne``/``gt``: ``args[arg] != value`` / ``args[arg] > value`` (unsigned);
    ``masked_eq``: ``args[arg] & mask == value``.
    """

    arg: int
    op: Literal["ne", "gt", "masked_eq"]
    value: int
    mask: int = _ARG_MASK


class SeccompRule(NamedTuple):
    """Fail ``syscall`` with ``errno``: always, or only when ``check`` holds."""

    syscall: str
    errno: int
    check: ArgCheck | None = None


def _aligned_blocks(low: int, high: int) -> list[tuple[int, int]]:
    """``[low, high]`` as aligned power-of-two blocks ``(start, size)``, smallest cover first.

    Each block is one ``masked_eq`` comparison: libseccomp allows a single comparison per
    argument in a rule, so "neither 0 nor own pid" is written as a union of ranges.
    """
    blocks: list[tuple[int, int]] = []
    while low <= high:
        size = low & -low if low else 1 << 63
        while low + size - 1 > high:
            size >>= 1
        blocks.append((low, size))
        low += size
    return blocks


def seccomp_rules(own_pid: int, *, deny_memfd: bool = False) -> list[SeccompRule]:
    """The deny-list the runner installs (everything else is allowed); pure, so tests read it.

    ``clone`` only for threads (``CLONE_THREAD`` set); ``clone3`` fails with ENOSYS because its
    flags live in a struct seccomp cannot read, and libc then falls back to ``clone``. Signals
    only to ``own_pid`` or 0, so a program cannot signal other sandboxed processes sharing its
    uid; ``prlimit64`` may only read limits (its new-limit pointer must be NULL). With
    ``deny_memfd`` (no memory cgroup) ``memfd_create`` fails too: its pages are invisible to
    ``RLIMIT_AS``, so without a cgroup nothing else would bound them.
    """
    if own_pid < 1:
        raise ValueError(f"own_pid must be a process id, got {own_pid}")
    rules = [SeccompRule(name, errno.EPERM) for name in _DENY_EPERM]
    rules.append(SeccompRule("clone3", errno.ENOSYS))
    rules.append(SeccompRule("clone", errno.EPERM, ArgCheck(0, "masked_eq", 0, _CLONE_THREAD)))
    other_pids = [ArgCheck(0, "gt", own_pid)]
    other_pids += [
        ArgCheck(0, "masked_eq", start, _ARG_MASK & ~(size - 1))
        for start, size in _aligned_blocks(1, own_pid - 1)
    ]
    rules += [
        SeccompRule(name, errno.EPERM, check) for name in _OWN_PID_ONLY for check in other_pids
    ]
    rules.append(SeccompRule("prlimit64", errno.EPERM, ArgCheck(2, "ne", 0)))
    if deny_memfd:
        rules.append(SeccompRule("memfd_create", errno.EPERM))
    return rules


class _LibseccompFilter(Protocol):
    """The part of ``pyseccomp.SyscallFilter`` the runner uses (pyseccomp ships no types)."""

    def set_attr(self, attr: int, value: int) -> None: ...

    def add_rule(self, action: int, syscall: str, *args: object) -> None: ...

    def load(self) -> None: ...

    def export_pfc(self, file: IO[bytes]) -> None: ...


def _import_pyseccomp() -> ModuleType:
    """``pyseccomp``, with libseccomp loaded by its soname.

    On import pyseccomp looks libc and libseccomp up with ``ctypes.util.find_library``, which
    runs ``ldconfig``/``gcc`` subprocesses: slow, and inside bubblewrap (no ld.so.cache) it
    finds nothing. dlopen finds the soname in the default library directories by itself, and
    libc is already loaded (``CDLL(None)``), so the lookup is answered for those two names.
    """
    if "pyseccomp" in sys.modules:
        return sys.modules["pyseccomp"]
    import ctypes.util

    find_library = ctypes.util.find_library
    known = {"seccomp": _LIBSECCOMP_SONAME, "c": None}

    def find_known_library(name: str) -> str | None:
        return known[name] if name in known else find_library(name)

    ctypes.util.find_library = find_known_library
    try:
        return importlib.import_module("pyseccomp")
    finally:
        ctypes.util.find_library = find_library


class SeccompFilter:
    """Rules compiled by libseccomp (through pyseccomp) for the native architecture.

    System calls of any other ABI (x32 numbers, i386 through ``int 0x80``) fail with ENOSYS.
    Loading applies the filter to every thread of the process (TSYNC): numpy's too.
    """

    def __init__(self, rules: Iterable[SeccompRule]) -> None:
        lib = _import_pyseccomp()
        compare = {"ne": lib.NE, "gt": lib.GT, "masked_eq": lib.MASKED_EQ}
        self._filter: _LibseccompFilter = lib.SyscallFilter(lib.ALLOW)
        self._filter.set_attr(lib.Attr.ACT_BADARCH, lib.ERRNO(errno.ENOSYS))
        self._filter.set_attr(lib.Attr.CTL_TSYNC, 1)
        for rule in rules:
            args: list[object] = []
            if rule.check is not None:
                arg, op, value, mask = rule.check
                # libseccomp's masked_eq takes the mask first, the others only the value.
                datums = (mask, value) if op == "masked_eq" else (value,)
                args.append(lib.Arg(arg, compare[op], *datums))
            self._filter.add_rule(lib.ERRNO(rule.errno), rule.syscall, *args)

    def load(self) -> None:
        """Install the filter; the process must already have no_new_privs (or CAP_SYS_ADMIN)."""
        self._filter.load()

    def pfc(self) -> str:
        """The compiled filter as libseccomp's readable pseudo filter code."""
        import tempfile

        with tempfile.TemporaryFile() as file:
            self._filter.export_pfc(file)
            file.seek(0)
            return file.read().decode()


def build_seccomp_filter(own_pid: int, *, deny_memfd: bool = False) -> SeccompFilter:
    """The filter the runner installs (``seccomp_rules``), ready to ``load``."""
    return SeccompFilter(seccomp_rules(own_pid, deny_memfd=deny_memfd))


def seccomp_supported() -> bool:
    """Whether this runner has a filter for the machine (x86_64 only)."""
    return sys.platform == "linux" and os.uname().machine == "x86_64" and sys.maxsize > 2**32


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(libc: ctypes.CDLL, option: int, value: int) -> int:
    zero = ctypes.c_ulong(0)
    result = libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), zero, zero, zero)
    if not isinstance(result, int) or result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}) failed: {os.strerror(err)}")
    return result


def _set_limit(which: int, soft: int, hard: int) -> int:
    _cur_soft, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
    soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))
    return soft


_CLONE_NEWNS: Final = 0x00020000
_MS_NOSUID: Final = 0x2
_MS_NODEV: Final = 0x4
_MS_NOEXEC: Final = 0x8
_MS_REC: Final = 0x4000
_MS_PRIVATE: Final = 1 << 18
_MS_BIND: Final = 0x1000
_HIDDEN_DIRS: Final = ("/tmp", "/var/tmp", "/dev/shm")


def _runtime_dirs() -> list[str]:
    """Where this interpreter loads code from (its import path and this module's folder):
    what must stay visible when a hidden directory covers it (a checkout or a virtualenv
    under /tmp, as a CI clone often is)."""
    from pathlib import Path  # only the fallback needs it

    found = {str(Path(p).resolve()) for p in sys.path if p and Path(p).is_dir()}
    found.add(str(Path(__file__).resolve().parent))
    kept: list[str] = []
    for path in sorted(found, key=len):  # outermost first; nested ones ride along
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _keep_visible(libc: ctypes.CDLL, target: str, keep: list[str], fds: dict[str, int]) -> None:
    """Bind the runtime directories under ``target`` back into it after it was hidden (the
    directories were opened before, so they are reached through ``/proc/self/fd``)."""
    from pathlib import Path  # only the fallback needs it

    for path in keep:
        if not path.startswith(target.rstrip("/") + "/"):
            continue
        Path(path).mkdir(parents=True, exist_ok=True)  # in the fresh tmpfs
        _mount(libc, f"/proc/self/fd/{fds[path]}", path, None, _MS_BIND | _MS_REC, "")


def _mount(
    libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int, data: str
) -> None:
    result = libc.mount(
        source.encode() if source is not None else None,
        target.encode(),
        fstype.encode() if fstype is not None else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or 'private'} on {target}: {os.strerror(err)}")


def private_mounts(spec: WorkerSpec) -> tuple[list[str], list[str]]:
    """The fallback's own mount namespace: what was applied, and what could not be (why).

    Why: without bubblewrap the program sees the host filesystem; as root (the fallback runs
    only under a root server, to drop the uid) the runner can still hide the world-writable
    /tmp, /var/tmp and /dev/shm behind read-only empty tmpfs mounts, give itself a scratch tmpfs
    bounded in size *and* inodes, and mount /proc with ``hidepid=2`` so other uids' processes
    (the server's command line) are invisible. Best effort: each step that fails is reported,
    logged by the parent, and the remaining layers still apply.
    """
    libc = _libc()
    if libc.unshare(ctypes.c_int(_CLONE_NEWNS)) != 0:
        err = ctypes.get_errno()
        return [], [f"unshare(CLONE_NEWNS): {os.strerror(err)}"]
    applied: list[str] = []
    problems: list[str] = []
    try:
        _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE, "")
    except OSError as exc:
        return [], [str(exc)]
    from pathlib import Path  # only the fallback needs it

    hidden = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    keep = _runtime_dirs()
    fds = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}
    try:
        for target in _HIDDEN_DIRS:
            if not Path(target).is_dir():
                continue
            try:
                _mount(libc, "tmpfs", target, "tmpfs", hidden, "size=64k,nr_inodes=64,mode=0755")
                applied.append(target)
                _keep_visible(libc, target, keep, fds)
            except OSError as exc:
                problems.append(str(exc))
    finally:
        for fd in fds.values():
            os.close(fd)
    scratch = spec["scratch"]
    uid, gid = spec["drop_uid"], spec["drop_gid"]
    owner = f",uid={uid},gid={gid}" if uid is not None and gid is not None else ""
    try:
        Path(scratch).mkdir(mode=0o755, parents=True, exist_ok=True)  # in the fresh /tmp
        _mount(
            libc,
            "tmpfs",
            scratch,
            "tmpfs",
            hidden,
            f"size={spec['scratch_bytes']},nr_inodes={spec['scratch_inodes']},mode=0700{owner}",
        )
        applied.append("scratch tmpfs")
    except OSError as exc:
        problems.append(str(exc))
    try:
        _mount(libc, "proc", "/proc", "proc", hidden, "hidepid=2")
        applied.append("/proc hidepid=2")
    except OSError as exc:
        problems.append(str(exc))
    return applied, problems


def apply_lockdown(spec: WorkerSpec) -> ReadyReport:
    """Limits, privilege drop and seccomp, in that order; returns what is now in force."""
    mounts, mount_problems = private_mounts(spec) if spec["private_mounts"] else ([], [])
    os.chdir(spec["scratch"])
    seccomp_filter: SeccompFilter | None = None
    if spec["seccomp"]:
        if not seccomp_supported():
            raise RuntimeError(f"seccomp requested but unsupported on {os.uname().machine}")
        # Built while the venv is still readable (before the uid drop) and memory unlimited.
        seccomp_filter = build_seccomp_filter(os.getpid(), deny_memfd=spec["deny_memfd"])
    rlimits = {
        "cpu_seconds": _set_limit(
            resource.RLIMIT_CPU, spec["cpu_seconds"], spec["cpu_seconds"] + 1
        ),
        "address_space": _set_limit(resource.RLIMIT_AS, spec["memory_bytes"], spec["memory_bytes"]),
        "file_size": _set_limit(
            resource.RLIMIT_FSIZE, spec["file_size_bytes"], spec["file_size_bytes"]
        ),
        "processes": _set_limit(
            resource.RLIMIT_NPROC, spec["max_processes"], spec["max_processes"]
        ),
        "open_files": _set_limit(
            resource.RLIMIT_NOFILE, spec["max_open_files"], spec["max_open_files"]
        ),
        "core": _set_limit(resource.RLIMIT_CORE, 0, 0),
        "memlock": _set_limit(resource.RLIMIT_MEMLOCK, 0, 0),
        "msgqueue": _set_limit(resource.RLIMIT_MSGQUEUE, 0, 0),
    }
    # A write past RLIMIT_FSIZE then fails with EFBIG (a catchable, explained OSError) instead
    # of killing the process with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    uid, gid = spec["drop_uid"], spec["drop_gid"]
    if uid is not None and gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise RuntimeError(f"privilege drop to {uid}:{gid} did not take effect")
    libc = _libc()
    _prctl(libc, _PR_SET_NO_NEW_PRIVS, 1)
    _prctl(libc, _PR_SET_DUMPABLE, 0)
    seccomp_on = False
    if seccomp_filter is not None:
        seccomp_filter.load()
        seccomp_on = True
    return {
        "ready": True,
        "pid": os.getpid(),
        "uid": os.getuid(),
        "gid": os.getgid(),
        "groups": os.getgroups(),
        "seccomp": seccomp_on,
        "no_new_privs": _prctl(libc, _PR_GET_NO_NEW_PRIVS, 0) == 1,
        "dumpable": _prctl(libc, _PR_GET_DUMPABLE, 0) != 0,
        "rlimits": rlimits,
        "network_interfaces": [],
        "socket_blocked": False,
        "private_mounts": mounts,
        "private_mounts_problems": mount_problems,
    }


# --------------------------------------------------------------------------------------------
# Worker main loop: one program, then exit.
# --------------------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_request(max_code_bytes: int) -> tuple[RequestHeader, str]:
    limit = REQUEST_HEADER_LIMIT + max_code_bytes
    data = bytearray()
    while chunk := os.read(0, 1 << 16):
        data += chunk
        if len(data) > limit:
            raise ValueError(f"request is over {limit} bytes")
    header_line, newline, code = bytes(data).partition(b"\n")
    if not newline:
        raise ValueError("request has no header line")
    header = json.loads(header_line)
    if not isinstance(header, dict):
        raise ValueError("request header is not an object")
    width, height, brushes = (
        header.get("canvas_width"),
        header.get("canvas_height"),
        header.get("brushes"),
    )
    if not isinstance(width, int) or not isinstance(height, int) or not isinstance(brushes, list):
        raise ValueError("request header needs canvas_width, canvas_height and brushes")
    return (
        {"canvas_width": width, "canvas_height": height, "brushes": [str(b) for b in brushes]},
        code.decode("utf-8"),
    )


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a hostile __str__
        return "<unprintable message>"
    return text if len(text) <= 500 else text[:500] + "..."


def _program_lineno(tb: object) -> int | None:
    lineno: int | None = None
    for frame, frame_lineno in traceback.walk_tb(tb):  # type: ignore[arg-type]
        if frame.f_code.co_filename == PROGRAM_FILENAME:
            lineno = frame_lineno
    return lineno


def _describe_failure(exc: BaseException, memory_bytes: int) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    where = _program_lineno(exc.__traceback__)
    suffix = f" (line {where})" if where is not None else ""
    if isinstance(exc, MemoryError):
        return f"MemoryError: program ran out of memory (limit {memory_bytes >> 20} MiB){suffix}"
    message = _safe_str(exc)
    name = type(exc).__name__
    return f"{name}: {message}{suffix}" if message else f"{name}{suffix}"


def _print_program_traceback(exc: BaseException) -> None:
    """The traceback without runner frames, so the model sees only its own lines."""
    try:
        frames = [
            entry
            for entry in traceback.extract_tb(exc.__traceback__)
            if entry.filename == PROGRAM_FILENAME
        ]
        lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
        lines += traceback.format_exception_only(type(exc), exc)
        sys.stderr.write("".join(lines))
    except BaseException:  # memory or recursion exhaustion while formatting
        with contextlib.suppress(BaseException):
            os.write(2, f"{type(exc).__name__} (traceback unavailable)\n".encode())


def run_program(code: str, api: dict[str, object], memory_bytes: int) -> str | None:
    """Execute the program in ``api`` as its globals; the error message, or None on success."""
    linecache.cache[PROGRAM_FILENAME] = (len(code), None, code.splitlines(True), PROGRAM_FILENAME)
    try:
        compiled = compile(code, PROGRAM_FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        with contextlib.suppress(BaseException):
            sys.stderr.write("".join(traceback.format_exception_only(type(exc), exc)))
        return _describe_failure(exc, memory_bytes)
    except (ValueError, MemoryError, RecursionError) as exc:
        return f"program could not be compiled: {_describe_failure(exc, memory_bytes)}"
    try:
        exec(compiled, api)
    except SystemExit as exc:
        if exc.code is None or exc.code == 0:
            return None
        return f"program called exit({_safe_str(exc)})"
    except BaseException as exc:
        _print_program_traceback(exc)
        return _describe_failure(exc, memory_bytes)
    return None


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(BaseException):
            if stream is not None:
                stream.flush()


def _encode_result(message: ResultMessage, max_result_bytes: int) -> bytes:
    encoded = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    if len(encoded) > max_result_bytes:
        oversize: ResultMessage = {
            "paths": [],
            "error": (
                f"program output is {len(encoded)} bytes of path data, over the "
                f"{max_result_bytes} byte limit; output fewer or simpler paths"
            ),
        }
        encoded = json.dumps(oversize).encode()
    return encoded + b"\n"


# Imported before the lock-down: later imports cost run latency, and without bubblewrap the
# sandbox uid may not be able to read the interpreter's stdlib at all.
_PRELOAD_MODULES: Final = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "numpy.fft",
    "bisect",
    "cmath",
    "collections",
    "colorsys",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "re",
    "statistics",
    "string",
)


def _preload() -> ModuleType:
    """Import numpy and the stdlib modules programs commonly use; returns numpy."""
    for name in _PRELOAD_MODULES:
        importlib.import_module(name)
    return sys.modules["numpy"]


def _probe(spec: WorkerSpec) -> int:
    """Report which protections work (``detect_capabilities``), on stdout, without user code."""
    import socket  # only the probe needs it

    interfaces = sorted(name for _index, name in socket.if_nameindex())
    _preload()
    report = apply_lockdown(spec)
    report["network_interfaces"] = interfaces
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        report["socket_blocked"] = True
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return EXIT_OK


def worker(spec: WorkerSpec) -> int:
    """Import, lock down, announce readiness, run one program from stdin, report, exit."""
    for entry in spec["sys_path"]:
        if entry not in sys.path:
            sys.path.append(entry)
    if spec["probe"]:
        return _probe(spec)
    result_fd = spec["result_fd"]
    numpy_module = _preload()
    report = apply_lockdown(spec)
    _write_all(result_fd, json.dumps(report).encode() + b"\n")

    header, code = _read_request(spec["max_code_bytes"])
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    output = ProgramOutput(
        max_paths=spec["max_paths"],
        max_points=spec["max_points"],
        brushes=frozenset(header["brushes"]),
    )
    api = build_program_api(
        output,
        canvas_width=header["canvas_width"],
        canvas_height=header["canvas_height"],
        brushes=tuple(header["brushes"]),
        numpy_module=numpy_module,
    )
    error = run_program(code, api, spec["memory_bytes"])
    api.clear()  # drop the program's objects before serialising (it may have used most memory)
    if output.limit_error is not None:
        error = output.limit_error
    _flush_stdio()
    message: ResultMessage = {"paths": output.paths, "error": error}
    try:
        payload = _encode_result(message, spec["max_result_bytes"])
    except (ValueError, TypeError, MemoryError) as exc:
        payload = json.dumps({"paths": [], "error": f"results not serialisable: {exc}"}).encode()
    _write_all(result_fd, payload)
    return EXIT_OK if error is None else EXIT_PROGRAM_ERROR


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: runner.py SPEC_JSON\n")
        return EXIT_RUNNER_ERROR
    spec: WorkerSpec = json.loads(argv[0])
    if spec["nice"] > 0:
        # Warm up in the background without slowing running programs; the parent restores
        # normal priority when it hands this worker a program.
        os.nice(spec["nice"])
    if spec["result_fd"] != 3 and not spec["probe"]:
        os.dup2(spec["result_fd"], 3)
        os.close(spec["result_fd"])
        spec["result_fd"] = 3
    return worker(spec)


if __name__ == "__main__":
    try:
        status = main(sys.argv[1:])
    except BaseException as exc:  # report runner failures, never hang the parent
        with contextlib.suppress(BaseException):
            sys.stderr.write(f"sandbox runner failed: {type(exc).__name__}: {exc}\n")
        status = EXIT_RUNNER_ERROR
    _flush_stdio()
    os._exit(status)
