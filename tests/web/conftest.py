"""Portal tests: a real server on loopback and Debian's chromium driven headless by Playwright.

Browser tests skip, saying why, where Playwright or ``/usr/bin/chromium`` is missing (``.ci/run``
installs chromium with apt-get, so CI runs them). Screenshots go to ``test-artifacts/portal/``
(``$COUNCILPLAN_ARTIFACTS`` overrides).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from councilplan.api import create_app
from councilplan.api.server import running
from councilplan.store.db import Database

CHROMIUM = os.environ.get("COUNCILPLAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("COUNCILPLAN_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")) / "portal"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    """A server with API and portal on a fresh SQLite file: (base URL, database)."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.db'}")
    db.upgrade()
    with running(create_app(db, migrate=False)) as url:
        yield url, db
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                   "(pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium), as .ci/run does")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Any:
    """``shots(page, name)`` saves a full-page screenshot as a test artefact and returns its path;
    ``shots(page, name, element)`` saves only that element (a Playwright locator)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, element: Any = None) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        if element is not None:
            element.screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), full_page=True)
        return path

    return take



@pytest.fixture(scope="session", autouse=True)
def _axe_report() -> Iterator[None]:
    """After the run, ``axe.txt`` beside the screenshots lists every page axe-core passed."""
    from portalhelpers import PAGES_CHECKED

    yield
    if PAGES_CHECKED:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "axe.txt").write_text("axe-core: no serious or critical violations on\n"
                                           + "\n".join(PAGES_CHECKED) + "\n")
