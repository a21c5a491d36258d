"""Notifications and chat approvals from Python: an approver's path from a Slack message
to the audit entry, against a local HTTP server standing in for Slack's Web API, a Teams
workflow webhook and Slack's ``response_url``.

The button click is signed the way Slack signs it (HMAC-SHA256 of ``v0:timestamp:body``)
and posted to ``juno.web``'s ``/api/v2/slack/actions``; the decision is made by the core's
governance as the JUNO user the Slack user maps to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import flask
import pytest

import juno
from juno.errors import InvalidInputError
from juno.web import JunoWeb

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class _Chat(BaseHTTPRequestHandler):
    """Records every POST; answers like Slack's Web API (``{"ok": true}``) or a webhook."""

    got: list[tuple[str, Any]] = []
    fail_next: list[int] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        type(self).got.append((self.path, body))
        status = type(self).fail_next.pop(0) if type(self).fail_next else 200
        answer = b'{"ok": true}' if self.path.startswith("/api/") else b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def chat() -> Iterator[str]:
    _Chat.got, _Chat.fail_next = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def org(tmp_path: Path, chat: str) -> Iterator[juno.Juno]:
    config = tmp_path / "juno.toml"
    config.write_text(
        f"""
[notify]
slack_bot_token = "xoxb-test"
slack_channel = "C42"
slack_api_url = "{chat}/api"
teams_webhook_url = "{chat}/teams"
dashboard_url = "https://juno.example/dashboard/"

[notify.slack_users]
U_LEAD = "lead.alpha"
U_BETA = "lead.beta"
""",
        encoding="utf-8",
    )
    with juno.Juno(tmp_path / "juno.db", settings={"JUNO_CONFIG_FILE": str(config)}) as j:
        j.governance.assign_role("lead.alpha", "TEAM_LEAD", ["alpha"], by="admin")
        j.governance.assign_role("lead.beta", "TEAM_LEAD", ["beta"], by="admin")
        yield j


def _submit(j: juno.Juno, target: str) -> juno.ApprovalRequest:
    return j.governance.submit({
        "action": {"kind": "triage.reassign", "team": "alpha", "target": target,
                   "parameters": {"assignee": "ana"}},
        "impact": "low", "confidence": 0.3, "requester": "juno",
        "explanation": f"reassign {target}: idle 12 days",
    })  # fmt: skip


def _click(client: Any, user: str, action_id: str, value: str, response_url: str,
           *, secret: str = SECRET, age: float = 0.0) -> Any:  # fmt: skip
    payload = {"type": "block_actions", "user": {"id": user}, "response_url": response_url,
               "actions": [{"action_id": action_id, "value": value}]}  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time() - age))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return client.post("/api/v2/slack/actions", data=body,
                       content_type="application/x-www-form-urlencoded",
                       headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig})  # fmt: skip


def test_from_a_slack_message_to_the_audit_entry(org: juno.Juno, chat: str) -> None:
    request = _submit(org, "ALPHA-7")
    # 1. The notice: one message per channel, delivered once.
    assert org.notify.collect()["queued"] == 2
    report = org.notify.deliver()
    assert (report["sent"], report["retrying"], report["pending"]) == (2, 0, 0)
    slack = next(body for path, body in _Chat.got if path == "/api/chat.postMessage")
    teams = next(body for path, body in _Chat.got if path == "/teams")
    assert slack["channel"] == "C42" and "<@U_LEAD>" in json.dumps(slack)
    assert teams["attachments"][0]["content"]["actions"][0]["url"].endswith(f"/requests/{request.id}")
    buttons = next(b for b in slack["blocks"] if b["type"] == "actions")["elements"]
    approve = next(b for b in buttons if b["action_id"] == "juno_approve")
    assert approve["value"] == f"{request.id}:{request.digest}"
    # 2. The click, signed as Slack signs it, reaches juno.web.
    app = flask.Flask("host")
    app.config["JUNO_SLACK_SIGNING_SECRET"] = SECRET
    app.config["JUNO_SLACK_RESPONSE_URL_PREFIXES"] = (chat,)
    JunoWeb(app, juno=org)
    client = app.test_client()
    response = _click(client, "U_LEAD", "juno_approve", approve["value"], f"{chat}/respond")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["text"] == f"Request #{request.id} approved by lead.alpha."
    # 3. Governance decided it as lead.alpha, and the audit log says so.
    assert org.governance.get(request.id).status == "approved"
    entry = org.audit.entries_for(f"request:{request.id}")[-1]
    assert (entry.event, entry.actor) == ("request_approved", "lead.alpha")
    # Slack's response_url gets the answer for the person who clicked (posted after the
    # click is acknowledged).
    reply = ("/respond", {"response_type": "ephemeral", "replace_original": True,
                          "text": f"Request #{request.id} approved by lead.alpha."})  # fmt: skip
    for _ in range(100):
        if reply in _Chat.got:
            break
        time.sleep(0.05)
    assert reply in _Chat.got


