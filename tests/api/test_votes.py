"""Ballots of the cumulative rule over HTTP: ``PUT``/``GET /rounds/{id}/votes``, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from apihelpers import Api, World, cumulative_world


def _funded(api: Api, w: World, rid: int) -> set[int]:
    api.ok("POST", f"/rounds/{rid}/close", w.admin)
    planned = api.ok("POST", f"/rounds/{rid}/plan", w.admin)
    plan = api.ok("GET", f"/plans/{planned['plan']['id']}", w.admin)
    return {o["proposal"] for o in plan["result"]["outcomes"] if o["selected"]}


def _put(api: Api, rid: int, token: str, votes: dict[int, float], **kw: Any) -> Any:
    return api.call("PUT", f"/rounds/{rid}/votes", token, json={"votes": {str(k): v for k, v in votes.items()}, **kw})


def test_ballot_changes_the_funded_set(api: Api) -> None:
    w, rid, _tokens, ids = cumulative_world(api)
    assert _funded(api, w, rid) == {ids["north"], ids["south"]}  # default ballots: each its own proposal
    w, rid, tokens, ids = cumulative_world(api)
    ballot = api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["south"]): 100}})
    assert ballot == {"round_id": rid, "council_id": w.councils["north"], "votes": {str(ids["south"]): 100.0},
                      "spent": 100.0, "budget": 100.0, "default": False}
    assert _funded(api, w, rid) == {ids["south"]}  # north gave its points away: nobody supports its proposal
    assert api.ok("GET", f"/economies/{w.economy}/events/verify", w.admin)["ok"]


def test_bad_ballots_are_422_naming_the_problem(api: Api) -> None:
    w, rid, tokens, ids = cumulative_world(api)
    before = w.events()
    r = _put(api, rid, tokens["north"], {ids["north"]: 60, ids["south"]: 50})
    assert r.status_code == 422
    assert "spends 110 points, over the equal budget of 100 points per council" in r.text
    assert "Fix: lower its votes" in r.text
    r = _put(api, rid, tokens["north"], {ids["south"]: -5})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "votes", str(ids["south"])]
    assert "-5" in r.json()["detail"][0]["msg"] and "≥ 0" in r.json()["detail"][0]["msg"]
    r = _put(api, rid, tokens["north"], {999_999: 10})
    assert r.status_code == 422 and "'999999' is not a consumer proposal of this round" in r.text
    w.council("farm", kind="workplace", population=10.0, processes=["agriculture"])
    for votes in ({ids["north"]: 10}, {}):
        r = _put(api, rid, w.coordinators["farm"], votes)
        assert r.status_code == 422, r.text
        assert [d["loc"] for d in r.json()["detail"]] == [["body", "council_id"]]
        assert "is a workplace council" in r.text
    assert w.events() == before + 2  # the workplace council and its coordinator; no ballot


def test_a_council_cannot_change_another_councils_ballot(api: Api) -> None:
    w, rid, tokens, ids = cumulative_world(api)
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["north"]): 40}})
    before = w.events()
    r = _put(api, rid, tokens["south"], {ids["south"]: 100}, council_id=w.councils["north"])
    assert r.status_code == 403 and "another council" in r.json()["detail"]
    member = w.member("north", "member")[1]
    r = _put(api, rid, member, {ids["south"]: 100})
    assert r.status_code == 403 and "delegate" in r.json()["detail"]
    r = _put(api, rid, w.admin, {ids["south"]: 100})  # the board votes for nobody
    assert r.status_code == 403
    other = api.economy("germany-1995")
    other.council("east")
    r = _put(api, rid, other.coordinators["east"], {ids["south"]: 100})
    assert r.status_code == 403
    assert w.events() == before + 2  # the new member's invite and joining only
    got = api.ok("GET", f"/rounds/{rid}/votes", tokens["north"])
    assert got[0]["votes"] == {str(ids["north"]): 40.0}


def test_ballot_is_replaced_not_appended(api: Api) -> None:
    w, rid, tokens, ids = cumulative_world(api)
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["north"]): 70}})
    # 70 + 70 would be over the budget: the second ballot replaces the first
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["south"]): 70}})
    [mine] = api.ok("GET", f"/rounds/{rid}/votes", tokens["north"])
    assert mine["votes"] == {str(ids["south"]): 70.0} and mine["spent"] == 70.0 and not mine["default"]
    [theirs] = api.ok("GET", f"/rounds/{rid}/votes", tokens["south"])
    assert theirs["default"] and theirs["votes"] == {}
    assert api.ok("GET", f"/rounds/{rid}/votes?council_id={w.councils['north']}", tokens["south"]) == [mine]
    assert api.ok("GET", f"/rounds/{rid}/votes", w.admin) == [mine]  # the board sees every stored ballot
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {}})  # back to the default ballot
    assert api.ok("GET", f"/rounds/{rid}/votes", tokens["north"])[0]["default"]


def test_ballot_is_in_the_audit_chain(api: Api) -> None:
    w, rid, tokens, ids = cumulative_world(api)
    api.ok("PUT", f"/rounds/{rid}/votes", tokens["north"], json={"votes": {str(ids["south"]): 30}})
    events = api.ok("GET", f"/economies/{w.economy}/events?limit=500", w.admin)["items"]
    last = events[-1]
    assert last["action"] == "votes.cast" and last["entity"] == "round" and last["entity_id"] == rid
    assert last["payload"] == {"round": rid, "iteration": 0, "council": w.councils["north"],
                               "votes": {str(ids["south"]): 30.0}}
    assert last["actor"] == w.members["north/delegate"][0]
    chain = api.ok("GET", f"/economies/{w.economy}/events/verify", w.admin)
    assert chain["ok"] and chain["head"] == last["hash"]


def test_ballots_only_in_open_cumulative_rounds(api: Api) -> None:
    w, rid, tokens, ids = cumulative_world(api)
    api.ok("POST", f"/rounds/{rid}/close", w.admin)
    r = _put(api, rid, tokens["north"], {ids["south"]: 10})
    assert r.status_code == 409 and "closed" in r.text
    w2 = api.economy()
    w2.council("A")
    rid2 = w2.open_round(rule="population-sum")
    r = _put(api, rid2, w2.coordinators["A"], {})
    assert r.status_code == 409 and "counts no ballots" in r.text
    assert api.call("PUT", "/rounds/999999/votes", tokens["north"], json={"votes": {}}).status_code == 404
