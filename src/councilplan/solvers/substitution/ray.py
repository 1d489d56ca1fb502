"""The ray plan on the substitution path: surrogate limits, Newton on the scale, Dantzig–Wolfe.

The ``ray`` LP (``build_problem(economy, "ray")``) is

.. math::

    \\max_{s, x}\\; s \\quad\\text{s.t.}\\quad N x ≥ s d,\\quad N_F x ≥ f,\\quad G x ≤ g,\\quad 0 ≤ x ≤ u,

with ``N`` a substitution system (one output per process), ``d ≥ 0`` the goals' proportions, floors
``f`` on some goods and side limits ``G ≥ 0`` (labour kinds, resources). :func:`ray_system` reads that
shape off an LP (the scale is the one column of negative cost, the floor rows repeat goods rows).

**Surrogate limit.** Weights ``μ ≥ 0`` fold the limits into one, ``μᵀG x ≤ μᵀg``; the surrogate ray
``s(μ)`` is an upper bound of ``s*`` for every ``μ``, and ``min_μ s(μ) = s*`` (LP surrogate duality).
At fixed ``μ`` the least cost of the targets ``t(s) = max(s d, f)`` at prices ``e = Gᵀμ``,

.. math::

    C_μ(s) = \\min\\{ eᵀx : N x ≥ t(s),\\ 0 ≤ x ≤ u \\},

is the capacitated substitution subproblem (:class:`PolicyIteration`), convex and piecewise linear in
``s`` with slope ``λᵀd`` (the basket's price), so ``s(μ)`` is the root of ``C_μ(s) = μᵀg``, found by
Newton's method (finite on a piecewise-linear convex function; each step warm from the last basis).
Its prices give a dual point of the ray LP: ``y = (λ, -μ)/π`` with ``π = λᵀd`` (the basket costs
one), whose objective is ``s(μ)``.

**Dantzig–Wolfe.** Every surrogate answer ``(x_i, s_i)`` meets ``N x_i ≥ t(s_i)`` and ``x_i ≤ u``,
so any convex combination does too: the master LP

.. math::

    \\max_θ \\sum_i θ_i s_i \\quad\\text{s.t.}\\quad \\sum_i θ_i G x_i ≤ g,\\quad \\sum_i θ_i = 1,\\quad θ ≥ 0

(a few columns, HiGHS through scipy) gives a feasible plan ``x = Σ θ_i x_i`` at scale ``L`` (a lower
bound) and, through its limit duals, the next weights ``μ``. ``U = min_i s_i`` is an upper bound;
the search stops when ``(U - L)/U ≤ gap_stop · tol``: the reported scale is then within ``tol`` of
the optimum *relative to the scale itself*, not only in the certificate's normalised gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from councilplan.solvers.base import LinearProgram, SolveOptions
from councilplan.solvers.substitution.policy_iteration import PolicyIteration
from councilplan.solvers.substitution.system import (
    Basis,
    NotApplicableError,
    SubstitutionSystem,
    substitution_system,
)


@dataclass(frozen=True)
class RaySystem:
    """A ray LP's structure: the processes' substitution system ``st`` (``c = 0``, ``t = f``), the
    scale column and its basket ``d`` (per unit of that column), and the floor rows."""

    st: SubstitutionSystem
    scale_col: int
    process_cols: np.ndarray  # LP columns of the processes, in the order of st
    d: np.ndarray  # basket per unit of the scale column, over st's goods
    f: np.ndarray  # floor of each good (0 where none)
    floor_rows: np.ndarray  # LP rows of the floors
    floor_goods: np.ndarray  # the good (index into st's goods) of each floor row
    c_scale: float  # the scale column's cost (< 0: min c_scale · s)
    goods_rows: np.ndarray  # LP rows of st's goods
    side_rows: np.ndarray  # LP rows of st's side limits
    n_rows: int

    def point(self, x: np.ndarray, s: float) -> np.ndarray:
        """The LP's primal vector: process levels ``x`` and the scale ``s``."""
        X = np.zeros(self.process_cols.size + 1)
        X[self.process_cols] = x
        X[self.scale_col] = s
        return X

    def row_dual(self, lam_ray: np.ndarray, lam_floor: np.ndarray, mu_G: np.ndarray) -> np.ndarray:
        """The LP's row duals (sign convention of :mod:`councilplan.solvers.base`) of a dual point of
        :meth:`RaySearch.dual` (a basket of price one per unit of the scale column): goods rows ``λ_ray``,
        floor rows ``λ_floor``, side rows ``-μ_G``, each times the scale's gain ``-c_scale`` so that the
        scale column's reduced cost ``c_scale + λᵀd`` is zero."""
        y = np.zeros(self.n_rows)
        y[self.goods_rows] = lam_ray
        y[self.floor_rows] = lam_floor[self.floor_goods]
        y[self.side_rows] = -mu_G
        return -self.c_scale * y


