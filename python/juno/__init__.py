"""JUNO: governed, explainable automation of agile delivery.

Quick start::

    import juno
    from datetime import datetime, timezone

    with juno.Juno(":memory:", now=datetime(2026, 1, 1, tzinfo=timezone.utc)) as j:
        j.memory.store("semantic", "team_alpha", "alpha splits stories above 8 points")
        for hit in j.memory.recall("split stories", team="team_alpha"):
            print(hit.memory.text)
            print(hit.explain())

Governance and the audit log::

    with juno.Juno("juno.db", settings={"AUTONOMOUS_ACTIONS": "true"}) as j:
        j.governance.assign_role("lead@company.com", "TEAM_LEAD", ["team_alpha"], by="admin")
        r = j.governance.submit({
            "action": {"kind": "reassign", "team": "team_alpha", "target": "ALPHA-12",
                       "parameters": {"assignee": "ana"}},
            "impact": "low", "confidence": 0.62, "requester": "juno",
        })
        r = j.governance.approve(r.id, "lead@company.com", r.digest)
        j.governance.execute(r.id, r.action, lambda action: {"done": True})
        assert j.audit.verify().ok

The engines::

    with juno.Juno(":memory:") as j:
        c = j.reasoning.confidence({"completeness": 1.0, "observations": 5},
                                   team="team_alpha", action="reassign")
        print(c.explain("verbose"))
        print(j.velocity.analyze([{"sprint": "s1", "committed": 30, "delivered": 28},
                                  {"sprint": "s2", "committed": 30, "delivered": 31}]).explain())
        for p in j.triage.scan(tickets):
            print(p.action, p.key, p.urgency, float(p.confidence))
        j.forecast.monte_carlo({"committed": 40, "done": 10, "days_remaining": 5, "planned_days": 10,
                                "daily_throughput": [2, 3, 5], "trials": 10000,
                                "seed": 7}).p50

Sprint forecasts and flow::

    with juno.Juno("juno.db") as j:
        state = {"team": "alpha", "sprint": "S7", "committed_points": 30, "done_points": 18,
                 "days_elapsed": 6, "days_planned": 10}
        history = {"sprints": [{"committed_points": 30, "delivered_points": 27, "days": 10}]}
        f = j.forecast.sprint(state, history)
        print(f.p_deliver_80, f.level, [r.category for r in f.recommendations])
        print(f.explain("verbose"))
        j.forecast.record({"state": state, "history": history, "delivered_points": 27,
                           "ended_at": datetime(2026, 1, 9, tzinfo=timezone.utc)})
        j.forecast.retrain()        # from 30 recorded sprints on: model v1
        report = j.flow.analyze({"tickets": tickets})
        print(report.teams["alpha"].bottleneck)

The names are the Rust core's (``Memories`` / ``Memory``, ``Forecaster``, ``Factor``,
``set_clock``, :mod:`juno.eval`); the old names ``MemoryRecord``, ``Forecast``,
``ConfidenceFactor``, ``ScoreComponent``, ``monte_carlo``, ``Juno.set_time`` and ``juno.evaluation`` still work
for one release and warn (``DeprecationWarning``).

The classes are native (``juno._juno``, built from the Rust core); errors are the
:mod:`juno.errors` hierarchy; ``juno`` on the command line is :mod:`juno.cli`.
"""

import warnings
from collections.abc import Callable
from typing import Any

from juno import errors, log
from juno._juno import (
    Agent,
    ApprovalRequest,
    Audit,
    AuditEntry,
    Calibration,
    CategoryScore,
    Checkpoint,
    ComplianceFinding,
    ComplianceReport,
    Confidence,
    ConsistencyProof,
    ConsistencyReport,
    DeadlineReport,
    Executions,
    Notifications,
    Wording,
    ExportSource,
    ExportSummary,
    Flow,
    FlowReport,
    Factor,
    Forecaster,
    Governance,
    GovernanceDashboard,
    HistoryEntry,
    InclusionProof,
    IntegrityReport,
    RestoreReport,
    JiraExecutor,
    JiraSource,
    Juno,
    Memories,
    Memory,
    MemorySnapshot,
    MemoryStats,
    MonteCarloResult,
    OutcomeLearned,
    Pattern,
    Provenance,
    Reasoning,
    RecallHit,
    Recommendation,
    RetrainReport,
    RiskModel,
    RoleAssignment,
    Scope,
    ScoreExplanation,
    SignedCheckpoint,
    SimSource,
    Sources,
    SprintForecast,
    SprintObservation,
    TeamFlow,
    TeamPreference,
    TermContribution,
    Triage,
    TriageProposal,
    Velocity,
    VelocityReport,
    VerifyReport,
    Vote,
    Delegation,
    Reminder,
    ShadowReport,
    __version__,
)
from juno.errors import JunoError

__all__ = [
    "Agent",
    "ApprovalRequest",
    "Audit",
    "AuditEntry",
    "Calibration",
    "CategoryScore",
    "Checkpoint",
    "ComplianceFinding",
    "ComplianceReport",
    "Confidence",
    "ConsistencyProof",
    "ConsistencyReport",
    "DeadlineReport",
    "Executions",
    "Notifications",
    "Wording",
    "ExportSource",
    "ExportSummary",
    "Flow",
    "FlowReport",
    "Factor",
    "Forecaster",
    "Governance",
    "GovernanceDashboard",
    "HistoryEntry",
    "InclusionProof",
    "IntegrityReport",
    "RestoreReport",
    "JiraExecutor",
    "JiraSource",
    "Juno",
    "JunoError",
    "Memories",
    "Memory",
    "MemorySnapshot",
    "MemoryStats",
    "MonteCarloResult",
    "OutcomeLearned",
    "Pattern",
    "Provenance",
    "Reasoning",
    "RecallHit",
    "Recommendation",
    "RetrainReport",
    "RiskModel",
    "RoleAssignment",
    "Scope",
    "ScoreExplanation",
    "SignedCheckpoint",
    "SimSource",
    "Sources",
    "SprintForecast",
    "SprintObservation",
    "TeamFlow",
    "TeamPreference",
    "TermContribution",
    "Triage",
    "TriageProposal",
    "Velocity",
    "VelocityReport",
    "VerifyReport",
    "Vote",
    "Delegation",
    "Reminder",
    "ShadowReport",
    "__version__",
    "errors",
    "log",
]

# The old names, for one release (the renames are listed in CHANGELOG.md).
_DEPRECATED: dict[str, tuple[str, Callable[[], Any]]] = {
    "MemoryRecord": ("Memory", lambda: Memory),
    "Forecast": ("Forecaster", lambda: Forecaster),
    "ConfidenceFactor": ("Factor", lambda: Factor),
    "ScoreComponent": ("Factor", lambda: Factor),
    "monte_carlo": ("Juno.forecast.monte_carlo", lambda: _juno_monte_carlo),
}


def _juno_monte_carlo(input: Any) -> MonteCarloResult:
    from juno import _juno

    return _juno.monte_carlo(input)


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new, get = _DEPRECATED[name]
        warnings.warn(
            f"juno.{name} is deprecated: use {new} (the name in Rust and C)",
            DeprecationWarning,
            stacklevel=2,
        )
        return get()
    raise AttributeError(f"module 'juno' has no attribute {name!r}")
