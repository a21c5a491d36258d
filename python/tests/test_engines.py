"""The engines from Python: reasoning, velocity, triage and the Monte Carlo simulation.

Replays tests/fixtures/engines_fixture.json as juno-core/tests/engines_fixture.rs and
tests/c/test_engines.c do (the three surfaces must agree), then checks what only Python
has: typed results, datetime inputs, iterables, and errors raised as juno.errors classes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

import juno
from juno.errors import InvalidInputError, InvalidStateError

from conftest import REPO, case_names, check_error, check_explain, mismatch

FIXTURE: dict[str, Any] = json.loads(
    (REPO / "tests" / "fixtures" / "engines_fixture.json").read_text(encoding="utf-8")
)
TOLERANCE: float = FIXTURE["tolerance"]
NOW = datetime.fromtimestamp(FIXTURE["now_ms"] / 1000, tz=timezone.utc)
REASONING = FIXTURE["reasoning"]
VELOCITY = FIXTURE["velocity"]
TRIAGE = FIXTURE["triage"]
MONTE_CARLO = FIXTURE["monte_carlo"]


def _check(case: dict[str, Any], got: Any, want: Any) -> None:
    tol = 0.0 if case.get("exact") else TOLERANCE
    assert mismatch(got, want, tol) is None, f"{case['name']}: {mismatch(got, want, tol)}"


def _pairs(groups: list[dict[str, Any]]) -> list[tuple[float, bool]]:
    out: list[tuple[float, bool]] = []
    for g in groups:
        out += [(g["confidence"], True)] * g["right"] + [(g["confidence"], False)] * g["wrong"]
    return out


@pytest.fixture
def engine() -> Iterator[juno.Juno]:
    """An in-memory engine at the fixture's time, holding its recorded outcomes."""
    with juno.Juno(":memory:", now=NOW) as j:
        for o in FIXTURE["outcomes"]:
            for outcome in ("approved", "rejected"):
                for _ in range(o.get(outcome, 0)):
                    j.memory.record_outcome(o["team"], o["action"], outcome)
        yield j


def _calibrations(j: juno.Juno) -> dict[str, juno.Calibration]:
    return {c["name"]: j.reasoning.calibrate(_pairs(c["groups"])) for c in REASONING["calibrate"]}


def _confidence(
    j: juno.Juno, case: dict[str, Any], calibrations: dict[str, juno.Calibration]
) -> juno.Confidence:
    calibration = case.get("calibration")
    return j.reasoning.confidence(
        case["evidence"],
        case.get("team"),
        case.get("action"),
        calibration=calibrations[calibration] if isinstance(calibration, str) else calibration,
    )


# ------------------------------------------------------------------------- reasoning


@pytest.mark.parametrize("case", REASONING["calibrate"], ids=case_names(REASONING["calibrate"]))
def test_calibrate_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    cal = engine.reasoning.calibrate(_pairs(case["groups"]))
    _check(case, cal.to_dict(), case["expect"])
    assert cal.outcomes == case["expect"]["outcomes"]
    assert cal.is_fitted == (len(case["expect"]["blocks"]) > 0)
    assert [list(b) for b in cal.blocks] == cal.to_dict()["blocks"]


@pytest.mark.parametrize("case", REASONING["confidence"], ids=case_names(REASONING["confidence"]))
def test_confidence_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    c = _confidence(engine, case, _calibrations(engine))
    _check(case, c.to_dict(), case["expect"])
    check_explain(case, c.explain)
    # The typed object says what its dict says.
    d = c.to_dict()
    assert (c.raw, c.calibrated, c.is_calibrated, c.items) == (
        d["raw"], d["calibrated"], d["is_calibrated"], d["items"],
    )  # fmt: skip
    assert [f.name for f in c.factors] == [
        "data_quality", "historical_accuracy", "pattern_strength",
        "temporal_relevance", "consensus_score",
    ]  # fmt: skip
    assert abs(sum(f.contribution for f in c.factors) - c.raw) < 1e-12
    assert float(c) == c.calibrated
    # A stored confidence explains the same as the live one.
    assert juno.Confidence.from_dict(c.to_dict()).explain("verbose") == c.explain("verbose")


