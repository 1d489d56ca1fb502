"""Cumulative voting: councils spread equal budgets of points over proposals; the most-voted
proposals are funded greedily within the capacity vector.

* **Ballots.** Every consumer and regional council holds the same budget of ``B`` points
  (:data:`~councilplan.democracy.domain.POINTS_BUDGET`) and spreads them over the round's
  consumer proposals (``votes``: ``Vote(council, proposal, points)``). A council that cast no
  vote puts its whole budget on its own proposals, evenly (over HTTP a council casts its ballot
  with ``PUT /rounds/{id}/votes``; planning passes the stored ballots here). Votes for unknown proposals, from unknown
  or workplace councils, negative points or more than ``B`` points in all are refused with a
  :class:`~councilplan.democracy.domain.ProposalError` listing every problem and its fix (the
  API answers 422): :func:`vote_issues`.
* **Scores.** Councils count by population, as in the other rules: proposal ``j`` scores
  ``S_j = Σ_i (pop_i / Σ pop) · points_ij``.
* **Funding.** A proposal's cost vector is its total demand (population × quantity per head)
  priced at the unit costs of :mod:`councilplan.democracy.costs` (labour hours by kind and
  resources, or one dimension at shadow prices with ``cost="shadow"``); the capacity vector
  ``C`` is Equal Shares' (offered hours, finite limits, the plan's use, total demand). In
  decreasing order of score (ties: the cheaper first, then by proposal id) a proposal is funded
  in full when its cost fits what is left of ``C`` in every dimension, and skipped otherwise
  (a greedy knapsack); proposals with no points are never funded.

Properties (tested in ``tests/democracy/test_cumulative.py``): **budget-feasibility** (the
funded costs fit ``C`` in every dimension), **anonymity** (exact ties of score and cost aside),
**points-monotonicity** (more points for a funded proposal, all else equal, never unfunds it:
the proposals considered before it can only become fewer). Not proportional: a majority's
points can fund only its own proposals (``equal-shares`` is the proportional rule).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from councilplan.democracy.costs import consumer_proposals
from councilplan.democracy.domain import (
    POINTS_BUDGET,
    Council,
    CouncilKind,
    Goals,
    Outcome,
    Proposal,
    ProposalError,
    ProposalIssue,
    Vote,
    empty_targets,
)
from councilplan.democracy.rules.base import AggregationRule, council_map, register_rule
from councilplan.democracy.rules.equal_shares import EqualShares
from councilplan.democracy.rules.population_sum import priority_weights
from councilplan.model.economy import Economy

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan


def vote_issues(votes: Sequence[Vote], councils: Mapping[str, Council], proposals: Sequence[str],
                budget: float = POINTS_BUDGET) -> list[ProposalIssue]:
    """Every problem with the ballots (empty when valid): see the module docstring."""
    out: list[ProposalIssue] = []
    known = set(proposals)
    spent: dict[str, float] = {}
    for k, v in enumerate(votes):
        field = f"votes[{k}]"
        c = councils.get(v.council_id)
        if c is None or c.kind is CouncilKind.WORKPLACE:
            why = "is not a council of this round" if c is None else "is a workplace council"
            out.append(ProposalIssue(f"{field}.council_id", f"council '{v.council_id}' {why}",
                                     "vote as a consumer or regional council of the round"))
        if v.proposal_id not in known:
            out.append(ProposalIssue(f"{field}.proposal_id", f"'{v.proposal_id}' is not a consumer proposal of "
                                     "this round", "vote for the id of a consumer proposal of the round"))
        points = float(v.points)
        if not math.isfinite(points) or points < 0:
            out.append(ProposalIssue(f"{field}.points", f"{v.points!r} points", "give a finite number ≥ 0"))
        else:
            spent[v.council_id] = spent.get(v.council_id, 0.0) + points
    for cid, total in spent.items():
        if total > budget * (1 + 1e-12):
            out.append(ProposalIssue("votes", f"council '{cid}' spends {total:g} points, over the equal budget "
                                     f"of {budget:g} points per council",
                                     f"lower its votes so that they add up to at most {budget:g}"))
    return out


def ballots(projects: Sequence[Proposal], voters: Sequence[Council], votes: Sequence[Vote],
            budget: float) -> np.ndarray:
    """(voters, projects) points: the votes, or a voter's whole budget on its own projects."""
    vindex = {c.id: i for i, c in enumerate(voters)}
    pindex = {p.id: j for j, p in enumerate(projects)}
    pts = np.zeros((len(voters), len(projects)))
    for v in votes:
        pts[vindex[v.council_id], pindex[v.proposal_id]] += float(v.points)
    voted = {v.council_id for v in votes}
    for i, c in enumerate(voters):
        if c.id not in voted:
            own = [j for j, p in enumerate(projects) if p.council_id == c.id]
            pts[i, own] = budget / len(own) if own else 0.0
    return pts


