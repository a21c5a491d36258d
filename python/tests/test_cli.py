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

from conftest import load_fixture, populate_governance


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


def test_db_restore_checks_then_keeps_what_it_replaces(tmp_path: Path, seeded_db: Path) -> None:
    ok(run(tmp_path, "db", "backup", "copy.db", "--db", str(seeded_db)))
    with juno.Juno(seeded_db) as j:
        j.memory.store("semantic", "team_alpha", "written after the backup")
    out = ok(run(tmp_path, "db", "restore", "copy.db", "--db", str(seeded_db)))
    assert "integrity:      ok" in out and "audit chain:    verified" in out
    assert "(8 memories)" in out and "was saved to" in out
    kept = out.rsplit("saved to ", 1)[1].strip()
    with juno.Juno(seeded_db, create=False) as j, juno.Juno(kept, create=False) as old:
        assert j.memory.stats().total == 8
        assert old.memory.stats().total == 9
    # DATABASE_URL names the target when --db is absent; --json prints the report.
    fresh = tmp_path / "fresh.db"
    report = json.loads(
        ok(run(tmp_path, "db", "restore", "copy.db", "--json", env={"DATABASE_URL": f"sqlite:///{fresh}"}))
    )
    assert report["previous"] == "absent" and report["memories"] == 8
    assert report["integrity"]["ok"] and report["audit_entries"] >= 0
    # A tampered backup is refused and nothing changes.
    bad = tmp_path / "bad.db"
    shutil.copy(tmp_path / "copy.db", bad)
    con = sqlite3.connect(bad)
    con.execute("PRAGMA user_version = 9999")
    con.commit()
    con.close()
    before = fresh.read_bytes()
    stderr = failed(run(tmp_path, "db", "restore", str(bad), "--db", str(fresh)))
    assert "newer" in stderr
    assert fresh.read_bytes() == before


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
    # Every stage of the cycle is shown.
    assert "Observe — synced into the store" in out
    assert "4 teams, 27 people" in out
    assert "Analyze — sprint risk" in out and "monte_carlo" in out
    assert "Analyze — velocity and flow per team" in out
    assert "Decide and govern" in out and "waits for PROJECT_MANAGER" in out
    assert "Act — approved actions executed exactly once" in out
    assert "Learn — what the cycles took in" in out and "model v1 trained" in out
    assert "Revert — undoing request" in out and "now marked reverted by #" in out
    assert "sprint risk now comes from the trained model" in out and "model v1" in out
    assert "rule `auto_approval`" in out
    assert "Learning — 120 simulated days" in out
    assert "no learning" in out and "oracle" in out and "accepted after 2 months" in out
    assert "verified ok" in out
    # The numbers are the database's: the report agrees with what is stored.
    with juno.Juno(db, create=False) as j:
        dash = j.governance.dashboard()
        assert j.audit.verify().ok
        entries = len(j.audit)
        cycles = j.agent.cycles(10)
    assert f"audit chain: {entries} entries, verified ok" in out
    assert f"executed {dash.by_status['executed']}" in out
    assert len(cycles) == 4
    # Recreated each run, with a fixed clock: the same output again.
    assert ok(run(tmp_path, "demo")) == out


def test_demo_memory(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "demo", "--memory"))
    db = tmp_path / "juno-demo.db"
    # What it recalled, and why.
    assert "deploy of payments-api to staging failed because of flaky integration tests" in out
    assert "score " in out and "× weight" in out
    assert "term `flaky`" in out and "term `deploy`" in out
    # What it learned.
    assert "preference: team_alpha avoids auto reassign — approved 1 of 5" in out
    assert "pattern:    when auto reassign, team_alpha usually ends rejected — 4 of 5" in out
    assert "pattern:    when split ticket, team_beta usually ends approved" in out
    with juno.Juno(db, create=False) as j:
        assert set(j.memory.stats().by_team) == {"team_alpha", "team_beta", "team_gamma"}
        total = j.memory.stats().total
    assert f"total {total} memories" in out
    assert ok(run(tmp_path, "demo", "--memory")) == out


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


# ---------------------------------------------------------------- roles, governance, audit


@pytest.fixture
def governed_db(tmp_path: Path) -> Path:
    """A database with the governance fixture's roles and a short decision history."""
    path = tmp_path / "gov.db"
    with juno.Juno(path) as j:
        populate_governance(j)
    return path


