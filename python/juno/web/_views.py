"""The routes of :class:`juno.web.JunoWeb`: health, status, metrics and ``/api/v2``.

Every view names its caller first (:func:`_caller`), checks the caller's scope against the
roles governance holds, and leaves every decision's own authorisation to the core: the
API adds no way around governance, it only refuses earlier.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, request, session
from werkzeug.exceptions import HTTPException

from juno._juno import ApprovalRequest, Juno
from juno.errors import JunoError, NotFoundError
from juno.web._state import LATENCY_BUCKETS, RateLimiter, WebState

blueprint = Blueprint("juno", __name__)

#: The HTTP status for each core error kind that is the caller's doing; others are 500.
STATUS_BY_KIND: dict[str, int] = {
    "invalid_input": 400,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "invalid_state": 409,
    "busy": 503,
}

_LEVELS = ("basic", "detailed", "verbose")
#: Roles that may run cycles from the API, when held for every team (``*``).
_CYCLE_ROLES = {"ADMIN", "DIRECTOR"}


class ApiError(Exception):
    """A refusal the API itself makes (no caller, a bad query parameter, …)."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        field: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.field = status, kind, message, field
        self.retry_after = retry_after


# ---------------------------------------------------------------------------------------
# Plumbing: state, JSON, errors, timing.


def _state() -> WebState:
    state: WebState = current_app.extensions["juno"]
    return state


def _juno() -> Juno:
    return _state().juno


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(body: object, status: int = 200) -> Response:
    # Our own encoder, not the host's JSON provider: datetimes as RFC 3339, records through
    # their `to_dict`, and the host's JSON settings left alone.
    text = json.dumps(body, default=_default, ensure_ascii=False, allow_nan=False)
    return Response(text, status=status, mimetype="application/json")


def _error(status: int, kind: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"kind": kind, "message": message}
    if field is not None:
        body["field"] = field
    response = _json({"error": body}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="juno"'
    return response


@blueprint.errorhandler(ApiError)
def _api_error(e: ApiError) -> Response:
    response = _error(e.status, e.kind, e.message, e.field)
    if e.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(e.retry_after)))
    return response


@blueprint.errorhandler(JunoError)
def _juno_error(e: JunoError) -> Response:
    status = STATUS_BY_KIND.get(e.kind, 500)
    if status >= 500 and e.kind != "busy":
        current_app.logger.error("juno: %s: %s", e.kind, e.message)
    field = e.details.get("field")
    return _error(status, e.kind, e.message, field if isinstance(field, str) else None)


@blueprint.errorhandler(HTTPException)
def _http_error(e: HTTPException) -> Response:
    status = e.code or 500
    kind = (e.name or "error").lower().replace(" ", "_")
    return _error(status, kind, e.description or kind)


@blueprint.errorhandler(Exception)
def _unexpected(e: Exception) -> Response:
    # A bug, not the caller's doing: logged with its traceback, answered without one.
    current_app.logger.exception("juno: unexpected error in %s", request.path)
    return _error(500, "internal", "internal error; the server log has the details")


@blueprint.before_request
def _start_timer() -> None:
    g.juno_started = time.perf_counter()


@blueprint.after_request
def _record_latency(response: Response) -> Response:
    observe(response)
    return response


def observe(response: Response) -> float | None:
    """Records this request's latency under its route (for both blueprints) and marks the
    response uncacheable; returns the seconds it took, if it was timed."""
    response.headers.setdefault("Cache-Control", "no-store")
    started = g.get("juno_started")
    if started is None:
        return None
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    elapsed: float = time.perf_counter() - started
    _state().observe(rule, request.method, response.status_code, elapsed)
    return elapsed


def user_for_token(token: str) -> str | None:
    """The user an API token belongs to. Every stored digest is compared in constant time,
    so timing tells nothing about near misses."""
    from juno.web import hash_token

    digest = hash_token(token)
    user = None
    for known, name in _state().tokens.items():
        if hmac.compare_digest(known, digest):
            user = name
    return user


# ---------------------------------------------------------------------------------------
# Input: one rule — a JSON object body, fields named in every refusal.


