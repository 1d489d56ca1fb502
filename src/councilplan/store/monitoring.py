"""Production reports and deviation alerts on stored data (docs/monitoring.md).

:func:`submit_reports` stores a council's batch in one transaction: new rows, or corrections of
stored periods, each with its event. It then runs the forecast of :mod:`councilplan.monitor.forecast`
over every series the batch touched and raises an alert for each change that has none yet.
:func:`respond` records an acknowledgement or an explanation. :func:`planning_capacities` gives the
next round its capacity updates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from councilplan.model.economy import Economy
from councilplan.monitor.alerts import (
    ESCALATE_AFTER,
    METRICS,
    AlertFacts,
    AlertState,
    capacity_updates,
)
from councilplan.monitor.forecast import detect
from councilplan.monitor.reports import Report, main_product
from councilplan.store.audit import append_event
from councilplan.store.crud import ConflictError
from councilplan.store.tables import AlertRow, CouncilRow, ReportRow, utcnow


def report_payload(r: ReportRow) -> dict[str, Any]:
    """What a report's event records (and the audit replays)."""
    return {"council": r.council_id, "process": r.process, "period": r.period, "output": r.output,
            "hours": r.hours, "version": r.version}


def submit_reports(session: Session, *, council: CouncilRow, reports: Sequence[Report], actor: int | None,
                   escalate_after: dt.timedelta = ESCALATE_AFTER) -> tuple[list[ReportRow], list[AlertRow]]:
    """Store ``reports`` of ``council`` (already validated) and raise the alerts they reveal; the caller
    commits. A report of a stored period corrects it; an identical one changes nothing."""
    stored = {(r.process, r.period): r for r in session.execute(
        select(ReportRow).where(ReportRow.council_id == council.id,
                                ReportRow.process.in_({r.process for r in reports}))).scalars()}
    rows: list[ReportRow] = []
    touched: set[str] = set()
    now = utcnow()
    for rep in reports:
        row = stored.get((rep.process, rep.period))
        if row is None:
            row = ReportRow(economy_id=council.economy_id, council_id=council.id, member_id=actor,
                            process=rep.process, period=rep.period, output=rep.output, hours=rep.hours,
                            version=1, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            action = "report.submitted"
        elif (row.output, row.hours) != (rep.output, rep.hours):
            row.output, row.hours, row.version, row.updated_at, row.member_id = (
                rep.output, rep.hours, row.version + 1, now, actor)
            session.flush()
            action = "report.corrected"
        else:
            rows.append(row)
            continue
        append_event(session, economy_id=council.economy_id, action=action, entity="report", entity_id=row.id,
                     actor=actor, payload=report_payload(row))
        rows.append(row)
        touched.add(rep.process)
    alerts = [a for process in sorted(touched) for a in _raise_alerts(session, council, process, actor,
                                                                      escalate_after)]
    return rows, alerts


def _raise_alerts(session: Session, council: CouncilRow, process: str, actor: int | None,
                  escalate_after: dt.timedelta) -> list[AlertRow]:
    series = session.execute(select(ReportRow).where(ReportRow.council_id == council.id,
                                                     ReportRow.process == process)
                             .order_by(ReportRow.period)).scalars().all()
    periods = [r.period for r in series]
    have = {(a.metric, a.period) for a in session.execute(
        select(AlertRow).where(AlertRow.council_id == council.id, AlertRow.process == process)).scalars()}
    out: list[AlertRow] = []
    now = utcnow()
    for metric in METRICS:
        values = [float(getattr(r, metric)) for r in series]
        for c in detect(values):
            period = periods[c.at]
            if any((metric, p) in have for p in range(period - 1, period + 2)):
                continue  # this change (give or take a period) has its alert
            a = AlertRow(economy_id=council.economy_id, council_id=council.id, process=process, metric=metric,
                         period=period, detected_period=periods[c.detected], kind=c.kind, direction=c.direction,
                         probability=c.probability, expected=c.expected, actual=c.actual, level=c.level,
                         state=AlertState.OPEN.value, escalate_at=now + escalate_after, created_at=now)
            session.add(a)
            session.flush()
            append_event(session, economy_id=council.economy_id, action="alert.raised", entity="alert",
                         entity_id=a.id, actor=actor, payload=alert_payload(a))
            have.add((metric, period))
            out.append(a)
    return out


def alert_payload(a: AlertRow) -> dict[str, Any]:
    """What an alert's events record (and the audit replays)."""
    return {"council": a.council_id, "process": a.process, "metric": a.metric, "period": a.period,
            "kind": a.kind, "direction": a.direction, "probability": a.probability, "expected": a.expected,
            "actual": a.actual, "level": a.level, "state": a.state, "explanation": a.explanation,
            "capacity": a.capacity}


def respond(session: Session, *, alert: AlertRow, actor: int, explanation: str | None = None,
            capacity: float | None = None) -> AlertRow:
    """Acknowledge ``alert`` (no explanation) or explain it (with one, and optionally the process's new
    capacity in units of activity). An explained alert stays explained (409 to acknowledge it again)."""
    if explanation is None:
        if alert.state == AlertState.EXPLAINED:
            raise ConflictError(f"alert {alert.id} is explained already; explain it again to change the reason")
        if capacity is not None:
            raise ConflictError("a new capacity comes with an explanation: send 'explanation' too")
        alert.state = AlertState.ACKNOWLEDGED.value
    else:
        alert.state, alert.explanation, alert.capacity = AlertState.EXPLAINED.value, explanation, capacity
    alert.responded_by, alert.responded_at = actor, utcnow()
    session.flush()
    append_event(session, economy_id=alert.economy_id, action=f"alert.{alert.state}", entity="alert",
                 entity_id=alert.id, actor=actor, payload=alert_payload(alert))
    return alert


def planning_capacities(session: Session, economy_id: int, economy: Economy) -> tuple[Economy, dict[str, float]]:
    """``economy`` with the capacity updates of its alerts (:func:`~councilplan.monitor.alerts.capacity_updates`)
    applied, and the updates themselves (process → capacity)."""
    rows = session.execute(select(AlertRow).where(AlertRow.economy_id == economy_id,
                                                  AlertRow.metric == "output")).scalars().all()
    if not rows:
        return economy, {}
    per_activity = {p: amount for p, (_, amount) in main_product(economy).items()}
    facts = [AlertFacts(a.process, a.metric, a.period, a.direction, a.state, a.level, a.capacity) for a in rows]
    updates = {p: c for p, c in capacity_updates(facts, per_activity).items() if p in economy.processes.index}
    if not updates:
        return economy, {}
    cap = economy.capacity.copy()
    cap.loc[list(updates)] = pd.Series(updates)
    return economy.replace(capacity=cap), updates
