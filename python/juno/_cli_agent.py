"""The agent cycle's commands for ``juno`` (registered by :mod:`juno.cli`).

::

    juno sync (--sim | --jira | --export FILE) [--json]
    juno cycle [--sim | --jira | --export FILE] [--dry-run] [--options JSON] [--json]
    juno agent run [--sim | --jira | --export FILE] [--interval MINUTES] [--max-cycles N]
    juno governance show ID [--level LEVEL] [--json]
    juno governance approve|reject|escalate ID --user USER [--reason TEXT]
    juno action revert ID --by USER [--json]
    juno model retrain [--json]
    juno data validate [--json]
    juno notify collect | deliver [--limit N] | outbox [--status S]

Jira comes from the environment: ``JIRA_URL``, ``JIRA_USERNAME`` (the account email on
Cloud), ``JIRA_API_TOKEN``, ``JIRA_PROJECTS`` (comma-separated keys), ``JIRA_FLAVOR``
(``cloud`` or ``server``) and ``JIRA_ACCOUNT_ID`` (the account JUNO writes as). Without
``--jira`` a cycle executes through the recording executor, which writes nothing outside
JUNO.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from juno._juno import ExportSource, JiraExecutor, JiraSource, Juno, SimSource


def _cli() -> Any:
    from juno import cli

    return cli


def _source(args: argparse.Namespace) -> SimSource | JiraSource | ExportSource | None:
    if getattr(args, "jira", False):
        return JiraSource()
    export: str | None = getattr(args, "export", None)
    if export:
        return ExportSource(export)
    if getattr(args, "sim", False):
        settings: dict[str, Any] = {}
        if args.seed is not None:
            settings["seed"] = args.seed
        if args.teams is not None:
            settings["teams"] = args.teams
        return SimSource(settings)
    return None


def _options(args: argparse.Namespace) -> dict[str, Any]:
    raw: str | None = getattr(args, "options", None)
    if not raw:
        return {}
    text = raw
    if raw.startswith("@"):
        with open(raw[1:], encoding="utf-8") as f:
            text = f.read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise _cli()._Failure(f"--options is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise _cli()._Failure("--options must be a JSON object")
    return value


def _bar_wanted(args: argparse.Namespace) -> bool:
    """A progress bar on stderr: with --progress, else only on a terminal and without --json."""
    return bool(getattr(args, "progress", False)) or (not args.json and sys.stderr.isatty())


def _sync_text(p: dict[str, Any]) -> str:
    """One sync progress event as text: a bar when the total is known, else a count."""
    if p["done"]:
        return f"stored {p['count']} items"
    noun = {"issues": "issues", "changelogs": "histories", "sprints": "sprints"}.get(
        p["phase"], p["phase"]
    )
    total = p["total"]
    if total:
        filled = min(20, p["count"] * 20 // total)
        return f"[{'#' * filled}{'.' * (20 - filled)}] {p['count']}/{total} {noun}"
    return f"{p['count']} {noun} fetched"


def _progress_bar(enabled: bool) -> Callable[[dict[str, Any]], None] | None:
    """A cycle's one-line progress bar on stderr: its stage, and during observe how far
    the sync has got."""
    if not enabled:
        return None

    def draw(p: dict[str, Any]) -> None:
        filled = p["step"] - (0 if p["done"] else 1)
        bar = "#" * (filled * 4) + "." * ((p["of"] - filled) * 4)
        if p["done"]:
            state = f"{p['millis']:.0f} ms"
        elif p.get("sync"):
            state = _sync_text(p["sync"])
        else:
            state = "…"
        end = "\n" if p["done"] and p["step"] == p["of"] else ""
        sys.stderr.write(
            f"\r[{bar}] {p['step']}/{p['of']} {p['stage']:<8} {state:<40}{end}"
        )
        sys.stderr.flush()

    return draw


def _sync_bar(enabled: bool) -> Callable[[dict[str, Any]], None] | None:
    """A sync's one-line progress bar on stderr, redrawn per page fetched."""
    if not enabled:
        return None

    def draw(p: dict[str, Any]) -> None:
        end = "\n" if p["done"] else ""
        sys.stderr.write(f"\rsync: {_sync_text(p):<48}{end}")
        sys.stderr.flush()

    return draw


