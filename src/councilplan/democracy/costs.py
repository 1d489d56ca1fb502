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
import scipy.sparse as sp

from councilplan.democracy.domain import Council, Proposal, ProposalKind
from councilplan.model import iomath
from councilplan.model.economy import Economy

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan


def remember_labour_values(economy: Economy, values: pd.DataFrame | None) -> None:
    """Labour values of ``economy``'s technology, known to the caller: kept with the economy
    (:attr:`Economy.derived`, the memo :func:`~councilplan.planning.values.cached_labour_values`
    reads first), so that :func:`unit_costs` without a plan skips the min-labour LP that general
    technologies need."""
    if values is not None:
        economy.derived["labour_values"] = values


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
        lv = plan.labour_values if plan is not None else None
        if lv is None:
            from councilplan.planning.values import cached_labour_values, labour_values

            lv = cached_labour_values(economy)
            if lv is None:
                lv = labour_values(economy)  # raises ValuationError, which says why
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


def goods_rows(maps: Sequence[Mapping[str, float]], goods: pd.Index,
               scale: np.ndarray | None = None) -> sp.csr_matrix:
    """A sparse (len(maps), len(goods)) matrix: row ``i`` holds ``maps[i]`` times ``scale[i]``.

    One hash look-up of every key at once (``Index.get_indexer``); keys that are not
    goods are left out (proposals are validated before they reach a rule), and a key
    given twice is summed.
    """
    n = len(maps)
    lengths = np.fromiter((len(m) for m in maps), dtype=np.int64, count=n)
    total = int(lengths.sum())
    if total == 0:
        return sp.csr_matrix((n, len(goods)))
    keys = [k for m in maps for k in m]
    vals = np.fromiter((float(v) for m in maps for v in m.values()), dtype=float, count=total)
    rows = np.repeat(np.arange(n), lengths)
    if scale is not None:
        vals = vals * np.asarray(scale, dtype=float)[rows]
    cols = goods.get_indexer(pd.Index(keys, dtype=object))
    ok = cols >= 0
    M = sp.csr_matrix((vals[ok], (rows[ok], cols[ok])), shape=(n, len(goods)))
    M.sum_duplicates()
    return M


def consumer_proposals(proposals: Sequence[Proposal]) -> list[Proposal]:
    return [p for p in proposals if p.kind is ProposalKind.CONSUMER]


def demand_sparse(proposals: Sequence[Proposal], councils: Mapping[str, Council],
                  goods: pd.Index) -> tuple[list[str], sp.csr_matrix]:
    """Consumer proposal ids and their total demands (population × quantity per head), sparse."""
    cons = consumer_proposals(proposals)
    pops = np.fromiter((councils[p.council_id].weight for p in cons), dtype=float, count=len(cons))
    return [p.id for p in cons], goods_rows([p.goods for p in cons], goods, pops)


def demand_matrix(proposals: Sequence[Proposal], councils: Mapping[str, Council],
                  goods: pd.Index) -> pd.DataFrame:
    """Consumer proposals × goods: each proposal's total demand (population × quantity per head)."""
    ids, M = demand_sparse(proposals, councils, goods)
    return pd.DataFrame(M.toarray(), index=pd.Index(ids, dtype=object, name="proposal"), columns=goods)


def cost_rows(D: sp.csr_matrix, costs: pd.DataFrame) -> np.ndarray:
    """``D @ costs`` where a NaN unit cost makes NaN only the rows that demand that good."""
    C = costs.to_numpy(dtype=float)
    bad = np.isnan(C)
    out = np.asarray(D @ np.where(bad, 0.0, C))
    if bad.any():
        touched = np.asarray((abs(D) @ bad.astype(float)) > 0)
        out[touched] = np.nan
    return out


def proposal_costs(proposals: Sequence[Proposal], councils: Mapping[str, Council], costs: pd.DataFrame
                   ) -> pd.DataFrame:
    """Per consumer proposal: total hours, cost at shadow prices, and cost in every column of ``costs``."""
    ids, D = demand_sparse(proposals, councils, pd.Index(costs.index))
    out = pd.DataFrame(cost_rows(D, costs), index=pd.Index(ids, dtype=object, name="proposal"),
                       columns=costs.columns)
    return out.rename(columns={"shadow_price": "shadow_cost"})
