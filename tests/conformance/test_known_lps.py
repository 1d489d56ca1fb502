"""Every registered, installed backend must pass the known-answer LPs."""

from __future__ import annotations

import numpy as np
import pytest

from councilplan.solvers import SolveOptions, Status, available_solvers, certify, get_solver

from .known_lps import KnownLP, known_lps

CASES = known_lps()

#: per-backend tolerance on reported values: exact solvers are held to 1e-7,
#: first-order ones to their default certificate tolerance.
TOL = {"highs": 1e-7}


def _tol(name: str) -> float:
    return TOL.get(name, 1e-3)


@pytest.fixture(params=available_solvers())
def solver_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_at_least_highs_is_available() -> None:
    assert "highs" in available_solvers()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_known_answer(solver_name: str, case: KnownLP) -> None:
    solver = get_solver(solver_name)
    tol = _tol(solver_name)
    res = solver.solve_lp(case.lp, SolveOptions(tol=min(tol, 1e-6) if solver_name != "highs" else 1e-9))
    assert res.status is case.status, res.message
    if case.status is not Status.OPTIMAL:
        return
    assert res.x is not None and res.row_dual is not None
    cert = certify(case.lp, res.x, res.row_dual)
    assert cert.within(tol), cert
    assert cert.primal_objective == pytest.approx(case.objective, rel=tol, abs=tol)
    assert cert.dual_objective == pytest.approx(case.objective, rel=tol, abs=tol)
    if case.x is not None:
        np.testing.assert_allclose(res.x, case.x, rtol=tol * 10, atol=tol * 10)
    if case.row_dual is not None:
        np.testing.assert_allclose(res.row_dual, case.row_dual, rtol=tol * 10, atol=tol * 10)
