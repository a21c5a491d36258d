"""``juno demo``: the whole agent cycle over a simulated organisation.

A seeded organisation (teams, people, a year of sprints and tickets with their histories)
is synced into a fresh embedded database; cycles run over it while scripted approvers
decide in between: sprint risks with their drivers, velocity and bottlenecks, stale work
and the proposals made for it, what policy approved and why, what waits for whom, what
executed (exactly the approved writes, once), what was learned, a revert through
governance, a short run of the learning experiment (approvers with hidden preferences), and
the audit chain verified. The clock is fixed and everything is seeded, so
every run prints the same report.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from juno._juno import Juno, SimSource
from juno._memory_demo import _remove_database

#: The simulated organisation: four teams of six, a year of two-week sprints.
SIM_SETTINGS: dict[str, Any] = {"seed": 7, "teams": 4, "people_per_team": 6, "sprints": 26}

#: The cycle's options: enough proposals to see every kind of action.
OPTIONS: dict[str, Any] = {"triage": {"max_proposals": 400}, "guard_rails": {"write_budget": 60}}

#: Policy: low- and medium-impact actions may be approved automatically once their confidence
#: reaches 0.35. With no track record a triage proposal scores about 0.2; the approvals
#: people give in the first cycles are what lift routine actions past the threshold.
SETTINGS = {"AUTONOMOUS_ACTIONS": "true", "CONFIDENCE_THRESHOLD": "0.35"}

RULE = "=" * 78


def _section(title: str) -> None:
    print()
    print(RULE)
    print(title)
    print(RULE)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]  # fmt: skip
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def _describe(write: dict[str, Any]) -> str:
    op, key = write["op"], write["key"]
    if op == "comment":
        body = write["body"].split("\n")[0]
        return f"{key}: comment \"{body[:70]}{'…' if len(body) > 70 else ''}\""
    if op == "assign":
        return f"{key}: assignee {write['from'] or 'nobody'} → {write['to'] or 'nobody'}"
    if op == "set_priority":
        return f"{key}: priority {write['from'] or 'none'} → {write['to']}"
    if op == "transition":
        return f"{key}: status {write['from'] or '?'} → {write['to']}"
    return f"{key}: {op.replace('_', ' ')} {write.get('label', '')}".rstrip()


def _grant_roles(j: Juno, snapshot: dict[str, Any]) -> dict[str, str]:
    """Gives the organisation's people their approver roles; returns team → lead."""
    leads: dict[str, str] = {}
    for m in snapshot["people"]:
        if m["role"] is None:
            continue
        teams = [m["team"]] if m["team"] else ["*"]
        j.governance.assign_role(m["user"], m["role"], teams, by="admin")
        if m["role"] == "TEAM_LEAD" and m["team"]:
            leads[m["team"]] = m["user"]
    return leads


#: The short version of ``juno eval learning`` the demo runs: the shipped approvers file's
#: first four months.
LEARNING_DAYS = 120


def _learning_section() -> None:
    """A short run of the learning experiment: approvers with hidden preferences."""
    from juno.eval import learning

    result = learning(days=LEARNING_DAYS)
    report = result.report
    _section(
        f"Learning — {LEARNING_DAYS} simulated days with approvers who decide by hidden"
        " preferences"
    )
    print(
        "alpha turns down reassignment, beta never closes customer tickets, delta sets its own\n"
        "priorities and its lead rejects everything on Fridays; JUNO is told none of it.\n"
        "The same days run three times: learning off, JUNO as built, and an oracle that knows."
    )
    rows = []
    for arm in report["arms"]:
        after, total = arm["after_two_months"], arm["total"]
        decided = after["accepted"] + after["rejected"] + after["unwanted_auto"]
        rows.append([
            {"no_learning": "no learning", "juno": "JUNO", "oracle": "oracle"}[arm["arm"]],
            str(total["proposals"]),
            f"{after['accepted'] / decided:.1%}" if decided else "–",
            str(total["rejected"]),
            f"{total['auto']} ({total['unwanted_auto']} unwanted)",
        ])  # fmt: skip
    _table(["arm", "proposals", "accepted after 2 months", "rejected", "auto-approved"], rows)
    juno_arm = next(a for a in report["arms"] if a["arm"] == "juno")
    held = sum(juno_arm["held_back"].values())
    print(f"JUNO held back what its teams had been turning down {held} times (a ticket held"
          " on several days counts each day); one probe every 14 days asks again.")  # fmt: skip
    print("The whole year, per month and team, with the curve: `juno eval learning --plot DIR`.")


