"""The governance dashboard: server-rendered HTML under ``/dashboard/``.

Pages show what the caller's roles reach: the requests they may decide (with the
explanation and the exact writes behind each), sprint risk, velocity and flow, stale work,
the last cycles and the audit chain. Buttons appear only where the caller may decide, and
every form carries a CSRF token bound to the signed-in user; the decision itself still goes
through the core's governance, which refuses whatever the page should not have offered.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from juno._juno import ApprovalRequest
from juno.errors import JunoError
from juno.web import _views as api
from juno.web._charts import velocity_svg

dashboard = Blueprint("juno_dashboard", __name__, template_folder="templates")

#: Approver ranks, as the core ranks them (``governance::rank``): a role decides requests
#: at its rank or below. Used only to decide which buttons to show.
_RANK = {"TEAM_LEAD": 1, "PROJECT_MANAGER": 2, "ENGINEERING_MANAGER": 3, "DIRECTOR": 4}
_DECISIONS = ("approve", "reject", "escalate")
#: How many pending requests the overview reads per page (per role it can decide, and of
#: the rest).
SCAN = 200


class PageError(Exception):
    """A refusal shown as a page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _csrf_token(user: str) -> str:
    key: bytes = api._state().csrf_key
    return hmac.new(key, user.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_csrf(user: str) -> None:
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), _csrf_token(user).encode()):
        raise PageError(403, "The form's security token is missing or stale; reload the page.")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    user = g.get("juno_caller")
    html = render_template(
        template,
        user=user,
        csrf=_csrf_token(user) if user else "",
        can_sign_out="juno_user" in session,
        **context,
    )
    return Response(html, status=status, mimetype="text/html")


@dashboard.errorhandler(PageError)
def _page_error(e: PageError) -> Response:
    return _page("juno/error.html", e.status, message=e.message)


@dashboard.errorhandler(api.ApiError)
def _api_error(e: api.ApiError) -> Response:
    return _page("juno/error.html", e.status, message=e.message)


@dashboard.errorhandler(JunoError)
def _juno_error(e: JunoError) -> Response:
    status = api.STATUS_BY_KIND.get(e.kind, 500)
    if status >= 500:
        current_app.logger.error("juno: %s: %s", e.kind, e.message)
        return _page("juno/error.html", status, message="Internal error; see the server log.")
    return _page("juno/error.html", status, message=e.message)


@dashboard.errorhandler(HTTPException)
def _http_error(e: HTTPException) -> Response:
    return _page("juno/error.html", e.code or 500, message=e.description or "error")


@dashboard.errorhandler(Exception)
def _unexpected(e: Exception) -> Response:
    current_app.logger.exception("juno: unexpected error in %s", request.path)
    return _page("juno/error.html", 500, message="Internal error; see the server log.")


@dashboard.before_request
def _start() -> BaseResponse | None:
    g.juno_started = time.perf_counter()
    if request.endpoint in ("juno_dashboard.login", "juno_dashboard.static"):
        return None
    if api._caller(required=False, session_user=True) is None:
        if api._state().tokens:
            return redirect(url_for("juno_dashboard.login", next=request.full_path))
        raise PageError(401, "Sign in to the host application first.")
    return None


@dashboard.after_request
def _finish(response: Response) -> Response:
    elapsed = api.observe(response)
    if elapsed is not None:
        response.headers["Server-Timing"] = f"app;dur={elapsed * 1000:.1f}"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "script-src 'none'; frame-ancestors 'none'")  # fmt: skip
    return response


def _may_decide(user: str, req: ApprovalRequest, roles: list[tuple[str, str]],
                delegators: dict[str, list[tuple[str, str]]]) -> bool:  # fmt: skip
    """Whether to offer ``user`` the buttons for ``req`` (the core decides for real)."""
    if req.status != "pending" or req.requester == user:
        return False
    needed = _RANK.get(req.role, 99)

    def reaches(held: list[tuple[str, str]]) -> bool:
        return any(t in ("*", req.team) and _RANK.get(r, 0) >= needed for r, t in held)

    if reaches(roles):
        return True
    own = any(t in ("*", req.team) and r in _RANK for r, t in roles)
    return own and any(
        d != req.requester and reaches(held)
        for d, held in delegators.items()
        if req.team in {t for _, t in held} | {"*"}
    )


def _decider(user: str) -> Any:
    gov = api._juno().governance
    roles = [(r.role, r.team) for r in gov.roles(user)]
    delegators: dict[str, list[tuple[str, str]]] = {}
    for d in gov.delegations(user):
        if d.delegate == user:
            held = [(r.role, r.team) for r in gov.roles(d.delegator) if r.team in ("*", d.team)]
            # One delegator may have delegated several teams: keep each.
            delegators.setdefault(d.delegator, []).extend((r, d.team) for r, _ in held)
    return lambda req: _may_decide(user, req, roles, delegators)


