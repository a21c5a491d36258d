"""``juno demo --memory``: three teams' memories, learned from and recalled with explanations.

Deterministic: the engine's clock is fixed (``now=``) and moved with ``set_clock`` while
the history is built, so every run prints the same scores.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from juno._juno import Juno, Memories

#: The demo's "now": Monday 5 January 2026, 09:00 UTC.
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

PLANNING_SESSION = "gamma-planning-2026-01-05"


@dataclass(frozen=True)
class _Fact:
    days_ago: float
    kind: str
    team: str
    key: str
    text: str
    tags: tuple[str, ...] = ()
    importance: float = 0.5
    content: dict[str, Any] = field(default_factory=dict)
    user: str | None = None
    project: str | None = None
    session: str | None = None
    ttl_seconds: int | None = None


_FACTS: tuple[_Fact, ...] = (
    # team_alpha: the payments platform team.
    _Fact(20, "semantic", "team_alpha", "alpha-estimation",
          "alpha estimates in story points and splits any story above 8 points before planning",
          ("estimation", "planning"), 0.8),
    _Fact(15, "semantic", "team_alpha", "alpha-flaky-owner",
          "flaky integration tests are owned by the platform pod; page platform on-call",
          ("ci", "ownership"), 0.6),
    _Fact(12, "episodic", "team_alpha", "alpha-deploy-flaky",
          "deploy of payments-api to staging failed because of flaky integration tests",
          ("deploy", "ci", "incident"), 0.7, {"ticket": "PAY-311", "pipeline": "staging"}),
    _Fact(3, "episodic", "team_alpha", "alpha-release-slip",
          "release 4.2 slipped two days: payments API blocked on the security review",
          ("release", "blocker"), 0.8, {"release": "4.2", "ticket": "PAY-340"}),
    _Fact(9, "procedural", "team_alpha", "alpha-blocked-escalation",
          "when a ticket is blocked for more than two days, alpha escalates it at standup",
          ("blocker", "escalation"), 0.7),
    # team_beta: the mobile app team.
    _Fact(25, "semantic", "team_beta", "beta-estimation",
          "beta estimates in t-shirt sizes and never commits more than 30 points per sprint",
          ("estimation",), 0.7, project="mobile-app"),
    _Fact(6, "episodic", "team_beta", "beta-store-rejection",
          "app store review rejected release 7.1 because of a missing privacy label",
          ("release", "blocker"), 0.8, {"release": "7.1"}, project="mobile-app"),
    _Fact(2, "episodic", "team_beta", "beta-login-hotfix",
          "hotfix for the login crash on android shipped within four hours",
          ("incident", "hotfix"), 0.6, {"ticket": "MOB-902"}, project="mobile-app"),
    _Fact(14, "procedural", "team_beta", "beta-crash-freeze",
          "when the crash rate alert fires, beta freezes merges until the hotfix ships",
          ("incident", "release"), 0.8),
    # team_gamma: the data platform team.
    _Fact(18, "semantic", "team_gamma", "gamma-async-standup",
          "gamma prefers async standups written in the team channel before 10:00",
          ("ritual",), 0.5),
    _Fact(4, "episodic", "team_gamma", "gamma-etl-sla",
          "nightly ETL job missed its SLA after the warehouse migration; two dashboards were stale",
          ("incident", "data"), 0.7, {"ticket": "DATA-77"}),
    _Fact(0.5, "working", "team_gamma", "gamma-planning-capacity",
          "planning draft: carry over DATA-88 and DATA-91; capacity at 80% because of holidays",
          ("planning",), 0.5, user="maria@company.com", session=PLANNING_SESSION,
          ttl_seconds=24 * 3600),
    _Fact(0.25, "working", "team_gamma", "gamma-planning-question",
          "open planning question: who reviews the schema change in DATA-95",
          ("planning",), 0.4, user="maria@company.com", session=PLANNING_SESSION,
          ttl_seconds=8 * 3600),
)  # fmt: skip

# (days ago, team, action, outcome, subject, note)
_OUTCOMES: tuple[tuple[float, str, str, str, str, str | None], ...] = (
    (19, "team_alpha", "auto_reassign", "rejected", "PAY-301", "assignee was mid-review"),
    (16, "team_alpha", "auto_reassign", "rejected", "PAY-305", "team lead reassigns by hand"),
    (11, "team_alpha", "auto_reassign", "approved", "PAY-318", None),
    (7, "team_alpha", "auto_reassign", "rejected", "PAY-322", "context switch too costly"),
    (2, "team_alpha", "auto_reassign", "rejected", "PAY-337", "assignee back tomorrow"),
    (21, "team_beta", "split_ticket", "approved", "MOB-870", None),
    (17, "team_beta", "split_ticket", "approved", "MOB-881", None),
    (10, "team_beta", "split_ticket", "rejected", "MOB-889", "story was already small"),
    (5, "team_beta", "split_ticket", "approved", "MOB-895", None),
    (1, "team_beta", "split_ticket", "approved", "MOB-901", None),
    (13, "team_gamma", "scope_change", "approved", "DATA-80", None),
    (8, "team_gamma", "scope_change", "rejected", "DATA-84", "sprint goal at risk"),
    (3, "team_gamma", "scope_change", "approved", "DATA-90", None),
    (1, "team_gamma", "scope_change", "rejected", "DATA-93", "no capacity left"),
)

# (title, recall arguments)
_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Why did alpha's deploys fail?",
     {"text": "flaky deploy failed", "team": "team_alpha", "limit": 3}),
    ("Release blockers across all teams",
     {"text": "release blocked rejected", "kinds": ["episodic"], "limit": 3}),
    ("How does beta estimate? (project mobile-app)",
     {"text": "estimates points sprint", "project": "mobile-app", "limit": 2}),
    ("Gamma's open planning session (working memory, no text: recency and importance rank)",
     {"session": PLANNING_SESSION, "kinds": ["working"], "limit": 5}),
)  # fmt: skip


def _remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def _seed(j: Juno, memory: Memories) -> int:
    """Stores the facts and outcomes in time order; returns how many memories were stored."""
    events: list[tuple[float, int, Any]] = []
    events += [(f.days_ago, 0, f) for f in _FACTS]
    events += [(o[0], 1, o) for o in _OUTCOMES]
    stored = 0
    for days_ago, what, item in sorted(events, key=lambda e: (-e[0], e[1])):
        j.set_clock(NOW - timedelta(days=days_ago))
        if what == 0:
            f: _Fact = item
            memory.store(
                f.kind, f.team, f.text, key=f.key, tags=f.tags, importance=f.importance,
                content=f.content, user=f.user, project=f.project, session=f.session,
                ttl_seconds=f.ttl_seconds,
            )  # fmt: skip
            stored += 1
        else:
            _, team, action, outcome, subject, note = item
            memory.record_outcome(team, action, outcome, subject=subject, note=note)
            stored += 1
    j.set_clock(NOW)
    return stored


def _indent(text: str, by: str) -> str:
    return textwrap.indent(text, by)


def run_memory_demo(path: str) -> None:
    """Builds the demo database at ``path`` (recreated) and prints what JUNO recalls."""
    _remove_database(path)
    with Juno(path, now=NOW) as j:
        memory = j.memory
        print(f"JUNO {j.version} demo: {path} (recreated), clock fixed at {NOW.isoformat()}")
        print()
        _seed(j, memory)
        stats = memory.stats()
        teams = ", ".join(stats.by_team)
        print(
            f"Seeded {len(_FACTS)} team memories and recorded {len(_OUTCOMES)} outcomes"
            f" for {len(stats.by_team)} teams ({teams})."
        )
        print(
            f"The store now holds {stats.total} memories: "
            + ", ".join(f"{n} {kind}" for kind, n in stats.by_kind.items())
            + " (each outcome is an episode; each team's preference is a semantic memory)."
        )

        patterns = memory.recognize_patterns()
        print()
        print("=" * 78)
        print("Recall — ranked by text relevance (BM25), recency, importance and access")
        print("=" * 78)
        for title, query in _QUERIES:
            print()
            args = ", ".join(f"{k}={v!r}" for k, v in query.items())
            print(f"## {title}")
            print(f"   recall({args})")
            hits = memory.recall(**query, touch=False)
            if not hits:
                print("   (nothing recalled)")
            for rank, hit in enumerate(hits, 1):
                m = hit.memory
                print()
                print(f"   {rank}. [{m.kind}, {m.team}] {m.text}")
                print(_indent(hit.explain(), "      "))

        print()
        print("=" * 78)
        print("Learned from outcomes")
        print("=" * 78)
        for team, action in (
            ("team_alpha", "auto_reassign"),
            ("team_beta", "split_ticket"),
            ("team_gamma", "scope_change"),
        ):
            pref = memory.preference(team, action)
            if pref is None:  # pragma: no cover - every pair above has outcomes
                continue
            verb = "is undecided about" if pref.stance == "undecided" else pref.stance
            print(
                f"preference: {pref.team} {verb} {pref.action.replace('_', ' ')}"
                f" — approved {pref.approved} of {pref.total}"
                f" (acceptance {pref.acceptance_rate:.0%}, confidence {pref.confidence:.2f})"
            )
        for p in patterns:
            print(
                f"pattern:    when {p.event.replace('_', ' ')}, {p.team} usually ends {p.result}"
                f" — {p.supporting} of {p.total} episodes (support {p.support:.2f});"
                f" episodes {p.episode_ids}"
            )
        if not any(p.team == "team_gamma" for p in patterns):
            print(
                "            (no pattern for team_gamma: scope changes split 2-2, below the"
                " 0.7 support threshold)"
            )

        ended = memory.end_session(PLANNING_SESSION)
        print()
        print(f"Ended session {PLANNING_SESSION}: {ended} working memories removed.")
        stats = memory.stats()
        print()
        print("=" * 78)
        print("Stats")
        print("=" * 78)
        kinds = list(stats.by_kind)
        print(f"{'team':<12}" + "".join(f"{k:>12}" for k in kinds))
        for team, counts in stats.by_team.items():
            print(f"{team:<12}" + "".join(f"{counts.get(k, 0):>12}" for k in kinds))
        print(f"{'all':<12}" + "".join(f"{stats.by_kind[k]:>12}" for k in kinds))
        print(f"total {stats.total} memories, database {stats.database_bytes} bytes")
