"""A round's deadline: proposals and ballots are refused once it has passed (409, nothing stored, the
deadline named), the coordinators still close and plan, and each reopened iteration gets its own."""

from __future__ import annotations

import datetime as dt
import time

from apihelpers import Api

WANT = {"goods": {"part_a": 1.0}}


def _soon(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat()


def test_a_deadline_in_the_past_is_refused(api: Api) -> None:
    w = api.economy()
    r = api.call("POST", f"/economies/{w.economy}/rounds", w.admin,
                 json={"rule": "population-sum", "deadline": "2020-01-01T00:00:00Z"})
    assert r.status_code == 409 and "has passed already" in r.json()["detail"]


def test_proposals_stop_at_the_deadline_and_the_next_iteration_has_its_own(api: Api) -> None:
    w = api.economy()
    w.council("A")
    delegate = w.member("A", "delegate")[1]
    deadline = _soon(2.0)
    rnd = api.ok("POST", f"/economies/{w.economy}/rounds", w.admin, json={"rule": "population-sum",
                                                                          "deadline": deadline})
    assert dt.datetime.fromisoformat(rnd["deadline"]) == dt.datetime.fromisoformat(deadline)
    first = api.ok("POST", f"/rounds/{rnd['id']}/proposals", delegate, json=WANT)
    time.sleep(max(0.0, (dt.datetime.fromisoformat(deadline) - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    events = w.events()
    late = api.call("POST", f"/rounds/{rnd['id']}/proposals", delegate, json={"goods": {"part_b": 1.0}})
    assert late.status_code == 409 and "deadline" in late.json()["detail"]
    revised = api.call("PUT", f"/proposals/{first['id']}", delegate, json={"goods": {"part_b": 2.0}})
    assert revised.status_code == 409
    assert w.events() == events  # nothing stored
    assert [p["id"] for p in api.every(f"/rounds/{rnd['id']}/proposals", w.admin)] == [first["id"]]
    for step in ("close", "plan", "publish"):
        api.ok("POST", f"/rounds/{rnd['id']}/{step}", w.admin)
    later = _soon(3600)
    reopened = api.ok("POST", f"/rounds/{rnd['id']}/reopen", w.admin, json={"deadline": later})
    assert dt.datetime.fromisoformat(reopened["round"]["deadline"]) == dt.datetime.fromisoformat(later)
    api.ok("PUT", f"/proposals/{first['id']}", delegate, json={"goods": {"part_b": 2.0}})  # open again
    for step in ("close", "plan", "publish"):
        api.ok("POST", f"/rounds/{rnd['id']}/{step}", w.admin)
    if not api.ok("GET", f"/rounds/{rnd['id']}", w.admin)["finished"]:
        plain = api.ok("POST", f"/rounds/{rnd['id']}/reopen", w.admin)
        assert plain["round"]["deadline"] is None


def test_a_late_ballot_is_refused(api: Api) -> None:
    w = api.economy()
    for c in ("A", "B"):
        w.council(c)
    delegates = {c: w.member(c, "delegate")[1] for c in ("A", "B")}
    deadline = _soon(2.0)
    rnd = api.ok("POST", f"/economies/{w.economy}/rounds", w.admin, json={"rule": "cumulative",
                                                                          "deadline": deadline})
    pid = api.ok("POST", f"/rounds/{rnd['id']}/proposals", delegates["A"], json=WANT)["id"]
    time.sleep(max(0.0, (dt.datetime.fromisoformat(deadline) - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    r = api.call("PUT", f"/rounds/{rnd['id']}/votes", delegates["B"], json={"votes": {str(pid): 10}})
    assert r.status_code == 409 and "deadline" in r.json()["detail"]
