"""One round engine: a simulated round (``run_round``) and a served one (HTTP) with the same inputs
reach the same goals, plans, iterations and finish, and the cap publishes the same fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from apihelpers import Api, World

import councilplan as cp
from councilplan.democracy import Council, Proposal, RoundState
from councilplan.democracy.rounds import RoundResult, revise_towards_costs, run_round
from councilplan.model.formats import read_economy, write_economy
from councilplan.store import planning
from councilplan.store.db import Database
from councilplan.store.economies import files_of_directory
from councilplan.store.integrity import audit_economy

POPULATIONS = (900.0, 400.0, 250.0)


def _world(api: Api, economy_dir: Path, rule: str, *, priorities: bool = False, **round_kw: Any
           ) -> tuple[World, int, dict[str, str], list[Proposal], list[Council]]:
    """The economy of ``economy_dir`` served, three consumer councils, one proposal each (greedy on
    every good, or ``priorities``: points on eight goods), and the same councils and proposals as
    domain objects with the served ids."""
    d = api.ok("POST", "/economies", json={"files": files_of_directory(economy_dir), "name": "engine"})
    w = World(api=api, economy=d["economy"]["id"], admin=d["token"], board=d["board"]["id"])
    economy = read_economy(economy_dir)
    goods = list(economy.goods.index)
    total = sum(POPULATIONS)
    rng = np.random.default_rng(7)
    councils, proposals, tokens = [], [], {}
    rid = None
    for i, pop in enumerate(POPULATIONS):
        cid = w.council(f"c{i}", population=pop)
        councils.append(Council(str(cid), f"c{i}", "consumer", population=pop))
    rid = w.open_round(rule=rule, **round_kw)
    for i, c in enumerate(councils):
        token = w.member(f"c{i}", "delegate")[1]
        want = {g: float(economy.targets.loc[g, "amount"] / total * rng.uniform(0.9, 1.6)) for g in goods}
        body: dict[str, Any] = ({"priorities": {g: float(rng.integers(1, 10)) for g in goods[:8]}} if priorities
                                else {"goods": want})
        pid = str(api.ok("POST", f"/rounds/{rid}/proposals", token, json=body)["id"])
        tokens[pid] = token
        proposals.append(Proposal(pid, c.id, "consumer", goods=body.get("goods", {}),
                                  priorities=body.get("priorities", {})))
    return w, rid, tokens, proposals, councils


def _simulate(economy_dir: Path, councils: list[Council], proposals: list[Proposal], state: RoundState
              ) -> tuple[RoundResult, list[list[Proposal]]]:
    seen = [list(proposals)]

    def policy(pub: Any, props: Any, cm: Any) -> list[Proposal]:
        out = revise_towards_costs(pub, props, cm)
        seen.append(out)
        return out

    return run_round(read_economy(economy_dir), councils, proposals, state=state, policy=policy), seen


def _serve(api: Api, w: World, rid: int, tokens: dict[str, str], iterations: list[list[Proposal]], *,
           restart: bool = False) -> list[dict[str, Any]]:
    """Drive the served round with the simulation's proposals of each iteration; its plans in order.
    ``restart``: the server forgets the round's previous plan before each iteration (as a restart does)."""
    plans = []
    for k, props in enumerate(iterations):
        if restart:
            with planning._lock:
                planning._warm.pop(rid, None)
        if k > 0:
            api.ok("POST", f"/rounds/{rid}/reopen", w.admin)
            for p in props:
                body = {"goods": dict(p.goods)} if p.goods else {"priorities": dict(p.priorities)}
                api.ok("PUT", f"/proposals/{p.id}", tokens[p.id], json=body)
        api.ok("POST", f"/rounds/{rid}/close", w.admin)
        planned = api.ok("POST", f"/rounds/{rid}/plan", w.admin)
        published = api.ok("POST", f"/rounds/{rid}/publish", w.admin)
        plans.append(api.ok("GET", f"/plans/{planned['plan']['id']}", w.admin))
        if published["round"]["finished"]:
            break
    return plans


def _same_plan(served: dict[str, Any], sim: Any) -> None:
    result = served["result"]
    assert result["status"] == str(sim.plan.status)
    amounts = {g: r["amount"] for g, r in served["goals"]["targets"].items()}
    for g, amount in sim.goals.targets["amount"].items():
        assert amounts[str(g)] == pytest.approx(float(amount), rel=1e-9, abs=1e-9), g
    if sim.plan.optimal:
        assert result["objective"] == pytest.approx(sim.plan.objective, rel=1e-7)
        net = {r["good"]: r["amount"] for r in result["net_output"]}
        for g, v in sim.plan.net_output.items():
            assert net[str(g)] == pytest.approx(float(v), rel=1e-6, abs=1e-6 * max(1.0, abs(float(v)))), g


