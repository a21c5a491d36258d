"""juno.Governance: settings, roles, requests, the Python executor and the GIL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import juno
from juno.errors import (
    ConfigError,
    InvalidInputError,
    InvalidStateError,
    JunoError,
    NotFoundError,
    PermissionDeniedError,
)

from conftest import T0

TL = "tl.alpha@company.com"
PM = "pm@company.com"


def _request(**overrides: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "action": {
            "kind": "reassign",
            "team": "team_alpha",
            "target": "ALPHA-12",
            "parameters": {"assignee": "ana"},
        },
        "impact": "low",
        "confidence": 0.62,
        "explanation": "ALPHA-12 idle 9 days",
        "requester": "juno",
    }
    r.update(overrides)
    return r


@pytest.fixture
def j(db_path: Path) -> Iterator[juno.Juno]:
    with juno.Juno(db_path, now=T0) as engine:
        engine.governance.assign_role(TL, "TEAM_LEAD", ["team_alpha"], by="admin@company.com")
        engine.governance.assign_role(PM, "PROJECT_MANAGER", ["*"], by="admin@company.com")
        yield engine


def _approved(j: juno.Juno, **overrides: Any) -> juno.ApprovalRequest:
    r = j.governance.submit(_request(**overrides))
    j.set_clock(j.now() + timedelta(minutes=5))
    return j.governance.approve(r.id, TL, r.digest)


# ---------------------------------------------------------------- settings


def test_settings_are_passed_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOUS_ACTIONS", "true")
    high_confidence = _request(impact="medium", confidence=0.95)
    # Without settings: the defaults, whatever the environment says.
    with juno.Juno(":memory:") as plain:
        assert plain.governance.submit(high_confidence).status == "pending"
    with juno.Juno(":memory:", settings={"AUTONOMOUS_ACTIONS": "false"}) as off:
        assert off.governance.submit(high_confidence).status == "pending"
    with juno.Juno(":memory:", settings={"AUTONOMOUS_ACTIONS": "true"}) as on:
        r = on.governance.submit(high_confidence)
        assert r.status == "auto_approved" and r.decided_by == "juno"
        assert r.decision is not None and r.decision["rule"] == "auto_approval"
    # from_env still reads the environment.
    with juno.Juno.from_env(path=":memory:") as env:
        assert env.governance.submit(high_confidence).status == "auto_approved"


def test_path_wins_over_database_url_in_settings(tmp_path: Path) -> None:
    with juno.Juno(tmp_path / "a.db", settings={"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}) as j:
        assert j.path == str(tmp_path / "a.db")
    assert (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"AUTONOMOUS_ACTIONS": "perhaps"}, "AUTONOMOUS_ACTIONS"),
        ({"APPROVAL_TIMEOUT_HOURS": "-3"}, "APPROVAL_TIMEOUT_HOURS"),
        ({"NO_SUCH_SETTING": "1"}, "NO_SUCH_SETTING"),
    ],
)
def test_a_bad_setting_is_a_config_error(settings: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        juno.Juno(":memory:", settings=settings)
    assert caught.value.details["setting"] == setting
    assert setting in str(caught.value)


def test_settings_must_be_strings() -> None:
    # A bad setting, as in C (JUNO_CONFIG naming the setting): the same rule on both.
    with pytest.raises(ConfigError) as caught:
        juno.Juno(":memory:", settings={"AUTONOMOUS_ACTIONS": True})  # type: ignore[dict-item]
    assert caught.value.details["setting"] == "AUTONOMOUS_ACTIONS"
    with pytest.raises(InvalidInputError):
        juno.Juno(":memory:", settings=["AUTONOMOUS_ACTIONS"])  # type: ignore[arg-type]


# ---------------------------------------------------------------- roles


def test_roles_assign_list_revoke(j: juno.Juno) -> None:
    gov = j.governance
    gov.assign_role("ana", "team_lead", ["team_beta", "team_gamma"], by="admin@company.com")
    gov.assign_role("ana", "TEAM_LEAD", ["team_beta"], by="admin@company.com")  # no-op
    mine = gov.roles("ana")
    assert [(r.role, r.team) for r in mine] == [("TEAM_LEAD", "team_beta"), ("TEAM_LEAD", "team_gamma")]
    assert mine[0].granted_by == "admin@company.com" and mine[0].granted_at == T0
    assert mine[0].revoked_at is None and mine[0].to_dict()["role"] == "TEAM_LEAD"
    assert {r.user for r in gov.roles()} == {TL, PM, "ana"}

    assert gov.revoke_role("ana", "TEAM_LEAD", "team_beta", by="admin@company.com") == ["team_beta"]
    assert [r.team for r in gov.roles("ana")] == ["team_gamma"]
    revoked = [r for r in gov.roles("ana", include_revoked=True) if r.revoked_at is not None]
    assert [(r.team, r.revoked_by) for r in revoked] == [("team_beta", "admin@company.com")]
    assert gov.revoke_role("ana", "TEAM_LEAD", by="admin@company.com") == ["team_gamma"]
    with pytest.raises(NotFoundError):
        gov.revoke_role("ana", "TEAM_LEAD", by="admin@company.com")
    events = [e.event for e in j.audit.entries_for("user:ana")]
    assert events == ["role_assigned", "role_assigned", "role_revoked", "role_revoked"]


def test_unknown_roles_and_bad_names(j: juno.Juno) -> None:
    gov = j.governance
    with pytest.raises(InvalidInputError) as caught:
        gov.assign_role("ana", "TEAM_LAED", ["team_alpha"], by="admin")
    assert caught.value.details == {"field": "role", "reason": "unknown role `TEAM_LAED`"}
    with pytest.raises(InvalidInputError):
        gov.revoke_role("ana", "BOSS", by="admin")
    with pytest.raises(InvalidInputError):
        gov.pending(role="BOSS")
    with pytest.raises(InvalidInputError):
        gov.assign_role("ana", "TEAM_LEAD", [], by="admin")
    with pytest.raises(InvalidInputError):
        gov.assign_role("", "TEAM_LEAD", ["team_alpha"], by="admin")


# ---------------------------------------------------------------- requests


def test_submit_shapes_and_errors(j: juno.Juno) -> None:
    gov = j.governance
    r = gov.submit(_request())
    assert (r.status, r.role, r.impact, r.team) == ("pending", "TEAM_LEAD", "low", "team_alpha")
    assert r.action == _request()["action"]
    assert len(r.digest) == 64 and r.deadline is not None and r.deadline > T0
    assert r.to_dict()["action"]["parameters"] == {"assignee": "ana"}
    assert r.result is None and r.decision is None and r.executed_at is None
    assert gov.get(r.id).to_dict() == r.to_dict()
    # The digest binds to the action only: the same action, the same digest.
    assert gov.submit(_request(confidence=0.1)).digest == r.digest

    for bad, field in [
        (_request(impact="huge"), "request.impact"),
        (_request(colour="red"), "request.colour"),
        ({k: v for k, v in _request().items() if k != "requester"}, "request"),
        (_request(confidence=1.5), "confidence"),
        (_request(action={"kind": "", "team": "team_alpha"}), "action.kind"),
    ]:
        with pytest.raises(InvalidInputError) as caught:
            gov.submit(bad)
        assert caught.value.details["field"] == field, bad
    with pytest.raises(InvalidInputError):
        gov.submit("reassign")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        gov.get(999)


def test_submit_many_is_all_or_nothing(j: juno.Juno) -> None:
    gov = j.governance
    ids = gov.submit_many([_request(), _request(impact="high")])
    assert [gov.get(i).role for i in ids] == ["TEAM_LEAD", "PROJECT_MANAGER"]
    with pytest.raises(InvalidInputError) as caught:
        gov.submit_many([_request(), _request(impact="huge")])
    assert caught.value.details["field"] == "items[1].impact"
    with pytest.raises(InvalidInputError) as caught:
        gov.submit_many([_request(), _request(confidence=-1)])
    assert caught.value.details["field"] == "items[1].confidence"
    assert len(gov.pending()) == 2


def test_decisions_escalation_and_deadlines(j: juno.Juno) -> None:
    gov = j.governance
    a = gov.submit(_request())
    b = gov.submit(_request(action={"kind": "close", "team": "team_alpha", "target": "ALPHA-3"}))
    c = gov.submit(_request(requester=TL, action={"kind": "close", "team": "team_alpha"}))
    assert [r.id for r in gov.pending(role="TEAM_LEAD", team="team_alpha")] == [a.id, b.id, c.id]
    assert gov.pending(team="team_beta") == []

    j.set_clock(T0 + timedelta(hours=1))
    rejected = gov.reject(a.id, TL, "not now")
    assert (rejected.status, rejected.reason, rejected.decided_by) == ("rejected", "not now", TL)
    escalated = gov.escalate(b.id, TL, "needs a PM")
    assert (escalated.role, escalated.escalations, escalated.status) == ("PROJECT_MANAGER", 1, "pending")
    with pytest.raises(PermissionDeniedError):
        gov.approve(b.id, TL, b.digest)  # now above the team lead
    with pytest.raises(PermissionDeniedError):
        gov.cancel(c.id, PM)
    assert gov.cancel(c.id, TL).status == "cancelled"
    with pytest.raises(InvalidStateError):
        gov.cancel(c.id, TL)

    # The PM's deadline passes: escalation to ENGINEERING_MANAGER (AUTO_ESCALATION is on).
    j.set_clock(T0 + timedelta(days=30))
    report = gov.process_deadlines()
    assert report.escalated == [b.id] and report.expired == []
    assert report.to_dict() == {"escalated": [b.id], "expired": [], "lapsed": [], "reminded": []}
    assert gov.get(b.id).role == "ENGINEERING_MANAGER"
    assert gov.process_deadlines().escalated == []  # idempotent until the next deadline

    dash = j.governance.dashboard()
    assert dash.pending == {"ENGINEERING_MANAGER": {"team_alpha": 1}}
    assert dash.by_status == {"cancelled": 1, "pending": 1, "rejected": 1}
    assert dash.decided == 1 and dash.rejection_rate == 1.0 and dash.escalations == 2
    assert dash.audit_ok and dash.audit_entries == len(j.audit)
    assert dash.median_seconds_to_decision == 3600.0
    assert dash.to_dict()["by_status"] == dash.by_status


# ---------------------------------------------------------------- errors


def test_permission_denied_is_a_juno_error(j: juno.Juno) -> None:
    r = j.governance.submit(_request(requester=TL))
    with pytest.raises(JunoError) as caught:
        j.governance.approve(r.id, TL, r.digest)
    err = caught.value
    assert isinstance(err, PermissionDeniedError)
    assert err.kind == "permission_denied"
    assert "cannot decide it" in err.details["reason"]
    # The refusal is in the audit log.
    last = j.audit.entries_for(f"request:{r.id}")[-1]
    assert (last.event, last.actor, last.payload["operation"]) == ("refused", TL, "approve")


def test_a_closed_engine_refuses_governance_and_audit(db_path: Path) -> None:
    j = juno.Juno(db_path)
    gov, audit = j.governance, j.audit
    j.close()
    with pytest.raises(InvalidStateError):
        gov.pending()
    with pytest.raises(InvalidStateError):
        audit.verify()
    with pytest.raises(InvalidStateError):
        len(audit)


# ---------------------------------------------------------------- the executor


def test_execute_calls_the_executor_once_with_the_action(j: juno.Juno) -> None:
    r = _approved(j)
    calls: list[dict[str, Any]] = []

    def executor(action: dict[str, Any]) -> dict[str, Any]:
        calls.append(action)
        return {"jira": "ALPHA-12 reassigned", "n": 1}

    done = j.governance.execute(r.id, r.action, executor)
    assert done.status == "executed"
    assert done.result == {"jira": "ALPHA-12 reassigned", "n": 1}
    assert done.executed_at == j.now()
    assert calls == [r.action]
    with pytest.raises(InvalidStateError):
        j.governance.execute(r.id, r.action, executor)
    assert len(calls) == 1
    assert j.governance.compliance_report().violations == 0


def test_an_approval_lapses_after_the_execution_window(j: juno.Juno) -> None:
    calls: list[dict[str, Any]] = []
    stale = _approved(j)
    j.set_clock(j.now() + timedelta(hours=72))  # EXECUTION_WINDOW_HOURS, default 72
    with pytest.raises(InvalidStateError, match="execution window"):
        j.governance.execute(stale.id, stale.action, calls.append)
    assert calls == []
    assert j.governance.get(stale.id).status == "expired"
    events = [e.event for e in j.audit.entries_for(f"request:{stale.id}")]
    assert events[-2:] == ["request_approval_lapsed", "refused"]

    idle = _approved(j)
    j.set_clock(j.now() + timedelta(hours=72))
    report = j.governance.process_deadlines()
    assert report.lapsed == [idle.id] and report.to_dict()["lapsed"] == [idle.id]
    assert j.governance.compliance_report().violations == 0


def test_the_execution_window_is_a_setting(db_path: Path) -> None:
    with juno.Juno(db_path, now=T0, settings={"EXECUTION_WINDOW_HOURS": "2"}) as engine:
        engine.governance.assign_role(TL, "TEAM_LEAD", ["team_alpha"], by="admin@company.com")
        r = _approved(engine)
        engine.set_clock(engine.now() + timedelta(hours=2))
        with pytest.raises(InvalidStateError, match="2-hour"):
            engine.governance.execute(r.id, r.action, lambda a: None)
    with pytest.raises(ConfigError, match="EXECUTION_WINDOW_HOURS"):
        juno.Juno(db_path, settings={"EXECUTION_WINDOW_HOURS": "0"})


def test_a_quorum_from_the_config_file_needs_distinct_voters(tmp_path: Path) -> None:
    config = tmp_path / "juno.toml"
    config.write_text("[approval_rules.quorum.critical]\napprovals = 2\nrejections = 2\n")
    settings = {"JUNO_CONFIG_FILE": str(config)}
    with juno.Juno(tmp_path / "q.db", now=T0, settings=settings) as engine:
        gov = engine.governance
        for user in ("em1@company.com", "em2@company.com"):
            gov.assign_role(user, "ENGINEERING_MANAGER", ["team_alpha"], by="admin@company.com")
        r = gov.submit(_request(impact="critical"))
        first = gov.approve(r.id, "em1@company.com", r.digest)
        assert first.status == "pending", "one vote of two"
        with pytest.raises(PermissionDeniedError, match="already voted"):
            gov.approve(r.id, "em1@company.com", r.digest)
        with pytest.raises(PermissionDeniedError, match="already voted"):
            gov.reject(r.id, "em1@company.com", "changed my mind")
        with pytest.raises(PermissionDeniedError):
            gov.approve(r.id, TL, r.digest)  # not eligible: no vote recorded
        done = gov.approve(r.id, "em2@company.com", r.digest)
        assert done.status == "approved" and done.decided_by == "em2@company.com"
        votes = gov.votes(r.id)
        assert [(v.user, v.role, v.approve) for v in votes] == [
            ("em1@company.com", "ENGINEERING_MANAGER", True),
            ("em2@company.com", "ENGINEERING_MANAGER", True),
        ]
        assert votes[0].to_dict()["approve"] is True
        events = [e.event for e in engine.audit.entries_for(f"request:{r.id}")]
        assert events[1] == "request_voted" and events[-1] == "request_approved"
        with pytest.raises(NotFoundError):
            gov.votes(999)
    bad = tmp_path / "bad.toml"
    bad.write_text("[approval_rules.quorum.critical]\napprovals = 0\n")
    with pytest.raises(ConfigError, match="approval_rules.quorum.critical.approvals"):
        juno.Juno(tmp_path / "b.db", settings={"JUNO_CONFIG_FILE": str(bad)})


def test_break_glass_approves_outside_the_chain(j: juno.Juno) -> None:
    em = "em@company.com"
    j.governance.assign_role(em, "ENGINEERING_MANAGER", ["team_alpha"], by="admin@company.com")
    r = j.governance.submit(_request())
    with pytest.raises(InvalidInputError, match="reason"):
        j.governance.break_glass(r.id, em, r.digest, "")
    with pytest.raises(PermissionDeniedError):
        j.governance.break_glass(r.id, TL, r.digest, "outage")  # a TEAM_LEAD cannot
    with pytest.raises(PermissionDeniedError):
        j.governance.break_glass(r.id, em, "0" * 64, "outage")
    done = j.governance.break_glass(r.id, em, r.digest, "outage")
    assert done.status == "approved" and done.decided_by == em and done.reason == "outage"
    entry = j.audit.entries_for(f"request:{r.id}")[-1]
    assert entry.event == "request_approved" and entry.payload["break_glass"] is True
    assert entry.payload["skipped_approvers"] == [PM, TL]
    rules = [f.rule for f in j.governance.compliance_report().findings]
    assert rules.count("break_glass") == 1


def test_a_delegate_decides_for_the_delegator_within_the_delegation(j: juno.Juno) -> None:
    em = "em@company.com"
    gov = j.governance
    gov.assign_role(em, "ENGINEERING_MANAGER", ["team_alpha"], by="admin@company.com")
    critical = _request(impact="critical")
    r = gov.submit(critical)
    with pytest.raises(PermissionDeniedError):
        gov.approve(r.id, TL, r.digest)  # a TEAM_LEAD alone cannot
    week = j.now() + timedelta(days=7)
    # Refusals name the field or say who lacks what.
    with pytest.raises(InvalidInputError, match="team"):
        gov.delegate(em, TL, "*", week)
    with pytest.raises(InvalidInputError, match="until"):
        gov.delegate(em, TL, "team_alpha", j.now())
    with pytest.raises(InvalidInputError, match="until"):
        gov.delegate(em, TL, "team_alpha", j.now() + timedelta(days=91))
    with pytest.raises(InvalidInputError, match="until"):
        gov.delegate(em, TL, "team_alpha", "tomorrow")  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError, match="widens"):
        gov.delegate(em, "outsider@company.com", "team_alpha", week)
    d = gov.delegate(em, TL, "team_alpha", week)
    assert (d.delegator, d.delegate, d.team, d.until) == (em, TL, "team_alpha", week)
    assert d.to_dict()["revoked_at"] is None and "Delegation(" in repr(d)
    with pytest.raises(InvalidStateError):
        gov.delegate(em, TL, "team_alpha", week)

    done = gov.approve(r.id, TL, r.digest)
    assert done.status == "approved" and done.decided_by == TL and done.on_behalf_of == em
    entry = j.audit.entries_for(f"request:{r.id}")[-1]
    assert entry.payload["on_behalf_of"] == em and entry.payload["delegation"] == d.id
    # Never a request the delegator made.
    own = gov.submit({**critical, "requester": em})
    with pytest.raises(PermissionDeniedError):
        gov.approve(own.id, TL, own.digest)

    assert [x.id for x in gov.delegations(TL)] == [d.id]
    with pytest.raises(PermissionDeniedError):
        gov.revoke_delegation(d.id, by=TL)
    revoked = gov.revoke_delegation(d.id, by=em)
    assert revoked.revoked_by == em and revoked.revoked_at is not None
    with pytest.raises(InvalidStateError):
        gov.revoke_delegation(d.id, by=em)
    with pytest.raises(NotFoundError):
        gov.revoke_delegation(999, by=em)
    later = gov.submit(critical)
    with pytest.raises(PermissionDeniedError):
        gov.approve(later.id, TL, later.digest)
    assert gov.delegations() == [] and len(gov.delegations(include_inactive=True)) == 1
    report = gov.compliance_report()
    assert report.violations == 0
    assert [f.message for f in report.findings if f.rule == "delegated_decision"] == [
        f"approved by `{TL}` for `{em}` under delegation {d.id}"
    ]


def test_reminders_and_the_fallback_approver(tmp_path: Path) -> None:
    config = tmp_path / "juno.toml"
    config.write_text("[approval_rules]\nreminder_hours_before = [3.0, 1.0]\n")
    settings = {"JUNO_CONFIG_FILE": str(config), "FALLBACK_APPROVER": "cto@company.com"}
    with juno.Juno(tmp_path / "r.db", now=T0, settings=settings) as engine:
        gov = engine.governance
        gov.assign_role(TL, "TEAM_LEAD", ["team_alpha"], by="admin@company.com")
        # Nobody holds ENGINEERING_MANAGER (4 h): reminders at 1 h and 3 h go to the fallback.
        r = gov.submit(_request(impact="critical"))
        engine.set_clock(engine.now() + timedelta(hours=1))
        report = gov.process_deadlines()
        assert [(x.request, x.role, x.recipients, x.number, x.of) for x in report.reminded] == [
            (r.id, "ENGINEERING_MANAGER", ["cto@company.com"], 1, 2)
        ]
        assert report.reminded[0].deadline == T0 + timedelta(hours=4)
        assert report.to_dict()["reminded"][0]["recipients"] == ["cto@company.com"]
        assert gov.process_deadlines().reminded == []
        assert gov.get(r.id).reminders == 1
        with pytest.raises(PermissionDeniedError):
            gov.approve(r.id, TL, r.digest)
        done = gov.approve(r.id, "cto@company.com", r.digest)
        assert done.status == "approved" and done.decided_by == "cto@company.com"
        assert engine.audit.entries_for(f"request:{r.id}")[-1].payload["fallback"] is True
        # Someone can decide a low-impact request: the fallback may not.
        low = gov.submit(_request())
        with pytest.raises(PermissionDeniedError):
            gov.approve(low.id, "cto@company.com", low.digest)
        rules = [f.rule for f in gov.compliance_report().findings]
        assert rules.count("fallback_decision") == 1


def test_automation_levels_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "juno.toml"
    config.write_text(
        'autonomous_actions = true\n[automation]\ndefault = "approve"\n'
        '[automation.teams.team_alpha]\nlevel = "auto"\nkinds = { close = "suggest", reopen = "off" }\n'
    )
    with juno.Juno(tmp_path / "a.db", now=T0, settings={"JUNO_CONFIG_FILE": str(config)}) as engine:
        gov = engine.governance
        sure = {"confidence": 0.99}
        assert gov.submit(_request(**sure)).status == "auto_approved"
        beta = _request(**sure, action={"kind": "reassign", "team": "team_beta", "target": "B-1"})
        assert gov.route(beta)["automation"] == "approve"
        assert gov.submit(beta).status == "pending"
        close = {"kind": "close", "team": "team_alpha", "target": "ALPHA-12"}
        s = gov.submit(_request(**sure, action=close))
        assert s.status == "suggested" and s.deadline is None
        with pytest.raises(InvalidStateError):
            gov.execute(s.id, s.action, lambda a: None)
        with pytest.raises(PermissionDeniedError, match="automation is `off`"):
            gov.submit(_request(action={"kind": "reopen", "team": "team_alpha", "target": "A-1"}))
    with pytest.raises(ConfigError, match="AUTOMATION_LEVEL"):
        juno.Juno(":memory:", settings={"AUTOMATION_LEVEL": "sometimes"})


def test_a_shadow_policy_reports_what_it_would_change(tmp_path: Path) -> None:
    config = tmp_path / "juno.toml"
    config.write_text('autonomous_actions = true\n[shadow]\nauto_approve_levels = ["low"]\n')
    with juno.Juno(tmp_path / "s.db", now=T0, settings={"JUNO_CONFIG_FILE": str(config)}) as engine:
        gov = engine.governance
        live = gov.submit(_request(impact="medium", confidence=0.95))
        assert live.status == "auto_approved"  # the shadow is log-only
        report = gov.shadow_report()
        assert report.requests == 1 and report.sent_to_person == 1
        assert report.changed == [{
            "request": live.id, "team": "team_alpha", "kind": "reassign", "impact": "medium",
            "confidence": 0.95, "live": "auto_approved", "shadow": "person", "person": None,
        }]  # fmt: skip
        assert report.policy["auto_approve_levels"] == ["low"]
        assert report.to_dict()["auto_approve_rejected"] == 0
        rules = [f.rule for f in gov.compliance_report().findings]
        assert rules == ["shadow_divergence"]
    with juno.Juno(":memory:") as plain, pytest.raises(InvalidStateError, match="shadow"):
        plain.governance.shadow_report()


def test_an_executor_that_raises_ends_execution_failed(j: juno.Juno) -> None:
    r = _approved(j)

    def broken(action: dict[str, Any]) -> object:
        raise RuntimeError("jira is down")

    failed = j.governance.execute(r.id, r.action, broken)  # does not raise
    assert failed.status == "execution_failed"
    assert failed.result == {"error": "RuntimeError: jira is down"}
    events = [e.event for e in j.audit.entries_for(f"request:{r.id}")]
    assert events[-2:] == ["request_executing", "request_execution_failed"]
    # Exactly once, failure included.
    with pytest.raises(InvalidStateError):
        j.governance.execute(r.id, r.action, lambda a: None)
    # The engine is fine.
    again = _approved(j, action={"kind": "close", "team": "team_alpha", "target": "ALPHA-1"})
    assert j.governance.execute(again.id, again.action, lambda a: "closed").result == "closed"
    assert j.audit.verify().ok


def test_a_wrong_action_is_refused_before_the_executor_runs(j: juno.Juno) -> None:
    r = _approved(j)
    calls: list[dict[str, Any]] = []
    other = {**r.action, "parameters": {"assignee": "eve"}}
    with pytest.raises(PermissionDeniedError):
        j.governance.execute(r.id, other, calls.append)
    with pytest.raises(InvalidInputError):
        j.governance.execute(r.id, {"kind": "reassign"}, calls.append)
    with pytest.raises(InvalidInputError):
        j.governance.execute(r.id, r.action, "not callable")  # type: ignore[arg-type]
    assert calls == []
    assert j.governance.get(r.id).status == "approved"  # not claimed


def test_pending_requests_never_execute(j: juno.Juno) -> None:
    r = j.governance.submit(_request())
    with pytest.raises(InvalidStateError):
        j.governance.execute(r.id, r.action, lambda a: None)
    assert j.governance.get(r.id).status == "pending"


@pytest.mark.parametrize(
    ("returned", "recorded"),
    [(None, None), ([1, "two"], [1, "two"]), (object, "<class 'object'>")],
)
def test_any_return_value_is_recorded(j: juno.Juno, returned: object, recorded: object) -> None:
    r = _approved(j)
    done = j.governance.execute(r.id, r.action, lambda a: returned)
    assert done.status == "executed"
    assert done.result == recorded


def test_keyboard_interrupt_is_recorded_then_re_raised(j: juno.Juno) -> None:
    r = _approved(j)

    def interrupted(action: dict[str, Any]) -> object:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        j.governance.execute(r.id, r.action, interrupted)
    after = j.governance.get(r.id)
    assert after.status == "execution_failed"
    assert after.result == {"error": "KeyboardInterrupt"}


def test_the_executor_can_use_the_engine(j: juno.Juno) -> None:
    r = _approved(j)
    seen: list[str] = []

    def executor(action: dict[str, Any]) -> object:
        seen.append(j.governance.get(r.id).status)
        j.memory.store("episodic", action["team"], f"reassigned {action['target']}")
        return len(j.audit)

    done = j.governance.execute(r.id, r.action, executor)
    assert seen == ["executing"]
    assert done.status == "executed" and isinstance(done.result, int)
    assert [h.memory.text for h in j.memory.recall("reassigned")] == ["reassigned ALPHA-12"]


def test_concurrent_executions_run_the_action_once(j: juno.Juno) -> None:
    r = _approved(j)
    calls: list[str] = []
    inside = threading.Event()
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def slow(action: dict[str, Any]) -> object:
        calls.append(threading.current_thread().name)
        inside.set()
        assert release.wait(timeout=30)
        return {"ok": True}

    def run(name: str) -> None:
        try:
            outcomes[name] = j.governance.execute(r.id, r.action, slow).status
        except JunoError as e:
            outcomes[name] = e

    first = threading.Thread(target=run, args=("first",), name="first")
    first.start()
    assert inside.wait(timeout=30)
    # The executor is running: the engine is not locked meanwhile ...
    assert j.governance.get(r.id).status == "executing"
    assert j.audit.verify().ok
    # ... and a second execution is refused without calling the executor.
    second = threading.Thread(target=run, args=("second",), name="second")
    second.start()
    second.join(timeout=30)
    release.set()
    first.join(timeout=30)
    assert not first.is_alive() and not second.is_alive()
    assert outcomes["first"] == "executed"
    assert isinstance(outcomes["second"], InvalidStateError)
    assert calls == ["first"]


def test_many_threads_execute_each_request_once(j: juno.Juno) -> None:
    """24 threads race to execute 8 requests (GIL released in the core): each runs once."""
    requests = [
        _approved(j, action={"kind": "close", "team": "team_alpha", "target": f"ALPHA-{i}"})
        for i in range(8)
    ]
    calls: list[str] = []
    lock = threading.Lock()

    def executor(action: dict[str, Any]) -> object:
        with lock:
            calls.append(action["target"])
        return action["target"]

    refused: list[InvalidStateError] = []

    def run(r: juno.ApprovalRequest) -> None:
        try:
            j.governance.execute(r.id, r.action, executor)
        except InvalidStateError as e:
            with lock:
                refused.append(e)

    threads = [threading.Thread(target=run, args=(r,)) for r in requests for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(calls) == sorted(f"ALPHA-{i}" for i in range(8))
    assert len(refused) == 16
    assert all(j.governance.get(r.id).status == "executed" for r in requests)
    assert j.audit.verify().ok


def test_triage_proposals_become_pending_requests(j: juno.Juno) -> None:
    ticket = {"key": "ALPHA-1", "team": "team_alpha", "priority": "Highest", "assignee": None,
              "updated": T0 - timedelta(days=20), "blocked": True}  # fmt: skip
    proposals = j.triage.scan([ticket])
    assert proposals[0].action == "escalate"
    # Objects from scan and dicts in their shape are both accepted.
    requests = j.triage.propose([proposals[0], proposals[0].to_dict()], "juno")
    assert [r.status for r in requests] == ["pending", "pending"]
    assert requests[0].action["kind"] == "triage.escalate"
    assert requests[0].action["target"] == "ALPHA-1"
    with pytest.raises(InvalidInputError) as caught:
        j.triage.propose([{**proposals[0].to_dict(), "impact": "huge"}], "juno")
    assert caught.value.details["field"] == "proposals[0].impact"
    assert len(j.governance.pending()) == 2
