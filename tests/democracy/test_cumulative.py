"""Cumulative voting: the properties the rule claims, its default ballots, and bad votes refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.democracy import Council, Proposal, ProposalError, Vote
from councilplan.democracy.rules import get_rule
from councilplan.democracy.rules.cumulative import greedy_fund

instances = st.integers(1, 4).flatmap(lambda d: st.tuples(
    st.lists(st.lists(st.floats(0.0, 50.0, allow_subnormal=False), min_size=d, max_size=d), min_size=1, max_size=10),
    st.lists(st.floats(0.0, 100.0, allow_subnormal=False), min_size=10, max_size=10),
    st.floats(1.0, 200.0),
))


@settings(max_examples=80, deadline=None)
@given(instances, st.integers(0, 9), st.floats(0.1, 100.0))
def test_capacity_never_exceeded_and_more_points_never_unfund(data: tuple, j: int, extra: float) -> None:
    costs_l, scores_l, cap = data
    costs = np.array(costs_l)
    P, d = costs.shape
    scores = np.array(scores_l[:P])
    C = np.full(d, cap)
    names = [f"p{k}" for k in range(P)]
    funded, left = greedy_fund(scores, costs, C, names)
    # budget-feasibility: every dimension, and what is left is what was not spent
    assert np.all(costs[funded].sum(axis=0) <= C * (1 + 1e-9) + 1e-9)
    assert np.allclose(left, C - costs[funded].sum(axis=0))
    assert all(scores[k] > 0 for k in funded)
    # points-monotonicity: a funded project given more points stays funded
    j %= P
    if j in funded:
        more = scores.copy()
        more[j] += extra
        assert j in greedy_fund(more, costs, C, names)[0]
    # greedy: an unfunded project with points did not fit what was left when its turn came
    size = (costs / C).sum(axis=1)
    turn = {k: (-scores[k], size[k], names[k]) for k in range(P)}
    for k in set(range(P)) - set(funded):
        if scores[k] > 0:
            before = [m for m in funded if turn[m] < turn[k]]
            assert np.any(costs[k] > C - costs[before].sum(axis=0) + 1e-9 * np.maximum(C, 1.0))


def _economy(hours: float = 100.0) -> cp.Economy:
    e = cp.Economy.leontief([[0.0, 0.0], [0.0, 0.0]], [1.0, 1.0], ids=["bread", "books"])
    return e.replace(labour_available=e.labour_available.clip(upper=hours))


def test_without_votes_each_council_backs_its_own_proposal_by_population() -> None:
    econ = _economy(100.0)  # one hour per unit, 100 hours in all
    councils = [Council("big", "Big", "consumer", population=60), Council("small", "Small", "consumer", population=40)]
    props = [Proposal("b", "big", "consumer", goods={"bread": 1.0}),    # 60 h
             Proposal("s", "small", "consumer", goods={"books": 1.5})]  # 60 h: no longer fits
    goals = get_rule("cumulative").aggregate(props, councils, econ)
    assert goals.targets["amount"]["bread"] == pytest.approx(60.0)
    assert goals.targets["amount"]["books"] == 0.0
    lost = goals.outcome("s")
    assert lost is not None and not lost.selected and "labour (needs 60, 40 left)" in lost.reason
    assert goals.notes[0].startswith("capacity vector: labour = 100")


def test_votes_move_points_to_other_councils_proposals() -> None:
    econ = _economy(100.0)
    councils = [Council("big", "Big", "consumer", population=60), Council("small", "Small", "consumer", population=40)]
    props = [Proposal("b", "big", "consumer", goods={"bread": 1.0}),
             Proposal("s", "small", "consumer", goods={"books": 1.5})]
    votes = [Vote("big", "s", 70.0), Vote("big", "b", 30.0)]  # the small council keeps its default ballot
    goals = get_rule("cumulative").aggregate(props, councils, econ, votes=votes)
    assert goals.targets["amount"]["books"] == pytest.approx(60.0)  # 0.6·70 + 0.4·100 = 82 > 0.6·30
    assert goals.targets["amount"]["bread"] == 0.0


def test_anonymity_renaming_and_reordering_councils() -> None:
    econ = cp.example("germany-1995")
    goods = list(econ.goods.index)
    rng = np.random.default_rng(5)
    councils = [Council(f"c{i}", "x", "consumer", population=float(rng.uniform(1, 50))) for i in range(8)]
    props = [Proposal(f"p{i}", c.id, "consumer", goods={goods[i % 6]: float(rng.uniform(10, 500))})
             for i, c in enumerate(councils)]
    votes = [Vote("c0", "p3", 60.0), Vote("c0", "p0", 40.0), Vote("c5", "p1", 100.0)]
    rule = get_rule("cumulative")
    g1 = rule.aggregate(props, councils, econ, votes=votes)
    perm = {c.id: f"z{7 - i}" for i, c in enumerate(councils)}
    councils2 = [Council(perm[c.id], "x", "consumer", population=c.population) for c in reversed(councils)]
    props2 = [Proposal(p.id, perm[p.council_id], "consumer", goods=dict(p.goods)) for p in reversed(props)]
    votes2 = [Vote(perm[v.council_id], v.proposal_id, v.points) for v in reversed(votes)]
    g2 = rule.aggregate(props2, councils2, econ, votes=votes2)
    assert np.allclose(g1.targets["amount"], g2.targets["amount"])
    chosen = {o.proposal_id for o in g1.outcomes if o.selected}
    assert chosen == {o.proposal_id for o in g2.outcomes if o.selected}
    assert 0 < len(chosen) < len(props)  # the capacity binds: some are funded, not all


def test_funded_costs_fit_the_capacity_on_an_economy() -> None:
    """germany-1995: the capacity vector is hours by labour kind; the funded hours fit their sum."""
    econ = cp.example("germany-1995")
    goods = list(econ.goods.index)
    rng = np.random.default_rng(11)
    councils = [Council(f"c{i}", "x", "consumer", population=float(rng.uniform(1, 50))) for i in range(10)]
    props = [Proposal(f"p{i}", c.id, "consumer", goods={goods[k]: float(rng.uniform(300, 3000)) for k in range(6)})
             for i, c in enumerate(councils)]
    goals = get_rule("cumulative").aggregate(props, councils, econ)
    cap = dict(part.split(" = ") for part in goals.notes[0].removeprefix("capacity vector: ").split(", "))
    funded = [o for o in goals.outcomes if o.selected]
    assert 0 < len(funded) < len(props)
    assert sum(o.cost_hours for o in funded) <= sum(float(v) for v in cap.values()) * (1 + 1e-9)


def test_a_council_spending_more_than_its_budget_is_refused() -> None:
    econ = _economy()
    councils = [Council("a", "A", "consumer", population=1), Council("w", "W", "workplace", processes=("p_bread",))]
    props = [Proposal("pa", "a", "consumer", goods={"bread": 1.0})]
    bad = [Vote("a", "pa", 80.0), Vote("a", "pa", 50.0), Vote("a", "nope", 1.0), Vote("w", "pa", 1.0),
           Vote("a", "pa", -1.0)]
    with pytest.raises(ProposalError) as err:
        get_rule("cumulative").aggregate(props, councils, econ, votes=bad)
    text = str(err.value)
    assert "council 'a' spends 131 points, over the equal budget of 100 points per council" in text
    assert "lower its votes so that they add up to at most 100" in text
    assert "'nope' is not a consumer proposal of this round" in text
    assert "council 'w' is a workplace council" in text
    assert "-1.0 points" in text
    assert len(err.value.issues) == 4
