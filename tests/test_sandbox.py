"""Tests for the code sandbox: the program API, the worker pool and a hostile-program battery.

Every hostile test asserts three things: the attack was contained, the test process (standing
in for the server) and the sandbox still work, and the result carries a clear error or only
harmless output. Tests that need a mechanism this host lacks (bubblewrap, seccomp) are skipped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from code_monet.sandbox.code_sandbox import (
    CodeSandbox,
    SandboxCapabilities,
    SandboxConfig,
    SandboxResult,
    SandboxUnavailableError,
    detect_capabilities,
)
from code_monet.sandbox.runner import (
    OutputLimitError,
    ProgramOutputError,
    SeccompRule,
    build_seccomp_filter,
    seccomp_rules,
    seccomp_supported,
    validate_result_paths,
)

CANVAS = {"canvas_width": 800, "canvas_height": 600}
BRUSHES = ("oil_round", "watercolor")
SECRET = "sk-ant-TEST-SECRET-" + uuid.uuid4().hex
# A uid no other process uses, so a test can check that nothing of a program survives it.
PROBE_UID = 64999
FAST = SandboxConfig(cpu_seconds=1, wall_timeout=2.0, pool_size=0)
REPO = Path(__file__).resolve().parent.parent
EPERM, ENOSYS = 1, 38
U64 = (1 << 64) - 1


def exists(path: Path) -> bool:
    """Sync helper so async tests do not call blocking pathlib methods directly."""
    return path.exists()


@pytest.fixture(scope="module")
def caps() -> SandboxCapabilities:
    return detect_capabilities()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(caps: SandboxCapabilities) -> AsyncIterator[CodeSandbox]:
    box = CodeSandbox(SandboxConfig(cpu_seconds=2, wall_timeout=4.0), capabilities=caps)
    await box.start()
    yield box
    await box.close()


async def run(box: CodeSandbox, code: str, brushes: tuple[str, ...] = BRUSHES) -> SandboxResult:
    return await box.run(code, brushes=brushes, **CANVAS)


def seccomp_errno(rules: list[SeccompRule], syscall: str, args: list[int]) -> int | None:
    """The errno the seccomp policy gives ``syscall(*args)``, or None when it is allowed."""
    for rule in rules:
        if rule.syscall != syscall:
            continue
        if rule.check is None:
            return rule.errno
        value = args[rule.check.arg] & U64
        hit = {
            "ne": value != rule.check.value,
            "gt": value > rule.check.value,
            "masked_eq": value & rule.check.mask == rule.check.value,
        }[rule.check.op]
        if hit:
            return rule.errno
    return None


def everything(result: SandboxResult) -> str:
    """All text a program could smuggle out, for leak assertions."""
    return f"{result.stdout}\n{result.stderr_tail}\n{result.error}\n{json.dumps(result.paths)}"


async def assert_still_fine(box: CodeSandbox) -> None:
    """The test process is alive and the sandbox still runs programs normally."""
    os.kill(os.getpid(), 0)
    result = await run(box, "output_paths([line(1, 2, 3, 4)])\nprint('still fine')")
    assert result.error is None, result.error
    assert result.stdout == "still fine\n"
    assert result.paths == [{"type": "line", "points": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}]


def uid_processes(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                pids.append(int(entry.name))
    return pids


def needs(condition: bool, reason: str) -> None:
    if not condition:
        pytest.skip(reason)


@pytest.fixture
def server_data(tmp_path: Path) -> Path:
    """A fake server data dir: .env, a sqlite db and another user's workspace, all secret."""
    data = tmp_path / "agent_workspace"
    other = data / "users" / "someone-else"
    other.mkdir(parents=True)
    (data / ".env").write_text(f"ANTHROPIC_API_KEY={SECRET}\n")
    (other / "workspace.json").write_text(json.dumps({"strokes": [], "token": SECRET}))
    with sqlite3.connect(data / "code_monet.db") as db:
        db.execute("create table users (email text, token text)")
        db.execute("insert into users values ('a@example.com', ?)", (SECRET,))
    return data