@pytest.mark.parametrize("case", REASONING["invalid"], ids=case_names(REASONING["invalid"]))
def test_reasoning_invalid_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    call = case["call"]
    if call == "confidence":
        calibrations = _calibrations(engine)
        check_error(case, lambda: _confidence(engine, case, calibrations))
    elif call == "calibrate":
        check_error(case, lambda: engine.reasoning.calibrate(case["pairs"]))
    elif call == "explain":
        c = engine.reasoning.confidence({})
        check_error(case, lambda: c.explain(case["level"]))
    else:
        raise AssertionError(f"unknown call {call}")


def test_reasoning_reads_weights_and_track_records(engine: juno.Juno) -> None:
    assert engine.reasoning.weights == {
        "data_quality": 0.30, "historical_accuracy": 0.25, "pattern_strength": 0.20,
        "temporal_relevance": 0.15, "consensus_score": 0.10,
    }  # fmt: skip
    assert engine.reasoning.track_record("team_alpha", "reassign") == (8, 10)
    assert engine.reasoning.track_record("team_alpha", "close") == (0, 0)
    with pytest.raises(InvalidInputError, match="team and action go together"):
        engine.reasoning.confidence({}, team="team_alpha")


def test_calibration_applies_and_round_trips(engine: juno.Juno) -> None:
    cal = _calibrations(engine)["overconfident"]
    assert cal.apply(0.9) == pytest.approx(0.5) and cal.apply(0.1) == pytest.approx(0.2)
    back = juno.Calibration.from_dict(cal.to_dict())
    assert back.to_dict() == cal.to_dict()
    # A dict works wherever a Calibration does.
    evidence = {"completeness": 1.0, "observations": 5, "newest_evidence_age_hours": 0.0}
    c = engine.reasoning.confidence(evidence, calibration=cal.to_dict())
    assert c.is_calibrated and c.calibrated == pytest.approx(0.5)
    with pytest.raises(InvalidInputError):
        cal.apply(1.5)
    falling = {**cal.to_dict(), "blocks": [[0.3, 0.5], [0.9, 0.2]]}
    with pytest.raises(InvalidInputError):
        juno.Calibration.from_dict(falling)
    # Pairs may come from any iterable.
    gen = ((0.9, i % 2 == 0) for i in range(40))
    assert engine.reasoning.calibrate(gen).outcomes == 40


# -------------------------------------------------------------------------- velocity


@pytest.mark.parametrize("case", VELOCITY["analyze"], ids=case_names(VELOCITY["analyze"]))
def test_velocity_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    report = engine.velocity.analyze(case["sprints"])
    d = report.to_dict()
    _check(case, d, case["expect"])
    check_explain(case, report.explain)
    assert (report.sprints, report.mean, report.classification) == (
        d["sprints"], d["mean"], d["classification"],
    )  # fmt: skip
    assert (report.ols, report.theil_sen, report.forecast) == (
        d["ols"], d["theil_sen"], d["forecast"],
    )  # fmt: skip
    assert (report.r_squared, report.completion_ratio) == (d["r_squared"], d["completion_ratio"])


@pytest.mark.parametrize(
    "case", VELOCITY["analyze_teams"], ids=case_names(VELOCITY["analyze_teams"])
)
def test_velocity_teams_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    reports = engine.velocity.analyze_teams(case["teams"])
    assert list(reports) == case["expect_teams"]
    _check(case, {t: r.to_dict() for t, r in reports.items()}, case["expect"])


@pytest.mark.parametrize("case", VELOCITY["invalid"], ids=case_names(VELOCITY["invalid"]))
def test_velocity_invalid_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    check_error(case, lambda: engine.velocity.analyze(case["sprints"]))


def test_velocity_takes_any_iterable_and_names_the_team(engine: juno.Juno) -> None:
    sprints = ({"sprint": f"s{i}", "committed": 20, "delivered": 20 + i} for i in range(5))
    assert engine.velocity.analyze(sprints).classification == "improving"
    with pytest.raises(InvalidInputError) as caught:
        engine.velocity.analyze_teams(
            {"team_alpha": [{"sprint": "s1", "committed": 5, "delivered": -1}]}
        )
    assert caught.value.details["field"] == "team_alpha[0].delivered_points"
    with pytest.raises(InvalidInputError):
        engine.velocity.analyze_teams([("team_alpha", [])])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- triage


