r"""A near-optimal ray plan polished on its techniques: exact prices and an exact plan from one basis.

A first-order solver's plan is close to an optimum long before its prices are: at 10^5 goods pdlp's
plan was 1.4e-6 from the planted optimum while the bound from its prices was 8.6e-2 loose. The
plan's *choice of techniques* is what it gets right first, and one technique per good is a
Leontief basis (Samuelson's non-substitution theorem: the policy of the ray's optimum is one
technique per good, plus processes at their capacity). Polishing reads that choice off the plan
and recomputes prices and levels exactly from it (a crossover in the simplex method's sense,
by a handful of Leontief solves):

* :func:`policy_prices`: for limit prices ``(w, v)`` the goods prices that make every chosen
  technique break even are linear in ``(w, v)``; the limit prices that make the Lagrangian bound
  smallest are one small LP. That bound is ``s*`` itself when the techniques are an optimal basis's.
* :func:`policy_plan`: by complementary slackness with those prices, a process that gains runs at
  its capacity, one that loses is idle, and the chosen techniques' levels are affine in the scale;
  the largest scale that meets every limit is a lower bound, ``s*`` itself on an optimal basis.

Both are valid bounds whatever the techniques: a wrong choice only makes them looser.
:mod:`councilplan.planning.bracket` takes the better of these and the solver's own.

The notation is :mod:`councilplan.planning.bracket`'s: ``B - A`` the net output of each process,
``L, R`` its labour and resources with limits ``a, r``, ``d`` the goals' proportions, ``floor`` the
floors, ``cap`` the capacities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.solvers.base import LinearProgram

#: a process within this share of its capacity counts as full when choosing techniques
FULL = 1e-3
#: goods whose technique runs full that get a rent of their own in :func:`leontief_prices`
MAX_RENTS = 256
#: a process whose gain at the polished prices is within this share of its cost breaks even
BREAK_EVEN = 1e-9
#: break-even processes off the techniques whose levels :func:`policy_plan` optimises (at most, and at
#: most ``FREE_ENTRIES`` dense entries in all: one Leontief solve and one column each)
MAX_FREE = 80
#: processes nearest to breaking even that :func:`polish` lets its last plan re-mix
NEAR = 64
#: rows of :func:`_scale_lp` taken at first: slack below this share of the row's size at y = 0
SCALE_ROWS = 0.05
#: rounds of :func:`polish` (prices, plan, better techniques)
POLISH_ROUNDS = 8
FREE_ENTRIES = 20_000_000


def _main_output(economy: Economy) -> np.ndarray:
    """Each process's main output (its largest; the first of equals)."""
    Bc = economy.B.tocsc()
    col = np.repeat(np.arange(Bc.shape[1]), np.diff(Bc.indptr))
    order = np.lexsort((-Bc.data, col))
    first = np.ones(order.size, dtype=bool)
    first[1:] = col[order][1:] != col[order][:-1]
    main = np.zeros(Bc.shape[1], dtype=np.int64)
    main[col[order][first]] = Bc.indices[order][first]
    return main


def _best_per_good(main: np.ndarray, keys: tuple[np.ndarray, ...], n_goods: int) -> np.ndarray:
    """For each good, the process of least ``keys`` (``np.lexsort`` order, last key first) among those
    whose main output it is; ``-1`` for a good no process makes."""
    order = np.lexsort((*keys, main))
    first = np.ones(order.size, dtype=bool)
    first[1:] = main[order][1:] != main[order][:-1]
    pick = np.full(n_goods, -1, dtype=np.int64)
    pick[main[order][first]] = order[first]
    return pick


def techniques(economy: Economy, x: np.ndarray) -> np.ndarray:
    """For each good, the process that makes it (its largest output): one below its capacity (by more
    than :data:`FULL`) if there is one (extra output there costs no scaling down; a first-order
    solver leaves a process it means to run full a little below), the one at the largest level
    among them."""
    cap = economy.capacity.to_numpy(dtype=float)
    full = np.isfinite(cap) & (x >= cap * (1 - FULL))
    return _best_per_good(_main_output(economy), (-x, full), economy.n_goods)


