"""Instructions per item of the issue #15 workloads, counted by valgrind (callgrind).

Wall-clock figures on a shared 2-core machine drift by tens of percent between runs; the
instructions a workload executes do not, so a change's effect shows even on a noisy day.
For each workload this runs a child process three times under callgrind: building the
workload and resetting its state as often as a run would, without running it; the same
with ``--reps`` timed runs; and, for the conversion workloads, the same with their Rust
counterpart (``serde_json`` parsing the same tickets) instead of the Python call. It
prints the differences per item::

    python benches/python/instructions.py ticket_convert_only recall_notouch

Needs valgrind on PATH. Each child takes tens of seconds under valgrind (workloads are
built at full size); use a release install, as for ``run.py``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads  # noqa: E402

#: Workloads whose Rust counterpart is pure (``serde_json`` on JSON text). The others'
#: ``_bench_core_ns`` converts its payload before it starts its clock, so under callgrind
#: its count would include the conversion: no Rust column for them.
PURE_RUST = {"ticket_convert_only", "ticket_convert_only_zone", "ticket_convert_only_str"}


def child(name: str, reps: int, mode: str) -> None:
    """Builds workload ``name``, then ``reps`` times resets it and, unless ``mode`` is
    ``none``, runs it (``python``) or its Rust counterpart (``rust``)."""
    bench = workloads.WORKLOADS[name](workloads.Config())
    try:
        for _ in range(reps):
            if bench.reset is not None:
                bench.reset()
            if mode == "python":
                bench.run()
            elif mode == "rust" and bench.rust_ns is not None:
                bench.rust_ns()
    finally:
        bench.close()


def instructions(name: str, reps: int, mode: str) -> int:
    """Instructions callgrind counts for one child run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, __file__, "--child", name, str(reps), mode],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    """Prints instructions per item, from Python and in Rust, for each named workload."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="WORKLOAD",
                        help="workloads of run.py --list (default: the three conversions)")  # fmt: skip
    parser.add_argument("--reps", type=int, default=2, help="runs of each workload (default 2)")
    parser.add_argument("--child", nargs=3, metavar=("NAME", "REPS", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    names = args.names or ["ticket_convert_only", "ticket_convert_only_zone",
                           "ticket_convert_only_str"]  # fmt: skip
    unknown = [n for n in names if n not in workloads.WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}; see run.py --list")
    print(f"{'workload':26s} {'unit':10s} {'Python':>12s} {'Rust':>12s}   instructions per item")
    for name in names:
        bench = workloads.WORKLOADS[name](workloads.Config())
        items, unit = bench.items, bench.unit
        has_rust = bench.rust_ns is not None and name in PURE_RUST
        bench.close()
        base = instructions(name, args.reps, "none")
        per = (instructions(name, args.reps, "python") - base) / (items * args.reps)
        rust = ""
        if has_rust:
            rust = f"{(instructions(name, args.reps, 'rust') - base) / (items * args.reps):,.0f}"
        print(f"{name:26s} {unit:10s} {per:12,.0f} {rust:>12s}", flush=True)


if __name__ == "__main__":
    main()
