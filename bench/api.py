"""Service figures of issue 4, bounded in count and time, loopback only.

``python bench/api.py recompute [--goods 10000]``
    Recompute a plan after one vote on a synthetic economy (``random_economy``): a
    cold plan, then one council changes one demand and the plan is recomputed with
    a warm start and cached labour values. Target: ≤ 1 s.

``python bench/api.py load [--rate 200] [--seconds 60]``
    Start ``councilplan serve`` on a temporary SQLite file in a subprocess on
    127.0.0.1 (or use ``--server http://127.0.0.1:PORT``), seed an economy, councils
    and a round, warm it up for 3 s, then send ``rate × seconds`` requests at a fixed rate
    (open loop, latency from each request's due time) from a minimal asyncio keep-alive
    client: 70 % reads (proposal lists, the round, ``/me``) and 30 % writes (proposal
    submissions). Reports p50/p99 latency and the load average. Target: p99 ≤ 100 ms.
    ``--db postgresql --workers 2``: a fresh PostgreSQL database and two server processes.

``python bench/api.py cost [--db postgresql]``
    CPU per request of each kind (a write, a page of proposals, a round, ``/me``): one server
    process and one sequential keep-alive client, CPU from ``/proc`` (Linux); on PostgreSQL also
    the CPU of the server's backends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


def recompute(goods: int, councils: int = 20, seed: int = 0, compare: bool = False) -> dict[str, Any]:
    """Setup (untimed): economy, proposals, labour values, the cold plan. Timed: one vote, then
    aggregation and the warm re-plan exactly as the server's round planning does them."""
    from councilplan import example
    from councilplan.democracy import Council, CouncilKind, Proposal, ProposalKind, get_rule
    from councilplan.model.synthetic import random_economy
    from councilplan.planning import plan
    from councilplan.planning.values import cached_labour_values
    from councilplan.solvers import SolveOptions
    from councilplan.store.planning import compute_plan

    t0 = time.perf_counter()
    economy = random_economy(goods, seed=seed)
    t_build = time.perf_counter() - t0
    rng = random.Random(seed)
    ids = list(economy.goods.index)
    cs = {f"c{i}": Council(f"c{i}", f"council {i}", CouncilKind.CONSUMER, population=rng.uniform(1e3, 1e4))
          for i in range(councils)}
    base = economy.targets["amount"]
    total = sum(c.population for c in cs.values())
    props = [Proposal(f"p{i}", cid, ProposalKind.CONSUMER,
                      goods={g: float(base[g]) / total * rng.uniform(0.8, 1.2) for g in ids if base[g] > 0})
             for i, cid in enumerate(cs)]
    rule = get_rule("population-sum")
    t0 = time.perf_counter()
    cached_labour_values(economy)  # as the server does (cached by technology)
    t_values = time.perf_counter() - t0
    t0 = time.perf_counter()
    goals = rule.aggregate(props, cs, economy, None)
    t_agg0 = time.perf_counter() - t0
    t0 = time.perf_counter()
    cold = compute_plan(economy, goals, "harmony")
    t_cold = time.perf_counter() - t0
    assert str(cold.status) == "optimal", cold.status
    plan(example("kantorovich"), "ray", solver="pdlp")  # compile the first-order kernels (numba) once
    # one vote: council 0 asks for 10 % more of one good
    g = next(g for g in ids if base[g] > 0)
    props[0] = props[0].revised(goods={**props[0].goods, g: props[0].goods[g] * 1.1})
    t0 = time.perf_counter()
    goals2 = rule.aggregate(props, cs, economy, cold)
    t_agg = time.perf_counter() - t0
    warm = compute_plan(economy, goals2, "harmony", previous=cold)
    t_warm = time.perf_counter() - t0
    assert str(warm.status) == "optimal", warm.status
    cert = warm.certificate
    out: dict[str, Any] = {
        "goods": goods, "processes": economy.n_processes, "councils": councils, "generate_s": t_build,
        "labour_values_s (setup, cached)": t_values, "first_aggregation_s (setup)": t_agg0,
        "cold_plan_s": t_cold, "cold_how": cold.message, "cold_solver_iterations": cold.iterations,
        "aggregate_after_vote_s": t_agg, "recompute_after_one_vote_s": t_warm, "warm_how": warm.message,
        "warm_solver_iterations": warm.iterations,
        "warm_certificate": (f"primal {cert.primal_residual:.1e}, dual {cert.dual_residual:.1e}, gap {cert.gap:.1e}"
                             if cert else "none"),
        "objective_cold_warm": f"{cold.objective:.8g} → {warm.objective:.8g}",
        "warm_over_cold": t_warm / t_cold,
    }
    if compare:  # the same re-solve by HiGHS from the cold plan's simplex basis
        t0 = time.perf_counter()
        basis = plan(goals2.apply(economy), "harmony", with_values=False, warm=cold)
        out["highs_from_basis_s"] = time.perf_counter() - t0
        out["highs_from_basis_iterations"] = basis.iterations
        t0 = time.perf_counter()
        plan(goals2.apply(economy), "harmony", solver="pdlp", with_values=False,
             options=SolveOptions(tol=1e-5, time_limit=min(120.0, 2 * t_cold)))
        out["pdlp_cold_s (capped)"] = time.perf_counter() - t0
    out["loadavg_1m"] = f"{os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})"
    return out


