"""The Leontief fast path agrees with the direct sparse LU of :mod:`councilplan.model.iomath`."""

from __future__ import annotations

import numpy as np
import pytest

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