def test_roles_assign_list_revoke(tmp_path: Path) -> None:
    db = str(tmp_path / "roles.db")
    ok(run(tmp_path, "db", "init", "--db", db))
    out = ok(run(tmp_path, "roles", "assign", "ana@x", "team_lead", "team_a", "team_b", "--by", "root@x", "--db", db))
    assert out.strip() == "ana@x is TEAM_LEAD for team_a, team_b"
    ok(run(tmp_path, "roles", "assign", "dir@x", "DIRECTOR", "*", "--by", "root@x", "--db", db))

    out = ok(run(tmp_path, "roles", "list", "--db", db))
    lines = out.splitlines()
    assert lines[0].split() == ["user", "role", "team", "granted", "by"]
    assert sum("ana@x  TEAM_LEAD" in line for line in lines) == 2
    assert any(line.startswith("dir@x") and " * " in line for line in lines)
    listed = json.loads(ok(run(tmp_path, "roles", "list", "--user", "ana@x", "--json", "--db", db)))
    assert [(r["role"], r["team"], r["granted_by"]) for r in listed] == [
        ("TEAM_LEAD", "team_a", "root@x"),
        ("TEAM_LEAD", "team_b", "root@x"),
    ]

    out = ok(run(tmp_path, "roles", "revoke", "ana@x", "TEAM_LEAD", "--team", "team_b", "--by", "root@x", "--db", db))
    assert out.strip() == "revoked TEAM_LEAD from ana@x for team_b"
    listed = json.loads(ok(run(tmp_path, "roles", "list", "--user", "ana@x", "--json", "--db", db)))
    assert [r["team"] for r in listed] == ["team_a"]
    out = ok(run(tmp_path, "roles", "list", "--user", "ana@x", "--include-revoked", "--db", db))
    assert out.splitlines()[0].split()[-1] == "revoked"
    with juno.Juno(db, create=False) as j:
        assert [e.event for e in j.audit.entries_for("user:ana@x")] == [
            "role_assigned", "role_assigned", "role_revoked"
        ]  # fmt: skip
    assert ok(run(tmp_path, "roles", "list", "--user", "nobody", "--db", db)).strip() == "no role assignments"

    stderr = failed(run(tmp_path, "roles", "assign", "ana@x", "BOSS", "team_a", "--by", "root@x", "--db", db))
    assert "unknown role `BOSS`" in stderr
    stderr = failed(run(tmp_path, "roles", "revoke", "ana@x", "DIRECTOR", "--by", "root@x", "--db", db))
    assert "not found" in stderr
    # --by is required, and so is a team.
    failed(run(tmp_path, "roles", "assign", "ana@x", "TEAM_LEAD", "team_a", "--db", db), code=2)
    failed(run(tmp_path, "roles", "assign", "ana@x", "TEAM_LEAD", "--by", "root@x", "--db", db), code=2)
    # Like the other commands, a missing database is not created.
    stderr = failed(run(tmp_path, "roles", "list", "--db", "missing.db"))
    assert "does not exist" in stderr


def test_roles_delegate_list_revoke(tmp_path: Path) -> None:
    db = str(tmp_path / "delegation.db")
    ok(run(tmp_path, "db", "init", "--db", db))
    ok(run(tmp_path, "roles", "assign", "em@x", "ENGINEERING_MANAGER", "team_a", "--by", "root@x", "--db", db))
    ok(run(tmp_path, "roles", "assign", "tl@x", "TEAM_LEAD", "team_a", "--by", "root@x", "--db", db))
    until = (datetime.now(timezone.utc) + timedelta(days=7)).date().isoformat()
    out = ok(run(tmp_path, "roles", "delegate", "em@x", "tl@x", "team_a", "--until", until, "--db", db))
    assert out.startswith("delegation #1: tl@x decides for em@x on team_a until")
    listed = json.loads(ok(run(tmp_path, "roles", "delegations", "--user", "tl@x", "--json", "--db", db)))
    assert [(d["id"], d["delegator"], d["team"]) for d in listed] == [(1, "em@x", "team_a")]
    lines = ok(run(tmp_path, "roles", "delegations", "--db", db)).splitlines()
    assert lines[0].split() == ["id", "delegator", "delegate", "team", "until", "revoked"]
    # Refusals: all teams, a date too far, someone else revoking.
    assert "team" in failed(run(tmp_path, "roles", "delegate", "em@x", "tl@x", "*", "--until", until, "--db", db))
    assert "--until" in failed(run(tmp_path, "roles", "delegate", "em@x", "tl@x", "team_a", "--until", "soon", "--db", db))
    assert "until" in failed(run(tmp_path, "roles", "delegate", "em@x", "tl@x", "team_a", "--until", "2099-01-01", "--db", db))
    assert "only `em@x`" in failed(run(tmp_path, "roles", "revoke-delegation", "1", "--by", "tl@x", "--db", db))
    out = ok(run(tmp_path, "roles", "revoke-delegation", "1", "--by", "em@x", "--db", db))
    assert out.strip() == "revoked delegation #1 (em@x to tl@x on team_a)"
    assert ok(run(tmp_path, "roles", "delegations", "--db", db)).strip() == "no delegations in force"
    listed = json.loads(ok(run(tmp_path, "roles", "delegations", "--include-inactive", "--json", "--db", db)))
    assert listed[0]["revoked_by"] == "em@x"
    with juno.Juno(db, create=False) as j:
        assert [e.event for e in j.audit.entries_for("delegation:1")] == [
            "delegation_granted", "refused", "delegation_revoked"
        ]  # fmt: skip


