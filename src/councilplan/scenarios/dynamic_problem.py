"""A :class:`~councilplan.scenarios.dynamic.DynamicEconomy` and its objective → ONE LP over all periods.

One ``define_*`` function per constraint family (``balance``, ``floors``, ``totals``, ``goods``,
``labour``/``resources``, ``capacity``, ``stock``, ``terminal``, ``transfer``), on the builder the static
plan uses too (:mod:`councilplan.planning.builder`); the equations and the blocks' labels are in
``docs/dynamic-format.md``. :func:`slack_stocks` and :func:`guaranteed_stock` find the capital that can
never bind, which ``fix_slack`` fixes so that the periods split into blocks
(:mod:`councilplan.scenarios.blocks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.planning.builder import BlockBuilder, period_index
from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.dynamic import DynamicEconomy, DynamicObjective, Term
from councilplan.solvers.base import LinearProgram


def _over_periods(M: sp.coo_matrix, T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The triplets of ``M`` repeated for periods ``1..T``: ``(t, row, col, value)`` (block-diagonal ``I_T ⊗ M``)."""
    return np.repeat(np.arange(1, T + 1), M.nnz), np.tile(M.row, T), np.tile(M.col, T), np.tile(M.data, T)


def _keep(mask: np.ndarray, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, ...]:
    """Drop triplets of rows not in ``mask`` and renumber the rest."""
    new = np.cumsum(mask) - 1
    ok = mask[rows]
    return new[rows[ok]], cols[ok], vals[ok]


def level_bounds(de: DynamicEconomy) -> np.ndarray:
    """An upper bound of every process level in every period, ``(n, T)``: its capacity and, for every
    labour or resource row with non-negative coefficients, ``available / coefficient``."""
    ec = de.base
    xmax = de.capacity.reindex(ec.processes.index).to_numpy(dtype=float).copy()
    lab_costs = de.transfer_costs[de.transfer_costs["kind"] == "labour"]["amount"].to_numpy(dtype=float)
    for M_, avail, ids in ((ec.L, de.labour, ec.labour_kinds), (ec.R, de.resources, ec.resources)):
        Mc = M_.tocoo()
        if Mc.nnz == 0 or (Mc.data < 0).any() or (M_ is ec.L and (lab_costs < 0).any()):
            continue
        av = avail.reindex(ids).to_numpy(dtype=float)  # (k, T); NaN (no schedule) = unlimited
        pos = Mc.data > 0
        coef = Mc.data[pos][:, None] * (de.labour_factor()[Mc.col[pos]] if M_ is ec.L else 1.0)
        bound = np.where(np.isnan(av[Mc.row[pos]]), np.inf, av[Mc.row[pos]]) / coef
        np.minimum.at(xmax, Mc.col[pos], bound)
    return xmax


def slack_stocks(de: DynamicEconomy, objective: str | DynamicObjective | dict[str, Any] = "sum-ray") -> np.ndarray:
    """Capital stocks that can never bind, ``(P,)`` bool: fixing them is exact.

    A stock qualifies when, in every period, ``per_unit ·`` (the process's :func:`level_bounds`) is
    at most the stock it keeps without any investment (``K0 ·`` survival and depreciation), and it
    has no terminal condition, is no transfer's source or destination, and no objective term reads
    stocks, capacities or investment. Then any plan stays feasible, with the same objective, when
    such a stock is kept whole and never invested in: the LP's optimum does not change, and the
    periods are no longer linked through it (see :mod:`councilplan.scenarios.blocks`).
    """
    cap, T = de.capital, de.periods
    P = len(cap)
    if P == 0 or any(t.what in ("stock", "capacity", "investment") for t in DynamicObjective.of(objective).terms):
        return np.zeros(P, dtype=bool)
    keep = guaranteed_stock(de)
    xmax = level_bounds(de)[de.base.processes.index.get_indexer(cap["process"])]
    with np.errstate(invalid="ignore"):
        need = cap["per_unit"].to_numpy(dtype=float)[:, None] * xmax
    need = np.where(cap["per_unit"].to_numpy(dtype=float)[:, None] == 0, 0.0, need)
    ok = (need <= keep * (1 - 1e-9)).all(axis=1) & (cap["terminal"].to_numpy(dtype=float) <= 0)
    moved = set(de.transfers["source"]) | set(de.transfers["dest"])
    return ok & ~cap.index.isin(list(moved)) & (T >= 1)


