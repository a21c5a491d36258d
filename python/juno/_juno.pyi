"""The native module of JUNO, built from the Rust core (``juno-py``).

Import from :mod:`juno` rather than from here. Every method that touches the database
releases the GIL while it runs. Errors are raised as :mod:`juno.errors` classes.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeAlias, final


__all__ = [
    "__version__",
    "Juno",
    "IntegrityReport",
    "Memory",
    "MemoryRecord",
    "Scope",
    "Provenance",
    "MemorySnapshot",
    "HistoryEntry",
    "MemoryStats",
    "RecallHit",
    "ScoreExplanation",
    "ScoreComponent",
    "TermContribution",
    "TeamPreference",
    "Pattern",
    "OutcomeLearned",
    "_bench_recall_ns",
]

__version__: str

_StrPath: TypeAlias = str | os.PathLike[str]
_Kind: TypeAlias = Literal["episodic", "semantic", "procedural", "working"]
_OutcomeName: TypeAlias = Literal["approved", "rejected", "reverted"]

@final
class Juno:
    """An open JUNO engine: one SQLite store, one configuration, one clock.

    ``Juno(path)`` opens (creating and migrating as needed) an SQLite file, ``":memory:"``
    for a private in-memory engine, or an ``sqlite:///`` URL. ``now`` fixes the clock at
    an aware datetime (a manual clock: tests, demos, replays); ``create=False`` raises
    :class:`juno.errors.NotFoundError` instead of creating a missing file.

    Use it as a context manager to close it on exit.
    """

    def __new__(
        cls, path: _StrPath, *, now: datetime | None = None, create: bool = True
    ) -> Self: ...
    @staticmethod
    def from_env(
        *, path: _StrPath | None = None, now: datetime | None = None, create: bool = True
    ) -> Juno:
        """Opens the engine the environment configures.

        Settings come from ``JUNO_CONFIG_FILE``, then ``./.env``, then the process
        environment (``DATABASE_URL``, ``MEMORY_RETENTION_DAYS``, …); ``path`` overrides
        ``DATABASE_URL``. A bad setting raises :class:`juno.errors.ConfigError`.
        """

    def set_time(self, now: datetime) -> None:
        """Fixes the engine's clock at ``now`` (an aware datetime); it may go backwards."""

    def now(self) -> datetime:
        """The engine's current time (UTC)."""

    @property
    def memory(self) -> Memory:
        """The memory layer."""

    @property
    def path(self) -> str | None:
        """The database file, or ``None`` for an in-memory engine."""

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""

    @property
    def version(self) -> str:
        """The library version."""

    def close(self) -> None:
        """Closes the engine; later calls raise :class:`juno.errors.InvalidStateError`.

        Idempotent. Calls already running in other threads finish first.
        """

    def backup(self, path: _StrPath) -> None:
        """Copies the live database to ``path`` (SQLite online backup).

        Raises :class:`juno.errors.JunoIOError` if ``path`` cannot be written.
        """

    def check(self) -> IntegrityReport:
        """Runs SQLite's integrity check and the full-text index check."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc_value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> bool: ...

@final
class IntegrityReport:
    """The result of :meth:`Juno.check`."""

    @property
    def ok(self) -> bool:
        """True when both checks pass."""

    @property
    def messages(self) -> list[str]:
        """What the checks reported (``["ok"]`` when healthy)."""

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the database."""

    @property
    def size_bytes(self) -> int:
        """Database size in bytes."""

    @property
    def journal_mode(self) -> str:
        """The journal mode (``wal`` for files)."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class Memory:
    """The memory layer of one engine (``juno.memory``).

    Four kinds of memory per team: ``episodic`` (events and outcomes), ``semantic``
    (knowledge and preferences), ``procedural`` (workflow patterns) and ``working``
    (session scratch data with a TTL).
    """

    def store(
        self,
        kind: _Kind | str,
        team: str,
        text: str,
        *,
        user: str | None = None,
        project: str | None = None,
        key: str | None = None,
        content: Any = None,
        tags: Sequence[str] = (),
        importance: float = 0.5,
        confidence: float = 1.0,
        ttl_seconds: int | None = None,
        session: str | None = None,
    ) -> MemoryRecord:
        """Stores one memory and returns it.

        Storing again with the same ``team`` and ``key`` updates that memory (its version
        rises). ``content`` is any JSON-able value. A working memory needs a ``session``.
        Raises :class:`juno.errors.InvalidInputError` for any bad field; nothing is
        written then.
        """

    def store_many(self, items: Iterable[Mapping[str, Any]]) -> list[int]:
        """Stores many memories in one transaction — all or nothing — and returns their ids.

        Each item is a dict in the core's JSON shape, e.g.
        ``{"kind": "semantic", "scope": {"team": "a"}, "text": "..."}``. The error for a
        bad item names it (``items[3]``).
        """

    def store_json(self, json: str) -> MemoryRecord:
        """Stores one memory given as JSON text in the core's shape."""

    def store_many_json(self, json: str) -> list[int]:
        """Stores a JSON array of memories in one transaction; returns their ids."""

    def get(self, id: int) -> MemoryRecord:
        """One memory by id; :class:`juno.errors.NotFoundError` if there is none."""

    def update(
        self,
        id: int,
        *,
        text: str | None = None,
        content: Any = None,
        tags: Sequence[str] | None = None,
        importance: float | None = None,
        confidence: float | None = None,
        ttl_seconds: int | None = None,
    ) -> MemoryRecord:
        """Changes the given fields (``None`` leaves a field as it is).

        The version rises and the change enters the memory's history.
        """

    def delete(self, id: int) -> None:
        """Deletes a memory; its history stays, with a ``deleted`` entry."""

    def history(self, id: int) -> list[HistoryEntry]:
        """A memory's change history, oldest first."""

    def recall(
        self,
        text: str | None = None,
        *,
        team: str | None = None,
        user: str | None = None,
        project: str | None = None,
        kinds: Sequence[_Kind | str] = (),
        tags: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        min_confidence: float | None = None,
        session: str | None = None,
        limit: int = 10,
        touch: bool = True,
    ) -> list[RecallHit]:
        """The memories that best match, best first, each with its score explained.

        ``text`` is searched with BM25; the score also weighs recency, importance and how
        often a memory was recalled (see :meth:`RecallHit.explain`). Filters combine with
        AND; ``tags`` must all be present. ``touch=False`` does not count this recall as
        an access. Expired memories never come back.
        """

    def cleanup(self) -> int:
        """Deletes expired memories and those untouched for the retention period.

        Returns how many were deleted.
        """

    def end_session(self, session: str) -> int:
        """Ends a working session: deletes its working memories and returns how many."""

    def stats(self) -> MemoryStats:
        """Counts by kind and team, database size, oldest and newest."""

    def record_outcome(
        self,
        team: str,
        action: str,
        outcome: _OutcomeName | str,
        *,
        subject: str | None = None,
        note: str | None = None,
    ) -> OutcomeLearned:
        """Records what became of a proposed action (approved, rejected or reverted).

        Stores an episodic memory and updates the team's preference for ``action``.
        """

    def preference(self, team: str, action: str) -> TeamPreference | None:
        """The team's learned preference about ``action``, or ``None`` if nothing was recorded."""

    def recognize_patterns(self, team: str | None = None) -> list[Pattern]:
        """Finds the patterns that hold in a team's episodes (every team's by default).

        Each is stored as a procedural memory linked to its supporting episodes.
        """

