"""The agent cycle's commands, run as a user runs them: an approver's whole path on the
command line, the scheduler stopped by SIGTERM, JSON for machines, errors by name."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import juno

from test_cli import _script, ok, run

SMALL = ["--sim", "--teams", "2"]
FEW = ["--options", '{"triage": {"max_proposals": 6}}']


def _json(cp: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(cp))


def test_an_approvers_whole_path_on_the_command_line(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "j.db")]
    synced = _json(run(tmp_path, "sync", *SMALL, "--json", *db))
    assert synced["source"] == "sim:7" and synced["stored"]["teams"] == 2
    # A dry run shows the writes and submits nothing.
    dry = _json(run(tmp_path, "cycle", "--dry-run", "--json", *FEW, *db))
    assert dry["dry_run"] is True and len(dry["proposals"]) == 6
    assert ok(run(tmp_path, "governance", "pending", *db)).strip() == "no pending requests"
    # A real cycle proposes; the table shows who each waits for.
    out = ok(run(tmp_path, "cycle", *FEW, *db))
    assert "recording executor" in out and "waits for" in out
    pending = _json(run(tmp_path, "governance", "pending", "--json", *db))
    assert len(pending) == 6
    first = pending[0]
    rid, team, role = first["id"], first["action"]["team"], first["role"]
    shown = ok(run(tmp_path, "governance", "show", str(rid), *db))
    assert f"request #{rid}" in shown and "writes:" in shown and first["digest"] in shown
    ok(run(tmp_path, "roles", "assign", "lea", role, team, "--by", "admin", *db))
    # A digest that is not the request's is refused, and changes nothing.
    bad = run(tmp_path, "governance", "approve", str(rid), "--user", "lea", "--digest", "0" * 64, *db)
    assert bad.returncode == 1 and "juno: error:" in bad.stderr
    approved = ok(run(tmp_path, "governance", "approve", str(rid), "--user", "lea",
                      "--digest", first["digest"], *db))  # fmt: skip
    assert f"request #{rid} is approved" in approved
    # Reject needs a reason.
    assert run(tmp_path, "governance", "reject", str(pending[1]["id"]), "--user", "lea", *db).returncode == 2
    # The next cycle executes it, once.
    done = _json(run(tmp_path, "cycle", "--json", *FEW, *db))
    assert [e["request_id"] for e in done["executed"]] == [rid]
    again = _json(run(tmp_path, "cycle", "--json", *FEW, *db))
    assert again["executed"] == []
    # Revert goes through governance.
    reverted = ok(run(tmp_path, "action", "revert", str(rid), "--by", "ops", *db))
    assert "revert request #" in reverted
    # The model was trained from the synced sprints; retrain makes another version.
    retrained = _json(run(tmp_path, "model", "retrain", "--json", *db))
    assert retrained["trained"] is True and retrained["model"]["version"] == 2
    # The data is complete: exit 0.
    assert "nothing missing or odd" in ok(run(tmp_path, "data", "validate", *db))
    with juno.Juno(tmp_path / "j.db", create=False) as j:
        assert j.governance.get(rid).status == "executed"
        assert len(j.agent.cycles(10)) == 3


def test_data_validate_fails_on_an_empty_store(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "j.db")]
    ok(run(tmp_path, "db", "init", *db))
    cp = run(tmp_path, "data", "validate", *db)
    assert cp.returncode == 1 and "error: nothing_synced" in cp.stdout


def test_bad_input_is_named(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "j.db")]
    cp = run(tmp_path, "cycle", "--options", '{"cooldown_days": -1}', *db)
    assert cp.returncode == 1 and "options.cooldown_days" in cp.stderr
    cp = run(tmp_path, "cycle", "--options", "[1]", *db)
    assert cp.returncode == 1 and "must be a JSON object" in cp.stderr
    cp = run(tmp_path, "sync", *db)
    assert cp.returncode == 2
    # Jira without its settings: a configuration error naming what is missing.
    env = {"JIRA_URL": "", "JIRA_API_TOKEN": "", "JIRA_PROJECTS": ""}
    cp = run(tmp_path, "sync", "--jira", *db, env=env)
    assert cp.returncode == 1 and "jira" in cp.stderr.lower()


def test_the_scheduler_runs_cycles_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = str(tmp_path / "j.db")
    # Two cycles back to back, then it stops by itself.
    out = ok(run(tmp_path, "agent", "run", *SMALL, "--interval", "0", "--max-cycles", "2", *FEW, "--db", db))
    assert out.count("cycle ") >= 2 and "stopped after 2 cycles" in out
    # Left running, it stops cleanly on SIGTERM.
    proc = subprocess.Popen(
        [_script(), "agent", "run", "--interval", "60", *FEW, "--db", db],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("cycle "):
            break
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped after 1 cycles (SIGTERM)" in rest, (lines, rest)


def test_automation_levels_on_the_command_line(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "levels.db")]
    ok(run(tmp_path, "sync", *SMALL, *db))
    # AUTOMATION_LEVEL=suggest: the dry run and the cycle record suggestions, nothing waits.
    suggest = {"AUTOMATION_LEVEL": "suggest"}
    dry = _json(run(tmp_path, "cycle", "--dry-run", "--json", *FEW, *db, env=suggest))
    assert {p["status"] for p in dry["proposals"]} == {"suggested"}
    real = _json(run(tmp_path, "cycle", "--json", *FEW, *db, env=suggest))
    assert {p["status"] for p in real["proposals"]} == {"suggested"}
    assert ok(run(tmp_path, "governance", "pending", *db, env=suggest)).strip() == "no pending requests"
    # AUTOMATION_LEVEL=off: nothing is proposed, and the report says why.
    off = _json(run(tmp_path, "cycle", "--json", *FEW, *db, env={"AUTOMATION_LEVEL": "off"}))
    assert off["proposals"] == [] and off["skipped"]
    assert all("automation is off" in s["reason"] for s in off["skipped"])
    # A bad level is refused by name.
    bad = run(tmp_path, "cycle", "--dry-run", *FEW, *db, env={"AUTOMATION_LEVEL": "sometimes"})
    assert bad.returncode == 1 and "AUTOMATION_LEVEL" in bad.stderr
