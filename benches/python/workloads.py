"""The workloads of issue #15, as a Python host runs them against JUNO.

Each builder takes a :class:`Config`, builds its state and its seeded payloads outside
the timed part, and returns a :class:`Bench`: the timed callable, the number of items it
handles and, for workloads that change the database, a ``reset`` that rebuilds the state
before each timed run. ``run.py`` does the timing; this module only builds.

Payloads are plain dicts, lists, strings, numbers and aware datetimes, as a host holding
Jira-like data would pass them; every random choice comes from ``random.Random(seed)``, so
two builds (the baseline's and the candidate's) hand JUNO the same bytes.
"""

from __future__ import annotations

import array
import importlib
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from time import perf_counter_ns
from typing import Any

import juno
from juno import _juno

#: The engine's clock in every workload: a Monday morning.
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

#: ``--quick`` divides every item count by this (for CI smoke runs).
QUICK_DIVISOR = 20

Payload = dict[str, Any]


class NotAvailable(Exception):
    """The call a workload measures is not in the installed build."""


@dataclass(frozen=True)
class Config:
    """What every builder needs: the scale and the seed."""

    quick: bool = False
    seed: int = 15

    def size(self, full: int) -> int:
        """``full`` items, or a twentieth of them under ``--quick``."""
        return max(1, full // QUICK_DIVISOR) if self.quick else full

    def rng(self, salt: int) -> random.Random:
        """A generator of its own per workload, so adding one does not shift the others."""
        return random.Random(self.seed * 1_000_003 + salt)


def _noop() -> None:
    pass


@dataclass
class Bench:
    """One prepared workload."""

    #: The timed part: one call of it is one timed run.
    run: Callable[[], object]
    #: Items one run handles (tickets, calls, sprints, queries, memories, approvals).
    items: int
    #: What an item is, for the table.
    unit: str
    #: Rebuilds the state before each run (outside the timing), for runs that consume it.
    reset: Callable[[], None] | None = None
    #: Filled by ``run`` with one duration per operation, when per-operation
    #: percentiles mean something (the operation is long enough to time on its own).
    latencies_ns: list[int] | None = None
    #: Context printed under the table.
    note: str = ""
    #: Releases the engine and its temporary files.
    close: Callable[[], None] = _noop
    #: Figures a builder learns while running (hits per query, deletions), for the report.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The same work timed inside Rust (``juno._juno._bench_core_ns``): nanoseconds for
    #: one run's items, so the boundary's share shows. ``None`` where there is no such hook.
    rust_ns: Callable[[], int] | None = None


def _core_ns(j: juno.Juno, workload: str, payload: list[Payload]) -> Callable[[], int] | None:
    """The Rust-side timing of ``workload`` on ``payload``, when this build has the hook."""
    hook = getattr(_juno, "_bench_core_ns", None)
    if hook is None:
        return None
    return lambda: int(hook(j, workload, payload, NOW))


# ------------------------------------------------------------------------ payloads

PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
PRIORITY_WEIGHTS = (3, 12, 50, 25, 10)
STATUSES = ("To Do", "In Progress", "In Review", "QA", "Blocked")
STATUS_WEIGHTS = (45, 25, 15, 10, 5)
LABELS = ("backend", "frontend", "tech-debt", "customer", "regression", "api", "mobile",
          "infra", "pinned", "security")  # fmt: skip

WORDS = (
    "deploy review estimate sprint story ticket blocked flaky test release staging "
    "incident retro standup backlog refine pairing merge pipeline build rollback hotfix "
    "velocity scope capacity vacation oncall handover design spike dependency api schema "
    "migration database cache latency timeout alert dashboard customer support bug "
    "regression feature flag canary approval reassign priority epic points split carryover"
).split()
#: Zipf-like weights: a few words are common, most are rare, as in real notes.
WORD_WEIGHTS = [1.0 / (i + 1) for i in range(len(WORDS))]

TEAM_NAMES = ("payments", "search", "mobile", "platform", "checkout", "identity",
              "growth", "data", "infra", "support", "billing", "catalog")  # fmt: skip
KINDS = ("episodic", "semantic", "procedural", "working")
ACTIONS = ("reassign", "request_info", "update_priority", "defer", "close", "escalate")


def _text(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choices(WORDS, weights=WORD_WEIGHTS, k=rng.randint(lo, hi)))


def _team_code(t: int) -> str:
    return f"T{t:03d}"


def ticket(rng: random.Random, i: int, now: datetime, *, idle_days: float | None = None) -> Payload:
    """One open ticket in the core's ``Ticket`` shape, 13 keys, times as aware datetimes.

    The idle time is uniform over 60 days unless given, as in the core's triage bench
    (``benches/benches/triage.rs``), so the per-ticket figure compares with its 0.07 µs.
    """
    t = rng.randrange(500)
    if idle_days is None:
        idle = timedelta(hours=rng.randrange(24 * 60))
    else:
        idle = timedelta(days=idle_days)
    updated = now - idle
    n_labels = rng.choices((0, 1, 2, 3), weights=(40, 35, 20, 5))[0]
    return {
        "key": f"{_team_code(t)}-{i}",
        "team": f"team_{t:03d}",
        "priority": rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0],
        "assignee": f"user{rng.randrange(5000)}@company.com" if rng.random() < 0.75 else None,
        "labels": rng.sample(LABELS, n_labels),
        "created": updated - timedelta(hours=rng.randrange(24, 24 * 120)),
        "updated": updated,
        "status": rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0],
        "last_comment": updated - timedelta(hours=3) if rng.random() < 0.5 else None,
        "blocked": rng.random() < 0.1,
        "blocking": 1 if rng.random() < 0.05 else 0,
        "estimated": rng.random() < 0.83,
        "in_active_sprint": rng.random() < 0.33,
    }