@final
class MemoryRecord:
    """A stored memory."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str:
        """``episodic``, ``semantic``, ``procedural`` or ``working``."""

    @property
    def scope(self) -> Scope: ...
    @property
    def team(self) -> str:
        """Shorthand for ``scope.team``."""

    @property
    def key(self) -> str | None:
        """The upsert key, if any."""

    @property
    def content(self) -> Any:
        """Structured content (JSON values; a fresh copy on each access)."""

    @property
    def text(self) -> str:
        """The searchable text."""

    @property
    def tags(self) -> list[str]:
        """Exact-match labels, sorted."""

    @property
    def importance(self) -> float: ...
    @property
    def confidence(self) -> float: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def last_accessed_at(self) -> datetime | None: ...
    @property
    def access_count(self) -> int:
        """How many times recall has returned it."""

    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def session(self) -> str | None:
        """The working-memory session."""

    @property
    def provenance(self) -> Provenance: ...
    @property
    def version(self) -> int:
        """Starts at 1, +1 on every change."""

    def to_dict(self) -> dict[str, Any]:
        """The memory in the core's JSON shape (timestamps as RFC 3339 strings)."""

@final
class Scope:
    """Who a memory is about: a team, optionally one user and/or project in it."""

    @property
    def team(self) -> str: ...
    @property
    def user(self) -> str | None: ...
    @property
    def project(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]:
        """The scope in the core's JSON shape."""

@final
class Provenance:
    """Where a memory came from."""

    @property
    def source(self) -> str:
        """``caller``, ``outcome``, ``preference_learning``, ``pattern_recognition``, …"""

    @property
    def derived_from(self) -> list[int]:
        """Memories this one was derived from."""

    @property
    def reference(self) -> str | None:
        """A free reference (a ticket key, a URL)."""

    def to_dict(self) -> dict[str, Any]:
        """The provenance in the core's JSON shape."""

@final
class MemorySnapshot:
    """The changeable part of a memory at one point of its history."""

    @property
    def text(self) -> str: ...
    @property
    def content(self) -> Any: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def importance(self) -> float: ...
    @property
    def confidence(self) -> float: ...
    @property
    def expires_at(self) -> datetime | None: ...
    def to_dict(self) -> dict[str, Any]:
        """The snapshot in the core's JSON shape."""

