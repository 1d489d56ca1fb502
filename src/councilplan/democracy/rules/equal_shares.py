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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from councilplan.democracy.costs import (
    capacity_dimensions,
    consumer_proposals,
    cost_rows,
    demand_sparse,
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
from councilplan.model.errors import InputError

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
    rho = _rhos(np.asarray(f, dtype=float)[:, None], np.asarray(u, dtype=float)[:, None])[0]
    return float(rho) if np.isfinite(rho) else None


def _rhos(F: np.ndarray, U: np.ndarray) -> np.ndarray:
    """:func:`_rho` of every column of ``F`` and ``U`` (V, P) at once; ``inf`` where a project is unaffordable.

    Supporters sorted by ``f_i / u_i``: the first ``t`` of them pay their whole ``f``, the rest
    ``ρ u``, with ``ρ_t = (1 - Σ_{s<t} f_s) / Σ_{s≥t} u_s``; ``ρ`` is the first ``ρ_t`` with
    ``ρ_t u_t ≤ f_t``.
    """
    V, P = F.shape
    if V == 0 or P == 0:
        return np.full(P, np.inf)
    sup = U > 0
    Fz = np.where(sup, F, 0.0)
    Uz = np.where(sup, U, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.where(sup, Fz / np.where(sup, Uz, 1.0), np.inf)
    order = np.argsort(R, axis=0, kind="stable")
    Fs = np.take_along_axis(Fz, order, axis=0)
    Us = np.take_along_axis(Uz, order, axis=0)
    before = np.vstack([np.zeros((1, P)), np.cumsum(Fs, axis=0)[:-1]])
    after = np.cumsum(Us[::-1], axis=0)[::-1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rho = (1.0 - before) / after
        valid = (Us > 0) & (rho * Us <= Fs + 1e-15)
    first = np.argmax(valid, axis=0)
    out = rho[first, np.arange(P)]
    with np.errstate(invalid="ignore"):
        total = Fz.sum(axis=0)
    ok = valid.any(axis=0) & sup.any(axis=0) & (total >= 1.0 - 1e-12)
    return np.where(ok, out, np.inf)


def _fractions(budgets: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """f_i = min_k b_ik / c_k over dimensions with c_k > 0 (inf if the project costs nothing)."""
    return _fractions_all(budgets, np.atleast_2d(cost))[:, 0]


def _fractions_all(budgets: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """(V, P): f_ij = min_k b_ik / c_jk over dimensions with c_jk > 0 (inf where project j costs nothing)."""
    pos = costs > 0
    inv = np.where(pos, 1.0 / np.where(pos, costs, 1.0), 0.0)  # (P, d)
    b = np.maximum(budgets, 0.0)  # (V, d)
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = b[:, None, :] * inv[None, :, :]  # (V, P, d)
    ratio = np.where(pos[None, :, :], ratio, np.inf)
    return ratio.min(axis=2) if ratio.shape[2] else np.full(ratio.shape[:2], np.inf)


def equal_shares(costs: np.ndarray, budgets: np.ndarray, utilities: np.ndarray,
                 dims: Sequence[str] | None = None) -> EqualSharesResult:
    """MES over a capacity vector. ``costs`` (P, d), ``budgets`` (V, d), ``utilities`` (V, P) ≥ 0.

    Each step prices every open project at once (:func:`_rhos`) and buys the cheapest by
    ``ρ_j s_j``; among keys within a relative ``1e-9`` of the cheapest, the earliest project wins.
    """
    costs = np.atleast_2d(np.asarray(costs, dtype=float))
    b = np.atleast_2d(np.asarray(budgets, dtype=float)).copy()
    U = np.asarray(utilities, dtype=float)
    P, d = costs.shape
    V = b.shape[0]
    U = U.reshape(V, P)
    dims = list(dims) if dims is not None else [f"dim{k}" for k in range(d)]
    C = b.sum(axis=0)
    size = (costs / np.where(C > 0, C, 1.0)).sum(axis=1)
    b0 = b.copy()
    price = np.full(P, np.nan)
    pay = np.zeros((V, P))
    selected: list[int] = []
    open_: np.ndarray = np.asarray((U > 0).any(axis=0)) if V else np.zeros(P, dtype=bool)
    while open_.any():
        cand = np.flatnonzero(open_)
        rho = _rhos(_fractions_all(b, costs[cand]), U[:, cand])
        fin = np.isfinite(rho)
        open_[cand[~fin]] = False  # budgets only shrink: what is unaffordable now stays so
        if not fin.any():
            break
        cand, rho = cand[fin], rho[fin]
        key = np.where(size[cand] > 0, rho * size[cand], 0.0)
        low = key.min()
        k = int(np.flatnonzero(key <= low * (1 + _TIE) + 1e-300)[0])
        best, best_rho = int(cand[k]), float(rho[k])
        f = _fractions(b, costs[best])
        share = np.where(U[:, best] > 0, np.minimum(f, best_rho * U[:, best]), 0.0)
        share = share / share.sum() if share.sum() > 0 else share
        pay[:, best] = share
        b = np.maximum(b - share[:, None] * costs[best][None, :], 0.0)
        price[best] = float(key[k])
        selected.append(best)
        open_[best] = False
    last = float(np.nanmax(price)) if selected else 0.0
    chosen = set(selected)
    losses: dict[int, Loss] = {}
    paid = pay > 1e-12  # rounding leaves ~1e-17 shares
    for j in range(P):
        if j in chosen:
            continue
        sup = np.flatnonzero(U[:, j] > 0)
        pos = costs[j] > 0
        fin_ = _fractions(b[sup], costs[j]) if sup.size else np.zeros(0)
        ini = _fractions(b0[sup], costs[j]) if sup.size else np.zeros(0)
        binding = ""
        if sup.size and pos.any():
            with np.errstate(over="ignore"):
                ratios = b[np.ix_(sup, np.flatnonzero(pos))] / costs[j][pos]
            counts = np.bincount(np.argmin(ratios, axis=1), minlength=int(pos.sum()))
            binding = str(np.asarray(dims)[pos][int(np.argmax(counts))])
        spent = sorted((int(k) for k in np.flatnonzero(paid[sup].any(axis=0))), key=lambda k: price[k])
        losses[j] = Loss(j, tuple(int(i) for i in sup), float(np.minimum(fin_.sum(), 1.0)) if sup.size else 0.0,
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


@dataclass(frozen=True)
class Priced:
    """What a capacity-bound rule works on: consumer ``projects`` (the rows of ``D``, ``pc`` and
    ``cost_mat``), their cost vectors in ``dims``, the capacity vector ``C``, the workplaces' offers
    and the voting councils (by id)."""

    projects: list[Proposal]
    D: Any
    pc: pd.DataFrame
    dims: list[str]
    C: pd.Series
    cap: pd.Series | None
    hours: pd.Series | None
    voters: list[Council]
    cost_mat: np.ndarray

    def goals(self, rule: str, proposals: Sequence[Proposal], targets: pd.DataFrame,
              outcomes: list[Outcome]) -> Goals:
        """The goals: ``targets``, the consumer ``outcomes`` plus the workplaces' offers and techniques."""
        work = [p for p in proposals if p.kind is ProposalKind.WORKPLACE]
        outcomes = [*outcomes, *(Outcome(p.id, True, 1.0, reason="workplace offer: capacity and hours are limits")
                                 for p in work)]
        notes = ("capacity vector: " + ", ".join(f"{k} = {v:.6g}" for k, v in self.C.items()),)
        return Goals(targets=targets, rule=rule, capacity=self.cap, labour=self.hours,
                     techniques=tuple(t for p in work for t in p.techniques), outcomes=tuple(outcomes), notes=notes)


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
            raise InputError(f"cost must be 'labour' or 'shadow', got {cost!r}")
        if utility not in ("cost", "approval"):
            raise InputError(f"utility must be 'cost' or 'approval', got {utility!r}")
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

    def priced(self, proposals: Sequence[Proposal], cm: Mapping[str, Council], economy: Economy,
               plan: Plan | None) -> Priced:
        """The projects, their demands and cost vectors, the capacity vector and the voters."""
        costs = unit_costs(economy, plan)
        ids, D = demand_sparse(proposals, cm, economy.goods.index)
        pc = pd.DataFrame(cost_rows(D, costs), index=pd.Index(ids, dtype=object, name="proposal"),
                          columns=costs.columns).rename(columns={"shadow_price": "shadow_cost"})
        use_shadow = self.cost == "shadow" and plan is not None and plan.optimal
        dims = ["shadow_cost"] if use_shadow else capacity_dimensions(economy, costs)
        cap, hours = workplace_offers(proposals, economy)
        C = self.capacity(economy, plan, dims, hours, pc)
        voters = sorted((c for c in cm.values() if c.kind is not CouncilKind.WORKPLACE and c.weight > 0),
                        key=lambda c: c.id)
        return Priced(consumer_proposals(proposals), D, pc, dims, C, cap, hours, voters,
                      np.nan_to_num(pc[dims].to_numpy(dtype=float), nan=0.0))

    def aggregate(self, proposals: Sequence[Proposal], councils: Mapping[str, Council] | Iterable[Council],
                  economy: Economy, plan: Plan | None = None, *, votes: Sequence[Vote] = ()) -> Goals:
        cm = council_map(councils)
        goods = economy.goods.index
        pr = self.priced(proposals, cm, economy, plan)
        projects, D, pc, dims, C, voters, cost_mat = pr.projects, pr.D, pr.pc, pr.dims, pr.C, pr.voters, pr.cost_mat
        vindex = {c.id: i for i, c in enumerate(voters)}
        pop = np.array([c.weight for c in voters])
        budgets = (pop / pop.sum())[:, None] * C.to_numpy()[None, :] if len(voters) else np.zeros((0, len(dims)))
        size = (cost_mat / np.where(C.to_numpy() > 0, C.to_numpy(), 1.0)).sum(axis=1)
        Umat = np.zeros((len(voters), len(projects)))
        pidx = {p.id: j for j, p in enumerate(projects)}
        author = np.array([vindex.get(p.council_id, -1) for p in projects], dtype=int)
        has = author >= 0
        Umat[author[has], np.flatnonzero(has)] = 1.0
        for v in votes:
            if v.proposal_id in pidx and v.council_id in vindex and v.points > 0:
                Umat[vindex[v.council_id], pidx[v.proposal_id]] = 1.0
        if self.utility == "cost":
            Umat = Umat * size[None, :]
        res = equal_shares(cost_mat, budgets, Umat, dims)
        sel = np.asarray(res.selected, dtype=int)
        chosen = [projects[j] for j in res.selected]
        targets = empty_targets(economy)
        targets["amount"] = np.asarray(D[sel].sum(axis=0)).ravel() if sel.size else 0.0
        targets["weight"] = priority_weights(chosen, cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        names = [p.id for p in projects]
        vnames = [c.id for c in voters]
        ch_all = pc["hours"].to_numpy(dtype=float).tolist() if "hours" in pc else [float("nan")] * len(projects)
        cs_all = pc["shadow_cost"].to_numpy(dtype=float).tolist()
        selected = set(res.selected)
        outcomes = []
        for j, p in enumerate(projects):
            sup = tuple(vnames[i] for i in np.flatnonzero(Umat[:, j] > 0))
            ch, cs = ch_all[j], cs_all[j]
            if j in selected:
                payers = ", ".join(f"{vnames[i]} {100 * res.payments[i, j]:.1f} %"
                                   for i in np.flatnonzero(res.payments[:, j] > 0))
                outcomes.append(Outcome(p.id, True, 1.0, ch, cs, float(res.price[j]), sup,
                                        f"bought at price {res.price[j]:.4g} per unit of utility, paid by {payers}"))
            else:
                loss = res.losses[j]
                outcomes.append(Outcome(p.id, False, 0.0, ch, cs, None, sup, loss_reason(loss, names, vnames)))
        return pr.goals(self.name, proposals, targets, outcomes)
