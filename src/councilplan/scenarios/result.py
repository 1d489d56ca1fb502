"""Solve a dynamic plan and label its result by id and period.

>>> from councilplan.scenarios.dynamic import DynamicEconomy
>>> from councilplan import example
>>> de = DynamicEconomy.from_static(example("kantorovich"), 3)
>>> p = plan_dynamic(de, "sum-ray")
>>> p.status, round(p.objective, 6)
(<Status.OPTIMAL: 'optimal'>, 260.0)
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from councilplan.planning.explain import Explanation, explain_infeasible, explain_unbounded
from councilplan.planning.schema import DynamicSummaryDoc, dynamic_summary
from councilplan.planning.solve import hashed_options
from councilplan.scenarios.dynamic import DynamicEconomy, DynamicObjective
from councilplan.scenarios.dynamic_problem import build_dynamic_problem
from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.base import Block, Certificate, LinearProgram, Solver

#: Row blocks whose shadow prices are reported, and what they price.
PRICE_BLOCKS = {
    "balance": "good",        # one more unit of the good in period t
    "labour": "labour",       # one more hour of the kind in period t
    "resources": "resource",
    "capacity": "capacity",   # one more unit of a capital stock's capacity in t (its rent)
    "stock": "stock",         # one more unit of capital stock entering period t
    "terminal": "terminal",
    "transfer": "transfer",
    "floors": "floor",
    "totals": "total",
    "goods": "target",
}


@dataclass
class DynamicPlan:
    """A multi-period plan: every quantity as an (id × period) DataFrame."""

    status: Status
    objective_name: str
    solver: str
    objective: float | None
    activity: pd.DataFrame
    net_output: pd.DataFrame
    inventory: pd.DataFrame
    stock: pd.DataFrame
    investment: pd.DataFrame
    transfers: pd.DataFrame
    scale: pd.Series | None
    labour_used: pd.DataFrame
    prices: pd.DataFrame
    certificate: Certificate | None
    timings: dict[str, float]
    target: pd.DataFrame
    capacity_limit: pd.DataFrame
    iterations: int = 0
    explanation: Explanation | None = None
    message: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: SHA-256 of the exact inputs (:func:`dynamic_input_hash`), as a static plan's ``input_hash``
    input_hash: str = ""
    #: what the processes produced, ``B x_t`` (good × period): what output statistics count
    gross_output: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    def fulfilment(self) -> pd.DataFrame:
        """Net output / target, for goods with a target (NaN where the target is 0)."""
        d = self.target
        sel = d.index[(d > 0).any(axis=1)]
        return (self.net_output.loc[sel] / d.loc[sel].where(d.loc[sel] > 0)).rename_axis("good")

    def shadow_prices(self, kind: str = "good") -> pd.DataFrame:
        """Shadow prices of one kind as an (id × period) table."""
        sel = self.prices[self.prices["kind"] == kind]
        return sel.pivot_table(index="id", columns="period", values="shadow_price", aggfunc="sum", sort=False)

    def summary(self) -> DynamicSummaryDoc:
        """The ``plan.json`` content (:func:`councilplan.planning.schema.dynamic_summary`)."""
        return dynamic_summary(self)

    def write(self, directory: str | Path) -> Path:
        """Write ``plan.json`` and one long CSV per quantity (``id,period,value``)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        (d / "plan.json").write_text(json.dumps(self.summary(), indent=2, default=str) + "\n", encoding="utf-8")
        for name in ("activity", "net_output", "gross_output", "inventory", "stock", "investment", "transfers", "labour_used"):
            frame: pd.DataFrame = getattr(self, name)
            _long(frame, name).to_csv(d / f"{name}.csv", index=False, float_format="%.12g")
        self.prices.to_csv(d / "prices.csv", index=False, float_format="%.12g")
        return d


