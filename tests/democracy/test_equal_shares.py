"""Method of Equal Shares: agreement with pabutools, and the properties the rule claims."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.democracy import Council, Proposal, Vote
from councilplan.democracy.rules import get_rule
from councilplan.democracy.rules.equal_shares import equal_shares

pabutools = pytest.importorskip("pabutools")
from pabutools.election import Cardinality_Sat, Cost_Sat  # noqa: E402
from pabutools.election.instance import get_random_instance  # noqa: E402
from pabutools.election.pabulib import parse_pabulib_from_string  # noqa: E402
from pabutools.election.profile.approvalprofile import get_random_approval_profile  # noqa: E402
from pabutools.rules import method_of_equal_shares  # noqa: E402


def _ours(instance, profile, sat: str) -> set[str]:
    projects = sorted(instance, key=lambda p: p.name)
    costs = np.array([[float(p.cost)] for p in projects])
    n = len(profile)
    budgets = np.full((n, 1), float(instance.budget_limit) / n)
    U = np.array([[1.0 if p in ballot else 0.0 for p in projects] for ballot in profile])
    if sat == "cost":
        U = U * costs[:, 0][None, :]
    res = equal_shares(costs, budgets, U)
    return {projects[j].name for j in res.selected}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("sat", ["cost", "approval"])
def test_agrees_with_pabutools_on_its_random_instances(seed: int, sat: str) -> None:
    random.seed(seed)
    instance = get_random_instance(random.randint(3, 12), 1, 100)
    profile = get_random_approval_profile(instance, random.randint(2, 15))
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat if sat == "cost" else Cardinality_Sat)
    assert _ours(instance, profile, sat) == {p.name for p in theirs}


PB = """META
key;value
description;a pabulib-format instance (pabutools' parser)
num_projects;5
num_votes;6
budget;100
vote_type;approval
PROJECTS
project_id;cost
a;60
b;40
c;30
d;20
e;50
VOTES
voter_id;vote
1;a,b
2;a,b
3;a,c
4;c,d
5;c,d,e
6;e
"""


@pytest.mark.parametrize("sat", ["cost", "approval"])
def test_agrees_with_pabutools_on_a_pabulib_file(sat: str) -> None:
    instance, profile = parse_pabulib_from_string(PB)
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat if sat == "cost" else Cardinality_Sat)
    ours = _ours(instance, profile, sat)
    assert ours == {p.name for p in theirs}
    assert ours  # something was bought


# ------------------------------------------------------------------ properties
instances = st.integers(1, 5).flatmap(lambda d: st.tuples(
    st.lists(st.lists(st.floats(0.0, 50.0, allow_subnormal=False), min_size=d, max_size=d), min_size=1, max_size=8),
    st.lists(st.floats(0.5, 20.0), min_size=1, max_size=6),
    st.floats(10.0, 200.0),
    st.randoms(use_true_random=False),
))


@settings(max_examples=60, deadline=None)
@given(instances)
def test_budget_feasible_and_priceable(data: tuple) -> None:
    costs_l, pops, cap, rnd = data
    costs = np.array(costs_l)
    P, d = costs.shape
    pops_a = np.array(pops)
    C = np.full(d, cap)
    budgets = (pops_a / pops_a.sum())[:, None] * C[None, :]
    U = np.array([[1.0 if rnd.random() < 0.5 else 0.0 for _ in range(P)] for _ in pops])
    res = equal_shares(costs, budgets, U)
    sel = list(res.selected)
    # budget-feasibility: every dimension
    assert np.all(costs[sel].sum(axis=0) <= C * (1 + 1e-9) + 1e-9)
    # priceability: only supporters pay, each selected project is paid in full, nobody overspends
    for j in sel:
        assert res.payments[:, j].sum() == pytest.approx(1.0)
        assert np.all(res.payments[U[:, j] == 0, j] == 0)
    spent = res.payments @ costs
    assert np.all(spent <= budgets * (1 + 1e-9) + 1e-9)
    # ... and the supporters of every unselected project cannot afford it with what is left
    for j, loss in res.losses.items():
        assert j not in sel
        assert loss.covered < 1.0 + 1e-9
        if np.any(costs[j] > 0) and (U[:, j] > 0).any():
            with np.errstate(over="ignore"):  # subnormal costs: the ratio is inf, which is fine
                f = np.min(res.remaining[U[:, j] > 0][:, costs[j] > 0] / costs[j][costs[j] > 0], axis=1)
            assert f.sum() < 1.0 + 1e-9


def _economy(hours: float = 100.0) -> cp.Economy:
    e = cp.Economy.leontief([[0.0, 0.0], [0.0, 0.0]], [1.0, 1.0], ids=["bread", "books"])
    return e.replace(labour_available=e.labour_available.clip(upper=hours))


def test_proportionality_groups_get_their_population_share() -> None:
    """70 % of the people agree on bread projects, 30 % on books; capacity 100 hours."""
    econ = _economy()
    councils = [Council(f"a{i}", "A", "consumer", population=10) for i in range(7)]
    councils += [Council(f"b{i}", "B", "consumer", population=10) for i in range(3)]
    proposals, votes = [], []
    for k in range(10):
        proposals.append(Proposal(f"bread{k}", "a0", "consumer", goods={"bread": 1.0}))  # 10 h each
        proposals.append(Proposal(f"books{k}", "b0", "consumer", goods={"books": 1.0}))
    for c in councils:
        group = "bread" if c.id.startswith("a") else "books"
        votes += [Vote(c.id, f"{group}{k}") for k in range(10)]
    goals = get_rule("equal-shares", utility="approval").aggregate(proposals, councils, econ, votes=votes)
    t = goals.targets["amount"]
    assert t["bread"] == pytest.approx(70.0)
    assert t["books"] == pytest.approx(30.0)
    # the baseline ignores capacity and so hands the minority nothing more than the majority asks for
    base = get_rule("population-sum").aggregate(proposals, councils, econ).targets["amount"]
    assert base["bread"] == pytest.approx(100.0)


def test_why_a_proposal_lost_names_budgets_and_prices() -> None:
    econ = _economy()
    councils = [Council("a", "A", "consumer", population=50), Council("b", "B", "consumer", population=50)]
    proposals = [Proposal("cheap", "a", "consumer", goods={"bread": 0.6}),   # 30 h
                 Proposal("dear", "a", "consumer", goods={"books": 0.8}),    # 40 h > a's remaining 20 h
                 Proposal("huge", "b", "consumer", goods={"books": 1.2})]    # 60 h > b's 50 h
    goals = get_rule("equal-shares").aggregate(proposals, councils, econ)
    cheap, dear, huge = (goals.outcome(p) for p in ("cheap", "dear", "huge"))
    assert cheap is not None and cheap.selected and cheap.cost_hours == pytest.approx(30.0)
    assert dear is not None and not dear.selected
    assert "spent their equal shares" in dear.reason and "cheap" in dear.reason and "50.0 %" in dear.reason
    assert huge is not None and not huge.selected
    assert "too expensive" in huge.reason and "83.3 %" in huge.reason


def test_anonymity_renaming_councils() -> None:
    econ = cp.example("germany-1995")
    goods = list(econ.goods.index)
    rng = np.random.default_rng(3)
    councils = [Council(f"c{i}", "x", "consumer", population=float(rng.integers(1, 50))) for i in range(6)]
    props = [Proposal(f"p{i}", c.id, "consumer", goods={goods[i % 6]: float(rng.uniform(10, 500))})
             for i, c in enumerate(councils)]
    rule = get_rule("equal-shares")
    g1 = rule.aggregate(props, councils, econ)
    perm = {c.id: f"z{5 - i}" for i, c in enumerate(councils)}
    councils2 = [Council(perm[c.id], "x", "consumer", population=c.population) for c in reversed(councils)]
    props2 = [Proposal(p.id, perm[p.council_id], "consumer", goods=dict(p.goods)) for p in reversed(props)]
    g2 = rule.aggregate(props2, councils2, econ)
    assert np.allclose(g1.targets["amount"], g2.targets["amount"])
    assert {o.proposal_id for o in g1.outcomes if o.selected} == {o.proposal_id for o in g2.outcomes if o.selected}
    assert (g1.targets["amount"] > 0).any()


def test_shadow_cost_mode_uses_the_plan() -> None:
    econ = cp.example("kantorovich")
    p = cp.plan(econ, objective="ray")
    councils = [Council("a", "A", "consumer", population=1), Council("b", "B", "consumer", population=1)]
    props = [Proposal("pa", "a", "consumer", goods={"part_a": 50}), Proposal("pb", "b", "consumer", goods={"part_b": 50})]
    goals = get_rule("equal-shares", cost="shadow").aggregate(props, councils, econ, p)
    assert goals.notes[0].startswith("capacity vector: shadow_cost")
    assert all(np.isfinite(o.cost_shadow) and o.cost_shadow > 0 for o in goals.outcomes)
    # each council holds half of the plan's value, and 50 parts are well within it
    assert all(o.selected for o in goals.outcomes)
