"""The audit of a stored economy: its event chain, and every stored row against the events that made it.

The chain (:func:`councilplan.store.audit.verify_chain`) proves that no event was edited, deleted,
reordered or inserted. The replay then rebuilds, from the events alone, what the proposals, ballots
and plans must be, and compares with the rows:

- proposal ``p``: ``proposal.submitted`` gives its round, council, kind, key and content; each
  ``proposal.revised`` its new content and version; ``proposal.withdrawn`` its status;
- ballot of council ``c`` in round ``r``: the last ``votes.cast`` event's ``votes`` (an empty one
  removes the ballot);
- plan ``k``: ``round.planned`` gives its round, iteration, status, input hash and the digest of its
  goals and result (:func:`~councilplan.store.audit.plan_digest`; events written before the digest
  was recorded are checked without it, and the report counts them); ``round.published`` marks it
  published; the cap's fallback plan is recorded in the same events (``fallback``, ``fallback_plan``);
- plan bundle ``k``: ``round.planned`` gives its SHA-256; the stored zip must have it, and the
  standalone :mod:`councilplan.verifier` must accept it, with the plan row's input hash: the plan is
  replayed from its stored inputs (feasibility, objective, dual feasibility and the duality gap);
- production report ``r`` and alert ``a``: their last ``report.*`` / ``alert.*`` event gives every
  stored field.

A row with no event (inserted behind the service's back), an event whose row is gone (deleted), and a
row that differs from its events (edited) are each a :class:`Finding` naming the row and the event.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from councilplan.store.audit import canonical, plan_digest, verify_chain
from councilplan.store.tables import (
    AlertRow,
    EconomyRow,
    EventRow,
    PlanBundleRow,
    PlanRow,
    ProposalRow,
    ReportRow,
    RoundRow,
    VoteRow,
)
from councilplan.verifier import BundleError, verify


@dataclass(frozen=True)
class Finding:
    """One thing the audit caught: the table, the row's id, and what is wrong."""

    table: str
    row: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}: {self.message}"


@dataclass
class AuditReport:
    """The audit of one economy: events checked, rows compared, and the findings (none: ``ok``)."""

    economy: int
    name: str
    events: int = 0
    rows: int = 0
    plans_without_digest: int = 0
    #: plan bundles whose SHA-256 matched their event and that the standalone verifier accepted
    bundles: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _same(a: Any, b: Any) -> bool:
    """Equal as stored JSON (the row's JSON column against the event's payload)."""
    return canonical(json.loads(canonical(a))) == canonical(json.loads(canonical(b)))


