"""Replays tests/fixtures/cycle_fixture.json as juno-core/tests/cycle_fixture.rs and
tests/c/test_cycle.c do: an agent cycle over the seeded simulated organisation, an
approval between cycles, a second cycle that executes it, and a refused cycle.

The Rust, C and Python surfaces replay the same fixture and must agree.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import juno

from conftest import REPO, check_error, mismatch

FIXTURE: dict[str, Any] = json.loads(
    (REPO / "tests" / "fixtures" / "cycle_fixture.json").read_text(encoding="utf-8")
)
TOLERANCE: float = FIXTURE["tolerance"]
NOW = datetime.fromtimestamp(FIXTURE["now_ms"] / 1000, tz=timezone.utc)


def _cycle(j: juno.Juno, options: dict[str, Any]) -> dict[str, Any]:
    """One cycle with the fixture's simulated organisation and the recording executor."""
    return j.agent.run_cycle(source=juno.SimSource(FIXTURE["sim"]), options=options)


def _check_report(stage: str, report: dict[str, Any], expect: dict[str, Any]) -> None:
    """The report contains `expect` (the subset rule); every `writes` array is exact."""
    m = mismatch(report, expect, TOLERANCE, stage)
    assert m is None, m
    for key in ("proposals", "executed"):
        for i, (got, want) in enumerate(zip(report[key], expect[key])):
            assert got["writes"] == want["writes"], f"{stage}.{key}[{i}].writes"
    # The wall-clock fields the fixture leaves out are there: leaving them out is a choice.
    assert isinstance(report["timings_ms"], dict)
    assert isinstance(report["sync"]["millis"], float)


def test_cycle_fixture_replays() -> None:
    f = FIXTURE
    assert juno.SimSource(f["sim"]).end == NOW, "the fixture's clock is the simulation's end"
    assert NOW.isoformat().replace("+00:00", "Z") == f["now"]
    with juno.Juno(":memory:", now=NOW) as j:
        # (1) The first cycle proposes and waits for people.
        first = _cycle(j, f["options"])
        _check_report("first_cycle", first, f["first_cycle"]["expect"])

        # (2) A person with the role it waits for approves one proposal, by its digest.
        a = f["approve"]
        p = first["proposals"][a["proposal"]]
        rid: int = p["request_id"]
        j.governance.assign_role(a["user"], p["waits_for"], [p["team"]], by=a["by"])
        digest = j.governance.get(rid).digest
        assert j.governance.approve(rid, a["user"], digest).status == a["expect_status"]

        # (3) An hour later the next cycle executes it, once, and proposes nothing again.
        s = f["second_cycle"]
        j.set_clock(NOW + timedelta(hours=s["advance_hours"]))
        second = _cycle(j, f["options"])
        _check_report("second_cycle", second, s["expect"])
        assert j.governance.get(rid).status == s["expect_request_status"]

        # A refused cycle names its bad option and stores nothing.
        for case in f["invalid"]:
            options: dict[str, Any] = case["options"]
            check_error(case, lambda: _cycle(j, options))
        stored = j.agent.cycles(100)
        assert len(stored) == f["expect_cycles_stored"], [c["cycle"] for c in stored]
