"""The bulk forms a Python host uses (issue #15): the same answers as the one-at-a-time
calls, item for item, with the same checks, errors naming the exact field, and audit."""

from __future__ import annotations

import array
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import juno
from juno.errors import InvalidInputError, InvalidStateError, NotFoundError, PermissionDeniedError

from conftest import T0

TL = "tl.alpha@company.com"


@pytest.fixture
def j(db_path: Path) -> Iterator[juno.Juno]:
    with juno.Juno(db_path, now=T0) as engine:
        engine.governance.assign_role(TL, "TEAM_LEAD", ["team_alpha"], by="admin@company.com")
        yield engine


def _evidence(i: int) -> dict[str, Any]:
    return {
        "completeness": (i % 10) / 10,
        "observations": i,
        "newest_evidence_age_hours": float(i * 2) if i % 3 else None,
        "track_record_right": i % 5,
        "track_record_total": 5,
        "pattern_support": 0.6 if i % 4 == 0 else None,
        "pattern_episodes": i % 7,
        "engine_signals": [0.2 + (i % 5) / 10, 0.7],
        "items": [f"item {i}"],
    }


# ---------------------------------------------------------------- conversion


def _ticket(i: int, when: Any) -> dict[str, Any]:
    return {
        "key": f"ALPHA-{i}",
        "team": "team_alpha",
        "priority": "High",
        "assignee": None,
        "labels": ["backend"],
        "created": when,
        "updated": when,
        "status": "In Progress",
        "last_comment": when,
        "blocked": False,
        "blocking": 1,
        "in_active_sprint": True,
    }


class _Stamp(datetime):
    """A datetime subclass whose pickle state is not a datetime's."""

    def __reduce__(self) -> Any:
        return (str, ("not a datetime",))


def test_every_way_of_writing_a_time_reads_as_the_same_instant(j: juno.Juno) -> None:
    now = T0 + timedelta(days=30)
    at = T0 - timedelta(days=12, microseconds=250)
    forms: list[Any] = [
        at,  # timezone.utc: read from its pickle state
        at.astimezone(timezone(timedelta(hours=5, minutes=30))),  # fixed offset
        at.astimezone(ZoneInfo("Europe/Paris")),  # a zone: through utcoffset and timestamp
        _Stamp(*at.timetuple()[:6], at.microsecond, tzinfo=timezone.utc),  # a subclass: astimezone
        at.isoformat(),  # RFC 3339 text, the strict form: parsed directly
        at.isoformat().replace("+00:00", "Z"),
        at.isoformat().replace("T", " ").lower(),  # relaxed forms: parsed by chrono
        at.astimezone(timezone(timedelta(hours=-3))).isoformat().replace("T", "t"),
    ]
    idle = [j.triage.scan([_ticket(1, f)], now=now)[0].idle_days for f in forms]
    assert idle == [idle[0]] * len(forms)
    assert idle[0] == pytest.approx(42.0, abs=1e-6)


def test_errors_still_name_the_exact_field_on_the_fast_path(j: juno.Juno) -> None:
    naive = datetime(2026, 1, 1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"updated": naive}, "tickets[1].updated"),
        ({"updated": "2026-02-30T00:00:00Z"}, "tickets[1].updated"),
        ({"created": "2026-01-01T00:00:00+24:00"}, "tickets[1].created"),
        ({"last_comment": "2026-01-01T00:00:00"}, "tickets[1].last_comment"),
        # In UTC these fall outside Python's years, which `astimezone` refuses.
        ({"created": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))}, "tickets[1].created"),
        ({"updated": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))}, "tickets[1].updated"),
        ({"blocking": -1}, "tickets[1].blocking"),
        ({"labels": ["a", 3]}, "tickets[1].labels[1]"),
        ({"priority": "Urgent"}, "tickets[1].priority"),
        ({"colour": "red"}, "tickets[1].colour"),
        ({"blocked": float("nan")}, "tickets[1].blocked"),
    ]
    for bad, field in cases:
        tickets = [_ticket(0, T0), {**_ticket(1, T0), **bad}]
        with pytest.raises(InvalidInputError) as caught:
            j.triage.scan(tickets, now=T0)
        assert caught.value.details["field"] == field, bad


# ---------------------------------------------------------------- confidence


def test_confidence_many_gives_what_confidence_gives(j: juno.Juno) -> None:
    r = j.reasoning
    evidence = [_evidence(i) for i in range(40)]
    one = [r.confidence(e).to_dict() for e in evidence]
    many = [c.to_dict() for c in r.confidence_many(evidence)]
    assert many == one
    calibration = r.calibrate([(i / 40, i % 3 != 0) for i in range(40)])
    calibrated = r.confidence_many(evidence, calibration=calibration)
    assert [c.calibrated for c in calibrated] == [
        r.confidence(e, calibration=calibration).calibrated for e in evidence
    ]
    bad = evidence[:5] + [{**evidence[5], "completeness": 1.5}]
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_many(bad)
    assert caught.value.details["field"] == "evidence[5].completeness"