# ------------------------------------------------------------------------------------------
# Functional behaviour.
# ------------------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
class TestProgramApi:
    """The helpers and globals an agent program sees."""

    async def test_helpers_produce_path_dicts(self, sandbox: CodeSandbox) -> None:
        """Each helper returns the documented dict and output_paths collects them in order."""
        # Arrange
        code = "\n".join(
            [
                "output_paths([",
                "    line(0, 1, 2, 3, color='#ff0000', stroke_width=2, opacity=0.5),",
                "    polyline([(0, 0), {'x': 1, 'y': 1}, [2, 0]], brush='oil_round'),",
                "    quadratic((0, 0), (5, 5), (10, 0)),",
                "    cubic((0, 0), (1, 2), (3, 4), (5, 6)),",
                "    svg_path('M 0 0 L 10 10'),",
                "])",
                "output_svg_paths(['M 1 1 L 2 2', 'M 3 3 L 4 4'], color='#00ff00')",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None, result.error
        assert result.exit_code == 0
        assert result.paths == [
            {
                "type": "line",
                "points": [{"x": 0, "y": 1}, {"x": 2, "y": 3}],
                "color": "#ff0000",
                "stroke_width": 2.0,
                "opacity": 0.5,
            },
            {
                "type": "polyline",
                "points": [{"x": 0, "y": 0}, {"x": 1, "y": 1}, {"x": 2, "y": 0}],
                "brush": "oil_round",
            },
            {
                "type": "quadratic",
                "points": [{"x": 0, "y": 0}, {"x": 5, "y": 5}, {"x": 10, "y": 0}],
            },
            {
                "type": "cubic",
                "points": [{"x": 0, "y": 0}, {"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5, "y": 6}],
            },
            {"type": "svg", "points": [], "d": "M 0 0 L 10 10"},
            {"type": "svg", "points": [], "d": "M 1 1 L 2 2", "color": "#00ff00"},
            {"type": "svg", "points": [], "d": "M 3 3 L 4 4", "color": "#00ff00"},
        ]

    async def test_globals_numpy_and_canvas(self, sandbox: CodeSandbox) -> None:
        """numpy (as numpy and np), math, random, canvas size and BRUSHES are available."""
        # Arrange
        code = "\n".join(
            [
                "t = np.linspace(0, 2 * math.pi, 50)",
                "xs = canvas_width / 2 + 100 * np.cos(t)",
                "ys = canvas_height / 2 + 100 * numpy.sin(t)",
                "output_paths([polyline(np.column_stack([xs, ys]))])",
                "print(canvas_width, canvas_height, BRUSHES, 0 <= random.random() < 1)",
                "print(np.linalg.inv(np.eye(2)).tolist(), np.fft.fft([1, 1]).real.tolist())",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None, result.error
        assert len(result.paths) == 1
        assert len(result.paths[0]["points"]) == 50
        assert result.paths[0]["points"][0] == {"x": 500.0, "y": 300.0}
        lines = result.stdout.splitlines()
        assert lines[0] == "800 600 ('oil_round', 'watercolor') True"
        assert lines[1] == "[[1.0, 0.0], [0.0, 1.0]] [2.0, 0.0]"

    async def test_printed_svg_document_comes_back_in_stdout(self, sandbox: CodeSandbox) -> None:
        """A program may print a whole SVG document instead of calling output_paths."""
        # Arrange
        svg = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0 L10 10"/></svg>'

        # Act
        result = await run(sandbox, f"print({svg!r})")

        # Assert
        assert result.error is None
        assert result.stdout.strip() == svg
        assert result.paths == []

    async def test_invalid_style_is_a_clear_error(self, sandbox: CodeSandbox) -> None:
        """Bad colours, unknown style keys and unknown brushes name the problem and the line."""
        # Arrange
        programs = {
            "x = 1\nline(0, 0, 1, 1, color='red')": ("'#RRGGBB'", "line 2"),
            "line(0, 0, 1, 1, width=3)": ("unknown style option 'width'", "line 1"),
            "line(0, 0, 1, 1, brush='crayon')": ("unknown brush 'crayon'", "oil_round"),
            "polyline([(0, 0)])": ("at least 2 points", "line 1"),
        }

        # Act
        results = [await run(sandbox, code) for code in programs]

        # Assert
        for result, expected in zip(results, programs.values(), strict=True):
            assert result.exit_code == 1
            assert result.error is not None
            for fragment in expected:
                assert fragment in result.error

    async def test_exception_reports_type_line_and_traceback(self, sandbox: CodeSandbox) -> None:
        """An uncaught exception gives 'Type: message (line N)' and a traceback of user lines."""
        # Arrange
        code = "output_paths([line(0, 0, 1, 1)])\nx = 1\nraise ValueError('boom')"

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.exit_code == 1
        assert result.error == "ValueError: boom (line 3)"
        assert 'File "<program>", line 3' in result.stderr_tail
        assert "runner.py" not in result.stderr_tail
        assert len(result.paths) == 1  # what was output before the failure is kept

    async def test_syntax_error_is_reported(self, sandbox: CodeSandbox) -> None:
        """Code that does not compile fails with the syntax error and its line."""
        # Act
        result = await run(sandbox, "x = 1\ndef f(:\n")

        # Assert
        assert result.error is not None
        assert result.error.startswith("SyntaxError")
        assert "(line 2)" in result.error


@pytest.mark.asyncio(loop_scope="module")
class TestPool:
    """Warm workers: one program each, concurrent runs kept apart."""

    async def test_concurrent_runs_do_not_mix_outputs(self, sandbox: CodeSandbox) -> None:
        """Four programs at once (pool of two) each get exactly their own output."""
        # Arrange
        codes = [f"print('run-{i}')\noutput_paths([line({i}, {i}, 0, 0)])" for i in range(4)]

        # Act
        results = await asyncio.gather(*(run(sandbox, code) for code in codes))

        # Assert
        for i, result in enumerate(results):
            assert result.error is None, result.error
            assert result.stdout == f"run-{i}\n"
            assert result.paths[0]["points"][0] == {"x": i, "y": i}

    async def test_worker_runs_only_one_program(self, sandbox: CodeSandbox) -> None:
        """State a program leaves in modules, builtins or scratch is gone for the next one."""
        # Arrange
        first = "\n".join(
            [
                "import builtins",
                "math.leaked = 1",
                "builtins.leaked = 2",
                "np.leaked = 3",
                "open('leftover.txt', 'w').write('x')",
            ]
        )
        second = "\n".join(
            [
                "import builtins, os",
                "print(hasattr(math, 'leaked'), hasattr(builtins, 'leaked'),",
                "      hasattr(np, 'leaked'), os.path.exists('leftover.txt'), os.listdir('.'))",
            ]
        )

        # Act
        one = await run(sandbox, first)
        two = await run(sandbox, second)

        # Assert
        assert one.error is None, one.error
        assert two.error is None, two.error
        assert two.stdout == "False False False False []\n"

    async def test_warm_trivial_run_is_fast(self, sandbox: CodeSandbox) -> None:
        """With a warm worker a trivial program takes well under the 60 ms budget."""
        # Arrange: let the pool refill after the previous tests.
        await sandbox.wait_ready()

        # Act
        result = await run(sandbox, "pass")

        # Assert
        assert result.error is None
        assert result.duration_ms < 250  # generous for loaded CI; the benchmark tracks 60 ms

    async def test_oversized_code_is_refused_without_running(self, sandbox: CodeSandbox) -> None:
        """Code over the size limit fails at once with the limit in the message."""
        # Arrange
        code = "x = 1\n" * 40_000

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.exit_code is None
        assert result.error is not None
        assert "102400 bytes" in result.error
        await assert_still_fine(sandbox)


class TestCapabilitiesAndConfig:
    """Detection, injection, refusal and config validation."""

    def test_detect_capabilities_is_consistent(self, caps: SandboxCapabilities) -> None:
        """Detection finds bwrap only when installed and seccomp on x86_64 Linux."""
        # Act
        description = caps.describe()

        # Assert
        if shutil.which("bwrap") is None:
            assert not caps.bubblewrap
        if sys.platform == "linux" and os.uname().machine == "x86_64":
            assert caps.seccomp
        if os.geteuid() != 0:
            assert caps.unprivileged_uid
        assert "bubblewrap" in description
        assert "seccomp" in description
        assert caps.network_isolated == (caps.bubblewrap or caps.seccomp)

    async def test_require_isolation_refuses_without_isolation(self) -> None:
        """With isolation required but nothing working, run raises a clear error, runs nothing."""
        # Arrange
        none = SandboxCapabilities(bubblewrap=False, seccomp=False, unprivileged_uid=True)
        box = CodeSandbox(SandboxConfig(require_isolation=True), capabilities=none)

        # Act
        with pytest.raises(SandboxUnavailableError) as raised:
            await run(box, "print('should not run')")
        await box.close()

        # Assert
        assert "bubblewrap" in str(raised.value)
        assert "seccomp" in str(raised.value)
        assert not box._pool

    async def test_detector_is_injectable(self, caps: SandboxCapabilities) -> None:
        """A custom detector is called once, with the sandbox config, at start-up."""
        # Arrange
        calls: list[SandboxConfig] = []

        def detector(config: SandboxConfig) -> SandboxCapabilities:
            calls.append(config)
            return caps

        box = CodeSandbox(FAST, detector=detector)

        # Act
        result = await run(box, "print('hi')")
        await run(box, "print('again')")
        await box.close()

        # Assert
        assert calls == [FAST]
        assert result.stdout == "hi\n"

    def test_config_rejects_nonsense(self) -> None:
        """Non-positive limits and a root sandbox uid are rejected with the field name."""
        # Act / Assert
        with pytest.raises(ValueError, match="cpu_seconds"):
            SandboxConfig(cpu_seconds=0)
        with pytest.raises(ValueError, match="sandbox_uid"):
            SandboxConfig(sandbox_uid=0)

    def test_seccomp_policy_denies_escapes_and_keeps_the_rest(self) -> None:
        """Sockets, exec, fork, namespaces, ... fail with EPERM; clone3 with ENOSYS."""
        # Arrange
        always = {
            *("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4"),
            *("execve", "execveat", "fork", "vfork", "setsid", "setpgid", "setrlimit"),
            *("unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "ptrace"),
            *("process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "keyctl"),
            *("add_key", "request_key", "init_module", "finit_module", "delete_module"),
            *("io_uring_setup", "io_uring_enter", "io_uring_register", "tkill"),
        }
        own = 4242

        # Act
        rules = seccomp_rules(own_pid=own)

        # Assert
        for name in always:
            assert seccomp_errno(rules, name, [7, 7, 7]) == EPERM, name
        assert seccomp_errno(rules, "clone3", [0]) == ENOSYS
        for name in ("read", "write", "mmap", "futex", "getpid", "openat", "exit_group"):
            assert seccomp_errno(rules, name, [0, 0, 0]) is None, name
        assert seccomp_errno(rules, "clone", [0x3D0F00]) is None  # pthread_create's flags
        assert seccomp_errno(rules, "clone", [0x01200011]) == EPERM  # fork()'s flags
        assert seccomp_errno(rules, "prlimit64", [0, 9, 0, 0x7FFF0000]) is None  # read only
        assert seccomp_errno(rules, "prlimit64", [0, 9, 0x7FFF0000, 0]) == EPERM

    @pytest.mark.parametrize("own", [1, 2, 3, 4096, 4097, 123_457, 4_194_303])
    def test_seccomp_policy_signals_only_own_process(self, own: int) -> None:
        """kill & co. reach only the own pid or 0; any other pid, -1 or high bits fail."""
        # Arrange
        rules = seccomp_rules(own_pid=own)
        others = {1, own - 1, own + 1, own ^ 1, own << 1, 4_194_304, U64, U64 - own + 1}
        others |= {(1 << 32) | own, 1 << 32}
        others -= {0, own}

        # Act / Assert
        for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
            assert seccomp_errno(rules, name, [own]) is None
            assert seccomp_errno(rules, name, [0]) is None
            for pid in others:
                assert seccomp_errno(rules, name, [pid]) == EPERM, (name, pid)

    def test_seccomp_filter_compiles_the_policy(self) -> None:
        """libseccomp (pyseccomp) compiles the rules; its PFC shows them for x86_64 only."""
        # Arrange
        if not seccomp_supported():
            pytest.skip("seccomp filter is x86_64 Linux only")

        # Act
        pfc = build_seccomp_filter(own_pid=2).pfc()

        # Assert
        assert "# filter for arch x86_64" in pfc
        for name in ("socket", "execve", "fork", "unshare", "bpf", "io_uring_setup", "kill"):
            assert f'# filter for syscall "{name}"' in pfc, name
        assert pfc.count("action ERRNO(1);") >= 60
        assert 'syscall "clone3" (435)' in pfc
        assert "# default action\n  action ALLOW;" in pfc
        assert "# invalid architecture action\naction ERRNO(38);" in pfc

    def test_parent_revalidates_result_paths(self) -> None:
        """Data from the results pipe is checked again: NaN, shape and caps are rejected."""
        # Arrange
        good = [{"type": "line", "points": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]}]
        nan = [good[0], {"type": "line", "points": [{"x": float("nan"), "y": 0}, {"x": 1, "y": 1}]}]

        # Act / Assert
        assert validate_result_paths(good, max_paths=5, max_points=10) == good
        with pytest.raises(ProgramOutputError, match="path 1"):
            validate_result_paths(nan, max_paths=5, max_points=10)
        with pytest.raises(ProgramOutputError, match="exactly 2 points"):
            validate_result_paths([{"type": "line", "points": []}], max_paths=5, max_points=10)
        with pytest.raises(OutputLimitError, match="5 paths"):
            validate_result_paths(good * 6, max_paths=5, max_points=100)
        with pytest.raises(ProgramOutputError, match="unknown style option"):
            validate_result_paths([{**good[0], "evil": 1}], max_paths=5, max_points=10)


# ------------------------------------------------------------------------------------------
# Hostile battery (best mechanisms this host has).
# ------------------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
class TestHostileFilesystem:
    """Programs cannot read server secrets or write outside their scratch directory."""

    async def test_cannot_read_etc_shadow(self, sandbox: CodeSandbox) -> None:
        """/etc/shadow is absent (bubblewrap) or unreadable (unprivileged uid)."""
        # Act
        result = await run(sandbox, "print(open('/etc/shadow').read())")

        # Assert
        assert result.error is not None
        assert "FileNotFoundError" in result.error or "PermissionError" in result.error
        assert "root:" not in result.stdout
        await assert_still_fine(sandbox)

    async def test_cannot_read_server_data(self, sandbox: CodeSandbox, server_data: Path) -> None:
        """.env, the database and another user's workspace stay invisible."""
        # Arrange
        targets = [
            server_data / ".env",
            server_data / "code_monet.db",
            server_data / "users" / "someone-else" / "workspace.json",
        ]
        code = "\n".join(
            [
                "import os",
                f"for path in {[str(t) for t in targets]!r}:",
                "    try:",
                "        print(open(path, 'rb').read())",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
                f"for root, dirs, files in os.walk({str(server_data)!r}):",
                "    print(root, dirs, files)",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.stdout.count("denied") == 3
        assert SECRET not in everything(result)
        assert "someone-else" not in result.stdout
        await assert_still_fine(sandbox)

    async def test_cannot_write_outside_scratch(self, sandbox: CodeSandbox) -> None:
        """Writes to /tmp, the repository and /etc fail; the scratch dir is writable."""
        # Arrange
        name = f"evil-{uuid.uuid4().hex}"
        targets = [Path("/tmp") / name, REPO / name, Path("/etc") / name]
        code = "\n".join(
            [
                f"for path in {[str(t) for t in targets]!r}:",
                "    try:",
                "        open(path, 'w').write('pwned')",
                "        print('WROTE', path)",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
                "open('ok.txt', 'w').write('scratch is writable')",
                "print(open('ok.txt').read())",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        created = [target for target in targets if target.exists()]
        for target in created:
            target.unlink()
        if not (sandbox.capabilities and sandbox.capabilities.bubblewrap):
            created = [t for t in created if t.parent != Path("/tmp")]  # world-writable /tmp
        assert created == []
        assert result.stdout.count("denied") >= 2
        assert "scratch is writable" in result.stdout
        await assert_still_fine(sandbox)

    async def test_file_size_limit(self) -> None:
        """Writing a 10 GB file stops at RLIMIT_FSIZE with 'File too large'."""
        # Arrange
        code = "\n".join(
            [
                "with open('big.bin', 'wb') as f:",
                "    for _ in range(10 * 1024):",
                "        f.write(b'\\0' * (1 << 20))",
            ]
        )

        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, code)
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert "File too large" in result.error

    async def test_cannot_open_raw_devices(self, sandbox: CodeSandbox) -> None:
        """/dev/mem and block devices cannot be opened."""
        # Arrange
        code = "\n".join(
            [
                "for path in ('/dev/mem', '/dev/sda', '/dev/vda', '/dev/kmem'):",
                "    try:",
                "        open(path, 'rb').read(16)",
                "        print('OPENED', path)",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None
        assert "OPENED" not in result.stdout
        assert result.stdout.count("denied") == 4
        await assert_still_fine(sandbox)

    async def test_symlink_tricks_in_scratch(self, sandbox: CodeSandbox, server_data: Path) -> None:
        """Symlinks from scratch to host secrets resolve to nothing readable."""
        # Arrange
        env_file = server_data / ".env"
        code = "\n".join(
            [
                "import os",
                f"os.symlink({str(env_file)!r}, 'env')",
                "os.symlink('/etc/shadow', 'shadow')",
                "os.symlink('/', 'root')",
                "for name in ('env', 'shadow'):",
                "    try:",
                "        print(open(name).read())",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.stdout.count("denied") == 2
        assert SECRET not in everything(result)
        assert env_file.read_text() == f"ANTHROPIC_API_KEY={SECRET}\n"
        await assert_still_fine(sandbox)

    async def test_code_monet_is_not_importable(self, sandbox: CodeSandbox, caps) -> None:
        """The server package cannot be imported, even after adding the repo to sys.path."""
        # Arrange
        needs(caps.bubblewrap, "only bubblewrap hides the project source directory")
        code = f"import sys\nsys.path.insert(0, {str(REPO)!r})\nimport code_monet\nprint('IN')"

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is not None
        assert "ModuleNotFoundError" in result.error
        assert "IN" not in result.stdout
        await assert_still_fine(sandbox)


@pytest.mark.asyncio(loop_scope="module")
class TestHostileEnvironment:
    """No secrets from the parent's environment or /proc reach the program."""

    async def test_environment_is_minimal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A secret in the parent's environment is not in the program's os.environ."""
        # Arrange
        monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
        monkeypatch.setenv("DATABASE_URL", f"postgres://user:{SECRET}@db/x")
        code = "import os\nprint(sorted(os.environ))\nprint(dict(os.environ))"

        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, code)
            await assert_still_fine(box)

        # Assert
        assert result.error is None
        assert SECRET not in everything(result)
        names = set(json.loads(result.stdout.splitlines()[0].replace("'", '"')))
        assert names <= {
            "PATH",
            "HOME",
            "TMPDIR",
            "LANG",
            "LC_ALL",
            "PWD",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
            "OPENBLAS_CORETYPE",
            "OPENBLAS_L2_SIZE",
        }

    async def test_cannot_read_parent_environ(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """/proc/<parent>/environ of the server and the worker's parents is not readable."""
        # Arrange
        monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
        code = "\n".join(
            [
                "import os",
                f"for pid in ({os.getpid()}, os.getppid(), 1, 'self'):",
                "    try:",
                "        data = open(f'/proc/{pid}/environ', 'rb').read()",
                "        print(pid, data)",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
            ]
        )

        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, code)

        # Assert
        assert SECRET not in everything(result)
        assert result.stdout.count("denied") >= 3


@pytest.mark.asyncio(loop_scope="module")
class TestHostileNetwork:
    """No network traffic can leave a program."""

    async def test_cannot_reach_local_listener(self, sandbox: CodeSandbox, caps) -> None:
        """A connection to a port the test listens on never arrives."""
        # Arrange
        needs(caps.network_isolated, "no network isolation mechanism on this host")
        connections: list[object] = []

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(writer.get_extra_info("peername"))
            writer.close()

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        code = "\n".join(
            [
                "import socket",
                f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)",
                "s.sendall(b'hello')",
                "print('CONNECTED')",
            ]
        )

        # Act
        result = await run(sandbox, code)
        await asyncio.sleep(0.1)  # let a (wrongly) accepted connection reach the callback
        server.close()
        await server.wait_closed()

        # Assert
        assert connections == []
        assert "CONNECTED" not in result.stdout
        assert result.error is not None
        assert any(
            kind in result.error for kind in ("PermissionError", "OSError", "ModuleNotFoundError")
        )
        await assert_still_fine(sandbox)

    @pytest.mark.parametrize(
        "mode", ["best", "bubblewrap-only", "seccomp-only"], ids=lambda mode: mode
    )
    async def test_public_address_fails_immediately(self, caps, mode: str) -> None:
        """Connecting to 1.1.1.1:80 fails at once under each isolation mechanism alone."""
        # Arrange
        chosen = {
            "best": caps,
            "bubblewrap-only": SandboxCapabilities(
                bubblewrap=True, seccomp=False, unprivileged_uid=caps.unprivileged_uid
            ),
            "seccomp-only": SandboxCapabilities(
                bubblewrap=False, seccomp=True, unprivileged_uid=caps.unprivileged_uid
            ),
        }[mode]
        needs(caps.network_isolated, "never try a public address without isolation")
        needs(not chosen.bubblewrap or caps.bubblewrap, "bubblewrap unavailable")
        needs(not chosen.seccomp or caps.seccomp, "seccomp unavailable")
        code = "\n".join(
            [
                "try:",
                "    import socket",
                "except ImportError:  # without bubblewrap the stdlib may be unreadable: use libc",
                "    import ctypes",
                "    libc = ctypes.CDLL(None, use_errno=True)",
                "    fd = libc.socket(2, 1, 0)",
                "    if fd < 0:",
                "        raise OSError(ctypes.get_errno(), 'socket() refused')",
                "    address = (ctypes.c_ubyte * 16)(2, 0, 0, 80, 1, 1, 1, 1)",
                "    if libc.connect(fd, address, 16) == 0:",
                "        print('CONNECTED')",
                "    raise OSError(ctypes.get_errno(), 'connect() failed')",
                "s = socket.create_connection(('1.1.1.1', 80), timeout=3)",
                "print('CONNECTED')",
            ]
        )

        # Act
        # The seccomp-only run is the local opt-in fallback: public servers refuse it.
        config = dataclasses.replace(FAST, local_mode=True, allow_fallback=True)
        async with CodeSandbox(config, capabilities=chosen) as box:
            started = time.perf_counter()
            result = await run(box, code)
            elapsed = time.perf_counter() - started
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert "CONNECTED" not in result.stdout
        assert "OSError" in result.error or "PermissionError" in result.error
        assert elapsed < 1.5  # failed immediately, no connect timeout

    async def test_cannot_bind_listening_socket(self, sandbox: CodeSandbox, caps) -> None:
        """Binding a listening socket is refused."""
        # Arrange
        needs(caps.seccomp, "socket creation is only refused by seccomp")
        code = "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 8765))\ns.listen()"

        # Act
        result = await run(sandbox, code)

        # Assert (without bubblewrap a root-only stdlib may not even be importable)
        assert result.error is not None
        assert "PermissionError" in result.error or "ModuleNotFoundError" in result.error
        await assert_still_fine(sandbox)

    async def test_ctypes_raw_syscalls_are_blocked(self, sandbox: CodeSandbox, caps) -> None:
        """Raw socket, x32-ABI socket, ptrace, unshare and mount syscalls all fail."""
        # Arrange
        needs(caps.seccomp, "needs the seccomp filter")
        code = "\n".join(
            [
                "import ctypes",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "attempts = {",
                "    'socket': (41, 2, 1, 0),",
                "    'x32_socket': (0x40000000 | 41, 2, 1, 0),",
                "    'ptrace_attach': (101, 16, 1, 0),",
                "    'unshare_user': (272, 0x10000000, 0, 0),",
                "    'unshare_net': (272, 0x40000000, 0, 0),",
                "    'mount': (165, 0, 0, 0),",
                "    'setns': (308, 0, 0, 0),",
                "    'bpf': (321, 0, 0, 0),",
                "    'io_uring_setup': (425, 1, 0, 0),",
                "}",
                "for name, args in attempts.items():",
                "    print(name, libc.syscall(*[ctypes.c_long(a) for a in args]))",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None, result.error
        lines = result.stdout.splitlines()
        assert len(lines) == 9
        assert all(line.endswith(" -1") for line in lines), lines
        await assert_still_fine(sandbox)


@pytest.mark.asyncio(loop_scope="module")
class TestHostileProcesses:
    """Fork bombs, subprocesses and signals against the parent are contained."""

    async def test_fork_bomb(self, caps) -> None:
        """os.fork in a loop fails; nothing of the program survives it."""
        # Arrange
        needs(caps.unprivileged_uid, "needs a dedicated uid to count leftovers")
        config = SandboxConfig(
            cpu_seconds=1,
            wall_timeout=3.0,
            pool_size=0,
            sandbox_uid=PROBE_UID,
            sandbox_gid=PROBE_UID,
        )
        code = "import os\nwhile True:\n    os.fork()"

        # Act
        async with CodeSandbox(config, capabilities=caps) as box:
            result = await run(box, code)
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert uid_processes(PROBE_UID) == []

    async def test_fork_without_seccomp_hits_nproc_and_dies_with_namespace(self, caps) -> None:
        """Without seccomp, RLIMIT_NPROC stops the bomb and the pid namespace reaps the rest."""
        # Arrange
        needs(caps.bubblewrap and caps.unprivileged_uid, "needs bubblewrap and uid drop")
        config = SandboxConfig(
            cpu_seconds=2,
            wall_timeout=5.0,
            pool_size=0,
            max_processes=16,
            sandbox_uid=PROBE_UID,
            sandbox_gid=PROBE_UID,
        )
        weaker = SandboxCapabilities(bubblewrap=True, seccomp=False, unprivileged_uid=True)
        code = "\n".join(
            [
                "import os, time",
                "for _ in range(1000):",
                "    if os.fork() == 0:",
                "        time.sleep(60)",
                "        os._exit(0)",
            ]
        )

        # Act
        async with CodeSandbox(config, capabilities=weaker) as box:
            result = await run(box, code)
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert "BlockingIOError" in result.error or "Resource temporarily" in result.error
        assert uid_processes(PROBE_UID) == []

    async def test_subprocess_and_os_system(self, sandbox: CodeSandbox, caps) -> None:
        """subprocess.run and os.system cannot start programs."""
        # Arrange
        needs(caps.seccomp or caps.bubblewrap, "needs seccomp or bubblewrap")
        marker = Path("/tmp") / f"pwned-{uuid.uuid4().hex}"
        system = f"import os\nprint('status', os.system('echo PWNED > {marker}; echo PWNED'))"
        spawn = "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'echo PWNED'])"

        # Act
        via_system = await run(sandbox, system)
        via_subprocess = await run(sandbox, spawn)

        # Assert
        assert "PWNED" not in via_system.stdout
        assert via_system.stdout.startswith("status ")
        assert via_system.stdout.strip() != "status 0"
        assert "PWNED" not in via_subprocess.stdout
        assert via_subprocess.error is not None
        assert any(
            kind in via_subprocess.error
            for kind in ("PermissionError", "FileNotFoundError", "ModuleNotFoundError")
        )
        assert not exists(marker)
        await assert_still_fine(sandbox)

    async def test_cannot_kill_parent_or_its_process_group(self, sandbox: CodeSandbox) -> None:
        """SIGKILL to the server pid, the parent pid, their groups and -1 all fail."""
        # Arrange
        code = "\n".join(
            [
                "import os, signal",
                "targets = [",
                f"    lambda: os.kill({os.getpid()}, signal.SIGKILL),",
                f"    lambda: os.killpg({os.getpgid(0)}, signal.SIGKILL),",
                "    lambda: os.kill(os.getppid(), signal.SIGKILL),",
                "    lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL),",
                "    lambda: os.kill(-1, signal.SIGKILL),",
                "]",
                "for target in targets:",
                "    try:",
                "        target()",
                "        print('SENT')",
                "    except OSError as exc:",
                "        print('denied', type(exc).__name__)",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert: we are still here; anything the program did hit only itself.
        assert "SENT" not in result.stdout
        await assert_still_fine(sandbox)

    async def test_threads_and_own_signals_still_work(self, sandbox: CodeSandbox, caps) -> None:
        """What the seccomp filter allows: threads, signals to itself, reading limits."""
        # Arrange
        needs(caps.seccomp, "needs the seccomp filter")
        code = "\n".join(
            [
                "import os, resource, signal, threading",
                "box = []",
                "thread = threading.Thread(target=lambda: box.append(sum(range(1000))))",
                "thread.start()",
                "thread.join()",
                "print('thread', box)",
                "os.kill(os.getpid(), 0)",
                "os.kill(0, 0)",
                "signal.signal(signal.SIGUSR1, lambda *_: print('got SIGUSR1'))",
                "signal.raise_signal(signal.SIGUSR1)",
                "print('limit', resource.getrlimit(resource.RLIMIT_CPU))",
                "try:",
                "    os.kill(os.getpid() + 1, 0)",
                "except PermissionError:",
                "    print('other pid denied')",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None, result.error
        assert result.stdout.splitlines() == [
            "thread [499500]",
            "got SIGUSR1",
            "limit (2, 3)",
            "other pid denied",
        ]
        await assert_still_fine(sandbox)

    async def test_cannot_raise_rlimits(self, sandbox: CodeSandbox) -> None:
        """Raising CPU, memory or process limits fails."""
        # Arrange
        code = "\n".join(
            [
                "import resource",
                "for limit in ('RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_NPROC', 'RLIMIT_FSIZE'):",
                "    which = getattr(resource, limit)",
                "    try:",
                "        resource.setrlimit(which, (resource.RLIM_INFINITY,) * 2)",
                "        print('RAISED', limit)",
                "    except (ValueError, OSError) as exc:",
                "        print('denied', limit)",
                "print(resource.getrlimit(resource.RLIMIT_CPU))",
            ]
        )

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is None, result.error
        assert "RAISED" not in result.stdout
        assert result.stdout.count("denied") == 4
        assert "(2, 3)" in result.stdout
        await assert_still_fine(sandbox)

    async def test_results_pipe_cannot_be_read_or_forged(self, sandbox: CodeSandbox) -> None:
        """Printing a fake result does nothing; writing one to the pipe is re-validated."""
        # Arrange
        fake = "\n".join(
            [
                "import json, os",
                "one = {'type': 'line', 'points': [{'x': 0, 'y': 0}, {'x': 9, 'y': 9}]}",
                "fake = json.dumps({'paths': [one] * 6000, 'error': None})",
            ]
        )
        via_stdout = fake + "\nprint(json.dumps({'paths': [one] * 3, 'error': None}))"
        via_pipe = "\n".join(
            [
                fake,
                "try:",
                "    os.read(3, 10)",
                "except OSError as exc:",
                "    print('read denied', type(exc).__name__, flush=True)",
                "os.write(3, fake.encode() + b'\\n')",
                "os._exit(0)",
            ]
        )

        # Act
        printed = await run(sandbox, via_stdout)
        piped = await run(sandbox, via_pipe)

        # Assert
        assert printed.paths == []
        assert printed.error is None
        assert piped.paths == []
        assert piped.error is not None
        assert "5000 paths" in piped.error
        assert "read denied" in piped.stdout
        await assert_still_fine(sandbox)


@pytest.mark.asyncio(loop_scope="module")
class TestHostileResources:
    """Memory, CPU, time and output bombs hit their limits with a clear message."""

    async def test_memory_bomb_bytearray(self, sandbox: CodeSandbox) -> None:
        """A 4 GB allocation fails with MemoryError naming the limit."""
        # Act
        result = await run(sandbox, "x = bytearray(4 * 1024 ** 3)")

        # Assert
        assert result.error is not None
        assert "out of memory" in result.error
        assert "768 MiB" in result.error
        await assert_still_fine(sandbox)

    async def test_memory_bomb_list_growth(self) -> None:
        """Growing a list without bound ends in MemoryError (or the CPU limit)."""
        # Arrange
        code = "x = []\nwhile True:\n    x.append(' ' * 10 ** 6)"

        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, code)
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert "memory" in result.error or "CPU" in result.error

    async def test_cpu_spin_is_stopped(self) -> None:
        """while True: pass is stopped by the CPU limit."""
        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, "while True:\n    pass")
            await assert_still_fine(box)

        # Assert
        assert result.error is not None
        assert "1 s CPU time limit" in result.error or "time limit" in result.error
        assert result.duration_ms < 4000

    async def test_sleep_past_wall_timeout(self) -> None:
        """A program sleeping past the wall-clock limit is killed, the error says so."""
        # Act
        async with CodeSandbox(FAST) as box:
            result = await run(box, "import time\ntime.sleep(60)")
            await assert_still_fine(box)

        # Assert
        assert result.timed_out
        assert result.error == "Program exceeded the 2 s time limit and was stopped"
        assert 1900 < result.duration_ms < 5000

    async def test_print_flood_is_capped(self, sandbox: CodeSandbox) -> None:
        """An endless print loop is stopped at the output cap."""
        # Act
        result = await run(sandbox, "while True:\n    print('x' * 1000)")

        # Assert
        assert result.error == "Program output exceeded 65536 bytes and was stopped"
        assert len(result.stdout) <= 65536
        await assert_still_fine(sandbox)

    async def test_stderr_flood_keeps_a_bounded_tail(self, sandbox: CodeSandbox) -> None:
        """Flooding stderr is stopped too, and only a short tail is kept."""
        # Act
        result = await run(sandbox, "import sys\nwhile True:\n    sys.stderr.write('e' * 1000)")

        # Assert
        assert result.error is not None
        assert "error output exceeded" in result.error
        assert len(result.stderr_tail) <= 4096
        await assert_still_fine(sandbox)

    async def test_million_paths_are_capped(self, sandbox: CodeSandbox) -> None:
        """Emitting 10**6 paths fails fast with the path limit in the message."""
        # Arrange
        code = "for i in range(10 ** 6):\n    output_paths([line(0, 0, 1, 1)])"
        caught = "\n".join(
            [
                "try:",
                "    output_paths([line(0, 0, 1, 1)] * 10 ** 6)",
                "except Exception:",
                "    pass  # catching the limit error does not hide it",
            ]
        )

        # Act
        looped = await run(sandbox, code)
        swallowed = await run(sandbox, caught)

        # Assert
        for result in (looped, swallowed):
            assert result.error is not None
            assert "limit of 5000 paths" in result.error
            assert len(result.paths) <= 5000
        await assert_still_fine(sandbox)

    async def test_point_limit(self, sandbox: CodeSandbox) -> None:
        """More than max_points points in total is refused with the limit named."""
        # Arrange
        code = "output_paths([polyline(np.zeros((150_000, 2))) for _ in range(2)])"

        # Act
        result = await run(sandbox, code)

        # Assert
        assert result.error is not None
        assert "200000 points" in result.error
        await assert_still_fine(sandbox)

    async def test_nan_coordinates_name_the_path(self, sandbox: CodeSandbox) -> None:
        """NaN or infinite coordinates fail with the index of the offending path."""
        # Arrange
        code = "\n".join(
            [
                "output_paths([line(0, 0, 1, 1), line(0, 0, 1, 1)])",
                "output_paths([polyline(np.array([[0, 0], [np.inf, 1]]))])",
            ]
        )

        # Act
        result = await run(sandbox, code)
        nan = await run(sandbox, "output_paths([line(float('nan'), 0, 1, 1)])")

        # Assert
        assert result.error is not None
        assert "path 2" in result.error
        assert "non-finite" in result.error
        assert nan.error is not None
        assert "path 0" in nan.error
        await assert_still_fine(sandbox)

    async def test_deep_recursion(self) -> None:
        """Unbounded recursion ends in RecursionError, or a limit when the limit is raised."""
        # Arrange
        plain = "def f(n):\n    return f(n + 1)\nf(0)"
        raised = "import sys\nsys.setrecursionlimit(10 ** 8)\n" + plain

        # Act
        async with CodeSandbox(FAST) as box:
            first = await run(box, plain)
            second = await run(box, raised)
            await assert_still_fine(box)

        # Assert
        assert first.error is not None
        assert "RecursionError" in first.error
        assert second.error is not None


# ------------------------------------------------------------------------------------------
# Fallback mode: no bubblewrap (seccomp + unprivileged uid + per-run scratch dir).
# ------------------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
class TestFallbackWithoutBubblewrap:
    """With bubblewrap unavailable the remaining layers still contain the battery basics."""

    @pytest_asyncio.fixture(loop_scope="module")
    async def fallback(self, caps: SandboxCapabilities) -> AsyncIterator[CodeSandbox]:
        needs(caps.seccomp and caps.unprivileged_uid, "needs seccomp and a uid to drop to")
        weaker = SandboxCapabilities(bubblewrap=False, seccomp=True, unprivileged_uid=True)
        box = CodeSandbox(
            SandboxConfig(
                cpu_seconds=1, wall_timeout=2.0, pool_size=1, local_mode=True, allow_fallback=True
            ),
            capabilities=weaker,
        )
        await box.start()
        yield box
        await box.close()

    async def test_basics_are_contained(
        self, fallback: CodeSandbox, server_data: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Secrets, /etc/shadow, network, fork and the parent stay out of reach."""
        # Arrange
        monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
        code = "\n".join(
            [
                "import os, signal",
                "def attempt(name, action):",
                "    try:",
                "        action()",
                "        print('ALLOWED', name)",
                "    except Exception as exc:",
                "        print('denied', name, type(exc).__name__)",
                "attempt('shadow', lambda: open('/etc/shadow').read())",
                f"attempt('env', lambda: open({str(server_data / '.env')!r}).read())",
                f"attempt('environ', lambda: open('/proc/{os.getpid()}/environ').read())",
                "attempt('fork', os.fork)",
                f"attempt('kill', lambda: os.kill({os.getpid()}, signal.SIGKILL))",
                "attempt('socket', lambda: __import__('_socket').socket())",
                "print('uid', os.getuid(), 'secret' if 'ANTHROPIC_API_KEY' in os.environ else '')",
            ]
        )

        # Act
        result = await run(fallback, code)

        # Assert
        assert result.error is None, result.error
        assert "ALLOWED" not in result.stdout
        assert result.stdout.count("denied") == 6
        assert SECRET not in everything(result)
        assert "secret" not in result.stdout
        assert "uid 65534" in result.stdout
        await assert_still_fine(fallback)

    @pytest.fixture
    def keep(self, tmp_path: Path) -> Path:
        """A host directory (reachable by the sandbox uid) with a file that must survive."""
        keep = tmp_path / "keep"
        keep.mkdir()
        (keep / "sentinel").write_text("still here")
        keep.chmod(0o755)
        tmp_path.chmod(0o755)
        return keep

    async def test_scratch_is_removed_and_symlinks_not_followed(
        self, fallback: CodeSandbox, keep: Path
    ) -> None:
        """The per-run scratch dir is deleted afterwards without following symlinks out."""
        # Arrange
        code = "\n".join(
            [
                "import os",
                f"os.symlink({str(keep)!r}, 'link')",
                "os.makedirs('a/b/c')",
                "open('a/b/c/file', 'w').write('x')",
                "print(os.getcwd())",
            ]
        )

        # Act
        result = await run(fallback, code)

        # Assert
        assert result.error is None, result.error
        scratch = Path(result.stdout.strip())
        assert not exists(scratch)
        assert (keep / "sentinel").read_text() == "still here"
        await assert_still_fine(fallback)