def _as_strings(t: Payload) -> Payload:
    """The ticket with its times as RFC 3339 strings (what JSON would carry)."""
    return {k: v.isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else v
            for k, v in t.items()}  # fmt: skip


def evidence(rng: random.Random) -> Payload:
    """A full ``Evidence`` dict: every key present, as a proposal's confidence has it."""
    total = rng.randrange(0, 60)
    subject = f"{_team_code(rng.randrange(500))}-{rng.randrange(1, 9000)}"
    items = [
        f"{subject} idle {rng.randrange(3, 40)} days",
        f"priority {rng.choice(PRIORITIES)}, {rng.choice(('assigned', 'unassigned'))}",
        f"team accepted {rng.randrange(0, total + 1)} of {total} similar proposals",
    ]
    return {
        "completeness": round(rng.uniform(0.5, 1.0), 3),
        "observations": rng.randrange(1, 200),
        "newest_evidence_age_hours": round(rng.uniform(0.0, 240.0), 1),
        "track_record_right": rng.randrange(0, total + 1),
        "track_record_total": total,
        "pattern_support": round(rng.uniform(0.3, 1.0), 3),
        "pattern_episodes": rng.randrange(0, 20),
        "engine_signals": [round(rng.random(), 3) for _ in range(rng.randint(2, 3))],
        "items": items,
    }


def _history(rng: random.Random, committed: float, size: int) -> Payload:
    """A ``TeamHistory``: 8 finished sprints of 10 working days, and their 80 days."""
    sprints = [
        {
            "committed_points": committed,
            "delivered_points": round(committed * rng.uniform(0.5, 1.1), 1),
            "days": 10.0,
            "team_size": size,
        }
        for _ in range(8)
    ]
    return {
        "sprints": sprints,
        # Points per day, to the half point.
        "daily_throughput": [
            round(committed / 10 * rng.uniform(0.0, 2.0) * 2) / 2 for _ in range(80)
        ],
        "daily_scope_change": [
            float(rng.choice((1, 2, 3, -1))) if rng.random() < 0.1 else 0.0 for _ in range(80)
        ],
    }


def _sprint_state(rng: random.Random, t: int, sprint: str, committed: float, size: int) -> Payload:
    """An active sprint's ``SprintState`` on a random day of its ten."""
    elapsed = float(rng.randrange(0, 10))
    done = round(committed * min(1.0, rng.uniform(0.3, 1.2) * elapsed / 10), 1)
    left = committed - done
    issues = max(3, int(committed / 3))
    done_issues = int(issues * done / committed)
    in_progress_issues = min(issues - done_issues, rng.randint(1, size))
    return {
        "team": f"team_{t:03d}",
        "sprint": sprint,
        "committed_points": committed,
        "added_points": float(rng.randrange(0, 6)),
        "removed_points": float(rng.choice((0, 0, 0, 2, 3))),
        "todo_points": round(left * 0.7, 1),
        "in_progress_points": round(left * 0.3, 1),
        "done_points": done,
        "committed_issues": issues,
        "added_issues": rng.randrange(0, 3),
        "removed_issues": rng.choice((0, 0, 1)),
        "todo_issues": issues - done_issues - in_progress_issues,
        "in_progress_issues": in_progress_issues,
        "done_issues": done_issues,
        "days_elapsed": elapsed,
        "days_planned": 10.0,
        "team_size": size,
        "blocked": rng.randrange(0, 3),
        "dependencies": rng.randrange(0, 3),
        "defects": rng.randrange(0, 4),
        "review_queue": rng.randrange(0, 3),
    }


