"""A first-order LP backend: restarted PDHG in the style of PDLP, on sparse mat-vecs.

It solves the generic bounded-row :class:`~councilplan.solvers.base.LinearProgram`
``min cᵀx  s.t.  r^lo ≤ Kx ≤ r^hi,  x^lo ≤ x ≤ x^hi`` through the saddle point

.. math::

    \\min_{x^{lo} ≤ x ≤ x^{hi}}\\; \\max_y\\; c^\\top x - y^\\top K x
        + \\sum_i (y_i^+ r^{lo}_i - y_i^- r^{hi}_i),

whose ``y`` is the row dual in the sign convention of :mod:`councilplan.solvers.base`
(``y_i ≥ 0`` on an active lower bound), the same as HiGHS. One iteration is

.. math::

    x' = \\operatorname{proj}_X\\bigl(x - τ (c - K^\\top y)\\bigr), \\qquad
    y' = \\max(v + σ r^{lo}, 0) + \\min(v + σ r^{hi}, 0),\\; v = y - σ K (2x' - x),

one ``K`` and one ``Kᵀ`` mat-vec. The improvements that made PDLP (Applegate et
al., 2021) work are all here:

* **diagonal preconditioning**: 10 Ruiz (∞-norm) sweeps, then Pock–Chambolle
  (α = 1), then bound/objective rescaling;
* **adaptive step sizes** ``η`` with ``τ = η/ω``, ``σ = ηω`` (PDLP's rule);
* **primal-weight updates** ``ω`` at every restart (smoothed log-ratio of the dual
  and primal movement);
* **adaptive restarts** to the current or the η-weighted average iterate, whichever
  has the smaller KKT error (sufficient / necessary-with-no-progress / artificial
  criteria of cuPDLP);
* **infeasibility detection**: the difference of successive iterates converges to
  the infimal displacement vector and the iterate itself grows along it, so both are
  tested as Farkas rays (relative violation < 1e-6 at three checks in a row; the
  iterate is what catches it under restarts: a 10^3-good economy whose labour
  cannot meet its targets is declared infeasible after 36 k iterations, 5 s);
* **warm starts** from ``SolveOptions.warm_start = (x, row_dual)``.

Termination uses exactly the measures of :class:`~councilplan.solvers.base.Certificate`
(relative primal residual, dual residual and gap, all ``≤ tol``), computed from the
mat-vecs the iteration already has, so the certificate the planning layer computes
afterwards from the data agrees. With numba installed the hot loop runs in fused,
parallel kernels (both cores); otherwise on ``scipy.sparse`` and numpy.

Options read from ``SolveOptions.extra``: ``max_iter`` (default 1 000 000), ``restart_metric`` (``"original"``: the
certificate's relative KKT error, or ``"scaled"``: PDLP's primal-weighted one),
``check_every`` (16), ``kernels`` (``"numba"`` or ``"numpy"``), ``ruiz_iters`` (10).
``Ctrl-C`` returns the best iterate so far with :attr:`Status.INTERRUPTED`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from councilplan.solvers import _pdhg_kernels as kern
from councilplan.solvers._pdhg_kernels import dot as _dot
from councilplan.solvers.base import LinearProgram, LPResult, SolveOptions, Solver, Status

#: the default certificate tolerance of this backend (``--tol``)
DEFAULT_TOL = 1e-4


@dataclass(frozen=True)
class Progress:
    """One progress report of a running solve (for displays and logs)."""

    iteration: int
    seconds: float
    primal_residual: float
    dual_residual: float
    gap: float
    primal_objective: float
    restarts: int
    step: float
    primal_weight: float
    #: which method reports: ``"pdlp"`` (restarts, step, primal weight are its own) or ``"substitution"``
    #: (iterations are policy rounds, restarts wage probes; step and primal weight are NaN)
    stage: str = "pdlp"

    @property
    def worst(self) -> float:
        """The largest of the three relative measures (what the certificate's tolerance bounds)."""
        return max(self.primal_residual, self.dual_residual, self.gap)


ProgressCallback = Callable[[Progress], None]


# ---------------------------------------------------------------- measures
@dataclass
class _Measures:
    """The certificate's relative measures (see :func:`councilplan.solvers.base.certify`)."""

    primal_residual: float
    dual_residual: float
    gap: float
    primal_objective: float
    dual_objective: float

    @property
    def kkt_norm(self) -> float:
        """The KKT error ``‖(primal, dual, gap)‖₂`` of the relative measures (a restart metric)."""
        return math.sqrt(self.primal_residual**2 + self.dual_residual**2 + self.gap**2)

    @property
    def worst(self) -> float:
        """The largest of the three relative measures (what the certificate's tolerance bounds)."""
        return max(self.primal_residual, self.dual_residual, self.gap)


def _norm(v: np.ndarray) -> float:
    return math.sqrt(_dot(v, v))


def _sq(v: np.ndarray, mask: np.ndarray) -> float:
    """``Σ v_i²`` over ``mask``."""
    return float(np.sum(np.square(v), where=mask))


class _Bounds:
    """Finite parts and masks of one LP's bounds, precomputed once."""

    def __init__(self, rl: np.ndarray, ru: np.ndarray, cl: np.ndarray, cu: np.ndarray, c: np.ndarray) -> None:
        self.rl, self.ru, self.cl, self.cu, self.c = rl, ru, cl, cu, c
        self.frl, self.fru, self.fcl, self.fcu = (np.isfinite(v) for v in (rl, ru, cl, cu))
        self.rl0, self.ru0, self.cl0, self.cu0 = (
            np.where(f, v, 0.0) for f, v in ((self.frl, rl), (self.fru, ru), (self.fcl, cl), (self.fcu, cu))
        )
        sq = sum(_dot(v, v) for v in (self.rl0, self.ru0, self.cl0, self.cu0))
        self.bnorm = math.sqrt(sq)
        self.cnorm = _norm(c)

    def measures(self, x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray, offset: float) -> _Measures:
        """Exactly the formulas of :func:`~councilplan.solvers.base.certify`, from cached mat-vecs."""
        pv = (_sq(np.maximum(self.rl0 - Kx, 0.0), self.frl) + _sq(np.maximum(Kx - self.ru0, 0.0), self.fru)
              + _sq(np.maximum(self.cl0 - x, 0.0), self.fcl) + _sq(np.maximum(x - self.cu0, 0.0), self.fcu))
        z = self.c - KTy
        yp, ym = np.maximum(y, 0.0), np.maximum(-y, 0.0)
        zp, zm = np.maximum(z, 0.0), np.maximum(-z, 0.0)
        dv = _sq(yp, ~self.frl) + _sq(ym, ~self.fru) + _sq(zp, ~self.fcl) + _sq(zm, ~self.fcu)
        P = _dot(self.c, x) + offset
        D = offset + _dot(yp, self.rl0) - _dot(ym, self.ru0) + _dot(zp, self.cl0) - _dot(zm, self.cu0)
        return _Measures(math.sqrt(pv) / (1.0 + self.bnorm), math.sqrt(dv) / (1.0 + self.cnorm),
                         abs(P - D) / (1.0 + abs(P) + abs(D)), P, D)

    def dual_ray(self, dy: np.ndarray, KTdy: np.ndarray) -> float:
        """Violation/objective of ``dy`` as a Farkas ray (primal infeasibility); ``inf`` if none."""
        dz = -KTdy
        yp, ym = np.maximum(dy, 0.0), np.maximum(-dy, 0.0)
        zp, zm = np.maximum(dz, 0.0), np.maximum(-dz, 0.0)
        obj = _dot(yp, self.rl0) - _dot(ym, self.ru0) + _dot(zp, self.cl0) - _dot(zm, self.cu0)
        scale = _norm(dy)
        if not (obj > 1e-12 * max(scale, 1e-300) * (1.0 + self.bnorm)) or scale == 0.0:
            return math.inf
        viol = math.sqrt(_sq(yp, ~self.frl) + _sq(ym, ~self.fru) + _sq(zp, ~self.fcl) + _sq(zm, ~self.fcu))
        return viol / obj * (1.0 + self.bnorm)

    def primal_ray(self, dx: np.ndarray, Kdx: np.ndarray) -> float:
        """Violation/descent of ``dx`` as a primal ray (unboundedness); ``inf`` if none."""
        descent = -_dot(self.c, dx)
        scale = _norm(dx)
        if scale == 0.0 or not (descent > 1e-12 * scale * (1.0 + self.cnorm)):
            return math.inf
        viol = math.sqrt(_sq(np.minimum(Kdx, 0.0), self.frl) + _sq(np.maximum(Kdx, 0.0), self.fru)
                         + _sq(np.minimum(dx, 0.0), self.fcl) + _sq(np.maximum(dx, 0.0), self.fcu))
        return viol / descent * (1.0 + self.cnorm)


# ----------------------------------------------------------- preconditioning
@dataclass
class _Scaled:
    """The preconditioned problem ``K̃ = D_r K D_c`` and the maps back."""

    K: sp.csr_matrix
    KT: sp.csr_matrix
    c: np.ndarray
    rl: np.ndarray
    ru: np.ndarray
    cl: np.ndarray
    cu: np.ndarray
    Dr: np.ndarray  # y = beta_c * Dr * ỹ ;  Kx = K̃x̃ * beta_b / Dr
    Dc: np.ndarray  # x = beta_b * Dc * x̃ ;  Kᵀy = K̃ᵀỹ * beta_c / Dc
    beta_b: float
    beta_c: float


def _row_col_max(K: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.abs(K.data)
    m, n = K.shape
    rmax = np.zeros(m)
    nz = np.diff(K.indptr) > 0
    if a.size:
        rmax[nz] = np.maximum.reduceat(a, K.indptr[:-1][nz])
    cmax = np.zeros(n)
    np.maximum.at(cmax, K.indices, a)
    return rmax, cmax


def precondition(lp: LinearProgram, ruiz_iters: int = 10) -> _Scaled:
    """Ruiz equilibration, Pock–Chambolle (α = 1) and bound/objective rescaling."""
    K = lp.K.tocsr().astype(np.float64, copy=True)
    K.sum_duplicates()
    m, n = K.shape
    rows = np.repeat(np.arange(m, dtype=np.int32), np.diff(K.indptr))
    Dr, Dc = np.ones(m), np.ones(n)
    for _ in range(ruiz_iters):
        rmax, cmax = _row_col_max(K, rows)
        r = 1.0 / np.sqrt(np.where(rmax > 0, rmax, 1.0))
        s = 1.0 / np.sqrt(np.where(cmax > 0, cmax, 1.0))
        K.data *= r[rows] * s[K.indices]
        Dr *= r
        Dc *= s
    a = np.abs(K.data)
    rsum = np.bincount(rows, weights=a, minlength=m)
    csum = np.bincount(K.indices, weights=a, minlength=n)
    r = 1.0 / np.sqrt(np.where(rsum > 0, rsum, 1.0))
    s = 1.0 / np.sqrt(np.where(csum > 0, csum, 1.0))
    K.data *= r[rows] * s[K.indices]
    Dr *= r
    Dc *= s
    # scaled data before bound/objective rescaling
    c = lp.c * Dc
    with np.errstate(invalid="ignore"):
        rl, ru = lp.row_lower * Dr, lp.row_upper * Dr
        cl, cu = lp.col_lower / Dc, lp.col_upper / Dc
    b = np.concatenate([rl[np.isfinite(rl)], ru[np.isfinite(ru)]])
    beta_b = 1.0 + float(np.linalg.norm(b))
    beta_c = 1.0 + float(np.linalg.norm(c))
    KT = K.T.tocsr()
    return _Scaled(K=K, KT=KT, c=c / beta_c, rl=rl / beta_b, ru=ru / beta_b, cl=cl / beta_b, cu=cu / beta_b,
                   Dr=Dr, Dc=Dc, beta_b=beta_b, beta_c=beta_c)


# ------------------------------------------------------------------ solver
class PDLPSolver(Solver):
    """Restarted, preconditioned PDHG (PDLP) on sparse mat-vecs; see the module docstring.

    ``progress`` is called at every convergence check (every ``check_every``
    iterations) with a :class:`Progress`; it may raise ``KeyboardInterrupt`` to stop.
    """

    name = "pdlp"
    capabilities = frozenset({"lp", "duals", "warm_start", "interrupt", "large_scale", "first_order"})
    required_modules = ()
    status_map: ClassVar[dict[Any, Status]] = {
        "optimal": Status.OPTIMAL,
        "primal_infeasible": Status.INFEASIBLE,
        "dual_infeasible": Status.UNBOUNDED,
        "iteration_limit": Status.ITERATION_LIMIT,
        "time_limit": Status.TIME_LIMIT,
        "interrupted": Status.INTERRUPTED,
    }
    default_tol: ClassVar[float] = DEFAULT_TOL

    def __init__(self, progress: ProgressCallback | None = None) -> None:
        self.progress = progress
        #: (shape, primal weight, step size) of the last solve, reused by warm starts
        self.memory: tuple[tuple[int, int], float, float] | None = None

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        res = _PDHG(lp, options, self.progress, self.memory).run(self.status_map)
        if res.status is Status.OPTIMAL:
            self.memory = (lp.shape, float(res.extra["primal_weight"]), float(res.extra["step_size"]))
        return res


class _PDHG:
    """One solve's state (kept out of :class:`PDLPSolver` so the solver is reusable)."""

    def __init__(self, lp: LinearProgram, options: SolveOptions, progress: ProgressCallback | None,
                 memory: tuple[tuple[int, int], float, float] | None = None) -> None:
        self.lp, self.opts, self.progress, self.memory = lp, options, progress, memory
        ex = options.extra
        self.tol = float(options.tol)
        self.max_iter = int(ex.get("max_iter", 1_000_000))
        self.check_every = int(ex.get("check_every", 16))
        self.restart_metric = str(ex.get("restart_metric", "original"))
        self.algorithm = str(ex.get("algorithm", "pdlp"))
        self.reflection = float(ex.get("reflection", 1.0))
        self.t0 = time.perf_counter()
        self.S = precondition(lp, int(ex.get("ruiz_iters", 10)))
        self.ops = kern.make_ops(self.S.K, self.S.KT, str(ex.get("kernels", "auto")), options.threads)
        self.orig = _Bounds(lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, lp.c)
        S = self.S
        self.scaled = _Bounds(S.rl, S.ru, S.cl, S.cu, S.c)

    # maps between the scaled and the original space
    def unscale(self, x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray) -> tuple[np.ndarray, ...]:
        S = self.S
        return (x * (S.beta_b * S.Dc), y * (S.beta_c * S.Dr), Kx * (S.beta_b / S.Dr), KTy * (S.beta_c / S.Dc))

    def measures(self, x: np.ndarray, y: np.ndarray, Kx: np.ndarray, KTy: np.ndarray) -> _Measures:
        xo, yo, Kxo, KTyo = self.unscale(x, y, Kx, KTy)
        return self.orig.measures(xo, yo, Kxo, KTyo, self.lp.offset)

    def weighted_kkt(self, it: list[np.ndarray], omega: float) -> float:
        """PDLP's restart metric: the KKT error of the scaled problem in the primal-weight norm."""
        m = self.scaled.measures(it[0], it[1], it[2], it[3], 0.0)
        return math.sqrt(omega * m.primal_residual**2 + m.dual_residual**2 / omega + m.gap**2)

    def start(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
        """The first iterate (cold or from ``warm_start``), its mat-vecs, the primal weight and step size."""
        S, ops = self.S, self.ops
        m, n = S.K.shape
        if self.opts.warm_start is not None:
            xw, yw = self.opts.warm_start
            x = np.clip(np.asarray(xw, dtype=float) / (S.beta_b * S.Dc), S.cl, S.cu)
            y = np.asarray(yw, dtype=float) / (S.beta_c * S.Dr)
            y = np.where(np.isfinite(S.rl), y, np.minimum(y, 0.0))
            y = np.where(np.isfinite(S.ru), y, np.maximum(y, 0.0))
        else:
            x = np.clip(np.zeros(n), S.cl, S.cu)
            y = np.zeros(m)
        x = np.ascontiguousarray(x)
        y = np.ascontiguousarray(y)
        kmax = float(np.abs(S.K.data).max()) if S.K.nnz else 1.0
        eta = 1.0 / kmax
        cn, bn = float(np.linalg.norm(S.c)), float(np.linalg.norm(np.concatenate(
            [S.rl[np.isfinite(S.rl)], S.ru[np.isfinite(S.ru)]])))
        omega = cn / bn if cn > 1e-10 and bn > 1e-10 else 1.0
        if self.opts.warm_start is not None and self.memory is not None and self.memory[0] == (m, n):
            # re-solving after a change of goals: the last solve's primal weight and step size
            _, omega, eta = self.memory
        if "primal_weight" in self.opts.extra:
            omega = float(self.opts.extra["primal_weight"])
        return x, y, ops.matvec(x), ops.rmatvec(y), omega, eta

    def finish(self, native: str, out: list[np.ndarray], k: int, restarts: int, steps: int, omega: float,
               eta: float, status_map: dict[Any, Status]) -> LPResult:
        """The :class:`LPResult` of the scaled iterate ``out``."""
        xo, yo, _, _ = self.unscale(*out)
        seconds = time.perf_counter() - self.t0
        status = status_map[native]
        res = LPResult(status=status, iterations=k, native_status=native,
                       message=f"{self.algorithm} PDHG {native} after {k} iterations ({restarts} restarts, "
                               f"{seconds:.2f}s)",
                       extra={"restarts": restarts, "steps": steps, "primal_weight": omega, "step_size": eta,
                              "kernels": self.ops.name, "threads": getattr(self.ops, "threads", 1),
                              "seconds": seconds, "algorithm": self.algorithm})
        if status in (Status.OPTIMAL, Status.INTERRUPTED, Status.ITERATION_LIMIT, Status.TIME_LIMIT):
            res.x = np.clip(xo, self.lp.col_lower, self.lp.col_upper)
            res.row_dual = yo
        return res

    def verdict(self, mc: _Measures, cand: list[np.ndarray], best: list[Any], k: int, restarts: int, eta: float,
                omega: float, dx_: tuple[np.ndarray, np.ndarray], dy_: tuple[np.ndarray, np.ndarray],
                ray_hits: dict[str, int]) -> str | None:
        """At a check of the iterate ``cand``: keep it in ``best = [kkt, iterate]`` if better, report
        progress; ``"optimal"``, ``"time_limit"``, an infeasibility, or go on (``None``).

        ``dx_``/``dy_`` are the last step and its mat-vec: three checks in a row where they are
        Farkas rays (:meth:`_Bounds.dual_ray`, :meth:`_Bounds.primal_ray`) stop the solve."""
        if mc.kkt_norm < best[0]:
            best[:] = [mc.kkt_norm, [v.copy() for v in cand]]
        if self.progress is not None:
            self.progress(Progress(k, time.perf_counter() - self.t0, mc.primal_residual, mc.dual_residual,
                                   mc.gap, mc.primal_objective, restarts, eta, omega))
        if mc.worst <= self.tol:
            return "optimal"
        if self.opts.time_limit is not None and time.perf_counter() - self.t0 > self.opts.time_limit:
            return "time_limit"
        # candidate rays: the last step, and the iterate itself, which grows along the ray when the
        # LP is infeasible (restarts keep resetting the step, never the iterate's direction)
        xc, yc, Kxc, KTyc = cand
        for key, ratio in (("primal_infeasible", min(self.scaled.dual_ray(*dy_), self.scaled.dual_ray(yc, KTyc))),
                           ("dual_infeasible", min(self.scaled.primal_ray(*dx_), self.scaled.primal_ray(xc, Kxc)))):
            ray_hits[key] = ray_hits[key] + 1 if ratio < 1e-6 else 0
        if k >= 10 * self.check_every and max(ray_hits.values()) >= 3:
            return max(ray_hits, key=lambda key: ray_hits[key])
        return None

    def run(self, status_map: dict[Any, Status]) -> LPResult:
        if self.algorithm == "halpern":
            return self.run_halpern(status_map)
        S, ops = self.S, self.ops
        m, n = S.K.shape
        x, y, Kx, KTy, omega, eta = self.start()
        # buffers
        x_new, y_new = np.empty(n), np.empty(m)
        Kx_new, KTy_new = np.empty(m), np.empty(n)
        avg = [x.copy(), y.copy(), Kx.copy(), KTy.copy()]
        wsum = 0.0
        last = [x.copy(), y.copy()]  # the last restart point
        best: list[Any] = [math.inf, [x.copy(), y.copy(), Kx.copy(), KTy.copy()]]
        k = 0  # accepted iterations
        k_restart = 0
        restarts = 0
        kkt_last_restart = (self.weighted_kkt([x, y, Kx, KTy], omega) if self.restart_metric == "scaled"
                            else self.measures(x, y, Kx, KTy).kkt_norm)
        kkt_prev_cand = math.inf
        native = "iteration_limit"
        ray_hits = {"primal_infeasible": 0, "dual_infeasible": 0}
        total_steps = 0
        x_out: list[np.ndarray] = [x, y, Kx, KTy]
        try:
            while k < self.max_iter:
                # ---- one PDHG step with PDLP's adaptive step size
                while True:
                    total_steps += 1
                    tau, sigma = eta / omega, eta * omega
                    dx2 = ops.primal_step(x, KTy, S.c, S.cl, S.cu, tau, x_new)
                    ops.matvec_into(x_new, Kx_new)
                    dy2, inter = ops.dual_step(y, Kx, Kx_new, S.rl, S.ru, sigma, y_new)
                    movement = 0.5 * (omega * dx2 + dy2 / omega)
                    limit = movement / abs(inter) if inter != 0.0 else math.inf
                    kk = k + 2
                    grow = (1.0 + kk**-0.6) * eta
                    eta_next = min((1.0 - kk**-0.3) * limit, grow) if math.isfinite(limit) else grow
                    if eta <= limit or movement == 0.0:
                        break
                    eta = eta_next
                ops.rmatvec_into(y_new, KTy_new)
                k += 1
                wsum += eta
                w = eta / wsum
                ops.average(avg, x_new, y_new, Kx_new, KTy_new, w)
                if k % self.check_every == 0:
                    dx_ = (x_new - x, Kx_new - Kx)
                    dy_ = (y_new - y, KTy_new - KTy)
                x, x_new = x_new, x
                y, y_new = y_new, y
                Kx, Kx_new = Kx_new, Kx
                KTy, KTy_new = KTy_new, KTy
                eta = eta_next if math.isfinite(eta_next) else eta
                if k % self.check_every:
                    continue
                # ---- convergence, restarts, infeasibility
                ops.retune()
                m_cur = self.measures(x, y, Kx, KTy)
                m_avg = self.measures(*avg)
                if self.restart_metric == "scaled":
                    kc, ka = self.weighted_kkt([x, y, Kx, KTy], omega), self.weighted_kkt(avg, omega)
                else:
                    kc, ka = m_cur.kkt_norm, m_avg.kkt_norm
                use_avg = ka < kc
                cand, m_cand = (avg, m_avg) if use_avg else ([x, y, Kx, KTy], m_cur)
                kkt_cand = min(ka, kc)
                stop = self.verdict(m_cand, cand, best, k, restarts, eta, omega, dx_, dy_, ray_hits)
                if stop is not None:
                    native, x_out = stop, cand if stop == "optimal" else x_out
                    break
                since = k - k_restart
                if (kkt_cand <= 0.2 * kkt_last_restart
                        or (kkt_cand <= 0.8 * kkt_last_restart and kkt_cand > kkt_prev_cand)
                        or since >= 0.36 * k):
                    if use_avg:
                        x[:], y[:], Kx[:], KTy[:] = avg
                    # primal weight update (smoothed)
                    ddx = _norm(x - last[0])
                    ddy = _norm(y - last[1])
                    if ddx > 1e-10 and ddy > 1e-10:
                        omega = math.exp(0.5 * math.log(ddy / ddx) + 0.5 * math.log(omega))
                    last = [x.copy(), y.copy()]
                    for a, v in zip(avg, (x, y, Kx, KTy), strict=True):
                        a[:] = v
                    wsum = 0.0
                    kkt_last_restart = kkt_cand
                    kkt_prev_cand = math.inf
                    k_restart = k
                    restarts += 1
                else:
                    kkt_prev_cand = kkt_cand
            if native == "iteration_limit" or native == "time_limit":
                x_out = best[1]
        except KeyboardInterrupt:
            native = "interrupted"
            x_out = best[1] if math.isfinite(best[0]) else [x, y, Kx, KTy]
        return self.finish(native, x_out, k, restarts, total_steps, omega, eta, status_map)

    def spectral_norm(self, iters: int = 30) -> float:
        """``‖K̃‖₂`` of the scaled matrix by power iteration on ``K̃ᵀK̃`` (``iters`` mat-vec pairs)."""
        v = np.random.default_rng(0).standard_normal(self.S.K.shape[1])
        s = 1.0
        for _ in range(iters):
            v /= max(_norm(v), 1e-300)
            w = self.ops.rmatvec(self.ops.matvec(v))
            s = math.sqrt(max(_dot(v, w), 0.0))
            v = w
        return s

    def run_halpern(self, status_map: dict[Any, Status]) -> LPResult:
        """Reflected restarted Halpern PDHG (r2HPDHG; Lu & Yang, 2024, as in cuPDLPx).

        With ``T`` one PDHG step at the constant step ``η = 0.9/‖K̃‖₂`` and the
        reflection ``γ`` (``extra["reflection"]``, 1.0), the iterates are

        .. math::

            z_{k+1} = \\frac{k+1}{k+2}\\bigl((1+γ)\\,T(z_k) - γ z_k\\bigr) + \\frac{1}{k+2}\\, z_0,

        linear in ``z``, so ``K x`` and ``Kᵀ y`` follow by the same combination. A
        restart sets the anchor ``z_0`` to ``T(z_k)`` when the fixed-point residual
        ``r = ‖z - T(z)‖_ω`` fell to 0.2 of its value at the last restart, or to 0.8 and
        stopped falling, or after 36 % of all iterations; the primal weight ``ω`` is
        updated there as in :meth:`run`. Convergence is judged at ``T(z_k)``.
        """
        S, ops = self.S, self.ops
        m, n = S.K.shape
        x, y, Kx, KTy, omega, _ = self.start()
        eta = 0.9 / max(self.spectral_norm(), 1e-300)  # power iteration estimates from below
        gamma = self.reflection
        xT, yT, KxT, KTyT = np.empty(n), np.empty(m), np.empty(m), np.empty(n)
        z, zT = [x, y, Kx, KTy], [xT, yT, KxT, KTyT]
        anchor = [v.copy() for v in z]
        last = [x.copy(), y.copy()]
        best: list[Any] = [math.inf, [v.copy() for v in z]]
        k = j = restarts = 0
        r0 = r_prev = math.inf
        native = "iteration_limit"
        ray_hits = {"primal_infeasible": 0, "dual_infeasible": 0}
        out = z
        try:
            while k < self.max_iter:
                tau, sigma = eta / omega, eta * omega
                dx2 = ops.primal_step(x, KTy, S.c, S.cl, S.cu, tau, xT)
                ops.matvec_into(xT, KxT)
                dy2, _ = ops.dual_step(y, Kx, KxT, S.rl, S.ru, sigma, yT)
                ops.rmatvec_into(yT, KTyT)
                k += 1
                r = math.sqrt(omega * dx2 + dy2 / omega)
                if j == 0:
                    r0 = r
                check = k % self.check_every == 0
                if check:
                    dx_ = (xT - x, KxT - Kx)
                    dy_ = (yT - y, KTyT - KTy)
                w = (j + 1) / (j + 2)
                for v, vT, a in zip(z, zT, anchor, strict=True):
                    v *= -gamma * w
                    v += (w * (1.0 + gamma)) * vT
                    v += (1.0 - w) * a
                j += 1
                if not check:
                    continue
                ops.retune()
                mT = self.measures(xT, yT, KxT, KTyT)
                stop = self.verdict(mT, zT, best, k, restarts, eta, omega, dx_, dy_, ray_hits)
                if stop is not None:
                    native, out = stop, zT if stop == "optimal" else out
                    break
                if r <= 0.2 * r0 or (r <= 0.8 * r0 and r > r_prev) or j >= 0.36 * k:
                    for v, vT, a in zip(z, zT, anchor, strict=True):
                        v[:] = vT
                        a[:] = vT
                    ddx, ddy = _norm(x - last[0]), _norm(y - last[1])
                    if ddx > 1e-10 and ddy > 1e-10:
                        omega = math.exp(0.5 * math.log(ddy / ddx) + 0.5 * math.log(omega))
                    last = [x.copy(), y.copy()]
                    j = 0
                    restarts += 1
                    r_prev = math.inf
                else:
                    r_prev = r
            if native in ("iteration_limit", "time_limit"):
                out = best[1]
        except KeyboardInterrupt:
            native = "interrupted"
            out = best[1] if math.isfinite(best[0]) else zT
        return self.finish(native, out, k, restarts, k, omega, eta, status_map)
