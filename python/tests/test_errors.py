"""juno.errors: every core error kind raises its class, and the store survives each."""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import juno
from juno import errors
from juno.errors import (
    ERRORS_BY_KIND,
    InvalidInputError,
    InvalidStateError,
    JunoError,
    JunoIOError,
    NotADatabaseError,
    NotFoundError,
    SchemaTooNewError,
)

from conftest import T0, load_fixture

INVALID = load_fixture()["invalid"]


def _snapshot(j: juno.Juno) -> list[dict[str, Any]]:
    """Everything stored, in id order (recall without touching)."""
    hits = j.memory.recall(limit=1000, touch=False)
    return sorted((h.memory.to_dict() for h in hits), key=lambda m: m["id"])


# ---------------------------------------------------------------- the hierarchy


def test_every_core_kind_has_its_own_class() -> None:
    kinds = {
        "invalid_input", "config", "not_found", "invalid_state", "permission_denied",
        "schema_too_new", "not_a_database", "corrupt", "busy", "io", "storage", "remote",
    }  # fmt: skip
    assert set(ERRORS_BY_KIND) == kinds
    classes = list(ERRORS_BY_KIND.values())
    assert len(set(classes)) == len(classes)
    for kind, cls in ERRORS_BY_KIND.items():
        assert issubclass(cls, JunoError)
        assert cls.default_kind == kind
        assert cls.__name__ in errors.__all__


def test_builtin_families() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.NotFoundError, LookupError)
    assert issubclass(errors.JunoIOError, OSError)
    # A refused or unreachable Jira is what `except ConnectionError` catches.
    assert issubclass(errors.RemoteError, ConnectionError)
    for cls in ERRORS_BY_KIND.values():
        if cls not in (
            errors.InvalidInputError,
            errors.NotFoundError,
            errors.JunoIOError,
            errors.RemoteError,
        ):
            assert not issubclass(cls, (ValueError, LookupError, OSError, RuntimeError)), cls


def test_errors_pickle_with_kind_and_details() -> None:
    e = JunoIOError("i/o error on `x`: denied", kind="io", details={"path": "x"})
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is JunoIOError
    assert (str(back), back.kind, back.details) == (str(e), "io", {"path": "x"})


# ------------------------------------------------------------- invalid inputs


@pytest.mark.parametrize("case", INVALID, ids=[c["name"] for c in INVALID])
def test_invalid_fixture_entries_raise_the_mapped_class(
    seeded: juno.Juno, case: dict[str, Any]
) -> None:
    before = _snapshot(seeded)
    cls = ERRORS_BY_KIND[case["error_kind"]]
    attempts: list[Callable[[], object]] = [
        lambda: seeded.memory.store_json(case["json"]),
        lambda: seeded.memory.store_many_json("[" + case["json"] + "]"),
    ]
    try:
        item = json.loads(case["json"])
    except json.JSONDecodeError:
        item = None  # malformed JSON only has the raw-JSON paths
    if item is not None:
        attempts.append(lambda: seeded.memory.store_many([item]))
    for attempt in attempts:
        with pytest.raises(cls) as info:
            attempt()
        assert type(info.value) is cls
        assert info.value.kind == case["error_kind"]
        assert info.value.details, "details carry the machine-readable fields"
        assert isinstance(info.value, ValueError)
        assert _snapshot(seeded) == before, "a rejected input changed the store"


def test_store_many_is_all_or_nothing_and_names_the_item(seeded: juno.Juno) -> None:
    before = _snapshot(seeded)
    good = {"kind": "semantic", "scope": {"team": "team_alpha"}, "text": "fine"}
    bad = {"kind": "semantic", "scope": {"team": "team_alpha"}, "text": "x", "importance": 1.5}
    with pytest.raises(InvalidInputError) as info:
        seeded.memory.store_many([good, bad])
    assert info.value.details["field"] == "items[1].importance"
    assert "items[1].importance" in str(info.value)
    assert _snapshot(seeded) == before


def test_malformed_json_details(engine: juno.Juno) -> None:
    with pytest.raises(InvalidInputError) as info:
        engine.memory.store_json('{"kind": "semantic", ')
    assert info.value.details["what"] == "memory"
    assert "line 1" in info.value.details["message"]


def test_python_values_that_are_not_json_are_invalid_input(seeded: juno.Juno) -> None:
    before = _snapshot(seeded)
    for content in (object(), {1: "int key"}, float("nan"), 10**30):
        with pytest.raises(InvalidInputError) as info:
            seeded.memory.store("semantic", "team_alpha", "x", content=content)
        assert info.value.details["field"].startswith("content")
    with pytest.raises(InvalidInputError):
        seeded.memory.store_many(["not a dict"])  # type: ignore[list-item]
    assert _snapshot(seeded) == before


