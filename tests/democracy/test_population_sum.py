"""The population-weighted sum: each property it claims, by hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import councilplan as cp
from councilplan.democracy import Council, Proposal
from councilplan.democracy.rules import get_rule

ECON = cp.example("germany-1995")
GOODS = list(ECON.goods.index)
RULE = get_rule("population-sum")

demands = st.lists(st.tuples(st.floats(1, 1000), st.dictionaries(st.sampled_from(GOODS), st.floats(0, 100), min_size=1)),
                   min_size=1, max_size=6)


def build(ds: list) -> tuple[list[Council], list[Proposal]]:
    cs = [Council(f"c{i}", "x", "consumer", population=pop) for i, (pop, _) in enumerate(ds)]
    ps = [Proposal(f"p{i}", f"c{i}", "consumer", goods=g) for i, (_, g) in enumerate(ds)]
    return cs, ps


def amounts(cs: list[Council], ps: list[Proposal]) -> np.ndarray:
    return RULE.aggregate(ps, cs, ECON).targets["amount"].to_numpy()


@settings(max_examples=20, deadline=None)
@given(demands)
def test_is_the_population_weighted_sum(ds: list) -> None:
    cs, ps = build(ds)
    expect = np.zeros(len(GOODS))
    for pop, g in ds:
        for k, q in g.items():
            expect[GOODS.index(k)] += pop * q
    assert np.allclose(amounts(cs, ps), expect)


@settings(max_examples=15, deadline=None)
@given(demands, st.randoms(use_true_random=False))
def test_anonymity(ds: list, rnd) -> None:
    cs, ps = build(ds)
    order = list(range(len(cs)))
    rnd.shuffle(order)
    assert np.allclose(amounts([cs[i] for i in order], [ps[i] for i in order]), amounts(cs, ps))


@settings(max_examples=15, deadline=None)
@given(demands, st.floats(0.1, 10))
def test_homogeneity(ds: list, c: float) -> None:
    cs, ps = build(ds)
    scaled = [Proposal(p.id, p.council_id, "consumer", goods={k: c * v for k, v in p.goods.items()}) for p in ps]
    assert np.allclose(amounts(cs, scaled), c * amounts(cs, ps))


@settings(max_examples=15, deadline=None)
@given(demands, st.floats(0.1, 0.9))
def test_population_consistency(ds: list, frac: float) -> None:
    cs, ps = build(ds)
    c0, p0 = cs[0], ps[0]
    split_c = [Council("s1", "x", "consumer", population=frac * c0.population),
               Council("s2", "x", "consumer", population=(1 - frac) * c0.population), *cs[1:]]
    split_p = [Proposal("q1", "s1", "consumer", goods=dict(p0.goods)),
               Proposal("q2", "s2", "consumer", goods=dict(p0.goods)), *ps[1:]]
    a, b = RULE.aggregate(split_p, split_c, ECON), RULE.aggregate(ps, cs, ECON)
    assert np.allclose(a.targets["amount"], b.targets["amount"])
    assert np.allclose(a.targets["weight"], b.targets["weight"])


@settings(max_examples=15, deadline=None)
@given(demands, st.sampled_from(GOODS), st.floats(0.1, 50))
def test_monotonicity(ds: list, good: str, more: float) -> None:
    cs, ps = build(ds)
    g = dict(ps[0].goods)
    g[good] = g.get(good, 0.0) + more
    up = [Proposal("p0", "c0", "consumer", goods=g), *ps[1:]]
    k = GOODS.index(good)
    assert amounts(cs, up)[k] > amounts(cs, ps)[k]


@settings(max_examples=15, deadline=None)
@given(demands, demands)
def test_additivity(d1: list, d2: list) -> None:
    c1, p1 = build(d1)
    c2, p2 = build(d2)
    c2 = [Council("b" + c.id, "x", "consumer", population=c.population) for c in c2]
    p2 = [Proposal("b" + p.id, "b" + p.council_id, "consumer", goods=dict(p.goods)) for p in p2]
    assert np.allclose(amounts(c1 + c2, p1 + p2), amounts(c1, p1) + amounts(c2, p2))


def test_neutrality_renaming_goods() -> None:
    ren = {g: f"z_{g}" for g in GOODS}
    goods2 = ECON.goods.rename(index=ren)
    econ2 = ECON.replace(goods=goods2, targets=ECON.targets.rename(index=ren))
    cs = [Council("a", "x", "consumer", population=3)]
    p = Proposal("p", "a", "consumer", goods={"trade": 2.0, "agriculture": 1.0})
    p2 = Proposal("p", "a", "consumer", goods={ren["trade"]: 2.0, ren["agriculture"]: 1.0})
    t1 = RULE.aggregate([p], cs, ECON).targets["amount"]
    t2 = RULE.aggregate([p2], cs, econ2).targets["amount"]
    assert np.allclose(t1.to_numpy(), t2.to_numpy()) and t2[ren["trade"]] == 6.0


def test_points_become_weights_and_offers_limits() -> None:
    cs = [Council("a", "x", "consumer", population=1), Council("b", "x", "consumer", population=3),
          Council("w", "x", "workplace", processes=("trade",))]
    ps = [Proposal("pa", "a", "consumer", priorities={"trade": 100}),
          Proposal("pb", "b", "consumer", priorities={"agriculture": 100}),
          Proposal("pw", "w", "workplace", capacity={"trade": 5.0}, hours={"self_employed": 10.0})]
    g = RULE.aggregate(ps, cs, ECON)
    w = g.targets["weight"]
    assert w["agriculture"] == 3 * w["trade"] and w[["agriculture", "trade"]].mean() == 1.0
    econ = g.apply(ECON)
    assert econ.capacity["trade"] == 5.0 and econ.labour_available["self_employed"] == 10.0
    assert econ.labour_available["wage_and_salary_earners"] == ECON.labour_available["wage_and_salary_earners"]
