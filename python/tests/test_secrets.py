"""Secrets stay secret (issue #12): with recognisable fake credentials for Jira, OpenAI,
Slack and Teams, a sync, full cycles against local stand-ins, the approver's commands,
an audit export and the demo never show one in their output, their errors, their logs
(every command runs at ``--log-level debug``; the in-process part logs to caplog at
DEBUG) or the database files, while the stand-ins show the credentials were really used."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import flask
import pytest

import juno
from juno.web import JunoWeb, new_token

from test_cli import ok, run
from test_jira_python import EMAIL, TOKEN, Site, _handler

OPENAI_KEY = "sk-FAKE0penai-k3y-7d41"
SLACK_HOOK_SECRET = "FAKEslackH00kS3cret99"
TEAMS_HOOK_SECRET = "FAKEteamsH00kS3cret42"
SLACK_SIGNING = "FAKEslackS1gning5ecret31"
PSEUDONYM_KEY = "FAKEl0gPseud0nymK3y17"
# (A Slack bot token is not set: its API is slack.com, and tests talk only to loopback.)
SECRETS = [TOKEN, OPENAI_KEY, SLACK_HOOK_SECRET, TEAMS_HOOK_SECRET, SLACK_SIGNING, PSEUDONYM_KEY]


class Others:
    """OpenAI, Slack and Teams stand-ins: what they were sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []


def _others(state: Others) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            state.requests.append((self.path, body, dict(self.headers.items())))
            if self.path.endswith("/chat/completions"):
                reply = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": "gpt-4o-mini",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "A ticket has waited too long."},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48},
                }
                data = json.dumps(reply).encode()
                content_type = "application/json"
            else:
                data, content_type = b"ok", "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def stand_ins() -> Iterator[tuple[Site, str, Others, str]]:
    site, others = Site(), Others()
    servers = [
        ThreadingHTTPServer(("127.0.0.1", 0), _handler(site)),
        ThreadingHTTPServer(("127.0.0.1", 0), _others(others)),
    ]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield (
            site,
            f"http://127.0.0.1:{servers[0].server_address[1]}",
            others,
            f"http://127.0.0.1:{servers[1].server_address[1]}",
        )
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


