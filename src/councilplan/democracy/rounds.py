"""Planning rounds as pure functions: proposals → rule → goals → plan → published results → revision.

One **iteration** (:func:`run_iteration`) takes an open :class:`RoundState` and

1. closes it and validates every proposal (:func:`~councilplan.democracy.validate.check_proposal`);
2. aggregates them with the round's rule into :class:`Goals`;
3. plans the economy with those goals (:func:`councilplan.plan`), warm-started from
   the previous iteration's plan when the backend can and the LP has the same shape;
4. publishes (:class:`Published`): the plan, what binds, each proposal's cost in
   labour hours and at the new plan's shadow prices, and why proposals lost.

The steps themselves (aggregation, the plan and its warm start, convergence, the cap and its
fallback) are :mod:`councilplan.democracy.engine`'s, which the service's rounds
(:mod:`councilplan.store.planning`) call too: a simulated and a served round with the same
proposals converge at the same iteration with the same plans.

:func:`revise_towards_costs` is the simulated councils' revision policy: each
consumer council moves its demands part of the way (``step``) towards what it
can get — its population's equal share of the capacity at the published unit
costs, and no more of a good than the plan delivered. :func:`run_round` drives a
whole round with such a policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from councilplan.democracy.costs import (
    capacity_dimensions,
    demand_matrix,
    proposal_costs,
    unit_costs,
)
from councilplan.democracy.domain import (
    Council,
    CouncilKind,
    Goals,
    Proposal,
    ProposalError,
    ProposalIssue,
    ProposalKind,
    RoundPhase,
    RoundState,
    RoundTransitionError,
    Vote,
)
from councilplan.democracy.engine import (
    aggregate_goals,
    fallback_index,
    fallback_plan,
    finish_state,
    goal_change,
    is_converged,
    plan_goals,
    total_demand,
)
from councilplan.democracy.engine import (
    relative_change as relative_change,
)
from councilplan.democracy.rules.base import AggregationRule, council_map, get_rule
from councilplan.democracy.validate import check_proposal
from councilplan.model.economy import Economy
from councilplan.planning.plan import Plan
from councilplan.planning.schema import PublishedDoc, finite, price_rows


@dataclass(frozen=True, eq=False)
class Published:
    """What one iteration publishes."""

    iteration: int
    goals: Goals
    economy: Economy  # the economy with the goals applied (what was planned)
    plan: Plan
    binding: pd.DataFrame  # kind, id, shadow_price of every binding constraint
    costs: pd.DataFrame  # per proposal: selected, share, hours, shadow_cost, price, reason
    change: float  # relative change of target amounts or of total demand from the previous iteration (inf at 0)
    converged: bool
    demand: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))  # total consumer demand by good
    warm_started: bool = False
    fallback: bool = False

    def as_dict(self) -> PublishedDoc:
        """A JSON-ready summary (:class:`~councilplan.planning.schema.PublishedDoc`; no DataFrames)."""
        t = self.goals.targets
        return {
            "iteration": self.iteration, "rule": self.goals.rule, "converged": bool(self.converged),
            "fallback": bool(self.fallback), "change": finite(self.change), "warm_started": bool(self.warm_started),
            "plan": self.plan.summary(),
            "targets": {str(g): {"amount": finite(r.amount), "weight": finite(r.weight), "floor": finite(r.floor)}
                        for g, r in zip(t.index, t.itertuples(), strict=True)},
            "net_output": {str(k): finite(v) for k, v in self.plan.net_output.items()},
            "binding": price_rows(self.binding),
            "proposals": [{"id": str(i), "council": str(r.council), "kind": str(r.kind), "selected": bool(r.selected),
                           "share": finite(r.share), "hours": finite(r.hours), "shadow_cost": finite(r.shadow_cost),
                           "price": finite(r.price), "reason": str(r.reason)}
                          for i, r in zip(self.costs.index, self.costs.itertuples(), strict=True)],
            "notes": list(self.goals.notes),
        }


@dataclass(frozen=True, eq=False)
class RoundResult:
    state: RoundState
    history: tuple[Published, ...]
    final: Published
    proposals: tuple[Proposal, ...] = field(default=())

    @property
    def iterations(self) -> int:
        return len(self.history)


def validate_all(proposals: Sequence[Proposal], councils: Mapping[str, Council], economy: Economy) -> None:
    """Raise one :class:`ProposalError` with every issue of every proposal (and duplicate ids)."""
    issues: list[ProposalIssue] = []
    seen: set[str] = set()
    for p in proposals:
        if p.id in seen:
            issues.append(ProposalIssue("id", f"proposal id '{p.id}' is used twice", "give every proposal its own id", p.id))
        seen.add(p.id)
        c = councils.get(p.council_id)
        if c is None:
            issues.append(ProposalIssue("council_id", f"unknown council '{p.council_id}'",
                                        "submit proposals from a registered council", p.id))
            continue
        try:
            check_proposal(p, c, economy)
        except ProposalError as e:
            issues += e.issues
    if issues:
        raise ProposalError(issues, source="the iteration's proposals")


def publish(iteration: int, goals: Goals, economy: Economy, p: Plan, proposals: Sequence[Proposal],
            councils: Mapping[str, Council], previous: Published | None, *, tolerance: float,
            warm_started: bool = False, fallback: bool = False) -> Published:
    """Assemble what an iteration publishes (costs at the new plan's prices, what binds, convergence)."""
    pc = proposal_costs(proposals, councils, unit_costs(economy, p if p.optimal else None))
    rows = []
    for prop in proposals:
        o = goals.outcome(prop.id)
        rows.append({"council": prop.council_id, "kind": str(prop.kind),
                     "selected": bool(o.selected) if o else True, "share": o.share if o else 1.0,
                     "hours": float(pc.loc[prop.id, "hours"]) if prop.id in pc.index else np.nan,
                     "shadow_cost": float(pc.loc[prop.id, "shadow_cost"]) if prop.id in pc.index else np.nan,
                     "price": o.price if o and o.price is not None else np.nan,
                     "reason": o.reason if o else ""})
    costs = pd.DataFrame(rows, index=pd.Index([p_.id for p_ in proposals], name="proposal"))
    demand = total_demand(proposals, councils, economy.goods.index)
    change = goal_change(goals.targets["amount"], previous.goals.targets["amount"] if previous else None,
                         demand, previous.demand if previous else None)
    converged = is_converged(p.optimal, change, tolerance)
    binding = p.binding() if p.optimal else pd.DataFrame(columns=["kind", "id", "shadow_price"])
    return Published(iteration, goals, economy, p, binding, costs, change, converged, demand, warm_started,
                     fallback)


def run_iteration(state: RoundState, economy: Economy, councils: Mapping[str, Council] | Sequence[Council],
                  proposals: Sequence[Proposal], *, votes: Sequence[Vote] = (), previous: Published | None = None,
                  rule: AggregationRule | None = None, solver: str | None = None) -> tuple[RoundState, Published]:
    """One iteration: ``open → closed → planned → published``. Pure: returns the new state and what is published.

    ``solver=None`` plans with the round policy of :func:`councilplan.democracy.engine.plan_goals`
    (what the service does); a backend's name uses that backend."""
    if state.phase is not RoundPhase.OPEN or state.finished:
        raise RoundTransitionError(f"round '{state.round_id}' is {state.phase}; an iteration starts from open")
    cm = council_map(councils)
    validate_all(proposals, cm, economy)
    state = state.advance(RoundPhase.CLOSED)
    rule = rule or get_rule(state.rule)
    prev_plan = previous.plan if previous is not None else None
    goals = aggregate_goals(rule, proposals, cm, economy, prev_plan, votes=votes)
    goal_economy = goals.apply(economy)
    p, how = plan_goals(goal_economy, state.objective, previous=prev_plan, solver=solver)
    state = state.advance(RoundPhase.PLANNED)
    pub = publish(state.iteration, goals, goal_economy, p, proposals, cm, previous,
                  tolerance=state.tolerance, warm_started=how.startswith("warm"))
    return state.advance(RoundPhase.PUBLISHED), pub


def fallback(history: Sequence[Published], councils: Mapping[str, Council], proposals: Sequence[Proposal],
             *, tolerance: float, solver: str | None = None) -> Published:
    """The plan published at the cap (:func:`councilplan.democracy.engine.fallback_index` and
    :func:`~councilplan.democracy.engine.fallback_plan`)."""
    k = fallback_index([pub.plan.optimal for pub in history])
    if k is not None:
        return replace(history[k], fallback=True)
    last = history[-1]
    goals, econ, p = fallback_plan(last.goals, last.economy, solver=solver)
    return publish(last.iteration, goals, econ, p, proposals, councils, None, tolerance=tolerance, fallback=True)


RevisionPolicy = Callable[[Published, Sequence[Proposal], Mapping[str, Council]], list[Proposal]]


def revise_towards_costs(published: Published, proposals: Sequence[Proposal], councils: Mapping[str, Council],
                         *, step: float = 0.5) -> list[Proposal]:
    """Simulated councils: move each consumer demand ``step`` of the way to what the council can get.

    What council ``c`` can get of good ``g``: its quantity times
    ``min(1, min_k B_ck / cost_ck, fulfilment_g)``, where ``B_c = pop_c / Σ pop · C`` is its
    equal share of the capacity ``C`` (the hours and resources the published plan uses, or the
    economy's finite limits), ``cost_c`` its demand's cost at the published unit costs, and
    ``fulfilment_g`` the published net output over the target (1 when met or untargeted).
    A proposal that lost moves all the way, to 99 % of what the council can afford.
    Priority points and workplace proposals are kept.
    """
    econ, p = published.economy, published.plan
    costs = unit_costs(econ, p if p.optimal else None)
    dims = capacity_dimensions(econ, costs)
    C = _capacity(econ, p, dims)
    consumers = [c for c in councils.values() if c.kind is not CouncilKind.WORKPLACE and c.weight > 0]
    pop = sum(c.weight for c in consumers)
    D = demand_matrix(proposals, councils, econ.goods.index)
    fulfil = p.fulfilment()["fulfilment"].clip(upper=1.0).fillna(1.0) if p.optimal else None
    by_council: dict[str, np.ndarray] = {}
    for cid in {q.council_id for q in proposals if q.kind is ProposalKind.CONSUMER}:
        ids = [q.id for q in proposals if q.council_id == cid and q.kind is ProposalKind.CONSUMER]
        by_council[cid] = D.loc[ids].sum(axis=0).to_numpy() @ costs[dims].to_numpy()
    out = []
    for q in proposals:
        if q.kind is not ProposalKind.CONSUMER or not q.goods:
            out.append(q.revised())
            continue
        c = councils[q.council_id]
        share = c.weight / pop * C
        cost = by_council[q.council_id]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(cost > 0, share / cost, np.inf)
        afford = float(min(1.0, np.min(ratio, initial=np.inf)))
        o = published.goals.outcome(q.id)
        lost = o is not None and not o.selected
        goods = {}
        for g, qty in q.goods.items():
            f = afford if fulfil is None else min(afford, float(fulfil.get(g, 1.0)))
            if lost:  # a proposal that lost goes straight to (just under) what its council can afford
                goods[g] = float(qty) * min(f, 1.0) * 0.99
            else:
                goods[g] = float(qty) + step * (float(qty) * f - float(qty))
        out.append(q.revised(goods=goods))
    return out


def _capacity(economy: Economy, p: Plan, dims: Sequence[str]) -> np.ndarray:
    limits = pd.concat([economy.labour_available, economy.resource_available])
    limits.index = limits.index.astype(str)
    x = p.activity.to_numpy()
    used = pd.Series(np.r_[economy.L @ x, economy.R @ x],
                     index=[str(k) for k in economy.labour_kinds] + [str(r) for r in economy.resources])
    C = []
    for k in dims:
        if k in limits.index and np.isfinite(limits[k]):
            C.append(float(limits[k]))
        elif k == "hours":
            lab = economy.labour_available
            C.append(float(lab.sum()) if len(lab) and np.isfinite(lab).all() else float(used.iloc[: len(lab)].sum()))
        else:
            C.append(float(used.get(k, np.inf)))
    return np.asarray(C)


def run_round(economy: Economy, councils: Sequence[Council] | Mapping[str, Council], proposals: Sequence[Proposal],
              *, state: RoundState | None = None, votes: Sequence[Vote] = (),
              policy: RevisionPolicy | None = None, solver: str | None = None,
              on_publish: Callable[[Published], None] | None = None) -> RoundResult:
    """Drive a round to convergence or the cap: iterate, publish, let ``policy`` revise, repeat."""
    cm = council_map(councils)
    state = state or RoundState("round")
    policy = policy or revise_towards_costs
    rule = get_rule(state.rule)
    history: list[Published] = []
    current = list(proposals)
    previous: Published | None = None
    while True:
        state, pub = run_iteration(state, economy, cm, current, votes=votes, previous=previous, rule=rule,
                                   solver=solver)
        history.append(pub)
        if on_publish is not None:
            on_publish(pub)
        state = finish_state(state, pub.converged)
        if state.finish_reason == "converged":
            return RoundResult(state, tuple(history), pub, tuple(current))
        if state.finish_reason == "cap":
            final = fallback(history, cm, current, tolerance=state.tolerance, solver=solver)
            return RoundResult(state, tuple(history), final, tuple(current))
        current = policy(pub, current, cm)
        previous = pub
        state = state.advance(RoundPhase.OPEN)
