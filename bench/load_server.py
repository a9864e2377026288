"""The real Code Monet server, run as its own process for the load benchmarks (issue 6).

``python -m bench.load_server --port P --data-dir D --users N --tokens-out F``

It runs ``create_app`` under uvicorn (``GracefulServer``, log level warning; the event loop is
``EVENT_LOOP`` as for ``code-monet serve``, or ``--loop``) with a
bench-only scripted artist instead of a model: each turn draws one batch of ``--paths`` short
lines through the real tool path (``tools.call("draw_paths", ...)``, i.e. the in-process MCP
session, interpolation, the durable workspace save and the orchestrator's delivery), on an
absolute schedule of one batch every ``--batch-interval`` seconds. The piece is never finished.
Right before each drawing call it streams a thinking delta ``draw_at=<unix time>`` so the load
generator can also measure from the tool call (not only from ``queued_at``).

With ``--idle`` the artist never draws (a turn waits until it is cancelled, e.g. by ``pause``).

Once the app is up it creates ``--users`` users directly in the database (like the test
harness's ``new_user_token``), mints long-lived access tokens and writes them, with this
process's pid, to ``--tokens-out`` (written atomically: its presence means "ready").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import logging
import os
import resource
import signal
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``code_monet`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn

from code_monet.agent.providers.base import ProviderEvent, ThinkingDelta, TurnContext
from code_monet.agent.tool_session import ToolSession
from code_monet.app.config import ServerSettings, load_config
from code_monet.app.server import (
    GracefulServer,
    create_app,
    transport_frame_limit,
    tune_gc_for_serving,
)
from code_monet.auth.settings import AuthSettings
from code_monet.db.repository import users
from code_monet.live.runtime import ServerRuntime
from code_monet.routes.services import app_services

P = ParamSpec("P")
T = TypeVar("T")
BENCH_SECRET = "bench-load-secret-" + "x" * 40
DRAW_MARK = "draw_at="
LONG_GC_MS = 50.0
"""Collections longer than this are also written to the server log."""


class LoadArtist:
    """A fast scripted artist: ``paths`` short lines every ``interval`` seconds, forever."""

    name = "bench-load"
    sees_images = False  # scripted: it never looks at the canvas
    direct_tools = True  # scripted: no model on the other side of an MCP session

    def __init__(
        self, *, paths: int = 20, interval: float = 1.0, batches_per_turn: int = 1, idle: bool
    ) -> None:
        self.paths = paths
        self.interval = interval
        self.batches_per_turn = max(1, batches_per_turn)
        self.idle = idle
        self.batches = 0
        self._next_at = 0.0

    def _batch(self) -> list[dict[str, object]]:
        row = self.batches % 70
        y = 20.0 + 8.0 * row
        return [
            {
                "type": "line",
                "points": [
                    {"x": 10.0 + 35.0 * i, "y": y},
                    {"x": 10.0 + 35.0 * i + 25.0, "y": y + 4.0},
                ],
            }
            for i in range(self.paths)
        ]

    async def run_turn(self, turn: TurnContext, tools: ToolSession) -> AsyncIterator[ProviderEvent]:
        if self.idle:
            await asyncio.Event().wait()  # until the turn is cancelled (pause, new canvas)
        for _ in range(self.batches_per_turn):
            # Absolute schedule (slot k at start + k·interval); a late batch goes at once and
            # the schedule restarts from it, so being late never causes a burst afterwards.
            slot = max(self._next_at, time.time())
            delay = slot - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_at = slot + self.interval
            yield ThinkingDelta(f"{DRAW_MARK}{time.time():.6f} ")
            await tools.call("draw_paths", {"paths": self._batch()})
            self.batches += 1

    async def reset(self) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class Diagnostics:
    """Bench-only instruments: event-loop lag and the default executor's queue wait.

    ``SIGUSR1`` starts a measurement window (clears the samples), ``SIGUSR2`` ends it (the
    load generator sends them); the window's figures are written to ``--stats-out`` on exit.
    """

    lag_ms: list[float] = field(default_factory=list)
    gc_ms: list[float] = field(default_factory=list)
    executor_calls: dict[str, int] = field(default_factory=dict)
    executor_wait_ms: list[float] = field(default_factory=list)
    executor_run_ms: list[float] = field(default_factory=list)
    recording: bool = True
    out: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.lag_ms.clear()
            self.gc_ms.clear()
            self.executor_calls.clear()
            self.executor_wait_ms.clear()
            self.executor_run_ms.clear()
            self.recording = True

    def freeze(self) -> None:
        """End the window and write its figures (uvicorn re-raises SIGTERM after shutting
        down, so there may be no later chance)."""
        self.recording = False
        if self.out is not None:
            self.out.write_text(json.dumps(self.summary()), encoding="utf-8")

    def summary(self) -> dict[str, object]:
        tracked = gc.get_objects()
        kinds: dict[str, int] = {}
        for obj in tracked:
            name = type(obj).__qualname__
            kinds[name] = kinds.get(name, 0) + 1
        top = sorted(kinds.items(), key=lambda kv: -kv[1])[:12]
        with self.lock:
            return {
                "gc_tracked": {
                    "objects": len(tracked),
                    "frozen": gc.get_freeze_count(),
                    "top": top,
                },
                "loop_lag_ms": _stats(self.lag_ms),
                "executor_calls": sorted(self.executor_calls.items(), key=lambda kv: -kv[1])[:8],
                "gc_pause_ms": _stats(self.gc_ms),
                "executor_wait_ms": _stats(self.executor_wait_ms),
                "executor_run_ms": _stats(self.executor_run_ms),
            }

    def watch_gc(self) -> None:
        """Time every garbage collection (any generation): the pauses it adds to latency."""
        started = [0.0]

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started[0] = time.perf_counter()
            elif self.recording:
                pause = (time.perf_counter() - started[0]) * 1000.0
                self.gc_ms.append(pause)
                if pause > LONG_GC_MS:
                    generation, collected = info.get("generation"), info.get("collected")
                    log = f"long GC pause: generation {generation}, {pause:.0f} ms, "
                    print(f"{log}{collected} objects collected", file=sys.stderr, flush=True)

        gc.callbacks.append(on_gc)

    async def watch_loop(self, every: float = 0.02) -> None:
        """How late a 20 ms sleep wakes up: how long the loop was blocked or busy."""
        while True:
            before = time.perf_counter()
            await asyncio.sleep(every)
            if self.recording:
                self.lag_ms.append((time.perf_counter() - before - every) * 1000.0)


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "count": float(len(ordered)),
        "mean": round(sum(ordered) / len(ordered), 2),
        "p50": at(0.5),
        "p99": at(0.99),
        "max": round(ordered[-1], 2),
    }


def _callable_name(fn: object, args: tuple[object, ...]) -> str:
    """What a worker-thread call runs (``to_thread`` wraps it in ``Context.run``)."""
    target: object = fn
    if isinstance(fn, functools.partial):  # to_thread: partial(context.run, func, *args)
        target, args = fn.func, fn.args
    if getattr(target, "__name__", "") == "run" and args:
        target = args[0]
    return str(getattr(target, "__qualname__", type(target).__name__))


class TimedExecutor(ThreadPoolExecutor):
    """The server's default executor (``WORKER_THREADS`` threads, as ``code-monet serve``
    sets it), recording queue wait and run time."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        super().__init__(max_workers=load_config().server.worker_threads)
        self.diagnostics = diagnostics

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        submitted = time.perf_counter()
        diagnostics = self.diagnostics

        def timed() -> T:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if diagnostics.recording:
                    ended = time.perf_counter()
                    with diagnostics.lock:
                        diagnostics.executor_wait_ms.append((started - submitted) * 1000.0)
                        diagnostics.executor_run_ms.append((ended - started) * 1000.0)
                        name = _callable_name(fn, args)
                        diagnostics.executor_calls[name] = (
                            diagnostics.executor_calls.get(name, 0) + 1
                        )

        return super().submit(timed)


