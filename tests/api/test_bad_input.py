"""Bad input gets a 422 (or 401/403/404/409 where that is the truth) with a clear message, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from apihelpers import Api, World


@pytest.fixture(scope="module")
def world(base_url: str) -> Any:
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as client:
        api = Api(client)
        w = api.economy()
        w.council("A")
        w.council("W", kind="workplace", population=10, processes=["milling_a"])
        w.open_round()
        yield w


def _detail(r: Any) -> str:
    return str(r.json()["detail"])


PROPOSALS = [
    ({"goods": {"part_a": -1}}, "greater than or equal to 0"),
    ({"goods": {"part_a": "lots"}}, "valid number"),
    ({"goods": {"part_z": 1}}, "unknown good 'part_z'"),
    ({"goods": {}}, "asks for nothing"),
    ({"priorities": {"part_a": 80, "part_b": 30}}, "over the equal budget of 100 points"),
    ({"goods": {"part_a": 1}, "capacity": {"milling_a": 3}}, "cannot offer capacity"),
    ({"goods": {"part_a": 1}, "colour": "red"}, "Extra inputs are not permitted"),
    ({"goods": {"part_a": 1}, "kind": "workplace"}, "cannot make a workplace proposal"),
    ({"goods": {"part_a": 1}, "client_key": ""}, "at least 1 character"),
]


@pytest.mark.parametrize(("body", "message"), PROPOSALS)
def test_bad_proposals(world: World, body: dict[str, Any], message: str) -> None:
    token = world.members["A/coordinator"][1]
    before = world.events()
    r = world.api.call("POST", f"/rounds/{world.round}/proposals", token, json=body)
    assert r.status_code == 422, r.text
    assert message in _detail(r)
    assert world.events() == before


@pytest.mark.parametrize("raw", [b'{"goods": {"part_a": NaN}}', b'{"goods": {"part_a": Infinity}}',
                                 b'{"goods": {"part_a": 1e400}}', b'{"goods": ', b"not json", b"[]"])
def test_malformed_bodies(world: World, raw: bytes) -> None:
    token = world.members["A/coordinator"][1]
    r = world.api.client.post(f"/rounds/{world.round}/proposals", content=raw,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 422, r.text


def test_workplace_proposals(world: World) -> None:
    token = world.members["W/coordinator"][1]
    ok = world.api.call("POST", f"/rounds/{world.round}/proposals", token, json={"capacity": {"milling_a": 5}})
    assert ok.status_code == 201, ok.text
    r = world.api.call("POST", f"/rounds/{world.round}/proposals", token,
                       json={"capacity": {"turret_a": 5}, "hours": {"nobody": 1},
                             "techniques": [{"process": "milling_b", "table": "inputs", "item": "steel",
                                             "amount": 1, "justification": "better"}]})
    assert r.status_code == 422
    text = _detail(r)
    for needle in ("is not attached to process 'turret_a'", "unknown labour kind 'nobody'",
                   "is not attached to process 'milling_b'", "unknown good 'steel'"):
        assert needle in text


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), [
    ("POST", "/economies", {}, 422, "exactly one of"),
    ("POST", "/economies", {"example": "atlantis"}, 422, "unknown example"),
    ("POST", "/economies", {"files": {"goods.csv": "id,name,unit\na,A,t\n"}}, 422, "economy.toml"),
    ("POST", "/economies", {"files": {"../../etc/passwd": "x"}}, 422, "not a file of the economy format"),
    ("POST", "/invites/accept", {"code": "cpi_not-a-code", "name": "x"}, 404, "not valid"),
    ("POST", "/invites/accept", {"code": "cpi_not-a-code"}, 422, "Field required"),
])
def test_public_routes(world: World, method: str, path: str, body: Any, status: int, message: str) -> None:
    r = world.api.call(method, path, json=body)
    assert r.status_code == status, r.text
    assert message in _detail(r)


def test_admin_routes(world: World) -> None:
    a, e = world.admin, world.economy
    cases = [
        ("POST", f"/economies/{e}/councils", {"name": "X", "kind": "consumer", "population": -5}, 422, "greater than"),
        ("POST", f"/economies/{e}/councils", {"name": "X", "kind": "consumer"}, 422, "population > 0"),
        ("POST", f"/economies/{e}/councils", {"name": "X", "kind": "workplace", "processes": ["nope"]}, 422,
         "'nope' is not a process"),
        ("POST", f"/economies/{e}/councils", {"name": "A", "kind": "consumer", "population": 1}, 409, "already exists"),
        ("POST", f"/economies/{e}/councils", {"name": " ", "kind": "consumer", "population": 1}, 422, "pattern"),
        ("POST", f"/economies/{e}/councils", {"name": "X", "kind": "guild", "population": 1}, 422, "workplace"),
        ("POST", f"/economies/{e}/rounds", {"rule": "dictator"}, 422, "unknown aggregation rule"),
        ("POST", f"/economies/{e}/rounds", {"max_iterations": 0}, 422, "greater than or equal to 1"),
        ("POST", f"/rounds/{world.round}/publish", None, 409, "can only move to closed"),
        ("POST", "/rounds/999999/close", None, 404, "round 999999 does not exist"),
        ("GET", "/plans/999999", None, 404, "does not exist"),
        ("GET", f"/economies/{e}/councils?limit=0", None, 422, "greater than or equal to 1"),
        ("GET", f"/economies/{e}/councils?limit=501", None, 422, "less than or equal to 500"),
        ("GET", f"/economies/{e}/councils?offset=-1", None, 422, "greater than or equal to 0"),
        ("GET", f"/rounds/{world.round}/plan", None, 404, "no published plan"),
    ]
    for method, path, body, status, message in cases:
        r = world.api.call(method, path, a, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert message in _detail(r), (path, r.text)


def test_lists_are_paginated(world: World) -> None:
    page = world.api.ok("GET", f"/economies/{world.economy}/events?offset=1&limit=2", world.admin)
    assert len(page["items"]) == 2 and page["offset"] == 1 and page["limit"] == 2
    assert page["items"][0]["seq"] == 2 and page["total"] >= 5
