"""The module under threads (issue #12): the heavy calls, which release the GIL, give from
eight threads at once exactly what they give called one after another, and the writes
made from many threads are all there afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import juno

from conftest import REPO, T0

FORECAST = json.loads((REPO / "tests" / "fixtures" / "forecast_fixture.json").read_text("utf-8"))


def _ticket(i: int) -> dict[str, Any]:
    when = T0 - timedelta(days=i % 40, hours=i % 7)
    return {
        "key": f"ALPHA-{i}",
        "team": "team_alpha" if i % 3 else "team_beta",
        "priority": ["High", "Medium", "Low"][i % 3],
        "assignee": None if i % 4 == 0 else f"dev{i % 5}",
        "labels": ["backend"] if i % 2 else [],
        "created": when - timedelta(days=10),
        "updated": when,
        "status": "In Progress",
        "blocked": i % 6 == 0,
        "blocking": i % 3,
        "in_active_sprint": True,
    }


def _evidence(i: int) -> dict[str, Any]:
    return {
        "completeness": (i % 10) / 10,
        "observations": i % 30,
        "track_record_right": i % 5,
        "track_record_total": 5,
        "engine_signals": [0.2 + (i % 5) / 10],
        "items": [f"item {i}"],
    }


def _same_from_threads(call: Callable[[], Any], *, threads: int = 8, each: int = 3) -> None:
    want = call()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        got = list(pool.map(lambda _: call(), range(threads * each)))
    assert all(g == want for g in got)


def test_heavy_calls_agree_with_serial_calls(db_path: Path) -> None:
    tickets = [_ticket(i) for i in range(2000)]
    evidence = [_evidence(i) for i in range(2000)]
    items = [item for case in FORECAST["sprints"] for item in case["items"]] * 20
    with juno.Juno(db_path, now=T0) as j:
        for i in range(300):
            j.memory.store("episodic", f"team_{'ab'[i % 2]}", f"deploy {i} flaky tests rollback")
        queries = [{"text": "deploy flaky", "team": "team_a", "limit": 20, "touch": False}] * 10
        cases: list[Callable[[], Any]] = [
            lambda: [p.to_dict() for p in j.triage.scan(tickets, now=T0)],
            lambda: [c.to_dict() for c in j.reasoning.confidence_many(evidence)],
            lambda: [f.to_dict() for f in j.forecast.sprints(items)],
            lambda: [[h.memory.id for h in hits] for hits in j.memory.recall_many(queries)],
        ]
        for call in cases:
            _same_from_threads(call)


def test_writes_from_many_threads_are_all_there(db_path: Path) -> None:
    with juno.Juno(db_path, now=T0) as j:

        def store(t: int) -> list[int]:
            return [j.memory.store("episodic", "team_alpha", f"thread {t} note {i}").id for i in range(50)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = [i for batch in pool.map(store, range(8)) for i in batch]
        assert len(set(ids)) == 400
        assert j.memory.stats().total == 400
        assert sorted(m.text for m in (j.memory.get(i) for i in ids)) == sorted(
            f"thread {t} note {i}" for t in range(8) for i in range(50)
        )
        assert j.check().ok