def _body() -> dict[str, Any]:
    """The request's JSON object. Every API POST must say `Content-Type: application/json`,
    even with an empty body: a cross-site HTML form cannot, so a host whose identity
    loader reads a session cookie is not open to forged posts (CSRF)."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json", "body")
    limit = int(current_app.config["JUNO_MAX_BODY_BYTES"])
    if (request.content_length or 0) > limit:
        raise ApiError(413, "payload_too_large", f"the body is over {limit} bytes", "body")
    raw = request.get_data(as_text=True)
    if not raw:
        return {}
    if len(raw.encode("utf-8", "surrogatepass")) > limit:
        raise ApiError(413, "payload_too_large", f"the body is over {limit} bytes", "body")
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ApiError(400, "invalid_input", f"the body is not JSON: {e}", "body") from None
    except RecursionError:
        raise ApiError(400, "invalid_input", "the body is nested too deeply", "body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_input", "the body must be a JSON object", "body")
    return data


def _text_field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_input", f"`{name}` is required: a non-empty string", name)
    return value


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_input", f"`{name}` must be an integer", name) from None
    if not low <= value <= high:
        raise ApiError(400, "invalid_input", f"`{name}` must be between {low} and {high}", name)
    return value


def _bool_arg(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() in ("1", "true", "yes", ""):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ApiError(400, "invalid_input", f"`{name}` must be true or false", name)


def _choice_arg(name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in choices:
        raise ApiError(400, "invalid_input", f"`{name}` must be one of {', '.join(choices)}", name)
    return value


def _limit() -> int:
    page_limit = int(current_app.config["JUNO_PAGE_LIMIT"])
    return _int_arg("limit", min(100, page_limit), 1, page_limit)


# ---------------------------------------------------------------------------------------
# Callers and their scope.


def _caller(*, required: bool = True, session_user: bool = False) -> str | None:
    """The calling user: the host's identity loader first, then an API token, then (for
    the dashboard only) the user a token sign-in put in the session."""
    if "juno_caller" in g:
        cached: str | None = g.juno_caller
        return cached
    state = _state()
    user: str | None = None
    loader = state.web.loader
    if loader is not None:
        user = loader()
    if user is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = user_for_token(token.strip())
    if user is None and session_user:
        signed_in = session.get("juno_user")
        user = signed_in if isinstance(signed_in, str) and signed_in in state.tokens.values() else None
    if user is not None and (not isinstance(user, str) or not user.strip()):
        raise TypeError("the identity loader must return a user name or None")
    g.juno_caller = user
    if user is None and required:
        raise ApiError(401, "unauthenticated", "sign in, or send `Authorization: Bearer <token>`")
    if user is not None:
        _spend(state, user)
    return user


def _spend(state: WebState, user: str) -> None:
    """Counts one request against ``user``'s rate limit (``JUNO_RATE_LIMIT``)."""
    if state.limiter is None:
        state.limiter = RateLimiter(int(current_app.config["JUNO_RATE_LIMIT"] or 0))
    wait = state.limiter.take(user, time.monotonic())
    if wait > 0:
        raise ApiError(
            429,
            "too_many_requests",
            f"more than {state.limiter.per_minute} requests a minute; retry in {wait:.1f} s",
            retry_after=wait,
        )


def _user() -> str:
    user = _caller()
    assert user is not None
    return user


def _teams(user: str) -> set[str]:
    """The teams ``user`` holds a role for or decides by delegation; ``*`` is every team."""
    gov = _juno().governance
    teams = {r.team for r in gov.roles(user)}
    teams.update(d.team for d in gov.delegations(user) if d.delegate == user)
    return teams


def _member() -> str:
    """The caller, who must hold some role (or delegation): the engine-wide figures are
    not for every token holder."""
    user = _user()
    if not _teams(user):
        raise ApiError(403, "permission_denied", f"`{user}` holds no role in JUNO")
    return user


def _check_team(user: str, team: str) -> None:
    teams = _teams(user)
    if "*" not in teams and team not in teams:
        raise ApiError(403, "permission_denied", f"`{user}` holds no role for team `{team}`", "team")


def _check_org_wide(user: str, roles: set[str] | None = None, what: str = "this") -> None:
    held = [r for r in _juno().governance.roles(user) if r.team == "*"]
    if not any(roles is None or r.role in roles for r in held):
        needed = " or ".join(sorted(roles)) if roles else "any role"
        raise ApiError(
            403, "permission_denied", f"{what} needs {needed} for every team (`*`); `{user}` holds none"
        )