def test_governance_pending(tmp_path: Path, governed_db: Path) -> None:
    db = str(governed_db)
    out = ok(run(tmp_path, "governance", "pending", "--db", db))
    lines = out.splitlines()
    assert lines[0].split() == ["id", "role", "team", "kind", "target", "impact", "conf", "deadline", "requester"]
    rows = [line.split() for line in lines[2:]]
    # priority (TEAM_LEAD) and replan (ENGINEERING_MANAGER) are still pending.
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("2", "TEAM_LEAD", "update_priority", "ALPHA-40"),
        ("4", "ENGINEERING_MANAGER", "move_sprint_goal", "sprint-31"),
    ]
    listed = json.loads(ok(run(tmp_path, "governance", "pending", "--role", "engineering_manager", "--json", "--db", db)))
    assert [r["id"] for r in listed] == [4]
    assert listed[0]["status"] == "pending" and len(listed[0]["digest"]) == 64
    out = ok(run(tmp_path, "governance", "pending", "--team", "team_beta", "--db", db))
    assert out.strip() == "no pending requests"
    stderr = failed(run(tmp_path, "governance", "pending", "--role", "BOSS", "--db", db))
    assert "unknown role `BOSS`" in stderr


def test_governance_process_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "due.db"
    long_ago = datetime.now(timezone.utc) - timedelta(days=2)
    with juno.Juno(path, now=long_ago) as j:
        ids = populate_governance(j)
    # With AUTO_ESCALATION (the default) both pending requests move up a role.
    out = ok(run(tmp_path, "governance", "process-deadlines", "--db", str(path)))
    # Most overdue first: replan's ENGINEERING_MANAGER had 4 h, priority's TEAM_LEAD 24 h.
    assert out.splitlines() == [
        f"escalated 2: {ids['replan']}, {ids['priority']}", "expired   0", "lapsed    0", "reminded  0"
    ]
    report = json.loads(ok(run(tmp_path, "governance", "process-deadlines", "--json", "--db", str(path))))
    assert report == {"escalated": [], "expired": [], "lapsed": [], "reminded": []}
    with juno.Juno(path) as j:
        assert j.governance.get(ids["replan"]).role == "DIRECTOR"
    # Without AUTO_ESCALATION, a missed deadline expires.
    with juno.Juno(path, now=long_ago) as j:
        late = j.governance.submit({
            "action": {"kind": "close", "team": "team_alpha", "target": "ALPHA-9"},
            "impact": "low", "confidence": 0.5, "requester": "juno",
        }).id  # fmt: skip
    out = ok(run(tmp_path, "governance", "process-deadlines", "--db", str(path), env={"AUTO_ESCALATION": "false"}))
    # (The two escalated above have fresh deadlines.)
    assert out.splitlines() == ["escalated 0", f"expired   1: {late}", "lapsed    0", "reminded  0"]


def test_governance_process_deadlines_prints_whom_to_remind(tmp_path: Path) -> None:
    path = tmp_path / "remind.db"
    with juno.Juno(path, now=datetime.now(timezone.utc) - timedelta(hours=23)) as j:
        j.governance.assign_role("tl@x", "TEAM_LEAD", ["team_alpha"], by="root@x")
        r = j.governance.submit({
            "action": {"kind": "close", "team": "team_alpha", "target": "ALPHA-9"},
            "impact": "low", "confidence": 0.5, "requester": "juno",
        })  # fmt: skip
    # TEAM_LEAD has 24 h; the default reminder is due 2 h before.
    lines = ok(run(tmp_path, "governance", "process-deadlines", "--db", str(path))).splitlines()
    assert lines[3] == f"reminded  1: {r.id}"
    assert lines[4].startswith(f"  #{r.id} waits for TEAM_LEAD until ")
    assert lines[4].endswith("(reminder 1 of 1): tl@x")
    again = ok(run(tmp_path, "governance", "process-deadlines", "--db", str(path))).splitlines()
    assert again[3] == "reminded  0"


