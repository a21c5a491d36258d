"""``juno.web``: the Flask extension's routes, callers and refusals, the OpenAPI document
against the routes, and ``juno serve`` as a real server on 127.0.0.1.

The engine is a real SQLite file holding a small simulated organisation after one cycle;
approvals go through the core's governance, so every refusal here is the core's or the
API's own, never a mock's.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest

import juno
from juno.errors import ConfigError
from juno.web import JunoWeb, hash_token, new_token
from juno.web.openapi import PATHS

SIM = {"teams": 2, "sprints": 8, "backlog_per_team": 12}
OPTIONS = {"triage": {"max_proposals": 50}}

#: One token per user, made once; the app knows only their digests.
USERS = ("lead.alpha", "lead.beta", "director", "nobody")
TOKENS = {user: new_token() for user in USERS}


def _auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user][0]}"}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[juno.Juno]:
    """A simulated organisation after one cycle, with team leads and a director."""
    sim = juno.SimSource(SIM)
    path = tmp_path_factory.mktemp("web") / "juno.db"
    with juno.Juno(path, now=sim.end) as j:
        j.governance.assign_role("lead.alpha", "TEAM_LEAD", ["alpha"], by="admin")
        j.governance.assign_role("lead.beta", "TEAM_LEAD", ["beta"], by="admin")
        j.governance.assign_role("director", "DIRECTOR", ["*"], by="admin")
        report = j.agent.run_cycle(source=sim, options=OPTIONS)
        assert report["proposals"], "the organisation has stale work to propose on"
        yield j


def _app(j: juno.Juno, **config: Any) -> flask.Flask:
    app = flask.Flask("host")
    app.config["JUNO_API_TOKENS"] = {digest: user for user, (_, digest) in TOKENS.items()}
    app.config.update(config)
    JunoWeb(app, juno=j)
    return app


@pytest.fixture
def client(org: juno.Juno) -> Any:
    return _app(org).test_client()


def _pending_of(j: juno.Juno, team: str) -> juno.ApprovalRequest:
    waiting = [r for r in j.governance.pending(team=team) if r.role == "TEAM_LEAD"]
    assert waiting, f"team {team} has a request waiting for its lead"
    return waiting[0]


def _error(response: Any, status: int, kind: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()["error"]
    assert body["kind"] == kind
    assert "Traceback" not in body["message"]
    if field is not None:
        assert body["field"] == field
    return body


# --- callers ---------------------------------------------------------------------------


def _routes(app: flask.Flask, blueprint: str = "juno.") -> list[tuple[str, str]]:
    """Every (path, method) the blueprint mounted, with sample path arguments."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(blueprint):
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        path = re.sub(r"<\w+>", "alpha", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((path, method))
    return out


def test_with_no_loader_and_no_token_everything_but_health_is_denied(org: juno.Juno) -> None:
    app = flask.Flask("bare")
    JunoWeb(app, juno=org)
    client = app.test_client()
    routes = _routes(app)
    assert len(routes) == len(PATHS)
    for path, method in routes:
        response = client.open(path, method=method, json={})
        if path in ("/health", "/api/v2/health", "/api/v2/openapi.json"):
            assert response.status_code == 200, path
        elif path == "/api/v2/slack/actions":
            _error(response, 404, "not_found")  # no signing secret: Slack is not set up
        else:
            _error(response, 401, "unauthenticated")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # The dashboard too: no page for nobody, and no sign-in page without tokens.
    pages = _routes(app, "juno_dashboard.")
    assert len(pages) == 6
    for path, method in pages:
        response = client.open(path, method=method, data={})
        assert response.status_code == (404 if path.endswith("/login") else 401), path
        assert response.mimetype == "text/html"


def test_tokens_name_the_caller_and_only_their_digests_are_kept(client: Any) -> None:
    assert client.get("/api/v2/status", headers=_auth("director")).status_code == 200
    _error(client.get("/api/v2/status", headers={"Authorization": "Bearer wrong"}), 401,
           "unauthenticated")  # fmt: skip
    _error(client.get("/api/v2/status", headers={"Authorization": TOKENS["director"][0]}), 401,
           "unauthenticated")  # fmt: skip
    token, digest = TOKENS["director"]
    assert digest == hash_token(token) and token not in digest


def test_malformed_token_settings_are_refused_when_the_app_starts(org: juno.Juno) -> None:
    for bad in ({"plain-token": "ana"}, {hash_token("t"): ""}, ["sha256:00"]):
        app = flask.Flask("bad")
        app.config["JUNO_API_TOKENS"] = bad
        with pytest.raises(ConfigError) as e:
            JunoWeb(app, juno=org)
        assert e.value.details["setting"] == "JUNO_API_TOKENS"
    app = flask.Flask("bad")
    app.config["JUNO_EXPLAIN_LEVEL"] = "loud"
    with pytest.raises(ConfigError):
        JunoWeb(app, juno=org)


def test_the_host_names_the_caller_with_an_identity_loader(org: juno.Juno) -> None:
    # An application factory: one extension, initialised per app, state kept per app.
    web = JunoWeb(juno=org)

    @web.identity_loader
    def user() -> str | None:
        return flask.request.headers.get("X-User")

    def create_app(prefix: str) -> flask.Flask:
        app = flask.Flask("factory")
        app.config["JUNO_URL_PREFIX"] = prefix
        web.init_app(app)
        return app

    a, b = create_app("/juno"), create_app("")
    assert a.extensions["juno"] is not b.extensions["juno"]
    ca = a.test_client()
    assert ca.get("/juno/api/v2/status", headers={"X-User": "director"}).status_code == 200
    _error(ca.get("/juno/api/v2/status"), 401, "unauthenticated")
    assert ca.get("/api/v2/status").status_code == 404
    assert b.test_client().get("/api/v2/status", headers={"X-User": "lead.beta"}).status_code == 200
    doc = ca.get("/juno/api/v2/openapi.json").get_json()
    assert "/juno/api/v2/status" in doc["paths"]


def test_a_broken_loader_is_a_500_without_a_traceback(org: juno.Juno) -> None:
    app = flask.Flask("broken")
    web = JunoWeb(app, juno=org)

    @web.identity_loader
    def user() -> str | None:
        raise RuntimeError("session store down")

    body = _error(app.test_client().get("/api/v2/status"), 500, "internal")
    assert "session store" not in body["message"]


# --- status, metrics, OpenAPI ------------------------------------------------------------


def test_status_and_components(client: Any, org: juno.Juno) -> None:
    status = client.get("/api/v2/status", headers=_auth("lead.alpha")).get_json()
    assert status["status"] == "ok" and status["version"] == org.version
    assert status["pending"] == len(org.governance.pending())
    assert status["audit"] == {"ok": True, "entries": len(org.audit)}
    assert status["last_cycle"]["cycle"] == org.agent.cycles(1)[0]["cycle"]
    # A token holder without any role sees none of the engine's figures.
    for route in ("/api/v2/status", "/api/v2/components/status", "/api/v2/governance/status",
                  "/api/v2/metrics"):  # fmt: skip
        _error(client.get(route, headers=_auth("nobody")), 403, "permission_denied")
    comps = client.get("/api/v2/components/status", headers=_auth("lead.alpha")).get_json()
    assert comps["status"] == "ok"
    assert comps["components"]["store"]["ok"] and comps["components"]["audit"]["ok"]
    assert "sim:7" in comps["components"]["sources"]
    gov = client.get("/api/v2/governance/status", headers=_auth("lead.alpha")).get_json()
    dash = org.governance.dashboard()
    assert gov["pending"] == dash.pending and gov["by_status"] == dash.by_status
    assert gov["audit_ok"] is True and gov["audit_entries"] == dash.audit_entries


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def test_metrics_are_prometheus_text_and_count_decisions(org: juno.Juno) -> None:
    app = _app(org, JUNO_CACHE_SECONDS=0)
    client = app.test_client()
    before = _samples(client.get("/api/v2/metrics", headers=_auth("director")).get_data(as_text=True))
    request = _pending_of(org, "alpha")
    r = client.post(f"/api/v2/governance/approve/{request.id}", headers=_auth("lead.alpha"),
                    json={"digest": request.digest})  # fmt: skip
    assert r.status_code == 200
    response = client.get("/api/v2/metrics", headers=_auth("director"))
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    after = _samples(text)
    key = 'juno_decisions_total{event="request_approved",role="TEAM_LEAD"}'
    assert after[key] == before.get(key, 0) + 1
    assert after["juno_audit_entries"] == len(org.audit)
    assert after["juno_cycles_total"] >= 1
    assert "# TYPE juno_http_request_duration_seconds histogram" in text
    route = 'route="/api/v2/governance/approve/<int:id>",method="POST",status="200"'
    assert after[f"juno_http_request_duration_seconds_count{{{route}}}"] == 1
    assert after[f'juno_http_request_duration_seconds_bucket{{{route},le="+Inf"}}'] == 1
    # Every sample line is `name{labels} value` or `name value`.
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(r'[a-z_]+(\{[^}]*\})? [0-9.e+-]+', line), line
    _error(client.get("/api/v2/metrics"), 401, "unauthenticated")
    public = _app(org, JUNO_METRICS_PUBLIC=True).test_client()
    assert public.get("/api/v2/metrics").status_code == 200


def test_the_openapi_document_describes_exactly_the_routes(client: Any) -> None:
    doc = client.get("/api/v2/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    app = client.application
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("juno."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}
            )
    described = {p: set(ops) for p, ops in doc["paths"].items()}
    assert described == routes
    for path, ops in PATHS.items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path
            assert "200" in op["responses"] or "201" in op["responses"]


# --- governance ---------------------------------------------------------------------------


def test_pending_is_scoped_to_the_callers_teams(client: Any, org: juno.Juno) -> None:
    alpha = client.get("/api/v2/governance/pending?limit=1000", headers=_auth("lead.alpha")).get_json()
    assert alpha["total"] == len(org.governance.pending(team="alpha")) > 0
    assert {r["team"] for r in alpha["requests"]} == {"alpha"}
    everyone = client.get("/api/v2/governance/pending?limit=1000", headers=_auth("director")).get_json()
    assert everyone["total"] == len(org.governance.pending())
    assert client.get("/api/v2/governance/pending", headers=_auth("nobody")).get_json()["total"] == 0
    _error(client.get("/api/v2/governance/pending?team=beta", headers=_auth("lead.alpha")), 403,
           "permission_denied", "team")  # fmt: skip
    _error(client.get("/api/v2/governance/pending?limit=0", headers=_auth("director")), 400,
           "invalid_input", "limit")  # fmt: skip
    _error(client.get("/api/v2/governance/pending?limit=x", headers=_auth("director")), 400,
           "invalid_input", "limit")  # fmt: skip
    one = client.get("/api/v2/governance/pending?limit=1", headers=_auth("director")).get_json()
    assert len(one["requests"]) == 1 and one["total"] == everyone["total"]


def test_a_request_with_its_explanation_at_each_level(client: Any, org: juno.Juno) -> None:
    request = _pending_of(org, "alpha")
    url = f"/api/v2/governance/requests/{request.id}"
    detailed = client.get(url, headers=_auth("lead.alpha")).get_json()
    assert detailed["id"] == request.id and detailed["digest"] == request.digest
    assert detailed["action"] == request.action
    assert detailed["explanation"] == request.explanation
    basic = client.get(url + "?level=basic", headers=_auth("lead.alpha")).get_json()
    assert basic["explanation"] == request.explanation.strip().split("\n")[0]
    verbose = client.get(url + "?level=verbose", headers=_auth("lead.alpha")).get_json()
    assert verbose["audit"][0]["event"] == "request_submitted"
    assert verbose["votes"] == [] and verbose["execution"] is None
    _error(client.get(url + "?level=loud", headers=_auth("lead.alpha")), 400, "invalid_input", "level")
    # Another team's request is "not found", as a missing one is: nothing leaks.
    other = _error(client.get(url, headers=_auth("lead.beta")), 404, "not_found", "id")
    assert "alpha" not in other["message"]
    _error(client.get("/api/v2/governance/requests/999999", headers=_auth("director")), 404,
           "not_found")  # fmt: skip


def test_approve_goes_through_governance(client: Any, org: juno.Juno) -> None:
    request = _pending_of(org, "alpha")
    url = f"/api/v2/governance/approve/{request.id}"
    audit_before = len(org.audit)
    # Bad input: named, and nothing changes.
    _error(client.post(url, headers=_auth("lead.alpha"), json={}), 400, "invalid_input", "digest")
    _error(client.post(url, headers=_auth("lead.alpha"), json={"digest": 7}), 400, "invalid_input",
           "digest")  # fmt: skip
    _error(client.post(url, headers=_auth("lead.alpha"), data="{", content_type="application/json"),
           400, "invalid_input", "body")  # fmt: skip
    _error(client.post(url, headers=_auth("lead.alpha"), data="digest=x",
                       content_type="application/x-www-form-urlencoded"), 415,
           "unsupported_media_type", "body")  # fmt: skip
    _error(client.post(url, headers=_auth("lead.alpha"), json=["x"]), 400, "invalid_input", "body")
    # The wrong caller: the core refuses and audits the attempt.
    _error(client.post(url, headers=_auth("lead.beta"), json={"digest": request.digest}), 403,
           "permission_denied")  # fmt: skip
    # A digest of another action: refused.
    wrong = client.post(url, headers=_auth("lead.alpha"), json={"digest": "0" * 64})
    assert 400 <= wrong.status_code < 500
    assert org.governance.get(request.id).status == "pending"
    assert len(org.audit) > audit_before  # the refusals are on the record
    done = client.post(url, headers=_auth("lead.alpha"), json={"digest": request.digest})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "approved"
    assert done.get_json()["decided_by"] == "lead.alpha"
    assert org.audit.entries_for(f"request:{request.id}")[-1].event == "request_approved"
    # Not twice.
    _error(client.post(url, headers=_auth("lead.alpha"), json={"digest": request.digest}), 409,
           "invalid_state")  # fmt: skip
    _error(client.post("/api/v2/governance/approve/999999", headers=_auth("director"),
                       json={"digest": request.digest}), 404, "not_found")  # fmt: skip


def test_reject_and_escalate_need_a_reason_and_the_role(client: Any, org: juno.Juno) -> None:
    waiting = [r for r in org.governance.pending(team="beta") if r.role == "TEAM_LEAD"]
    assert len(waiting) >= 2
    first, second = waiting[0], waiting[1]
    for verb in ("reject", "escalate"):
        url = f"/api/v2/governance/{verb}/{first.id}"
        _error(client.post(url, headers=_auth("lead.beta"), json={}), 400, "invalid_input", "reason")
        _error(client.post(url, headers=_auth("lead.beta"), json={"reason": "  "}), 400,
               "invalid_input", "reason")  # fmt: skip
        _error(client.post(url, headers=_auth("lead.alpha"), json={"reason": "no"}), 403,
               "permission_denied")  # fmt: skip
    r = client.post(f"/api/v2/governance/reject/{first.id}", headers=_auth("lead.beta"),
                    json={"reason": "not now"})  # fmt: skip
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    e = client.post(f"/api/v2/governance/escalate/{second.id}", headers=_auth("lead.beta"),
                    json={"reason": "needs a manager"})  # fmt: skip
    assert e.status_code == 200, e.get_data(as_text=True)
    assert e.get_json()["status"] == "pending" and e.get_json()["role"] != "TEAM_LEAD"


def test_the_audit_log_is_for_organisation_wide_roles(client: Any, org: juno.Juno) -> None:
    _error(client.get("/api/v2/governance/audit", headers=_auth("lead.alpha")), 403,
           "permission_denied")  # fmt: skip
    body = client.get("/api/v2/governance/audit?from=1&limit=5&verify=1&checkpoints=1&proof=3&size=5",
                      headers=_auth("director")).get_json()  # fmt: skip
    assert body["size"] == len(org.audit)
    assert [e["seq"] for e in body["entries"]] == [1, 2, 3, 4, 5]
    assert body["verification"]["ok"] is True
    assert body["checkpoints"] == []
    assert body["proof"] == org.audit.inclusion_proof(3, 5).to_dict()
    for query, field in (("from=0", "from"), ("verify=maybe", "verify"), ("size=3", "size"),
                         ("proof=x", "proof")):  # fmt: skip
        _error(client.get(f"/api/v2/governance/audit?{query}", headers=_auth("director")), 400,
               "invalid_input", field)  # fmt: skip
    _error(client.get(f"/api/v2/governance/audit?proof={10**9}", headers=_auth("director")), 404,
           "not_found")  # fmt: skip


# --- memory and engines -----------------------------------------------------------------


def test_memory_store_and_search_within_the_callers_teams(client: Any) -> None:
    memory = {"kind": "semantic", "scope": {"team": "alpha"}, "text": "alpha pairs on flaky tests"}
    stored = client.post("/api/v2/memory/store", headers=_auth("lead.alpha"), json=memory)
    assert stored.status_code == 201, stored.get_data(as_text=True)
    hits = client.get("/api/v2/memory/search?q=flaky+tests&team=alpha",
                      headers=_auth("lead.alpha")).get_json()["hits"]  # fmt: skip
    assert hits[0]["memory"]["id"] == stored.get_json()["id"]
    _error(client.post("/api/v2/memory/store", headers=_auth("lead.beta"), json=memory), 403,
           "permission_denied", "team")  # fmt: skip
    _error(client.post("/api/v2/memory/store", headers=_auth("lead.alpha"),
                       json={"kind": "semantic", "text": "x"}), 400, "invalid_input",
           "scope.team")  # fmt: skip
    bad = client.post("/api/v2/memory/store", headers=_auth("lead.alpha"),
                      json={"kind": "gossip", "scope": {"team": "alpha"}, "text": "x"})  # fmt: skip
    assert "kind" in _error(bad, 400, "invalid_input")["message"]
    _error(client.get("/api/v2/memory/search?q=x&team=alpha", headers=_auth("lead.beta")), 403,
           "permission_denied", "team")  # fmt: skip
    _error(client.get("/api/v2/memory/search?q=x", headers=_auth("lead.alpha")), 403,
           "permission_denied")  # fmt: skip
    assert client.get("/api/v2/memory/search?q=flaky", headers=_auth("director")).status_code == 200


def test_sprint_risk_velocity_and_stale_tickets(client: Any, org: juno.Juno) -> None:
    risk = org.agent.cycles(1)[0]["risks"][0]
    team, lead = risk["team"], f"lead.{risk['team']}"
    other = "lead.beta" if team == "alpha" else "lead.alpha"
    got = client.get(f"/api/v2/risks/forecast/{risk['sprint']}", headers=_auth(lead)).get_json()
    assert got["p_deliver_80"] == risk["p_deliver_80"] and got["drivers"] == risk["drivers"]
    _error(client.get(f"/api/v2/risks/forecast/{risk['sprint']}", headers=_auth(other)), 403,
           "permission_denied", "team")  # fmt: skip
    _error(client.get("/api/v2/risks/forecast/NO-SUCH", headers=_auth(lead)), 404, "not_found",
           "sprint")  # fmt: skip

    vel = client.get("/api/v2/velocity/alpha", headers=_auth("lead.alpha"))
    assert vel.status_code == 200, vel.get_data(as_text=True)
    assert vel.get_json()["sprints"] == SIM["sprints"]
    _error(client.get("/api/v2/velocity/alpha", headers=_auth("lead.beta")), 403,
           "permission_denied", "team")  # fmt: skip
    _error(client.get("/api/v2/velocity/gamma", headers=_auth("director")), 404, "not_found", "team")

    stale = client.get("/api/v2/triage/stale/beta?limit=5", headers=_auth("lead.beta")).get_json()
    assert stale["team"] == "beta" and 0 < len(stale["proposals"]) <= 5
    assert all(p["team"] == "beta" for p in stale["proposals"])
    _error(client.get("/api/v2/triage/stale/beta", headers=_auth("lead.alpha")), 403,
           "permission_denied", "team")  # fmt: skip


def test_a_cycle_from_the_api(client: Any, org: juno.Juno) -> None:
    _error(client.post("/api/v2/cycle", headers=_auth("lead.alpha"), json={"dry_run": True}), 403,
           "permission_denied")  # fmt: skip
    _error(client.post("/api/v2/cycle", headers=_auth("director"), json={"dry_run": "yes"}), 400,
           "invalid_input", "dry_run")  # fmt: skip
    _error(client.post("/api/v2/cycle", headers=_auth("director"), json={"options": {"triage": 3}}),
           400, "invalid_input")  # fmt: skip
    # A POST that is not declared JSON, even an empty one, is refused: a cross-site form
    # cannot run a cycle as a host's signed-in director.
    _error(client.post("/api/v2/cycle", headers=_auth("director")), 415, "unsupported_media_type",
           "body")  # fmt: skip
    _error(client.post("/api/v2/cycle", headers=_auth("director"), data={"dry_run": "false"}),
           415, "unsupported_media_type", "body")  # fmt: skip
    cycles = len(org.agent.cycles(100))
    r = client.post("/api/v2/cycle", headers=_auth("director"), json={"dry_run": True})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["dry_run"] is True
    assert len(org.agent.cycles(100)) == cycles  # a dry run stores nothing


# --- juno serve: a real server on loopback ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str, token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_juno_serve_runs_under_waitress(tmp_path: Path) -> None:
    db, tokens = tmp_path / "serve.db", tmp_path / "tokens.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cli = [sys.executable, "-m", "juno.cli"]
    subprocess.run([*cli, "--db", str(db), "db", "init"], check=True, env=env)
    subprocess.run([*cli, "--db", str(db), "roles", "assign", "ana", "DIRECTOR", "*", "--by",
                    "admin"], check=True, env=env)  # fmt: skip
    out = subprocess.run([*cli, "token", "add", "ana", "--tokens", str(tokens)], check=True,
                         env=env, capture_output=True, text=True).stdout  # fmt: skip
    token = out.strip().splitlines()[-1]
    stored = json.loads(tokens.read_text())
    assert stored == {hash_token(token): "ana"} and oct(tokens.stat().st_mode & 0o777) == "0o600"
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--db", str(db), "--port", str(port), "--tokens", str(tokens)],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(base + "/health")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert status == 200 and body["status"] == "ok"
        assert _get(base + "/api/v2/status")[0] == 401
        status, body = _get(base + "/api/v2/status", token)
        assert status == 200 and body["pending"] == 0 and body["audit"]["ok"]
        status, body = _get(base + "/api/v2/governance/requests/5", token)
        assert status == 404 and body["error"]["kind"] == "not_found"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "serving on" in err and "development server" not in err


def test_page_limit_and_dashboard_settings_take_effect(org: juno.Juno) -> None:
    client = _app(org, JUNO_PAGE_LIMIT=5, JUNO_DASHBOARD=False).test_client()
    page = client.get("/api/v2/governance/pending", headers=_auth("director")).get_json()
    assert len(page["requests"]) == 5 < page["total"]
    _error(client.get("/api/v2/governance/pending?limit=6", headers=_auth("director")), 400,
           "invalid_input", "limit")  # fmt: skip
    assert client.get("/dashboard/", headers=_auth("director")).status_code == 404
