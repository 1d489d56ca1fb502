r"""The harmony plan's optimum bracketed: a feasible plan's harmony below it, a dual bound above it.

The ``harmony`` LP (:mod:`councilplan.planning.objectives`) maximises

.. math::  H(x) = \sum_{i ∈ T} w_i\, h\!\left(\frac{y_i - t_i}{t_i}\right),\qquad y = (B - A) x,

over plans with ``y ≥ floor``, ``L x ≤ a``, ``R x ≤ r``, ``0 ≤ x ≤ cap``, where ``h`` is concave and
piecewise linear (slopes 4, 2, 0.5, 0 with breakpoints ``u = -0.5, 0, 0.5``). As for the ray
(:mod:`councilplan.planning.bracket`), a first-order solver's objective is neither a feasible plan's
nor within its tolerance of the optimum; the bracket makes it so.

**Lower bound.** :func:`~councilplan.planning.bracket.ray_lower` with scale 0 repairs the solver's
plan into one that meets every floor, limit and capacity; its harmony ``H(x')``, evaluated
exactly, is ``≤ H*``.

**Upper bound (weak duality).** Relax ``y_i = (B - A)_i x`` to ``y_i ≤ (B - A)_i x`` (``h`` is
nondecreasing) with prices ``p ≥ 0``, the floors with ``q ≥ 0`` and the limits with ``w, v ≥ 0``.
The Lagrangian's maximum over ``y`` and ``x ∈ [0, ub]`` (:func:`~councilplan.planning.polish.implied_bounds`) is

.. math::

    U = \sum_{i ∈ T} C_i(p_i) - qᵀ\mathrm{floor} + wᵀa + vᵀr + \sum_j ub_j \max(0, π_j - c_j) ≥ H^*,
    \qquad C_i(p) = \max_{u ∈ \{-\frac12, 0, \frac12\}} \bigl(w_i h(u) - p\, t_i (1 + u)\bigr)

for ``0 ≤ p_i ≤ 4 w_i / t_i`` (the steepest slope: above it the good's own harmony is unbounded
below, ``U = ∞``), with ``π_j = (p + q)ᵀ(B - A)_j`` and ``c_j = wᵀL_j + vᵀR_j``.

**Polished prices.** On each good's technique ``S`` of the plan (:func:`~councilplan.planning.polish.techniques`)
the goods prices that make ``S`` break even are linear in the limits' prices, ``λ = Λ μ``
(one Leontief solve per limit), and ``C_i`` is a sum of hinges in ``λ_i`` (it is convex piecewise
linear with slopes ``-1.5 t_i, -t_i, -0.5 t_i``). So ``U(μ)`` is a sum of hinges
``max(0, α_r + a_rᵀμ)`` plus a linear term, minimised exactly by the dual LP of
:func:`least_hinges` (as many rows as limits).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.planning.bracket import Bracket, block_prices, limit_prices, ray_lower
from councilplan.planning.objectives import HARMONY_BREAKPOINTS, HARMONY_SLOPES, harmony
from councilplan.planning.polish import implied_bounds, leontief_prices, techniques
from councilplan.solvers.base import LinearProgram

#: a good's price within this share of a kink of ``h`` (in marginal harmony) ties: its output is free
KINK = 1e-6
#: tied goods whose outputs :func:`polished_plan` optimises (one Leontief solve and one column each)
MAX_TIES = 64
#: a good whose technique runs below this share of the busiest is also tried as not made
IDLE = 1e-6
#: rounds of :func:`harmony_bracket`'s polish (each from the last polished plan)
ROUNDS = 4


def _targets(economy: Economy) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``T`` (goods with a target), their targets ``t``, weights ``w``, and every good's floor."""
    tg = economy.targets
    amount = tg["amount"].to_numpy(dtype=float)
    T = np.flatnonzero(amount > 0)
    return T, amount[T], tg["weight"].to_numpy(dtype=float)[T], np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)


