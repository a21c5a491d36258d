"""Writes BENCHMARKS.md from one run of `benches/run.sh` and the targets in benches/targets.toml.

    python benches/report.py RESULTS_DIR [--criterion DIR] [--out BENCHMARKS.md]

RESULTS_DIR is what `benches/run.sh` filled: machine.json, python.json, web.json,
demo.json, overhead-python.json, overhead-c.json, percentiles/*.json and criterion/ (the
run's own CRITERION_HOME, so no estimate left from an earlier run is read). A figure the run did not
produce is shown as "not run" and its target as not judged: the report never fills a gap.
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One row's figures: the median (µs) and the statistic the target judges."""

    median_us: float | None
    stat_value: float | None  # µs, or items/s for a rate
    note: str = ""
    per: str = ""  # the item a Python median is per ("ticket"), else ""


def plural(unit: str) -> str:
    return unit[:-1] + "ies" if unit.endswith("y") else unit + "s"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def fmt_us(us: float | None) -> str:
    """A duration in µs shown in the unit a person reads it in."""
    if us is None:
        return "not run"
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1e3:
        return f"{us / 1e3:.1f} ms" if us >= 1e4 else f"{us / 1e3:.2f} ms"
    if us >= 1:
        return f"{us:.1f} µs" if us >= 10 else f"{us:.2f} µs"
    return f"{us * 1e3:.0f} ns"


def fmt_rate(per_s: float | None) -> str:
    return "not run" if per_s is None else f"{per_s:,.0f}/s"


class Results:
    """The files of one run."""

    def __init__(self, out: Path, criterion: Path) -> None:
        self.out = out
        self.criterion = criterion
        self.python = _load(out / "python.json") or {}
        self.web = _load(out / "web.json") or {}
        self.demo = _load(out / "demo.json") or {}
        self.baseline = _load(ROOT / "benches/python/baseline-0.2.0.json") or {}

    def criterion_median_us(self, bench_id: str) -> float | None:
        est = _load(self.criterion / bench_id / "new" / "estimates.json")
        return None if est is None else est["median"]["point_estimate"] / 1e3

    def figure(self, row: dict[str, Any]) -> Figure:
        src, key, stat = row["source"], row["id"], row["stat"]
        if src == "criterion":
            med = self.criterion_median_us(key)
            if stat == "rate":
                return Figure(med, None if med is None else row["items"] * 1e6 / med)
            return Figure(med, med)
        if src == "percentiles":
            p = _load(self.out / "percentiles" / f"{key}.json")
            if p is None:
                return Figure(None, None)
            return Figure(p["p50_us"], p[f"{stat}_us"], f"n = {p['n']}")
        if src == "python":
            w = self.python.get("workloads", {}).get(key)
            if not w or w.get("status") != "ok":
                return Figure(None, None, (w or {}).get("note", ""))
            med = w["per_item_us"]["median"]
            ops = w.get("per_op_us") or {}
            value: float | None = {
                "median": med,
                "p50": ops.get("p50"),
                "p99": ops.get("p99"),
                "total": w["total_ms"]["median"] * 1e3,
                "rate": row.get("items", 1) * 1e6 / med,
            }[stat]
            return Figure(med, value, f"{w['items']:,} {plural(w['unit'])} per run", w["unit"])
        if src == "web":
            r = self.web.get(key)
            if not r:
                return Figure(None, None)
            if key == "/dashboard/":
                med = r["server_ms_median"] * 1e3
                return Figure(med, med, f"max {fmt_us(r['server_ms_max'] * 1e3)}")
            stat_us = r.get(f"{stat}_ms", 0.0) * 1e3
            return Figure(
                r["p50_ms"] * 1e3,
                stat_us,
                f"{r['requests_per_s']:,.0f} req/s, non-2xx {r['non_2xx']:.0f}",
            )
        if src == "demo":
            runs = self.demo.get("wall_s")
            if not runs:
                return Figure(None, None)
            med = statistics.median(runs) * 1e6
            return Figure(med, med, f"{len(runs)} runs")
        raise ValueError(f"targets.toml: unknown source {src!r} for {key!r}")

    def original_us(self, spec: dict[str, Any]) -> float | None:
        """The prototype's cost per item, derived (see targets.toml)."""
        w = self.baseline.get("workloads", {}).get(spec["baseline"])
        if not w or w.get("status") != "ok":
            return None
        return float(w["per_item_us"]["median"]) * float(spec["ratio"])


def judge(row: dict[str, Any], fig: Figure, res: Results, quick: bool) -> tuple[str, str]:
    """(measured, met) for one row."""
    if fig.stat_value is None:
        return "not run", "not judged"
    if "original" in row:
        orig = res.original_us(row["original"])
        if orig is None:
            return "no baseline", "not judged"
        speedup = orig / fig.stat_value
        measured = f"{speedup:.2f}× the original ({fmt_us(orig)} → {fmt_us(fig.stat_value)})"
        ok = speedup >= row["original"]["min"]
    elif "min_per_s" in row:
        measured = fmt_rate(fig.stat_value)
        ok = fig.stat_value >= row["min_per_s"]
    else:
        label = {"median": "", "total": "", "p50": "p50 ", "p99": "p99 "}[row["stat"]]
        measured = label + fmt_us(fig.stat_value)
        ok = fig.stat_value < row["max_us"]
    if quick and row["source"] in ("python", "web"):
        return measured, "not judged (quick sizes)"
    return measured, "yes" if ok else "**no**"


