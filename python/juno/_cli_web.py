"""The web face's commands for ``juno`` (registered by :mod:`juno.cli`).

::

    juno serve [--host H] [--port P] [--threads N] [--tokens FILE] [--prefix /P]
    juno token add USER [--tokens FILE]
    juno token list [--tokens FILE]

``juno serve`` runs ``juno.web`` on the embedded database under waitress. API tokens come
from ``--tokens`` (default ``$JUNO_API_TOKENS_FILE``, else ``juno-tokens.json``), a file
of digests that ``juno token add`` maintains; with no token in it every route but the
health checks answers 401.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

DEFAULT_TOKENS = "juno-tokens.json"


def _tokens_path(args: argparse.Namespace) -> str:
    path: str | None = args.tokens
    return path or os.environ.get("JUNO_API_TOKENS_FILE") or DEFAULT_TOKENS


def cmd_serve(args: argparse.Namespace) -> int:
    from juno import cli
    from juno.web.standalone import create_app, read_tokens, serve

    tokens = read_tokens(_tokens_path(args))
    if not tokens:
        print(
            f"juno: no API tokens in {_tokens_path(args)}: every route but /health will answer"
            " 401 (add one with `juno token add USER`)",
            file=sys.stderr,
        )
    with cli._open(args, create=False) as j:
        app = create_app(j, tokens=tokens, url_prefix=args.prefix, rate_limit=args.rate_limit)
        serve(app, host=args.host, port=args.port, threads=args.threads)
    return 0


def cmd_token_add(args: argparse.Namespace) -> int:
    from juno.web.standalone import add_token

    path = _tokens_path(args)
    token = add_token(path, args.user)
    print(f"added a token for {args.user} to {path} (only its digest is stored); give it to them:")
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from juno.web.standalone import read_tokens

    tokens = read_tokens(_tokens_path(args))
    for digest, user in sorted(tokens.items(), key=lambda kv: (kv[1], kv[0])):
        print(f"{user}\t{digest[:19]}…")
    return 0


def add_serve_options(p: argparse.ArgumentParser) -> None:
    """The listening options ``serve`` and ``demo --serve`` share."""
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    p.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="N",
        help="API requests a minute per caller (default 1200; 0: no limit)",
    )


def register(groups: Any, db_opt: argparse.ArgumentParser) -> None:
    """Adds ``serve`` and ``token`` to ``juno``'s sub-command groups."""
    tokens_opt = argparse.ArgumentParser(add_help=False)
    tokens_opt.add_argument(
        "--tokens",
        metavar="FILE",
        help=f"API token digests (default $JUNO_API_TOKENS_FILE, else {DEFAULT_TOKENS})",
    )
    p = groups.add_parser(
        "serve", parents=[db_opt, tokens_opt], help="serve the HTTP API (waitress)"
    )
    add_serve_options(p)
    p.add_argument("--prefix", default="", help="mount the routes under this path")
    p.set_defaults(func=cmd_serve)

    token = groups.add_parser("token", help="API tokens for `juno serve`")
    token_cmds = token.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = token_cmds.add_parser(
        "add", parents=[tokens_opt], help="make a token for USER; prints it once"
    )
    p.add_argument("user", metavar="USER")
    p.set_defaults(func=cmd_token_add)
    p = token_cmds.add_parser("list", parents=[tokens_opt], help="who holds a token")
    p.set_defaults(func=cmd_token_list)
