"""Soak of the live pipeline (issue 14): ``python -m bench.soak [--users 50] [--minutes 8]
[--sample-seconds 30]``.

``--users`` signed-in users draw with the real builtin artist (the default offline artist) for
``--minutes`` against ``code-monet serve`` in its own process: a temporary ``DATA_DIR`` with the
embedded SQLite, ``LOCAL_MODE=false``, loopback only (the studio benches' command and
environment, ``bench.studio_harness.studio_server``). The accounts are made as real users make
them: ``code-monet invite create`` and ``POST /auth/signup``.

Each user has one viewer, a protocol-v2 socket with ``strokes=inline`` (``bench.load_gen``'s
``Viewer``) that answers every ``strokes`` batch with ``animation_done`` (at once, or after
``--ack-delay`` seconds), starts a piece with ``new_canvas`` after its ``init`` and starts the next
one whenever ``piece_state`` says the current one is completed, so every artist draws all the
time. A viewer that hears nothing for ``--stall-seconds`` sends ``new_canvas`` again (counted).

Counted: ``error`` frames per user with their messages, socket closes the bench did not ask
for, ``seq`` gaps and duplicates per viewer (each logged frame must be the previous ``seq`` + 1,
starting from ``init``'s), strokes and batches received, pieces started and completed, the
server exiting before the bench stops it (a crash: exit code or signal), and the server's log
lines (stdout and stderr) containing ``EBADF``, ``Bad file descriptor``, ``Traceback`` or
``ERROR``. Every ``--sample-seconds``: the server's RSS (and its children's), CPU %, open file
descriptors, and the total bytes of ``DATA_DIR`` with its largest file.

Prints a markdown table of the samples and a summary with a verdict: PASS when there were no
error frames, no crash and no EBADF / "Bad file descriptor" line. Exit code 0 on PASS, 1 on
FAIL (the work directory with the server log is then kept). Every wait has a time limit and the
bench stops the server itself (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2
import psutil

from bench.load import free_port, stop_process, tail, wait_healthy
from bench.load_gen import Viewer, Window, _frame_type, open_all, raise_fd_limit
from bench.studio_harness import studio_server

LOG_PATTERNS = ("EBADF", "Bad file descriptor", "Traceback", "ERROR")
EBADF_PATTERNS = ("EBADF", "Bad file descriptor")
_SEQ = re.compile(r'"seq":(\d+)')
_MESSAGE = re.compile(r'"message":"((?:[^"\\]|\\.)*)"')
Json = dict[str, object]


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- the viewers


@dataclass
class SoakViewer(Viewer):
    """One user's only socket: acks every batch, keeps its artist drawing, checks ``seq``."""

    ack_delay: float = 0.0
    stall_seconds: float = 60.0
    drawing: bool = True
    """While set, a completed piece is followed by a new one."""
    error_frames: list[str] = field(default_factory=list)
    seq_notes: list[str] = field(default_factory=list)
    last_seq: int | None = None
    seq_gaps: int = 0
    seq_duplicates: int = 0
    strokes: int = 0
    pieces_started: int = 0
    pieces_completed: int = 0
    stalls: int = 0
    last_frame_at: float = field(default_factory=time.monotonic)
    _acks: set[asyncio.Task[None]] = field(default_factory=set)

    async def open(self, wait: float) -> str:
        """Connect (v2: inline strokes) and take the ``init`` frame's ``seq`` as the baseline."""
        text = await super().open(wait)
        await self._on_frame(text, time.time())
        return text

    async def start_piece(self) -> None:
        if not self.drawing or self.closing:
            return
        self.pieces_started += 1
        direction = f"soak piece {self.pieces_started} of user {self.user}"
        with contextlib.suppress(Exception):  # a closed socket is counted by read_loop
            await self.send({"type": "new_canvas", "direction": direction})

    async def _on_frame(self, text: str, received: float) -> None:
        self.last_frame_at = time.monotonic()
        try:
            await self._handle(text)
        except (ValueError, KeyError, TypeError) as exc:
            self.errors.append(f"unreadable frame ({type(exc).__name__}): {text[:120]}")

    async def _handle(self, text: str) -> None:
        self._check_seq(text)
        kind = _frame_type(text)
        if kind == "strokes":
            await self._on_batch(text)
        elif kind == "error":
            match = _MESSAGE.search(text)
            self.error_frames.append(match.group(1) if match else text[:200])
        elif kind == "piece_state":
            if json.loads(text).get("completed") is True:
                self.pieces_completed += 1
                await self.start_piece()
        elif kind == "init" and self.pieces_started == 0:
            await self.start_piece()

    def _check_seq(self, text: str) -> None:
        """Logged frames carry ``seq`` (first field); replies to one socket carry none."""
        match = _SEQ.match(text, 1) if text.startswith('{"seq":') else None
        if match is None:
            return
        seq = int(match.group(1))
        previous = self.last_seq
        if previous is not None and seq != previous + 1:
            kind = _frame_type(text)
            if seq <= previous:
                self.seq_duplicates += 1
                note = f"seq {seq} ({kind}) after {previous}: duplicate/out of order"
            else:
                self.seq_gaps += seq - previous - 1
                note = f"seq {seq} ({kind}) after {previous}: {seq - previous - 1} missing"
            if len(self.seq_notes) < 5:
                self.seq_notes.append(note)
        if previous is None or seq > previous:
            self.last_seq = seq

    async def _on_batch(self, text: str) -> None:
        data = json.loads(text)
        batch_id = int(data["batch_id"])
        strokes = data.get("strokes")
        self.strokes_frames += 1
        self.strokes += len(strokes) if isinstance(strokes, list) else 0
        if self.ack_delay <= 0:
            await self.send({"type": "animation_done", "batch_id": batch_id})
            return
        task = asyncio.create_task(self._ack_later(batch_id))
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _ack_later(self, batch_id: int) -> None:
        await asyncio.sleep(self.ack_delay)
        if not self.closing:
            with contextlib.suppress(Exception):
                await self.send({"type": "animation_done", "batch_id": batch_id})

    async def kick_if_stalled(self) -> None:
        """No frame at all for ``stall_seconds``: the artist stopped; start a new piece."""
        if self.ws is None or self.closing or not self.drawing:
            return
        if time.monotonic() - self.last_frame_at > self.stall_seconds:
            self.stalls += 1
            self.last_frame_at = time.monotonic()
            await self.start_piece()

    async def close(self) -> None:
        for task in list(self._acks):
            task.cancel()
        await super().close()

    @property
    def closes(self) -> list[str]:
        return [e for e in self.errors if e.startswith("closed")]


