"""juno.Juno: opening, the clock, closing, backup, check and the version."""

from __future__ import annotations

import importlib.metadata
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import juno
from juno.errors import ConfigError, InvalidStateError, NotFoundError

from conftest import T0


def test_context_manager_closes(db_path: Path) -> None:
    with juno.Juno(db_path) as j:
        memory = j.memory
        memory.store("semantic", "team_alpha", "kept after close")
        assert not j.closed
    assert j.closed
    assert "closed" in repr(j)
    with pytest.raises(InvalidStateError):
        memory.stats()
    with pytest.raises(InvalidStateError):
        j.memory.store("semantic", "team_alpha", "too late")
    j.close()  # idempotent
    # Closing released the file: the data is there for the next engine.
    with juno.Juno(db_path) as again:
        assert [h.memory.text for h in again.memory.recall("kept")] == ["kept after close"]


def test_context_manager_closes_on_error_and_propagates(db_path: Path) -> None:
    with pytest.raises(KeyError):
        with juno.Juno(db_path) as j:
            raise KeyError("boom")
    assert j.closed


def test_manual_clock_and_set_time(db_path: Path) -> None:
    with juno.Juno(db_path, now=T0) as j:
        assert j.now() == T0
        first = j.memory.store("semantic", "team_alpha", "first")
        assert first.created_at == T0
        later = T0 + timedelta(days=3)
        j.set_clock(later)
        second = j.memory.store("semantic", "team_alpha", "second")
        assert (second.created_at, second.updated_at) == (later, later)
        # Another zone is the same instant, returned in UTC.
        plus_two = timezone(timedelta(hours=2))
        j.set_clock(datetime(2026, 1, 1, 2, 0, tzinfo=plus_two))
        assert j.now() == T0
        assert j.now().utcoffset() == timedelta(0)


def test_set_time_on_a_system_clock_engine() -> None:
    with juno.Juno(":memory:") as j:
        assert abs(j.now() - datetime.now(timezone.utc)) < timedelta(minutes=5)
        j.set_clock(T0)
        assert j.now() == T0


def test_file_engine_persists_and_reports(db_path: Path) -> None:
    with juno.Juno(str(db_path), now=T0) as j:
        assert j.path == str(db_path)
        j.memory.store("episodic", "team_alpha", "deploy failed", key="k1")
        report = j.check()
        assert report.ok and report.messages == ["ok"]
        assert report.journal_mode == "wal"
        assert report.size_bytes > 0 and report.schema_version >= 1
        assert report.to_dict()["ok"] is True
    with juno.Juno(db_path) as j:
        assert j.memory.get(1).key == "k1"
    with juno.Juno(":memory:") as m:
        assert m.path is None


def test_backup_is_a_usable_copy(seeded: juno.Juno, tmp_path: Path) -> None:
    dest = tmp_path / "backup.db"
    seeded.backup(dest)
    seeded.memory.store("semantic", "team_alpha", "after the backup")
    with juno.Juno(dest) as copy:
        assert copy.check().ok
        assert copy.memory.stats().total == 8
    con = sqlite3.connect(dest)
    try:
        assert con.execute("SELECT count(*) FROM memories").fetchone()[0] == 8
    finally:
        con.close()


def test_restore_checks_the_backup_and_open_engines_see_it(seeded: juno.Juno, tmp_path: Path) -> None:
    assert seeded.path is not None
    dest = tmp_path / "backup.db"
    seeded.backup(dest)
    seeded.memory.store("semantic", "team_alpha", "after the backup")
    assert seeded.memory.stats().total == 9
    report = juno.Juno.restore(dest, seeded.path)
    assert isinstance(report, juno.RestoreReport)
    assert report.previous == "saved" and report.previous_kept_at is not None
    assert report.integrity.ok and report.memories == 8
    assert report.to_dict()["memories"] == 8
    # An engine still open on the target reads the restored content next.
    assert seeded.memory.stats().total == 8
    with juno.Juno(report.previous_kept_at, create=False) as old:
        assert old.memory.stats().total == 9
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 20)
    with pytest.raises(juno.errors.NotADatabaseError):
        juno.Juno.restore(text, seeded.path)
    assert seeded.memory.stats().total == 8
    with pytest.raises(juno.errors.InvalidInputError) as e:
        juno.Juno.restore(seeded.path, seeded.path)
    assert e.value.details["field"] == "backup"


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(NotFoundError) as info:
        juno.Juno(path, create=False)
    assert info.value.details == {"entity": "database", "id": str(path)}
    assert not path.exists()


def test_sqlite_url(tmp_path: Path) -> None:
    with juno.Juno(f"sqlite:///{tmp_path}/url.db") as j:
        assert j.path == f"{tmp_path}/url.db"
    assert (tmp_path / "url.db").exists()


def test_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    with juno.Juno.from_env(now=T0) as j:
        assert j.path == f"{tmp_path}/env.db"
        assert j.now() == T0
    with juno.Juno.from_env(path=tmp_path / "override.db") as j:
        assert j.path == str(tmp_path / "override.db")
    monkeypatch.setenv("MEMORY_RETENTION_DAYS", "a year")
    with pytest.raises(ConfigError) as info:
        juno.Juno.from_env()
    assert info.value.details["setting"] == "MEMORY_RETENTION_DAYS"


def test_retention_from_env_drives_cleanup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEMORY_RETENTION_DAYS", "7")
    with juno.Juno.from_env(path=":memory:", now=T0) as j:
        j.memory.store("semantic", "team_alpha", "old news")
        j.set_clock(T0 + timedelta(days=8))
        assert j.memory.cleanup() == 1


def test_version_is_the_package_version() -> None:
    assert juno.__version__ == importlib.metadata.version("juno-engine")
    with juno.Juno(":memory:") as j:
        assert j.version == juno.__version__
