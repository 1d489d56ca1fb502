"""Production reports and deviation alerts over HTTP, on SQLite and PostgreSQL: a planted fall in
output raises an alert with its probability; the council answers; the board sees what nobody
answered; the next round plans with the capacity the alert implies."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import numpy as np
from apihelpers import Api, World
from sqlalchemy import func, select, update

import councilplan as cp
from councilplan.monitor.reports import main_product
from councilplan.store.db import Database
from councilplan.store.integrity import audit_economy
from councilplan.store.tables import AlertRow, EventRow, ReportRow

PROCESS = "manufacturing"


def _series(periods: int = 30, *, fall_at: int = 20, fall: float = 0.3, seed: int = 0) -> list[dict[str, Any]]:
    """Output around 1000 (sd 10) that falls by ``fall`` from period ``fall_at``; hours around 400."""
    rng = np.random.default_rng(seed)
    out = 1000 + rng.normal(0, 10, periods)
    out[fall_at - 1:] *= 1 - fall
    hours = 400 + rng.normal(0, 4, periods)
    return [{"process": PROCESS, "period": t + 1, "output": round(float(out[t]), 3),
             "hours": round(float(hours[t]), 3)} for t in range(periods)]


def _factory(api: Api) -> tuple[World, str]:
    w = api.economy("germany-1995")
    w.council("works", kind="workplace", population=500.0, processes=[PROCESS])
    w.council("town", population=1000.0)
    return w, w.member("works", "delegate")[1]


def _fall(submitted: dict[str, Any]) -> dict[str, Any]:
    """The one output alert of a submission."""
    return next(a for a in submitted["alerts"] if a["metric"] == "output")


def _count(database: Database, model: Any, **where: Any) -> int:
    with database.transaction(write=False) as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.execute(q).scalar_one())


def test_a_planted_fall_raises_one_alert_with_its_probability(api: Api, database: Database) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    before = w.events()
    res = api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": _series()})
    assert len(res["reports"]) == 30 and {r["version"] for r in res["reports"]} == {1}
    falls = [a for a in res["alerts"] if a["metric"] == "output"]
    assert len(falls) == 1, res["alerts"]
    a = falls[0]
    assert a["process"] == PROCESS and a["direction"] == "down" and a["kind"] in ("step", "slope")
    assert abs(a["period"] - 20) <= 1 and a["probability"] >= 0.3 and a["state"] == "open"
    assert not a["escalated"] and a["expected"] > a["actual"]
    assert 650 < a["level"] < 750  # the forecast has learnt the new level
    assert w.events() == before + 30 + len(res["alerts"])  # each report and alert has its event
    page = api.ok("GET", f"/councils/{cid}/reports?limit=10&offset=10", delegate)
    assert page["total"] == 30 and [r["period"] for r in page["items"]] == list(range(11, 21))
    assert api.ok("GET", f"/councils/{cid}/alerts", w.admin)["total"] == len(res["alerts"])


def test_a_steady_series_raises_nothing_and_a_correction_is_versioned(api: Api) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    steady = _series(fall=0.0)
    assert api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": steady})["alerts"] == []
    n = w.events()
    again = api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": steady[:5]})
    assert w.events() == n and {r["version"] for r in again["reports"]} == {1}  # identical: nothing changes
    fixed = api.ok("POST", f"/councils/{cid}/reports", delegate,
                   json={"reports": [{**steady[4], "hours": 399.0}]})["reports"][0]
    assert fixed["version"] == 2 and fixed["hours"] == 399.0 and w.events() == n + 1
    ev = api.ok("GET", f"/economies/{w.economy}/events?limit=1&offset={n}", w.admin)["items"][0]
    assert ev["action"] == "report.corrected" and ev["payload"]["period"] == 5


def test_a_bad_batch_names_every_cell_and_stores_nothing(api: Api, database: Database) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    rows = _series(5, fall=0.0)
    rows[1]["process"] = "steelworks"
    rows[3]["period"] = rows[2]["period"]
    r = api.call("POST", f"/councils/{cid}/reports", delegate, json={"reports": rows})
    assert r.status_code == 422
    locs = {tuple(d["loc"]): d["msg"] for d in r.json()["detail"]}
    assert "not run by council" in locs[("body", "reports", 1, "process")]
    assert "reported twice (also line 2)" in locs[("body", "reports", 3, "period")]
    assert _count(database, ReportRow, council_id=cid) == 0
    r = api.call("POST", f"/councils/{cid}/reports", delegate,
                 json={"reports": [{**rows[0], "output": -1.0}]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "output"
    assert api.call("POST", f"/councils/{cid}/reports", delegate, json={"reports": []}).status_code == 422


def test_only_the_councils_own_delegates_report(api: Api, database: Database) -> None:
    w, _delegate = _factory(api)
    cid = w.councils["works"]
    body = {"reports": _series(3, fall=0.0)}
    _, member = w.member("works", "member")
    _, town = w.member("town", "delegate")
    other, _ = _factory(api)
    assert api.call("POST", f"/councils/{cid}/reports", member, json=body).status_code == 403
    assert api.call("POST", f"/councils/{cid}/reports", town, json=body).status_code == 403
    assert api.call("POST", f"/councils/{cid}/reports", other.admin, json=body).status_code == 403
    assert api.call("POST", f"/councils/{w.councils['town']}/reports", town, json=body).status_code == 403
    assert api.call("POST", f"/councils/{cid}/reports", json=body).status_code == 401
    assert _count(database, ReportRow, council_id=cid) == 0


def test_the_council_answers_and_the_board_sees_what_nobody_answered(api: Api, database: Database) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    alert = _fall(api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": _series()}))
    inbox = f"/economies/{w.economy}/alerts?escalated=true"
    assert api.ok("GET", inbox, w.admin)["total"] == 0  # the council has 48 hours
    with database.transaction() as s:  # … and they pass
        s.execute(update(AlertRow).where(AlertRow.id == alert["id"])
                  .values(escalate_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    escalated = api.ok("GET", inbox, w.admin)["items"]
    assert [a["id"] for a in escalated] == [alert["id"]] and escalated[0]["escalated"]
    _, town = w.member("town", "delegate")
    assert api.call("POST", f"/alerts/{alert['id']}/acknowledge", town).status_code == 403
    acked = api.ok("POST", f"/alerts/{alert['id']}/acknowledge", delegate)
    assert acked["state"] == "acknowledged" and not acked["escalated"]
    assert api.ok("GET", inbox, w.admin)["total"] == 0
    explained = api.ok("POST", f"/alerts/{alert['id']}/explain", delegate,
                       json={"explanation": "a press broke; repaired in May", "capacity": 800.0})
    assert explained["state"] == "explained" and explained["capacity"] == 800.0
    assert api.call("POST", f"/alerts/{alert['id']}/acknowledge", delegate).status_code == 409
    assert api.call("POST", f"/alerts/{alert['id']}/explain", delegate, json={"explanation": " "}).status_code == 422
    actions = [e["action"] for e in api.every(f"/economies/{w.economy}/events", w.admin)]
    assert actions[-2:] == ["alert.acknowledged", "alert.explained"]
    assert _count(database, EventRow, economy_id=w.economy, action="alert.raised") >= 1


def _plan(api: Api, w: World) -> dict[str, Any]:
    """One round of one iteration (it finishes when published): plan, publish, return the plan."""
    rid = w.open_round(rule="population-sum", objective="harmony", max_iterations=1)
    town = w.member("town", "delegate")[1]
    api.ok("POST", f"/rounds/{rid}/proposals", town, json={"goods": {"manufacturing": 1.0, "trade": 1.0}})
    api.ok("POST", f"/rounds/{rid}/close", w.admin)
    pid = api.ok("POST", f"/rounds/{rid}/plan", w.admin)["plan"]["id"]
    api.ok("POST", f"/rounds/{rid}/publish", w.admin)
    return {"id": pid, **api.ok("GET", f"/plans/{pid}", w.admin)}


def _bundle_capacity(api: Api, w: World, plan: int) -> float:
    data = api.call("GET", f"/plans/{plan}/bundle", w.admin).content
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        labels = json.loads(z.read("labels.json"))
        cap = np.load(io.BytesIO(z.read("economy.npz")))["capacity"]
    return float(cap[labels["processes"].index(PROCESS)])


def test_alerts_feed_the_next_round_as_capacity_updates(api: Api) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    assert "capacity_updates" not in _plan(api, w)["result"]
    alert = _fall(api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": _series()}))
    unexplained = _plan(api, w)  # a fall nobody explained: plan with what the process has been making
    per_activity = main_product(cp.example("germany-1995"))[PROCESS][1]
    assert unexplained["result"]["capacity_updates"] == {PROCESS: alert["level"] / per_activity}
    assert _bundle_capacity(api, w, unexplained["id"]) == alert["level"] / per_activity
    api.ok("POST", f"/alerts/{alert['id']}/explain", delegate, json={"explanation": "repaired", "capacity": 1e6})
    explained = _plan(api, w)
    assert explained["result"]["capacity_updates"] == {PROCESS: 1e6}
    assert _bundle_capacity(api, w, explained["id"]) == 1e6


def test_the_audit_replays_reports_and_alerts(api: Api, database: Database) -> None:
    w, delegate = _factory(api)
    cid = w.councils["works"]
    alert = _fall(api.ok("POST", f"/councils/{cid}/reports", delegate, json={"reports": _series()}))
    api.ok("POST", f"/alerts/{alert['id']}/explain", delegate, json={"explanation": "a press broke"})

    def audit() -> set[str]:
        with database.transaction(write=False) as s:
            return {str(f) for f in audit_economy(s, w.economy).findings}

    assert audit() == set()
    with database.transaction() as s:
        s.execute(update(ReportRow).where(ReportRow.council_id == cid, ReportRow.period == 21).values(output=999.0))
        s.execute(update(AlertRow).where(AlertRow.id == alert["id"]).values(state="open"))
    found = audit()
    assert any(f.startswith("report ") and "output differ" in f for f in found), found
    assert any(f.startswith(f"alert {alert['id']}: state differ") for f in found), found
    with database.transaction() as s:
        s.execute(AlertRow.__table__.delete().where(AlertRow.id == alert["id"]))
    assert any(f.startswith(f"alert {alert['id']}:") and "deleted" in f for f in audit())
