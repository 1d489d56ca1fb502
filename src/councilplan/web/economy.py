"""The economy browser: goods and processes with server-side search and pagination, and each good's
and process's links (who makes it, who uses it, what it needs). Public, as ``GET /economies`` is."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from councilplan.model.catalogue import SORTS, Catalogue
from councilplan.store import crud
from councilplan.store.planning import economy_of
from councilplan.store.tables import EconomyRow
from councilplan.web.context import database, guarded, render, visitor
from councilplan.web.security import PATH
from councilplan.web.strings import t

router = APIRouter(prefix=PATH, include_in_schema=False)
PAGE = 50
LINKS = 200     #: links listed on a good's or process's page (the rest are counted)
TABS = ("goods", "processes")
Search = Annotated[str, Query(max_length=200)]


def catalogue_of(request: Request, economy_id: int) -> tuple[EconomyRow, Catalogue]:
    """The stored economy's row and its catalogue (parsed once per content hash, then cached)."""
    with database(request).transaction(write=False) as s:
        row = crud.get(s, EconomyRow, economy_id, what="economy")
        economy = economy_of(row)
        s.expunge(row)
    return row, Catalogue.of(economy)


def page_of(n: int, page: int, size: int = PAGE) -> tuple[int, int]:
    """``(page, pages)``: the page clamped to ``1..pages``."""
    pages = max(1, math.ceil(n / size))
    return min(max(page, 1), pages), pages


@router.get("/economies")
def economies(request: Request, page: int = 1) -> Response:
    v = visitor(request)
    with database(request).transaction(write=False) as s:
        total = s.execute(select(func.count()).select_from(EconomyRow)).scalar_one()
        page, pages = page_of(total, page)
        rows = s.execute(select(EconomyRow.id, EconomyRow.name, EconomyRow.n_goods, EconomyRow.n_processes)
                         .order_by(EconomyRow.id).offset((page - 1) * PAGE).limit(PAGE)).all()
    return render(request, v, "economies.html", rows=rows, page=page, pages=pages, total=total)


@router.get("/economies/{economy_id}")
def browse(request: Request, economy_id: int, tab: str = "goods", q: Search = "", sort: str = "id",
           desc: bool = False, page: int = 1) -> Response:
    """One page of the economy's goods or processes whose id or name contains ``q``."""
    v = visitor(request)

    def go() -> Response:
        if tab not in TABS:
            raise HTTPException(422, t("economy.bad_tab", tab=tab))
        if sort not in SORTS:
            raise HTTPException(422, t("economy.bad_sort", sort=sort))
        row, cat = catalogue_of(request, economy_id)
        index = getattr(cat, tab)
        hits = index.search(q, offset=(max(page, 1) - 1) * PAGE, limit=PAGE, sort=sort, desc=desc)
        pg, pages = page_of(hits.total, page)
        if pg != page:  # past the last page (or before the first): show the nearest one
            hits = index.search(q, offset=(pg - 1) * PAGE, limit=PAGE, sort=sort, desc=desc)
        items = [_item(cat, tab, int(k)) for k in hits.rows]
        return render(request, v, "economy.html", economy=row, tab=tab, q=q, sort=sort, desc=desc, items=items,
                      total=hits.total, page=pg, pages=pages, n_goods=len(cat.goods),
                      n_processes=len(cat.processes))

    return guarded(request, v, go)


def _item(cat: Catalogue, tab: str, k: int) -> dict[str, Any]:
    index = getattr(cat, tab)
    out: dict[str, Any] = {"id": index.ids[k], "name": index.names[k]}
    e = cat.economy
    if tab == "goods":
        out["unit"] = str(e.goods["unit"].iloc[k]) if "unit" in e.goods else ""
        out["target"] = float(e.targets["amount"].iloc[k]) if len(e.targets) == len(e.goods) else None
    else:
        cap = float(e.capacity.iloc[k])
        out["capacity"] = cap if math.isfinite(cap) else None
    return out


@router.get("/economies/{economy_id}/goods/{good_id:path}")
def good(request: Request, economy_id: int, good_id: str) -> Response:
    v = visitor(request)

    def go() -> Response:
        row, cat = catalogue_of(request, economy_id)
        try:
            detail = cat.good(good_id)
        except KeyError:
            raise crud.NotFoundError(t("economy.unknown_good", id=good_id, economy=economy_id)) from None
        return render(request, v, "good.html", economy=row, good=detail, limit=LINKS)

    return guarded(request, v, go)


@router.get("/economies/{economy_id}/processes/{process_id:path}")
def process(request: Request, economy_id: int, process_id: str) -> Response:
    v = visitor(request)

    def go() -> Response:
        row, cat = catalogue_of(request, economy_id)
        try:
            detail = cat.process(process_id)
        except KeyError:
            raise crud.NotFoundError(t("economy.unknown_process", id=process_id, economy=economy_id)) from None
        return render(request, v, "process.html", economy=row, process=detail, limit=LINKS)

    return guarded(request, v, go)