@pytest.mark.parametrize("rule", ["population-sum", "equal-shares"])
def test_a_simulated_and_a_served_round_are_the_same_round(api: Api, tmp_path: Path, rule: str) -> None:
    d = write_economy(cp.example("germany-1995"), tmp_path / "eco")
    w, rid, tokens, proposals, councils = _world(api, d, rule, objective="harmony", max_iterations=12,
                                                 tolerance=1e-3)
    sim, iterations = _simulate(d, councils, proposals, RoundState("sim", rule=rule, objective="harmony",
                                                                   max_iterations=12, tolerance=1e-3))
    assert sim.iterations >= 2  # the councils revised at least once
    served = _serve(api, w, rid, tokens, iterations[: sim.iterations])
    assert len(served) == sim.iterations
    for s, h in zip(served, sim.history, strict=True):
        _same_plan(s, h)
    rnd = api.ok("GET", f"/rounds/{rid}", w.admin)
    assert rnd["finished"] and rnd["finish_reason"] == sim.state.finish_reason
    assert rnd["iteration"] == sim.state.iteration
    current = api.ok("GET", f"/rounds/{rid}/plan", w.admin)
    assert current["iteration"] == sim.final.iteration and not current["fallback"]


def test_the_cap_publishes_the_same_fallback_when_no_iteration_is_optimal(api: Api, database: Database,
                                                                         tmp_path: Path) -> None:
    """Floors beyond the labour force: every harmony plan is infeasible; both publish the ray plan
    along the last goals with the floors dropped, and the audit accepts the stored fallback."""
    eco = cp.example("germany-1995")
    d = write_economy(eco.with_targets(eco.targets.assign(floor=eco.targets["amount"] * 10)), tmp_path / "eco")
    w, rid, tokens, proposals, councils = _world(api, d, "population-sum", objective="harmony", max_iterations=2)
    sim, iterations = _simulate(d, councils, proposals, RoundState("sim", rule="population-sum",
                                                                   objective="harmony", max_iterations=2))
    assert not any(h.plan.optimal for h in sim.history) and sim.final.fallback
    served = _serve(api, w, rid, tokens, iterations[: sim.iterations])
    assert [p["status"] for p in served] == [str(h.plan.status) for h in sim.history]
    rnd = api.ok("GET", f"/rounds/{rid}", w.admin)
    assert rnd["finish_reason"] == "cap" == sim.state.finish_reason
    current = api.ok("GET", f"/rounds/{rid}/plan", w.admin)
    assert current["fallback"] and current["published"] and current["objective"] == "ray"
    assert current["iteration"] == sim.final.iteration
    assert current["result"]["scale"] == pytest.approx(sim.final.plan.scale, rel=1e-7)
    assert all(t["floor"] == 0 for t in current["goals"]["targets"].values())
    listed = api.every(f"/rounds/{rid}/plans", w.admin)
    assert [(p["iteration"], p["fallback"]) for p in listed] == [(0, False), (1, False), (1, True)]
    with database.transaction(write=False) as session:
        report = audit_economy(session, w.economy)
    assert report.ok, [str(f) for f in report.findings]
    assert report.bundles >= 1  # the fallback's bundle, checked by the standalone verifier


def test_a_restart_between_iterations_does_not_change_the_round(api: Api, tmp_path: Path) -> None:
    """The served round replans its previous iteration from the stored goals when the process lost it,
    so a rule that prices proposals at the previous plan (albert-hahnel: Cobb–Douglas demands from
    priority points at the ray plan's shadow prices) gets the same prices."""
    d = write_economy(cp.example("germany-1995"), tmp_path / "eco")
    kw: dict[str, Any] = {"objective": "ray", "max_iterations": 6, "tolerance": 1e-3}
    w, rid, tokens, proposals, councils = _world(api, d, "albert-hahnel", priorities=True, **kw)
    sim, iterations = _simulate(d, councils, proposals, RoundState("sim", rule="albert-hahnel", **kw))
    assert sim.iterations >= 2
    served = _serve(api, w, rid, tokens, iterations[: sim.iterations], restart=True)
    assert len(served) == sim.iterations
    for s, h in zip(served, sim.history, strict=True):
        _same_plan(s, h)
    rnd = api.ok("GET", f"/rounds/{rid}", w.admin)
    assert rnd["finish_reason"] == sim.state.finish_reason and rnd["iteration"] == sim.state.iteration
