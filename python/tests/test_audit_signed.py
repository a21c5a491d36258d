"""Signed audit checkpoints, consistency proofs and the export, checked by code that is not
JUNO's: a C2SP signed-note / tlog-checkpoint verifier written here from the specs on the
``cryptography`` package's Ed25519, and the standalone ``juno/audit_export_verify.py``
script run from a copy outside the package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import juno
from juno.errors import ConfigError, InvalidInputError, JunoIOError, NotFoundError

from conftest import T0
from test_cli import failed, ok, run

ORIGIN = "juno.example/audit"


def _grow(j: juno.Juno, start: int, n: int) -> None:
    for i in range(start, start + n):
        j.governance.assign_role(f"u{i}@company.com", "TEAM_LEAD", ["team_alpha"], by="admin")


@pytest.fixture
def keys() -> tuple[str, str]:
    return juno.Audit.generate_signing_key(ORIGIN)


def _open(path: Path, signing_key: str | None) -> juno.Juno:
    settings = {} if signing_key is None else {"AUDIT_SIGNING_KEY": signing_key}
    return juno.Juno(path, now=T0, settings=settings)


# ---- an independent verifier, from the C2SP specs ------------------------------------


def _spec_open(note: str, vkey: str) -> bytes:
    """Returns the signed text of ``note`` if a signature line verifies under ``vkey``
    (C2SP signed-note: ``<name>+<hex key ID>+<base64(0x01 || key)>``); raises otherwise."""
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64, validate=True)
    assert key[0] == 0x01 and len(key) == 33, "an Ed25519 verifier key"
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    assert key_id.hex() == key_id_hex, "the key ID is SHA-256(name || LF || 0x01 || key)[:4]"
    public = Ed25519PublicKey.from_public_bytes(key[1:])
    split = note.rindex("\n\n")
    text, signatures = note[: split + 1], note[split + 2 :]
    for line in signatures.splitlines():
        assert line.startswith("\u2014 "), line
        sig_name, sig_b64 = line[2:].split(" ")
        raw = base64.b64decode(sig_b64, validate=True)
        if sig_name == name and raw[:4] == key_id:
            public.verify(raw[4:], text.encode())  # raises InvalidSignature
            return text.encode()
    raise InvalidSignature("no signature line for the key")


def _merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH over the entry hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _merkle_root(leaves[:k]) + _merkle_root(leaves[k:])).digest()


def test_a_signed_checkpoint_verifies_with_an_independent_implementation(
    tmp_path: Path, keys: tuple[str, str]
) -> None:
    signing, vkey = keys
    with _open(tmp_path / "a.db", signing) as j:
        _grow(j, 0, 11)
        cp = j.audit.sign_checkpoint()
        assert j.audit.verifier_key() == vkey
        hashes = [bytes.fromhex(e.hash) for e in j.audit.entries(1, 100)]

    text = _spec_open(cp.note, vkey).decode()
    origin, size, root_b64 = text.splitlines()[:3]
    assert (origin, int(size)) == (ORIGIN, 11)
    root = base64.b64decode(root_b64, validate=True)
    assert root.hex() == cp.root
    assert root == _merkle_root(hashes), "the root covers the log's entry hashes"

    # Tampered: another size, another root, or a signature by another key of the same name.
    with pytest.raises(InvalidSignature):
        _spec_open(cp.note.replace("\n11\n", "\n10\n", 1), vkey)
    forged_root = base64.b64encode(_merkle_root(hashes[:10])).decode()
    with pytest.raises(InvalidSignature):
        _spec_open(cp.note.replace(root_b64, forged_root, 1), vkey)
    _, stranger = juno.Audit.generate_signing_key(ORIGIN)
    with pytest.raises((InvalidSignature, AssertionError)):
        _spec_open(cp.note, stranger)


def test_consistency_proofs_and_verify_since(tmp_path: Path, keys: tuple[str, str]) -> None:
    signing, vkey = keys
    with _open(tmp_path / "a.db", signing) as j:
        _grow(j, 0, 5)
        old = j.audit.sign_checkpoint()
        _grow(j, 5, 9)
        new = j.audit.sign_checkpoint()
        assert [c.size for c in j.audit.signed_checkpoints()] == [5, 14]
        proof = j.audit.consistency_proof(5, 14)
        assert proof.verify(old.root, new.root)
        assert not proof.verify(new.root, old.root)
        report = j.audit.verify_since(old.note)
        assert report.ok, report.problems
        assert (report.old_size, report.new_size) == (5, 14)
        assert j.audit.verify_since(old.note, vkey).ok
        forged = j.audit.verify_since(old.note.replace("\n5\n", "\n4\n", 1))
        assert not forged.ok and "signature" in forged.problems[0]
        with pytest.raises(InvalidInputError, match="checkpoint"):
            j.audit.verify_since("not a note")
        with pytest.raises(InvalidInputError, match="verifier_key"):
            j.audit.verify_since(old.note, "nonsense")
        with pytest.raises(InvalidInputError, match="old_size"):
            j.audit.consistency_proof(9, 3)
        with pytest.raises(NotFoundError):
            j.audit.consistency_proof(1, 99)
        with pytest.raises(InvalidInputError, match="old_size"):
            j.audit.consistency_proof(-1, 3)


def test_signing_needs_a_key_and_a_bad_key_is_refused_at_open(tmp_path: Path) -> None:
    with _open(tmp_path / "a.db", None) as j:
        _grow(j, 0, 1)
        with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY"):
            j.audit.sign_checkpoint()
        with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY"):
            j.audit.verifier_key()
        assert j.audit.signed_checkpoints() == []
    with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY"):
        _open(tmp_path / "b.db", "PRIVATE+KEY+x+00000000+AQ==")
    with pytest.raises(InvalidInputError, match="name"):
        juno.Audit.generate_signing_key("has space")


def _standalone(tmp_path: Path) -> Path:
    """A copy of the verifier script outside the package: it cannot import JUNO."""
    source = Path(juno.__file__).with_name("audit_export_verify.py")
    copy = tmp_path / "standalone" / "verify.py"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    return copy


def _verify_export(script: Path, export: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -I: isolated mode, no user site-packages and no PYTHON* variables; the copy's own
    # folder is the only one added to the path.
    return subprocess.run(
        [sys.executable, "-I", str(script), str(export), "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_export_verifies_with_the_standalone_script_and_tampering_fails(
    tmp_path: Path, keys: tuple[str, str]
) -> None:
    signing, vkey = keys
    export = tmp_path / "audit.jsonl"
    with _open(tmp_path / "a.db", signing) as j:
        _grow(j, 0, 4)
        old = j.audit.sign_checkpoint()
        _grow(j, 4, 6)
        j.audit.sign_checkpoint()
        _grow(j, 10, 2)
        summary = j.audit.export_to(export)
    assert (summary.entries, summary.checkpoints, summary.proofs) == (12, 2, 2)
    script = _standalone(tmp_path)

    result = _verify_export(script, export, "--key", vkey)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["entries"] == 12 and report["root"] == summary.root

    since = tmp_path / "old.note"
    since.write_text(old.note, encoding="utf-8")
    assert _verify_export(script, export, "--key", vkey, "--since", str(since)).returncode == 0

    lines = export.read_text(encoding="utf-8").splitlines()
    _, stranger = juno.Audit.generate_signing_key(ORIGIN)
    assert _verify_export(script, export, "--key", stranger).returncode == 1, "another key"

    # A payload edited after the fact.
    entry = json.loads(lines[3])
    entry["payload"] = entry["payload"].replace("team_alpha", "team_omega")
    edited = tmp_path / "edited.jsonl"
    edited.write_text("\n".join([*lines[:3], json.dumps(entry), *lines[4:]]) + "\n", "utf-8")
    result = _verify_export(script, edited, "--key", vkey)
    assert result.returncode == 1 and not json.loads(result.stdout)["ok"]

    # An entry dropped.
    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("\n".join([*lines[:5], *lines[6:]]) + "\n", "utf-8")
    assert _verify_export(script, dropped, "--key", vkey).returncode == 1

    # A consistency proof forged.
    forged_lines = []
    for line in lines:
        item = json.loads(line)
        if item["type"] == "consistency" and item["path"]:
            item["path"][0] = "00" * 32
            line = json.dumps(item)
        forged_lines.append(line)
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join(forged_lines) + "\n", "utf-8")
    assert _verify_export(script, forged, "--key", vkey).returncode == 1

    with pytest.raises(JunoIOError):
        with _open(tmp_path / "a.db", signing) as j:
            j.audit.export_to(tmp_path / "no" / "such" / "dir.jsonl")


def test_the_cli_makes_a_key_signs_verifies_since_and_exports(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "audit", "keygen", ORIGIN, "--out", "audit.key"))
    key_file = tmp_path / "audit.key"
    assert key_file.stat().st_mode & 0o077 == 0, "only the owner may read the key"
    vkey = out.split("verifier key: ")[1].strip()
    env = {"AUDIT_SIGNING_KEY": key_file.read_text().strip()}
    db = str(tmp_path / "cli.db")
    with juno.Juno(db, now=T0) as j:
        _grow(j, 0, 3)
    ok(run(tmp_path, "audit", "sign", "--out", "old.note", "--db", db, env=env))
    failed(run(tmp_path, "audit", "sign", "--out", "old.note", "--db", db, env=env))
    with juno.Juno(db, now=T0) as j:
        _grow(j, 3, 3)
    data = json.loads(ok(run(tmp_path, "audit", "verify", "--since", "old.note", "--key", vkey,
                             "--db", db, "--json")))  # fmt: skip
    assert data["ok"] and data["since"]["ok"] and data["since"]["new_size"] == 6

    note = (tmp_path / "old.note").read_text()
    (tmp_path / "forged.note").write_text(note.replace("\n3\n", "\n2\n", 1))
    proc = run(tmp_path, "audit", "verify", "--since", "forged.note", "--key", vkey, "--db", db)
    assert proc.returncode == 1 and "since:         FAILED" in proc.stdout, proc.stdout
    failed(run(tmp_path, "audit", "verify", "--since", "missing.note", "--db", db, env=env))
    failed(run(tmp_path, "audit", "sign", "--db", db))  # no key configured

    ok(run(tmp_path, "audit", "export", "--out", "audit.jsonl", "--db", db, env=env))
    proc = subprocess.run(
        [sys.executable, "-m", "juno.audit_export_verify", str(tmp_path / "audit.jsonl"),
         "--key", vkey],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_standalone_ed25519_code_passes_the_rfc_8032_vectors(tmp_path: Path) -> None:
    script = _standalone(tmp_path)
    result = subprocess.run(
        [sys.executable, "-I", str(script), "--self-test"], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_cli_compliance_report_by_period_in_json_and_markdown(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    with juno.Juno(db, now=T0) as j:
        j.governance.assign_role("lead@company.com", "TEAM_LEAD", ["team_alpha"], by="admin")
        r = j.governance.submit(
            {"action": {"kind": "reassign", "team": "team_alpha", "target": "ALPHA-1"},
             "impact": "low", "confidence": 0.5, "requester": "juno"}  # fmt: skip
        )
        j.set_clock(T0 + timedelta(minutes=5))
        j.governance.approve(r.id, "lead@company.com", r.digest)
        j.set_clock(T0 + timedelta(hours=3))
        j.governance.execute(r.id, r.action, lambda a: "done")
    # Judged by a one-hour execution window, that execution was late: a violation.
    late = {"EXECUTION_WINDOW_HOURS": "1"}
    proc = run(tmp_path, "compliance", "report", "--db", db, env=late)
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    assert "| violation | `executed_outside_window` | `request:1` |" in proc.stdout, proc.stdout
    assert "- violations: 1, warnings: 0" in proc.stdout
    data = json.loads(run(tmp_path, "compliance", "report", "--format", "json", "--db", db,
                          env=late).stdout)  # fmt: skip
    assert data["violations"] == 1 and data["findings"][0]["rule"] == "executed_outside_window"
    assert data["period"] == {"from": None, "to": None}
    # Outside the period, nothing; inside it, the finding.
    assert "No findings." in ok(run(tmp_path, "compliance", "report", "--from", "2026-01-02",
                                    "--db", db, env=late))  # fmt: skip
    assert "No findings." in ok(run(tmp_path, "compliance", "report", "--to", "2026-01-01T02:00:00Z",
                                    "--db", db, env=late))  # fmt: skip
    inside = run(tmp_path, "compliance", "report", "--from", "2026-01-01", "--to", "2026-01-02",
                 "--db", db, env=late)  # fmt: skip
    assert inside.returncode == 1 and "executed_outside_window" in inside.stdout
    # Under the default window it was on time.
    assert "No findings." in ok(run(tmp_path, "compliance", "report", "--db", db))
    ok(run(tmp_path, "compliance", "report", "--db", db, "--out", "report.md"))
    assert (tmp_path / "report.md").read_text().startswith("# Compliance report")
    assert "not a date" in failed(run(tmp_path, "compliance", "report", "--from", "soon",
                                      "--db", db))  # fmt: skip
    assert "after --from" in failed(run(tmp_path, "compliance", "report", "--from", "2026-02-01",
                                        "--to", "2026-01-01", "--db", db))  # fmt: skip


def test_the_cli_breaks_glass_with_a_reason(tmp_path: Path) -> None:
    db = str(tmp_path / "g.db")
    with juno.Juno(db) as j:  # the system clock, as the command's
        j.governance.assign_role("em@company.com", "ENGINEERING_MANAGER", ["team_alpha"],
                                 by="admin")  # fmt: skip
        r = j.governance.submit(
            {"action": {"kind": "reassign", "team": "team_alpha", "target": "ALPHA-2"},
             "impact": "low", "confidence": 0.5, "requester": "juno"}  # fmt: skip
        )
    failed(run(tmp_path, "governance", "break-glass", str(r.id), "--user", "em@company.com",
               "--db", db), code=2)  # fmt: skip
    out = ok(run(tmp_path, "governance", "break-glass", str(r.id), "--user", "em@company.com",
                 "--reason", "outage", "--db", db))  # fmt: skip
    assert f"request #{r.id} is approved" in out
