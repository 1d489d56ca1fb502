"""The authorisation matrix: every role × every write route × own or other council (or economy).

A write is allowed exactly when :data:`councilplan.api.deps.PERMISSIONS` says so:
the caller's role is at least the action's role and the target is the caller's
own council (council-scoped) or own economy (economy-scoped). A refused write is
a 403 that changes nothing: the event log does not grow and no row of any table changes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from apihelpers import Api
from sqlalchemy import select

from councilplan.api.deps import PERMISSIONS
from councilplan.democracy import Role
from councilplan.store.db import Database
from councilplan.store.security import hash_secret, new_token
from councilplan.store.tables import Base, MemberRow

ROLES = ["member", "delegate", "coordinator", "admin"]


def snapshot(database: Database) -> str:
    """A digest of every row of every table: equal before and after exactly when nothing was written."""
    h = hashlib.sha256()
    with database.transaction(write=False) as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            h.update(f"{table.name}:{rows!r}".encode())
    return h.hexdigest()
WANT = {"goods": {"part_a": 1.0}}
#: Actions of workplace councils: their callers sit in workplace council W, the other council is W2.
WORKPLACE = ("reports.submit", "alerts.respond")
PROCESS = "milling_a"


def _series(fall: bool) -> dict[str, Any]:
    out = [100.0 + (3.0 if t % 2 else -3.0) - (40.0 if fall and t >= 14 else 0.0) for t in range(20)]
    return {"reports": [{"process": PROCESS, "period": t + 1, "output": v, "hours": 8.0} for t, v in enumerate(out)]}


class Matrix:
    """Two economies; in the first, councils A (the callers') and B (the other council)."""

    def __init__(self, api: Api, database: Database) -> None:
        self.api = api
        self.e1, self.e2 = api.economy(), api.economy()
        for w in (self.e1, self.e2):
            w.council("A")
            w.council("B")
            w.open_round(rule="cumulative")  # a rule that counts ballots (votes.cast)
        self.tokens: dict[str, str] = {}
        for role in ("member", "delegate"):
            self.tokens[role] = self.e1.member("A", role)[1]
        self.tokens["coordinator"] = self.e1.coordinators["A"]
        token = new_token()  # an admin seated in council A (admins are normally on the board)
        with database.transaction() as s:
            s.add(MemberRow(council_id=self.e1.councils["A"], name="A admin", role="admin",
                            token_hash=hash_secret(token)))
        self.tokens["admin"] = token
        # workplace councils W (the callers') and W2 (the other), each with an alert on its series
        for name in ("W", "W2"):
            self.e1.council(name, kind="workplace", processes=[PROCESS])
        self.e2.council("W", kind="workplace", processes=[PROCESS])
        self.wtokens = {role: self.e1.member("W", role)[1] for role in ("member", "delegate")}
        self.wtokens["coordinator"] = self.e1.coordinators["W"]
        token = new_token()
        with database.transaction() as s:
            s.add(MemberRow(council_id=self.e1.councils["W"], name="W admin", role="admin",
                            token_hash=hash_secret(token)))
        self.wtokens["admin"] = token
        self.alerts = {}
        for name in ("W", "W2"):
            delegate = self.e1.member(name, "delegate")[1]
            raised = api.ok("POST", f"/councils/{self.e1.councils[name]}/reports", delegate, json=_series(True))
            self.alerts[name] = raised["alerts"][0]["id"]
        self.targets = {c: self.e1.member(c, "member")[0] for c in ("A", "B")}
        self.delegates = {c: self.e1.member(c, "delegate")[1] for c in ("A", "B")}
        self.proposals = {c: self.submit(c) for c in ("A", "B")}
        self.n = itertools.count()
        self.database = database
        self.fresh: dict[str, int] = {}

    def prepare(self, action: str, own: bool) -> None:
        """Make the target that ``action`` consumes (a member to remove, a proposal to withdraw)."""
        c = "A" if own else "B"
        if action == "members.remove":
            self.fresh[action] = self.e1.member(c, "member")[0]
        elif action == "proposals.withdraw":
            self.fresh[action] = self.submit(c)

    def submit(self, council: str) -> int:
        return int(self.api.ok("POST", f"/rounds/{self.e1.round}/proposals", self.delegates[council], json=WANT)["id"])

    # one request per action; `own` picks the caller's council/economy, else the other one
    def do(self, action: str, token: str, own: bool) -> Any:
        c = "A" if own else "B"
        w = self.e1 if own else self.e2
        api = self.api
        actions: dict[str, Callable[[], Any]] = {
            "councils.create": lambda: api.call("POST", f"/economies/{w.economy}/councils", token,
                                                json={"name": f"new {next(self.n)}", "kind": "consumer",
                                                      "population": 5}),
            "councils.update": lambda: api.call("PATCH", f"/councils/{self.e1.councils[c]}", token,
                                                json={"population": 123}),
            "invites.create": lambda: api.call("POST", f"/councils/{self.e1.councils[c]}/invites", token,
                                               json={"role": "member"}),
            "members.update": lambda: api.call("PATCH", f"/members/{self.targets[c]}", token,
                                               json={"name": f"renamed {next(self.n)}"}),
            "members.remove": lambda: api.call("DELETE", f"/members/{self.fresh[action]}", token),
            "proposals.submit": lambda: api.call("POST", f"/rounds/{self.e1.round}/proposals", token,
                                                 json={**WANT, "council_id": self.e1.councils[c]}),
            "proposals.revise": lambda: api.call("PUT", f"/proposals/{self.proposals[c]}", token,
                                                 json={"goods": {"part_b": 2.0}}),
            "proposals.withdraw": lambda: api.call("DELETE", f"/proposals/{self.fresh[action]}", token),
            "votes.cast": lambda: api.call("PUT", f"/rounds/{self.e1.round}/votes", token,
                                           json={"votes": {str(self.proposals[c]): 10},
                                                 "council_id": self.e1.councils[c]}),
            "rounds.create": lambda: api.call("POST", f"/economies/{w.economy}/rounds", token,
                                              json={"rule": "population-sum"}),
            "rounds.advance": lambda: api.call("POST", f"/rounds/{w.round}/publish", token),
            "reports.submit": lambda: api.call("POST", f"/councils/{self.e1.councils['W' if own else 'W2']}/reports",
                                               token, json={"reports": [{"process": PROCESS, "period": 100 + next(self.n),
                                                                         "output": 100.0, "hours": 8.0}]}),
            "alerts.respond": lambda: api.call("POST", f"/alerts/{self.alerts['W' if own else 'W2']}/acknowledge",
                                               token),
        }
        return actions[action]()


@pytest.fixture(scope="module")
def matrix(base_url: str, database: Database) -> Any:
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield Matrix(Api(client), database)


def test_matrix_covers_every_write_route(base_url: str) -> None:
    """Every write route of the OpenAPI document is in the permission table (or is public by design)."""
    import httpx

    spec = httpx.get(f"{base_url}/openapi.json").json()
    writes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("post", "put", "patch", "delete")}
    public = {("POST", "/economies"), ("POST", "/invites/accept")}
    assert len(writes - public) == 17  # 13 actions; rounds.advance has 4 routes, alerts.respond 2
    assert len(PERMISSIONS) == 13


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("action", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(matrix: Matrix, role: str, action: str, own: bool) -> None:
    least, _scope = PERMISSIONS[action]
    allowed = own and Role(role).at_least(least)
    token = (matrix.wtokens if action in WORKPLACE else matrix.tokens)[role]
    matrix.prepare(action, own)  # fresh targets are made first
    before = matrix.e1.events() + matrix.e2.events()
    rows = snapshot(matrix.database)
    r = matrix.do(action, token, own)
    if allowed:
        # allowed: done, or refused for a reason other than permission (a round already runs; an open round
        # cannot be published)
        expected = {"rounds.create": {409}, "rounds.advance": {409}}.get(action, {200, 201})
        assert r.status_code in expected, r.text
    else:
        assert r.status_code == 403, r.text
        assert "detail" in r.json()
        assert matrix.e1.events() + matrix.e2.events() == before, "a refused write was recorded"
        assert snapshot(matrix.database) == rows, "a refused write changed the database"


def test_board_admin_cannot_write_council_data(matrix: Matrix) -> None:
    admin = matrix.e1.admin
    r = matrix.api.call("PATCH", f"/councils/{matrix.e1.councils['A']}", admin, json={"population": 1})
    assert r.status_code == 403
    assert "another council" in r.json()["detail"]
    r = matrix.api.call("POST", f"/rounds/{matrix.e1.round}/proposals", admin, json=WANT)
    assert r.status_code == 403


def test_no_token_and_bad_token(matrix: Matrix) -> None:
    r = matrix.api.call("POST", f"/rounds/{matrix.e1.round}/proposals", None, json=WANT)
    assert r.status_code == 401
    r = matrix.api.call("POST", f"/rounds/{matrix.e1.round}/proposals", "cpt_not-a-token", json=WANT)
    assert r.status_code == 401
    assert "not valid" in r.json()["detail"]


def test_removed_member_token_stops_working(matrix: Matrix) -> None:
    mid, token = matrix.e1.member("A", "delegate", name="leaver")
    assert matrix.api.call("GET", "/me", token).status_code == 200
    assert matrix.api.call("DELETE", f"/members/{mid}", matrix.e1.coordinators["A"]).status_code == 200
    assert matrix.api.call("GET", "/me", token).status_code == 401


def test_cannot_raise_roles_above_own(matrix: Matrix) -> None:
    coord = matrix.e1.coordinators["A"]
    r = matrix.api.call("POST", f"/councils/{matrix.e1.councils['A']}/invites", coord, json={"role": "admin"})
    assert r.status_code == 403
    r = matrix.api.call("PATCH", f"/members/{matrix.targets['A']}", coord, json={"role": "admin"})
    assert r.status_code == 403


def test_reads_are_limited_to_own_economy(matrix: Matrix) -> None:
    token = matrix.tokens["member"]
    assert matrix.api.call("GET", f"/economies/{matrix.e1.economy}/councils", token).status_code == 200
    assert matrix.api.call("GET", f"/economies/{matrix.e2.economy}/councils", token).status_code == 403
    assert matrix.api.call("GET", f"/rounds/{matrix.e2.round}/proposals", token).status_code == 403
