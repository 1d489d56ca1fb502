"""1,000 simultaneous proposal submissions over real HTTP: none lost, none duplicated, the chain intact."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

import httpx
import pytest
from apihelpers import Api, burst

from councilplan.api import create_app
from councilplan.api.app import SWITCH_INTERVAL
from councilplan.api.server import running
from councilplan.store.db import Database


def test_thousand_simultaneous_submissions(api: Api, base_url: str) -> None:
    w = api.economy()
    councils = [f"c{i}" for i in range(10)]
    for c in councils:
        w.council(c)
    rid = w.open_round()
    tokens = {c: w.member(c, "delegate")[1] for c in councils}
    events_before = w.events()
    jobs = [(c, f"{c}-{k}") for c in councils for k in range(100)]
    # 100 keys are sent twice, the copy right after the original (on another connection, at the same time)
    sent = [job for k, job in enumerate(jobs) for job in ([job, job] if k % 10 == 0 else [job])]
    requests = [("POST", f"/rounds/{rid}/proposals", {"Authorization": f"Bearer {tokens[c]}"},
                 {"goods": {"part_a": 1.0 + k % 7}, "client_key": key}) for k, (c, key) in enumerate(sent)]
    started = time.perf_counter()
    responses = asyncio.run(asyncio.wait_for(burst(base_url, requests, connections=200), timeout=300))
    seconds = time.perf_counter() - started
    codes = Counter(r.status_code for r in responses)
    assert set(codes) <= {200, 201}, {r.status_code: r.text for r in responses if r.status_code > 201}
    assert codes[201] == 1000
    ids = {r.json()["client_key"]: r.json()["id"] for r in responses}
    for r in responses:  # a resubmitted key always answers with the one stored proposal
        assert ids[r.json()["client_key"]] == r.json()["id"]
    stored = api.every(f"/rounds/{rid}/proposals", w.admin)
    assert len(stored) == 1000
    keys = Counter(p["client_key"] for p in stored)
    assert len(keys) == 1000 and max(keys.values()) == 1
    assert keys.keys() == {key for _, key in jobs}
    assert w.events() == events_before + 1000
    assert api.ok("GET", f"/economies/{w.economy}/events/verify", w.admin)["ok"]
    print(f"1,100 simultaneous submissions (1,000 distinct) in {seconds:.2f} s")


def test_server_start_up_sets_route_threads_and_gil_turns(database: Database) -> None:
    # the app's lifespan runs once in the server's event loop: the route threads and the GIL's
    # switch interval are set before the first request
    import anyio.to_thread

    app = create_app(database, migrate=False, threads=3)

    async def limit() -> int:
        return int(anyio.to_thread.current_default_thread_limiter().total_tokens)

    app.add_api_route("/_thread_limit", limit)
    sys.setswitchinterval(0.005)
    with running(app) as url:
        assert httpx.get(f"{url}/_thread_limit").json() == 3
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