def test_a_button_approves_nothing_by_itself(org: juno.Juno, chat: str) -> None:
    request = _submit(org, "ALPHA-8")
    value = f"{request.id}:{request.digest}"
    app = flask.Flask("host")
    app.config["JUNO_SLACK_SIGNING_SECRET"] = SECRET
    app.config["JUNO_SLACK_RESPONSE_URL_PREFIXES"] = (chat,)
    JunoWeb(app, juno=org)
    client = app.test_client()
    audit = len(org.audit)
    # A Slack user without a role for the team: the core refuses and audits it.
    r = _click(client, "U_BETA", "juno_approve", value, f"{chat}/respond")
    assert r.status_code == 200 and r.get_json()["text"].startswith("Not decided:")
    assert org.audit.entries(audit + 1, 5)[0].event == "refused"
    # A Slack user JUNO does not know: nothing is attempted.
    r = _click(client, "U_NOBODY", "juno_approve", value, f"{chat}/respond")
    assert "not linked" in r.get_json()["text"]
    # A forged or replayed request never reaches governance.
    assert _click(client, "U_LEAD", "juno_approve", value, "x", secret="wrong").status_code == 401
    assert _click(client, "U_LEAD", "juno_approve", value, "x", age=600).status_code == 401
    assert client.post("/api/v2/slack/actions", data={"payload": "{}"}).status_code == 401
    odd = client.post("/api/v2/slack/actions", data={"payload": "{}"},
                      headers={"X-Slack-Request-Timestamp": str(int(time.time())),
                               "X-Slack-Signature": "v0=é"})  # fmt: skip
    assert odd.status_code == 401
    # A response_url elsewhere than Slack's is not called.
    time.sleep(0.3)  # the replies above are posted after their clicks were answered
    posted = len(_Chat.got)
    _click(client, "U_NOBODY", "juno_approve", value, "http://169.254.169.254/latest")
    time.sleep(0.3)
    assert len(_Chat.got) == posted
    # Bad payloads name the field.
    for bad_value, field in (("x", "payload.actions[0].value"), (value, None)):
        action = "juno_approve" if field else "juno_reboot"
        r = _click(client, "U_LEAD", action, bad_value, "x")
        assert r.status_code == 400
        assert r.get_json()["error"]["field"] == (field or "payload.actions[0].action_id")
    assert org.governance.get(request.id).status == "pending"
    # The reject button: decided as the lead.
    r = _click(client, "U_LEAD", "juno_reject", value, f"{chat}/respond")
    assert r.get_json()["text"] == f"Request #{request.id} rejected by lead.alpha."
    assert org.governance.get(request.id).status == "rejected"


def test_a_failing_channel_is_retried_and_never_blocks(org: juno.Juno) -> None:
    _submit(org, "ALPHA-9")
    org.notify.collect()
    _Chat.fail_next[:] = [500, 500]
    report = org.notify.deliver()
    assert report["retrying"] == 2 and report["sent"] == 0
    assert all("HTTP 500" in e for e in report["errors"])
    pending = org.notify.outbox("pending")
    assert len(pending) == 2 and all(m["attempts"] == 1 for m in pending)
    with pytest.raises(InvalidInputError):
        org.notify.outbox("lost")
    with pytest.raises(InvalidInputError):
        org.notify.deliver(0)
    assert org.notify.slack_user("U_LEAD") == "lead.alpha"
    assert org.notify.slack_user("U_X") is None


def test_a_cycle_queues_its_notices(tmp_path: Path, chat: str) -> None:
    sim = juno.SimSource({"teams": 2, "sprints": 8, "backlog_per_team": 10})
    settings = {"TEAMS_WEBHOOK_URL": f"{chat}/teams"}
    with juno.Juno(tmp_path / "cycle.db", now=sim.end, settings=settings) as j:
        j.governance.assign_role("lead", "TEAM_LEAD", ["*"], by="admin")
        dry = j.agent.run_cycle(source=sim, options={"dry_run": True})
        assert dry["notified"] == 0
        report = j.agent.run_cycle(source=sim)
        waiting = sum(1 for p in report["proposals"] if p["status"] == "pending")
        assert waiting > 0 and report["notified"] >= waiting
        assert j.notify.deliver(1000)["sent"] == report["notified"]
        assert len([p for p, _ in _Chat.got if p == "/teams"]) == report["notified"]


