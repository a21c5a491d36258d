"""The governance dashboard in a real headless Chromium (Debian ``chromium`` and
``chromium-driver``, driven by Selenium), served by waitress on 127.0.0.1.

A team lead signs in with an API token, approves a request from the page, sees it leave
the queue and its ``request_approved`` audit entry appear; a user whose role is too low
sees the request without buttons, and a forged form POST (no CSRF token, or a valid token
but not the role) is refused and changes nothing. Without Chromium the test fails rather
than skips: the browser is part of the suite (``.ci/run`` installs it).

The Flask test-client tests at the end cover what needs no browser: the pages render for
each caller, CSRF, the HTML error pages, and server time.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from waitress.server import create_server

import juno
from juno.web import JunoWeb, new_token
from juno.web.standalone import create_app

SIM = {"teams": 2, "sprints": 8, "backlog_per_team": 12}
OPTIONS = {"triage": {"max_proposals": 40}}
SCREENSHOTS = os.environ.get("JUNO_SCREENSHOTS")


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[juno.Juno]:
    sim = juno.SimSource(SIM)
    path = tmp_path_factory.mktemp("dash") / "juno.db"
    with juno.Juno(path, now=sim.end) as j:
        j.governance.assign_role("lead.alpha", "TEAM_LEAD", ["alpha"], by="admin")
        j.governance.assign_role("lead.beta", "TEAM_LEAD", ["beta"], by="admin")
        j.governance.assign_role("pm", "PROJECT_MANAGER", ["*"], by="admin")
        report = j.agent.run_cycle(source=sim, options=OPTIONS)
        assert report["proposals"]
        yield j


TOKENS = {user: new_token() for user in ("lead.alpha", "lead.beta", "pm")}


@pytest.fixture(scope="module")
def server(org: juno.Juno) -> Iterator[str]:
    app = create_app(org, tokens={digest: user for user, (_, digest) in TOKENS.items()})
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.effective_port}"  # type: ignore[union-attr]
    finally:
        srv.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    assert Path(binary).exists() and Path(driver_path).exists(), (
        "the dashboard test needs Debian's chromium and chromium-driver (apt-get install"
        " chromium chromium-driver)"
    )
    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def _sign_in(browser: webdriver.Chrome, base: str, user: str) -> None:
    browser.delete_all_cookies()
    browser.get(base + "/dashboard/")
    assert "/dashboard/login" in browser.current_url
    field = browser.find_element(By.ID, "token")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=token]").text == "API token"
    field.send_keys(TOKENS[user][0])
    browser.find_element(By.ID, "sign-in").click()
    assert browser.find_element(By.ID, "user").text == user


def _shot(browser: webdriver.Chrome, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SCREENSHOTS) / name))


def test_a_lead_approves_from_the_dashboard(org: juno.Juno, server: str,
                                            browser: webdriver.Chrome) -> None:  # fmt: skip
    _sign_in(browser, server, "lead.alpha")
    mine = [r for r in org.governance.pending(team="alpha") if r.role == "TEAM_LEAD"]
    assert mine
    cards = browser.find_elements(By.CSS_SELECTOR, "#queue article")
    assert {c.get_attribute("id") for c in cards} == {f"request-{r.id}" for r in mine[:50]}
    # Only alpha's work is shown to alpha's lead.
    assert "BETA-" not in browser.find_element(By.ID, "queue").text
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
    _shot(browser, "dashboard.png")
    target = mine[0]
    browser.find_element(By.ID, f"approve-{target.id}").click()
    assert browser.find_element(By.ID, "notice").text == "Request approved."
    assert browser.find_element(By.ID, "status").text == "approved"
    events = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#trail td.event")]
    assert events[-1] == "request_approved"
    _shot(browser, "request.png")
    assert org.governance.get(target.id).status == "approved"
    assert org.audit.entries_for(f"request:{target.id}")[-1].actor == "lead.alpha"
    browser.get(server + "/dashboard/")
    assert not browser.find_elements(By.ID, f"request-{target.id}")


def test_no_button_without_the_role_and_forged_posts_are_refused(
    org: juno.Juno, server: str, browser: webdriver.Chrome
) -> None:
    pm_level = [r for r in org.governance.pending(team="beta") if r.role == "PROJECT_MANAGER"]
    if not pm_level:
        lead_level = [r for r in org.governance.pending(team="beta") if r.role == "TEAM_LEAD"]
        org.governance.escalate(lead_level[0].id, "lead.beta", "needs the PM")
        pm_level = [org.governance.get(lead_level[0].id)]
    target = pm_level[0]
    assert target.role == "PROJECT_MANAGER"
    _sign_in(browser, server, "lead.beta")
    # Listed for the lead, without buttons: the PM decides it.
    assert browser.find_element(By.ID, f"other-{target.id}")
    assert not browser.find_elements(By.ID, f"approve-{target.id}")
    browser.get(f"{server}/dashboard/requests/{target.id}")
    assert browser.find_element(By.ID, "status").text == "pending"
    assert not browser.find_elements(By.ID, f"approve-{target.id}")
    csrf = browser.find_element(By.NAME, "csrf").get_attribute("value")  # the sign-out form's
    audit_size = len(org.audit)

    def forge(fields: dict[str, str]) -> str:
        inputs = "".join(
            f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items()
        )
        browser.execute_script(
            "const f = document.createElement('form'); f.method = 'post';"
            f" f.action = '/dashboard/requests/{target.id}/decide';"
            f" f.innerHTML = arguments[0]; document.body.appendChild(f); f.submit();",
            inputs,
        )
        return str(browser.find_element(By.ID, "error").text)

    # No CSRF token: refused before governance sees it.
    message = forge({"decision": "approve", "digest": target.digest})
    assert "security token" in message
    # A valid token, but the lead is not the PM: the core refuses, and audits the attempt.
    message = forge({"decision": "approve", "digest": target.digest, "csrf": str(csrf)})
    assert "PROJECT_MANAGER" in message
    assert org.governance.get(target.id).status == "pending"
    refused = org.audit.entries(audit_size + 1, 10)
    assert [e.event for e in refused] == ["refused"] and refused[0].actor == "lead.beta"
    # The PM has the buttons.
    _sign_in(browser, server, "pm")
    browser.get(f"{server}/dashboard/requests/{target.id}")
    assert browser.find_element(By.ID, f"approve-{target.id}")


def test_the_dashboard_fits_a_phone(server: str, browser: webdriver.Chrome) -> None:
    _sign_in(browser, server, "pm")
    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/dashboard/")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
        _shot(browser, "dashboard-phone.png")
    finally:
        browser.set_window_size(1280, 1000)


# --- without a browser ----------------------------------------------------------------------


def _host(org: juno.Juno) -> flask.Flask:
    app = flask.Flask("host")
    web = JunoWeb(app, juno=org)

    @web.identity_loader
    def user() -> str | None:
        return flask.request.headers.get("X-User")

    return app


def test_pages_for_a_host_signed_in_user(org: juno.Juno) -> None:
    client = _host(org).test_client()
    page = client.get("/dashboard/", headers={"X-User": "lead.alpha"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Server-Timing"].startswith("app;dur=")
    html = page.get_data(as_text=True)
    assert 'lang="en"' in html and "Sign out" not in html  # the host signs people out
    for form in re.findall(r"<form.*?</form>", html, re.S):
        assert 'name="csrf"' in form
    # Nobody signed in and no tokens: refused, no sign-in page to offer.
    assert client.get("/dashboard/").status_code == 401
    assert client.get("/dashboard/login").status_code == 404
    # Another team's request: refused as a page.
    beta = org.governance.pending(team="beta")[0]
    refused = client.get(f"/dashboard/requests/{beta.id}", headers={"X-User": "lead.alpha"})
    assert refused.status_code == 404 and "no request" in refused.get_data(as_text=True)
    assert client.get("/dashboard/requests/999999", headers={"X-User": "pm"}).status_code == 404


def test_decision_forms_are_checked(org: juno.Juno) -> None:
    app = _host(org)
    client = app.test_client()
    page = client.get("/dashboard/", headers={"X-User": "lead.alpha"}).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf is not None
    target = [r for r in org.governance.pending(team="alpha") if r.role == "TEAM_LEAD"][0]
    url = f"/dashboard/requests/{target.id}/decide"
    who = {"X-User": "lead.alpha"}
    # A token that is not even ASCII is refused, not a crash.
    r = client.post(url, headers=who, data={"csrf": "é", "decision": "approve",
                                            "digest": target.digest})  # fmt: skip
    assert r.status_code == 403
    # Another user's CSRF token does not work for this one.
    other = client.get("/dashboard/", headers={"X-User": "pm"}).get_data(as_text=True)
    other_csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', other)
    assert other_csrf is not None and other_csrf.group(1) != csrf.group(1)
    r = client.post(url, headers=who, data={"csrf": other_csrf.group(1), "decision": "approve",
                                            "digest": target.digest})  # fmt: skip
    assert r.status_code == 403
    for data, text in (({"decision": "maybe"}, "decision"), ({"decision": "reject"}, "reason"),
                       ({"decision": "approve"}, "digest")):  # fmt: skip
        r = client.post(url, headers=who, data={"csrf": csrf.group(1), **data})
        assert r.status_code == 400 and text in r.get_data(as_text=True)
    assert org.governance.get(target.id).status == "pending"
    r = client.post(url, headers=who, data={"csrf": csrf.group(1), "decision": "reject",
                                            "reason": "duplicate"})  # fmt: skip
    assert r.status_code == 303 and r.headers["Location"].endswith("done=rejected")
    assert org.governance.get(target.id).status == "rejected"


def test_sign_in_redirects_only_within_the_site(org: juno.Juno) -> None:
    token, digest = new_token()
    app = create_app(org, tokens={digest: "pm"})
    client = app.test_client()
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/",
                   "/dashboard/\r\nSet-Cookie: x=1"):  # fmt: skip
        r = client.post("/dashboard/login", data={"token": token, "next": target})
        assert r.status_code == 303 and r.headers["Location"] == "/dashboard/", target
    r = client.post("/dashboard/login", data={"token": token, "next": "/dashboard/requests/1"})
    assert r.headers["Location"] == "/dashboard/requests/1"
    wrong = client.post("/dashboard/login", data={"token": "nope", "next": "/dashboard/"})
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
