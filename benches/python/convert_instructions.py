"""Instructions per ticket for the dict → ticket conversion, counted by valgrind (callgrind).

Wall-clock figures on a shared 2-core machine drift by tens of percent between runs; the
instructions a conversion executes do not. For each way of holding a ticket's times, this
runs the same script twice under callgrind — building the 10,000 fresh tickets of
``workloads.ticket_convert_only`` only, then building them and converting them ``--reps``
times — and prints the difference per converted ticket. The ``serde_json`` row parses the
same tickets from JSON text in Rust (``_juno._bench_parse_tickets_ns``), the conversion's
target::

    python benches/python/convert_instructions.py            # needs valgrind on PATH

Each child takes about 20 s under valgrind; the whole run about three minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads  # noqa: E402
from juno import _juno  # noqa: E402

#: The ways a host may hold a ticket's times, and what each row measures.
VARIANTS = {
    "utc": "aware datetimes, tzinfo is timezone.utc",
    "zone": "the same instants in UTC+02:00",
    "str": "RFC 3339 strings",
    "serde_json": "serde_json parsing the same tickets as JSON (Rust)",
}


def child(variant: str, reps: int) -> None:
    """Builds the tickets as ``variant`` holds them, then converts them ``reps`` times."""
    tickets = workloads._fresh_tickets(workloads.Config())
    if variant == "zone":
        zone = timezone(timedelta(hours=2))
        tickets = [{k: v.astimezone(zone) if isinstance(v, datetime) else v for k, v in t.items()}
                   for t in tickets]  # fmt: skip
    elif variant in ("str", "serde_json"):
        tickets = [workloads._as_strings(t) for t in tickets]
    if variant == "serde_json":
        text = json.dumps(tickets)
        for _ in range(reps):
            _juno._bench_parse_tickets_ns(text)
    else:
        for _ in range(reps):
            _juno._bench_convert_tickets_ns(tickets)


def instructions(variant: str, reps: int) -> int:
    """Instructions callgrind counts for one child run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, __file__, "--child", variant, str(reps)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    """Prints instructions per converted ticket for every variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="conversions of the 10,000 (default 2)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "REPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    n = len(workloads._fresh_tickets(workloads.Config())) * args.reps
    print(f"{'times held as':58s} instructions per ticket")
    for variant, what in VARIANTS.items():
        per = (instructions(variant, args.reps) - instructions(variant, 0)) / n
        print(f"{what:58s} {per:10,.0f}")


if __name__ == "__main__":
    main()
