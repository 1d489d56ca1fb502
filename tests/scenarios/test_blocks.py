"""Slack capital fixed exactly, and the block solver certified on the whole LP."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from councilplan.scenarios import build_dynamic_problem, plan_dynamic
from councilplan.scenarios.blocks import BlockSolver, split_lp
from councilplan.scenarios.dynamic_problem import guaranteed_stock, level_bounds, slack_stocks
from councilplan.scenarios.runner import find_scenario
from councilplan.scenarios.shocks import read_scenario
from councilplan.solvers import SolveOptions, get_solver

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dynamic.py"


def _bench():  # type: ignore[no-untyped-def]
    if not BENCH.is_file():
        pytest.skip("bench/dynamic.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("bench_dynamic_blocks", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("growth", [0.0, 0.05])
def test_fixed_slack_capital_splits_into_periods_with_the_same_optimum(growth: float) -> None:
    de = _bench().economy(200, 4, growth)
    assert slack_stocks(de).all()  # 10^6 of plant never binds
    whole = build_dynamic_problem(de, "sum-ray")
    fixed = build_dynamic_problem(de, "sum-ray", fix_slack=True)
    split = split_lp(fixed)
    assert len(split.blocks) == 4 and len(split_lp(whole).blocks) == 1
    _, ref_cert, _ = get_solver("highs").solve(whole, SolveOptions(tol=1e-9))
    for warm in (None, "pdlp"):
        bs = BlockSolver("highs", warm=warm)
        res, cert, _ = bs.solve(fixed, SolveOptions(tol=1e-7))
        assert res.status == "optimal" and cert is not None and cert.within(1e-7)
        assert cert.primal_objective == pytest.approx(ref_cert.primal_objective, rel=1e-6)
        hows = [b["how"] for b in bs.log]
        if growth == 0:  # the same period four times: its solution certifies on the others as it is
            assert hows[1:] == ["reused"] * 3
    # the fixed stocks are what the plant keeps: K0, then depreciated
    p = plan_dynamic(de, "sum-ray", fix_slack=True)
    assert np.allclose(p.stock.to_numpy(), guaranteed_stock(de)) and (p.investment.to_numpy() == 0).all()


def test_binding_capital_is_not_fixed() -> None:
    de = _bench().economy(100, 3)
    cap = de.capital.copy()
    cap["initial"] = 1e-3  # plant far too small: it binds
    tight = de.with_capital(cap)
    assert not slack_stocks(tight).any()
    xmax = level_bounds(tight)
    assert np.isfinite(xmax).all()  # every process uses labour, which is limited
    a = plan_dynamic(tight, "sum-ray")
    b = plan_dynamic(tight, "sum-ray", fix_slack=True, solver=BlockSolver("highs"))
    assert b.objective == pytest.approx(a.objective, rel=1e-7)


def test_war1941_with_the_block_solver_and_fixed_slack() -> None:
    sc = read_scenario(find_scenario("war1941"))
    de = sc.economy()
    a = plan_dynamic(de, sc.objective)
    b = plan_dynamic(de, sc.objective, BlockSolver("highs"), fix_slack=True)
    assert b.optimal and b.certificate.within(1e-7)
    assert b.objective == pytest.approx(a.objective, rel=1e-7)


def test_bench_plant_option_links_the_periods() -> None:
    de = _bench().economy(120, 3, 0.05, plant=0.9)
    assert not slack_stocks(de).all()
    fixed = build_dynamic_problem(de, "sum-ray", fix_slack=True)
    assert len(split_lp(fixed).blocks) < 3  # binding plant and investment link the periods
    a = plan_dynamic(de, "sum-ray")
    b = plan_dynamic(de, "sum-ray", BlockSolver("highs"), fix_slack=True)
    assert b.certificate.within(1e-7) and b.objective == pytest.approx(a.objective, rel=1e-6)


def test_warm_blocks_when_the_periods_differ() -> None:
    from councilplan.model.synthetic import random_economy
    from councilplan.scenarios import DynamicEconomy

    de = DynamicEconomy.from_static(random_economy(200, seed=3, capacity_share=0.0), 3)
    de = de.replace(labour=de.labour * 1.05 ** np.arange(3))  # labour binds and grows: each period differs
    lp = build_dynamic_problem(de, "sum-ray")
    bs = BlockSolver("highs", warm="pdlp")
    res, cert, _ = bs.solve(lp, SolveOptions(tol=1e-7))
    hows = [b["how"] for b in bs.log]
    assert len(hows) == 3 and "reused" not in hows and "warm pdlp" in hows, hows
    its = sum(int(b["iterations"]) for b in bs.log)
    if not any("warm failed" in h for h in hows):
        assert res.iterations == its  # each block's iterations counted once
    _, ref, _ = get_solver("highs").solve(lp, SolveOptions(tol=1e-9))
    assert cert is not None and cert.within(1e-7)
    assert cert.primal_objective == pytest.approx(ref.primal_objective, rel=1e-6)
