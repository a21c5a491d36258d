"""juno.cli: the `juno` console script, run as a user runs it (a subprocess on real files)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import juno

from conftest import load_fixture


def _script() -> str:
    """The installed console script: next to this interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("juno")
    if beside.exists():
        return str(beside)
    found = shutil.which("juno")
    assert found is not None, "the `juno` console script is not installed"
    return found


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JUNO_CONFIG_FILE")}
    base.update(env or {})
    return subprocess.run(
        [_script(), *args],
        cwd=cwd,
        env=base,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("usage:" if code == 2 else "juno: error: "), result.stderr
    return result.stderr


@pytest.fixture
def seeded_db(tmp_path: Path) -> Path:
    """A database file with the fixture's memories."""
    path = tmp_path / "team.db"
    with juno.Juno(path) as j:
        j.memory.store_many(load_fixture()["memories"])
    return path


def test_version(tmp_path: Path) -> None:
    assert ok(run(tmp_path, "--version")).strip() == f"juno {juno.__version__}"


def test_db_init_creates_the_database(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "db", "init", "--db", "new.db"))
    assert out.startswith("initialised new.db (schema version ")
    with juno.Juno(tmp_path / "new.db", create=False) as j:
        assert j.check().ok and j.memory.stats().total == 0


def test_database_from_env_and_default(tmp_path: Path) -> None:
    env_db = tmp_path / "from-env.db"
    ok(run(tmp_path, "db", "init", env={"DATABASE_URL": f"sqlite:///{env_db}"}))
    assert env_db.exists()
    ok(run(tmp_path, "db", "init"))
    assert (tmp_path / "juno.db").exists()
    # The top-level --db works as well as the sub-command's.
    ok(run(tmp_path, "--db", "top.db", "db", "init"))
    assert (tmp_path / "top.db").exists()


def test_db_check(tmp_path: Path, seeded_db: Path) -> None:
    out = ok(run(tmp_path, "db", "check", "--db", str(seeded_db)))
    assert "integrity:      ok" in out
    assert "journal mode:   wal" in out
    report = json.loads(ok(run(tmp_path, "db", "check", "--db", str(seeded_db), "--json")))
    assert report["ok"] is True and report["messages"] == ["ok"]
    assert report["size_bytes"] > 0 and report["schema_version"] >= 1


def test_db_check_fails_on_a_damaged_index(tmp_path: Path, seeded_db: Path) -> None:
    # Declare the index over other columns than it holds: every row is "missing" from it.
    con = sqlite3.connect(seeded_db)
    try:
        con.execute("PRAGMA writable_schema = ON")
        con.execute(
            "UPDATE sqlite_schema SET sql = 'CREATE INDEX memories_team_kind ON memories (kind, team)'"
            " WHERE name = 'memories_team_kind'"
        )
        con.commit()
    finally:
        con.close()
    result = run(tmp_path, "db", "check", "--db", str(seeded_db))
    assert result.returncode == 1
    assert "integrity:      FAILED" in result.stdout
    assert "missing from index memories_team_kind" in result.stdout
    assert "Traceback" not in result.stderr


def test_db_backup(tmp_path: Path, seeded_db: Path) -> None:
    out = ok(run(tmp_path, "db", "backup", "copy.db", "--db", str(seeded_db)))
    assert "copy.db" in out and "8 memories" in out
    with juno.Juno(tmp_path / "copy.db", create=False) as copy, juno.Juno(seeded_db) as original:
        assert copy.check().ok
        assert copy.memory.stats().total == original.memory.stats().total == 8
    # An existing destination is never overwritten.
    stderr = failed(run(tmp_path, "db", "backup", "copy.db", "--db", str(seeded_db)))
    assert "already exists" in stderr


def test_memory_stats(tmp_path: Path, seeded_db: Path) -> None:
    out = ok(run(tmp_path, "memory", "stats", "--db", str(seeded_db)))
    assert "total memories: 8" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith(("team_", "all "))}
    # columns: episodic procedural semantic working total
    assert rows["team_alpha"] == ["1", "1", "3", "1", "6"]
    assert rows["team_beta"] == ["1", "0", "1", "0", "2"]
    assert rows["all"] == ["2", "1", "4", "1", "8"]
    stats = json.loads(ok(run(tmp_path, "memory", "stats", "--db", str(seeded_db), "--json")))
    assert stats["total"] == 8
    assert stats["by_kind"] == {"episodic": 2, "procedural": 1, "semantic": 4, "working": 1}


def test_maintenance_cleanup_memory(tmp_path: Path) -> None:
    path = tmp_path / "stale.db"
    long_ago = datetime.now(timezone.utc) - timedelta(days=2)
    with juno.Juno(path, now=long_ago) as j:
        j.memory.store("working", "team_alpha", "scratch from two days ago", session="s", ttl_seconds=60)
        j.memory.store("semantic", "team_alpha", "still true")
    out = ok(run(tmp_path, "maintenance", "cleanup-memory", "--db", str(path)))
    assert out.strip() == "deleted 1 expired or stale memories; 1 remain"
    with juno.Juno(path) as j:
        assert [h.memory.text for h in j.memory.recall(touch=False)] == ["still true"]
    out = ok(run(tmp_path, "maintenance", "cleanup-memory", "--db", str(path)))
    assert out.startswith("deleted 0 ")


def test_demo(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "demo"))
    db = tmp_path / "juno-demo.db"
    assert db.exists()
    # What it recalled, and why.
    assert "deploy of payments-api to staging failed because of flaky integration tests" in out
    assert "score " in out and "× weight" in out
    assert "term `flaky`" in out and "term `deploy`" in out
    # What it learned.
    assert "preference: team_alpha avoids auto reassign — approved 1 of 5" in out
    assert "pattern:    when auto reassign, team_alpha usually ends rejected — 4 of 5" in out
    assert "pattern:    when split ticket, team_beta usually ends approved" in out
    # The database is real and holds the three teams.
    with juno.Juno(db, create=False) as j:
        assert set(j.memory.stats().by_team) == {"team_alpha", "team_beta", "team_gamma"}
        total = j.memory.stats().total
    assert f"total {total} memories" in out
    # Recreated each run, with a fixed clock: the same output again.
    assert ok(run(tmp_path, "demo")) == out


def test_demo_custom_path(tmp_path: Path) -> None:
    ok(run(tmp_path, "demo", "--db", "elsewhere.db"))
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "juno-demo.db").exists()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["db", "check", "--db", "missing.db"], {}, "does not exist; create it with `juno db init`"),
        (["memory", "stats", "--db", "notes.txt"], {}, "is not a JUNO database"),
        (["db", "init", "--db", "no/such/dir/x.db"], {}, "does not exist"),
        (["db", "init"], {"DATABASE_URL": "postgres://db/juno"}, "bad setting `DATABASE_URL`"),
        (["db", "init", "--db", "x.db"], {"MEMORY_RETENTION_DAYS": "soon"}, "MEMORY_RETENTION_DAYS"),
    ],
)
def test_errors_exit_non_zero_without_traceback(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    stderr = failed(run(tmp_path, *args, env=env))
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [[], ["db"], ["frobnicate"], ["db", "backup"]])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    stderr = failed(run(tmp_path, *args), code=2)
    assert "\njuno: error: " in stderr
