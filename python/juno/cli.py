"""The ``juno`` command-line tool.

::

    juno --version
    juno db init [--db PATH]
    juno db check [--db PATH] [--json]
    juno db backup DEST [--db PATH]
    juno db restore BACKUP [--db PATH] [--json]
    juno memory stats [--db PATH] [--json]
    juno maintenance cleanup-memory [--db PATH]
    juno roles assign USER ROLE TEAM [TEAM ...] --by USER [--db PATH]
    juno roles revoke USER ROLE [--team TEAM] --by USER [--db PATH]
    juno roles list [--user USER] [--include-revoked] [--db PATH] [--json]
    juno roles delegate FROM TO TEAM --until DATE [--db PATH] [--json]
    juno roles revoke-delegation ID --by USER [--db PATH]
    juno roles delegations [--user USER] [--include-inactive] [--db PATH] [--json]
    juno governance pending [--role ROLE] [--team TEAM] [--db PATH] [--json]
    juno governance shadow-report [--db PATH] [--json]
    juno compliance report [--from DATE] [--to DATE] [--format json|md] [--out FILE] [--db PATH]
    juno governance process-deadlines [--db PATH] [--json]   (escalate, expire, lapse, remind)
    juno audit verify [--checkpoint FILE.json] [--since NOTE] [--key VKEY] [--db PATH] [--json]
    juno audit checkpoint [--out FILE.json] [--db PATH]
    juno audit keygen NAME [--out FILE]
    juno audit sign [--out NOTE] [--db PATH]
    juno audit export --out FILE.jsonl [--db PATH] [--json]
    juno sync (--sim | --jira | --export FILE) [--json]
    juno cycle [--sim | --jira | --export FILE] [--dry-run] [--options JSON] [--json]
    juno agent run [--sim | --jira | --export FILE] [--interval MINUTES] [--max-cycles N]
    juno governance show|approve|reject|escalate|break-glass ID --user USER [--reason TEXT]
    juno action revert ID --by USER
    juno model retrain [--json]
    juno data validate [--json]
    juno notify collect | deliver [--limit N] [--json] | outbox [--status S] [--json]
    juno demo [--memory] [--db PATH] [--serve [--host H] [--port P]]
    juno serve [--db PATH] [--host H] [--port P] [--threads N] [--tokens FILE] [--prefix /P]
    juno token add USER [--tokens FILE]
    juno token list [--tokens FILE]

The database is ``--db PATH`` if given, else ``DATABASE_URL`` (``sqlite:///path.db``),
else ``juno.db`` in the current directory; other settings come from the environment as
for :meth:`juno.Juno.from_env`. Errors print ``juno: error: <message>`` and exit with
status 1 (2 for usage errors); a failed integrity check or audit verification exits
with 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NoReturn

from juno._juno import ApprovalRequest, Audit, Checkpoint, Juno, __version__
from juno.errors import JunoError, NotFoundError

PROG = "juno"


class _Failure(Exception):
    """A user-facing error raised by a command (not by the library)."""


def _open(args: argparse.Namespace, *, create: bool) -> Juno:
    path: str | None = getattr(args, "db", None)
    try:
        return Juno.from_env(path=path, create=create)
    except NotFoundError as e:
        if e.details.get("entity") == "database":
            raise _Failure(
                f"database `{e.details.get('id')}` does not exist; create it with `juno db init`"
            ) from None
        raise


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit} ({n} bytes)"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True))


def cmd_db_init(args: argparse.Namespace) -> int:
    with _open(args, create=True) as j:
        report = j.check()
        where = j.path or ":memory:"
        print(f"initialised {where} (schema version {report.schema_version})")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        report = j.check()
        if args.json:
            out = report.to_dict()
            out["path"] = j.path
            _print_json(out)
        else:
            print(f"database:       {j.path or ':memory:'}")
            print(f"integrity:      {'ok' if report.ok else 'FAILED'}")
            shown = 10
            for message in report.messages[:shown] if not report.ok else []:
                print(f"  {message}")
            if not report.ok and len(report.messages) > shown:
                print(f"  … and {len(report.messages) - shown} more (see --json)")
            print(f"schema version: {report.schema_version}")
            print(f"journal mode:   {report.journal_mode}")
            print(f"size:           {_human_bytes(report.size_bytes)}")
    return 0 if report.ok else 1


def cmd_db_backup(args: argparse.Namespace) -> int:
    dest: str = args.dest
    if os.path.exists(dest):
        raise _Failure(f"`{dest}` already exists; remove it or choose another path")
    with _open(args, create=False) as j:
        j.backup(dest)
        count = j.memory.stats().total
        print(f"backed up {j.path} to {dest} ({count} memories)")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    report = Juno.restore(args.backup, getattr(args, "db", None))
    if args.json:
        _print_json(report.to_dict())
        return 0
    print(f"checked {report.backup}:")
    print("  integrity:      ok")
    print(f"  schema version: {report.backup_schema_version}", end="")
    if report.schema_version != report.backup_schema_version:
        print(f" (migrated to {report.schema_version})", end="")
    print()
    print(f"  audit chain:    verified ({report.audit_entries} entries, root {report.audit_root[:16]}…)")
    print(f"restored {report.target} ({report.memories} memories)")
    if report.previous == "saved":
        print(f"the database it replaced was saved to {report.previous_kept_at}")
    elif report.previous == "moved_aside":
        print(f"the unreadable file it replaced was moved to {report.previous_kept_at}")
    return 0


def cmd_memory_stats(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        stats = j.memory.stats()
    if args.json:
        _print_json(stats.to_dict())
        return 0
    kinds = list(stats.by_kind)
    print(f"total memories: {stats.total}")
    print(f"expired:        {stats.expired} (removed by `juno maintenance cleanup-memory`)")
    print(f"database size:  {_human_bytes(stats.database_bytes)}")
    if stats.oldest is not None and stats.newest is not None:
        print(f"created:        {stats.oldest.isoformat()} .. {stats.newest.isoformat()}")
    print()
    width = max([len("team"), *(len(t) for t in stats.by_team)])
    header = f"{'team':<{width}}  " + "  ".join(f"{k:>10}" for k in kinds) + f"  {'total':>6}"
    print(header)
    print("-" * len(header))
    for team, counts in stats.by_team.items():
        cells = "  ".join(f"{counts.get(k, 0):>10}" for k in kinds)
        print(f"{team:<{width}}  {cells}  {sum(counts.values()):>6}")
    cells = "  ".join(f"{stats.by_kind[k]:>10}" for k in kinds)
    print(f"{'all':<{width}}  {cells}  {stats.total:>6}")
    return 0


def cmd_cleanup_memory(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        deleted = j.memory.cleanup()
        remaining = j.memory.stats().total
    print(f"deleted {deleted} expired or stale memories; {remaining} remain")
    return 0


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    line = "  ".join(f"{h:<{w}}" for h, w in zip(headers, widths)).rstrip()
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(f"{c:<{w}}" for c, w in zip(r, widths)).rstrip())


def cmd_roles_assign(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        j.governance.assign_role(args.user, args.role, args.teams, by=args.by)
    role = args.role.upper()
    print(f"{args.user} is {role} for {', '.join(args.teams)}")
    return 0


def cmd_roles_revoke(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        teams = j.governance.revoke_role(args.user, args.role, args.team, by=args.by)
    print(f"revoked {args.role.upper()} from {args.user} for {', '.join(teams)}")
    return 0


def cmd_roles_list(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        roles = j.governance.roles(args.user, include_revoked=args.include_revoked)
    if args.json:
        _print_json([r.to_dict() for r in roles])
        return 0
    if not roles:
        print("no role assignments")
        return 0
    rows = [
        [
            r.user,
            r.role,
            r.team,
            _when(r.granted_at),
            r.granted_by,
            *([_when(r.revoked_at) if r.revoked_at else ""] if args.include_revoked else []),
        ]
        for r in roles
    ]
    headers = ["user", "role", "team", "granted", "by"]
    _table([*headers, "revoked"] if args.include_revoked else headers, rows)
    return 0


def cmd_roles_delegate(args: argparse.Namespace) -> int:
    until = _moment(args.until, "--until")
    with _open(args, create=False) as j:
        d = j.governance.delegate(args.delegator, args.delegate, args.team, until)
    if args.json:
        _print_json(d.to_dict())
        return 0
    print(f"delegation #{d.id}: {d.delegate} decides for {d.delegator} on {d.team}"
          f" until {_when(d.until)}")  # fmt: skip
    return 0


def cmd_roles_revoke_delegation(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        d = j.governance.revoke_delegation(args.id, by=args.by)
    print(f"revoked delegation #{d.id} ({d.delegator} to {d.delegate} on {d.team})")
    return 0


def cmd_roles_delegations(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        ds = j.governance.delegations(args.user, include_inactive=args.include_inactive)
    if args.json:
        _print_json([d.to_dict() for d in ds])
        return 0
    if not ds:
        print("no delegations" + ("" if args.include_inactive else " in force"))
        return 0
    rows = [
        [
            str(d.id),
            d.delegator,
            d.delegate,
            d.team,
            _when(d.until),
            _when(d.revoked_at) if d.revoked_at else "",
        ]
        for d in ds
    ]
    _table(["id", "delegator", "delegate", "team", "until", "revoked"], rows)
    return 0


def _pending_row(r: ApprovalRequest) -> list[str]:
    action = r.action
    return [
        str(r.id),
        r.role,
        r.team,
        str(action["kind"]),
        str(action.get("target") or ""),
        r.impact,
        f"{r.confidence:.2f}",
        _when(r.deadline) if r.deadline else "",
        r.requester,
    ]


def cmd_governance_pending(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        pending = j.governance.pending(args.role, args.team)
    if args.json:
        _print_json([r.to_dict() for r in pending])
        return 0
    if not pending:
        print("no pending requests")
        return 0
    headers = ["id", "role", "team", "kind", "target", "impact", "conf", "deadline", "requester"]
    _table(headers, [_pending_row(r) for r in pending])
    return 0


def cmd_governance_process_deadlines(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        report = j.governance.process_deadlines()
    if args.json:
        _print_json(report.to_dict())
        return 0

    def ids(v: list[int]) -> str:
        return ": " + ", ".join(str(i) for i in v) if v else ""

    print(f"escalated {len(report.escalated)}{ids(report.escalated)}")
    print(f"expired   {len(report.expired)}{ids(report.expired)}")
    print(f"lapsed    {len(report.lapsed)}{ids(report.lapsed)}")
    print(f"reminded  {len(report.reminded)}{ids([r.request for r in report.reminded])}")
    # Who to remind, for a host (or a person) to deliver: JUNO has no mail or chat of its own.
    for r in report.reminded:
        people = ", ".join(r.recipients) or "nobody (set FALLBACK_APPROVER)"
        print(f"  #{r.request} waits for {r.role} until {_when(r.deadline)}"
              f" (reminder {r.number} of {r.of}): {people}")  # fmt: skip
    return 0


def cmd_governance_shadow_report(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        report = j.governance.shadow_report()
    if args.json:
        _print_json(report.to_dict())
        return 0
    print(f"shadow policy {json.dumps(report.policy, sort_keys=True)}")
    print(f"compared {report.requests} requests; it would change {len(report.changed)}:")
    print(f"  auto-approve what a person rejected  {report.auto_approve_rejected}")
    print(f"  auto-approve what a person approved  {report.auto_approve_approved}")
    print(f"  send to a person what was automatic  {report.sent_to_person}")
    if report.changed:
        rows = [
            [str(c["request"]), c["team"], c["kind"], c["impact"], f"{c['confidence']:.2f}",
             c["live"], c["shadow"], c["person"] or ""]
            for c in report.changed
        ]  # fmt: skip
        print()
        _table(["id", "team", "kind", "impact", "conf", "live", "shadow", "person"], rows)
    return 0


def _moment(text: str, flag: str) -> datetime:
    """A date (``2026-03-01``, midnight UTC) or an RFC 3339 time."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise _Failure(f"{flag} `{text}` is not a date (YYYY-MM-DD) or an RFC 3339 time") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


