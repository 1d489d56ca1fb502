"""Helpers to build plan bundles and to tamper with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import councilplan as cp
from councilplan.planning.bundle import write_bundle


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[..., Path]:
    """``make_bundle(example, objective)``: plan a built-in economy with HiGHS and write its bundle."""

    def make(example: str = "kantorovich", objective: str = "ray", **kw: Any) -> Path:
        economy = cp.example(example)
        p = cp.plan(economy, objective, **kw)  # type: ignore[arg-type]
        assert p.optimal
        return write_bundle(p, economy, tmp_path / f"{example}-{objective}.zip")

    return make