def test_no_secret_reaches_an_output_an_error_or_the_database(
    tmp_path: Path,
    stand_ins: tuple[Site, str, Others, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    site, jira, others, other = stand_ins
    env = {
        "JIRA_URL": jira,
        "JIRA_USERNAME": EMAIL,
        "JIRA_API_TOKEN": TOKEN,
        "JIRA_PROJECTS": "ALPHA",
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{other}/v1",
        "SLACK_WEBHOOK_URL": f"{other}/slack/services/T0/B0/{SLACK_HOOK_SECRET}",
        "TEAMS_WEBHOOK_URL": f"{other}/teams/workflows/{TEAMS_HOOK_SECRET}",
        "AUTONOMOUS_ACTIONS": "true",
        "LOG_PSEUDONYM_KEY": PSEUDONYM_KEY,
        # Every command prints all of its log events to stderr, which is checked below.
        "JUNO_LOG_LEVEL": "debug",
    }
    caplog.set_level(logging.DEBUG, logger="juno")
    juno.log.refresh_levels()
    db = ["--db", str(tmp_path / "juno.db")]
    outputs: list[str] = []

    def command(*args: str, expect_ok: bool = True) -> str:
        cp = run(tmp_path, *args, env=env)
        if expect_ok:
            ok(cp)
        outputs.extend([cp.stdout, cp.stderr])
        return cp.stdout

    command("sync", "--jira", *db)
    cycle = json.loads(command("cycle", "--jira", "--json", *db))
    assert cycle["proposals"], cycle
    request = cycle["proposals"][0]["request_id"]
    command("roles", "assign", "lea", "TEAM_LEAD", "ALPHA", "--by", "admin", *db)
    command("governance", "show", str(request), *db)
    command("governance", "approve", str(request), "--user", "lea", *db, expect_ok=False)
    command("cycle", "--jira", "--json", *db)
    command("audit", "export", "--out", str(tmp_path / "audit.jsonl"), *db)
    command("governance", "process-deadlines", "--json", *db)
    # A failing call's error must not echo the credential either.
    bad = dict(env, JIRA_URL="http://127.0.0.1:9/nothing-listens-here")
    cp = run(tmp_path, "sync", "--jira", *db, env=bad)
    assert cp.returncode != 0
    outputs.extend([cp.stdout, cp.stderr])
    command("notify", "collect", *db)
    command("notify", "deliver", "--json", *db)
    command("notify", "outbox", "--json", *db)
    command("demo", "--db", str(tmp_path / "demo.db"))

    # A Flask host: the language model words a request, metrics count it; a model that
    # cannot be reached falls back to the template without echoing the key.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    token, digest = new_token()
    with juno.Juno.from_env(path=str(tmp_path / "juno.db"), create=False) as j:
        assert j.llm.configured
        worded = j.llm.word("Escalate ALPHA-1: idle 60 days.", decision="pending")
        outputs.append(json.dumps(worded))
        app = flask.Flask("host")
        app.config["JUNO_API_TOKENS"] = {digest: "lea"}
        app.config["JUNO_SLACK_SIGNING_SECRET"] = SLACK_SIGNING
        JunoWeb(app, juno=j)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        # A forged Slack click: refused, and the refusal does not echo the signing secret.
        forged = client.post(
            "/api/v2/slack/actions",
            data="payload=%7B%7D",
            content_type="application/x-www-form-urlencoded",
            headers={"X-Slack-Signature": "v0=" + "0" * 64, "X-Slack-Request-Timestamp": "1"},
        )
        assert forged.status_code in (400, 401)
        outputs.append(forged.get_data(as_text=True))
        for url in (
            f"/api/v2/governance/requests/{request}?level=verbose",
            "/api/v2/metrics",
            "/api/v2/status",
            "/api/v2/components/status",
        ):
            response = client.get(url, headers=auth)
            assert response.status_code == 200, (url, response.data[:300])
            outputs.append(response.get_data(as_text=True))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    with juno.Juno.from_env(path=str(tmp_path / "juno.db"), create=False) as j:
        fallback = j.llm.word("Escalate ALPHA-2: idle 61 days.", decision="pending")
        assert fallback["source"] == "template"
        outputs.append(json.dumps(fallback))
    juno.log.flush()
    outputs.append(caplog.text)
    # The logs were really there to leak into: the cycles and decisions were logged.
    assert "juno.governance" in caplog.text or any("juno.governance" in o for o in outputs)
    assert any("juno.application: cycle " in o for o in outputs), "cycles are logged"
    assert any("juno.performance: sync from" in o for o in outputs), "syncs are timed"

    # The credentials were really used, so the test could have seen them leak.
    assert any(auth and auth.startswith("Basic ") for _, _, auth in site.log)
    sent = " ".join(path + json.dumps(headers) for path, _, headers in others.requests)
    used = [s for s in SECRETS if s in sent]  # (the signing secret and log key are never sent)
    assert OPENAI_KEY in sent, "the model was called with the key"
    assert SLACK_HOOK_SECRET in sent, "Slack was notified"
    assert TEAMS_HOOK_SECRET in sent, "Teams was notified"

    files = [p for p in tmp_path.iterdir() if p.is_file()]
    assert any(p.name == "juno.db" for p in files) and any(p.name == "audit.jsonl" for p in files)
    for secret in SECRETS:
        for i, text in enumerate(outputs):
            assert secret not in text, f"{secret} in output {i}: {text[:500]}"
        for f in files:
            assert secret.encode() not in f.read_bytes(), f"{secret} in {f.name}"
    print(f"credentials used against the stand-ins: Jira and {len(used)} of {len(SECRETS) - 3} others")
