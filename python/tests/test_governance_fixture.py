"""Replays tests/fixtures/governance_fixture.json as juno-core/tests/governance_fixture.rs does.

The Rust, C and Python surfaces replay the same fixture and must agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import juno
from juno.errors import JunoError

from conftest import load_governance_fixture

FIXTURE = load_governance_fixture()


def _check(step: dict[str, Any], call: Callable[[], juno.ApprovalRequest]) -> None:
    """The step ends in `expect_status` or fails with the `expect_error` kind."""
    why = step.get("why", "")
    if "expect_error" in step:
        with pytest.raises(JunoError) as caught:
            call()
        assert caught.value.kind == step["expect_error"], f"{why}: {caught.value}"
    else:
        assert call().status == step["expect_status"], why


def test_governance_fixture_replays() -> None:
    f = FIXTURE
    now = datetime.fromtimestamp(f["now_ms"] / 1000, tz=timezone.utc)
    with juno.Juno(":memory:", now=now, settings=f["settings"]) as j:
        gov = j.governance

        for r in f["roles"]:
            gov.assign_role(r["user"], r["role"], r["teams"], by="admin@company.com")

        ids: dict[str, int] = {}
        actions: dict[str, dict[str, Any]] = {}
        for r in f["requests"]:
            name = r["name"]
            stored = gov.submit(r["request"])
            assert stored.status == r["expect_status"], name
            assert stored.role == r["expect_role"], name
            actions[name] = r["request"]["action"]
            ids[name] = stored.id

        for d in f["decisions"]:
            id_ = ids[d["request"]]
            user = d["user"]
            op = d["op"]
            call: Callable[[], juno.ApprovalRequest]
            if op == "approve":
                digest = d["digest"] if d["digest"] is not None else gov.get(id_).digest
                call = lambda: gov.approve(id_, user, digest)  # noqa: E731
            elif op == "reject":
                reason = d["reason"]
                call = lambda: gov.reject(id_, user, reason)  # noqa: E731
            elif op == "cancel":
                call = lambda: gov.cancel(id_, user)  # noqa: E731
            else:
                raise AssertionError(f"unknown op {op}")
            _check(d, call)

        by_id = {v: k for k, v in ids.items()}
        for step in f["deadlines"]:
            j.set_clock(j.now() + timedelta(hours=step["advance_hours"]))
            report = gov.process_deadlines()
            assert [by_id[i] for i in report.escalated] == step["expect_escalated"], step["why"]
            assert [by_id[i] for i in report.expired] == step["expect_expired"], step["why"]

        executed: list[dict[str, Any]] = []

        def recorder(action: dict[str, Any]) -> dict[str, Any]:
            executed.append(action)
            return {"ok": True}

        for e in f["executions"]:
            name = e["request"]
            action = e["action"] if e["action"] is not None else actions[name]
            _check(e, lambda: gov.execute(ids[name], action, recorder))
        assert len(executed) == f["expect_executed_actions"]
        # The executor saw each action in the core's shape, target and parameters included.
        assert executed[0] == {**actions["priority"]}
        assert executed[1]["parameters"] == {"assignee": "ana"}

        for name, want in f["expect_final_status"].items():
            assert gov.get(ids[name]).status == want, name

        verify = j.audit.verify()
        assert verify.ok == f["expect_audit"]["ok"], verify
        counts = Counter(e.event for e in j.audit.entries(1, 10_000))
        assert dict(counts) == f["expect_audit"]["events"]
        assert len(j.audit) == j.audit.count() == sum(f["expect_audit"]["events"].values())

        compliance = gov.compliance_report()
        assert compliance.violations == f["expect_compliance"]["violations"]
        rules = [x.rule for x in compliance.findings]
        assert rules == f["expect_compliance"]["rules"], compliance.to_dict()