def test_bad_arguments_are_invalid_input_not_bare_value_errors(seeded: juno.Juno) -> None:
    mem = seeded.memory
    cases: list[tuple[Any, str]] = [
        (lambda: mem.store("episodik", "team_alpha", "x"), "kind"),
        (lambda: mem.recall(kinds=["episodik"]), "kind"),
        (lambda: mem.recall(limit=0), "limit"),
        (lambda: mem.recall(limit=-3), "limit"),
        (lambda: mem.recall(since=T0.replace(tzinfo=None)), "since"),
        (lambda: mem.record_outcome("team_alpha", "auto_reassign", "maybe"), "outcome"),
        (lambda: mem.update(1, importance=7.0), "importance"),
        (lambda: seeded.set_clock(T0.replace(tzinfo=None)), "now"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.details["field"] == field


def test_a_search_box_with_nothing_searchable_finds_nothing(seeded: juno.Juno) -> None:
    for text in ["!!!", "", "   "]:
        assert seeded.memory.recall(text) == []


def test_a_huge_id_is_invalid_input_not_overflow(seeded: juno.Juno) -> None:
    huge = 2**70
    cases: list[tuple[Any, str]] = [
        (lambda: seeded.memory.get(huge), "id"),
        (lambda: seeded.memory.delete(huge), "id"),
        (lambda: seeded.governance.get(huge), "id"),
        (lambda: seeded.governance.cancel(huge, "ana"), "id"),
        (lambda: seeded.audit.inclusion_proof(huge, 1), "seq"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.details["field"] == field


def test_field_paths_name_the_field_not_its_container(seeded: juno.Juno) -> None:
    with pytest.raises(InvalidInputError) as info:
        seeded.reasoning.confidence({"observations": -3})
    assert info.value.details["field"] == "evidence.observations"
    with pytest.raises(InvalidInputError) as info:
        seeded.reasoning.confidence({"completeness": "high"})
    assert info.value.details["field"] == "evidence.completeness"
    assert "expected f64" in info.value.details["reason"]


def test_not_found(seeded: juno.Juno) -> None:
    before = _snapshot(seeded)
    for call in (
        lambda: seeded.memory.get(10_000),
        lambda: seeded.memory.delete(10_000),
        lambda: seeded.memory.update(10_000, text="x"),
        lambda: seeded.memory.history(10_000),
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert isinstance(info.value, LookupError)
        assert info.value.details == {"entity": "memory", "id": "10000"}
    assert _snapshot(seeded) == before


# ------------------------------------------------------------------- files


def test_non_database_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    content = b"these are meeting notes, not an SQLite database\n" * 200
    path.write_bytes(content)
    with pytest.raises(NotADatabaseError) as info:
        juno.Juno(path)
    assert info.value.kind == "not_a_database"
    assert info.value.details["path"] == str(path)
    assert path.read_bytes() == content, "the file must not be touched"


@pytest.mark.parametrize("where", ["missing directory", "a directory"])
def test_unwritable_path_is_an_os_error(tmp_path: Path, where: str) -> None:
    path = tmp_path / "no-such-dir" / "juno.db" if where == "missing directory" else tmp_path
    with pytest.raises(OSError) as info:
        juno.Juno(path)
    assert type(info.value) is JunoIOError
    assert info.value.details["path"] == str(path)


def test_backup_to_unwritable_path_leaves_the_source_intact(seeded: juno.Juno, tmp_path: Path) -> None:
    before = _snapshot(seeded)
    with pytest.raises(JunoIOError):
        seeded.backup(tmp_path / "no-such-dir" / "backup.db")
    assert _snapshot(seeded) == before
    assert seeded.check().ok


def test_schema_too_new(db_path: Path) -> None:
    with juno.Juno(db_path, now=T0) as j:
        j.memory.store("semantic", "team_alpha", "written by this version")
    con = sqlite3.connect(db_path)
    try:
        con.execute("PRAGMA user_version = 99")
        con.commit()
    finally:
        con.close()
    with pytest.raises(SchemaTooNewError) as info:
        juno.Juno(db_path)
    assert info.value.details["found"] == 99
    assert info.value.details["supported"] < 99
    # Nothing was migrated or lost: the row is still there.
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute("SELECT text FROM memories").fetchall()
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
    assert rows == [("written by this version",)]
    assert version == 99


def test_closed_engine_is_invalid_state(db_path: Path) -> None:
    j = juno.Juno(db_path)
    memory = j.memory
    j.close()
    for call in (memory.stats, j.check, lambda: memory.recall("x"), j.now):
        with pytest.raises(InvalidStateError) as info:
            call()
        assert "closed" in str(info.value)
