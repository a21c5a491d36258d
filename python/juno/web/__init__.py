"""``juno.web``: JUNO's HTTP face, a Flask extension.

One line mounts it in a host application::

    from flask import Flask
    import juno
    from juno.web import JunoWeb

    app = Flask(__name__)
    web = JunoWeb(app, juno=juno.Juno("juno.db"))

    @web.identity_loader
    def current_user() -> str | None:
        return flask_login.current_user.email if flask_login.current_user.is_authenticated else None

With an application factory, create the extension once and call :meth:`JunoWeb.init_app`
inside the factory; each application keeps its own state in ``app.extensions["juno"]``.

**Identity comes from the host.** The function registered with
:meth:`JunoWeb.identity_loader` returns the calling user (or ``None``). Standalone hosts
(``juno serve``) use API tokens instead: ``Authorization: Bearer <token>``, checked against
``JUNO_API_TOKENS``, which holds only the tokens' SHA-256 digests (:func:`hash_token`). With
neither a loader nor a token configured, every route but the health checks answers 401:
the API is never open by default. What a caller may then do is decided by the roles JUNO's
governance holds for them (the same checks the core makes for every decision).

Settings (``app.config``, all optional):

``JUNO_URL_PREFIX``
    where the routes are mounted (default ``""``: ``/health``, ``/api/v2/...``).
``JUNO_DATABASE``
    the database to open when no ``juno=`` engine is given (default: the environment's,
    as :meth:`juno.Juno.from_env` reads it).
``JUNO_API_TOKENS``
    ``{"sha256:<hex>": "user@company.com", ...}``: API tokens by digest (default none).
``JUNO_EXPLAIN_LEVEL``
    the default ``level`` of a request's explanation: ``basic``, ``detailed`` (default) or
    ``verbose``.
``JUNO_PAGE_LIMIT``
    the largest ``limit`` a list endpoint accepts (default 1000).
``JUNO_CYCLE_EXECUTOR`` / ``JUNO_CYCLE_SOURCE``
    what ``POST /api/v2/cycle`` passes to :meth:`juno.Agent.run_cycle` (default ``None``:
    no sync, and the recording executor, which writes nothing outside JUNO).
``JUNO_CACHE_SECONDS``
    how long the governance summary behind ``/status`` and ``/metrics`` is reused
    (default 2.0; 0 recomputes it on every call).
``JUNO_METRICS_PUBLIC``
    serve ``/api/v2/metrics`` without a caller, for a Prometheus scraper on a private
    network (default ``False``).
``JUNO_SLACK_SIGNING_SECRET``
    Slack's signing secret: enables ``POST /api/v2/slack/actions``, where Approve / Reject
    buttons in Slack messages land (default ``None``: the route answers 404). Slack user
    ids map to JUNO users through ``[notify.slack_users]`` in the engine's config.
``JUNO_SLACK_RESPONSE_URL_PREFIXES``
    where a click's answer may be posted (default ``("https://hooks.slack.com/",)``): the
    ``response_url`` Slack sends is checked against it, so a forged one cannot make the
    server call elsewhere.
``JUNO_RATE_LIMIT``
    requests a minute each caller (a user, however identified) may make to the API, in
    bursts of up to a minute's worth (default 1200; 0 turns it off). Past it the API answers
    429 with ``Retry-After``. Health checks are not counted. Each process of a multi-process
    server counts on its own.
``JUNO_MAX_BODY_BYTES``
    the largest request body an API route reads (default 1 MiB); a larger one is answered
    413 before it is parsed.
``JUNO_DASHBOARD``
    mount the governance dashboard at ``/dashboard/`` (default ``True``).
``JUNO_CSRF_KEY``
    the key of the dashboard forms' CSRF tokens (default: derived from ``SECRET_KEY``, else
    random per process). Token sign-in to the dashboard (standalone) needs ``SECRET_KEY``
    for its session cookie; a host that names users with its identity loader does not.

Errors are JSON, ``{"error": {"kind", "message", "field"?}}``, with a 4xx status for the
caller's mistakes (400 bad input, 401 no caller, 403 not allowed, 404 not found — an
unknown path under the API too —, 405 wrong method, 409 not now, 413 body too large, 415
not JSON, 429 too many requests) and never a traceback. The routes are described by :data:`juno.web.openapi.OPENAPI`,
served at ``/api/v2/openapi.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from juno.errors import ConfigError
from juno.web._state import DEFAULTS, WebState

if TYPE_CHECKING:
    from flask import Flask

    from juno._juno import Juno

__all__ = ["JunoWeb", "hash_token", "new_token", "DEFAULTS"]

#: A function that returns the calling user's name, or ``None`` when nobody is signed in.
IdentityLoader = Callable[[], "str | None"]
_F = TypeVar("_F", bound=Callable[[], "str | None"])

_TOKEN_PREFIX = "sha256:"


def hash_token(token: str) -> str:
    """The form in which ``JUNO_API_TOKENS`` keeps ``token``: ``sha256:<hex digest>``.

    Tokens are long random strings (:func:`new_token`), so a plain digest is enough: there
    is no password to guess, only a database of digests that must not yield the tokens.
    """
    return _TOKEN_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh API token and its digest: give the token to its user, keep the digest."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _json_misses(app: Flask, api: str) -> None:
    """Answers a path under the API that matches no route (an unknown path, an ``<int:id>``
    that is not a number, a method the route lacks) with the API's JSON error, as every
    route's own errors are. Paths outside the API keep the host's handling, including a
    404 or 405 handler the host registered before."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    from juno.web._views import _error

    handlers = app.error_handler_spec[None]
    for code in (404, 405):
        previous = dict(handlers.get(code, {}))

        def handler(e: HTTPException, previous: dict[Any, Any] = previous) -> Any:
            if request.path == api or request.path.startswith(api + "/"):
                status = e.code or 404
                kind = "not_found" if status == 404 else "method_not_allowed"
                message = (
                    f"no API route {request.path}"
                    if status == 404
                    else f"{request.method} is not allowed on {request.path}"
                )
                response = _error(status, kind, message)
                if status == 405 and e.get_response().headers.get("Allow"):
                    response.headers["Allow"] = e.get_response().headers["Allow"]
                return response
            for cls in type(e).__mro__:
                if cls in previous:
                    return previous[cls](e)
            return e

        app.register_error_handler(code, handler)