def greedy_fund(scores: np.ndarray, costs: np.ndarray, capacity: np.ndarray, names: Sequence[str]
                ) -> tuple[list[int], np.ndarray]:
    """Projects by decreasing score (ties: cheaper, then by name), each funded when its cost fits what
    is left of ``capacity`` in every dimension; returns the funded ones in order and what is left."""
    C = np.where(capacity > 0, capacity, 1.0)
    size = (costs / C).sum(axis=1)
    order = sorted(range(len(scores)), key=lambda j: (-scores[j], size[j], names[j]))
    left = capacity.astype(float).copy()
    funded = []
    for j in order:
        if scores[j] > 0 and np.all(costs[j] <= left + 1e-9 * np.maximum(capacity, 1.0)):
            funded.append(j)
            left = left - costs[j]
    return funded, left


@register_rule
class Cumulative(AggregationRule):
    """Cumulative voting with greedy funding within the capacity vector (see the module docstring)."""

    name = "cumulative"
    properties = ("anonymity", "budget-feasibility", "points-monotonicity")
    takes_ballots = True
    summary = ("each council spreads an equal budget of points over proposals; proposals are funded by "
               "population-weighted points, most first, while they fit the capacity vector")

    def __init__(self, cost: Literal["labour", "shadow"] = "labour", points_budget: float = POINTS_BUDGET) -> None:
        self.pricing = EqualShares(cost=cost)  # prices proposals over the capacity vector; checks ``cost``
        self.cost, self.points_budget = cost, points_budget

    def aggregate(self, proposals: Sequence[Proposal], councils: Mapping[str, Council] | Iterable[Council],
                  economy: Economy, plan: Plan | None = None, *, votes: Sequence[Vote] = ()) -> Goals:
        cm = council_map(councils)
        projects = consumer_proposals(proposals)
        issues = vote_issues(votes, cm, [p.id for p in projects], self.points_budget)
        if issues:
            raise ProposalError(issues, source="the votes")
        goods = economy.goods.index
        pr = self.pricing.priced(proposals, cm, economy, plan)
        D, pc, dims, C, voters, cost_mat = pr.D, pr.pc, pr.dims, pr.C, pr.voters, pr.cost_mat
        pop = np.array([c.weight for c in voters], dtype=float)
        share = pop / pop.sum() if len(voters) else pop
        pts = ballots(projects, voters, votes, self.points_budget)
        scores = share @ pts if len(voters) else np.zeros(len(projects))
        funded, left = greedy_fund(scores, cost_mat, C.to_numpy(dtype=float), [p.id for p in projects])
        sel = np.asarray(sorted(funded), dtype=int)
        targets = empty_targets(economy)
        targets["amount"] = np.asarray(D[sel].sum(axis=0)).ravel() if sel.size else 0.0
        targets["weight"] = priority_weights([projects[j] for j in sel], cm, goods, self.points_budget).to_numpy()
        targets["floor"] = economy.targets["floor"].reindex(goods).fillna(0.0).to_numpy()
        ch_all = pc["hours"].to_numpy(dtype=float) if "hours" in pc else np.full(len(projects), np.nan)
        cs_all = pc["shadow_cost"].to_numpy(dtype=float)
        rank = {j: r + 1 for r, j in enumerate(funded)}
        outcomes = []
        for j, p in enumerate(projects):
            if j in rank:
                reason = f"funded {rank[j]}. by points ({scores[j]:.4g} population-weighted points)"
            elif scores[j] <= 0:
                reason = "no council gave it points"
            else:
                short = [f"{d} (needs {cost_mat[j, k]:.4g}, {max(left[k], 0.0):.4g} left)"
                         for k, d in enumerate(dims) if cost_mat[j, k] > left[k]]
                reason = (f"{scores[j]:.4g} population-weighted points, but the capacity left after the "
                          f"proposals with more points is too small in: {', '.join(short) or 'no dimension'}")
            outcomes.append(Outcome(p.id, j in rank, 1.0 if j in rank else 0.0, float(ch_all[j]),
                                    float(cs_all[j]), None,
                                    tuple(voters[i].id for i in np.flatnonzero(pts[:, j] > 0)), reason))
        return pr.goals(self.name, proposals, targets, outcomes)
