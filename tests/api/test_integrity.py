"""``councilplan audit verify``: every kind of tampering with a stored economy is caught and named,
on SQLite and PostgreSQL; an untouched economy passes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from apihelpers import Api, cumulative_world
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from councilplan.cli import app as cli_app
from councilplan.store.db import Database
from councilplan.store.integrity import audit_economy
from councilplan.store.tables import EventRow, PlanBundleRow, PlanRow, ProposalRow, VoteRow
from councilplan.verifier import verify


def world(api: Api) -> dict[str, Any]:
    """germany-1995, two councils, a cumulative round: two proposals, one revised and one extra withdrawn,
    a ballot, and the round planned and published."""
    w, rid, tokens, ids = cumulative_world(api)
    api.ok("PUT", f"/proposals/{ids['north']}", tokens["north"], json={"goods": {"agriculture": 20.0}})
    extra = api.ok("POST", f"/rounds/{rid}/proposals", tokens["south"], json={"goods": {"trade": 1.0}})["id"]
    api.ok("DELETE", f"/proposals/{extra}", tokens["south"])
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["south"]): 60,
                                                                            str(ids["north"]): 40}})
    api.ok("POST", f"/rounds/{rid}/close", w.admin)
    plan = api.ok("POST", f"/rounds/{rid}/plan", w.admin)["plan"]["id"]
    api.ok("POST", f"/rounds/{rid}/publish", w.admin)
    return {"economy": w.economy, "round": rid, "proposals": ids, "extra": extra, "plan": plan,
            "north": w.councils["north"], "token": w.admin}


def _unguarded(change: Callable[[Any, dict[str, Any]], None]) -> Callable[[Any, dict[str, Any]], None]:
    """``change`` made by someone who can drop the append-only triggers (and puts them back after)."""

    def run(s: Any, w: dict[str, Any]) -> None:
        pg = s.get_bind().dialect.name == "postgresql"
        for verb in ("update", "delete"):
            s.execute(text(f"DROP TRIGGER events_no_{verb}" + (" ON events" if pg else "")))
        change(s, w)
        s.flush()
        for verb in ("update", "delete"):
            s.execute(text(f"CREATE TRIGGER events_no_{verb} BEFORE {verb.upper()} ON events " + (
                "FOR EACH ROW EXECUTE FUNCTION councilplan_events_append_only()" if pg else
                "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")))

    return run


def _edit_event(s: Any, w: dict[str, Any]) -> None:
    s.execute(update(EventRow).where(EventRow.economy_id == w["economy"], EventRow.action == "votes.cast")
              .values(payload={"round": w["round"], "council": w["north"], "votes": {}}))


def _delete_event(s: Any, w: dict[str, Any]) -> None:
    seq = s.execute(select(func.max(EventRow.seq)).where(EventRow.economy_id == w["economy"])).scalar_one()
    s.execute(EventRow.__table__.delete().where(EventRow.economy_id == w["economy"], EventRow.seq == seq - 3))


def _reorder_events(s: Any, w: dict[str, Any]) -> None:
    e = w["economy"]
    for a, b in ((4, -1), (5, 4), (-1, 5)):
        s.execute(update(EventRow).where(EventRow.economy_id == e, EventRow.seq == a).values(seq=b))


def _insert_event(s: Any, w: dict[str, Any]) -> None:
    seq = s.execute(select(func.max(EventRow.seq)).where(EventRow.economy_id == w["economy"])).scalar_one()
    last = s.execute(select(EventRow).where(EventRow.economy_id == w["economy"], EventRow.seq == seq)).scalar_one()
    s.add(EventRow(economy_id=w["economy"], seq=seq + 1, at=last.at, actor=None, action="votes.cast",
                   entity="round", entity_id=w["round"], payload={}, prev_hash=last.hash, hash="0" * 64))


TAMPERING: dict[str, tuple[Callable[[Any, dict[str, Any]], None], str]] = {
    "an event edited": (_unguarded(_edit_event), "events"),
    "an event deleted": (_unguarded(_delete_event), "events"),
    "two events reordered": (_unguarded(_reorder_events), "events"),
    "an event inserted": (_insert_event, "events"),
    "a proposal edited": (lambda s, w: s.execute(update(ProposalRow).where(ProposalRow.id == w["proposals"]["south"])
                                                 .values(content={"goods": {"trade": 999.0}})), "proposal"),
    "a withdrawn proposal revived": (lambda s, w: s.execute(update(ProposalRow).where(ProposalRow.id == w["extra"])
                                                            .values(status="active")), "proposal"),
    "a proposal deleted": (lambda s, w: s.execute(ProposalRow.__table__.delete()
                                                  .where(ProposalRow.id == w["extra"])), "proposal"),
    "a proposal inserted": (lambda s, w: s.add(ProposalRow(round_id=w["round"], council_id=w["north"],
                                                           kind="consumer", client_key="forged",
                                                           content={"goods": {"trade": 5.0}})), "proposal"),
    "a vote edited": (lambda s, w: s.execute(update(VoteRow).where(VoteRow.round_id == w["round"],
                                                                   VoteRow.proposal_id == w["proposals"]["south"])
                                             .values(points=99.0)), "ballot"),
    "a vote deleted": (lambda s, w: s.execute(VoteRow.__table__.delete()
                                              .where(VoteRow.round_id == w["round"])), "ballot"),
    "a plan's result edited": (lambda s, w: s.execute(text("UPDATE plans SET result = :r WHERE id = :i"),
                                                      {"r": '{"status": "optimal", "outcomes": []}',
                                                       "i": w["plan"]}), "plan"),
    "a plan unpublished": (lambda s, w: s.execute(update(PlanRow).where(PlanRow.id == w["plan"])
                                                  .values(published=False)), "plan"),
    "a plan deleted": (lambda s, w: s.execute(PlanRow.__table__.delete().where(PlanRow.id == w["plan"])), "plan"),
    "a plan bundle edited (its SHA-256 column too)": (lambda s, w: _forge_bundle(s, w), "plan bundle"),
    "a plan bundle deleted": (lambda s, w: s.execute(PlanBundleRow.__table__.delete()
                                                     .where(PlanBundleRow.plan_id == w["plan"])), "plan bundle"),
}


def _forge_bundle(s: Any, w: dict[str, Any]) -> None:
    row = s.get(PlanBundleRow, w["plan"])
    data = row.data[:-64] + bytes(64)
    s.execute(update(PlanBundleRow).where(PlanBundleRow.plan_id == w["plan"])
              .values(data=data, sha256=hashlib.sha256(data).hexdigest()))


def audit(database: Database, economy: int) -> Any:
    with database.transaction(write=False) as s:
        return audit_economy(s, economy)


def test_an_untouched_economy_passes(api: Api, database: Database) -> None:
    w = world(api)
    report = audit(database, w["economy"])
    assert report.ok, [str(f) for f in report.findings]
    assert report.events > 10 and report.rows >= 5 and report.plans_without_digest == 0
    assert report.bundles == 1  # the one plan's bundle matched its event and verified


def test_every_plan_bundle_downloads_and_verifies(api: Api) -> None:
    w = world(api)
    admin = api.ok("GET", f"/plans/{w['plan']}", w["token"])
    r = api.call("GET", f"/plans/{w['plan']}/bundle", w["token"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["x-input-hash"] == admin["input_hash"]
    report = verify(io.BytesIO(r.content), expect_hash=admin["input_hash"])
    assert report.ok, [c.text for c in report.failed()]
    other = api.economy("kantorovich")
    assert api.call("GET", f"/plans/{w['plan']}/bundle", other.admin).status_code == 403
    assert api.call("GET", f"/plans/{w['plan']}/bundle").status_code == 401
    assert api.call("GET", "/plans/999999/bundle", w["token"]).status_code == 404


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_is_caught_and_named(api: Api, database: Database, how: str) -> None:
    w = world(api)
    tamper, table = TAMPERING[how]
    with database.transaction() as s:
        tamper(s, w)
    report = audit(database, w["economy"])
    assert not report.ok, how
    assert table in {f.table for f in report.findings}, [str(f) for f in report.findings]


def test_the_command_exits_1_and_names_the_row(api: Api, database: Database) -> None:
    w = world(api)
    runner = CliRunner()
    r = runner.invoke(cli_app, ["audit", "verify", "--db", database.url, "--economy", str(w["economy"])])
    assert r.exit_code == 0, r.output
    with database.transaction() as s:
        TAMPERING["a proposal edited"][0](s, w)
    r = runner.invoke(cli_app, ["audit", "verify", "--db", database.url, "--economy", str(w["economy"])])
    assert r.exit_code == 1
    assert f"proposal {w['proposals']['south']}: content differ from event" in r.output
    r = runner.invoke(cli_app, ["audit", "verify", "--db", database.url, "--economy", "999999"])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
