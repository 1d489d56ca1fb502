"""Leontief substitution LPs: non-substitution policy iteration, certified, else pdlp from it.

The backend ``substitution`` recognises, from the signs of the data alone, the
LPs of least-labour plans (``build_problem(economy, "min-labour")``)

.. math::

    \\min_x\\; c^\\top x \\quad\\text{s.t.}\\quad N x ≥ t,\\quad G x ≤ g,\\quad 0 ≤ x ≤ u,

where every column ``j`` of ``N`` has at most one positive entry (process ``j``
makes good ``m(j)`` at the rate ``b_j = N_{m(j) j}`` and uses the inputs
``a_ij = -N_ij ≥ 0``), ``G ≥ 0`` are the side limits (labour kinds, resources),
``c ≥ 0`` and ``t ≥ 0``. Anything else goes to ``pdlp`` unchanged.

**Lagrangian prices.** Side limits get shadow prices ``μ ≥ 0``; a process then
costs ``e = c + Gᵀμ``, and what is left is the capacitated substitution system
``min eᵀx  s.t.  N x ≥ t, 0 ≤ x ≤ u``.

**Non-substitution (policy iteration).** Without capacities the cheapest
technique of every good does not depend on final demand (Samuelson's
non-substitution theorem): the good prices are the fixed point of the Bellman
equation

.. math::

    λ_g = \\min_{j:\\, m(j) = g,\\; j ∉ F}\\; \\frac{e_j + \\sum_i a_{ij} λ_i}{b_j},

solved by Howard's policy iteration: for a policy ``S`` (one technique per
good) *policy evaluation* is the Leontief system ``(B_S - A_S)ᵀ λ = e_S`` and
*policy improvement* switches each good to the technique of least
``z_j / b_j`` with reduced costs ``z = e - Nᵀλ`` (one mat-vec). Quantities are
the Leontief system ``(B_S - A_S) x_S = t - N_F u_F``. Capacities: a technique
of the policy run above its capacity joins the saturated set ``F`` (fixed at
``u``; the next cheapest becomes the marginal one), a saturated technique whose
reduced cost turns positive leaves it, and a good over-supplied by saturated
techniques takes its dearest saturated technique as the marginal one. At the
fixed point ``z_S = 0``, ``z ≥ 0`` off ``S ∪ F``, ``z ≤ 0`` on ``F`` and ``x``
is feasible: an optimal primal–dual pair of the subproblem (both Leontief
solves by :mod:`councilplan.solvers.leontief`).

**Wages.** ``μ_k`` is found by bracketing, one side limit at a time: on a fixed
basis ``λ`` and ``z`` are affine in ``μ_k`` (``∂λ/∂μ_k`` from one more Leontief
solve), so every probe yields the whole interval of ``μ_k`` on which its basis
stays optimal and its use ``G_k x`` is constant; probes cut the gap between
the interval of the last basis that overuses the limit and the first that does
not (regula falsi on the use, Kelley's cutting plane on the Lagrangian where that
stalls). A probe starts from the nearer end's basis with its prices moved along
``∂λ/∂μ_k`` (exact for that basis: no price solve) and is solved loosely
(``probe_tol``); the bases that close the bracket are solved again tightly. When the two
intervals touch at ``μ*`` both bases are optimal there and the convex combination that uses
exactly ``g_k`` is optimal for the LP. The search stops sooner, on Kelley's gap: that combination
costs ``P = θ cᵀx_a + (1-θ) cᵀx_b``, the value at which the two ends' tangent lines of the concave
Lagrangian ``φ(μ_k)`` cross, and the better end's ``φ`` is a lower bound ``D``; once
``(P - D) / (1 + |P| + |D|) ≤ gap_stop · tol`` (the certificate's gap) the combination, with the
better end's prices, is returned (10^5 planted goods: 5 probes instead of 10).

**Several binding limits.** Once a second limit binds after the first search, all prices are found
at once (:meth:`_Method.joint`): Kelley's cutting planes on ``φ(μ)`` with a trust box, the next ``μ``
from a small master LP (HiGHS through scipy), and Dantzig–Wolfe's primal recovery: the master's duals
weigh the probes' solutions into the cheapest combination that meets every limit (planted 10^5 goods
with a binding wage and rent: 15–16 probes and 5–6 s, against 35–86 probes and 7–19 s one limit at a
time, ``joint=False``).

**Warm start** (:attr:`SolveOptions.warm_start`, a previous answer ``(x, y)`` of an LP of the same
shape, e.g. before a council vote changed some targets): the search starts at the previous wages
``μ = -y_side`` from the previous basis (``F``: the techniques at their capacity, ``S``: each good's
busiest other technique), not from ``μ = 0`` and Bellman sweeps (10^6 planted goods, 1 % more of 2 % of
the targets: 28 Leontief solves and 13.5 s against 71 and 31.9 s cold).

The pair ``x``, ``y = (λ, -μ)`` is then judged by :func:`~councilplan.solvers.base.certify`;
within ``tol`` it is returned as optimal, otherwise ``pdlp`` starts from it
(:attr:`SolveOptions.warm_start`) and certifies its own answer. Options in ``SolveOptions.extra``:

* ``max_rounds`` (policy rounds per subproblem, 60), ``max_probes`` (per side limit, 60);
* ``leontief_tol`` (1e-10); ``probe_tol`` (``min(1e-7, 1e-3 tol)``: the Leontief tolerance of wage
  probes; a basis that closes an exact bracket is solved again at ``leontief_tol``);
* ``gap_stop`` (0.25: stop the bracket at this share of ``tol``; 0: bracket exactly);
* ``kelley`` (True: cutting planes where regula falsi stalls); ``joint`` (True: several binding limits
  priced at once); ``value_sweeps`` (Bellman sweeps before policy iteration, 50);
* ``max_flips`` (1: a technique that left the saturated set that often is pinned there when it runs
  over its capacity again, instead of cycling; should its reduced cost end positive, the certificate
  counts ``z_j u_j`` as gap. A good whose every technique is saturated keeps its last one over
  capacity: the certificate counts the excess as a primal residual, and ``LPResult.extra`` reports
  ``capacity_overruns`` and ``worst_overrun``);
* ``warm_fallback`` (True: ``pdlp`` starts from the uncertified pair; False: from ``options.warm_start``
  as if called directly, which ``auto`` uses so that it never costs more than the crash over plain
  ``pdlp``).

Progress: each wage probe reports the certificate of the point so far (:class:`Progress`, ``stage
"substitution"``); Ctrl-C or ``time_limit`` returns that point as ``interrupted`` / ``time_limit``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from councilplan.solvers import leontief
from councilplan.solvers.base import LinearProgram, LPResult, SolveOptions, Solver, Status, certify
from councilplan.solvers.firstorder import DEFAULT_TOL, PDLPSolver, Progress


class NotApplicableError(Exception):
    """The LP is not a Leontief substitution system, or the method got stuck on it."""


class _OutOfTimeError(Exception):
    """``SolveOptions.time_limit`` passed during the wage search."""


# ------------------------------------------------------------------ structure
@dataclass(frozen=True)
class SubstitutionSystem:
    """``N x ≥ t, G x ≤ g, 0 ≤ x ≤ u`` read off a :class:`LinearProgram` (see the module docstring)."""

    goods_rows: np.ndarray  # rows of N in the LP
    side_rows: np.ndarray  # rows of G in the LP
    N: sp.csc_matrix
    G: sp.csr_matrix
    c: np.ndarray
    t: np.ndarray
    g: np.ndarray
    u: np.ndarray
    makes: np.ndarray  # good made by each column, -1 for none
    b: np.ndarray  # its output rate (1 where none, unused)
    order: np.ndarray  # making columns sorted by good
    starts: np.ndarray  # first position of each good in ``order``


def substitution_system(lp: LinearProgram) -> SubstitutionSystem:
    """The structure of ``lp``, or :class:`NotApplicableError`."""
    if lp.sense != "min":
        raise NotApplicableError("not a minimisation")
    K = lp.K.tocsr()
    rl, ru, cl, cu = lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper
    if not (np.all(np.isfinite(lp.c)) and np.all(lp.c >= 0) and np.all(cl == 0) and np.all(cu >= 0)):
        raise NotApplicableError("needs c ≥ 0 and 0 ≤ x ≤ u")
    goods = np.flatnonzero(np.isfinite(rl) & ~np.isfinite(ru))
    side = np.flatnonzero(~np.isfinite(rl) & np.isfinite(ru))
    if goods.size == 0 or goods.size + side.size + np.sum(~np.isfinite(rl) & ~np.isfinite(ru)) != K.shape[0]:
        raise NotApplicableError("rows must be ≥ (goods) or ≤ (limits)")
    N = K[goods].tocsc()
    N.sum_duplicates()
    G = K[side].tocsr()
    t = rl[goods]
    if np.any(t < 0) or (G.nnz and G.data.min() < 0):
        raise NotApplicableError("needs t ≥ 0 and G ≥ 0")
    n = K.shape[1]
    cols = np.repeat(np.arange(n), np.diff(N.indptr))
    pos = N.data > 0
    if np.any(np.bincount(cols[pos], minlength=n) > 1):
        raise NotApplicableError("joint production (two outputs in a column)")
    makes = np.full(n, -1)
    b = np.ones(n)
    makes[cols[pos]] = N.indices[pos]
    b[cols[pos]] = N.data[pos]
    making = np.flatnonzero(makes >= 0)
    order = making[np.argsort(makes[making], kind="stable")]
    counts = np.bincount(makes[making], minlength=goods.size)
    if np.any(counts == 0):
        raise NotApplicableError("a good that no process makes")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return SubstitutionSystem(goods, side, N, G, np.asarray(lp.c, float), t, ru[side], np.asarray(cu, float),
                              makes, b, order, starts)


# ------------------------------------------------------------------- kernels
def group_argmin(values: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each good, the column (from ``order``, grouped by ``starts``) of least ``values``."""
    v = values[order]
    gmin = np.minimum.reduceat(v, starts)
    counts = np.diff(np.append(starts, order.size))
    pos = np.where(v == np.repeat(gmin, counts), np.arange(order.size), order.size)
    first = np.minimum.reduceat(pos, starts)
    return order[np.minimum(first, order.size - 1)]