def _request_in_scope(user: str, id: int) -> ApprovalRequest:
    """Request `id` if the caller's teams cover it. One outside them is "not found", as a
    missing one is: the answer tells nothing about requests the caller may not see."""
    missing = ApiError(404, "not_found", f"no request {id} in your teams", "id")
    try:
        req = _juno().governance.get(id)
    except NotFoundError:
        raise missing from None
    teams = _teams(user)
    if "*" not in teams and req.team not in teams:
        raise missing
    return req


# ---------------------------------------------------------------------------------------
# Health, status, metrics.


@blueprint.get("/health")
@blueprint.get("/api/v2/health")
def health() -> Response:
    """Liveness: the process answers and the engine is open. Needs no caller."""
    j = _juno()
    ok = not j.closed
    return _json({"status": "ok" if ok else "closed", "version": j.version}, 200 if ok else 503)


@blueprint.get("/api/v2/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of these routes, under this mount's prefix. Needs no caller."""
    from juno.web.openapi import document

    mount = request.path[: -len("/api/v2/openapi.json")]
    return _json(document(mount))


def _summary() -> dict[str, Any]:
    """The governance summary, reused for ``JUNO_CACHE_SECONDS``: it reads every request."""
    state = _state()
    max_age = float(current_app.config["JUNO_CACHE_SECONDS"])

    def compute() -> dict[str, Any]:
        j = state.juno
        dash = j.governance.dashboard().to_dict()
        cycles = j.agent.cycles(1)
        dash["last_cycle"] = (
            {k: cycles[0].get(k) for k in ("cycle", "now", "dry_run")} if cycles else None
        )
        dash["as_of"] = j.now()
        return dash

    summary: dict[str, Any] = state.cached("summary", max_age, compute)
    return summary


@blueprint.get("/api/v2/status")
def status() -> Response:
    """The engine at a glance: version, clock, queue, audit, last cycle."""
    _member()
    j = _juno()
    s = _summary()
    pending = sum(n for teams in s["pending"].values() for n in teams.values())
    return _json({
        "status": "ok" if s["audit_ok"] else "degraded",
        "version": j.version,
        "database": j.path,
        "now": j.now(),
        "pending": pending,
        "overdue": s["overdue"],
        "audit": {"ok": s["audit_ok"], "entries": s["audit_entries"]},
        "last_cycle": s["last_cycle"],
        "as_of": s["as_of"],
    })  # fmt: skip


@blueprint.get("/api/v2/components/status")
def components_status() -> Response:
    """Each component's health: store, audit, forecast model, agent, sources. The integrity
    check and the audit walk read the whole database, so the answer is reused for
    15 × ``JUNO_CACHE_SECONDS`` (30 s by default)."""
    _member()
    max_age = 15 * float(current_app.config["JUNO_CACHE_SECONDS"])
    report: dict[str, Any] = _state().cached("components", max_age, _components)
    return _json(report)


def _components() -> dict[str, Any]:
    j = _juno()
    integrity = j.check()
    verify = j.audit.verify()
    model = j.forecast.model()
    cycles = j.agent.cycles(1)
    last = cycles[0] if cycles else None
    sources: dict[str, Any] = {}
    if last is not None and isinstance(last.get("sync"), dict):
        name = last["sync"].get("source")
        if isinstance(name, str):
            sources[name] = j.source.state(name)
    components = {
        "store": {"ok": integrity.ok, "schema_version": integrity.schema_version,
                  "size_bytes": integrity.size_bytes, "journal_mode": integrity.journal_mode,
                  "messages": integrity.messages},
        "audit": {"ok": verify.ok, "entries": len(j.audit)},
        "forecast": {"ok": True, "model_version": None if model is None else model.version,
                     "model_versions": j.forecast.model_versions()},
        "agent": {"ok": True, "last_cycle": None if last is None else
                  {k: last.get(k) for k in ("cycle", "now", "dry_run")}},
        "sources": sources,
    }  # fmt: skip
    ok = bool(integrity.ok and verify.ok)
    return {"status": "ok" if ok else "degraded", "components": components, "as_of": j.now()}


def _metric_lines() -> list[str]:
    state = _state()
    j = state.juno
    s = _summary()
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    def label(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    family("juno_cycles_total", "counter", "Agent cycles run on this database.")
    cycle = s["last_cycle"]["cycle"] if s["last_cycle"] else 0
    lines.append(f"juno_cycles_total {int(cycle or 0)}")

    family("juno_requests", "gauge", "Approval requests (proposals) by status.")
    for st, n in sorted(s["by_status"].items()):
        lines.append(f'juno_requests{{status="{label(st)}"}} {n}')

    family("juno_queue_depth", "gauge", "Pending requests by approver role and team.")
    for role, teams in sorted(s["pending"].items()):
        for team, n in sorted(teams.items()):
            lines.append(f'juno_queue_depth{{role="{label(role)}",team="{label(team)}"}} {n}')

    family("juno_overdue_requests", "gauge", "Pending requests past their deadline.")
    lines.append(f"juno_overdue_requests {s['overdue']}")

    family("juno_decisions_total", "counter", "Decisions in the audit log by event and role.")
    for (event, role), n in sorted(_decisions(state, j).items()):
        lines.append(f'juno_decisions_total{{event="{label(event)}",role="{label(role)}"}} {n}')

    family("juno_llm_wordings_total", "counter", "Wordings by source (model, cache, template).")
    usage = j.llm.usage()
    for u in usage:
        lines.append(f'juno_llm_wordings_total{{source="{label(u["source"])}"}} {u["calls"]}')
    family("juno_llm_tokens_total", "counter", "Language-model tokens spent, by kind.")
    for kind in ("prompt", "completion"):
        n = sum(u[f"{kind}_tokens"] for u in usage)
        lines.append(f'juno_llm_tokens_total{{kind="{kind}"}} {n}')
    family("juno_llm_cost_total", "counter", "Language-model cost at the configured prices.")
    lines.append(f"juno_llm_cost_total {sum(u['cost'] for u in usage):.6f}")

    family("juno_audit_entries", "gauge", "Entries in the audit log.")
    lines.append(f"juno_audit_entries {s['audit_entries']}")
    family("juno_audit_ok", "gauge", "1 when the audit chain verifies.")
    lines.append(f"juno_audit_ok {1 if s['audit_ok'] else 0}")

    family(
        "juno_http_request_duration_seconds", "histogram", "Latency of JUNO's HTTP routes."
    )
    for (rule, method, code), hist in state.latency():
        labels = f'route="{label(rule)}",method="{method}",status="{code}"'
        running = 0
        for bound, n in zip(LATENCY_BUCKETS, hist.buckets):
            running += n
            lines.append(f'juno_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {running}')
        lines.append(
            f'juno_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {hist.count}'
        )
        lines.append(f"juno_http_request_duration_seconds_sum{{{labels}}} {hist.total:.6f}")
        lines.append(f"juno_http_request_duration_seconds_count{{{labels}}} {hist.count}")
    return lines


_DECISION_EVENTS = (
    "request_approved", "request_auto_approved", "request_rejected", "request_escalated",
    "request_expired", "request_executed", "request_voted",
)  # fmt: skip


def _decisions(state: WebState, j: Juno) -> dict[tuple[str, str], int]:
    """Decisions by (event, role), counting only audit entries not counted before."""
    with state.decisions_lock:
        d = state.decisions
        while True:
            page = j.audit.entries(d.seen + 1, 1000)
            if not page:
                break
            for e in page:
                if e.event in _DECISION_EVENTS:
                    payload = e.payload
                    role = payload.get("role") if isinstance(payload, dict) else None
                    d.by_role[(e.event, role if isinstance(role, str) else "none")] += 1
            d.seen = page[-1].seq
        return dict(d.by_role)


@blueprint.get("/api/v2/metrics")
def metrics() -> Response:
    """Prometheus text exposition (format 0.0.4)."""
    if not current_app.config["JUNO_METRICS_PUBLIC"]:
        _member()
    text = "\n".join(_metric_lines()) + "\n"
    return Response(text, mimetype="text/plain; version=0.0.4; charset=utf-8")


# ---------------------------------------------------------------------------------------
# Governance.


@blueprint.get("/api/v2/governance/status")
def governance_status() -> Response:
    """The governance dashboard's numbers (fresh, not cached)."""
    _member()
    return _json(_juno().governance.dashboard().to_dict())


def _request_view(req: ApprovalRequest, level: str, wording: bool = False) -> dict[str, Any]:
    view = req.to_dict()
    view.setdefault("team", req.team)
    text = req.explanation
    if level == "basic":
        view["explanation"] = text.strip().split("\n", 1)[0]
    if wording:
        # A person-friendly paragraph: a model's, checked, or the template (`source` says).
        view["wording"] = _juno().llm.word(
            text, decision=req.status, quoted=[str(req.action.get("target") or "")]
        )
    if level == "verbose":
        j = _juno()
        view["votes"] = [v.to_dict() for v in j.governance.votes(req.id)]
        view["audit"] = [e.to_dict() for e in j.audit.entries_for(f"request:{req.id}")]
        view["execution"] = j.executor.record(req.id)
    return view


@blueprint.get("/api/v2/governance/pending")
def governance_pending() -> Response:
    """Pending requests of the caller's teams, oldest first (``role``, ``team``,
    ``offset``, ``limit``): one page, read as a page from the store."""
    user = _user()
    role = request.args.get("role")
    team = request.args.get("team")
    if team is not None:
        _check_team(user, team)
    limit = _limit()
    offset = _int_arg("offset", 0, 0, 2**62)
    level = _choice_arg("level", _LEVELS, "basic")
    teams = _teams(user)
    scope = [team] if team is not None else None if "*" in teams else sorted(teams)
    if scope == []:
        return _json({"total": 0, "offset": offset, "requests": []})
    total, page = _juno().governance.pending_page(role, scope, offset, limit)
    return _json({
        "total": total,
        "offset": offset,
        "requests": [_request_view(r, level) for r in page],
    })  # fmt: skip


@blueprint.get("/api/v2/governance/requests/<int:id>")
def governance_request(id: int) -> Response:
    """One request: the action, its digest, the explanation at ``level``."""
    user = _user()
    level = _choice_arg("level", _LEVELS, current_app.config["JUNO_EXPLAIN_LEVEL"])
    return _json(_request_view(_request_in_scope(user, id), level, _bool_arg("wording")))


@blueprint.post("/api/v2/governance/approve/<int:id>")
def governance_approve(id: int) -> Response:
    """Approves request ``id`` as the caller; ``{"digest"}`` binds it to the action seen."""
    user = _user()
    body = _body()
    digest = _text_field(body, "digest")
    return _json(_juno().governance.approve(id, user, digest).to_dict())


@blueprint.post("/api/v2/governance/reject/<int:id>")
def governance_reject(id: int) -> Response:
    """Rejects request ``id`` as the caller; ``{"reason"}`` is required."""
    user = _user()
    reason = _text_field(_body(), "reason")
    return _json(_juno().governance.reject(id, user, reason).to_dict())


@blueprint.post("/api/v2/governance/escalate/<int:id>")
def governance_escalate(id: int) -> Response:
    """Escalates request ``id`` to the next role as the caller; ``{"reason"}`` is required."""
    user = _user()
    reason = _text_field(_body(), "reason")
    return _json(_juno().governance.escalate(id, user, reason).to_dict())


@blueprint.get("/api/v2/governance/audit")
def governance_audit() -> Response:
    """Audit entries (``from``, ``limit``), and on request the chain's verification
    (``verify``), the signed checkpoints (``checkpoints``) and an inclusion proof
    (``proof`` = entry, ``size`` = tree size). Needs a role for every team."""
    user = _user()
    _check_org_wide(user, what="reading the audit log")
    j = _juno()
    first = _int_arg("from", 1, 1, 2**62)
    entries = j.audit.entries(first, _limit())
    body: dict[str, Any] = {"size": len(j.audit), "entries": [e.to_dict() for e in entries]}
    if _bool_arg("verify"):
        body["verification"] = j.audit.verify().to_dict()
    if _bool_arg("checkpoints"):
        body["checkpoints"] = [c.to_dict() for c in j.audit.signed_checkpoints()]
    if "proof" in request.args:
        seq = _int_arg("proof", 1, 1, 2**62)
        size = _int_arg("size", len(j.audit), 1, 2**62)
        body["proof"] = j.audit.inclusion_proof(seq, size).to_dict()
    elif "size" in request.args:
        raise ApiError(400, "invalid_input", "`size` goes with `proof`", "size")
    return _json(body)


# ---------------------------------------------------------------------------------------
# Memory.


@blueprint.get("/api/v2/memory/search")
def memory_search() -> Response:
    """Recall: ``q`` (text), ``team`` (required unless the caller's role covers every
    team), ``kind`` (repeatable), ``limit``."""
    user = _user()
    team = request.args.get("team")
    if team is None:
        _check_org_wide(user, what="searching every team's memories")
    else:
        _check_team(user, team)
    kinds = request.args.getlist("kind")
    hits = _juno().memory.recall(
        request.args.get("q") or None, team=team, kinds=kinds, limit=_limit()
    )
    return _json({"hits": [h.to_dict() for h in hits]})


@blueprint.post("/api/v2/memory/store")
def memory_store() -> Response:
    """Stores one memory given in the core's JSON shape (``kind``, ``scope.team``, ``text``…)."""
    user = _user()
    body = _body()
    scope = body.get("scope")
    team = scope.get("team") if isinstance(scope, dict) else None
    if not isinstance(team, str) or not team:
        raise ApiError(400, "invalid_input", "`scope.team` is required: the memory's team", "scope.team")
    _check_team(user, team)
    memory = _juno().memory.store_json(json.dumps(body))
    return _json(memory.to_dict(), 201)


# ---------------------------------------------------------------------------------------
# Engines over the stored data.


def _team_sprints(team: str) -> list[dict[str, Any]]:
    snapshot = _juno().source.snapshot()
    if team not in snapshot.get("teams", []):
        raise NotFoundError(f"no team `{team}` is stored", details={"field": "team"})
    return [s for s in snapshot.get("sprints", []) if s.get("team") == team]


@blueprint.get("/api/v2/risks/forecast/<sprint>")
def risk_forecast(sprint: str) -> Response:
    """The newest cycle's forecast of active sprint ``sprint``, with its drivers."""
    user = _user()
    for cycle in _juno().agent.cycles(_int_arg("cycles", 10, 1, 100)):
        for risk in cycle.get("risks", []):
            if risk.get("sprint") == sprint:
                _check_team(user, risk["team"])
                return _json({"cycle": cycle.get("cycle"), "now": cycle.get("now"), **risk})
    raise NotFoundError(f"no recent cycle forecast sprint `{sprint}`", details={"field": "sprint"})


@blueprint.get("/api/v2/velocity/<team>")
def velocity(team: str) -> Response:
    """Velocity of ``team``'s finished sprints, as stored."""
    user = _user()
    _check_team(user, team)
    sprints = _team_sprints(team)
    return _json(_juno().velocity.analyze(sprints).to_dict())


@blueprint.get("/api/v2/triage/stale/<team>")
def triage_stale(team: str) -> Response:
    """Stale-ticket proposals for ``team``'s open tickets, most urgent first (not submitted)."""
    user = _user()
    _check_team(user, team)
    j = _juno()
    _team_sprints(team)
    tickets = [t for t in j.source.snapshot().get("tickets", []) if t.get("team") == team]
    proposals = j.triage.scan(tickets, {"max_proposals": _limit()})
    return _json({"team": team, "proposals": [p.to_dict() for p in proposals]})


# ---------------------------------------------------------------------------------------
# The cycle.


@blueprint.post("/api/v2/cycle")
def cycle() -> Response:
    """Runs one agent cycle (``{"dry_run": true}`` to preview). Needs ADMIN or DIRECTOR for
    every team; what the cycle then does is governed as always."""
    user = _user()
    _check_org_wide(user, _CYCLE_ROLES, "running a cycle")
    body = _body()
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ApiError(400, "invalid_input", "`dry_run` must be true or false", "dry_run")
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise ApiError(400, "invalid_input", "`options` must be an object", "options")
    config = current_app.config
    report = _juno().agent.run_cycle(
        source=config["JUNO_CYCLE_SOURCE"],
        executor=config["JUNO_CYCLE_EXECUTOR"],
        options=options,
        dry_run=dry_run,
    )
    return _json(report)


# ---------------------------------------------------------------------------------------
# Chat approvals: Slack's interactive buttons.

#: How old a Slack request may be (seconds): older ones are refused as possible replays.
SLACK_MAX_AGE = 300


def _slack_verified() -> bytes:
    """The raw body, once Slack's signature over it checks out (else 401)."""
    secret = current_app.config["JUNO_SLACK_SIGNING_SECRET"]
    if not secret:
        raise ApiError(404, "not_found", "Slack approvals are not configured on this server")
    raw = request.get_data(cache=True)
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    sent = request.headers.get("X-Slack-Signature", "")
    try:
        age = abs(time.time() - int(stamp))
    except ValueError:
        raise ApiError(401, "unauthenticated", "no valid X-Slack-Request-Timestamp") from None
    if age > SLACK_MAX_AGE:
        raise ApiError(401, "unauthenticated", "the Slack request is too old (replayed?)")
    base = b"v0:" + stamp.encode("ascii") + b":" + raw
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    want = "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want.encode(), sent.encode("utf-8", "replace")):
        raise ApiError(401, "unauthenticated", "the Slack signature does not match")
    return raw


def _slack_reply(payload: Mapping[str, Any], text: str, *, replace: bool) -> Response:
    """Answers the click: posted to Slack's `response_url` (allowed prefixes only) and
    returned as the response body."""
    body = {"response_type": "ephemeral", "replace_original": replace, "text": text}
    url = payload.get("response_url")
    allowed = current_app.config["JUNO_SLACK_RESPONSE_URL_PREFIXES"]
    if isinstance(url, str) and any(url.startswith(p) for p in allowed):
        # Slack wants the click acknowledged within 3 s: answer now, post after.
        data = json.dumps(body).encode("utf-8")
        logger = current_app.logger

        def post() -> None:
            req = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
            try:
                with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310 - prefix-checked
                    r.read()
            except OSError as e:
                logger.warning("juno: Slack response_url failed: %s", e)

        threading.Thread(target=post, name="juno-slack-reply", daemon=True).start()
    return _json(body)


@blueprint.post("/api/v2/slack/actions")
def slack_actions() -> Response:
    """Slack's interactive buttons (``juno_approve`` / ``juno_reject``): the request is
    verified with Slack's signing secret, the Slack user mapped to a JUNO user
    (``[notify.slack_users]``), and the decision made through governance as that user —
    a button approves nothing by itself."""
    _slack_verified()
    raw_payload = request.form.get("payload")
    if raw_payload is None:
        raise ApiError(400, "invalid_input", "`payload` is required (Slack's form field)", "payload")
    try:
        payload = json.loads(raw_payload)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_input", "`payload` is not JSON", "payload") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_input", "`payload` must be a JSON object", "payload")
    actions = payload.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    if not isinstance(action, dict):
        raise ApiError(400, "invalid_input", "`payload.actions` must hold the clicked button",
                       "payload.actions")  # fmt: skip
    action_id = action.get("action_id")
    if action_id not in ("juno_approve", "juno_reject"):
        raise ApiError(400, "invalid_input", "not a JUNO decision button", "payload.actions[0].action_id")
    value = action.get("value")
    id_text, _, digest = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not id_text.isdigit() or not digest:
        raise ApiError(400, "invalid_input", "the button's value must be `<id>:<digest>`",
                       "payload.actions[0].value")  # fmt: skip
    slack_user = payload.get("user", {}).get("id") if isinstance(payload.get("user"), dict) else None
    if not isinstance(slack_user, str) or not slack_user:
        raise ApiError(400, "invalid_input", "`payload.user.id` is required", "payload.user.id")
    j = _juno()
    user = j.notify.slack_user(slack_user)
    if user is None:
        return _slack_reply(payload, "Your Slack account is not linked to a JUNO user; nothing"
                            " was decided.", replace=False)  # fmt: skip
    rid = int(id_text)
    try:
        if action_id == "juno_approve":
            req = j.governance.approve(rid, user, digest)
        else:
            req = j.governance.reject(rid, user, "rejected from Slack")
    except JunoError as e:
        # The core refused (and audited the attempt): tell only the person who clicked.
        return _slack_reply(payload, f"Not decided: {e.message}", replace=False)
    verb = "approved" if req.status in ("approved", "auto_approved") else req.status
    return _slack_reply(payload, f"Request #{rid} {verb} by {user}.", replace=True)


__all__ = ["blueprint", "STATUS_BY_KIND", "ApiError"]
