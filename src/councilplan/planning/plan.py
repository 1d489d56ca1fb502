"""The :class:`Plan`: what every backend's solve becomes, labelled at the edges.

A plan holds the status, activity levels ``x`` and net output ``y = (B - A) x``,
shadow prices of goods, labour kinds, resources and capacities (each ≥ 0: the
gain of the objective from one more unit), the objective, the certificate
(primal and dual residuals and duality gap, computed from the data), timings and,
when the goals cannot be met, the :class:`~councilplan.planning.explain.Explanation`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from councilplan.planning.schema import PlanSummaryDoc, plan_summary
from councilplan.solvers.base import Certificate, LinearProgram, Status

if TYPE_CHECKING:
    from councilplan.planning.explain import Explanation

PRICE_KINDS = ("good", "labour", "resource", "capacity")


@dataclass
class Plan:
    """A production plan and its valuation. See the module docstring."""

    status: Status
    objective_name: str
    solver: str
    objective: float | None
    activity: pd.Series
    net_output: pd.Series
    targets: pd.DataFrame
    prices: pd.DataFrame
    certificate: Certificate | None
    timings: dict[str, float]
    iterations: int = 0
    scale: float | None = None
    explanation: Explanation | None = None
    input_hash: str = ""
    #: the tolerance and extra options the input hash covers (what a bundle records)
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    #: computes the labour values on first use of :attr:`labour_values` (they may need
    #: a second LP, so plans that never report costs in hours never pay for them)
    values_source: Callable[[], pd.DataFrame | None] | None = field(default=None, repr=False)
    _labour_values: pd.DataFrame | None = field(default=None, repr=False)
    #: the backend's raw arrays (``x``, ``row_dual``) and warm-start state (``basis``)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: a ray plan from an inexact backend: ``(L, U)`` with ``L = scale ≤ s* ≤ U``
    #: (:mod:`councilplan.planning.bracket`); ``None`` for exact backends and other objectives
    bounds: tuple[float, float] | None = None

    @property
    def labour_values(self) -> pd.DataFrame | None:
        """Hours by labour kind and ``total`` per unit of each good (computed on first use)."""
        if self._labour_values is None and self.values_source is not None:
            t0 = time.perf_counter()
            self._labour_values = self.values_source()
            self.timings["values"] = time.perf_counter() - t0
        return self._labour_values

    @labour_values.setter
    def labour_values(self, values: pd.DataFrame | None) -> None:
        self._labour_values = values

    @property
    def optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    # ----------------------------------------------------------- derived views
    def shadow_prices(self, kind: str = "good") -> pd.Series:
        """Shadow prices of one kind (``good``, ``labour``, ``resource``, ``capacity``) by id."""
        sel = self.prices[self.prices["kind"] == kind]
        return pd.Series(sel["shadow_price"].to_numpy(), index=pd.Index(sel["id"].to_numpy(), dtype=object),
                         name=f"{kind}_price")

    def fulfilment(self) -> pd.DataFrame:
        """Per good: net output, target, floor and fulfilment ``y / target`` (NaN without target)."""
        t = self.targets
        out = pd.DataFrame({"amount": self.net_output, "target": t["amount"], "floor": t["floor"]})
        out["fulfilment"] = np.where(t["amount"] > 0, out["amount"] / t["amount"].where(t["amount"] > 0), np.nan)
        out.index.name = "good"
        return out

    def binding(self, tol: float = 1e-9) -> pd.DataFrame:
        """The constraints with a non-zero shadow price: what limits the plan."""
        p = self.prices
        return p[p["shadow_price"].abs() > tol].sort_values("shadow_price", ascending=False).reset_index(drop=True)

    def target_costs(self) -> pd.DataFrame:
        """What each target costs: labour hours (values × amount) and its value at shadow prices."""
        t = self.targets
        sel = t.index[t["amount"] > 0]
        price = self.shadow_prices("good").reindex(sel).fillna(0.0)
        out = pd.DataFrame({"target": t.loc[sel, "amount"], "net_output": self.net_output.reindex(sel),
                            "shadow_price": price, "shadow_cost": price * t.loc[sel, "amount"]})
        if self.labour_values is not None:
            lv = self.labour_values.reindex(sel)
            out["hours_per_unit"] = lv["total"]
            out["labour_hours"] = lv["total"] * t.loc[sel, "amount"]
        out.index.name = "good"
        return out

    def summary(self) -> PlanSummaryDoc:
        """The ``plan.json`` content (:func:`councilplan.planning.schema.plan_summary`)."""
        return plan_summary(self)

    # ------------------------------------------------------------------ write
    def write(self, directory: str | Path) -> Path:
        """Write the plan directory of ARCHITECTURE section 8 (``plan.json`` last, so that its timings
        include the labour values computed for ``labour_values.csv``)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.activity.rename("level").rename_axis("process").reset_index().to_csv(d / "activity.csv", index=False, float_format="%.12g")
        f = self.fulfilment()
        f[["amount", "target", "fulfilment"]].reset_index().to_csv(d / "net_output.csv", index=False, float_format="%.12g")
        self.prices.to_csv(d / "prices.csv", index=False, float_format="%.12g")
        if self.labour_values is not None:
            lv = self.labour_values.rename(columns={"total": "hours"})
            lv.rename_axis("good").reset_index().to_csv(d / "labour_values.csv", index=False, float_format="%.12g")
        if self.explanation is not None:
            self.explanation.changes.to_csv(d / "explanation.csv", index=False, float_format="%.12g")
        (d / "plan.json").write_text(json.dumps(self.summary(), indent=2, allow_nan=False) + "\n")
        return d


def assemble_prices(lp: LinearProgram, x: np.ndarray, row_dual: np.ndarray) -> pd.DataFrame:
    """Shadow prices ≥ 0 by kind and id from the minimisation duals (see solvers.base)."""
    frames = []
    goods_price: pd.Series | None = None
    for block in lp.row_blocks:
        lam = row_dual[block.slice]
        if block.name in ("goods", "floors"):
            s = pd.Series(lam, index=block.labels)
            goods_price = s if goods_price is None else goods_price.add(s, fill_value=0.0)
        elif block.name in ("labour", "resources"):
            kind = "labour" if block.name == "labour" else "resource"
            frames.append(pd.DataFrame({"kind": kind, "id": block.labels.astype(str), "shadow_price": -lam}))
    if goods_price is not None:
        frames.insert(0, pd.DataFrame({"kind": "good", "id": goods_price.index.astype(str), "shadow_price": goods_price.to_numpy()}))
    proc = lp.col_block("process")
    if proc is not None:
        z = lp.c - lp.K.T @ row_dual
        zs = z[proc.slice]
        capped = np.flatnonzero(np.isfinite(lp.col_upper[proc.slice]))
        if capped.size:
            frames.append(pd.DataFrame({"kind": "capacity", "id": proc.labels[capped].astype(str),
                                        "shadow_price": np.maximum(-zs[capped], 0.0)}))
    if not frames:
        return pd.DataFrame({"kind": pd.Series(dtype=str), "id": pd.Series(dtype=str), "shadow_price": pd.Series(dtype=float)})
    out = pd.concat(frames, ignore_index=True)
    out["shadow_price"] = out["shadow_price"].where(out["shadow_price"].abs() > 1e-13, 0.0)
    return out
