"""1,000 councils × 10 concurrent submissions each, over real HTTP, on SQLite and PostgreSQL.

Every council's delegate sends ten proposals at once with its own idempotency keys (``client_key``),
all councils together over 200 connections; one submission in ten is sent twice at the same time
(the retry of a client that lost its answer), and requests the server sheds (503 ``overloaded``)
are sent again after ``Retry-After``, as a client would. Afterwards every key is stored exactly once
in its own council, the event log grew by exactly 10,000 and its hash chain verifies.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import pytest
from apihelpers import Api, burst

COUNCILS = int(os.environ.get("COUNCILPLAN_SCALE_COUNCILS", "1000"))
EACH = 10


@pytest.mark.slow
def test_thousand_councils_ten_submissions_each(api: Api, base_url: str) -> None:
    w = api.economy()
    admin = {"Authorization": f"Bearer {w.admin}"}
    t0 = time.perf_counter()
    made = asyncio.run(burst(base_url, [("POST", f"/economies/{w.economy}/councils", admin,
                                         {"name": f"c{i}", "kind": "consumer", "population": 100 + i})
                                        for i in range(COUNCILS)], connections=50))
    assert {r.status_code for r in made} == {201}, Counter(r.status_code for r in made)
    joined = asyncio.run(burst(base_url, [("POST", "/invites/accept", {},
                                           {"code": r.json()["invite"]["code"], "name": f"d{i}"})
                                          for i, r in enumerate(made)], connections=50))
    assert {r.status_code for r in joined} <= {200, 201}, Counter(r.status_code for r in joined)
    council_of = {r.json()["member"]["council_id"]: r.json()["token"] for r in joined}
    assert len(council_of) == COUNCILS
    rid = w.open_round()
    events_before = w.events()
    seeded_s = time.perf_counter() - t0

    jobs = [(cid, f"k{cid}-{k}") for cid in council_of for k in range(EACH)]
    sent = [job for n, job in enumerate(jobs) for job in ([job, job] if n % 10 == 0 else [job])]
    requests = [("POST", f"/rounds/{rid}/proposals", {"Authorization": f"Bearer {council_of[cid]}"},
                 {"goods": {"part_a": 1.0 + n % 7}, "client_key": key}) for n, (cid, key) in enumerate(sent)]
    t0 = time.perf_counter()
    responses = asyncio.run(asyncio.wait_for(burst(base_url, requests, connections=200), timeout=900))
    seconds = time.perf_counter() - t0
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 201}, {r.status_code: r.text for r in responses if r.status_code > 201}
    assert codes[201] == len(jobs)  # each key created once; its twin got the stored proposal (200)
    first: dict[str, int] = {}
    for r in responses:
        body = r.json()
        assert first.setdefault(body["client_key"], body["id"]) == body["id"]

    stored = api.every(f"/rounds/{rid}/proposals", w.admin)
    assert len(stored) == len(jobs)  # none lost, none duplicated
    assert Counter(p["client_key"] for p in stored) == Counter(key for _, key in jobs)
    assert all(p["client_key"].startswith(f"k{p['council_id']}-") for p in stored)  # each in its own council
    assert w.events() == events_before + len(jobs)
    assert api.ok("GET", f"/economies/{w.economy}/events/verify", w.admin)["ok"]
    retried = sum(r.attempts > 1 for r in responses)
    print(f"{COUNCILS} councils seeded in {seeded_s:.1f} s; {len(sent)} simultaneous submissions "
          f"({len(jobs)} distinct) in {seconds:.1f} s = {len(sent) / seconds:.0f}/s; {retried} shed and "
          f"retried (at most {max(r.attempts for r in responses)} tries)")
