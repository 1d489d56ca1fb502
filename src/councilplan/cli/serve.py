"""``councilplan serve`` (the API on a database) and ``councilplan round simulate`` (councils over HTTP)."""

from __future__ import annotations

import contextlib
import math
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from councilplan.cli.app import app, console, guarded
from councilplan.model.errors import InputError

round_app = typer.Typer(help="Planning rounds: simulate councils proposing and revising over the API.",
                        no_args_is_help=True)
app.add_typer(round_app, name="round")

DEMO_COUNCILS: tuple[tuple[str, str, float], ...] = (
    ("Northern towns", "consumer", 30_000_000.0),
    ("Southern towns", "consumer", 28_000_000.0),
    ("Eastern region", "regional", 16_000_000.0),
    ("Western region", "regional", 8_000_000.0),
)
DEMO_NAME = "Germany 1995 (demo)"


# ---------------------------------------------------------------------- serve
def seed_demo(db: Any) -> dict[str, Any]:
    """Seed the built-in economy with demo councils, a delegate in each and an open round; return the tokens.

    Run again on a database that has the demo, it issues fresh tokens to the demo's
    members instead (only hashes are stored, so old tokens cannot be shown again).
    """
    from sqlalchemy import select

    from councilplan.examples import DEMO, example_path
    from councilplan.store import crud
    from councilplan.store.crud import BOARD
    from councilplan.store.economies import files_of_directory
    from councilplan.store.tables import CouncilRow, EconomyRow, MemberRow

    with db.transaction() as s:
        eco = s.execute(select(EconomyRow).where(EconomyRow.name == DEMO_NAME)).scalars().first()
        tokens: list[tuple[str, str, str]] = []
        if eco is None:
            eco, board, admin, token = crud.create_economy(s, files=files_of_directory(example_path(DEMO)),
                                                           admin_name="demo admin", name=DEMO_NAME)
            tokens.append((board.name, admin.role, token))
            for name, kind, population in DEMO_COUNCILS:
                council, _inv, code = crud.create_council(s, economy_id=eco.id, actor=admin.id, name=name,
                                                          kind=kind, population=population, processes=[])
                member, _c, tok = crud.accept_invite(s, code=code, name=f"{name} delegate")
                tokens.append((council.name, member.role, tok))
            rules = _rules()
            crud.create_round(s, economy_id=eco.id, actor=admin.id,
                              rule="equal-shares" if "equal-shares" in rules else "population-sum",
                              objective="harmony", max_iterations=10, tolerance=0.01)
            fresh = True
        else:
            rows = s.execute(select(MemberRow, CouncilRow).join(CouncilRow, CouncilRow.id == MemberRow.council_id)
                             .where(CouncilRow.economy_id == eco.id, MemberRow.active.is_(True))
                             .order_by(MemberRow.id)).all()
            for member, council in rows:
                tokens.append((council.name, member.role, crud.rotate_token(s, member=member,
                                                                            economy_id=eco.id)))
            fresh = False
        # One-time portal sign-in links, fresh on every start: one per council (the board's for its admin).
        invites: list[tuple[str, str, str]] = []
        councils = s.execute(select(CouncilRow).where(CouncilRow.economy_id == eco.id)
                             .order_by(CouncilRow.id)).scalars().all()
        admin_id = s.execute(select(MemberRow.id).join(CouncilRow, CouncilRow.id == MemberRow.council_id)
                             .where(CouncilRow.economy_id == eco.id, MemberRow.role == "admin")
                             .order_by(MemberRow.id)).scalars().first()
        for council in councils:
            role = "admin" if council.kind == BOARD else "coordinator"
            _inv, code = crud.create_invite(s, council=council, actor=admin_id, role=role)
            invites.append((council.name, role, code))
        return {"economy": eco.id, "tokens": tokens, "fresh": fresh, "invites": invites}


def _rules() -> list[str]:
    from councilplan.democracy.rules import available_rules

    return available_rules()


