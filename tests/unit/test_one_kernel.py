"""One Leontief kernel (direct and iterative, with ``transpose``) and one labour-value cache."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.model import iomath
from councilplan.model.synthetic import random_economy
from councilplan.planning import values
from councilplan.solvers import leontief


def _productive(n: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    A = sp.random(n, n, density=min(1.0, 4 / n), random_state=rng, format="csr")
    col = np.asarray(A.sum(axis=0)).ravel()
    return (A @ sp.diags(rng.uniform(0.2, 0.9, n) / np.maximum(col, 1e-12))).tocsr()  # column sums < 1


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 10_000), transpose=st.booleans())
def test_direct_and_iterative_kernels_solve_the_same_system(n: int, seed: int, transpose: bool) -> None:
    A = _productive(n, seed)
    b = np.random.default_rng(seed + 1).uniform(0.0, 10.0, n)
    M = (np.eye(n) - A.toarray()).T if transpose else np.eye(n) - A.toarray()
    x = iomath.leontief_solve(A, b, transpose=transpose)
    np.testing.assert_allclose(M @ x, b, rtol=1e-9, atol=1e-9)
    it = leontief.leontief_solve(A, b, transpose=transpose, tol=1e-12)
    np.testing.assert_allclose(it.x, x, rtol=1e-8, atol=1e-8 * max(1.0, float(np.abs(x).max())))


def test_the_textbook_kernels_are_the_leontief_solve() -> None:
    A = _productive(12, 3)
    y, l = np.arange(1.0, 13.0), np.linspace(0.1, 1.2, 12)
    np.testing.assert_array_equal(iomath.gross_output(A, y), iomath.leontief_solve(A, y))
    np.testing.assert_array_equal(iomath.labour_values(A, l), iomath.leontief_solve(A, l, transpose=True))
    L2 = np.vstack([l, 2 * l])  # two labour kinds: (k, n) in, (k, n) out
    np.testing.assert_allclose(iomath.labour_values(A, L2), np.vstack([iomath.labour_values(A, l)] * 2)
                               * np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(leontief.gross_output(A, y).x, leontief.leontief_solve(A, y).x)
    np.testing.assert_array_equal(leontief.labour_values(A, l).x,
                                  leontief.leontief_solve(A, l, transpose=True).x)


def test_labour_values_are_computed_once_per_technology(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = values.labour_values

    def counting(economy: cp.Economy, *args: object, **kw: object) -> object:
        calls.append(economy.technology_hash())
        return real(economy, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(values, "labour_values", counting)
    e = random_economy(40, seed=11)
    first = values.cached_labour_values(e)
    assert first is not None and len(calls) == 1
    # a goal economy shares the technology: served from the cache, not recomputed
    goal = e.with_targets(e.targets.assign(amount=e.targets["amount"] * 0.5))
    assert goal.derived == {} and goal.technology_hash() == e.technology_hash()
    assert goal.content_hash() != e.content_hash()
    assert values.cached_labour_values(goal) is first and len(calls) == 1
    # a plan's labour values come from the same cache
    p = cp.plan(goal, objective="min-labour")
    assert p.labour_values is first and len(calls) == 1
    # another technology is another entry
    other = random_economy(40, seed=12)
    assert other.technology_hash() != e.technology_hash()
    assert values.cached_labour_values(other) is not None and len(calls) == 2


def test_a_technology_without_surplus_has_no_cached_values() -> None:
    unproductive = cp.Economy.leontief(np.array([[0.6, 0.6], [0.6, 0.6]]), [1.0, 1.0])
    assert values.cached_labour_values(unproductive) is None