@dashboard.get("/dashboard/")
def index() -> Response:
    """The overview: your queue, risk, velocity and flow, stale work, cycles, audit."""
    user = api._user()
    j = api._juno()
    teams = api._teams(user)
    every = "*" in teams
    may = _decider(user)
    scope = None if every else sorted(teams)
    # Pages, not the whole queue: per role the caller can decide (so their own queue is
    # never hidden behind older requests at other roles), then the oldest of the rest.
    reach = max((_RANK.get(r.role, 0) for r in j.governance.roles(user)), default=0)
    if any(d.delegate == user for d in j.governance.delegations(user)):
        reach = max(_RANK.values())
    mine_by_id: dict[int, ApprovalRequest] = {}
    mine_total = 0
    for role, rank in _RANK.items():
        if rank > reach or (scope is not None and not scope):
            continue
        total, page = j.governance.pending_page(role, scope, 0, SCAN)
        hits = [r for r in page if may(r)]
        mine_total += total - (len(page) - len(hits))
        mine_by_id.update((r.id, r) for r in hits)
    mine = [mine_by_id[k] for k in sorted(mine_by_id)]
    in_scope, oldest = j.governance.pending_page(None, scope, 0, SCAN) if scope != [] else (0, [])
    others = [r for r in oldest if r.id not in mine_by_id and not may(r)]
    cycles = j.agent.cycles(5)
    last = cycles[0] if cycles else None
    risks = [r for r in (last or {}).get("risks", []) if every or r["team"] in teams]
    flow = [t for t in (last or {}).get("teams", []) if every or t["team"] in teams]
    snapshot = j.source.snapshot() if last is not None else {"sprints": [], "tickets": []}
    charts = []
    for t in sorted({r["team"] for r in flow}):
        sprints = [s for s in snapshot.get("sprints", []) if s.get("team") == t]
        charts.append((t, velocity_svg(t, sprints)))
    shown_teams = {t for t, _ in charts}
    tickets = [t for t in snapshot.get("tickets", []) if t.get("team") in shown_teams]
    stale = j.triage.scan(tickets, {"max_proposals": 10}) if tickets else []
    summary = api._summary()
    return _page(
        "juno/dashboard.html",
        mine=mine[:50], mine_total=mine_total, others=others[:20],
        others_total=max(in_scope - mine_total, len(others)), in_scope=in_scope,
        risks=risks, flow=flow, charts=charts, stale=stale, cycles=cycles, summary=summary,
        message=request.args.get("done"),
    )  # fmt: skip


@dashboard.get("/dashboard/requests/<int:id>")
def request_page(id: int) -> Response:
    """One request: action, writes, explanation, votes and its audit trail."""
    user = api._user()
    req = api._request_in_scope(user, id)
    j = api._juno()
    wording = None
    if j.llm.configured:
        wording = j.llm.word(req.explanation, decision=req.status,
                             quoted=[str(req.action.get("target") or "")])  # fmt: skip
    return _page(
        "juno/request.html",
        req=req,
        wording=wording,
        may=_decider(user)(req),
        votes=j.governance.votes(id),
        trail=j.audit.entries_for(f"request:{id}"),
        execution=j.executor.record(id),
        message=request.args.get("done"),
    )


@dashboard.post("/dashboard/requests/<int:id>/decide")
def decide(id: int) -> BaseResponse:
    """A decision from the page's form: CSRF-checked, then the core decides."""
    user = api._user()
    _check_csrf(user)
    decision = request.form.get("decision", "")
    if decision not in _DECISIONS:
        raise PageError(400, "decision: choose approve, reject or escalate.")
    gov = api._juno().governance
    if decision == "approve":
        digest = request.form.get("digest", "")
        if not digest:
            raise PageError(400, "digest: the form lost the action's digest; reload the page.")
        gov.approve(id, user, digest)
    else:
        reason = request.form.get("reason", "").strip()
        if not reason:
            raise PageError(400, f"reason: say why you {decision} this request.")
        if decision == "reject":
            gov.reject(id, user, reason)
        else:
            gov.escalate(id, user, reason)
    done = {"approve": "approved", "reject": "rejected", "escalate": "escalated"}[decision]
    return redirect(url_for("juno_dashboard.request_page", id=id, done=done), 303)


@dashboard.route("/dashboard/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    """Standalone sign-in with an API token; a host application signs people in itself."""
    state = api._state()
    if not state.tokens:
        raise PageError(404, "This server has no API tokens; sign in to the host application.")
    target = request.values.get("next") or url_for("juno_dashboard.index")
    # Only a path on this site: not `//host`, not `/\host` (browsers read it as `//`),
    # nothing with a scheme or control characters.
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\\\r\n\t")
    ):
        target = url_for("juno_dashboard.index")
    error = None
    if request.method == "POST":
        if not current_app.secret_key:
            raise PageError(500, "Token sign-in needs the application's SECRET_KEY.")
        token = request.form.get("token", "").strip()
        user = api.user_for_token(token) if token else None
        if user is not None:
            session["juno_user"] = user
            return redirect(target, 303)
        error = "That token is not valid here."
    return _page("juno/login.html", 401 if error else 200, error=error, next=target)


@dashboard.post("/dashboard/logout")
def logout() -> BaseResponse:
    """Ends a token sign-in."""
    user = api._user()
    _check_csrf(user)
    session.pop("juno_user", None)
    return redirect(url_for("juno_dashboard.login"), 303)
