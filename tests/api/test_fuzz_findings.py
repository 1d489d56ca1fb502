"""What schemathesis found (tests/api/test_schemathesis.py), each kept as a plain regression test."""

from __future__ import annotations

import datetime as dt

from apihelpers import Api

BIG = 2**80  # past the databases' 64-bit integers


def test_ids_and_offsets_past_64_bits_are_422_not_500(api: Api) -> None:
    w = api.economy()
    for path in (f"/rounds/{BIG}", f"/councils/-{BIG}/members", f"/economies?offset={BIG}",
                 f"/economies/{w.economy}/councils?offset={BIG}"):
        r = api.call("GET", path, w.admin)
        assert r.status_code == 422, (path, r.status_code, r.text)
    r = api.call("GET", "/rounds/0", w.admin)
    assert r.status_code == 422 and "greater than or equal to 1" in r.text


def test_an_unknown_query_parameter_is_named_with_the_ones_there_are(api: Api) -> None:
    w = api.economy()
    r = api.call("GET", f"/economies/{w.economy}/councils?limt=5", w.admin)
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["loc"] == ["query", "limt"] and "takes: limit, offset" in item["msg"]
    assert api.call("GET", f"/economies/{w.economy}/councils?limit=5", w.admin).status_code == 200


def test_patching_a_council_with_null_processes_is_422(api: Api) -> None:
    w = api.economy()
    cid = w.council("A")
    r = api.call("PATCH", f"/councils/{cid}", w.coordinators["A"], json={"name": "B", "processes": None})
    assert r.status_code == 422 and "processes cannot be null" in r.text
    r = api.call("PATCH", f"/councils/{cid}", w.coordinators["A"], json={"name": None})
    assert r.status_code == 422 and "name cannot be null" in r.text
    assert api.ok("GET", f"/councils/{cid}", w.admin)["name"] == "A"  # nothing changed


def test_amounts_past_the_engines_largest_magnitude_are_refused(api: Api) -> None:
    w = api.economy()
    w.council("A")
    rid = w.open_round()
    token = w.member("A", "delegate")[1]
    r = api.call("POST", f"/rounds/{rid}/proposals", token, json={"goods": {"part_a": 1.0},
                                                                   "priorities": {"part_a": 1.7e308}})
    assert r.status_code == 422 and "less than or equal to 1000000000000000" in r.text
    r = api.call("PATCH", f"/councils/{w.councils['A']}", w.coordinators["A"], json={"population": 1e300})
    assert r.status_code == 422


def test_timestamps_carry_their_zone(api: Api) -> None:
    w = api.economy()
    stamp = api.ok("GET", f"/economies/{w.economy}", w.admin)["created_at"]
    assert dt.datetime.fromisoformat(stamp).utcoffset() == dt.timedelta(0), stamp