def guaranteed_stock(de: DynamicEconomy) -> np.ndarray:
    """``(P, T)``: each stock with no investment and nothing moved: ``σ_1 K0``, then ``σ_t (1-δ) K[t-1]``."""
    cap, T = de.capital, de.periods
    surv = de.survival.reindex(cap.index).fillna(1.0).to_numpy(dtype=float)
    keep_rate = 1.0 - cap["depreciation"].to_numpy(dtype=float)
    out = np.zeros((len(cap), T))
    if T:
        out[:, 0] = surv[:, 0] * cap["initial"].to_numpy(dtype=float)
    for t in range(1, T):
        out[:, t] = surv[:, t] * keep_rate * out[:, t - 1]
    return out


@dataclass(frozen=True, eq=False)
class _Layout:
    """Where a dynamic LP's column blocks start, and the index arrays its row families share."""

    de: DynamicEconomy
    obj: DynamicObjective
    X: int  # process levels (process, t)
    Y: int  # net output (good, t)
    S: int  # inventory (good, t)
    Kc: int  # capital stock (pair, t)
    Ic: int  # investment (pair, t)
    Mc: int  # transfers (transfer, t)
    Sc: int | None  # scale: one (ray) or one per period (sum-ray)
    per: np.ndarray  # 1..T
    pj: np.ndarray  # each capital pair's process
    pg: np.ndarray  # each capital pair's good
    sg: np.ndarray  # each stocked good's position
    src: np.ndarray  # each transfer's source pair
    dst: np.ndarray  # each transfer's destination pair
    grid_t: np.ndarray  # (pair, t) grid: periods
    grid_p: np.ndarray  # (pair, t) grid: pairs

    @property
    def T(self) -> int:
        return self.de.periods

    @property
    def P(self) -> int:
        return len(self.de.capital)

    @property
    def E(self) -> int:
        return len(self.de.transfers)

    def keep_rate(self) -> np.ndarray:
        """``1 - δ`` of each capital pair."""
        return 1.0 - self.de.capital["depreciation"].to_numpy(dtype=float)