def _approver(role: str, team: str, leads: dict[str, str]) -> str:
    return {"TEAM_LEAD": leads.get(team, "pm"), "PROJECT_MANAGER": "pm",
            "ENGINEERING_MANAGER": "em", "DIRECTOR": "director"}.get(role, "director")  # fmt: skip


def run_demo(path: str) -> None:
    """Builds the demo database at ``path`` (recreated) and prints the cycle's report."""
    started = time.monotonic()
    _remove_database(path)
    sim = SimSource(SIM_SETTINGS)
    now = sim.end
    with Juno(path, now=now, settings=SETTINGS) as j:
        print(f"JUNO {j.version} demo: {path} (recreated), clock fixed at {now.isoformat()}")
        print(
            f"A simulated organisation (seed {SIM_SETTINGS['seed']}): {SIM_SETTINGS['teams']}"
            f" teams of {SIM_SETTINGS['people_per_team']}, {SIM_SETTINGS['sprints']} finished"
            " two-week sprints each, every ticket with its history."
        )
        leads = _grant_roles(j, sim.snapshot())

        # Cycle 1: observe everything, analyse, propose, route.
        first = j.agent.run_cycle(source=sim, options=OPTIONS)
        sync, seen = first["sync"], first["seen"]
        _section("Observe — synced into the store, then read back by every stage")
        stored = sync["stored"]
        print(
            f"{stored['teams']} teams, {stored['people']} people, {stored['tickets']} tickets,"
            f" {stored['sprints']} finished sprints, {stored['active']} active sprints."
            f" Open tickets: {seen['open_tickets']}."
        )

        _section("Analyze — sprint risk (active sprints, riskiest first)")
        _table(
            ["team", "sprint", "P(≥80%)", "level", "basis", "drivers"],
            [[r["team"], r["sprint"], f"{r['p_deliver_80']:.2f}", r["level"], r["basis"],
              ", ".join(r["drivers"]) or "—"] for r in first["risks"]],
        )  # fmt: skip
        for r in first["risks"][:1]:
            for rec in r["recommendations"][:2]:
                print(f"  → {r['team']}: {rec}")

        _section("Analyze — velocity and flow per team")
        _table(
            ["team", "mean pts", "trend", "next (P50)", "bottleneck", "cycle time", "ageing WIP"],
            [[t["team"], f"{t['mean_velocity']:.1f}", t["trend"],
              "—" if t["next_sprint_points"] is None else f"{t['next_sprint_points']:.1f}",
              "—" if t["bottleneck"] is None else f"{t['bottleneck'][0]} ({t['bottleneck'][1]:.0%})",
              "—" if t["cycle_time_days"] is None else f"{t['cycle_time_days']:.1f} d",
              str(t["ageing_wip"])] for t in first["teams"]],
        )  # fmt: skip

        proposals = first["proposals"]
        _section(f"Decide and govern — {len(proposals)} proposals for stale work")
        kinds = Counter(p["kind"] for p in proposals)
        print("by action: " + ", ".join(f"{k.removeprefix('triage.')} {n}" for k, n in sorted(kinds.items())))
        auto = [p for p in proposals if p["status"] == "auto_approved"]
        pending = [p for p in proposals if p["status"] == "pending"]
        print(f"auto-approved by policy: {len(auto)}; waiting for a person: {len(pending)}")
        if auto:
            d = auto[0]["decision"]
            print(
                f"  rule `{d['rule']}`: impact {d['impact']} in {d['allowed_levels']},"
                f" confidence {d['confidence']:.2f} ≥ threshold {d['threshold']:.2f}"
            )
        shown = sorted({p["kind"]: p for p in reversed(proposals)}.values(), key=lambda p: p["kind"])
        for p in shown:
            who = "auto-approved" if p["status"] == "auto_approved" else f"waits for {p['waits_for']}"
            print(f"\n  #{p['request_id']} {p['kind']} {p['target']} ({p['team']}) — impact {p['impact']},"
                  f" confidence {p['confidence']:.2f}, {who}")  # fmt: skip
            for w in p["writes"]:
                print(f"      {_describe(w)}")
        print("\nwaiting, by role: " + ", ".join(f"{r} {n}" for r, n in first["waiting"].items()))
        print(
            f"executed this cycle (auto-approved, within the write budget): {len(first['executed'])};"
            f" held for the next cycle: {len(first['held'])}"
        )

        # People decide between cycles: each role's approver works through their queue.
        _section("Between cycles — approvers decide")
        decided: Counter[str] = Counter()
        for i, p in enumerate(pending):
            request = j.governance.get(p["request_id"])
            who = _approver(request.role, p["team"], leads)
            if p["kind"] == "triage.escalate" and i % 4 == 0:
                j.governance.reject(request.id, who, reason="the team is already on it")
                decided["rejected"] += 1
            elif i % 5 == 4:
                continue  # still waiting
            else:
                j.governance.approve(request.id, who, request.digest)
                decided["approved"] += 1
        print(f"approved {decided['approved']}, rejected {decided['rejected']}, left waiting"
              f" {len(pending) - decided['approved'] - decided['rejected']}")  # fmt: skip

        # Cycle 2, a day later: execute what was approved, learn from the decisions.
        j.set_clock(now + timedelta(days=1))
        second = j.agent.run_cycle(options=OPTIONS)
        _section("Act — approved actions executed exactly once (cycle 2, a day later)")
        print(f"executed {len(second['executed'])}, held {len(second['held'])}"
              f" (write budget {OPTIONS['guard_rails']['write_budget']} per cycle),"
              f" failed {len(second['failed'])}")  # fmt: skip
        for e in second["executed"][:4]:
            print(f"  request #{e['request_id']} {e['kind']} approved by {e['approved_by']}:")
            for w in e["writes"]:
                print(f"      {_describe(w)}")
        if second["held"]:
            print(f"  held: {second['held'][0]['detail']['held']}")

        _section("Learn — what the cycles took in")
        learned = first["learned"]
        print(f"cycle 1: {learned['sprints_recorded']} finished sprints recorded as forecast"
              f" observations; model v{learned['retrained_version']} trained on them")  # fmt: skip
        outcomes = Counter((o[1], o[2]) for o in second["learned"]["outcomes"])
        print("cycle 2: decisions learned — " + ", ".join(
            f"{a} {o} ×{n}" for (a, o), n in sorted(outcomes.items())))  # fmt: skip
        team = sorted({p["team"] for p in pending})[0]
        pref = j.memory.preference(team, "escalate")
        if pref is not None:
            print(f"  {team}'s preference for escalate: {pref.stance}, approved {pref.approved}"
                  f" of {pref.total}")  # fmt: skip
        print(f"cycle 2: not proposed again — {len(second['skipped'])} findings already decided"
              f" or waiting (e.g. {second['skipped'][0]['reason']})" if second["skipped"] else "")  # fmt: skip

        # A revert through governance, executed by the next cycle.
        revertible = [e for e in second["executed"] if any(w["op"] != "comment" for w in e["writes"])]
        if revertible:
            e = revertible[0]
            _section(f"Revert — undoing request #{e['request_id']} ({e['kind']}) through governance")
            req = j.executor.propose_revert(e["request_id"], "ops")
            who = _approver(req.role, req.action["team"], leads)
            j.governance.approve(req.id, who, req.digest)
            j.set_clock(now + timedelta(days=1, hours=1))
            third = j.agent.run_cycle(options=OPTIONS)
            done = [x for x in third["executed"] if x["request_id"] == req.id]
            print(f"revert request #{req.id} approved by {who}, executed by cycle 3:")
            for w in done[0]["writes"] if done else []:
                print(f"      {_describe(w)}")
            record = j.executor.record(e["request_id"]) or {}
            print(f"  request #{e['request_id']} is now marked reverted by #{record.get('reverted_by')}")

        # A week later: the forecaster has a model, and the approvals people gave have
        # become a track record that lifts confidence.
        j.set_clock(now + timedelta(days=8))
        later = j.agent.run_cycle(options=OPTIONS)
        _section("A week later (cycle 4) — what the learning changed")
        print("sprint risk now comes from the trained model:")
        _table(
            ["team", "sprint", "P(≥80%)", "level", "basis"],
            [[r["team"], r["sprint"], f"{r['p_deliver_80']:.2f}", r["level"], r["basis"]]
             for r in later["risks"]],
        )  # fmt: skip
        before = {p["kind"]: p["confidence"] for p in reversed(proposals)}
        print(f"\n{len(later['proposals'])} new proposals (work that went stale this week):")
        for kind in sorted({p["kind"] for p in later["proposals"]}):
            same = [p for p in later["proposals"] if p["kind"] == kind]
            auto_n = sum(p["status"] == "auto_approved" for p in same)
            top = max(p["confidence"] for p in same)
            was = before.get(kind)
            print(f"  {kind.removeprefix('triage.')}: {len(same)}, confidence up to {top:.2f}"
                  + (f" (was {was:.2f} in cycle 1)" if was is not None else "")
                  + f", auto-approved {auto_n}")  # fmt: skip
        auto = [p for p in later["proposals"] if p["status"] == "auto_approved"]
        if auto:
            d = auto[0]["decision"]
            print(
                f"  rule `{d['rule']}`: impact {d['impact']} in {d['allowed_levels']},"
                f" confidence {d['confidence']:.2f} ≥ threshold {d['threshold']:.2f}"
            )
        print(f"executed in this cycle: {len(later['executed'])} (the approvals still held from"
              f" cycle 2 first, oldest first, then today's auto-approvals)")  # fmt: skip

        _learning_section()

        _section("Audit")
        report = j.audit.verify()
        dash = j.governance.dashboard()
        print(f"audit chain: {report.entries} entries, verified {'ok' if report.ok else 'FAILED'}")
        print(f"requests by status: " + ", ".join(f"{k} {v}" for k, v in dash.by_status.items()))
        print()
        print("`juno demo --memory` walks through the memory layer.")
    # Wall time varies from run to run; the report above does not.
    print(f"demo finished in {time.monotonic() - started:.1f} s", file=sys.stderr)


def serve_demo(
    path: str, *, host: str, port: int, threads: int, rate_limit: int | None = None
) -> None:
    """Serves the demo database at ``path`` with ``juno.web``, its clock where the demo left it.

    Each approver gets a fresh API token, printed here and kept only as a digest in this
    process: the demo's tokens die with it.
    """
    from datetime import datetime

    from juno.web import new_token
    from juno.web.standalone import create_app, serve

    with Juno(path, create=False, settings=SETTINGS) as j:
        cycles = j.agent.cycles(1)
        if cycles:
            j.set_clock(datetime.fromisoformat(str(cycles[0]["now"])))
        users = sorted({r.user for r in j.governance.roles()})
        tokens: dict[str, str] = {}
        _section(f"Serving the demo on http://{host}:{port}/ — one API token per approver")
        for user in users:
            token, digest = new_token()
            tokens[digest] = user
            print(f"{user:>24}  {token}")
        print(f"\ntry: curl -H 'Authorization: Bearer <token>' http://{host}:{port}/api/v2/status")
        sys.stdout.flush()
        app = create_app(j, tokens=tokens, rate_limit=rate_limit)
        serve(app, host=host, port=port, threads=threads)
