"""Labour values by policy iteration (non-substitution) equal the min-labour LP's duals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.model.synthetic import random_economy
from councilplan.planning import productivity
from councilplan.planning.values import nonsubstitution_values

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def substitution_economies(draw: st.DrawFn, max_goods: int = 6) -> cp.Economy:
    """One to three techniques per good, one output each, 1–3 labour kinds. The first technique of
    every good keeps its inputs below 0.8 of its output (so a productive choice exists); the others
    may use up to 1.5 times their output (a choice of those alone may be unproductive)."""
    m = draw(st.integers(1, max_goods))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    extra = rng.integers(0, m, draw(st.integers(0, 2 * m)))
    makes = np.concatenate([np.arange(m), extra])
    n = makes.size
    b = rng.uniform(0.5, 2.0, n)
    B = np.zeros((m, n))
    B[makes, np.arange(n)] = b
    A = rng.random((m, n)) * (rng.random((m, n)) < 0.5)
    share = np.where(np.arange(n) < m, rng.uniform(0.05, 0.8, n), rng.uniform(0.05, 1.5, n))
    A *= share * b / np.maximum(A.sum(axis=0), 1e-12) * (A.sum(axis=0) > 0)
    kinds = [f"k{k}" for k in range(draw(st.integers(1, 3)))]
    L = rng.uniform(0.0, 2.0, (len(kinds), n)) * (rng.random((len(kinds), n)) < 0.8)
    L[0] += rng.uniform(0.01, 0.5, n)  # every process needs some labour
    ids = [f"g{i}" for i in range(m)]
    goods = pd.DataFrame({"name": ids, "unit": "u"}, index=pd.Index(ids, name="id"))
    pids = [f"p{j}" for j in range(n)]
    procs = pd.DataFrame({"name": pids}, index=pd.Index(pids, name="id"))
    return cp.Economy.build(goods=goods, processes=procs, A=A, B=B, L=L, labour_kinds=kinds,
                            targets=pd.DataFrame({"amount": np.ones(m)}, index=ids))


@SETTINGS
@given(substitution_economies())
def test_policy_iteration_equals_min_labour_duals(e: cp.Economy) -> None:
    pi = cp.labour_values(e, method="policy-iteration")
    lp = cp.labour_values(e, method="lp")
    np.testing.assert_allclose(pi["total"], lp["total"], rtol=1e-7, atol=1e-9)
    kinds = list(e.labour_kinds)
    np.testing.assert_allclose(pi[kinds].sum(axis=1), pi["total"], rtol=1e-9, atol=1e-12)
    assert (pi[kinds].to_numpy() >= -1e-12).all()
    # dual feasibility: no technique makes its output for less than its hours, (B - A)ᵀ v ≤ l
    lhs = e.net.T @ pi["total"].to_numpy()
    assert (lhs <= e.total_labour + 1e-9 * (1 + np.abs(lhs))).all()


def test_unproductive_cheapest_technique_is_climbed_past() -> None:
    """a1 needs 2 a per a and 0.01 h; a2 needs 1 h. At v = 0 a1 looks cheapest but cannot reproduce
    itself; value iteration climbs until a2 wins: v_a = 1 exactly, the LP agrees."""
    goods = pd.DataFrame({"name": ["a"], "unit": "u"}, index=pd.Index(["a"], name="id"))
    procs = pd.DataFrame({"name": ["a1", "a2"]}, index=pd.Index(["a1", "a2"], name="id"))
    e = cp.Economy.build(goods=goods, processes=procs, A=[[2.0, 0.0]], B=[[1.0, 1.0]],
                         L=[[0.01, 1.0]], labour_kinds=["labour"])
    ns = nonsubstitution_values(e.A, e.B, e.total_labour)
    assert ns.values == pytest.approx([1.0], rel=1e-12)
    assert list(ns.techniques) == [1]
    assert ns.sweeps > 0
    assert cp.labour_values(e, method="lp")["total"].iloc[0] == pytest.approx(1.0, rel=1e-9)


def test_joint_production_cannot_use_policy_iteration() -> None:
    goods = pd.DataFrame({"name": ["a", "b"], "unit": "u"}, index=pd.Index(["a", "b"], name="id"))
    procs = pd.DataFrame({"name": ["ab"]}, index=pd.Index(["ab"], name="id"))
    e = cp.Economy.build(goods=goods, processes=procs, A=[[0.1], [0.1]], B=[[1.0], [1.0]],
                         L=[[1.0]], labour_kinds=["labour"])
    with pytest.raises(ValueError, match="no joint production"):
        cp.labour_values(e, method="policy-iteration")
    v = cp.labour_values(e)  # auto: the min-labour LP
    assert v["total"].sum() == pytest.approx(1.0 / 0.9, rel=1e-7)


def test_good_made_by_no_process_is_named() -> None:
    goods = pd.DataFrame({"name": ["a", "b"], "unit": "u"}, index=pd.Index(["a", "b"], name="id"))
    procs = pd.DataFrame({"name": ["pa"]}, index=pd.Index(["pa"], name="id"))
    e = cp.Economy.build(goods=goods, processes=procs, A=[[0.1], [0.2]], B=[[1.0], [0.0]],
                         L=[[1.0]], labour_kinds=["labour"])
    with pytest.raises(cp.planning.ValuationError, match=r"1 good\(s\) are made by no process"):
        cp.labour_values(e)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.5, 4.0))
def test_productivity_by_policy_iteration_agrees_with_the_lp_test(seed: int, scale: float) -> None:
    # every process makes one good: a productive choice of techniques found by policy iteration
    # (with its Collatz–Wielandt bound below 1) exists exactly when the LP surplus test gives t* > 0
    e = random_economy(60, alt_share=0.5, seed=seed)
    e = e.replace(A=e.A * scale)
    fast, lp = productivity(e), productivity(e, method="lp")
    assert fast.productive == lp.productive
    if fast.method == "non-substitution":
        assert fast.productive and fast.figure < 1
