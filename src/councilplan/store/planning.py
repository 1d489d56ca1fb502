"""Rounds on stored data: transitions, the plan of an iteration, publication and convergence.

This is the adapter between stored rows and the pure domain of
:mod:`councilplan.democracy`: rows become :class:`~councilplan.democracy.Council`
and :class:`~councilplan.democracy.Proposal` objects, the round's
:class:`~councilplan.democracy.AggregationRule` turns them into
:class:`~councilplan.democracy.Goals`, and :func:`councilplan.plan` computes the
plan of the economy with those goals. Transitions follow
:meth:`RoundState.advance <councilplan.democracy.RoundState.advance>`.

The round's steps are the domain's (:mod:`councilplan.democracy.engine`), so that a served round
and a simulated one (:func:`councilplan.democracy.rounds.run_round`) with the same proposals reach the
same goals, plans, iterations and finish:

* **Planning** (``closed → planned``): :func:`~councilplan.democracy.engine.plan_goals` with the round
  policy, warm-started from the round's previous plan when it is still in this process's memory, with
  the cached labour values of the technology (they do not depend on goals). The goals record the
  councils' total demand by good, for the convergence test.
* **Convergence** (checked on ``planned → published``):
  :func:`~councilplan.democracy.engine.goal_change` of this iteration's stored goals against the
  previous one's, at most the round's ``tolerance``, with an optimal plan. Then the round finishes as
  ``converged``.
* **Cap and fallback**: publishing the last iteration the cap allows finishes the round as ``cap``; its
  plan (``GET /rounds/{id}/plan``) is the latest optimal plan of the round, or, when none was optimal,
  the ray plan along the last goals with floors dropped, computed with the last iteration's plan and
  stored beside it as a plan with ``fallback`` set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from councilplan.democracy import (
    Council,
    CouncilKind,
    Goals,
    Proposal,
    ProposalKind,
    RoundPhase,
    RoundState,
    TechniqueChange,
    Vote,
    get_rule,
)
from councilplan.democracy.engine import (
    aggregate_goals,
    fallback_plan,
    finish_state,
    goal_change,
    is_converged,
    plan_goals,
    total_demand,
)
from councilplan.democracy.rules import ballot_rules
from councilplan.model.economy import Economy
from councilplan.planning import Plan
from councilplan.planning.bundle import bundle_bytes
from councilplan.planning.schema import GoalsDoc, OutcomeRow, PlanResultDoc, finite, plan_result
from councilplan.planning.values import cached_labour_values
from councilplan.solvers import Status
from councilplan.store import economies as econ_files
from councilplan.store.audit import append_event, plan_digest
from councilplan.store.crud import (
    BOARD,
    ConflictError,
    active_proposals,
    check_deadline,
    latest_plan,
    round_votes,
)
from councilplan.store.monitoring import planning_capacities
from councilplan.store.tables import (
    CouncilRow,
    EconomyRow,
    PlanBundleRow,
    PlanRow,
    ProposalRow,
    RoundRow,
)

_lock = threading.Lock()
_warm: OrderedDict[int, tuple[int, Plan]] = OrderedDict()  # round id -> (iteration, plan)
WARM_ROUNDS = 16


# ------------------------------------------------------------------ adapters
def round_state(r: RoundRow) -> RoundState:
    return RoundState(round_id=str(r.id), phase=RoundPhase(r.state), iteration=r.iteration,
                      max_iterations=r.max_iterations, rule=r.rule, objective=r.objective,
                      tolerance=r.tolerance, finished=r.finished, finish_reason=r.finish_reason)


def domain_council(c: CouncilRow) -> Council:
    return Council(id=str(c.id), name=c.name, kind=CouncilKind(c.kind), processes=tuple(c.processes or ()),
                   population=float(c.population or 0.0))


def domain_proposal(p: ProposalRow) -> Proposal:
    c = p.content
    techniques = tuple(TechniqueChange(process=t["process"], table=t["table"], item=t["item"],
                                       amount=float(t["amount"]), justification=t["justification"])
                       for t in c.get("techniques", ()))
    return Proposal(id=str(p.id), council_id=str(p.council_id), kind=ProposalKind(p.kind), goods=c.get("goods", {}),
                    priorities=c.get("priorities", {}), capacity=c.get("capacity", {}), hours=c.get("hours", {}),
                    techniques=techniques, iteration=p.iteration, note=c.get("note", ""))


def economy_of(row: EconomyRow) -> Economy:
    """The economy of a stored row; its files (a deferred column) are read only on a cache miss."""
    hit = econ_files.cached(row.content_hash)
    return hit if hit is not None else econ_files.load(row.content_hash, row.files)


# ------------------------------------------------------------------- documents
_num = finite


def goals_json(g: Goals, demand: pd.Series | None = None) -> GoalsDoc:
    """The goals as stored with a plan (:class:`~councilplan.planning.schema.GoalsDoc`); ``demand``
    (the councils' total demand by good, non-zero entries) is what the convergence test compares."""
    t = g.targets
    out: GoalsDoc = {
        "rule": g.rule,
        "targets": {str(i): {"amount": _num(r.amount), "weight": _num(r.weight), "floor": _num(r.floor)}
                    for i, r in zip(t.index, t.itertuples(), strict=True)},
        "capacity": {str(k): _num(v) for k, v in (g.capacity.items() if g.capacity is not None else ())},
        "labour": {str(k): _num(v) for k, v in (g.labour.items() if g.labour is not None else ())},
        "techniques": [{"process": c.process, "table": c.table, "item": c.item, "amount": c.amount,
                        "justification": c.justification} for c in g.techniques],
        "notes": list(g.notes),
    }
    if demand is not None:
        out["demand"] = {str(k): _num(v) for k, v in demand.items() if v}
    return out


def goals_from_json(doc: dict[str, Any]) -> Goals:
    """The :class:`~councilplan.democracy.Goals` of stored goals (``goals_json`` form), as far as
    planning needs them: targets, offered capacities and hours, technique changes, notes."""
    t = doc.get("targets", {})
    targets = pd.DataFrame({c: [float((r or {}).get(c) or (1.0 if c == "weight" else 0.0)) for r in t.values()]
                            for c in ("amount", "weight", "floor")}, index=pd.Index(list(t), dtype=object))

    def series(d: dict[str, float | None]) -> pd.Series | None:
        return pd.Series({k: float(v) for k, v in d.items() if v is not None}, dtype=float) if d else None

    techniques = tuple(TechniqueChange(process=c["process"], table=c["table"], item=c["item"],
                                       amount=float(c["amount"]), justification=c["justification"])
                       for c in doc.get("techniques", ()))
    return Goals(targets=targets, rule=str(doc.get("rule", "")), capacity=series(doc.get("capacity", {})),
                 labour=series(doc.get("labour", {})), techniques=techniques, notes=tuple(doc.get("notes", ())))


def stored_change(new: dict[str, Any], old: dict[str, Any] | None) -> float:
    """:func:`~councilplan.democracy.engine.goal_change` of two stored goals (``goals_json`` form)."""
    def amounts(goals: dict[str, Any] | None, key: str) -> pd.Series | None:
        if goals is None or key not in goals:
            return None
        items = goals[key].items()
        if key == "targets":
            return pd.Series({g: (r or {}).get("amount") or 0.0 for g, r in items}, dtype=float)
        return pd.Series({g: v or 0.0 for g, v in items}, dtype=float)

    return goal_change(amounts(new, "targets"), amounts(old, "targets"),
                       amounts(new, "demand"), amounts(old, "demand"))


def _proposal_costs(p: ProposalRow, council: CouncilRow | None, pl: Plan) -> tuple[float | None, float | None]:
    """Hours and shadow value of a consumer proposal's whole demand at this plan's values and prices."""
    goods = p.content.get("goods") or {}
    if not goods or council is None:
        return None, None
    pop = float(council.population or 0.0)
    amount = pd.Series({g: float(q) * pop for g, q in goods.items()}, dtype=float)
    hours = None
    if pl.labour_values is not None:
        hours = _num((pl.labour_values["total"].reindex(amount.index).fillna(0.0) * amount).sum())
    shadow = _num((pl.shadow_prices("good").reindex(amount.index).fillna(0.0) * amount).sum())
    return hours, shadow


def result_json(pl: Plan, goals: Goals, proposals: Sequence[ProposalRow],
                councils: dict[int, CouncilRow]) -> PlanResultDoc:
    """The stored result of a round's plan (:class:`~councilplan.planning.schema.PlanResultDoc`)."""
    outcomes: list[OutcomeRow] = []
    for p in proposals:
        o = goals.outcome(str(p.id))
        hours, shadow = _proposal_costs(p, councils.get(p.council_id), pl) if pl.optimal else (None, None)
        if o is not None:
            hours = _num(o.cost_hours) if _num(o.cost_hours) is not None else hours
            shadow = _num(o.cost_shadow) if _num(o.cost_shadow) is not None else shadow
        outcomes.append({
            "proposal": p.id, "council": p.council_id, "kind": p.kind,
            "selected": o.selected if o is not None else True, "share": _num(o.share) if o is not None else 1.0,
            "cost_hours": hours, "cost_shadow": shadow, "price": _num(o.price) if o is not None else None,
            "reason": o.reason if o is not None else "",
        })
    return plan_result(pl, outcomes)


# ------------------------------------------------------------------ planning
def compute_plan(
    economy: Economy, goals: Goals, objective: str, *, previous: Plan | None = None,
) -> Plan:
    """The plan of ``economy`` under ``goals``: :func:`councilplan.democracy.engine.plan_goals` with the
    round policy, warm from ``previous`` when the LP keeps its shape, with cached labour values."""
    pl, _ = plan_goals(goals.apply(economy), objective, previous=previous,
                       labour_values=cached_labour_values)
    return pl


@dataclass
class Aggregated:
    """A round's active proposals as rows and as domain objects, and the rule's goals of them."""

    goals: Goals
    rows: Sequence[ProposalRow]
    councils: dict[int, CouncilRow]
    demand: pd.Series  # the councils' total demand by good


def aggregate(session: Session, rnd: RoundRow, economy: Economy, previous: Plan | None) -> Aggregated:
    rows = active_proposals(session, rnd.id)
    councils = {c.id: c for c in session.execute(
        select(CouncilRow).where(CouncilRow.economy_id == rnd.economy_id, CouncilRow.kind != BOARD)).scalars()}
    proposals = [domain_proposal(p) for p in rows if p.council_id in councils]
    cm = {str(c.id): domain_council(c) for c in councils.values()}
    goals = aggregate_goals(get_rule(rnd.rule), proposals, cm, economy, previous,
                            votes=stored_votes(session, rnd, rows, councils))
    return Aggregated(goals, rows, councils, total_demand(proposals, cm, economy.goods.index))


def stored_votes(session: Session, rnd: RoundRow, rows: Sequence[ProposalRow], councils: dict[int, CouncilRow]
                 ) -> list[Vote]:
    """The round's stored ballots as domain votes, for the rules that take ballots (``takes_ballots``;
    empty for the others). Votes for proposals withdrawn since the ballot was cast are left out (a
    council left with no vote then gets the default ballot); every other vote was checked when cast."""
    if rnd.rule not in ballot_rules():
        return []
    active = {p.id for p in rows if p.kind == ProposalKind.CONSUMER.value and p.council_id in councils}
    voters = {c.id for c in councils.values() if c.kind != CouncilKind.WORKPLACE.value}
    return [Vote(council_id=str(v.council_id), proposal_id=str(v.proposal_id), points=float(v.points))
            for v in round_votes(session, rnd.id) if v.proposal_id in active and v.council_id in voters]


def _previous(session: Session, rnd: RoundRow, economy: Economy) -> Plan | None:
    """The round's previous plan: from this process's memory, else (after a restart) planned again
    from the previous iteration's stored goals when that plan was optimal, so that the warm start and
    the rule's prices do not depend on whether the server was restarted in between."""
    with _lock:
        hit = _warm.get(rnd.id)
    if hit is not None and hit[0] < rnd.iteration + 1:
        return hit[1]
    if rnd.iteration == 0:
        return None
    row = session.execute(select(PlanRow).where(PlanRow.round_id == rnd.id, PlanRow.fallback.is_(False),
                                                PlanRow.iteration == rnd.iteration - 1)).scalar_one_or_none()
    if row is None or row.status != Status.OPTIMAL.value:
        return None
    pl, _ = plan_goals(goals_from_json(row.goals).apply(economy), rnd.objective,
                       labour_values=cached_labour_values)
    return pl if pl.optimal else None


@dataclass
class PreparedPlan:
    """An iteration's plan computed from a snapshot of the round (no lock held), ready to be stored."""

    round_id: int
    iteration: int
    plan: Plan
    status: str
    input_hash: str
    goals: GoalsDoc
    result: PlanResultDoc
    proposals: list[int]
    #: the plan bundle (docs/bundle.md); None when the solver found no primal–dual point
    bundle: bytes | None = None
    #: the cap's ray plan (:func:`~councilplan.democracy.engine.fallback_plan`), prepared with the last
    #: iteration's plan when neither it nor an earlier one is optimal
    fallback: PreparedPlan | None = None


def _prepared(rnd: RoundRow, economy: Economy, pl: Plan, goals: Goals, agg: Aggregated,
              capacities: dict[str, float], *, fallback: bool = False) -> PreparedPlan:
    bundle = None
    if pl.raw:
        meta: dict[str, Any] = {"economy": rnd.economy_id, "round": rnd.id, "iteration": rnd.iteration,
                                "rule": rnd.rule}
        if fallback:
            meta["fallback"] = True
        bundle = bundle_bytes(pl, economy, meta=meta)
    result = result_json(pl, goals, agg.rows, agg.councils)
    if capacities:  # what the deviation alerts changed (docs/monitoring.md)
        result["capacity_updates"] = {p: float(c) for p, c in sorted(capacities.items())}
    return PreparedPlan(rnd.id, rnd.iteration, pl, str(pl.status), pl.input_hash, goals_json(goals, agg.demand),
                        result, [p.id for p in agg.rows], bundle)


def _any_optimal(session: Session, rnd: RoundRow) -> bool:
    return session.execute(select(PlanRow.id).where(PlanRow.round_id == rnd.id,
                                                    PlanRow.status == Status.OPTIMAL.value).limit(1)
                           ).first() is not None


def prepare_plan(session: Session, *, rnd: RoundRow) -> PreparedPlan:
    """Aggregate the round's active proposals and compute its plan: the slow part, done in a reading
    session so that no write lock is held while the solver runs (proposals cannot change while the
    round is closed; :func:`record_plan` re-checks the round under its lock). On the last iteration
    the cap allows, a plan that is not optimal in a round that never had one comes with the fallback."""
    eco_row = session.get(EconomyRow, rnd.economy_id)
    assert eco_row is not None
    economy, capacities = planning_capacities(session, rnd.economy_id, economy_of(eco_row))
    previous = _previous(session, rnd, economy)
    agg = aggregate(session, rnd, economy, previous)
    goal_economy = agg.goals.apply(economy)
    pl, _ = plan_goals(goal_economy, rnd.objective, previous=previous,
                       labour_values=cached_labour_values)
    prepared = _prepared(rnd, goal_economy, pl, agg.goals, agg, capacities)
    if rnd.iteration + 1 >= rnd.max_iterations and not pl.optimal and not _any_optimal(session, rnd):
        fb_goals, fb_economy, fb = fallback_plan(agg.goals, goal_economy,
                                                 labour_values=cached_labour_values)
        prepared.fallback = _prepared(rnd, fb_economy, fb, fb_goals, agg, capacities, fallback=True)
    return prepared


def record_plan(session: Session, *, rnd: RoundRow, prepared: PreparedPlan, actor: int) -> PlanRow:
    """``closed → planned`` with a prepared plan; ``rnd`` must be locked (409 if it moved meanwhile)."""
    if rnd.id != prepared.round_id or rnd.state != RoundPhase.CLOSED.value or rnd.iteration != prepared.iteration:
        raise ConflictError(f"round {rnd.id} changed while its plan was computed (now {rnd.state}, iteration "
                            f"{rnd.iteration}); reload and try again")
    stale = session.execute(select(PlanRow).where(PlanRow.round_id == rnd.id,
                                                  PlanRow.iteration == rnd.iteration)).scalar_one_or_none()
    if stale is not None:
        raise ConflictError(f"iteration {rnd.iteration} of round {rnd.id} has a plan already")
    with _lock:
        _warm[rnd.id] = (rnd.iteration, prepared.plan)
        _warm.move_to_end(rnd.id)
        while len(_warm) > WARM_ROUNDS:
            _warm.popitem(last=False)
    row, payload = _store(session, rnd, prepared)
    payload.update({"iteration": rnd.iteration, "proposals": prepared.proposals})
    if prepared.fallback is not None:
        payload["fallback"] = _store(session, rnd, prepared.fallback, fallback=True)[1]
    rnd.state = RoundPhase.PLANNED.value
    append_event(session, economy_id=rnd.economy_id, action="round.planned", entity="round", entity_id=rnd.id,
                 actor=actor, payload=payload)
    return row


def _store(session: Session, rnd: RoundRow, prepared: PreparedPlan, *, fallback: bool = False
           ) -> tuple[PlanRow, dict[str, Any]]:
    """Add a prepared plan (and its bundle); the ``round.planned`` event's record of it."""
    row = PlanRow(round_id=rnd.id, iteration=rnd.iteration, status=prepared.status, objective="ray" if fallback else rnd.objective,
                  rule=rnd.rule, input_hash=prepared.input_hash, published=False, goals=prepared.goals,
                  result=prepared.result, fallback=fallback)
    session.add(row)
    session.flush()
    payload: dict[str, Any] = {"plan": row.id, "status": row.status, "input_hash": row.input_hash,
                               "digest": plan_digest(row.goals, row.result)}
    if prepared.bundle is not None:
        digest = hashlib.sha256(prepared.bundle).hexdigest()
        session.add(PlanBundleRow(plan_id=row.id, sha256=digest, size=len(prepared.bundle), data=prepared.bundle))
        payload["bundle"] = digest
    return row, payload


def plan_round(session: Session, *, rnd: RoundRow, actor: int) -> PlanRow:
    """``closed → planned`` in one session: aggregate the active proposals and compute the plan."""
    return record_plan(session, rnd=rnd, prepared=prepare_plan(session, rnd=rnd), actor=actor)


def advance_round(session: Session, *, rnd: RoundRow, actor: int, to: str,
                  deadline: dt.datetime | None = None) -> tuple[RoundRow, PlanRow | None]:
    """Move the round one legal step to ``to`` (``closed``, ``planned``, ``published`` or ``open``).

    Reopening starts the next iteration with ``deadline`` (none when ``None``)."""
    state = round_state(rnd).advance(to)  # RoundTransitionError when illegal
    if state.phase is RoundPhase.PLANNED:
        return rnd, plan_round(session, rnd=rnd, actor=actor)
    plan_row: PlanRow | None = None
    payload: dict[str, Any] = {"from": rnd.state, "to": state.phase.value, "iteration": state.iteration}
    if state.phase is RoundPhase.PUBLISHED:
        plan_row = latest_plan(session, rnd.id)
        if plan_row is None or plan_row.iteration != rnd.iteration:
            raise ConflictError(f"round {rnd.id} has no plan for iteration {rnd.iteration}; plan it first")
        plan_row.published = True
        prev = session.execute(select(PlanRow).where(PlanRow.round_id == rnd.id, PlanRow.fallback.is_(False),
                                                     PlanRow.iteration == rnd.iteration - 1)).scalar_one_or_none()
        change = stored_change(plan_row.goals, prev.goals if prev is not None else None)
        payload.update({"plan": plan_row.id, "target_change": _num(change)})
        state = finish_state(state, is_converged(plan_row.status == Status.OPTIMAL.value, change, rnd.tolerance))
        if state.finish_reason == "cap":
            fb = session.execute(select(PlanRow).where(PlanRow.round_id == rnd.id, PlanRow.fallback.is_(True),
                                                       PlanRow.iteration == rnd.iteration)).scalar_one_or_none()
            if fb is not None:
                fb.published = True
                payload["fallback_plan"] = fb.id
        payload["finished"], payload["finish_reason"] = state.finished, state.finish_reason
    if state.phase is RoundPhase.OPEN:
        rnd.deadline = check_deadline(deadline)
        payload["deadline"] = rnd.deadline.isoformat() if rnd.deadline else None
    rnd.state, rnd.iteration = state.phase.value, state.iteration
    rnd.finished, rnd.finish_reason = state.finished, state.finish_reason
    append_event(session, economy_id=rnd.economy_id, action=f"round.{state.phase.value}", entity="round",
                 entity_id=rnd.id, actor=actor, payload=payload)
    return rnd, plan_row


def round_plan(session: Session, rnd: RoundRow) -> PlanRow | None:
    """The round's current plan: the latest published one; at the cap the latest optimal one (the fallback)."""
    q = select(PlanRow).where(PlanRow.round_id == rnd.id, PlanRow.published.is_(True))
    if rnd.finish_reason != "cap":
        q = q.where(PlanRow.fallback.is_(False))
    else:
        best = session.execute(q.where(PlanRow.status == Status.OPTIMAL.value)
                               .order_by(PlanRow.iteration.desc()).limit(1)).scalar_one_or_none()
        if best is not None:
            return best
    return session.execute(q.order_by(PlanRow.iteration.desc()).limit(1)).scalar_one_or_none()


def warm_plan(round_id: int) -> Plan | None:
    with _lock:
        hit = _warm.get(round_id)
    return hit[1] if hit else None


