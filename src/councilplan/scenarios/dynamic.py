"""Multi-period plans: periods ``t = 1..T``, capital stocks, investment, inventories.

A :class:`DynamicEconomy` is a static :class:`~councilplan.model.economy.Economy`
(the technology ``A, B, L, R``) plus time:

* **production lags**: what process ``j`` makes at level ``x[j,t]`` is available
  in period ``t + lag_j``;
* **capital stocks** (``capital``): process ``j`` needs ``per_unit`` units of the
  stock of good ``s`` per unit level, so ``per_unit · x[j,t] ≤ K[j/s,t]``;
* **investment** ``I[j/s,t]`` uses good ``s`` in period ``t`` and adds to the stock
  ``gestation`` periods later; stocks **depreciate** at rate ``δ`` per period;
* **inventories** of storable goods carry over, losing ``loss`` per period;
* **transfers** (evacuations) move stock from one pair to another after a lag,
  at a cost in goods and labour;
* **terminal conditions**: capital left after ``T`` (a share of the initial stock)
  and inventories left at ``T``;
* per-period labour, resources, process capacities, targets, floors and
  exogenous supply (imports, aid, deliveries under way).

:func:`build_dynamic_problem` turns it and a :class:`DynamicObjective` into ONE
:class:`~councilplan.solvers.base.LinearProgram` whose blocks are labelled by
``(id, period)``; see ``docs/dynamic-format.md`` for the equations.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError, Issue
from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.lpblocks import BlockBuilder, period_index
from councilplan.solvers.base import LinearProgram

CAPITAL_COLUMNS = ("process", "good", "per_unit", "initial", "depreciation", "gestation", "terminal")
TRANSFER_COLUMNS = ("source", "dest", "lag", "loss", "share", "first", "last")
OBJECTIVE_KINDS = ("ray", "sum-ray", "linear")
TERM_KINDS = ("net_output", "activity", "labour", "stock", "capacity", "inventory", "investment")


def pair_label(process: str, good: str) -> str:
    """The id of a capital stock: ``process/good``."""
    return f"{process}/{good}"


def _periods(T: int) -> pd.Index:
    return pd.RangeIndex(1, T + 1, name="period")


def _per_period(values: pd.Series, T: int) -> pd.DataFrame:
    """Broadcast a Series to a DataFrame with one column per period."""
    arr = np.repeat(values.to_numpy(dtype=float)[:, None], T, axis=1)
    return pd.DataFrame(arr, index=values.index.copy(), columns=_periods(T))


def empty_capital() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object if c in ("process", "good") else float) for c in CAPITAL_COLUMNS})
    frame.index = pd.Index([], dtype=object, name="pair")
    return frame


def empty_transfers() -> tuple[pd.DataFrame, pd.DataFrame]:
    tr = pd.DataFrame({c: pd.Series(dtype=object if c in ("source", "dest") else float) for c in TRANSFER_COLUMNS})
    tr.index = pd.Index([], dtype=object, name="transfer")
    costs = pd.DataFrame({"transfer": pd.Series(dtype=object), "kind": pd.Series(dtype=object),
                          "id": pd.Series(dtype=object), "amount": pd.Series(dtype=float)})
    return tr, costs


@dataclass(frozen=True, eq=False)
class DynamicEconomy:
    """A static economy's technology over ``periods`` periods (see the module docstring).

    Per-period tables (``labour``, ``resources``, ``capacity``, ``target``,
    ``floor``, ``supply``, ``survival``) have one column per period ``1..T``;
    ``inf`` means unlimited. ``survival`` multiplies the capital stock carried
    into a period (1 = nothing destroyed).
    """

    base: Economy
    periods: int
    lag: pd.Series
    capital: pd.DataFrame
    inventory: pd.DataFrame
    labour: pd.DataFrame
    resources: pd.DataFrame
    capacity: pd.DataFrame
    target: pd.DataFrame
    floor: pd.DataFrame
    supply: pd.DataFrame
    survival: pd.DataFrame
    transfers: pd.DataFrame
    transfer_costs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    #: floors on net output summed over periods: columns ``good, first, last, amount``
    totals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"good": pd.Series(dtype=object), "first": pd.Series(dtype=np.int64), "last": pd.Series(dtype=np.int64),
         "amount": pd.Series(dtype=float)}))

    @classmethod
    def from_static(
        cls,
        economy: Economy,
        periods: int,
        *,
        capital: pd.DataFrame | None = None,
        lag: pd.Series | None = None,
        inventory: pd.DataFrame | None = None,
        meta: dict[str, Any] | None = None,
    ) -> DynamicEconomy:
        """Repeat ``economy``'s limits and targets in every period and add time's parts.

        ``capital`` has columns ``process, good, per_unit, initial`` (+
        ``depreciation`` 0, ``gestation`` 1, ``terminal`` 0); ``inventory`` is
        indexed by good with ``initial`` (+ ``loss`` 0, ``terminal`` 0).
        """
        if periods < 1:
            raise PlanningInputError("a dynamic plan needs at least one period")
        T = int(periods)
        cap = empty_capital() if capital is None else normalise_capital(capital)
        inv = pd.DataFrame({"initial": pd.Series(dtype=float), "loss": pd.Series(dtype=float),
                            "terminal": pd.Series(dtype=float)})
        if inventory is not None and len(inventory):
            inv = pd.DataFrame(index=pd.Index(inventory.index.astype(str), dtype=object, name="good"))
            for col, default in (("initial", 0.0), ("loss", 0.0), ("terminal", 0.0)):
                inv[col] = inventory[col].astype(float).to_numpy() if col in inventory else default
        lags = pd.Series(0, index=economy.processes.index, dtype=np.int64, name="lag")
        if lag is not None:
            lags.update(lag.astype(np.int64))
            lags = lags.astype(np.int64)
        tg = economy.targets
        tr, costs = empty_transfers()
        return cls(
            base=economy, periods=T, lag=lags, capital=cap, inventory=inv,
            labour=_per_period(economy.labour_available, T),
            resources=_per_period(economy.resource_available, T),
            capacity=_per_period(economy.capacity, T),
            target=_per_period(tg["amount"], T), floor=_per_period(tg["floor"], T),
            supply=_per_period(pd.Series(0.0, index=economy.goods.index), T),
            survival=_per_period(pd.Series(1.0, index=cap.index, dtype=float), T),
            transfers=tr, transfer_costs=costs, meta=dict(meta or economy.meta),
        )

    # ------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.base.name))

    @property
    def period_index(self) -> pd.Index:
        return _periods(self.periods)

    def replace(self, **changes: Any) -> DynamicEconomy:
        return replace(self, **changes)

    def with_capital(self, capital: pd.DataFrame) -> DynamicEconomy:
        """A copy with a new capital table (survival factors kept where pairs persist)."""
        cap = normalise_capital(capital)
        surv = self.survival.reindex(cap.index).fillna(1.0)
        return replace(self, capital=cap, survival=surv)

    def content_hash(self) -> str:
        """SHA-256 of everything a plan of this economy depends on: the static economy's
        :meth:`~councilplan.model.economy.Economy.content_hash`, the number of periods, and every
        per-period and capital table (labels, columns and values, whatever their file format)."""
        h = hashlib.sha256(self.base.content_hash().encode())
        h.update(str(int(self.periods)).encode() + b"\x1e")
        for name in ("lag", "capital", "inventory", "labour", "resources", "capacity", "target", "floor",
                     "supply", "survival", "transfers", "transfer_costs", "totals"):
            frame = getattr(self, name)
            frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
            h.update(name.encode() + b"\x1f" + "\x1f".join(map(str, frame.columns)).encode() + b"\x1e")
            h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        return h.hexdigest()

    def check(self) -> None:
        """Raise :class:`EconomyError` listing every inconsistency of the dynamic parts."""
        issues: list[Issue] = []
        procs, goods = self.base.processes.index, self.base.goods.index
        cap = self.capital
        for col, index, what in (("process", procs, "process"), ("good", goods, "good")):
            bad = index.get_indexer(cap[col].to_numpy(dtype=object)) < 0 if index.is_unique else ~cap[col].isin(index).to_numpy()
            for pair in cap.index[bad][:10]:
                issues.append(Issue("capital.csv", f"stock '{pair}' names an unknown {what} '{cap.at[pair, col]}'",
                                    f"define it in {what}s.csv or correct the spelling", column=col))
        for col, lo, hi in (("per_unit", 0.0, np.inf), ("initial", 0.0, np.inf), ("depreciation", 0.0, 1.0),
                            ("terminal", 0.0, np.inf)):
            v = cap[col].to_numpy(dtype=float)
            bad = ~np.isfinite(v) | (v < lo) | (v > hi)
            for pair in cap.index[bad][:10]:
                issues.append(Issue("capital.csv", f"stock '{pair}': {col} = {cap.at[pair, col]} is outside [{lo}, {hi}]",
                                    f"give {col} a number in [{lo}, {hi}]", column=col))
        g = cap["gestation"].to_numpy(dtype=float)
        for pair in cap.index[(g < 1) | (g != np.round(g))][:10]:
            issues.append(Issue("capital.csv", f"stock '{pair}': gestation must be a whole number ≥ 1",
                                "write the number of periods until investment becomes capacity (1 = next period)",
                                column="gestation"))
        if (self.lag < 0).any():
            issues.append(Issue("lags.csv", "a production lag is negative", "write lags as whole periods ≥ 0", column="lag"))
        bad_inv = ~self.inventory.index.isin(goods)
        for gid in self.inventory.index[bad_inv][:10]:
            issues.append(Issue("inventories.csv", f"unknown good '{gid}'", "define it in goods.csv", column="good"))
        tr = self.transfers
        for col in ("source", "dest"):
            bad_tr = ~tr[col].isin(cap.index).to_numpy()
            for t_id, stock in zip(tr.index[bad_tr][:10], tr[col][bad_tr][:10], strict=True):
                issues.append(Issue("transfers", f"transfer '{t_id}' names an unknown stock '{stock}'",
                                    "name a capital stock as process/good from capital.csv", column=col))
        short = (tr["lag"] < 1).to_numpy()
        for t_id, lag_ in zip(tr.index[short][:10], tr["lag"][short][:10], strict=True):
            issues.append(Issue("transfers", f"transfer '{t_id}' has lag {lag_}", "give a lag ≥ 1 period", column="lag"))
        if issues:
            raise EconomyError(issues, source=self.name)


def normalise_capital(capital: pd.DataFrame) -> pd.DataFrame:
    """Fill the defaults of a capital table and index it by ``process/good``."""
    frame = capital.reset_index(drop=True) if "process" in capital.columns else capital.reset_index()
    out = pd.DataFrame({"process": frame["process"].astype(str).to_numpy(), "good": frame["good"].astype(str).to_numpy()})
    for col, default in (("per_unit", None), ("initial", None), ("depreciation", 0.0), ("gestation", 1.0), ("terminal", 0.0)):
        if col in frame:
            out[col] = frame[col].astype(float).to_numpy()
        elif default is None:
            raise PlanningInputError(f"the capital table needs a '{col}' column")
        else:
            out[col] = default
    out.index = pd.Index((out["process"] + "/" + out["good"]).to_numpy(dtype=object), dtype=object, name="pair")
    return out


# ------------------------------------------------------------------ objective
@dataclass(frozen=True)
class Term:
    """One term of a linear objective: ``weight ·`` (a quantity of ``what``/``id`` in ``periods``).

    ``what`` is one of :data:`TERM_KINDS`; ``id`` ``"*"`` means every id;
    ``periods`` ``None`` means every period. ``labour`` counts hours used;
    ``capacity`` is an alias of ``stock`` whose ``id`` may also be a process
    (all its stocks).
    """

    what: str
    id: str = "*"
    periods: tuple[int, ...] | None = None
    weight: float = 1.0

    @classmethod
    def parse(cls, text: str) -> Term:
        """Parse ``what[:id][@p|@a-b|@p,q][*weight]``, e.g. ``net_output:tanks@2-3*0.5``."""
        m = re.fullmatch(r"\s*(\w+)(?::([^@*]+))?(?:@([\d,\-]+))?(?:\*([-+0-9.eE]+))?\s*", text)
        if m is None or m.group(1) not in TERM_KINDS:
            raise PlanningInputError(f"cannot read objective term '{text}'; write what[:id][@periods][*weight] "
                                     f"with what one of {', '.join(TERM_KINDS)}, e.g. net_output:tanks@2-3*0.5")
        periods: tuple[int, ...] | None = None
        if m.group(3):
            ps: list[int] = []
            for part in m.group(3).split(","):
                a, _, b = part.partition("-")
                ps.extend(range(int(a), int(b or a) + 1))
            periods = tuple(ps)
        return cls(m.group(1), (m.group(2) or "*").strip(), periods, float(m.group(4) or 1.0))


@dataclass(frozen=True)
class DynamicObjective:
    """What a dynamic plan maximises (or, for ``linear`` with ``sense="min"``, minimises).

    ``ray``
        one scale ``s`` for all periods: ``max s`` with ``y[t] ≥ s·d[t]`` for every ``t``.
    ``sum-ray``
        one scale per period: ``max Σ_t w_t s_t`` with ``y[t] ≥ s_t·d[t]`` (Cockshott's
        five-year plan objective with ``w = 1``).
    ``linear``
        ``Σ terms`` only. Terms may also be added to ``ray`` and ``sum-ray``.
    """

    kind: str = "sum-ray"
    period_weights: tuple[float, ...] | None = None
    terms: tuple[Term, ...] = ()
    sense: str = "max"

    @classmethod
    def of(cls, spec: str | DynamicObjective | dict[str, Any]) -> DynamicObjective:
        if isinstance(spec, DynamicObjective):
            return spec
        if isinstance(spec, str):
            spec = {"kind": spec}
        kind = str(spec.get("kind", "sum-ray"))
        if kind not in OBJECTIVE_KINDS:
            raise PlanningInputError(f"unknown dynamic objective '{kind}'; choose one of {', '.join(OBJECTIVE_KINDS)}")
        terms = tuple(t if isinstance(t, Term) else Term.parse(str(t)) for t in spec.get("terms", ()))
        w = spec.get("period_weights")
        sense = str(spec.get("sense", "max"))
        if sense not in ("max", "min"):
            raise PlanningInputError(f"objective sense must be max or min, not '{sense}'")
        if kind == "linear" and not terms:
            raise PlanningInputError("the linear objective needs terms, e.g. terms = [\"net_output:tanks*1\"]")
        return cls(kind, tuple(float(v) for v in w) if w is not None else None, terms, sense)


# -------------------------------------------------------------------- build
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
        bound = np.where(np.isnan(av[Mc.row[pos]]), np.inf, av[Mc.row[pos]]) / Mc.data[pos][:, None]
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


def build_dynamic_problem(de: DynamicEconomy, objective: str | DynamicObjective | dict[str, Any] = "sum-ray", *,
                          fix_slack: bool = False) -> LinearProgram:
    """ONE LP over all periods; blocks and their labels are listed in ``docs/dynamic-format.md``.

    ``fix_slack`` fixes the stocks of :func:`slack_stocks` at :func:`guaranteed_stock` with no
    investment (same optimum; the periods then split into independent blocks when nothing else
    links them).
    """
    obj = DynamicObjective.of(objective)
    ec, T = de.base, de.periods
    m, n = ec.n_goods, ec.n_processes
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
    maxsign = -1.0 if obj.sense == "max" else 1.0  # the LP minimises

    bb = BlockBuilder()
    X = bb.cols("process", period_index(procs, T), upper=de.capacity.to_numpy(dtype=float).T.ravel())
    floor = np.maximum(de.floor.to_numpy(dtype=float), 0.0)
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

    def col(start: int, width: int, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return start + (t - 1) * width + idx

    # scale columns
    d = de.target.to_numpy(dtype=float)  # (m, T)
    if obj.kind == "ray":
        Sc = bb.cols("scale", pd.Index(["s"], dtype=object), cost=-1.0)
    elif obj.kind == "sum-ray":
        w = np.ones(T) if obj.period_weights is None else np.asarray(obj.period_weights, dtype=float)
        if w.size != T:
            raise PlanningInputError(f"period_weights has {w.size} values for {T} periods")
        Sc = bb.cols("scale", pd.Index(per, name="period"), cost=-w)

    # ---- balance (good, t): B x[t-lag] - A x[t] - I[t] + (1-σ)S[t-1] - S[t] - y[t] - cost·M[t] ≥ -supply[t]
    R: list[np.ndarray] = []
    C: list[np.ndarray] = []
    V: list[np.ndarray] = []
    Bc, Ac = ec.B.tocoo(), ec.A.tocoo()
    lag = de.lag.reindex(procs).fillna(0).to_numpy(dtype=np.int64)
    tB, rB, cB, vB = _over_periods(Bc, T)  # B x[t] arrives in t + lag
    tt = tB + lag[cB]
    ok = tt <= T
    R.append((tt[ok] - 1) * m + rB[ok])
    C.append(col(X, n, tB[ok], cB[ok]))
    V.append(vB[ok])
    tA, rA, cA, vA = _over_periods(Ac, T)
    R.append((tA - 1) * m + rA)
    C.append(col(X, n, tA, cA))
    V.append(-vA)
    tP = np.repeat(per, P)
    pP = np.tile(np.arange(P), T)
    R.append((tP - 1) * m + pg[pP])
    C.append(col(Ic, P, tP, pP))
    V.append(-np.ones(P * T))
    tS = np.repeat(per, ms)
    qS = np.tile(np.arange(ms), T)
    R.append((tS - 1) * m + sg[qS])
    C.append(col(S, ms, tS, qS))
    V.append(-np.ones(ms * T))
    keep_loss = tS >= 2
    R.append(((tS - 1) * m + sg[qS])[keep_loss])
    C.append(col(S, ms, tS - 1, qS)[keep_loss])
    V.append((1.0 - inv["loss"].to_numpy(dtype=float))[qS][keep_loss])
    R.append(np.arange(m * T))
    C.append(Y + np.arange(m * T))
    V.append(-np.ones(m * T))
    cost_goods = de.transfer_costs[de.transfer_costs["kind"] == "good"]
    if E and len(cost_goods):
        ce = tr.index.get_indexer(cost_goods["transfer"])
        ci = goods.get_indexer(cost_goods["id"].astype(str))
        ca = cost_goods["amount"].to_numpy(dtype=float)
        tc_, k_ = np.repeat(per, ce.size), np.tile(np.arange(ce.size), T)
        R.append((tc_ - 1) * m + ci[k_])
        C.append(col(Mc, E, tc_, ce[k_]))
        V.append(-ca[k_])
    rhs = -de.supply.to_numpy(dtype=float)
    rhs[sg, 0] -= inv["initial"].to_numpy(dtype=float)
    bb.rows("balance", period_index(goods, T), np.concatenate(R), np.concatenate(C), np.concatenate(V),
            lower=rhs.T.ravel())

    # ---- floors (good, t) with floor > 0: y ≥ floor
    fmask = floor.T.ravel() > 0
    if fmask.any():
        fi = np.flatnonzero(fmask)
        bb.rows("floors", period_index(goods, T)[fi], np.arange(fi.size), Y + fi, np.ones(fi.size),
                lower=floor.T.ravel()[fi])

    # ---- totals: Σ_{t=first..last} y[good, t] ≥ amount (e.g. a year's output over its quarters)
    if len(de.totals):
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
        bb.rows("totals", labels, rows_, Y + (ts - 1) * m + gi[rows_], np.ones(rows_.size), lower=tot["amount"].to_numpy(dtype=float))

    # ---- targets (good, t) with d > 0: y - d·s ≥ 0   (block "goods", as in the static plan)
    if obj.kind in ("ray", "sum-ray"):
        dm = d.T.ravel() > 0
        have = (d > 0).any(axis=0)
        if obj.kind == "ray" and not have.any():
            raise PlanningInputError("the ray objective needs targets: give positive target amounts")
        if obj.kind == "sum-ray" and not have.all():
            missing = ", ".join(str(p) for p in per[~have])
            raise PlanningInputError(f"the sum-ray objective needs targets in every period; period(s) {missing} have none")
        di = np.flatnonzero(dm)
        ti = di // m + 1
        scol = np.full(di.size, Sc) if obj.kind == "ray" else Sc + ti - 1
        loc = np.arange(di.size)
        bb.rows("goods", period_index(goods, T)[di], np.concatenate([loc, loc]), np.concatenate([Y + di, scol]),
                np.concatenate([np.ones(di.size), -d.T.ravel()[di]]), lower=0.0)

    # ---- labour (kind, t) and resources (r, t): L x[t] (+ transfer labour) ≤ available
    lab_costs = de.transfer_costs[de.transfer_costs["kind"] == "labour"]
    for name, M_, avail_df, ids in (("labour", ec.L, de.labour, ec.labour_kinds),
                                    ("resources", ec.R, de.resources, ec.resources)):
        k = len(ids)
        if k == 0:
            continue
        tM, rM, cM, vM = _over_periods(M_.tocoo(), T)
        rr, cc, vv = [(tM - 1) * k + rM], [col(X, n, tM, cM)], [vM]
        if name == "labour" and E and len(lab_costs):
            ce = tr.index.get_indexer(lab_costs["transfer"])
            ck = ids.get_indexer(lab_costs["id"].astype(str))
            ok = ck >= 0
            ce, ck, ca = ce[ok], ck[ok], lab_costs["amount"].to_numpy(dtype=float)[ok]
            tl, kl = np.repeat(per, ce.size), np.tile(np.arange(ce.size), T)
            rr.append((tl - 1) * k + ck[kl])
            cc.append(col(Mc, E, tl, ce[kl]))
            vv.append(ca[kl])
        avail = avail_df.reindex(ids).to_numpy(dtype=float).T.ravel()
        mask = np.isfinite(avail)
        if mask.any():
            r2, c2, v2 = _keep(mask, np.concatenate(rr), np.concatenate(cc), np.concatenate(vv))
            bb.rows(name, period_index(ids, T)[mask], r2, c2, v2, upper=avail[mask])

    if P:
        # ---- capacity (pair, t): per_unit · x[j,t] - K[p,t] ≤ 0
        k_unit = cap["per_unit"].to_numpy(dtype=float)
        loc = np.arange(P * T)
        bb.rows("capacity", period_index(cap.index, T), np.concatenate([loc, loc]),
                np.concatenate([col(X, n, tP, pj[pP]), Kc + loc]), np.concatenate([k_unit[pP], -np.ones(P * T)]),
                upper=0.0)
        # ---- stock (pair, t): K[t] - σ_t(1-δ)(K[t-1] - M_out[t-1]) - I[t-g] - (1-loss) M_in[t-lag] ≤ σ_1 K0 [t = 1]
        keep_rate = 1.0 - cap["depreciation"].to_numpy(dtype=float)
        surv = de.survival.reindex(cap.index).fillna(1.0).to_numpy(dtype=float)  # (P, T)
        rr, cc, vv = [loc], [Kc + loc], [np.ones(P * T)]
        prev = tP >= 2
        rr.append(loc[prev])
        cc.append(col(Kc, P, tP[prev] - 1, pP[prev]))
        vv.append(-(surv[pP, tP - 1] * keep_rate[pP])[prev])
        src_t = tP - gest[pP]
        ok = src_t >= 1
        rr.append(loc[ok])
        cc.append(col(Ic, P, src_t[ok], pP[ok]))
        vv.append(-np.ones(ok.sum()))
        if E:
            loss = tr["loss"].to_numpy(dtype=float)
            tlag = tr["lag"].to_numpy(dtype=np.int64)
            tE, eE = np.repeat(per, E), np.tile(np.arange(E), T)
            out_ = tE >= 2  # leaves the source at the end of t - 1
            rr.append(((tE - 1) * P + src[eE])[out_])
            cc.append(col(Mc, E, tE - 1, eE)[out_])
            vv.append((surv[src[eE], tE - 1] * keep_rate[src[eE]])[out_])
            ta = tE - tlag[eE]
            in_ = ta >= 1  # arrives at the destination
            rr.append(((tE - 1) * P + dst[eE])[in_])
            cc.append(col(Mc, E, ta, eE)[in_])
            vv.append(-(1.0 - loss[eE])[in_])
        upper = np.zeros((P, T))
        upper[:, 0] = surv[:, 0] * cap["initial"].to_numpy(dtype=float)
        bb.rows("stock", period_index(cap.index, T), np.concatenate(rr), np.concatenate(cc), np.concatenate(vv),
                upper=upper.T.ravel())
        # ---- terminal (pair): (1-δ)(K[T] - M_out[T]) + I[T+1-g] + (1-loss)M_in[T+1-lag] ≥ τ K0
        tpos = np.flatnonzero(term > 0)
        if tpos.size:
            rowof = np.full(P, -1)
            rowof[tpos] = np.arange(tpos.size)
            rr, cc, vv = [np.arange(tpos.size)], [col(Kc, P, np.full(tpos.size, T), tpos)], [keep_rate[tpos]]
            ti = T + 1 - gest[tpos]
            ok = ti >= 1
            rr.append(np.flatnonzero(ok))
            cc.append(col(Ic, P, ti[ok], tpos[ok]))
            vv.append(np.ones(ok.sum()))
            if E:
                eo = np.flatnonzero(rowof[src] >= 0)  # stock leaving a pair with a terminal condition in T
                rr.append(rowof[src[eo]])
                cc.append(col(Mc, E, np.full(eo.size, T), eo))
                vv.append(-keep_rate[src[eo]])
                tlag = tr["lag"].to_numpy(dtype=np.int64)
                ei = np.flatnonzero((rowof[dst] >= 0) & (T + 1 - tlag >= 1))  # stock arriving after T
                rr.append(rowof[dst[ei]])
                cc.append(col(Mc, E, T + 1 - tlag[ei], ei))
                vv.append(1.0 - tr["loss"].to_numpy(dtype=float)[ei])
            bb.rows("terminal", pd.Index(cap.index[tpos], name="pair"), np.concatenate(rr), np.concatenate(cc),
                    np.concatenate(vv), lower=(term * cap["initial"].to_numpy(dtype=float))[tpos])
    if E:
        # ---- transfer (e, t): M[e,t] - share · K[source,t] ≤ 0
        share = tr["share"].to_numpy(dtype=float)
        tE = np.repeat(per, E)
        eE = np.tile(np.arange(E), T)
        loc = np.arange(E * T)
        bb.rows("transfer", period_index(tr.index, T), np.concatenate([loc, loc]),
                np.concatenate([Mc + loc, col(Kc, P, tE, src[eE])]), np.concatenate([np.ones(E * T), -share[eE]]),
                upper=0.0)

    # ---- linear terms
    for tm in obj.terms:
        cols, vals = _term_columns(de, tm, X=X, Y=Y, S=S, Kc=Kc, Ic=Ic, Mc=Mc)
        bb.add_cost(cols, maxsign * tm.weight * vals)
    sense = "max" if obj.kind in ("ray", "sum-ray") else obj.sense
    return bb.build(sense=sense)


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
        return grid(X, ec.n_processes, nz, hours[nz])
    cap = de.capital
    if tm.what == "capacity" and tm.id != "*" and tm.id not in cap.index:
        idx = np.flatnonzero(cap["process"].to_numpy() == tm.id)
        if idx.size == 0:
            raise PlanningInputError(f"objective term names '{tm.id}', which is neither a capital stock nor a process with one")
    else:
        idx = pick(cap.index, "capital stock")
    start = Ic if tm.what == "investment" else Kc
    return grid(start, len(cap), idx)
