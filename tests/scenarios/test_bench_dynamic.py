"""The multi-period benchmark's economy and backends, at a size that runs in a second."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from councilplan.scenarios import build_dynamic_problem, plan_dynamic

BENCH = Path(__file__).resolve().parents[2] / "bench" / "dynamic.py"


def _bench():
    if not BENCH.is_file():
        pytest.skip("bench/dynamic.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("bench_dynamic", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("backend", ["simplex", "ipm-nox"])
def test_bench_backends_certify_the_same_optimum(backend: str) -> None:
    bench = _bench()
    de = bench.economy(150, 3)
    lp = build_dynamic_problem(de, "sum-ray")
    n, m = de.base.n_processes, de.base.n_goods
    # process, net output, stock and investment columns per period, one scale per period
    assert lp.shape[1] == 3 * (n + m + 2 * len(de.capital)) + 3
    row = bench.solve(lp, backend, 3, 60.0)
    assert row.status == "optimal" and row.certified, row
    assert max(row.gap, row.primal, row.dual) <= bench.TOL
    # a plan whose stocks never bind: three periods are three times one (labour is the limit)
    one = plan_dynamic(bench.economy(150, 1), "sum-ray")
    three = plan_dynamic(de, "sum-ray")
    assert three.objective == pytest.approx(3 * one.objective, rel=1e-6)
