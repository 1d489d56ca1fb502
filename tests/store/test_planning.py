"""Round planning's solver choice: warm re-plans after a vote, for small and for large LPs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from councilplan.democracy import Council, Proposal, get_rule
from councilplan.model.synthetic import random_economy
from councilplan.solvers import policy
from councilplan.store import planning


def _world(n: int = 60) -> tuple:
    economy = random_economy(n, seed=3)
    ids = [g for g in economy.goods.index if economy.targets.loc[g, "amount"] > 0]
    cs = {f"c{i}": Council(f"c{i}", f"c{i}", "consumer", population=100.0 * (i + 1)) for i in range(3)}
    total = sum(c.population for c in cs.values())
    props = [Proposal(f"p{i}", cid, "consumer",
                      goods={g: float(economy.targets.loc[g, "amount"]) / total for g in ids})
             for i, cid in enumerate(cs)]
    return economy, cs, props, ids


def _vote(props: list, good: str) -> list:
    return [props[0].revised(goods={**props[0].goods, good: props[0].goods[good] * 1.1}), *props[1:]]


def test_small_lp_replans_from_the_basis() -> None:
    economy, cs, props, ids = _world()
    rule = get_rule("population-sum")
    cold = planning.compute_plan(economy, rule.aggregate(props, cs, economy), "harmony")
    warm = planning.compute_plan(economy, rule.aggregate(_vote(props, ids[0]), cs, economy, cold), "harmony",
                                 previous=cold)
    assert cold.optimal and warm.optimal and warm.solver == "highs"
    assert "basis" in warm.message and "simplex" in cold.message


def test_large_lp_replans_with_pdlp_from_the_previous_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "POLICY", replace(policy.POLICY, large_lp_nnz=0))  # every LP counts as large
    economy, cs, props, ids = _world()
    rule = get_rule("population-sum")
    cold = planning.compute_plan(economy, rule.aggregate(props, cs, economy), "harmony")
    goals = rule.aggregate(_vote(props, ids[0]), cs, economy, cold)
    warm = planning.compute_plan(economy, goals, "harmony", previous=cold)
    exact = planning.compute_plan(economy, goals, "harmony")  # interior point, cold
    assert "interior point" in cold.message and warm.solver == "pdlp" and warm.optimal
    assert warm.certificate is not None and warm.certificate.gap <= policy.POLICY.warm_tol
    assert warm.objective == pytest.approx(exact.objective, rel=10 * policy.POLICY.warm_tol)
