"""Rounds on stored data: transitions, the plan of an iteration, publication and convergence.

This is the adapter between stored rows and the pure domain of
:mod:`councilplan.democracy`: rows become :class:`~councilplan.democracy.Council`
and :class:`~councilplan.democracy.Proposal` objects, the round's
:class:`~councilplan.democracy.AggregationRule` turns them into
:class:`~councilplan.democracy.Goals`, and :func:`councilplan.plan` computes the
plan of the economy with those goals. Transitions follow
:meth:`RoundState.advance <councilplan.democracy.RoundState.advance>`.

* **Planning** (``closed → planned``) warm-starts from the round's previous plan
  when it is still in this process's memory, and reuses the cached labour values
  of the technology (they do not depend on goals).
* **Convergence** (checked on ``planned → published``): the largest relative
  change of any target between this iteration's goals and the previous one's is at
  most the round's ``tolerance``. Then the round finishes as ``converged``.
* **Cap and fallback**: when the published iteration is the last one the cap
  allows (``iteration + 1 == max_iterations``), the round finishes as ``cap``; its
  plan is the latest *optimal* plan of the round (the fallback), which
  ``GET /rounds/{id}/plan`` returns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
import time
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
from councilplan.democracy.costs import remember_labour_values
from councilplan.democracy.rules import ballot_rules
from councilplan.model.economy import Economy
from councilplan.planning import Plan, plan
from councilplan.planning.bundle import bundle_bytes
from councilplan.planning.problem import build_problem
from councilplan.solvers import Status, policy
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


# ------------------------------------------------------------------- numbers
def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def goals_json(g: Goals) -> dict[str, Any]:
    t = g.targets
    return {
        "rule": g.rule,
        "targets": {str(i): {"amount": _num(r.amount), "weight": _num(r.weight), "floor": _num(r.floor)}
                    for i, r in zip(t.index, t.itertuples(), strict=True)},
        "capacity": {str(k): _num(v) for k, v in (g.capacity.items() if g.capacity is not None else ())},
        "labour": {str(k): _num(v) for k, v in (g.labour.items() if g.labour is not None else ())},
        "techniques": [{"process": c.process, "table": c.table, "item": c.item, "amount": c.amount,
                        "justification": c.justification} for c in g.techniques],
        "notes": list(g.notes),
    }


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
                councils: dict[int, CouncilRow]) -> dict[str, Any]:
    f = pl.fulfilment() if pl.optimal else None
    outcomes = []
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
    return {
        "status": str(pl.status), "objective": pl.objective, "objective_name": pl.objective_name,
        "scale": _num(pl.scale), "solver": pl.solver, "message": pl.message, "iterations": pl.iterations,
        "certificate": pl.certificate.as_dict() if pl.certificate else None,
        "timings": {k: float(v) for k, v in pl.timings.items()},
        "net_output": ([{"good": str(g), "amount": _num(r.amount), "target": _num(r.target),
                         "floor": _num(r.floor), "fulfilment": _num(r.fulfilment)}
                        for g, r in zip(f.index, f.itertuples(), strict=True)] if f is not None else []),
        "prices": [{"kind": str(r.kind), "id": str(r.id), "shadow_price": _num(r.shadow_price)}
                   for r in pl.prices.itertuples()],
        "binding": [{"kind": str(r.kind), "id": str(r.id), "shadow_price": _num(r.shadow_price)}
                    for r in pl.binding().itertuples()] if pl.optimal else [],
        "labour_values": ({str(g): _num(v) for g, v in pl.labour_values["total"].items()}
                          if pl.labour_values is not None else {}),
        "explanation": pl.explanation.as_dict() if pl.explanation is not None else None,
        "outcomes": outcomes,
    }


# ------------------------------------------------------------------ planning
def compute_plan(
    economy: Economy, goals: Goals, objective: str, *, previous: Plan | None = None,
) -> Plan:
    """The plan of ``economy`` under ``goals``, warm-started from ``previous`` when the LP keeps its shape.

    Small LPs: HiGHS, warm from the previous simplex basis. Large ones (``policy.POLICY.is_large``):
    HiGHS' interior point cold, ``pdlp`` warm from the previous primal-dual point (certified to
    ``POLICY.warm_tol``), HiGHS from the basis if that does not finish: the basis's factorisation
    alone takes seconds at 10^4 goods, where the inverse of ``I - A`` is dense. Labour values are cached.
    """
    rules = policy.POLICY
    t0 = time.perf_counter()
    eco = goals.apply(economy)
    lp = build_problem(eco, objective)  # type: ignore[arg-type]
    large = rules.is_large(lp)
    usable = (previous is not None and previous.optimal and previous.objective_name == objective
              and "x" in previous.raw and "row_dual" in previous.raw
              and lp.shape == (len(previous.raw["row_dual"]), len(previous.raw["x"])))
    pl: Plan | None = None
    how = "cold"
    if usable and large:
        assert previous is not None
        pl = plan(eco, objective=objective, solver="pdlp", with_values=False,  # type: ignore[arg-type]
                  options=rules.warm_options(previous.raw["x"], previous.raw["row_dual"]))
        how = "warm: pdlp from the previous plan's primal-dual point"
        if pl.status is not Status.OPTIMAL:
            pl = None
    if pl is None and usable:
        pl = plan(eco, objective=objective, with_values=False, warm=previous)  # type: ignore[arg-type]
        how = "warm: HiGHS from the previous plan's basis"
    if pl is None:
        pl = plan(eco, objective=objective, options=rules.cold_options(lp), with_values=False)  # type: ignore[arg-type]
        how = "cold: HiGHS " + ("interior point" if large else "simplex")
    if pl.status is Status.OPTIMAL:
        pl.labour_values = econ_files.labour_values_cached(eco)
    pl.timings["total"] = time.perf_counter() - t0
    if pl.status is Status.OPTIMAL:
        pl.message = f"{pl.message} ({how})" if pl.message else how
    return pl


def aggregate(session: Session, rnd: RoundRow, economy: Economy, previous: Plan | None
              ) -> tuple[Goals, Sequence[ProposalRow], dict[int, CouncilRow]]:
    rows = active_proposals(session, rnd.id)
    councils = {c.id: c for c in session.execute(
        select(CouncilRow).where(CouncilRow.economy_id == rnd.economy_id, CouncilRow.kind != BOARD)).scalars()}
    rule = get_rule(rnd.rule)
    if previous is None and not economy.is_square():  # the rule prices proposals at labour values
        remember_labour_values(economy, econ_files.labour_values_cached(economy))
    goals = rule.aggregate([domain_proposal(p) for p in rows if p.council_id in councils],
                           {str(c.id): domain_council(c) for c in councils.values()}, economy, previous,
                           votes=stored_votes(session, rnd, rows, councils))
    return goals, rows, councils


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


def _previous(rnd: RoundRow) -> Plan | None:
    with _lock:
        hit = _warm.get(rnd.id)
    return hit[1] if hit is not None and hit[0] < rnd.iteration + 1 else None


@dataclass
class PreparedPlan:
    """An iteration's plan computed from a snapshot of the round (no lock held), ready to be stored."""

    round_id: int
    iteration: int
    plan: Plan
    status: str
    input_hash: str
    goals: dict[str, Any]
    result: dict[str, Any]
    proposals: list[int]
    #: the plan bundle (docs/bundle.md); None when the solver found no primal–dual point
    bundle: bytes | None = None


