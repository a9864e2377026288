"""The load generator for the server benchmarks of issue 6 (its own process).

``python -m bench.load_gen --scenario users200|fanout500|idle1000 --url ws://127.0.0.1:P/ws
--tokens F --server-pid PID [--users N] [--sockets-per-user N] [--warmup S] [--duration S]``

Active scenarios: every socket connects with ``?token=…&strokes=inline``, one socket per user
sends ``new_canvas`` (which starts that user's artist), every socket acks each ``strokes`` frame
with ``animation_done`` at once. Latency = ``time.time()`` at receipt − the frame's ``queued_at``
(the server's clock, same machine), for batches queued inside the measurement window (after a
warm-up). "e2e" is measured from the artist's drawing call (a ``draw_at=`` thinking delta the
bench artist sends right before calling ``draw_paths``) to receipt.

``idle1000``: warm-up users connect and pause first; then the server's RSS is sampled, N more
users connect (one socket each) and pause, and the RSS is sampled again: the difference / N is
the resident memory per idle connected user.

Prints one JSON object (the result) on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import resource
import signal
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

_TYPE = re.compile(r'"type":"([a-z_]+)"')
_BATCH = re.compile(r'"batch_id":(\d+)')
_QUEUED = re.compile(r'"queued_at":([0-9.eE+-]+)')
_DRAW_AT = re.compile(r"draw_at=([0-9.]+)")
FULL_PARSE_EVERY = 25
"""Every Nth strokes frame of a socket is fully parsed and checked (stroke count, batch ids)."""

Json = dict[str, object]


def log(message: str) -> None:
    print(f"[load_gen {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass
class Window:
    """The measurement window, in unix time (None until it opens)."""

    start: float | None = None
    end: float | None = None

    def contains(self, t: float) -> bool:
        return self.start is not None and self.end is not None and self.start <= t < self.end


@dataclass
class Viewer:
    """One socket: reads frames, acks batches, records what it saw."""

    user: int
    token: str
    url: str
    window: Window
    paths_per_batch: int
    starter: bool = False
    compression: bool = True
    ws: ClientConnection | None = None
    latencies_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)
    batches: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    paused_event: asyncio.Event = field(default_factory=asyncio.Event)
    frames: int = 0
    bytes_in: int = 0
    strokes_frames: int = 0
    closing: bool = False
    _draw_at: float | None = None

    async def open(self, wait: float) -> str:
        """Connect and read the ``init`` frame (returned)."""
        self.ws = await connect(
            f"{self.url}?token={self.token}&strokes=inline",
            max_size=None,
            open_timeout=wait,
            ping_interval=None,
            close_timeout=2,
            compression="deflate" if self.compression else None,
        )
        raw = await asyncio.wait_for(self.ws.recv(), timeout=wait)
        text = raw if isinstance(raw, str) else raw.decode()
        if _frame_type(text) != "init":
            self.errors.append(f"first frame was not init: {text[:80]}")
        return text

    async def send(self, message: Json) -> None:
        if self.ws is not None:
            await self.ws.send(json.dumps(message))

    async def read_loop(self) -> None:
        ws = self.ws
        if ws is None:
            return
        try:
            async for raw in ws:
                received = time.time()
                text = raw if isinstance(raw, str) else raw.decode()
                self.frames += 1
                self.bytes_in += len(text)
                await self._on_frame(text, received)
        except ConnectionClosed as exc:
            if not self.closing:
                self.errors.append(f"closed by server: {exc.rcvd.code if exc.rcvd else '?'}")
            return
        if not self.closing:
            self.errors.append("closed by server (clean)")

    async def _on_frame(self, text: str, received: float) -> None:
        kind = _frame_type(text)
        if kind == "strokes":
            await self._on_strokes(text, received)
        elif kind == "thinking_delta":
            match = _DRAW_AT.search(text)
            if match:
                self._draw_at = float(match.group(1))
        elif kind == "error":
            self.errors.append(f"error frame: {text[:160]}")
        elif kind == "paused":
            self.paused_event.set()

    async def _on_strokes(self, text: str, received: float) -> None:
        batch_match = _BATCH.search(text, 0, 200)
        queued_match = _QUEUED.search(text, max(0, len(text) - 80))
        if batch_match is None or queued_match is None:
            self.errors.append(f"strokes frame without batch_id/queued_at: {text[:80]}")
            return
        batch_id = int(batch_match.group(1))
        queued_at = float(queued_match.group(1))
        await self.send({"type": "animation_done", "batch_id": batch_id})
        self.strokes_frames += 1
        if self.strokes_frames % FULL_PARSE_EVERY == 1:
            self._check_frame(text, batch_id)
        if not self.window.contains(queued_at):
            return
        self.batches.add(batch_id)
        self.latencies_ms.append((received - queued_at) * 1000.0)
        if self._draw_at is not None:
            self.e2e_ms.append((received - self._draw_at) * 1000.0)
            self._draw_at = None

    def _check_frame(self, text: str, batch_id: int) -> None:
        data = json.loads(text)
        strokes = data.get("strokes")
        if not isinstance(strokes, list) or len(strokes) != self.paths_per_batch:
            count = len(strokes) if isinstance(strokes, list) else "no"
            self.errors.append(f"batch {batch_id}: {count} strokes, not {self.paths_per_batch}")
            return
        for stroke in strokes:
            if not isinstance(stroke, dict) or stroke.get("batch_id") != batch_id:
                self.errors.append(f"batch {batch_id}: a stroke of another batch")
                return

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


def _frame_type(text: str) -> str:
    match = _TYPE.search(text, 0, 120)
    return match.group(1) if match else ""


@dataclass
class ServerProbe:
    """CPU and memory of the server process (and of this process, for contention)."""

    pid: int
    process: psutil.Process = field(init=False)
    me: psutil.Process = field(init=False)
    rss_samples: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.process = psutil.Process(self.pid)
        self.me = psutil.Process()

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def my_cpu_seconds(self) -> float:
        times = self.me.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def children_rss(self) -> int:
        total = 0
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += int(child.memory_info().rss)
        return total

    async def sample_rss(self, stop: asyncio.Event, every: float = 0.5) -> None:
        while not stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.rss_samples.append(self.rss())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)

    async def settled_rss(self, seconds: float = 2.0, every: float = 0.25) -> int:
        """Median RSS over a short quiet period."""
        samples: list[int] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            samples.append(self.rss())
            await asyncio.sleep(every)
        return int(statistics.median(samples))


async def open_all(
    viewers: list[Viewer],
    concurrency: int,
    wait: float,
    after_open: Callable[[Viewer], Awaitable[None]] | None = None,
) -> list[str]:
    """Connect every viewer (bounded concurrency); returns connection failures."""
    gate = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(viewer: Viewer) -> None:
        async with gate:
            try:
                await viewer.open(wait)
            except Exception as exc:
                failures.append(f"user {viewer.user}: connect failed: {type(exc).__name__}: {exc}")
                return
            if after_open is not None:
                await after_open(viewer)

    await asyncio.gather(*(one(v) for v in viewers))
    return failures


def missing_batches(viewers: list[Viewer]) -> tuple[int, int]:
    """(batches some socket of the user missed, gaps in a user's batch ids) in the window."""
    by_user: dict[int, list[Viewer]] = {}
    for viewer in viewers:
        by_user.setdefault(viewer.user, []).append(viewer)
    missed = 0
    gaps = 0
    for group in by_user.values():
        seen: set[int] = set().union(*(v.batches for v in group))
        for viewer in group:
            missed += len(seen - viewer.batches)
        if seen:
            gaps += (max(seen) - min(seen) + 1) - len(seen)
    return missed, gaps


async def run_active(args: argparse.Namespace, tokens: list[str], probe: ServerProbe) -> Json:
    window = Window()
    viewers: list[Viewer] = []
    for user in range(args.users):
        for index in range(args.sockets_per_user):
            viewers.append(
                Viewer(
                    user,
                    tokens[user],
                    args.url,
                    window,
                    args.paths,
                    starter=index == 0,
                    compression=not args.no_compression,
                )
            )
    log(f"connecting {len(viewers)} sockets for {args.users} users")
    started = time.perf_counter()
    failures = await open_all(viewers, args.connect_concurrency, args.connect_timeout)
    connect_seconds = time.perf_counter() - started
    log(f"connected in {connect_seconds:.1f}s ({len(failures)} failures)")
    readers = [asyncio.create_task(v.read_loop()) for v in viewers if v.ws is not None]
    for viewer in viewers:
        if viewer.starter and viewer.ws is not None:
            await viewer.send({"type": "new_canvas", "direction": "load test"})
    await asyncio.sleep(args.warmup)
    stop = asyncio.Event()
    sampler = asyncio.create_task(probe.sample_rss(stop))
    cpu0, mine0, sys0 = probe.cpu_seconds(), probe.my_cpu_seconds(), machine_cpu()
    window.start = time.time()
    window.end = window.start + args.duration
    signal_server(probe, signal.SIGUSR1)  # the server's diagnostics window starts
    log(f"measuring for {args.duration:.0f}s")
    await asyncio.sleep(args.duration)
    cpu1, mine1, sys1 = probe.cpu_seconds(), probe.my_cpu_seconds(), machine_cpu()
    signal_server(probe, signal.SIGUSR2)
    stop.set()
    await sampler
    await asyncio.sleep(args.drain)  # batches queued just before the end are still in flight
    for viewer in viewers:
        viewer.closing = True
    await asyncio.gather(*(v.close() for v in viewers))
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    latencies = [x for v in viewers for x in v.latencies_ms]
    e2e = [x for v in viewers for x in v.e2e_ms]
    missed, gaps = missing_batches(viewers)
    errors = list(failures) + [f"user {v.user}: {e}" for v in viewers for e in v.errors]
    received = sum(len(v.batches) for v in viewers)
    expected = len(viewers) * args.duration / args.interval
    sys_busy = sys1[0] - sys0[0]
    sys_total = sys1[1] - sys0[1]
    return {
        "scenario": args.scenario,
        "users": args.users,
        "sockets": len(viewers),
        "duration_s": args.duration,
        "connect_s": round(connect_seconds, 2),
        "batches_received": received,
        "batches_expected": round(expected),
        "latency_ms": _summary(latencies),
        "e2e_ms": _summary(e2e),
        "missed_batches": missed,
        "batch_id_gaps": gaps,
        "errors": len(errors) + missed,
        "error_samples": errors[:10],
        "server_cpu_pct": round(100.0 * (cpu1 - cpu0) / args.duration, 1),
        "server_rss_mb": round(max(probe.rss_samples, default=0) / 2**20, 1),
        "server_children_rss_mb": round(probe.children_rss() / 2**20, 1),
        "loadgen_cpu_pct": round(100.0 * (mine1 - mine0) / args.duration, 1),
        "machine_cpu_pct": round(100.0 * sys_busy / sys_total, 1) if sys_total else 0.0,
        "frames_in": sum(v.frames for v in viewers),
        "mbytes_in": round(sum(v.bytes_in for v in viewers) / 2**20, 1),
        "compression": not args.no_compression,
    }


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far."""
    times: dict[str, float] = psutil.cpu_times()._asdict()
    total = sum(times.values())
    return total - times.get("idle", 0.0) - times.get("iowait", 0.0), total


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "count": float(len(values)),
        "p50": round(percentile(values, 50), 2),
        "p90": round(percentile(values, 90), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values, default=float("nan")), 2),
    }


async def run_idle(args: argparse.Namespace, tokens: list[str], probe: ServerProbe) -> Json:
    window = Window()
    warm = [Viewer(i, tokens[i], args.url, window, args.paths) for i in range(args.warm_users)]
    idle = [
        Viewer(i, tokens[i], args.url, window, args.paths)
        for i in range(args.warm_users, args.warm_users + args.users)
    ]
    readers: list[asyncio.Task[None]] = []

    async def pause(viewer: Viewer) -> None:
        readers.append(asyncio.create_task(viewer.read_loop()))
        await viewer.send({"type": "pause"})
        try:
            await asyncio.wait_for(viewer.paused_event.wait(), timeout=args.connect_timeout)
        except TimeoutError:
            viewer.errors.append("no paused frame after pause")

    log(f"warming up with {len(warm)} idle users")
    failures = await open_all(warm, args.connect_concurrency, args.connect_timeout, pause)
    await asyncio.sleep(1.0)
    rss_before = await probe.settled_rss()
    cpu0 = probe.cpu_seconds()
    log(f"server RSS before: {rss_before / 2**20:.1f} MB; connecting {len(idle)} idle users")
    started = time.perf_counter()
    failures += await open_all(idle, args.connect_concurrency, args.connect_timeout, pause)
    connect_seconds = time.perf_counter() - started
    log(f"connected in {connect_seconds:.1f}s ({len(failures)} failures); settling")
    await asyncio.sleep(args.settle)
    rss_after = await probe.settled_rss()
    idle_cpu0, idle_t0 = probe.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(args.idle_cpu_seconds)
    idle_cpu = 100.0 * (probe.cpu_seconds() - idle_cpu0) / (time.perf_counter() - idle_t0)
    connect_cpu = probe.cpu_seconds() - cpu0
    connected = sum(1 for v in idle if v.ws is not None and not v.errors)
    errors = list(failures) + [f"user {v.user}: {e}" for v in warm + idle for e in v.errors]
    for viewer in warm + idle:
        viewer.closing = True
    await asyncio.gather(*(v.close() for v in warm + idle))
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    per_user = (rss_after - rss_before) / max(1, len(idle))
    return {
        "scenario": args.scenario,
        "users": len(idle),
        "sockets": connected,
        "connect_s": round(connect_seconds, 2),
        "connect_cpu_s": round(connect_cpu, 2),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "server_rss_mb": round(rss_after / 2**20, 1),
        "server_children_rss_mb": round(probe.children_rss() / 2**20, 1),
        "per_user_mb": round(per_user / 2**20, 3),
        "idle_cpu_pct": round(idle_cpu, 1),
        "server_cpu_pct": round(idle_cpu, 1),
        "errors": len(errors),
        "error_samples": errors[:10],
    }


def signal_server(probe: ServerProbe, signum: signal.Signals) -> None:
    with contextlib.suppress(psutil.Error):
        probe.process.send_signal(signum)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run(args: argparse.Namespace, tokens: list[str]) -> Json:
    probe = ServerProbe(args.server_pid)
    if args.scenario == "idle1000":
        if len(tokens) < args.users + args.warm_users:
            raise SystemExit(f"need {args.users + args.warm_users} tokens, got {len(tokens)}")
        return await run_idle(args, tokens, probe)
    if len(tokens) < args.users:
        raise SystemExit(f"need {args.users} tokens, got {len(tokens)}")
    return await run_active(args, tokens, probe)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["users200", "fanout500", "idle1000"], required=True)
    parser.add_argument("--url", required=True, help="ws://host:port/ws")
    parser.add_argument("--tokens", required=True, help="the load server's tokens JSON")
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--sockets-per-user", type=int, default=1)
    parser.add_argument("--warm-users", type=int, default=10, help="idle1000: before baseline")
    parser.add_argument("--paths", type=int, default=20, help="paths per batch (checked)")
    parser.add_argument("--interval", type=float, default=1.0, help="the artist's batch interval")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--drain", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--idle-cpu-seconds", type=float, default=3.0)
    parser.add_argument(
        "--no-compression", action="store_true", help="do not offer permessage-deflate"
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    raise_fd_limit()
    import uvloop

    payload = json.loads(Path(args.tokens).read_text(encoding="utf-8"))
    tokens = [str(t) for t in payload["tokens"]]
    result = uvloop.run(run(args, tokens))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