def _long(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    out = frame.rename_axis(index="id", columns="period").stack().rename(value).reset_index()
    return out


def _grid(v: np.ndarray | None, labels: pd.Index, T: int, name: str) -> pd.DataFrame:
    k = len(labels)
    arr = np.zeros((k, T)) if v is None else np.asarray(v, dtype=float).reshape(T, k).T
    return pd.DataFrame(arr, index=pd.Index(labels, name=name), columns=pd.RangeIndex(1, T + 1, name="period"))


def dynamic_prices(lp: LinearProgram, row_dual: np.ndarray) -> pd.DataFrame:
    """Shadow prices (≥ 0: the gain from relaxing a row by one unit) by kind, id and period."""
    frames = []
    for b in lp.row_blocks:
        kind = PRICE_BLOCKS.get(b.name)
        if kind is None or b.stop == b.start:
            continue
        lam = row_dual[b.slice]
        price = np.where(np.isfinite(lp.row_lower[b.slice]), lam, -lam)
        labels = b.labels
        if isinstance(labels, pd.MultiIndex):
            ids, periods = labels.get_level_values(0).astype(str), labels.get_level_values(1).to_numpy()
        else:
            ids, periods = labels.astype(str), np.zeros(len(labels), dtype=np.int64)
        frames.append(pd.DataFrame({"kind": kind, "id": ids, "period": periods, "shadow_price": price}))
    if not frames:
        return pd.DataFrame({"kind": pd.Series(dtype=str), "id": pd.Series(dtype=str),
                             "period": pd.Series(dtype=np.int64), "shadow_price": pd.Series(dtype=float)})
    out = pd.concat(frames, ignore_index=True)
    out["shadow_price"] = out["shadow_price"].where(out["shadow_price"].abs() > 1e-13, 0.0)
    return out


def capacity_limit(de: DynamicEconomy, stock: pd.DataFrame) -> pd.DataFrame:
    """Each process's capacity per period: ``min(capacity, min over its stocks K / per_unit)``."""
    cap = de.capacity.copy()
    if len(de.capital):
        per_unit = de.capital["per_unit"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(per_unit[:, None] > 0, stock.to_numpy() / per_unit[:, None], np.inf)
        by_proc = pd.DataFrame(ratio, index=de.capital["process"].to_numpy(), columns=cap.columns).groupby(level=0).min()
        cap.loc[by_proc.index] = np.minimum(cap.loc[by_proc.index].to_numpy(), by_proc.to_numpy())
    return cap


def dynamic_input_hash(de: DynamicEconomy, objective: DynamicObjective, solver: str, options: SolveOptions, *,
                       fix_slack: bool = False) -> str:
    """SHA-256 of a dynamic plan's exact inputs: ``sha256(de.content_hash() ‖ JSON of the objective,
    solver, tol, extra options and fix_slack)`` — the static contract of
    :func:`councilplan.planning.solve.input_hash` with the dynamic economy and objective."""
    h = hashlib.sha256(de.content_hash().encode())
    spec = {"kind": objective.kind, "period_weights": objective.period_weights, "sense": objective.sense,
            "terms": [str(t) for t in objective.terms]}
    h.update(json.dumps({"objective": spec, "solver": solver, **hashed_options(options), "fix_slack": fix_slack},
                        sort_keys=True).encode())
    return h.hexdigest()


def plan_dynamic(
    de: DynamicEconomy,
    objective: str | DynamicObjective | dict[str, Any] = "sum-ray",
    solver: str | Solver = "highs",
    options: SolveOptions | None = None,
    *,
    fix_slack: bool = False,
) -> DynamicPlan:
    """Build ONE LP over all periods, solve it, certify it, and label the result.

    Infeasible or unbounded plans are a status with an explanation, never an exception.
    ``fix_slack`` fixes capital that can never bind (same optimum; see
    :func:`~councilplan.scenarios.dynamic_problem.slack_stocks`), so that
    :class:`~councilplan.scenarios.blocks.BlockSolver` can split the periods.
    """
    obj = DynamicObjective.of(objective)
    opts = options or SolveOptions()
    backend = get_solver(solver) if isinstance(solver, str) else solver
    t0 = time.perf_counter()
    de.check()
    lp = build_dynamic_problem(de, obj, fix_slack=fix_slack)
    t_build = time.perf_counter() - t0
    res, cert, t_solve = backend.solve(lp, opts)
    timings = {"build": t_build, "solve": t_solve}
    T = de.periods
    x = res.x

    def part(name: str) -> np.ndarray | None:
        b = lp.col_block(name)
        return None if x is None or b is None else x[b.slice]

    explanation = None
    if res.status is Status.INFEASIBLE:
        t1 = time.perf_counter()
        # the elastic relaxation may also move multi-period floors ("totals")
        blocks = tuple(Block("floors", b.start, b.stop, b.labels) if b.name == "totals" else b for b in lp.row_blocks)
        explanation = explain_infeasible(replace(lp, row_blocks=blocks), backend, opts)
        timings["explain"] = time.perf_counter() - t1
    elif res.status is Status.UNBOUNDED:
        explanation = explain_unbounded(lp)
    ec = de.base
    activity = _grid(part("process"), ec.processes.index, T, "process")
    stock = _grid(part("stock"), de.capital.index, T, "pair")
    scale = None
    sb = lp.col_block("scale")
    if sb is not None and x is not None:
        s = x[sb.slice]
        scale = pd.Series(np.repeat(s, T) if s.size == 1 else s, index=pd.RangeIndex(1, T + 1, name="period"), name="scale")
    per = de.labour_factor()
    lab = (np.column_stack([ec.L @ (activity[t].to_numpy() * per[:, t - 1]) for t in activity.columns]) if T
           else np.zeros((0, 0)))
    gross_output = pd.DataFrame(ec.B @ activity.to_numpy() if T else np.zeros((len(ec.goods), 0)),
                                index=pd.Index(ec.goods.index, name="good"), columns=activity.columns)
    labour_used = pd.DataFrame(lab, index=ec.labour_kinds, columns=activity.columns)
    transfers = _grid(part("transfer"), de.transfers.index, T, "transfer")
    tc = de.transfer_costs[de.transfer_costs["kind"] == "labour"]
    for row in tc.itertuples():  # hours spent moving capital count as labour used
        if row.id in labour_used.index:
            labour_used.loc[row.id] += row.amount * transfers.loc[row.transfer].to_numpy()
    prices = (dynamic_prices(lp, res.row_dual) if res.row_dual is not None and x is not None
              else dynamic_prices(lp, np.zeros(lp.shape[0])).iloc[0:0])
    ok = res.status is Status.OPTIMAL and cert is not None
    timings["total"] = time.perf_counter() - t0
    return DynamicPlan(
        status=res.status, objective_name=obj.kind, solver=backend.name,
        objective=cert.primal_objective if ok and cert is not None else None,
        activity=activity, net_output=_grid(part("net_output"), ec.goods.index, T, "good"),
        inventory=_grid(part("inventory"), de.inventory.index, T, "good"), stock=stock,
        investment=_grid(part("investment"), de.capital.index, T, "pair"),
        transfers=transfers, scale=scale,
        labour_used=labour_used, prices=prices, certificate=cert, timings=timings, target=de.target.copy(),
        capacity_limit=capacity_limit(de, stock), iterations=res.iterations, explanation=explanation,
        message=explanation.text if explanation else res.message,
        meta={"name": de.name, "periods": T, "period_names": list(de.meta.get("period_names", [])),
              "period_label": str(de.meta.get("period_label", "period"))}
        | ({"evacuation": de.meta["evacuation"]} if "evacuation" in de.meta else {}),
        input_hash=dynamic_input_hash(de, obj, backend.name, opts, fix_slack=fix_slack),
        gross_output=gross_output,
    )
