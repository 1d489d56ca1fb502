"""Plans of a round's iterations, with what binds and what each proposal costs."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from councilplan.api.deps import (
    CurrentViewer,
    Id,
    PageDep,
    ReadSessionDep,
    can_read,
    page_of,
    transactional,
)
from councilplan.api.schemas import Page, PlanPublic, PlanSummary
from councilplan.store import crud, planning
from councilplan.store.tables import PlanRow, RoundRow

router = APIRouter(tags=["plans"])


@router.get("/rounds/{round_id}/plans", response_model=Page[PlanSummary])
@transactional
def list_plans(round_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep) -> Page[PlanSummary]:
    rnd = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, rnd.economy_id)
    q = select(PlanRow).where(PlanRow.round_id == round_id).order_by(PlanRow.iteration)
    return page_of(session, q, paging, PlanSummary)


@router.get("/rounds/{round_id}/plan", response_model=PlanPublic)
@transactional
def current_plan(round_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> PlanPublic:
    """The round's current plan: the latest published one (at the cap: the latest optimal one, the fallback)."""
    rnd = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, rnd.economy_id)
    row = planning.round_plan(session, rnd)
    if row is None:
        raise crud.NotFoundError(f"round {round_id} has no published plan yet")
    return PlanPublic.model_validate(row)


@router.get("/plans/{plan_id}", response_model=PlanPublic)
@transactional
def get_plan(plan_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> PlanPublic:
    row = crud.get(session, PlanRow, plan_id, what="plan")
    rnd = crud.get(session, RoundRow, row.round_id, what="round")
    can_read(actor, rnd.economy_id)
    return PlanPublic.model_validate(row)
