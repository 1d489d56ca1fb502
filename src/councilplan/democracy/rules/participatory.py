"""The Albert–Hahnel participatory procedure: a facilitation board posts indicative prices, councils revise.

Two parts.

**The procedure of Hahnel (2021, ch. 9)** (:class:`CouncilEconomy`,
:func:`participatory_procedure`), written from the model's statement:

* a worker council making good ``o`` with Cobb–Douglas technology and effort
  ``Q = a e^c Π_j x_j^{b_j}`` proposes the ``(Q, x, e)`` that maximises
  ``p_o Q - Σ_j p_j x_j - s e^k`` at the posted prices. The first-order
  conditions ``x_j = b_j p_o Q / p_j`` and ``s k e^k = c p_o Q`` give, with
  ``B = Σ_j b_j``, the closed form

  .. math:: (k - kB - c) \\log Q = k\\log a + c(\\log c - \\log s - \\log k)
            + (c + kB)\\log p_o + k Σ_j b_j(\\log b_j - \\log p_j);

* a consumer council with Cobb–Douglas exponents ``α`` and entitlement ``E``
  asks for ``E α_g / (p_g Σ α)`` (public goods priced per council and counted
  once; the two cancel, so they are treated as private goods here);
* the board measures each commodity's relative imbalance
  ``v = |2(S - D)/(S + D)|`` (supply = output + endowment, demand = input use +
  consumption) and moves each price against its surplus by
  ``w = max(0.001, (1.05 - 0.5^v) m)``, where ``m`` is the previous round's
  imbalance capped at 0.25 (0.25 in round one): the rule of the program behind
  the book's tables. It stops when every ``v`` is below the threshold.

Cross-checked against ``demplan`` (``HahnelBook2021``) in
``tests/democracy/test_participatory.py``: same rounds to convergence and the
same final allocations on generated economies.

**The rule** (:class:`AlbertHahnel`) applies the procedure's consumer side to a
councilplan economy, whose technology is linear: the indicative price of a good
is its cost in hours (the current plan's shadow prices rescaled to hours, or
labour values in the first iteration); every consumer council's income is its
population's equal share of the economy's hours; a council that gave priority
points demands the Cobb–Douglas bundle ``E α_g / p_g`` with ``α`` its points; a
council that gave quantities gets them, scaled down to its income if they cost
more. The board's price revision is the round loop itself
(:mod:`councilplan.democracy.rounds`): plan, publish prices, revise.

Properties (tested): anonymity, population-consistency, budget-feasibility (at
the indicative prices); the procedure: convergence, market-clearing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
    CouncilKind,
    Goals,
    Outcome,
    Proposal,
    ProposalKind,
    Vote,
    empty_targets,
)
from councilplan.democracy.rules.base import AggregationRule, council_map, register_rule
from councilplan.democracy.rules.population_sum import priority_weights, workplace_offers
from councilplan.model.economy import Economy

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan

IMBALANCE_CAP = 0.25
STEP_FLOOR = 0.001


@dataclass(frozen=True)
class CouncilEconomy:
    """Commodities ``0..n-1``; worker councils ``u`` (one output each) with flat input lists; consumers."""

    endowment: np.ndarray  # (n,)
    output: np.ndarray  # (U,) commodity made by each worker council
    scale: np.ndarray  # (U,) a
    input_owner: np.ndarray  # (E,) worker council of each input entry
    input_commodity: np.ndarray  # (E,)
    input_exponent: np.ndarray  # (E,) b
    effort_c: np.ndarray  # (U,)
    effort_s: np.ndarray  # (U,)
    effort_k: np.ndarray  # (U,)
    entitlement: np.ndarray  # (H,)
    utility: np.ndarray  # (H, n) Cobb-Douglas exponents, 0 where a good is not wanted

    @property
    def n(self) -> int:
        return int(self.endowment.size)


@dataclass(frozen=True)
class ProcedureResult:
    rounds: int
    converged: bool
    price: np.ndarray  # the price of the last round's proposals
    output: np.ndarray  # (U,)
    input_use: np.ndarray  # (E,)
    effort: np.ndarray  # (U,)
    consumption: np.ndarray  # (H, n)
    worst_imbalance: list[float]  # per round


def worker_proposals(ec: CouncilEconomy, price: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each worker council's best ``(Q, x, e)`` at ``price`` (closed form in the module docstring)."""
    U = ec.output.size
    own = ec.input_owner
    b, lb = ec.input_exponent, np.log(ec.input_exponent)
    B = np.bincount(own, weights=b, minlength=U)
    sum_b_lb = np.bincount(own, weights=b * lb, minlength=U)
    sum_b_lp = np.bincount(own, weights=b * np.log(price[ec.input_commodity]), minlength=U)
    a, c, s, k = ec.scale, ec.effort_c, ec.effort_s, ec.effort_k
    lpo = np.log(price[ec.output])
    lQ = (k * np.log(a) + c * (np.log(c) - np.log(s) - np.log(k)) + (c + k * B) * lpo
          + k * (sum_b_lb - sum_b_lp)) / (k - k * B - c)
    Q = np.exp(lQ)
    x = b * price[ec.output][own] * Q[own] / price[ec.input_commodity]
    e = np.exp((np.log(c) + lpo + lQ - np.log(s) - np.log(k)) / k)
    return Q, x, e


