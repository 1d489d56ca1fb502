"""The ray's bracket (issue 13, item 2): a feasible plan below the optimum, a dual bound above it,
from any point a solver returns; and plans from inexact backends that report the feasible one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.model.errors import InputError
from councilplan.model.synthetic import random_economy
from councilplan.planning.bracket import ray_bracket, ray_lower, ray_upper
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.substitution.system import NotApplicableError, substitution_system

#: HiGHS is asked for its optima at this tolerance: at its default (1e-7 on scaled rows) its plan
#: overused a resource by 5.7e-6 on a random draw (random_economy(14, seed=4, resources=2)), and its
#: scale sat that far above the closed bracket; at 1e-9 they agree to 1e-14
HIGHS_TOL = 1e-9
#: how far HiGHS' scale may then sit from the true optimum
HIGHS_REL = 1e-7

economies = st.builds(
    random_economy, st.integers(5, 60), seed=st.integers(0, 10_000), alt_share=st.sampled_from([0.0, 0.3]),
    resources=st.integers(0, 2), capacity_share=st.sampled_from([0.0, 0.2]),
    joint_share=st.sampled_from([0.0, 0.3]))


def _feasible(e: cp.Economy, x: np.ndarray, scale: float) -> None:
    """``x`` meets every constraint of the ray plan at ``scale`` (to rounding)."""
    tg = e.targets
    y = e.net @ x
    tol = 1e-9 * max(1.0, float(np.abs(y).max()))
    assert (x >= -1e-12).all() and (x <= e.capacity.to_numpy() * (1 + 1e-12) + 1e-12).all()
    assert (y >= np.maximum(tg["floor"].to_numpy(), 0.0) - tol).all() and (y >= -tol).all()
    assert (y >= scale * tg["amount"].to_numpy() - tol).all()
    for M, avail in ((e.L, e.labour_available), (e.R, e.resource_available)):
        a = avail.to_numpy(dtype=float)
        assert (M @ x <= np.where(np.isfinite(a), a, np.inf) * (1 + 1e-12) + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(e=economies, noise=st.floats(0.0, 0.05), seed=st.integers(0, 1000))
def test_the_bracket_holds_the_optimum_from_any_point(e: cp.Economy, noise: float, seed: int) -> None:
    """Whatever point it starts from (HiGHS' optimum, perturbed), the repaired plan is feasible, its
    scale is at most the optimum, and the dual bound is at least the optimum."""
    lp = build_problem(e, "ray")
    res, cert, _ = get_solver("highs").solve(lp, SolveOptions(tol=HIGHS_TOL))
    if res.status is not Status.OPTIMAL or cert is None:
        return
    s = cert.primal_objective
    rng = np.random.default_rng(seed)
    x = res.x * (1 + noise * rng.standard_normal(res.x.size))
    y = res.row_dual * (1 + noise * rng.standard_normal(res.row_dual.size))
    b = ray_bracket(e, lp, x, y)
    if b is None:  # the repair may fail (a floor scaling down would break): then nothing is claimed
        return
    assert b.lower <= s * (1 + HIGHS_REL) + 1e-12
    assert b.upper >= s * (1 - HIGHS_REL) - 1e-12  # HiGHS' s* meets its rows to its tolerance only
    _feasible(e, b.x, b.lower)
    if noise == 0.0:  # from the optimum itself the bracket closes
        assert b.lower == pytest.approx(s, rel=HIGHS_REL, abs=1e-10)
        assert b.upper == pytest.approx(s, rel=1e-3, abs=1e-9) or not np.isfinite(b.upper)


def test_a_profitable_process_nothing_bounds_makes_the_dual_bound_infinite() -> None:
    e = random_economy(20, seed=3, capacity_share=0.0)
    lp = build_problem(e, "ray")
    res, _, _ = get_solver("highs").solve(lp, SolveOptions())
    assert np.isfinite(ray_upper(e, lp, res.row_dual))
    free = e.replace(labour_available=e.labour_available * np.inf)  # no limit at all: the ray is unbounded
    assert ray_upper(free, build_problem(free, "ray"), res.row_dual) == np.inf
    assert ray_lower(e, np.zeros(e.n_processes)) is not None  # from nothing: a feasible plan of scale 0
    assert ray_lower(e, np.zeros(e.n_processes))[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_pdlp_ray_plan_is_within_tol_of_the_planted_optimum(n: int) -> None:
    """Planted ray optimum s* = 1 (every labour kind binding): with tol 1e-4 the reported scale is
    that of a feasible plan and within 1e-4 of s*; the bounds hold s*."""
    pe = planted_economy(n, seed=5, binding="all")
    p = cp.plan(pe.economy, "ray", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    assert p.optimal and p.bounds is not None and p.scale is not None
    lo, hi = p.bounds
    assert lo == p.scale <= 1.0 + 1e-9 <= hi + 2e-9
    assert abs(p.scale - 1.0) <= 1e-4 and (hi - lo) / hi <= 1e-4
    assert "within tol" in p.message and "NOT" not in p.message
    assert p.certificate is not None and p.certificate.primal_residual <= 1e-12  # the plan reported is feasible
    _feasible(pe.economy, p.activity.to_numpy(), p.scale)


def test_joint_production_leaves_the_substitution_path_for_pdlp() -> None:
    """Non-substitution needs one output per process: joint production is refused with the reason,
    and the backends that take it agree with HiGHS to the bracket's tolerance."""
    e = random_economy(1500, seed=1, joint_share=0.3)
    assert (np.diff(e.B.tocsc().indptr) > 1).sum() > 0.25 * e.n_processes
    lp = build_problem(e, "min-labour")
    with pytest.raises(NotApplicableError, match="joint production"):
        substitution_system(lp)
    exact = cp.plan(e, "ray", "highs", with_values=False)
    for backend in ("substitution", "pdlp"):
        p = cp.plan(e, "ray", backend, SolveOptions(tol=1e-4), with_values=False)
        assert p.optimal and p.bounds is not None
        assert p.bounds[0] <= exact.scale * (1 + 1e-9) and p.bounds[1] >= exact.scale * (1 - 1e-9)
        assert abs(p.scale - exact.scale) <= 1e-4 * exact.scale
    p = cp.plan(e, "ray", "highs", with_values=False)
    assert p.bounds is None  # an exact backend's plan needs no bracket


def test_joint_share_is_validated_and_optional() -> None:
    with pytest.raises(InputError, match="joint_share"):
        random_economy(10, joint_share=1.5)
    a, b = random_economy(50, seed=4), random_economy(50, seed=4, joint_share=0.0)
    assert (a.A != b.A).nnz == 0 and (a.B != b.B).nnz == 0  # the option does not disturb old economies
