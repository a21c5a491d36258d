"""JUNO: governed, explainable automation of agile delivery.

Quick start::

    import juno
    from datetime import datetime, timezone

    with juno.Juno(":memory:", now=datetime(2026, 1, 1, tzinfo=timezone.utc)) as j:
        j.memory.store("semantic", "team_alpha", "alpha splits stories above 8 points")
        for hit in j.memory.recall("split stories", team="team_alpha"):
            print(hit.memory.text)
            print(hit.explain())

The classes are native (``juno._juno``, built from the Rust core); errors are the
:mod:`juno.errors` hierarchy; ``juno`` on the command line is :mod:`juno.cli`.
"""

from juno import errors
from juno._juno import (
    HistoryEntry,
    IntegrityReport,
    Juno,
    Memory,
    MemoryRecord,
    MemorySnapshot,
    MemoryStats,
    OutcomeLearned,
    Pattern,
    Provenance,
    RecallHit,
    Scope,
    ScoreComponent,
    ScoreExplanation,
    TeamPreference,
    TermContribution,
    __version__,
)
from juno.errors import JunoError

__all__ = [
    "HistoryEntry",
    "IntegrityReport",
    "Juno",
    "JunoError",
    "Memory",
    "MemoryRecord",
    "MemorySnapshot",
    "MemoryStats",
    "OutcomeLearned",
    "Pattern",
    "Provenance",
    "RecallHit",
    "Scope",
    "ScoreComponent",
    "ScoreExplanation",
    "TeamPreference",
    "TermContribution",
    "__version__",
    "errors",
]
