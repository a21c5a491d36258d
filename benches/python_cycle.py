"""The agent cycle as a Python host calls it: the organisation of benches/benches/cycle.rs (50
teams, 53 backlog tickets each), synced once; first cycles on copies, then steady cycles.
Run: `python benches/python_cycle.py` with the package installed (a release build for figures)."""
import shutil, statistics, sys, tempfile, time
from pathlib import Path
import juno
sim = juno.SimSource({"teams": 50, "backlog_per_team": 53})
d = Path(tempfile.mkdtemp())
with juno.Juno(d / "t.db", now=sim.end) as j:
    j.source.sync(sim)
firsts, steadies = [], []
for i in range(5):
    shutil.copy(d / "t.db", d / f"c{i}.db")
    with juno.Juno(d / f"c{i}.db", now=sim.end) as j:
        t = time.perf_counter(); r = j.agent.run_cycle(); firsts.append(time.perf_counter() - t)
        for _ in range(2):
            t = time.perf_counter(); j.agent.run_cycle(); steadies.append(time.perf_counter() - t)
        core = sum(r["timings_ms"].values())
print(f"open tickets {r['seen']['open_tickets']}, proposals {len(r['proposals'])}")
print(f"first cycle from Python: median {statistics.median(firsts)*1e3:.0f} ms (5 runs); the core's stages inside it: {core:.0f} ms")
print(f"steady cycle from Python: median {statistics.median(steadies)*1e3:.0f} ms (10 runs)")
print(f"per open ticket, first cycle: {statistics.median(firsts)/r['seen']['open_tickets']*1e6:.1f} us")
with juno.Juno(d / "c0.db", now=sim.end) as j:
    rows = []
    for _ in range(5):
        t = time.perf_counter(); r = j.agent.run_cycle(); wall = time.perf_counter() - t
        rows.append((wall * 1e3, sum(r["timings_ms"].values())))
    w = statistics.median(x for x, _ in rows); c = statistics.median(y for _, y in rows)
    print(f"steady, same engine: wall {w:.0f} ms, the core's stages {c:.0f} ms, outside the stages (lease, report storage, conversion to dicts) {w - c:.0f} ms")
