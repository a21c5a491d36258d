"""``juno serve``: the web face on its own, under a production WSGI server (waitress).

:func:`create_app` builds the Flask application a standalone server runs;
:func:`read_tokens` / :func:`add_token` keep the API tokens file, which holds only
digests (``{"sha256:<hex>": "user", ...}``, written with mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from juno.errors import ConfigError

if TYPE_CHECKING:
    from flask import Flask

    from juno._juno import Juno

__all__ = ["create_app", "read_tokens", "add_token", "serve"]


def read_tokens(path: str | os.PathLike[str]) -> dict[str, str]:
    """The token digests in ``path``; a missing file is no tokens, a malformed one an error."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ConfigError(f"{p}: not JSON ({e})", details={"setting": "JUNO_API_TOKENS"}) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a JSON object of digest → user",
                          details={"setting": "JUNO_API_TOKENS"})  # fmt: skip
    return {str(k): v for k, v in data.items()}


def add_token(path: str | os.PathLike[str], user: str) -> str:
    """Adds a new token for ``user`` to the file at ``path`` and returns the token.

    Only its digest is written; the token itself is shown once, to give to its user.
    """
    from juno.web import hash_token, new_token

    if not user.strip():
        raise ConfigError("the token's user must not be empty", details={"setting": "user"})
    tokens = read_tokens(path)
    token, digest = new_token()
    assert hash_token(token) == digest
    tokens[digest] = user
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(tokens, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, p)
    return token


def create_app(
    juno: Juno,
    *,
    tokens: Mapping[str, str] | None = None,
    url_prefix: str = "",
    rate_limit: int | None = None,
) -> Flask:
    """A Flask application serving ``juno`` with API tokens (digest → user);
    ``rate_limit`` is ``JUNO_RATE_LIMIT`` (requests a minute per caller; ``None`` keeps the
    default, 0 turns it off)."""
    from flask import Flask

    from juno.web import JunoWeb

    app = Flask("juno.web")
    # The dashboard's token sign-in keeps the user in a signed session cookie. One process
    # serves, so a key made now is enough: sessions end when it restarts.
    app.secret_key = os.environ.get("JUNO_SECRET_KEY") or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["JUNO_API_TOKENS"] = dict(tokens or {})
    if rate_limit is not None:
        app.config["JUNO_RATE_LIMIT"] = rate_limit
    JunoWeb(app, juno=juno, url_prefix=url_prefix)
    return app


def serve(app: Flask, *, host: str = "127.0.0.1", port: int = 5000, threads: int = 8) -> None:
    """Serves ``app`` with waitress until interrupted (not Flask's development server)."""
    try:
        import waitress
    except ImportError:
        raise ConfigError(
            "`juno serve` needs waitress: pip install 'juno-engine[web]'",
            details={"setting": "web"},
        ) from None
    print(f"juno: serving on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="juno")
