"""Sandbox benchmark: end-to-end latency of a trivial agent program with a warm worker pool.

The target (60 ms) is for the production case where ``generate_svg`` calls are seconds apart,
so a warm worker is always waiting. The harness calls back to back, faster than workers can be
replaced (~100 ms of CPU each), so the pool here is sized to keep every timed call warm, and the
event loop runs in a background thread so replacements keep starting between calls.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
import threading
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``code_monet`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Benchmark
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig, SandboxResult

POOL_SIZE = 32
TRIVIAL = "output_paths([line(0, 0, canvas_width, canvas_height)])"


def _background_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="bench-sandbox-loop", daemon=True).start()
    return loop


def _trivial_setup() -> Callable[[], object]:
    """A started sandbox with a full warm pool; each call runs one trivial program."""
    loop = _background_loop()
    sandbox = CodeSandbox(SandboxConfig(pool_size=POOL_SIZE))
    asyncio.run_coroutine_threadsafe(sandbox.wait_ready(), loop).result()
    atexit.register(lambda: asyncio.run_coroutine_threadsafe(sandbox.close(), loop).result(30))

    def run() -> object:
        future = asyncio.run_coroutine_threadsafe(
            sandbox.run(TRIVIAL, canvas_width=800, canvas_height=600, brushes=()), loop
        )
        result: SandboxResult = future.result()
        if result.error is not None:
            raise RuntimeError(f"trivial program failed in the sandbox: {result.error}")
        return result

    return run


BENCHMARKS: list[Benchmark] = [
    Benchmark(name="sandbox trivial program (warm pool)", target_ms=60.0, setup=_trivial_setup),
]


if __name__ == "__main__":
    from bench.harness import format_table, run_benchmark

    print(format_table([run_benchmark(BENCHMARKS[0], runs=20, warmup=3)]))
