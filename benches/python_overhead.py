"""What a call through the Python binding costs on top of the Rust call it makes.

Measures one trivial recall — an in-memory engine with a few memories,
``recall(team=..., limit=1, touch=False)`` — two ways:

- from Python with ``timeit`` (argument parsing, GIL release, result objects included);
- in Rust via ``juno._juno._bench_recall_ns``, the same query in a loop with no Python.

The difference is the binding's overhead per call. Run after ``maturin develop``
(``--release`` for figures worth quoting; the debug build's Rust side is much slower):

    python benches/python_overhead.py [--repeat 15] [--number 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import timeit
from datetime import datetime, timezone

import juno
from juno import _juno

TEAM = "team_alpha"


def build() -> juno.Juno:
    j = juno.Juno(":memory:", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    j.memory.store_many(
        [
            {"kind": "semantic", "scope": {"team": TEAM}, "text": "alpha splits stories above 8 points"},
            {"kind": "episodic", "scope": {"team": TEAM}, "text": "deploy failed on flaky tests"},
            {"kind": "procedural", "scope": {"team": TEAM}, "text": "when blocked, escalate at standup"},
            {"kind": "semantic", "scope": {"team": "team_beta"}, "text": "beta estimates in t-shirt sizes"},
            {"kind": "episodic", "scope": {"team": "team_beta"}, "text": "app store rejected release 7.1"},
        ]
    )
    return j


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timing rounds (median is reported)")
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    j = build()
    memory = j.memory
    # Warm up both paths (statement caches, allocator).
    for _ in range(200):
        memory.recall(team=TEAM, limit=1, touch=False)
    _juno._bench_recall_ns(j, TEAM, 200)

    timer = timeit.Timer(lambda: memory.recall(team=TEAM, limit=1, touch=False))
    python_us = [t / args.number * 1e6 for t in timer.repeat(repeat=args.repeat, number=args.number)]
    rust_us = [
        _juno._bench_recall_ns(j, TEAM, args.number) / args.number / 1e3 for _ in range(args.repeat)
    ]
    # timeit's lambda adds one Python-level call per iteration; measure and subtract it so the
    # overhead is the binding's alone.
    empty = timeit.Timer(lambda: None)
    lambda_us = [t / args.number * 1e6 for t in empty.repeat(repeat=args.repeat, number=args.number)]

    py_med = statistics.median(python_us)
    rust_med = statistics.median(rust_us)
    lambda_med = statistics.median(lambda_us)
    overhead = py_med - lambda_med - rust_med
    figures = {
        "python_call_us_median": round(py_med, 3),
        "rust_call_us_median": round(rust_med, 3),
        "timeit_lambda_us_median": round(lambda_med, 3),
        "binding_overhead_us": round(overhead, 3),
        "binding_overhead_share": round(overhead / py_med, 3) if py_med else None,
        "repeat": args.repeat,
        "number": args.number,
        "python": platform.python_version(),
        "juno": juno.__version__,
    }
    j.close()
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"recall(team=..., limit=1, touch=False) on 5 memories, median of {args.repeat} x {args.number} calls")
    print(f"  from Python (timeit):        {py_med:9.3f} µs/call")
    print(f"  in Rust (_bench_recall_ns):  {rust_med:9.3f} µs/call")
    print(f"  timeit's own lambda call:    {lambda_med:9.3f} µs/call")
    print(f"  binding overhead:            {overhead:9.3f} µs/call ({overhead / py_med:.1%} of the Python call)")


if __name__ == "__main__":
    main()
