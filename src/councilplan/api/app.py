"""The FastAPI application: routers, error mapping, and the database it serves.

Errors are part of the contract. Bad input is a **422** whose ``detail`` is a
list of ``{loc, msg, type}`` entries, each saying what is wrong and how to fix it
(FastAPI's own validation errors have the same shape); a missing or bad token is
401, a forbidden write 403, an unknown id 404, a conflict with the stored state
(an illegal round transition, a used invite) 409. Nothing a client sends gives a 500.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pydantic
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

import councilplan
from councilplan.api.deps import known_query
from councilplan.api.routes import (
    councils,
    economies,
    members,
    plans,
    proposals,
    reports,
    rounds,
    votes,
)
from councilplan.api.schemas import Problem
from councilplan.api.shedding import LoadShedder, max_inflight_from_env
from councilplan.democracy import ProposalError, RoundTransitionError
from councilplan.model.errors import EconomyError, InputError
from councilplan.monitor.alerts import ESCALATE_AFTER
from councilplan.monitor.reports import ReportError
from councilplan.store.crud import ConflictError, NotFoundError
from councilplan.store.db import Database

log = logging.getLogger("councilplan.api")


def _detail(status: int, items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": items})


def _economy_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EconomyError)
    return _detail(422, [{"loc": ["body", "files", i.file] + ([i.line] if i.line else []) +
                                 ([i.column] if i.column else []),
                          "msg": str(i), "type": "economy_error"} for i in exc.issues])


def _proposal_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProposalError)
    return _detail(422, [{"loc": ["body", *re.findall(r"[^.\[\]']+", i.field)],
                          "msg": f"{i.message}. Fix: {i.fix}", "type": "proposal_error"} for i in exc.issues])


def _report_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReportError)
    return _detail(422, [{"loc": ["body", "reports"] + ([i.line] if i.line is not None else []) +
                                 ([i.column] if i.column else []),
                          "msg": f"{i.message}. Fix: {i.fix}", "type": "report_error"} for i in exc.issues])


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float written as text (JSON has no NaN or infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, but one that can echo a rejected NaN or infinity (its default handler cannot)."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(exc.errors()))})


def _message(status: int, kind: str) -> Any:
    def handler(_: Request, exc: Exception) -> JSONResponse:
        msg = exc.args[0] if exc.args else str(exc)
        return JSONResponse(status_code=status, content={"detail": str(msg), "type": kind})

    return handler


def _integrity(_: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", exc)
    return JSONResponse(status_code=409, content={"detail": "this conflicts with stored data (a duplicate or a "
                                                            "missing reference); reload and try again",
                                                  "type": "conflict"})


def _busy(_: Request, exc: Exception) -> JSONResponse:
    log.warning("database busy: %s", exc)
    return JSONResponse(status_code=503, content={"detail": "the database is busy; retry shortly", "type": "busy"},
                        headers={"Retry-After": "1"})


def _internal(_: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error", exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal error; it has been logged", "type": "internal"})


#: threads that run the (synchronous) route bodies of one server process. Few threads keep the
#: GIL hand-offs short: a thread holding the database's write lock (SQLite) or the economy row's
#: lock (the event chain) gets the GIL back quickly after each statement, instead of queuing
#: behind dozens of threads (anyio's default is 40), which made every write wait for all of them.
ROUTE_THREADS = 4

#: seconds a thread may hold the GIL while another waits for it (Python's default: 0.005). The event
#: loop thread is busy whenever requests queue; a route thread that waits for the database gives the
#: GIL up and needs it back after every statement, up to 5 ms later by default: a few statements a
#: request, and under load the route threads finish slower than requests arrive (200 requests/s on
#: two workers then stalled for tens of seconds). Shorter turns keep the route threads moving.
SWITCH_INTERVAL = 0.0005


def _lifespan(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up of a serving process: its worker threads for the route bodies and the GIL's switch
    interval (:data:`SWITCH_INTERVAL`), set once in the server's event loop."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        sys.setswitchinterval(SWITCH_INTERVAL)
        yield

    return lifespan


def _escalation_from_env() -> dt.timedelta:
    """``$COUNCILPLAN_ALERT_ESCALATION_HOURS`` (hours an open alert waits before it escalates), else 48."""
    raw = os.environ.get("COUNCILPLAN_ALERT_ESCALATION_HOURS", "").strip()
    if not raw:
        return ESCALATE_AFTER
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not math.isfinite(hours) or hours < 0:
        raise InputError(f"COUNCILPLAN_ALERT_ESCALATION_HOURS={raw!r} is not a number of hours ≥ 0. Fix: set "
                         "it to e.g. 48")
    return dt.timedelta(hours=hours)


def create_app(db: Database | str | None = None, *, migrate: bool = True,
               threads: int = ROUTE_THREADS, max_inflight: int | None = None,
               escalate_after: dt.timedelta | None = None, portal: bool = True) -> FastAPI:
    """The API on ``db`` (a :class:`Database`, a URL, or the default SQLite file); migrates it unless told not to.

    ``threads``: worker threads for the route bodies (see :data:`ROUTE_THREADS`).
    ``max_inflight``: requests this process holds at once before it answers 503 ``overloaded``
    (:class:`~councilplan.api.shedding.LoadShedder`); ``None`` reads ``$COUNCILPLAN_MAX_INFLIGHT``
    (default :data:`~councilplan.api.shedding.MAX_INFLIGHT`), ``0`` turns shedding off.
    ``escalate_after``: how long an open deviation alert waits for its council before the facilitation
    board sees it; ``None`` reads ``$COUNCILPLAN_ALERT_ESCALATION_HOURS`` (default 48 hours).
    ``portal``: also serve the councils' portal (:mod:`councilplan.web`) under ``/portal``.
    """
    limit = max_inflight_from_env() if max_inflight is None else max_inflight
    if limit < 0:
        raise ValueError(f"max_inflight={limit} is negative. Fix: pass 0 (no shedding) or more")
    database = db if isinstance(db, Database) else Database(db)
    if migrate:
        database.upgrade()
    app = FastAPI(
        lifespan=_lifespan(threads),
        responses=ERRORS,
        dependencies=[Depends(known_query)],
        title="councilplan",
        version=councilplan.__version__,
        summary="Councils propose, a rule aggregates, the engine plans, councils revise.",
        description=("Token auth: send `Authorization: Bearer <token>`. Tokens come from `POST /economies` "
                     "(the admin) and `POST /invites/accept` (everyone else). Every write checks role and "
                     "council and is recorded in the economy's hash-chained event log. Lists take "
                     "`offset` and `limit`."),
    )
    app.state.db = database
    app.state.escalate_after = escalate_after if escalate_after is not None else _escalation_from_env()
    for r in (economies.meta, economies.router, councils.router, members.router, rounds.router,
              proposals.router, votes.router, plans.router, reports.router):
        app.include_router(r)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(EconomyError, _economy_error)
    app.add_exception_handler(ProposalError, _proposal_error)
    app.add_exception_handler(ReportError, _report_error)
    app.add_exception_handler(NotFoundError, _message(404, "not_found"))
    app.add_exception_handler(ConflictError, _message(409, "conflict"))
    app.add_exception_handler(RoundTransitionError, _message(409, "round_transition"))
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _busy)
    # only the user's mistakes are 422; any other exception is a bug (500, logged with its trace)
    app.add_exception_handler(InputError, _message(422, "value_error"))
    app.add_exception_handler(pydantic.ValidationError, _message(422, "value_error"))
    app.add_exception_handler(Exception, _internal)
    if portal:  # after the handlers: the portal answers its own pages' errors as pages
        from councilplan.web import mount

        mount(app)
    if limit:
        app.add_middleware(LoadShedder, limit=limit)
    app.state.max_inflight = limit
    return app


#: the error answers every operation documents (all of them :class:`Problem` bodies)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a body that cannot be read (not JSON, not UTF-8)"},
    401: {"model": Problem, "description": "no token, or one that is unknown or revoked"},
    403: {"model": Problem, "description": "the caller's role or council may not do this"},
    404: {"model": Problem, "description": "no such id (or not visible to the caller)"},
    409: {"model": Problem, "description": "conflicts with the stored state (an illegal round transition, "
                                           "a used invite, a duplicate)"},
    422: {"model": Problem, "description": "bad input: each entry of `detail` says where, what and the fix"},
    503: {"model": Problem, "description": "busy or at capacity: retry after `Retry-After` seconds",
          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}},
}


def freeze_startup_objects() -> None:
    """Move every object alive now (modules: pandas, scipy, SQLAlchemy, FastAPI…) out of the garbage
    collector's reach. A full collection of a server process otherwise walks ~150,000 objects and stops
    every request for 50–100 ms, which is the p99 latency. Call it once the app is built."""
    import gc

    gc.collect()
    gc.freeze()


def serving_app(db: Database, max_inflight: int | None = None) -> FastAPI:
    """The app a server process runs: on ``db``, already migrated, its start-up objects frozen."""
    app = create_app(db, migrate=False, max_inflight=max_inflight)
    freeze_startup_objects()
    return app


def app_from_env() -> FastAPI:
    """:func:`serving_app` on ``$COUNCILPLAN_DB``: the factory each worker process of
    ``councilplan serve --workers N`` calls."""
    return serving_app(Database())
