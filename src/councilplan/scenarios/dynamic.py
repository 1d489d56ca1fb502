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

:func:`councilplan.scenarios.dynamic_problem.build_dynamic_problem` turns it and a
:class:`DynamicObjective` into ONE :class:`~councilplan.solvers.base.LinearProgram` whose blocks
are labelled by ``(id, period)``; see ``docs/dynamic-format.md`` for the equations.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError, Issue
from councilplan.planning.problem import PlanningInputError

CAPITAL_COLUMNS = ("process", "good", "per_unit", "initial", "depreciation", "gestation", "terminal")
TRANSFER_COLUMNS = ("source", "dest", "lag", "loss", "share", "first", "last")
OBJECTIVE_KINDS = ("ray", "sum-ray", "harmony", "linear")
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
    #: labour productivity (process × period, 1 = the labour coefficients as written): in period t
    #: process j needs ``L[:, j] / productivity[j, t]`` hours; empty means 1 everywhere
    productivity: pd.DataFrame = field(default_factory=pd.DataFrame)

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
            productivity=_per_period(pd.Series(1.0, index=economy.processes.index, dtype=float), T),
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

    def labour_factor(self) -> np.ndarray:
        """``1 / productivity`` as an ``(n, T)`` array (ones where no productivity is given)."""
        n, T = self.base.n_processes, self.periods
        if self.productivity.empty:
            return np.ones((n, T))
        prod = self.productivity.reindex(index=self.base.processes.index, columns=_periods(T)).fillna(1.0)
        return 1.0 / prod.to_numpy(dtype=float)

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
                     "supply", "survival", "transfers", "transfer_costs", "totals", "productivity"):
            if name == "productivity" and (self.productivity.empty or (self.productivity == 1.0).all().all()):
                continue  # the default (1 everywhere) hashes as before it existed
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
        if not self.productivity.empty:
            v = self.productivity.to_numpy(dtype=float)
            bad = ~(np.isfinite(v) & (v > 0))
            for i, t in zip(*np.nonzero(bad), strict=True):
                issues.append(Issue("schedule.csv", f"productivity of '{self.productivity.index[i]}' in period "
                                    f"{self.productivity.columns[t]} is {v[i, t]}",
                                    "give a positive productivity (1 = the labour coefficient as written)",
                                    column="value"))
                if len(issues) > 20:
                    break
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
    ``harmony``
        ``max Σ_t w_t Σ_i h(y[i,t]/d[i,t] - 1)`` over every good and period with ``d > 0``: the
        static plan's harmony (:func:`councilplan.planning.objectives.harmony`, steep below target,
        flat beyond +50 %) in every period, so that every good's fulfilment counts, not only the
        scarcest one's as in a ray.
    ``linear``
        ``Σ terms`` only. Terms may also be added to ``ray``, ``sum-ray`` and ``harmony``.
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
