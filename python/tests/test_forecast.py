"""The sprint forecaster and the flow analysis from Python.

Replays tests/fixtures/forecast_fixture.json as juno-core/tests/forecast_fixture.rs and
tests/c/test_forecast.c do (the three surfaces must agree), then checks what only Python
has: typed results, datetime and date inputs, iterables, the GIL released, and errors
raised as juno.errors classes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest

import juno
from juno.errors import InvalidInputError, InvalidStateError

from conftest import REPO, case_names, check_error, check_explain, mismatch

FIXTURES = REPO / "tests" / "fixtures"
FIXTURE: dict[str, Any] = json.loads(
    (FIXTURES / "forecast_fixture.json").read_text(encoding="utf-8")
)
TOLERANCE: float = FIXTURE["tolerance"]
NOW = datetime.fromtimestamp(FIXTURE["now_ms"] / 1000, tz=timezone.utc)
SPRINT = FIXTURE["sprint"]
INVALID = FIXTURE["invalid"]
ROUND_TRIP = FIXTURE["round_trip"]
FLOW = FIXTURE["flow"]
FLOW_BASE: dict[str, Any] = json.loads(
    (FIXTURES / FLOW["input_from"]).read_text(encoding="utf-8")
)


def _check(name: str, got: Any, want: Any) -> None:
    assert mismatch(got, want, TOLERANCE) is None, f"{name}: {mismatch(got, want, TOLERANCE)}"


@pytest.fixture
def engine() -> Iterator[juno.Juno]:
    """An in-memory engine at the fixture's time."""
    with juno.Juno(":memory:", now=NOW) as j:
        yield j


# -------------------------------------------------------------------------- forecasts


@pytest.mark.parametrize("case", SPRINT, ids=case_names(SPRINT))
def test_sprint_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    f = engine.forecast.sprint(case["state"], case.get("history"))
    d = f.to_dict()
    _check(case["name"], d, case["expect"])
    check_explain(case, f.explain)
    # The typed object says what its dict says.
    assert (f.team, f.sprint, f.p_deliver_80, f.probability_basis) == (
        d["team"], d["sprint"], d["p_deliver_80"], d["probability_basis"],
    )  # fmt: skip
    assert (f.overall, f.level, f.notes) == (d["overall"], d["level"], d["notes"])
    assert f.delivery.to_dict() == d["delivery"]
    assert [c.to_dict() for c in f.categories] == d["categories"]
    assert [(c.name, c.value, c.weight, c.contribution, c.threshold, c.flagged, c.evidence)
            for c in f.categories] == [
        (c["name"], c["value"], c["weight"], c["contribution"], c["threshold"], c["flagged"],
         c["evidence"]) for c in d["categories"]
    ]  # fmt: skip
    assert [(r.category, r.text) for r in f.recommendations] == [
        (r["category"], r["text"]) for r in d["recommendations"]
    ]
    assert f.confidence.to_dict() == d["confidence"]
    assert sum(c.contribution for c in f.categories) == pytest.approx(f.overall, abs=1e-12)
    # A stored forecast explains the same as the live one.
    back = juno.SprintForecast.from_dict(d)
    assert back.to_dict() == d
    for level in ("basic", "detailed", "verbose"):
        assert back.explain(level) == f.explain(level)


@pytest.mark.parametrize("case", FIXTURE["sprints"], ids=case_names(FIXTURE["sprints"]))
def test_sprints_batch_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    batch = engine.forecast.sprints(case["items"])
    _check(case["name"], [f.to_dict() for f in batch], case["expect"])
    singles = [engine.forecast.sprint(i["state"], i.get("history")) for i in case["items"]]
    assert [f.to_dict() for f in batch] == [f.to_dict() for f in singles]
    # Any iterable of items.
    again = engine.forecast.sprints(item for item in case["items"])
    assert [f.to_dict() for f in again] == [f.to_dict() for f in batch]


@pytest.mark.parametrize("case", INVALID, ids=case_names(INVALID))
def test_invalid_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    call = case["call"]
    if call == "sprint":
        check_error(case, lambda: engine.forecast.sprint(case["state"], case.get("history")))
    elif call == "sprints":
        check_error(case, lambda: engine.forecast.sprints(case["items"]))
    elif call == "record":
        check_error(case, lambda: engine.forecast.record(case["observation"]))
    elif call == "explain":
        f = engine.forecast.sprint(SPRINT[0]["state"], SPRINT[0].get("history"))
        check_error(case, lambda: f.explain(case["level"]))
    else:
        raise AssertionError(f"unknown call {call}")
    assert engine.forecast.observations() == []