def audit_economy(session: Session, economy_id: int) -> AuditReport:
    """Check economy ``economy_id``'s chain and replay its events against its stored rows."""
    eco = session.get(EconomyRow, economy_id)
    report = AuditReport(economy_id, eco.name if eco is not None else "?")
    chain = verify_chain(session, economy_id)
    report.events = chain.events
    if not chain.ok:
        report.findings.append(Finding("events", str(chain.broken_at), f"{chain.message} (the chain is broken: "
                                       "an event was edited, deleted, reordered or inserted)"))
    proposals: dict[int, dict[str, Any]] = {}
    ballots: dict[tuple[int, int], dict[str, Any]] = {}
    plans: dict[int, dict[str, Any]] = {}
    reports: dict[int, dict[str, Any]] = {}
    alerts: dict[int, dict[str, Any]] = {}
    rounds = set(session.execute(select(RoundRow.id).where(RoundRow.economy_id == economy_id)).scalars())
    for e in session.execute(select(EventRow).where(EventRow.economy_id == economy_id)
                             .order_by(EventRow.seq)).scalars():
        p = e.payload if isinstance(e.payload, dict) else {}
        if e.action == "proposal.submitted" and e.entity_id is not None:
            proposals[e.entity_id] = {"seq": e.seq, "round_id": p.get("round"), "council_id": p.get("council"),
                                      "kind": p.get("kind"), "client_key": p.get("client_key"),
                                      "content": p.get("content"), "version": 1, "status": "active"}
        elif e.action == "proposal.revised" and e.entity_id in proposals:
            proposals[e.entity_id].update(seq=e.seq, content=p.get("content"), version=p.get("version"))
        elif e.action == "proposal.withdrawn" and e.entity_id in proposals:
            proposals[e.entity_id].update(seq=e.seq, status="withdrawn")
        elif e.action == "votes.cast":
            if not (isinstance(p.get("round"), int) and isinstance(p.get("council"), int)
                    and isinstance(p.get("votes", {}), dict)):
                report.findings.append(Finding("events", str(e.seq), "a votes.cast event without its round, "
                                                                     "council or votes (malformed)"))
                continue
            ballots[(p["round"], p["council"])] = {"seq": e.seq, "votes": dict(p.get("votes", {}))}
        elif e.action == "round.planned" and isinstance(p.get("plan"), int):
            for rec in (p, p.get("fallback")):  # the iteration's plan, and the cap's fallback plan with it
                if isinstance(rec, dict) and isinstance(rec.get("plan"), int):
                    plans[rec["plan"]] = {"seq": e.seq, "round_id": e.entity_id, "iteration": p.get("iteration"),
                                          "status": rec.get("status"), "input_hash": rec.get("input_hash"),
                                          "digest": rec.get("digest"), "bundle": rec.get("bundle"),
                                          "published": False}
        elif e.action == "round.published" and isinstance(p.get("plan"), int) and p["plan"] in plans:
            for name in ("plan", "fallback_plan"):
                if isinstance(p.get(name), int) and p[name] in plans:
                    plans[p[name]]["published"] = True
        elif e.action in ("report.submitted", "report.corrected") and e.entity_id is not None:
            reports[e.entity_id] = {"seq": e.seq, **_fields(p, REPORT_FIELDS)}
        elif e.action.startswith("alert.") and e.entity_id is not None:
            alerts[e.entity_id] = {"seq": e.seq, **_fields(p, ALERT_FIELDS)}

    def check(table: str, rid: Any, want: dict[str, Any] | None, have: dict[str, Any] | None) -> None:
        report.rows += have is not None
        if want is None:
            report.findings.append(Finding(table, str(rid), "no event records it (a row inserted behind the "
                                                            "service's back)"))
        elif have is None:
            report.findings.append(Finding(table, str(rid), f"event {want['seq']} records it but the row is "
                                                            "gone (deleted)"))
        else:
            differ = [k for k in have if k in want and not _same(want[k], have[k])]
            if differ:
                report.findings.append(Finding(table, str(rid), f"{', '.join(differ)} differ from event "
                                                                f"{want['seq']} (edited)"))

    stored = {r.id: r for r in session.execute(select(ProposalRow).where(ProposalRow.round_id.in_(rounds))).scalars()}
    for pid in sorted(stored.keys() | proposals.keys()):
        row = stored.get(pid)
        check("proposal", pid, proposals.get(pid), None if row is None else {
            "round_id": row.round_id, "council_id": row.council_id, "kind": row.kind, "client_key": row.client_key,
            "content": row.content, "version": row.version, "status": row.status})

    votes: dict[tuple[int, int], dict[str, float]] = {}
    for v in session.execute(select(VoteRow).where(VoteRow.round_id.in_(rounds))).scalars():
        votes.setdefault((v.round_id, v.council_id), {})[str(v.proposal_id)] = float(v.points)
    # An empty ballot (a council that withdrew every vote) leaves no rows, so it is not expected to have any.
    for key in sorted(votes.keys() | {k for k, b in ballots.items() if b["votes"]}):
        check("ballot", f"of council {key[1]} in round {key[0]}", ballots.get(key),
              None if key not in votes else {"votes": votes[key]})

    stored_plans = {r.id: r for r in session.execute(select(PlanRow).where(PlanRow.round_id.in_(rounds))).scalars()}
    for kid in sorted(stored_plans.keys() | plans.keys()):
        plan = stored_plans.get(kid)
        want = plans.get(kid)
        have = None if plan is None else {"round_id": plan.round_id, "iteration": plan.iteration,
                                          "status": plan.status, "input_hash": plan.input_hash,
                                          "published": plan.published}
        if plan is not None and have is not None and want is not None:
            if want["digest"] is None:
                report.plans_without_digest += 1
            else:
                have["digest"] = plan_digest(plan.goals, plan.result)
        check("plan", kid, want, have)
    _audit_bundles(session, report, plans, stored_plans)
    monitored: tuple[tuple[str, type[ReportRow] | type[AlertRow], dict[str, str], dict[int, dict[str, Any]]], ...] = (
        ("report", ReportRow, REPORT_FIELDS, reports), ("alert", AlertRow, ALERT_FIELDS, alerts))
    for table, model, fields, replayed in monitored:
        rows: list[Any] = list(session.execute(select(model).where(model.economy_id == economy_id)).scalars())
        found: dict[int, Any] = {int(r.id): r for r in rows}
        for rid in sorted(found.keys() | replayed.keys()):
            got = found.get(rid)
            check(table, rid, replayed.get(rid),
                  None if got is None else {f: getattr(got, f) for f in fields.values()})
    return report


