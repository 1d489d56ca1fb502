"""Any optimal plan of a random economy makes a bundle that the standalone verifier accepts."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import councilplan as cp
from councilplan import verifier
from councilplan.model import iomath
from councilplan.planning.bundle import write_bundle

from .strategies import activity_economies, leontief_economies

SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _verifies(e: cp.Economy, tmp: pytest.TempPathFactory, *, all_optimal: bool) -> None:
    for objective in ("ray", "harmony", "min-labour"):
        p = cp.plan(e, objective, with_values=False)  # type: ignore[arg-type]
        if not p.optimal:
            assert not all_optimal, objective
            continue
        report = verifier.verify(str(write_bundle(p, e, tmp.mktemp("b") / f"{objective}.zip")))
        assert report.ok, (objective, [c.text for c in report.failed()])


@SETTINGS
@given(e=activity_economies())
def test_random_economies_verify_for_every_objective(e: cp.Economy, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Joint products and several techniques per good included, at the plan's own 1e-7."""
    _verifies(e, tmp_path_factory, all_optimal=False)


@SETTINGS
@given(e=leontief_economies())
def test_random_leontief_economies_verify(e: cp.Economy, tmp_path_factory: pytest.TempPathFactory) -> None:
    """With labour for 1.3× the targets every objective is optimal, and every plan verifies."""
    need = float(e.total_labour @ iomath.gross_output(e.A, e.targets["amount"].to_numpy()))
    e = e.replace(labour_available=pd.Series([need * 1.3], index=e.labour_kinds))
    _verifies(e, tmp_path_factory, all_optimal=True)