def test_record_retrain_forecast_round_trip(engine: juno.Juno) -> None:
    observations = ROUND_TRIP["observations"]
    assert len(observations) >= 30
    for n, step in enumerate(ROUND_TRIP["steps"]):
        name = f"round_trip.steps[{n}] {step['do']}"
        do = step["do"]
        if do == "record":
            start, stop = step["range"]
            for o in observations[start:stop]:
                _check(name, {"replaced": engine.forecast.record(o)}, step["expect"])
        elif do == "retrain":
            report = engine.forecast.retrain()
            _check(name, report.to_dict(), step["expect"])
            assert (report.trained, report.observations, report.reason) == (
                step["expect"]["trained"], step["expect"]["observations"],
                step["expect"]["reason"],
            )  # fmt: skip
            assert (report.model is None) == (step["expect"]["model"] is None)
        elif do == "model":
            model = engine.forecast.model()
            _check(name, None if model is None else model.to_dict(), step["expect"])
            if model is not None:
                assert (model.version, model.trained_on) == (
                    step["expect"]["version"], step["expect"]["trained_on"],
                )  # fmt: skip
                d = model.to_dict()
                assert (model.kind, model.features, model.positives, model.evaluation) == (
                    d["kind"], d["features"], d["positives"], d["evaluation"],
                )  # fmt: skip
                assert list(model.training_period or ()) == d["training_period"]
                assert engine.forecast.model_versions() == model.version
        elif do == "observations":
            got = engine.forecast.observations()
            assert [o.state["sprint"] for o in got] == step["expect_sprints"]
            first = got[0]
            _check(name, first.to_dict(), observations[0])
            assert first.ended_at == datetime.fromisoformat(
                observations[0]["ended_at"].replace("Z", "+00:00")
            )
            assert first.delivered_80 == (first.delivered_points >= 0.8 * 30)
            _check(name, first.history, observations[0]["history"])
        elif do == "forecast":
            f = engine.forecast.sprint(step["state"], step.get("history"))
            _check(name, f.to_dict(), step["expect"])
            if "p_deliver_80_between" in step:
                lo, hi = step["p_deliver_80_between"]
                assert lo <= f.p_deliver_80 <= hi, f"{name}: p = {f.p_deliver_80}"
        else:
            raise AssertionError(f"unknown step {do}")


def test_records_take_aware_datetimes_and_refuse_naive_ones(engine: juno.Juno) -> None:
    o = dict(ROUND_TRIP["observations"][0])
    o["ended_at"] = datetime(2025, 1, 3, 18, tzinfo=timezone.utc)
    assert engine.forecast.record(o) is False
    assert engine.forecast.observations()[0].ended_at == o["ended_at"]
    o["ended_at"] = datetime(2025, 1, 3, 18)
    with pytest.raises(InvalidInputError) as caught:
        engine.forecast.record(o)
    assert caught.value.details["field"] == "observation.ended_at"


# ------------------------------------------------------------------------------- flow


def _flow(j: juno.Juno, case: dict[str, Any]) -> juno.FlowReport:
    now_ms = case.get("now_ms")
    now = None if now_ms is None else datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return j.flow.analyze(case.get("input", FLOW_BASE["input"]), case.get("settings"), now)


@pytest.mark.parametrize("case", FLOW["cases"], ids=case_names(FLOW["cases"]))
def test_flow_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    report = _flow(engine, case)
    d = report.to_dict()
    _check(case["name"], d, case["expect"])
    assert report.now == datetime.fromisoformat(d["now"].replace("Z", "+00:00"))
    assert report.unknown_statuses == d["unknown_statuses"]
    assert list(report.teams) == list(d["teams"])
    for name, team in report.teams.items():
        t = d["teams"][name]
        assert team.to_dict() == t
        assert (team.tickets, team.open_tickets, team.mean_carry_over_rate) == (
            t["tickets"], t["open_tickets"], t["mean_carry_over_rate"],
        )  # fmt: skip
        assert (team.statuses, team.bottleneck, team.work_bottleneck, team.cycle_time) == (
            t["statuses"], t["bottleneck"], t["work_bottleneck"], t["cycle_time"],
        )  # fmt: skip
        assert (team.ageing_wip, team.queues, team.sprints, team.external_factors) == (
            t["ageing_wip"], t["queues"], t["sprints"], t["external_factors"],
        )  # fmt: skip
    # Idempotent: the same history gives the same report.
    assert _flow(engine, case).to_dict() == d


@pytest.mark.parametrize("case", FLOW["invalid"], ids=case_names(FLOW["invalid"]))
def test_flow_invalid_cases(engine: juno.Juno, case: dict[str, Any]) -> None:
    check_error(case, lambda: _flow(engine, case))