def input_rows(N: sp.csc_matrix, b: np.ndarray) -> sp.csr_matrix:
    """Row ``j``: the inputs ``a_ij / b_j`` of column ``j`` (CSR, columns × goods), built once; the
    rows of a policy ``S`` are ``Ãᵀ`` for ``Ã = A_S B_S⁻¹`` (``B_S - A_S = (I - Ã) B_S``): a row
    selection per policy change, no transpose."""
    NT = sp.csr_matrix((N.data, N.indices, N.indptr), shape=(N.shape[1], N.shape[0]))  # Nᵀ: the CSC as CSR
    data = np.where(NT.data < 0, -NT.data, 0.0) / np.repeat(b, np.diff(NT.indptr))
    A = sp.csr_matrix((data, NT.indices.copy(), NT.indptr.copy()), shape=NT.shape)
    A.eliminate_zeros()
    A.sort_indices()
    return A


@dataclass
class Basis:
    """A policy ``S``, the saturated set ``F``, and the pair it defines at wages ``mu``."""

    S: np.ndarray
    F: np.ndarray  # bool over columns
    mu: np.ndarray
    x: np.ndarray
    lam: np.ndarray
    z: np.ndarray
    At: sp.csr_matrix  # Ãᵀ (rows of input_rows at S)
    tol: float = 0.0  # the Leontief tolerance it was solved to