def cmd_compliance_report(args: argparse.Namespace) -> int:
    start = _moment(args.start, "--from") if args.start is not None else None
    end = _moment(args.end, "--to") if args.end is not None else None
    if start is not None and end is not None and end <= start:
        raise _Failure("--to must be after --from")
    with _open(args, create=False) as j:
        report = j.governance.compliance_report()
        # When each cited audit entry was written: a finding belongs to the period of its
        # latest evidence.
        when: dict[int, datetime] = {}
        for f in report.findings:
            for seq in f.evidence:
                if seq not in when:
                    entries = j.audit.entries(seq, 1)
                    if entries:
                        when[seq] = entries[0].at
    findings = []
    for f in report.findings:
        times = [when[s] for s in f.evidence if s in when]
        latest = max(times) if times else None
        if latest is not None and (
            (start is not None and latest < start) or (end is not None and latest >= end)
        ):
            continue
        findings.append((f, latest))
    violations = sum(1 for f, _ in findings if f.severity == "violation")
    data = report.to_dict()
    data["period"] = {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    data["findings"] = [f.to_dict() for f, _ in findings]
    data["violations"] = violations
    data["warnings"] = len(findings) - violations
    if args.format == "json":
        text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    else:
        text = _compliance_markdown(data, [t for _, t in findings])
    if args.out is None:
        print(text, end="")
    else:
        _write_new(args.out, text)
        print(f"compliance report ({violations} violations) written to {args.out}")
    return 1 if violations else 0


def _compliance_markdown(data: dict[str, Any], latest: list[datetime | None]) -> str:
    period = data["period"]
    lines = [
        "# Compliance report",
        "",
        f"- generated: {data['generated_at']}",
        f"- period: {period['from'] or 'the beginning'} to {period['to'] or 'now'}",
        f"- audit log verifies: {'yes' if data['audit_ok'] else 'NO: findings may not be trustworthy'}",
        f"- violations: {data['violations']}, warnings: {data['warnings']}",
        "",
    ]
    if not data["findings"]:
        lines.append("No findings.")
    else:
        lines += [
            "| severity | rule | subject | finding | audit entries | latest |",
            "|---|---|---|---|---|---|",
        ]
        for f, t in zip(data["findings"], latest, strict=True):
            cells = [
                f["severity"],
                f"`{f['rule']}`",
                f"`{f['subject']}`",
                f["message"].replace("|", "\\|"),
                ", ".join(str(s) for s in f["evidence"]),
                _when(t) if t is not None else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _read_checkpoint(path: str) -> Checkpoint:
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise _Failure(f"`{path}` is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise _Failure(f"`{path}` is not a checkpoint: expected a JSON object")
    try:
        return Checkpoint.from_dict(data)
    except JunoError as e:
        raise _Failure(f"`{path}` is not a checkpoint: {e}") from None


def _read_text(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise _Failure(f"cannot read {what} `{path}`: {e.strerror}") from None
    except UnicodeDecodeError:
        raise _Failure(f"{what} `{path}` is not UTF-8 text") from None


def cmd_audit_verify(args: argparse.Namespace) -> int:
    saved = _read_checkpoint(args.checkpoint) if args.checkpoint is not None else None
    note = _read_text(args.since, "checkpoint note") if args.since is not None else None
    if args.key is not None and note is None:
        raise _Failure("--key checks the signature of a --since checkpoint; give --since too")
    with _open(args, create=False) as j:
        report = j.audit.verify(saved)
        since = j.audit.verify_since(note, args.key) if note is not None else None
        where = j.path or ":memory:"
    ok = report.ok and (since is None or since.ok)
    if args.json:
        data = report.to_dict()
        if since is not None:
            data["since"] = since.to_dict()
        _print_json(data)
        return 0 if ok else 1
    print(f"database:      {where}")
    print(f"audit log:     {'ok' if report.ok else 'FAILED'}")
    print(f"entries:       {report.entries}")
    print(f"checkpoints:   {report.checkpoints_checked} checked")
    print(f"root:          {report.root}")
    if not report.ok:
        if report.first_bad_seq is not None:
            print(f"first bad seq: {report.first_bad_seq}")
        for problem in report.problems:
            print(f"  {problem}")
    if since is not None:
        print(f"since:         {'ok' if since.ok else 'FAILED'} ({since.origin}, "
              f"{since.old_size} -> {since.new_size} entries, "
              f"proof of {len(since.proof.path)} hashes)")
        for problem in since.problems:
            print(f"  {problem}")
    return 0 if ok else 1


def _write_new(path: str, text: str, mode: int = 0o644) -> None:
    """Writes a file that must not exist yet (never overwrites a key or a checkpoint)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise _Failure(f"`{path}` already exists; remove it or choose another path") from None
    except OSError as e:
        raise _Failure(f"cannot write `{path}`: {e.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def cmd_audit_keygen(args: argparse.Namespace) -> int:
    signing, verifier = Audit.generate_signing_key(args.name)
    if args.out is None:
        print(f"AUDIT_SIGNING_KEY={signing}")
    else:
        # Only the owner may read a key file.
        _write_new(args.out, signing + "\n", 0o600)
        print(f"signing key written to {args.out} (mode 600): set AUDIT_SIGNING_KEY to its text")
    print(f"verifier key: {verifier}")
    return 0


def cmd_audit_sign(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        signed = j.audit.sign_checkpoint()
    if args.out is None:
        print(signed.note, end="")
    else:
        _write_new(args.out, signed.note)
        print(f"signed checkpoint of {signed.size} entries written to {args.out}; "
              "publish it or keep a copy off this host")
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    with _open(args, create=False) as j:
        summary = j.audit.export_to(args.out)
    if args.json:
        _print_json(summary.to_dict())
        return 0
    print(f"exported {summary.entries} entries, {summary.checkpoints} signed checkpoints and "
          f"{summary.proofs} consistency proofs to {args.out}")
    print(f"root: {summary.root}")
    print(f"check it without JUNO: python -m juno.audit_export_verify {args.out} --key VKEY")
    return 0


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    out: str | None = args.out
    if out is not None and os.path.exists(out):
        raise _Failure(f"`{out}` already exists; remove it or choose another path")
    with _open(args, create=False) as j:
        checkpoint = j.audit.checkpoint()
    text = json.dumps(checkpoint.to_dict(), indent=2, sort_keys=True) + "\n"
    if out is None:
        print(text, end="")
    else:
        with open(out, "x", encoding="utf-8") as f:
            f.write(text)
        print(f"checkpoint of {checkpoint.size} entries written to {out}; keep a copy off this host")
    return 0


def _write_json(path: str | None, data: object) -> None:
    if path is None:
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")


def cmd_eval_sprint_risk(args: argparse.Namespace) -> int:
    from juno.eval import sprint_risk

    start = time.monotonic()
    result = sprint_risk(
        args.iterations,
        issues=args.issues,
        protocol=args.protocol,
        pred_time_pct=args.pred_time,
        delivered_ratio=args.delivered_ratio,
        memberships=args.memberships,
        recalibration=args.recalibration,
        plot=args.plot,
    )
    print(result.table, end="")
    print(f"({time.monotonic() - start:.1f} s)", file=sys.stderr)
    _write_json(args.json, result.to_dict())
    return 0


def cmd_eval_triage(args: argparse.Namespace) -> int:
    from juno.eval import triage

    start = time.monotonic()
    result = triage(
        args.issues,
        args.events,
        step_days=args.step_days,
        horizon_days=args.horizon_days,
        assume_estimated=args.assume_estimated,
    )
    print(result.table, end="")
    print(f"({time.monotonic() - start:.1f} s)", file=sys.stderr)
    _write_json(args.json, result.to_dict())
    return 0


def cmd_eval_learning(args: argparse.Namespace) -> int:
    from juno.eval import default_approvers, learning

    if args.print_approvers:
        print(default_approvers(), end="")
        return 0
    start = time.monotonic()
    result = learning(
        approvers=args.approvers,
        days=args.days,
        teams=args.teams,
        arms=args.arms.split(",") if args.arms else None,
        plot=args.plot,
    )
    print(result.table, end="")
    print(f"({time.monotonic() - start:.1f} s)", file=sys.stderr)
    _write_json(args.json, result.to_dict())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    path = args.db if args.db is not None else "juno-demo.db"
    if args.memory:
        from juno._memory_demo import run_memory_demo

        run_memory_demo(path)
    else:
        from juno._demo import run_demo

        run_demo(path)
    if args.serve:
        from juno._demo import serve_demo

        serve_demo(
            path, host=args.host, port=args.port, threads=args.threads, rate_limit=args.rate_limit
        )
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors say `juno: error:` whichever sub-command they come from."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="JUNO: governed, explainable automation of agile delivery.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default=os.environ.get("JUNO_LOG_LEVEL") or None,
        help="print JUNO's structured logs (juno.application, juno.governance, "
        "juno.performance) at this level and above to stderr (default: $JUNO_LOG_LEVEL, "
        "else none)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $DATABASE_URL, else juno.db)",
    )
    # The sub-commands accept --db too; SUPPRESS keeps a top-level --db when they omit it.
    db_opt = _Parser(add_help=False)
    db_opt.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="database file (default: $DATABASE_URL, else juno.db; for demo: juno-demo.db)",
    )

    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)

    db = groups.add_parser("db", help="create, check, back up and restore the database")
    db_cmds = db.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = db_cmds.add_parser("init", parents=[db_opt], help="create and migrate the database")
    p.set_defaults(func=cmd_db_init)
    p = db_cmds.add_parser(
        "check", parents=[db_opt], help="integrity check and size (exit 1 when damaged)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_db_check)
    p = db_cmds.add_parser("backup", parents=[db_opt], help="copy the live database to DEST")
    p.add_argument("dest", metavar="DEST", help="the backup file to create")
    p.set_defaults(func=cmd_db_backup)
    p = db_cmds.add_parser(
        "restore",
        parents=[db_opt],
        help="check a backup (integrity, schema, audit chain), then restore it; "
        "the replaced database is kept beside it",
    )
    p.add_argument("backup", metavar="BACKUP", help="the backup file to restore from")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_db_restore)

    memory = groups.add_parser("memory", help="inspect the memory layer")
    mem_cmds = memory.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = mem_cmds.add_parser("stats", parents=[db_opt], help="counts by team and kind, size")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_memory_stats)

    maint = groups.add_parser("maintenance", help="housekeeping")
    maint_cmds = maint.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = maint_cmds.add_parser(
        "cleanup-memory",
        parents=[db_opt],
        help="delete expired memories and those past MEMORY_RETENTION_DAYS",
    )
    p.set_defaults(func=cmd_cleanup_memory)

    roles = groups.add_parser("roles", help="grant, revoke and list approver roles")
    role_cmds = roles.add_subparsers(dest="command", metavar="COMMAND", required=True)
    role_names = "TEAM_LEAD, PROJECT_MANAGER, ENGINEERING_MANAGER, DIRECTOR or ADMIN"
    p = role_cmds.add_parser("assign", parents=[db_opt], help="grant ROLE to USER for TEAMs")
    p.add_argument("user", metavar="USER")
    p.add_argument("role", metavar="ROLE", help=role_names)
    p.add_argument("teams", metavar="TEAM", nargs="+", help="a team, or * for all teams")
    p.add_argument("--by", metavar="USER", required=True, help="who grants it (audited)")
    p.set_defaults(func=cmd_roles_assign)
    p = role_cmds.add_parser("revoke", parents=[db_opt], help="revoke ROLE from USER")
    p.add_argument("user", metavar="USER")
    p.add_argument("role", metavar="ROLE", help=role_names)
    p.add_argument("--team", metavar="TEAM", help="only for this team (default: every team)")
    p.add_argument("--by", metavar="USER", required=True, help="who revokes it (audited)")
    p.set_defaults(func=cmd_roles_revoke)
    p = role_cmds.add_parser("list", parents=[db_opt], help="role assignments")
    p.add_argument("--user", metavar="USER", help="only this user's")
    p.add_argument("--include-revoked", action="store_true", help="revoked ones too")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_roles_list)
    p = role_cmds.add_parser(
        "delegate",
        parents=[db_opt],
        help="let TO decide TEAM's requests for FROM until a time (audited)",
    )
    p.add_argument("delegator", metavar="FROM", help="whose approval authority")
    p.add_argument("delegate", metavar="TO", help="who may use it (holds a role for TEAM)")
    p.add_argument("team", metavar="TEAM", help="the one team it covers")
    p.add_argument("--until", metavar="DATE", required=True,
                   help="when it runs out (YYYY-MM-DD or RFC 3339; at most 90 days ahead)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_roles_delegate)
    p = role_cmds.add_parser(
        "revoke-delegation", parents=[db_opt], help="end a delegation now (its delegator or an ADMIN)"
    )
    p.add_argument("id", metavar="ID", type=int)
    p.add_argument("--by", metavar="USER", required=True, help="who revokes it (audited)")
    p.set_defaults(func=cmd_roles_revoke_delegation)
    p = role_cmds.add_parser("delegations", parents=[db_opt], help="delegations in force")
    p.add_argument("--user", metavar="USER", help="only those naming this user")
    p.add_argument("--include-inactive", action="store_true", help="revoked and run-out ones too")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_roles_delegations)

    gov = groups.add_parser("governance", help="approval queues and deadlines")
    gov_cmds = gov.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = gov_cmds.add_parser("pending", parents=[db_opt], help="pending requests, oldest first")
    p.add_argument("--role", metavar="ROLE", help=f"only this role's queue ({role_names})")
    p.add_argument("--team", metavar="TEAM", help="only this team's")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_governance_pending)
    p = gov_cmds.add_parser(
        "process-deadlines",
        parents=[db_opt],
        help="escalate or expire requests past their deadline (run it periodically)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_governance_process_deadlines)
    p = gov_cmds.add_parser(
        "shadow-report",
        parents=[db_opt],
        help="what the [shadow] policy would have decided differently, before switching it on",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_governance_shadow_report)

    from juno import _cli_agent, _cli_web

    _cli_agent.register_governance(gov_cmds, db_opt)

    comp = groups.add_parser("compliance", help="what the audit log proves went wrong")
    comp_cmds = comp.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = comp_cmds.add_parser(
        "report",
        parents=[db_opt],
        help="findings (each citing its audit entries) in a period; exit 1 on a violation",
    )
    p.add_argument("--from", dest="start", metavar="DATE", help="only findings from then on")
    p.add_argument("--to", dest="end", metavar="DATE", help="only findings before then")
    p.add_argument("--format", choices=["json", "md"], default="md", help="json or md (default)")
    p.add_argument("--out", metavar="FILE", help="write it to a new file instead of stdout")
    p.set_defaults(func=cmd_compliance_report)

    audit = groups.add_parser("audit", help="verify and checkpoint the audit log")
    audit_cmds = audit.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = audit_cmds.add_parser(
        "verify", parents=[db_opt], help="re-walk the hash chain (exit 1 when it fails)"
    )
    p.add_argument(
        "--checkpoint",
        metavar="FILE.json",
        help="also check against a checkpoint saved by `juno audit checkpoint --out`",
    )
    p.add_argument(
        "--since",
        metavar="NOTE",
        help="also check that the log extends an older signed checkpoint (a file written "
        "by `juno audit sign --out`): its signature, origin and a consistency proof",
    )
    p.add_argument(
        "--key",
        metavar="VKEY",
        help="the verifier key for --since (default: the public half of AUDIT_SIGNING_KEY)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_audit_verify)
    p = audit_cmds.add_parser("keygen", help="make a new Ed25519 key for signing checkpoints")
    p.add_argument("name", metavar="NAME", help="the key's name, e.g. juno.example.com/audit")
    p.add_argument("--out", metavar="FILE", help="write the signing key to a new file (mode 600)")
    p.set_defaults(func=cmd_audit_keygen)
    p = audit_cmds.add_parser(
        "sign",
        parents=[db_opt],
        help="sign a checkpoint with AUDIT_SIGNING_KEY (C2SP signed note) and print or save it",
    )
    p.add_argument("--out", metavar="NOTE", help="write it to a new file instead of stdout")
    p.set_defaults(func=cmd_audit_sign)
    p = audit_cmds.add_parser(
        "export",
        parents=[db_opt],
        help="write the log, signed checkpoints and proofs as JSON lines",
    )
    p.add_argument("--out", metavar="FILE.jsonl", required=True, help="the file to write")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_audit_export)
    p = audit_cmds.add_parser(
        "checkpoint", parents=[db_opt], help="record a checkpoint and print or save it"
    )
    p.add_argument("--out", metavar="FILE.json", help="write it to a new file instead of stdout")
    p.set_defaults(func=cmd_audit_checkpoint)

    ev = groups.add_parser(
        "eval", help="measure the engines on real Jira data, and the learning on a simulated year"
    )
    ev_cmds = ev.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = ev_cmds.add_parser(
        "sprint-risk",
        help="train and test the sprint-risk models per project (TSE2017 / Porru8 files)",
    )
    p.add_argument("--iterations", required=True, metavar="FILE.csv", help="sprint rows")
    p.add_argument(
        "--issues",
        metavar="FILE.csv",
        help="TSE2017 per-issue features, or Porru8 issues (with --memberships)",
    )
    p.add_argument(
        "--memberships",
        metavar="FILE.csv",
        help="Porru8 issue-sprint memberships: rebuild each sprint at the prediction time",
    )
    p.add_argument(
        "--protocol",
        choices=["paper-cv", "forward", "sprint-cv", "rolling"],
        default="paper-cv",
        help="paper-cv: the paper's interleaved 10-fold CV; forward: oldest 70%% → newest "
        "30%%; sprint-cv: 10 folds keeping a sprint's boards together; rolling: sprint by "
        "sprint in time order, retrained every 10 sprints (default paper-cv)",
    )
    p.add_argument(
        "--recalibration",
        choices=["none", "isotonic", "platt", "blend"],
        default="none",
        help="rolling only: recalibrate the delivery probabilities on earlier sprints' "
        "outcomes (default none; blend is the product's calibration)",
    )
    p.add_argument(
        "--plot",
        metavar="DIR",
        help="write SVG pictures into DIR: a reliability diagram per project and pooled, "
        "and under rolling the interval coverage",
    )
    p.add_argument(
        "--pred-time", type=int, default=30, metavar="PCT", help="prediction time, %% of sprint"
    )
    p.add_argument(
        "--delivered-ratio",
        type=float,
        default=0.8,
        metavar="X",
        help="delivered = at least X of the commitment (default 0.8)",
    )
    p.add_argument("--json", metavar="OUT.json", help="also write the full report here")
    p.set_defaults(func=cmd_eval_sprint_risk)
    p = ev_cmds.add_parser(
        "triage", help="replay issue histories through triage and score the proposals"
    )
    p.add_argument("--issues", required=True, metavar="FILE.csv", help="MSR2015 issues")
    p.add_argument("--events", required=True, metavar="FILE.csv", help="MSR2015 events")
    p.add_argument("--step-days", type=int, default=14, metavar="N", help="days between points")
    p.add_argument(
        "--horizon-days", type=int, default=30, metavar="N", help="days an outcome counts"
    )
    p.add_argument(
        "--assume-estimated",
        action="store_true",
        help="treat every ticket as estimated (the data has no creation-time estimates)",
    )
    p.add_argument("--json", metavar="OUT.json", help="also write the full report here")
    p.set_defaults(func=cmd_eval_triage)
    p = ev_cmds.add_parser(
        "learning",
        help="a simulated year with approvers who decide by hidden preferences: "
        "no learning vs JUNO vs the oracle",
    )
    p.add_argument(
        "--approvers",
        metavar="FILE.toml",
        help="the approvers and their hidden preferences (default: the shipped file; "
        "see --print-approvers)",
    )
    p.add_argument(
        "--print-approvers", action="store_true", help="print the shipped approvers file"
    )
    p.add_argument("--days", type=int, metavar="N", help="days to simulate (default: the file's)")
    p.add_argument("--teams", type=int, metavar="N", help="teams (default: the file's)")
    p.add_argument(
        "--arms",
        metavar="LIST",
        help="comma-separated arms among no_learning, juno, oracle (default: all three)",
    )
    p.add_argument("--plot", metavar="DIR", help="write learning.svg, the acceptance curves, into DIR")
    p.add_argument("--json", metavar="OUT.json", help="also write the full report here")
    p.set_defaults(func=cmd_eval_learning)

    p = groups.add_parser(
        "demo",
        parents=[db_opt],
        help="run the agent cycle over a simulated organisation (default juno-demo.db, recreated)",
    )
    p.add_argument(
        "--memory",
        action="store_true",
        help="instead, walk through the memory layer: seeded team memories, recall, learning",
    )
    p.add_argument(
        "--serve",
        action="store_true",
        help="then serve the demo database over HTTP (prints a token for each approver)",
    )
    _cli_web.add_serve_options(p)
    p.set_defaults(func=cmd_demo)
    _cli_agent.register(groups, db_opt)
    _cli_web.register(groups, db_opt)
    return parser


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def _configure_logs(level: str | None) -> None:
    """Sends the ``juno.*`` loggers to stderr at ``level`` (nothing when None)."""
    if not level:
        return
    if level not in ("debug", "info", "warning", "error"):
        _fail(f"JUNO_LOG_LEVEL: expected debug, info, warning or error, got {level!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("juno")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    from juno import log

    log.refresh_levels()


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logs(args.log_level)
    try:
        status: int = args.func(args)
    except (JunoError, _Failure) as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"{e.strerror or e}" + (f": {e.filename}" if e.filename else ""))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - a command-line tool prints, never a traceback
        _fail(f"unexpected {type(e).__name__}: {e}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