def _row_keys(K: sp.csr_matrix, rows: np.ndarray) -> list[bytes]:
    return [K.indices[K.indptr[r]:K.indptr[r + 1]].tobytes() + K.data[K.indptr[r]:K.indptr[r + 1]].tobytes()
            for r in rows]


def ray_system(lp: LinearProgram) -> RaySystem:
    """The ray structure of ``lp`` (see the module docstring), or :class:`NotApplicableError`."""
    c = np.asarray(lp.c, float)
    neg = np.flatnonzero(c < 0)
    if neg.size != 1 or np.any(c[c >= 0] != 0) or not np.all(np.isfinite(c)):
        raise NotApplicableError("not a ray: needs one column of negative cost (the scale), the others free of cost")
    sc = int(neg[0])
    if lp.col_lower[sc] != 0 or np.isfinite(lp.col_upper[sc]):
        raise NotApplicableError("the scale column must be 0 ≤ s")
    K = lp.K.tocsr()
    K.sort_indices()
    col = sp.csc_matrix(K[:, [sc]])
    rows_s, vals_s = col.indices, col.data
    rl, ru = lp.row_lower, lp.row_upper
    if np.any(vals_s > 0) or np.any(~np.isfinite(rl[rows_s])) or np.any(rl[rows_s] != 0) \
            or np.any(np.isfinite(ru[rows_s])):
        raise NotApplicableError("the scale column must only draw on ≥ 0 rows (N x - s d ≥ 0)")
    procs = np.setdiff1d(np.arange(K.shape[1]), [sc])
    Kp = K[:, procs].tocsr()
    Kp.sort_indices()
    ge = np.isfinite(rl) & ~np.isfinite(ru)
    goods = np.flatnonzero(ge & (rl == 0))
    floors = np.flatnonzero(ge & (rl > 0))
    index = {k: i for i, k in enumerate(_row_keys(Kp, goods))}
    floor_goods = np.array([index.get(k, -1) for k in _row_keys(Kp, floors)], dtype=np.int64)
    if np.any(floor_goods < 0):
        raise NotApplicableError("a ≥ row with a positive bound that repeats no goods row")
    f = np.zeros(goods.size)
    np.maximum.at(f, floor_goods, rl[floors])
    keep = np.flatnonzero(~(ge & (rl > 0)))  # goods, side and free rows; floors fold into the goods rows
    is_good = np.isin(keep, goods)
    rows_lo = rl[keep].copy()
    rows_lo[is_good] = f[np.searchsorted(goods, keep[is_good])]
    sub = LinearProgram(c=np.zeros(procs.size), K=Kp[keep].tocsr(), row_lower=rows_lo, row_upper=ru[keep],
                        col_lower=np.asarray(lp.col_lower, float)[procs],
                        col_upper=np.asarray(lp.col_upper, float)[procs])
    st = substitution_system(sub)
    goods_lp = keep[st.goods_rows]  # the LP rows of st's goods, in st's order
    if not np.array_equal(goods_lp, goods):
        raise NotApplicableError("the goods rows are not all ≥ 0 rows")
    d = np.zeros(goods.size)
    d[np.searchsorted(goods, rows_s)] = -vals_s
    if not np.any(d > 0):
        raise NotApplicableError("the scale draws on no good")
    return RaySystem(st, sc, procs, d, f, floors, floor_goods, float(c[sc]), goods, keep[st.side_rows], K.shape[0])