async def mint_tokens(runtime: ServerRuntime, count: int) -> list[str]:
    """Create ``count`` users directly in the database; one access token each."""
    auth = runtime.auth
    tokens: list[str] = []
    run = uuid.uuid4().hex[:6]
    for index in range(count):
        address = f"load-{run}-{index}@example.com"
        async with auth.store() as session:
            user, _ = await users.get_or_create_user(session, address, now=auth.now())
        pair = await auth.issue_tokens(user)
        tokens.append(pair.access_token)
    return tokens


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(args: argparse.Namespace) -> None:
    def make_artist() -> LoadArtist:
        return LoadArtist(
            paths=args.paths,
            interval=args.batch_interval,
            batches_per_turn=args.batches_per_turn,
            idle=args.idle,
        )

    settings = ServerSettings(
        host="127.0.0.1",
        port=args.port,
        max_connections_per_user=args.max_connections_per_user,
        idle_grace_seconds=300,
    )
    auth_values: dict[str, object] = {
        "jwt_secret": BENCH_SECRET,
        "mailer": "console",
        "local_mode": False,
        "access_token_minutes": 24 * 60,
    }
    auth_settings = AuthSettings.model_validate(auth_values)
    app = create_app(
        data_dir=Path(args.data_dir),
        settings=settings,
        auth_settings=auth_settings,
        provider_factory=make_artist,
    )
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        lifespan="on",
        loop=args.loop,
        ws_max_size=transport_frame_limit(settings),
        ws_per_message_deflate=settings.ws_per_message_deflate,
        backlog=4096,
    )
    diagnostics = Diagnostics(out=Path(args.stats_out) if args.stats_out else None)
    loop = asyncio.get_running_loop()
    loop.set_default_executor(TimedExecutor(diagnostics))
    loop.add_signal_handler(signal.SIGUSR1, diagnostics.reset)
    loop.add_signal_handler(signal.SIGUSR2, diagnostics.freeze)
    diagnostics.watch_gc()
    watcher = asyncio.create_task(diagnostics.watch_loop())
    tune_gc_for_serving()  # as ``code-monet serve`` does
    server = GracefulServer(config, app)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            return
        await asyncio.sleep(0.01)
    runtime = app_services(app).runtime
    assert isinstance(runtime, ServerRuntime)
    started = time.perf_counter()
    tokens = await mint_tokens(runtime, args.users)
    if args.tokens_out:
        out = Path(args.tokens_out)
        running = type(asyncio.get_running_loop())
        payload = {
            "pid": os.getpid(),
            "tokens": tokens,
            "event_loop": f"{running.__module__}.{running.__qualname__}",
            "mint_seconds": round(time.perf_counter() - started, 3),
        }
        partial = out.with_suffix(".partial")
        partial.write_text(json.dumps(payload), encoding="utf-8")
        partial.replace(out)
    await task
    watcher.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--users", type=int, default=1, help="users to create")
    parser.add_argument("--tokens-out", default="", help="write {pid, tokens} JSON here")
    parser.add_argument("--batch-interval", type=float, default=1.0)
    parser.add_argument("--paths", type=int, default=20, help="paths per batch")
    parser.add_argument("--batches-per-turn", type=int, default=1)
    parser.add_argument("--max-connections-per-user", type=int, default=8)
    parser.add_argument("--idle", action="store_true", help="the artist never draws")
    parser.add_argument("--stats-out", default="", help="loop lag / executor stats JSON")
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default=None,
        help="event loop (default: the server's EVENT_LOOP setting)",
    )
    args = parser.parse_args(argv)
    if args.loop is None:
        args.loop = load_config().server.event_loop
    raise_fd_limit()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The loop ``code-monet serve`` would pick for this setting (uvicorn's own choice).
    loop_factory = uvicorn.Config(
        "code_monet.app.server:create_app", loop=args.loop
    ).get_loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
