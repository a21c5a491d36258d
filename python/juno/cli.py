"""The ``juno`` command-line tool.

::

    juno --version
    juno db init [--db PATH]
    juno db check [--db PATH] [--json]
    juno db backup DEST [--db PATH]
    juno memory stats [--db PATH] [--json]
    juno maintenance cleanup-memory [--db PATH]
    juno demo [--db PATH]

The database is ``--db PATH`` if given, else ``DATABASE_URL`` (``sqlite:///path.db``),
else ``juno.db`` in the current directory; other settings come from the environment as
for :meth:`juno.Juno.from_env`. Errors print ``juno: error: <message>`` and exit with
status 1 (2 for usage errors); a failed integrity check exits with 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from juno._juno import Juno, __version__
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


def cmd_demo(args: argparse.Namespace) -> int:
    from juno._demo import run_demo

    run_demo(args.db if args.db is not None else "juno-demo.db")
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

    db = groups.add_parser("db", help="create, check and back up the database")
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

    p = groups.add_parser(
        "demo",
        parents=[db_opt],
        help="build a seeded team memory (default juno-demo.db, recreated) and recall from it",
    )
    p.set_defaults(func=cmd_demo)
    return parser


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
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
