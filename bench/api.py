"""Service figures of issue 4, bounded in count and time, loopback only.

``python bench/api.py recompute [--goods 10000]``
    Recompute a plan after one vote on a synthetic economy (``random_economy``): a
    cold plan, then one council changes one demand and the plan is recomputed with
    a warm start and cached labour values. Target: ≤ 1 s.

``python bench/api.py load [--rate 200] [--seconds 60]``
    Start ``councilplan serve`` on a temporary SQLite file in a subprocess on
    127.0.0.1 (or use ``--server http://127.0.0.1:PORT``), seed an economy, councils
    and a round, then send ``rate × seconds`` requests at a fixed rate from an
    asyncio httpx client: 70 % reads (proposal lists, the round, ``/me``) and 30 %
    writes (proposal submissions). Reports p50/p99 latency. Target: p99 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def recompute(goods: int, councils: int = 20, seed: int = 0) -> dict[str, float]:
    from councilplan.democracy import Council, Proposal, get_rule
    from councilplan.model.synthetic import random_economy
    from councilplan.store.planning import compute_plan

    t0 = time.perf_counter()
    economy = random_economy(goods, seed=seed)
    t_build = time.perf_counter() - t0
    rng = random.Random(seed)
    ids = list(economy.goods.index)
    cs = {f"c{i}": Council(f"c{i}", f"council {i}", "consumer", population=rng.uniform(1e3, 1e4))
          for i in range(councils)}
    base = economy.targets["amount"]
    total = sum(c.population for c in cs.values())
    props = [Proposal(f"p{i}", cid, "consumer",
                      goods={g: float(base[g]) / total * rng.uniform(0.8, 1.2) for g in ids if base[g] > 0})
             for i, cid in enumerate(cs)]
    rule = get_rule("population-sum")
    t0 = time.perf_counter()
    goals = rule.aggregate(props, cs, economy, None)
    cold = compute_plan(economy, goals, "harmony")
    t_cold = time.perf_counter() - t0
    # one vote: council 0 asks for 10 % more of one good
    g = next(g for g in ids if base[g] > 0)
    props[0] = props[0].revised(goods={**props[0].goods, g: props[0].goods[g] * 1.1})
    t0 = time.perf_counter()
    goals2 = rule.aggregate(props, cs, economy, cold)
    warm = compute_plan(economy, goals2, "harmony", previous=cold)
    t_warm = time.perf_counter() - t0
    assert str(warm.status) == "optimal", warm.status
    return {"goods": float(goods), "processes": float(economy.n_processes), "generate_s": t_build,
            "cold_plan_s": t_cold, "recompute_after_one_vote_s": t_warm,
            "warm_solver_iterations": float(warm.iterations), "cold_solver_iterations": float(cold.iterations)}


# ----------------------------------------------------------------------- load
def _start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    from councilplan.api.server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from councilplan.cli import main; main()", "serve",
                             "--db", f"sqlite:///{tmp / 'load.db'}", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def _seed(url: str, councils: int = 10) -> dict[str, Any]:
    import httpx

    c = httpx.Client(base_url=url, timeout=60)

    def ok(method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        r = c.request(method, path, headers={"Authorization": f"Bearer {token}"} if token else {}, **kw)
        r.raise_for_status()
        return r.json()

    e = ok("POST", "/economies", json={"example": "germany-1995"})
    admin, eid = e["token"], e["economy"]["id"]
    tokens = []
    for i in range(councils):
        cc = ok("POST", f"/economies/{eid}/councils", admin,
                json={"name": f"c{i}", "kind": "consumer", "population": 1000})
        tokens.append(ok("POST", "/invites/accept", json={"code": cc["invite"]["code"], "name": f"d{i}"})["token"])
    rid = ok("POST", f"/economies/{eid}/rounds", admin, json={"rule": "population-sum"})["id"]
    return {"tokens": tokens, "round": rid}


async def _load(url: str, seed: dict[str, Any], rate: float, seconds: float) -> dict[str, Any]:
    import httpx

    n = int(rate * seconds)
    rng = random.Random(1)
    lat: dict[str, list[float]] = {"read": [], "write": []}
    errors: dict[int, int] = {}
    rid, tokens = seed["round"], seed["tokens"]

    async def one(client: httpx.AsyncClient, i: int) -> None:
        token = tokens[i % len(tokens)]
        h = {"Authorization": f"Bearer {token}"}
        kind = "write" if rng.random() < 0.3 else "read"
        t = time.perf_counter()
        if kind == "write":
            r = await client.post(f"/rounds/{rid}/proposals", headers=h,
                                  json={"goods": {"trade": 1.0 + i % 5}, "client_key": f"load-{i}"})
        else:
            path = rng.choice([f"/rounds/{rid}/proposals?limit=20", f"/rounds/{rid}", "/me"])
            r = await client.get(path, headers=h)
        lat[kind].append(time.perf_counter() - t)
        if r.status_code >= 400:
            errors[r.status_code] = errors.get(r.status_code, 0) + 1

    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        start = time.perf_counter()
        tasks = []
        for i in range(n):  # fixed arrival rate (open loop): latency includes any queueing
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, i)))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 60)
        wall = time.perf_counter() - start
    every = sorted(lat["read"] + lat["write"])

    def q(v: list[float], p: float) -> float:
        return statistics.quantiles(v, n=100)[p - 1] * 1000 if len(v) >= 2 else float("nan")

    return {"requests": n, "wall_s": round(wall, 2), "achieved_rps": round(n / wall, 1), "errors": errors,
            "p50_ms": round(q(every, 50), 2), "p99_ms": round(q(every, 99), 2),
            "read_p99_ms": round(q(sorted(lat["read"]), 99), 2),
            "write_p99_ms": round(q(sorted(lat["write"]), 99), 2)}


def load(rate: float, seconds: float, server: str | None) -> dict[str, Any]:
    if rate * seconds > 50_000 or seconds > 300:
        raise SystemExit("bounded: at most 50,000 requests and 300 s")
    if server is not None and urlparse(server).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the load script runs on loopback only (127.0.0.1)")
    with tempfile.TemporaryDirectory(prefix="councilplan-load-") as tmp:
        proc = None
        if server is None:
            proc, server = _start_server(Path(tmp))
        try:
            seeded = _seed(server)
            return asyncio.run(_load(server, seeded, rate, seconds))
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("recompute")
    r.add_argument("--goods", type=int, default=10_000)
    ld = sub.add_parser("load")
    ld.add_argument("--rate", type=float, default=200.0)
    ld.add_argument("--seconds", type=float, default=60.0)
    ld.add_argument("--server", default=None)
    args = ap.parse_args()
    if args.what == "recompute":
        out: dict[str, Any] = recompute(args.goods)
        target = out["recompute_after_one_vote_s"] <= 1.0
    else:
        out = load(args.rate, args.seconds, args.server)
        target = out["p99_ms"] <= 100.0
    for k, v in out.items():
        print(f"{k:>28}: {v:.4g}" if isinstance(v, float) else f"{k:>28}: {v}")
    print(f"{'target met':>28}: {'yes' if target else 'NO'}")


if __name__ == "__main__":
    main()
