"""Howard's policy iteration on the capacitated substitution system at fixed wages (the
non-substitution subproblem of :mod:`councilplan.solvers.substitution`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from councilplan.solvers import leontief
from councilplan.solvers.base import SolveOptions
from councilplan.solvers.substitution.system import (
    Basis,
    NotApplicableError,
    SubstitutionSystem,
    group_argmin,
    input_rows,
    policy_improvement,
)


class PolicyIteration:
    """The subproblem at fixed wages ``μ``: prices by policy evaluation (a Leontief solve), policy
    improvement (one mat-vec), capacities by the saturated set ``F``; see :mod:`councilplan.solvers.substitution`."""

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
            improved = policy_improvement(np.where(F, np.inf, r), S, st.order, st.starts, np.minimum(r[S], 0.0) - eps)
            if improved is not None:
                S = improved
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
