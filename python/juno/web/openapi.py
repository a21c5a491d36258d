"""The OpenAPI 3.1 description of ``juno.web``'s routes (served at ``/api/v2/openapi.json``).

``python/tests/test_web.py`` checks it against the routes Flask has: every route is
described and every description is a route, with the same methods.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPENAPI", "document"]

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["kind", "message"],
            "properties": {
                "kind": {"type": "string", "examples": ["invalid_input", "permission_denied"]},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "the input field at fault"},
            },
        }
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "bad input; `field` names it", 401: "no caller (sign in or send a token)",
            403: "the caller's roles do not allow it", 404: "not found",
            409: "not allowed in the request's state", 415: "the body is not JSON"}  # fmt: skip
    return {
        str(c): {"description": text[c], "content": {"application/json": {"schema": _ERROR}}}
        for c in codes
    }


def _ok(description: str, media: str = "application/json") -> dict[str, Any]:
    return {"200": {"description": description, "content": {media: {"schema": {"type": "object"}
                                                                      if media.endswith("json")
                                                                      else {"type": "string"}}}}}  # fmt: skip


def _query(name: str, description: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind, **extra}}  # fmt: skip


def _path(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": kind}}  # fmt: skip


def _body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"required": bool(required), "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}  # fmt: skip


_LIMIT = _query("limit", "at most this many items (default 100, at most JUNO_PAGE_LIMIT)",
                "integer", minimum=1)  # fmt: skip
_LEVEL = _query("level", "how much explanation: basic, detailed or verbose", enum=[
    "basic", "detailed", "verbose"])  # fmt: skip
_ID = _path("id", "the approval request's id", "integer")
_REASON = _body(["reason"], {"reason": {"type": "string", "minLength": 1}})
_CALLER: list[dict[str, list[str]]] = [{"bearer": []}, {"host": []}]


def _op(summary: str, responses: dict[str, Any], *, public: bool = False,
        parameters: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    op["security"] = [] if public else _CALLER
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    return op


_HEALTH = _op("Liveness: the engine is open (no caller needed)", _ok("ok"), public=True)

#: The paths, relative to the extension's prefix.
PATHS: dict[str, dict[str, Any]] = {
    "/health": {"get": _HEALTH},
    "/api/v2/health": {"get": _HEALTH},
    "/api/v2/openapi.json": {
        "get": _op("This document", _ok("the OpenAPI document"), public=True)
    },
    "/api/v2/status": {
        "get": _op("Version, clock, queue size, audit status and the last cycle",
                   {**_ok("the status"), **_errors(401)})  # fmt: skip
    },
    "/api/v2/components/status": {
        "get": _op("Each component's health: store, audit, forecast model, agent, sources",
                   {**_ok("per component"), **_errors(401)})  # fmt: skip
    },
    "/api/v2/metrics": {
        "get": _op("Prometheus text exposition: cycles, requests by status, queue depth,"
                   " overdue, decisions by role, audit size, request latency histograms",
                   {**_ok("metrics", "text/plain"), **_errors(401)})  # fmt: skip
    },
    "/api/v2/governance/status": {
        "get": _op("The governance dashboard's numbers", {**_ok("numbers"), **_errors(401)})
    },
    "/api/v2/governance/pending": {
        "get": _op("Pending requests of the caller's teams, oldest first",
                   {**_ok("`total` and `requests`"), **_errors(400, 401, 403)},
                   parameters=[_query("role", "only this approver role's queue"),
                               _query("team", "only this team"),
                               _query("offset", "skip this many", "integer", minimum=0),
                               _LIMIT, _LEVEL])  # fmt: skip
    },
    "/api/v2/governance/requests/{id}": {
        "get": _op("One request: the action, its digest and its explanation",
                   {**_ok("the request"), **_errors(400, 401, 403, 404)},
                   parameters=[_ID, _LEVEL,
                               _query("wording", "add `wording`: a language model's checked"
                                      " paragraph, or the template", "boolean")])  # fmt: skip
    },
    "/api/v2/governance/approve/{id}": {
        "post": _op("Approve as the caller; the digest binds the approval to the action seen",
                    {**_ok("the request as the decision left it"),
                     **_errors(400, 401, 403, 404, 409, 415)}, parameters=[_ID],
                    body=_body(["digest"], {"digest": {"type": "string"}}))  # fmt: skip
    },
    "/api/v2/governance/reject/{id}": {
        "post": _op("Reject as the caller, with a reason",
                    {**_ok("the request"), **_errors(400, 401, 403, 404, 409, 415)},
                    parameters=[_ID], body=_REASON)  # fmt: skip
    },
    "/api/v2/governance/escalate/{id}": {
        "post": _op("Escalate to the next approver role as the caller, with a reason",
                    {**_ok("the request"), **_errors(400, 401, 403, 404, 409, 415)},
                    parameters=[_ID], body=_REASON)  # fmt: skip
    },
    "/api/v2/governance/audit": {
        "get": _op("Audit entries; optionally verification, signed checkpoints and an"
                   " inclusion proof (needs a role for every team)",
                   {**_ok("`size`, `entries` and what was asked for"),
                    **_errors(400, 401, 403, 404)},
                   parameters=[_query("from", "first sequence number", "integer", minimum=1),
                               _LIMIT, _query("verify", "include the verification", "boolean"),
                               _query("checkpoints", "include signed checkpoints", "boolean"),
                               _query("proof", "entry to prove included", "integer", minimum=1),
                               _query("size", "tree size for `proof`", "integer", minimum=1)])  # fmt: skip
    },
    "/api/v2/memory/search": {
        "get": _op("Recall memories, best first, each score explained",
                   {**_ok("`hits`"), **_errors(400, 401, 403)},
                   parameters=[_query("q", "text to search"),
                               _query("team", "the team (required unless the caller's role"
                                      " covers every team)"),
                               _query("kind", "episodic, semantic, procedural or working;"
                                      " repeatable"), _LIMIT])  # fmt: skip
    },
    "/api/v2/memory/store": {
        "post": _op("Store one memory in the core's JSON shape",
                    {"201": {"description": "the stored memory",
                             "content": {"application/json": {"schema": {"type": "object"}}}},
                     **_errors(400, 401, 403, 415)},
                    body=_body(["kind", "scope", "text"], {
                        "kind": {"type": "string"}, "text": {"type": "string"},
                        "scope": {"type": "object", "required": ["team"],
                                  "properties": {"team": {"type": "string"}}}}))  # fmt: skip
    },
    "/api/v2/risks/forecast/{sprint}": {
        "get": _op("The newest cycle's forecast of an active sprint, with drivers",
                   {**_ok("the forecast"), **_errors(400, 401, 403, 404)},
                   parameters=[_path("sprint", "the sprint's id"),
                               _query("cycles", "how many recent cycles to look in",
                                      "integer", minimum=1, maximum=100)])  # fmt: skip
    },
    "/api/v2/velocity/{team}": {
        "get": _op("Velocity of the team's stored finished sprints",
                   {**_ok("the velocity report"), **_errors(400, 401, 403, 404)},
                   parameters=[_path("team", "the team")])  # fmt: skip
    },
    "/api/v2/triage/stale/{team}": {
        "get": _op("Stale-ticket proposals for the team's open tickets (not submitted)",
                   {**_ok("`proposals`"), **_errors(400, 401, 403, 404)},
                   parameters=[_path("team", "the team"), _LIMIT])  # fmt: skip
    },
    "/api/v2/slack/actions": {
        "post": _op("Slack's interactive buttons (Approve / Reject): verified with Slack's"
                    " signing secret, decided through governance as the mapped JUNO user",
                    {**_ok("the answer shown to the person who clicked"),
                     **_errors(400, 401, 404)}, public=True,
                    parameters=[{"name": "X-Slack-Signature", "in": "header", "required": True,
                                 "schema": {"type": "string"}},
                                {"name": "X-Slack-Request-Timestamp", "in": "header",
                                 "required": True, "schema": {"type": "string"}}],
                    body={"required": True, "content": {"application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "required": ["payload"],
                                   "properties": {"payload": {"type": "string"}}}}}})  # fmt: skip
    },
    "/api/v2/cycle": {
        "post": _op("Run (or dry-run) one agent cycle; needs ADMIN or DIRECTOR for every team",
                    {**_ok("the cycle's report"), **_errors(400, 401, 403, 409, 415)},
                    body=_body([], {"dry_run": {"type": "boolean"},
                                    "options": {"type": "object"}}))  # fmt: skip
    },
}

#: The whole document, for the default prefix.
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "JUNO",
        "summary": "Governed, explainable automation of agile delivery",
        "version": "2",
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "an API token from JUNO_API_TOKENS"},
            "host": {"type": "apiKey", "in": "cookie", "name": "session",
                     "description": "the host application's own sign-in (its identity loader)"},
        },  # fmt: skip
        "schemas": {"Error": _ERROR},
    },
    "paths": PATHS,
}


def document(prefix: str = "") -> dict[str, Any]:
    """The document with every path under ``prefix`` (the extension's ``url_prefix``)."""
    doc = dict(OPENAPI)
    doc["paths"] = {prefix.rstrip("/") + p: ops for p, ops in PATHS.items()}
    return doc
