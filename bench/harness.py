"""The benchmark harness: a ``Benchmark`` is a named setup returning the function to time."""

from __future__ import annotations

import gc
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Benchmark:
    """``setup()`` prepares inputs (untimed) and returns the function whose calls are timed."""

    name: str
    setup: Callable[[], Callable[[], object]]
    target_ms: float | None = None


@dataclass(frozen=True)
class Result:
    name: str
    target_ms: float | None
    times_ms: tuple[float, ...] = ()
    error: str | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def ok(self) -> bool | None:
        """Median within target; ``None`` when there is no target (or it failed to run)."""
        if self.target_ms is None or self.error is not None:
            return None
        return self.median_ms <= self.target_ms


def run_benchmark(bench: Benchmark, *, runs: int = 7, warmup: int = 1) -> Result:
    """Set up, call ``warmup`` times untimed, then time ``runs`` calls (GC collected between
    calls, enabled during them). Exceptions are reported in the result, never raised."""
    try:
        func = bench.setup()
        for _ in range(warmup):
            func()
        times: list[float] = []
        for _ in range(runs):
            gc.collect()
            start = time.perf_counter()
            func()
            times.append((time.perf_counter() - start) * 1000.0)
    except Exception as exc:  # a broken benchmark is reported, the others still run
        return Result(bench.name, bench.target_ms, error=f"{type(exc).__name__}: {exc}")
    return Result(bench.name, bench.target_ms, tuple(times))


def _broken(name: str, error: Exception) -> Benchmark:
    def setup() -> Callable[[], object]:
        raise error

    return Benchmark(f"{name} (import failed)", setup)


def discover(directory: Path = BENCH_DIR) -> list[Benchmark]:
    """``BENCHMARKS`` of every ``bench_*.py`` module in ``directory`` (sorted by file name).
    A module that fails to import shows up as one failing benchmark."""
    found: list[Benchmark] = []
    for file in sorted(directory.glob("bench_*.py")):
        try:
            module = importlib.import_module(f"{directory.name}.{file.stem}")
        except Exception as exc:  # report it in the table, keep running the others
            found.append(_broken(file.stem, exc))
            continue
        found.extend(getattr(module, "BENCHMARKS", []))
    return found


def environment_line() -> str:
    return (
        f"cpu_count={os.cpu_count()}  python={platform.python_version()} "
        f"({sys.implementation.name})  platform={platform.platform()}"
    )


def format_table(results: Sequence[Result]) -> str:
    """A plain-text table: name | median ms | min | max | target | ok?"""
    headers = ("benchmark", "median ms", "min", "max", "target", "ok?")
    rows: list[tuple[str, ...]] = []
    for r in results:
        target = "-" if r.target_ms is None else f"{r.target_ms:g}"
        if r.error is not None:
            rows.append((r.name, "ERROR", "", "", target, r.error))
            continue
        ok = {None: "-", True: "yes", False: "NO"}[r.ok]
        rows.append(
            (
                r.name,
                f"{r.median_ms:.1f}",
                f"{min(r.times_ms):.1f}",
                f"{max(r.times_ms):.1f}",
                target,
                ok,
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)
