"""Shared helpers: the cross-language fixture and engines on real SQLite files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import juno
from juno.errors import ERRORS_BY_KIND, JunoError

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PATH = REPO / "tests" / "fixtures" / "memory_fixture.json"
GOVERNANCE_FIXTURE_PATH = REPO / "tests" / "fixtures" / "governance_fixture.json"

#: 2026-01-01T00:00:00Z, the fixture's "now".
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def load_fixture() -> dict[str, Any]:
    with FIXTURE_PATH.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def load_governance_fixture() -> dict[str, Any]:
    with GOVERNANCE_FIXTURE_PATH.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@pytest.fixture
def fixture_data() -> dict[str, Any]:
    return load_fixture()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "juno.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[juno.Juno]:
    """A file-backed engine with the clock fixed at T0."""
    j = juno.Juno(db_path, now=T0)
    try:
        yield j
    finally:
        j.close()


@pytest.fixture
def seeded(engine: juno.Juno, fixture_data: dict[str, Any]) -> juno.Juno:
    """The engine holding the fixture's memories."""
    engine.memory.store_many(fixture_data["memories"])
    return engine


def populate_governance(j: juno.Juno) -> dict[str, int]:
    """Roles, requests and decisions from the governance fixture; returns request ids by name.

    Leaves an audit log of 18 entries: 7 role grants, 5 submissions, an approval, a
    rejection, a refusal, a cancellation, and one execution (claim and outcome).
    """
    f = load_governance_fixture()
    gov = j.governance
    for r in f["roles"]:
        gov.assign_role(r["user"], r["role"], r["teams"], by="admin@company.com")
    ids = {r["name"]: gov.submit(r["request"]).id for r in f["requests"]}
    reassign = gov.get(ids["reassign"])
    gov.approve(reassign.id, "tl.alpha@company.com", reassign.digest)
    gov.reject(ids["descope"], "pm@company.com", "not this sprint")
    with pytest.raises(juno.errors.PermissionDeniedError):  # own request: refused, audited
        gov.approve(ids["close"], "tl.beta@company.com", gov.get(ids["close"]).digest)
    gov.cancel(ids["close"], "tl.beta@company.com")
    gov.execute(reassign.id, reassign.action, lambda action: {"ok": True})
    return ids


# ---- the engines' and forecast's fixture rules (see each fixture's description), as
# juno-core/tests/common/mod.rs and tests/c/expect.h apply them


def case_names(cases: list[dict[str, Any]]) -> list[str]:
    """The cases' names, as pytest ids."""
    return [c["name"] for c in cases]


def mismatch(got: Any, want: Any, tol: float, path: str = "") -> str | None:
    """Where `got` does not contain `want` (the fixture's subset rule), or None."""
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return None if got == want and type(got) is type(want) else (
            f"{path}: got {got!r}, want {want!r}"
        )
    if isinstance(want, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{path}: got {got!r}, want {want!r}"
        return None if abs(got - want) <= tol else f"{path}: got {got!r}, want {want!r}"
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path}: got {got!r}, want {len(want)} items"
        for i, (g, w) in enumerate(zip(got, want)):
            if (m := mismatch(g, w, tol, f"{path}[{i}]")) is not None:
                return m
        return None
    assert isinstance(want, dict)
    if not isinstance(got, dict):
        return f"{path}: got {got!r}, want an object"
    for k, w in want.items():
        if k not in got:
            return f"{path}: no `{k}`"
        if (m := mismatch(got[k], w, tol, f"{path}.{k}")) is not None:
            return m
    return None


def check_explain(case: dict[str, Any], explain: Callable[[str], str]) -> None:
    """The case's `explain` map: each level's text contains each string."""
    for level, wants in case.get("explain", {}).items():
        text = explain(level)
        for want in wants:
            assert want in text, f"{case['name']} at {level}: {want!r} not in\n{text}"


def check_error(case: dict[str, Any], call: Callable[[], object]) -> None:
    """`call` raises the case's `error_kind` class, naming its `field` when given."""
    cls = ERRORS_BY_KIND[case["error_kind"]]
    with pytest.raises(JunoError) as caught:
        call()
    assert type(caught.value) is cls, f"{case['name']}: {caught.value!r}"
    if "field" in case:
        assert caught.value.details.get("field") == case["field"], caught.value.details
