"""Server load benchmarks of issue 6: ``python -m bench.load [--only NAME,...] [--duration S]``.

``--loop asyncio|uvloop|auto`` picks the server's event loop (``EVENT_LOOP``; default: the
server's own default), to compare the two (issue 14).

Each scenario starts the real server as its own process (``bench.load_server``: the app under
uvicorn with a scripted fast artist, one batch of 20 paths per second per active user) and
drives it from a separate load-generator process (``bench.load_gen``), then prints one table:

- ``users200``: 200 users × 1 inline viewer; p99 ``queued_at`` → viewer ≤ 100 ms, no errors.
- ``fanout500``: 1 user × 500 viewer sockets; every socket gets every batch, p99 ≤ 250 ms.
- ``idle1000``: 1,000 users with one idle (paused) socket each; RSS per user ≤ 2 MB.
- ``coldstart``: ``code-monet serve`` with a fresh data dir until ``/health`` is 200; ≤ 2 s.

Benchmarks report; they never gate: the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2
import psutil

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("users200", "fanout500", "idle1000", "coldstart")
Json = dict[str, object]


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def background_cpu(quiet_wait: float, quiet_pct: float = 25.0) -> str:
    """How busy the machine is before a scenario (other processes share these cores); waits
    up to ``quiet_wait`` seconds for it to drop below ``quiet_pct``."""
    deadline = time.monotonic() + quiet_wait
    busy = psutil.cpu_percent(interval=1.0)
    while busy > quiet_pct and time.monotonic() < deadline:
        busy = psutil.cpu_percent(interval=1.0)
    load1, _, _ = os.getloadavg()
    return f"background before start: machine CPU {busy:.0f}% busy, load average {load1:.2f}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Row:
    scenario: str
    users: str = "-"
    sockets: str = "-"
    batches: str = "-"
    p50: str = "-"
    p99: str = "-"
    max: str = "-"
    errors: str = "-"
    cpu: str = "-"
    rss: str = "-"
    target: str = "-"
    measured: str = "-"
    verdict: str = "-"
    notes: list[str] = field(default_factory=list)

    def cells(self) -> tuple[str, ...]:
        return (
            self.scenario,
            self.users,
            self.sockets,
            self.batches,
            self.p50,
            self.p99,
            self.max,
            self.errors,
            self.cpu,
            self.rss,
            self.target,
            self.measured,
            self.verdict,
        )


HEADERS = (
    "scenario",
    "users",
    "sockets",
    "batches received",
    "p50 ms",
    "p99 ms",
    "max ms",
    "errors",
    "server CPU %",
    "server RSS MB",
    "target",
    "measured",
    "verdict",
)


def format_table(rows: Sequence[Row]) -> str:
    cells = [row.cells() for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def _ms(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float | int) else "-"


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


# ---------------------------------------------------------------------- processes


@contextlib.contextmanager
def load_server(
    workdir: Path, *, users: int, extra: Sequence[str] = (), startup_timeout: float = 180.0
) -> Iterator[tuple[int, int, Path, Json]]:
    """Start ``bench.load_server``; yields (pid, port, log file, tokens payload)."""
    port = free_port()
    tokens = workdir / "tokens.json"
    server_log = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "bench.load_server",
        "--port",
        str(port),
        "--data-dir",
        str(workdir / "data"),
        "--users",
        str(users),
        "--tokens-out",
        str(tokens),
        "--stats-out",
        str(workdir / "stats.json"),
        *extra,
    ]
    with server_log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_timeout
        while not tokens.exists():
            if process.poll() is not None:
                raise RuntimeError(f"load server exited: {tail(server_log)}")
            if time.monotonic() > deadline:
                raise RuntimeError("load server did not start in time")
            time.sleep(0.05)
        payload: Json = json.loads(tokens.read_text(encoding="utf-8"))
        yield process.pid, port, tokens, payload
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def tail(path: Path, lines: int = 5) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def server_log_counts(path: Path) -> tuple[int, int, list[str]]:
    """(warnings, errors, a few distinct messages) of the server's log."""
    warnings = errors = 0
    distinct: list[str] = []
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("WARNING"):
                warnings += 1
            elif line.startswith(("ERROR", "CRITICAL")):
                errors += 1
            else:
                continue
            key = line[:100]
            if key not in distinct and len(distinct) < 5:
                distinct.append(key)
    return warnings, errors, distinct


