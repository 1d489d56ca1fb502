"""The harmony plan's bracket (issue 13): a feasible plan's harmony below the optimum, a dual bound
above it, polished on the plan's techniques; planted harmony optima recovered from pdlp's plan."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.planning.harmony_bracket import harmony_bound, harmony_bracket, harmony_value
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, get_solver

from .test_ray_bracket import HIGHS_REL, HIGHS_TOL, _feasible, economies


def _optimum(e: cp.Economy) -> tuple[float, np.ndarray, np.ndarray] | None:
    """HiGHS' harmony optimum ``H*`` (at :data:`HIGHS_TOL`), its primal and row duals."""
    res, cert, _ = get_solver("highs").solve(build_problem(e, "harmony"), SolveOptions(tol=HIGHS_TOL))
    if res.status is not Status.OPTIMAL or cert is None or res.x is None or res.row_dual is None:
        return None
    return harmony_value(e, res.x[:e.n_processes]), res.x, res.row_dual


@settings(max_examples=40, deadline=None)
@given(e=economies, noise=st.floats(0.0, 0.05), seed=st.integers(0, 1000))
def test_the_harmony_bracket_holds_the_optimum_from_any_point(e: cp.Economy, noise: float, seed: int) -> None:
    """From HiGHS' optimum, perturbed, the repaired or polished plan is feasible with harmony at
    most H*, the dual bound is at least H*; from the optimum itself the bracket closes."""
    got = _optimum(e)
    if got is None:
        return
    H, x, y = got
    lp = build_problem(e, "harmony")
    rng = np.random.default_rng(seed)
    b = harmony_bracket(e, lp, x * (1 + noise * rng.standard_normal(x.size)),
                        y * (1 + noise * rng.standard_normal(y.size)))
    if b is None:  # the repair may fail (joint production: a good no process mainly makes)
        return
    assert b.norm is not None
    tol = HIGHS_REL * b.norm
    assert b.lower <= H + tol and b.upper >= H - tol
    _feasible(e, b.x, 0.0)
    assert harmony_value(e, b.x) == pytest.approx(b.lower, rel=1e-12, abs=1e-12)
    if noise == 0.0:
        assert b.gap <= 1e-6


@pytest.mark.parametrize(("n", "seed"), [(300, 0), (2000, 3)])
def test_pdlp_recovers_the_planted_harmony_optimum(n: int, seed: int) -> None:
    """``PlantedEconomy.harmony_economy``: x* is the harmony optimum with H* = 0 (HiGHS agrees);
    pdlp at tol 1e-4 with the bracket reports a feasible plan within 1e-9 of it, certified."""
    pe = planted_economy(n, seed=seed, binding="all")
    e = pe.harmony_economy()
    got = _optimum(e)
    assert got is not None and abs(got[0]) <= 1e-8 and harmony_value(e, pe.x) == pytest.approx(0.0, abs=1e-9)
    p = cp.plan(e, "harmony", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    assert p.optimal and p.bounds is not None and p.objective is not None
    lo, hi = p.bounds
    scale = 0.25 * float(e.targets["weight"].sum())
    assert -1e-9 * scale <= lo <= 1e-12 and -1e-12 <= hi <= 1e-9 * scale
    assert p.objective == pytest.approx(lo, abs=1e-9 * scale)  # the objective reported is the feasible plan's
    _feasible(e, p.activity.to_numpy(), 0.0)
    assert "within tol" in p.message and "NOT" not in p.message
    # the plan's duals are the bound's prices, so the certificate computed from the data shows the bracket
    c = p.certificate
    assert c is not None and max(c.primal_residual, c.dual_residual, c.gap) <= 1e-8


@settings(max_examples=30, deadline=None)
@given(e=economies)
def test_the_row_dual_of_the_optimum_prices_certifies_it(e: cp.Economy) -> None:
    """``harmony_row_dual`` writes prices ``(p, q, w, v)`` as the LP's row duals: from HiGHS' optimum
    (read back by ``_solver_prices``), its bound is ``H*`` and ``certify`` of the optimum with those
    duals closes (reduced costs of ``z`` zero, of ``y`` the floors' rents)."""
    from councilplan.planning.harmony_bracket import _cap_all, _solver_prices, harmony_row_dual
    from councilplan.solvers.base import certify

    got = _optimum(e)
    if got is None:
        return
    H, x, y = got
    lp = build_problem(e, "harmony")
    prices = _solver_prices(e, lp, y)
    assert prices is not None
    p, q, w, v = prices
    p = np.minimum(p, _cap_all(e))
    U = harmony_bound(e, p, q, w, v)
    assert H - HIGHS_REL * max(1.0, abs(H)) <= U
    c = certify(lp, x, harmony_row_dual(e, lp, p, q, w, v))
    assert c.dual_residual <= 1e-6 and c.gap <= 1e-6


def test_the_dual_bound_refuses_prices_harmony_cannot_pay() -> None:
    """A good's price above its steepest marginal harmony (4 w / t) leaves its harmony unbounded
    below in the Lagrangian: no finite bound; cheap goods and dear labour give a finite one."""
    pe = planted_economy(50, seed=2, binding="all")
    e = pe.harmony_economy()
    m = e.n_goods
    t = e.targets["amount"].to_numpy()
    w = e.targets["weight"].to_numpy()
    too_dear = np.where(t > 0, 5.0 * w / np.where(t > 0, t, 1.0), 0.0)
    nl, nr = len(e.labour_kinds), len(e.resources)
    assert harmony_bound(e, too_dear, np.zeros(m), np.ones(nl), np.zeros(nr)) == np.inf
    fair = np.where(t > 0, w / np.where(t > 0, t, 1.0), 0.0)
    assert np.isfinite(harmony_bound(e, fair * 1e-3, np.zeros(m), np.ones(nl), np.zeros(nr)))
