"""The native module of JUNO, built from the Rust core (``juno-py``).

Import from :mod:`juno` rather than from here. Every method that touches the database
releases the GIL while it runs. Errors are raised as :mod:`juno.errors` classes.
"""

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeAlias, final

from .errors import JunoError


__all__ = [
    "__version__",
    "Juno",
    "Sources",
    "SimSource",
    "JiraSource",
    "ExportSource",
    "JiraExecutor",
    "Agent",
    "Executions",
    "Notifications",
    "Wording",
    "IntegrityReport",
    "RestoreReport",
    "Memories",
    "Memory",
    "Scope",
    "Provenance",
    "MemorySnapshot",
    "HistoryEntry",
    "MemoryStats",
    "RecallHit",
    "ScoreExplanation",
    "TermContribution",
    "TeamPreference",
    "Pattern",
    "OutcomeLearned",
    "Governance",
    "ApprovalRequest",
    "RoleAssignment",
    "Vote",
    "Delegation",
    "Reminder",
    "ShadowReport",
    "DeadlineReport",
    "GovernanceDashboard",
    "ComplianceReport",
    "ComplianceFinding",
    "Audit",
    "AuditEntry",
    "Checkpoint",
    "VerifyReport",
    "InclusionProof",
    "SignedCheckpoint",
    "ConsistencyProof",
    "ConsistencyReport",
    "ExportSummary",
    "Reasoning",
    "Confidence",
    "Factor",
    "Calibration",
    "Velocity",
    "VelocityReport",
    "Triage",
    "TriageProposal",
    "MonteCarloResult",
    "monte_carlo",
    "Forecaster",
    "SprintForecast",
    "CategoryScore",
    "Recommendation",
    "SprintObservation",
    "RetrainReport",
    "RiskModel",
    "Flow",
    "FlowReport",
    "TeamFlow",
    "_bench_recall_ns",
    "_bench_core_ns",
    "_bench_convert_tickets_ns",
    "_bench_parse_tickets_ns",
    "_log_install",
    "_log_refresh",
    "_log_flush",
    "_log_close",
    "eval_sprint_risk",
    "eval_triage",
    "eval_learning",
    "learning_default_approvers",
]

__version__: str

_StrPath: TypeAlias = str | os.PathLike[str]
_Kind: TypeAlias = Literal["episodic", "semantic", "procedural", "working"]
_OutcomeName: TypeAlias = Literal["approved", "rejected", "reverted"]
_RoleName: TypeAlias = Literal[
    "TEAM_LEAD", "PROJECT_MANAGER", "ENGINEERING_MANAGER", "DIRECTOR", "ADMIN"
]
_Level: TypeAlias = Literal["basic", "detailed", "verbose"]
# A column of numbers: a float64 buffer (numpy array, array.array('d'), memoryview) or a
# sequence of numbers.
_Floats: TypeAlias = Sequence[float] | memoryview | Any

@final
class Juno:
    """An open JUNO engine: one SQLite store, one configuration, one clock.

    ``Juno(path)`` opens (creating and migrating as needed) an SQLite file, ``":memory:"``
    for a private in-memory engine, or an ``sqlite:///`` URL. ``now`` fixes the clock at
    an aware datetime (a manual clock: tests, demos, replays); ``create=False`` raises
    :class:`juno.errors.NotFoundError` instead of creating a missing file.

    ``settings`` maps environment-variable names to string values
    (``{"AUTONOMOUS_ACTIONS": "true", "APPROVAL_TIMEOUT_HOURS": "8"}``) over the
    defaults; the process environment is not read, and ``path`` wins over a
    ``DATABASE_URL`` among them. A bad value or an unknown name raises
    :class:`juno.errors.ConfigError`; a value that is not a string raises
    :class:`juno.errors.InvalidInputError`. Without ``settings`` the defaults apply
    (:meth:`from_env` reads the environment instead).

    Use it as a context manager to close it on exit.
    """

    def __new__(
        cls,
        path: _StrPath,
        *,
        now: datetime | None = None,
        create: bool = True,
        settings: Mapping[str, str] | None = None,
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

    def set_clock(self, now: datetime) -> None:
        """Fixes the engine's clock at ``now`` (an aware datetime); it may go backwards."""

    def set_time(self, now: datetime) -> None:
        """Deprecated alias of :meth:`set_clock` (emits ``DeprecationWarning``)."""

    def now(self) -> datetime:
        """The engine's current time (UTC)."""

    @property
    def memory(self) -> Memories:
        """The memory layer."""

    @property
    def governance(self) -> Governance:
        """The governance workflow: roles, requests, approvals, deadlines, execution."""

    @property
    def audit(self) -> Audit:
        """The tamper-evident audit log."""

    @property
    def reasoning(self) -> Reasoning:
        """The reasoning engine: confidence, explanations, calibration."""

    @property
    def velocity(self) -> Velocity:
        """The velocity analyzer."""

    @property
    def triage(self) -> Triage:
        """Stale-ticket triage."""

    @property
    def forecast(self) -> Forecaster:
        """The sprint forecaster: forecasts, recorded sprints, retraining."""

    @property
    def flow(self) -> Flow:
        """Flow bottlenecks from ticket change history."""

    @property
    def source(self) -> Sources:
        """The observe stage: sync a source into the store, read what is stored."""

    @property
    def agent(self) -> Agent:
        """The agent cycle: observe → analyze → decide → govern → act → learn."""

    @property
    def executor(self) -> Executions:
        """The act stage: execution records and reverts."""

    @property
    def llm(self) -> Wording:
        """Wording: a language model's checked paragraph for an explanation, or the template."""

    @property
    def notify(self) -> Notifications:
        """Notifications: Slack and Teams messages from the audit log, through an outbox."""

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

    @staticmethod
    def restore(backup: _StrPath, target: _StrPath | None = None) -> RestoreReport:
        """Restores the backup file ``backup`` into the database file ``target``.

        ``target`` defaults to the database ``DATABASE_URL`` names, as for
        :meth:`from_env`.

        A copy of the backup is checked first: SQLite's integrity check and the full-text
        index check pass, its schema is JUNO's and no newer than this library's (an older
        one is migrated), and its audit chain verifies. Nothing at ``target`` changes
        until every check passes, and ``backup`` is only read. What was at ``target`` is
        kept beside it (``TARGET.before-restore-STAMP``): a readable database is copied
        there and then has its pages replaced in place, so other processes that have it
        open read the restored content next; a damaged file or one that is not a database
        stays under that name and the restored file replaces it in one atomic rename. Stop
        writers first (what they commit between the copy and the replacement is in
        neither) and close this process's own engines on ``target``.

        Raises :class:`juno.errors.SchemaTooNewError` for a backup from a newer JUNO,
        :class:`juno.errors.CorruptDatabaseError` when its integrity check or audit chain fails,
        :class:`juno.errors.NotADatabaseError` for a file that is not SQLite,
        :class:`juno.errors.InvalidInputError` (field ``backup``) for the target itself or a
        file without a JUNO schema, :class:`juno.errors.JunoIOError` for files that cannot
        be read or written.
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
class RestoreReport:
    """The result of :meth:`Juno.restore`: what was checked and what was replaced."""

    @property
    def backup(self) -> str:
        """The backup file restored from (never changed by the restore)."""

    @property
    def target(self) -> str:
        """The database file that now holds the backup's content."""

    @property
    def backup_schema_version(self) -> int:
        """The schema version recorded in the backup."""

    @property
    def schema_version(self) -> int:
        """The restored database's schema version (migrated if the backup's was older)."""

    @property
    def integrity(self) -> IntegrityReport:
        """The integrity check of the restored copy, run before anything was replaced."""

    @property
    def audit_entries(self) -> int:
        """Audit entries in the restored copy (chain and checkpoints verified)."""

    @property
    def audit_root(self) -> str:
        """The audit log's Merkle root after the restore, hex."""

    @property
    def memories(self) -> int:
        """Memories in the restored database."""

    @property
    def previous(self) -> str:
        """What was at the target: ``absent``, ``saved`` or ``moved_aside``."""

    @property
    def previous_kept_at(self) -> str | None:
        """Where the previous database was kept, when there was one."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class Memories:
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
    ) -> Memory:
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

    def store_json(self, json: str) -> Memory:
        """Stores one memory given as JSON text in the core's shape."""

    def store_many_json(self, json: str) -> list[int]:
        """Stores a JSON array of memories in one transaction; returns their ids."""

    def get(self, id: int) -> Memory:
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
    ) -> Memory:
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

    def recall_many(self, queries: Iterable[Mapping[str, Any]]) -> list[list[RecallHit]]:
        """Runs many recalls in one call: ``queries`` are dicts with :meth:`recall`'s
        keyword arguments (``text``, ``team``, ``kinds``, ``limit``, ``touch``, …; times as
        aware datetimes or RFC 3339 strings). One list of hits per query, in input order,
        as :meth:`recall` would give them; the accesses of every query with ``touch`` (the
        default) are recorded in one write at the end. A bad query raises
        :class:`juno.errors.InvalidInputError` naming it (``queries[3].limit``) before any
        runs.
        """

    def flush_accesses(self) -> None:
        """Writes the accesses that recall has recorded but not yet written.

        A touched recall tallies its accesses in memory instead of writing a row per hit;
        the tally is written when it holds 4,096 memories, when its oldest access is a
        minute old on the engine's clock, before any other memory read or write, and when
        the engine closes. :meth:`recall` and :meth:`get` always count pending accesses, so
        this matters only to another process reading the same file, or before a backup.
        """

    def cleanup(self) -> int:
        """Deletes expired memories and those untouched for the retention period.

        Returns how many were deleted.
        """

    def cleanup_if_due(self) -> int | None:
        """Runs :meth:`cleanup` when this engine has not run it in the last
        ``MEMORY_CLEANUP_INTERVAL`` hours (or ever); returns how many memories it deleted,
        or ``None`` when no cleanup was due. Call it on every tick of a scheduler."""

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
        context: list[str] | None = None,
    ) -> OutcomeLearned:
        """Records what became of a proposed action (approved, rejected or reverted).

        Stores an episodic memory and updates the team's preference for ``action``.
        ``context`` lists facets of the situation (``priority.low``, ``label.customer``,
        ``weekday.fri``), kept on the episode so that :meth:`recent_outcomes` can read a
        preference for a narrower situation.
        """

    def preference(self, team: str, action: str) -> TeamPreference | None:
        """The team's learned preference about ``action``, or ``None`` if nothing was recorded."""

    def recent_outcomes(self, team: str, limit: int = 100) -> list[dict[str, Any]]:
        """The team's newest recorded outcomes, newest first: ``memory_id``, ``action``,
        ``outcome``, ``context`` (the facets it was recorded with) and ``at``. What the agent
        cycle reads a preference for a narrower situation from."""

    def recognize_patterns(self, team: str | None = None) -> list[Pattern]:
        """Finds the patterns that hold in a team's episodes (every team's by default).

        Each is stored as a procedural memory linked to its supporting episodes.
        """

