"""Polishing a ray plan on its techniques (issue 13): exact prices and an exact plan from the
techniques a solver's plan chooses, so that the bracket closes on the optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.model.synthetic import random_economy
from councilplan.planning.bracket import ray_bracket
from councilplan.planning.planted import planted_economy
from councilplan.planning.polish import (
    lagrangian_bound,
    policy_plan,
    policy_prices,
    polish,
    techniques,
)
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, certify, get_solver

from .test_ray_bracket import HIGHS_REL, HIGHS_TOL, _feasible, economies


@settings(max_examples=40, deadline=None)
@given(e=economies, noise=st.floats(0.0, 0.2), seed=st.integers(0, 1000))
def test_polished_bounds_hold_the_optimum_whatever_the_techniques(e: cp.Economy, noise: float, seed: int) -> None:
    """From any plan (HiGHS' optimum, perturbed: other techniques, other levels) the polished plan is
    feasible with a scale at most s*, and the polished prices bound s* from above."""
    res, cert, _ = get_solver("highs").solve(build_problem(e, "ray"), SolveOptions(tol=HIGHS_TOL))
    if res.status is not Status.OPTIMAL or cert is None:
        return
    s, n = cert.primal_objective, e.n_processes
    rng = np.random.default_rng(seed)
    x = np.clip(res.x[:n] * (1 + noise * rng.standard_normal(n)), 0.0, None)
    best, upper, prices = polish(e, x, s)
    assert upper >= s * (1 - HIGHS_REL) - 1e-12  # HiGHS' s* meets its rows to its tolerance only
    if prices is not None:
        assert prices.bound == pytest.approx(lagrangian_bound(e, prices.p, prices.q, prices.w, prices.v))
        assert prices.p @ e.targets["amount"].to_numpy() == pytest.approx(1.0)
    if best is not None:
        assert best[0] <= s * (1 + HIGHS_REL) + 1e-12
        _feasible(e, best[1], best[0])


@pytest.mark.parametrize(("n", "seed"), [(200, 0), (1000, 1), (3000, 2), (10_000, 5)])
def test_polish_recovers_the_planted_ray_optimum(n: int, seed: int) -> None:
    """Planted ray optima (s* = 1, every labour kind binding) are recovered to 1e-9 from pdlp's plan
    at tol 1e-4: the plan reported is feasible and the bracket is closed, and certify agrees."""
    pe = planted_economy(n, seed=seed, binding="all")
    p = cp.plan(pe.economy, "ray", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    assert p.optimal and p.bounds is not None and p.scale is not None
    lo, hi = p.bounds
    assert 1 - 1e-9 <= lo <= 1 + 1e-12 and 1 - 1e-12 <= hi <= 1 + 1e-9
    _feasible(pe.economy, p.activity.to_numpy(), p.scale)
    c = p.certificate
    assert c is not None and c.within(1e-9)  # the polished duals certify the plan


def test_polished_prices_and_plan_from_the_optimum_itself() -> None:
    """From the planted optimum's own techniques both sides are s* = 1 after one round."""
    pe = planted_economy(2000, seed=3, binding="all")
    e = pe.economy
    prices = policy_prices(e, pe.x, 1.0)
    assert prices is not None
    assert prices.bound == pytest.approx(1.0, abs=1e-9)
    plan = policy_plan(e, pe.x, prices, 1.0)
    assert plan.scale == pytest.approx(1.0, abs=1e-9) and plan.x is not None
    _feasible(e, plan.x, plan.scale)
    lp = build_problem(e, "ray")
    from councilplan.planning.bracket import ray_row_dual

    X = np.append(plan.x, plan.scale * lp.meta["ray_unit"])
    c = certify(lp, X, ray_row_dual(e, lp, prices.p, prices.q, prices.w, prices.v))
    assert c.within(1e-9)


def test_techniques_prefer_a_process_with_room() -> None:
    """A process a solver left just below its capacity counts as full: the good's technique is the
    other one (the full one then runs on its rent)."""
    pe = planted_economy(500, seed=1, binding="all")
    e = pe.economy
    cap = e.capacity.to_numpy()
    x = pe.x * 0.9999  # a first-order solver's scaling
    pick = techniques(e, x)
    assert not (np.isfinite(cap[pick]) & (pe.x[pick] >= cap[pick] * (1 - 1e-9))).any()


def test_a_bracket_from_a_loose_point_is_valid_and_never_worse_than_the_repair() -> None:
    e = random_economy(400, seed=9, capacity_share=0.2, resources=1)
    lp = build_problem(e, "ray")
    _, cert, _ = get_solver("highs").solve(lp, SolveOptions())
    loose, _, _ = get_solver("pdlp").solve(lp, SolveOptions(tol=1e-2))
    b = ray_bracket(e, lp, loose.x, loose.row_dual)
    assert b is not None and cert is not None
    assert b.lower <= cert.primal_objective * (1 + 1e-9) <= b.upper * (1 + 2e-9)
    _feasible(e, b.x, b.lower)


def test_the_bracket_closes_where_pdlp_alone_stalls() -> None:
    """The 6-good degenerate ray LP on which PDHG alone stalls at residuals ~4e-6
    (tests/property/test_pdlp_agrees.py, xfail): through plan() the polished bracket closes on
    HiGHS' optimum."""
    e = random_economy(6, seed=1841, alt_share=0.0, inputs_per_good=3, resources=1, capacity_share=0.3)
    p = cp.plan(e, "ray", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    h = cp.plan(e, "ray", "highs", with_values=False)
    assert p.bounds is not None and h.scale is not None and p.scale is not None
    assert p.bounds[0] <= h.scale * (1 + 1e-12) and p.bounds[1] >= h.scale * (1 - 1e-12)
    assert p.scale == pytest.approx(h.scale, rel=1e-9)


def test_the_closed_bracket_is_the_optimum_where_highs_default_is_off() -> None:
    """random_economy(14, seed=4, resources=2): HiGHS at its default tolerance overuses a resource by
    5.7e-6 and reports a scale that much too high; the bracket closes on its optimum at 1e-9."""
    e = random_economy(14, seed=4, alt_share=0.0, resources=2, capacity_share=0.0)
    lp = build_problem(e, "ray")
    res, _, _ = get_solver("highs").solve(lp, SolveOptions(tol=HIGHS_TOL))
    b = ray_bracket(e, lp, res.x, res.row_dual)
    assert b is not None and b.gap <= 1e-12
    assert b.lower == pytest.approx(res.x[-1] / lp.meta["ray_unit"], rel=1e-12)
