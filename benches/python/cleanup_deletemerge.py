"""An experiment (not adopted): does turning off FTS5's ``deletemerge`` speed up cleanup?

``memory_fts`` is a contentless FTS5 table with ``contentless_delete=1``. By default FTS5
merges a segment once a tenth of its rows are deleted (``deletemerge`` 10), and cleanup
deletes half of them, so part of a cleanup's time may be that merge. This script builds the
``cleanup`` workload's database (2,500 expired memories beside 2,500 live ones, the same
seeded items) twice per round, once as shipped and once with ``deletemerge`` set to 0
through a second connection, and times ``memory.cleanup()`` on each, then 50 text recalls
on what is left, and reads the index's size. The two variants alternate, so drift on a
shared machine hits both.

It needs an SQLite with ``contentless_delete`` (3.43+) on the Python side, which the
standard library's may not have::

    pip install pysqlite3-binary
    python benches/python/cleanup_deletemerge.py [ROUNDS]
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads as w  # noqa: E402

import juno  # noqa: E402


def main() -> None:
    sqlite: Any = importlib.import_module("pysqlite3")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rng = w.Config().rng(5)
    items: list[w.Payload] = []
    for _ in range(2_500):
        kind = "working" if rng.random() < 0.7 else "episodic"
        items.append(w.memory_item(rng, rng.choice(w.TEAM_NAMES), kind, ttl=rng.randrange(60, 3_600)))
    for _ in range(2_500):
        items.append(w.memory_item(rng, rng.choice(w.TEAM_NAMES), rng.choice(w.KINDS[:3])))
    rng.shuffle(items)
    queries = [" ".join(str(it["text"]).split()[:2]) for it in items[:50]]
    cleanup_ms: dict[str, list[float]] = {"as shipped": [], "deletemerge 0": []}
    recall_us: dict[str, list[float]] = {k: [] for k in cleanup_ms}
    index_bytes: dict[str, list[int]] = {k: [] for k in cleanup_ms}
    for _ in range(rounds):
        for variant in cleanup_ms:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "c.db")
                j = juno.Juno(path, now=w.NOW)
                if variant == "deletemerge 0":
                    c = sqlite.connect(path, isolation_level=None)
                    c.execute("INSERT INTO memory_fts (memory_fts, rank) VALUES ('deletemerge', 0)")
                    c.close()
                j.memory.store_many(items)
                j.set_clock(w.NOW + timedelta(hours=2))
                t = time.perf_counter()
                removed = j.memory.cleanup()
                cleanup_ms[variant].append((time.perf_counter() - t) * 1e3)
                assert removed == 2_500, removed
                t = time.perf_counter()
                for q in queries:
                    j.memory.recall(q, limit=10, touch=False)
                recall_us[variant].append((time.perf_counter() - t) * 1e6 / len(queries))
                j.close()
                c = sqlite.connect(path)
                (size,) = c.execute("SELECT sum(length(block)) FROM memory_fts_data").fetchone()
                index_bytes[variant].append(int(size))
                c.close()
    print(f"{rounds} rounds, medians")
    for v in cleanup_ms:
        print(f"{v:<14} cleanup {statistics.median(cleanup_ms[v]):6.2f} ms   "
              f"text recall {statistics.median(recall_us[v]):7.1f} µs/query   "
              f"index {statistics.median(index_bytes[v]):>9,.0f} bytes")  # fmt: skip


if __name__ == "__main__":
    main()