def run_load_gen(arguments: Sequence[str], timeout: float) -> Json:
    command = [sys.executable, "-m", "bench.load_gen", *arguments]
    done = subprocess.run(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=None, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed with exit code {done.returncode}")
    lines = done.stdout.decode().strip().splitlines()
    result: Json = json.loads(lines[-1])
    return result


@contextlib.contextmanager
def profiler(pid: int, out: Path | None, seconds: float) -> Iterator[None]:
    """``py-spy record`` on the server while the scenario runs (when asked and installed)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if out is None or not Path(spy).exists():
        if out is not None:
            log("py-spy not found: no profile")
        yield
        return
    command = [spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-o", str(out)]
    command += ["-f", "raw" if out.suffix == ".txt" else "flamegraph", "--threads", "--nonblocking"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        try:
            process.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            process.kill()
        log(f"profile written to {out}")


# ---------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Options:
    duration: float
    warmup: float
    workdir: Path
    profile_dir: Path | None
    coldstart_runs: int
    profile_format: str = "svg"
    users: int = 200
    fanout_sockets: int = 500
    idle_users: int = 1000
    compression: bool = True
    batches_per_turn: int = 1
    loop: str | None = None
    """The server's event loop (``EVENT_LOOP``); None: the server's default."""

    def loop_args(self) -> list[str]:
        return [] if self.loop is None else ["--loop", self.loop]


def active_row(name: str, result: Json, target_p99: float, server_log: Path) -> Row:
    latency = result["latency_ms"]
    e2e = result["e2e_ms"]
    assert isinstance(latency, dict) and isinstance(e2e, dict)
    p99 = latency["p99"]
    errors = result["errors"]
    received, expected = result["batches_received"], result["batches_expected"]
    assert isinstance(received, int) and isinstance(expected, int) and isinstance(errors, int)
    # Also a miss: the artists could not keep their one-batch-per-second pace.
    pace_ok = received >= 0.95 * expected
    ok = isinstance(p99, float | int) and p99 <= target_p99 and errors == 0 and pace_ok
    warnings, log_errors, samples = server_log_counts(server_log)
    diagnostics = read_json(server_log.parent / "stats.json")
    row = Row(
        name,
        users=str(result["users"]),
        sockets=str(result["sockets"]),
        batches=f"{received}/{expected}",
        p50=_ms(latency["p50"]),
        p99=_ms(p99),
        max=_ms(latency["max"]),
        errors=str(errors),
        cpu=_ms(result["server_cpu_pct"]),
        rss=_ms(result["server_rss_mb"]),
        target=f"p99≤{target_p99:g}ms, 0 err",
        measured=f"p99 {_ms(p99)} ms",
        verdict=_verdict(ok),
    )
    row.notes += [
        f"e2e draw_paths call → viewer: p50 {_ms(e2e['p50'])} p99 {_ms(e2e['p99'])} "
        f"max {_ms(e2e['max'])} ms (n={int(e2e['count'])})",
        f"connect {result['connect_s']}s; window {result['duration_s']}s; "
        f"{result['frames_in']} frames, {result['mbytes_in']} MB in (permessage-deflate "
        f"{'on' if result.get('compression') else 'off'}); missed batches "
        f"{result['missed_batches']}, batch-id gaps {result['batch_id_gaps']}",
        f"load generator CPU {result['loadgen_cpu_pct']}%, machine CPU "
        f"{result['machine_cpu_pct']}% of {os.cpu_count()} cores; sandbox workers RSS "
        f"{result['server_children_rss_mb']} MB (not in server RSS)",
        f"server log: {warnings} warnings, {log_errors} errors",
    ]
    for key, label in (
        ("loop_lag_ms", "server event-loop lag (20 ms timer)"),
        ("gc_pause_ms", "server garbage-collection pauses"),
        ("executor_wait_ms", "server to_thread queue wait"),
        ("executor_run_ms", "server to_thread run time"),
    ):
        figures = diagnostics.get(key)
        if isinstance(figures, dict) and figures.get("count"):
            row.notes.append(
                f"{label}: mean {figures['mean']} p50 {figures['p50']} p99 {figures['p99']} "
                f"max {figures['max']} ms (n={int(figures['count'])})"
            )
    calls = _pairs(diagnostics.get("executor_calls"))
    if calls:
        row.notes.append(
            "server worker-thread calls in the window: "
            + ", ".join(f"{name} {count}" for name, count in calls)
        )
    tracked = diagnostics.get("gc_tracked")
    if isinstance(tracked, dict):
        row.notes.append(
            f"server heap at the end: {tracked.get('objects')} objects tracked by the garbage "
            f"collector ({tracked.get('frozen')} frozen at start-up); most common: "
            + ", ".join(f"{name} {count}" for name, count in _pairs(tracked.get("top")))
        )
    if not pace_ok:
        row.notes.append("artists fell behind their 1 batch/s pace (received < 95% expected)")
    row.notes += [f"  error: {e}" for e in _strings(result["error_samples"])[:5]]
    row.notes += [f"  log: {line}" for line in samples]
    return row


def read_json(path: Path) -> Json:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pairs(value: object) -> list[tuple[str, int]]:
    if not isinstance(value, list):
        return []
    return [
        (str(item[0]), int(item[1])) for item in value if isinstance(item, list) and len(item) == 2
    ]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def scenario_users200(options: Options) -> Row:
    users = options.users
    work = options.workdir / "users200"
    work.mkdir()
    extra = ["--batches-per-turn", str(options.batches_per_turn), *options.loop_args()]
    with load_server(work, users=users, extra=extra) as (pid, port, tokens, payload):
        total = options.warmup + options.duration
        with profiler(pid, _profile_path(options, "users200"), total):
            result = run_load_gen(
                _gen_args("users200", port, tokens, pid, options, users=users, sockets=1),
                timeout=total + 180,
            )
    row = active_row("users200", result, 100.0, work / "server.log")
    row.notes.append(f"server event loop: {payload.get('event_loop')}")
    return row


def scenario_fanout500(options: Options) -> Row:
    sockets = options.fanout_sockets
    work = options.workdir / "fanout500"
    work.mkdir()
    extra = ["--max-connections-per-user", str(sockets + 10), *options.loop_args()]
    with load_server(work, users=1, extra=extra) as (pid, port, tokens, payload):
        total = options.warmup + options.duration
        with profiler(pid, _profile_path(options, "fanout500"), total):
            result = run_load_gen(
                _gen_args("fanout500", port, tokens, pid, options, users=1, sockets=sockets),
                timeout=total + 180,
            )
    row = active_row("fanout500", result, 250.0, work / "server.log")
    row.notes.append(f"server event loop: {payload.get('event_loop')}")
    return row


def scenario_idle1000(options: Options) -> Row:
    users, warm = options.idle_users, 10
    work = options.workdir / "idle1000"
    work.mkdir()
    extra = ["--idle", *options.loop_args()]
    with load_server(work, users=users + warm, extra=extra) as (pid, port, tokens, payload):
        arguments = [
            "--scenario",
            "idle1000",
            "--url",
            f"ws://127.0.0.1:{port}/ws",
            "--tokens",
            str(tokens),
            "--server-pid",
            str(pid),
            "--users",
            str(users),
            "--warm-users",
            str(warm),
        ]
        result = run_load_gen(arguments, timeout=600)
    per_user = result["per_user_mb"]
    errors = result["errors"]
    assert isinstance(per_user, float | int) and isinstance(errors, int)
    warnings, log_errors, samples = server_log_counts(work / "server.log")
    row = Row(
        "idle1000",
        users=str(result["users"]),
        sockets=str(result["sockets"]),
        errors=str(errors),
        cpu=_ms(result["idle_cpu_pct"]),
        rss=_ms(result["rss_after_mb"]),
        target="≤2 MB/idle user",
        measured=f"{per_user:.2f} MB/user",
        verdict=_verdict(per_user <= 2.0 and errors == 0),
    )
    row.notes += [
        f"server RSS {result['rss_before_mb']} MB (after {warm} warm-up users) → "
        f"{result['rss_after_mb']} MB with {users} more idle users; connecting took "
        f"{result['connect_s']}s and {result['connect_cpu_s']} CPU-s; CPU % column = "
        f"while idle; {payload.get('mint_seconds')}s to create the users",
        f"server log: {warnings} warnings, {log_errors} errors",
        f"server event loop: {payload.get('event_loop')}",
    ]
    row.notes += [f"  error: {e}" for e in _strings(result["error_samples"])[:5]]
    row.notes += [f"  log: {line}" for line in samples]
    return row


def scenario_coldstart(options: Options) -> Row:
    """``code-monet serve`` (the product's own entry point) with a fresh data dir each run."""
    exe = Path(sys.executable).parent / "code-monet"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "code_monet"]
    times: list[float] = []
    failures: list[str] = []
    for run in range(options.coldstart_runs):
        work = options.workdir / f"coldstart-{run}"
        work.mkdir()
        port = free_port()
        env = dict(os.environ, DATA_DIR=str(work / "data"))
        if options.loop is not None:
            env["EVENT_LOOP"] = options.loop
        command = [*base, "serve", "--port", str(port), "--log-level", "warning"]
        with (work / "server.log").open("wb") as sink:
            started = time.perf_counter()
            process = subprocess.Popen(command, cwd=work, env=env, stdout=sink, stderr=sink)
        try:
            elapsed = wait_healthy(f"http://127.0.0.1:{port}/health", started, process.poll)
        finally:
            stop_process(process)
        if elapsed is None:
            failures.append(f"run {run}: not healthy in time: {tail(work / 'server.log')}")
        else:
            times.append(elapsed * 1000.0)
    median = statistics.median(times) if times else float("nan")
    worst = max(times, default=float("nan"))
    row = Row(
        "coldstart",
        users="0",
        sockets="0",
        p50=_ms(median),
        max=_ms(worst),
        errors=str(len(failures)),
        target="≤2000 ms to /health 200",
        measured=f"median {median:.0f}, max {worst:.0f} ms",
        verdict=_verdict(bool(times) and worst <= 2000.0 and not failures),
    )
    row.notes.append(
        f"{options.coldstart_runs} runs of `code-monet serve`, fresh data dir each (p50 = "
        f"median): {', '.join(f'{t:.0f}' for t in times)} ms; EVENT_LOOP="
        f"{options.loop or os.environ.get('EVENT_LOOP', '(default)')}"
    )
    row.notes += [f"  error: {f}" for f in failures]
    return row


def wait_healthy(
    url: str, started: float, exited: Callable[[], int | None], timeout: float = 30.0
) -> float | None:
    """Seconds from ``started`` until ``url`` answers 200 (None: exited or timed out)."""
    with httpx2.Client(timeout=1.0) as client:
        while time.perf_counter() - started < timeout:
            if exited() is not None:
                return None
            with contextlib.suppress(httpx2.HTTPError, OSError):
                if client.get(url).status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.01)
    return None


