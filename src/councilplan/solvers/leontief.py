"""The Leontief fast path: gross output and labour values by preconditioned iteration.

For a square productive technology (``B = I``, ``ρ(A) < 1``) without inequality
constraints the plan is a pair of linear systems, textbook-named as in
:mod:`councilplan.model.iomath`:

* gross output ``(I - A) x = y`` (:func:`gross_output`),
* labour values ``(I - A)ᵀ v = l`` (:func:`labour_values`),
* both together: :func:`leontief_pair` (the fast path for a whole plan);
* either system alone: :func:`leontief_solve` ``(A, b, transpose=...)``, which the two above call.

``I - A`` is a non-singular M-matrix, so Jacobi (the Neumann series) and
Gauss–Seidel converge for both systems. Methods:

``"lockstep"`` (:func:`leontief_pair`; its ``"auto"``)
    Jacobi-preconditioned BiCG with the labour values as the *dual* system. BiCG
    for ``M x = y`` (``M = I - A``, preconditioner ``D = diag(I - A)``) carries a
    shadow recurrence with ``Mᵀ``; started from the shadow residual ``r̃₀ = l`` its
    shadow iterate solves ``Mᵀ v = l``. One iteration is::

        q = M p,  q̃ = Mᵀ p̃,  α = ρ / p̃ᵀq
        x += α p,  v += α p̃,  r -= α q,  r̃ -= α q̃
        ρ' = rᵀ D⁻¹ r̃,  β = ρ' / ρ,  p = D⁻¹ r + β p,  p̃ = D⁻¹ r̃ + β p̃

    so each iteration needs one product with ``A`` and one with ``Aᵀ``, and the
    numba core (:mod:`councilplan.solvers._leontief_kernels`) computes both in
    **one parallel pass over the CSR rows of A**: row ``i`` gathers
    ``Σ_j a_ij p_j`` and scatters ``a_ij p̃_i`` into per-thread accumulators
    (interleaved with ``p``, so a non-zero touches one cache line). The matrix is
    read once per iteration for both systems, on all idle cores
    (:func:`councilplan.solvers._pdhg_kernels.idle_cores`); without numba the
    same iteration runs on two scipy mat-vecs (``A.T`` is a CSC view, no copy).
    It stops when both recurrence residuals are below ``tol`` and one more fused
    pass confirms the true residuals (restarting from them, at most three times,
    if rounding made them drift). About 18 passes at 10^6 goods, against
    17 + 17 separate BiCGSTAB mat-vecs: the same number of products, half the
    passes over the matrix. If the recurrence breaks down (``yᵀ D⁻¹ l = 0``, a
    zero ``p̃ᵀ q``) the two systems are solved one after the other with BiCGSTAB.
``"gauss-seidel"`` (numba)
    forward Gauss–Seidel on the CSR rows of ``A`` for ``(I - A) x = y``; for the
    transpose system a *residual-updating* Gauss–Seidel that also walks the CSR
    rows (raising ``v_i`` by ``δ = r_i / (1 - a_ii)`` subtracts ``δ`` times row ``i``
    of ``I - A`` from the residual), so neither needs ``Aᵀ`` or a copy of ``A``.
    One sweep reads the matrix once, like one mat-vec.
``"jacobi"``
    the Jacobi-preconditioned Neumann iteration ``x ← D⁻¹(y + (A - diag A) x)``, on
    scipy mat-vecs (``A.T`` is a CSC view, no copy).
``"bicgstab"``
    scipy's BiCGSTAB with the Jacobi preconditioner ``diag(I - A)``.

For one system (:func:`gross_output`, :func:`labour_values`) ``"auto"`` is
BiCGSTAB: it won the measurements in ``bench/firstorder.py`` (about 17
iterations, 34 mat-vecs, at 10^6 goods against 54 Gauss–Seidel sweeps and 95
Jacobi steps for both systems). For both, ``leontief_pair`` with ``"auto"`` is
the lockstep BiCG: at 10^6 goods it took 2.4–2.9 s against 6.0–7.3 s for the two
BiCGSTAB solves in the same runs (``docs/performance.md``). All stop at a relative
residual ``‖y - (I - A) x‖₂ / ‖y‖₂ ≤ tol`` (default 1e-9), checked with a true
product at the end. Values are float64, indices of the caller's CSR matrix are
used as they are (int32 for fewer than 2³¹ non-zeros; the numba core reads them
through unsigned views, no copy), and the numba hot loop allocates nothing.

>>> import numpy as np
>>> A = np.array([[0.15, 0.25], [0.2, 0.05]])
>>> gross_output(A, [350, 1700]).x.round(6)
array([1000., 2000.])
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from councilplan.model.errors import InputError
from councilplan.solvers._pdhg_kernels import HAVE_NUMBA
from councilplan.solvers._pdhg_kernels import dot as _dot

Method = Literal["auto", "gauss-seidel", "jacobi", "bicgstab"]


class NotProductiveError(InputError):
    """The iteration diverged: the technology cannot produce a surplus (``ρ(A) ≥ 1``)."""


@dataclass(frozen=True)
class LeontiefSolution:
    """A solution with its bookkeeping: the vector, sweeps (mat-vec equivalents), residual."""

    x: np.ndarray
    iterations: int
    residual: float
    method: str
    seconds: float


def _as_csr(A: Any) -> sp.csr_matrix:
    M = A if sp.isspmatrix_csr(A) or isinstance(A, sp.csr_array) else sp.csr_matrix(A, dtype=np.float64)
    if M.dtype != np.float64:
        M = M.astype(np.float64)
    if not M.has_sorted_indices:
        M.sort_indices()
    return M


_KERNELS: dict[str, Any] = {}


def _kernels() -> dict[str, Any]:
    if _KERNELS:
        return _KERNELS
    import importlib

    nb: Any = importlib.import_module("numba")

    @nb.njit(cache=True, nogil=True)
    def gs_sweep(indptr, indices, data, diag, y, x):  # type: ignore[no-untyped-def]
        """One forward Gauss–Seidel sweep on (I - A) x = y; returns ‖pre-update residual‖²."""
        acc = 0.0
        for i in range(x.shape[0]):
            s = y[i]
            for p in range(indptr[i], indptr[i + 1]):
                s += data[p] * x[indices[p]]
            r = s - x[i]
            acc += r * r
            x[i] += r / (1.0 - diag[i])
        return acc

    @nb.njit(cache=True, nogil=True)
    def gs_sweep_transpose(indptr, indices, data, diag, r, v):  # type: ignore[no-untyped-def]
        """One Gauss–Seidel sweep on (I - A)ᵀ v = l keeping r = l - (I - A)ᵀ v; returns ‖r‖² before."""
        acc = 0.0
        for i in range(v.shape[0]):
            ri = r[i]
            acc += ri * ri
            d = ri / (1.0 - diag[i])
            v[i] += d
            r[i] -= d
            for p in range(indptr[i], indptr[i + 1]):
                r[indices[p]] += d * data[p]
        return acc

    _KERNELS.update(gs_sweep=gs_sweep, gs_sweep_transpose=gs_sweep_transpose)
    return _KERNELS


def _diag(A: sp.csr_matrix) -> np.ndarray:
    return np.asarray(A.diagonal(), dtype=np.float64)


def _residual(A: sp.csr_matrix, b: np.ndarray, x: np.ndarray, transpose: bool) -> float:
    Ax = A.T @ x if transpose else A @ x
    r = b - x + Ax
    return math.sqrt(_dot(r, r))


def _bicgstab(M: sp.csr_matrix, b: np.ndarray, x: np.ndarray, diag: np.ndarray, *, transpose: bool,
              target: float, maxiter: int) -> tuple[np.ndarray, int]:
    """Right-preconditioned BiCGSTAB (van der Vorst) on ``I - A`` (or its transpose), Jacobi
    preconditioner ``diag(I - A)``; returns ``x`` and the number of mat-vecs."""
    op = M.T if transpose else M  # a CSC view of the transpose: no copy
    dinv = 1.0 / (1.0 - diag)

    def apply(v: np.ndarray) -> np.ndarray:  # (I - A) v
        return v - op @ v

    r = b - apply(x) if x.any() else b.copy()
    r0 = r.copy()
    rho = alpha = omega = 1.0
    v = np.zeros_like(b)
    p = np.zeros_like(b)
    nmv = 0
    while nmv < 2 * maxiter:
        rho_new = _dot(r0, r)
        if rho_new == 0.0 or omega == 0.0:
            break
        beta = (rho_new / rho) * (alpha / omega)
        rho = rho_new
        p = r + beta * (p - omega * v)
        ph = dinv * p
        v = apply(ph)
        r0v = _dot(r0, v)
        if r0v == 0.0 or not math.isfinite(r0v):
            raise NotProductiveError("BiCGSTAB broke down: is the technology productive (ρ(A) < 1)?")
        alpha = rho / r0v
        s_ = r - alpha * v
        x += alpha * ph
        nmv += 1
        if math.sqrt(_dot(s_, s_)) <= 0.5 * target:
            r = s_
            break
        sh = dinv * s_
        t = apply(sh)
        nmv += 1
        tt = _dot(t, t)
        omega = _dot(t, s_) / tt if tt > 0 else 0.0
        x += omega * sh
        r = s_ - omega * t
        rn = math.sqrt(_dot(r, r))
        if not math.isfinite(rn):
            raise NotProductiveError("BiCGSTAB broke down: is the technology productive (ρ(A) < 1)?")
        if rn <= 0.5 * target:
            break
    return x, nmv


def _check_sign(rhs: np.ndarray, x: np.ndarray) -> None:
    if rhs.min() >= 0.0 and x.min() < -1e-9 * float(np.abs(x).max()):
        raise NotProductiveError("a non-negative demand needs negative output: the technology is not "
                                 "productive (ρ(A) ≥ 1; check the columns of A that sum to 1 or more)")


def _rhs(b: Any, n: int) -> np.ndarray:
    rhs = np.ascontiguousarray(np.asarray(b, dtype=np.float64).ravel())
    if rhs.shape[0] != n:
        raise ValueError(f"right-hand side has {rhs.shape[0]} entries for a {n}×{n} technology")
    return rhs


def leontief_solve(A: Any, b: Any, *, transpose: bool = False, tol: float = 1e-9, method: Method = "auto",
                   maxiter: int = 10_000, x0: np.ndarray | None = None) -> LeontiefSolution:
    """The Leontief system ``(I - A) x = b``, or ``(I - A)ᵀ x = b`` with ``transpose``, iteratively
    (the iterative twin of :func:`councilplan.model.iomath.leontief_solve`), from ``x0`` if given.

    Stops at ``‖b - (I - A) x‖₂ ≤ tol ‖b‖₂`` (or the transpose's), checked with a true product.
    """
    t0 = time.perf_counter()
    M = _as_csr(A)
    n = M.shape[0]
    rhs = _rhs(b, n)
    bnorm = math.sqrt(_dot(rhs, rhs))
    if bnorm == 0.0:
        return LeontiefSolution(np.zeros(n), 0, 0.0, "trivial", 0.0)
    if method == "auto":
        method = "bicgstab"
    diag = _diag(M)
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64)
    target = tol * bnorm
    it = 0
    if method == "gauss-seidel":
        k = _kernels()
        if transpose:
            r = rhs - x + (M.T @ x) if x0 is not None else rhs.copy()
            while it < maxiter:
                it += 1
                est = math.sqrt(k["gs_sweep_transpose"](M.indptr, M.indices, M.data, diag, r, x))
                if not math.isfinite(est) or est > 1e30 * bnorm:
                    raise NotProductiveError("Gauss–Seidel diverged: the technology is not productive (ρ(A) ≥ 1)")
                if math.sqrt(_dot(r, r)) <= target:
                    break
        else:
            while it < maxiter:
                it += 1
                est = math.sqrt(k["gs_sweep"](M.indptr, M.indices, M.data, diag, rhs, x))
                if not math.isfinite(est) or est > 1e30 * bnorm:
                    raise NotProductiveError("Gauss–Seidel diverged: the technology is not productive (ρ(A) ≥ 1)")
                if est <= 0.5 * target and _residual(M, rhs, x, False) <= target:
                    break
    elif method == "jacobi":
        inv = 1.0 / (1.0 - diag)
        op = M.T if transpose else M
        while it < maxiter:
            it += 1
            r = rhs - x + op @ x  # residual of the current iterate, from the same mat-vec
            rn = math.sqrt(_dot(r, r))
            if rn <= target:
                it -= 1
                break
            if not math.isfinite(rn) or rn > 1e30 * bnorm:
                raise NotProductiveError("Jacobi diverged: the technology is not productive (ρ(A) ≥ 1)")
            x += inv * r
    elif method == "bicgstab":
        x, it = _bicgstab(M, rhs, x, diag, transpose=transpose, target=target, maxiter=maxiter)
    else:
        raise InputError(f"unknown method '{method}'; choose auto, gauss-seidel, jacobi or bicgstab")
    _check_sign(rhs, x)
    res = _residual(M, rhs, x, transpose) / bnorm
    return LeontiefSolution(x, it, res, method, time.perf_counter() - t0)


def gross_output(A: Any, y: Any, *, tol: float = 1e-9, method: Method = "auto", maxiter: int = 10_000,
                 x0: np.ndarray | None = None) -> LeontiefSolution:
    """Gross output ``x`` for net output ``y``: ``leontief_solve(A, y)``."""
    return leontief_solve(A, y, tol=tol, method=method, maxiter=maxiter, x0=x0)


def labour_values(A: Any, l: Any, *, tol: float = 1e-9, method: Method = "auto", maxiter: int = 10_000,
                  v0: np.ndarray | None = None) -> LeontiefSolution:
    """Labour values ``v = l (I - A)^{-1}`` (one labour kind): ``leontief_solve(A, l, transpose=True)``."""
    return leontief_solve(A, l, transpose=True, tol=tol, method=method, maxiter=maxiter, x0=v0)


@dataclass(frozen=True)
class LeontiefPair:
    """Gross output and labour values of one technology, solved together (:func:`leontief_pair`).

    ``passes`` counts fused passes over ``A`` (each one product with ``A`` and one
    with ``Aᵀ``, the final residual check included); ``matvecs`` counts products
    with ``A`` or ``Aᵀ`` (``2 × passes`` for the lockstep method, the sum of both
    solves' mat-vec equivalents otherwise)."""

    x: LeontiefSolution
    v: LeontiefSolution
    passes: int
    matvecs: int
    seconds: float
    method: str
    kernel: str
    threads: int


class _BreakdownError(Exception):
    """The dual BiCG recurrence broke down (a zero or non-finite ``ρ`` or ``σ``)."""


def _bicg_dual(core: Any, rho: float, ny: float, nl: float, tol: float, maxiter: int) -> tuple[int, float, float]:
    """Jacobi-preconditioned BiCG with shadow residual ``l``: ``x`` and ``v`` together.

    Returns the passes over ``A`` and the true relative residuals of ``x`` and ``v``
    (checked with one more pass; the recurrence restarts from the true residuals,
    at most three times, when rounding has made them drift above ``tol``)."""
    passes = 0
    for _round in range(4):
        core.direction(0.0)
        while passes < maxiter:
            sigma = core.fused()
            passes += 1
            if sigma == 0.0 or rho == 0.0 or not math.isfinite(sigma):
                raise _BreakdownError
            rr, tt, rho_new = core.update(rho / sigma)
            if not (math.isfinite(rr) and math.isfinite(tt) and rr <= (1e30 * ny) ** 2 and tt <= (1e30 * nl) ** 2):
                raise _BreakdownError
            if math.sqrt(rr) <= tol * ny and math.sqrt(tt) <= tol * nl:  # the check pass confirms it
                break
            core.direction(rho_new / rho)
            rho = rho_new
        rr, tt, rho = core.true_residuals()
        passes += 1
        ex, ev = math.sqrt(rr) / ny, math.sqrt(tt) / nl
        if (ex <= tol and ev <= tol) or passes >= maxiter:
            break
    return passes, ex, ev


def leontief_pair(A: Any, y: Any, l: Any, *, tol: float = 1e-9, method: Method | Literal["lockstep"] = "auto",
                   kernel: Literal["auto", "numba", "scipy"] = "auto", maxiter: int = 10_000,
                   threads: int | None = None) -> LeontiefPair:
    """Gross output ``(I - A) x = y`` and labour values ``(I - A)ᵀ v = l`` together.

    ``method="auto"`` (or ``"lockstep"``) runs the dual BiCG of the module docstring:
    one fused pass over ``A`` per iteration for both systems. ``kernel`` picks the
    numba core (parallel: ``threads`` row blocks on at most as many threads, by
    default the idle cores by load average) or the scipy one (``"auto"``: numba
    when installed and ``A`` has at least 50,000 non-zeros).
    Any other ``method`` solves the two systems one after the other with
    :func:`leontief_solve`.

    >>> import numpy as np
    >>> s = leontief_pair(np.array([[0.15, 0.25], [0.2, 0.05]]), [350, 1700], [0.1, 0.2])
    >>> s.x.x.round(6), s.v.x.round(6)
    (array([1000., 2000.]), array([0.178218, 0.257426]))
    """
    t0 = time.perf_counter()
    M = _as_csr(A)
    n = M.shape[0]
    rhs_y, rhs_l = _rhs(y, n), _rhs(l, n)
    ny, nl = math.sqrt(_dot(rhs_y, rhs_y)), math.sqrt(_dot(rhs_l, rhs_l))
    if method not in ("auto", "lockstep") or ny == 0.0 or nl == 0.0:
        single: Method = "auto" if method == "lockstep" else method
        sx = gross_output(M, rhs_y, tol=tol, method=single, maxiter=maxiter)
        sv = labour_values(M, rhs_l, tol=tol, method=single, maxiter=maxiter)
        return LeontiefPair(sx, sv, 0, sx.iterations + sv.iterations, time.perf_counter() - t0,
                            sx.method if sx.method != "trivial" else sv.method, "scipy", 1)
    if kernel == "numba" and not HAVE_NUMBA:
        raise InputError("kernel='numba' needs numba (pip install councilplan[fast])")
    dinv = 1.0 / (1.0 - _diag(M))
    rho = _dot(rhs_y, dinv * rhs_l)
    use_numba = kernel == "numba" or (kernel == "auto" and HAVE_NUMBA and M.nnz >= 50_000)
    from councilplan.solvers import _leontief_kernels as lk

    core: Any
    if use_numba:
        import importlib

        from councilplan.solvers._pdhg_kernels import idle_cores

        nb: Any = importlib.import_module("numba")
        nthreads, before = max(1, int(threads or idle_cores(measure=False))), nb.get_num_threads()
        nb.set_num_threads(min(nthreads, nb.config.NUMBA_NUM_THREADS))
        core = lk.NumbaCore(M, rhs_y, rhs_l, dinv, nthreads)  # nthreads row blocks, even on fewer cores
    else:
        core = lk.NumpyCore(M, rhs_y, rhs_l, dinv)
    try:
        passes, ex, ev = _bicg_dual(core, rho, ny, nl, tol, maxiter)
    except _BreakdownError:  # e.g. y and l with disjoint supports: solve one after the other
        return leontief_pair(M, rhs_y, rhs_l, tol=tol, method="bicgstab", maxiter=maxiter)
    finally:
        if use_numba:
            nb.set_num_threads(before)
    _check_sign(rhs_y, core.x)
    _check_sign(rhs_l, core.v)
    secs = time.perf_counter() - t0
    return LeontiefPair(LeontiefSolution(core.x, passes, ex, "lockstep-bicg", secs),
                        LeontiefSolution(core.v, passes, ev, "lockstep-bicg", secs),
                        passes, 2 * passes, secs, "lockstep-bicg", core.name, core.threads)