# ---------------------------------------------------------------------- the server


@dataclass
class Server:
    """``code-monet serve`` in its own process."""

    process: subprocess.Popen[bytes]
    base: str
    data_dir: Path
    log_path: Path
    stopped_by_bench: bool = False
    stop_seconds: float | None = None

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://", 1) + "/ws"

    def crashed(self) -> int | None:
        """The exit code when the server exited without the bench stopping it."""
        code = self.process.poll()
        return None if code is None or self.stopped_by_bench else code

    def stop(self) -> None:
        if self.stopped_by_bench:
            return
        self.stopped_by_bench = self.process.poll() is None
        started = time.monotonic()
        stop_process(self.process)  # SIGTERM, 20 s, then SIGKILL
        self.stop_seconds = time.monotonic() - started


def start_server(workdir: Path, users: int, token_minutes: int, startup_timeout: float) -> Server:
    """Invite codes first (the CLI migrates the fresh database), then the server."""
    data_dir = workdir / "data"
    port = free_port()
    command, env = studio_server(data_dir, port)
    env.update(
        LOCAL_MODE="false",
        DEV_MODE="false",
        MAILER="console",
        ACCESS_TOKEN_MINUTES=str(token_minutes),
        SIGNUP_PER_IP_PER_HOUR=str(max(10, 2 * users)),
    )
    env.pop("JWT_SECRET", None)  # generated into the temporary DATA_DIR
    env.pop("LOG_FORMAT", None)
    invites = subprocess.run(
        [command[0], "invite", "create", "-n", str(users)],
        cwd=workdir,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if invites.returncode != 0:
        raise RuntimeError(f"invite create failed: {invites.stderr.decode(errors='replace')}")
    (workdir / "invites.txt").write_bytes(invites.stdout)
    log_path = workdir / "server.log"
    with log_path.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=sink, stderr=sink)
    server = Server(process, f"http://127.0.0.1:{port}", data_dir, log_path)
    elapsed = wait_healthy(f"{server.base}/health", started, process.poll, startup_timeout)
    if elapsed is None:
        server.stop()
        raise RuntimeError(f"the server did not become healthy: {tail(log_path)}")
    log(f"server pid {process.pid} healthy on {server.base} in {elapsed:.1f}s")
    return server


