"""What goods and proposals cost: labour hours by kind, embodied resources, and shadow prices.

Unit costs (per unit of net output of each good):

* **labour by kind** and **total hours**: labour values ``v_k = l_k (I - A)^{-1}``
  (square economies) or the plan's labour values (general technologies, total
  only where the chosen techniques do not form a square system);
* **embodied resources** ``r (I - A)^{-1}`` (square economies only);
* **shadow price**: the plan's shadow price of the good (NaN without a plan).

A proposal's cost is its councils' total demand (population × quantity per head)
times these unit costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from councilplan.democracy.domain import Council, Proposal, ProposalKind
from councilplan.model import iomath
from councilplan.model.economy import Economy

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan


def unit_costs(economy: Economy, plan: Plan | None = None) -> pd.DataFrame:
    """Per good: hours by labour kind, ``hours`` (total), embodied resources and ``shadow_price``."""
    kinds = [str(k) for k in economy.labour_kinds]
    out = pd.DataFrame(index=economy.goods.index)
    if economy.is_square():
        V = np.atleast_2d(iomath.labour_values(economy.A, economy.L.toarray()))
        for k, kind in enumerate(kinds):
            out[kind] = V[k]
        out["hours"] = V.sum(axis=0)
        if len(economy.resources):
            Rv = np.atleast_2d(iomath.labour_values(economy.A, economy.R.toarray()))
            for r, res in enumerate(economy.resources):
                out[str(res)] = Rv[r]
    else:
        lv = plan.labour_values if plan is not None and plan.labour_values is not None else None
        if lv is None:
            from councilplan.planning.values import labour_values

            lv = labour_values(economy)
        for kind in kinds:
            if kind in lv.columns:
                out[kind] = lv[kind].to_numpy()
        out["hours"] = lv["total"].to_numpy()
    if plan is not None and plan.optimal:
        out["shadow_price"] = plan.shadow_prices("good").reindex(out.index.astype(str)).fillna(0.0).to_numpy()
    else:
        out["shadow_price"] = np.nan
    return out


def capacity_dimensions(economy: Economy, costs: pd.DataFrame) -> list[str]:
    """The capacity dimensions for which every good has a unit cost: labour kinds, resources, else ``hours``."""
    dims = [str(k) for k in economy.labour_kinds] + [str(r) for r in economy.resources]
    have = [d for d in dims if d in costs.columns and costs[d].notna().all()]
    return have or ["hours"]


def demand_matrix(proposals: Sequence[Proposal], councils: Mapping[str, Council],
                  goods: pd.Index) -> pd.DataFrame:
    """Consumer proposals × goods: each proposal's total demand (population × quantity per head)."""
    cons = [p for p in proposals if p.kind is ProposalKind.CONSUMER]
    M = pd.DataFrame(0.0, index=pd.Index([p.id for p in cons], dtype=object, name="proposal"), columns=goods)
    for p in cons:
        c = councils[p.council_id]
        for g, q in p.goods.items():
            M.loc[p.id, g] += float(q) * c.weight
    return M


def proposal_costs(proposals: Sequence[Proposal], councils: Mapping[str, Council], costs: pd.DataFrame
                   ) -> pd.DataFrame:
    """Per consumer proposal: total hours, cost at shadow prices, and cost in every column of ``costs``."""
    D = demand_matrix(proposals, councils, costs.index)
    C = D.to_numpy() @ costs.fillna(np.nan).to_numpy()
    out = pd.DataFrame(C, index=D.index, columns=costs.columns)
    return out.rename(columns={"shadow_price": "shadow_cost"})