@final
class Memory:
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
        """Memories past expiry that :meth:`Memories.cleanup` would delete."""

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
    def memory(self) -> Memory:
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
    def components(self) -> list[Factor]:
        """text, recency, importance, access — always in this order."""

    @property
    def terms(self) -> list[TermContribution]:
        """The text component split by query term (empty without a text query)."""

    def render(self) -> str:
        """The explanation as readable lines (``str()`` gives the same)."""

    def to_dict(self) -> dict[str, Any]:
        """The explanation in the core's JSON shape."""

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
    """What :meth:`Memories.record_outcome` learned."""

    @property
    def episode_id(self) -> int:
        """The episodic memory that records the outcome."""

    @property
    def preference(self) -> TeamPreference | None:
        """The updated preference (``None`` when preference learning is off)."""

    def to_dict(self) -> dict[str, Any]:
        """The result in the core's JSON shape."""

@final
class Governance:
    """The governance workflow of one engine (``juno.governance``).

    A request proposes one action (``{"kind", "team", "target", "parameters"}``); its
    :attr:`ApprovalRequest.digest` (SHA-256 of the action's canonical JSON) is what an
    approval authorises. States::

        submit ─┬─► auto_approved ──────────────┐
                ├─► suggested                   │
                └─► pending ─┬─► approved ──────┼─► executing ─┬─► executed
                     ▲  │    ├─► rejected       │              └─► execution_failed
                     └──┘    ├─► expired        │
                  escalated  └─► cancelled      │

    Roles are the strings ``TEAM_LEAD``, ``PROJECT_MANAGER``, ``ENGINEERING_MANAGER``,
    ``DIRECTOR`` and ``ADMIN`` (case-insensitive; an unknown one raises
    :class:`juno.errors.InvalidInputError`). A refused operation raises
    :class:`juno.errors.PermissionDeniedError` or :class:`juno.errors.InvalidStateError`
    and is itself recorded in the audit log.
    """

    def assign_role(
        self, user: str, role: _RoleName | str, teams: Sequence[str], *, by: str
    ) -> None:
        """Grants ``role`` to ``user`` for each of ``teams`` (``"*"`` = all teams).

        Re-granting an active grant does nothing. Audited as ``role_assigned``.
        """

    def revoke_role(
        self, user: str, role: _RoleName | str, team: str | None = None, *, by: str
    ) -> list[str]:
        """Revokes ``role`` from ``user`` for ``team`` (every team when ``None``).

        Returns the teams revoked; :class:`juno.errors.NotFoundError` when the user held no
        such active grant. Audited as ``role_revoked``.
        """

    def roles(
        self, user: str | None = None, *, include_revoked: bool = False
    ) -> list[RoleAssignment]:
        """Role assignments, optionally of one user, optionally with revoked ones."""

    def delegate(self, delegator: str, delegate: str, team: str, until: datetime) -> Delegation:
        """Delegates ``delegator``'s approval authority for ``team`` to ``delegate`` until
        ``until`` (an aware datetime, at most 90 days ahead).

        ``delegate`` may then decide that team's requests their own roles do not reach,
        for ``delegator``: the request's ``on_behalf_of`` and its audit entry name the
        delegator. The delegate must already hold an approving role for the team (a
        delegation never widens anyone's scope); the authority is the delegator's own roles
        at each decision, is never passed on, and never decides the delegator's own
        requests; in a quorum, the delegate's vote is the delegator's. Audited as
        ``delegation_granted``. :class:`juno.errors.InvalidInputError` naming the field
        (``team`` ``*``, ``delegate`` the delegator, ``until`` out of range),
        :class:`juno.errors.PermissionDeniedError` when either holds no approving role for
        the team, :class:`juno.errors.InvalidStateError` when the same delegation is in
        force.
        """

    def revoke_delegation(self, id: int, *, by: str) -> Delegation:
        """Revokes delegation ``id`` now; ``by`` must be its delegator or hold ADMIN.

        Audited as ``delegation_revoked``; :class:`juno.errors.NotFoundError`,
        :class:`juno.errors.PermissionDeniedError`, or
        :class:`juno.errors.InvalidStateError` when already revoked or run out.
        """

    def delegations(
        self, user: str | None = None, *, include_inactive: bool = False
    ) -> list[Delegation]:
        """Delegations naming ``user`` as delegator or delegate (everyone's when
        ``None``), oldest first; only those in force unless ``include_inactive``."""

    def submit(self, request: Mapping[str, Any]) -> ApprovalRequest:
        """Submits a request and returns it as stored.

        ``request`` is the core's JSON shape::

            {"action": {"kind": "reassign", "team": "team_alpha", "target": "ALPHA-12",
                        "parameters": {"assignee": "ana"}},
             "impact": "low", "confidence": 0.62, "explanation": "idle 9 days",
             "requester": "juno"}

        It is ``auto_approved`` when policy allows (``AUTONOMOUS_ACTIONS`` on,
        ``SUPERVISOR_MODE`` off, an allowed impact level, confidence over the threshold),
        else ``pending`` with the role its impact routes to and that role's deadline.
        Unknown fields or a bad value raise :class:`juno.errors.InvalidInputError`.
        """

    def submit_many(self, requests: Iterable[Mapping[str, Any]]) -> list[int]:
        """Submits many requests in one transaction — all or nothing — and returns their ids.

        The error for a bad item names it (``items[3]``).
        """

    def get(self, id: int) -> ApprovalRequest:
        """One request by id; :class:`juno.errors.NotFoundError` if there is none."""

    def break_glass(self, id: int, user: str, digest: str, reason: str) -> ApprovalRequest:
        """Approves request ``id`` outside the chain: ``user`` holds ENGINEERING_MANAGER or
        DIRECTOR for its team and gives a ``reason``; no quorum is awaited. The audit entry
        is marked ``break_glass`` and lists the skipped approvers; the compliance report
        lists every use. :class:`juno.errors.InvalidInputError` for a blank reason;
        :class:`juno.errors.PermissionDeniedError` or
        :class:`juno.errors.InvalidStateError` as for :meth:`approve`.
        """

    def votes(self, id: int) -> list[Vote]:
        """The votes cast on request ``id``, oldest first (empty unless its impact level
        has a quorum above one, ``approval_rules.quorum``)."""

    def approve(self, id: int, approver: str, digest: str) -> ApprovalRequest:
        """Approves request ``id``'s action, identified by its ``digest``.

        The approver needs a role at or above the request's current role for its team
        (DIRECTOR spans all teams; ADMIN never approves), must not be the requester, and
        must act before the deadline while the request is pending.
        :class:`juno.errors.PermissionDeniedError` or
        :class:`juno.errors.InvalidStateError` otherwise (a wrong digest, or a second vote
        by the same person, is a permission error). Under a quorum of more than one
        approval, an approval short of it is a vote: the request comes back ``pending``.
        """

    def approve_many(
        self, items: Iterable[Mapping[str, Any]]
    ) -> list[ApprovalRequest | JunoError]:
        """Approves many requests in one transaction and one sync to disk: ``items`` are
        dicts ``{"id": …, "approver": …, "digest": …}``, each checked and audited exactly
        as :meth:`approve` checks and audits one.

        Returns one element per item, in input order: the approved
        :class:`ApprovalRequest`, or the refusal as a :mod:`juno.errors` exception
        *instance* (returned, not raised — the other items are still decided). A malformed
        item raises :class:`juno.errors.InvalidInputError` and nothing is decided.
        """

    def reject(self, id: int, user: str, reason: str) -> ApprovalRequest:
        """Rejects request ``id``; the same checks as :meth:`approve`, without the digest."""

    def escalate(self, id: int, user: str, reason: str) -> ApprovalRequest:
        """Moves a pending request to the next role now, with a fresh deadline.

        Needs the same standing as :meth:`reject`;
        :class:`juno.errors.InvalidStateError` at the top of the chain (DIRECTOR).
        """

    def cancel(self, id: int, user: str) -> ApprovalRequest:
        """Withdraws a pending request; only its requester may."""

    def pending(
        self, role: _RoleName | str | None = None, team: str | None = None
    ) -> list[ApprovalRequest]:
        """Pending requests, optionally of one role's queue and/or one team, oldest first."""

    def pending_page(
        self,
        role: _RoleName | str | None = None,
        teams: Sequence[str] | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[int, list[ApprovalRequest]]:
        """One page of pending requests, oldest first, and how many match in all:
        ``(total, requests)``; optionally of one role's queue and/or only ``teams``.
        ``limit`` must be 1 to 10000 (else :class:`juno.errors.InvalidInputError`)."""

    def process_deadlines(self) -> DeadlineReport:
        """Moves every pending request whose deadline has passed, as of the engine's clock.

        To the next role with ``AUTO_ESCALATION``, else (or at the top of the chain) to
        ``expired``. A timeout never approves. Idempotent; safe from several processes.
        """

    def execute(
        self, id: int, action: Mapping[str, Any], executor: Callable[[dict[str, Any]], object]
    ) -> ApprovalRequest:
        """Executes request ``id``'s approved ``action`` exactly once.

        ``action`` must be the approved action itself (its digest is checked:
        :class:`juno.errors.PermissionDeniedError` otherwise); the request must be
        ``approved`` or ``auto_approved`` (:class:`juno.errors.InvalidStateError`
        otherwise, including a second execution). The request is claimed
        (``executing``), then ``executor(action_dict)`` is called — with the GIL held, on
        this thread — and the request ends ``executed`` with the returned value as its
        :attr:`ApprovalRequest.result` (a value that is not JSON is recorded as its
        ``repr()``), or ``execution_failed`` with ``{"error": "Type: message"}`` if it
        raised. The exception is not re-raised; the engine stays usable. A
        ``KeyboardInterrupt`` or ``SystemExit`` is recorded the same way, then re-raised.
        """

    def route(self, proposal: Mapping[str, Any]) -> dict[str, Any]:
        """How policy would route ``proposal`` (a dict in the ``Proposal`` shape) without
        submitting it: ``{"role": …, "decision": …, "automation": …}``, where ``decision``
        is the auto-approval rule and numbers, or ``None`` when a person must decide, and
        ``automation`` the level of the proposal's team and kind (``off``, ``suggest``,
        ``approve`` or ``auto``)."""

    def dashboard(self) -> GovernanceDashboard:
        """Queue sizes, decision rates, escalations and the audit chain's state."""

    def shadow_report(self) -> ShadowReport:
        """What the ``[shadow]`` policy (a candidate threshold, auto-approvable levels or
        automation levels running log-only beside the live one) would have decided
        differently over every stored request.
        :class:`juno.errors.InvalidStateError` without a ``[shadow]`` section."""

    def compliance_report(self) -> ComplianceReport:
        """What the audit log proves went wrong or looks wrong (violations, then warnings)."""

@final
class ApprovalRequest:
    """A stored approval request."""

    @property
    def id(self) -> int: ...
    @property
    def action(self) -> dict[str, Any]:
        """The proposed action: ``kind``, ``team``, ``target``, ``parameters`` (a fresh copy)."""

    @property
    def team(self) -> str:
        """Shorthand for ``action["team"]``."""

    @property
    def digest(self) -> str:
        """SHA-256 of the action's canonical JSON, hex: what an approval authorises."""

    @property
    def impact(self) -> str:
        """``low``, ``medium``, ``high`` or ``critical``."""

    @property
    def confidence(self) -> float:
        """The confidence routing used: calibrated when a map of the action kind existed."""

    @property
    def raw_confidence(self) -> float:
        """The uncalibrated score the proposal carried (what maps are fitted on)."""

    @property
    def calibration(self) -> dict[str, Any] | None:
        """The calibration map ``confidence`` went through: ``kind``, ``version``,
        ``outcomes``; ``None`` for the raw score."""

    @property
    def explanation(self) -> str: ...
    @property
    def requester(self) -> str: ...
    @property
    def status(self) -> str:
        """``pending``, ``approved``, ``auto_approved``, ``rejected``, ``expired``,
        ``cancelled``, ``executing``, ``executed``, ``execution_failed`` or ``suggested``
        (recorded only: its team and kind are at automation level ``suggest``)."""

    @property
    def role(self) -> str:
        """The role whose queue it is in (or was last in)."""

    @property
    def escalations(self) -> int: ...
    @property
    def deadline(self) -> datetime | None:
        """When the current role's time runs out (pending requests only)."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def decided_by(self) -> str | None:
        """Who decided (``juno`` for policy and timeouts)."""

    @property
    def on_behalf_of(self) -> str | None:
        """The delegator ``decided_by`` decided for as a delegate ("approved by B for A")."""

    @property
    def reminders(self) -> int:
        """Reminders sent to the approvers at its current role."""

    @property
    def decided_at(self) -> datetime | None: ...
    @property
    def reason(self) -> str | None:
        """A human's reason (rejection), or why the engine decided (``deadline passed``)."""

    @property
    def decision(self) -> dict[str, Any] | None:
        """For auto-approval: the rule that allowed it and the numbers."""

    @property
    def executed_at(self) -> datetime | None: ...
    @property
    def result(self) -> Any:
        """What the executor returned, ``{"error": ...}`` after a failure, or ``None``."""

    def to_dict(self) -> dict[str, Any]:
        """The request in the core's JSON shape."""

@final
class Vote:
    """One person's vote on a request whose quorum needs more than one."""

    @property
    def user(self) -> str: ...
    @property
    def role(self) -> str:
        """The request's role when they voted (only votes at its current role count)."""

    @property
    def approve(self) -> bool:
        """True to approve, False to reject."""

    @property
    def at(self) -> datetime: ...
    @property
    def on_behalf_of(self) -> str | None:
        """The delegator whose vote this is when ``user`` voted as a delegate."""

    def to_dict(self) -> dict[str, Any]:
        """The vote in the core's JSON shape."""

@final
class Delegation:
    """A user's approval authority for one team, delegated to another user for a bounded
    time (:meth:`Governance.delegate`)."""

    @property
    def id(self) -> int: ...
    @property
    def delegator(self) -> str:
        """Whose authority it is."""

    @property
    def delegate(self) -> str:
        """Who may use it."""

    @property
    def team(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def until(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def revoked_by(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]:
        """The delegation in the core's JSON shape."""

@final
class RoleAssignment:
    """One role held by one user for one team (``*`` = all teams)."""

    @property
    def user(self) -> str: ...
    @property
    def role(self) -> str:
        """``TEAM_LEAD``, ``PROJECT_MANAGER``, ``ENGINEERING_MANAGER``, ``DIRECTOR`` or ``ADMIN``."""

    @property
    def team(self) -> str: ...
    @property
    def granted_at(self) -> datetime: ...
    @property
    def granted_by(self) -> str: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def revoked_by(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]:
        """The assignment in the core's JSON shape."""

@final
class DeadlineReport:
    """What :meth:`Governance.process_deadlines` did."""

    @property
    def escalated(self) -> list[int]:
        """Requests moved to the next role."""

    @property
    def expired(self) -> list[int]:
        """Requests that expired."""

    @property
    def lapsed(self) -> list[int]:
        """Approved requests not executed within ``EXECUTION_WINDOW_HOURS``: now expired."""

    @property
    def reminded(self) -> list[Reminder]:
        """Reminders due now (each audited as ``request_reminded``), for the host to
        deliver to their recipients."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class ShadowReport:
    """What the ``[shadow]`` policy would have decided differently
    (:meth:`Governance.shadow_report`)."""

    @property
    def generated_at(self) -> datetime: ...
    @property
    def policy(self) -> dict[str, Any]:
        """The shadow policy compared."""

    @property
    def requests(self) -> int:
        """Requests compared (every stored one)."""

    @property
    def changed(self) -> list[dict[str, Any]]:
        """Each decision it would have changed: ``request``, ``team``, ``kind``,
        ``impact``, ``confidence``, ``live`` and ``shadow`` (``auto_approved``, ``person``,
        ``suggested`` or ``refused``) and ``person`` (``approved``, ``rejected`` or
        ``None``)."""

    @property
    def auto_approve_rejected(self) -> int:
        """Requests it would auto-approve that a person rejected: the cost of switching
        it on."""

    @property
    def auto_approve_approved(self) -> int:
        """Requests it would auto-approve that a person approved: the work it saves."""

    @property
    def sent_to_person(self) -> int:
        """Requests the live policy auto-approved that it would send to a person."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class Reminder:
    """A reminder that a pending request's deadline is near
    (``approval_rules.reminder_hours_before``)."""

    @property
    def request(self) -> int: ...
    @property
    def role(self) -> str:
        """The role whose queue it waits in."""

    @property
    def deadline(self) -> datetime: ...
    @property
    def recipients(self) -> list[str]:
        """Who can decide it now (sorted), or the fallback approver when nobody can."""

    @property
    def number(self) -> int:
        """Which reminder this is at this role (1-based)…"""

    @property
    def of(self) -> int:
        """…of how many configured."""

    def to_dict(self) -> dict[str, Any]:
        """The reminder in the core's JSON shape."""

@final
class GovernanceDashboard:
    """The governance dashboard's numbers."""

    @property
    def pending(self) -> dict[str, dict[str, int]]:
        """Pending requests per role, then per team."""

    @property
    def overdue(self) -> int:
        """Pending requests past their deadline (waiting for ``process_deadlines``)."""

    @property
    def decided(self) -> int:
        """Requests decided by a human or policy."""

    @property
    def approval_rate(self) -> float: ...
    @property
    def rejection_rate(self) -> float: ...
    @property
    def auto_approval_rate(self) -> float: ...
    @property
    def median_seconds_to_decision(self) -> float | None:
        """Median seconds from submission to a human decision."""

    @property
    def escalations(self) -> int: ...
    @property
    def by_status(self) -> dict[str, int]:
        """Requests per status."""

    @property
    def audit_ok(self) -> bool:
        """Whether the audit chain verifies."""

    @property
    def audit_entries(self) -> int: ...
    def to_dict(self) -> dict[str, Any]:
        """The dashboard in the core's JSON shape."""

@final
class ComplianceReport:
    """The compliance report: findings proven by the audit log."""

    @property
    def generated_at(self) -> datetime: ...
    @property
    def monitoring_enabled(self) -> bool:
        """Whether ``COMPLIANCE_MONITORING`` is on (the report is computed either way)."""

    @property
    def audit_ok(self) -> bool:
        """Whether the audit chain verifies; findings from a broken chain are not trustworthy."""

    @property
    def findings(self) -> list[ComplianceFinding]:
        """Violations first, then warnings; each group by subject."""

    @property
    def violations(self) -> int: ...
    @property
    def warnings(self) -> int: ...
    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class ComplianceFinding:
    """One compliance finding."""

    @property
    def severity(self) -> str:
        """``violation`` or ``warning``."""

    @property
    def rule(self) -> str:
        """``executed_without_approval``, ``approver_role_revoked``, ``past_deadline``,
        ``rubber_stamp`` or ``unusual_authority``."""

    @property
    def subject(self) -> str:
        """What it concerns (``request:42``, ``user:ana@company.com``)."""

    @property
    def message(self) -> str: ...
    @property
    def evidence(self) -> list[int]:
        """The audit sequence numbers that prove it."""

    def to_dict(self) -> dict[str, Any]:
        """The finding in the core's JSON shape."""

@final
class Audit:
    """The tamper-evident audit log of one engine (``juno.audit``).

    Append-only and SHA-256 hash-chained; a :class:`Checkpoint` (size and Merkle root)
    kept outside the database lets :meth:`verify` detect truncation and rewritten
    history too. ``len(audit)`` is the number of entries; the component itself is always
    true.
    """

    def verify(self, checkpoint: Checkpoint | Mapping[str, Any] | None = None) -> VerifyReport:
        """Re-walks the whole chain and checks every stored checkpoint.

        ``checkpoint`` is one kept elsewhere: a :class:`Checkpoint` or its
        :meth:`Checkpoint.to_dict` (e.g. read back from a JSON file). A malformed one
        raises :class:`juno.errors.InvalidInputError`. Damage is reported, not raised.
        """

    def checkpoint(self) -> Checkpoint:
        """Records and returns a checkpoint of the whole log as it is now.

        Copy it somewhere the database's writers cannot reach.
        """

    def entries(self, from_seq: int = 1, limit: int = 1000) -> list[AuditEntry]:
        """Entries from ``from_seq`` on, at most ``limit``, oldest first."""

    def entries_for(self, subject: str) -> list[AuditEntry]:
        """Entries about one subject (``request:42``, ``user:ana@company.com``), oldest first."""

    def inclusion_proof(self, seq: int, tree_size: int) -> InclusionProof:
        """Proof that entry ``seq`` is covered by the checkpoint of size ``tree_size``.

        :class:`juno.errors.NotFoundError` when ``seq`` is outside ``1..tree_size`` or the
        log is shorter than ``tree_size``.
        """

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        """Proof that the first ``old_size`` entries are a prefix of the first ``new_size``
        (RFC 9162 §2.1.4); check it with :meth:`ConsistencyProof.verify_checkpoints`.

        :class:`juno.errors.InvalidInputError` when ``old_size > new_size``;
        :class:`juno.errors.NotFoundError` when the log is shorter than ``new_size``.
        """

    def sign_checkpoint(self) -> SignedCheckpoint:
        """Signs and records a checkpoint of the whole log as it is now, in the C2SP
        ``tlog-checkpoint`` / ``signed-note`` formats, with the Ed25519 key in the
        ``AUDIT_SIGNING_KEY`` setting (never stored in the database).

        The log is verified first and must be consistent with the last signed checkpoint.
        :class:`juno.errors.ConfigError` when no key is configured;
        :class:`juno.errors.CorruptDatabaseError` when the log fails either check (nothing is signed).
        """

    def signed_checkpoints(self) -> list[SignedCheckpoint]:
        """Every signed checkpoint, oldest first."""

    def verifier_key(self) -> str:
        """The public key (``<name>+<key ID>+<base64>``) that checks this engine's signed
        checkpoints: give it to auditors. :class:`juno.errors.ConfigError` without a key."""

    def verify_since(self, note: str, verifier_key: str | None = None) -> ConsistencyReport:
        """Checks an older signed checkpoint's ``note`` against the log today: its
        signature (under ``verifier_key``, default the configured key's public half), its
        origin, and a consistency proof to the whole log. A failed check is a report with
        ``ok`` false; a malformed note or key raises :class:`juno.errors.InvalidInputError`.
        """

    def export_to(self, path: str | os.PathLike[str]) -> ExportSummary:
        """Writes the log, its signed checkpoints and the consistency proofs between them
        to ``path`` as JSON lines (``docs/audit-export.md``), whole or not at all.
        ``python -m juno.audit_export_verify`` checks the file without JUNO.
        :class:`juno.errors.JunoIOError` when the path cannot be written.
        """

    @staticmethod
    def generate_signing_key(name: str) -> tuple[str, str]:
        """A new random Ed25519 key called ``name``: ``(signing_key, verifier_key)``. Keep
        the first where the configuration is kept (``AUDIT_SIGNING_KEY``); give the second
        to auditors. :class:`juno.errors.InvalidInputError` for a name with ``+`` or spaces.
        """

    def count(self) -> int:
        """How many entries the log holds (``len(audit)`` gives the same)."""

    def __len__(self) -> int: ...
    def __bool__(self) -> bool: ...

@final
class AuditEntry:
    """One audit log entry."""

    @property
    def seq(self) -> int:
        """1, 2, 3, … with no gaps."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str:
        """Who did it (a user, or ``juno`` for the engine)."""

    @property
    def event(self) -> str:
        """``request_submitted``, ``request_approved``, ``role_assigned``, ``refused``, …"""

    @property
    def subject(self) -> str:
        """What it happened to (``request:42``, ``user:ana@company.com``)."""

    @property
    def payload(self) -> Any:
        """Details (JSON values; a fresh copy on each access)."""

    @property
    def payload_digest(self) -> str:
        """SHA-256 of the payload's canonical JSON, hex."""

    @property
    def prev_hash(self) -> str:
        """The previous entry's hash, hex (zeros for the first)."""

    @property
    def hash(self) -> str:
        """This entry's hash, hex."""

    def to_dict(self) -> dict[str, Any]:
        """The entry in the core's JSON shape."""

@final
class Checkpoint:
    """A tree size and the RFC 6962 Merkle root over the first ``size`` entry hashes."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Checkpoint:
        """A checkpoint from :meth:`to_dict`'s shape (``{"size", "root", "at"}``).

        :class:`juno.errors.InvalidInputError` if it is malformed.
        """

    @property
    def size(self) -> int:
        """How many entries it covers (entries ``1..size``)."""

    @property
    def root(self) -> str:
        """The Merkle root, hex."""

    @property
    def at(self) -> datetime:
        """When it was taken."""

    def to_dict(self) -> dict[str, Any]:
        """The checkpoint in the core's JSON shape (save this)."""

@final
class VerifyReport:
    """What :meth:`Audit.verify` found."""

    @property
    def ok(self) -> bool:
        """True when every check passed."""

    @property
    def entries(self) -> int:
        """Entries read."""

    @property
    def first_bad_seq(self) -> int | None:
        """The first entry that failed (one past the end for a truncated log)."""

    @property
    def problems(self) -> list[str]:
        """What was wrong, in words."""

    @property
    def checkpoints_checked(self) -> int:
        """Checkpoints (stored and given) that were checked."""

    @property
    def root(self) -> str:
        """The Merkle root over all entries, hex."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class InclusionProof:
    """Proof that one entry is among the first ``tree_size`` entries of a checkpoint."""

    @property
    def seq(self) -> int: ...
    @property
    def entry_hash(self) -> str:
        """The entry's hash, hex."""

    @property
    def tree_size(self) -> int: ...
    @property
    def path(self) -> list[str]:
        """Sibling subtree roots from the leaf up, hex."""

    def verify(self, root: str) -> bool:
        """True when the proof leads to ``root`` (a checkpoint's root, hex). Its
        ``tree_size`` is taken on trust: prefer :meth:`verify_at`."""

    def verify_at(self, checkpoint: Checkpoint | Mapping[str, Any]) -> bool:
        """True when the proof is for ``checkpoint``'s size and leads to its root."""

    def to_dict(self) -> dict[str, Any]:
        """The proof in the core's JSON shape."""

@final
class SignedCheckpoint:
    """A checkpoint signed in the C2SP ``tlog-checkpoint`` / ``signed-note`` formats."""

    @property
    def origin(self) -> str:
        """The log's name, the note's first line."""

    @property
    def size(self) -> int:
        """How many entries it covers."""

    @property
    def root(self) -> str:
        """The RFC 6962 Merkle root, hex (the note holds it in base64)."""

    @property
    def note(self) -> str:
        """The whole signed note, to publish: standard tooling verifies it."""

    @property
    def at(self) -> datetime: ...
    def to_dict(self) -> dict[str, Any]:
        """The signed checkpoint in the core's JSON shape."""

@final
class ConsistencyProof:
    """Proof that an older checkpoint's entries are a prefix of a newer one's."""

    @property
    def old_size(self) -> int: ...
    @property
    def new_size(self) -> int: ...
    @property
    def path(self) -> list[str]:
        """The proof's subtree roots, hex, in RFC 9162's order."""

    def verify(self, old_root: str, new_root: str) -> bool:
        """True when the proof leads from ``old_root`` to ``new_root`` (hex). Its sizes are
        taken on trust (a proof from 6 to 37 entries can also verify claiming 6 to 52):
        prefer :meth:`verify_checkpoints`."""

    def verify_checkpoints(
        self, old: Checkpoint | Mapping[str, Any], new: Checkpoint | Mapping[str, Any]
    ) -> bool:
        """True when the proof is for the two checkpoints' sizes and leads to both roots."""

    def to_dict(self) -> dict[str, Any]:
        """The proof in the core's JSON shape."""

@final
class ConsistencyReport:
    """What :meth:`Audit.verify_since` found."""

    @property
    def ok(self) -> bool:
        """True when the signature, the origin and the consistency proof all check out."""

    @property
    def origin(self) -> str: ...
    @property
    def old_size(self) -> int: ...
    @property
    def old_root(self) -> str: ...
    @property
    def new_size(self) -> int:
        """Entries in the log today."""

    @property
    def new_root(self) -> str: ...
    @property
    def proof(self) -> ConsistencyProof: ...
    @property
    def problems(self) -> list[str]:
        """What was wrong, in words."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class ExportSummary:
    """What :meth:`Audit.export_to` wrote."""

    @property
    def entries(self) -> int: ...
    @property
    def checkpoints(self) -> int: ...
    @property
    def proofs(self) -> int: ...
    @property
    def root(self) -> str:
        """The Merkle root over all exported entries, hex."""

    def to_dict(self) -> dict[str, Any]:
        """The summary in the core's JSON shape."""

@final
class Reasoning:
    """The reasoning engine of one engine (``juno.reasoning``).

    A confidence is ``Σ weight × factor`` over five factors in [0, 1], each from the
    evidence by a fixed formula (missing evidence scores 0, so no evidence is no
    confidence), with the deployment's weights (``[confidence_weights]``; defaults
    data_quality 0.30, historical_accuracy 0.25, pattern_strength 0.20,
    temporal_relevance 0.15, consensus_score 0.10):

    - data_quality = completeness × (1 − e^(−observations / 5));
    - historical_accuracy = the Wilson 95% lower bound of right / decided;
    - pattern_strength = support × episodes / (episodes + 3);
    - temporal_relevance = 0.5 ^ (age of the newest evidence in hours / 72);
    - consensus_score = 1 − 2 × the standard deviation of ≥ 2 engine signals.
    """

    @property
    def weights(self) -> dict[str, float]:
        """The configured factor weights, by factor name."""

    def confidence(
        self,
        evidence: Mapping[str, Any],
        team: str | None = None,
        action: str | None = None,
        *,
        calibration: Calibration | Mapping[str, Any] | None = None,
    ) -> Confidence:
        """Scores ``evidence``, a dict in the core's ``Evidence`` shape (every key optional):
        ``completeness``, ``observations``, ``newest_evidence_age_hours``,
        ``track_record_right``, ``track_record_total``, ``pattern_support``,
        ``pattern_episodes``, ``engine_signals``, ``items``.

        With ``team`` and ``action`` (both or neither), the track record is memory's for
        that team and kind of action — approved outcomes of all recorded — and replaces the
        evidence's. With ``calibration`` (from :meth:`calibrate`), ``calibrated`` is its
        value of ``raw``. A value out of range or an unknown key raises
        :class:`juno.errors.InvalidInputError` naming the field.
        """

    def confidence_many(
        self,
        evidence: Iterable[Mapping[str, Any]],
        *,
        calibration: Calibration | Mapping[str, Any] | None = None,
    ) -> list[Confidence]:
        """Scores many ``evidence`` dicts in one call, in input order, as :meth:`confidence`
        scores one (without a team's track record from memory). A bad value raises
        :class:`juno.errors.InvalidInputError` naming the item (``evidence[3].completeness``)
        before any is scored.
        """

    def confidence_columns(
        self,
        completeness: _Floats,
        observations: _Floats,
        *,
        newest_evidence_age_hours: _Floats | None = None,
        track_record_right: _Floats | None = None,
        track_record_total: _Floats | None = None,
        pattern_support: _Floats | None = None,
        pattern_episodes: _Floats | None = None,
        engine_signals: Any | None = None,
        calibration: Calibration | Mapping[str, Any] | None = None,
        out: Any | None = None,
    ) -> Any:
        """The confidence of every row of evidence given as columns — the numbers of
        :meth:`confidence_many` without the factor table, for hosts that hold arrays.

        Each column is a one-dimensional float64 buffer (a numpy ``float64`` array,
        ``array.array('d')``, a memoryview), copied once, or a sequence of numbers; all
        have one value per row. Counts must be whole numbers ≥ 0; NaN in
        ``newest_evidence_age_hours`` or ``pattern_support`` marks the value absent.
        ``engine_signals`` is a rows × signals float64 buffer or a list of equal-length
        lists. Returns an ``array.array('d')`` (``numpy.asarray`` views it without
        copying), or fills and returns ``out``, a writable float64 buffer of one value per
        row. A bad cell raises :class:`juno.errors.InvalidInputError` naming the column and
        row (``completeness[7]``).
        """

    def track_record(self, team: str, action: str) -> tuple[int, int]:
        """Memory's track record for ``action`` about ``team``: (approved, all recorded)."""

    def calibrate(self, pairs: Iterable[tuple[float, bool] | Sequence[Any]]) -> Calibration:
        """Fits a monotone calibration map (isotonic regression) to recorded
        ``(confidence, was_it_right)`` pairs, so that a calibrated 0.9 is right about 9 times
        in 10; reports the Brier score and expected calibration error before and after.
        Fewer than 30 pairs leave the identity (``is_fitted`` false).
        """

@final
class Confidence:
    """A scored decision: the confidence, its five factors and the evidence items."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Confidence:
        """Rebuilds a confidence from its :meth:`to_dict` form (to explain a stored one)."""

    @property
    def raw(self) -> float:
        """The weighted sum of the factors."""

    @property
    def calibrated(self) -> float:
        """After calibration; equal to ``raw`` while uncalibrated."""

    @property
    def is_calibrated(self) -> bool:
        """Whether a fitted calibration map was applied."""

    @property
    def factors(self) -> list[Factor]:
        """data_quality, historical_accuracy, pattern_strength, temporal_relevance,
        consensus_score, in that order."""

    @property
    def items(self) -> list[str]:
        """The evidence items."""

    def explain(self, level: _Level | str = "detailed") -> str:
        """The explanation as text: ``basic`` (one sentence), ``detailed`` (the factor
        table) or ``verbose`` (the table, the formulas and every evidence item). An unknown
        level raises :class:`juno.errors.InvalidInputError`."""

    def to_dict(self) -> dict[str, Any]:
        """The confidence in the core's JSON shape."""

    def __float__(self) -> float:
        """The calibrated confidence."""

@final
class Factor:
    """One weighted part of a score, ``contribution = value × weight``: a confidence's
    factors and a recall score's components alike (``evidence``: the inputs in words)."""

    @property
    def name(self) -> str:
        """A confidence factor (``data_quality``, ``historical_accuracy``,
        ``pattern_strength``, ``temporal_relevance``, ``consensus_score``) or a recall
        component (``text``, ``recency``, ``importance``, ``access``)."""

    @property
    def value(self) -> float:
        """The factor in [0, 1]."""

    @property
    def weight(self) -> float: ...
    @property
    def contribution(self) -> float:
        """value × weight."""

    @property
    def evidence(self) -> str:
        """The inputs, in words."""

    def to_dict(self) -> dict[str, Any]:
        """The factor in the core's JSON shape."""

@final
class Calibration:
    """A monotone calibration map with its Brier score and expected calibration error."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Calibration:
        """Rebuilds a map from its :meth:`to_dict` form; a map that is not monotone raises
        :class:`juno.errors.InvalidInputError`."""

    @property
    def outcomes(self) -> int:
        """The pairs it was fitted on."""

    @property
    def is_fitted(self) -> bool:
        """Whether enough outcomes (30) were seen for the map to apply."""

    @property
    def blocks(self) -> list[tuple[float, float]]:
        """(upper bound of raw confidence, calibrated value) per block."""

    @property
    def brier_raw(self) -> float: ...
    @property
    def brier_calibrated(self) -> float: ...
    @property
    def ece_raw(self) -> float:
        """Expected calibration error of the raw confidences (10 equal-width bins)."""

    @property
    def ece_calibrated(self) -> float: ...
    def apply(self, raw: float) -> float:
        """The calibrated value of ``raw`` in [0, 1] (``raw`` itself while not fitted)."""

    def to_dict(self) -> dict[str, Any]:
        """The map in the core's JSON shape."""

@final
class Velocity:
    """The velocity analyzer of one engine (``juno.velocity``)."""

    def analyze(self, sprints: Iterable[Mapping[str, Any]]) -> VelocityReport:
        """Analyses one team's finished sprints, oldest first: dicts in the core's one
        ``Sprint`` shape, of which velocity reads ``id``, ``committed_points`` and
        ``delivered_points`` (the old names ``sprint``, ``committed``, ``delivered`` are
        accepted too), at most 1000. A missing or negative number raises
        :class:`juno.errors.InvalidInputError` naming it (``sprints[3].delivered_points``)."""

    def analyze_teams(
        self, teams: Mapping[str, Iterable[Mapping[str, Any]]]
    ) -> dict[str, VelocityReport]:
        """Analyses many teams: ``{team: [sprint, …]}``; the result is ordered by team."""

@final
class VelocityReport:
    """One team's velocity: statistics, trends, verdict and next-sprint forecast.

    The verdict: fewer than 3 sprints → ``insufficient_data``; cv > 0.35 → ``volatile``;
    Theil–Sen slope / mean beyond ±0.03 per sprint → ``improving`` / ``declining``;
    else ``stable``.
    """

    @property
    def sprints(self) -> int:
        """How many sprints were analysed."""

    @property
    def mean(self) -> float: ...
    @property
    def median(self) -> float: ...
    @property
    def stdev(self) -> float:
        """Sample standard deviation (n − 1)."""

    @property
    def cv(self) -> float:
        """Coefficient of variation, stdev / mean (0 when the mean is 0)."""

    @property
    def stability(self) -> float:
        """1 / (1 + cv)."""

    @property
    def completion_ratio(self) -> float | None:
        """Mean of delivered / committed over sprints with a commitment."""

    @property
    def ols(self) -> dict[str, float] | None:
        """``{"slope", "intercept"}`` of the least-squares line over sprint index."""

    @property
    def r_squared(self) -> float | None:
        """R² of the OLS line; ``None`` when every sprint delivered the same."""

    @property
    def theil_sen(self) -> dict[str, float] | None:
        """``{"slope", "intercept"}`` of the robust Theil–Sen line."""

    @property
    def classification(self) -> str:
        """``improving``, ``stable``, ``declining``, ``volatile`` or ``insufficient_data``."""

    @property
    def forecast(self) -> dict[str, float] | None:
        """``{"expected", "low", "high"}``: the next sprint with an 80% prediction interval."""

    def explain(self, level: _Level | str = "detailed") -> str:
        """The report in words: ``basic``, ``detailed`` or ``verbose``."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class Triage:
    """Stale-ticket triage for one engine (``juno.triage``).

    A ticket's last real activity is the latest of ``updated``, ``last_comment`` and
    ``last_change``; idle days against the thresholds (aging ≥ 3, stale ≥ 7, critical ≥ 14
    by default) give its staleness. The first rule that applies chooses the action, in the
    precedence escalate, reassign, request_info, update_priority, defer, close.
    """

    def propose(
        self, proposals: list[TriageProposal | Mapping[str, Any]], requester: str
    ) -> list[ApprovalRequest]:
        """Hands ``proposals`` (from :meth:`scan`, or dicts in their shape) to governance:
        one approval request each, in one transaction. Nothing acts until a request is
        approved and executed."""

    def scan(
        self,
        tickets: Iterable[Mapping[str, Any]],
        settings: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> list[TriageProposal]:
        """Proposals for the open ``tickets``, most urgent first.

        Each ticket is a dict in the core's one ``Ticket`` shape (the same one
        :meth:`Flow.analyze` reads): ``key``, ``team``, and — required by triage —
        ``priority`` (``Highest`` … ``Lowest``) and ``updated``; optionally ``assignee``
        (omitted or ``None``: unassigned), ``labels``, ``last_comment``, ``last_change``,
        ``assignee_last_activity``, ``blocked``, ``blocking``, ``has_description``,
        ``estimated`` (omitted or ``None``: unknown, not treated as missing),
        ``in_active_sprint``; fields only flow uses (``created``, ``status``, ``events``)
        are accepted and ignored. Times are aware datetimes or RFC 3339 strings. ``settings`` (every key optional): ``thresholds``, ``by_priority``,
        ``exempt_labels``, ``max_proposals``. ``now`` defaults to the engine's clock.
        Each proposal's confidence takes the team's track record for that action from
        memory. Bad input raises :class:`juno.errors.InvalidInputError`.
        """

@final
class TriageProposal:
    """One proposed action for one ticket."""

    @property
    def key(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def action(self) -> str:
        """``escalate``, ``reassign``, ``request_info``, ``update_priority``, ``defer`` or
        ``close``."""

    @property
    def staleness(self) -> str:
        """``aging``, ``stale`` or ``critical``."""

    @property
    def idle_days(self) -> float:
        """Days since the last real activity."""

    @property
    def urgency(self) -> float:
        """min(1, 0.5 × min(idle / (2 × critical), 1) + 0.4 × priority weight + 0.1 if
        blocked)."""

    @property
    def confidence(self) -> Confidence:
        """The reasoning engine's confidence in this proposal (not the rule's urgency)."""

    @property
    def evidence(self) -> list[str]:
        """Why, in words."""

    @property
    def impact(self) -> str:
        """``low``, ``medium``, ``high`` or ``critical``: what governance routes on."""

    def explain(self, level: _Level | str = "detailed") -> str:
        """The proposal in words: ``basic``, ``detailed`` or ``verbose`` (which also names
        the rule that chose the action)."""

    def to_dict(self) -> dict[str, Any]:
        """The proposal in the core's JSON shape."""

@final
class MonteCarloResult:
    """What :meth:`Forecaster.monte_carlo` found."""

    @property
    def p10(self) -> float:
        """10th percentile of delivered points."""

    @property
    def p50(self) -> float: ...
    @property
    def p90(self) -> float: ...
    @property
    def p_deliver_80(self) -> float:
        """Share of trials delivering at least 80% of the commitment."""

    @property
    def trials(self) -> int: ...
    @property
    def basis(self) -> str:
        """``history``, or ``plan_pace`` when there was no throughput history."""

    def to_dict(self) -> dict[str, Any]:
        """The result in the core's JSON shape."""

def monte_carlo(input: Mapping[str, Any]) -> MonteCarloResult:
    """Simulates the rest of a sprint from the team's history (seeded: the same input gives
    the same result on every platform).

    ``input`` is a dict: ``committed``, ``done``, ``days_remaining``, ``planned_days``,
    ``trials`` (1 to 1,000,000), ``seed``, and optionally ``scope``, ``daily_throughput``
    and ``daily_scope_change`` (bootstrap samples per working day). Each trial walks the
    remaining days (at most 366) drawing a day of throughput and of scope change. Bad input
    raises :class:`juno.errors.InvalidInputError`.
    """

@final
class Forecaster:
    """The sprint forecaster of one engine (``juno.forecast``).

    A forecast gives P(deliver ≥ 80% of the commitment at the start) — from the newest
    model :meth:`retrain` stored, or from the Monte Carlo simulation while there is none
    (``probability_basis`` says which) —, delivered points P10 / P50 / P90 from 10,000
    seeded trials over the team's daily throughput (scope growth included; without
    history the plan's pace is assumed and the notes say so), and five risk categories
    in [0, 1] with the deployment's weights and thresholds (defaults velocity 0.25 / 0.7,
    scope 0.20 / 0.6, capacity 0.20 / 0.8, quality 0.20 / 0.7, dependencies 0.15 / 0.6):

    - velocity = σ(4·(r − 1)), r = points left ÷ (pace × days left);
    - scope = 1 − e^(−2·churn), churn = (added + ½·removed) ÷ committed at the start;
    - capacity = max(1 − size ÷ usual size, 1 − e^(−(in progress per person − 2)⁺ / 2));
    - quality = 1 − e^(−3·(defects + review queue) ÷ issues);
    - dependencies = 1 − e^(−3·(blocked + ½·dependencies) ÷ open issues).

    The overall score is Σ weight × score (raising any category never lowers it); its
    level is low < 0.3 ≤ medium < 0.6 ≤ high < 0.8 ≤ critical. A category is flagged at
    its threshold; recommendations name the flagged ones, largest contribution first.
    """

    def monte_carlo(self, input: Mapping[str, Any]) -> MonteCarloResult:
        """The seeded Monte Carlo simulation of the rest of a sprint (see :func:`monte_carlo`)."""

    def sprint(
        self, state: Mapping[str, Any], history: Mapping[str, Any] | None = None
    ) -> SprintForecast:
        """Forecasts one sprint.

        ``state`` is a dict in the core's ``SprintState`` shape, every key optional:
        ``team``, ``sprint``, ``committed_points``, ``added_points``, ``removed_points``,
        ``todo_points``, ``in_progress_points``, ``done_points``, the same ``*_issues``
        counts, ``days_elapsed``, ``days_planned``, ``team_size``, ``blocked``,
        ``dependencies``, ``defects``, ``review_queue``. ``history`` is a ``TeamHistory``
        dict: ``sprints`` (each ``committed_points``, ``delivered_points``, ``days``,
        optional ``team_size``), ``daily_throughput``, ``daily_scope_change``; ``None``
        is no history. A negative number, an unknown key or more than 366 working days
        left raise :class:`juno.errors.InvalidInputError` naming the field.
        """

    def sprints(self, items: Iterable[Mapping[str, Any]]) -> list[SprintForecast]:
        """Forecasts many sprints with one read of the model: ``items`` are dicts
        ``{"state": …, "history": …}`` (``history`` optional); results in input order.
        A bad item raises :class:`juno.errors.InvalidInputError` naming it
        (``items[3].committed_points``)."""

    def record(self, observation: Mapping[str, Any]) -> bool:
        """Records a finished sprint for training: a dict with ``state`` (a sprint state
        with a non-empty ``team`` and ``sprint``), optional ``history``,
        ``delivered_points`` and ``ended_at`` (an aware datetime or an RFC 3339 string).
        Returns True when it replaced an earlier record of the same team and sprint."""

    def observations(self) -> list[SprintObservation]:
        """Every recorded sprint, oldest end first."""

    def retrain(self) -> RetrainReport:
        """Trains a new model version (logistic regression, first evaluated forward in
        time: fitted on the oldest 70% of the recorded sprints, scored on the newest 30%)
        with its calibration (fitted on out-of-time forecasts only, see
        :attr:`RiskModel.calibration`) and stores it. With fewer than 30 recorded sprints, or one outcome only, nothing
        is stored and the report says why (``trained`` false, ``reason``)."""

    def model(self) -> RiskModel | None:
        """The newest trained model, or ``None``."""

    def model_versions(self) -> int:
        """How many model versions have been trained."""

@final
class SprintForecast:
    """A sprint forecast: the probability, the simulation, the categories, what to do."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SprintForecast:
        """Rebuilds a forecast from its :meth:`to_dict` form (to explain a stored one)."""

    @property
    def team(self) -> str: ...
    @property
    def sprint(self) -> str: ...
    @property
    def p_deliver_80(self) -> float:
        """P(delivered ≥ 80% of the commitment at the start)."""

    @property
    def probability_basis(self) -> str:
        """``model v<N>``, ``monte_carlo`` or ``no_commitment`` (nothing to miss: 1)."""

    @property
    def delivery(self) -> MonteCarloResult:
        """Delivered points by simulation: P10 / P50 / P90 and the share reaching 80%."""

    @property
    def categories(self) -> list[CategoryScore]:
        """velocity, scope, capacity, quality, dependencies, in that order."""

    @property
    def overall(self) -> float:
        """Σ weight × category score."""

    @property
    def level(self) -> str:
        """``low``, ``medium``, ``high`` or ``critical``."""

    @property
    def recommendations(self) -> list[Recommendation]:
        """The flagged categories' advice, largest contribution first (or the largest
        contributor's when none is flagged and the level is medium or worse)."""

    @property
    def confidence(self) -> Confidence:
        """The reasoning engine's confidence in this forecast."""

    @property
    def notes(self) -> list[str]:
        """Caveats: fallbacks taken (no history, no model), nothing committed, a team
        whose recent forecasts were off."""

    @property
    def calibration(self) -> dict[str, Any] | None:
        """How the probability and the interval were calibrated, ``None`` without a
        trained model: ``model_probability`` and ``trailing_rate`` (before the blend),
        ``probability`` (the blend's ``model_weight``, the ``outcomes`` it was fitted on,
        ``forward_ece`` over 10 equal-mass bins), ``simulated`` (P10/P50/P90 before the
        conformal correction), ``interval`` (the correction and its forward
        ``coverage``), ``team`` (this team's recent forecasts: ``drifting`` when off)."""

    def explain(self, level: _Level | str = "detailed") -> str:
        """The forecast in words: ``basic`` (the headline), ``detailed`` (plus each
        category's score × weight, the recommendations and the confidence's factors) or
        ``verbose`` (plus the confidence's formulas and the notes)."""

    def to_dict(self) -> dict[str, Any]:
        """The forecast in the core's JSON shape."""

@final
class CategoryScore:
    """One risk category's part in the overall score: a :class:`Factor`'s fields (the
    score is ``value``) with the category's ``threshold`` and whether it is ``flagged``."""

    @property
    def name(self) -> str:
        """``velocity``, ``scope``, ``capacity``, ``quality`` or ``dependencies``."""

    @property
    def value(self) -> float:
        """The score in [0, 1]."""

    @property
    def score(self) -> float:
        """Deprecated alias of :attr:`value` (emits ``DeprecationWarning``)."""

    @property
    def weight(self) -> float: ...
    @property
    def contribution(self) -> float:
        """score × weight."""

    @property
    def threshold(self) -> float: ...
    @property
    def flagged(self) -> bool:
        """Whether the score reached the threshold."""

    @property
    def evidence(self) -> str:
        """The numbers behind the score, in words."""

    def to_dict(self) -> dict[str, Any]:
        """The category in the core's JSON shape."""

@final
class Recommendation:
    """What to do, tied to the category that drives the risk."""

    @property
    def category(self) -> str: ...
    @property
    def text(self) -> str: ...
    def to_dict(self) -> dict[str, Any]:
        """The recommendation in the core's JSON shape."""

@final
class SprintObservation:
    """A recorded, finished sprint: a training row of the model."""

    @property
    def state(self) -> dict[str, Any]:
        """The state at prediction time (``SprintState`` shape)."""

    @property
    def history(self) -> dict[str, Any]:
        """The team's history then (``TeamHistory`` shape)."""

    @property
    def delivered_points(self) -> float: ...
    @property
    def ended_at(self) -> datetime: ...
    @property
    def delivered_80(self) -> bool:
        """Whether it delivered at least 80% of the commitment at the start."""

    def to_dict(self) -> dict[str, Any]:
        """The observation in the core's JSON shape (what :meth:`Forecaster.record` takes)."""

@final
class RetrainReport:
    """What :meth:`Forecaster.retrain` did."""

    @property
    def trained(self) -> bool:
        """Whether a new model version was stored."""

    @property
    def observations(self) -> int:
        """Recorded sprints available."""

    @property
    def model(self) -> RiskModel | None:
        """The new model when trained."""

    @property
    def reason(self) -> str | None:
        """Why no model was trained."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class RiskModel:
    """A trained sprint-risk model with its provenance and forward evaluation."""

    @property
    def version(self) -> int:
        """The stored version: 1, 2, …"""

    @property
    def kind(self) -> str:
        """``logistic_regression``."""

    @property
    def features(self) -> list[str]:
        """The feature names, in order."""

    @property
    def trained_on(self) -> int:
        """Rows the model was fitted on."""

    @property
    def positives(self) -> int:
        """How many of them delivered ≥ 80%."""

    @property
    def training_period(self) -> tuple[str, str] | None:
        """The oldest and newest sprint end of the training rows (RFC 3339)."""

    @property
    def evaluation(self) -> dict[str, Any]:
        """The forward evaluation: ``protocol``, ``n_train``, ``n_test``, ``auc``,
        ``brier``, ``calibration_error``, ``accuracy``, ``majority_accuracy``."""

    @property
    def calibration(self) -> dict[str, Any]:
        """The corrections fitted on out-of-time forecasts that every forecast with this
        model applies: ``probability`` (the blend with the team's trailing delivery rate,
        ``None`` under 30 out-of-time outcomes), ``interval`` (the conformal correction of
        P10/P50/P90, ``None`` under 30 recorded sprints), ``teams`` (each team's recent
        forward forecasts)."""

    def to_dict(self) -> dict[str, Any]:
        """The model in the core's JSON shape (with its coefficients)."""

@final
class Flow:
    """Flow bottlenecks from ticket change history (``juno.flow``)."""

    def analyze(
        self,
        input: Mapping[str, Any],
        settings: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> FlowReport:
        """Analyses the flow of every team in ``input`` as of ``now`` (default: the
        engine's clock).

        ``input`` is a dict in the core's ``FlowInput`` shape: ``tickets`` (each in the one
        ``Ticket`` shape :meth:`Triage.scan` reads, with ``created`` required by flow;
        optional ``status``, ``assignee``, ``events`` — each ``at``, ``field``, ``from``,
        ``to``; triage-only fields such as ``priority`` are accepted and ignored), optional ``sprints`` (each ``id``, ``team``,
        ``start``, ``end``, ``members``, optional ``completed``) and ``holidays`` (each
        ``date``, optional ``team``); times are aware datetimes or RFC 3339 strings, dates
        :class:`datetime.date` or ``YYYY-MM-DD``. ``settings`` (every key optional):
        ``categories``, ``unknown_status_is_error``, ``min_samples``, ``queue_weeks``,
        ``queue_rise_per_week``, ``team_change_min_share``, ``factor_min_sprints``,
        ``factor_min_drop``. Bad input (a duplicate key, an event after ``now``, a setting
        out of range) raises :class:`juno.errors.InvalidInputError` naming the field.
        Analysing the same history twice gives the same report.
        """

@final
class FlowReport:
    """The flow of every team as of one moment."""

    @property
    def now(self) -> datetime:
        """The moment analysed."""

    @property
    def teams(self) -> dict[str, TeamFlow]:
        """Per team, by team name."""

    @property
    def unknown_statuses(self) -> list[str]:
        """Status names no phrase matched (tolerated as ``other``)."""

    def to_dict(self) -> dict[str, Any]:
        """The report in the core's JSON shape."""

@final
class TeamFlow:
    """One team's flow: dwell per status, bottlenecks, ageing work, queues, sprints."""

    @property
    def tickets(self) -> int: ...
    @property
    def open_tickets(self) -> int: ...
    @property
    def statuses(self) -> dict[str, dict[str, Any]]:
        """Dwell per non-done status: ``category``, ``visits``, ``ongoing``,
        ``total_days``, ``median_days``, ``p85_days``."""

    @property
    def bottleneck(self) -> dict[str, Any] | None:
        """``{"status", "category", "total_days", "share"}`` of the non-done status with
        the most dwell."""

    @property
    def work_bottleneck(self) -> dict[str, Any] | None:
        """The same among active statuses (in progress, review, qa)."""

    @property
    def cycle_time(self) -> dict[str, Any]:
        """``{"count", "median_days", "p85_days"}``: first active → done."""

    @property
    def ageing_wip(self) -> list[dict[str, Any]]:
        """Active tickets older than the team's p85 stay or cycle time, oldest first."""

    @property
    def queues(self) -> list[dict[str, Any]]:
        """The review and qa queues: weekly counts and their Theil–Sen slope."""

    @property
    def sprints(self) -> list[dict[str, Any]]:
        """Each sprint's members, completion, carry-over, holidays and team changes."""

    @property
    def mean_carry_over_rate(self) -> float | None: ...
    @property
    def external_factors(self) -> list[dict[str, Any]]:
        """Holidays and team changes, with completion with and without them."""

    def to_dict(self) -> dict[str, Any]:
        """The team's flow in the core's JSON shape."""

@final
class SimSource:
    """The seeded simulated organisation as a source.

    ``settings`` (every key optional): ``seed`` (7), ``teams`` (3, at most 50),
    ``people_per_team`` (5), ``sprints`` (26 finished sprints per team), ``backlog_per_team``
    (20), ``end`` (the moment it reaches, ``2026-01-05T00:00:00Z``), ``active_day`` (4).
    The same settings give the same organisation. Bad settings raise
    :class:`juno.errors.InvalidInputError` naming the key.
    """

    def __new__(cls, settings: Mapping[str, Any] | None = None) -> Self: ...
    @property
    def end(self) -> datetime:
        """The moment the simulation reaches: run cycles as of this time."""
    @property
    def name(self) -> str:
        """The name its sync state is kept under (``sim:<seed>``)."""
    def snapshot(self) -> dict[str, Any]:
        """The whole organisation as a dict (the core's ``Snapshot`` shape)."""

@final
class JiraSource:
    """A Jira site as a source (Cloud REST v3 + Agile, or Server / Data Center).

    ``settings`` is a dict: ``base_url``, ``flavor`` (``"cloud"`` or ``"server"``),
    ``email`` (Cloud), ``token``, ``projects``, and optional ``team_naming``,
    ``page_size``, ``max_requests_per_second``, ``timeout_secs``, ``max_retries``,
    ``backoff_ms``, ``overlap_minutes``, ``story_points_field``, ``sprint_field``,
    ``juno_account``. ``None`` reads ``JIRA_URL``, ``JIRA_USERNAME``, ``JIRA_API_TOKEN``,
    ``JIRA_PROJECTS``, ``JIRA_FLAVOR`` and ``JIRA_ACCOUNT_ID`` from the environment. A bad
    or missing setting raises :class:`juno.errors.ConfigError`; the token is never shown.
    """

    def __new__(cls, settings: Mapping[str, Any] | None = None) -> Self: ...
    @property
    def name(self) -> str:
        """The name its sync state is kept under."""

@final
class ExportSource:
    """A Jira export file as a source: JSON (search results with the changelog
    expanded) or CSV, by extension. ``settings``: ``flavor``, ``story_points_field``,
    ``sprint_field``."""

    def __new__(
        cls, path: str | os.PathLike[str], settings: Mapping[str, Any] | None = None
    ) -> Self: ...
    @property
    def name(self) -> str:
        """The name its sync state is kept under."""

@final
class JiraExecutor:
    """Writes approved actions to Jira, each once (an idempotency marker on the issue),
    with comments that name the approval. Settings as for :class:`JiraSource`."""

    def __new__(cls, settings: Mapping[str, Any] | None = None) -> Self: ...

@final
class Sources:
    """The observe stage of one engine (``juno.source``)."""

    def sync(
        self,
        source: SimSource | JiraSource | ExportSource,
        *,
        progress: Callable[[dict[str, Any]], object] | None = None,
    ) -> dict[str, Any]:
        """Pulls ``source`` into the store: what changed since its last successful sync,
        everything the first time. Returns the sync report (``source``, ``since``,
        ``now``, ``stored`` counts, ``millis``). A failed pull stores nothing.

        ``progress``, when given, is called with ``{"phase", "count", "total", "done"}``
        after each page a :class:`JiraSource` fetches (phases ``issues``, ``changelogs``,
        ``sprints``; ``total`` is ``None`` where Jira does not say, as Cloud's search does
        not) and once when the pull is stored (``stored``, ``done`` true). Its exceptions
        are ignored, except ``KeyboardInterrupt`` and ``SystemExit``, raised after the
        sync."""
    def store(
        self, name: str, snapshot: Mapping[str, Any], now: datetime | None = None
    ) -> dict[str, int]:
        """Stores a snapshot dict (``now``, ``teams``, ``people``, ``sprints``,
        ``checkpoints``, ``active``, ``tickets``) as if source ``name`` had pulled it.
        Bad items raise :class:`juno.errors.InvalidInputError` naming them; nothing is
        stored then."""
    def state(self, name: str) -> dict[str, Any] | None:
        """Where syncing source ``name`` stands, or ``None`` if it was never tried."""
    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as a snapshot dict: what the cycle analyses."""
    def validate(self) -> dict[str, Any]:
        """What is missing or odd in the synced data: ``counts`` and ``findings`` (each
        with ``severity`` — ``"error"`` or ``"warning"`` —, ``check``, ``message``,
        ``count``, ``examples``), errors first."""

@final
class Agent:
    """The agent cycle of one engine (``juno.agent``)."""

    def run_cycle(
        self,
        *,
        source: SimSource | JiraSource | ExportSource | None = None,
        executor: JiraExecutor | Callable[[dict[str, Any]], Any] | None = None,
        options: Mapping[str, Any] | None = None,
        dry_run: bool | None = None,
        progress: Callable[[dict[str, Any]], object] | None = None,
    ) -> dict[str, Any]:
        """Runs one cycle as of the engine's clock and returns its report.

        ``progress``, when given, is called with ``{"stage", "step", "of", "done",
        "millis", "sync"}`` as each of the six stages starts and ends, and during
        ``observe`` once per page the source fetches (``sync`` is then the sync's progress,
        as :meth:`Sources.sync` reports it; else ``None``). Its exceptions are ignored,
        except ``KeyboardInterrupt`` and ``SystemExit``, raised after the cycle.

        ``source`` is synced first when given; the cycle then reads the store. Approved
        actions (this cycle's and those approved since the last) run once through
        ``executor``: a :class:`JiraExecutor`, a callable taking the action dict (its
        ``parameters["writes"]`` are the exact writes) — it may return a dict with
        ``"changes"`` —, or ``None`` for the recording executor, which writes nothing
        outside JUNO. ``options`` (every key optional): ``dry_run``, ``requester``,
        ``guard_rails`` (``projects``, ``write_budget``, ``protected_statuses``,
        ``close_in_active_sprint``), ``triage``, ``cooldown_days``, ``retrain_every``,
        ``history_sprints``, ``learning`` (learn from people's decisions; default true)
        and ``preferences`` (``enabled``, ``window``, ``min_against``, ``probe_days``:
        how the teams' recent outcomes hold proposals back). The report has ``cycle``, ``now``, ``dry_run``, ``sync``,
        ``seen``, ``teams``, ``risks``, ``proposals``, ``skipped``, ``executed``,
        ``held``, ``failed``, ``waiting``, ``learned`` and ``timings_ms``. A second cycle
        while one runs on the same database raises
        :class:`juno.errors.InvalidStateError`."""
    def cycles(self, limit: int = 10) -> list[dict[str, Any]]:
        """The stored reports of the newest ``limit`` cycles, newest first."""

    def confidence_calibrations(self) -> list[dict[str, Any]]:
        """Every stored confidence calibration map, by action kind, oldest version first:
        ``kind``, ``version``, ``map`` (with ``outcomes`` and the Brier score and ECE
        before and after on the person decisions it was fitted on), ``decided_through``,
        ``created_at``. The learn stage fits one per action kind from 30 person decisions
        on (auto-approved and expired requests are not a person's verdict); each
        proposal's request and auto-approval decision name the map it used
        (``calibration``)."""

@final
class Wording:
    """A language model's wording of an engine's explanation (``juno.llm``).

    OpenAI (``OPENAI_API_KEY``, ``OPENAI_MODEL``, ``OPENAI_BASE_URL``) or Azure OpenAI
    (``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_DEPLOYMENT``, ``AZURE_OPENAI_API_VERSION``,
    ``AZURE_OPENAI_API_KEY``). The model never decides: its answer is checked (no number
    the explanation lacks, no other decision) or the template is used.
    """

    @property
    def configured(self) -> bool:
        """Whether a model is configured (else every wording is the template)."""

    def word(
        self, explanation: str, *, decision: str | None = None, quoted: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Words ``explanation`` for a person: ``{"text", "source", "reason", "model",
        "prompt_tokens", "completion_tokens", "cost"}``; ``source`` is ``model``, ``cache``
        or ``template`` (with ``reason``). ``quoted`` is untrusted text (ticket titles),
        passed to the model as data. The model's failures are never raised."""

    def usage(self) -> list[dict[str, Any]]:
        """Calls, tokens and cost so far, by source: ``{"source", "calls",
        "prompt_tokens", "completion_tokens", "cost"}``."""

@final
class Notifications:
    """Slack and Teams notices of one engine (``juno.notify``).

    Channels come from ``[notify]`` in the config file or the ``SLACK_WEBHOOK_URL``,
    ``SLACK_BOT_TOKEN`` + ``SLACK_CHANNEL``, ``TEAMS_WEBHOOK_URL`` and ``DASHBOARD_URL``
    settings. The agent cycle collects notices itself; the scheduler (``juno agent run``)
    delivers them after each cycle.
    """

    def collect(self) -> dict[str, Any]:
        """Reads the audit log from where the last call stopped and queues one message per
        notice per configured channel: ``{"read", "queued", "cursor"}``."""

    def deliver(self, limit: int = 100) -> dict[str, Any]:
        """Sends up to ``limit`` (1–1000) due messages, each at most once: ``{"sent",
        "retrying", "dead", "pending", "errors"}``. A chat service's failure is counted and
        retried later with backoff, never raised; after ``max_attempts`` the message is kept
        as ``dead``. Waits for each service (at most ``notify.timeout_secs`` per message)."""

    def outbox(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Queued messages, newest first (``id``, ``channel``, ``kind``, ``subject``,
        ``dedup``, ``body`` — the JSON posted —, ``created_at``, ``attempts``, ``next_at``,
        ``status``, ``sent_at``, ``last_error``): every status, or ``pending``, ``sent`` or
        ``dead`` (another value raises :class:`juno.errors.InvalidInputError`)."""

    def slack_user(self, slack_id: str) -> str | None:
        """The JUNO user a Slack user id stands for (``[notify.slack_users]``), or ``None``."""

@final
class Executions:
    """The act stage of one engine (``juno.executor``)."""

    def record(self, id: int) -> dict[str, Any] | None:
        """What request ``id``'s execution changed (``changes``, ``ok``, ``done_at``,
        ``reverted_by``, …), or ``None`` if it did not run through the outbox."""
    def propose_revert(self, id: int, requester: str) -> ApprovalRequest:
        """Proposes undoing executed request ``id``: a ``revert`` request whose writes are
        the inverse of what it changed; it waits for a person like any action."""

def _bench_recall_ns(juno: Juno, team: str, n: int) -> int:
    """Times ``n`` recalls (``team``, limit 1, no touch) in Rust; returns total nanoseconds.

    For ``benches/python_overhead.py`` only.
    """

def _bench_core_ns(
    juno: Juno, workload: str, payload: Sequence[Mapping[str, Any]], now: datetime | None = None
) -> int:
    """Nanoseconds the core takes for ``workload`` (``triage_scan``, ``confidence_many``,
    ``confidence_columns``, ``forecast_sprints``, ``recall_many``) on ``payload``, converted
    before the timing. For ``benches/python/`` only."""

def _bench_convert_tickets_ns(tickets: Sequence[Mapping[str, Any]]) -> int:
    """Nanoseconds to convert ``tickets`` into the core's tickets. For ``benches/python/``."""

def _log_install() -> bool:
    """Installs the bridge from the core's log events to :mod:`logging` (:mod:`juno.log`
    calls it at import); False when another ``tracing`` subscriber came first."""

def _log_refresh() -> None:
    """Re-reads the ``juno.*`` loggers' levels (:func:`juno.log.refresh_levels`)."""

def _log_flush() -> None:
    """Delivers the events waiting for the GIL (:func:`juno.log.flush`)."""

def _log_close() -> None:
    """Delivers what waits and stops the background thread (at exit)."""

def _bench_parse_tickets_ns(text: str) -> int:
    """Nanoseconds ``serde_json`` takes to parse ``text``, a JSON array of tickets, into the
    core's tickets. For ``benches/python/``."""

def eval_sprint_risk(
    iterations: str,
    issues: str | None = None,
    protocol: str = "paper-cv",
    pred_time_pct: int = 30,
    delivered_ratio: float = 0.8,
    memberships: str | None = None,
    recalibration: str = "none",
    plot: str | None = None,
) -> tuple[str, str]: ...
def eval_triage(
    issues: str,
    events: str,
    step_days: int = 14,
    horizon_days: int = 30,
    assume_estimated: bool = False,
) -> tuple[str, str]: ...
def eval_learning(
    approvers: str | None = None,
    days: int | None = None,
    teams: int | None = None,
    arms: list[str] | None = None,
    plot: str | None = None,
) -> tuple[str, str]: ...
def learning_default_approvers() -> str: ...
