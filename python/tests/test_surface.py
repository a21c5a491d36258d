"""The parity table ``tests/surface.json`` against the Python package: every Python name it
lists exists, every public method of the engine's handles is listed (or is Python-only,
with a reason), and the old names still work for one release but warn. The Rust handles
and the C header are checked by ``juno-ffi/tests/surface.rs``."""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import juno
from juno import _juno

TABLE = json.loads((Path(__file__).resolve().parents[2] / "tests" / "surface.json").read_text())
HANDLES = ["Juno", "Memories", "Governance", "Audit", "Reasoning", "Velocity", "Triage",
           "Forecaster", "Flow", "Sources", "Agent", "Executions"]  # fmt: skip


def resolve(name: str) -> Any:
    """`Class.method`, `Juno()` (the constructor), `juno.eval.sprint_risk`, `juno.__version__`."""
    if name.endswith("()"):
        return getattr(_juno, name[:-2])
    if name.startswith("juno."):
        module, _, attr = name.rpartition(".")
        return getattr(importlib.import_module(module), attr)
    cls, _, attr = name.partition(".")
    return getattr(getattr(_juno, cls), attr)


def listed() -> set[str]:
    names = {o["python"] for o in TABLE["operations"] if o["python"]}
    return names | set(TABLE["python_only"])


def test_every_listed_python_name_exists() -> None:
    for name in sorted(listed()):
        assert resolve(name) is not None, name


def test_every_public_handle_method_is_listed() -> None:
    names = listed()
    missing = [
        f"{cls}.{attr}"
        for cls in HANDLES
        for attr in dir(getattr(_juno, cls))
        if not attr.startswith("_") and f"{cls}.{attr}" not in names
    ]
    assert missing == [], f"add these to tests/surface.json: {missing}"


def test_a_missing_surface_says_why() -> None:
    for o in TABLE["operations"]:
        if o["python"] is None or o["c"] is None:
            assert o.get("why"), o["core"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("MemoryRecord", "Memory"),
        ("Forecast", "Forecaster"),
        ("ConfidenceFactor", "Factor"),
        ("ScoreComponent", "Factor"),
    ],
)
def test_old_class_names_warn_and_resolve(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=new):
        assert getattr(juno, old) is getattr(juno, new)


def test_old_function_names_warn_and_still_work() -> None:
    mc = {"committed": 10, "done": 2, "days_remaining": 4, "planned_days": 8,
          "trials": 100, "seed": 1}  # fmt: skip
    with juno.Juno(":memory:") as j:
        with pytest.warns(DeprecationWarning, match="forecast.monte_carlo"):
            old = juno.monte_carlo(mc)
        assert old.to_dict() == j.forecast.monte_carlo(mc).to_dict()
        with pytest.warns(DeprecationWarning, match="set_clock"):
            j.set_time(j.now())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluation = importlib.reload(importlib.import_module("juno.evaluation"))
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert evaluation.sprint_risk is importlib.import_module("juno.eval").sprint_risk
    with pytest.raises(AttributeError):
        juno.NoSuchName  # noqa: B018


def test_a_category_score_is_a_factor_with_a_threshold() -> None:
    with juno.Juno(":memory:") as j:
        f = j.forecast.sprint({"team": "a", "sprint": "s", "committed_points": 30,
                               "done_points": 3, "days_elapsed": 5, "days_planned": 10})  # fmt: skip
    c = f.categories[0]
    assert set(c.to_dict()) == {"name", "value", "weight", "contribution", "threshold",
                                "flagged", "evidence"}  # fmt: skip
    assert abs(c.value * c.weight - c.contribution) < 1e-12
    with pytest.warns(DeprecationWarning, match="value"):
        assert c.score == c.value

