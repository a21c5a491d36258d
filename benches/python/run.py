"""Times the workloads of issue #15 from Python, as a host calls JUNO, and prints the
cost per item.

    python benches/python/run.py [--quick] [--only NAME ...] [--repeat R] [--json OUT]
                                 [--compare BASELINE.json] [--gc] [--list]

Each workload is built outside the timing (``workloads.py``), run once to warm up, then
timed ``R`` times with ``timeit`` (one run per timing; workloads that use up their state
are rebuilt before each run, untimed). The table gives the median, min and max cost per
item over the ``R`` runs, and for per-operation workloads (recall, approve) the p50 and
p99 of single operations pooled over the runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import timeit
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import juno

import workloads
from workloads import COUNTERPART, WORKLOADS, Bench, Config, NotAvailable

Result = dict[str, Any]


def _load() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def _percentile(sorted_ns: Sequence[int], q: float) -> float:
    """The ``q`` quantile (0–1) of sorted nanoseconds in µs, nearest rank."""
    k = min(len(sorted_ns) - 1, max(0, round(q * len(sorted_ns) + 0.5) - 1))
    return sorted_ns[k] / 1e3


def measure(bench: Bench, repeat: int, keep_gc: bool) -> Result:
    """Warm-up, then ``repeat`` timed runs of ``bench``."""
    # timeit turns the collector off while timing, which keeps the figures steady; a
    # host's collector is on, which ``--gc`` restores.
    setup = "gc.enable()" if keep_gc else "pass"
    if bench.reset is not None:
        bench.reset()
    bench.run()
    runs_s: list[float] = []
    pooled: list[int] = []
    for _ in range(repeat):
        if bench.reset is not None:
            bench.reset()
        if bench.latencies_ns is not None:
            bench.latencies_ns.clear()
        gc.collect()
        runs_s.append(timeit.Timer(bench.run, setup=setup).timeit(number=1))
        if bench.latencies_ns is not None:
            pooled.extend(bench.latencies_ns)
    per_item = [s / bench.items * 1e6 for s in runs_s]
    result: Result = {
        "status": "ok",
        "items": bench.items,
        "unit": bench.unit,
        "per_item_us": {
            "median": statistics.median(per_item),
            "min": min(per_item),
            "max": max(per_item),
        },
        "total_ms": {"median": statistics.median(runs_s) * 1e3, "min": min(runs_s) * 1e3},
        "runs_s": runs_s,
        "note": bench.note,
        **bench.extra,
    }
    if bench.rust_ns is not None:
        rust = [bench.rust_ns() / bench.items / 1e3 for _ in range(repeat)]
        result["rust_us"] = statistics.median(rust)
    if pooled:
        pooled.sort()
        result["per_op_us"] = {
            "p50": _percentile(pooled, 0.50),
            "p99": _percentile(pooled, 0.99),
            "max": pooled[-1] / 1e3,
            "count": len(pooled),
        }
    return result


def run_one(name: str, cfg: Config, repeat: int, keep_gc: bool) -> Result:
    load_before = _load()
    try:
        bench = WORKLOADS[name](cfg)
    except NotAvailable as e:
        return {"status": "n/a", "note": f"n/a: not in this build ({e})"}
    try:
        result = measure(bench, repeat, keep_gc)
    finally:
        bench.close()
    result["load_before"] = load_before
    result["load_after"] = _load()
    return result


def _fmt(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def print_table(results: dict[str, Result]) -> None:
    head = ("workload", "items", "unit", "µs/item med", "min", "max", "run ms", "p50 µs",
            "p99 µs", "Rust µs/item", "Python/Rust")  # fmt: skip
    rows: list[tuple[str, ...]] = []
    for name, r in results.items():
        if r["status"] != "ok":
            rows.append((name, "", "", "n/a", "", "", "", "", "", "", ""))
            continue
        pi, op = r["per_item_us"], r.get("per_op_us")
        rows.append((
            name, f"{r['items']:,}", r["unit"], _fmt(pi["median"]), _fmt(pi["min"]),
            _fmt(pi["max"]), _fmt(r["total_ms"]["median"]),
            _fmt(op["p50"]) if op else "", _fmt(op["p99"]) if op else "",
            _fmt(r["rust_us"]) if "rust_us" in r else "",
            f"{pi['median'] / r['rust_us']:.2f}" if r.get("rust_us") else "",
        ))  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def line(cells: Sequence[str]) -> str:
        # Names and units left, figures right.
        return "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        )

    print(line(head))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print()
    for name, r in results.items():
        print(f"  {name}: {r['note']}")


def compare(results: dict[str, Result], baseline_path: Path, quick: bool) -> None:
    """Prints baseline / now per workload: above 1 is faster now."""
    base = json.loads(baseline_path.read_text(encoding="utf-8"))
    size = "quick" if base.get("quick") else "full"
    print(f"\nagainst {baseline_path} (juno {base.get('juno_version')}, {size} run): "
          "baseline / now, median per item")  # fmt: skip
    if bool(base.get("quick")) != quick:
        print("  (warning: the two runs used different sizes)")
    base_w: dict[str, Result] = base.get("workloads", {})
    for name, r in results.items():
        if r["status"] != "ok":
            continue
        ref_name = name
        b = base_w.get(name)
        if (b is None or b.get("status") != "ok") and name in COUNTERPART:
            ref_name = COUNTERPART[name]
            b = base_w.get(ref_name)
        if b is None or b.get("status") != "ok":
            print(f"  {name:<22} no baseline figure")
            continue
        ratio = b["per_item_us"]["median"] / r["per_item_us"]["median"]
        vs = "" if ref_name == name else f"  (vs baseline {ref_name})"
        was, now = _fmt(b["per_item_us"]["median"]), _fmt(r["per_item_us"]["median"])
        verdict = "faster" if ratio >= 1 else f"(i.e. {1 / ratio:.2f}× slower)"
        print(f"  {name:<22} {ratio:7.2f}× {verdict}  ({was} → {now} µs/{r['unit']}){vs}")



def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"every item count / {workloads.QUICK_DIVISOR} (CI smoke run)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(WORKLOADS),
                        help="run these workloads only")
    parser.add_argument("--repeat", type=int,
                        help="timed runs per workload (default 5; 2 with --quick)")
    parser.add_argument("--seed", type=int, default=15, help="payload seed (default 15)")
    parser.add_argument("--gc", action="store_true",
                        help="keep the garbage collector on while timing")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON")
    parser.add_argument("--compare", type=Path, metavar="BASELINE",
                        help="a --json file to compare with")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = parser.parse_args(argv)  # fmt: skip

    if args.list:
        for name, doc in workloads.describe():
            print(f"{name:<22} {doc}")
        return 0
    repeat = args.repeat or (2 if args.quick else 5)
    if repeat < 1:
        parser.error("--repeat must be at least 1")
    cfg = Config(quick=args.quick, seed=args.seed)
    names = args.only or list(WORKLOADS)

    print(f"juno {juno.__version__} ({Path(juno.__file__).parent}), "
          f"Python {platform.python_version()}, {platform.platform()}; "
          f"{'quick' if args.quick else 'full'} sizes, {repeat} runs each, "
          f"gc {'on' if args.gc else 'off'}, load {_load()}", flush=True)  # fmt: skip
    results: dict[str, Result] = {}
    started = datetime.now(timezone.utc)
    for name in names:
        print(f"  {name} …", end="", flush=True)
        results[name] = r = run_one(name, cfg, repeat, args.gc)
        if r["status"] == "ok":
            print(f" {_fmt(r['per_item_us']['median'])} µs/{r['unit']}", flush=True)
        else:
            print(f" {r['note']}", flush=True)
    print()
    print_table(results)

    if args.json:
        out: Result = {
            "juno_version": juno.__version__,
            "juno_path": str(Path(juno.__file__).parent),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "started": started.isoformat(),
            "quick": args.quick,
            "repeat": repeat,
            "seed": args.seed,
            "gc": args.gc,
            "argv": sys.argv[1:],
            "workloads": results,
        }
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    if args.compare:
        compare(results, args.compare, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
