"""The hot loop of :mod:`councilplan.solvers.firstorder`: two interchangeable cores.

* :class:`NumpyOps`: ``scipy.sparse`` mat-vecs and vectorised numpy (always there).
* :class:`NumbaOps`: fused, parallel numba kernels (both cores): the dual step
  is fused into the row loop of ``K x'``, so each iteration reads the matrix
  twice (``K`` and ``Kᵀ``) and every vector once or twice.

Both compute the same thing; :func:`make_ops` picks numba when it is installed.
"""

from __future__ import annotations

import importlib.util
import os
import time
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
#: seconds of a solve after which the numba core measures its thread count again
RETUNE_SECONDS = 60.0
#: seconds for which :func:`idle_cores` reuses its last measurement
BUSY_FRESH = 5.0
_BUSY: list[Any] = [-float("inf"), None]  # (when, busy cores) of the last measurement


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """``aᵀb`` without BLAS: a threaded BLAS spin-waits for busy cores on a shared
    machine (measured: 13 ms for one 10^4-dot under load, 5 µs here)."""
    return float(np.einsum("i,i->", a, b))


class Ops(Protocol):
    name: str

    def matvec(self, x: np.ndarray) -> np.ndarray: ...
    def rmatvec(self, y: np.ndarray) -> np.ndarray: ...
    def matvec_into(self, x: np.ndarray, out: np.ndarray) -> None: ...
    def rmatvec_into(self, y: np.ndarray, out: np.ndarray) -> None: ...
    def primal_step(self, x: np.ndarray, KTy: np.ndarray, c: np.ndarray, cl: np.ndarray, cu: np.ndarray,
                    tau: float, out: np.ndarray) -> float: ...
    def dual_step(self, y: np.ndarray, Kx: np.ndarray, Kx_new: np.ndarray, rl: np.ndarray, ru: np.ndarray,
                  sigma: float, out: np.ndarray) -> tuple[float, float]: ...
    def average(self, avg: list[np.ndarray], x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray,
                w: float) -> None: ...
    def retune(self) -> None: ...


class NumpyOps:
    """scipy.sparse + numpy core."""

    name = "numpy"

    def __init__(self, K: sp.csr_matrix, KT: sp.csr_matrix) -> None:
        self.K, self.KT = K, KT

    def retune(self) -> None:
        """Nothing to tune: scipy's mat-vecs run on one thread."""

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.K @ x)

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(self.KT @ y)

    def matvec_into(self, x: np.ndarray, out: np.ndarray) -> None:
        out[:] = self.K @ x

    def rmatvec_into(self, y: np.ndarray, out: np.ndarray) -> None:
        out[:] = self.KT @ y

    def primal_step(self, x: np.ndarray, KTy: np.ndarray, c: np.ndarray, cl: np.ndarray, cu: np.ndarray,
                    tau: float, out: np.ndarray) -> float:
        np.subtract(c, KTy, out=out)
        out *= -tau
        out += x
        np.clip(out, cl, cu, out=out)
        d = out - x
        return float(np.einsum("i,i->", d, d))

    def dual_step(self, y: np.ndarray, Kx: np.ndarray, Kx_new: np.ndarray, rl: np.ndarray, ru: np.ndarray,
                  sigma: float, out: np.ndarray) -> tuple[float, float]:
        v = y - sigma * (2.0 * Kx_new - Kx)
        np.add(np.maximum(v + sigma * rl, 0.0), np.minimum(v + sigma * ru, 0.0), out=out)
        d = out - y
        return float(np.einsum("i,i->", d, d)), float(np.einsum("i,i->", d, Kx_new - Kx))

    def average(self, avg: list[np.ndarray], x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray,
                w: float) -> None:
        for a, v in zip(avg, (x, y, Kx, KTy), strict=True):
            a += w * (v - a)


_NUMBA_FUNCS: dict[str, Any] = {}


