"""Proposals of councils in a round: submit, list, revise, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from councilplan.api.deps import (
    Actor,
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
from councilplan.api.schemas import MAX_ID, Page, ProposalContent, ProposalCreate, ProposalPublic
from councilplan.api.validation import check_proposal
from councilplan.store import crud
from councilplan.store import economies as econ_files
from councilplan.store.planning import economy_of
from councilplan.store.tables import EconomyRow, ProposalRow, RoundRow

router = APIRouter(tags=["proposals"])


_open = crud.ensure_open


def _content(body: ProposalContent) -> dict[str, Any]:
    return ProposalContent.model_validate(body.model_dump(include=set(ProposalContent.model_fields))
                                          ).model_dump(exclude_defaults=True)


def _validate(session: Session, actor: Actor, economy_id: int, body: ProposalContent, kind: str,
              content_hash: str | None = None) -> None:
    economy = econ_files.cached(content_hash) if content_hash is not None else None
    if economy is None:
        economy = economy_of(crud.get(session, EconomyRow, economy_id, what="economy"))
    check_proposal(ProposalCreate.model_validate(body.model_dump()), kind, actor.council.kind,
                   list(actor.council.processes or []), economy, council_id=str(actor.council.id),
                   population=float(actor.council.population or 0.0))


@router.post("/rounds/{round_id}/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalPublic,
             responses={200: {"model": ProposalPublic, "description": "the same client_key was stored before"}})
@transactional
def submit_proposal(round_id: Id, body: ProposalCreate, session: SessionDep, reader: ReadSessionDep,
                    actor: CurrentMember, response: Response) -> ProposalPublic:
    """Submit your council's proposal (delegates). Stored and committed before the answer.

    Everything that needs no lock (permission, validation, a resubmitted ``client_key``) is done
    in a reading session first (one query); the write then only re-checks the round, inserts and
    appends: on PostgreSQL one statement in autocommit (``crud.submit_proposal``), on SQLite a
    transaction of the writer's session.
    """
    key = body.client_key or uuid.uuid4().hex
    seen, content_hash, stored = crud.round_and_economy(reader, round_id, council_id=actor.council.id,
                                                        client_key=key)
    council_id = body.council_id if body.council_id is not None else actor.council.id
    authorize(actor, "proposals.submit", economy_id=seen.economy_id, council_id=council_id)
    if actor.council.kind == crud.BOARD:
        raise HTTPException(403, "the facilitation board makes no proposals; councils do")
    kind = body.kind or ("workplace" if actor.council.kind == "workplace" else "consumer")
    _validate(reader, actor, seen.economy_id, body, kind, content_hash)
    _open(seen)
    if stored is not None:
        response.status_code = status.HTTP_200_OK
        return ProposalPublic.model_validate(stored)
    reader.rollback()  # ends SQLite's read snapshot (PostgreSQL's reading session is in autocommit)
    writer = reader if reader.get_bind().dialect.name == "postgresql" else session
    try:
        row, created = crud.submit_proposal(writer, round_id=round_id, council=actor.council, actor=actor.id,
                                            kind=kind, content=_content(body), client_key=key, checked=True)
        writer.commit()
    except IntegrityError:  # the same key committed by a concurrent request
        writer.rollback()
        found = crud.find_proposal(writer, round_id=round_id, council_id=actor.council.id, client_key=key)
        writer.rollback()
        if found is None:  # pragma: no cover (the unique constraint names exactly this row)
            raise
        row, created = found, False
    if not created:
        response.status_code = status.HTTP_200_OK
    return ProposalPublic.model_validate(row)


@router.get("/rounds/{round_id}/proposals", response_model=Page[ProposalPublic])
@transactional
def list_proposals(round_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep,
                   council_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                   status_: str | None = Query(None, alias="status", pattern="^(active|withdrawn)$"),
                   ) -> Page[ProposalPublic]:
    rnd = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, rnd.economy_id)
    q = select(ProposalRow).where(ProposalRow.round_id == round_id).order_by(ProposalRow.id)
    if council_id is not None:
        q = q.where(ProposalRow.council_id == council_id)
    if status_ is not None:
        q = q.where(ProposalRow.status == status_)
    return page_of(session, q, paging, ProposalPublic)


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
@transactional
def get_proposal(proposal_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> ProposalPublic:
    row = crud.get(session, ProposalRow, proposal_id, what="proposal")
    rnd = crud.get(session, RoundRow, row.round_id, what="round")
    can_read(actor, rnd.economy_id)
    return ProposalPublic.model_validate(row)


def _own(session: SessionDep, actor: Actor, proposal_id: int, action: str) -> tuple[ProposalRow, RoundRow]:
    row = crud.get(session, ProposalRow, proposal_id, what="proposal")
    rnd = crud.get(session, RoundRow, row.round_id, what="round")
    authorize(actor, action, economy_id=rnd.economy_id, council_id=row.council_id)
    rnd = crud.lock_round(session, rnd.id, shared=True)
    _open(rnd)
    if row.status != "active":
        raise crud.ConflictError(f"proposal {row.id} is {row.status}")
    return row, rnd


@router.put("/proposals/{proposal_id}", response_model=ProposalPublic)
@transactional
def revise_proposal(proposal_id: Id, body: ProposalContent, session: SessionDep, actor: CurrentMember
                    ) -> ProposalPublic:
    """Revise your council's proposal while the round is open (delegates); its version goes up by one."""
    row, rnd = _own(session, actor, proposal_id, "proposals.revise")
    _validate(session, actor, rnd.economy_id, body, row.kind)
    crud.revise_proposal(session, row=row, rnd=rnd, economy_id=rnd.economy_id, actor=actor.id,
                         content=_content(body))
    session.commit()
    return ProposalPublic.model_validate(row)


@router.delete("/proposals/{proposal_id}", response_model=ProposalPublic)
@transactional
def withdraw_proposal(proposal_id: Id, session: SessionDep, actor: CurrentMember) -> ProposalPublic:
    """Withdraw your council's proposal while the round is open (delegates)."""
    row, rnd = _own(session, actor, proposal_id, "proposals.withdraw")
    crud.withdraw_proposal(session, row=row, economy_id=rnd.economy_id, actor=actor.id)
    session.commit()
    return ProposalPublic.model_validate(row)
