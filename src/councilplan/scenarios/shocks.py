"""Shocks: declarative edits of a dynamic economy, and TOML scenario files.

Each shock is a small dataclass whose :meth:`apply` returns an edited copy of a
:class:`~councilplan.scenarios.dynamic.DynamicEconomy`:

=============  ====================================================================
type           effect
=============  ====================================================================
occupation     processes of ``region`` lose ``share`` (default all) of their
               capacity from period ``start``
evacuation     capital stocks of ``source`` may move to ``dest`` (at most ``share``
               of the stock per period, periods ``start..end``), arriving after
               ``lag`` periods less ``loss``, at a cost in goods and labour per unit
mobilisation   labour of ``kind`` falls by ``share`` (or by ``amount``, or to
               ``level``) in periods ``start..end``
destruction    capital stocks of ``region`` (or the listed ``stocks``) lose ``share``
               on entering period ``period``
imports        ``amount`` of ``good`` arrives per period in ``start..end`` (aid)
blockade       exogenous supply of ``goods`` stops, and the listed ``processes``
               (e.g. transport routes) are closed, in ``start..end``
=============  ====================================================================

A scenario file (TOML) names a base dynamic economy directory, the objective,
the shocks, the assumptions (ranges) and the published actual figures to compare
with; see ``docs/dynamic-format.md``.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.dynamic import DynamicEconomy, pair_label
from councilplan.scenarios.regions import in_region, pair_region, sector_of


def _span(de: DynamicEconomy, start: int, end: int | None) -> list[int]:
    last = de.periods if end is None else min(int(end), de.periods)
    if not 1 <= int(start) <= de.periods:
        raise PlanningInputError(f"shock period {start} is outside 1..{de.periods}")
    return list(range(int(start), last + 1))


@dataclass(frozen=True)
class Shock:
    type: ClassVar[str] = ""

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        raise NotImplementedError


@dataclass(frozen=True)
class Occupation(Shock):
    type: ClassVar[str] = "occupation"
    region: str
    start: int
    share: float = 1.0
    end: int | None = None
    #: a partial occupation also takes its share of the region's capital on entering ``start``;
    #: ``capture = false`` only holds that share of the region's capacity (a front moving back)
    capture: bool = True

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        if not 0 <= self.share <= 1:
            raise PlanningInputError(f"occupation of '{self.region}': share must be in [0, 1], not {self.share}")
        mask = in_region(de.base.processes, self.region)
        if not mask.any():
            raise PlanningInputError(f"occupation: no process is in region '{self.region}'")
        cap = de.capacity.copy()
        ps = _span(de, self.start, self.end)
        block = cap.loc[mask, ps].to_numpy(dtype=float)
        # finite capacities shrink by the share; all capacity goes when the whole region is taken
        cap.loc[mask, ps] = 0.0 if self.share >= 1 else np.where(np.isfinite(block), block * (1 - self.share), np.inf)
        out = de.replace(capacity=cap)
        if self.share < 1 and self.capture and len(de.capital):
            # a partial occupation takes that share of the region's capital stocks on entering `start`
            sel = pair_region(de.capital, de.base.processes, self.region)
            surv = de.survival.copy()
            surv.loc[sel, ps[0]] *= 1 - self.share
            out = out.replace(survival=surv)
        return out


@dataclass(frozen=True)
class Evacuation(Shock):
    type: ClassVar[str] = "evacuation"
    source: str
    dest: str
    start: int
    end: int | None = None
    lag: int = 1
    share: float = 1.0
    loss: float = 0.0
    costs: dict[str, float] = field(default_factory=dict)
    labour: dict[str, float] = field(default_factory=dict)
    sectors: tuple[str, ...] | None = None
    #: counted evacuation (optional): ``enterprises`` moved, each with ``plant_per_enterprise``
    #: units of capital stock, set the share; ``wagon_loads`` × ``transport_per_wagon`` units of
    #: ``transport_good``, spread over the plant moved, set its transport cost per unit
    enterprises: float | None = None
    plant_per_enterprise: float | None = None
    wagon_loads: float | None = None
    transport_per_wagon: float | None = None
    transport_good: str = "transport"

    def counted(self, de: DynamicEconomy, src: np.ndarray, ps: list[int]) -> tuple[float, dict[str, float], dict[str, float]]:
        """``share`` and ``costs`` derived from counts; also returns the derivation (for the report).

        plant moved ``P = enterprises · plant_per_enterprise``; the stock that can move is
        ``K = Σ initial · survival`` of the source stocks on entering ``start``; the share per
        period is ``min(1, P / (K · periods))``; transport per unit moved is
        ``wagon_loads · transport_per_wagon / P``.
        """
        if self.enterprises is None:
            return self.share, dict(self.costs), {}
        if self.plant_per_enterprise is None:
            raise PlanningInputError("evacuation: 'enterprises' needs 'plant_per_enterprise' (capital per enterprise)")
        cap = de.capital
        surv = de.survival.reindex(cap.index).fillna(1.0)[ps[0]].to_numpy(dtype=float)
        movable = float((cap["initial"].to_numpy(dtype=float) * surv)[src].sum())
        plant = float(self.enterprises) * float(self.plant_per_enterprise)
        share = min(1.0, plant / (movable * len(ps))) if movable > 0 else 0.0
        costs = dict(self.costs)
        derived = {"enterprises": float(self.enterprises), "plant_moved": plant, "movable_stock": movable,
                   "share": share}
        if self.wagon_loads is not None:
            if self.transport_per_wagon is None:
                raise PlanningInputError("evacuation: 'wagon_loads' needs 'transport_per_wagon'")
            per_unit = float(self.wagon_loads) * float(self.transport_per_wagon) / plant if plant > 0 else 0.0
            costs[self.transport_good] = costs.get(self.transport_good, 0.0) + per_unit
            derived |= {"wagon_loads": float(self.wagon_loads), "transport_per_unit": per_unit}
        return share, costs, derived

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        procs = de.base.processes
        cap = de.capital
        src = np.flatnonzero(pair_region(cap, procs, self.source))
        if self.sectors is not None:
            src = np.array([i for i in src if sector_of(cap["process"].iloc[i]) in self.sectors], dtype=np.int64)
        if src.size == 0:
            raise PlanningInputError(f"evacuation: no capital stock is held in region '{self.source}'")
        ps = _span(de, self.start, self.end)
        share, cost_of, derived = self.counted(de, src, ps)
        new_cap = cap.copy()
        rows, costs = [], []
        for i in src:
            p, g = cap["process"].iloc[i], cap["good"].iloc[i]
            dest_proc = f"{sector_of(p)}@{self.dest}"
            if dest_proc not in procs.index:
                raise PlanningInputError(f"evacuation: '{p}' has no counterpart '{dest_proc}' in region '{self.dest}'")
            dest_pair = pair_label(dest_proc, g)
            if dest_pair not in new_cap.index:
                row = cap.iloc[i].copy()
                row["process"], row["initial"], row["terminal"] = dest_proc, 0.0, 0.0
                new_cap.loc[dest_pair] = row
            tid = f"evacuate:{cap.index[i]}>{self.dest}"
            rows.append({"transfer": tid, "source": cap.index[i], "dest": dest_pair, "lag": float(self.lag),
                         "loss": self.loss, "share": share, "first": float(ps[0]), "last": float(ps[-1])})
            costs += [{"transfer": tid, "kind": "good", "id": k, "amount": float(v)} for k, v in cost_of.items()]
            costs += [{"transfer": tid, "kind": "labour", "id": k, "amount": float(v)} for k, v in self.labour.items()]
        out = de.with_capital(new_cap)
        tr = pd.DataFrame(rows).set_index("transfer")
        transfers = pd.concat([de.transfers, tr[list(de.transfers.columns)]]) if len(de.transfers) else tr[
            ["source", "dest", "lag", "loss", "share", "first", "last"]]
        tc = pd.DataFrame(costs, columns=["transfer", "kind", "id", "amount"])
        if derived:
            out = out.replace(meta=out.meta | {"evacuation": [*out.meta.get("evacuation", []), derived]})
        return out.replace(transfers=transfers, transfer_costs=pd.concat([de.transfer_costs, tc], ignore_index=True)
                           if len(de.transfer_costs) else tc)


@dataclass(frozen=True)
class Mobilisation(Shock):
    type: ClassVar[str] = "mobilisation"
    kind: str
    start: int
    end: int | None = None
    share: float | None = None
    amount: float | None = None
    level: float | None = None

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        if self.kind not in de.labour.index:
            raise PlanningInputError(f"mobilisation: unknown labour kind '{self.kind}'")
        if sum(v is not None for v in (self.share, self.amount, self.level)) != 1:
            raise PlanningInputError("mobilisation: give exactly one of share, amount or level")
        lab = de.labour.copy()
        ps = _span(de, self.start, self.end)
        now = lab.loc[self.kind, ps].to_numpy(dtype=float)
        if self.share is not None:
            new = now * (1 - self.share)
        elif self.amount is not None:
            new = np.maximum(now - self.amount, 0.0)
        else:
            new = np.full(len(ps), float(self.level))  # type: ignore[arg-type]
        lab.loc[self.kind, ps] = new
        return de.replace(labour=lab)


@dataclass(frozen=True)
class Destruction(Shock):
    type: ClassVar[str] = "destruction"
    period: int
    share: float
    region: str | None = None
    stocks: tuple[str, ...] | None = None

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        if self.stocks is not None:
            sel = np.array([any(fnmatch.fnmatch(p, pat) for pat in self.stocks) for p in de.capital.index], dtype=bool)
        elif self.region is not None:
            sel = pair_region(de.capital, de.base.processes, self.region)
        else:
            raise PlanningInputError("destruction: give a region or a list of stocks")
        _span(de, self.period, self.period)
        surv = de.survival.copy()
        surv.loc[sel, int(self.period)] *= 1 - self.share
        return de.replace(survival=surv)


@dataclass(frozen=True)
class Imports(Shock):
    type: ClassVar[str] = "imports"
    good: str
    amount: float
    start: int
    end: int | None = None

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        if self.good not in de.supply.index:
            raise PlanningInputError(f"imports: unknown good '{self.good}'")
        sup = de.supply.copy()
        sup.loc[self.good, _span(de, self.start, self.end)] += self.amount
        return de.replace(supply=sup)


@dataclass(frozen=True)
class Blockade(Shock):
    type: ClassVar[str] = "blockade"
    start: int
    end: int | None = None
    goods: tuple[str, ...] = ("*",)
    processes: tuple[str, ...] = ()

    def apply(self, de: DynamicEconomy) -> DynamicEconomy:
        ps = _span(de, self.start, self.end)
        sup = de.supply.copy()
        gsel = np.array([any(fnmatch.fnmatch(g, pat) for pat in self.goods) for g in sup.index], dtype=bool)
        sup.loc[gsel, ps] = 0.0
        cap = de.capacity.copy()
        psel = np.array([any(fnmatch.fnmatch(p, pat) for pat in self.processes) for p in cap.index], dtype=bool)
        cap.loc[psel, ps] = 0.0
        return de.replace(supply=sup, capacity=cap)


SHOCKS: dict[str, type[Shock]] = {c.type: c for c in (Occupation, Evacuation, Mobilisation, Destruction, Imports, Blockade)}


def make_shock(spec: dict[str, Any]) -> Shock:
    """A shock from a TOML table (``type = "occupation"`` and its fields)."""
    spec = dict(spec)
    kind = str(spec.pop("type", ""))
    cls = SHOCKS.get(kind)
    if cls is None:
        raise PlanningInputError(f"unknown shock type '{kind}'; choose one of {', '.join(SHOCKS)}")
    names = {f.name for f in fields(cls)}
    unknown = set(spec) - names - {"note", "source"}
    if unknown:
        raise PlanningInputError(f"{kind} shock: unknown field(s) {', '.join(sorted(unknown))}; "
                                 f"allowed: {', '.join(sorted(names))}")
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k in names}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise PlanningInputError(f"{kind} shock: {exc}") from None


# ------------------------------------------------------------------- scenario
@dataclass(frozen=True)
class Assumption:
    """A coefficient that is not published: a range, a central value and where it applies."""

    name: str
    low: float
    central: float
    high: float
    applies: tuple[str, ...] = ()
    note: str = ""
    #: a count (a lag in periods): joint sweeps round it to an integer
    integer: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    base: Path
    objective: dict[str, Any]
    shocks: tuple[dict[str, Any], ...]
    assumptions: tuple[Assumption, ...] = ()
    actual: pd.DataFrame = field(default_factory=pd.DataFrame)
    path: Path | None = None

    def values(self, **overrides: float) -> dict[str, float]:
        out = {a.name: a.central for a in self.assumptions}
        unknown = set(overrides) - set(out)
        if unknown:
            raise PlanningInputError(f"unknown assumption(s) {', '.join(sorted(unknown))}")
        return out | overrides

    def economy(self, **overrides: float) -> DynamicEconomy:
        """The base economy with assumptions set and every shock applied, in file order."""
        from councilplan.scenarios.dynamic_format import read_dynamic

        vals = self.values(**overrides)
        de = read_dynamic(self.base)
        for a in self.assumptions:
            for loc in a.applies:
                de = set_value(de, loc, vals[a.name])
        for spec in self.shocks:
            de = make_shock(_resolve(spec, vals)).apply(de)
        return de


def _resolve(obj: Any, vals: dict[str, float]) -> Any:
    """Replace ``"$name"`` (or ``"$name*2.5"``) by the assumption's value."""
    if isinstance(obj, dict):
        return {k: _resolve(v, vals) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve(v, vals) for v in obj]
    if isinstance(obj, str) and obj.startswith("$"):
        name, _, factor = obj[1:].partition("*")
        if name not in vals:
            raise PlanningInputError(f"'{obj}' names no assumption; define [assumptions.{name}]")
        return vals[name] * (float(factor) if factor else 1.0)
    return obj