def prepare_plan(session: Session, *, rnd: RoundRow) -> PreparedPlan:
    """Aggregate the round's active proposals and compute its plan: the slow part, done in a reading
    session so that no write lock is held while the solver runs (proposals cannot change while the
    round is closed; :func:`record_plan` re-checks the round under its lock)."""
    eco_row = session.get(EconomyRow, rnd.economy_id)
    assert eco_row is not None
    economy, capacities = planning_capacities(session, rnd.economy_id, economy_of(eco_row))
    previous = _previous(rnd)
    goals, rows, councils = aggregate(session, rnd, economy, previous)
    pl = compute_plan(economy, goals, rnd.objective, previous=previous)
    bundle = None
    if pl.raw:
        bundle = bundle_bytes(pl, goals.apply(economy), meta={"economy": rnd.economy_id, "round": rnd.id,
                                                             "iteration": rnd.iteration, "rule": rnd.rule})
    result = result_json(pl, goals, rows, councils)
    if capacities:  # what the deviation alerts changed (docs/monitoring.md)
        result["capacity_updates"] = {p: float(c) for p, c in sorted(capacities.items())}
    return PreparedPlan(rnd.id, rnd.iteration, pl, str(pl.status), pl.input_hash, goals_json(goals),
                        result, [p.id for p in rows], bundle)


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
    row = PlanRow(round_id=rnd.id, iteration=rnd.iteration, status=prepared.status, objective=rnd.objective,
                  rule=rnd.rule, input_hash=prepared.input_hash, published=False, goals=prepared.goals,
                  result=prepared.result)
    session.add(row)
    rnd.state = RoundPhase.PLANNED.value
    session.flush()
    payload: dict[str, Any] = {"iteration": rnd.iteration, "plan": row.id, "status": row.status,
                               "input_hash": row.input_hash, "proposals": prepared.proposals,
                               "digest": plan_digest(row.goals, row.result)}
    if prepared.bundle is not None:
        digest = hashlib.sha256(prepared.bundle).hexdigest()
        session.add(PlanBundleRow(plan_id=row.id, sha256=digest, size=len(prepared.bundle), data=prepared.bundle))
        payload["bundle"] = digest
    append_event(session, economy_id=rnd.economy_id, action="round.planned", entity="round", entity_id=rnd.id,
                 actor=actor, payload=payload)
    return row


