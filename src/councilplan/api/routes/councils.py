"""Councils of an economy, and invites into a council."""

from __future__ import annotations

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
    CouncilCreate,
    CouncilCreated,
    CouncilPublic,
    CouncilUpdate,
    InviteCreate,
    InvitePublic,
    Page,
)
from councilplan.api.validation import check_processes
from councilplan.democracy import Council, CouncilKind, Role
from councilplan.store import crud
from councilplan.store.planning import economy_of
from councilplan.store.tables import CouncilRow, EconomyRow

router = APIRouter(tags=["councils"])


def _check(session: SessionDep, economy_id: int, kind: str, population: float | None,
           processes: list[str]) -> None:
    # the domain's own checks (kind, population, processes), then the ids against the economy
    Council(id="new", name="new", kind=CouncilKind(kind), processes=tuple(processes), population=population or 0.0)
    check_processes(processes, economy_of(crud.get(session, EconomyRow, economy_id, what="economy")))


@router.post("/economies/{economy_id}/councils", status_code=status.HTTP_201_CREATED,
             response_model=CouncilCreated)
@transactional
def create_council(economy_id: Id, body: CouncilCreate, session: SessionDep, actor: CurrentMember
                   ) -> CouncilCreated:
    """Create a council (admins); the answer carries a one-time invite for its first coordinator."""
    authorize(actor, "councils.create", economy_id=economy_id)
    _check(session, economy_id, body.kind, body.population, body.processes)
    row, inv, code = crud.create_council(session, economy_id=economy_id, actor=actor.id, name=body.name,
                                         kind=body.kind, population=body.population, processes=body.processes)
    session.commit()
    return CouncilCreated(council=CouncilPublic.model_validate(row),
                          invite=InvitePublic(id=inv.id, council_id=row.id, role=inv.role,
                                              expires_at=inv.expires_at, code=code))


@router.get("/economies/{economy_id}/councils", response_model=Page[CouncilPublic])
@transactional
def list_councils(economy_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep
                  ) -> Page[CouncilPublic]:
    can_read(actor, economy_id)
    q = select(CouncilRow).where(CouncilRow.economy_id == economy_id).order_by(CouncilRow.id)
    return page_of(session, q, paging, CouncilPublic)


@router.get("/councils/{council_id}", response_model=CouncilPublic)
@transactional
def get_council(council_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> CouncilPublic:
    row = crud.get(session, CouncilRow, council_id, what="council")
    can_read(actor, row.economy_id)
    return CouncilPublic.model_validate(row)


@router.patch("/councils/{council_id}", response_model=CouncilPublic)
@transactional
def update_council(council_id: Id, body: CouncilUpdate, session: SessionDep, actor: CurrentMember
                   ) -> CouncilPublic:
    """Change your own council's name, population or processes (coordinators)."""
    row = crud.get(session, CouncilRow, council_id, what="council")
    authorize(actor, "councils.update", economy_id=row.economy_id, council_id=row.id)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise HTTPException(422, "nothing to change: give name, population or processes")
    for key, fix in (("name", "leave it out to keep the name"), ("processes", "give [] for none")):
        if key in changes and changes[key] is None:
            raise HTTPException(422, f"{key} cannot be null: {fix}")
    if row.kind == crud.BOARD and ("population" in changes or "processes" in changes):
        raise HTTPException(422, "the facilitation board has no population or processes")
    if row.kind != crud.BOARD:
        _check(session, row.economy_id, row.kind, changes.get("population", row.population),
               changes.get("processes", row.processes))
    crud.update_council(session, council=row, actor=actor.id, changes=changes)
    session.commit()
    return CouncilPublic.model_validate(row)


@router.post("/councils/{council_id}/invites", status_code=status.HTTP_201_CREATED, response_model=InvitePublic)
@transactional
def create_invite(council_id: Id, body: InviteCreate, session: SessionDep, actor: CurrentMember) -> InvitePublic:
    """A one-time invite into your own council (coordinators), with a role no higher than yours."""
    row = crud.get(session, CouncilRow, council_id, what="council")
    authorize(actor, "invites.create", economy_id=row.economy_id, council_id=row.id)
    if not actor.role.at_least(Role(body.role)):
        raise HTTPException(403, f"you cannot invite a '{body.role}': that is above your role '{actor.role}'")
    inv, code = crud.create_invite(session, council=row, actor=actor.id, role=body.role, days=body.days)
    session.commit()
    return InvitePublic(id=inv.id, council_id=row.id, role=inv.role, expires_at=inv.expires_at, code=code)