def set_value(de: DynamicEconomy, location: str, value: float) -> DynamicEconomy:
    """Set (or, with a leading ``*``, multiply) the coefficients at ``location``.

    Locations (ids may be shell patterns): ``input:PROCESS:GOOD``,
    ``labour:PROCESS``, ``capital:STOCK:COLUMN``, ``schedule:KIND:ID[:PERIOD]``
    with KIND one of labour, resource, capacity, target, floor, supply;
    ``floor_share:GOOD[:PERIODS]`` (floor = value × target); ``transfer:ID:COLUMN``; ``total:GOOD``;
    ``capital_share:STOCK_A:STOCK_B`` (A gets ``value`` of the two stocks' combined initial capital,
    B the rest: e.g. a region's share of a sector's plant).
    """
    mul = location.startswith("*")
    parts = location.lstrip("*").split(":")
    ec = de.base

    def match(index: pd.Index, pat: str) -> np.ndarray:
        m = np.array([fnmatch.fnmatch(str(v), pat) for v in index], dtype=bool)
        if not m.any():
            raise PlanningInputError(f"assumption location '{location}': '{pat}' matches nothing")
        return m

    def put(M: Any, r: np.ndarray, c: np.ndarray) -> Any:
        M = M.tolil(copy=True)
        for i in np.flatnonzero(r):
            for j in np.flatnonzero(c):
                M[i, j] = M[i, j] * value if mul else value
        return M.tocsr()

    kind = parts[0]
    if kind == "input" and len(parts) == 3:
        A = put(ec.A, match(ec.goods.index, parts[2]), match(ec.processes.index, parts[1]))
        return de.replace(base=ec.replace(A=A))
    if kind == "labour" and len(parts) == 2:
        L = put(ec.L, np.arange(len(ec.labour_kinds)) == 0, match(ec.processes.index, parts[1]))
        return de.replace(base=ec.replace(L=L))
    if kind == "capital" and len(parts) == 3:
        cap = de.capital.copy()
        sel = match(cap.index, parts[1])
        cap.loc[sel, parts[2]] = cap.loc[sel, parts[2]] * value if mul else value
        return de.with_capital(cap)
    if kind == "schedule" and len(parts) in (3, 4):
        from councilplan.scenarios.dynamic_format import SCHEDULE_KINDS

        attr = SCHEDULE_KINDS.get(parts[1])
        if attr is None:
            raise PlanningInputError(f"assumption location '{location}': unknown schedule kind '{parts[1]}'")
        frame = getattr(de, attr).copy()
        rows = match(frame.index, parts[2])
        cols = list(frame.columns) if len(parts) == 3 else [int(p) for p in parts[3].split(",")]
        frame.loc[rows, cols] = frame.loc[rows, cols] * value if mul else value
        return de.replace(**{attr: frame})
    if kind == "capital_share" and len(parts) == 3:
        # stocks A and B share their combined initial capital: A gets `value` of it, B the rest
        # (with a leading *, A's present share is multiplied by `value`, capped at 1)
        cap = de.capital.copy()
        a, b = match(cap.index, parts[1]), match(cap.index, parts[2])
        if a.sum() != 1 or b.sum() != 1 or (a & b).any():
            raise PlanningInputError(f"assumption location '{location}': name two different stocks, one each")
        ia, ib = int(np.flatnonzero(a)[0]), int(np.flatnonzero(b)[0])
        total = float(cap["initial"].iloc[ia] + cap["initial"].iloc[ib])
        share = min(float(cap["initial"].iloc[ia]) / total * value, 1.0) if mul and total > 0 else value
        if not 0 <= share <= 1:
            raise PlanningInputError(f"assumption location '{location}': a share must be in [0, 1], not {share}")
        cap.iloc[ia, cap.columns.get_loc("initial")] = share * total
        cap.iloc[ib, cap.columns.get_loc("initial")] = (1 - share) * total
        return de.with_capital(cap)
    if kind == "transfer" and len(parts) >= 3:
        tr = de.transfers.copy()
        sel = match(tr.index, ":".join(parts[1:-1]))
        tr.loc[sel, parts[-1]] = tr.loc[sel, parts[-1]] * value if mul else value
        return de.replace(transfers=tr)
    if kind == "floor_share" and len(parts) in (2, 3):
        # floor = value × target (value multiplies the floor instead with a leading *)
        rows = match(de.target.index, parts[1])
        cols = list(de.floor.columns) if len(parts) == 2 else [int(p) for p in parts[2].split(",")]
        fl = de.floor.copy()
        fl.loc[rows, cols] = fl.loc[rows, cols] * value if mul else de.target.loc[rows, cols] * value
        return de.replace(floor=fl)
    if kind == "total" and len(parts) == 2:
        tot = de.totals.copy()
        sel = match(pd.Index(tot["good"]), parts[1])
        tot.loc[sel, "amount"] = tot.loc[sel, "amount"] * value if mul else value
        return de.replace(totals=tot)
    raise PlanningInputError(f"cannot read assumption location '{location}'; write input:P:G, labour:P, total:GOOD, "
                             "floor_share:GOOD[:PERIODS], capital:STOCK:COLUMN, capital_share:STOCK_A:STOCK_B or "
                             "schedule:KIND:ID[:PERIOD]")


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(2, "scenario file not found", str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PlanningInputError(f"{p}: invalid TOML ({exc})") from None
    base_dir = p.parent
    if "extends" in data:  # a variant: the parent's tables, with this file's keys on top
        parent_path = (p.parent / str(data["extends"])).resolve()
        parent = tomllib.loads(parent_path.read_text(encoding="utf-8"))
        if "base" not in data:
            base_dir = parent_path.parent
        assumptions_ = parent.get("assumptions", {}) | data.get("assumptions", {})
        data = parent | {k: v for k, v in data.items() if k != "extends"} | {"assumptions": assumptions_}
    if "base" not in data:
        raise PlanningInputError(f"{p}: needs a line base = \"<dynamic economy directory>\"")
    assumptions = []
    for name, a in data.get("assumptions", {}).items():
        try:
            lo, mid, hi = float(a["low"]), float(a.get("central", (a["low"] + a["high"]) / 2)), float(a["high"])
        except (KeyError, TypeError):
            raise PlanningInputError(f"{p}: assumption '{name}' needs low and high (and may give central)") from None
        if not lo <= mid <= hi:
            raise PlanningInputError(f"{p}: assumption '{name}' needs low ≤ central ≤ high")
        assumptions.append(Assumption(name, lo, mid, hi, tuple(a.get("applies", ())), str(a.get("note", "")),
                                      bool(a.get("integer", False))))
    for spec in data.get("shock", []):
        make_shock(_resolve(spec, {a.name: a.central for a in assumptions}))  # validate early
    return Scenario(
        name=str(data.get("name", p.stem)), description=str(data.get("description", "")),
        base=(base_dir / str(data["base"])).resolve(), objective=dict(data.get("objective", {"kind": "sum-ray"})),
        shocks=tuple(data.get("shock", [])), assumptions=tuple(assumptions),
        actual=pd.DataFrame(data.get("actual", [])), path=p,
    )