def plan_round(session: Session, *, rnd: RoundRow, actor: int) -> PlanRow:
    """``closed → planned`` in one session: aggregate the active proposals and compute the plan."""
    return record_plan(session, rnd=rnd, prepared=prepare_plan(session, rnd=rnd), actor=actor)


def target_change(new: dict[str, Any], old: dict[str, Any]) -> float:
    """The largest relative change of a target amount between two goals (``goals_json`` form)."""
    goods = set(new.get("targets", {})) | set(old.get("targets", {}))
    worst = 0.0
    for g in goods:
        a = (new["targets"].get(g) or {}).get("amount") or 0.0
        b = (old["targets"].get(g) or {}).get("amount") or 0.0
        scale = max(abs(a), abs(b))
        if scale > 0:
            worst = max(worst, abs(a - b) / scale)
    return float(worst)


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
        prev = session.execute(select(PlanRow).where(PlanRow.round_id == rnd.id,
                                                     PlanRow.iteration == rnd.iteration - 1)).scalar_one_or_none()
        change = target_change(plan_row.goals, prev.goals) if prev is not None else math.inf
        payload.update({"plan": plan_row.id, "target_change": _num(change)})
        if prev is not None and change <= rnd.tolerance and plan_row.status == Status.OPTIMAL.value:
            state = state.finish("converged")
        elif state.iteration + 1 >= state.max_iterations:
            state = state.finish("cap")
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
    if rnd.finish_reason == "cap":
        best = session.execute(q.where(PlanRow.status == Status.OPTIMAL.value)
                               .order_by(PlanRow.iteration.desc()).limit(1)).scalar_one_or_none()
        if best is not None:
            return best
    return session.execute(q.order_by(PlanRow.iteration.desc()).limit(1)).scalar_one_or_none()


def warm_plan(round_id: int) -> Plan | None:
    with _lock:
        hit = _warm.get(round_id)
    return hit[1] if hit else None


