"""Rounds: the iteration loop, convergence, the cap and its fallback, and a simulated round."""

from __future__ import annotations

import numpy as np
import pytest

import councilplan as cp
from councilplan.democracy import (
    Council,
    Proposal,
    ProposalError,
    RoundPhase,
    RoundState,
    RoundTransitionError,
)
from councilplan.democracy.rounds import (
    relative_change,
    revise_towards_costs,
    run_iteration,
    run_round,
)

ECON = cp.example("germany-1995")
GOODS = list(ECON.goods.index)


def councils_and_proposals(n: int = 6, greed: float = 1.5, seed: int = 0) -> tuple[list[Council], list[Proposal]]:
    rng = np.random.default_rng(seed)
    cs = [Council(f"c{i}", f"council {i}", "consumer", population=float(rng.integers(100, 1000))) for i in range(n)]
    tot = sum(c.population for c in cs)
    ps = [Proposal(f"p{i}", c.id, "consumer",
                   goods={g: float(ECON.targets.loc[g, "amount"] / tot * rng.uniform(0.8, greed)) for g in GOODS})
          for i, c in enumerate(cs)]
    return cs, ps


@pytest.mark.parametrize("rule", ["equal-shares", "population-sum", "albert-hahnel"])
def test_simulated_round_converges_on_germany(rule: str) -> None:
    cs, ps = councils_and_proposals()
    seen: list[int] = []
    r = run_round(ECON, cs, ps, state=RoundState("r", rule=rule, max_iterations=20),
                  on_publish=lambda pub: seen.append(pub.iteration))
    assert r.state.finished and r.state.finish_reason == "converged"
    assert r.iterations >= 2 and seen == list(range(r.iterations))
    assert r.final.plan.optimal and r.final.change <= r.state.tolerance
    assert r.history[0].change == float("inf")
    # later iterations were warm-started from the previous plan where the LP kept its shape
    assert any(h.warm_started for h in r.history[1:]) or rule == "equal-shares"
    # published: what binds, and each proposal's cost in hours and at shadow prices
    assert set(r.final.costs.columns) >= {"hours", "shadow_cost", "selected", "reason"}
    assert (r.final.costs["hours"] > 0).all()
    assert r.final.as_dict()["proposals"][0]["id"] == "p0"


def test_equal_shares_round_publishes_why_proposals_lost_then_fits_them() -> None:
    cs, ps = councils_and_proposals(greed=3.0)  # everyone asks for more than their share
    r = run_round(ECON, cs, ps, state=RoundState("r", rule="equal-shares", max_iterations=10))
    first = r.history[0].costs
    assert not first["selected"].all()
    assert first.loc[~first["selected"], "reason"].str.contains("equal shares").all()
    assert r.final.costs["selected"].all()
    # the funded demands fit the labour force in every kind
    used = r.final.economy.L @ r.final.plan.activity.to_numpy()
    assert np.all(used <= ECON.labour_available.to_numpy() * (1 + 1e-9))


def test_cap_gives_the_fallback_plan() -> None:
    cs, ps = councils_and_proposals()
    r = run_round(ECON, cs, ps, state=RoundState("r", rule="population-sum", max_iterations=2, tolerance=1e-9))
    assert r.state.finish_reason == "cap" and r.iterations == 2
    assert r.final.fallback and r.final.plan.optimal
    assert r.final.iteration == 1  # the last optimal iteration


def test_fallback_when_no_iteration_is_optimal() -> None:
    """Floors beyond the labour force make every harmony plan infeasible; the fallback drops them."""
    econ = ECON.with_targets(ECON.targets.assign(floor=ECON.targets["amount"] * 10))
    cs, ps = councils_and_proposals()
    r = run_round(econ, cs, ps, state=RoundState("r", rule="population-sum", max_iterations=2))
    assert not any(h.plan.optimal for h in r.history)
    assert r.state.finish_reason == "cap" and r.final.fallback
    assert r.final.plan.optimal and r.final.plan.objective_name == "ray"
    assert r.final.plan.scale is not None and r.final.plan.scale > 0


def test_iteration_needs_an_open_round_and_valid_proposals() -> None:
    cs, ps = councils_and_proposals(2)
    with pytest.raises(RoundTransitionError):
        run_iteration(RoundState("r").advance(), ECON, cs, ps)
    bad = [*ps, Proposal("p0", "c0", "consumer", goods={"steel": 1})]
    with pytest.raises(ProposalError) as e:
        run_iteration(RoundState("r"), ECON, cs, bad)
    assert {i.field for i in e.value.issues} >= {"id", "goods['steel']"}
    state, pub = run_iteration(RoundState("r", rule="population-sum"), ECON, cs, ps)
    assert state.phase is RoundPhase.PUBLISHED and pub.iteration == 0


def test_revision_moves_towards_the_equal_share() -> None:
    cs, ps = councils_and_proposals(greed=3.0)
    _, pub = run_iteration(RoundState("r", rule="population-sum"), ECON, cs, ps)
    revised = revise_towards_costs(pub, ps, {c.id: c for c in cs}, step=0.5)
    before = sum(sum(p.goods.values()) for p in ps)
    after = sum(sum(p.goods.values()) for p in revised)
    assert after < before
    assert all(r.iteration == 1 for r in revised)


def test_relative_change() -> None:
    import pandas as pd

    a = pd.Series([1.0, 100.0])
    assert relative_change(a, None) == float("inf")
    assert relative_change(a * 1.01, a) == pytest.approx(0.01)
