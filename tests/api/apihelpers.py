"""Helpers for API tests: a thin client and test worlds (an economy, its councils, members and a round)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse


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

    def every(self, path: str, token: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Every item of a paginated list (page after page), checked against the list's ``total``."""
        items: list[dict[str, Any]] = []
        sep = "&" if "?" in path else "?"
        while True:
            page = self.ok("GET", f"{path}{sep}offset={len(items)}&limit={limit}", token)
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                assert len(items) == page["total"], (path, len(items), page["total"])
                return items

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


#: Two goods germany-1995 can make; either council's proposal of them fits the capacity alone.
TWO_GOODS = {"goods": {"agriculture": 30.0, "trade": 30.0}}


def cumulative_world(api: Api) -> tuple[World, int, dict[str, str], dict[str, int]]:
    """germany-1995 with councils north (3000 people) and south (1000), an open cumulative round and one
    :data:`TWO_GOODS` proposal each. Returns the world, the round id, each council's delegate token and
    each council's proposal id."""
    w = api.economy("germany-1995")
    for name, pop in (("north", 3000.0), ("south", 1000.0)):
        w.council(name, population=pop)
    rid = w.open_round(rule="cumulative", objective="harmony")
    tokens = {n: w.member(n, "delegate")[1] for n in ("north", "south")}
    ids = {n: int(api.ok("POST", f"/rounds/{rid}/proposals", t, json=TWO_GOODS)["id"]) for n, t in tokens.items()}
    return w, rid, tokens, ids


# ----------------------------------------------------------------- bursts
@dataclass
class RawResponse:
    """Status and body of one response of :func:`burst`."""

    status_code: int
    content: bytes
    retry_after: float | None = None
    attempts: int = 1

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, method: str,
                    path: str, headers: dict[str, str], body: Any) -> RawResponse:
    data = json.dumps(body).encode() if body is not None else b""
    head = {"Host": host, "Content-Length": str(len(data)), **headers}
    if body is not None:
        head["Content-Type"] = "application/json"
    writer.write(f"{method} {path} HTTP/1.1\r\n{''.join(f'{k}: {v}' + chr(13) + chr(10) for k, v in head.items())}"
                 "\r\n".encode() + data)
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(fields.get("content-length", 0))
    retry = float(fields["retry-after"]) if "retry-after" in fields else None
    return RawResponse(int(lines[0].split()[1]), await reader.readexactly(length), retry)


async def burst(base_url: str, requests: list[tuple[str, str, dict[str, str], Any]],
                connections: int = 200, retry_overloaded: bool = True, retry_for_s: float = 600.0
                ) -> list[RawResponse]:
    """Send ``(method, path, headers, json body)`` requests at once over ``connections`` keep-alive
    connections (opened together, each sending its share back to back); responses in request order.

    A request the server sheds (503 ``overloaded``, see :mod:`councilplan.api.shedding`) is sent again
    after its ``Retry-After``, as a well-behaved client would (for up to ``retry_for_s`` seconds from the
    start), unless ``retry_overloaded`` is false; each response's ``attempts`` counts its tries.

    A minimal HTTP/1.1 client for the concurrency tests: httpx's connection pool costs more CPU per
    request than the server, which would make a test of the server measure the client.
    """
    u = urlparse(base_url)
    host = f"{u.hostname}:{u.port}"
    give_up = time.monotonic() + retry_for_s
    out: list[RawResponse | None] = [None] * len(requests)
    todo = list(enumerate(requests))[::-1]
    opened = asyncio.Event()
    ready = 0
    n = min(connections, len(requests))

    async def connection() -> None:
        nonlocal ready
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        ready += 1
        if ready == n:
            opened.set()
        await opened.wait()
        try:
            while todo:
                i, (method, path, headers, body) = todo.pop()
                attempts = 1
                r = await _exchange(reader, writer, host, method, path, headers, body)
                while (retry_overloaded and r.status_code == 503 and r.retry_after is not None
                       and time.monotonic() < give_up):
                    await asyncio.sleep(r.retry_after)
                    attempts += 1
                    r = await _exchange(reader, writer, host, method, path, headers, body)
                r.attempts = attempts
                out[i] = r
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*[connection() for _ in range(n)])
    assert all(r is not None for r in out)
    return out  # type: ignore[return-value]