def within_limits(economy: Economy, xr: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Scale a plan that meets the floors by the largest ``θ ≤ 1`` that fits the limits and
    capacities; its scale ``min_{d_i > 0} ((B - A) θ x)_i / d_i`` and ``θ x``, or ``None`` if scaling
    down breaks a floor or a good is short."""
    cap = economy.capacity.to_numpy(dtype=float)
    tg = economy.targets
    d = tg["amount"].to_numpy(dtype=float)
    floor = np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)
    net = economy.net
    xr = np.maximum(xr, 0.0)
    theta = 1.0
    for M_, avail in ((economy.L, economy.labour_available), (economy.R, economy.resource_available)):
        a = avail.to_numpy(dtype=float)
        use = M_ @ xr
        lim = np.isfinite(a) & (use > a)
        if lim.any():
            theta = min(theta, float((a[lim] / use[lim]).min()))
    over = np.isfinite(cap) & (xr > cap)
    if over.any():
        theta = min(theta, float((cap[over] / xr[over]).min()))
    xr = theta * xr
    y = net @ xr
    if (y < floor - 1e-9 * max(1.0, float(floor.max()))).any() or (y < -1e-9 * max(1.0, float(np.abs(y).max()))).any():
        return None
    t = d > 0
    return float((y[t] / d[t]).min()), xr


def implied_bounds(economy: Economy) -> np.ndarray:
    """``min(cap_j, min_k a_k / L_kj, min_r r_r / R_rj)``: no feasible plan runs a process higher."""
    ub = economy.capacity.to_numpy(dtype=float).copy()
    for M_, avail in ((economy.L, economy.labour_available), (economy.R, economy.resource_available)):
        Mc = M_.tocoo()
        a = avail.to_numpy(dtype=float)
        ok = (Mc.data > 0) & np.isfinite(a[Mc.row])
        np.minimum.at(ub, Mc.col[ok], a[Mc.row[ok]] / Mc.data[ok])
    return ub


def lagrangian_bound(economy: Economy, p: np.ndarray, q: np.ndarray, w: np.ndarray, v: np.ndarray,
                     ub: np.ndarray | None = None) -> float:
    """``U(p, q, w, v) = wᵀa + vᵀr - qᵀfloor + Σ_j ub_j max(0, π_j - c_j)`` for ``pᵀd = 1``: the
    Lagrangian's maximum over ``x ∈ [0, ub]`` (:func:`implied_bounds`) and ``s ≥ 0``, hence ``≥ s*``."""
    floor = np.maximum(economy.targets["floor"].to_numpy(dtype=float), 0.0)
    a = np.nan_to_num(economy.labour_available.to_numpy(dtype=float), posinf=0.0)
    r = np.nan_to_num(economy.resource_available.to_numpy(dtype=float), posinf=0.0)
    gain = np.maximum(economy.net.T @ (p + q) - (economy.L.T @ w + economy.R.T @ v), 0.0)
    ub = implied_bounds(economy) if ub is None else ub
    pos = gain > 0
    if not np.isfinite(ub[pos]).all():
        return float("inf")
    return float(w @ a + v @ r - q @ floor + ub[pos] @ gain[pos])


@dataclass(frozen=True)
class PolicyPrices:
    """Prices polished on a plan's techniques (:func:`policy_prices`), normalised to ``pᵀd = 1``.

    ``pick`` is each good's technique, ``on_floor`` the goods whose floor binds, ``p, q`` the goods
    and floor rows' prices, ``w, v`` the labour and resource limits', ``gain`` each process's
    ``π_j - c_j`` at them and ``bound`` the Lagrangian bound (:func:`lagrangian_bound`) they give."""

    pick: np.ndarray
    on_floor: np.ndarray
    p: np.ndarray
    q: np.ndarray
    w: np.ndarray
    v: np.ndarray
    gain: np.ndarray
    bound: float


@dataclass(frozen=True)
class PolicyPlan:
    """A plan on polished prices (:func:`policy_plan`): its scale and levels (``None`` when none
    fits); ``short``, the goods whose technique's capacity stops the scale or would at the scale
    asked, and ``over``, those whose processes at capacity alone make more than is needed there
    (their technique would have to run below zero)."""

    scale: float | None
    x: np.ndarray | None
    short: np.ndarray
    over: np.ndarray


def technique_solve(M: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray | None:
    """``M z = rhs`` for a productive technique matrix ``M``: BiCGSTAB (an LU fills in), GMRES where it
    breaks down (a sparse right-hand side can make it), a sparse LU as the last resort; ``None`` if
    none gets the residual below 1e-10."""
    from scipy.sparse.linalg import bicgstab, gmres, spsolve

    if not rhs.any():
        return np.zeros(rhs.size)
    size = float(np.linalg.norm(rhs))
    z, info = bicgstab(M, rhs, rtol=1e-13, atol=0.0, maxiter=2000)
    if info != 0 or not np.isfinite(z).all():
        z, info = gmres(M, rhs, rtol=1e-13, atol=0.0, restart=60, maxiter=50)
    if info != 0 or not np.isfinite(z).all() or np.linalg.norm(M @ z - rhs) > 1e-10 * size:
        z = spsolve(M.tocsc(), rhs)
    ok = np.isfinite(z).all() and np.linalg.norm(M @ z - rhs) <= 1e-10 * size
    return np.asarray(z, dtype=float) if ok else None


@dataclass(frozen=True)
class LeontiefPrices:
    """Goods prices linear in a few prices ``μ`` (:func:`leontief_prices`): ``λ = Λ μ``. The entries of
    ``μ`` are the finite limits' prices (``lim``: their positions among labour kinds, then
    resources) and then the rents of ``saturated`` goods; ``G`` holds the limits' rows (zero rows for
    the rents) and ``avail`` what each entry of ``μ`` pays for (a limit's amount; 0 for a rent)."""

    Lam: np.ndarray
    G: sp.csr_matrix
    lim: np.ndarray
    saturated: np.ndarray
    avail: np.ndarray


def leontief_prices(economy: Economy, pick: np.ndarray, x: np.ndarray | None = None,
                    idle: float = 0.0) -> LeontiefPrices | None:
    """``Λ`` with ``(B - A)_Sᵀ Λ_k = G_{k,S}ᵀ`` for each finite limit ``k`` (one Leontief solve each, on
    the techniques ``S = pick``): the goods prices that make ``S`` break even at limit prices ``μ``.

    Given the plan ``x``, a good whose technique runs at capacity in it (every one of its techniques
    does, or :func:`techniques` would have chosen another) may be worth more than its cost, by a
    rent ``ρ_g ≥ 0`` of its own: a column ``(B - A)_S^{-T} e_g`` more (at most :data:`MAX_RENTS`).
    ``None`` when a good has no technique, no limit is finite or a solve fails."""
    avail = np.concatenate([economy.labour_available.to_numpy(dtype=float),
                            economy.resource_available.to_numpy(dtype=float)])
    lim = np.flatnonzero(np.isfinite(avail))
    if (pick < 0).any() or lim.size == 0:
        return None
    G = sp.vstack([economy.L, economy.R]).tocsr()[lim]
    sat = np.zeros(0, dtype=np.int64)
    on = np.ones(pick.size, dtype=bool)
    if x is not None:
        level = np.asarray(x, dtype=float)[pick]
        cap = economy.capacity.to_numpy(dtype=float)[pick]
        if idle > 0:
            on = level > idle * max(float(level.max(initial=0.0)), 1e-300)
        sat = np.flatnonzero(on & np.isfinite(cap) & (level >= cap * (1 - FULL)) & (level > 0))[:MAX_RENTS]
    P = pick[on]
    where = np.cumsum(on) - 1  # a good's row among those made
    MT = economy.net[on][:, P].T.tocsr()
    rhs = [np.asarray(G[k][:, P].todense()).ravel() for k in range(lim.size)]
    rhs += [np.eye(1, P.size, int(where[g])).ravel() for g in sat]
    Lam = np.zeros((economy.n_goods, len(rhs)))
    for k, b in enumerate(rhs):
        z = technique_solve(MT, b)
        if z is None:
            return None
        Lam[on, k] = np.maximum(z, 0.0)
    Gx = sp.vstack([G, sp.csr_matrix((sat.size, G.shape[1]))]).tocsr()
    return LeontiefPrices(Lam, Gx, lim, sat, np.concatenate([avail[lim], np.zeros(sat.size)]))


def policy_prices(economy: Economy, x: np.ndarray, scale: float, pick: np.ndarray | None = None) -> PolicyPrices | None:
    r"""Prices polished on the techniques of plan ``x`` at scale ``scale`` (module docstring).

    With ``S`` each good's technique (``pick``, by default :func:`techniques`) the goods prices that make ``S`` break even
    at limit prices ``(w, v)`` solve ``(B - A)_Sᵀ λ = L_Sᵀ w + R_Sᵀ v``: ``λ = Λ (w, v)`` with one
    Leontief solve per limit (``Λ_k = (B - A)_S^{-T} G_{k,S}ᵀ``), and each process's gain
    ``π_j - c_j`` is linear in ``(w, v)``. A good whose floor binds (``floor_g > scale · d_g``) prices
    its floor row (``q``), the others their goods row (``p``). The bound of :func:`lagrangian_bound`
    is then convex piecewise linear in ``(w, v)``, and its least value under ``pᵀd = 1`` is the LP

    .. math::

        \min_{w, v, t ≥ 0}\; aᵀw + rᵀv - q(w, v)ᵀ\mathrm{floor} + \sum_j ub_j t_j
        \quad\text{s.t.}\quad t_j ≥ \mathrm{gain}_j(w, v),\quad p(w, v)ᵀ d = 1

    (:func:`_least_bound`; ``gain_j ≤ 0`` where ``ub_j`` is infinite). Its answer is re-evaluated exactly. ``None`` when a good has no technique or a solve fails.
    """
    if pick is None:
        pick = techniques(economy, np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, None))
    a = economy.labour_available.to_numpy(dtype=float)
    r = economy.resource_available.to_numpy(dtype=float)
    avail = np.concatenate([a, r])
    got = leontief_prices(economy, pick, x)
    if got is None:
        return None
    Lam, G, lim = got.Lam, got.G, got.lim
    net = economy.net
    tg = economy.targets
    d = tg["amount"].to_numpy(dtype=float)
    floor = np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)
    on_floor = floor > max(scale, 0.0) * d
    norm = np.where(on_floor, 0.0, d) @ Lam  # pᵀd per unit of each limit's price
    fl = np.where(on_floor, floor, 0.0) @ Lam  # qᵀfloor per unit
    gain = np.asarray(net.T @ Lam) - np.asarray(G.T.todense())  # n × limits
    ub = implied_bounds(economy)
    res_w = _least_bound(gain, ub, got.avail - fl, norm)
    if res_w is None:
        return None
    wl = np.maximum(res_w, 0.0)
    lam = Lam @ wl
    alpha = float(np.where(on_floor, 0.0, lam) @ d)
    if alpha <= 0:
        return None
    wl, lam = wl / alpha, lam / alpha
    wv = np.zeros(avail.size)
    wv[lim] = wl[:lim.size]
    p, q = np.where(on_floor, 0.0, lam), np.where(on_floor, lam, 0.0)
    w, v = wv[:a.size], wv[a.size:]
    return PolicyPrices(pick, on_floor, p, q, w, v, gain @ wl, lagrangian_bound(economy, p, q, w, v, ub))