def _profile_path(options: Options, name: str) -> Path | None:
    if options.profile_dir is None:
        return None
    options.profile_dir.mkdir(parents=True, exist_ok=True)
    return options.profile_dir / f"{name}.{options.profile_format}"


def _gen_args(
    name: str, port: int, tokens: Path, pid: int, options: Options, *, users: int, sockets: int
) -> list[str]:
    return [
        "--scenario",
        name,
        "--url",
        f"ws://127.0.0.1:{port}/ws",
        "--tokens",
        str(tokens),
        "--server-pid",
        str(pid),
        "--users",
        str(users),
        "--sockets-per-user",
        str(sockets),
        "--warmup",
        str(options.warmup),
        "--duration",
        str(options.duration),
        *([] if options.compression else ["--no-compression"]),
    ]


RUNNERS: dict[str, Callable[[Options], Row]] = {
    "users200": scenario_users200,
    "fanout500": scenario_fanout500,
    "idle1000": scenario_idle1000,
    "coldstart": scenario_coldstart,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of {SCENARIOS}")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--coldstart-runs", type=int, default=5)
    parser.add_argument("--profile-dir", default="", help="py-spy profiles of the server")
    parser.add_argument(
        "--profile-format", choices=["svg", "txt"], default="svg", help="flame graph or raw stacks"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dirs and logs")
    parser.add_argument("--users", type=int, default=200, help="users200: active users")
    parser.add_argument(
        "--batches-per-turn",
        type=int,
        default=1,
        help="users200/fanout500: batches each scripted turn draws (1 = a whole agent turn "
        "per batch, the harshest case)",
    )
    parser.add_argument("--fanout-sockets", type=int, default=500, help="fanout500: sockets")
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="viewers do not offer permessage-deflate (browsers do; default: offer it)",
    )
    parser.add_argument("--idle-users", type=int, default=1000, help="idle1000: idle users")
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default=None,
        help="the server's event loop (EVENT_LOOP); default: the server's default",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="wait up to this long for the machine to be quiet (<25%% busy) before a scenario",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = [s for s in chosen if s not in RUNNERS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; choose from {SCENARIOS}")
    workdir = Path(tempfile.mkdtemp(prefix="code-monet-load-"))
    options = Options(
        duration=args.duration,
        warmup=args.warmup,
        workdir=workdir,
        profile_dir=Path(args.profile_dir).resolve() if args.profile_dir else None,
        coldstart_runs=max(1, args.coldstart_runs),
        profile_format=args.profile_format,
        users=args.users,
        fanout_sockets=args.fanout_sockets,
        idle_users=args.idle_users,
        compression=not args.no_compression,
        batches_per_turn=max(1, args.batches_per_turn),
        loop=args.loop,
    )
    print(
        f"cpu_count={os.cpu_count()}  python={platform.python_version()}  "
        f"platform={platform.platform()}  work={workdir}  "
        f"event loop={args.loop or os.environ.get('EVENT_LOOP', 'server default')}"
    )
    print(
        "latency = viewer receipt − queued_at (server stamps it when it announces the batch); "
        "server CPU % is of one core (200% = both cores)\n"
    )
    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        log(f"scenario {name}")
        background = background_cpu(args.quiet_wait)
        try:
            row = RUNNERS[name](options)
        except Exception as exc:  # report it, keep running the others
            row = Row(name, verdict="ERROR", notes=[f"{type(exc).__name__}: {exc}"])
        row.notes.append(background)
        rows.append(row)
    print(format_table(rows))
    print()
    for row in rows:
        for note in row.notes:
            print(f"{row.scenario}: {note}")
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
