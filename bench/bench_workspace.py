"""Workspace benchmarks: queueing a large batch of agent strokes, including the atomic save."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.corpus import mixed_paths
from bench.harness import Benchmark
from code_monet.geometry.interpolation import interpolate_paths
from code_monet.workspace import WorkspaceState


def _queue_strokes_setup() -> Callable[[], object]:
    """1,000 mixed paths queued as one batch into a fresh workspace: written to its log."""
    paths = mixed_paths(1000)
    root = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    loop = asyncio.new_event_loop()

    def run() -> object:
        user = str(uuid.uuid4())
        state = loop.run_until_complete(WorkspaceState.load_for_user(user, data_dir=root))
        queued = loop.run_until_complete(state.add_strokes(paths, queue=True))
        state.close()
        shutil.rmtree(state.directory, ignore_errors=True)
        return queued

    return run


def _interpolate_setup() -> Callable[[], object]:
    """Interpolation alone of the same 1,000 paths (the CPU part of queueing)."""
    paths = mixed_paths(1000)

    def run() -> object:
        return sum(len(points) for points in interpolate_paths(paths))

    return run


BENCHMARKS: list[Benchmark] = [
    Benchmark(
        name="queue 1,000 mixed paths (log write)", target_ms=100.0, setup=_queue_strokes_setup
    ),
    Benchmark(name="interpolate 1,000 mixed paths", target_ms=None, setup=_interpolate_setup),
]