def _with_datetimes(ticket: dict[str, Any]) -> dict[str, Any]:
    """A fixture ticket with its times as aware datetimes instead of strings."""
    out = dict(ticket)
    for k in ("updated", "last_comment", "last_change", "assignee_last_activity"):
        if isinstance(out.get(k), str):
            out[k] = datetime.fromisoformat(out[k].replace("Z", "+00:00"))
    return out


def _scan(j: juno.Juno, tickets: list[dict[str, Any]], case: dict[str, Any]) -> list[Any]:
    now = case.get("now")
    return j.triage.scan(
        tickets,
        case.get("settings"),
        datetime.fromisoformat(now.replace("Z", "+00:00")) if now is not None else None,
    )


@pytest.mark.parametrize("case", TRIAGE["scans"], ids=case_names(TRIAGE["scans"]))
def test_triage_scan_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    proposals = _scan(engine, TRIAGE["tickets"], case)
    if "expect" in case:
        _check(case, [p.to_dict() for p in proposals], case["expect"])
    if "expect_keys" in case:
        assert [p.key for p in proposals] == case["expect_keys"]
    if proposals:
        check_explain(case, proposals[0].explain)
    # The same tickets with datetime objects give the same proposals.
    with_datetimes = _scan(engine, [_with_datetimes(t) for t in TRIAGE["tickets"]], case)
    assert [p.to_dict() for p in with_datetimes] == [p.to_dict() for p in proposals]
    for p in proposals:
        d = p.to_dict()
        assert (p.key, p.team, p.action, p.staleness, p.impact) == (
            d["key"], d["team"], d["action"], d["staleness"], d["impact"],
        )  # fmt: skip
        assert (p.idle_days, p.urgency, p.evidence) == (d["idle_days"], d["urgency"], d["evidence"])
        assert p.confidence.to_dict() == d["confidence"]


@pytest.mark.parametrize("case", TRIAGE["invalid"], ids=case_names(TRIAGE["invalid"]))
def test_triage_invalid_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    tickets = [case["ticket"]] if "ticket" in case else TRIAGE["tickets"]
    check_error(case, lambda: engine.triage.scan(tickets, case.get("settings")))


def test_triage_refuses_naive_datetimes_and_follows_the_clock(engine: juno.Juno) -> None:
    ticket = dict(TRIAGE["tickets"][0])
    ticket["updated"] = datetime(2025, 12, 12)
    with pytest.raises(InvalidInputError) as caught:
        engine.triage.scan([ticket])
    assert caught.value.details["field"] == "tickets[0].updated"
    with pytest.raises(InvalidInputError):
        engine.triage.scan(TRIAGE["tickets"], now=datetime(2026, 1, 1))
    # The engine's clock moved back five days: the "now given" case's answer.
    case = next(c for c in TRIAGE["scans"] if "now" in c)
    engine.set_clock(datetime.fromisoformat(case["now"].replace("Z", "+00:00")))
    assert [p.key for p in engine.triage.scan(TRIAGE["tickets"])] == [
        e["key"] for e in case["expect"]
    ]


# ----------------------------------------------------------------------- Monte Carlo


@pytest.mark.parametrize("case", MONTE_CARLO["cases"], ids=case_names(MONTE_CARLO["cases"]))
def test_monte_carlo_cases(case: dict[str, Any]) -> None:
    with juno.Juno(":memory:") as j:
        result = j.forecast.monte_carlo(case["input"])
    _check(case, result.to_dict(), case["expect"])
    assert (result.p10, result.p50, result.p90, result.p_deliver_80) == (
        case["expect"]["p10"], case["expect"]["p50"], case["expect"]["p90"],
        case["expect"]["p_deliver_80"],
    )  # fmt: skip
    assert (result.trials, result.basis) == (case["expect"]["trials"], case["expect"]["basis"])


