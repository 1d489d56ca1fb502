"""Hypothesis strategies for small productive economies."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import councilplan as cp


@st.composite
def leontief_economies(draw: st.DrawFn, max_goods: int = 6) -> cp.Economy:
    """Square economies with column sums of A ≤ 0.8 (so ρ(A) < 1), positive labour and targets."""
    n = draw(st.integers(1, max_goods))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    colsum = A.sum(axis=0)
    A = A * np.where(colsum > 0, draw(st.floats(0.05, 0.8)) / np.maximum(colsum, 1e-12), 0.0)
    labour = rng.uniform(0.1, 2.0, n)
    demand = rng.uniform(1.0, 100.0, n)
    return cp.Economy.leontief(A, labour, final_demand=demand)


@st.composite
def activity_economies(draw: st.DrawFn, max_goods: int = 5) -> cp.Economy:
    """General technologies: every good has one or two techniques; B may have joint products."""
    m = draw(st.integers(1, max_goods))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    makes = np.concatenate([np.arange(m), rng.integers(0, m, draw(st.integers(0, m)))])
    n = makes.size
    B = np.zeros((m, n))
    B[makes, np.arange(n)] = rng.uniform(0.5, 2.0, n)
    joint = rng.random(n) < 0.2
    B[rng.integers(0, m, n)[joint], np.flatnonzero(joint)] += rng.uniform(0.1, 0.5, joint.sum())
    A = rng.random((m, n)) * (rng.random((m, n)) < 0.5)
    A *= 0.6 * B.sum(axis=0) / np.maximum(A.sum(axis=0), 1e-12) * (A.sum(axis=0) > 0)
    ids = [f"g{i}" for i in range(m)]
    goods = pd.DataFrame({"name": ids, "unit": "u"}, index=pd.Index(ids, name="id"))
    procs = pd.DataFrame({"name": [f"p{j}" for j in range(n)]}, index=pd.Index([f"p{j}" for j in range(n)], name="id"))
    L = rng.uniform(0.1, 2.0, (1, n))
    targets = pd.DataFrame({"amount": rng.uniform(1.0, 10.0, m)}, index=ids)
    return cp.Economy.build(goods=goods, processes=procs, A=A, B=B, L=L, labour_kinds=["labour"],
                            targets=targets, labour_available=pd.Series({"labour": float(rng.uniform(50, 500))}))