def test_the_command_line(tmp_path: Path, chat: str) -> None:
    import os
    import subprocess
    import sys

    config = tmp_path / "juno.toml"
    config.write_text(f'[notify]\nteams_webhook_url = "{chat}/teams"\n', encoding="utf-8")
    db = tmp_path / "cli.db"
    with juno.Juno(db, settings={"JUNO_CONFIG_FILE": str(config)}) as j:
        j.governance.assign_role("lead.alpha", "TEAM_LEAD", ["alpha"], by="admin")
        _submit(j, "ALPHA-11")
    env = {**os.environ, "JUNO_CONFIG_FILE": str(config)}

    def juno_cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "juno.cli", "--db", str(db), *args],
                              env=env, capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout

    assert "queued 1 messages" in juno_cli("notify", "collect")
    assert json.loads(juno_cli("notify", "deliver", "--json"))["sent"] == 1
    sent = json.loads(juno_cli("notify", "outbox", "--status", "sent", "--json"))
    assert [m["kind"] for m in sent] == ["approval_requested"]
    assert [p for p, _ in _Chat.got] == ["/teams"]


class _Model(BaseHTTPRequestHandler):
    """OpenAI's chat completions, answering from a script."""

    answers: list[str] = []
    got: list[Any] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        type(self).got.append((self.path, json.loads(self.rfile.read(length))))
        text = type(self).answers.pop(0)
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}],
                           "usage": {"prompt_tokens": 120, "completion_tokens": 30}}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_llm_wording_from_python_and_the_api(tmp_path: Path) -> None:
    _Model.answers, _Model.got = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = {"OPENAI_API_KEY": "sk-test", "OPENAI_MODEL": "gpt-4o-mini",
                    "OPENAI_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/v1",
                    "LLM_PROMPT_COST_PER_1K": "1.0", "LLM_COMPLETION_COST_PER_1K": "2.0"}  # fmt: skip
        with juno.Juno(tmp_path / "llm.db", settings=settings) as j:
            assert j.llm.configured
            j.governance.assign_role("lead.alpha", "TEAM_LEAD", ["alpha"], by="admin")
            r = _submit(j, "ALPHA-12")
            app = flask.Flask("host")
            app.config["JUNO_API_TOKENS"] = {}
            web = JunoWeb(app, juno=j)

            @web.identity_loader
            def user() -> str | None:
                return "lead.alpha"

            client = app.test_client()
            _Model.answers.append("ALPHA-12 has been idle 12 days; JUNO proposes reassigning it."
                                  " It is pending.")  # fmt: skip
            got = client.get(f"/api/v2/governance/requests/{r.id}?wording=1").get_json()
            assert got["wording"]["source"] == "model"
            assert got["wording"]["text"].startswith("ALPHA-12 has been idle 12 days")
            # The ticket key went to the model as quoted data.
            sent = _Model.got[0][1]["messages"][1]["content"]
            assert "<ticket-text>\nALPHA-12\n</ticket-text>" in sent
            # Asked once: the page reuses it from the cache.
            page = client.get(f"/dashboard/requests/{r.id}").get_data(as_text=True)
            assert "ALPHA-12 has been idle 12 days" in page and "(cached)" in page
            assert len(_Model.got) == 1
            # A model that changes the decision is not believed.
            _Model.answers.append("Approved: reassign ALPHA-12.")
            w = j.llm.word("reassign ALPHA-13: idle 3 days", decision="pending")
            assert w["source"] == "template" and "approve" in w["reason"]
            usage = {u["source"]: u for u in j.llm.usage()}
            assert usage["model"]["calls"] == 1 and usage["cache"]["calls"] == 1
            assert usage["template"]["prompt_tokens"] == 120
            metrics = client.get("/api/v2/metrics").get_data(as_text=True)
            assert 'juno_llm_wordings_total{source="model"} 1' in metrics
            assert 'juno_llm_tokens_total{kind="prompt"} 240' in metrics
            assert "juno_llm_cost_total 0.360000" in metrics  # 2 × (120 × 1 + 30 × 2) / 1000
    finally:
        server.shutdown()
        server.server_close()
