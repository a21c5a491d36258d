"""juno.Audit: the hash chain, checkpoints and proofs, tampered with on a real file.

Each attack edits the SQLite file with the stdlib ``sqlite3`` module while no engine has it
open, as someone with access to the file (not to the library) would, then reopens it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import juno
from juno.errors import InvalidInputError, NotFoundError

from conftest import T0, populate_governance

Row = tuple[Any, ...]


@pytest.fixture
def governed(db_path: Path) -> Iterator[Path]:
    """A closed database file whose audit log holds a governance history."""
    with juno.Juno(db_path, now=T0) as j:
        populate_governance(j)
        assert j.audit.verify().ok
    yield db_path


def _open(path: Path) -> juno.Juno:
    return juno.Juno(path, now=T0, create=False)


def _sql(path: Path, *statements: str | tuple[str, tuple[Any, ...]], drop_triggers: bool = False) -> None:
    """Runs statements on the file in one transaction, optionally dropping the guards first."""
    con = sqlite3.connect(path)
    try:
        if drop_triggers:
            # What an attacker with file access does first.
            con.execute("DROP TRIGGER audit_log_no_update")
            con.execute("DROP TRIGGER audit_log_no_delete")
        for s in statements:
            if isinstance(s, tuple):
                con.execute(*s)
            else:
                con.execute(s)
        con.commit()
    finally:
        con.close()


def _rows(path: Path) -> list[Row]:
    con = sqlite3.connect(path)
    try:
        return list(con.execute("SELECT * FROM audit_log ORDER BY seq"))
    finally:
        con.close()


def _seq_of(j: juno.Juno, event: str) -> int:
    return next(e.seq for e in j.audit.entries() if e.event == event)


def _flip_one_byte(text: str, index: int = 0) -> str:
    data = bytearray(text.encode())
    data[index] ^= 0x01  # ASCII stays ASCII: 't' -> 'u', 'a' -> '`', '{' -> 'z'
    return data.decode()


def _entry_hash(
    seq: int, at: int, actor: str, event: str, subject: str, payload_digest: bytes, prev: bytes
) -> bytes:
    """The core's entry hash (juno-core/src/audit.rs), recomputed the way a forger would."""
    h = hashlib.sha256(b"juno-audit-v1")
    h.update(struct.pack(">Qq", seq, at))
    for s in (actor, event, subject):
        b = s.encode()
        h.update(struct.pack(">I", len(b)) + b)
    h.update(payload_digest)
    h.update(prev)
    return h.digest()


# ---------------------------------------------------------------- a healthy log


def test_a_healthy_log_verifies(governed: Path) -> None:
    with _open(governed) as j:
        report = j.audit.verify()
        assert report.ok and report.first_bad_seq is None and report.problems == []
        assert report.entries == len(j.audit) == j.audit.count() == 18
        entries = j.audit.entries()
        assert [e.seq for e in entries] == list(range(1, report.entries + 1))
        assert entries[0].prev_hash == "0" * 64
        for a, b in zip(entries, entries[1:]):
            assert b.prev_hash == a.hash
        assert entries[0].to_dict()["hash"] == entries[0].hash
        assert [e.seq for e in j.audit.entries(from_seq=5, limit=3)] == [5, 6, 7]
        assert j.audit.entries(from_seq=10_000) == []
        trail = [e.event for e in j.audit.entries_for("request:1")]
        assert trail == [
            "request_submitted", "request_approved", "request_executing", "request_executed"
        ]  # fmt: skip
        refused = j.audit.entries_for("request:5")[1]
        assert (refused.event, refused.actor) == ("refused", "tl.beta@company.com")
        assert refused.payload["error"] == "permission_denied"
        assert j.audit.entries_for("request:1")[0].payload["action"]["target"] == "ALPHA-12"
        assert bool(j.audit)
    with juno.Juno(":memory:") as empty:
        assert len(empty.audit) == 0 and bool(empty.audit)
        assert empty.audit.verify().ok


