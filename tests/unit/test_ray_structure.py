"""The ray plan's planted optimum and its structure path (issue 13, first slice).

``planted_economy(..., binding="all")`` plants ``s* = 1`` for the ray plan as well as least labour's
optimum; :class:`~councilplan.solvers.substitution.ray.RaySearch` brackets the ray's scale between a
feasible plan (lower bound) and a dual point (upper bound), which these tests check against the
planted optimum and against HiGHS.
"""

from __future__ import annotations

import numpy as np
import pytest

from councilplan.model.errors import InputError
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, get_solver
from councilplan.solvers.base import certify
from councilplan.solvers.substitution import NotApplicableError
from councilplan.solvers.substitution.ray import RaySearch, ray_system


@pytest.mark.parametrize(("n", "seed"), [(40, 0), (200, 1), (600, 2)])
def test_planted_ray_pair_certifies_and_highs_agrees(n: int, seed: int) -> None:
    pe = planted_economy(n, seed=seed, binding="all")
    lp = build_problem(pe.economy, "ray")
    x = np.r_[pe.x, lp.meta["ray_unit"]]
    cert = certify(lp, x, pe.ray_row_dual())
    assert cert.within(1e-10)
    assert cert.primal_objective == pytest.approx(1.0, abs=1e-12)
    _, hcert, _ = get_solver("highs").solve(lp, SolveOptions(tol=1e-9))
    assert hcert.primal_objective == pytest.approx(1.0, rel=1e-7)


def test_binding_all_keeps_the_least_labour_optimum() -> None:
    pe = planted_economy(300, seed=4, binding="all")
    lp = build_problem(pe.economy, "min-labour")
    assert certify(lp, pe.x, pe.row_dual()).within(1e-10)
    avail = pe.economy.labour_available.to_numpy()
    use = np.asarray(pe.economy.L @ pe.x).ravel()
    np.testing.assert_allclose(avail, use, rtol=1e-12)


def test_binding_must_be_known() -> None:
    with pytest.raises(InputError, match="binding"):
        planted_economy(20, binding="some")


@pytest.mark.parametrize(("n", "seed"), [(60, 1), (300, 2), (300, 3)])
def test_ray_search_brackets_the_planted_scale(n: int, seed: int) -> None:
    pe = planted_economy(n, seed=seed, binding="all")
    lp = build_problem(pe.economy, "ray")
    rs = ray_system(lp)
    search = RaySearch(rs, SolveOptions(tol=1e-6, extra={"max_probes": 40}))
    x, L, dual = search.solve()
    unit = lp.meta["ray_unit"]
    # the plan is feasible (a lower bound) and the dual bound is above the optimum
    cert = certify(lp, rs.point(x, L), rs.row_dual(*dual))
    assert cert.primal_residual <= 1e-9
    assert L / unit <= 1.0 + 1e-9
    assert search.upper / unit >= 1.0 - 1e-9
    assert (search.upper - L) / search.upper <= 1e-6
    # the bound is the dual objective of a dual-feasible point, as certify computes it from the data
    assert cert.dual_residual <= 1e-9
    assert cert.dual_objective == pytest.approx(search.upper / unit, rel=1e-9)


@pytest.mark.parametrize("share", [0.5, 1.2])
def test_ray_system_reads_floors_and_brackets_highs(share: float) -> None:
    """Floors fold into the goods rows, slack (0.5) or binding (1.2); the master starts from the
    least-cost plan of the floors alone, and the bounds bracket HiGHS' scale."""
    pe = planted_economy(200, seed=5, binding="all")
    tg = pe.economy.targets.copy()
    floor = np.zeros(len(tg))
    floor[:5] = share * tg["amount"].to_numpy()[:5]
    tg["floor"] = floor
    lp = build_problem(pe.economy.with_targets(tg), "ray")
    rs = ray_system(lp)
    assert np.count_nonzero(rs.f) == 5
    _, hcert, _ = get_solver("highs").solve(lp, SolveOptions(tol=1e-9))
    s = hcert.primal_objective * lp.meta["ray_unit"]
    search = RaySearch(rs, SolveOptions(tol=1e-6, extra={"max_probes": 60}))
    _, L, _ = search.solve()
    assert (search.upper - L) / search.upper <= 1e-6
    assert s * (1 + 1e-7) >= L
    assert search.upper >= s * (1 - 1e-7)


def test_ray_system_refuses_other_objectives() -> None:
    pe = planted_economy(50, seed=0)
    with pytest.raises(NotApplicableError):
        ray_system(build_problem(pe.economy, "min-labour"))
    with pytest.raises(NotApplicableError):
        ray_system(build_problem(pe.economy, "harmony"))

