"""A hostile-program battery (issue 15): output bombs aimed at the parser, resource exhaustion
(memfd, /dev/shm, scratch tmpfs, inodes, threads, fork), escapes (network, /proc, other users'
files, the JWT secret, environment, ptrace, setuid, signals, /tmp, symlinks, exec, fds, tty)
and time bombs, each run through the real ``CodeSandbox``: under bubblewrap, and again in the
local opt-in fallback without it.

Every case states its expected clear outcome (an error naming the limit, or bounded output) and
that nothing escaped: no file left on the host, no secret in anything that came back, memory
within the program's cgroup bound. Some cases the fallback contains only through its private
mount namespace (read-only empty /tmp, /var/tmp, /dev/shm; a size- and inode-bounded scratch
tmpfs; /proc with hidepid=2): where the host refuses those mounts they are xfails naming why.

The bubblewrap half is skipped only when bubblewrap cannot run here, and fails instead under
``CI=true``. Measured numbers (memory peaks, parse times, latencies) are printed (``-s``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from code_monet.sandbox.cgroup import ProgramCgroup, _own_cgroup, setup_cgroups
from code_monet.sandbox.code_sandbox import (
    CodeSandbox,
    SandboxCapabilities,
    SandboxConfig,
    SandboxResult,
    detect_capabilities,
)
from code_monet.sandbox.slots import ProgramSlots, SlotsBusyError
from code_monet.tools.path_parsing import (
    PathInputError,
    PathLimits,
    parse_paths,
    parse_svg_output,
    remaining_limits,
)

SECRET = "hostile-battery-SECRET-" + uuid.uuid4().hex
BRUSHES = ("oil_round", "watercolor")
MIB = 1 << 20
# Memory bombs run with a smaller limit: first-touching memory is slow on small VMs, and the
# bound is the same mechanism at any size.
BOMB_MEMORY = 256 * MIB
MEMORY_ANY = 64 * MIB
# Slack over the per-program limit for what a peak reading can include beyond the program's
# own charges (the cgroup shim, bwrap, page cache of the runtime read in at warm-up).
PEAK_SLACK = 64 * MIB
PROGRAM_LIMITS = PathLimits(max_paths=5000, max_points_total=200_000)
IN_CI = os.environ.get("CI") == "true"
Mode = str  # "bwrap" or "fallback"


def battery_config(**overrides: float | int | bool) -> SandboxConfig:
    """Short limits so CPU and time bombs end quickly; everything else at production values."""
    values: dict[str, float | int | bool] = {
        "cpu_seconds": 1,
        "wall_timeout": 2.0,
        "pool_size": 2,
        "local_mode": True,
        "allow_fallback": True,
        "slot_wait_seconds": 30.0,
    }
    values.update(overrides)
    return SandboxConfig(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# The host the programs attack: server data, secrets, places they must not write.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Host:
    """What a hostile program aims at, and where an escape would leave traces."""

    data_dir: Path
    other_workspace: Path
    jwt_secret: Path
    markers: tuple[Path, ...]
    server_pid: int

    def marker(self, index: int) -> str:
        return str(self.markers[index])


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """A DATA_DIR laid out as the server keeps it (0700 dirs, 0600 files) holding SECRET."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    other = data / "users" / str(uuid.uuid4())
    other.mkdir(parents=True)
    workspace = other / "workspace.json"
    workspace.write_text(json.dumps({"token": SECRET}))
    secrets = data / "secrets"
    secrets.mkdir()
    jwt = secrets / "jwt_secret"
    jwt.write_text(SECRET)
    for path in (workspace, jwt):
        path.chmod(0o600)
    for directory in (data, data / "users", other, secrets):
        directory.chmod(0o700)
    tag = uuid.uuid4().hex
    markers = (
        Path(f"/tmp/code-monet-hostile-{tag}"),
        Path(f"/dev/shm/code-monet-hostile-{tag}"),
        Path(f"/var/tmp/code-monet-hostile-{tag}"),
    )
    previous = os.environ.get("JWT_SECRET")
    os.environ["JWT_SECRET"] = SECRET  # the server's environment; programs must not see it
    yield Host(data, workspace, jwt, markers, os.getpid())
    if previous is None:
        os.environ.pop("JWT_SECRET", None)
    else:
        os.environ["JWT_SECRET"] = previous
    for marker in markers:
        marker.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------
# Sandboxes: one per mode for the whole module (warm pools keep the battery fast).
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def caps() -> SandboxCapabilities:
    return detect_capabilities()


def mode_capabilities(mode: Mode, caps: SandboxCapabilities) -> SandboxCapabilities:
    if mode == "bwrap":
        if not caps.bubblewrap:
            if IN_CI:
                pytest.fail("CI must be able to run bubblewrap for the hostile battery")
            pytest.skip("bubblewrap cannot run here")
        return caps
    if not (caps.seccomp and caps.unprivileged_uid):
        pytest.skip("the fallback needs seccomp and a uid to drop to (a root server)")
    return SandboxCapabilities(bubblewrap=False, seccomp=True, unprivileged_uid=True)


