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

import pandas as pd

from councilplan.democracy.costs import demand_matrix, proposal_costs, unit_costs
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


def priority_weights(proposals: Sequence[Proposal], councils: Mapping[str, Council], goods: pd.Index,
                     budget: float = POINTS_BUDGET) -> pd.Series:
    """Population-weighted priority points, scaled to average 1 over the goods anyone asked for."""
    raw = pd.Series(0.0, index=goods)
    total_pop = 0.0
    asked: set[str] = set()
    for p in proposals:
        if p.kind is not ProposalKind.CONSUMER:
            continue
        c = councils[p.council_id]
        pts = {g: float(v) for g, v in p.priorities.items() if float(v) > 0}
        if not pts:
            wanted = [g for g, q in p.goods.items() if float(q) > 0]
            pts = {g: budget / len(wanted) for g in wanted} if wanted else {}
        for g, v in pts.items():
            raw[g] += c.weight * v
        asked |= set(pts) | {g for g, q in p.goods.items() if float(q) > 0}
        total_pop += c.weight
    if total_pop <= 0 or not asked:
        return pd.Series(1.0, index=goods)
    return raw * (len(asked) / (budget * total_pop))


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
        D = demand_matrix(proposals, cm, goods)
        targets = empty_targets(economy)
        targets["amount"] = D.sum(axis=0).reindex(goods).fillna(0.0).to_numpy()
        targets["weight"] = priority_weights(proposals, cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        cap, hours = workplace_offers(proposals, economy)
        costs = proposal_costs(proposals, cm, unit_costs(economy, plan)) if len(D) else None
        outcomes = []
        for p in proposals:
            ch = cs = float("nan")
            if costs is not None and p.id in costs.index:
                ch, cs = float(costs.loc[p.id, "hours"]), float(costs.loc[p.id, "shadow_cost"])
            outcomes.append(Outcome(p.id, True, 1.0, ch, cs, None, (p.council_id,),
                                    "counted in full: the baseline adds every demand"))
        techniques = tuple(t for p in proposals if p.kind is ProposalKind.WORKPLACE for t in p.techniques)
        return Goals(targets=targets, rule=self.name, capacity=cap, labour=hours, techniques=techniques,
                     outcomes=tuple(outcomes))



