"""Evaluations: the code behind ``juno eval``.

``sprint_risk`` and ``triage`` replay real Jira data; ``learning`` runs the simulated
organisation's year with approvers who decide by hidden preferences. Each function runs in the Rust core (with the GIL released) and return an
:class:`EvalResult`: the report as a dictionary (every number the core computed, saved
unchanged by ``--json``) and the table exactly as the core renders it.

>>> from juno.eval import sprint_risk
>>> r = sprint_risk("tse2017_iterations.csv", issues="tse2017_issue_features_t30.csv",
...                 protocol="forward")                              # doctest: +SKIP
>>> print(r.table)                                                   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from juno import _juno

PROTOCOLS = ("paper-cv", "forward", "sprint-cv", "rolling")
"""``paper-cv``: the TSE2017 paper's 10-fold interleaved CV; ``forward``: oldest 70% →
newest 30%; ``sprint-cv``: 10 folds with every board's copy of a sprint in one fold;
``rolling``: sprint by sprint in time order, each block of 10 sprints predicted by a model
trained on every earlier sprint (the deployment setting)."""


@dataclass(frozen=True)
class EvalResult:
    """One evaluation's report (``report``) and its rendered table (``table``)."""

    report: dict[str, Any]
    table: str

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what ``--json`` writes)."""
        return self.report


def sprint_risk(
    iterations: str | os.PathLike[str],
    *,
    issues: str | os.PathLike[str] | None = None,
    protocol: str = "paper-cv",
    pred_time_pct: int = 30,
    delivered_ratio: float = 0.8,
    memberships: str | os.PathLike[str] | None = None,
    recalibration: str = "none",
    plot: str | os.PathLike[str] | None = None,
) -> EvalResult:
    """Evaluates the sprint-risk models on a TSE2017- or Porru8-schema sprint file.

    ``recalibration`` (``none``, ``isotonic``, ``platt`` or ``blend`` — with the team's
    trailing rate —; the ``rolling`` protocol only) maps the delivery probabilities through
    a calibration fitted, for each block, on the earlier blocks' predictions and outcomes;
    ``blend`` is the product's own calibration. Under ``rolling`` the report also gives how
    often the delivered points fell inside the simulated and the corrected P10–P90.

    ``plot`` names a directory to write SVG pictures into: a reliability diagram per
    project and pooled, and under ``rolling`` the interval coverage.

    For Porru8, ``issues`` (``porru8_issues.csv``) with ``memberships``
    (``porru8_issue_sprints.csv``) rebuild each sprint at the prediction time from its
    issues' resolutions; without them the prediction is at sprint start.

    Raises :class:`juno.errors.InvalidInputError` naming the file (and line) for a file
    that is missing, has the wrong columns or a bad value, and for an unknown protocol.
    """
    text, table = _juno.eval_sprint_risk(
        os.fspath(iterations),
        None if issues is None else os.fspath(issues),
        protocol,
        pred_time_pct,
        delivered_ratio,
        None if memberships is None else os.fspath(memberships),
        recalibration,
        None if plot is None else os.fspath(plot),
    )
    report: dict[str, Any] = json.loads(text)
    return EvalResult(report=report, table=table)


def triage(
    issues: str | os.PathLike[str],
    events: str | os.PathLike[str],
    *,
    step_days: int = 14,
    horizon_days: int = 30,
    assume_estimated: bool = False,
) -> EvalResult:
    """Replays MSR2015-schema issue histories through triage and scores the proposals
    against what later happened to each ticket."""
    text, table = _juno.eval_triage(
        os.fspath(issues), os.fspath(events), step_days, horizon_days, assume_estimated
    )
    report: dict[str, Any] = json.loads(text)
    return EvalResult(report=report, table=table)


ARMS = ("no_learning", "juno", "oracle")
"""The learning experiment's arms: learning off (and no cooldown after a rejection); JUNO
as built; and JUNO with a veto that knows the hidden preferences (the ceiling)."""


def learning(
    *,
    approvers: str | os.PathLike[str] | None = None,
    days: int | None = None,
    teams: int | None = None,
    arms: list[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
) -> EvalResult:
    """Runs the learning experiment: a simulated organisation's year of agent cycles, with
    approvers who decide by hidden per-team preferences that JUNO is never told.

    ``approvers`` is an approvers file (TOML; :func:`default_approvers` returns the shipped
    one, which documents every field); ``days`` and ``teams`` override the file's
    organisation; ``arms`` chooses among :data:`ARMS` (all three by default); ``plot``
    names a directory to write ``learning.svg``, the weekly acceptance curves, into.

    Raises :class:`juno.errors.InvalidInputError` naming the field for a malformed file
    (``rule[2].action``), an unreadable one (``approvers``) or an unknown arm (``arms``).
    """
    text, table = _juno.eval_learning(
        None if approvers is None else os.fspath(approvers),
        days,
        teams,
        arms,
        None if plot is None else os.fspath(plot),
    )
    report: dict[str, Any] = json.loads(text)
    return EvalResult(report=report, table=table)


def default_approvers() -> str:
    """The shipped approvers file of :func:`learning`, with its comments."""
    return _juno.learning_default_approvers()