PROFILES: dict[str, SandboxConfig] = {
    "default": battery_config(),
    "memory": battery_config(
        memory_bytes=BOMB_MEMORY,
        memory_total_bytes=4 * BOMB_MEMORY,
        cpu_seconds=2,
        wall_timeout=3.0,
        pool_size=1,
    ),
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def boxes(caps: SandboxCapabilities) -> AsyncIterator[dict[tuple[Mode, str], CodeSandbox]]:
    started: dict[tuple[Mode, str], CodeSandbox] = {}
    for mode in ("bwrap", "fallback"):
        usable = caps.bubblewrap if mode == "bwrap" else (caps.seccomp and caps.unprivileged_uid)
        if not usable:
            continue
        for profile, config in PROFILES.items():
            box = CodeSandbox(config, capabilities=mode_capabilities(mode, caps))
            await box.wait_ready()
            started[mode, profile] = box
    yield started
    for box in started.values():
        await box.close()


async def run(box: CodeSandbox, code: str, owner: str | None = None) -> SandboxResult:
    return await box.run(code, canvas_width=800, canvas_height=600, brushes=BRUSHES, owner=owner)


def everything(result: SandboxResult) -> str:
    """All text a program could smuggle out."""
    return f"{result.stdout}\n{result.stderr_tail}\n{result.error}\n{json.dumps(result.paths)}"


@dataclass(frozen=True)
class Parsed:
    """What the tool's parser made of a program's output (issue 15 item 1 runs it too)."""

    paths: int
    failures: int
    error: str | None
    seconds: float


def parse_output(result: SandboxResult) -> Parsed:
    """The program's paths and printed SVG through the real parser and budgets (blocking)."""
    started = time.perf_counter()
    try:
        parsed = parse_paths(
            list(result.paths), canvas_width=800, canvas_height=600, limits=PROGRAM_LIMITS
        )
        count, failures = len(parsed.paths), len(parsed.failures)
        if "<svg" in result.stdout:
            printed = parse_svg_output(
                result.stdout[result.stdout.index("<svg") :],
                canvas_width=800,
                canvas_height=600,
                limits=remaining_limits(PROGRAM_LIMITS, parsed),
            )
            count += len(printed.paths)
            failures += len(printed.failures)
    except PathInputError as exc:
        return Parsed(0, 0, str(exc), time.perf_counter() - started)
    return Parsed(count, failures, None, time.perf_counter() - started)


# ------------------------------------------------------------------------------------------
# The battery.
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A finished case: the result, the parse of its output, the host, the mode."""

    result: SandboxResult
    parsed: Parsed
    host: Host
    mode: Mode
    limit_bytes: int

    @property
    def error(self) -> str:
        assert self.result.error is not None, f"expected an error; stdout={self.result.stdout!r}"
        return self.result.error


@dataclass(frozen=True)
class Case:
    """One hostile program: its code (given the host), the check, where it is known weaker."""

    name: str
    category: str
    code: Callable[[Host], str]
    check: Callable[[Outcome], None]
    # What the fallback leaks without its private mounts (an xfail where they cannot be made).
    fallback_leaks: str | None = None
    profile: str = "default"


def attempts(*lines: str) -> str:
    """A program that tries each ``name: expression`` and prints ALLOWED or denied per try."""
    body = [
        "def attempt(name, action):",
        "    try:",
        "        value = action()",
        "        print('ALLOWED', name, repr(value)[:200])",
        "    except BaseException as exc:",
        "        print('denied', name, type(exc).__name__)",
    ]
    for line in lines:
        name, _, expression = line.partition(": ")
        body.append(f"attempt({name!r}, lambda: {expression})")
    return "\n".join(body)


def all_denied(count: int) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        result = outcome.result
        assert result.error is None, result.error
        assert "ALLOWED" not in result.stdout, result.stdout
        assert result.stdout.count("denied") == count, result.stdout

    return check


def error_says(*needles: str) -> Callable[[Outcome], None]:
    """The error names at least one of ``needles`` (case-insensitive)."""

    def check(outcome: Outcome) -> None:
        error = outcome.error.lower()
        assert any(needle.lower() in error for needle in needles), outcome.error

    return check


def both(*checks: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        for each in checks:
            each(outcome)

    return check


def parsed_cleanly(max_paths: int = 5000) -> Callable[[Outcome], None]:
    """The parser finished (or refused with PathInputError) inside its budgets."""

    def check(outcome: Outcome) -> None:
        parsed = outcome.parsed
        assert parsed.paths <= max_paths
        print(f"[{outcome.mode}] parse: {parsed}")

    return check


def memory_bounded(outcome: Outcome) -> None:
    """The program's cgroup peak (when it has one) stayed within its limit."""
    peak = outcome.result.memory_peak_bytes
    print(f"[{outcome.mode}] memory peak: {None if peak is None else peak >> 20} MiB")
    if peak is not None:
        assert peak <= outcome.limit_bytes + PEAK_SLACK


def no_marker(index: int) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        assert not outcome.host.markers[index].exists(), f"{outcome.host.markers[index]} created"

    return check


def ok_with(text: str) -> Callable[[Outcome], None]:
    def check(outcome: Outcome) -> None:
        assert outcome.result.error is None, outcome.result.error
        assert text in outcome.result.stdout, outcome.result.stdout

    return check


BIG_D = "'M0 0' + ' L1 1' * 39_000"
ARCS = "' '.join('A 5 5 0 1 1 %d %d' % (i % 700, (i * 7) % 500) for i in range(34))"
CASES: list[Case] = [
    # -- output bombs aimed at the parser ------------------------------------------------
    Case(
        "huge_d_strings_past_result_cap",
        "parser",
        lambda h: f"output_svg_paths([{BIG_D}] * 100)",
        both(error_says("byte limit", "results exceeded"), parsed_cleanly()),
    ),
    Case(
        "d_string_over_its_length_limit",
        "parser",
        lambda h: "svg_path('M0 0' + ' L1 1' * 60_000)",
        error_says("200000 character"),
    ),
    Case(
        "issue_15_arcs_5000_paths_of_34",
        "parser",
        lambda h: f"output_svg_paths(['M 0 0 ' + {ARCS} for _ in range(5000)])",
        parsed_cleanly(),
    ),
    Case(
        "million_arcs_in_one_d",
        "parser",
        lambda h: "svg_path('M0 0' + ' A1 1 0 0 1 2 2' * 1_000_000)",
        error_says("character"),
    ),
    Case(
        "million_tiny_printed_paths",
        "parser",
        lambda h: "\n".join(
            [
                "print('<svg xmlns=\"http://www.w3.org/2000/svg\">')",
                "for i in range(10 ** 6):",
                "    print('<path d=\"M0 0L1 1\"/>')",
                "print('</svg>')",
            ]
        ),
        both(error_says("output exceeded"), parsed_cleanly()),
    ),
    Case(
        "printed_svg_under_the_cap_parses_in_budget",
        "parser",
        lambda h: "print('<svg>' + '<path d=\"M0 0L9 9\"/>' * 3000 + '</svg>')",
        both(ok_with("<svg>"), parsed_cleanly()),
    ),
    Case(
        "deeply_nested_svg_groups",
        "parser",
        lambda h: (
            "print('<svg>' + '<g>' * 5000 + '<path d=\"M0 0L1 1\"/>' + '</g>' * 5000 + '</svg>')"
        ),
        both(ok_with("<svg>"), parsed_cleanly()),
    ),
    Case(
        "giant_finite_numbers_are_clamped",
        "parser",
        lambda h: "output_paths([line(1e308, -1e308, 1.7e308, 5e-324)])",
        parsed_cleanly(),
    ),
    Case(
        "integer_too_large_for_a_float",
        "parser",
        lambda h: "output_paths([line(10 ** 400, 0, 1, 1)])",
        error_says("OverflowError", "too large"),
    ),
    Case(
        "nan_and_inf_inside_d",
        "parser",
        lambda h: "output_svg_paths(['M NaN 0 L inf 1', 'M 0 0 L 1e999 1', 'M -inf -inf'])",
        parsed_cleanly(),
    ),
    Case(
        "infinite_stroke_width",
        "parser",
        lambda h: "output_paths([line(0, 0, 1, 1, stroke_width=float('inf'))])",
        error_says("finite"),
    ),
    Case(
        "unicode_digits_bidi_and_zero_width_in_d",
        "parser",
        lambda h: (
            "output_svg_paths(['M０ ０ L１ １', 'M0\\u200b0 L1\\u202e1', 'M\\ufeff0 0 L9 9'])"
        ),
        parsed_cleanly(),
    ),
    Case(
        "lone_surrogate_in_d",
        "parser",
        lambda h: "output_svg_paths(['M0 0 L1 1 \\ud800'])",
        parsed_cleanly(),
    ),
    Case(
        "fullwidth_color",
        "parser",
        lambda h: "output_paths([line(0, 0, 1, 1, color='#ＦＦ0000')])",
        error_says("color"),
    ),
    Case(
        "hundred_megabyte_line_without_newline",
        "parser",
        lambda h: "import sys\nsys.stdout.write('<svg' + 'x' * 100_000_000)",
        both(error_says("output exceeded"), parsed_cleanly()),
    ),
    Case(
        "binary_garbage_on_stdout",
        "parser",
        lambda h: (
            "import os\nos.write(1, b'<svg' + os.urandom(60_000))\noutput_paths([line(0, 0, 1, 1)])"
        ),
        parsed_cleanly(),
    ),
    Case(
        "stderr_flood_without_newlines",
        "parser",
        lambda h: "import sys\nsys.stderr.write('e' * 100_000_000)",
        both(
            error_says("error output exceeded"),
            lambda o: assert_short(o.result.stderr_tail, 4096),
        ),
    ),
    Case(
        "deeply_nested_json_on_the_results_pipe",
        "parser",
        lambda h: "import os\nos.write(3, b'[' * 200_000 + b'\\n')\nos._exit(0)",
        error_says("malformed results"),
    ),
    Case(
        "giant_number_literal_on_the_results_pipe",
        "parser",
        lambda h: (
            'import os\nos.write(3, b\'{"paths": [{"type": "line", "points": '
            '[{"x": 1\' + b\'0\' * 100_000 + b\', "y": 1}, {"x": 1e999, "y": 1}]}], '
            '"error": null}\\n\')\nos._exit(0)'
        ),
        error_says("malformed results", "non-finite"),
    ),
    Case(
        "results_pipe_flood",
        "parser",
        lambda h: "import os\nwhile True:\n    os.write(3, b'x' * 65536)",
        error_says("results exceeded", "CPU", "time limit"),
    ),
    Case(
        "forged_results_through_stdout_dup",
        "parser",
        lambda h: (
            "import os\nos.dup2(3, 1)\n"
            'print(\'{"paths": [{"type": "line", "points": [{"x": 666, "y": 666}, '
            '{"x": 666, "y": 666}]}], "error": null}\')\n'
            "output_paths([line(1, 2, 3, 4)])"
        ),
        lambda o: assert_not_forged(o),
    ),
    # -- memory ------------------------------------------------------------------------------
    Case(
        "memfd_600_mib_then_heap_to_1_5_gib",
        "memory",
        lambda h: "\n".join(
            [
                "import os",
                "fds = []",
                "chunk = b'x' * (1 << 20)",
                "try:",
                "    for i in range(60):",
                "        fd = os.memfd_create('m%d' % i)",
                "        fds.append(fd)",
                "        for _ in range(10):",
                "            os.write(fd, chunk)",
                "except OSError as exc:",
                "    print('memfd stopped:', exc)",
                "print('memfd MiB', 10 * len(fds), flush=True)",
                "hog = [b'y' * (10 << 20) for _ in range(90)]",
                "print('ALL 1.5 GiB HELD')",
            ]
        ),
        both(error_says("memory limit", "out of memory"), memory_bounded),
        profile="memory",
    ),
    Case(
        "memfd_mapped_beyond_address_space",
        "memory",
        lambda h: "\n".join(
            [
                "import os, mmap",
                "maps = []",
                "for i in range(200):",
                "    fd = os.memfd_create('m')",
                "    os.ftruncate(fd, 10 << 20)",
                "    m = mmap.mmap(fd, 10 << 20)",
                "    os.close(fd)",
                "    m.write(b'z' * (10 << 20))",
                "    maps.append(m)",
                "print('ALL HELD')",
            ]
        ),
        both(
            error_says(
                "memory",
                "File too large",
                "PermissionError",
                "Operation not permitted",
                "No module named 'mmap'",  # fallback: the uid cannot read lib-dynload
            ),
            memory_bounded,
        ),
        profile="memory",
    ),
    Case(
        "dev_shm_posix_shared_memory",
        "memory",
        lambda h: attempts(f"shm: open({h.marker(1)!r}, 'wb').write(b'x' * (1 << 20))"),
        both(all_denied(1), no_marker(1)),
        fallback_leaks="the fallback shares the host's world-writable /dev/shm",
    ),
    Case(
        "scratch_tmpfs_fill",
        "memory",
        lambda h: "\n".join(
            [
                "written = 0",
                "try:",
                "    for i in range(64):",
                "        with open('fill%d' % i, 'wb') as f:",
                "            f.write(b'x' * (1 << 20))",
                "        written += 1",
                "except OSError as exc:",
                "    print('stopped:', exc)",
                "print('MiB written', written)",
                "if written == 64:",
                "    raise SystemExit('scratch took 64 MiB')",
            ]
        ),
        both(ok_with("No space left on device"), memory_bounded),
        fallback_leaks="the fallback's scratch is a host directory, bounded per file only",
        profile="memory",
    ),
    Case(
        "inode_exhaustion_500k_files",
        "memory",
        lambda h: "\n".join(
            [
                "for i in range(500_000):",
                "    open('f%d' % i, 'w').close()",
                "print('ALL 500000 FILES')",
            ]
        ),
        both(error_says("CPU", "time limit", "memory limit", "No space"), memory_bounded),
        profile="memory",
    ),
    Case(
        "five_thousand_threads",
        "memory",
        lambda h: "\n".join(
            [
                "import threading, time",
                "threads = []",
                "for i in range(5000):",
                "    t = threading.Thread(target=time.sleep, args=(30,), daemon=True)",
                "    t.start()",
                "    threads.append(t)",
                "print('ALL 5000 THREADS')",
            ]
        ),
        both(error_says("can't start new thread", "memory"), memory_bounded),
        profile="memory",
    ),
    Case(
        "pipe_buffers_as_kernel_memory",
        "memory",
        lambda h: "\n".join(
            [
                "import os, fcntl",
                "pipes = []",
                "try:",
                "    while True:",
                "        r, w = os.pipe()",
                "        pipes.append((r, w))",
                "        os.set_blocking(w, False)",
                "        try:",
                "            fcntl.fcntl(w, 1031, 1 << 20)",  # F_SETPIPE_SZ
                "            os.write(w, b'p' * (1 << 20))",
                "        except OSError:",
                "            pass",
                "except OSError as exc:",
                "    print('stopped after', len(pipes), 'pipes:', type(exc).__name__)",
            ]
        ),
        both(ok_with("stopped after"), memory_bounded),
        profile="memory",
    ),
    Case(
        "anonymous_mmap_100_gib",
        "memory",
        lambda h: "import mmap\nm = mmap.mmap(-1, 100 << 30)",
        error_says("OSError", "MemoryError", "memory", "No module named 'mmap'"),
    ),
    Case(
        "numpy_giant_array",
        "memory",
        lambda h: "a = np.ones((10 ** 5, 10 ** 5))",
        error_says("memory"),
    ),
    # -- processes and threads ---------------------------------------------------------------
    Case(
        "posix_spawn_and_clone_syscall",
        "processes",
        lambda h: attempts(
            "spawn: __import__('os').posix_spawn('/bin/true', ['true'], {})",
            "clone: __import__('ctypes').CDLL(None).syscall(56, 17, 0, 0, 0, 0) or "
            "__import__('ctypes').get_errno()",
            "vfork: __import__('os').fork()",
        ),
        lambda o: assert_no_child(o),
    ),
    Case(
        "huge_argv_exec",
        "processes",
        lambda h: attempts(
            "execv: __import__('os').execv('/bin/sh', ['sh'] + ['x' * 100_000] * 1000)"
        ),
        all_denied(1),
    ),
    Case(
        "busy_threads_hit_the_cpu_limit",
        "processes",
        lambda h: "\n".join(
            [
                "import threading",
                "def spin():",
                "    while True:",
                "        pass",
                "for _ in range(8):",
                "    threading.Thread(target=spin, daemon=True).start()",
                "spin()",
            ]
        ),
        error_says("CPU time limit", "time limit", "SIGKILL"),
    ),
    Case(
        "hostile_exception_str_loops",
        "processes",
        lambda h: "\n".join(
            [
                "class Evil(Exception):",
                "    def __str__(self):",
                "        while True:",
                "            pass",
                "raise Evil()",
            ]
        ),
        error_says("CPU time limit", "time limit", "SIGKILL"),
    ),
    Case(
        "abort",
        "processes",
        lambda h: "import os\nos.abort()",
        error_says("SIGABRT"),
    ),
    Case(
        "exit_with_a_huge_message",
        "processes",
        lambda h: "raise SystemExit('x' * 10_000_000)",
        lambda o: assert_short(o.error, 700),
    ),
    # -- time --------------------------------------------------------------------------------
    Case(
        "select_sleep_past_the_wall_clock",
        "time",
        lambda h: "import select\nselect.select([], [], [], 60)",
        lambda o: assert_timed_out(o),
    ),
    Case(
        "signal_pause_forever",
        "time",
        lambda h: "import signal\nsignal.pause()",
        lambda o: assert_timed_out(o),
    ),
    # -- network -----------------------------------------------------------------------------
    Case(
        "sockets_of_every_family",
        "network",
        lambda h: attempts(
            "inet: __import__('socket').socket(2, 1)",
            "inet6: __import__('socket').socket(10, 2)",
            "unix: __import__('socket').socket(1, 1)",
            "netlink: __import__('socket').socket(16, 3, 0)",
            "packet: __import__('socket').socket(17, 3, 0)",
            "dns: __import__('socket').getaddrinfo('example.com', 80)",
        ),
        lambda o: assert_denied_or_empty(o, 6),
    ),
    # -- information leaks -------------------------------------------------------------------
    Case(
        "proc_1_and_server_cmdline",
        "leaks",
        lambda h: attempts(
            "init: open('/proc/1/cmdline', 'rb').read()",
            f"server: open('/proc/{h.server_pid}/cmdline', 'rb').read()",
        ),
        lambda o: assert_no_host_process_visible(o),
        fallback_leaks="the fallback sees the host's /proc (command lines of every process)",
    ),
    Case(
        "other_users_workspace_and_jwt_secret",
        "leaks",
        lambda h: attempts(
            f"workspace: open({str(h.other_workspace)!r}).read()",
            f"jwt: open({str(h.jwt_secret)!r}).read()",
            f"listing: __import__('os').listdir({str(h.data_dir)!r})",
            f"server environ: open('/proc/{h.server_pid}/environ').read()",
        ),
        all_denied(4),
    ),
    Case(
        "environment_has_no_secret",
        "leaks",
        lambda h: (
            "import os\nprint(dict(os.environ))\n"
            + attempts("environ: open('/proc/self/environ').read()")
        ),
        lambda o: assert_no_secret(o),
    ),
    Case(
        "symlink_and_hardlink_escapes",
        "leaks",
        lambda h: (
            "import os\n"
            + attempts(
                f"symlink: os.symlink({str(h.jwt_secret)!r}, 'link') or open('link').read()",
                f"hardlink: os.link({str(h.jwt_secret)!r}, 'hard')",
                f"dirlink: os.symlink({str(h.data_dir)!r}, 'dir') or os.listdir('dir')",
            )
        ),
        all_denied(3),
    ),
    # -- privileges --------------------------------------------------------------------------
    Case(
        "ptrace_and_process_memory",
        "privileges",
        lambda h: (
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "\n".join(
                [
                    f"r1 = libc.ptrace(16, {h.server_pid}, 0, 0)",  # PTRACE_ATTACH
                    "r2 = libc.ptrace(0, 0, 0, 0)",  # PTRACE_TRACEME
                    "print('ptrace', r1, r2)",
                ]
            )
        ),
        ok_with("ptrace -1 -1"),
    ),
    Case(
        "setuid_tricks",
        "privileges",
        lambda h: (
            "import os\n"
            + attempts(
                "setuid: os.setuid(0)",
                "setgid: os.setgid(0)",
                "setgroups: os.setgroups([0])",
                "chown: open('s', 'w').close() or os.chown('s', 0, 0)",
                "chmod_suid: os.chmod('s', 0o4755) or os.execv('./s', ['s'])",
            )
        ),
        all_denied(5),
    ),
    Case(
        "signals_to_the_parent_and_everyone",
        "privileges",
        lambda h: (
            "import os, signal\n"
            + attempts(
                f"server: os.kill({h.server_pid}, signal.SIGKILL)",
                "parent: os.kill(os.getppid(), signal.SIGKILL)",
                "everyone: os.kill(-1, signal.SIGKILL)",
                "pgroup1: os.killpg(1, signal.SIGKILL)",
            )
        ),
        lambda o: assert_denied_or_harmless_signals(o),
    ),
    # -- filesystem --------------------------------------------------------------------------
    Case(
        "write_tmp_and_var_tmp_outside",
        "filesystem",
        lambda h: attempts(
            f"tmp: open({h.marker(0)!r}, 'w').write('escaped')",
            f"var_tmp: open({h.marker(2)!r}, 'w').write('escaped')",
        ),
        both(all_denied(2), no_marker(0), no_marker(2)),
        fallback_leaks="the fallback shares the host's world-writable /tmp and /var/tmp",
    ),
    # -- stdio -------------------------------------------------------------------------------
    Case(
        "stdin_is_empty",
        "stdio",
        lambda h: "import os, sys\nprint('stdin', repr(os.read(0, 100)), repr(sys.stdin.read()))",
        ok_with("stdin b'' ''"),
    ),
    Case(
        "closed_stdio_still_reports",
        "stdio",
        lambda h: (
            "import os\nfor fd in (0, 1, 2):\n    os.close(fd)\noutput_paths([line(1, 2, 3, 4)])"
        ),
        lambda o: assert_one_line(o),
    ),
    Case(
        "dev_tty",
        "stdio",
        lambda h: attempts("tty: open('/dev/tty', 'r+b')"),
        all_denied(1),
    ),
]


def assert_short(text: str, limit: int) -> None:
    assert len(text) <= limit, len(text)


def assert_timed_out(outcome: Outcome) -> None:
    assert outcome.result.timed_out
    assert outcome.error == "Program exceeded the 2 s time limit and was stopped"


def assert_not_forged(outcome: Outcome) -> None:
    for path in outcome.result.paths:
        assert {"x": 666, "y": 666} not in path["points"], outcome.result.paths


def assert_no_child(outcome: Outcome) -> None:
    result = outcome.result
    assert result.error is None, result.error
    lines = result.stdout.splitlines()
    assert lines[0].startswith("denied spawn"), lines
    assert lines[2].startswith("denied vfork"), lines
    # The raw clone(SIGCHLD) must fail: a negative return, never 0 or a child pid.
    assert lines[1].startswith("ALLOWED clone -1") or lines[1].startswith("denied"), lines


def assert_denied_or_empty(outcome: Outcome, count: int) -> None:
    result = outcome.result
    assert result.error is None, result.error
    assert "ALLOWED" not in result.stdout, result.stdout
    assert result.stdout.count("denied") == count


def assert_no_host_process_visible(outcome: Outcome) -> None:
    result = outcome.result
    assert result.error is None, result.error
    assert "denied server" in result.stdout, result.stdout
    # /proc/1 inside the sandbox is bubblewrap's own init, never the host's.
    host_init = Path("/proc/1/cmdline").read_bytes()
    if host_init:
        first = host_init.split(b"\0")[0].decode(errors="replace")
        assert f"ALLOWED init b'{first}" not in result.stdout


def assert_no_secret(outcome: Outcome) -> None:
    result = outcome.result
    assert result.error is None, result.error
    assert SECRET not in everything(result)
    assert "JWT_SECRET" not in result.stdout


def assert_denied_or_harmless_signals(outcome: Outcome) -> None:
    # The seccomp filter denies every target but itself; the parent must still be alive.
    os.kill(outcome.host.server_pid, 0)
    assert "ALLOWED" not in outcome.result.stdout, outcome.result.stdout


def assert_one_line(outcome: Outcome) -> None:
    result = outcome.result
    assert result.error is None, result.error
    assert result.paths == [{"type": "line", "points": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}]


def case_params() -> list[pytest.param]:  # type: ignore[valid-type]
    params = []
    for mode in ("bwrap", "fallback"):
        for case in CASES:
            params.append(pytest.param(mode, case, id=f"{mode}-{case.category}-{case.name}"))
    return params


@pytest.mark.asyncio(loop_scope="module")
class TestBattery:
    """Each hostile program ends with its clear outcome, and nothing escapes."""

    @pytest.mark.parametrize(("mode", "case"), case_params())
    async def test_case(
        self,
        mode: Mode,
        case: Case,
        caps: SandboxCapabilities,
        boxes: dict[tuple[Mode, str], CodeSandbox],
        host: Host,
    ) -> None:
        # Arrange
        mode_capabilities(mode, caps)  # skips (or fails in CI) when the mode cannot run
        box = boxes[mode, case.profile]
        if mode == "fallback" and case.fallback_leaks is not None and not box.fallback_mounts:
            pytest.xfail(f"{case.fallback_leaks} (this host refused the private mounts)")

        # Act
        result = await run(box, case.code(host), owner=f"hostile-{case.name}")
        parsed = await asyncio.to_thread(parse_output, result)

        # Assert
        print(
            f"[{mode}] {case.name}: error={result.error!r} "
            f"peak={None if result.memory_peak_bytes is None else result.memory_peak_bytes >> 20}"
            f" MiB duration={result.duration_ms:.0f} ms"
        )
        assert SECRET not in everything(result)
        os.kill(host.server_pid, 0)  # the server (this process) is alive
        case.check(Outcome(result, parsed, host, mode, box.config.memory_bytes))

    async def test_fallback_hides_the_host(
        self, caps: SandboxCapabilities, boxes: dict[tuple[Mode, str], CodeSandbox]
    ) -> None:
        """The fallback's workers report their private mounts (logged when refused)."""
        # Arrange
        mode_capabilities("fallback", caps)
        box = boxes["fallback", "default"]

        # Act
        mounts = box.fallback_mounts

        # Assert
        print(f"fallback private mounts: {mounts}")
        if not mounts and not IN_CI:
            pytest.xfail("this host refused the fallback's private mounts")
        assert mounts == ("/tmp", "/var/tmp", "/dev/shm", "scratch tmpfs", "/proc hidepid=2")


# ------------------------------------------------------------------------------------------
# Memory in total, concurrency caps and other users' latency.
# ------------------------------------------------------------------------------------------

SPIN = "while True:\n    pass"
SMALL = "output_paths([line(1, 2, 3, 4)])\nprint('small ok')"
HEAVY = (
    # memfd + heap past the per-program limit, a CPU spin, and an inode bomb
    "import os\nfds = [os.memfd_create('m') for _ in range(60)]\n"
    "for fd in fds:\n    os.write(fd, b'x' * (10 << 20))\n"
    "hog = [b'y' * (10 << 20) for _ in range(90)]",
    SPIN,
    "for i in range(500_000):\n    open('f%d' % i, 'w').close()",
)


def heavy_config(caps: SandboxCapabilities, **overrides: float | int | bool) -> CodeSandbox:
    config = battery_config(
        memory_bytes=BOMB_MEMORY,
        memory_total_bytes=4 * BOMB_MEMORY,
        max_programs=4,
        max_programs_per_owner=2,
        cpu_seconds=2,
        wall_timeout=4.0,
        pool_size=1,
    )
    return CodeSandbox(
        dataclasses.replace(config, **overrides),  # type: ignore[arg-type]
        capabilities=mode_capabilities("bwrap", caps),
    )


@pytest.mark.asyncio(loop_scope="module")
class TestConcurrencyAndTotals:
    """At most N programs per user and M per server; the rest wait, then hear "busy"."""

    async def test_three_heavy_programs_do_not_starve_another_user(
        self, caps: SandboxCapabilities
    ) -> None:
        """User A's three heavy programs (two run, one waits) leave user B's program running."""
        # Arrange
        async with heavy_config(caps) as box:
            baseline = await run(box, SMALL, owner="user-b")
            heavy = [asyncio.create_task(run(box, code, owner="user-a")) for code in HEAVY]
            await asyncio.sleep(0.3)  # A's programs are running (two) and waiting (one)

            # Act
            started = time.perf_counter()
            small = await run(box, SMALL, owner="user-b")
            waited = (time.perf_counter() - started) * 1000
            results = await asyncio.gather(*heavy)
            total_peak = box.cgroups.peak_bytes() if box.cgroups is not None else None

        # Assert
        print(
            f"user B: alone {baseline.duration_ms:.0f} ms, beside 3 heavy programs of user A "
            f"{waited:.0f} ms; host peak of all programs: "
            f"{None if total_peak is None else total_peak >> 20} MiB "
            f"(budget {4 * BOMB_MEMORY >> 20} MiB); A's errors: "
            f"{[r.error for r in results]}"
        )
        assert small.error is None, small.error
        assert small.stdout == "small ok\n"
        assert all(r.error is not None for r in results)
        if total_peak is not None:
            assert total_peak <= 4 * BOMB_MEMORY

    async def test_per_user_cap_says_busy(self, caps: SandboxCapabilities) -> None:
        """A user's third program waits its bounded time and is refused with a clear error."""
        # Arrange
        async with heavy_config(caps, slot_wait_seconds=0.5, cpu_seconds=5) as box:
            sleepers = [
                asyncio.create_task(run(box, "import time\ntime.sleep(3)", owner="user-a"))
                for _ in range(2)
            ]
            await asyncio.sleep(0.2)

            # Act
            third = await run(box, SMALL, owner="user-a")
            other = await run(box, SMALL, owner="user-b")
            await asyncio.gather(*sleepers)
            after = await run(box, SMALL, owner="user-a")

        # Assert
        assert third.busy
        assert third.error is not None
        assert "busy" in third.error
        assert "2 of them are yours, the limit is 2 per user" in third.error
        assert other.error is None, other.error
        assert after.error is None, after.error

    async def test_server_cap_says_busy(self, caps: SandboxCapabilities) -> None:
        """Past the server cap a program of a new user is refused once its wait runs out."""
        # Arrange
        async with heavy_config(
            caps, slot_wait_seconds=0.3, max_programs=2, memory_total_bytes=2 * BOMB_MEMORY
        ) as box:
            sleepers = [
                asyncio.create_task(run(box, "import time\ntime.sleep(2)", owner=f"u{i}"))
                for i in range(2)
            ]
            await asyncio.sleep(0.2)

            # Act
            refused = await run(box, SMALL, owner="late")
            await asyncio.gather(*sleepers)

        # Assert
        assert refused.busy
        assert refused.error is not None
        assert "2 programs are running (limit 2 on this server)" in refused.error


@pytest.mark.asyncio(loop_scope="module")
class TestWithoutCgroups:
    """Where no cgroup can be made, memfd_create is denied instead and the reason is logged."""

    async def test_memfd_is_denied_and_the_reason_logged(
        self, caps: SandboxCapabilities, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Arrange
        box = heavy_config(caps, use_cgroups=False)

        # Act
        async with box:
            result = await run(box, attempts("memfd: __import__('os').memfd_create('m')"))

        # Assert
        assert box.cgroups is None
        assert result.memory_peak_bytes is None
        assert result.stdout.startswith("denied memfd PermissionError"), result.stdout
        assert "WITHOUT a memory cgroup (turned off in the configuration" in caplog.text

    async def test_unusable_cgroup_root_degrades_with_the_reason(
        self, caps: SandboxCapabilities, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Arrange
        box = heavy_config(caps, cgroup_root=str(tmp_path / "no-cgroups"))

        # Act
        async with box:
            result = await run(box, SMALL)

        # Assert
        assert box.cgroups is None
        assert box.cgroup_problem is not None
        assert "is not a cgroup2 mount" in box.cgroup_problem
        assert "no cgroup v1 memory hierarchy" in box.cgroup_problem
        assert result.error is None, result.error
        assert box.cgroup_problem in caplog.text


class TestConfiguration:
    """The total memory budget is checked where the configuration is made."""

    def test_total_budget_must_cover_every_program(self) -> None:
        """memory_bytes × max_programs over memory_total_bytes is refused at configuration."""
        # Act / Assert
        with pytest.raises(ValueError, match="over memory_total_bytes"):
            SandboxConfig(memory_bytes=768 * MIB, max_programs=8, memory_total_bytes=2 << 30)

    def test_settings_derive_the_caps_and_the_budget(self) -> None:
        """SANDBOX_* settings: 2 × cores by default, fewer when the total budget is smaller."""
        # Arrange
        from code_monet.app.config import SandboxSettings

        # Act
        default = SandboxSettings().sandbox_config(local_mode=False, cores=2)
        bounded = SandboxSettings(memory_total_bytes=2 << 30).sandbox_config(
            local_mode=False, cores=8
        )

        # Assert
        assert (default.max_programs, default.max_programs_per_owner) == (4, 2)
        assert default.memory_total_bytes == 4 * 768 * MIB
        assert bounded.max_programs == 2
        with pytest.raises(ValueError, match="over memory_total_bytes"):
            SandboxSettings(max_programs=8, memory_total_bytes=2 << 30).sandbox_config(
                local_mode=False
            )


# ------------------------------------------------------------------------------------------
# The pieces: slots and cgroup helpers.
# ------------------------------------------------------------------------------------------


class TestProgramSlots:
    """Counting slots: per-owner caps, wake-ups on release, no leak on cancellation."""

    async def test_release_lets_a_waiting_owner_in(self) -> None:
        # Arrange
        slots = ProgramSlots(per_server=2, per_owner=1)
        await slots.acquire("a", 0)
        await slots.acquire("b", 0)
        waiting = asyncio.create_task(slots.acquire("c", 5))
        await asyncio.sleep(0)

        # Act
        slots.release("a")
        await waiting

        # Assert
        assert slots.running == 2
        assert slots.running_for("a") == 0
        assert slots.running_for("c") == 1

    async def test_owner_cap_refuses_with_its_numbers(self) -> None:
        # Arrange
        slots = ProgramSlots(per_server=4, per_owner=1)
        await slots.acquire("a", 0)

        # Act / Assert
        with pytest.raises(SlotsBusyError, match="1 of them are yours, the limit is 1 per user"):
            await slots.acquire("a", 0.05)
        await slots.acquire(None, 0)  # no owner: only the server cap applies
        assert slots.running == 2

    async def test_cancelled_waiter_takes_no_slot(self) -> None:
        # Arrange
        slots = ProgramSlots(per_server=1, per_owner=1)
        await slots.acquire("a", 0)
        waiting = asyncio.create_task(slots.acquire("b", 5))
        await asyncio.sleep(0)

        # Act
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        slots.release("a")

        # Assert
        assert slots.running == 0
        await slots.acquire("b", 0)


class TestCgroupHelpers:
    """Parsing /proc/self/cgroup, the join-then-exec shim, and reaping a dead server's groups."""

    def test_own_group_from_v1_and_v2_lines(self) -> None:
        # Arrange
        text = "12:pids:/a\n4:memory:/process_api/x\n1:name=systemd:/\n0::/user.slice/s\n"

        # Act / Assert
        assert _own_cgroup(text, "memory") == "/process_api/x"
        assert _own_cgroup(text, "pids") == "/a"
        assert _own_cgroup(text, None) == "/user.slice/s"
        assert _own_cgroup("4:memory:/m\n", None) is None

    def test_shim_joins_before_exec_and_fails_closed(self, tmp_path: Path) -> None:
        # Arrange
        joined = ProgramCgroup(1, tmp_path, None, MEMORY_ANY)
        missing = ProgramCgroup(1, tmp_path / "missing", None, MEMORY_ANY)

        # Act
        ran = subprocess.run(
            joined.wrap(["/bin/echo", "ran"], "/bin/sh"), capture_output=True, check=False
        )
        refused = subprocess.run(
            missing.wrap(["/bin/echo", "ran"], "/bin/sh"), capture_output=True, check=False
        )

        # Assert
        assert ran.returncode == 0
        assert ran.stdout == b"ran\n"
        assert (tmp_path / "cgroup.procs").read_text().strip().isdigit()
        assert refused.returncode == 126
        assert refused.stdout == b""
        assert b"cgroup.procs" in refused.stderr

    def test_groups_of_a_dead_server_are_reaped(self) -> None:
        # Arrange
        first = setup_cgroups(BOMB_MEMORY)
        if first.cgroups is None:
            pytest.skip(f"no cgroups here: {first.reason}")
        base = first.cgroups.memory_parent.parent
        stale = base / "code-monet-sandbox-999999999-deadbeef"
        stale.mkdir()
        (stale / "run-x").mkdir()

        # Act
        second = setup_cgroups(BOMB_MEMORY)

        # Assert
        assert not stale.exists()
        assert first.cgroups.memory_parent.exists()  # a live server's groups stay
        first.cgroups.close()
        if second.cgroups is not None:
            second.cgroups.close()
        assert not first.cgroups.memory_parent.exists()

    def test_cgroup2_without_memory_says_what_is_missing(self) -> None:
        """A cgroup2 mount without the memory controller is refused with the reason."""
        # Arrange
        unified = Path("/sys/fs/cgroup/unified")
        controllers = unified / "cgroup.controllers"
        if not controllers.is_file() or "memory" in controllers.read_text().split():
            pytest.skip("needs a hybrid host whose cgroup2 mount lacks the memory controller")

        # Act
        setup = setup_cgroups(BOMB_MEMORY, root=unified)

        # Assert
        assert setup.cgroups is None
        assert setup.reason is not None
        assert "does not offer memory, pids" in setup.reason
        assert "v1: no cgroup v1 memory hierarchy" in setup.reason