def _print_sync(report: dict[str, Any]) -> None:
    stored = report["stored"]
    since = report["since"] or "the beginning (a first, full sync)"
    print(f"synced {report['source']} as of {report['now']}, changes since {since}")
    print(
        f"stored {stored['teams']} teams, {stored['people']} people, {stored['tickets']} tickets,"
        f" {stored['sprints']} finished sprints, {stored['active']} active sprints"
        f" ({report['millis']:.0f} ms)"
    )


def cmd_sync(args: argparse.Namespace) -> int:
    source = _source(args)
    if source is None:
        raise _cli()._Failure("name a source: --sim, --jira or --export FILE")
    with _cli()._open(args, create=True) as j:
        report = j.source.sync(source, progress=_sync_bar(_bar_wanted(args)))
    if args.json:
        _cli()._print_json(report)
    else:
        _print_sync(report)
    return 0


def _print_cycle(r: dict[str, Any]) -> None:
    cli = _cli()
    kind = "dry run" if r["dry_run"] else f"cycle {r['cycle']}"
    seen = r["seen"]
    print(f"{kind} as of {r['now']}: {seen['teams']} teams, {seen['open_tickets']} open tickets,"
          f" {seen['active_sprints']} active sprints")  # fmt: skip
    if r["risks"]:
        print()
        cli._table(
            ["team", "sprint", "P(≥80%)", "level", "basis", "drivers"],
            [[x["team"], x["sprint"], f"{x['p_deliver_80']:.2f}", x["level"], x["basis"],
              ", ".join(x["drivers"]) or "—"] for x in r["risks"]],
        )  # fmt: skip
    if r["proposals"]:
        print()
        cli._table(
            ["request", "kind", "target", "team", "impact", "conf", "status"],
            [[str(p["request_id"] or "—"), p["kind"], p["target"], p["team"], p["impact"],
              f"{p['confidence']:.2f}",
              p["status"] if p["waits_for"] is None else f"waits for {p['waits_for']}"]
             for p in r["proposals"]],
        )  # fmt: skip
    verb = "would execute" if r["dry_run"] else "executed"
    print()
    print(f"proposed {len(r['proposals'])}, not repeated {len(r['skipped'])}, {verb}"
          f" {len(r['executed'])}, held {len(r['held'])}, failed {len(r['failed'])}")  # fmt: skip
    for e in r["executed"]:
        for w in e["writes"]:
            print(f"  {verb}: {_describe(w)}")
    for h in r["held"]:
        print(f"  held #{h['request_id']}: {h['detail'].get('held')}")
    for f in r["failed"]:
        print(f"  failed #{f['request_id']}: {f['detail'].get('error')}")
    learned = r["learned"]
    if learned["outcomes"] or learned["sprints_recorded"]:
        print(f"learned {len(learned['outcomes'])} decisions, {learned['sprints_recorded']}"
              " finished sprints"
              + (f", trained model v{learned['retrained_version']}"
                 if learned["retrained_version"] else ""))  # fmt: skip
    if r["waiting"]:
        print("waiting: " + ", ".join(f"{role} {n}" for role, n in r["waiting"].items()))


def _describe(w: dict[str, Any]) -> str:
    from juno._demo import _describe as describe

    return describe(w)


def _run_cycle(j: Juno, args: argparse.Namespace, dry_run: bool) -> dict[str, Any]:
    executor = JiraExecutor() if args.jira else None
    progress = _progress_bar(_bar_wanted(args))
    return j.agent.run_cycle(
        source=_source(args),
        executor=executor,
        options=_options(args),
        dry_run=dry_run,
        progress=progress,
    )


def cmd_cycle(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=True) as j:
        report = _run_cycle(j, args, args.dry_run)
    if args.json:
        _cli()._print_json(report)
    else:
        if not args.jira:
            print("(recording executor: nothing is written outside JUNO; --jira writes to Jira)")
        _print_cycle(report)
    return 0


class _Stop:
    """Set by SIGTERM/SIGINT: the scheduler finishes what it is doing, then exits."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: str | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name
        self.event.set()


def _deliver(j: Juno) -> None:
    """Sends due notifications; a chat service's failure is printed, never raised."""
    report = j.notify.deliver(100)
    if report["sent"] or report["retrying"] or report["dead"]:
        print(f"notifications: sent {report['sent']}, retrying {report['retrying']},"
              f" dead {report['dead']}", flush=True)  # fmt: skip
    for error in report["errors"][:5]:
        print(f"  {error}", flush=True)


