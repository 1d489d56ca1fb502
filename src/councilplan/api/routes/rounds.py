"""Planning rounds: ``open → closed → planned → published``, then the next iteration."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from councilplan.api.deps import (
    CurrentMember,
    CurrentViewer,
    Id,
    PageDep,
    ReadSessionDep,
    SessionDep,
    authorize,
    can_read,
    page_of,
    transactional,
)
from councilplan.api.schemas import (
    Page,
    PlanSummary,
    RoundAdvanced,
    RoundCreate,
    RoundPublic,
    RoundReopen,
)
from councilplan.democracy.rules import available_rules
from councilplan.store import crud, planning
from councilplan.store.tables import RoundRow

router = APIRouter(tags=["rounds"])


@router.post("/economies/{economy_id}/rounds", status_code=status.HTTP_201_CREATED, response_model=RoundPublic)
@transactional
def create_round(economy_id: Id, body: RoundCreate, session: SessionDep, actor: CurrentMember) -> RoundPublic:
    """Open a new round (admins); one round runs at a time per economy."""
    authorize(actor, "rounds.create", economy_id=economy_id)
    rules = available_rules()
    if body.rule not in rules:
        raise HTTPException(422, f"unknown aggregation rule '{body.rule}'; choose one of: {', '.join(rules)}")
    row = crud.create_round(session, economy_id=economy_id, actor=actor.id, rule=body.rule,
                            objective=body.objective, max_iterations=body.max_iterations, tolerance=body.tolerance,
                            deadline=body.deadline)
    session.commit()
    return RoundPublic.model_validate(row)


@router.get("/economies/{economy_id}/rounds", response_model=Page[RoundPublic])
@transactional
def list_rounds(economy_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep
                ) -> Page[RoundPublic]:
    can_read(actor, economy_id)
    q = select(RoundRow).where(RoundRow.economy_id == economy_id).order_by(RoundRow.number)
    return page_of(session, q, paging, RoundPublic)


@router.get("/rounds/{round_id}", response_model=RoundPublic)
@transactional
def get_round(round_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> RoundPublic:
    row = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, row.economy_id)
    return RoundPublic.model_validate(row)


def _advance(round_id: Id, to: str, session: SessionDep, actor: CurrentMember,
             deadline: dt.datetime | None = None) -> RoundAdvanced:
    rnd = crud.get(session, RoundRow, round_id, what="round")
    authorize(actor, "rounds.advance", economy_id=rnd.economy_id)
    rnd = crud.lock_round(session, round_id, shared=False)
    rnd, plan_row = planning.advance_round(session, rnd=rnd, actor=actor.id, to=to, deadline=deadline)
    session.commit()
    return RoundAdvanced(round=RoundPublic.model_validate(rnd),
                         plan=PlanSummary.model_validate(plan_row) if plan_row is not None else None)


@router.post("/rounds/{round_id}/close", response_model=RoundAdvanced)
@transactional
def close_round(round_id: Id, session: SessionDep, actor: CurrentMember) -> RoundAdvanced:
    """``open → closed``: no more proposals this iteration (admins)."""
    return _advance(round_id, "closed", session, actor)


@router.post("/rounds/{round_id}/plan", response_model=RoundAdvanced)
@transactional
def plan_round(round_id: Id, session: SessionDep, reader: ReadSessionDep, actor: CurrentMember) -> RoundAdvanced:
    """``closed → planned``: aggregate the proposals with the round's rule and compute the plan (admins).

    The plan is computed from a reading session, with no lock held (writes to other rounds and
    economies go on meanwhile); it is stored under the round's lock if the round has not moved."""
    rnd = crud.get(reader, RoundRow, round_id, what="round")
    authorize(actor, "rounds.advance", economy_id=rnd.economy_id)
    planning.round_state(rnd).advance("planned")  # 409 at once when the round is not closed
    prepared = planning.prepare_plan(reader, rnd=rnd)
    reader.rollback()
    rnd = crud.lock_round(session, round_id, shared=False)
    plan_row = planning.record_plan(session, rnd=rnd, prepared=prepared, actor=actor.id)
    session.commit()
    return RoundAdvanced(round=RoundPublic.model_validate(rnd), plan=PlanSummary.model_validate(plan_row))


@router.post("/rounds/{round_id}/publish", response_model=RoundAdvanced)
@transactional
def publish_round(round_id: Id, session: SessionDep, actor: CurrentMember) -> RoundAdvanced:
    """``planned → published``: publish the plan and costs; finishes the round when it converged or at the cap."""
    return _advance(round_id, "published", session, actor)


@router.post("/rounds/{round_id}/reopen", response_model=RoundAdvanced)
@transactional
def reopen_round(round_id: Id, session: SessionDep, actor: CurrentMember,
                 body: RoundReopen | None = None) -> RoundAdvanced:
    """``published → open``: the next iteration, in which councils revise their proposals (admins),
    with its own deadline when the body gives one."""
    return _advance(round_id, "open", session, actor, body.deadline if body is not None else None)