def harmony_value(economy: Economy, x: np.ndarray) -> float:
    """``H(x) = Σ_{i∈T} w_i h((y_i - t_i)/t_i)`` with ``y = (B - A) x``."""
    T, t, w, _ = _targets(economy)
    y = economy.net @ np.asarray(x, dtype=float)
    return float(w @ harmony((y[T] - t) / t))


def harmony_bound(economy: Economy, p: np.ndarray, q: np.ndarray, w: np.ndarray, v: np.ndarray,
                  ub: np.ndarray | None = None) -> float:
    """``U(p, q, w, v)`` of the module docstring (``p`` over every good, used on ``T`` only)."""
    T, t, wt, floor = _targets(economy)
    pT = p[T]
    if (pT < 0).any() or (pT > 4.0 * wt / t * (1 + 1e-12)).any() or (q < 0).any():
        return float("inf")
    hu = harmony(HARMONY_BREAKPOINTS)
    conj = np.max(wt[None, :] * hu[:, None] - pT[None, :] * t[None, :] * (1.0 + HARMONY_BREAKPOINTS[:, None]), axis=0)
    a = np.nan_to_num(economy.labour_available.to_numpy(dtype=float), posinf=0.0)
    r = np.nan_to_num(economy.resource_available.to_numpy(dtype=float), posinf=0.0)
    pp = np.zeros(economy.n_goods)
    pp[T] = pT
    gain = np.maximum(economy.net.T @ (pp + q) - (economy.L.T @ w + economy.R.T @ v), 0.0)
    ub = implied_bounds(economy) if ub is None else ub
    pos = gain > 0
    if not np.isfinite(ub[pos]).all():
        return float("inf")
    return float(conj.sum() - q @ floor + w @ a + v @ r + ub[pos] @ gain[pos])


def _solver_prices(economy: Economy, lp: LinearProgram, row_dual: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The harmony LP's duals as ``(p, q, w, v)``: ``p_i = Σ_k η_ik b_k`` from the harmony rows (each
    ``t_i z_i - b_k y_i ≤ …``, price ``η_ik ≥ 0``), ``q`` the floors' rents (a goods row's price less
    ``p``: a targeted good's row prices its harmony and its floor together), ``w, v`` from the limits."""
    goods, hrows = block_prices(lp, row_dual, "goods"), block_prices(lp, row_dual, "harmony")
    if goods is None or hrows is None:
        return None
    T, _, _, _ = _targets(economy)
    eta = hrows[0].reshape(HARMONY_SLOPES.size, T.size)  # rows are piece-major (objectives.define_harmony)
    p = np.zeros(economy.n_goods)
    p[T] = HARMONY_SLOPES @ eta
    q = np.zeros(economy.n_goods)
    pos = economy.goods.index.get_indexer(goods[1])
    q[pos[pos >= 0]] = goods[0][pos >= 0]
    q = np.maximum(q - p, 0.0)
    w, v = limit_prices(economy, lp, row_dual)
    return p, q, w, v


