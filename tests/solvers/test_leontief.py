"""The Leontief fast path agrees with the direct sparse LU of :mod:`councilplan.model.iomath`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilplan.model import iomath
from councilplan.model.synthetic import random_economy
from councilplan.solvers import leontief
from councilplan.solvers.leontief import HAVE_NUMBA, NotProductiveError

METHODS = ["bicgstab", "jacobi", *(["gauss-seidel"] if HAVE_NUMBA else [])]


@pytest.fixture(scope="module")
def square() -> tuple[object, np.ndarray, np.ndarray]:
    e = random_economy(400, alt_share=0.0, labour_kinds=1, seed=11, inputs_per_good=6)
    return e.A, np.linspace(1.0, 2.0, 400), e.L.toarray().ravel()


@pytest.mark.parametrize("method", METHODS)
def test_gross_output_and_values_match_lu(square: tuple, method: str) -> None:  # type: ignore[type-arg]
    A, y, l = square
    x = leontief.gross_output(A, y, method=method)  # type: ignore[arg-type]
    v = leontief.labour_values(A, l, method=method)  # type: ignore[arg-type]
    assert x.residual <= 1e-9 and v.residual <= 1e-9
    np.testing.assert_allclose(x.x, iomath.gross_output(A, y), rtol=1e-7)
    np.testing.assert_allclose(v.x, iomath.labour_values(A, l), rtol=1e-7)
    assert x.iterations > 0 and v.iterations > 0


def test_miller_blair() -> None:
    A = np.array([[0.15, 0.25], [0.2, 0.05]])
    np.testing.assert_allclose(leontief.gross_output(A, [350, 1700]).x, [1000, 2000], rtol=1e-9)
    np.testing.assert_allclose(leontief.labour_values(A, [0.1, 0.2]).x, np.array([0.135, 0.195]) / 0.7575, rtol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_unproductive_technology_is_reported(method: str) -> None:
    A = np.array([[0.6, 0.6], [0.6, 0.6]])  # ρ(A) = 1.2
    with pytest.raises(NotProductiveError):
        leontief.gross_output(A, [1.0, 1.0], method=method, maxiter=5000)  # type: ignore[arg-type]


# --- the lockstep path: gross output and labour values together (leontief_pair)

KERNELS = ["scipy", *(["numba"] if HAVE_NUMBA else [])]


def _direct(A: object, y: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    M = sp.identity(y.shape[0], format="csc") - sp.csc_matrix(A)
    return spsolve(M, y), spsolve(M.T.tocsc(), l)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("threads", [1, 3])
def test_lockstep_matches_spsolve(square: tuple, kernel: str, threads: int) -> None:  # type: ignore[type-arg]
    A, y, l = square
    s = leontief.leontief_pair(A, y, l, kernel=kernel, threads=threads)  # type: ignore[arg-type]
    xd, vd = _direct(A, y, l)
    assert s.method == "lockstep-bicg" and s.kernel == kernel
    assert s.x.residual <= 1e-9 and s.v.residual <= 1e-9
    np.testing.assert_allclose(s.x.x, xd, rtol=1e-7)
    np.testing.assert_allclose(s.v.x, vd, rtol=1e-7)
    assert s.matvecs == 2 * s.passes and 0 < s.passes < 100


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_numba_and_scipy_cores_agree() -> None:
    e = random_economy(3000, alt_share=0.0, labour_kinds=1, seed=5, inputs_per_good=12)
    y, l = np.linspace(0.0, 3.0, 3000), e.L.toarray().ravel()
    a = leontief.leontief_pair(e.A, y, l, kernel="scipy")
    for threads in (1, 2, 4):
        b = leontief.leontief_pair(e.A, y, l, kernel="numba", threads=threads)
        assert b.threads == threads
        np.testing.assert_allclose(b.x.x, a.x.x, rtol=1e-9)
        np.testing.assert_allclose(b.v.x, a.v.x, rtol=1e-9)
        assert abs(b.passes - a.passes) <= 1


@pytest.mark.parametrize("kernel", KERNELS)
def test_lockstep_unproductive_technology_is_reported(kernel: str) -> None:
    A = np.array([[0.6, 0.6], [0.6, 0.6]])  # ρ(A) = 1.2
    with pytest.raises(NotProductiveError):
        leontief.leontief_pair(A, [1.0, 1.0], [1.0, 2.0], kernel=kernel)  # type: ignore[arg-type]
    B = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.1, 0.0, 0.2]])  # ρ(A) = 1: I - A is singular
    with pytest.raises(NotProductiveError):
        leontief.leontief_pair(B, [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], kernel=kernel)  # type: ignore[arg-type]


def test_lockstep_zero_and_disjoint_right_hand_sides() -> None:
    A = np.array([[0.15, 0.25], [0.2, 0.05]])
    s = leontief.leontief_pair(A, [0.0, 0.0], [0.1, 0.2])
    np.testing.assert_array_equal(s.x.x, [0.0, 0.0])
    np.testing.assert_allclose(s.v.x, np.array([0.135, 0.195]) / 0.7575, rtol=1e-9)
    D = np.diag([0.5, 0.25])  # y ⟂ D⁻¹ l: the dual BiCG breaks down at once, the separate solves take over
    s = leontief.leontief_pair(D, [1.0, 0.0], [0.0, 1.0])
    np.testing.assert_allclose(s.x.x, [2.0, 0.0])
    np.testing.assert_allclose(s.v.x, [0.0, 4.0 / 3.0])


def test_separate_methods_through_leontief_pair(square: tuple) -> None:  # type: ignore[type-arg]
    A, y, l = square
    s = leontief.leontief_pair(A, y, l, method="jacobi")
    assert s.method == "jacobi" and s.passes == 0 and s.matvecs == s.x.iterations + s.v.iterations
    np.testing.assert_allclose(s.x.x, iomath.gross_output(A, y), rtol=1e-7)


@st.composite
def _productive(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = rng.random((n, n)) * (rng.random((n, n)) < draw(st.floats(0.1, 1.0)))
    sums = A.sum(axis=0)
    A *= np.where(sums > 0, draw(st.floats(0.0, 0.95)) / np.maximum(sums, 1e-300), 0.0)  # column sums ≤ 0.95
    return A, rng.random(n) + 1e-3, rng.random(n) + 1e-3


@settings(max_examples=60, deadline=None)
@given(_productive(), st.sampled_from(KERNELS))
def test_lockstep_solves_both_systems(case: tuple[np.ndarray, np.ndarray, np.ndarray], kernel: str) -> None:
    A, y, l = case
    s = leontief.leontief_pair(A, y, l, kernel=kernel, threads=2)  # type: ignore[arg-type]
    M = np.eye(A.shape[0]) - A
    assert s.x.residual <= 1e-9 and s.v.residual <= 1e-9
    np.testing.assert_allclose(s.x.x, np.linalg.solve(M, y), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(s.v.x, np.linalg.solve(M.T, l), rtol=1e-7, atol=1e-12)
    assert (s.x.x >= 0).all() and (s.v.x >= 0).all()
