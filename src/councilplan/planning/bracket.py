"""The ray's optimum bracketed: a feasible plan below it, a dual bound above it.

A first-order solver stops when its normalised residuals are small; that does not make the scale it
reports feasible, nor within ``tol`` of the optimum (a planted economy of 10^3 goods: pdlp's
"optimal" scale was 3.9e-5 *above* the optimum, with tol 1e-4). The bracket makes the accuracy mean
what it says: the plan reported is feasible, its scale ``L`` is a lower bound of the optimum ``s*``,
a dual bound ``U ≥ s*`` comes with it, and ``(s* - L) / s* ≤ (U - L) / U``.

**Lower bound (primal repair).** From any ``x`` with scale ``ŝ``: clip it to ``[0, cap]``; cover the
deficits ``δ = max(0, max(floor, ŝ d) - (B - A) x)`` with ``Δ = M⁻¹ δ`` on each good's most used technique
``M = (B - A)[:, P]`` (:func:`~councilplan.planning.polish.technique_solve`; repeated while any deficit is left, a few times at most); scale by the
largest ``θ ≤ 1`` with ``L x' ≤ a``, ``R x' ≤ r``, ``x' ≤ cap``. Then ``x' = θ (x⁺ + Δ)`` is
feasible and ``L = min_{d_i > 0} ((B - A) x')_i / d_i``.

**Upper bound (weak duality).** For prices ``p, q ≥ 0`` of the goods and floor rows and ``w, v ≥ 0``
of the labour and resource rows, normalised to ``pᵀd = 1``, with ``π_j = (p + q)ᵀ(B - A)_j``,
``c_j = wᵀL_j + vᵀR_j`` and ``ub_j = min(cap_j, min_k a_k / L_kj, min_r r_r / R_rj)`` (no feasible
plan runs a process higher),

    U = wᵀa + vᵀr - qᵀ floor + Σ_j ub_j max(0, π_j - c_j) ≥ s*

(the Lagrangian's maximum over ``x ∈ [0, ub]``, ``s ≥ 0``; ``U = ∞`` when a profitable process has
no finite ``ub``). The goods prices are the solver's; the limits' prices are the solver's, and
those that make ``U`` smallest for the goods prices given (a small LP in as many unknowns as there
are limits, whose answer is only used through ``U``, evaluated exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.planning.polish import (
    implied_bounds,
    lagrangian_bound,
    polish,
    technique_solve,
    techniques,
    within_limits,
)
from councilplan.solvers.base import LinearProgram

#: deficit-covering rounds before the repair gives up
REPAIR_ROUNDS = 5


@dataclass(frozen=True)
class Bracket:
    """``lower ≤ optimum ≤ upper`` of a maximised objective (the ray's scale, a plan's harmony);
    ``x`` is a feasible plan whose objective is ``lower``."""

    lower: float
    upper: float
    x: np.ndarray
    #: what ``gap`` is relative to (``None``: ``upper``, as for the ray's scale)
    norm: float | None = None
    #: the LP's row duals that give ``upper`` when polished prices do (else ``None``: the solver's)
    row_dual: np.ndarray | None = None

    @property
    def gap(self) -> float:
        """``(U - L) / norm``: bounds the relative error of ``lower`` (0 when they meet)."""
        norm = self.upper if self.norm is None else self.norm
        if not np.isfinite(self.upper) or norm <= 0:
            return float("inf")
        return max(0.0, (self.upper - self.lower) / norm)


def ray_lower(economy: Economy, x: np.ndarray, scale: float = 0.0) -> tuple[float, np.ndarray] | None:
    """A feasible plan near ``x`` and its scale (module docstring; the deficits covered are those
    below ``max(floor, scale · d)``, so that a solver's ``scale`` survives the repair but for the
    labour the cover costs), or ``None`` if the repair fails (a good no process makes, a solve on
    the techniques that does not converge, deficits left after the rounds, or floors that scaling
    down would break)."""
    net = economy.net
    cap = economy.capacity.to_numpy(dtype=float)
    tg = economy.targets
    d = tg["amount"].to_numpy(dtype=float)
    floor = np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)
    need = np.maximum(floor, max(scale, 0.0) * d)
    xr = np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, cap)
    pick = techniques(economy, xr)
    if (pick < 0).any() or not (d > 0).any():
        return None
    M = net[:, pick].tocsr()  # productive, so an iterative solve converges fast (an LU fills in)
    for _ in range(REPAIR_ROUNDS):
        deficit = np.maximum(need - net @ xr, 0.0)
        if deficit.max() <= 1e-12 * max(1.0, float(np.abs(need).max())):
            break
        delta = technique_solve(M, deficit)
        if delta is None:
            return None  # the rounds cover what an inexact solve leaves; a failed one claims nothing
        add = np.zeros_like(xr)
        np.add.at(add, pick, np.maximum(delta, 0.0))
        xr = xr + add
    else:
        return None
    return within_limits(economy, xr)


def _best_limits(economy: Economy, pi: np.ndarray, w0: np.ndarray, v0: np.ndarray,
                 ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For fixed ``π``, the prices of the limits that make the bound smallest: the small LP
    ``min aᵀw + rᵀv + Σ ub_j t_j`` s.t. ``t_j + L_jᵀw + R_jᵀv ≥ π_j`` (``t_j`` only where ``ub_j``
    is finite), ``w, v, t ≥ 0`` (HiGHS; its answer is only a proposal: the bound is re-evaluated
    exactly by :func:`lagrangian_bound`). ``w0, v0`` when it cannot be solved."""
    from councilplan.solvers import SolveOptions, Status, get_solver

    rows = np.flatnonzero(pi > 1e-15 * max(1.0, float(np.abs(pi).max())))
    k, nr = economy.L.shape[0], economy.R.shape[0]
    a = economy.labour_available.to_numpy(dtype=float)
    r = economy.resource_available.to_numpy(dtype=float)
    if rows.size == 0 or k + nr == 0:
        return w0, v0
    finite_t = np.isfinite(ub[rows])
    J = int(finite_t.sum())
    W = sp.hstack([economy.L.T.tocsr()[rows], economy.R.T.tocsr()[rows]]).tocsr()
    T = sp.csr_matrix((np.ones(J), (np.flatnonzero(finite_t), np.arange(J))), shape=(rows.size, J))
    K = sp.hstack([W, T]).tocsr()
    c = np.concatenate([np.where(np.isfinite(a), a, 0.0), np.where(np.isfinite(r), r, 0.0), ub[rows][finite_t]])
    col_upper = np.concatenate([np.where(np.isfinite(a), np.inf, 0.0), np.where(np.isfinite(r), np.inf, 0.0),
                                np.full(J, np.inf)])
    lp = LinearProgram(c=c, K=K, row_lower=pi[rows], row_upper=np.full(rows.size, np.inf),
                       col_lower=np.zeros(c.size), col_upper=col_upper)
    res = get_solver("highs").solve_lp(lp, SolveOptions())
    if res.status is not Status.OPTIMAL or res.x is None:
        return w0, v0
    return np.maximum(res.x[:k], 0.0), np.maximum(res.x[k:k + nr], 0.0)


