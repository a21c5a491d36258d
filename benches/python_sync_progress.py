"""What `progress=` costs a Python host on `Sources.sync`: a Jira sync of 2,000 issues in
pages of 50 (41 events) from a real HTTP stand-in on 127.0.0.1 (python/tests'
test_jira_python), with no callback and with `list.append`, best of 5 each.

The stand-in runs in a child process, as Jira runs elsewhere. Served from a thread of the
host's own process instead (`--same-process`), each event's callback also waits for the
GIL that the serving thread holds: that is what a busy multi-threaded host pays.

    python benches/python_sync_progress.py
"""

from __future__ import annotations

import sys
import tempfile
import multiprocessing
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python" / "tests"))

import juno  # noqa: E402
from test_jira_python import NOW, Site, _handler, _issue, _settings  # noqa: E402

ISSUES, PAGE, RUNS = 2000, 50, 5


def best(url: str, progress: bool) -> tuple[float, int]:
    times, events = [], 0
    for _ in range(RUNS):
        seen: list[dict[str, object]] = []
        with tempfile.TemporaryDirectory() as d, juno.Juno(Path(d) / "j.db", now=NOW) as j:
            source = juno.JiraSource({**_settings(url), "page_size": PAGE})
            start = time.perf_counter()
            j.source.sync(source, progress=seen.append if progress else None)
            times.append(time.perf_counter() - start)
        events = len(seen)
    return min(times), events


def serve(port: "multiprocessing.Queue[int]") -> None:
    site = Site()
    site.issues = [_issue(n) for n in range(1, ISSUES + 1)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    port.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    if "--same-process" in sys.argv:
        q: "multiprocessing.Queue[int]" = multiprocessing.Queue()
        threading.Thread(target=serve, args=(q,), daemon=True).start()
        child = None
    else:
        q = multiprocessing.Queue()
        child = multiprocessing.Process(target=serve, args=(q,), daemon=True)
        child.start()
    url = f"http://127.0.0.1:{q.get()}"
    try:
        plain, _ = best(url, progress=False)
        with_cb, events = best(url, progress=True)
    finally:
        if child is not None:
            child.terminate()
    where = "this process" if child is None else "a child process"
    print(f"sync of {ISSUES} issues in pages of {PAGE}, best of {RUNS}, stand-in in {where}:")
    print(f"  no progress:        {plain * 1e3:8.1f} ms ({plain / ISSUES * 1e6:.1f} µs/issue)")
    print(f"  progress=append:    {with_cb * 1e3:8.1f} ms, {events} events")
    print(f"  difference:         {(with_cb - plain) * 1e3:8.2f} ms "
          f"({(with_cb - plain) / max(events, 1) * 1e6:.1f} µs per event)")


if __name__ == "__main__":
    main()
