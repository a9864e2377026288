"""Run the benchmarks: ``python -m bench.run [--runs N] [--warmup N] [--filter TEXT]``.

Benchmarks report; they never gate: the exit code is always 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import discover, environment_line, format_table, run_benchmark

MIN_RUNS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per benchmark (≥5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls before timing")
    parser.add_argument("--filter", default="", help="only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    if args.runs < MIN_RUNS:
        print(f"--runs {args.runs} raised to the minimum of {MIN_RUNS}", file=sys.stderr)
        args.runs = MIN_RUNS

    print(environment_line())
    print(f"runs={args.runs} warmup={args.warmup}\n")
    selected = [b for b in discover() if args.filter.lower() in b.name.lower()]
    if not selected:
        print(f"no benchmark matches {args.filter!r}")
        return 0
    results = []
    for bench in selected:
        print(f"running {bench.name} …", file=sys.stderr, flush=True)
        results.append(run_benchmark(bench, runs=args.runs, warmup=max(0, args.warmup)))
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