class RaySearch(PolicyIteration):
    """The ray by surrogate limits and Dantzig–Wolfe (module docstring).

    Capacities the subproblem cannot honour (a good whose every technique is saturated, which no
    policy prices) join the side limits: their processes' capacities become rows ``x_j ≤ u_j`` with a
    weight of their own (the rent), and the master enforces them on the combination."""

    def __init__(self, rs: RaySystem, options: SolveOptions) -> None:
        super().__init__(rs.st, options)
        self.rs = rs
        self.base = rs.st
        self.max_newton = int(options.extra.get("max_newton", 50))
        self.priced = np.zeros(0, dtype=np.int64)  # processes whose capacity is a priced limit
        self.lower = 0.0
        self.upper = math.inf
        self.dw_rounds = 0

    # the side limits in force: G and the priced capacities
    def limits(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """``G`` with one row ``e_jᵀ x ≤ u_j`` per priced capacity, and its bounds."""
        base = self.base
        P = self.priced
        E = sp.csr_matrix((np.ones(P.size), (np.arange(P.size), P)), shape=(P.size, base.c.size))
        return sp.vstack([base.G, E]).tocsr(), np.concatenate([base.g, base.u[P]])

    def price_overruns(self, B: Basis, mu: np.ndarray) -> np.ndarray | None:
        """Make the capacities that ``B`` runs over priced limits (weight 0 to start); the weights
        ``mu`` in the new order of the limits, or ``None`` when ``B`` runs over none."""
        over = np.flatnonzero(B.x > self.st.u * (1 + 1e-9))
        if over.size == 0:
            return None
        named = self._named(mu)
        self.priced = np.union1d(self.priced, over)
        G, g = self.limits()
        u = self.base.u.copy()
        u[self.priced] = math.inf
        self.st = replace(self.st, G=G, g=g, u=u)
        return self._weights(named)

    def targets(self, s: float) -> np.ndarray:
        """``t(s) = max(s d, f)``."""
        return np.maximum(s * self.rs.d, self.rs.f)

    def at(self, mu: np.ndarray, s: float, start: Basis | None) -> Basis:
        """The subproblem at targets ``t(s)`` and prices ``e = Gᵀμ``."""
        self.st = replace(self.st, t=self.targets(s))
        # the start's quantities were for other targets: solve them again (its policy is kept)
        return self.subproblem(mu, None if start is None else replace(start, tol=math.inf))

    def slope(self, B: Basis, s: float) -> float:
        """``dC/ds = λᵀd`` over the goods whose ray row binds (``s d ≥ f``)."""
        ray = s * self.rs.d >= self.rs.f
        return float(B.lam[ray] @ self.rs.d[ray])

    def dual(self, B: Basis, mu: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The ray LP's dual point of basis ``B`` at weights ``mu``, normalised so that the basket costs
        one (``π = λᵀd``): goods and floor prices ``λ/π`` (a good's price goes to its floor row where
        the floor binds, ``f_g > s d_g``), side prices ``μ_G/π``, reduced costs ``z/π`` of the processes
        (a priced capacity's weight is its rent), and the dual objective

        .. math::  U = (μ_Gᵀg + \\sum_j \\max(-z_j, 0)\\, u_j - λ_Fᵀ f)/π ≥ s^*

        whatever targets ``B`` was solved for (weak duality; ``z = Gᵀμ_G - Nᵀλ``). Returns
        ``(λ_ray, λ_floor, μ_G, U)`` already divided by ``π``."""
        base, rs = self.base, self.rs
        ray = s * rs.d >= rs.f
        pi = float(B.lam[ray] @ rs.d[ray])
        p = base.g.size
        if pi <= 0:
            return B.lam, B.lam, mu[:p], math.inf
        muG = mu[:p]
        z = (base.G.T @ muG if p else np.zeros(base.c.size)) - self.NT @ B.lam
        if np.any(z[~np.isfinite(base.u)] < -1e-9 * (1.0 + float(np.abs(z).max()))):
            return B.lam / pi, B.lam / pi, muG / pi, math.inf  # not dual feasible: no bound
        fin = np.isfinite(base.u)
        rent = float(np.maximum(-z[fin], 0.0) @ base.u[fin])
        lam_ray = np.where(ray, B.lam, 0.0)
        lam_floor = np.where(ray, 0.0, B.lam)
        U = (float(muG @ base.g) + rent - float(lam_floor @ rs.f)) / pi
        return lam_ray / pi, lam_floor / pi, muG / pi, U

    def newton(self, mu: np.ndarray, s0: float, start: Basis | None) -> tuple[Basis, float]:
        """Newton's method on ``C_μ(s) = μᵀg`` from ``s0`` (bisection where a step leaves the bracket)."""
        st = self.st
        E = float(mu @ st.g)
        e = self.costs(mu)
        lo, hi = 0.0, math.inf
        s = s0
        B = self.at(mu, s, start)
        for _ in range(self.max_newton):
            C = float(e @ B.x)
            pi = self.slope(B, s)
            if abs(C - E) <= 1e-12 * max(E, 1e-300) or (math.isfinite(hi) and hi - lo <= 1e-13 * hi):
                return B, s
            if C < E:
                lo = s
            else:
                hi = s
            if pi <= 0:
                if C < E:
                    raise NotApplicableError("the basket costs nothing at these weights: the ray is unbounded")
                s = 0.5 * (lo + s)
            else:
                step = s + (E - C) / pi
                s = step if lo < step < hi else (0.5 * (lo + hi) if math.isfinite(hi) else 2 * s + 1.0)
            B = self.at(mu, s, B)
        raise NotApplicableError(f"the scale did not settle in {self.max_newton} Newton steps")

    def surrogate(self, mu: np.ndarray, s0: float, start: Basis | None) -> tuple[Basis, float, np.ndarray]:
        """The surrogate ray at ``mu``: ``(B, s, μ)``. Processes run over capacity at the root become
        priced limits (weight 0 to start: ``μ`` grows) and the root is found again."""
        for _ in range(self.max_probes):
            B, s = self.newton(mu, s0, start)
            priced = self.price_overruns(B, mu)
            if priced is None:
                return B, s, mu
            mu, s0, start = priced, s, B
        raise NotApplicableError("the capacities did not settle")

    def solve(self) -> tuple[np.ndarray, float, tuple[np.ndarray, ...]]:
        """Dantzig–Wolfe over surrogate answers; returns ``(x, L, dual)``: a plan within every limit and
        capacity at scale ``L``, and the dual point (:meth:`dual`) of the least upper bound."""
        from scipy.optimize import linprog

        base = self.base
        p = base.g.size
        if p == 0:
            raise NotApplicableError("a ray without side limits is unbounded or capacity-bound")
        g = base.g
        mu_G = np.full(p, 1.0 / p) / np.maximum(g, 1e-300)
        weights = {("G", k): float(v) for k, v in enumerate(mu_G / float(mu_G @ g))}
        # the first column is the least-cost plan of the floors alone (x = 0 without floors): when it
        # meets the limits, so does some combination, and the master is feasible from the start
        mu = self._weights(weights)
        B = self.at(mu, 0.0, None)
        for _ in range(self.max_probes):
            priced = self.price_overruns(B, mu)
            if priced is None:
                break
            mu = priced
            B = self.at(mu, 0.0, B)
        weights = self._named(mu)
        cols: list[tuple[np.ndarray, float]] = [(B.x, 0.0)]
        s0 = 1.0
        best: tuple[float, tuple[np.ndarray, ...]] | None = None
        x_best, L = None, 0.0
        for _ in range(self.max_probes):
            self.dw_rounds += 1
            mu = self._weights(weights)
            B, s, mu = self.surrogate(mu, s0, B)
            self.probes += 1
            s0 = s
            lam_r, lam_f, muG, U = self.dual(B, mu, s)
            if best is None or best[0] > U:
                best = (U, (lam_r, lam_f, muG))
                self.upper = U
            cols.append((B.x, s))
            G, gx = self.limits()
            A_ub = np.column_stack([np.asarray(G @ xi).ravel() for xi, _ in cols])
            res = linprog(-np.array([si for _, si in cols]), A_ub=A_ub, b_ub=gx,
                          A_eq=np.ones((1, len(cols))), b_eq=[1.0], bounds=(0, None), method="highs")
            if res.status != 0:  # infeasible: the floors alone overrun a limit
                raise NotApplicableError(f"the ray's master LP failed ({res.message})")
            theta = np.maximum(res.x, 0.0)
            x = np.zeros(base.c.size)
            for th, (xi, _) in zip(theta, cols, strict=True):
                if th > 0:
                    x += th * xi
            L, x_best = float(-res.fun), x
            self.lower = L
            self.offer(x, best[1][0] + best[1][1], best[1][2])
            if self.upper - L <= max(self.gap_stop, 1e-3) * self.tol * self.upper:
                return x, L, best[1]
            duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
            if float(duals @ gx) <= 0:
                break
            duals /= float(duals @ gx)
            weights = self._named(duals)
        if x_best is None or best is None:
            raise NotApplicableError("no plan met the limits")
        self.note = f"the ray's bounds did not meet ({(self.upper - L) / self.upper:.1e} apart)"
        return x_best, L, best[1]

    def _named(self, mu: np.ndarray) -> dict[tuple[str, int], float]:
        """Weights in the order of the limits in force, by name (``("G", k)`` or ``("u", process)``)."""
        p = self.base.g.size
        out = {("G", k): float(mu[k]) for k in range(p)}
        out.update({("u", int(j)): float(mu[p + i]) for i, j in enumerate(self.priced)})
        return out

    def _weights(self, weights: dict[tuple[str, int], float]) -> np.ndarray:
        """The weight vector in the order of the limits in force (``G``, then ``priced``)."""
        p = self.base.g.size
        return np.array([weights.get(("G", k), 0.0) for k in range(p)]
                        + [weights.get(("u", int(j)), 0.0) for j in self.priced])