def test_governance_shadow_report(tmp_path: Path) -> None:
    path = tmp_path / "shadow.db"
    config = tmp_path / "juno.toml"
    config.write_text("[shadow]\nauto_approval_threshold = 0.6\n")
    with juno.Juno(path) as j:
        j.governance.assign_role("tl@x", "TEAM_LEAD", ["team_alpha"], by="root@x")
        r = j.governance.submit({
            "action": {"kind": "close", "team": "team_alpha", "target": "ALPHA-9"},
            "impact": "low", "confidence": 0.7, "requester": "juno",
        })  # fmt: skip
        j.governance.reject(r.id, "tl@x", "keep it open")
    # Without [shadow] the command says what is missing.
    assert "[shadow]" in failed(run(tmp_path, "governance", "shadow-report", "--db", str(path)))
    env = {"JUNO_CONFIG_FILE": str(config), "AUTONOMOUS_ACTIONS": "true"}
    out = ok(run(tmp_path, "governance", "shadow-report", "--db", str(path), env=env))
    assert "compared 1 requests; it would change 1:" in out
    assert "auto-approve what a person rejected  1" in out
    report = json.loads(ok(run(tmp_path, "governance", "shadow-report", "--json", "--db", str(path), env=env)))
    assert report["changed"] == [{
        "request": r.id, "team": "team_alpha", "kind": "close", "impact": "low", "confidence": 0.7,
        "live": "person", "shadow": "auto_approved", "person": "rejected",
    }]  # fmt: skip
    assert report["policy"]["auto_approval_threshold"] == 0.6


def test_audit_verify_and_checkpoint(tmp_path: Path, governed_db: Path) -> None:
    db = str(governed_db)
    out = ok(run(tmp_path, "audit", "verify", "--db", db))
    assert "audit log:     ok" in out and "entries:       18" in out
    assert "checkpoints:   0 checked" in out

    # To stdout: the checkpoint as JSON (and recorded in the database).
    printed = json.loads(ok(run(tmp_path, "audit", "checkpoint", "--db", db)))
    assert printed["size"] == 18 and len(printed["root"]) == 64
    out = ok(run(tmp_path, "audit", "checkpoint", "--out", "cp.json", "--db", db))
    assert "checkpoint of 18 entries written to cp.json" in out
    saved = json.loads((tmp_path / "cp.json").read_text())
    assert saved["root"] == printed["root"]
    stderr = failed(run(tmp_path, "audit", "checkpoint", "--out", "cp.json", "--db", db))
    assert "already exists" in stderr
    out = ok(run(tmp_path, "audit", "verify", "--checkpoint", "cp.json", "--db", db))
    assert "checkpoints:   2 checked" in out  # the stored one (one per size) and the file
    report = json.loads(ok(run(tmp_path, "audit", "verify", "--json", "--db", db)))
    assert report["ok"] is True and report["entries"] == 18 and report["root"] == printed["root"]

    # Truncate the tail and remove the stored checkpoints: only the saved file sees it.
    con = sqlite3.connect(governed_db)
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.execute("DELETE FROM audit_log WHERE seq > 15")
    con.execute("DELETE FROM audit_checkpoints")
    con.commit()
    con.close()
    ok(run(tmp_path, "audit", "verify", "--db", db))
    result = run(tmp_path, "audit", "verify", "--checkpoint", "cp.json", "--db", db)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert "audit log:     FAILED" in result.stdout
    assert "first bad seq: 16" in result.stdout
    assert "truncated" in result.stdout
    result = run(tmp_path, "audit", "verify", "--checkpoint", "cp.json", "--json", "--db", db)
    assert result.returncode == 1 and json.loads(result.stdout)["first_bad_seq"] == 16


def test_audit_verify_finds_an_edited_entry(tmp_path: Path, governed_db: Path) -> None:
    con = sqlite3.connect(governed_db)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 9")
    con.commit()
    con.close()
    result = run(tmp_path, "audit", "verify", "--db", str(governed_db))
    assert result.returncode == 1
    assert "first bad seq: 9" in result.stdout
    assert "entry 9's hash does not match its contents" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"size": 3}', "is not a checkpoint"),
        ('{"size": 3, "root": "zz", "at": "2026-01-01T00:00:00Z"}', "expected 64 hex digits"),
    ],
)
def test_audit_verify_refuses_a_bad_checkpoint_file(
    tmp_path: Path, governed_db: Path, content: str, message: str
) -> None:
    (tmp_path / "bad.json").write_text(content)
    stderr = failed(run(tmp_path, "audit", "verify", "--checkpoint", "bad.json", "--db", str(governed_db)))
    assert message in stderr
    stderr = failed(run(tmp_path, "audit", "verify", "--checkpoint", "missing.json", "--db", str(governed_db)))
    assert "No such file or directory: missing.json" in stderr
