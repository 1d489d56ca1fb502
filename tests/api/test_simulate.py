"""``councilplan round simulate`` over HTTP: consumer and workplace councils through a whole round."""

from __future__ import annotations

from councilplan.cli.serve import _economy_files, simulate_round


def test_simulated_round_with_workplaces_finishes(base_url: str) -> None:
    out = simulate_round(base_url, _economy_files("germany-1995"), 4, 10, rule="population-sum",
                         objective="harmony", seed=1, echo=False, workplaces=2)
    rnd, plan = out["round"], out["plan"]
    assert rnd["finished"] and rnd["finish_reason"] in ("converged", "cap")
    assert plan["result"]["status"] == "optimal"
    kinds = [o["kind"] for o in plan["result"]["outcomes"]]
    assert kinds.count("workplace") == 2 and kinds.count("consumer") == 4
    assert out["chain"]["ok"]
