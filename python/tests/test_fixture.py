"""Replays tests/fixtures/memory_fixture.json with the assertions of juno-core/tests/fixture.rs.

The Rust, C and Python surfaces replay the same fixture and must agree.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import juno
from juno.errors import ERRORS_BY_KIND, JunoError

from conftest import load_fixture

FIXTURE = load_fixture()


def _recall_kwargs(query: dict[str, Any]) -> dict[str, Any]:
    """A fixture query (the core's RecallQuery JSON) as `Memory.recall` arguments."""
    kwargs = dict(query)
    for field in ("since", "until"):
        if isinstance(kwargs.get(field), str):
            kwargs[field] = datetime.fromisoformat(kwargs[field].replace("Z", "+00:00"))
    return kwargs


def _keys(hits: list[juno.RecallHit]) -> list[str | None]:
    return [h.memory.key for h in hits]


def check_recalls(j: juno.Juno, cases: list[dict[str, Any]]) -> None:
    for case in cases:
        name = case["name"]
        query = case["query"]
        hits = j.memory.recall(**_recall_kwargs(query))
        got = _keys(hits)
        if "expect_order" in case:
            assert got == case["expect_order"], name
        if "expect_first" in case:
            assert (got[0] if got else None) == case["expect_first"], name
        if "expect_set" in case:
            assert set(got) == set(case["expect_set"]), name
        # Scores are sorted and each explanation adds up to its score.
        for a, b in zip(hits, hits[1:]):
            assert a.score >= b.score, f"{name}: not sorted"
        for h in hits:
            total = sum(c.contribution for c in h.explanation.components)
            assert abs(total - h.score) < 1e-9, f"{name}: components do not add up"
            if query.get("text") is not None:
                text = h.explanation.components[0].contribution
                terms = sum(t.contribution for t in h.explanation.terms)
                assert abs(terms - text) < 1e-6, f"{name}: terms {terms} != text {text}"


def test_fixture_clock_matches_its_iso_time() -> None:
    now = datetime.fromtimestamp(FIXTURE["now_ms"] / 1000, tz=timezone.utc)
    assert now == datetime.fromisoformat(FIXTURE["now"].replace("Z", "+00:00"))


def test_memory_fixture_replays() -> None:
    f = FIXTURE
    now = datetime.fromtimestamp(f["now_ms"] / 1000, tz=timezone.utc)
    with juno.Juno(":memory:", now=now) as j:
        mem = j.memory
        n = len(f["memories"])
        mem.store_many(f["memories"])
        assert mem.stats().total == n

        check_recalls(j, f["recalls_at_now"])

        stored = mem.store_json(json.dumps(f["upsert"]["memory"]))
        assert stored.version == f["upsert"]["expect_version"]
        assert mem.stats().total == n, "upsert must not duplicate"
        events = [h.event for h in mem.history(stored.id)]
        assert events == f["upsert"]["expect_history_events"]

        for bad in f["invalid"]:
            with pytest.raises(JunoError) as info:
                mem.store_json(bad["json"])
            assert info.value.kind == bad["error_kind"], str(info.value)
            assert type(info.value) is ERRORS_BY_KIND[bad["error_kind"]]
            assert mem.stats().total == n, "a rejected input changed the store"

        j.set_clock(now + timedelta(seconds=f["advance_seconds"]))
        check_recalls(j, f["recalls_after_advance"])
        assert mem.cleanup() == f["cleanup_deleted"]
        stats = mem.stats().to_dict()
        assert stats["total"] == f["stats_after_cleanup"]["total"]
        assert stats["by_kind"] == f["stats_after_cleanup"]["by_kind"]


def test_learning_fixture_replays() -> None:
    learning = FIXTURE["learning"]
    with juno.Juno(":memory:") as j:
        mem = j.memory
        team, action = learning["team"], learning["action"]
        for outcome in learning["outcomes"]:
            mem.record_outcome(team, action, outcome)
        pref = mem.preference(team, action)
        assert pref is not None
        got = pref.to_dict()
        want = learning["expect_preference"]
        for field in ("stance", "approved", "rejected", "reverted", "total", "acceptance_rate"):
            assert got[field] == want[field], field
        assert abs(pref.confidence - want["confidence"]) < want["confidence_tolerance"]

        patterns = mem.recognize_patterns(team)
        assert len(patterns) == 1
        got = patterns[0].to_dict()
        for field in ("event", "result", "support", "supporting", "total"):
            assert got[field] == learning["expect_pattern"][field], field
        # The pattern links to exactly the episodes that support it.
        pattern_memory = mem.get(patterns[0].memory_id)
        assert pattern_memory.provenance.derived_from == patterns[0].episode_ids
        for episode_id in patterns[0].episode_ids:
            assert "result:rejected" in mem.get(episode_id).tags
