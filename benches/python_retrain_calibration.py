"""What `Forecaster.retrain` costs a Python host now that it fits the forward calibration
(out-of-time refits in blocks, one seeded simulation per recorded sprint), and what a
forecast with the calibration applied costs per call. Sprints are python/tests'
`_observation` generator's (three teams, a five-sprint history each).

    python benches/python_retrain_calibration.py
"""

from __future__ import annotations

import sys, time
import juno
from typing import Any
def _observation(i: int) -> dict[str, Any]:
    """A sprint at 30% of its plan: further along, more often delivered (deterministic)."""
    committed = 20.0 + (i % 7) * 3.0
    done_share = (i * 37 % 100) / 100 * 0.6
    delivered_share = 0.45 + done_share * 1.2 + ((i * 53 % 40) - 20) / 100
    return {
        "state": {
            "team": f"team{i % 3}", "sprint": f"S{i}", "committed_points": committed,
            "done_points": committed * done_share,
            "todo_points": committed * (1 - done_share), "days_elapsed": 3,
            "days_planned": 10, "team_size": 5,
        },
        "history": {"sprints": [
            {"committed_points": 30, "delivered_points": 20 + (i + k) % 12, "days": 10}
            for k in range(5)
        ]},
        "delivered_points": committed * delivered_share,
        "ended_at": f"{2000 + i // 336}-{1 + i % 336 // 28:02d}-{1 + i % 28:02d}T12:00:00Z",
    }  # fmt: skip



for n in (200, 1000):
    with juno.Juno(":memory:") as j:
        for i in range(n):
            j.forecast.record(_observation(i))
        t = time.perf_counter()
        m = j.forecast.retrain().model
        dt = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(200):
            j.forecast.sprint(_observation(5000)["state"], _observation(5000)["history"])
        per = (time.perf_counter() - t) / 200
        print(f"{n} sprints: retrain {dt*1000:.0f} ms; forecast with calibration {per*1e6:.0f} µs/call;"
              f" calibrated on {m.calibration['probability']['outcomes']} outcomes")