def _notify_loop(j: Juno, stop: threading.Event) -> None:
    """Every 30 s until `stop`: queue the notices for what happened (escalations and
    reminders happen between cycles too), then send what is due."""
    while not stop.is_set():
        try:
            j.notify.collect()
            _deliver(j)
        except Exception as e:  # noqa: BLE001 - a failing sender must not end the scheduler
            print(f"notifications: {type(e).__name__}: {e}", flush=True)
        stop.wait(30.0)


def cmd_notify_collect(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        c = j.notify.collect()
    print(f"read {c['read']} audit entries (up to #{c['cursor']}); queued {c['queued']} messages")
    return 0


def cmd_notify_deliver(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        report = j.notify.deliver(args.limit)
    if args.json:
        _cli()._print_json(report)
    else:
        print(f"sent {report['sent']}, retrying {report['retrying']}, dead {report['dead']},"
              f" still pending {report['pending']}")  # fmt: skip
        for error in report["errors"]:
            print(f"  {error}")
    return 0


def cmd_notify_outbox(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        rows = j.notify.outbox(args.status, args.limit)
    if args.json:
        _cli()._print_json(rows)
        return 0
    _cli()._table(
        ["id", "channel", "kind", "subject", "status", "attempts", "last error"],
        [[str(m["id"]), m["channel"], m["kind"], m["subject"], m["status"], str(m["attempts"]),
          (m["last_error"] or "")[:60]] for m in rows],
    )  # fmt: skip
    return 0


def cmd_agent_run(args: argparse.Namespace) -> int:
    """Cycles every ``--interval`` minutes, deadlines every minute, memory cleanup when due.

    A second scheduler on the same database never runs a cycle at the same time: the
    cycle's lease refuses it, and this loop reports and waits for the next tick.
    """
    from juno.errors import InvalidStateError

    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    interval = args.interval * 60.0
    cycles = 0
    next_cycle = time.monotonic()
    next_deadlines = time.monotonic()
    with _cli()._open(args, create=True) as j:
        print(f"juno agent: a cycle every {args.interval:g} min, deadlines every minute;"
              " SIGTERM or Ctrl-C stops", flush=True)  # fmt: skip
        # Notifications go out from their own thread: a slow or failing chat service never
        # holds up a cycle or the deadlines.
        sender = threading.Thread(target=_notify_loop, args=(j, stop.event), daemon=True,
                                  name="juno-notify")  # fmt: skip
        sender.start()
        while not stop.event.is_set():
            now = time.monotonic()
            if now >= next_deadlines:
                d = j.governance.process_deadlines()
                if d.escalated or d.expired:
                    print(f"deadlines: escalated {len(d.escalated)}, expired {len(d.expired)}",
                          flush=True)  # fmt: skip
                cleaned = j.memory.cleanup_if_due()
                if cleaned:
                    print(f"memory cleanup: {cleaned} expired memories removed", flush=True)
                next_deadlines = now + 60.0
            if now >= next_cycle:
                try:
                    r = _run_cycle(j, args, False)
                    cycles += 1
                    print(f"cycle {r['cycle']}: proposed {len(r['proposals'])}, executed"
                          f" {len(r['executed'])}, held {len(r['held'])}, failed"
                          f" {len(r['failed'])}", flush=True)  # fmt: skip
                except InvalidStateError as e:
                    print(f"cycle skipped: {e}", flush=True)
                next_cycle = now + interval
                if args.max_cycles is not None and cycles >= args.max_cycles:
                    break
            stop.event.wait(max(0.0, min(next_cycle, next_deadlines) - time.monotonic()))
        # `--max-cycles` ends the loop without a signal: stop the sender too, and let it
        # finish what it is sending before the engine closes.
        why = f" ({stop.signal})" if stop.signal else ""
        stop.event.set()
        sender.join()
    print(f"juno agent: stopped after {cycles} cycles{why}", flush=True)
    return 0


def cmd_governance_show(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        r = j.governance.get(args.id)
        record = j.executor.record(args.id)
    if args.json:
        _cli()._print_json({"request": r.to_dict(), "execution": record})
        return 0
    print(f"request #{r.id}: {r.action['kind']} on {r.action.get('target') or '—'} for {r.team}")
    print(f"status {r.status}, waits for {r.role}" if r.status == "pending" else f"status {r.status}")
    print(f"impact {r.impact}, confidence {r.confidence:.2f}, requested by {r.requester}")
    print(f"digest {r.digest}")
    if r.deadline:
        print(f"deadline {_cli()._when(r.deadline)}")
    if r.decided_by:
        by = r.decided_by + (f" for {r.on_behalf_of}" if r.on_behalf_of else "")
        print(f"decided by {by}" + (f": {r.reason}" if r.reason else ""))
    writes = r.action.get("parameters", {}).get("writes") or []
    if writes:
        print("writes:")
        for w in writes:
            print(f"  {_describe(w)}")
    print()
    print(r.explanation)
    if record:
        print()
        print(f"executed through the {record['executor']} executor at {record['done_at']}"
              + (f"; reverted by #{record['reverted_by']}" if record["reverted_by"] else ""))  # fmt: skip
    return 0


def cmd_governance_decide(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        if args.decision == "approve":
            # The digest the approver saw (`juno governance show`), when given: an action
            # changed since then is not approved.
            digest = args.digest or j.governance.get(args.id).digest
            r = j.governance.approve(args.id, args.user, digest)
        elif args.decision == "break-glass":
            digest = args.digest or j.governance.get(args.id).digest
            r = j.governance.break_glass(args.id, args.user, digest, args.reason)
        elif args.decision == "reject":
            r = j.governance.reject(args.id, args.user, args.reason or "")
        else:
            r = j.governance.escalate(args.id, args.user, args.reason or "")
    if args.json:
        _cli()._print_json(r.to_dict())
    else:
        print(f"request #{r.id} is {r.status}" + (f", waits for {r.role}" if r.status == "pending" else ""))
    return 0


def cmd_action_revert(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        r = j.executor.propose_revert(args.id, args.by)
    if args.json:
        _cli()._print_json(r.to_dict())
    else:
        print(f"revert request #{r.id} for #{args.id} waits for {r.role};"
              " the next cycle executes it once approved")  # fmt: skip
    return 0


def cmd_model_retrain(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        report = j.forecast.retrain()
    if args.json:
        _cli()._print_json(report.to_dict())
    elif report.trained and report.model is not None:
        ev = report.model.evaluation
        print(f"trained model v{report.model.version} on {report.observations} sprints;"
              f" forward evaluation: {json.dumps(ev, sort_keys=True)}")  # fmt: skip
    else:
        print(f"no model trained ({report.observations} sprints): {report.reason}")
    return 0


def cmd_data_validate(args: argparse.Namespace) -> int:
    with _cli()._open(args, create=False) as j:
        report = j.source.validate()
    if args.json:
        _cli()._print_json(report)
    else:
        c = report["counts"]
        print(f"stored: {c['teams']} teams, {c['tickets']} tickets, {c['sprints']} finished"
              f" sprints, {c['active']} active sprints")  # fmt: skip
        if not report["findings"]:
            print("nothing missing or odd")
        for f in report["findings"]:
            print(f"{f['severity']}: {f['check']} ({f['count']}): {f['message']}")
            print(f"    e.g. {', '.join(f['examples'])}")
    return 1 if any(f["severity"] == "error" for f in report["findings"]) else 0


def _source_options(p: argparse.ArgumentParser, required: bool) -> None:
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--sim", action="store_true", help="the seeded simulated organisation")
    g.add_argument("--jira", action="store_true", help="Jira, from JIRA_* in the environment")
    g.add_argument("--export", metavar="FILE", help="a Jira export (.json or .csv)")
    p.add_argument("--seed", type=int, help="with --sim: the seed (7)")
    p.add_argument("--teams", type=int, help="with --sim: how many teams (3)")


def _progress_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action="store_true",
        help="draw the progress bar on stderr even when it is not a terminal",
    )


def register(groups: Any, db_opt: argparse.ArgumentParser) -> None:
    """Adds the commands to ``juno``'s sub-command groups."""
    p = groups.add_parser("sync", parents=[db_opt], help="pull a source into the store")
    _source_options(p, required=True)
    p.add_argument("--json", action="store_true", help="print the sync report as JSON")
    _progress_option(p)
    p.set_defaults(func=cmd_sync)

    p = groups.add_parser(
        "cycle", parents=[db_opt], help="run one agent cycle (sync, analyse, propose, act, learn)"
    )
    _source_options(p, required=False)
    p.add_argument("--dry-run", action="store_true", help="show the exact writes; make none")
    p.add_argument("--options", metavar="JSON", help="cycle options as JSON, or @FILE")
    p.add_argument("--json", action="store_true", help="print the cycle report as JSON")
    _progress_option(p)
    p.set_defaults(func=cmd_cycle)

    notify = groups.add_parser("notify", help="Slack and Teams notifications (the outbox)")
    notify_cmds = notify.add_subparsers(dest="cmd", metavar="COMMAND", required=True)
    p = notify_cmds.add_parser(
        "collect", parents=[db_opt], help="queue notices for what the audit log recorded since"
    )
    p.set_defaults(func=cmd_notify_collect)
    p = notify_cmds.add_parser("deliver", parents=[db_opt], help="send due messages")
    p.add_argument("--limit", type=int, default=100, help="at most this many (1-1000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notify_deliver)
    p = notify_cmds.add_parser("outbox", parents=[db_opt], help="queued messages, newest first")
    p.add_argument("--status", choices=["pending", "sent", "dead"])
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notify_outbox)

    agent = groups.add_parser("agent", help="the scheduler")
    agent_cmds = agent.add_subparsers(dest="cmd", metavar="COMMAND", required=True)
    p = agent_cmds.add_parser(
        "run", parents=[db_opt], help="cycles every N minutes until SIGTERM or Ctrl-C"
    )
    _source_options(p, required=False)
    p.add_argument("--interval", type=float, default=15.0, metavar="MINUTES",
                   help="minutes between cycles (15)")  # fmt: skip
    p.add_argument("--max-cycles", type=int, metavar="N", help="stop after N cycles")
    p.add_argument("--options", metavar="JSON", help="cycle options as JSON, or @FILE")
    p.set_defaults(func=cmd_agent_run, json=False, dry_run=False)

    action = groups.add_parser("action", help="executed actions")
    action_cmds = action.add_subparsers(dest="cmd", metavar="COMMAND", required=True)
    p = action_cmds.add_parser(
        "revert", parents=[db_opt], help="propose undoing an executed request (through governance)"
    )
    p.add_argument("id", type=int)
    p.add_argument("--by", required=True, metavar="USER", help="who asks")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_action_revert)

    model = groups.add_parser("model", help="the sprint-risk model")
    model_cmds = model.add_subparsers(dest="cmd", metavar="COMMAND", required=True)
    p = model_cmds.add_parser("retrain", parents=[db_opt], help="train a new model version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_model_retrain)

    data = groups.add_parser("data", help="the synced data")
    data_cmds = data.add_subparsers(dest="cmd", metavar="COMMAND", required=True)
    p = data_cmds.add_parser(
        "validate", parents=[db_opt], help="what is missing or odd (exit 1 on an error)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_data_validate)


def register_governance(gov_cmds: Any, db_opt: argparse.ArgumentParser) -> None:
    """Adds ``show``, ``approve``, ``reject``, ``escalate`` and ``break-glass`` to
    ``juno governance``."""
    p = gov_cmds.add_parser("show", parents=[db_opt], help="one request: action, writes, why")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_governance_show)
    for decision, help_text in (
        ("approve", "approve a request (its current digest)"),
        ("reject", "reject a request"),
        ("escalate", "move a request to the next role now"),
        ("break-glass", "approve outside the chain (ENGINEERING_MANAGER or DIRECTOR; audited)"),
    ):
        p = gov_cmds.add_parser(decision, parents=[db_opt], help=help_text)
        p.add_argument("id", type=int)
        p.add_argument("--user", required=True, help="who decides")
        p.add_argument("--reason", help="why" + (" (required)" if decision != "approve" else ""),
                       required=decision != "approve")  # fmt: skip
        if decision in ("approve", "break-glass"):
            p.add_argument("--digest", help="the action digest you reviewed (from `show`)")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_governance_decide, decision=decision)
