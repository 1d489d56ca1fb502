"""Production reports of workplace councils and the deviation alerts they raise (docs/monitoring.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from councilplan.api.deps import (
    CurrentMember,
    CurrentViewer,
    Id,
    PageDep,
    Paging,
    ReadSessionDep,
    SessionDep,
    authorize,
    can_read,
    page_of,
    transactional,
)
from councilplan.api.schemas import (
    AlertExplanation,
    AlertPublic,
    Page,
    ReportBatch,
    ReportPublic,
    ReportsSubmitted,
)
from councilplan.democracy import CouncilKind
from councilplan.monitor.alerts import ESCALATE_AFTER, AlertState, escalated
from councilplan.monitor.reports import ReportError, report_issues
from councilplan.store import crud, monitoring
from councilplan.store.tables import AlertRow, CouncilRow, EconomyRow, ReportRow, utcnow

router = APIRouter(tags=["reports"])


def alert_public(a: AlertRow, now: dt.datetime | None = None) -> AlertPublic:
    out = AlertPublic.model_validate(a)
    out.escalated = escalated(a.state, a.escalate_at, now or utcnow())
    return out


def _escalate_after(request: Request) -> dt.timedelta:
    return getattr(request.app.state, "escalate_after", ESCALATE_AFTER)


@router.post("/councils/{council_id}/reports", response_model=ReportsSubmitted)
@transactional
def submit_reports(council_id: Id, body: ReportBatch, request: Request, session: SessionDep,
                   actor: CurrentMember) -> ReportsSubmitted:
    """Report what the council's processes made and the hours worked, per plan period (delegates of
    workplace councils). A report of a stored period corrects it. The batch is stored whole or, when
    any row is invalid, not at all. The answer lists the alerts that the new figures raised."""
    council = crud.get(session, CouncilRow, council_id, what="council")
    authorize(actor, "reports.submit", economy_id=council.economy_id, council_id=council_id)
    if council.kind != CouncilKind.WORKPLACE.value:
        raise HTTPException(403, f"council {council_id} is a {council.kind} council; only workplace councils "
                                 "report production")
    session.execute(select(CouncilRow.id).where(CouncilRow.id == council_id).with_for_update())
    rows = [{"council": council_id, **r.model_dump()} for r in body.reports]
    reports, issues = report_issues(rows, source="reports", processes={council_id: council.processes or []},
                                    first_line=0)
    if issues:
        raise ReportError(issues)
    stored, alerts = monitoring.submit_reports(session, council=council, reports=reports, actor=actor.id,
                                               escalate_after=_escalate_after(request))
    session.commit()
    now = utcnow()
    return ReportsSubmitted(reports=[ReportPublic.model_validate(r) for r in stored],
                            alerts=[alert_public(a, now) for a in alerts])


@router.get("/councils/{council_id}/reports", response_model=Page[ReportPublic])
@transactional
def list_reports(council_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep,
                 process: Annotated[str | None, Query(max_length=200, description="one process only")] = None,
                 ) -> Page[ReportPublic]:
    """A council's reports, by process and period (every member of the economy may read them)."""
    council = crud.get(session, CouncilRow, council_id, what="council")
    can_read(actor, council.economy_id)
    q = select(ReportRow).where(ReportRow.council_id == council_id)
    if process is not None:
        q = q.where(ReportRow.process == process)
    return page_of(session, q.order_by(ReportRow.process, ReportRow.period), paging, ReportPublic)


def _alert_page(session: Session, q: Select[Any], paging: Paging) -> Page[AlertPublic]:
    items, total = crud.page(session, q, offset=paging.offset, limit=paging.limit)
    now = utcnow()
    return Page(items=[alert_public(a, now) for a in items], total=total, offset=paging.offset, limit=paging.limit)


StateQuery = Annotated[AlertState | None, Query(description="only alerts in this state")]


@router.get("/councils/{council_id}/alerts", response_model=Page[AlertPublic])
@transactional
def council_alerts(council_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep,
                   state: StateQuery = None) -> Page[AlertPublic]:
    """The alerts on a council's series, newest first: where it goes first."""
    council = crud.get(session, CouncilRow, council_id, what="council")
    can_read(actor, council.economy_id)
    q = select(AlertRow).where(AlertRow.council_id == council_id)
    if state is not None:
        q = q.where(AlertRow.state == state.value)
    return _alert_page(session, q.order_by(AlertRow.id.desc()), paging)


@router.get("/economies/{economy_id}/alerts", response_model=Page[AlertPublic])
@transactional
def economy_alerts(economy_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep,
                   state: StateQuery = None,
                   escalated_only: Annotated[bool, Query(alias="escalated", description=(
                       "only alerts open past their deadline: the facilitation board's inbox"))] = False,
                   ) -> Page[AlertPublic]:
    """Every alert of the economy, newest first; ``?escalated=true`` gives those that no council answered
    in time."""
    crud.get(session, EconomyRow, economy_id, what="economy")
    can_read(actor, economy_id)
    q = select(AlertRow).where(AlertRow.economy_id == economy_id)
    if state is not None:
        q = q.where(AlertRow.state == state.value)
    if escalated_only:
        q = q.where(AlertRow.state == AlertState.OPEN.value, AlertRow.escalate_at <= utcnow())
    return _alert_page(session, q.order_by(AlertRow.id.desc()), paging)


def _respond(alert_id: int, session: SessionDep, actor: CurrentMember, body: AlertExplanation | None) -> AlertPublic:
    alert = crud.get(session, AlertRow, alert_id, what="alert")
    authorize(actor, "alerts.respond", economy_id=alert.economy_id, council_id=alert.council_id)
    monitoring.respond(session, alert=alert, actor=actor.id, explanation=body.explanation if body else None,
                       capacity=body.capacity if body else None)
    session.commit()
    return alert_public(alert)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
@transactional
def acknowledge_alert(alert_id: Id, session: SessionDep, actor: CurrentMember) -> AlertPublic:
    """The council has seen the alert and is looking into it (delegates of the alert's council): it no
    longer escalates."""
    return _respond(alert_id, session, actor, None)


@router.post("/alerts/{alert_id}/explain", response_model=AlertPublic)
@transactional
def explain_alert(alert_id: Id, body: AlertExplanation, session: SessionDep, actor: CurrentMember) -> AlertPublic:
    """Why the series changed, and optionally the process's capacity from now on: the next planning round
    plans with it (delegates of the alert's council)."""
    return _respond(alert_id, session, actor, body)