def consumer_demand(ec: CouncilEconomy, price: np.ndarray) -> np.ndarray:
    """Each consumer council's Cobb–Douglas bundle ``E α / (p Σα)``, shape (H, n)."""
    alpha = ec.utility / ec.utility.sum(axis=1, keepdims=True)
    return ec.entitlement[:, None] * alpha / price[None, :]


def book_2021_step(price: np.ndarray, surplus: np.ndarray, imbalance: np.ndarray,
                   memory: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The board's price revision and the next round's multiplier (see the module docstring)."""
    step = np.maximum(STEP_FLOOR, (1.05 - 0.5 ** imbalance) * memory)
    new = price * np.where(surplus > 0, 1 - step, np.where(surplus < 0, 1 + step, 1.0))
    return new, np.minimum(imbalance, IMBALANCE_CAP)


def imbalance(supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """``|2 (S - D) / (S + D)|``, 0 where both are 0."""
    tot = supply + demand
    return np.abs(2 * (supply - demand)) / np.where(tot > 0, tot, 1.0)


def participatory_procedure(ec: CouncilEconomy, *, initial_price: float | np.ndarray = 700.0,
                            threshold_pct: float = 5.0, max_rounds: int = 250) -> ProcedureResult:
    """Run the councils and the facilitation board until every imbalance is under the threshold or the cap."""
    price = np.broadcast_to(np.asarray(initial_price, dtype=float), (ec.n,)).copy()
    memory = np.full(ec.n, IMBALANCE_CAP)
    worst: list[float] = []
    Q = x = e = cons = np.zeros(0)
    posted = price
    for r in range(1, max_rounds + 1):
        posted = price
        Q, x, e = worker_proposals(ec, price)
        cons = consumer_demand(ec, price)
        supply = np.bincount(ec.output, weights=Q, minlength=ec.n) + ec.endowment
        demand = np.bincount(ec.input_commodity, weights=x, minlength=ec.n) + cons.sum(axis=0)
        v = imbalance(supply, demand)
        worst.append(float(v.max()))
        if v.max() * 100 < threshold_pct:
            return ProcedureResult(r, True, price, Q, x, e, cons, worst)
        if not np.isfinite(v).all():
            break
        price, memory = book_2021_step(price, supply - demand, v, memory)
    return ProcedureResult(len(worst), False, posted, Q, x, e, cons, worst)


# ----------------------------------------------------------------- the rule
def indicative_prices(economy: Economy, plan: Plan | None) -> pd.Series:
    """Hours per unit: the plan's good shadow prices rescaled so that they value net output at the
    plan's labour hours, or labour values when there is no usable plan."""
    costs = unit_costs(economy, plan)
    lv = costs["hours"]
    if plan is None or not plan.optimal:
        return lv
    sp_ = costs["shadow_price"]
    y = plan.net_output.reindex(costs.index).fillna(0.0)
    hours = float(np.asarray(economy.L @ plan.activity.to_numpy()).sum())
    value = float(sp_ @ y)
    if value <= 0 or hours <= 0 or not np.isfinite(value):
        return lv
    # goods the plan does not price (slack) keep their labour value
    p = sp_ * (hours / value)
    return p.where(p > 0, lv)


@register_rule
class AlbertHahnel(AggregationRule):
    """Budget-constrained demands at the board's indicative prices (see the module docstring)."""

    name = "albert-hahnel"
    properties = ("anonymity", "population-consistency", "budget-feasibility")
    summary = ("the facilitation board posts indicative prices in hours; each consumer council demands what "
               "its population's equal share of the hours buys at those prices")

    def __init__(self, points_budget: float = POINTS_BUDGET) -> None:
        self.points_budget = points_budget

    def income(self, economy: Economy, plan: Plan | None, offered: pd.Series | None) -> float:
        """Total hours to share: offered hours, else finite labour limits, else the plan's hours."""
        if offered is not None and len(offered):
            return float(offered.sum())
        lab = economy.labour_available
        if len(lab) and np.isfinite(lab).all():
            return float(lab.sum())
        if plan is not None and plan.optimal:
            return float(np.asarray(economy.L @ plan.activity.to_numpy()).sum())
        return float("inf")

    def aggregate(self, proposals: Sequence[Proposal], councils: Mapping[str, Council] | Iterable[Council],
                  economy: Economy, plan: Plan | None = None, *, votes: Sequence[Vote] = ()) -> Goals:
        cm = council_map(councils)
        goods = economy.goods.index
        price = indicative_prices(economy, plan).reindex(goods)
        cap, hours = workplace_offers(proposals, economy)
        H = self.income(economy, plan, hours)
        consumers = [c for c in cm.values() if c.kind is not CouncilKind.WORKPLACE and c.weight > 0]
        pop = sum(c.weight for c in consumers)
        cons = consumer_proposals(proposals)
        _, D = demand_sparse(cons, cm, goods)  # rows: cons, in order
        p = price.to_numpy(dtype=float)
        n = len(cons)
        # each consumer proposal's income: its council's equal share of the hours, split over its proposals
        cid = [q.council_id for q in cons]
        per_council = pd.Series(cid, dtype=object).value_counts()
        n_props = per_council.reindex(cid).to_numpy(dtype=float) if n else np.zeros(0)
        weight = np.fromiter((cm[c].weight for c in cid), dtype=float, count=n)
        income = H * weight / pop / n_props if pop > 0 else np.zeros(n)
        pts = goods_rows([{g: v for g, v in q.priorities.items() if float(v) > 0} for q in cons], goods)
        has_pts = np.asarray(pts.getnnz(axis=1) > 0)
        # points: the Cobb-Douglas bundle E α_g / p_g with α the normalised points (quantities if E = ∞)
        rowsum = np.asarray(pts.sum(axis=1)).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_p = 1.0 / p
            scale = np.where(has_pts & np.isfinite(income), income / np.where(rowsum > 0, rowsum, 1.0), 0.0)
            cd = (sp.diags(scale) @ pts).tocsr()
            cd.eliminate_zeros()  # rows that take their quantities instead
            cd = cd.multiply(inv_p[None, :]).tocsr()
        # quantities: scaled down to the income when they cost more
        cost = np.asarray(D @ np.nan_to_num(p, nan=0.0)).ravel() if n else np.zeros(0)
        if n and np.isnan(p).any():
            cost = cost_rows(D, pd.DataFrame({"p": p}, index=goods))[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(has_pts, 1.0, np.where(cost > 0, np.minimum(1.0, income / cost), 1.0))
        quantity_rows = ~has_pts | ~np.isfinite(income)
        W = (cd + sp.diags(np.where(quantity_rows, np.where(has_pts, 1.0, share), 0.0)) @ D).tocsr()
        targets = empty_targets(economy)
        targets["amount"] = np.asarray(W.sum(axis=0)).ravel() if n else 0.0
        spent = np.asarray(W @ np.nan_to_num(p, nan=0.0)).ravel() if n else np.zeros(0)
        if n and np.isnan(p).any():
            spent = cost_rows(W, pd.DataFrame({"p": p}, index=goods))[:, 0]
        row = {q.id: j for j, q in enumerate(cons)}
        outcomes: list[Outcome] = []
        for prop in proposals:
            if prop.kind is not ProposalKind.CONSUMER:
                outcomes.append(Outcome(prop.id, True, 1.0, reason="workplace offer: capacity and hours are limits"))
                continue
            j = row[prop.id]
            sh, inc, sp_ = float(share[j]), float(income[j]), float(spent[j])
            how = ("the Cobb-Douglas bundle of its points" if has_pts[j] else
                   "its quantities" if sh >= 1 else f"{100 * sh:.1f} % of its quantities")
            outcomes.append(Outcome(prop.id, sh > 0, sh, sp_, float("nan"), None, (prop.council_id,),
                                    f"gets {how}: {sp_:.6g} of its {inc:.6g} hours at the indicative prices"))
        targets["weight"] = priority_weights(proposals, cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        techniques = tuple(t for p_ in proposals if p_.kind is ProposalKind.WORKPLACE for t in p_.techniques)
        return Goals(targets=targets, rule=self.name, capacity=cap, labour=hours, techniques=techniques,
                     outcomes=tuple(outcomes), notes=(f"hours shared: {H:.6g}",))