async def sign_up(base: str, codes: Sequence[str], request_seconds: float) -> list[str]:
    """One account per invite code (``POST /auth/signup``); their access tokens."""
    run = secrets.token_hex(3)
    gate = asyncio.Semaphore(4)

    async def one(client: httpx2.AsyncClient, index: int, code: str) -> str:
        body = {
            "email": f"soak-{run}-{index}@example.com",
            "password": secrets.token_urlsafe(18),
            "invite_code": code,
        }
        async with gate:
            response = await client.post(f"{base}/auth/signup", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"signup {index}: HTTP {response.status_code} {response.text}")
        token: str = response.json()["access_token"]
        return token

    async with httpx2.AsyncClient(timeout=request_seconds) as client:
        return list(await asyncio.gather(*(one(client, i, code) for i, code in enumerate(codes))))


# ---------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Sample:
    elapsed: float
    rss_mb: float
    children_rss_mb: float
    cpu_pct: float
    fds: int
    data_mb: float
    data_files: int
    largest: str
    largest_kb: float
    sockets_open: int
    users_drawing: int
    strokes: int
    pieces: int
    error_frames: int


def data_usage(root: Path) -> tuple[int, int, str, int]:
    """(total bytes, files, largest file relative to ``root``, its bytes); tolerates files
    replaced while it walks."""
    total = files = biggest = 0
    name = "-"
    for directory, _dirs, names in os.walk(root):
        for entry in names:
            path = Path(directory) / entry
            try:
                size = path.stat().st_size
            except OSError:
                continue
            total += size
            files += 1
            if size > biggest:
                biggest, name = size, _short(path.relative_to(root))
    return total, files, name, biggest


def _short(relative: Path) -> str:
    """``users/<uuid>/…`` with the user id cut to 8 characters."""
    parts = list(relative.parts)
    if len(parts) > 2 and parts[0] == "users" and len(parts[1]) > 8:
        parts[1] = parts[1][:8] + "…"
    return "/".join(parts)


@dataclass
class Probe:
    """The server process as psutil sees it; CPU % is of one core since the previous sample."""

    pid: int
    started: float
    process: psutil.Process = field(init=False)
    _cpu: float = 0.0
    _at: float = 0.0
    _strokes: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.process = psutil.Process(self.pid)
        self._cpu, self._at = self._cpu_seconds(), time.monotonic()

    def _cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def _children_rss(self) -> int:
        total = 0
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += int(child.memory_info().rss)
        return total

    async def sample(self, viewers: Sequence[SoakViewer], data_dir: Path) -> Sample:
        now = time.monotonic()
        cpu = self._cpu_seconds()
        cpu_pct = 100.0 * (cpu - self._cpu) / max(1e-6, now - self._at)
        self._cpu, self._at = cpu, now
        rss = int(self.process.memory_info().rss)
        children = self._children_rss()
        fds = self.process.num_fds()
        total, files, largest, largest_bytes = await asyncio.to_thread(data_usage, data_dir)
        drawing = sum(1 for v in viewers if v.strokes > self._strokes.get(v.user, 0))
        self._strokes = {v.user: v.strokes for v in viewers}
        return Sample(
            elapsed=now - self.started,
            rss_mb=rss / 2**20,
            children_rss_mb=children / 2**20,
            cpu_pct=cpu_pct,
            fds=fds,
            data_mb=total / 2**20,
            data_files=files,
            largest=largest,
            largest_kb=largest_bytes / 1024,
            sockets_open=sum(1 for v in viewers if v.ws is not None and not v.closes),
            users_drawing=drawing,
            strokes=sum(v.strokes for v in viewers),
            pieces=sum(v.pieces_completed for v in viewers),
            error_frames=sum(len(v.error_frames) for v in viewers),
        )


SAMPLE_HEADERS = (
    "t (s)",
    "RSS MB",
    "children RSS MB",
    "CPU %",
    "fds",
    "sockets",
    "users drawing",
    "strokes",
    "pieces done",
    "error frames",
    "DATA_DIR MB",
    "files",
    "largest file",
    "largest KB",
)


