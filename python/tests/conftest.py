"""Shared helpers: the cross-language fixture and engines on real SQLite files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import juno

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PATH = REPO / "tests" / "fixtures" / "memory_fixture.json"

#: 2026-01-01T00:00:00Z, the fixture's "now".
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def load_fixture() -> dict[str, Any]:
    with FIXTURE_PATH.open(encoding="utf-8") as f:
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
