"""Economies (the tenants), their event log, and the aggregation rules on offer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status

from councilplan.api.deps import (
    CurrentViewer,
    Id,
    PageDep,
    ReadSessionDep,
    SessionDep,
    can_read,
    page_of,
    transactional,
)
from councilplan.api.schemas import (
    CatalogueItem,
    ChainPublic,
    CouncilPublic,
    EconomyCreate,
    EconomyCreated,
    EconomyDetail,
    EconomyPublic,
    EventPublic,
    MemberPublic,
    Page,
)
from councilplan.democracy import get_rule
from councilplan.democracy.rules import available_rules
from councilplan.examples import available_examples, example_path
from councilplan.model.catalogue import Catalogue
from councilplan.store import crud
from councilplan.store.audit import verify_chain
from councilplan.store.economies import files_of_directory
from councilplan.store.planning import economy_of
from councilplan.store.tables import EconomyRow

router = APIRouter(prefix="/economies", tags=["economies"])
meta = APIRouter(tags=["meta"])


@meta.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@meta.get("/rules")
def rules() -> list[dict[str, Any]]:
    """The aggregation rules a round can use, with their properties."""
    return [get_rule(name).describe() for name in available_rules()]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EconomyCreated)
@transactional
def create_economy(body: EconomyCreate, session: SessionDep) -> EconomyCreated:
    """Store an economy (a built-in example or uploaded files, validated strictly) with its facilitation
    board; the caller becomes the board's admin and gets the admin token (shown once)."""
    if (body.example is None) == (body.files is None):
        raise HTTPException(422, "give exactly one of 'example' (a built-in economy) or 'files'")
    if body.example is not None:
        if body.example not in available_examples():
            raise HTTPException(422, f"unknown example '{body.example}'; choose one of: "
                                     f"{', '.join(available_examples())}")
        files = files_of_directory(example_path(body.example))
    else:
        assert body.files is not None
        files = body.files
    row, board, admin, token = crud.create_economy(session, files=files, admin_name=body.admin_name,
                                                   name=body.name)
    session.commit()
    return EconomyCreated(economy=EconomyPublic.model_validate(row), board=CouncilPublic.model_validate(board),
                          admin=MemberPublic.model_validate(admin), token=token)


@router.get("", response_model=Page[EconomyPublic])
@transactional
def list_economies(session: ReadSessionDep, paging: PageDep) -> Page[EconomyPublic]:
    from sqlalchemy import select

    return page_of(session, select(EconomyRow).order_by(EconomyRow.id), paging, EconomyPublic)


@router.get("/{economy_id}", response_model=EconomyDetail)
@transactional
def get_economy(economy_id: Id, session: ReadSessionDep) -> EconomyDetail:
    row = crud.get(session, EconomyRow, economy_id, what="economy")
    e = economy_of(row)
    return EconomyDetail(**EconomyPublic.model_validate(row).model_dump(),
                         goods=[str(g) for g in e.goods.index], processes=[str(p) for p in e.processes.index],
                         labour_kinds=[str(k) for k in e.labour_kinds], resources=[str(r) for r in e.resources])


Search = Annotated[str, Query(max_length=200, description="case-insensitive substring of id or name")]
Sort = Annotated[Literal["id", "name"], Query(description="id (the file's order) or name")]


def _listing(economy_id: int, session: Any, which: str, q: str, sort: str, paging: Any) -> Page[CatalogueItem]:
    e = economy_of(crud.get(session, EconomyRow, economy_id, what="economy"))
    index = getattr(Catalogue.of(e), which)
    hits = index.search(q, offset=paging.offset, limit=paging.limit, sort=sort)
    return Page(items=[CatalogueItem(id=index.ids[k], name=index.names[k]) for k in hits.rows],
                total=hits.total, offset=paging.offset, limit=paging.limit)


@router.get("/{economy_id}/goods", response_model=Page[CatalogueItem])
@transactional
def list_goods(economy_id: Id, session: ReadSessionDep, paging: PageDep, q: Search = "",
               sort: Sort = "id") -> Page[CatalogueItem]:
    """The economy's goods whose id or name contains ``q``, one page at a time (public)."""
    return _listing(economy_id, session, "goods", q, sort, paging)


@router.get("/{economy_id}/processes", response_model=Page[CatalogueItem])
@transactional
def list_processes(economy_id: Id, session: ReadSessionDep, paging: PageDep, q: Search = "",
                   sort: Sort = "id") -> Page[CatalogueItem]:
    """The economy's processes whose id or name contains ``q``, one page at a time (public)."""
    return _listing(economy_id, session, "processes", q, sort, paging)


@router.get("/{economy_id}/events", response_model=Page[EventPublic])
@transactional
def list_events(economy_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep
                ) -> Page[EventPublic]:
    """The economy's append-only, hash-chained event log, oldest first."""
    can_read(actor, economy_id)
    return page_of(session, crud.events_query(economy_id), paging, EventPublic)


@router.get("/{economy_id}/events/verify", response_model=ChainPublic)
@transactional
def verify_events(economy_id: Id, session: ReadSessionDep, actor: CurrentViewer) -> ChainPublic:
    """Recompute every hash of the event chain."""
    can_read(actor, economy_id)
    c = verify_chain(session, economy_id)
    return ChainPublic(ok=c.ok, events=c.events, head=c.head, broken_at=c.broken_at, message=c.message)