def block_prices(lp: LinearProgram, row_dual: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A row block's prices (≥ 0: the dual on its ≥ rows, minus it on its ≤ rows, of the LP as
    minimised) and its labels; ``None`` when the LP has no such block."""
    b = lp.row_block(name)
    if b is None:
        return None
    sign = np.where(np.isfinite(lp.row_lower[b.slice]), 1.0, -1.0)
    return np.maximum(sign * np.asarray(row_dual, dtype=float)[b.slice], 0.0), np.asarray(b.labels, dtype=object)


def limit_prices(economy: Economy, lp: LinearProgram, row_dual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labour kinds' and resources' prices ``(w, v)`` from the LP's row duals (0 where a limit
    has no row)."""
    out = []
    for name, avail in (("labour", economy.labour_available), ("resources", economy.resource_available)):
        m = np.zeros(len(avail))
        b = block_prices(lp, row_dual, name)
        if b is not None:
            pos = avail.index.get_indexer(b[1])
            m[pos[pos >= 0]] = b[0][pos >= 0]
        out.append(m)
    return out[0], out[1]


def ray_upper(economy: Economy, lp: LinearProgram, row_dual: np.ndarray, reoptimise: bool = True) -> float:
    """A dual bound of the ray's scale from the LP's row duals: the goods and floor prices normalised
    to ``pᵀd = 1``, the limits' prices as given and (``reoptimise``) as re-optimised for those goods prices
    (:func:`_best_limits`); the smaller :func:`lagrangian_bound` of the two."""
    m = economy.n_goods
    d = economy.targets["amount"].to_numpy(dtype=float)
    goods = block_prices(lp, row_dual, "goods")
    if goods is None or goods[0].size != m:
        return float("inf")
    p = goods[0]
    q = np.zeros(m)
    fl = block_prices(lp, row_dual, "floors")
    if fl is not None:
        pos = economy.goods.index.get_indexer(fl[1])
        q[pos[pos >= 0]] = fl[0][pos >= 0]
    alpha = float(p @ d)
    if alpha <= 0:
        return float("inf")
    p, q = p / alpha, q / alpha
    w, v = (prices / alpha for prices in limit_prices(economy, lp, row_dual))
    ub = implied_bounds(economy)
    best = lagrangian_bound(economy, p, q, w, v, ub)
    if not reoptimise:
        return best
    w2, v2 = _best_limits(economy, economy.net.T @ (p + q), w, v, ub)
    return min(best, lagrangian_bound(economy, p, q, w2, v2, ub))


