"""juno.Memories: storing, recalling with explanations, learning, and the GIL."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest

import juno
from juno.errors import NotFoundError

from conftest import T0

T = TypeVar("T")


def test_store_returns_the_stored_record(engine: juno.Juno) -> None:
    m = engine.memory.store(
        "episodic",
        "team_alpha",
        "deploy failed on flaky tests",
        user="ana@company.com",
        project="payments",
        key="deploy-1",
        content={"ticket": "PAY-1", "retries": 3, "flaky": True, "tests": ["a", "b"], "x": None},
        tags=["deploy", "ci", "deploy"],
        importance=0.7,
        confidence=0.9,
    )
    assert (m.id, m.kind, m.team, m.key, m.version) == (1, "episodic", "team_alpha", "deploy-1", 1)
    assert (m.scope.team, m.scope.user, m.scope.project) == ("team_alpha", "ana@company.com", "payments")
    assert m.content == {"ticket": "PAY-1", "retries": 3, "flaky": True, "tests": ["a", "b"], "x": None}
    assert m.tags == ["ci", "deploy"], "sorted and deduplicated"
    assert (m.importance, m.confidence) == (0.7, 0.9)
    assert m.created_at == m.updated_at == T0
    assert m.created_at.tzinfo is not None
    assert (m.last_accessed_at, m.access_count, m.expires_at, m.session) == (None, 0, None, None)
    assert (m.provenance.source, m.provenance.derived_from, m.provenance.reference) == ("caller", [], None)
    d = m.to_dict()
    assert d["scope"] == {"team": "team_alpha", "user": "ana@company.com", "project": "payments"}
    assert d["created_at"] == "2026-01-01T00:00:00Z"
    assert engine.memory.get(m.id).to_dict() == d


def test_upsert_update_delete_and_history(engine: juno.Juno) -> None:
    mem = engine.memory
    first = mem.store("semantic", "team_alpha", "standup at 9:30", key="standup")
    engine.set_clock(T0 + timedelta(hours=1))
    second = mem.store("semantic", "team_alpha", "standup at 10:00", key="standup")
    assert second.id == first.id and second.version == 2
    engine.set_clock(T0 + timedelta(hours=2))
    updated = mem.update(first.id, importance=0.9, tags=["ritual"], content={"room": "B"})
    assert (updated.version, updated.importance, updated.tags) == (3, 0.9, ["ritual"])
    assert updated.text == "standup at 10:00", "fields not given are kept"
    assert updated.content == {"room": "B"}
    mem.delete(first.id)
    with pytest.raises(NotFoundError):
        mem.get(first.id)
    history = mem.history(first.id)
    assert [h.event for h in history] == ["created", "updated", "updated", "deleted"]
    assert history[0].before is None and history[-1].after is None
    assert history[1].before is not None and history[1].after is not None
    assert (history[1].before.text, history[1].after.text) == ("standup at 9:30", "standup at 10:00")
    assert history[2].at == T0 + timedelta(hours=2)
    assert [h.memory_id for h in history] == [first.id] * 4


def test_recall_filters(seeded: juno.Juno) -> None:
    mem = seeded.memory

    def keys(hits: list[juno.RecallHit]) -> list[str | None]:
        return [h.memory.key for h in hits]

    assert keys(mem.recall(team="team_alpha", kinds=["procedural"], touch=False)) == ["alpha-split"]
    assert set(keys(mem.recall(tags=["deploy", "ci"], touch=False))) == {
        "alpha-deploy-flaky",
        "beta-deploy-flaky",
    }
    assert keys(mem.recall(user="ana@company.com", touch=False)) == ["alpha-scratch"]
    assert keys(mem.recall(project="checkout", touch=False)) == ["beta-estimation"]
    assert keys(mem.recall(session="s-1", touch=False)) == ["alpha-scratch"]
    assert "alpha-lowconf" not in keys(mem.recall(min_confidence=0.5, limit=100, touch=False))
    assert len(mem.recall(limit=3, touch=False)) == 3
    # Time window on creation time (all stored at T0).
    assert len(mem.recall(since=T0, until=T0 + timedelta(seconds=1), limit=100, touch=False)) == 8
    assert mem.recall(since=T0 + timedelta(seconds=1), touch=False) == []


def test_recall_touch_counts_accesses(seeded: juno.Juno) -> None:
    mem = seeded.memory
    hit = mem.recall("standup", touch=False)[0]
    assert mem.get(hit.memory.id).access_count == 0
    seeded.set_clock(T0 + timedelta(minutes=5))
    mem.recall("standup")
    after = mem.get(hit.memory.id)
    assert after.access_count == 1
    assert after.last_accessed_at == T0 + timedelta(minutes=5)


def test_explain_mentions_each_query_term(seeded: juno.Juno) -> None:
    query = "Flaky deploy pipeline"
    hits = seeded.memory.recall(query, team="team_beta", touch=False)
    assert hits, "the beta deploy memory matches"
    for hit in hits:
        text = hit.explain()
        assert text == hit.explanation.render() == str(hit.explanation)
        assert text.startswith(f"score {hit.score:.4f} =")
        for term in ("flaky", "deploy", "pipeline"):
            assert f"term `{term}`" in text
        for name in ("text", "recency", "importance", "access"):
            assert f"\n  {name}" in text
        assert [t.term for t in hit.explanation.terms] == ["flaky", "deploy", "pipeline"]
        assert [c.name for c in hit.explanation.components] == ["text", "recency", "importance", "access"]
        for c in hit.explanation.components:
            assert c.contribution == pytest.approx(c.value * c.weight)
        assert hit.to_dict()["explanation"]["score"] == hit.score


def test_working_memory_expires_and_sessions_end(engine: juno.Juno) -> None:
    mem = engine.memory
    mem.store("working", "team_alpha", "draft checklist", session="s-1", ttl_seconds=60)
    mem.store("working", "team_alpha", "draft agenda", session="s-2")
    mem.store("semantic", "team_alpha", "draft policy")
    assert mem.stats().by_kind["working"] == 2
    engine.set_clock(T0 + timedelta(minutes=2))
    assert [h.memory.text for h in mem.recall("draft", kinds=["working"])] == ["draft agenda"]
    assert mem.stats().expired == 1
    assert mem.cleanup() == 1
    assert mem.end_session("s-2") == 1
    stats = mem.stats()
    assert (stats.total, stats.by_kind["working"], stats.expired) == (1, 0, 0)


def test_stats(seeded: juno.Juno) -> None:
    stats = seeded.memory.stats()
    assert stats.total == 8
    assert stats.by_kind == {"episodic": 2, "procedural": 1, "semantic": 4, "working": 1}
    assert stats.by_team == {
        "team_alpha": {"episodic": 1, "procedural": 1, "semantic": 3, "working": 1},
        "team_beta": {"episodic": 1, "semantic": 1},
    }
    assert stats.oldest == stats.newest == T0
    assert stats.database_bytes > 0
    assert stats.to_dict()["by_team"] == stats.by_team


def test_learning(engine: juno.Juno) -> None:
    mem = engine.memory
    assert mem.preference("team_alpha", "auto_reassign") is None
    learned = None
    for outcome in ["approved", "approved", "approved", "rejected"]:
        learned = mem.record_outcome("team_alpha", "split_ticket", outcome, subject="PAY-1", note="n")
    assert learned is not None and learned.preference is not None
    assert learned.preference.stance == "favours"
    episode = mem.get(learned.episode_id)
    assert episode.kind == "episodic" and "result:rejected" in episode.tags
    assert episode.provenance.reference == "PAY-1"
    pref = mem.preference("team_alpha", "split_ticket")
    assert pref is not None
    assert (pref.approved, pref.rejected, pref.total, pref.acceptance_rate) == (3, 1, 4, 0.75)
    assert 0 < pref.confidence < 0.75
    [pattern] = mem.recognize_patterns()
    assert (pattern.team, pattern.event, pattern.result, pattern.supporting) == (
        "team_alpha",
        "split_ticket",
        "approved",
        3,
    )
    assert mem.get(pattern.memory_id).kind == "procedural"


# ------------------------------------------------------------------ the GIL


def _other_thread_progress(call: Callable[[], T]) -> tuple[int, T]:
    """How far a busy Python thread counts while `call` runs in this thread.

    The switch interval is raised so that this thread never hands the GIL over on its
    own; the counter thread can then only run while `call` has released the GIL. The
    counter sleeps briefly each round so that it never holds on to the GIL either.
    """
    counter = [0]
    stop = [False]

    def count() -> None:
        while not stop[0]:
            counter[0] += 1
            time.sleep(0.0002)

    old = sys.getswitchinterval()
    thread = threading.Thread(target=count, daemon=True)
    sys.setswitchinterval(30.0)
    try:
        thread.start()
        while counter[0] == 0:
            time.sleep(0.001)
        before = counter[0]
        result = call()
        progress = counter[0] - before
    finally:
        stop[0] = True
        sys.setswitchinterval(old)
        thread.join()
    return progress, result


def _batch(n: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": "episodic",
            "scope": {"team": f"team_{i % 7}"},
            "text": f"sprint {i} review: ticket PAY-{i} moved to done after code review",
            "tags": ["review", f"sprint-{i % 13}"],
            "importance": (i % 10) / 10,
        }
        for i in range(n)
    ]


def test_store_many_and_recall_release_the_gil(engine: juno.Juno) -> None:
    items = _batch(20_000)
    progress, ids = _other_thread_progress(lambda: engine.memory.store_many(items))
    assert len(ids) == 20_000
    assert progress > 0, "a Python thread made no progress during store_many"

    # A recall is shorter (tens of ms); on a loaded machine the counter thread may not be
    # scheduled inside one window, so allow a few tries. A call that kept the GIL would
    # show no progress in any of them (see the control test below).
    for _ in range(5):
        progress, hits = _other_thread_progress(
            lambda: engine.memory.recall(tags=["review"], limit=1000, touch=False)
        )
        assert len(hits) == 1000
        if progress > 0:
            break
    assert progress > 0, "a Python thread made no progress during recall"


def test_the_measurement_detects_a_gil_holding_call() -> None:
    """Control: pure Python work of similar length lets the counter thread make no progress."""

    def hold() -> int:
        deadline = time.perf_counter() + 0.2
        n = 0
        while time.perf_counter() < deadline:
            n += 1
        return n

    progress, _ = _other_thread_progress(hold)
    assert progress == 0


def test_recall_from_several_threads(seeded: juno.Juno) -> None:
    results: list[list[str | None]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                hits = seeded.memory.recall("flaky deploy", team="team_alpha", touch=False)
                results.append([h.memory.key for h in hits])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 200
    assert all(r == results[0] for r in results)


def test_datetimes_are_aware_utc(seeded: juno.Juno) -> None:
    m = seeded.memory.get(1)
    assert m.created_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert m.created_at.utcoffset() == timedelta(0)
