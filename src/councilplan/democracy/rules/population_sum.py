"""The baseline: a population-weighted sum of the councils' demands.

* ``amount_g = Σ_c pop_c · q_cg`` over consumer proposals (``q`` per head);
* ``weight_g = (N / B) · Σ_c pop_c π_cg / Σ_c pop_c``, where ``π_c`` are council
  ``c``'s priority points (a council that gave none spreads its budget ``B``
  evenly over the goods it asked for) and ``N`` the number of goods that anyone
  asked for, so that weights average 1 when every budget is spent;
* ``floor``: the economy's floors, unchanged;
* workplace offers: capacities and hours summed by process and labour kind;
  technique changes passed through.

Properties (tested in ``tests/democracy/test_population_sum.py``): anonymity,
neutrality, monotonicity, population-consistency, homogeneity, additivity. It
does **not** look at cost or capacity: it can ask for more than the economy can
make, and the plan then scales the goals down (ray) or misses them (harmony).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.democracy.costs import (
    consumer_proposals,
    cost_rows,
    demand_sparse,
    goods_rows,
    unit_costs,
)
from councilplan.democracy.domain import (
    POINTS_BUDGET,
    Council,
    Goals,
    Outcome,
    Proposal,
    ProposalKind,
    Vote,
    empty_targets,
)
from councilplan.democracy.rules.base import AggregationRule, council_map, register_rule
from councilplan.model.economy import Economy

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan


def wanted_goods(proposals: Sequence[Proposal], goods: pd.Index) -> sp.csr_matrix:
    """Consumer proposals × goods: 1 where the proposal asks for a positive quantity of the good."""
    Q = goods_rows([p.goods for p in consumer_proposals(proposals)], goods)
    return (Q > 0).astype(float).tocsr()


def priority_points(proposals: Sequence[Proposal], goods: pd.Index, budget: float = POINTS_BUDGET, *,
                    wanted: sp.csr_matrix | None = None) -> sp.csr_matrix:
    """Consumer proposals × goods: each proposal's positive priority points; a proposal that gave none
    spreads ``budget`` evenly over the goods it asked for (quantity > 0; ``wanted`` when given)."""
    cons = consumer_proposals(proposals)
    pts = goods_rows([{g: v for g, v in p.priorities.items() if float(v) > 0} for p in cons], goods)
    if wanted is None:
        wanted = wanted_goods(cons, goods)
    none = np.asarray(pts.getnnz(axis=1) == 0)
    n_wanted = np.asarray(wanted.getnnz(axis=1), dtype=float)
    even = np.where(none & (n_wanted > 0), budget / np.maximum(n_wanted, 1.0), 0.0)
    return (pts + sp.diags(even) @ wanted).tocsr()


def priority_weights(proposals: Sequence[Proposal], councils: Mapping[str, Council], goods: pd.Index,
                     budget: float = POINTS_BUDGET) -> pd.Series:
    """Population-weighted priority points, scaled to average 1 over the goods anyone asked for."""
    cons = consumer_proposals(proposals)
    pop = np.fromiter((councils[p.council_id].weight for p in cons), dtype=float, count=len(cons))
    total_pop = float(pop.sum())
    wanted = wanted_goods(cons, goods)
    points = priority_points(cons, goods, budget, wanted=wanted)
    asked = int(np.count_nonzero(np.asarray(points.getnnz(axis=0)) + np.asarray(wanted.getnnz(axis=0))))
    if total_pop <= 0 or not asked:
        return pd.Series(1.0, index=goods)
    raw = np.asarray(pop @ points).ravel()
    return pd.Series(raw * (asked / (budget * total_pop)), index=goods)


def workplace_offers(proposals: Sequence[Proposal], economy: Economy) -> tuple[pd.Series | None, pd.Series | None]:
    """Offered capacity by process and hours by labour kind, summed over workplace proposals."""
    cap: dict[str, float] = {}
    hours: dict[str, float] = {}
    for p in proposals:
        if p.kind is not ProposalKind.WORKPLACE:
            continue
        for j, v in p.capacity.items():
            cap[j] = cap.get(j, 0.0) + float(v)
        for k, v in p.hours.items():
            hours[k] = hours.get(k, 0.0) + float(v)
    cs = pd.Series(cap, dtype=float) if cap else None
    hs = pd.Series(hours, dtype=float) if hours else None
    return cs, hs


@register_rule
class PopulationSum(AggregationRule):
    """Targets are the population-weighted sum of demands (see the module docstring)."""

    name = "population-sum"
    properties = ("anonymity", "neutrality", "monotonicity", "population-consistency", "homogeneity",
                  "additivity")
    summary = "targets = Σ population × quantity per head; weights from population-weighted priority points"

    def __init__(self, points_budget: float = POINTS_BUDGET) -> None:
        self.points_budget = points_budget

    def aggregate(self, proposals: Sequence[Proposal], councils: Mapping[str, Council] | Iterable[Council],
                  economy: Economy, plan: Plan | None = None, *, votes: Sequence[Vote] = ()) -> Goals:
        cm = council_map(councils)
        goods = economy.goods.index
        ids, D = demand_sparse(proposals, cm, goods)
        targets = empty_targets(economy)
        targets["amount"] = np.asarray(D.sum(axis=0)).ravel()
        targets["weight"] = priority_weights(proposals, cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        cap, hours = workplace_offers(proposals, economy)
        costs: dict[str, tuple[float, float]] = {}
        if len(ids):
            uc = unit_costs(economy, plan)[["hours", "shadow_price"]]
            pc = cost_rows(D, uc)
            costs = dict(zip(ids, zip(pc[:, 0].tolist(), pc[:, 1].tolist(), strict=True), strict=True))
        nan = (float("nan"), float("nan"))
        outcomes = [Outcome(p.id, True, 1.0, *costs.get(p.id, nan), None, (p.council_id,),
                            "counted in full: the baseline adds every demand") for p in proposals]
        techniques = tuple(t for p in proposals if p.kind is ProposalKind.WORKPLACE for t in p.techniques)
        return Goals(targets=targets, rule=self.name, capacity=cap, labour=hours, techniques=techniques,
                     outcomes=tuple(outcomes))



