"""A dynamic plan carries the hash of its exact inputs, as a static plan does (docs/bundle.md)."""

from __future__ import annotations

from councilplan.scenarios.dynamic import DynamicEconomy
from councilplan.scenarios.result import plan_dynamic
from councilplan.solvers import SolveOptions


def test_the_same_inputs_give_the_same_hash_and_any_change_another(machine_economy: DynamicEconomy) -> None:
    de = machine_economy
    first = plan_dynamic(de, "sum-ray")
    assert len(first.input_hash) == 64 and first.summary()["input_hash"] == first.input_hash
    again = DynamicEconomy.from_static(de.base, de.periods, capital=de.capital)
    assert plan_dynamic(again, "sum-ray").input_hash == first.input_hash  # rebuilt, not the same object
    cap = de.capital.copy()
    cap["per_unit"] = cap["per_unit"] * 1.5
    target = de.target.copy()
    target.iloc[0, -1] = float(target.iloc[0, -1]) + 1.0
    labour = de.labour.copy()
    labour.iloc[0, 0] = 7.0
    changed = {
        "a capital coefficient": plan_dynamic(de.replace(capital=cap), "sum-ray"),
        "a target of the last period": plan_dynamic(de.replace(target=target), "sum-ray"),
        "the hours of period 1": plan_dynamic(de.replace(labour=labour), "sum-ray"),
        "the objective": plan_dynamic(de, "ray"),
        "the period weights": plan_dynamic(de, {"kind": "sum-ray", "period_weights": [1, 2]}),
        "the tolerance": plan_dynamic(de, "sum-ray", options=SolveOptions(tol=1e-5)),
        "the backend": plan_dynamic(de, "sum-ray", solver="pdlp"),
        "fix_slack": plan_dynamic(de, "sum-ray", fix_slack=True),
        "one more period": plan_dynamic(DynamicEconomy.from_static(de.base, de.periods + 1, capital=cap), "sum-ray"),
    }
    hashes = {what: p.input_hash for what, p in changed.items()}
    assert first.input_hash not in hashes.values(), [w for w, h in hashes.items() if h == first.input_hash]
    assert len(set(hashes.values())) == len(hashes)