@pytest.mark.parametrize("case", MONTE_CARLO["invalid"], ids=case_names(MONTE_CARLO["invalid"]))
def test_monte_carlo_invalid_cases(case: dict[str, Any]) -> None:
    # Every case is refused, the `refused_by: validate` ones by the core's one check.
    with juno.Juno(":memory:") as j:
        check_error(case, lambda: j.forecast.monte_carlo(case["input"]))


# ----------------------------------------------------------------------- the surface


@pytest.mark.parametrize(
    "call",
    [
        lambda j: j.reasoning.confidence("completeness=1"),
        lambda j: j.reasoning.confidence([0.5]),
        lambda j: j.reasoning.calibrate(0.5),
        lambda j: j.reasoning.calibrate([(0.5, 1)]),
        lambda j: j.reasoning.confidence({}, calibration=[1, 2]),
        lambda j: j.velocity.analyze(5),
        lambda j: j.velocity.analyze("s1"),
        lambda j: j.velocity.analyze([[1, 2, 3]]),
        lambda j: j.velocity.analyze([{"sprint": "s1", "committed": 1, "delivered": object()}]),
        lambda j: j.triage.scan(None),
        lambda j: j.triage.scan([], settings=[1]),
        lambda j: j.triage.scan([], now="2026-01-01"),
        lambda j: j.forecast.monte_carlo(None),
        lambda j: j.forecast.monte_carlo([40, 0, 10, 10]),
        lambda j: j.forecast.monte_carlo({"committed": float("nan")}),
        lambda j: juno.Confidence.from_dict({"raw": 1}),
    ],
)
def test_bad_input_is_invalid_input_never_a_bare_error(
    engine: juno.Juno, call: Callable[[juno.Juno], object]
) -> None:
    with pytest.raises(InvalidInputError):
        call(engine)


def test_explanations_default_to_detailed_and_refuse_unknown_levels(engine: juno.Juno) -> None:
    c = engine.reasoning.confidence({"completeness": 1.0, "observations": 5})
    assert c.explain() == c.explain("detailed") != c.explain("basic")
    report = engine.velocity.analyze([{"sprint": "s", "committed": 1, "delivered": 1}] * 3)
    assert report.explain() == report.explain("detailed")
    p = engine.triage.scan(TRIAGE["tickets"])[0]
    assert p.explain() == p.explain("detailed")
    for explain in (c.explain, report.explain, p.explain):
        with pytest.raises(InvalidInputError):
            explain("loud")


def test_a_closed_engine_refuses_its_components() -> None:
    j = juno.Juno(":memory:")
    reasoning, velocity, triage = j.reasoning, j.velocity, j.triage
    j.close()
    for call in (
        lambda: reasoning.confidence({}),
        lambda: velocity.analyze([]),
        lambda: triage.scan([]),
    ):
        with pytest.raises(InvalidStateError):
            call()


def test_one_ticket_shape_serves_triage_and_flow(engine: juno.Juno) -> None:
    # The same dict goes to both stages: each ignores the other's fields and names
    # the field it needs when that one is missing.
    ticket = dict(TRIAGE["tickets"][0])
    ticket["created"] = "2025-11-01T00:00:00Z"
    ticket["status"] = "In Progress"
    ticket["events"] = [
        {"at": "2025-11-02T00:00:00Z", "field": "status", "from": "To Do", "to": "In Progress"}
    ]
    assert [p.key for p in engine.triage.scan([ticket])] == [
        p.key for p in engine.triage.scan(TRIAGE["tickets"][:1])
    ]
    report = engine.flow.analyze({"tickets": [ticket]})
    assert report.teams["team_alpha"].tickets == 1
    no_priority = {k: v for k, v in ticket.items() if k != "priority"}
    assert engine.flow.analyze({"tickets": [no_priority]}).teams["team_alpha"].tickets == 1
    with pytest.raises(InvalidInputError) as caught:
        engine.triage.scan([no_priority])
    assert caught.value.details["field"] == "tickets[0].priority"
    no_created = {k: v for k, v in ticket.items() if k != "created"}
    with pytest.raises(InvalidInputError) as caught:
        engine.flow.analyze({"tickets": [no_created]})
    assert caught.value.details["field"] == "input.tickets[0].created"
