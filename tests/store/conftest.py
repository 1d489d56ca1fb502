"""Storage tests run on SQLite (a file) and on PostgreSQL (a fresh database per test session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from councilplan.store.testing import throwaway_url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty database of each backend (PostgreSQL skipped with the reason when unreachable)."""
    with throwaway_url(request.param, tmp_path_factory.mktemp("store"), "store.db", skip=pytest.skip) as url:
        yield url


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test (used by ``migrations`` tests); parametrise indirectly by backend."""
    with throwaway_url(request.param, tmp_path, "fresh.db", skip=pytest.skip) as url:
        yield url
