"""The HiGHS backend stopped early: the bound its dual simplex had reached."""

from __future__ import annotations

import pytest

from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, get_solver


def test_dual_simplex_stopped_by_a_limit_reports_a_lower_bound() -> None:
    pe = planted_economy(2000, seed=0)
    lp = build_problem(pe.economy, "min-labour")
    bounds = []
    for limit in (300, 1500):
        stopped = get_solver("highs").solve_lp(lp, SolveOptions(extra={"simplex_iteration_limit": limit}))
        assert stopped.status is Status.ITERATION_LIMIT
        bounds.append(stopped.extra["dual_bound"])
    assert 0 < bounds[0] <= bounds[1] <= pe.objective * (1 + 1e-9)  # rises towards the known optimum
    done = get_solver("highs").solve_lp(lp, SolveOptions())
    assert done.status is Status.OPTIMAL and "dual_bound" not in done.extra
    assert lp.c @ done.x == pytest.approx(pe.objective, rel=1e-7)
