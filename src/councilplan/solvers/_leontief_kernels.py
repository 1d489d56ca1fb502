"""The hot loop of the lockstep Leontief solve (:func:`councilplan.solvers.leontief.leontief_pair`).

Two interchangeable cores hold the state of the dual BiCG iteration (gross output
``x``, labour values ``v``, their residuals ``r``, ``r̃``, search directions ``p``,
``p̃``) and perform its three steps:

``fused``
    ``q = (I - A) p`` and ``q̃ = (I - A)ᵀ p̃`` together, and ``σ = p̃ᵀ q``.
``update``
    ``x += α p``, ``v += α p̃``, ``r -= α q``, ``r̃ -= α q̃``; returns ``‖r‖²``, ``‖r̃‖²``
    and ``ρ = rᵀ D⁻¹ r̃``.
``direction``
    ``p = D⁻¹ r + β p``, ``p̃ = D⁻¹ r̃ + β p̃``.

* :class:`NumpyCore`: scipy mat-vecs (``A @ p`` and ``A.T @ p̃``, a CSC view: no
  copy) and in-place numpy; always there.
* :class:`NumbaCore`: one parallel pass over the CSR rows of ``A`` per ``fused``
  step: row ``i`` gathers ``Σ_j a_ij p_j`` and scatters ``a_ij p̃_i`` into thread
  ``t``'s private accumulator of ``Aᵀ p̃``. The gather source ``p`` and the
  accumulators are interleaved (``W[j] = (p_j, acc_0[j], acc_1[j], …)``, one
  record per good), so the gather and the scatter of one non-zero touch one
  cache line, not two (separate arrays were slower; so were records padded to
  32 bytes: the smaller footprint wins). Rows are split between threads by non-zeros.
  The accumulators are summed (and zeroed for the next pass) inside ``update``,
  which streams over every vector anyway. ``fastmath`` is off: the sums are the
  textbook ones, in row order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from councilplan.solvers._pdhg_kernels import dot

_FUNCS: dict[str, Any] = {}


class NumpyCore:
    """scipy.sparse + numpy core (two separate mat-vecs per ``fused`` step)."""

    name = "scipy"
    threads = 1

    def __init__(self, A: sp.csr_matrix, y: np.ndarray, l: np.ndarray, dinv: np.ndarray) -> None:
        self.A, self.y, self.l, self.dinv = A, y, l, dinv
        n = y.shape[0]
        self.x, self.v = np.zeros(n), np.zeros(n)
        self.r, self.rt = y.copy(), l.copy()
        self.p, self.pt = np.zeros(n), np.zeros(n)
        self.q, self.qt = np.zeros(n), np.zeros(n)
        self._tmp = np.empty(n)

    def fused(self) -> float:
        np.subtract(self.p, self.A @ self.p, out=self.q)
        np.subtract(self.pt, self.A.T @ self.pt, out=self.qt)
        return dot(self.pt, self.q)

    def update(self, alpha: float, step: bool = True) -> tuple[float, float, float]:
        for acc, d in ((self.x, self.p), (self.v, self.pt)) if step else ():
            np.multiply(d, alpha, out=self._tmp)
            acc += self._tmp
        for acc, d in ((self.r, self.q), (self.rt, self.qt)):
            np.multiply(d, alpha, out=self._tmp)
            acc -= self._tmp
        np.multiply(self.dinv, self.rt, out=self._tmp)
        return dot(self.r, self.r), dot(self.rt, self.rt), dot(self.r, self._tmp)

    def direction(self, beta: float) -> None:
        for d, res in ((self.p, self.r), (self.pt, self.rt)):
            d *= beta
            np.multiply(self.dinv, res, out=self._tmp)
            d += self._tmp

    def true_residuals(self) -> tuple[float, float, float]:
        """``r = y - (I - A) x``, ``r̃ = l - (I - A)ᵀ v`` (one ``fused`` step); as :meth:`update`."""
        self.p[:], self.pt[:], self.r[:], self.rt[:] = self.x, self.v, self.y, self.l
        self.fused()
        return self.update(1.0, step=False)


def _numba_funcs() -> dict[str, Any]:
    if not _FUNCS:
        _FUNCS.update(_compile())
    return _FUNCS


def _compile() -> dict[str, Any]:
    import importlib

    nb: Any = importlib.import_module("numba")  # untyped on purpose: kernels are numba's business
    jit = nb.njit(parallel=True, fastmath=False, cache=True, nogil=True)

    @jit
    def fused(indptr, indices, data, bounds, W, pt, q):  # type: ignore[no-untyped-def]
        """q = W[:, 0] - A W[:, 0]; W[:, 1 + t] += thread t's share of Aᵀ pt; returns ptᵀ q."""
        sigma = 0.0
        for t in nb.prange(bounds.shape[0] - 1):
            acc = 0.0
            for i in range(bounds[t], bounds[t + 1]):
                s = 0.0
                c = pt[i]
                for k in range(indptr[i], indptr[i + 1]):
                    j = indices[k]
                    a = data[k]
                    s += a * W[j, 0]
                    W[j, 1 + t] += a * c
                qi = W[i, 0] - s
                q[i] = qi
                acc += c * qi
            sigma += acc
        return sigma

    @jit
    def update(W, nthreads, pt, q, dinv, x, v, r, rt, alpha, step):  # type: ignore[no-untyped-def]
        """q̃ = pt - Σ_t W[:, 1 + t] (zeroing the accumulators); r -= α q, r̃ -= α q̃ and, if
        ``step``, x += α p, v += α p̃; returns ‖r‖², ‖r̃‖², rᵀ D⁻¹ r̃."""
        rr = 0.0
        tt = 0.0
        rho = 0.0
        for i in nb.prange(x.shape[0]):
            b = 0.0
            for t in range(nthreads):
                b += W[i, 1 + t]
                W[i, 1 + t] = 0.0
            qti = pt[i] - b
            if step:
                x[i] += alpha * W[i, 0]
                v[i] += alpha * pt[i]
            ri = r[i] - alpha * q[i]
            rti = rt[i] - alpha * qti
            r[i] = ri
            rt[i] = rti
            rr += ri * ri
            tt += rti * rti
            rho += ri * (dinv[i] * rti)
        return rr, tt, rho

    @jit
    def direction(W, pt, dinv, r, rt, beta):  # type: ignore[no-untyped-def]
        for i in nb.prange(pt.shape[0]):
            W[i, 0] = dinv[i] * r[i] + beta * W[i, 0]
            pt[i] = dinv[i] * rt[i] + beta * pt[i]

    @jit
    def load(W, pt, x, v, r, rt, y, l):  # type: ignore[no-untyped-def]
        """p = x, p̃ = v, r = y, r̃ = l: the next fused pass and update give the true residuals."""
        for i in nb.prange(x.shape[0]):
            W[i, 0] = x[i]
            pt[i] = v[i]
            r[i] = y[i]
            rt[i] = l[i]

    return {"fused": fused, "update": update, "direction": direction, "load": load}