def test_bad_arguments(governed: Path) -> None:
    with _open(governed) as j:
        with pytest.raises(InvalidInputError):
            j.audit.entries(from_seq=-1)
        with pytest.raises(InvalidInputError):
            j.audit.entries(limit=-5)
        with pytest.raises(InvalidInputError) as caught:
            j.audit.verify({"size": 3, "root": "not hex", "at": "2026-01-01T00:00:00Z"})
        assert caught.value.details["field"] == "checkpoint.root"
        with pytest.raises(InvalidInputError):
            j.audit.verify({"size": 3})
        with pytest.raises(InvalidInputError):
            j.audit.verify("checkpoint.json")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            juno.Checkpoint.from_dict({"size": -1, "root": "00" * 32, "at": "2026-01-01T00:00:00Z"})


# ---------------------------------------------------------------- (a) an edited row


@pytest.mark.parametrize("column", ["actor", "payload"])
def test_one_changed_byte_is_found_at_its_seq(governed: Path, column: str) -> None:
    with _open(governed) as j:
        seq = _seq_of(j, "request_approved")
        entry = j.audit.entries(from_seq=seq, limit=1)[0]
        assert entry.actor == "tl.alpha@company.com"
    original = entry.actor if column == "actor" else json.dumps(entry.payload, separators=(",", ":"), sort_keys=True)
    con = sqlite3.connect(governed)
    stored = con.execute(f"SELECT {column} FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0]
    con.close()
    assert stored == original
    forged = _flip_one_byte(stored, index=len(stored) // 2)
    _sql(governed, (f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (forged, seq)), drop_triggers=True)

    with _open(governed) as j:
        report = j.audit.verify()
        assert not report.ok
        assert report.first_bad_seq == seq
        expected = "hash does not match" if column == "actor" else "payload does not match"
        assert any(f"entry {seq}" in p and expected in p for p in report.problems), report.problems
        # Every view built on the log says so.
        assert j.governance.dashboard().audit_ok is False
        assert j.governance.compliance_report().audit_ok is False


# ---------------------------------------------------------------- (b) a deleted row


def test_a_deleted_middle_row_is_found_at_its_seq(governed: Path) -> None:
    with _open(governed) as j:
        n = len(j.audit)
    middle = n // 2
    _sql(governed, f"DELETE FROM audit_log WHERE seq = {middle}", drop_triggers=True)
    with _open(governed) as j:
        report = j.audit.verify()
        assert not report.ok
        assert report.first_bad_seq == middle
        assert report.entries == n - 1
        assert f"entry {middle} is missing" in report.problems[0]


# ---------------------------------------------------------------- (c) a truncated tail


def test_truncation_is_found_by_a_saved_checkpoint(governed: Path, tmp_path: Path) -> None:
    with _open(governed) as j:
        checkpoint = j.audit.checkpoint()
        n = checkpoint.size
        assert n == len(j.audit)
        saved = tmp_path / "checkpoint.json"
        saved.write_text(json.dumps(checkpoint.to_dict()))
    # The attacker drops the last two entries and, knowing about stored checkpoints, those too.
    _sql(
        governed,
        f"DELETE FROM audit_log WHERE seq > {n - 2}",
        "DELETE FROM audit_checkpoints",
        drop_triggers=True,
    )
    kept = json.loads(saved.read_text())
    with _open(governed) as j:
        # What is left is a consistent chain: without the saved checkpoint nothing shows.
        assert j.audit.verify().ok
        for given in (kept, juno.Checkpoint.from_dict(kept)):
            report = j.audit.verify(given)
            assert not report.ok
            assert report.entries == n - 2
            assert report.checkpoints_checked == 1
            assert report.first_bad_seq == n - 1
            assert any("truncated" in p and f"covers {n}" in p for p in report.problems), report.problems


def test_truncation_is_found_by_the_stored_checkpoint(governed: Path) -> None:
    with _open(governed) as j:
        n = j.audit.checkpoint().size
    _sql(governed, f"DELETE FROM audit_log WHERE seq > {n - 1}", drop_triggers=True)
    with _open(governed) as j:
        report = j.audit.verify()
        assert not report.ok and report.first_bad_seq == n
        assert any("stored checkpoint" in p and "truncated" in p for p in report.problems)


# ---------------------------------------------------------------- (d) rewritten history


def _rewrite_consistently(path: Path, seq: int, actor: str) -> None:
    """Changes entry `seq`'s actor and recomputes every hash from there on: a chain that
    verifies on its own."""
    rows = _rows(path)
    con = sqlite3.connect(path)
    try:
        con.execute("DROP TRIGGER audit_log_no_update")
        prev: bytes = rows[seq - 2][8] if seq > 1 else bytes(32)
        for s, at, act, event, subject, _payload, digest, _prev, _hash in rows[seq - 1 :]:
            if s == seq:
                act = actor
            h = _entry_hash(s, at, act, event, subject, digest, prev)
            con.execute(
                "UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (act, prev, h, s),
            )
            prev = h
        con.commit()
    finally:
        con.close()


def test_the_forger_recomputes_hashes_the_way_the_core_does(governed: Path) -> None:
    for s, at, actor, event, subject, _payload, digest, prev, stored in _rows(governed):
        assert _entry_hash(s, at, actor, event, subject, digest, prev) == stored, s


def test_consistently_rewritten_history_is_found_by_checkpoints(governed: Path) -> None:
    with _open(governed) as j:
        saved = j.audit.checkpoint().to_dict()
        seq = _seq_of(j, "request_approved")
    _rewrite_consistently(governed, seq, "someone.else@company.com")
    with _open(governed) as j:
        assert j.audit.entries(from_seq=seq, limit=1)[0].actor == "someone.else@company.com"
        # The stored checkpoint still catches it ...
        report = j.audit.verify()
        assert not report.ok
        assert any("stored checkpoint" in p and "rewritten" in p for p in report.problems)
    _sql(governed, "DELETE FROM audit_checkpoints")
    with _open(governed) as j:
        # ... and once that is gone too, only the copy kept elsewhere does.
        assert j.audit.verify().ok
        report = j.audit.verify(saved)
        assert not report.ok
        assert report.first_bad_seq == 1  # a root says that, not where
        assert any("saved checkpoint" in p and "rewritten" in p for p in report.problems)


# ---------------------------------------------------------------- (e) the guards


def test_update_and_delete_fail_while_the_triggers_stand(governed: Path) -> None:
    before = _rows(governed)
    con = sqlite3.connect(governed)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_log WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_log")
        con.commit()
    finally:
        con.close()
    assert _rows(governed) == before
    with _open(governed) as j:
        assert j.audit.verify().ok


# ---------------------------------------------------------------- (f) inclusion proofs


def test_inclusion_proofs_verify_against_their_checkpoint_only(governed: Path) -> None:
    with _open(governed) as j:
        checkpoint = j.audit.checkpoint()
        n = checkpoint.size
        for seq in range(1, n + 1):
            proof = j.audit.inclusion_proof(seq, n)
            assert (proof.seq, proof.tree_size) == (seq, n)
            assert proof.entry_hash == j.audit.entries(from_seq=seq, limit=1)[0].hash
            assert proof.verify(checkpoint.root), seq
            assert not proof.verify("0" * 64)
            assert not proof.verify("not a root")
        # A later checkpoint has another root: an older proof does not fit it.
        j.governance.assign_role("new.lead@company.com", "TEAM_LEAD", ["team_gamma"], by="admin@company.com")
        later = j.audit.checkpoint()
        assert later.size == n + 1 and later.root != checkpoint.root
        old_proof = j.audit.inclusion_proof(3, n)
        assert not old_proof.verify(later.root)
        assert j.audit.inclusion_proof(3, later.size).verify(later.root)
        assert old_proof.to_dict()["path"] == old_proof.path
        with pytest.raises(NotFoundError):
            j.audit.inclusion_proof(n + 2, n + 2)  # beyond the log
        with pytest.raises(NotFoundError):
            j.audit.inclusion_proof(0, n)
        with pytest.raises(NotFoundError):
            j.audit.inclusion_proof(5, 4)
        with pytest.raises(InvalidInputError):
            j.audit.inclusion_proof(-1, n)


def test_proofs_bound_to_checkpoints_check_the_sizes(governed: Path) -> None:
    with _open(governed) as j:
        old = j.audit.checkpoint()
        for i in range(40):
            j.governance.assign_role(f"lead{i}@company.com", "TEAM_LEAD", ["team_gamma"], by="admin@company.com")
        new = j.audit.checkpoint()
        proof = j.audit.consistency_proof(old.size, new.size)
        assert proof.verify_checkpoints(old, new)
        assert proof.verify_checkpoints(old.to_dict(), new.to_dict())
        assert not proof.verify_checkpoints(new, old)
        inclusion = j.audit.inclusion_proof(2, new.size)
        assert inclusion.verify_at(new) and not inclusion.verify_at(old)