def _columns(evidence: list[dict[str, Any]]) -> dict[str, Any]:
    def col(key: str, absent: float = 0.0) -> array.array[float]:
        return array.array("d", [absent if e[key] is None else float(e[key]) for e in evidence])

    nan = float("nan")
    return {
        "completeness": col("completeness"),
        "observations": col("observations"),
        "newest_evidence_age_hours": col("newest_evidence_age_hours", nan),
        "track_record_right": col("track_record_right"),
        "track_record_total": col("track_record_total"),
        "pattern_support": col("pattern_support", nan),
        "pattern_episodes": col("pattern_episodes"),
        "engine_signals": [e["engine_signals"] for e in evidence],
    }


def test_confidence_columns_are_the_numbers_of_confidence_many(j: juno.Juno) -> None:
    r = j.reasoning
    evidence = [_evidence(i) for i in range(40)]
    want = [c.calibrated for c in r.confidence_many(evidence)]
    got = r.confidence_columns(**_columns(evidence))
    assert isinstance(got, array.array) and got.typecode == "d"
    assert list(got) == want
    out = array.array("d", [0.0] * 40)
    assert r.confidence_columns(**_columns(evidence), out=out) is out
    assert list(out) == want
    # Plain lists work too; absent optional columns score as absent fields.
    plain = r.confidence_columns([0.5, 1.0], [5, 10])
    assert list(plain) == [
        r.confidence({"completeness": 0.5, "observations": 5}).raw,
        r.confidence({"completeness": 1.0, "observations": 10}).raw,
    ]


def test_confidence_columns_name_the_bad_cell(j: juno.Juno) -> None:
    r = j.reasoning
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5, 1.5], [1, 2])
    assert caught.value.details["field"] == "completeness[1]"
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5, 0.5], [1, 2.5])
    assert caught.value.details["field"] == "observations[1]"
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5, 0.5], [1])
    assert caught.value.details["field"] == "observations"
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5], [1], engine_signals=[[0.1, 0.2, 0.3], [0.1]])
    assert caught.value.details["field"] == "engine_signals[1]"
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5], [1], out=array.array("d", [0.0, 0.0]))
    assert caught.value.details["field"] == "out"
    with pytest.raises(InvalidInputError) as caught:
        r.confidence_columns([0.5], [1], out=b"12345678")
    assert caught.value.details["field"] == "out"


# ---------------------------------------------------------------- recall


def test_recall_many_gives_what_recall_gives_and_counts_accesses(j: juno.Juno) -> None:
    m = j.memory
    for i in range(8):
        kind = "semantic" if i % 2 == 0 else "procedural"
        m.store(kind, "team_alpha", f"alpha note {i} about deploys")
    queries: list[dict[str, Any]] = [
        {"team": "team_alpha", "kinds": ["semantic"], "limit": 10},
        {"team": "team_alpha", "kinds": ["procedural"], "limit": 10, "touch": False},
        {"text": "deploys", "team": "team_alpha"},
    ]
    one = [
        [h.memory.id for h in m.recall(**{**q, "touch": False})]
        for q in queries
    ]
    many = m.recall_many(queries)
    assert [[h.memory.id for h in hits] for hits in many] == one
    counts = {h.memory.id: h.memory.access_count for h in m.recall(team="team_alpha", limit=20, touch=False)}
    for i, c in counts.items():
        semantic = i in one[0]
        assert c == (2 if semantic else 1), (i, c)
    with pytest.raises(InvalidInputError) as caught:
        m.recall_many([queries[0], {"team": "team_alpha", "limit": 0}])
    assert caught.value.details["field"] == "queries[1].limit"


def test_accesses_reach_the_file_on_flush_and_on_close(db_path: Path) -> None:
    with juno.Juno(db_path, now=T0) as a:
        mid = a.memory.store("semantic", "team_alpha", "alpha deploys").id
        for _ in range(3):
            a.memory.recall(team="team_alpha")
        assert a.memory.get(mid).access_count == 3
        with juno.Juno(db_path, now=T0) as b:
            assert b.memory.get(mid).access_count == 0
            a.memory.flush_accesses()
            assert b.memory.get(mid).access_count == 3
        a.memory.recall(team="team_alpha")
    with juno.Juno(db_path, now=T0) as c:
        assert c.memory.get(mid).access_count == 4


# ---------------------------------------------------------------- approvals


