"""Pure input–output kernels with textbook names (Miller & Blair notation).

All functions take and return numpy arrays or ``scipy.sparse`` matrices and
never form a dense inverse: every ``(I - A)^{-1}`` product is a sparse LU solve.

=====================  ==================================================
symbol                 meaning
=====================  ==================================================
``Z``                  inter-industry flows, ``Z[i, j]`` from i to j
``x``                  gross output
``A = Z diag(x)^-1``   technical coefficients
``L = (I - A)^-1``     Leontief inverse (only ever applied, never formed)
``f`` / ``y``          final demand / net output
``l``                  direct labour (or any primary input) per unit output
``v = l L``            labour values (total, direct + indirect, hours)
=====================  ==================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def calc_A(Z: Any, x: Any) -> sp.csr_matrix:
    """Technical coefficients ``A = Z diag(x)^{-1}``; columns with ``x_j = 0`` are zero."""
    Zs = sp.csr_matrix(Z, dtype=np.float64)
    xv = np.asarray(x, dtype=float).ravel()
    inv = np.divide(1.0, xv, out=np.zeros_like(xv), where=xv != 0)
    return (Zs @ sp.diags(inv)).tocsr()


def calc_coefficients(row: Any, x: Any) -> np.ndarray:
    """Direct coefficients of a primary-input row: ``l_j = w_j / x_j`` (0 where ``x_j = 0``)."""
    w = np.asarray(row, dtype=float)
    xv = np.asarray(x, dtype=float)
    return np.divide(w, xv, out=np.zeros(np.broadcast_shapes(w.shape, xv.shape)), where=xv != 0)


def _lu(A: Any) -> Any:
    """Sparse LU factors of ``I - A`` (CSC, as SuperLU wants)."""
    As = sp.csc_matrix(A, dtype=np.float64)
    n = As.shape[0]
    return spla.splu((sp.identity(n, format="csc") - As).tocsc())


def leontief_solve(A: Any, b: Any, *, transpose: bool = False) -> np.ndarray:
    """The Leontief system ``(I - A) x = b``, or ``(I - A)ᵀ x = b`` with ``transpose``, by sparse LU.

    ``b`` may be a vector or an (n, k) array of k right-hand sides; the result has its shape.
    Every other kernel here is this one with a textbook right-hand side.
    """
    return np.asarray(_lu(A).solve(np.asarray(b, dtype=float), trans="T" if transpose else "N"))


def gross_output(A: Any, y: Any) -> np.ndarray:
    """Gross output for net output ``y``: ``x = (I - A)^{-1} y`` (``leontief_solve(A, y)``).

    ``y`` may be a vector or an (n, k) array of k demand vectors.
    """
    return leontief_solve(A, y)


def labour_values(A: Any, l: Any) -> np.ndarray:
    """Labour values ``v = l (I - A)^{-1}``: ``leontief_solve(A, lᵀ, transpose=True)``.

    ``l`` may be a vector (one labour kind) or a (k, n) array (k kinds); the
    result has the same shape.
    """
    lv = np.asarray(l, dtype=float)
    v = leontief_solve(A, lv.T if lv.ndim == 2 else lv, transpose=True)
    return v.T if lv.ndim == 2 else v


def output_multipliers(A: Any) -> np.ndarray:
    """Type I output multipliers: column sums of ``L``, i.e. solve ``(I - A)ᵀ m = 1``."""
    n = sp.csr_matrix(A).shape[0]
    return labour_values(A, np.ones(n))


def input_multipliers(A: Any, coefficients: Any) -> np.ndarray:
    """Type I multipliers of a primary input with direct coefficients ``c``.

    The effect is ``e = c L`` (e.g. GVA or employment effects); the multiplier is
    ``e_j / c_j`` (0 where ``c_j = 0``).
    """
    c = np.asarray(coefficients, dtype=float)
    e = labour_values(A, c)
    return np.divide(e, c, out=np.zeros_like(e), where=c != 0)


def leontief_columns(A: Any, columns: Any = None) -> np.ndarray:
    """Columns of ``L = (I - A)^{-1}`` by sparse solves against unit vectors.

    For checking published tables on small economies; large economies should
    use :func:`gross_output` and :func:`labour_values`, which never need ``L``.
    """
    n = sp.csr_matrix(A).shape[0]
    cols = np.arange(n) if columns is None else np.asarray(columns)
    E = np.zeros((n, cols.size))
    E[cols, np.arange(cols.size)] = 1.0
    return leontief_solve(A, E)


def spectral_radius(A: Any, *, tol: float = 1e-10, maxiter: int = 5000) -> float:
    """Perron root ``ρ(A)`` of a non-negative matrix.

    By Hawkins–Simon, a square technology can produce a surplus exactly when
    ``ρ(A) < 1``. Uses ARPACK for large matrices and a dense eigen-solve below
    200 goods.
    """
    As = sp.csr_matrix(A, dtype=np.float64)
    n = As.shape[0]
    if n == 0 or As.nnz == 0:
        return 0.0
    if n <= 200:
        return float(np.max(np.abs(np.linalg.eigvals(As.toarray()))))
    try:
        vals = spla.eigs(As, k=1, which="LM", tol=tol, maxiter=maxiter, return_eigenvectors=False)
        return float(np.abs(vals[0]))
    except (spla.ArpackNoConvergence, spla.ArpackError):
        return _collatz_wielandt(As, maxiter=maxiter)


def _collatz_wielandt(A: sp.csr_matrix, *, maxiter: int) -> float:
    """Upper bound of ``ρ(A)`` by the power method on ``A + I`` (Collatz–Wielandt)."""
    n = A.shape[0]
    M = A + sp.identity(n, format="csr")
    v = np.ones(n)
    upper = np.inf
    for _ in range(maxiter):
        w = M @ v
        ratio = np.divide(w, v, out=np.full(n, np.inf), where=v > 0)
        upper = float(ratio.max()) - 1.0
        v = w / w.max()
    return upper


def productive_by_hawkins_simon(A: Any) -> tuple[bool, float]:
    """``(ρ(A) < 1, ρ(A))`` for a square technology."""
    rho = spectral_radius(A)
    return rho < 1.0 - 1e-12, rho