def memory_item(rng: random.Random, team: str, kind: str, *, ttl: int | None = None) -> Payload:
    """One memory in the core's ``NewMemory`` shape, as ``store_many`` takes it."""
    item: Payload = {
        "kind": kind,
        "scope": {"team": team},
        "text": _text(rng, 8, 15),
        "tags": rng.sample(("sprint", "review", "deploy", "oncall", "estimation", "quality"),
                           rng.randint(1, 2)),  # fmt: skip
        "importance": round(rng.uniform(0.2, 0.9), 2),
    }
    if kind == "episodic":
        item["content"] = {"ticket": f"{team[:3].upper()}-{rng.randrange(1, 900)}",
                           "action": rng.choice(ACTIONS),
                           "outcome": rng.choice(("approved", "rejected", "reverted"))}  # fmt: skip
    if kind == "working":
        item["session"] = f"standup-{rng.randrange(1, 6)}"
    if ttl is not None:
        item["ttl_seconds"] = ttl
    return item


# --------------------------------------------------------------------- databases


class _TempDb:
    """Files in one temporary directory, a fresh name per engine so nothing is reused."""

    def __init__(self, prefix: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix=f"juno-bench-{prefix}-")
        self._n = 0

    def fresh(self) -> Path:
        self._n += 1
        return Path(self._dir.name) / f"db{self._n}.sqlite"

    @staticmethod
    def remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(f"{path}{suffix}")
            except FileNotFoundError:
                pass

    def close(self) -> None:
        self._dir.cleanup()