def _check_tokens(tokens: object) -> dict[str, str]:
    if not isinstance(tokens, Mapping):
        raise ConfigError(
            "JUNO_API_TOKENS must map token digests to users",
            details={"setting": "JUNO_API_TOKENS"},
        )
    checked: dict[str, str] = {}
    for digest, user in tokens.items():
        if not (
            isinstance(digest, str)
            and digest.startswith(_TOKEN_PREFIX)
            and len(digest) == len(_TOKEN_PREFIX) + 64
            and all(c in "0123456789abcdef" for c in digest[len(_TOKEN_PREFIX) :])
        ):
            raise ConfigError(
                "JUNO_API_TOKENS keys must be `sha256:<64 hex digits>` (see juno.web.hash_token);"
                " the tokens themselves are never stored",
                details={"setting": "JUNO_API_TOKENS"},
            )
        if not isinstance(user, str) or not user.strip():
            raise ConfigError(
                f"JUNO_API_TOKENS[{digest[:15]}…] must name a user",
                details={"setting": "JUNO_API_TOKENS"},
            )
        checked[digest] = user
    return checked


def _csrf_key(app: Flask) -> bytes:
    """The key the dashboard's CSRF tokens are made with: ``JUNO_CSRF_KEY``, else derived
    from the app's ``SECRET_KEY`` (so every worker process agrees), else random for this
    process (forms then go stale when it restarts, and a reload mends them)."""
    configured = app.config["JUNO_CSRF_KEY"] or app.secret_key
    if configured is None:
        if app.config["JUNO_DASHBOARD"]:
            app.logger.warning(
                "juno.web: no SECRET_KEY or JUNO_CSRF_KEY; the dashboard's form tokens are"
                " per process, so several worker processes will refuse each other's forms"
            )
        return secrets.token_bytes(32)
    raw = configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    return hmac.new(raw, b"juno.web csrf", hashlib.sha256).digest()


class JunoWeb:
    """The Flask extension: JUNO's API (and, later, its dashboard) in a host application.

    ``JunoWeb(app, juno=engine)`` mounts it at once; ``JunoWeb(juno=engine)`` followed by
    :meth:`init_app` suits application factories. ``juno`` is an open :class:`juno.Juno`
    (shared by every application the extension is initialised on) or ``None`` to open
    ``JUNO_DATABASE`` for each application. ``url_prefix`` overrides ``JUNO_URL_PREFIX``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        juno: Juno | None = None,
        url_prefix: str | None = None,
    ) -> None:
        self._juno = juno
        self._url_prefix = url_prefix
        self._identity_loader: IdentityLoader | None = None
        if app is not None:
            self.init_app(app)

    def identity_loader(self, loader: _F) -> _F:
        """Registers the function that names the calling user (a decorator).

        It runs inside each request and returns the user's name as JUNO's governance knows
        it (the name roles were assigned to), or ``None`` when nobody is signed in; the
        API then tries an API token, and answers 401 without one.
        """
        self._identity_loader = loader
        return loader

    @property
    def loader(self) -> IdentityLoader | None:
        """The registered identity loader, if any."""
        return self._identity_loader

    def init_app(self, app: Flask) -> None:
        """Mounts the routes on ``app`` and keeps its state in ``app.extensions["juno"]``.

        Raises :class:`juno.errors.ConfigError` for a malformed ``JUNO_API_TOKENS`` or
        ``JUNO_EXPLAIN_LEVEL``.
        """
        from juno.web._views import blueprint

        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        tokens = _check_tokens(app.config["JUNO_API_TOKENS"])
        level = app.config["JUNO_EXPLAIN_LEVEL"]
        if level not in ("basic", "detailed", "verbose"):
            raise ConfigError(
                "JUNO_EXPLAIN_LEVEL must be basic, detailed or verbose",
                details={"setting": "JUNO_EXPLAIN_LEVEL"},
            )
        juno = self._juno
        owned = False
        if juno is None:
            from juno._juno import Juno

            juno = Juno.from_env(path=app.config["JUNO_DATABASE"])
            owned = True
        app.extensions["juno"] = WebState(
            juno=juno, web=self, tokens=tokens, owns_juno=owned, csrf_key=_csrf_key(app)
        )
        prefix = self._url_prefix if self._url_prefix is not None else app.config["JUNO_URL_PREFIX"]
        app.register_blueprint(blueprint, url_prefix=prefix or None)
        _json_misses(app, f"{prefix or ''}/api/v2")
        if app.config["JUNO_DASHBOARD"]:
            from juno.web._dashboard import dashboard

            app.register_blueprint(dashboard, url_prefix=prefix or None)
