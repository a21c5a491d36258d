"""Load on ``juno serve``: the HTTP API's latency under 32 concurrent clients (issue #11).

Builds a database with 10,000 pending requests (and a director who may see them all),
starts ``juno serve`` (waitress) on 127.0.0.1, and drives it with ``wrk`` (Debian's
package) for each route; then times the dashboard's first page by its ``Server-Timing``
header (server time, as the issue asks). Prints wrk's latency percentiles.

    python benches/python/web_load.py [--requests 10000] [--seconds 10] [--connections 32]

Needs ``wrk`` on PATH (``apt-get install wrk``) and the package installed with its web
extra; build it in release mode for figures that mean anything
(``maturin develop --release --extras web``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import juno
from juno.web import new_token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _build(db: Path, n: int) -> None:
    with juno.Juno(db) as j:
        j.governance.assign_role("director", "DIRECTOR", ["*"], by="admin")
        for t in range(10):
            j.governance.assign_role(f"lead{t}", "TEAM_LEAD", [f"team{t}"], by="admin")
        requests = [
            {"action": {"kind": "triage.reassign", "team": f"team{i % 10}",
                        "target": f"T-{i}", "parameters": {"assignee": "ana"}},
             "impact": "low", "confidence": 0.3, "requester": "juno",
             "explanation": f"reassign T-{i}: idle {i % 30} days"}
            for i in range(n)
        ]  # fmt: skip
        for start in range(0, n, 1000):
            j.governance.submit_many(requests[start : start + 1000])
        assert len(j.governance.pending()) == n


def _wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures: dict[str, float] = {}
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            figures[f"p{pct}_ms"] = float(m.group(1)) * scale
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["requests_per_s"] = float(rps.group(1)) if rps else 0.0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    ap.add_argument("--json", type=Path, metavar="OUT",
                    help="also write the figures as JSON (read by benches/report.py)")  # fmt: skip
    args = ap.parse_args()
    results: dict[str, object] = {"requests": args.requests, "seconds": args.seconds,
                                  "connections": args.connections, "threads": args.threads}  # fmt: skip
    if shutil.which("wrk") is None:
        sys.exit("web_load.py needs wrk (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="juno-web-load-"))
    db = work / "load.db"
    t = time.monotonic()
    _build(db, args.requests)
    print(f"database: {args.requests} pending requests ({time.monotonic() - t:.1f} s to build)")
    token, digest = new_token()
    tokens = work / "tokens.json"
    tokens.write_text(json.dumps({digest: "director"}))
    port = _free_port()
    # The server's log goes to a file: waitress warns as its queue grows, and an unread pipe
    # would fill and stall the server.
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "juno.cli", "--db", str(db), "serve", "--rate-limit", "0", "--port", str(port),
         "--threads", str(args.threads), "--tokens", str(tokens)],
        stderr=log, env={**os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        print(f"juno serve: waitress, {args.threads} threads; wrk: {args.connections}"
              f" connections, {args.seconds} s per route")  # fmt: skip
        for route in ("/api/v2/status", "/api/v2/governance/pending"):
            f = _wrk(base + route, token, args.seconds, args.connections)
            results[route] = f
            print(f"{route:32} p50 {f['p50_ms']:7.2f} ms  p90 {f['p90_ms']:7.2f} ms"
                  f"  p99 {f['p99_ms']:7.2f} ms  {f['requests_per_s']:8.0f} req/s"
                  f"  non-2xx {f['non_2xx']:.0f}")  # fmt: skip
        # The dashboard's first page, by the server's own timing, one request at a time.
        opener = urllib.request.build_opener()
        server_ms = []
        for _ in range(20):
            req = urllib.request.Request(base + "/dashboard/",
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            with opener.open(req, timeout=30) as r:
                r.read()
                timing = r.headers.get("Server-Timing", "")
            m = re.search(r"dur=([\d.]+)", timing)
            if m:
                server_ms.append(float(m.group(1)))
        if server_ms:
            results["/dashboard/"] = {"server_ms_median": statistics.median(server_ms),
                                      "server_ms_max": max(server_ms), "loads": len(server_ms)}  # fmt: skip
            print(f"{'/dashboard/ (server time)':32} median {statistics.median(server_ms):7.1f} ms"
                  f"  max {max(server_ms):7.1f} ms  ({len(server_ms)} loads)")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