def sample_table(samples: Sequence[Sample]) -> str:
    rows = [
        (
            f"{s.elapsed:.0f}",
            f"{s.rss_mb:.1f}",
            f"{s.children_rss_mb:.1f}",
            f"{s.cpu_pct:.0f}",
            str(s.fds),
            str(s.sockets_open),
            str(s.users_drawing),
            str(s.strokes),
            str(s.pieces),
            str(s.error_frames),
            f"{s.data_mb:.2f}",
            str(s.data_files),
            f"`{s.largest}`",
            f"{s.largest_kb:.1f}",
        )
        for s in samples
    ]
    lines = ["| " + " | ".join(SAMPLE_HEADERS) + " |"]
    lines.append("|" + "|".join("---:" if h != "largest file" else "---" for h in SAMPLE_HEADERS))
    lines[-1] += "|"
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------- the run


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    connect_failures: list[str] = field(default_factory=list)
    viewers: list[SoakViewer] = field(default_factory=list)
    crash_code: int | None = None
    drawn_seconds: float = 0.0
    failure: str | None = None
    """Why the soak stopped early (overran its budget, sign-up failed …)."""


async def soak(args: argparse.Namespace, server: Server, outcome: Outcome) -> None:
    codes = [c for c in (server.log_path.parent / "invites.txt").read_text().split() if c]
    started = time.perf_counter()
    tokens = await sign_up(server.base, codes[: args.users], args.connect_timeout)
    log(f"{len(tokens)} users signed up in {time.perf_counter() - started:.1f}s")
    window = Window()
    viewers = [
        SoakViewer(
            user,
            token,
            server.ws_url,
            window,
            0,
            compression=args.compression,
            ack_delay=args.ack_delay,
            stall_seconds=args.stall_seconds,
        )
        for user, token in enumerate(tokens)
    ]
    outcome.viewers = viewers
    readers: list[asyncio.Task[None]] = []

    async def begin(viewer: Viewer) -> None:
        readers.append(asyncio.create_task(viewer.read_loop()))

    probe = Probe(server.process.pid, time.monotonic())
    sockets: list[Viewer] = [*viewers]
    outcome.connect_failures = await open_all(sockets, 25, args.connect_timeout, begin)
    log(f"{len(readers)} viewers connected ({len(outcome.connect_failures)} failures); drawing")
    drawing_started = time.monotonic()
    end = drawing_started + args.minutes * 60.0
    next_sample = drawing_started
    try:
        while True:
            now = time.monotonic()
            if now >= next_sample:
                with contextlib.suppress(psutil.Error):
                    outcome.samples.append(await probe.sample(viewers, server.data_dir))
                    last = outcome.samples[-1]
                    log(
                        f"t={last.elapsed:.0f}s RSS {last.rss_mb:.0f} MB, CPU {last.cpu_pct:.0f}%,"
                        f" fds {last.fds}, strokes {last.strokes}, pieces {last.pieces}, "
                        f"error frames {last.error_frames}, data {last.data_mb:.1f} MB"
                    )
                next_sample += args.sample_seconds
            if now >= end:
                break
            crash = server.crashed()
            if crash is not None:
                outcome.crash_code = crash
                log(f"the server exited by itself: {describe_exit(crash)}")
                break
            for viewer in viewers:
                await viewer.kick_if_stalled()
            await asyncio.sleep(min(1.0, max(0.0, min(end, next_sample) - time.monotonic())))
        outcome.drawn_seconds = time.monotonic() - drawing_started
        if (
            outcome.crash_code is None
            and outcome.samples
            and outcome.samples[-1].elapsed < (outcome.drawn_seconds - 1.0)
        ):
            with contextlib.suppress(psutil.Error):
                outcome.samples.append(await probe.sample(viewers, server.data_dir))
    finally:
        for viewer in viewers:
            viewer.drawing = False
            viewer.closing = True
        await asyncio.wait_for(
            asyncio.gather(*(v.close() for v in viewers), return_exceptions=True), timeout=30
        )
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-code).name}"
        return f"signal {-code}"
    return f"exit code {code}"


_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT|^(DEBUG|INFO|WARNING|ERROR|CRITICAL)[ :]")
"""The start of a log record (``configure_logging``'s key=value format, or uvicorn's own)."""


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX_ID = re.compile(r"\b[0-9a-f]{16,}\b")
_NUMBER = re.compile(r"(?<![A-Za-z])\d+")