# ----------------------------------------------------------------------- load
def _start_server(tmp: Path, db: str | None = None, workers: int = 1, max_inflight: int | None = None
                  ) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    from councilplan.api.server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from councilplan.cli import main; main()", "serve",
                             "--db", db or f"sqlite:///{tmp / 'load.db'}", "--port", str(port),
                             "--workers", str(workers),
                             *([] if max_inflight is None else ["--max-inflight", str(max_inflight)])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
                            start_new_session=True)  # its own process group: stopped with its workers
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    _stop(proc)
    raise RuntimeError("the server did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its worker processes (its process group), hard if they do not exit in 15 s;
    a worker left behind after a failed run would keep a core busy on a shared machine."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:  # connections that never close
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # workers that outlived their parent
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


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
    c.close()
    return {"tokens": tokens, "round": rid}


class _Conn:
    """One keep-alive HTTP/1.1 connection (a minimal client: JSON bodies, Content-Length answers).

    httpx's asyncio pool costs a few milliseconds of CPU per request, as much as the server: on two
    shared cores the load generator would then measure itself.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host
        self.used = time.monotonic()

    async def request(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> int:
        import json

        data = json.dumps(body).encode() if body is not None else b""
        head = {"Host": self.host, "Content-Length": str(len(data)), **headers}
        if body is not None:
            head["Content-Type"] = "application/json"
        self.writer.write((f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
                           + "\r\n").encode() + data)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        length = next((int(v) for k, _, v in (ln.partition(":") for ln in lines[1:])
                       if k.strip().lower() == "content-length"), 0)
        await self.reader.readexactly(length)
        return int(lines[0].split()[1])


WARMUP_S = 3.0
KEEPALIVE_S = 4.0


async def _load(url: str, seed: dict[str, Any], rate: float, seconds: float, prefix: str = "load"
                ) -> dict[str, Any]:
    n = int(rate * seconds)
    rng = random.Random(1)
    lat: dict[str, list[float]] = {"read": [], "write": [], "shed": []}
    errors: dict[str, int] = {}
    rid, tokens = seed["round"], seed["tokens"]
    u = urlparse(url)
    host = f"{u.hostname}:{u.port}"
    idle: list[_Conn] = []
    opened = 0
    by_second: dict[int, list[float]] = {}
    start = time.perf_counter()

    async def one(i: int, due: float) -> None:
        nonlocal opened
        token = tokens[i % len(tokens)]
        h = {"Authorization": f"Bearer {token}"}
        kind = "write" if rng.random() < 0.3 else "read"
        while idle and time.monotonic() - idle[-1].used > KEEPALIVE_S:
            idle.pop().writer.close()  # the server closes idle connections after 5 s
        conn: _Conn | None = None
        try:
            if idle:
                conn = idle.pop()
            else:
                conn = _Conn(*await asyncio.open_connection(u.hostname, u.port), host)
                opened += 1
            if kind == "write":
                code = await conn.request("POST", f"/rounds/{rid}/proposals", h,
                                          {"goods": {"trade": 1.0 + i % 5}, "client_key": f"{prefix}-{i}"})
            else:
                path = rng.choice([f"/rounds/{rid}/proposals?limit=20", f"/rounds/{rid}", "/me"])
                code = await conn.request("GET", path, h)
        except Exception as exc:  # counted and reported, never lost
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            if conn is not None:
                conn.writer.close()
            return
        conn.used = time.monotonic()
        # latency from the moment the request was due: it includes any queueing, client or server
        lat["shed" if code == 503 else kind].append(time.perf_counter() - due)
        by_second.setdefault(int(due - start), []).append(time.perf_counter() - due)
        idle.append(conn)
        if code >= 400 and code != 503:
            errors[str(code)] = errors.get(str(code), 0) + 1

    tasks = []
    for i in range(n):  # fixed arrival rate (open loop)
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 20)
    wall = time.perf_counter() - start
    for c in idle:
        c.writer.close()
    every = sorted(lat["read"] + lat["write"])

    def q(v: list[float], p: int) -> float:
        return statistics.quantiles(v, n=100)[p - 1] * 1000 if len(v) >= 2 else float("nan")

    return {"requests": n, "wall_s": round(wall, 2), "achieved_rps": round(n / wall, 1), "errors": errors,
            "shed_503": len(lat["shed"]), "served_rps": round(len(every) / wall, 1),
            "shed_p99_ms": round(q(sorted(lat["shed"]), 99), 2),
            "connections": opened, "p50_ms": round(q(every, 50), 2), "p99_ms": round(q(every, 99), 2),
            "max_ms": round(every[-1] * 1000, 2) if every else float("nan"),
            "read_p99_ms": round(q(sorted(lat["read"]), 99), 2),
            "slowest_seconds (max ms)": ", ".join(f"s{k}: {1000 * max(v):.0f}" for k, v in sorted(
                by_second.items(), key=lambda kv: -max(kv[1]))[:3]),
            "max_ms_by_second": " ".join(f"{1000 * max(by_second[k]):.0f}" for k in sorted(by_second)),
            "write_p99_ms": round(q(sorted(lat["write"]), 99), 2)}


def load(rate: float, seconds: float, server: str | None, db: str | None = None, workers: int = 1,
         max_inflight: int | None = None) -> dict[str, Any]:
    """An open-loop load at ``rate`` requests/s (30 % proposal writes, 70 % reads) for ``seconds``.

    Latencies (p50/p99/max) are of the requests the server served; those it shed (503 ``overloaded``,
    see ``--max-inflight``) are counted in ``shed_503`` and timed apart (``shed_p99_ms``).
    """
    if rate * seconds > 50_000 or seconds > 300:
        raise SystemExit("bounded: at most 50,000 requests and 300 s")
    if server is not None and urlparse(server).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the load script runs on loopback only (127.0.0.1)")
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="councilplan-load-"))
        if db == "postgresql":  # a fresh database on the test server, dropped afterwards
            from councilplan.store.testing import temporary_postgres

            db = stack.enter_context(temporary_postgres())
        proc = None
        if server is None:
            proc, server = _start_server(Path(tmp), db, workers, max_inflight)
        try:
            seeded = _seed(server)
            # warm-up, not measured: each server process loads the economy, compiles its statements
            # and opens its connections on first use
            asyncio.run(_load(server, seeded, rate, WARMUP_S, prefix="warmup"))
            before = os.getloadavg()
            out = asyncio.run(_load(server, seeded, rate, seconds))
            after = os.getloadavg()
            out["loadavg_1m_before_after"] = f"{before[0]:.2f} → {after[0]:.2f} (cores: {os.cpu_count()})"
            out["server"] = (f"{workers} worker(s) on {'PostgreSQL' if db and db.startswith('postgres') else 'SQLite'}"
                             f", max in flight {'default' if max_inflight is None else max_inflight or 'off'}")
            return out
        finally:
            if proc is not None:
                _stop(proc)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = [pid]
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if d.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    out.append(int(d.name))
    return out


async def _sequential(url: str, seeded: dict[str, Any], kind: str, n: int) -> float:
    u = urlparse(url)
    conn = _Conn(*await asyncio.open_connection(u.hostname, u.port), f"{u.hostname}:{u.port}")
    rid, h = seeded["round"], {"Authorization": f"Bearer {seeded['tokens'][0]}"}
    paths = {"list": f"/rounds/{rid}/proposals?limit=20", "round": f"/rounds/{rid}", "me": "/me"}
    t = time.perf_counter()
    for i in range(n):
        if kind == "write":
            code = await conn.request("POST", f"/rounds/{rid}/proposals", h,
                                      {"goods": {"trade": 1.0}, "client_key": f"cost-{time.time_ns()}-{i}"})
        else:
            code = await conn.request("GET", paths[kind], h)
        if code >= 300:
            raise RuntimeError(f"{kind}: HTTP {code}")
    conn.writer.close()
    return (time.perf_counter() - t) / n


def cost(db: str | None, n: int = 400) -> dict[str, Any]:
    """CPU per request of each kind (Linux /proc): one server process, one sequential client; on
    PostgreSQL also the CPU of the server's backends."""
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="councilplan-cost-"))
        if db == "postgresql":
            from councilplan.store.testing import temporary_postgres

            db = stack.enter_context(temporary_postgres())
        proc, url = _start_server(Path(tmp), db, 1)
        try:
            seeded = _seed(url)
            for kind in ("write", "list", "round"):  # warm-up: statements prepared, economy loaded
                asyncio.run(_sequential(url, seeded, kind, 100))
            backends: list[int] = []
            if db and db.startswith("postgres"):
                from sqlalchemy import create_engine, text

                engine = create_engine(db)
                with engine.connect() as c:
                    backends = list(c.execute(text(
                        "select pid from pg_stat_activity where datname = current_database() "
                        "and pid <> pg_backend_pid()")).scalars())
                engine.dispose()
            out: dict[str, Any] = {}
            for kind in ("write", "list", "round", "me"):
                pids = _children(proc.pid)
                s0, b0 = sum(map(_cpu_s, pids)), sum(map(_cpu_s, backends))
                wall = asyncio.run(_sequential(url, seeded, kind, n))
                s1, b1 = sum(map(_cpu_s, pids)), sum(map(_cpu_s, backends))
                out[kind] = (f"wall {1000 * wall:.2f} ms, server CPU {1000 * (s1 - s0) / n:.2f} ms"
                             + (f", PostgreSQL CPU {1000 * (b1 - b0) / n:.2f} ms" if backends else ""))
            out["loadavg_1m"] = f"{os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})"
            return out
        finally:
            _stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("recompute")
    r.add_argument("--goods", type=int, default=10_000)
    r.add_argument("--compare", action="store_true", help="also time HiGHS from the basis and pdlp cold")
    ld = sub.add_parser("load")
    ld.add_argument("--rate", type=float, default=200.0)
    ld.add_argument("--seconds", type=float, default=60.0)
    ld.add_argument("--server", default=None)
    ld.add_argument("--db", default=None, help="database URL for the started server; 'postgresql': a fresh "
                                               "database on $COUNCILPLAN_TEST_POSTGRES (default: a SQLite file)")
    ld.add_argument("--workers", type=int, default=1, help="server processes")
    ld.add_argument("--max-inflight", type=int, default=None,
                    help="the server's load-shedding cap per process (0: off; default: the server's default)")
    co = sub.add_parser("cost", help="CPU per request of each kind: one server process, a sequential client")
    co.add_argument("--db", default=None, help="'postgresql' or a database URL (default: a SQLite file)")
    co.add_argument("--requests", type=int, default=400)
    args = ap.parse_args()
    if args.what == "cost":
        for k, v in cost(args.db, args.requests).items():
            print(f"{k:>12}: {v}")
        return
    if args.what == "recompute":
        out: dict[str, Any] = recompute(args.goods, compare=args.compare)
        target = out["recompute_after_one_vote_s"] <= 1.0
    else:
        out = load(args.rate, args.seconds, args.server, args.db, args.workers, args.max_inflight)
        target = out["p99_ms"] <= 100.0
    for k, v in out.items():
        print(f"{k:>34}: {v:.4g}" if isinstance(v, float) else f"{k:>34}: {v}")
    print(f"{'target met':>34}: {'yes' if target else 'NO'}")


if __name__ == "__main__":
    main()