@app.command()
@guarded
def serve(
    db: Annotated[str | None, typer.Option("--db", help="database URL (default: sqlite:///councilplan.db, "
                                                        "or $COUNCILPLAN_DB); PostgreSQL: postgresql://…")] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="seed the built-in economy and demo councils; "
                                                      "print their tokens")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="server processes (PostgreSQL scales with them; "
                                                             "SQLite writers queue on one file)")] = 1,
    max_inflight: Annotated[int | None, typer.Option(min=0, help="requests one server process holds at once; "
                                                     "more get 503 with Retry-After (0: never shed; default "
                                                     "16, or $COUNCILPLAN_MAX_INFLIGHT)")] = None,
) -> None:
    """Serve the API: create or migrate the database, then listen (OpenAPI at /docs)."""
    import os

    import uvicorn

    from councilplan.api.shedding import max_inflight_from_env
    from councilplan.store.db import Database

    if max_inflight is not None:
        os.environ["COUNCILPLAN_MAX_INFLIGHT"] = str(max_inflight)  # the worker processes read it
    limit = max_inflight_from_env()  # a bad $COUNCILPLAN_MAX_INFLIGHT fails here, with its fix, not in a worker
    database = Database(db)
    before = database.current_revision()
    database.upgrade()
    after = database.current_revision()
    console.print(f"database {_safe_url(database.url)}: "
                  + ("created" if before is None else "migrated" if before != after else "up to date")
                  + f" (revision {after})")
    if demo:
        seeded = seed_demo(database)
        # One line per token, never wrapped or cut: a narrow terminal must not truncate what users copy.
        console.print(f"demo economy {seeded['economy']}: tokens "
                      + ("(new)" if seeded["fresh"] else "(re-issued; older ones no longer work)"))
        for name, role, token in seeded["tokens"]:
            console.print(f"  {name} ({role}): {token}", soft_wrap=True, highlight=False)
        console.print(f"try: curl -H 'Authorization: Bearer {seeded['tokens'][0][2]}' "
                      f"http://{host}:{port}/economies/{seeded['economy']}/rounds", soft_wrap=True, highlight=False)
        console.print("one-time sign-in links for the portal (each works once; a fresh set on every start):",
                      soft_wrap=True)
        for name, role, code in seeded["invites"]:
            console.print(f"  {name} ({role}): http://{host}:{port}/portal/join/{code}", soft_wrap=True,
                          highlight=False)
    console.print(f"portal on http://{host}:{port}/portal/ (sign in with a link above or a token)", soft_wrap=True,
                  highlight=False)
    console.print(f"API on http://{host}:{port} (OpenAPI: http://{host}:{port}/docs); Ctrl-C stops it")
    if workers == 1:
        from councilplan.api.app import serving_app

        uvicorn.run(serving_app(database, limit), host=host, port=port, log_level="warning")
        return
    database.dispose()
    os.environ["COUNCILPLAN_DB"] = database.url  # each worker builds its app from it (app_from_env)
    uvicorn.run("councilplan.api.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                log_level="warning")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ------------------------------------------------------------------- simulate
@contextlib.contextmanager
def _server(url: str | None, db: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    from councilplan.api import create_app
    from councilplan.api.server import running

    with tempfile.TemporaryDirectory(prefix="councilplan-sim-") as tmp:
        app_ = create_app(db or f"sqlite:///{Path(tmp) / 'simulation.db'}")
        with running(app_) as base:
            console.print(f"[dim]started an API server on {base}[/]")
            yield base
        app_.state.db.dispose()


def _economy_files(economy: str) -> dict[str, str]:
    from councilplan.examples import available_examples, example_path
    from councilplan.store.economies import files_of_directory

    path = Path(economy)
    if path.is_dir():
        return files_of_directory(path)
    if economy in available_examples():
        return files_of_directory(example_path(economy))
    raise FileNotFoundError(economy)


class Api:
    """A small HTTP client that raises on errors with the API's message."""

    def __init__(self, base: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base, timeout=120)

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, path, headers=headers, **kw)
        if r.status_code >= 500:
            raise RuntimeError(f"the server failed: {method} {path} → {r.status_code}: {r.text}")
        if r.status_code >= 400:
            raise InputError(f"{method} {path} → {r.status_code}: {r.text}")
        return r.json()


def revise_demand(demand: dict[str, float], result: dict[str, Any], step: float = 0.5) -> dict[str, float]:
    """Move a council's per-head demand towards what it can get at the published plan.

    Where the plan fulfils a good's target by a fraction ``f`` (net output over
    target), the council's demand for it moves by ``step`` of the way to ``f`` times
    its demand; goods whose shadow price is zero are not scarce and keep their demand.
    """
    fulfil = {r["good"]: r["fulfilment"] for r in result.get("net_output", []) if r.get("fulfilment") is not None}
    out = {}
    for g, q in demand.items():
        f = fulfil.get(g)
        out[g] = q if f is None else q * (1.0 + step * (min(f, 2.0) - 1.0))
    return out


def _policy() -> Any:
    """The democratic layer's simulated-council revision policy when it exists, else :func:`revise_demand`."""
    try:
        from councilplan.democracy import rounds as drounds
    except ImportError:
        return revise_demand
    return getattr(drounds, "revise_demand", revise_demand)


def workplace_offer(economy: Any, processes: list[str], share: float, rng: random.Random) -> dict[str, Any]:
    """What a simulated workplace council offers: ``share`` of every finite labour limit and of its
    processes' finite capacities, give or take 5 % (empty when the economy has no finite limits)."""
    hours = {str(k): float(v) * share * rng.uniform(0.95, 1.05)
             for k, v in economy.labour_available.items() if math.isfinite(float(v))}
    capacity = {j: float(economy.capacity[j]) * rng.uniform(0.95, 1.05)
                for j in processes if math.isfinite(float(economy.capacity[j]))}
    return {k: v for k, v in (("hours", hours), ("capacity", capacity)) if v}


def simulate_round(base: str, files: dict[str, str], councils: int, iterations: int, *, rule: str,
                   objective: str, seed: int = 0, echo: bool = True, workplaces: int = 2) -> dict[str, Any]:
    """Drive ``councils`` simulated consumer councils and ``workplaces`` workplace councils through one
    full round over HTTP; returns the last plan.

    Workplace councils share the economy's processes (round robin) and offer their share of the
    finite labour limits and their processes' finite capacities; they keep their offer in every
    iteration (the consumer councils revise)."""
    api = Api(base)
    try:
        return _simulate(api, files, councils, iterations, rule=rule, objective=objective, seed=seed, echo=echo,
                         workplaces=workplaces)
    finally:
        api.http.close()


def _simulate(api: Api, files: dict[str, str], councils: int, iterations: int, *, rule: str, objective: str,
              seed: int, echo: bool, workplaces: int) -> dict[str, Any]:
    rng = random.Random(seed)
    created = api.call("POST", "/economies", json={"files": files, "admin_name": "facilitation board"})
    admin, eid = created["token"], created["economy"]["id"]
    detail = api.call("GET", f"/economies/{eid}")
    goods = detail["goods"]
    from councilplan.store.economies import parse_files

    economy = parse_files(files)
    targets = economy.targets["amount"]
    if float(targets.sum()) <= 0:
        targets = targets * 0 + 1.0
    pops = [rng.uniform(0.5, 1.5) * 1_000_000 for _ in range(councils)]
    total = sum(pops)
    people: list[dict[str, Any]] = []
    for i, pop in enumerate(pops):
        c = api.call("POST", f"/economies/{eid}/councils", admin,
                     json={"name": f"council {i + 1}", "kind": "consumer", "population": pop})
        joined = api.call("POST", "/invites/accept", json={"code": c["invite"]["code"], "name": f"delegate {i + 1}"})
        # each council wants its population share of the final demand, give or take, some of it over capacity
        demand = {g: float(targets.get(g, 0.0)) / total * rng.uniform(0.9, 1.6) for g in goods
                  if float(targets.get(g, 0.0)) > 0}
        people.append({"token": joined["token"], "demand": demand, "proposal": None})
    procs = [str(j) for j in economy.processes.index]
    for i in range(min(workplaces, len(procs))):
        mine = procs[i::workplaces]
        offer = workplace_offer(economy, mine, len(mine) / len(procs), rng)
        if not offer:
            continue  # nothing finite to offer: a workplace proposal must offer something
        c = api.call("POST", f"/economies/{eid}/councils", admin,
                     json={"name": f"workplace {i + 1}", "kind": "workplace", "processes": mine})
        joined = api.call("POST", "/invites/accept", json={"code": c["invite"]["code"], "name": f"works {i + 1}"})
        people.append({"token": joined["token"], "offer": offer, "proposal": None})
    rnd = api.call("POST", f"/economies/{eid}/rounds", admin,
                   json={"rule": rule, "objective": objective, "max_iterations": iterations})
    rid = rnd["id"]
    policy = _policy()
    plan: dict[str, Any] = {}
    while True:
        for p in people:
            content = p["offer"] if "offer" in p else {"goods": p["demand"]}
            if p["proposal"] is None:
                p["proposal"] = api.call("POST", f"/rounds/{rid}/proposals", p["token"],
                                         json={**content, "client_key": f"it{rnd['iteration']}"})["id"]
            elif "demand" in p:  # workplaces keep their offer
                api.call("PUT", f"/proposals/{p['proposal']}", p["token"], json=content)
        api.call("POST", f"/rounds/{rid}/close", admin)
        planned = api.call("POST", f"/rounds/{rid}/plan", admin)
        published = api.call("POST", f"/rounds/{rid}/publish", admin)
        rnd = published["round"]
        plan = api.call("GET", f"/plans/{planned['plan']['id']}", admin)
        if echo:
            _print_iteration(rnd, plan)
        if rnd["finished"]:
            break
        api.call("POST", f"/rounds/{rid}/reopen", admin)
        rnd = api.call("GET", f"/rounds/{rid}", admin)
        for p in people:
            if "demand" in p:
                p["demand"] = policy(p["demand"], plan["result"])
    final = api.call("GET", f"/rounds/{rid}/plan", admin)
    chain = api.call("GET", f"/economies/{eid}/events/verify", admin)
    return {"round": rnd, "plan": final, "chain": chain, "economy": eid}


def _print_iteration(rnd: dict[str, Any], plan: dict[str, Any]) -> None:
    res = plan["result"]
    fulfil = [r["fulfilment"] for r in res["net_output"] if r.get("fulfilment") is not None]
    lo = min(fulfil) if fulfil else math.nan
    binding = ", ".join(f"{b['kind']} {b['id']}" for b in res["binding"][:4]) or "nothing"
    hours = sum(o["cost_hours"] or 0.0 for o in res["outcomes"])
    console.print(f"iteration {plan['iteration']}: plan [bold]{res['status']}[/], lowest fulfilment {lo:.3f}, "
                  f"binds: {binding}; proposals cost {hours:,.4g} h"
                  + (f" → round finished ({rnd['finish_reason']})" if rnd["finished"] else ""))


@round_app.command("simulate")
@guarded
def simulate(
    economy: Annotated[str, typer.Option("--economy", help="economy directory (or a built-in example name)")],
    councils: Annotated[int, typer.Option("--councils", min=1, max=1000, help="number of simulated councils")],
    iterations: Annotated[int, typer.Option("--iterations", min=1, max=100, help="iteration cap")] = 10,
    server: Annotated[str | None, typer.Option("--server", help="API base URL (default: start one on a free "
                                                                "loopback port)")] = None,
    rule: Annotated[str, typer.Option(help="aggregation rule (see GET /rules)")] = "population-sum",
    objective: Annotated[str, typer.Option(help="ray, harmony or min-labour")] = "harmony",
    seed: Annotated[int, typer.Option(help="random seed of the simulated councils")] = 0,
    workplaces: Annotated[int, typer.Option("--workplaces", min=0, max=1000,
                                            help="simulated workplace councils (offering hours and capacity)")] = 2,
) -> None:
    """Drive N simulated councils through a full round over HTTP; print each iteration and the final plan."""
    files = _economy_files(economy)
    with _server(server, None) as base:
        out = simulate_round(base, files, councils, iterations, rule=rule, objective=objective, seed=seed,
                             workplaces=workplaces)
    res = out["plan"]["result"]
    rnd = out["round"]
    t = Table("good", "net output", "target", "fulfilment", title=f"final plan (iteration {out['plan']['iteration']}"
              f", round finished: {rnd['finish_reason']})")
    for r in res["net_output"]:
        t.add_row(r["good"], f"{r['amount']:.6g}", f"{r['target']:.6g}" if r["target"] is not None else "—",
                  f"{r['fulfilment']:.4f}" if r["fulfilment"] is not None else "—")
    console.print(t)
    chain = out["chain"]
    console.print(f"event log: {chain['events']} events, chain {'intact' if chain['ok'] else 'BROKEN'}")