def least_hinges(c: np.ndarray, alpha: np.ndarray, A: np.ndarray, omega: np.ndarray) -> np.ndarray | None:
    r"""``argmin_{μ ≥ 0} cᵀμ + Σ_r ω_r \max(0, α_r + a_rᵀμ)`` (rows ``a_r`` of ``A``; ``ω_r = ∞``: the
    constraint ``α_r + a_rᵀμ ≤ 0``) through its dual, an LP of as many rows as ``μ`` has entries,

    .. math::  \max_{0 ≤ β ≤ ω}\; αᵀβ \quad\text{s.t.}\quad -Aᵀβ ≤ c

    (HiGHS; ``μ`` is the rows' duals; columns scaled by ``ω``, rows by their largest entry). ``None``
    when HiGHS finds no optimum."""
    from councilplan.solvers import SolveOptions, Status, get_solver

    k = c.size
    keep = np.abs(A).max(axis=1) > 0 if A.size else np.zeros(0, dtype=bool)
    A, alpha, omega = A[keep], alpha[keep], omega[keep]
    cs = np.where(np.isfinite(omega), omega, 1.0)
    M = (-A * cs[:, None]).T  # k × r
    rs = 1.0 / np.maximum(np.abs(M).max(axis=1, initial=0.0), np.abs(c) + 1e-300)
    lp = LinearProgram(c=-(alpha * cs), K=sp.csr_matrix(M * rs[:, None]), row_lower=np.full(k, -np.inf),
                       row_upper=c * rs, col_lower=np.zeros(alpha.size),
                       col_upper=np.where(np.isfinite(omega), 1.0, np.inf))
    res = get_solver("highs").solve_lp(lp, SolveOptions(tol=1e-10))
    if res.status is not Status.OPTIMAL or res.row_dual is None:
        return None
    return np.maximum(-np.asarray(res.row_dual, dtype=float), 0.0) * rs


class PolishedBound(NamedTuple):
    """What :func:`polished_bound` found: the bound ``U``, the plan its prices ask for (its harmony
    and levels), the next techniques, and the prices ``(p, q, w, v)`` of :func:`harmony_bound`."""

    bound: float
    plan: tuple[float, np.ndarray] | None
    next: np.ndarray | None
    prices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None


def polished_bound(economy: Economy, x: np.ndarray, pick: np.ndarray | None = None, idle: float = 0.0,
                   ) -> PolishedBound:
    """The least ``U`` over the limits' prices with the goods prices polished on the techniques
    ``pick`` (by default those of ``x``; module docstring): every targeted good's price on its
    harmony, the others' on their floor rows; the plan those prices ask for (:func:`polished_plan`);
    and the next techniques (:func:`~councilplan.planning.polish.improve`), as a :class:`PolishedBound`.
    ``idle``: see :func:`~councilplan.planning.polish.leontief_prices`. ``inf`` and ``None`` when a
    solve fails."""
    xc = np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, None)
    if pick is None:
        pick = techniques(economy, xc)
    got = leontief_prices(economy, pick, xc, idle)
    if got is None:
        return PolishedBound(float("inf"), None, None, None)
    Lam, G, lim = got.Lam, got.G, got.lim
    T, t, wt, floor = _targets(economy)
    a = np.concatenate([economy.labour_available.to_numpy(dtype=float), economy.resource_available.to_numpy(dtype=float)])
    hu = harmony(HARMONY_BREAKPOINTS)  # h at -1/2, 0, 1/2
    LT = Lam[T]  # λ_T = LT μ
    off = np.ones(economy.n_goods, dtype=bool)
    off[T] = False
    # C_i(λ) = w h(½) - 1.5 t λ + max(0, w (h(0) - h(½)) + 0.5 t λ) + max(0, w (h(-½) - h(0)) + 0.5 t λ)
    c = got.avail - 1.5 * (t @ LT) - floor[off] @ Lam[off]  # the linear part (constant w h(½) aside)
    gain = np.asarray(economy.net.T @ Lam) - np.asarray(G.T.todense())  # n × limits
    ub = implied_bounds(economy)
    can = (gain > 1e-13 * max(1.0, float(np.abs(gain).max()))).any(axis=1)
    hinges_A = np.vstack([0.5 * t[:, None] * LT, 0.5 * t[:, None] * LT, gain[can], LT])
    hinges_alpha = np.concatenate([wt * (hu[1] - hu[2]), wt * (hu[0] - hu[1]), np.zeros(int(can.sum())), -4.0 * wt / t])
    omega = np.concatenate([np.ones(2 * T.size), ub[can], np.full(T.size, np.inf)])
    mu = least_hinges(c, hinges_alpha, hinges_A, omega)
    if mu is None:
        return PolishedBound(float("inf"), None, None, None)
    lam = Lam @ mu
    p = np.where(off, 0.0, lam)
    q = np.where(off, lam, 0.0)
    wv = np.zeros(a.size)
    wv[lim] = mu[:lim.size]
    nl = len(economy.labour_available)
    bounded = (np.minimum(p, _cap_all(economy)), q, wv[:nl], wv[nl:])  # the prices U is of
    U = harmony_bound(economy, *bounded, ub)
    plan = polished_plan(economy, x, pick, lam, gain @ mu, np.asarray(G.T @ mu).ravel())
    from councilplan.planning.polish import PolicyPlan, PolicyPrices, improve

    cap = economy.capacity.to_numpy(dtype=float)
    level = plan[1][pick] if plan is not None else xc[pick]
    short = np.flatnonzero(np.isfinite(cap[pick]) & (level >= cap[pick] * (1 - 1e-9)))
    none = np.zeros(0, dtype=np.int64)
    prices = PolicyPrices(pick, np.zeros(economy.n_goods, dtype=bool), p, q, wv[:nl], wv[nl:], gain @ mu, U)
    return PolishedBound(U, plan, improve(economy, prices, PolicyPlan(None, None, short, none)),
                         bounded)


