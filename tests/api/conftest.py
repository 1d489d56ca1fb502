"""API tests over real HTTP on loopback, on SQLite (a file) and PostgreSQL (a fresh database per session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from apihelpers import Api  # noqa: E402

from councilplan.api import create_app  # noqa: E402
from councilplan.api.server import running  # noqa: E402
from councilplan.store.db import Database  # noqa: E402
from councilplan.store.testing import throwaway_url  # noqa: E402


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_url(request.param, tmp_path_factory.mktemp("api"), "api.db", skip=pytest.skip) as url:
        yield url


@pytest.fixture(scope="session")
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def base_url(database: Database) -> Iterator[str]:
    with running(create_app(database, migrate=False)) as url:
        yield url


@pytest.fixture
def api(base_url: str) -> Iterator[Api]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield Api(client)