def test_approve_many_decides_each_as_approve_does(j: juno.Juno) -> None:
    gov = j.governance
    action: dict[str, Any] = {"kind": "reassign", "team": "team_alpha", "parameters": {}}
    request: dict[str, Any] = {
        "action": action,
        "impact": "low",
        "confidence": 0.6,
        "explanation": "",
        "requester": "juno",
    }
    ids = gov.submit_many([{**request, "action": {**action, "target": f"A-{i}"}} for i in range(3)])
    reqs = [gov.get(i) for i in ids]
    j.set_clock(j.now() + timedelta(minutes=5))
    results = gov.approve_many(
        [
            {"id": reqs[0].id, "approver": TL, "digest": reqs[0].digest},
            {"id": reqs[1].id, "approver": TL, "digest": reqs[0].digest},
            {"id": reqs[0].id, "approver": TL, "digest": reqs[0].digest},
            {"id": 999, "approver": TL, "digest": "x"},
            {"id": reqs[2].id, "approver": TL, "digest": reqs[2].digest},
        ]
    )
    assert [type(r) for r in results] == [
        juno.ApprovalRequest,
        PermissionDeniedError,
        InvalidStateError,
        NotFoundError,
        juno.ApprovalRequest,
    ]
    assert [gov.get(r.id).status for r in reqs] == ["approved", "pending", "approved"]
    assert j.audit.verify().ok
    events = [e.event for e in j.audit.entries_for(f"request:{reqs[1].id}")]
    assert events[-1] == "refused"
    with pytest.raises(InvalidInputError) as caught:
        gov.approve_many([{"id": reqs[1].id, "approver": TL}])
    assert caught.value.details["field"].startswith("items[0]")
    assert gov.get(reqs[1].id).status == "pending"


def test_a_datetime_inside_free_json_reads_as_the_slow_path_writes_it(j: juno.Juno) -> None:
    base = datetime(2026, 1, 1, 9, 30, tzinfo=timezone.utc)
    times = [
        base,
        base.replace(microsecond=123000),
        base.replace(microsecond=123456),
        base.astimezone(timezone(timedelta(hours=-4))),
        base.astimezone(ZoneInfo("Asia/Tokyo")),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
        datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc),
        # UTC by another object than `timezone.utc` goes through the calls, not the fields.
        base.replace(tzinfo=ZoneInfo("UTC")),
        base.replace(fold=1),
        # A subclass may pickle differently: it is read through `astimezone`, not its state.
        _Stamp(2026, 1, 1, 9, 30, tzinfo=timezone.utc),
        datetime(2026, 1, 1, 9, 30, tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=5, minutes=30))),
    ]
    # `store` converts its `content` on the slow path, `store_many` on the fast one.
    slow = [j.memory.store("semantic", "team_alpha", "t", content={"at": t}).content for t in times]
    ids = j.memory.store_many(
        [{"kind": "semantic", "scope": {"team": "team_alpha"}, "text": "t", "content": {"at": t}}
         for t in times]
    )  # fmt: skip
    fast = [j.memory.get(i).content for i in ids]
    assert fast == slow
    assert [c["at"] for c in fast] == [
        "2026-01-01T09:30:00+00:00",
        "2026-01-01T09:30:00.123+00:00",
        "2026-01-01T09:30:00.123456+00:00",
        "2026-01-01T09:30:00+00:00",
        "2026-01-01T09:30:00+00:00",
        "1969-12-31T23:59:59.500+00:00",
        "9999-12-31T23:59:59.999999+00:00",
        "0001-01-01T00:00:00.000001+00:00",
        "2026-01-01T09:30:00+00:00",
        "2026-01-01T09:30:00+00:00",
        "2026-01-01T09:30:00+00:00",
        "2026-01-01T09:30:00+00:00",
    ]


def test_approvals_from_many_threads_each_decide_once(j: juno.Juno) -> None:
    import threading

    gov = j.governance
    action: dict[str, Any] = {"kind": "reassign", "team": "team_alpha", "parameters": {}}
    request: dict[str, Any] = {"action": action, "impact": "low", "confidence": 0.6,
                               "explanation": "", "requester": "juno"}  # fmt: skip
    ids = gov.submit_many([{**request, "action": {**action, "target": f"A-{i}"}} for i in range(64)])
    reqs = [gov.get(i) for i in ids]
    j.set_clock(j.now() + timedelta(minutes=5))
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        # Each request is approved by two threads: one wins, the other is refused.
        for n, r in enumerate(reqs):
            if n % 8 in (k, (k + 1) % 8):
                try:
                    gov.approve(r.id, TL, r.digest)
                    got = "approved"
                except InvalidStateError:
                    got = "refused"
                with lock:
                    outcomes.append(got)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("approved") == 64
    assert sorted(outcomes).count("refused") == 64
    assert all(gov.get(i).status == "approved" for i in ids)
    assert j.audit.verify().ok