def polished_plan(economy: Economy, x: np.ndarray, pick: np.ndarray, lam: np.ndarray, gain: np.ndarray,
                  cost: np.ndarray) -> tuple[float, np.ndarray] | None:
    r"""The plan polished prices ask for, and its harmony. Each targeted good is made to the
    breakpoint where its marginal harmony meets its price, ``u_i`` with ``h'(u_i^-) ≥ λ_i t_i / w_i ≥
    h'(u_i^+)``; a good whose price equals a segment's slope (within :data:`KINK`) may be made
    anywhere on that segment: those outputs are the unknowns of a small LP (the most harmony the
    limits and capacities allow, from the solver's outputs); other goods are made to their floor. Processes that gain
    run at capacity, those that lose are idle, those that break even keep their level; the
    techniques make the rest, ``x_S = (B - A)_S^{-1}(y - (B - A)_O x_O)`` (one Leontief solve), and
    :func:`~councilplan.planning.polish.within_limits` fits the limits. ``None`` when that fails."""
    from councilplan.planning.polish import BREAK_EVEN, small_lp, technique_solve, within_limits

    T, t, wt, floor = _targets(economy)
    cap = economy.capacity.to_numpy(dtype=float)
    xin = np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, cap)
    r = lam[T] * t / wt  # the price in units of marginal harmony
    slopes = HARMONY_SLOPES  # on (-inf, -1/2], [-1/2, 0], [0, 1/2], [1/2, inf)
    bp = HARMONY_BREAKPOINTS
    seg = np.searchsorted(-slopes[1:], -r, side="left")  # the first breakpoint whose right slope is below r
    u = bp[np.minimum(seg, bp.size - 1)]
    kinks = slopes[1:]  # the right slopes at each breakpoint: 2, 0.5, 0 (a price equal to one ties)
    tie = np.abs(r[:, None] - kinks[None, :]) <= KINK * np.maximum(kinks[None, :], 1e-300)
    y = np.maximum(floor, 0.0)
    y[T] = np.maximum(t * (1.0 + u), floor[T])
    solver_y = economy.net @ xin
    tied = tie.any(axis=1)
    if tied.any():
        b = np.argmax(tie, axis=1)[tied]
        lo = t[tied] * (1.0 + bp[b])
        hi = t[tied] * (1.0 + np.concatenate([bp[1:], [np.inf]])[b])
        y[T[tied]] = np.maximum(np.clip(solver_y[T[tied]], lo, hi), floor[T[tied]])
    even = np.abs(gain) <= BREAK_EVEN * np.maximum(cost + np.abs(gain), 1e-300)
    xo = np.where(even, xin, 0.0)
    runs = (gain > 0) & ~even
    xo[runs] = np.where(np.isfinite(cap[runs]), cap[runs], xin[runs])
    xo[pick] = 0.0
    off = np.ones(xo.size, dtype=bool)
    off[pick] = False
    free = np.flatnonzero(even & off)[:MAX_TIES]  # break-even processes: their levels are unknowns too
    x_free0 = xo[free].copy()
    xo[free] = 0.0
    M = economy.net[:, pick].tocsr()
    xs = technique_solve(M, y - economy.net @ xo - economy.net[:, free] @ x_free0)
    if xs is None:
        return None
    ties = T[tied][:MAX_TIES]
    if ties.size or free.size:  # a small LP: the most harmony the limits and capacities allow
        cols = [technique_solve(M, np.eye(1, economy.n_goods, int(g)).ravel()) for g in ties]
        cols += [technique_solve(M, -np.asarray(economy.net[:, [j]].todense()).ravel()) for j in free]
        solved = [c_ for c_ in cols if c_ is not None]
        if len(solved) < len(cols):
            return None
        C = np.column_stack(solved)  # x_S = xs + C (z - z0), z = (y_ties, x_free)
        pos = np.searchsorted(T, ties)
        bseg = np.argmax(tie[tied], axis=1)[:ties.size]
        lo = np.concatenate([np.maximum(t[pos] * (1.0 + bp[bseg]), floor[ties]), np.zeros(free.size)])
        hi = np.concatenate([t[pos] * (1.0 + np.concatenate([bp[1:], [np.inf]])[bseg]), cap[free]])
        z0 = np.concatenate([y[ties], x_free0])
        slope = lam[ties] * t[pos] / wt[pos]  # the segment's slope of h
        obj = np.concatenate([-wt[pos] * slope / t[pos], np.zeros(free.size)])
        rows_A = [-C, C]
        rows_b = [xs - C @ z0, cap[pick] - xs + C @ z0]
        for M_, avail in ((economy.L, economy.labour_available), (economy.R, economy.resource_available)):
            g_ = avail.to_numpy(dtype=float)
            Ms = M_[:, pick]
            Mf = np.hstack([np.zeros((M_.shape[0], ties.size)), np.asarray(M_[:, free].todense())])
            rows_A.append(np.asarray(Ms @ C) + Mf)
            rows_b.append(g_ - M_ @ xo - Ms @ xs + Ms @ C @ z0)
        A_ub, b_ub = np.vstack(rows_A), np.concatenate(rows_b)
        ok = np.isfinite(b_ub)
        bounds = [(float(a_), None if not np.isfinite(b_) else float(b_)) for a_, b_ in zip(lo, hi, strict=True)]
        z = small_lp(obj, A_ub[ok], b_ub[ok], bounds, np.clip(z0, lo, hi))
        if z is not None:
            xs = xs + C @ (z - z0)
            xo[free] = np.clip(z[ties.size:], 0.0, cap[free])
        else:
            xo[free] = x_free0
    xp = xo.copy()
    np.add.at(xp, pick, np.maximum(xs, 0.0))
    got = within_limits(economy, xp)
    return None if got is None else (harmony_value(economy, got[1]), got[1])


