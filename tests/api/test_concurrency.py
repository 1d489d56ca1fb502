"""1,000 simultaneous proposal submissions over real HTTP: none lost, none duplicated, the chain intact."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from apihelpers import Api


def test_thousand_simultaneous_submissions(api: Api, base_url: str) -> None:
    w = api.economy()
    councils = [f"c{i}" for i in range(10)]
    for c in councils:
        w.council(c)
    rid = w.open_round()
    tokens = {c: w.member(c, "delegate")[1] for c in councils}
    events_before = w.events()
    jobs = [(c, f"{c}-{k}") for c in councils for k in range(100)]
    retries = jobs[::10]  # 100 resubmissions of keys that are also sent once more, at the same time

    async def main() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
            return await asyncio.gather(*[
                client.post(f"/rounds/{rid}/proposals", headers={"Authorization": f"Bearer {tokens[c]}"},
                            json={"goods": {"part_a": 1.0 + k % 7}, "client_key": key})
                for k, (c, key) in enumerate(jobs + retries)])

    responses = asyncio.run(main())
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 201}, {r.status_code: r.text for r in responses if r.status_code > 201}
    assert codes[201] == 1000
    ids = {r.json()["client_key"]: r.json()["id"] for r in responses}
    for r in responses:  # a resubmitted key always answers with the one stored proposal
        assert ids[r.json()["client_key"]] == r.json()["id"]
    stored = []
    offset = 0
    while True:
        page = api.ok("GET", f"/rounds/{rid}/proposals?offset={offset}&limit=500", w.admin)
        stored += page["items"]
        offset += 500
        if offset >= page["total"]:
            break
    assert page["total"] == 1000
    keys = Counter(p["client_key"] for p in stored)
    assert len(keys) == 1000 and max(keys.values()) == 1
    assert keys.keys() == {key for _, key in jobs}
    assert w.events() == events_before + 1000
    assert api.ok("GET", f"/economies/{w.economy}/events/verify", w.admin)["ok"]