#: payload key → row attribute, for the rows the monitoring events record (store/monitoring.py)
REPORT_FIELDS = {"council": "council_id", "process": "process", "period": "period", "output": "output",
                 "hours": "hours", "version": "version"}
ALERT_FIELDS = {"council": "council_id", "process": "process", "metric": "metric", "period": "period",
                "kind": "kind", "direction": "direction", "probability": "probability", "expected": "expected",
                "actual": "actual", "level": "level", "state": "state", "explanation": "explanation",
                "capacity": "capacity"}


def _fields(payload: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    return {attr: payload.get(key) for key, attr in fields.items()}


def _audit_bundles(session: Session, report: AuditReport, plans: dict[int, dict[str, Any]],
                   stored: dict[int, PlanRow]) -> None:
    """Every stored bundle is the one its ``round.planned`` event recorded (SHA-256), and it verifies
    (the standalone :mod:`councilplan.verifier`: feasibility, duality, and its input hash equal to the
    plan row's); a bundle the events record but the table lacks is named as deleted."""
    rows = {b.plan_id: b for b in session.execute(
        select(PlanBundleRow).where(PlanBundleRow.plan_id.in_(stored.keys() | plans.keys()))).scalars()}
    for kid in sorted(rows.keys() | {k for k, w in plans.items() if w.get("bundle")}):
        row, want = rows.get(kid), plans.get(kid, {}).get("bundle")
        if want is None:
            report.findings.append(Finding("plan bundle", str(kid), "no event records it (a bundle inserted "
                                                                    "behind the service's back)"))
            continue
        if row is None:
            report.findings.append(Finding("plan bundle", str(kid), f"event {plans[kid]['seq']} records it but "
                                                                    "the row is gone (deleted)"))
            continue
        report.bundles += 1
        if hashlib.sha256(row.data).hexdigest() != want or row.sha256 != want:
            report.findings.append(Finding("plan bundle", str(kid), f"its bytes differ from the SHA-256 event "
                                                                    f"{plans[kid]['seq']} recorded (edited)"))
            continue
        plan = stored.get(kid)
        try:
            checked = verify(io.BytesIO(row.data), expect_hash=plan.input_hash if plan is not None else None)
        except BundleError as e:
            report.findings.append(Finding("plan bundle", str(kid), f"unreadable: {e}"))
            continue
        if not checked.ok:
            failed = "; ".join(f"{c.name}: {c.text}" for c in checked.failed())
            report.findings.append(Finding("plan bundle", str(kid), f"does not verify ({failed})"))


def audit_database(session: Session, economy_id: int | None = None) -> list[AuditReport]:
    """:func:`audit_economy` for one economy, or for every economy in the database."""
    ids = [economy_id] if economy_id is not None else list(
        session.execute(select(EconomyRow.id).order_by(EconomyRow.id)).scalars())
    return [audit_economy(session, i) for i in ids]
