"""Shared fixtures: where the real tables live, and small economies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """``../shared/data`` next to the repository, or ``$COUNCILPLAN_SHARED_DATA``."""
    env = os.environ.get("COUNCILPLAN_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real tables; skips the test with a clear reason when they are absent."""
    d = shared_data_dir()
    if d is None:
        pytest.skip("the real tables in ../shared/data are absent (set COUNCILPLAN_SHARED_DATA to their folder)")
    return d