def normalise(header: str) -> str:
    """A log record's first line without its time, ids and numbers (to group alike ones)."""
    text = header.split(" ", 1)[1] if _RECORD.match(header) and " " in header else header
    text = _HEX_ID.sub("<id>", _UUID.sub("<user>", text))
    return _NUMBER.sub("N", text.split(" user_id=", 1)[0])[:200]


@dataclass
class Incident:
    """A log record with a pattern in it, with its continuation lines (a traceback)."""

    header: str
    lines: list[str] = field(default_factory=list)
    repeats: int = 1

    @property
    def key(self) -> str:
        """Same exception at the same place: the same incident (user ids and times differ)."""
        return "\n".join(self.lines[-3:]) if self.lines else normalise(self.header)

    def quote(self, frames: int = 6) -> str:
        shown = [self.header[: 200 if self.lines else 500], *self.lines[-frames:]]
        more = f" (×{self.repeats})" if self.repeats > 1 else ""
        return "\n".join(shown) + more


@dataclass
class LogScan:
    counts: dict[str, int]
    incidents: list[Incident]
    warnings: int
    warning_groups: dict[str, int]


def scan_log(path: Path) -> LogScan:
    """Count the lines with each pattern; group records with their tracebacks."""
    counts = dict.fromkeys(LOG_PATTERNS, 0)
    records: list[Incident] = []
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            for pattern in LOG_PATTERNS:
                counts[pattern] += int(pattern in line)
            if _RECORD.match(line) or not records:
                records.append(Incident(line))
            else:
                records[-1].lines.append(line)
    incidents: dict[str, Incident] = {}
    warnings = 0
    warning_groups: dict[str, int] = {}
    for record in records:
        text = "\n".join([record.header, *record.lines])
        if any(p in text for p in LOG_PATTERNS):
            seen = incidents.get(record.key)
            if seen is not None:
                seen.repeats += 1
            else:
                incidents[record.key] = record
        elif "WARNING" in record.header:
            warnings += 1
            key = normalise(record.header)
            warning_groups[key] = warning_groups.get(key, 0) + 1
    return LogScan(counts, list(incidents.values()), warnings, warning_groups)


def source_line() -> str:
    """Which code the server runs (the ``code_monet`` this interpreter imports) and its git
    state, when it is a checkout."""
    import code_monet

    source = Path(code_monet.__file__).resolve().parent.parent

    def git(*arguments: str) -> str | None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                ["git", *arguments], cwd=source, capture_output=True, timeout=10, check=False
            )
            if done.returncode == 0:
                return done.stdout.decode(errors="replace").strip()
        return None

    head = git("rev-parse", "HEAD")
    if head is None:
        return f"server code: {source} (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "code_monet") or ""
    state = f"{len(dirty.splitlines())} uncommitted file(s)" if dirty else "clean"
    return f"server code: {source}, git HEAD {head} (code_monet/: {state})"