def _least_bound(gain: np.ndarray, ub: np.ndarray, c: np.ndarray, norm: np.ndarray) -> np.ndarray | None:
    r"""``argmin_{w ≥ 0} cᵀw + Σ_j ub_j \max(0, \mathrm{gain}_j w)`` s.t. ``normᵀw = 1`` (``gain_j w ≤ 0``
    where ``ub_j`` is infinite), through its dual, an LP of as many rows as limits,

    .. math::  \max_{θ,\; 0 ≤ β ≤ ub}\; θ \quad\text{s.t.}\quad θ\, \mathrm{norm} - \sum_j β_j\, \mathrm{gain}_j ≤ c

    (a column per process that gains at some prices; HiGHS' simplex on a basis of a few rows takes
    milliseconds where the primal, a row per process, took seconds at 10^5 goods). ``w`` is the rows'
    duals. Rows are scaled by ``norm`` and columns by ``ub`` (shares of the basket's price and of
    each process's bound: wages of 1e-5 per hour would sit below HiGHS' tolerances). ``None`` when
    HiGHS does not find an optimum."""
    from councilplan.solvers import SolveOptions, Status, get_solver

    k = norm.size
    cols = np.flatnonzero((gain > 1e-13 * max(1.0, float(np.abs(gain).max()))).any(axis=1))
    rs = np.where(norm > 0, 1.0 / np.where(norm > 0, norm, 1.0), 1.0)  # row k divided by norm_k
    cs = np.where(np.isfinite(ub[cols]), ub[cols], 1.0)  # β_j = cs_j β'_j
    G = (-gain[cols] * cs[:, None] * rs[None, :]).T
    K = sp.hstack([sp.csr_matrix(G), sp.csr_matrix((norm * rs)[:, None])]).tocsr()
    cost = np.zeros(cols.size + 1)
    cost[-1] = -1.0
    lp = LinearProgram(c=cost, K=K, row_lower=np.full(k, -np.inf), row_upper=c * rs,
                       col_lower=np.concatenate([np.zeros(cols.size), [-np.inf]]),
                       col_upper=np.concatenate([np.where(np.isfinite(ub[cols]), 1.0, np.inf), [np.inf]]))
    res = get_solver("highs").solve_lp(lp, SolveOptions())
    if res.status is not Status.OPTIMAL or res.row_dual is None:
        return None
    return np.maximum(-np.asarray(res.row_dual, dtype=float), 0.0) * rs


