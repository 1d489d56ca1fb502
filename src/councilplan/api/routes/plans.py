"""Plans of a round's iterations, with what binds and what each proposal costs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
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
from councilplan.store.tables import PlanBundleRow, PlanRow, RoundRow

router = APIRouter(tags=["plans"])


@router.get("/rounds/{round_id}/plans", response_model=Page[PlanSummary])
@transactional
def list_plans(round_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep) -> Page[PlanSummary]:
    rnd = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, rnd.economy_id)
    q = select(PlanRow).where(PlanRow.round_id == round_id).order_by(PlanRow.iteration, PlanRow.fallback)
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


@router.get("/plans/{plan_id}/bundle", response_class=Response,
            responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "the plan bundle (docs/bundle.md)"}})
@transactional
def get_plan_bundle(plan_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> Response:
    """The plan's bundle: a zip of the economy, goals, options, plan and prices, exactly as it was
    written when the plan was computed. Check it with `councilplan verify FILE --expect-hash
    INPUT_HASH` (or the standalone verifier.py), with this plan's `input_hash`."""
    row = crud.get(session, PlanRow, plan_id, what="plan")
    rnd = crud.get(session, RoundRow, row.round_id, what="round")
    can_read(actor, rnd.economy_id)
    return bundle_response(session, row)


def bundle_response(session: Any, plan: PlanRow) -> Response:
    """The stored bundle of ``plan`` as a download (ETag: its SHA-256; ``X-Input-Hash``: the plan's)."""
    bundle = session.get(PlanBundleRow, plan.id)
    if bundle is None:
        raise crud.NotFoundError(f"plan {plan.id} has no bundle: its solver stopped ({plan.status}) before it "
                                 "found a primal–dual point, or it was planned before bundles were recorded")
    return Response(bundle.data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan.id}.zip"',
                             "ETag": f'"{bundle.sha256}"', "X-Input-Hash": plan.input_hash})
