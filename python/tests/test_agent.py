"""The agent cycle from Python: sources, run_cycle with the recording executor and with a
Python callable, dry runs, reverts, and bad input named by field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import juno
from juno.errors import ConfigError, InvalidInputError, InvalidStateError, NotFoundError

SIM = {"teams": 2, "sprints": 10, "backlog_per_team": 10}
OPTIONS = {"triage": {"max_proposals": 200}}


def _open(tmp_path: Path, sim: juno.SimSource) -> juno.Juno:
    return juno.Juno(tmp_path / "juno.db", now=sim.end)


def _approve(j: juno.Juno, proposal: dict[str, Any], who: str = "lea") -> int:
    rid: int = proposal["request_id"]
    request = j.governance.get(rid)
    j.governance.assign_role(who, request.role, [proposal["team"]], by="admin")
    j.governance.approve(rid, who, request.digest)
    return rid


def test_a_cycle_syncs_analyses_and_proposes(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)
    with _open(tmp_path, sim) as j:
        report = j.agent.run_cycle(source=sim, options=OPTIONS)
        assert report["sync"]["source"] == sim.name == "sim:7"
        assert report["sync"]["stored"]["teams"] == 2
        assert report["seen"]["active_sprints"] == 2
        assert [t["team"] for t in report["teams"]] == ["alpha", "beta"]
        assert len(report["risks"]) == 2
        assert 0.0 <= report["risks"][0]["p_deliver_80"] <= 1.0
        assert report["proposals"], "the simulated organisation has stale work"
        for p in report["proposals"]:
            assert p["status"] == "pending" and p["request_id"] is not None
            assert p["writes"] and all("op" in w and "key" in w for w in p["writes"])
        assert sum(report["waiting"].values()) == len(report["proposals"])
        assert report["learned"]["sprints_recorded"] == 2 * 10
        assert set(report["timings_ms"]) == {"observe", "analyze", "decide", "govern", "act", "learn"}
        # The store holds what was synced; the cycle's report is stored too.
        snap = j.source.snapshot()
        assert {t for t in snap["teams"]} == {"alpha", "beta"}
        state = j.source.state(sim.name)
        assert state is not None and state["syncs"] == 1 and state["last_error"] is None
        assert j.agent.cycles(5)[0]["cycle"] == report["cycle"]
        assert j.audit.verify().ok
        # No person has decided yet: no calibration map, every confidence is the raw score.
        assert j.agent.confidence_calibrations() == []
        first = report["proposals"][0]
        request = j.governance.get(first["request_id"])
        assert request.calibration is None and first["calibration"] is None
        assert request.raw_confidence == request.confidence == first["confidence"]


def test_a_python_executor_runs_each_approved_action_once(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)
    calls: list[dict[str, Any]] = []

    def executor(action: dict[str, Any]) -> dict[str, Any]:
        calls.append(action)
        return {"done": True}

    with _open(tmp_path, sim) as j:
        first = j.agent.run_cycle(source=sim, executor=executor, options=OPTIONS)
        assert calls == []
        proposal = first["proposals"][0]
        rid = _approve(j, proposal)
        j.set_clock(sim.end + timedelta(hours=1))
        second = j.agent.run_cycle(executor=executor, options=OPTIONS)
        assert [c["target"] for c in calls] == [proposal["target"]]
        assert calls[0]["parameters"]["writes"] == proposal["writes"]
        assert [e["request_id"] for e in second["executed"]] == [rid]
        assert j.governance.get(rid).status == "executed"
        # Nothing runs twice, and nothing decided is proposed again.
        third = j.agent.run_cycle(executor=executor, options=OPTIONS)
        assert len(calls) == 1 and third["executed"] == []
        assert third["proposals"] == []
        # The outbox recorded the approved writes as what changed.
        record = j.executor.record(rid)
        assert record is not None and record["ok"] is True
        assert record["changes"] == proposal["writes"]


def test_a_failing_executor_is_recorded_not_raised(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)

    def broken(action: dict[str, Any]) -> None:
        raise RuntimeError("jira is down")

    with _open(tmp_path, sim) as j:
        first = j.agent.run_cycle(source=sim, options=OPTIONS)
        rid = _approve(j, first["proposals"][0])
        report = j.agent.run_cycle(executor=broken, options=OPTIONS)
        assert [f["request_id"] for f in report["failed"]] == [rid]
        assert "jira is down" in report["failed"][0]["detail"]["error"]
        assert j.governance.get(rid).status == "execution_failed"


def test_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)
    with _open(tmp_path, sim) as j:
        j.source.sync(sim)
        entries = len(j.audit)
        dry = j.agent.run_cycle(dry_run=True, options=OPTIONS)
        assert dry["dry_run"] is True and dry["cycle"] is None
        assert dry["proposals"] and all(p["request_id"] is None for p in dry["proposals"])
        assert len(j.audit) == entries
        assert j.governance.pending() == []
        assert j.agent.cycles() == []


def test_an_executed_action_is_reverted_through_governance(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)
    with _open(tmp_path, sim) as j:
        first = j.agent.run_cycle(source=sim, options=OPTIONS)
        proposal = next(
            p for p in first["proposals"] if any(w["op"] != "comment" for w in p["writes"])
        )
        rid = _approve(j, proposal)
        j.agent.run_cycle(options=OPTIONS)
        revert = j.executor.propose_revert(rid, "ops")
        assert revert.status == "pending" and revert.action["kind"] == "revert"
        j.governance.assign_role("boss", revert.role, ["*"], by="admin")
        j.governance.approve(revert.id, "boss", revert.digest)
        after = j.agent.run_cycle(options=OPTIONS)
        assert revert.id in [e["request_id"] for e in after["executed"]]
        record = j.executor.record(rid)
        assert record is not None and record["reverted_by"] == revert.id
        with pytest.raises(InvalidStateError):
            j.executor.propose_revert(rid, "ops")
        with pytest.raises(NotFoundError):
            j.executor.propose_revert(10_000, "ops")


def test_bad_input_is_named(tmp_path: Path) -> None:
    sim = juno.SimSource(SIM)
    with _open(tmp_path, sim) as j:
        with pytest.raises(InvalidInputError) as e:
            j.agent.run_cycle(options={"cooldown_days": -1})
        assert e.value.details["field"] == "options.cooldown_days"
        with pytest.raises(InvalidInputError) as e:
            j.agent.run_cycle(options={"dry_rnu": True})
        assert "dry_rnu" in str(e.value)
        with pytest.raises(InvalidInputError) as e:
            j.agent.run_cycle(source="jira")  # type: ignore[arg-type]
        assert e.value.details["field"] == "source"
        with pytest.raises(InvalidInputError) as e:
            j.agent.run_cycle(executor=42)  # type: ignore[arg-type]
        assert e.value.details["field"] == "executor"
        with pytest.raises(InvalidInputError) as e:
            j.source.store("host", {"now": "2026-01-05T00:00:00Z", "tickets": [{"key": "", "team": "a"}]})
        assert e.value.details["field"] == "tickets[0].key"
        assert j.source.snapshot()["tickets"] == []
    with pytest.raises(InvalidInputError) as e:
        juno.SimSource({"teams": 0})
    assert e.value.details["field"] == "settings.teams"


def test_jira_settings_are_checked_and_the_token_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    good = {
        "base_url": "https://acme.atlassian.net",
        "email": "bot@acme.test",
        "token": "s3cr3t-token",
        "projects": ["ALPHA"],
    }
    src = juno.JiraSource(good)
    assert "s3cr3t" not in repr(src)
    assert src.name.startswith("jira:")
    with pytest.raises(ConfigError) as e:
        juno.JiraSource({**good, "base_url": "ftp://acme"})
    assert e.value.details["setting"] == "jira.base_url"
    with pytest.raises(ConfigError):
        juno.JiraSource({**good, "projects": []})
    # From the environment, as the CLI reads it.
    for k in ("JIRA_URL", "JIRA_USERNAME", "JIRA_API_TOKEN", "JIRA_PROJECTS", "JIRA_FLAVOR"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(ConfigError):
        juno.JiraSource()
    monkeypatch.setenv("JIRA_URL", "https://acme.atlassian.net")
    monkeypatch.setenv("JIRA_USERNAME", "bot@acme.test")
    monkeypatch.setenv("JIRA_API_TOKEN", "env-token")
    monkeypatch.setenv("JIRA_PROJECTS", "ALPHA, BETA")
    assert "env-token" not in repr(juno.JiraSource())
    monkeypatch.setenv("JIRA_FLAVOR", "on-prem")
    with pytest.raises(ConfigError) as e:
        juno.JiraExecutor()
    assert e.value.details["setting"] == "JIRA_FLAVOR"


def test_an_unreachable_jira_is_a_remote_error_and_stores_nothing(tmp_path: Path) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    src = juno.JiraSource(
        {
            "base_url": "http://127.0.0.1:9",
            "email": "bot@acme.test",
            "token": "t0k",
            "projects": ["ALPHA"],
            "max_retries": 1,
            "backoff_ms": 1,
            "timeout_secs": 2,
        }
    )
    with juno.Juno(tmp_path / "juno.db") as j:
        with pytest.raises(juno.errors.RemoteError) as e:
            j.source.sync(src)
        assert e.value.details["service"] == "jira"
        assert "t0k" not in str(e.value)
        state = j.source.state(src.name)
        assert state is not None and state["last_success"] is None and state["last_error"]
        assert j.source.snapshot()["tickets"] == []