def _numba_funcs() -> dict[str, Any]:
    if _NUMBA_FUNCS:
        return _NUMBA_FUNCS
    import importlib

    nb: Any = importlib.import_module("numba")  # untyped on purpose: kernels are numba's business
    opts: dict[str, Any] = {"parallel": True, "fastmath": False, "cache": True, "nogil": True}

    @nb.njit(**opts)
    def csr_matvec(indptr, indices, data, x, out):  # type: ignore[no-untyped-def]
        m = out.shape[0]
        for i in nb.prange(m):
            s = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                s += data[p] * x[indices[p]]
            out[i] = s

    @nb.njit(**opts)
    def primal_step(x, KTy, c, cl, cu, tau, out):  # type: ignore[no-untyped-def]
        n = x.shape[0]
        acc = 0.0
        for j in nb.prange(n):
            v = x[j] - tau * (c[j] - KTy[j])
            v = min(max(v, cl[j]), cu[j])
            out[j] = v
            d = v - x[j]
            acc += d * d
        return acc

    @nb.njit(**opts)
    def dual_step_fused(indptr, indices, data, x_new, y, Kx, rl, ru, sigma, Kx_new, out):  # type: ignore[no-untyped-def]
        m = y.shape[0]
        dy2 = 0.0
        inter = 0.0
        for i in nb.prange(m):
            s = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                s += data[p] * x_new[indices[p]]
            Kx_new[i] = s
            v = y[i] - sigma * (2.0 * s - Kx[i])
            a = v + sigma * rl[i]
            b = v + sigma * ru[i]
            yn = (a if a > 0.0 else 0.0) + (b if b < 0.0 else 0.0)
            out[i] = yn
            d = yn - y[i]
            dy2 += d * d
            inter += d * (s - Kx[i])
        return dy2, inter

    @nb.njit(**opts)
    def average(a, v, w):  # type: ignore[no-untyped-def]
        for j in nb.prange(a.shape[0]):
            a[j] += w * (v[j] - a[j])

    _NUMBA_FUNCS.update(csr_matvec=csr_matvec, primal_step=primal_step, dual_step_fused=dual_step_fused,
                        average=average)
    return _NUMBA_FUNCS


class NumbaOps:
    """Fused parallel numba core; :meth:`matvec_into` computes ``K x'`` and defers
    the dual step to :meth:`dual_step`, which recomputes nothing: the row loop of
    the mat-vec and the dual prox run together there."""

    name = "numba"

    def __init__(self, K: sp.csr_matrix, KT: sp.csr_matrix) -> None:
        self.f = _numba_funcs()
        self.K = (K.indptr.astype(np.int64), K.indices.astype(np.int32), K.data)
        self.KT = (KT.indptr.astype(np.int64), KT.indices.astype(np.int32), KT.data)
        self.m, self.n = K.shape
        self._x_new: np.ndarray | None = None
        self._tuning: tuple[Any, int, float] | None = None  # (numba, threads tried, when)

    def calibrate(self, nb: Any, threads: int, repeat: int = 3, budget: float = 0.01) -> None:
        """Keep ``threads`` unless one thread runs ``K x`` clearly (10 %) faster now: the best of at
        least ``repeat`` timed products each (more, up to 50, until each count has run ``budget``
        seconds), interleaved. Measured: two threads are 3-4× slower than one when other jobs hold
        the cores, and 1.4-2× faster when they are free (10^5 goods: 3.1 against 5.5 ms per ``K x``;
        10^6: 0.13-0.18 s against 0.27 s per iteration); the load average tells neither reliably,
        since it reports late and counts this process's own earlier work."""
        self._tuning = (nb, threads, time.perf_counter())
        if threads <= 1:
            nb.set_num_threads(1)
            return
        x, out = np.ones(self.n), np.empty(self.m)
        best = {threads: float("inf"), 1: float("inf")}
        spent = {threads: 0.0, 1: 0.0}
        for th in best:  # warm: the first product on a thread count starts its pool
            nb.set_num_threads(th)
            self.f["csr_matvec"](*self.K, x, out)
        for i in range(50):
            if i >= repeat and min(spent.values()) >= budget:
                break
            for th in best:
                nb.set_num_threads(th)
                t = time.perf_counter()
                self.f["csr_matvec"](*self.K, x, out)
                dt = time.perf_counter() - t
                best[th], spent[th] = min(best[th], dt), spent[th] + dt
        nb.set_num_threads(1 if best[1] < 0.9 * best[threads] else threads)

    def retune(self, every: float = RETUNE_SECONDS) -> None:
        """Choose the thread count again (:func:`idle_cores`, then :meth:`calibrate`) when ``every``
        seconds have passed since the last time: a long solve outlives the load it started under.
        Nothing when the thread count was given (``threads`` of :func:`make_ops`)."""
        if self._tuning is None or time.perf_counter() - self._tuning[2] < every:
            return
        nb = self._tuning[0]
        self.calibrate(nb, max(1, min(idle_cores(), nb.config.NUMBA_NUM_THREADS)))

    @property
    def threads(self) -> int:
        """The thread count the kernels run on now."""
        import importlib

        return int(importlib.import_module("numba").get_num_threads())

    def matvec(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(self.m)
        self.f["csr_matvec"](*self.K, x, out)
        return out

    def rmatvec(self, y: np.ndarray) -> np.ndarray:
        out = np.empty(self.n)
        self.f["csr_matvec"](*self.KT, y, out)
        return out

    def matvec_into(self, x: np.ndarray, out: np.ndarray) -> None:
        # deferred: dual_step fuses the mat-vec with the dual update
        self._x_new = x

    def rmatvec_into(self, y: np.ndarray, out: np.ndarray) -> None:
        self.f["csr_matvec"](*self.KT, y, out)

    def primal_step(self, x: np.ndarray, KTy: np.ndarray, c: np.ndarray, cl: np.ndarray, cu: np.ndarray,
                    tau: float, out: np.ndarray) -> float:
        return float(self.f["primal_step"](x, KTy, c, cl, cu, tau, out))

    def dual_step(self, y: np.ndarray, Kx: np.ndarray, Kx_new: np.ndarray, rl: np.ndarray, ru: np.ndarray,
                  sigma: float, out: np.ndarray) -> tuple[float, float]:
        assert self._x_new is not None
        dy2, inter = self.f["dual_step_fused"](*self.K, self._x_new, y, Kx, rl, ru, sigma, Kx_new, out)
        return float(dy2), float(inter)

    def average(self, avg: list[np.ndarray], x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray,
                w: float) -> None:
        for a, v in zip(avg, (x, y, Kx, KTy), strict=True):
            self.f["average"](a, v, w)


def _busy_cores(window: float = 0.03) -> float | None:
    """Cores that other processes keep busy now: over ``window`` seconds, the busy share of all
    cores in ``/proc/stat`` less this process's own ticks (``/proc/self/stat``: its idle worker
    threads may still spin after a parallel region), times the cores. The load average instead
    reports late and counts this process's own work of the last minute. ``None`` where ``/proc``
    cannot be read."""

    def sample() -> tuple[float, float, float]:
        with open("/proc/stat") as f:
            v = [float(t) for t in f.readline().split()[1:]]
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()  # fields after the command name
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0.0), float(own[11]) + float(own[12])

    try:
        total0, idle0, own0 = sample()
        time.sleep(window)
        total1, idle1, own1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    busy = (total1 - total0) - (idle1 - idle0) - (own1 - own0)
    return (os.cpu_count() or 1) * max(busy, 0.0) / (total1 - total0)