def machine_lines(m: dict[str, Any]) -> list[str]:
    if not m:
        return ["- machine: not recorded (machine.json missing)"]
    load = " → ".join(m.get(k, "?") for k in ("load_before", "load_after"))
    return [
        f"- run: {m.get('started', '?')} to {m.get('finished', '?')}, "
        f"commit `{m.get('commit', '?')}`{' (with uncommitted changes)' if m.get('dirty') else ''}",
        f"- machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, "
        f"{m.get('memory', '?')} memory, {m.get('kernel', '?')}",
        f"- toolchain: {m.get('rustc', '?')}; {m.get('python', '?')}; "
        f"Rust built with the `bench`/`release` profile",
        f"- load average (1 min) before → after: {load}",
        f"- mode: {'quick (reduced sizes: the Python and HTTP figures are not judged)' if m.get('quick') else 'full'}",
    ]


def overhead_section(res: Results) -> list[str]:
    py = _load(res.out / "overhead-python.json")
    c = _load(res.out / "overhead-c.json")
    lines = [
        "## Boundary overhead: one operation from Rust, through C, through Python",
        "",
        "The same trivial recall (an in-memory engine with five memories; team filter,",
        "limit 1, no access recorded) called three ways in one release build:",
        "`benches/python_overhead.py` times it from Python and looped inside Rust",
        "(`_juno._bench_recall_ns`); `benches/c/overhead.c` times `juno_memory_recall`",
        "(query JSON in, hits JSON out, buffer freed) against the release `libjuno.a`.",
        "Overhead = the surface's call minus the Rust call. Target (issue #2): under 20 µs.",
        "",
        "| surface | µs per call (median) | overhead above Rust | target | met |",
        "|---|---|---|---|---|",
    ]
    rust = py["rust_call_us_median"] if py else None
    lines.append(f"| Rust (`Memory::recall`) | {fmt_us(rust)} | — | | |")
    if c and rust is not None:
        over = c["c_call_us_median"] - rust
        ok = "yes" if over < 20 else "**no**"
        lines.append(
            f"| C (`juno_memory_recall`, JSON) | {fmt_us(c['c_call_us_median'])} | {fmt_us(over)} | < 20 µs | {ok} |"
        )
    else:
        lines.append("| C (`juno_memory_recall`, JSON) | not run | | < 20 µs | not judged |")
    if py:
        call = py["python_call_us_median"] - py["timeit_lambda_us_median"]
        over = py["binding_overhead_us"]
        ok = "yes" if over < 20 else "**no**"
        lines.append(
            f"| Python (`memory.recall`) | {fmt_us(call)} | {fmt_us(over)} | < 20 µs | {ok} |"
        )
    else:
        lines.append("| Python (`memory.recall`) | not run | | < 20 µs | not judged |")
    bulk = [
        (name, w)
        for name, w in res.python.get("workloads", {}).items()
        if w.get("status") == "ok" and w.get("rust_us")
    ]
    if bulk:
        lines += [
            "",
            "Bulk calls: the same payload through the Python call and inside Rust (converted",
            "beforehand, not timed), from `benches/python/run.py`. Moonshot (issue #15): within",
            "2× of Rust.",
            "",
            "| workload | items | Python µs/item | Rust µs/item | Python ÷ Rust | within 2× |",
            "|---|---|---|---|---|---|",
        ]
        for name, w in bulk:
            p, r = w["per_item_us"]["median"], w["rust_us"]
            lines.append(
                f"| `{name}` | {w['items']:,} | {p:.3f} | {r:.3f} | {p / r:.2f} | "
                f"{'yes' if p / r <= 2 else 'no'} |"
            )
    return lines


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def render(res: Results, targets: list[dict[str, Any]]) -> str:
    m = _load(res.out / "machine.json") or {}
    quick = bool(m.get("quick"))
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bash benches/run.sh` (which ends with `benches/report.py`); do not edit by",
        "hand. Every figure below was measured in that run; the targets are the issues' own,",
        "kept in `benches/targets.toml`. How the targets were reached, and the analyses behind",
        "the figures that miss, are in `docs/performance.md`.",
        "",
        *machine_lines(m),
        f"- raw results: `{_rel(res.out)}` (`python benches/report.py {_rel(res.out)}` rebuilds this page)",
        "",
    ]
    met = missed = unjudged = 0
    section = None
    for row in targets:
        if row["section"] != section:
            section = row["section"]
            lines += [
                f"## {section}",
                "",
                "| operation | size | median | target | measured | met | source |",
                "|---|---|---|---|---|---|---|",
            ]
        fig = res.figure(row)
        measured, ok = judge(row, fig, res, quick)
        met += ok == "yes"
        missed += ok == "**no**"
        unjudged += ok.startswith("not")
        source = f"{row['source']} `{row['id']}`" + (f"; {fig.note}" if fig.note else "")
        median = fmt_us(fig.median_us) + (f"/{fig.per}" if fig.per and fig.median_us else "")
        lines.append(
            f"| {row['operation']} | {row['size']} | {median} | {row['target']} "
            f"| {measured} | {ok} | {source} |"
        )
        nxt = targets.index(row) + 1
        if nxt == len(targets) or targets[nxt]["section"] != section:
            lines.append("")
    lines += overhead_section(res)
    lines += [
        "",
        "## Summary",
        "",
        f"{met} targets met, {missed} missed, {unjudged} not judged, of {len(targets)}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("results", type=Path, help="the directory benches/run.sh filled")
    ap.add_argument("--criterion", type=Path,
                    help="criterion's output directory (default RESULTS/criterion)")  # fmt: skip
    ap.add_argument("--targets", type=Path, default=ROOT / "benches" / "targets.toml")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = ap.parse_args(argv)
    if not args.results.is_dir():
        ap.error(f"{args.results} is not a directory")
    with args.targets.open("rb") as f:
        targets = tomllib.load(f)["row"]
    criterion = args.criterion or args.results / "criterion"
    text = render(Results(args.results, criterion), targets)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