def _col(start: int, width: int, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Global column of ``idx`` in period ``t`` of a block of ``width`` columns per period."""
    return start + (t - 1) * width + idx


def build_dynamic_problem(de: DynamicEconomy, objective: str | DynamicObjective | dict[str, Any] = "sum-ray", *,
                          fix_slack: bool = False) -> LinearProgram:
    """ONE LP over all periods; blocks and their labels are listed in ``docs/dynamic-format.md``.

    One ``define_*`` function per family, on the builder of the static plan
    (:mod:`councilplan.planning.builder`). ``fix_slack`` fixes the stocks of :func:`slack_stocks` at
    :func:`guaranteed_stock` with no investment (same optimum; the periods then split into
    independent blocks when nothing else links them).
    """
    obj = DynamicObjective.of(objective)
    bb = BlockBuilder()
    lay = define_dynamic_columns(bb, de, obj, fix_slack=fix_slack)
    define_balance(bb, lay)
    define_dynamic_floors(bb, lay)
    define_totals(bb, lay)
    define_dynamic_targets(bb, lay)
    define_dynamic_limits(bb, lay)
    if lay.P:
        define_capacity(bb, lay)
        define_stock(bb, lay)
        define_terminal(bb, lay)
    if lay.E:
        define_transfer_limits(bb, lay)
    maxsign = -1.0 if obj.sense == "max" else 1.0  # the LP minimises
    for tm in obj.terms:
        cols, vals = _term_columns(de, tm, X=lay.X, Y=lay.Y, S=lay.S, Kc=lay.Kc, Ic=lay.Ic, Mc=lay.Mc)
        bb.add_cost(cols, maxsign * tm.weight * vals)
    return bb.build(sense="max" if obj.kind in ("ray", "sum-ray", "harmony") else obj.sense)


def define_dynamic_columns(bb: BlockBuilder, de: DynamicEconomy, obj: DynamicObjective, *,
                           fix_slack: bool = False) -> _Layout:
    """Columns, period-major: ``process`` (≤ capacity), ``net_output``, ``inventory`` (terminal
    ≥ its floor), ``stock`` (fixed where slack), ``investment`` (0 where it could never arrive in
    time or count), ``transfer`` (0 outside its window), ``scale`` (ray: one; sum-ray: one per period,
    costing its weight)."""
    ec, T = de.base, de.periods
    goods, procs = ec.goods.index, ec.processes.index
    cap, P = de.capital, len(de.capital)
    tr, E = de.transfers, len(de.transfers)
    inv = de.inventory
    sg = goods.get_indexer(inv.index)
    ms = len(sg)
    pj = procs.get_indexer(cap["process"])
    pg = goods.get_indexer(cap["good"])
    src = cap.index.get_indexer(tr["source"]) if E else np.zeros(0, dtype=np.int64)
    dst = cap.index.get_indexer(tr["dest"]) if E else np.zeros(0, dtype=np.int64)
    if (pj < 0).any() or (pg < 0).any() or (sg < 0).any() or (src < 0).any() or (dst < 0).any():
        de.check()
    per = np.arange(1, T + 1)
    X = bb.cols("process", period_index(procs, T), upper=de.capacity.to_numpy(dtype=float).T.ravel())
    Y = bb.cols("net_output", period_index(goods, T))
    S = bb.cols("inventory", period_index(inv.index, T),
                lower=np.concatenate([np.zeros(ms * (T - 1)), inv["terminal"].to_numpy(dtype=float)]))
    slack = slack_stocks(de, obj) if fix_slack else np.zeros(P, dtype=bool)
    held = np.where(slack[:, None], guaranteed_stock(de), np.nan).T.ravel()  # (T·P), NaN = free
    Kc = bb.cols("stock", period_index(cap.index, T), lower=np.nan_to_num(held, nan=0.0),
                 upper=np.nan_to_num(held, nan=np.inf))
    gest = cap["gestation"].to_numpy(dtype=np.int64)
    term = cap["terminal"].to_numpy(dtype=float)
    arrive = per[None, :] + gest[:, None]  # (P, T)
    useful = ((arrive <= T) | ((arrive == T + 1) & (term[:, None] > 0))) & ~slack[:, None]
    Ic = bb.cols("investment", period_index(cap.index, T), upper=np.where(useful.T.ravel(), np.inf, 0.0))
    first = tr["first"].to_numpy(dtype=float) if E else np.zeros(0)
    last = tr["last"].to_numpy(dtype=float) if E else np.zeros(0)
    window = (per[None, :] >= first[:, None]) & (per[None, :] <= last[:, None])
    Mc = bb.cols("transfer", period_index(tr.index, T), upper=np.where(window.T.ravel(), np.inf, 0.0))
    Sc: int | None = None
    if obj.kind == "harmony":
        w = np.ones(T) if obj.period_weights is None else np.asarray(obj.period_weights, dtype=float)
        if w.size != T:
            raise PlanningInputError(f"period_weights has {w.size} values for {T} periods")
        d = de.target.to_numpy(dtype=float)  # (m, T)
        di = np.flatnonzero(d.T.ravel() > 0)
        if di.size == 0:
            raise PlanningInputError("the harmony objective needs targets: give positive target amounts")
        Sc = bb.cols("harmony", period_index(goods, T)[di], lower=-np.inf, cost=-w[di // len(goods)])
    elif obj.kind == "ray":
        Sc = bb.cols("scale", pd.Index(["s"], dtype=object), cost=-1.0)
    elif obj.kind == "sum-ray":
        w = np.ones(T) if obj.period_weights is None else np.asarray(obj.period_weights, dtype=float)
        if w.size != T:
            raise PlanningInputError(f"period_weights has {w.size} values for {T} periods")
        Sc = bb.cols("scale", pd.Index(per, name="period"), cost=-w)
    return _Layout(de, obj, X, Y, S, Kc, Ic, Mc, Sc, per, pj, pg, sg, src, dst,
                   np.repeat(per, P), np.tile(np.arange(P), T))


def define_balance(bb: BlockBuilder, lay: _Layout) -> None:
    """``balance`` (good, t): ``B x[t-lag] - A x[t] - I[t] + (1-σ)S[t-1] - S[t] - y[t] - cost·M[t] ≥ -supply[t]``
    (less the initial inventory in period 1)."""
    de, T, X, n = lay.de, lay.T, lay.X, lay.de.base.n_processes
    ec, m, per = de.base, de.base.n_goods, lay.per
    procs, goods, inv, tr, E, P = ec.processes.index, ec.goods.index, de.inventory, de.transfers, lay.E, lay.P
    ms, sg = len(lay.sg), lay.sg
    R: list[np.ndarray] = []
    C: list[np.ndarray] = []
    V: list[np.ndarray] = []
    lag = de.lag.reindex(procs).fillna(0).to_numpy(dtype=np.int64)
    tB, rB, cB, vB = _over_periods(ec.B.tocoo(), T)  # B x[t] arrives in t + lag
    tt = tB + lag[cB]
    ok = tt <= T
    R.append((tt[ok] - 1) * m + rB[ok])
    C.append(_col(X, n, tB[ok], cB[ok]))
    V.append(vB[ok])
    tA, rA, cA, vA = _over_periods(ec.A.tocoo(), T)
    R.append((tA - 1) * m + rA)
    C.append(_col(X, n, tA, cA))
    V.append(-vA)
    R.append((lay.grid_t - 1) * m + lay.pg[lay.grid_p])
    C.append(_col(lay.Ic, P, lay.grid_t, lay.grid_p))
    V.append(-np.ones(P * T))
    tS = np.repeat(per, ms)
    qS = np.tile(np.arange(ms), T)
    R.append((tS - 1) * m + sg[qS])
    C.append(_col(lay.S, ms, tS, qS))
    V.append(-np.ones(ms * T))
    keep_loss = tS >= 2
    R.append(((tS - 1) * m + sg[qS])[keep_loss])
    C.append(_col(lay.S, ms, tS - 1, qS)[keep_loss])
    V.append((1.0 - inv["loss"].to_numpy(dtype=float))[qS][keep_loss])
    R.append(np.arange(m * T))
    C.append(lay.Y + np.arange(m * T))
    V.append(-np.ones(m * T))
    cost_goods = de.transfer_costs[de.transfer_costs["kind"] == "good"]
    if E and len(cost_goods):
        ce = tr.index.get_indexer(cost_goods["transfer"])
        ci = goods.get_indexer(cost_goods["id"].astype(str))
        ca = cost_goods["amount"].to_numpy(dtype=float)
        tc_, k_ = np.repeat(per, ce.size), np.tile(np.arange(ce.size), T)
        R.append((tc_ - 1) * m + ci[k_])
        C.append(_col(lay.Mc, E, tc_, ce[k_]))
        V.append(-ca[k_])
    rhs = -de.supply.to_numpy(dtype=float)
    rhs[sg, 0] -= inv["initial"].to_numpy(dtype=float)
    bb.rows("balance", period_index(goods, T), np.concatenate(R), np.concatenate(C), np.concatenate(V),
            lower=rhs.T.ravel())


def define_dynamic_floors(bb: BlockBuilder, lay: _Layout) -> None:
    """``floors`` (good, t) with floor > 0: ``y[t] ≥ floor[t]``."""
    floor = np.maximum(lay.de.floor.to_numpy(dtype=float), 0.0).T.ravel()
    fi = np.flatnonzero(floor > 0)
    if fi.size:
        bb.rows("floors", period_index(lay.de.base.goods.index, lay.T)[fi], np.arange(fi.size), lay.Y + fi,
                np.ones(fi.size), lower=floor[fi])


def define_totals(bb: BlockBuilder, lay: _Layout) -> None:
    """``totals``: ``Σ_{t=first..last} y[good, t] ≥ amount`` (e.g. a year's output over its quarters)."""
    de, T = lay.de, lay.T
    if not len(de.totals):
        return
    goods, m = de.base.goods.index, de.base.n_goods
    tot = de.totals.reset_index(drop=True)
    gi = goods.get_indexer(tot["good"].astype(str))
    if (gi < 0).any():
        raise PlanningInputError(f"a total names an unknown good '{tot['good'][gi < 0].iloc[0]}'")
    a_ = np.maximum(tot["first"].to_numpy(dtype=np.int64), 1)
    b_ = np.minimum(tot["last"].to_numpy(dtype=np.int64), T)
    cnt = np.maximum(b_ - a_ + 1, 0)
    rows_ = np.repeat(np.arange(len(tot)), cnt)
    ts = a_[rows_] + np.arange(rows_.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    labels = pd.Index([f"{g}@{a}-{b}" for g, a, b in zip(tot["good"], tot["first"], tot["last"], strict=True)],
                      dtype=object)
    bb.rows("totals", labels, rows_, lay.Y + (ts - 1) * m + gi[rows_], np.ones(rows_.size),
            lower=tot["amount"].to_numpy(dtype=float))


def define_dynamic_targets(bb: BlockBuilder, lay: _Layout) -> None:
    """``goods`` (good, t) with ``d > 0``: ``y[t] - d[t]·s ≥ 0`` (ray: one ``s``; sum-ray: ``s_t``),
    the block the static plan's ray calls ``goods`` too."""
    obj, T, per = lay.obj, lay.T, lay.per
    if obj.kind == "harmony":
        define_dynamic_harmony(bb, lay)
        return
    if obj.kind not in ("ray", "sum-ray"):
        return
    assert lay.Sc is not None
    d = lay.de.target.to_numpy(dtype=float)  # (m, T)
    m = d.shape[0]
    dm = d.T.ravel() > 0
    have = (d > 0).any(axis=0)
    if obj.kind == "ray" and not have.any():
        raise PlanningInputError("the ray objective needs targets: give positive target amounts")
    if obj.kind == "sum-ray" and not have.all():
        missing = ", ".join(str(p) for p in per[~have])
        raise PlanningInputError(f"the sum-ray objective needs targets in every period; period(s) {missing} have none")
    di = np.flatnonzero(dm)
    ti = di // m + 1
    scol = np.full(di.size, lay.Sc) if obj.kind == "ray" else lay.Sc + ti - 1
    loc = np.arange(di.size)
    bb.rows("goods", period_index(lay.de.base.goods.index, T)[di], np.concatenate([loc, loc]),
            np.concatenate([lay.Y + di, scol]), np.concatenate([np.ones(di.size), -d.T.ravel()[di]]), lower=0.0)


def define_dynamic_harmony(bb: BlockBuilder, lay: _Layout) -> None:
    """``harmony`` (good, t, piece k) for every ``d[i,t] > 0``: ``d z - b_k y ≤ d (a_k - b_k)``, i.e.
    ``z ≤ a_k + b_k (y/d - 1)``, in the good's own units like the static plan's
    (:func:`councilplan.planning.problem.define_harmony`); ``z`` is the block ``harmony``."""
    from councilplan.planning.objectives import harmony_pieces

    assert lay.Sc is not None
    goods = lay.de.base.goods.index
    d = lay.de.target.to_numpy(dtype=float).T.ravel()  # period-major, like the net_output block
    di = np.flatnonzero(d > 0)
    a, b = harmony_pieces()
    K, n = b.size, di.size
    loc = np.arange(K * n)
    piece = np.repeat(np.arange(K), n)
    cols_y, cols_z = lay.Y + np.tile(di, K), lay.Sc + np.tile(np.arange(n), K)
    vals_y, vals_z = -b[piece], np.tile(d[di], K)
    keep = vals_y != 0  # the flat piece has no y term
    rows = np.concatenate([loc[keep], loc])
    labels = period_index(goods, lay.T)[np.tile(di, K)]
    index = pd.MultiIndex.from_arrays([labels.get_level_values(0), labels.get_level_values(1), piece],
                                      names=["good", "period", "piece"])
    bb.rows("harmony", index, rows, np.concatenate([cols_y[keep], cols_z]), np.concatenate([vals_y[keep], vals_z]),
            upper=np.tile(d[di], K) * (a[piece] - b[piece]))


def define_dynamic_limits(bb: BlockBuilder, lay: _Layout) -> None:
    """``labour`` (kind, t) and ``resources`` (r, t): ``L x[t]`` (+ hours spent on transfers) ``≤ available[t]``,
    finite limits only."""
    de, T, per, E = lay.de, lay.T, lay.per, lay.E
    ec, n, tr = de.base, de.base.n_processes, de.transfers
    lab_costs = de.transfer_costs[de.transfer_costs["kind"] == "labour"]
    for name, M_, avail_df, ids in (("labour", ec.L, de.labour, ec.labour_kinds),
                                    ("resources", ec.R, de.resources, ec.resources)):
        k = len(ids)
        if k == 0:
            continue
        tM, rM, cM, vM = _over_periods(M_.tocoo(), T)
        if name == "labour":
            vM = vM * de.labour_factor()[cM, tM - 1]  # L[:, j] / productivity[j, t]
        rr, cc, vv = [(tM - 1) * k + rM], [_col(lay.X, n, tM, cM)], [vM]
        if name == "labour" and E and len(lab_costs):
            ce = tr.index.get_indexer(lab_costs["transfer"])
            ck = ids.get_indexer(lab_costs["id"].astype(str))
            ok = ck >= 0
            ce, ck, ca = ce[ok], ck[ok], lab_costs["amount"].to_numpy(dtype=float)[ok]
            tl, kl = np.repeat(per, ce.size), np.tile(np.arange(ce.size), T)
            rr.append((tl - 1) * k + ck[kl])
            cc.append(_col(lay.Mc, E, tl, ce[kl]))
            vv.append(ca[kl])
        avail = avail_df.reindex(ids).to_numpy(dtype=float).T.ravel()
        mask = np.isfinite(avail)
        if mask.any():
            r2, c2, v2 = _keep(mask, np.concatenate(rr), np.concatenate(cc), np.concatenate(vv))
            bb.rows(name, period_index(ids, T)[mask], r2, c2, v2, upper=avail[mask])


def define_capacity(bb: BlockBuilder, lay: _Layout) -> None:
    """``capacity`` (pair, t): ``per_unit · x[j, t] - K[p, t] ≤ 0``."""
    de, T, P = lay.de, lay.T, lay.P
    k_unit = de.capital["per_unit"].to_numpy(dtype=float)
    loc = np.arange(P * T)
    bb.rows("capacity", period_index(de.capital.index, T), np.concatenate([loc, loc]),
            np.concatenate([_col(lay.X, de.base.n_processes, lay.grid_t, lay.pj[lay.grid_p]), lay.Kc + loc]),
            np.concatenate([k_unit[lay.grid_p], -np.ones(P * T)]), upper=0.0)


def define_stock(bb: BlockBuilder, lay: _Layout) -> None:
    """``stock`` (pair, t): ``K[t] - σ_t(1-δ)(K[t-1] - M_out[t-1]) - I[t-g] - (1-loss) M_in[t-lag] ≤ σ_1 K0 [t = 1]``."""
    de, T, P, E, per = lay.de, lay.T, lay.P, lay.E, lay.per
    cap, tr, tP, pP, src, dst = de.capital, de.transfers, lay.grid_t, lay.grid_p, lay.src, lay.dst
    keep_rate = lay.keep_rate()
    gest = cap["gestation"].to_numpy(dtype=np.int64)
    surv = de.survival.reindex(cap.index).fillna(1.0).to_numpy(dtype=float)  # (P, T)
    loc = np.arange(P * T)
    rr, cc, vv = [loc], [lay.Kc + loc], [np.ones(P * T)]
    prev = tP >= 2
    rr.append(loc[prev])
    cc.append(_col(lay.Kc, P, tP[prev] - 1, pP[prev]))
    vv.append(-(surv[pP, tP - 1] * keep_rate[pP])[prev])
    src_t = tP - gest[pP]
    ok = src_t >= 1
    rr.append(loc[ok])
    cc.append(_col(lay.Ic, P, src_t[ok], pP[ok]))
    vv.append(-np.ones(ok.sum()))
    if E:
        loss = tr["loss"].to_numpy(dtype=float)
        tlag = tr["lag"].to_numpy(dtype=np.int64)
        tE, eE = np.repeat(per, E), np.tile(np.arange(E), T)
        out_ = tE >= 2  # leaves the source at the end of t - 1
        rr.append(((tE - 1) * P + src[eE])[out_])
        cc.append(_col(lay.Mc, E, tE - 1, eE)[out_])
        vv.append((surv[src[eE], tE - 1] * keep_rate[src[eE]])[out_])
        ta = tE - tlag[eE]
        in_ = ta >= 1  # arrives at the destination
        rr.append(((tE - 1) * P + dst[eE])[in_])
        cc.append(_col(lay.Mc, E, ta, eE)[in_])
        vv.append(-(1.0 - loss[eE])[in_])
    upper = np.zeros((P, T))
    upper[:, 0] = surv[:, 0] * cap["initial"].to_numpy(dtype=float)
    bb.rows("stock", period_index(cap.index, T), np.concatenate(rr), np.concatenate(cc), np.concatenate(vv),
            upper=upper.T.ravel())


def define_terminal(bb: BlockBuilder, lay: _Layout) -> None:
    """``terminal`` (pair with τ > 0): ``(1-δ)(K[T] - M_out[T]) + I[T+1-g] + (1-loss)M_in[T+1-lag] ≥ τ K0``."""
    de, T, P, E = lay.de, lay.T, lay.P, lay.E
    cap, tr, src, dst = de.capital, de.transfers, lay.src, lay.dst
    term = cap["terminal"].to_numpy(dtype=float)
    tpos = np.flatnonzero(term > 0)
    if not tpos.size:
        return
    keep_rate = lay.keep_rate()
    gest = cap["gestation"].to_numpy(dtype=np.int64)
    rowof = np.full(P, -1)
    rowof[tpos] = np.arange(tpos.size)
    rr, cc, vv = [np.arange(tpos.size)], [_col(lay.Kc, P, np.full(tpos.size, T), tpos)], [keep_rate[tpos]]
    ti = T + 1 - gest[tpos]
    ok = ti >= 1
    rr.append(np.flatnonzero(ok))
    cc.append(_col(lay.Ic, P, ti[ok], tpos[ok]))
    vv.append(np.ones(ok.sum()))
    if E:
        eo = np.flatnonzero(rowof[src] >= 0)  # stock leaving a pair with a terminal condition in T
        rr.append(rowof[src[eo]])
        cc.append(_col(lay.Mc, E, np.full(eo.size, T), eo))
        vv.append(-keep_rate[src[eo]])
        tlag = tr["lag"].to_numpy(dtype=np.int64)
        ei = np.flatnonzero((rowof[dst] >= 0) & (T + 1 - tlag >= 1))  # stock arriving after T
        rr.append(rowof[dst[ei]])
        cc.append(_col(lay.Mc, E, T + 1 - tlag[ei], ei))
        vv.append(1.0 - tr["loss"].to_numpy(dtype=float)[ei])
    bb.rows("terminal", pd.Index(cap.index[tpos], name="pair"), np.concatenate(rr), np.concatenate(cc),
            np.concatenate(vv), lower=(term * cap["initial"].to_numpy(dtype=float))[tpos])


def define_transfer_limits(bb: BlockBuilder, lay: _Layout) -> None:
    """``transfer`` (e, t): ``M[e, t] - share · K[source, t] ≤ 0``."""
    de, T, P, E, per = lay.de, lay.T, lay.P, lay.E, lay.per
    share = de.transfers["share"].to_numpy(dtype=float)
    tE = np.repeat(per, E)
    eE = np.tile(np.arange(E), T)
    loc = np.arange(E * T)
    bb.rows("transfer", period_index(de.transfers.index, T), np.concatenate([loc, loc]),
            np.concatenate([lay.Mc + loc, _col(lay.Kc, P, tE, lay.src[eE])]),
            np.concatenate([np.ones(E * T), -share[eE]]), upper=0.0)


def _term_columns(de: DynamicEconomy, tm: Term, *, X: int, Y: int, S: int, Kc: int, Ic: int, Mc: int) -> tuple[np.ndarray, np.ndarray]:
    ec, T = de.base, de.periods
    periods = np.asarray(tm.periods if tm.periods is not None else range(1, T + 1), dtype=np.int64)
    if ((periods < 1) | (periods > T)).any():
        raise PlanningInputError(f"objective term '{tm.what}:{tm.id}' names a period outside 1..{T}")

    def pick(index: pd.Index, what: str) -> np.ndarray:
        if tm.id == "*":
            return np.arange(len(index))
        pos = index.get_indexer([tm.id])
        if pos[0] < 0:
            raise PlanningInputError(f"objective term names an unknown {what} '{tm.id}'")
        return pos

    def grid(start: int, width: int, idx: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        cols = (start + (periods[:, None] - 1) * width + idx[None, :]).ravel()
        vals = np.tile(np.ones(idx.size) if w is None else w, periods.size)
        return cols, vals

    if tm.what == "net_output":
        return grid(Y, ec.n_goods, pick(ec.goods.index, "good"))
    if tm.what == "activity":
        return grid(X, ec.n_processes, pick(ec.processes.index, "process"))
    if tm.what == "inventory":
        return grid(S, len(de.inventory), pick(de.inventory.index, "stored good"))
    if tm.what == "labour":
        k = pick(ec.labour_kinds, "labour kind")
        hours = np.asarray(ec.L[k].sum(axis=0)).ravel()
        nz = np.flatnonzero(hours)
        cols, _ = grid(X, ec.n_processes, nz)
        per = de.labour_factor()  # hours in period t are L / productivity[:, t]
        return cols, (hours[nz][None, :] * per[nz][:, periods - 1].T).ravel()
    cap = de.capital
    if tm.what == "capacity" and tm.id != "*" and tm.id not in cap.index:
        idx = np.flatnonzero(cap["process"].to_numpy() == tm.id)
        if idx.size == 0:
            raise PlanningInputError(f"objective term names '{tm.id}', which is neither a capital stock nor a process with one")
    else:
        idx = pick(cap.index, "capital stock")
    start = Ic if tm.what == "investment" else Kc
    return grid(start, len(cap), idx)