class _Method:
    """One solve: the subproblem by policy iteration, the wages by bracketing."""

    def __init__(self, st: SubstitutionSystem, options: SolveOptions) -> None:
        self.st = st
        ex = options.extra
        self.max_rounds = int(ex.get("max_rounds", 60))
        self.max_probes = int(ex.get("max_probes", 60))
        self.ltol = float(ex.get("leontief_tol", 1e-10))
        self.tol = float(options.tol)
        # by default loose enough to be cheap, tight enough that the certificate at ``tol`` sees no solve error
        self.probe_tol = max(float(ex.get("probe_tol", min(1e-7, 1e-3 * self.tol))), self.ltol)
        self.gap_stop = float(ex.get("gap_stop", 0.25))  # stop the bracket at this share of tol (0: exact)
        self.kelley = bool(ex.get("kelley", True))
        self.joint_limits = bool(ex.get("joint", True))  # several binding limits: all prices at once
        self.tol_now = self.ltol  # probes run at probe_tol, every basis that is kept is re-solved at ltol
        self.NT = st.N.T.tocsr()
        self.inputs = input_rows(st.N, st.b)
        self.vi_sweeps = int(ex.get("value_sweeps", 50))
        self.max_flips = int(ex.get("max_flips", 1))
        self.solves = 0
        self.sweeps = 0
        self.rounds = 0
        self.probes = 0
        self.note = ""
        #: the latest point (x, λ, μ): returned on Ctrl-C or at the time limit, and passed to ``on_point``
        self.best: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.on_point: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None

    def offer(self, x: np.ndarray, lam: np.ndarray, mu: np.ndarray) -> None:
        """Keep ``(x, λ, μ)`` as the point so far and show it (``on_point`` may raise to stop)."""
        self.best = (x, lam, mu)
        if self.on_point is not None:
            self.on_point(x, lam, mu)

    def costs(self, mu: np.ndarray) -> np.ndarray:
        """What each process costs at side prices ``μ``: ``e = c + Gᵀμ``."""
        return self.st.c + self.st.G.T @ mu if self.st.G.shape[0] else self.st.c.copy()

    # Leontief solves (warm from the last answer)
    def prices(self, At: sp.csr_matrix, e: np.ndarray, S: np.ndarray, v0: np.ndarray | None) -> np.ndarray:
        """Policy evaluation: ``(B_S - A_S)ᵀ λ = e_S``, i.e. ``(I - Ã)ᵀ λ = e_S / b_S`` with ``At = Ãᵀ``
        (the Leontief system of ``At``, which walks its rows without a transposed copy)."""
        self.solves += 1
        return leontief.leontief_solve(At, e[S] / self.st.b[S], tol=self.tol_now, x0=v0).x

    def quantities(self, At: sp.csr_matrix, rhs: np.ndarray, S: np.ndarray, w0: np.ndarray | None) -> np.ndarray:
        """``(B_S - A_S) x_S = rhs``, i.e. ``(I - Ã) w = rhs`` (the transpose system of ``At = Ãᵀ``),
        ``x_S = w / b_S``."""
        self.solves += 1
        return leontief.leontief_solve(At, rhs, transpose=True, tol=self.tol_now, x0=w0).x / self.st.b[S]

    def value_iteration(self, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bellman sweeps ``λ_g ← min_j (e_j + Σ_i a_ij λ_i)/b_j`` (one mat-vec each) from ``λ = 0``
        until the policy settles; returns ``λ`` and the policy ``S``."""
        st = self.st
        lam = np.zeros(st.t.size)
        S = group_argmin(e / st.b, st.order, st.starts)
        for sweep in range(self.vi_sweeps):
            self.sweeps += 1
            q = (e - self.NT @ lam) / st.b + lam[np.maximum(st.makes, 0)]
            S_new = group_argmin(q, st.order, st.starts)
            lam = q[S_new]
            changed = int(np.count_nonzero(S_new != S))
            S = S_new
            if sweep >= 4 and changed <= 1e-4 * S.size:
                break
        return lam, S

    def subproblem(self, mu: np.ndarray, start: Basis | None, exact_prices: bool = False) -> Basis:
        """Policy iteration with capacities for ``min (c + Gᵀμ)ᵀx, N x ≥ t, 0 ≤ x ≤ u``.

        From ``start`` solved to the tolerance in force: ``exact_prices`` says ``start.lam``
        already are the prices of its policy at ``mu`` (moved along ``∂λ/∂μ_k``: affine), and its
        quantities are taken again while the policy and the saturated set stay its own."""
        st = self.st
        n = st.c.size
        e = self.costs(mu)
        finite_u = np.isfinite(st.u)
        if start is None:
            lam0, S = self.value_iteration(e)
            F = np.zeros(n, dtype=bool)
            w0 = None
        else:
            S, F = start.S.copy(), start.F.copy()
            lam0, w0 = start.lam, start.x[start.S] * st.b[start.S]
        known = start is not None and start.tol <= self.tol_now  # its S, F and x_S are solved
        flips = np.zeros(n, dtype=np.int32)  # times a technique left F (see max_flips)
        pinned = np.zeros(n, dtype=bool)  # saturated for good: they flipped max_flips times
        At = self.inputs[S]
        lam = lam0 if known and exact_prices else self.prices(At, e, S, lam0)
        for _ in range(self.max_rounds):
            self.rounds += 1
            z = e - self.NT @ lam
            eps = max(1e-9, 10 * self.tol_now) * (float(np.abs(lam).max()) + 1e-300)
            r = z / st.b
            r_free = np.where(F, np.inf, r)
            best = group_argmin(r_free, st.order, st.starts)
            better = r_free[best] < np.minimum(r[S], 0.0) - eps
            if better.any():  # policy improvement
                S = np.where(better, best, S)
                At = self.inputs[S]
                lam = self.prices(At, e, S, lam)
                continue
            leave = F & (r > eps) & ~pinned  # saturated but no longer cheaper than the marginal technique
            F &= ~leave
            flips[leave] += 1
            xF = np.where(F, st.u, 0.0)
            rhs = st.t - st.N @ xF
            if known and start is not None and np.array_equal(S, start.S) and np.array_equal(F, start.F):
                xS = start.x[S]  # the same Leontief system as the start's: its solution
            else:
                xS = self.quantities(At, rhs, S, w0)
            w0 = xS * st.b[S]
            neg = xS < -max(1e-10, 10 * self.tol_now) * (float(np.abs(xS).max()) + 1e-300)
            if neg.any():  # over-supplied by saturated techniques: the dearest (not pinned) becomes marginal
                dear = group_argmin(np.where(F & ~pinned, -r, np.inf), st.order, st.starts)
                neg &= F[dear] & ~pinned[dear]
                if neg.any():
                    F[dear[neg]] = False
                    flips[dear[neg]] += 1
                    S = np.where(neg, dear, S)
                    At = self.inputs[S]
                    lam = self.prices(At, e, S, lam)
                    continue
                # else only pinned techniques over-supply those goods: their surplus stays
            over = finite_u[S] & (xS > st.u[S] * (1 + max(1e-10, 10 * self.tol_now)))
            if over.any():
                # saturated: the next cheapest technique becomes marginal; a good whose every
                # technique is saturated keeps its last one over capacity (no rent is priced here:
                # the certificate counts the excess). A technique that has left the saturated set
                # max_flips times is pinned there (it cycled: saturated, it looked dearer than the
                # next one, which made it look cheaper again)
                F_try = F.copy()
                F_try[S[over]] = True
                nxt = group_argmin(np.where(F_try, np.inf, r), st.order, st.starts)
                over &= ~F_try[nxt]
            if over.any():
                F[S[over]] = True
                pinned[S[over & (flips[S] >= self.max_flips)]] = True
                S = np.where(over, nxt, S)
                At = self.inputs[S]
                lam = self.prices(At, e, S, lam)
                continue
            x = xF.copy()
            x[S] = np.maximum(xS, 0.0)
            return Basis(S, F, mu.copy(), x, lam, z, At, self.tol_now)
        raise NotApplicableError(f"policy iteration did not settle in {self.max_rounds} rounds")

    def interval(self, B: Basis, k: int) -> tuple[float, float, np.ndarray]:
        """``[lo, hi]`` of ``μ_k`` on which basis ``B`` stays optimal, and ``∂λ/∂μ_k``."""
        st = self.st
        Gk = np.asarray(st.G[k].todense()).ravel()
        dlam = self.prices(B.At, Gk, B.S, None)
        dz = Gk - self.NT @ dlam
        free = np.ones(st.c.size, dtype=bool)
        free[B.S] = False
        free &= ~B.F
        z = np.where(free, np.maximum(B.z, 0.0), np.minimum(B.z, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -z / dz
        # free: z + δ dz ≥ 0 ; saturated: z + δ dz ≤ 0
        up = (free & (dz < 0)) | (B.F & (dz > 0))
        down = (free & (dz > 0)) | (B.F & (dz < 0))
        hi = float(step[up].min()) if up.any() else math.inf
        lo = float(step[down].max()) if down.any() else -math.inf
        return B.mu[k] + min(lo, 0.0), B.mu[k] + max(hi, 0.0), dlam

    def warm_basis(self, x0: np.ndarray, lam0: np.ndarray, mu0: np.ndarray) -> Basis:
        """A starting basis read off a previous answer ``(x, λ, μ)`` (after a change of targets):
        ``F`` the techniques at their capacity, ``S`` each good's busiest other technique (the cheapest
        at ``λ, μ`` where none runs); its prices and quantities are solved again by :meth:`subproblem`."""
        st = self.st
        e = self.costs(mu0)
        F = np.isfinite(st.u) & (x0 > 0) & (x0 >= st.u * (1 - 1e-9))
        r = (e - self.NT @ lam0) / st.b
        cheapest = group_argmin(np.where(F, np.inf, r), st.order, st.starts)
        busiest = group_argmin(np.where(F, np.inf, -x0), st.order, st.starts)
        S = np.where(x0[busiest] > 0, busiest, cheapest)
        F[S] = False
        return Basis(S, F, mu0.copy(), np.maximum(x0, 0.0), lam0.copy(), np.zeros_like(x0), self.inputs[S],
                     tol=math.inf)

    def wages(self, warm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Side prices by bracketing (module docstring), from ``μ = 0`` or from a previous answer
        ``warm = (x, λ, μ)``; returns ``(x, λ, μ)``."""
        st = self.st
        p = st.G.shape[0]
        mu = np.zeros(p) if warm is None else np.maximum(warm[2], 0.0)
        self.tol_now = self.probe_tol if p else self.ltol
        B = self.subproblem(mu, None if warm is None else self.warm_basis(*warm))
        x, lam = B.x, B.lam
        self.offer(x, lam, mu)
        if p == 0:
            return x, lam, mu
        searched = 0
        for _ in range(3 * p + 4):
            use = st.G @ x
            slack_tol = 1e-9 * np.maximum(np.abs(st.g), 1.0)
            viol = np.where(use > st.g + slack_tol, use - st.g, 0.0)
            viol = np.where((mu > 0) & (use < st.g - slack_tol), st.g - use, viol)
            if not viol.any():
                if B.tol <= self.ltol or x is not B.x:
                    return x, lam, mu
                self.tol_now = self.ltol  # solved loosely: once more, tightly, and check again
                B = self.subproblem(mu, B)
                x, lam = B.x, B.lam
                continue
            k = int(np.argmax(viol / np.maximum(np.abs(st.g), 1.0)))
            try:
                if searched and self.joint_limits:  # a second limit binds: all prices at once
                    x, lam, mu = self.joint(B)
                    self.offer(x, lam, mu)
                    return x, lam, mu
                B, x, lam, mu = self.search(B, k, slack_tol[k])
            except NotApplicableError as exc:
                self.note = str(exc)
                break
            searched += 1
            self.offer(x, lam, mu)
        else:
            self.note = "side prices did not settle"
        return x, lam, mu  # not settled: pdlp starts from here

    def joint(self, B: Basis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All side prices at once (when more than one limit binds): Kelley's cutting planes with a
        trust box, and Dantzig–Wolfe's primal recovery. Every subproblem solution ``x_i`` (at ``μ_i``)
        is a tangent plane ``φ(μ) ≤ cᵀx_i + μᵀ(G x_i - g)`` of the concave Lagrangian ``φ``; the master LP
        ``max θ`` under all planes (a few variables, HiGHS) gives, through its duals ``w``, the cheapest
        combination ``Σ w_i x_i`` that meets every limit (``P``, an upper bound), and the best
        ``D = max_i φ(μ_i)`` is a lower bound. Stops when ``(P - D)/(1 + |P| + |D|) ≤ gap_stop · tol``;
        else the master restricted to a box around the best ``μ`` gives the next probe (the box doubles
        after a probe that raised ``D``, halves otherwise). Returns ``(x, λ, μ)`` of the best probe's
        prices and the combination."""
        from scipy.optimize import linprog

        st = self.st
        p = st.g.size
        gmax = np.asarray(abs(st.G).max(axis=1).todense()).ravel()
        scale = np.maximum(float(np.abs(st.c).max()) / np.maximum(gmax, 1e-300), 1e-12)
        mu_max = 1e4 * scale
        cuts: list[tuple[Basis, float, np.ndarray]] = []

        def add(Bp: Basis) -> float:
            cost, use = float(st.c @ Bp.x), np.asarray(st.G @ Bp.x).ravel()
            cuts.append((Bp, cost, use))
            return cost + float(Bp.mu @ (use - st.g))

        def master(lo: np.ndarray, hi: np.ndarray) -> Any:
            A = np.array([np.r_[1.0, -(use - st.g)] for _, _, use in cuts])
            b = np.array([cost for _, cost, _ in cuts])
            return linprog(np.r_[-1.0, np.zeros(p)], A_ub=A, b_ub=b, bounds=[(None, None), *zip(lo, hi, strict=True)],
                           method="highs")

        phis = [add(B)]
        delta = np.maximum(0.5 * B.mu, 0.05 * scale)
        slack = 1e-2 * self.tol * np.maximum(np.abs(st.g), 1.0)  # the master LP's own tolerance
        for _ in range(self.max_probes):
            ib = int(np.argmax(phis))
            D = phis[ib]
            full = master(np.zeros(p), mu_max)
            if full.status == 0:
                w = np.maximum(-np.asarray(full.ineqlin.marginals), 0.0)
                if w.sum() > 0:
                    w /= w.sum()
                    x = np.zeros_like(B.x)
                    for wi, (Bi, _, _) in zip(w, cuts, strict=True):
                        if wi > 0:
                            x += wi * Bi.x
                    P = float(st.c @ x)
                    if (np.all(st.G @ x <= st.g + slack)
                            and (P - D) / (1.0 + abs(P) + abs(D)) <= max(self.gap_stop, 1e-3) * self.tol):
                        best = cuts[ib][0]
                        return x, best.lam, best.mu
            centre = cuts[ib][0].mu
            boxed = master(np.maximum(centre - delta, 0.0), np.minimum(centre + delta, mu_max))
            if boxed.status != 0:
                raise NotApplicableError(f"the master LP of the side prices failed ({boxed.message})")
            self.probes += 1
            phis.append(add(self.subproblem(np.asarray(boxed.x[1:], float), cuts[ib][0])))
            delta = delta * 2.0 if phis[-1] > D + 1e-12 * (1.0 + abs(D)) else delta * 0.5
            best = cuts[int(np.argmax(phis))][0]
            self.offer(best.x, best.lam, best.mu)
        raise NotApplicableError("the side prices did not settle (joint search)")

    def search(self, B: Basis, k: int, htol: float, loose: bool = True) -> tuple[Basis, np.ndarray, np.ndarray, np.ndarray]:
        """Bracket ``μ_k`` (others fixed) so that ``G_k x = g_k`` or ``μ_k = 0`` with ``G_k x ≤ g_k``
        (probes at ``probe_tol`` where ``loose``, else all at ``leontief_tol``)."""
        st = self.st
        gk = float(st.g[k])
        Gk = st.G[k]

        def measured(Bp: Basis) -> _Probe:
            lo, hi, dlam = self.interval(Bp, k)
            use = st.G @ Bp.x
            # the Lagrangian of this basis as a line in μ_k: value + μ_k (use_k - g_k)
            cost = float(st.c @ Bp.x)
            value = cost + float(Bp.mu @ (use - st.g) - Bp.mu[k] * (use[k] - gk))
            return _Probe(Bp, float(use[k]), lo, hi, dlam, value, cost)

        def probe(muk: float, near: _Probe) -> _Probe:
            """Solve at ``μ_k = muk`` from ``near``'s basis, its prices moved along ``∂λ/∂μ_k``."""
            self.probes += 1
            mu = near.basis.mu.copy()
            mu[k] = muk
            guess = replace(near.basis, lam=near.basis.lam + (muk - near.basis.mu[k]) * near.dlam)
            return measured(self.subproblem(mu, guess, exact_prices=True))

        def done(q: _Probe) -> tuple[Basis, np.ndarray, np.ndarray, np.ndarray]:
            return q.basis, q.basis.x, q.basis.lam, q.basis.mu

        def close_enough(a: _Probe, bb: _Probe) -> tuple[Basis, np.ndarray, np.ndarray, np.ndarray] | None:
            """Kelley's gap: the combination of the two ends that uses exactly ``g_k`` costs
            ``P = θ cᵀx_a + (1-θ) cᵀx_b`` (the value where the two tangent lines cross), the better
            end's Lagrangian ``D = max φ(μ_a), φ(μ_b)`` bounds the optimum from below; within
            ``gap_stop · tol`` (relative, as :func:`certify` measures it) that pair is returned."""
            theta = (gk - bb.use) / (a.use - bb.use)
            P = theta * a.cost + (1 - theta) * bb.cost
            phi = [q.value + q.basis.mu[k] * (q.use - gk) for q in (a, bb)]
            D = max(phi)
            end = a if phi[0] >= phi[1] else bb
            x = combine(theta, a.basis.x, bb.basis.x)
            self.offer(x, end.basis.lam, end.basis.mu)
            if self.gap_stop <= 0 or (P - D) / (1.0 + abs(P) + abs(D)) > self.gap_stop * self.tol:
                return None
            return end.basis, x, end.basis.lam, end.basis.mu

        def tight(q: _Probe) -> _Probe:
            """``q`` re-solved at ``leontief_tol`` (from its own basis), and every probe after it."""
            if q.basis.tol <= self.ltol:
                return q
            self.tol_now = self.ltol
            return measured(self.subproblem(q.basis.mu, q.basis))

        def meets(q: _Probe, zero_ok: bool = False) -> tuple[_Probe, bool]:
            """Whether ``q`` meets the limit (``μ_k = 0`` and slack counts where ``zero_ok``), judged
            on its tight solution; returns that solution."""
            while abs(q.use - gk) <= htol or (zero_ok and q.use < gk and q.basis.mu[k] == 0):
                if q.basis.tol <= self.ltol:
                    return q, True
                q = tight(q)
            return q, False

        self.tol_now = self.probe_tol if loose else self.ltol
        cur, ok = meets(measured(B), True)
        if ok:
            return done(cur)
        scale = float(np.abs(st.c).max()) / max(float(Gk.data.max()) if Gk.nnz else 1.0, 1e-300)
        bb: _Probe | None
        if cur.use > gk:
            a, bb = cur, None
            step = max(0.02 * float(B.mu[k]) if B.mu[k] > 0 else scale, 1e-12)
            for _ in range(self.max_probes):
                if not math.isfinite(a.hi):
                    raise NotApplicableError("a limit that no price can meet")
                q, ok = meets(probe(a.hi + step, a))
                step *= 4
                if ok:
                    return done(q)
                if q.use < gk:
                    bb = q
                    break
                a = q
        else:  # μ_k > 0 and the limit is slack: lower μ_k
            a_: _Probe | None = None
            bb = cur
            step = max(0.02 * float(bb.basis.mu[k]), 1e-12)
            for _ in range(self.max_probes):
                q, ok = meets(probe(max(bb.lo - step, 0.0), bb), True)
                step *= 4
                if ok:
                    return done(q)
                if q.use > gk:
                    a_ = q
                    break
                bb = q
            if a_ is None:
                raise NotApplicableError("no price meets the limit")
            a = a_
        if bb is None:
            raise NotApplicableError("no price meets the limit")
        # regula falsi on f(μ) = use(μ) - g across the gap between the two intervals; where a probe
        # lands on the same side as the one before (a flat stretch of the staircase, where Illinois
        # would halve), the next is Kelley's cutting plane on the concave Lagrangian φ(μ_k) instead:
        # each basis is a tangent line of φ (slope use - g), and the lines of the two ends cross
        # at the kink between them when no other basis lies in the gap
        fa, fb, side, kelley = a.use - gk, bb.use - gk, 0, False
        for _ in range(self.max_probes):
            stop = close_enough(a, bb)
            if stop is not None:
                return stop
            gap = (bb.lo - a.hi) / max(abs(a.hi), abs(bb.lo), 1e-300)
            if gap <= 1e-9 and max(a.basis.tol, bb.basis.tol) <= self.ltol:
                break
            if gap <= 1e3 * self.tol_now and self.tol_now > self.ltol:
                # as close as loose solves can tell: both ends at leontief_tol, and go on from them
                for q in (tight(a), tight(bb)):
                    q, ok = meets(q)
                    if ok:
                        return done(q)
                    if q.use > gk:
                        a = q
                    else:
                        bb = q
                if max(a.basis.tol, bb.basis.tol) > self.ltol:  # an end changed sides: again, all tight
                    return self.search((a if a.basis.tol <= self.ltol else bb).basis, k, htol, loose=False)
                fa, fb, side = a.use - gk, bb.use - gk, 0
                continue
            if kelley:
                cross = (bb.value - a.value) / ((a.use - gk) - (bb.use - gk))
                frac = (cross - a.hi) / (bb.lo - a.hi)
            else:
                frac = fa / (fa - fb)
            frac = min(max(frac, 0.02), 0.98) if math.isfinite(frac) else 0.5
            mid = a.hi + frac * (bb.lo - a.hi)
            q, ok = meets(probe(mid, a if mid - a.hi < bb.lo - mid else bb))
            if ok:
                return done(q)
            if q.use > gk:
                kelley = side == 1 and self.kelley
                a, fa = q, q.use - gk
                fb = fb * 0.5 if side == 1 else fb
                side = 1
            else:
                kelley = side == -1 and self.kelley
                bb, fb = q, q.use - gk
                fa = fa * 0.5 if side == -1 else fa
                side = -1
        else:
            raise NotApplicableError("bracketing did not close")
        # both bases are optimal at μ*: the combination that uses exactly g_k
        mstar = 0.5 * (a.hi + bb.lo)
        theta = (gk - bb.use) / (a.use - bb.use)
        x = combine(theta, a.basis.x, bb.basis.x)
        lam = a.basis.lam + (mstar - a.basis.mu[k]) * a.dlam
        mu = a.basis.mu.copy()
        mu[k] = mstar
        return replace(bb.basis, mu=mu), x, lam, mu


def combine(theta: float, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """``θ x_a + (1 - θ) x_b``, kept between the two (so a level both ends hold at a capacity ``u``
    is ``u`` exactly, not ``u`` plus a rounding error the certificate would count)."""
    return np.clip(theta * xa + (1 - theta) * xb, np.minimum(xa, xb), np.maximum(xa, xb))


@dataclass
class _Probe:
    """A basis solved at some ``μ``, its use ``G_k x`` and its interval ``[lo, hi]`` of ``μ_k``."""

    basis: Basis
    use: float
    lo: float
    hi: float
    dlam: np.ndarray
    value: float  # its Lagrangian at μ_k = 0 (the line's intercept; slope use - g_k)
    cost: float  # cᵀx


# ------------------------------------------------------------------ solver
class SubstitutionSolver(Solver):
    """Non-substitution policy iteration with Lagrangian wages, certified; ``pdlp`` from it otherwise."""

    name = "substitution"
    capabilities = frozenset({"lp", "duals", "warm_start", "large_scale"})
    status_map: ClassVar[dict[Any, Status]] = {}
    default_tol: ClassVar[float] = DEFAULT_TOL

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        t0 = time.perf_counter()
        note = ""
        warm = options.warm_start
        extra: dict[str, Any] = {}
        try:
            st = substitution_system(lp)
            method = _Method(st, options)

            def row_dual(lam: np.ndarray, mu: np.ndarray) -> np.ndarray:
                y = np.zeros(lp.shape[0])
                y[st.goods_rows] = lam
                y[st.side_rows] = -mu
                return y

            def on_point(x: np.ndarray, lam: np.ndarray, mu: np.ndarray) -> None:
                elapsed = time.perf_counter() - t0
                if self.progress is not None:
                    c = certify(lp, x, row_dual(lam, mu))
                    self.progress(Progress(method.rounds, elapsed, c.primal_residual, c.dual_residual, c.gap,
                                           c.primal_objective, method.probes, math.nan, math.nan,
                                           stage="substitution"))
                if options.time_limit is not None and elapsed > options.time_limit:
                    raise _OutOfTimeError

            method.on_point = on_point
            stopped: Status | None = None
            start = None
            if warm is not None and warm[0].shape == (lp.shape[1],) and warm[1].shape == (lp.shape[0],):
                start = (np.asarray(warm[0], float), np.asarray(warm[1][st.goods_rows], float),
                         -np.asarray(warm[1][st.side_rows], float))
            try:
                x, lam, mu = method.wages(start)
            except (KeyboardInterrupt, _OutOfTimeError) as exc:
                if method.best is None:
                    raise
                stopped = Status.INTERRUPTED if isinstance(exc, KeyboardInterrupt) else Status.TIME_LIMIT
                x, lam, mu = method.best
            finally:
                extra = {"leontief_solves": method.solves, "policy_rounds": method.rounds, "probes": method.probes,
                         "bellman_sweeps": method.sweeps}
            y = row_dual(lam, mu)
            cert = certify(lp, x, y)
            seconds = time.perf_counter() - t0
            if stopped is not None:  # Ctrl-C or the time limit: the point so far, with its certificate
                extra.update(method="non-substitution", seconds=seconds, certificate=cert.as_dict())
                return LPResult(stopped, x=x, row_dual=y, iterations=method.rounds, native_status=stopped.value,
                                extra=extra, message=f"non-substitution stopped ({stopped.value}) after "
                                                     f"{method.rounds} policy rounds, {method.probes} wage probes "
                                                     f"({seconds:.2f}s)")
            over = x > st.u * (1 + 1e-9)
            extra.update(method="non-substitution", seconds=seconds, certificate=cert.as_dict(),
                         # goods whose every technique is full (a capacity rent no policy prices): how
                         # many processes run above their capacity, and the largest such level as a
                         # multiple of it
                         capacity_overruns=int(over.sum()),
                         worst_overrun=float((x[over] / st.u[over]).max()) if over.any() else 0.0)
            if cert.within(options.tol):
                return LPResult(Status.OPTIMAL, x=x, row_dual=y, iterations=method.rounds,
                                native_status="optimal", extra=extra,
                                message=f"non-substitution: {method.sweeps} Bellman sweeps, {method.rounds} policy "
                                        f"rounds, {method.solves} Leontief solves, {method.probes} wage probes "
                                        f"({seconds:.2f}s)")
            if bool(options.extra.get("warm_fallback", True)):
                warm = (x, y)
            worst = max(cert.primal_residual, cert.dual_residual, cert.gap)
            note = f"non-substitution crash not certified ({worst:.1e}{'; ' + method.note if method.note else ''}); "
        except (NotApplicableError, leontief.NotProductiveError) as exc:  # a bug is not 'not applicable'
            note = f"not a substitution system ({exc}); "
        backend = PDLPSolver(self.progress)
        left = None if options.time_limit is None else max(options.time_limit - (time.perf_counter() - t0), 0.0)
        res = backend.solve_lp(lp, replace(options, warm_start=warm, time_limit=left))
        res.extra.update(extra, backend="pdlp", crash_seconds=time.perf_counter() - t0 - res.extra.get("seconds", 0.0))
        res.message = note + res.message
        return res
