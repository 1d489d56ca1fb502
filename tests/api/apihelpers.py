"""Helpers for API tests: a thin client and test worlds (an economy, its councils, members and a round)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Api:
    """Thin helpers over an httpx client: ``call`` returns the response; the others build test worlds."""

    client: Any

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.request(method, path, headers=headers, **kw)

    def ok(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        r = self.call(method, path, token, **kw)
        assert r.status_code < 300, f"{method} {path} → {r.status_code}: {r.text}"
        return r.json()

    def economy(self, example: str = "kantorovich") -> World:
        d = self.ok("POST", "/economies", json={"example": example})
        return World(api=self, economy=d["economy"]["id"], admin=d["token"], board=d["board"]["id"])


@dataclass
class World:
    """One economy: its admin, councils (name → id), members (name → (id, token)) and an open round."""

    api: Api
    economy: int
    admin: str
    board: int
    councils: dict[str, int] = field(default_factory=dict)
    coordinators: dict[str, str] = field(default_factory=dict)
    members: dict[str, tuple[int, str]] = field(default_factory=dict)
    round: int | None = None

    def council(self, name: str, kind: str = "consumer", population: float | None = 100.0,
                processes: list[str] | None = None) -> int:
        d = self.api.ok("POST", f"/economies/{self.economy}/councils", self.admin,
                        json={"name": name, "kind": kind, "population": population, "processes": processes or []})
        cid = d["council"]["id"]
        joined = self.api.ok("POST", "/invites/accept", json={"code": d["invite"]["code"], "name": f"{name} coord"})
        self.councils[name] = cid
        self.coordinators[name] = joined["token"]
        self.members[f"{name}/coordinator"] = (joined["member"]["id"], joined["token"])
        return cid

    def member(self, council: str, role: str, name: str | None = None) -> tuple[int, str]:
        """A new member of ``council`` with ``role`` (member, delegate or coordinator), invited by its coordinator."""
        inv = self.api.ok("POST", f"/councils/{self.councils[council]}/invites", self.coordinators[council],
                          json={"role": role})
        joined = self.api.ok("POST", "/invites/accept", json={"code": inv["code"], "name": name or f"{council} {role}"})
        mid, token = joined["member"]["id"], joined["token"]
        self.members.setdefault(f"{council}/{role}", (mid, token))
        return mid, token

    def open_round(self, rule: str = "population-sum", **kw: Any) -> int:
        d = self.api.ok("POST", f"/economies/{self.economy}/rounds", self.admin, json={"rule": rule, **kw})
        self.round = d["id"]
        return int(d["id"])

    def events(self) -> int:
        return int(self.api.ok("GET", f"/economies/{self.economy}/events?limit=1", self.admin)["total"])