def _to_datetimes(value: Any, key: str = "") -> Any:
    """The flow input with its times as aware datetimes and its dates as dates."""
    if isinstance(value, dict):
        return {k: _to_datetimes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_datetimes(v, key) for v in value]
    if key in ("created", "at", "start", "end"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if key == "date":
        return date.fromisoformat(value)
    return value


def test_flow_takes_datetimes_and_dates(engine: juno.Juno) -> None:
    case = FLOW["cases"][0]
    as_objects = {**case, "input": _to_datetimes(FLOW_BASE["input"])}
    assert _flow(engine, as_objects).to_dict() == _flow(engine, case).to_dict()
    naive = _to_datetimes(FLOW_BASE["input"])
    naive["tickets"][0]["created"] = datetime(2024, 1, 1)
    with pytest.raises(InvalidInputError) as caught:
        engine.flow.analyze(naive, now=NOW)
    assert caught.value.details["field"] == "input.tickets[0].created"


# ------------------------------------------------------------------------ the surface


@pytest.mark.parametrize(
    "call",
    [
        lambda j: j.forecast.sprint("committed_points=1"),
        lambda j: j.forecast.sprint([20, 0, 0]),
        lambda j: j.forecast.sprint({}, history=[1]),
        lambda j: j.forecast.sprint({"committed_points": float("nan")}),
        lambda j: j.forecast.sprint({"committed_points": object()}),
        lambda j: j.forecast.sprints(None),
        lambda j: j.forecast.sprints("items"),
        lambda j: j.forecast.sprints([[{}, {}]]),
        lambda j: j.forecast.sprints([{"state": {}, "histories": {}}]),
        lambda j: j.forecast.record(None),
        lambda j: j.forecast.record({"state": {}, "delivered_points": 1}),
        lambda j: j.flow.analyze(None),
        lambda j: j.flow.analyze({"tickets": []}, settings=[1]),
        lambda j: j.flow.analyze({"tickets": []}, now="2026-01-01"),
        lambda j: juno.SprintForecast.from_dict({"team": "a"}),
    ],
)
def test_bad_input_is_invalid_input_never_a_bare_error(
    engine: juno.Juno, call: Callable[[juno.Juno], object]
) -> None:
    with pytest.raises(InvalidInputError):
        call(engine)


def test_explanations_default_to_detailed(engine: juno.Juno) -> None:
    f = engine.forecast.sprint(SPRINT[0]["state"], SPRINT[0]["history"])
    assert f.explain() == f.explain("detailed") != f.explain("basic")
    assert f.explain("basic") in f.explain("verbose")
    assert repr(f).startswith('SprintForecast(team="alpha", sprint="S7"')


def test_forecasts_from_several_threads_agree(engine: juno.Juno) -> None:
    """Forecasts run with the GIL released: from several threads at once, all agree."""
    case = SPRINT[0]
    want = engine.forecast.sprint(case["state"], case["history"]).to_dict()
    results: list[dict[str, Any]] = []

    def work() -> None:
        for _ in range(5):
            results.append(engine.forecast.sprint(case["state"], case["history"]).to_dict())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and all(r == want for r in results)


def test_a_closed_engine_refuses_its_components() -> None:
    j = juno.Juno(":memory:")
    forecast, flow = j.forecast, j.flow
    j.close()
    for call in (
        lambda: forecast.sprint({}),
        lambda: forecast.retrain(),
        lambda: forecast.model(),
        lambda: flow.analyze({"tickets": []}),
    ):
        with pytest.raises(InvalidStateError):
            call()


def _observation(i: int) -> dict[str, Any]:
    """A sprint at 30% of its plan: further along, more often delivered (deterministic)."""
    committed = 20.0 + (i % 7) * 3.0
    done_share = (i * 37 % 100) / 100 * 0.6
    delivered_share = 0.45 + done_share * 1.2 + ((i * 53 % 40) - 20) / 100
    return {
        "state": {
            "team": f"team{i % 3}", "sprint": f"S{i}", "committed_points": committed,
            "done_points": committed * done_share,
            "todo_points": committed * (1 - done_share), "days_elapsed": 3,
            "days_planned": 10, "team_size": 5,
        },
        "history": {"sprints": [
            {"committed_points": 30, "delivered_points": 20 + (i + k) % 12, "days": 10}
            for k in range(5)
        ]},
        "delivered_points": committed * delivered_share,
        "ended_at": f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}T12:00:00Z",
    }  # fmt: skip


def test_a_retrained_model_carries_its_calibration_into_forecasts(engine: juno.Juno) -> None:
    state = _observation(500)["state"]
    assert engine.forecast.sprint(state).calibration is None
    for i in range(200):
        engine.forecast.record(_observation(i))
    model = engine.forecast.retrain().model
    assert model is not None
    cal = model.calibration
    assert cal == model.to_dict()["calibration"]
    p, interval = cal["probability"], cal["interval"]
    assert p["method"] == "blend" and p["outcomes"] >= 30 and 0 <= p["model_weight"] <= 1
    assert interval["outcomes"] >= 30 and 0 <= interval["coverage"] <= 1
    assert [t["team"] for t in cal["teams"]] == ["team0", "team1", "team2"]
    f = engine.forecast.sprint(state, _observation(500)["history"])
    applied = f.calibration
    assert applied is not None and applied == f.to_dict()["calibration"]
    assert len(applied["simulated"]) == 3 and applied["probability"] == p
    blended = p["model_weight"] * applied["model_probability"] + (1 - p["model_weight"]) * (
        applied["trailing_rate"]
    )
    assert f.p_deliver_80 == pytest.approx(blended)
    assert f"calibrated on {p['outcomes']} outcomes" in f.explain("basic")
    assert "(forward)" in f.explain("basic")