@final
class HistoryEntry:
    """One entry of a memory's change history."""

    @property
    def memory_id(self) -> int: ...
    @property
    def version(self) -> int:
        """The memory's version after this event."""

    @property
    def event(self) -> str:
        """``created``, ``updated`` or ``deleted``."""

    @property
    def at(self) -> datetime: ...
    @property
    def before(self) -> MemorySnapshot | None:
        """The state before (``None`` for ``created``)."""

    @property
    def after(self) -> MemorySnapshot | None:
        """The state after (``None`` for ``deleted``)."""

    def to_dict(self) -> dict[str, Any]:
        """The entry in the core's JSON shape."""

@final
class MemoryStats:
    """Counts and sizes of the memory layer."""

    @property
    def total(self) -> int: ...
    @property
    def by_kind(self) -> dict[str, int]:
        """Count per kind; every kind is present, zero included."""

    @property
    def by_team(self) -> dict[str, dict[str, int]]:
        """Count per team and kind."""

    @property
    def expired(self) -> int:
        """Memories past expiry that :meth:`Memory.cleanup` would delete."""

    @property
    def database_bytes(self) -> int: ...
    @property
    def oldest(self) -> datetime | None: ...
    @property
    def newest(self) -> datetime | None: ...
    def to_dict(self) -> dict[str, Any]:
        """The stats in the core's JSON shape."""

@final
class RecallHit:
    """One recalled memory, its score, and why."""

    @property
    def memory(self) -> MemoryRecord:
        """The memory (access count and time as before this recall)."""

    @property
    def score(self) -> float: ...
    @property
    def explanation(self) -> ScoreExplanation:
        """The score's components and per-term parts."""

    def explain(self) -> str:
        """The explanation as readable lines: the score, each component, each query term."""

    def to_dict(self) -> dict[str, Any]:
        """The hit in the core's JSON shape."""

@final
class ScoreExplanation:
    """Why a memory scored what it did: ``score`` is the sum of the contributions."""

    @property
    def score(self) -> float: ...
    @property
    def components(self) -> list[ScoreComponent]:
        """text, recency, importance, access — always in this order."""

    @property
    def terms(self) -> list[TermContribution]:
        """The text component split by query term (empty without a text query)."""

    def render(self) -> str:
        """The explanation as readable lines (``str()`` gives the same)."""

    def to_dict(self) -> dict[str, Any]:
        """The explanation in the core's JSON shape."""

@final
class ScoreComponent:
    """One component of a score: ``contribution = value × weight``."""

    @property
    def name(self) -> str:
        """``text``, ``recency``, ``importance`` or ``access``."""

    @property
    def value(self) -> float: ...
    @property
    def weight(self) -> float: ...
    @property
    def contribution(self) -> float: ...
    @property
    def detail(self) -> str:
        """The raw input in words (``bm25 4.21``, ``age 3.50 days``, …)."""

    def to_dict(self) -> dict[str, Any]:
        """The component in the core's JSON shape."""

@final
class TermContribution:
    """One query term's part of the text component."""

    @property
    def term(self) -> str: ...
    @property
    def bm25(self) -> float:
        """The term's BM25 relevance in this memory (0 when absent)."""

    @property
    def contribution(self) -> float:
        """Its share of the score."""

    def to_dict(self) -> dict[str, Any]:
        """The term contribution in the core's JSON shape."""

@final
class TeamPreference:
    """A team's learned preference about one kind of action."""

    @property
    def memory_id(self) -> int:
        """The semantic memory that holds it."""

    @property
    def team(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def approved(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def reverted(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def acceptance_rate(self) -> float:
        """approved / total."""

    @property
    def stance(self) -> str:
        """``favours``, ``avoids`` or ``undecided``."""

    @property
    def confidence(self) -> float:
        """Wilson lower bound of the share agreeing with the stance."""

    def to_dict(self) -> dict[str, Any]:
        """The preference in the core's JSON shape."""

@final
class Pattern:
    """A recognised workflow pattern: "when ``event``, the team ends ``result``"."""

    @property
    def memory_id(self) -> int:
        """The procedural memory that holds it."""

    @property
    def team(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def result(self) -> str: ...
    @property
    def support(self) -> float:
        """supporting / total."""

    @property
    def supporting(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def episode_ids(self) -> list[int]:
        """The supporting episodes."""

    def to_dict(self) -> dict[str, Any]:
        """The pattern in the core's JSON shape."""

@final
class OutcomeLearned:
    """What :meth:`Memory.record_outcome` learned."""

    @property
    def episode_id(self) -> int:
        """The episodic memory that records the outcome."""

    @property
    def preference(self) -> TeamPreference | None:
        """The updated preference (``None`` when preference learning is off)."""

    def to_dict(self) -> dict[str, Any]:
        """The result in the core's JSON shape."""

def _bench_recall_ns(juno: Juno, team: str, n: int) -> int:
    """Times ``n`` recalls (``team``, limit 1, no touch) in Rust; returns total nanoseconds.

    For ``benches/python_overhead.py`` only.
    """
