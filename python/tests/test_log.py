"""The core's structured logs reach Python's logging (issue #12): three channels, the
governance channel mirrors the committed audit log, refusals are warnings, levels are
honoured, events raised without the GIL arrive, and user identifiers are pseudonymised
when ``LOG_PSEUDONYM_KEY`` is set."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import juno
from juno import log
from juno.errors import InvalidStateError, PermissionDeniedError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LEAD = "lead@company.com"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def on(self, channel: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == channel]


@pytest.fixture()
def captured() -> Iterator[Capture]:
    handler = Capture()
    logger = logging.getLogger("juno")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    log.refresh_levels()
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)
    for name in log.CHANNELS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    log.refresh_levels()


def _fields(r: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = getattr(r, "juno")
    return fields


def _submit(j: juno.Juno, target: str = "ALPHA-1") -> juno.ApprovalRequest:
    return j.governance.submit(
        {
            "action": {"kind": "reassign", "team": "alpha", "target": target,
                       "parameters": {"assignee": "ana"}},
            "impact": "low",
            "confidence": 0.4,
            "requester": "juno",
        }
    )  # fmt: skip


def test_the_governance_channel_mirrors_the_committed_audit_log(
    tmp_path: Path, captured: Capture
) -> None:
    assert log.installed
    with juno.Juno(tmp_path / "g.db", now=NOW) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        r = _submit(j)
        j.governance.approve(r.id, LEAD, r.digest)
        log.flush()
        gov = captured.on(log.GOVERNANCE)
        entries = j.audit.entries()
        # One record per audit entry, in order, with the entry's own facts.
        assert [(_fields(x)["seq"], _fields(x)["event"]) for x in gov] == [
            (e.seq, e.event) for e in entries
        ]
        approved = gov[-1]
        assert approved.levelno == logging.INFO
        assert _fields(approved) == {
            "seq": entries[-1].seq,
            "event": "request_approved",
            "actor": LEAD,
            "subject": f"request:{r.id}",
        }
        assert approved.getMessage() == f"request_approved request:{r.id} by {LEAD}"
    apps = [x.getMessage() for x in captured.on(log.APPLICATION)]
    assert any(m.startswith("opened ") and m.endswith("g.db") for m in apps), apps


def test_a_refusal_is_a_warning_and_a_failed_decision_is_not_logged(
    tmp_path: Path, captured: Capture
) -> None:
    with juno.Juno(tmp_path / "g.db", now=NOW) as j:
        r = _submit(j)
        with pytest.raises(PermissionDeniedError):
            j.governance.approve(r.id, "mallory", r.digest)
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        j.governance.reject(r.id, LEAD, "not now")
        with pytest.raises(InvalidStateError):
            j.governance.approve(r.id, LEAD, r.digest)
        log.flush()
        gov = captured.on(log.GOVERNANCE)
        events = [_fields(x)["event"] for x in gov]
        assert events == [e.event for e in j.audit.entries()]
        refused = [x for x in gov if _fields(x)["event"] == "refused"]
        assert refused and all(x.levelno == logging.WARNING for x in refused)
        assert "request_approved" not in events


def test_levels_are_honoured(tmp_path: Path, captured: Capture) -> None:
    logging.getLogger(log.GOVERNANCE).setLevel(logging.WARNING)
    log.refresh_levels()
    with juno.Juno(tmp_path / "g.db", now=NOW) as j:
        r = _submit(j)
        with pytest.raises(PermissionDeniedError):
            j.governance.approve(r.id, "mallory", r.digest)
        log.flush()
    gov = captured.on(log.GOVERNANCE)
    assert [_fields(x)["event"] for x in gov] == ["refused"]
    assert captured.on(log.APPLICATION), "the application channel keeps its own level"


def test_user_identifiers_are_pseudonymised_with_a_key(tmp_path: Path, captured: Capture) -> None:
    settings = {"LOG_PSEUDONYM_KEY": "a-key-for-the-test"}
    with juno.Juno(tmp_path / "g.db", now=NOW, settings=settings) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        for target in ("ALPHA-1", "ALPHA-2"):
            r = _submit(j, target)
            j.governance.approve(r.id, LEAD, r.digest)
        log.flush()
        # The audit log is the record approvers answer for: it keeps the name.
        assert any(e.actor == LEAD for e in j.audit.entries())
    gov = captured.on(log.GOVERNANCE)
    approvals = [x for x in gov if _fields(x)["event"] == "request_approved"]
    assert len(approvals) == 2
    pseudonym = _fields(approvals[0])["actor"]
    assert pseudonym.startswith("user-") and len(pseudonym) == 21
    assert _fields(approvals[1])["actor"] == pseudonym, "the same user, the same pseudonym"
    # The role's grant names the same user as its subject: the same pseudonym there too.
    assert _fields(gov[0])["event"] == "role_assigned"
    assert _fields(gov[0])["subject"] == f"user:{pseudonym}"
    assert _fields(gov[0])["actor"].startswith("user-"), "the granting admin too"
    for x in captured.records:
        text = x.getMessage() + repr(_fields(x))
        assert "lead@company.com" not in text and "a-key-for-the-test" not in text, text
    # Another process with the same key maps the user to the same pseudonym.
    captured.records.clear()
    with juno.Juno(tmp_path / "other.db", now=NOW, settings=settings) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        log.flush()
    assert _fields(captured.on(log.GOVERNANCE)[0])["subject"] == f"user:{pseudonym}"


def test_events_raised_without_the_gil_arrive(tmp_path: Path, captured: Capture) -> None:
    with juno.Juno(tmp_path / "g.db", now=NOW) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        requests = [_submit(j, f"ALPHA-{i}") for i in range(40)]

        def approve(part: list[juno.ApprovalRequest]) -> None:
            for r in part:
                j.governance.approve(r.id, LEAD, r.digest)

        threads = [threading.Thread(target=approve, args=(requests[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log.flush()
        seqs = [
            _fields(x)["seq"]
            for x in captured.on(log.GOVERNANCE)
            if _fields(x)["event"] == "request_approved"
        ]
        assert len(seqs) == 40 and len(set(seqs)) == 40
        approved = {e.seq for e in j.audit.entries() if e.event == "request_approved"}
        assert set(seqs) == approved


def test_a_cycle_logs_what_it_did_and_how_long_it_took(tmp_path: Path, captured: Capture) -> None:
    sim = juno.SimSource({"teams": 2, "sprints": 10, "backlog_per_team": 10})
    with juno.Juno(tmp_path / "c.db", now=sim.end) as j:
        report = j.agent.run_cycle(source=sim)
        j.memory.cleanup()
        log.flush()
    app = [x.getMessage() for x in captured.on(log.APPLICATION)]
    assert any(m.startswith(f"synced ") and "sim:7" in m for m in app), app
    cycle = [x for x in captured.on(log.APPLICATION) if x.getMessage().startswith("cycle ")]
    assert len(cycle) == 1
    assert _fields(cycle[0])["cycle"] == report["cycle"]
    assert _fields(cycle[0])["proposals"] == len(report["proposals"])
    perf = {_fields(x)["operation"]: _fields(x) for x in captured.on(log.PERFORMANCE)}
    assert set(perf) >= {"sync", "cycle", "cleanup"}
    assert perf["cycle"]["ms"] == pytest.approx(sum(report["timings_ms"].values()))
    assert perf["cycle"]["observe_ms"] == pytest.approx(report["timings_ms"]["observe"])


def test_nothing_is_printed_when_the_host_configures_no_logging(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import juno, datetime as d\n"
        "j = juno.Juno(r'%s', now=d.datetime(2026, 3, 2, tzinfo=d.timezone.utc))\n"
        "r = j.governance.submit({'action': {'kind': 'reassign', 'team': 'alpha', "
        "'target': 'A-1', 'parameters': {}}, 'impact': 'low', 'confidence': 0.4, "
        "'requester': 'juno'})\n"
        "try:\n    j.governance.approve(r.id, 'mallory', r.digest)\nexcept Exception:\n    pass\n"
        "j.close()\n"
    ) % (tmp_path / "q.db")
    cp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert cp.stderr == "" and cp.stdout == ""


def test_the_cli_prints_the_logs_at_the_level_asked(tmp_path: Path) -> None:
    from test_cli import run

    db = str(tmp_path / "cli.db")
    assert run(tmp_path, "db", "init", "--db", db).returncode == 0
    cp = run(tmp_path, "--log-level", "info", "roles", "assign", LEAD, "TEAM_LEAD", "alpha",
             "--by", "admin", "--db", db)  # fmt: skip
    assert cp.returncode == 0, cp.stderr
    assert f"INFO juno.governance: role_assigned user:{LEAD} by admin" in cp.stderr
    assert "INFO juno.application: opened " in cp.stderr
    # The environment sets the same; warnings only hide the grant.
    cp = run(tmp_path, "roles", "assign", "bo", "TEAM_LEAD", "alpha", "--by", "admin",
             "--db", db, env={"JUNO_LOG_LEVEL": "warning"})  # fmt: skip
    assert cp.returncode == 0 and "juno.governance" not in cp.stderr, cp.stderr
    cp = run(tmp_path, "roles", "list", "--db", db, env={"JUNO_LOG_LEVEL": "loud"})
    assert cp.returncode == 1
    assert "JUNO_LOG_LEVEL: expected debug, info, warning or error, got 'loud'" in cp.stderr


def test_records_name_the_core_as_their_source(tmp_path: Path, captured: Capture) -> None:
    with juno.Juno(tmp_path / "s.db", now=NOW) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        log.flush()
    record = captured.on(log.GOVERNANCE)[0]
    # Not a line of the logging module (what Logger.log's caller lookup would find).
    assert (record.pathname, record.lineno) == ("juno-core", 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX")
def test_a_forked_child_delivers_its_own_events(tmp_path: Path, captured: Capture) -> None:
    # The parent's background thread is not copied into a child: the child starts its own,
    # so events raised there with the GIL released arrive without a flush.
    with juno.Juno(tmp_path / "p.db", now=NOW) as j:
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 when its approvals were logged
        status = 1
        try:
            captured.records.clear()
            with juno.Juno(tmp_path / "c.db", now=NOW) as j:
                j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
                r = _submit(j)
                t = threading.Thread(target=j.governance.approve, args=(r.id, LEAD, r.digest))
                t.start()
                t.join()
                for _ in range(100):
                    if any(_fields(x)["event"] == "request_approved" for x in captured.on(log.GOVERNANCE)):
                        status = 0
                        break
                    time.sleep(0.05)
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child's approval was never logged"


def test_a_level_lowered_after_opening_applies_within_a_second(
    tmp_path: Path, captured: Capture
) -> None:
    logging.getLogger(log.GOVERNANCE).setLevel(logging.WARNING)
    with juno.Juno(tmp_path / "l.db", now=NOW) as j:  # reads WARNING
        j.governance.assign_role(LEAD, "TEAM_LEAD", ["alpha"], by="admin")
        logging.getLogger(log.GOVERNANCE).setLevel(logging.INFO)  # no refresh_levels()
        time.sleep(1.1)
        r = _submit(j)
        # approve releases the GIL, so the event cannot read Python's levels itself.
        threading.Thread(target=j.governance.approve, args=(r.id, LEAD, r.digest)).start()
        for _ in range(100):
            if any(_fields(x)["event"] == "request_approved" for x in captured.on(log.GOVERNANCE)):
                break
            time.sleep(0.05)
        events = [_fields(x)["event"] for x in captured.on(log.GOVERNANCE)]
    assert "request_approved" in events, events
    assert "role_assigned" not in events, "logged before the level was lowered"