def row_bounds(indptr: np.ndarray, parts: int) -> np.ndarray:
    """``parts + 1`` row boundaries splitting the non-zeros of a CSR matrix evenly."""
    n = indptr.shape[0] - 1
    b = np.searchsorted(indptr, np.arange(parts + 1) * (int(indptr[-1]) / parts), side="left").astype(np.int64)
    b[0], b[-1] = 0, n
    return np.minimum(np.maximum.accumulate(b), n)


class NumbaCore:
    """Fused parallel numba core: one pass over ``A`` per ``fused`` step (see the module docstring)."""

    name = "numba"

    def __init__(self, A: sp.csr_matrix, y: np.ndarray, l: np.ndarray, dinv: np.ndarray, threads: int) -> None:
        self.f = _numba_funcs()
        unsigned = {np.dtype(np.int32): np.uint32, np.dtype(np.int64): np.uint64}
        # unsigned views (no copies): numba then skips the negative-index wrap-around in the hot loop
        self.indptr = A.indptr.view(unsigned[A.indptr.dtype])
        self.indices = A.indices.view(unsigned[A.indices.dtype])
        self.data = A.data
        self.threads = max(1, int(threads))
        self.bounds = row_bounds(A.indptr, self.threads)
        n = y.shape[0]
        self.W = np.zeros((n, 1 + self.threads))  # unpadded: a smaller footprint beat 64-byte alignment
        self.y, self.l, self.dinv = y, l, dinv
        self.x, self.v = np.zeros(n), np.zeros(n)
        self.r, self.rt = y.copy(), l.copy()
        self.pt, self.q = np.zeros(n), np.zeros(n)

    def fused(self) -> float:
        return float(self.f["fused"](self.indptr, self.indices, self.data, self.bounds, self.W, self.pt, self.q))

    def update(self, alpha: float, step: bool = True) -> tuple[float, float, float]:
        rr, tt, rho = self.f["update"](self.W, self.threads, self.pt, self.q, self.dinv, self.x, self.v, self.r,
                                       self.rt, alpha, step)
        return float(rr), float(tt), float(rho)

    def direction(self, beta: float) -> None:
        self.f["direction"](self.W, self.pt, self.dinv, self.r, self.rt, beta)

    def true_residuals(self) -> tuple[float, float, float]:
        self.f["load"](self.W, self.pt, self.x, self.v, self.r, self.rt, self.y, self.l)
        self.fused()
        return self.update(1.0, step=False)