def policy_plan(economy: Economy, x: np.ndarray, prices: PolicyPrices, scale: float, near: int = 0) -> PolicyPlan:
    r"""A feasible plan on the polished basis, at the largest scale it allows (module docstring).

    Complementary slackness with ``prices``: a process off the techniques ``S`` that gains runs at
    its capacity, one that loses is idle; these levels are ``x_O``. The levels ``y`` of those that break
    even (within :data:`BREAK_EVEN`) and of ``near`` others are
    unknowns (the ``near`` ones: the processes nearest to breaking even, by relative gain), at most
    :data:`MAX_FREE` of them (the basis's pivots that the prices alone cannot tell:
    a vertex mixes as many techniques beyond one per good as limits bind). The goods on their floor are
    made to it, the others to ``s d``, so the technique levels are affine in the scale,

    .. math::  x_S(s) = (B - A)_S^{-1} \bigl(s\, d_{\text{ray}} + \mathrm{floor}_{\text{floor}} - (B - A)_O x_O\bigr)

    (two Leontief solves), and the largest ``s`` with ``0 ≤ x_S(s) ≤ cap_S``, every limit and every
    floor met is one division per row, or with unknowns ``y`` a small dense LP in ``(s, y)``;
    :func:`within_limits` then measures the plan exactly. ``PolicyPlan.short`` names the goods whose
    technique's capacity is what stops the scale (their technique should be another).
    """
    cap = economy.capacity.to_numpy(dtype=float)
    pick, on_floor = prices.pick, prices.on_floor
    none = np.zeros(0, dtype=np.int64)
    tg = economy.targets
    d = tg["amount"].to_numpy(dtype=float)
    floor = np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)
    net = economy.net
    cost = np.asarray(economy.L.T @ prices.w + economy.R.T @ prices.v).ravel()
    even = np.abs(prices.gain) <= BREAK_EVEN * np.maximum(cost + np.abs(prices.gain), 1e-300)
    xo = np.where(even, np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, cap), 0.0)
    runs = (prices.gain > 0) & ~even
    xo[runs] = np.where(np.isfinite(cap[runs]), cap[runs], np.clip(x[runs], 0.0, None))
    xo[pick] = 0.0
    # the break-even processes off S with the largest levels are unknowns of the small LP (a vertex
    # mixes at most as many as limits bind); the rest keep their levels
    off = ~np.isin(np.arange(xo.size), pick)
    free = np.flatnonzero(even & off)
    free = free[np.argsort(-xo[free], kind="stable")]
    if near:  # and the processes that come nearest to breaking even (relative gain)
        rel = np.abs(prices.gain) / np.maximum(cost, 1e-300)
        cand = np.flatnonzero(off & ~even)
        free = np.concatenate([free, cand[np.argsort(rel[cand], kind="stable")][:near]])
    free = free[:max(0, min(MAX_FREE, FREE_ENTRIES // max(pick.size, 1)))]
    xo[free] = 0.0
    M = net[:, pick].tocsr()
    cols = [technique_solve(M, np.where(on_floor, 0.0, d)), technique_solve(M, np.where(on_floor, floor, 0.0) - net @ xo)]
    cols += [technique_solve(M, -np.asarray(net[:, [j]].todense()).ravel()) for j in free]
    solved = [c_ for c_ in cols if c_ is not None]
    if len(solved) < len(cols):
        return PolicyPlan(None, None, none, none)
    X = np.column_stack(solved)  # x_S = X[:, 0] s + X[:, 1] + X[:, 2:] y
    a1, a0, C = X[:, 0], X[:, 1], X[:, 2:]
    # at the scale asked, with the break-even levels of x: which techniques cannot carry their good
    x_try = a1 * scale + a0 + C @ np.clip(np.asarray(x, dtype=float)[free], 0.0, cap[free])
    short_try = np.flatnonzero(np.isfinite(cap[pick]) & (x_try > cap[pick] * (1 + 1e-9)))
    over = np.flatnonzero(x_try < -1e-9 * max(1.0, float(np.abs(x_try).max())))
    # max s  s.t.  A_ub (s, y) <= b_ub,  0 <= y <= cap
    A_rows: list[np.ndarray] = [-np.column_stack([a1, C]), np.column_stack([a1, C])]
    b_rows: list[np.ndarray] = [a0, cap[pick] - a0]
    for M_, avail in ((economy.L, economy.labour_available), (economy.R, economy.resource_available)):
        g = avail.to_numpy(dtype=float)
        Ms = M_[:, pick]
        A_rows.append(np.column_stack([Ms @ a1, Ms @ C + np.asarray(M_[:, free].todense())]))
        b_rows.append(g - Ms @ a0 - M_ @ xo)
    ray = ~on_floor & (floor > 0)
    A_rows += [np.column_stack([-d[ray], np.zeros((int(ray.sum()), free.size))]),
               np.column_stack([d[on_floor], np.zeros((int(on_floor.sum()), free.size))])]
    b_rows += [-floor[ray], floor[on_floor]]
    A_ub, b_ub = np.vstack(A_rows), np.concatenate(b_rows)
    ok = np.isfinite(b_ub) & (np.abs(A_ub).max(axis=1) > 0)
    if (b_ub[np.isfinite(b_ub) & ~ok] < 0).any():
        return PolicyPlan(None, None, short_try, over)
    z0 = np.concatenate([[max(scale, 0.0)], np.clip(np.nan_to_num(np.asarray(x, dtype=float))[free], 0.0, cap[free])])
    z = _scale_lp(A_ub[ok], b_ub[ok], cap[free], z0)
    if z is None:
        return PolicyPlan(None, None, short_try, over)
    xS = X[:, 0] * z[0] + a0 + C @ z[1:]
    short = np.union1d(short_try, np.flatnonzero(np.isfinite(cap[pick]) & (xS >= cap[pick] * (1 - 1e-9))))
    xp = xo.copy()
    xp[free] = np.clip(z[1:], 0.0, cap[free])  # HiGHS meets bounds to its tolerance
    np.add.at(xp, pick, np.maximum(xS, 0.0))
    measured = within_limits(economy, xp)
    if measured is None:
        return PolicyPlan(None, None, short, over)
    return PolicyPlan(measured[0], measured[1], short, over)


def _scale_lp(A_ub: np.ndarray, b_ub: np.ndarray, y_cap: np.ndarray, z0: np.ndarray) -> np.ndarray | None:
    """``max s`` over ``(s, y)`` with ``A_ub (s, y) ≤ b_ub``, ``s ≥ 0``, ``0 ≤ y ≤ y_cap``: one division per
    row without ``y``, else a small dense LP (HiGHS through scipy) by row generation from the rows
    nearest to binding at ``z0`` (most of the ``2m`` rows, a technique's level between 0 and its
    capacity, are far from binding); ``None`` when nothing fits."""
    if A_ub.shape[1] == 1:
        al, rm = A_ub[:, 0], b_ub
        up, dn = al > 0, al < 0
        s_hi = float((rm[up] / al[up]).min()) if up.any() else float("inf")
        s_lo = float((rm[dn] / al[dn]).max()) if dn.any() else 0.0
        return np.array([s_hi]) if np.isfinite(s_hi) and s_hi >= max(s_lo, 0.0) else None
    c = np.zeros(A_ub.shape[1])
    c[0] = -1.0
    bounds = [(0.0, None)] + [(0.0, float(u) if np.isfinite(u) else None) for u in y_cap]
    return small_lp(c, A_ub, b_ub, bounds, z0)


def small_lp(c: np.ndarray, A_ub: np.ndarray, b_ub: np.ndarray, bounds: list[tuple[float, float | None]],
             z0: np.ndarray) -> np.ndarray | None:
    """``argmin cᵀz`` s.t. ``A_ub z ≤ b_ub`` and ``bounds``, for a few unknowns and many dense rows (HiGHS
    through scipy) by row generation: the rows nearest to binding at ``z0`` first (slack below
    :data:`SCALE_ROWS` of the row's size), then every row the answer breaks; ``None`` if infeasible."""
    from scipy.optimize import linprog

    size = np.abs(A_ub) @ np.maximum(np.abs(z0), 1e-12) + np.abs(b_ub) + 1e-300
    rows = np.flatnonzero(b_ub - A_ub @ z0 < SCALE_ROWS * size)
    for _ in range(10):
        res = linprog(c, A_ub=A_ub[rows], b_ub=b_ub[rows], bounds=bounds, method="highs")
        if res.status == 2:  # infeasible already: so is the whole
            return None
        z = None if res.status != 0 else np.asarray(res.x, dtype=float)
        broken = np.flatnonzero(A_ub @ z > b_ub + 1e-12 * size) if z is not None else np.arange(b_ub.size)
        broken = np.setdiff1d(broken, rows)
        if broken.size == 0:
            return z
        rows = np.union1d(rows, broken)
    return None


def improve(economy: Economy, prices: PolicyPrices, plan: PolicyPlan) -> np.ndarray:
    """The next techniques (policy improvement with capacities): a good whose technique's capacity
    stops the scale (``plan.short``) takes its best other technique, leaving the full one to run at
    capacity on its rent; a good with a process of unlimited capacity that gains at these prices
    takes the one that gains most per unit of output (Howard's step); a good that its processes at
    capacity over-supply (``plan.over``) makes the one of them that gains least its technique. Gains
    are per unit of output, ``(π_j - c_j)/b_j``."""
    main = _main_output(economy)
    b = np.asarray(economy.B.tocsc().max(axis=0).todense()).ravel()
    cap = economy.capacity.to_numpy(dtype=float)
    per = prices.gain / np.maximum(b, 1e-300)
    pick = prices.pick.copy()
    cost = np.asarray(economy.L.T @ prices.w + economy.R.T @ prices.v).ravel()
    gains = (prices.gain > BREAK_EVEN * np.maximum(cost + np.abs(prices.gain), 1e-300)) & ~np.isfinite(cap)
    gains[pick] = False
    if gains.any():
        best = _best_per_good(main[gains], (-per[gains],), economy.n_goods)
        g = np.flatnonzero(best >= 0)
        pick[g] = np.flatnonzero(gains)[best[g]]
    if plan.short.size:
        others = np.ones(main.size, dtype=bool)
        others[prices.pick] = False
        idx = np.flatnonzero(others & np.isin(main, plan.short))
        best = _best_per_good(main[idx], (-per[idx],), economy.n_goods)
        g = np.intersect1d(plan.short, np.flatnonzero(best >= 0))
        pick[g] = idx[best[g]]
    if plan.over.size:  # the dearest process that runs at capacity becomes the marginal one
        runs = (prices.gain > 0) & np.isfinite(cap)
        runs[prices.pick] = False
        idx = np.flatnonzero(runs & np.isin(main, plan.over))
        best = _best_per_good(main[idx], (per[idx],), economy.n_goods)
        g = np.intersect1d(plan.over, np.flatnonzero(best >= 0))
        pick[g] = idx[best[g]]
    return pick


def polish(economy: Economy, x: np.ndarray, scale: float, target: float = 1e-12, rounds: int = POLISH_ROUNDS,
           again: bool = True) -> tuple[tuple[float, np.ndarray] | None, float, PolicyPrices | None]:
    """Polished bounds of the ray near plan ``x`` at scale ``scale``: prices (:func:`policy_prices`)
    and a plan (:func:`policy_plan`) on its techniques, then on improved ones (:func:`improve`),
    up to ``rounds`` times or until they are within ``target`` (relative); if they are not, one more plan at the best prices with
    the :data:`NEAR` processes nearest to breaking even re-mixed, and (``again``) the whole polish once
    more from that plan. Every bound is valid; returns the best plan ``(L, x')`` found (``None`` if
    none), the least bound ``U`` and the prices that give it."""
    pick = techniques(economy, np.clip(np.nan_to_num(np.asarray(x, dtype=float)), 0.0, None))
    best: tuple[float, np.ndarray] | None = None
    upper = float("inf")
    kept: PolicyPrices | None = None  # the prices of the least bound
    for _ in range(rounds):
        prices = policy_prices(economy, x, scale, pick)
        if prices is None:
            break
        if prices.bound <= upper:
            upper, kept = prices.bound, prices
        plan = policy_plan(economy, x, prices, scale)
        if plan.scale is not None and plan.x is not None and (best is None or plan.scale > best[0]):
            best = (plan.scale, plan.x)
        if best is not None and upper - best[0] <= target * abs(upper):
            break
        nxt = improve(economy, prices, plan)
        if np.array_equal(nxt, pick):
            break
        pick = nxt
    if kept is not None and (best is None or upper - best[0] > target * abs(upper)):
        # the techniques settled but the bounds did not meet: let the plan re-mix the techniques
        # nearest to breaking even at the best prices (a wider pivot than the prices alone tell)
        plan = policy_plan(economy, x, kept, scale, near=NEAR)
        if plan.scale is not None and plan.x is not None and (best is None or plan.scale > best[0]):
            best = (plan.scale, plan.x)
            if again and upper - best[0] > target * abs(upper):  # and polish once more from that plan
                polished, bound, prices2 = polish(economy, plan.x, plan.scale, target, rounds, again=False)
                if bound < upper:
                    upper, kept = bound, prices2
                if polished is not None and polished[0] > best[0]:
                    best = polished
    return best, upper, kept