def harmony_row_dual(economy: Economy, lp: LinearProgram, p: np.ndarray, q: np.ndarray, w: np.ndarray,
                     v: np.ndarray) -> np.ndarray:
    r"""The row duals of the harmony LP (:func:`~councilplan.planning.problem.define_harmony`) for the
    prices ``(p, q, w, v)`` of :func:`harmony_bound`, so that ``certify`` measures the bracket's dual.

    Goods rows ``p + q``; limits ``-w, -v``; each targeted good's price in marginal harmony
    ``r_i = p_i t_i / w_i ∈ [0, 4]`` lies between two adjacent slopes ``b_k ≥ r_i ≥ b_{k+1}`` of
    ``h``, ``r_i = θ b_k + (1-θ) b_{k+1}``, and those two pieces' rows get ``-θ w_i/t_i`` and
    ``-(1-θ) w_i/t_i``: then ``z_i``'s reduced cost is 0 and ``y_i``'s is the floor's rent ``q_i``."""
    T, t, wt, _ = _targets(economy)
    y = np.zeros(lp.shape[0])
    g = lp.row_block("goods")
    h = lp.row_block("harmony")
    if g is None or h is None:
        return y
    y[g.slice] = (p + q)[economy.goods.index.get_indexer(g.labels)]
    b = HARMONY_SLOPES
    r = np.clip(p[T] * t / wt, 0.0, b[0])
    k = np.clip(np.searchsorted(-b, -r, side="right") - 1, 0, b.size - 2)  # b[k] >= r >= b[k+1]
    theta = (r - b[k + 1]) / (b[k] - b[k + 1])
    eta = np.zeros((b.size, T.size))
    cols = np.arange(T.size)
    eta[k, cols] = theta * wt / t
    eta[k + 1, cols] += (1.0 - theta) * wt / t
    y[h.slice] = -eta.ravel()  # rows are piece-major
    for name, price, avail in (("labour", w, economy.labour_available), ("resources", v, economy.resource_available)):
        blk = lp.row_block(name)
        if blk is not None:
            y[blk.slice] = -price[avail.index.get_indexer(blk.labels)]
    return y


