"""The wages (side limits' shadow prices ``μ``) by bracketing and cutting planes, one limit at a time
or all at once (see :mod:`councilplan.solvers.substitution`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from councilplan.solvers.substitution.policy_iteration import PolicyIteration
from councilplan.solvers.substitution.system import Basis, NotApplicableError


class WageSearch(PolicyIteration):
    """One solve: the subproblem by policy iteration (:class:`PolicyIteration`), the wages by bracketing."""

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

    def search(self, B: Basis, k: int, htol: float, loose: bool = True) -> Found:
        """Bracket ``μ_k`` (others fixed) so that ``G_k x = g_k`` or ``μ_k = 0`` with ``G_k x ≤ g_k``
        (probes at ``probe_tol`` where ``loose``, else all at ``leontief_tol``): widen until the two
        ends lie on both sides of ``g_k`` (:meth:`ends`), then close the gap between them (:meth:`close`)."""
        st = self.st
        br = _Bracket(self, k, htol)
        self.tol_now = self.probe_tol if loose else self.ltol
        cur, ok = br.meets(br.measured(B), True)
        if ok:
            return _found(cur)
        ends = self.ends(br, B, cur, scale=float(np.abs(st.c).max()) / max(
            float(st.G[k].data.max()) if st.G[k].nnz else 1.0, 1e-300))
        if not isinstance(ends[0], _Probe):
            return ends
        return self.close(br, *ends)

    def ends(self, br: _Bracket, B: Basis, cur: _Probe, *, scale: float) -> Found | tuple[_Probe, _Probe]:
        """Probes on both sides of the limit: from an overused ``cur`` raise ``μ_k`` in growing steps,
        from a slack one lower it towards 0; a probe that meets the limit is the answer itself."""
        gk, k = br.gk, br.k
        bb: _Probe | None
        if cur.use > gk:
            a, bb = cur, None
            step = max(0.02 * float(B.mu[k]) if B.mu[k] > 0 else scale, 1e-12)
            for _ in range(self.max_probes):
                if not math.isfinite(a.hi):
                    raise NotApplicableError("a limit that no price can meet")
                q, ok = br.meets(br.probe(a.hi + step, a))
                step *= 4
                if ok:
                    return _found(q)
                if q.use < gk:
                    bb = q
                    break
                a = q
        else:  # μ_k > 0 and the limit is slack: lower μ_k
            a_: _Probe | None = None
            bb = cur
            step = max(0.02 * float(bb.basis.mu[k]), 1e-12)
            for _ in range(self.max_probes):
                q, ok = br.meets(br.probe(max(bb.lo - step, 0.0), bb), True)
                step *= 4
                if ok:
                    return _found(q)
                if q.use > gk:
                    a_ = q
                    break
                bb = q
            if a_ is None:
                raise NotApplicableError("no price meets the limit")
            a = a_
        if bb is None:
            raise NotApplicableError("no price meets the limit")
        return a, bb

    def close(self, br: _Bracket, a: _Probe, bb: _Probe) -> Found:
        """Regula falsi on ``f(μ) = use(μ) - g`` across the gap between the two ends' intervals; where a
        probe lands on the same side as the one before (a flat stretch of the staircase, where Illinois
        would halve), the next is Kelley's cutting plane on the concave Lagrangian ``φ(μ_k)`` instead:
        each basis is a tangent line of ``φ`` (slope ``use - g``), and the lines of the two ends cross
        at the kink between them when no other basis lies in the gap."""
        gk = br.gk
        fa, fb, side, kelley = a.use - gk, bb.use - gk, 0, False
        for _ in range(self.max_probes):
            stop = br.close_enough(a, bb)
            if stop is not None:
                return stop
            gap = (bb.lo - a.hi) / max(abs(a.hi), abs(bb.lo), 1e-300)
            if gap <= 1e-9 and max(a.basis.tol, bb.basis.tol) <= self.ltol:
                return br.at_kink(a, bb)
            if gap <= 1e3 * self.tol_now and self.tol_now > self.ltol:
                # as close as loose solves can tell: both ends at leontief_tol, and go on from them
                for q in (br.tight(a), br.tight(bb)):
                    q, ok = br.meets(q)
                    if ok:
                        return _found(q)
                    if q.use > gk:
                        a = q
                    else:
                        bb = q
                if max(a.basis.tol, bb.basis.tol) > self.ltol:  # an end changed sides: again, all tight
                    return self.search((a if a.basis.tol <= self.ltol else bb).basis, br.k, br.htol, loose=False)
                fa, fb, side = a.use - gk, bb.use - gk, 0
                continue
            if kelley:
                cross = (bb.value - a.value) / ((a.use - gk) - (bb.use - gk))
                frac = (cross - a.hi) / (bb.lo - a.hi)
            else:
                frac = fa / (fa - fb)
            frac = min(max(frac, 0.02), 0.98) if math.isfinite(frac) else 0.5
            mid = a.hi + frac * (bb.lo - a.hi)
            q, ok = br.meets(br.probe(mid, a if mid - a.hi < bb.lo - mid else bb))
            if ok:
                return _found(q)
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
        raise NotApplicableError("bracketing did not close")


#: what a wage search returns: the basis, and the pair ``x``, ``(λ, μ)``
Found = tuple[Basis, np.ndarray, np.ndarray, np.ndarray]


def _found(q: _Probe) -> Found:
    return q.basis, q.basis.x, q.basis.lam, q.basis.mu


@dataclass
class _Bracket:
    """The probes of one side limit ``k`` (the other wages fixed) for :meth:`WageSearch.search`."""

    m: WageSearch
    k: int
    htol: float

    @property
    def gk(self) -> float:
        return float(self.m.st.g[self.k])

    def measured(self, Bp: Basis) -> _Probe:
        """A solved basis as a probe: its use of the limit, its interval of ``μ_k``, its Lagrangian line."""
        st, k, gk = self.m.st, self.k, self.gk
        lo, hi, dlam = self.m.interval(Bp, k)
        use = st.G @ Bp.x
        # the Lagrangian of this basis as a line in μ_k: value + μ_k (use_k - g_k)
        cost = float(st.c @ Bp.x)
        value = cost + float(Bp.mu @ (use - st.g) - Bp.mu[k] * (use[k] - gk))
        return _Probe(Bp, float(use[k]), lo, hi, dlam, value, cost)

    def probe(self, muk: float, near: _Probe) -> _Probe:
        """Solve at ``μ_k = muk`` from ``near``'s basis, its prices moved along ``∂λ/∂μ_k``."""
        self.m.probes += 1
        mu = near.basis.mu.copy()
        mu[self.k] = muk
        guess = replace(near.basis, lam=near.basis.lam + (muk - near.basis.mu[self.k]) * near.dlam)
        return self.measured(self.m.subproblem(mu, guess, exact_prices=True))

    def close_enough(self, a: _Probe, bb: _Probe) -> Found | None:
        """Kelley's gap: the combination of the two ends that uses exactly ``g_k`` costs
        ``P = θ cᵀx_a + (1-θ) cᵀx_b`` (the value where the two tangent lines cross), the better
        end's Lagrangian ``D = max φ(μ_a), φ(μ_b)`` bounds the optimum from below; within
        ``gap_stop · tol`` (relative, as :func:`certify` measures it) that pair is returned."""
        m, k, gk = self.m, self.k, self.gk
        theta = (gk - bb.use) / (a.use - bb.use)
        P = theta * a.cost + (1 - theta) * bb.cost
        phi = [q.value + q.basis.mu[k] * (q.use - gk) for q in (a, bb)]
        D = max(phi)
        end = a if phi[0] >= phi[1] else bb
        x = combine(theta, a.basis.x, bb.basis.x)
        m.offer(x, end.basis.lam, end.basis.mu)
        if m.gap_stop <= 0 or (P - D) / (1.0 + abs(P) + abs(D)) > m.gap_stop * m.tol:
            return None
        return end.basis, x, end.basis.lam, end.basis.mu

    def tight(self, q: _Probe) -> _Probe:
        """``q`` re-solved at ``leontief_tol`` (from its own basis), and every probe after it."""
        if q.basis.tol <= self.m.ltol:
            return q
        self.m.tol_now = self.m.ltol
        return self.measured(self.m.subproblem(q.basis.mu, q.basis))

    def meets(self, q: _Probe, zero_ok: bool = False) -> tuple[_Probe, bool]:
        """Whether ``q`` meets the limit (``μ_k = 0`` and slack counts where ``zero_ok``), judged
        on its tight solution; returns that solution."""
        gk = self.gk
        while abs(q.use - gk) <= self.htol or (zero_ok and q.use < gk and q.basis.mu[self.k] == 0):
            if q.basis.tol <= self.m.ltol:
                return q, True
            q = self.tight(q)
        return q, False

    def at_kink(self, a: _Probe, bb: _Probe) -> Found:
        """Both bases are optimal at ``μ*`` between their intervals: the combination that uses exactly ``g_k``."""
        k, gk = self.k, self.gk
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
