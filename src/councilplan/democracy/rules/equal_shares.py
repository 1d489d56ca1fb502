"""The Method of Equal Shares (Peters and Skowron) over a capacity vector.

Voters are the consumer and regional councils; council ``i`` holds the share
``b_i = (pop_i / Σ pop) · C`` of the capacity vector ``C`` (labour hours by kind
and resources, or one dimension: the plan's value at shadow prices). A project
is a consumer proposal; its cost vector ``c_j`` is its total demand priced at
the current plan's unit costs (:mod:`councilplan.democracy.costs`). Its
supporters are its author and the councils that voted for it.

Each step buys the affordable project with the lowest **price** ``ρ``: every
supporter ``i`` pays the fraction ``min(f_ij, ρ_j u_ij)`` of ``c_j``, where
``f_ij = min_k b_ik / c_jk`` is the fraction of ``c_j`` its remaining budget can
pay and ``ρ_j`` the smallest number with ``Σ_i min(f_ij, ρ_j u_ij) = 1``. Projects
are compared by ``ρ_j · s_j`` with ``s_j = Σ_k c_jk / C_k``, which in one
dimension is pabutools' price per unit of satisfaction divided by ``C`` (so
both pick the same project). Utilities ``u_ij`` are ``s_j`` (``utility="cost"``)
or 1 (``utility="approval"``). Ties go to the earlier project.

Properties (tested in ``tests/democracy/test_equal_shares.py``):

* **budget-feasibility**: the selected costs fit ``C`` in every dimension;
* **priceability**: the payments are a price system — only supporters pay,
  nobody pays more than their share, each selected project is paid in full, and
  the supporters of every unselected project hold less than its cost;
* **proportionality**: a group of councils with population share ``α`` that
  agrees on its projects controls ``α`` of the capacity;
* **anonymity**.

In one dimension it agrees with ``pabutools.rules.method_of_equal_shares`` (no
completion) on pabutools' own instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from councilplan.democracy.costs import capacity_dimensions, proposal_costs, unit_costs
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

_TIE = 1e-9


@dataclass(frozen=True)
class Loss:
    """Why a project lost, in priceability terms.

    ``covered``: the fraction of its cost its supporters' remaining budgets could
    pay at the end (< 1); ``covered_initially``: the same with their full shares;
    ``binding``: the capacity dimension that ran out first for most supporters;
    ``spent_on``: (project, price) pairs its supporters paid for instead;
    ``last_price``: the highest price any project was bought at.
    """

    project: int
    supporters: tuple[int, ...]
    covered: float
    covered_initially: float
    binding: str
    spent_on: tuple[tuple[int, float], ...]
    last_price: float


@dataclass(frozen=True)
class EqualSharesResult:
    """``selected`` in purchase order; ``price[j]`` (NaN if not bought); ``payments[i, j]`` the
    fraction of ``costs[j]`` voter ``i`` paid; ``remaining`` budgets; ``losses`` by project."""

    selected: tuple[int, ...]
    price: np.ndarray
    payments: np.ndarray
    remaining: np.ndarray
    losses: dict[int, Loss]


def _rho(f: np.ndarray, u: np.ndarray) -> float | None:
    """Smallest ρ with Σ min(f_i, ρ u_i) = 1 over supporters (u > 0), or None if Σ f < 1."""
    sup = u > 0
    f, u = f[sup], u[sup]
    if f.size == 0 or f.sum() < 1.0 - 1e-12:
        return None
    order = np.argsort(f / u, kind="stable")
    remaining, U = 1.0, float(u.sum())
    for i in order:
        rho = remaining / U
        if rho * u[i] <= f[i] + 1e-15:
            return rho
        remaining -= f[i]
        U -= u[i]
    return remaining / U if U > 0 else None  # pragma: no cover (Σ f ≥ 1 guarantees a return above)


def _fractions(budgets: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """f_i = min_k b_ik / c_k over dimensions with c_k > 0 (inf if the project costs nothing)."""
    pos = cost > 0
    if not pos.any():
        return np.full(budgets.shape[0], np.inf)
    with np.errstate(over="ignore"):
        return np.min(np.maximum(budgets[:, pos], 0.0) / cost[pos], axis=1)


def equal_shares(costs: np.ndarray, budgets: np.ndarray, utilities: np.ndarray,
                 dims: Sequence[str] | None = None) -> EqualSharesResult:
    """MES over a capacity vector. ``costs`` (P, d), ``budgets`` (V, d), ``utilities`` (V, P) ≥ 0."""
    costs = np.atleast_2d(np.asarray(costs, dtype=float))
    b = np.atleast_2d(np.asarray(budgets, dtype=float)).copy()
    U = np.asarray(utilities, dtype=float)
    P, d = costs.shape
    V = b.shape[0]
    dims = list(dims) if dims is not None else [f"dim{k}" for k in range(d)]
    C = b.sum(axis=0)
    size = (costs / np.where(C > 0, C, 1.0)).sum(axis=1)
    b0 = b.copy()
    price = np.full(P, np.nan)
    pay = np.zeros((V, P))
    selected: list[int] = []
    open_ = set(range(P))
    while open_:
        best, best_key, best_rho = -1, np.inf, 0.0
        for j in sorted(open_):
            if not (U[:, j] > 0).any():
                continue
            rho = _rho(_fractions(b, costs[j]), U[:, j])
            if rho is None:
                continue
            key = rho * size[j] if size[j] > 0 else 0.0
            if key < best_key * (1 - _TIE) - 1e-300 or best < 0:
                best, best_key, best_rho = j, key, rho
        if best < 0:
            break
        f = _fractions(b, costs[best])
        share = np.where(U[:, best] > 0, np.minimum(f, best_rho * U[:, best]), 0.0)
        share = share / share.sum() if share.sum() > 0 else share
        pay[:, best] = share
        b = np.maximum(b - share[:, None] * costs[best][None, :], 0.0)
        price[best] = best_key
        selected.append(best)
        open_.discard(best)
    last = float(np.nanmax(price)) if selected else 0.0
    losses: dict[int, Loss] = {}
    for j in sorted(open_):
        sup = np.flatnonzero(U[:, j] > 0)
        pos = costs[j] > 0
        fin = _fractions(b[sup], costs[j]) if sup.size else np.zeros(0)
        ini = _fractions(b0[sup], costs[j]) if sup.size else np.zeros(0)
        binding = ""
        if sup.size and pos.any():
            with np.errstate(over="ignore"):
                ratios = b[np.ix_(sup, np.flatnonzero(pos))] / costs[j][pos]
            counts = np.bincount(np.argmin(ratios, axis=1), minlength=int(pos.sum()))
            binding = str(np.asarray(dims)[pos][int(np.argmax(counts))])
        spent = sorted({int(k) for k in np.flatnonzero(pay[sup].sum(axis=0) > 0)}, key=lambda k: price[k])
        losses[j] = Loss(j, tuple(int(i) for i in sup), float(np.minimum(fin.sum(), 1.0)) if sup.size else 0.0,
                         float(ini.sum()) if sup.size else 0.0, binding,
                         tuple((k, float(price[k])) for k in spent), last)
    return EqualSharesResult(tuple(selected), price, pay, b, losses)


def loss_reason(loss: Loss, names: Sequence[str], voter_names: Sequence[str]) -> str:
    """A sentence for people: why the project lost."""
    if not loss.supporters:
        return "no council supports it"
    who = ", ".join(voter_names[i] for i in loss.supporters)
    if loss.covered_initially < 1:
        return (f"too expensive for its supporters: even their full equal shares ({who}) cover only "
                f"{100 * loss.covered_initially:.1f} % of its cost ({loss.binding} runs out first)")
    bought = "; ".join(f"{names[k]} at price {p:.4g}" for k, p in loss.spent_on) or "nothing"
    return (f"its supporters ({who}) spent their equal shares on projects with a lower price per unit of "
            f"utility ({bought}); what they have left covers {100 * loss.covered:.1f} % of its cost, "
            f"with {loss.binding} exhausted first (the last project was bought at price {loss.last_price:.4g})")


@register_rule
class EqualShares(AggregationRule):
    """The Method of Equal Shares over a capacity vector (see the module docstring)."""

    name = "equal-shares"
    properties = ("anonymity", "budget-feasibility", "proportionality", "priceability")
    summary = ("each council holds its population's share of the capacity (labour hours by kind, resources) "
               "and buys proposals together with other supporters at the lowest price per unit of utility")

    def __init__(self, cost: Literal["labour", "shadow"] = "labour",
                 utility: Literal["cost", "approval"] = "cost", points_budget: float = POINTS_BUDGET) -> None:
        if cost not in ("labour", "shadow"):
            raise ValueError(f"cost must be 'labour' or 'shadow', got {cost!r}")
        if utility not in ("cost", "approval"):
            raise ValueError(f"utility must be 'cost' or 'approval', got {utility!r}")
        self.cost, self.utility, self.points_budget = cost, utility, points_budget

    def capacity(self, economy: Economy, plan: Plan | None, dims: list[str], offered: pd.Series | None,
                 demand_cost: pd.DataFrame) -> pd.Series:
        """The capacity vector: offered hours, else finite limits, else the plan's use, else total demand."""
        C = pd.Series(np.nan, index=dims, dtype=float)
        limits = pd.concat([economy.labour_available, economy.resource_available])
        limits.index = limits.index.astype(str)
        used = None
        if plan is not None and plan.optimal:
            x = plan.activity.to_numpy()
            used = pd.Series(np.r_[economy.L @ x, economy.R @ x],
                             index=[str(k) for k in economy.labour_kinds] + [str(r) for r in economy.resources])
        for k in dims:
            if k == "shadow_cost":
                if plan is not None and plan.optimal:
                    p = plan.shadow_prices("good").reindex(plan.net_output.index.astype(str)).fillna(0.0)
                    C[k] = float(p.to_numpy() @ plan.net_output.to_numpy())
            elif offered is not None and k in offered.index.astype(str):
                C[k] = float(offered[k])
            elif k in limits.index and np.isfinite(limits[k]):
                C[k] = float(limits[k])
            elif k == "hours" and np.isfinite(economy.labour_available).all() and len(economy.labour_available):
                C[k] = float(economy.labour_available.sum())
            elif used is not None and k in used.index:
                C[k] = float(used[k])
            if not np.isfinite(C[k]) or C[k] <= 0:
                C[k] = float(demand_cost[k].sum()) if k in demand_cost else 0.0
        return C

    def aggregate(self, proposals: Sequence[Proposal], councils: Mapping[str, Council] | Iterable[Council],
                  economy: Economy, plan: Plan | None = None, *, votes: Sequence[Vote] = ()) -> Goals:
        cm = council_map(councils)
        goods = economy.goods.index
        costs = unit_costs(economy, plan)
        pc = proposal_costs(proposals, cm, costs)
        use_shadow = self.cost == "shadow" and plan is not None and plan.optimal
        dims = ["shadow_cost"] if use_shadow else capacity_dimensions(economy, costs)
        _, offered = workplace_offers(proposals, economy)
        C = self.capacity(economy, plan, dims, offered, pc)
        voters = sorted((c for c in cm.values() if c.kind is not CouncilKind.WORKPLACE and c.weight > 0),
                        key=lambda c: c.id)
        vindex = {c.id: i for i, c in enumerate(voters)}
        pop = np.array([c.weight for c in voters])
        budgets = (pop / pop.sum())[:, None] * C.to_numpy()[None, :] if len(voters) else np.zeros((0, len(dims)))
        projects = [p for p in proposals if p.kind is ProposalKind.CONSUMER]
        cost_mat = pc.reindex([p.id for p in projects])[dims].fillna(0.0).to_numpy()
        size = (cost_mat / np.where(C.to_numpy() > 0, C.to_numpy(), 1.0)).sum(axis=1)
        Umat = np.zeros((len(voters), len(projects)))
        pidx = {p.id: j for j, p in enumerate(projects)}
        for j, p in enumerate(projects):
            if p.council_id in vindex:
                Umat[vindex[p.council_id], j] = 1.0
        for v in votes:
            if v.proposal_id in pidx and v.council_id in vindex and v.points > 0:
                Umat[vindex[v.council_id], pidx[v.proposal_id]] = 1.0
        if self.utility == "cost":
            Umat = Umat * size[None, :]
        res = equal_shares(cost_mat, budgets, Umat, dims)
        chosen = [projects[j] for j in res.selected]
        targets = empty_targets(economy)
        for p in chosen:
            for g, q in p.total_goods(cm[p.council_id]).items():
                targets.loc[g, "amount"] += q
        targets["weight"] = priority_weights(chosen, cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        cap, hours = workplace_offers(proposals, economy)
        names = [p.id for p in projects]
        vnames = [c.id for c in voters]
        outcomes = []
        for j, p in enumerate(projects):
            sup = tuple(vnames[i] for i in np.flatnonzero(Umat[:, j] > 0))
            ch = float(pc.loc[p.id, "hours"]) if p.id in pc.index else float("nan")
            cs = float(pc.loc[p.id, "shadow_cost"]) if p.id in pc.index else float("nan")
            if j in res.selected:
                payers = ", ".join(f"{vnames[i]} {100 * res.payments[i, j]:.1f} %"
                                   for i in np.flatnonzero(res.payments[:, j] > 0))
                outcomes.append(Outcome(p.id, True, 1.0, ch, cs, float(res.price[j]), sup,
                                        f"bought at price {res.price[j]:.4g} per unit of utility, paid by {payers}"))
            else:
                loss = res.losses[j]
                outcomes.append(Outcome(p.id, False, 0.0, ch, cs, None, sup, loss_reason(loss, names, vnames)))
        for p in proposals:
            if p.kind is ProposalKind.WORKPLACE:
                outcomes.append(Outcome(p.id, True, 1.0, reason="workplace offer: capacity and hours are limits"))
        techniques = tuple(t for p in proposals if p.kind is ProposalKind.WORKPLACE for t in p.techniques)
        notes = ("capacity vector: " + ", ".join(f"{k} = {v:.6g}" for k, v in C.items()),)
        return Goals(targets=targets, rule=self.name, capacity=cap, labour=hours, techniques=techniques,
                     outcomes=tuple(outcomes), notes=notes)