class _Engines:
    """One live engine at a time on a fresh file: what the stateful workloads reset to."""

    def __init__(self, prefix: str) -> None:
        self.db = _TempDb(prefix)
        self.engine: juno.Juno | None = None
        self.path: Path | None = None

    def fresh(self) -> juno.Juno:
        self.drop()
        self.path = self.db.fresh()
        self.engine = juno.Juno(self.path, now=NOW)
        return self.engine

    def drop(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        if self.path is not None:
            self.db.remove(self.path)
            self.path = None

    def close(self) -> None:
        self.drop()
        self.db.close()


# ---------------------------------------------------------------------- workloads


def triage_scan(cfg: Config) -> Bench:
    """100,000 ticket dicts, one ``triage.scan`` call."""
    rng = cfg.rng(1)
    n = cfg.size(100_000)
    tickets = [ticket(rng, i, NOW) for i in range(n)]
    j = juno.Juno(":memory:", now=NOW)
    scan = j.triage.scan

    def run() -> object:
        return scan(tickets, now=NOW)

    proposals = len(scan(tickets, now=NOW))
    note = f"13-key dicts, datetimes; {proposals} proposals (default cap 50)"
    return Bench(run, n, "ticket", close=j.close, note=note,
                 rust_ns=_core_ns(j, "triage_scan", tickets))  # fmt: skip


def confidence(cfg: Config) -> Bench:
    """100,000 full evidence dicts, one ``reasoning.confidence`` call each."""
    rng = cfg.rng(2)
    n = cfg.size(100_000)
    evidences = [evidence(rng) for _ in range(n)]
    j = juno.Juno(":memory:", now=NOW)
    # Bound once, as a host's loop would; the ``j.reasoning`` property costs ~0.1 µs more.
    score = j.reasoning.confidence

    def run() -> object:
        for e in evidences:
            score(e)
        return None

    return Bench(run, n, "call", close=j.close, note="9-key evidence dicts")


def confidence_empty(cfg: Config) -> Bench:
    """100,000 calls with ``{}``: the per-call floor of the binding."""
    n = cfg.size(100_000)
    j = juno.Juno(":memory:", now=NOW)
    score = j.reasoning.confidence
    empty: Payload = {}

    def run() -> object:
        for _ in range(n):
            score(empty)
        return None

    return Bench(run, n, "call", close=j.close, note="evidence {}")


def confidence_many(cfg: Config) -> Bench:
    """The same 100,000 evidence dicts in one ``reasoning.confidence_many`` call."""
    j = juno.Juno(":memory:", now=NOW)
    if not hasattr(j.reasoning, "confidence_many"):
        j.close()
        raise NotAvailable("reasoning.confidence_many")
    rng = cfg.rng(2)  # the same evidences as ``confidence``
    n = cfg.size(100_000)
    evidences = [evidence(rng) for _ in range(n)]
    many: Callable[[list[Payload]], list[Any]] = getattr(j.reasoning, "confidence_many")

    def run() -> object:
        return many(evidences)

    got = len(many(evidences[:10]))
    if got != min(10, n):
        raise RuntimeError(f"confidence_many returned {got} results for 10 inputs")
    return Bench(run, n, "item", close=j.close, note="one call, list of 9-key evidence dicts",
                 rust_ns=_core_ns(j, "confidence_many", evidences))  # fmt: skip


def confidence_columns(cfg: Config) -> Bench:
    """The same 100,000 decisions as float64 columns in one ``reasoning.confidence_columns``
    call (numpy arrays when numpy is installed, else ``array.array('d')``)."""
    j = juno.Juno(":memory:", now=NOW)
    if not hasattr(j.reasoning, "confidence_columns"):
        j.close()
        raise NotAvailable("reasoning.confidence_columns")
    rng = cfg.rng(2)  # the same evidences as ``confidence``
    n = cfg.size(100_000)
    evidences = [evidence(rng) for _ in range(n)]
    nan = float("nan")

    def col(key: str, absent: float = 0.0) -> list[float]:
        return [absent if e.get(key) is None else float(e[key]) for e in evidences]

    columns: dict[str, Any] = {
        "completeness": col("completeness"),
        "observations": col("observations"),
        "newest_evidence_age_hours": col("newest_evidence_age_hours", nan),
        "track_record_right": col("track_record_right"),
        "track_record_total": col("track_record_total"),
        "pattern_support": col("pattern_support", nan),
        "pattern_episodes": col("pattern_episodes"),
    }
    widths = {len(e.get("engine_signals", [])) for e in evidences}
    try:
        np = importlib.import_module("numpy")
        arrays: dict[str, Any] = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
        if len(widths) == 1:
            arrays["engine_signals"] = np.asarray(
                [e.get("engine_signals", []) for e in evidences], dtype=np.float64
            )
        kind = "numpy float64 arrays"
    except ImportError:
        arrays = {k: array.array("d", v) for k, v in columns.items()}
        if len(widths) == 1:
            arrays["engine_signals"] = [e.get("engine_signals", []) for e in evidences]
        kind = "array.array('d') columns"
    signals = "with" if "engine_signals" in arrays else "without (ragged)"
    score: Callable[..., Any] = getattr(j.reasoning, "confidence_columns")

    def run() -> object:
        return score(**arrays)

    return Bench(run, n, "item", close=j.close,
                 note=f"one call, {kind}, {signals} engine signals",
                 rust_ns=_core_ns(j, "confidence_columns", evidences))  # fmt: skip


def forecast_sprints(cfg: Config) -> Bench:
    """10,000 active sprints of 500 teams in one ``forecast.sprints`` call, model trained."""
    return _forecast_sprints(cfg, None)


def forecast_sprints_2k(cfg: Config) -> Bench:
    """The same with ``FORECAST_TRIALS=2000`` (the default is 10,000)."""
    return _forecast_sprints(cfg, 2_000)


def _forecast_sprints(cfg: Config, trials: int | None) -> Bench:
    rng = cfg.rng(3)
    n = cfg.size(10_000)
    teams = 500
    sizes = [rng.randint(4, 8) for _ in range(teams)]
    committed = [20.0 + 5.0 * (t % 9) for t in range(teams)]
    # One history dict per team, shared by that team's items, as a host would hold it.
    histories = [_history(rng, committed[t], sizes[t]) for t in range(teams)]
    settings = None if trials is None else {"FORECAST_TRIALS": str(trials)}
    try:
        j = juno.Juno(":memory:", now=NOW, settings=settings)
    except juno.errors.ConfigError as e:
        raise NotAvailable("FORECAST_TRIALS") from e
    # A trained model, as a deployment in steady state has: 200 recorded sprints, as in the
    # core's forecast bench, so the timed call takes the model path.
    for i in range(200):
        t = rng.randrange(teams)
        state = _sprint_state(rng, t, f"past-{i}", committed[t], sizes[t])
        state["days_elapsed"] = 3.0
        j.forecast.record({
            "state": state,
            "history": histories[t],
            "delivered_points": round(committed[t] * rng.uniform(0.4, 1.2), 1),
            "ended_at": NOW - timedelta(days=14 * (200 - i) / 10),
        })  # fmt: skip
    trained = j.forecast.retrain().trained
    items = [
        {"state": _sprint_state(rng, i % teams, f"2026-S{i // teams + 1}", committed[i % teams],
                                sizes[i % teams]),
         "history": histories[i % teams]}
        for i in range(n)
    ]  # fmt: skip
    sprints = j.forecast.sprints

    def run() -> object:
        return sprints(items)

    basis = sprints(items[:1])[0].probability_basis
    trials = sprints(items[:1])[0].delivery.trials
    note = f"8-sprint histories with 80 days; model trained: {trained} ({basis}); {trials} trials"
    return Bench(run, n, "sprint", close=j.close, note=note,
                 rust_ns=_core_ns(j, "forecast_sprints", items))  # fmt: skip


#: Memories per team and kind in the recall database: a type+team query returns them all.
_RECALL_CELL = (72, 88)


def _recall_engine(cfg: Config, engines: _Engines) -> tuple[juno.Juno, list[tuple[str, str]], int]:
    """12 teams × 4 kinds × ~80 memories on a file, stored over 20 days."""
    rng = cfg.rng(4)
    j = engines.fresh()
    days = 20
    batches: list[list[Payload]] = [[] for _ in range(days)]
    total = 0
    for team in TEAM_NAMES:
        for kind in KINDS:
            for _ in range(rng.randint(*_RECALL_CELL)):
                # Working memories are the last days' scratch, with a week's TTL.
                day = rng.randrange(days - 2, days) if kind == "working" else rng.randrange(days)
                ttl = 7 * 86_400 if kind == "working" else None
                batches[day].append(memory_item(rng, team, kind, ttl=ttl))
                total += 1
    for day, batch in enumerate(batches):
        j.set_clock(NOW - timedelta(days=days - day))
        j.memory.store_many(batch)
    j.set_clock(NOW)
    # Query sizes are independent of --quick, so the per-query figure is comparable.
    queries = [(rng.choice(TEAM_NAMES), rng.choice(KINDS)) for _ in range(cfg.size(1_000))]
    return j, queries, total


def _recall(cfg: Config, touch: bool) -> Bench:
    engines = _Engines("recall")
    j, queries, total = _recall_engine(cfg, engines)
    recall = j.memory.recall
    latencies: list[int] = []

    def run() -> object:
        for team, kind in queries:
            t0 = perf_counter_ns()
            recall(team=team, kinds=[kind], limit=100, touch=touch)
            latencies.append(perf_counter_ns() - t0)
        return None

    hits = sum(len(recall(team=t, kinds=[k], limit=100, touch=False)) for t, k in queries[:50])
    mean_hits = hits / min(50, len(queries))
    return Bench(run, len(queries), "query", latencies_ns=latencies, close=engines.close,
                 note=f"file db, {total} memories; {mean_hits:.1f} hits/query; touch={touch}",
                 extra={"mean_hits": round(mean_hits, 1), "memories": total})  # fmt: skip


def recall(cfg: Config) -> Bench:
    """1,000 type+team queries (~80 hits each), default ``touch=True``."""
    return _recall(cfg, touch=True)


def recall_notouch(cfg: Config) -> Bench:
    """The same queries with ``touch=False``."""
    return _recall(cfg, touch=False)


def recall_many(cfg: Config) -> Bench:
    """The same 1,000 queries as dicts in one ``memory.recall_many`` call."""
    engines = _Engines("recall-many")
    j, queries, total = _recall_engine(cfg, engines)
    if not hasattr(j.memory, "recall_many"):
        engines.close()
        raise NotAvailable("memory.recall_many")
    many: Callable[[list[Payload]], list[Any]] = getattr(j.memory, "recall_many")
    dicts: list[Payload] = [{"team": t, "kinds": [k], "limit": 100} for t, k in queries]

    def run() -> object:
        return many(dicts)

    return Bench(run, len(dicts), "query", close=engines.close,
                 note=f"file db, {total} memories; one call, default touch (Rust: untouched)",
                 rust_ns=_core_ns(j, "recall_many", dicts))  # fmt: skip


def cleanup(cfg: Config) -> Bench:
    """One ``memory.cleanup()`` deleting ~2,500 expired memories beside as many live ones."""
    rng = cfg.rng(5)
    expired = cfg.size(2_500)
    live = cfg.size(2_500)
    items: list[Payload] = []
    for _ in range(expired):
        # What expires in practice: working scratch and short-lived episodes.
        kind = "working" if rng.random() < 0.7 else "episodic"
        items.append(memory_item(rng, rng.choice(TEAM_NAMES), kind, ttl=rng.randrange(60, 3_600)))
    for _ in range(live):
        items.append(memory_item(rng, rng.choice(TEAM_NAMES), rng.choice(KINDS[:3])))
    rng.shuffle(items)
    engines = _Engines("cleanup")
    deleted: list[int] = []

    def reset() -> None:
        j = engines.fresh()
        j.memory.store_many(items)
        # Two hours on: every TTL above has passed; nothing is near the retention period.
        j.set_clock(NOW + timedelta(hours=2))

    def run() -> object:
        assert engines.engine is not None
        n = engines.engine.memory.cleanup()
        deleted.append(n)
        return n

    def check_close() -> None:
        engines.close()
        if any(d != expired for d in deleted):
            raise RuntimeError(f"cleanup deleted {sorted(set(deleted))}, expected {expired}")

    note = f"file db, {expired} expired + {live} live; state rebuilt per run"
    return Bench(run, expired, "memory", reset=reset, close=check_close, note=note)


_IMPACT_WEIGHTS = (("low", 70), ("medium", 20), ("high", 8), ("critical", 2))


def _requests(cfg: Config, n: int, teams: int) -> list[Payload]:
    rng = cfg.rng(6)
    impacts = [i for i, _ in _IMPACT_WEIGHTS]
    weights = [w for _, w in _IMPACT_WEIGHTS]
    out: list[Payload] = []
    for i in range(n):
        t = rng.randrange(teams)
        kind = rng.choice(ACTIONS[:5])
        by_kind: dict[str, Payload] = {
            "reassign": {"assignee": f"user{rng.randrange(5000)}@company.com"},
            "request_info": {"comment": "Could you add acceptance criteria?"},
            "update_priority": {"priority": rng.choice(PRIORITIES)},
            "defer": {"sprint": None},
            "close": {"resolution": "Won't Do"},
        }
        params = by_kind[kind]
        idle = rng.randrange(7, 40)
        out.append({
            "action": {"kind": kind, "team": f"team_{t:02d}", "target": f"{_team_code(t)}-{i}",
                       "parameters": params},
            "impact": rng.choices(impacts, weights=weights)[0],
            "confidence": round(rng.uniform(0.3, 0.95), 3),
            "explanation": f"{_team_code(t)}-{i} idle {idle} days",
            "requester": "juno",
        })  # fmt: skip
    return out


Approval = tuple[int, str, str]  # (request id, approver, digest)


def _approvals(cfg: Config, prefix: str) -> tuple[_Engines, Callable[[], list[Approval]], int]:
    """The engines, a ``prepare`` that opens a fresh file engine holding ``n`` pending
    requests and returns who approves each, and ``n``."""
    n = cfg.size(10_000)
    teams = 50
    requests = _requests(cfg, n, teams)
    engines = _Engines(prefix)

    def prepare() -> list[Approval]:
        j = engines.fresh()
        gov = j.governance
        for t in range(teams):
            gov.assign_role(f"lead{t:02d}@company.com", "TEAM_LEAD", [f"team_{t:02d}"], by="admin")
        gov.assign_role("pm@company.com", "PROJECT_MANAGER", ["*"], by="admin")
        gov.assign_role("em@company.com", "ENGINEERING_MANAGER", ["*"], by="admin")
        gov.assign_role("director@company.com", "DIRECTOR", ["*"], by="admin")
        ids = gov.submit_many(requests)
        # Five minutes later the approvers act, well before any deadline (4 h at least).
        j.set_clock(NOW + timedelta(minutes=5))
        by_role = {"PROJECT_MANAGER": "pm@company.com", "ENGINEERING_MANAGER": "em@company.com",
                   "DIRECTOR": "director@company.com"}  # fmt: skip
        pending = {r.id: r for r in gov.pending()}
        out = []
        for i in ids:
            r = pending[i]
            who = f"lead{r.team[5:]}@company.com" if r.role == "TEAM_LEAD" else by_role[r.role]
            out.append((i, who, r.digest))
        return out

    return engines, prepare, n


def approve(cfg: Config) -> Bench:
    """10,000 requests submitted in one batch, then one ``governance.approve`` call each."""
    engines, prepare, n = _approvals(cfg, "approve")
    todo: list[Approval] = []
    latencies: list[int] = []

    def reset() -> None:
        todo[:] = prepare()

    def run() -> object:
        assert engines.engine is not None
        approve_one = engines.engine.governance.approve
        for i, who, digest in todo:
            t0 = perf_counter_ns()
            approve_one(i, who, digest)
            latencies.append(perf_counter_ns() - t0)
        return None

    return Bench(run, n, "approval", reset=reset, latencies_ns=latencies, close=engines.close,
                 note="file db; submit_many outside the timing; state rebuilt per run")  # fmt: skip


def approve_threads(cfg: Config) -> Bench:
    """The same approvals from 16 threads at once, one ``governance.approve`` call each
    (concurrent approvals share commits where the build groups them)."""
    engines, prepare, n = _approvals(cfg, "approve-threads")
    todo: list[Approval] = []
    latencies: list[int] = []
    threads = 16

    def reset() -> None:
        todo[:] = prepare()

    def run() -> object:
        assert engines.engine is not None
        approve_one = engines.engine.governance.approve

        def work(share: list[Approval]) -> list[int]:
            spent = []
            for i, who, digest in share:
                t0 = perf_counter_ns()
                approve_one(i, who, digest)
                spent.append(perf_counter_ns() - t0)
            return spent

        with ThreadPoolExecutor(threads) as pool:
            for spent in pool.map(work, [todo[k::threads] for k in range(threads)]):
                latencies.extend(spent)
        return None

    return Bench(run, n, "approval", reset=reset, latencies_ns=latencies, close=engines.close,
                 note=f"file db; {threads} threads; per approval = wall time / approvals")  # fmt: skip


def approve_many(cfg: Config) -> Bench:
    """The same approvals as dicts in one ``governance.approve_many`` call."""
    engines, prepare, n = _approvals(cfg, "approve-many")
    probe = engines.fresh()
    if not hasattr(probe.governance, "approve_many"):
        engines.close()
        raise NotAvailable("governance.approve_many")
    todo: list[Payload] = []

    def reset() -> None:
        todo[:] = [{"id": i, "approver": who, "digest": d} for i, who, d in prepare()]

    def run() -> object:
        assert engines.engine is not None
        gov = engines.engine.governance
        many: Callable[[list[Payload]], list[Any]] = getattr(gov, "approve_many")
        got = many(todo)
        if len(got) != len(todo):
            raise RuntimeError(f"approve_many returned {len(got)} results for {len(todo)}")
        return got

    return Bench(run, n, "approval", reset=reset, close=engines.close,
                 note="file db; one call; state rebuilt per run")  # fmt: skip


def _fresh_tickets(cfg: Config) -> list[Payload]:
    """10,000 tickets updated within the last day: no proposals, so a scan is mostly the
    conversion of its input."""
    rng = cfg.rng(7)
    return [ticket(rng, i, NOW, idle_days=rng.uniform(0.0, 1.0)) for i in range(cfg.size(10_000))]


def _conversion(cfg: Config, tickets: list[Payload], what: str) -> Bench:
    j = juno.Juno(":memory:", now=NOW)
    scan = j.triage.scan

    def run() -> object:
        return scan(tickets, now=NOW)

    proposals = len(scan(tickets, now=NOW))
    return Bench(run, len(tickets), "ticket", close=j.close,
                 note=f"scan of fresh 13-key tickets ({what}); {proposals} proposals")  # fmt: skip


def ticket_conversion(cfg: Config) -> Bench:
    """Handing 10,000 fresh ticket dicts (times as datetimes) to ``triage.scan``."""
    return _conversion(cfg, _fresh_tickets(cfg), "datetimes")


def ticket_conversion_str(cfg: Config) -> Bench:
    """The same tickets with their times as RFC 3339 strings."""
    return _conversion(cfg, [_as_strings(t) for t in _fresh_tickets(cfg)], "RFC 3339 strings")


def ticket_convert_only(cfg: Config) -> Bench:
    """The conversion alone (``_juno._bench_convert_tickets_ns``) of the fresh tickets with
    datetimes; its Rust column is ``serde_json`` parsing the same tickets as JSON text."""
    return _convert_only(_fresh_tickets(cfg), "datetimes")


def ticket_convert_only_zone(cfg: Config) -> Bench:
    """The conversion alone of the same instants in another zone (UTC+02:00): datetimes
    whose ``tzinfo`` is not ``timezone.utc`` itself take the slower path (three calls)."""
    zone = timezone(timedelta(hours=2))
    tickets = [{k: v.astimezone(zone) if isinstance(v, datetime) else v for k, v in t.items()}
               for t in _fresh_tickets(cfg)]  # fmt: skip
    return _convert_only(tickets, "datetimes in UTC+02:00")


def ticket_convert_only_str(cfg: Config) -> Bench:
    """The conversion alone of the same tickets with RFC 3339 strings for times."""
    return _convert_only([_as_strings(t) for t in _fresh_tickets(cfg)], "strings")


def _convert_only(tickets: list[Payload], what: str) -> Bench:
    """The binding's conversion of ``tickets`` alone; Rust: serde_json on the same JSON."""
    hook = getattr(_juno, "_bench_convert_tickets_ns", None)
    parse = getattr(_juno, "_bench_parse_tickets_ns", None)
    if hook is None or parse is None:
        raise NotAvailable("_juno._bench_convert_tickets_ns")
    text = json.dumps([_as_strings(t) for t in tickets])

    def run() -> object:
        return hook(tickets)

    return Bench(run, len(tickets), "ticket", note=f"dict → core ticket, {what} (Rust: serde_json)",
                 rust_ns=lambda: int(parse(text)))  # fmt: skip


def ticket_json_loads(cfg: Config) -> Bench:
    """Context, no JUNO: ``json.loads`` of the same tickets as one JSON array."""
    text = json.dumps([_as_strings(t) for t in _fresh_tickets(cfg)])
    n = cfg.size(10_000)

    def run() -> object:
        return json.loads(text)

    return Bench(run, n, "ticket", note=f"stdlib json, {len(text) // n} bytes per ticket")


def ticket_json_dumps(cfg: Config) -> Bench:
    """Context, no JUNO: ``json.dumps`` of the same tickets (strings for times)."""
    tickets = [_as_strings(t) for t in _fresh_tickets(cfg)]

    def run() -> object:
        return json.dumps(tickets)

    return Bench(run, len(tickets), "ticket", note="stdlib json")


#: Every workload by name, in the order the table lists them.
WORKLOADS: dict[str, Callable[[Config], Bench]] = {
    "triage_scan": triage_scan,
    "confidence": confidence,
    "confidence_empty": confidence_empty,
    "confidence_many": confidence_many,
    "confidence_columns": confidence_columns,
    "forecast_sprints": forecast_sprints,
    "forecast_sprints_2k": forecast_sprints_2k,
    "recall": recall,
    "recall_notouch": recall_notouch,
    "recall_many": recall_many,
    "cleanup": cleanup,
    "approve": approve,
    "approve_threads": approve_threads,
    "approve_many": approve_many,
    "ticket_conversion": ticket_conversion,
    "ticket_conversion_str": ticket_conversion_str,
    "ticket_convert_only": ticket_convert_only,
    "ticket_convert_only_zone": ticket_convert_only_zone,
    "ticket_convert_only_str": ticket_convert_only_str,
    "ticket_json_loads": ticket_json_loads,
    "ticket_json_dumps": ticket_json_dumps,
}

#: What a batch workload is compared with when the baseline has no such call.
COUNTERPART = {
    "confidence_many": "confidence",
    "confidence_columns": "confidence",
    "recall_many": "recall",
    "approve_many": "approve",
}


def describe() -> Iterator[tuple[str, str]]:
    """(name, first docstring line) of every workload."""
    for name, build in WORKLOADS.items():
        yield name, (build.__doc__ or "").strip().splitlines()[0]