def _cap_all(economy: Economy) -> np.ndarray:
    """``4 w_i / t_i`` on ``T`` (the largest price a good's harmony admits), ``inf`` elsewhere."""
    T, t, wt, _ = _targets(economy)
    out = np.full(economy.n_goods, np.inf)
    out[T] = 4.0 * wt / t
    return out


def harmony_bracket(economy: Economy, lp: LinearProgram, x: np.ndarray, row_dual: np.ndarray) -> Bracket | None:
    """A feasible plan's harmony below ``H*`` and the better of the solver's and the polished dual
    bounds above it, relative to ``max(|U|, |L|, Σ_i w_i h(½))`` (``h(½)``, the harmony of a good
    made half again, keeps the measure relative where ``H*`` is near 0); ``None`` when the repair
    fails."""
    n = economy.n_processes
    low = ray_lower(economy, np.asarray(x, dtype=float)[:n], 0.0)
    if low is None:
        return None
    L = harmony_value(economy, low[1])
    U = float("inf")
    best = None
    got = _solver_prices(economy, lp, row_dual)
    if got is not None:
        p, q, w, v = got
        best = (np.minimum(p, _cap_all(economy)), q, w, v)
        U = harmony_bound(economy, *best)
    xk = np.asarray(x, dtype=float)[:n]
    pick = None
    for _ in range(ROUNDS):  # polish, then again on better techniques (Howard's step)
        first = polished_bound(economy, xk, pick)
        # and once more with the goods the plan barely makes taken as not made (worth nothing):
        # which is nearer the optimum's prices depends on how well the solver converged
        second = polished_bound(economy, xk, pick, IDLE)
        for got_ in (first, second):
            if got_.bound < U and got_.prices is not None:
                U, best = got_.bound, got_.prices
        polished, polished3, nxt = first.plan, second.plan, first.next
        for cand in (polished, polished3):
            if cand is not None and cand[0] > L:
                L, low = cand[0], (0.0, cand[1])
        if nxt is None or 1e-12 * max(abs(U), 1.0) >= U - L or (pick is not None and np.array_equal(nxt, pick)):
            break
        pick = nxt
    wt = _targets(economy)[2]
    scale = max(abs(U) if np.isfinite(U) else 0.0, abs(L), float(wt.sum()) * float(harmony(np.array([0.5]))[0]), 1e-300)
    dual = None if best is None or not np.isfinite(U) else harmony_row_dual(economy, lp, *best)
    return Bracket(L, U, low[1], norm=scale, row_dual=dual)