def report(args: argparse.Namespace, outcome: Outcome, server: Server, scan: LogScan) -> bool:
    viewers = outcome.viewers
    error_frames = sum(len(v.error_frames) for v in viewers)
    ebadf = sum(scan.counts[p] for p in EBADF_PATTERNS)
    crashed = outcome.crash_code is not None
    passed = error_frames == 0 and not crashed and ebadf == 0
    closes = [(v.user, c) for v in viewers for c in v.closes]
    other = [(v.user, e) for v in viewers for e in v.errors if not e.startswith("closed")]
    print(sample_table(outcome.samples))
    print()
    print("## Summary\n")
    stop = (
        f"stopped by the bench (SIGTERM) in {server.stop_seconds:.1f}s, exit status "
        f"{describe_exit(server.process.returncode)} (uvicorn re-raises SIGTERM once shut down)"
        if server.stopped_by_bench and server.stop_seconds is not None
        else "not stopped by the bench"
    )
    lines = [
        f"users: {len(viewers)} (one inline v2 viewer each), drew for "
        f"{outcome.drawn_seconds:.0f}s; connect failures: {len(outcome.connect_failures)}",
        f"batches received: {sum(v.strokes_frames for v in viewers)}, strokes received: "
        f"{sum(v.strokes for v in viewers)}, pieces started: "
        f"{sum(v.pieces_started for v in viewers)}, pieces completed: "
        f"{sum(v.pieces_completed for v in viewers)}, stall kicks: "
        f"{sum(v.stalls for v in viewers)}",
        f"error frames: {error_frames} (users with any: "
        f"{sum(1 for v in viewers if v.error_frames)})",
        f"socket closes not initiated by the bench: {len(closes)}",
        f"seq gaps (missing seqs): {sum(v.seq_gaps for v in viewers)}, duplicates/out of "
        f"order: {sum(v.seq_duplicates for v in viewers)}",
        f"other client-side anomalies: {len(other)}",
        "server crash: "
        + (describe_exit(outcome.crash_code) if outcome.crash_code is not None else "none")
        + f"; {stop}",
        "server log lines: "
        + ", ".join(f"{p!r} {n}" for p, n in scan.counts.items())
        + f"; other WARNING lines {scan.warnings}",
    ]
    print("\n".join(f"- {line}" for line in lines))
    details: list[str] = []
    details += [f"connect: {f}" for f in outcome.connect_failures[:5]]
    for viewer in viewers:
        if viewer.error_frames:
            shown = "; ".join(sorted(set(viewer.error_frames))[:3])
            details.append(f"user {viewer.user}: {len(viewer.error_frames)} error frames: {shown}")
    details += [f"user {u}: {c}" for u, c in closes[:10]]
    details += [f"user {u}: {e}" for u, e in other[:10]]
    details += [f"user {v.user}: {n}" for v in viewers for n in v.seq_notes][:10]
    groups = sorted(scan.warning_groups.items(), key=lambda kv: -kv[1])
    details += [f"log WARNING ×{count}: `{text}`" for text, count in groups[:8]]
    if details:
        print("\nDetails:\n")
        print("\n".join(f"- {d}" for d in details))
    if scan.incidents:
        print("\nServer log (records with EBADF / Bad file descriptor / Traceback / ERROR):\n")
        for incident in scan.incidents[:6]:
            print(f"```\n{incident.quote()}\n```")
        if len(scan.incidents) > 6:
            print(f"... and {len(scan.incidents) - 6} more distinct records")
    verdict = "PASS" if passed else "FAIL"
    print(
        f"\n**Verdict: {verdict}** (zero error frames: {error_frames == 0}, zero crashes: "
        f"{not crashed}, zero EBADF: {ebadf == 0})"
    )
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument(
        "--ack-delay",
        type=float,
        default=0.0,
        help="seconds a viewer 'animates' a batch before animation_done (0: at once)",
    )
    parser.add_argument(
        "--stall-seconds", type=float, default=60.0, help="no frame this long: new_canvas again"
    )
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    parser.add_argument(
        "--compression", action="store_true", help="offer permessage-deflate (default: off)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir and server log")
    args = parser.parse_args(argv)
    if args.users < 1 or args.minutes <= 0 or args.sample_seconds <= 0:
        parser.error("--users, --minutes and --sample-seconds must be positive")
    raise_fd_limit()
    workdir = Path(tempfile.mkdtemp(prefix="code-monet-soak-"))
    print(
        f"# Soak: {args.users} users × 1 viewer, builtin artist, {args.minutes:g} min, "
        f"samples every {args.sample_seconds:g}s\n\n"
        f"{source_line()}; cpu_count={os.cpu_count()} python={platform.python_version()} "
        f"platform={platform.platform()}; work dir {workdir}\n",
        flush=True,
    )
    token_minutes = min(24 * 60, int(args.minutes) + 30)
    server = start_server(workdir, args.users, token_minutes, args.startup_timeout)
    outcome = Outcome()
    budget = args.minutes * 60.0 + 2 * args.connect_timeout + 120.0
    try:
        asyncio.run(asyncio.wait_for(soak(args, server, outcome), timeout=budget))
    except TimeoutError:
        outcome.failure = f"the soak overran its {budget:.0f}s budget"
    except Exception as exc:  # reported below, with whatever was measured
        outcome.failure = f"{type(exc).__name__}: {exc}"
    finally:
        if outcome.crash_code is None:
            outcome.crash_code = server.crashed()
        server.stop()
    scan = scan_log(server.log_path)
    if outcome.failure is not None:
        log(f"the soak stopped early: {outcome.failure}")
        print(f"\n**The soak stopped early: {outcome.failure}**\n")
    passed = report(args, outcome, server, scan) and outcome.failure is None
    if args.keep or not passed:
        print(f"\nkept {workdir} (server log: {server.log_path})")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