def ray_bracket(economy: Economy, lp: LinearProgram, x: np.ndarray, row_dual: np.ndarray,
                target: float = 1e-12) -> Bracket | None:
    """:func:`ray_lower`, then :func:`~councilplan.planning.polish.polish` from the solver's levels
    (until the bounds are within ``target``), then :func:`ray_upper` if they are still apart: the
    best of each side. ``None`` when the repair fails."""
    n = economy.n_processes
    unit = float(lp.meta.get("ray_unit", 1.0))
    low = ray_lower(economy, x[:n], float(x[n]) / unit if x.size > n else 0.0)
    if low is None:
        return None
    # polished from the solver's own levels: the repair's scaling moves processes off their capacity
    polished, upper, prices = polish(economy, np.clip(np.nan_to_num(x[:n]), 0.0, None), low[0], target)
    if polished is not None and polished[0] > low[0]:
        low = polished
    y = None if prices is None else ray_row_dual(economy, lp, prices.p, prices.q, prices.w, prices.v)
    if upper - low[0] > 1e-12 * upper:  # the solver's own prices may still do better
        theirs = ray_upper(economy, lp, row_dual, reoptimise=not np.isfinite(upper))
        if theirs < upper:
            upper, y = theirs, None
    return Bracket(low[0], upper, low[1], row_dual=y)


def ray_row_dual(economy: Economy, lp: LinearProgram, p: np.ndarray, q: np.ndarray, w: np.ndarray,
                 v: np.ndarray) -> np.ndarray:
    """The ray LP's row duals (sign convention of :mod:`councilplan.solvers.base`, the LP minimising
    ``-s``) of prices ``p, q, w, v`` normalised to ``pᵀd = 1``: goods rows ``p``, floor rows ``q``,
    labour and resource rows ``-w`` and ``-v``. The scale column's reduced cost is then zero, and
    :func:`~councilplan.solvers.base.certify` measures the bracket (its dual objective is ``-U``)."""
    y = np.zeros(lp.shape[0])
    for name, prices, index in (("goods", p, economy.goods.index), ("floors", q, economy.goods.index),
                                ("labour", -w, economy.labour_available.index),
                                ("resources", -v, economy.resource_available.index)):
        b = lp.row_block(name)
        if b is None:
            continue
        pos = index.get_indexer(b.labels)
        y[b.slice] = np.where(pos >= 0, prices[np.maximum(pos, 0)], 0.0)
    return y
