"""Invariants of optimal plans: feasibility, strong duality, values = duals, scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings

import councilplan as cp
from councilplan.model import iomath
from councilplan.planning import build_problem
from councilplan.solvers import SolveOptions, Status, certify

from .strategies import activity_economies, leontief_economies

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTS = SolveOptions(tol=1e-9)


def _with_labour_limit(e: cp.Economy, factor: float) -> cp.Economy:
    need = float(e.total_labour @ iomath.gross_output(e.A, e.targets["amount"].to_numpy()))
    return e.replace(labour_available=pd.Series([need * factor], index=e.labour_kinds))


@SETTINGS
@given(leontief_economies())
def test_optimal_plan_is_feasible(e: cp.Economy) -> None:
    e = _with_labour_limit(e, 1.3)
    for objective in ("ray", "harmony", "min-labour"):
        p = cp.plan(e, objective, options=OPTS, with_values=False)  # type: ignore[arg-type]
        assert p.status is Status.OPTIMAL
        x = p.activity.to_numpy()
        assert (x >= -1e-9).all()
        y = e.net_output(x).to_numpy()
        assert (y >= -1e-7 * (1 + np.abs(y).max())).all()
        assert float(e.total_labour @ x) <= float(e.labour_available.iloc[0]) * (1 + 1e-9) + 1e-9


@SETTINGS
@given(activity_economies())
def test_strong_duality(e: cp.Economy) -> None:
    for objective in ("ray", "harmony", "min-labour"):
        lp = build_problem(e, objective)  # type: ignore[arg-type]
        res = cp.get_solver("highs").solve_lp(lp, OPTS)
        if res.status is not Status.OPTIMAL:
            # min-labour can be infeasible under the labour limit: then it must be explained
            p = cp.plan(e, objective, options=OPTS, with_values=False)  # type: ignore[arg-type]
            assert p.explanation is not None and len(p.explanation.changes) > 0
            continue
        assert res.x is not None and res.row_dual is not None
        cert = certify(lp, res.x, res.row_dual)
        assert cert.gap <= 1e-8 and cert.primal_residual <= 1e-8 and cert.dual_residual <= 1e-8
        assert cert.primal_objective == pytest.approx(cert.dual_objective, rel=1e-8, abs=1e-8)


@SETTINGS
@given(leontief_economies())
def test_labour_values_equal_min_labour_duals(e: cp.Economy) -> None:
    values = cp.labour_values(e)["total"]
    p = cp.plan(e, "min-labour", options=OPTS, with_values=False)
    assert p.status is Status.OPTIMAL
    np.testing.assert_allclose(p.shadow_prices("good").reindex(values.index), values, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(activity_economies())
def test_general_values_are_min_labour_duals_and_cost_techniques(e: cp.Economy) -> None:
    assume(cp.productivity(e).productive)  # values exist only for productive technologies
    unlimited = e.replace(labour_available=e.labour_available * np.inf)
    v = cp.labour_values(unlimited)
    # no technique can make its net output for less than its direct labour: (B - A)ᵀ v ≤ L
    lhs = unlimited.net.T @ v["total"].to_numpy()
    assert (lhs <= unlimited.total_labour + 1e-7 * (1 + np.abs(lhs))).all()
    # ≥ 0, not > 0: a joint product made in surplus is free
    assert (v["total"] >= -1e-9).all()
    if "labour" in v:
        np.testing.assert_allclose(v["labour"], v["total"], rtol=1e-7)


@SETTINGS
@given(leontief_economies())
def test_scaling_targets_scales_the_plan(e: cp.Economy) -> None:
    k = 3.5
    scaled = e.with_targets(e.targets.assign(amount=e.targets["amount"] * k))
    p1 = cp.plan(e, "min-labour", options=OPTS, with_values=False)
    pk = cp.plan(scaled, "min-labour", options=OPTS, with_values=False)
    np.testing.assert_allclose(pk.activity, k * p1.activity, rtol=1e-7, atol=1e-9)
    assert pk.objective == pytest.approx(k * p1.objective, rel=1e-8)
    # ray: scaling the proportions d by k scales s by 1/k with the same plan
    lim = _with_labour_limit(e, 1.0)
    r1 = cp.plan(lim, "ray", options=OPTS, with_values=False)
    rk = cp.plan(lim.with_targets(scaled.targets), "ray", options=OPTS, with_values=False)
    assert rk.scale == pytest.approx(r1.scale / k, rel=1e-8)
    np.testing.assert_allclose(rk.net_output, r1.net_output, rtol=1e-6, atol=1e-8)


@SETTINGS
@given(leontief_economies())
def test_kernels_agree_with_dense_algebra(e: cp.Economy) -> None:
    A = e.A.toarray()
    n = A.shape[0]
    Linv = np.linalg.inv(np.eye(n) - A)  # the test may use a dense inverse; the code never does
    y = e.targets["amount"].to_numpy()
    np.testing.assert_allclose(iomath.gross_output(e.A, y), Linv @ y, rtol=1e-10)
    l = e.total_labour
    np.testing.assert_allclose(iomath.labour_values(e.A, l), l @ Linv, rtol=1e-10)
    np.testing.assert_allclose(iomath.output_multipliers(e.A), Linv.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(iomath.leontief_columns(e.A), Linv, rtol=1e-9, atol=1e-12)


def test_unproductive_technology_has_no_values() -> None:
    # two goods, each technique uses more of the other good than the pair can replace
    import pandas as pd

    goods = pd.DataFrame({"name": ["a", "b"], "unit": "u"}, index=pd.Index(["a", "b"], name="id"))
    procs = pd.DataFrame({"name": ["pa", "pb"]}, index=pd.Index(["pa", "pb"], name="id"))
    e = cp.Economy.build(goods=goods, processes=procs, A=[[0, 2.0], [2.0, 0]], B=[[1.0, 0], [0, 1.0]],
                         L=[[1.0, 1.0]], labour_kinds=["labour"])
    assert not cp.productivity(e).productive
    with pytest.raises(cp.planning.ValuationError, match="cannot produce one unit of every good"):
        cp.labour_values(e.replace(B=e.B * 1.0000001))  # not square any more: policy iteration
    with pytest.raises(cp.planning.ValuationError, match="cannot produce one unit of every good"):
        cp.labour_values(e.replace(B=e.B * 1.0000001), method="lp")  # and the min-labour LP agree