def idle_cores(measure: bool = True) -> int:
    """Cores not busy with other processes, at least 1: measured on ``/proc/stat`` now
    (:func:`_busy_cores`), else by the 1-minute load average.

    A parallel region waits for its slowest thread: on a shared machine whose
    cores are busy, two threads are several times slower than one (measured:
    15 ms against 74 ms per iteration at 10^4 goods under a load of 6 on 2 cores).
    The load average alone misled: it reports late and counts this process's own
    earlier work (a 10^6-good ray's pdlp started at a load of 1.07, left by an earlier job and
    the economy's generation, so it ran on one thread at 0.27 s per iteration against
    0.13-0.18 s on two).
    ``measure=False`` uses the load average alone (the Leontief kernels: at 10^6 goods their
    substitution plan took 76 s on one thread and 85 s on two on a quiet machine).
    The environment variable ``COUNCILPLAN_THREADS`` overrides the guess. A measurement is
    reused for :data:`BUSY_FRESH` seconds (a polish runs many short solves).
    """
    n = os.cpu_count() or 1
    forced = os.environ.get("COUNCILPLAN_THREADS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return min(int(forced), n)
    now = time.monotonic()
    if not measure:
        busy: float | None = None
    elif now - _BUSY[0] < BUSY_FRESH:
        busy = _BUSY[1]
    else:
        busy = _busy_cores()
        _BUSY[:] = [now, busy]
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:
            return n
    return max(1, min(n, int(n - busy + 0.5)))


def make_ops(K: sp.csr_matrix, KT: sp.csr_matrix, kind: str = "auto", threads: int | None = None) -> Ops:
    """The fastest available core (``kind`` = ``"auto"``, ``"numba"`` or ``"numpy"``).

    With numba the thread count is ``threads`` when given, else :func:`idle_cores`, checked by
    :meth:`NumbaOps.calibrate` (more than one thread only if it multiplies faster now) and again
    every :data:`RETUNE_SECONDS` of a long solve."""
    if kind == "numba" or (kind == "auto" and HAVE_NUMBA and K.nnz >= 50_000):
        import importlib

        nb: Any = importlib.import_module("numba")
        want = max(1, min(int(threads or idle_cores()), nb.config.NUMBA_NUM_THREADS))
        nb.set_num_threads(want)
        ops = NumbaOps(K, KT)
        if threads is None:
            ops.calibrate(nb, want)
        return ops
    return NumpyOps(K, KT)
