"""Known-answer *plans* (economy level), run on every installed backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import councilplan as cp
from councilplan.solvers import SolveOptions, Status, available_solvers


@pytest.fixture(params=available_solvers())
def solver_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _opts(name: str) -> SolveOptions:
    return SolveOptions(tol=1e-9 if name == "highs" else 1e-6)


def _tol(name: str) -> float:
    return 1e-7 if name == "highs" else 1e-3


def test_kantorovich_sets_and_rents(solver_name: str) -> None:
    """Kantorovich (1939), first example. By hand: the automatic lathe makes B, turret
    lathes make A, milling machines split 8/3 : 1/3 machine-days, giving 60 + 80/3 = 260/3
    sets. Zero reduced cost of the four used techniques with p_A + p_B = 1 gives
    p = (2/3, 1/3) and machine rents (20/3, 40/3, 80/3)."""
    p = cp.plan(cp.example("kantorovich"), "ray", solver_name, _opts(solver_name))
    tol = _tol(solver_name)
    assert p.status is Status.OPTIMAL
    assert p.scale == pytest.approx(260 / 3, rel=tol)
    goods = p.shadow_prices("good")
    assert goods["part_a"] == pytest.approx(2 / 3, rel=tol)
    assert goods["part_b"] == pytest.approx(1 / 3, rel=tol)
    rents = p.shadow_prices("resource")
    np.testing.assert_allclose(rents[["milling_machine", "turret_lathe", "automatic_turret_lathe"]],
                               [20 / 3, 40 / 3, 80 / 3], rtol=tol)
    np.testing.assert_allclose(p.activity[["milling_a", "milling_b", "turret_a", "automatic_b"]],
                               [8 / 3, 1 / 3, 3, 1], rtol=tol * 10, atol=tol * 10)


def test_harmony_single_good(solver_name: str) -> None:
    """One good, one process (1 hour per unit), target 1: with 0.75 hours, y = 0.75,
    u = -0.25 on the slope-2 piece, so harmony = -0.5 and the shadow wage is 2 per
    hour; with 1.25 hours, u = 0.25 on the slope-0.5 piece, harmony = 0.125, wage 0.5."""
    base = cp.Economy.leontief([[0.0]], [1.0], ids=["bread"], final_demand=[1.0])
    for hours, value, wage in ((0.75, -0.5, 2.0), (1.25, 0.125, 0.5)):
        e = base.replace(labour_available=pd.Series([hours], index=base.labour_kinds))
        p = cp.plan(e, "harmony", solver_name, _opts(solver_name))
        assert p.status is Status.OPTIMAL
        assert p.objective == pytest.approx(value, abs=_tol(solver_name))
        assert p.shadow_prices("labour")["labour"] == pytest.approx(wage, rel=_tol(solver_name) * 10)


def test_min_labour_duals_are_labour_values(solver_name: str) -> None:
    """Miller & Blair's economy with l = (.1, .2): the min-labour duals equal
    v = l (I - A)^{-1} = (.135, .195) / .7575 and the plan is x = (1000, 2000)."""
    e = cp.Economy.leontief([[0.15, 0.25], [0.2, 0.05]], [0.1, 0.2], ids=["s1", "s2"], final_demand=[350, 1700])
    p = cp.plan(e, "min-labour", solver_name, _opts(solver_name))
    tol = _tol(solver_name)
    np.testing.assert_allclose(p.activity.to_numpy(), [1000, 2000], rtol=tol)
    np.testing.assert_allclose(p.shadow_prices("good").to_numpy(), np.array([0.135, 0.195]) / 0.7575, rtol=tol)
    assert p.objective == pytest.approx(500, rel=tol)


def test_infeasible_floor_is_explained(solver_name: str) -> None:
    """A floor of 2 units with 1 hour of labour at 1 hour per unit: the floor must fall
    to 1 or labour rise to 2; the smallest relative move is reported."""
    base = cp.Economy.leontief([[0.0]], [1.0], ids=["bread"])
    e = base.replace(labour_available=pd.Series([1.0], index=base.labour_kinds)).with_targets(
        pd.DataFrame({"amount": [1.0], "floor": [2.0]}, index=["bread"]))
    p = cp.plan(e, "ray", solver_name, _opts(solver_name))
    assert p.status is Status.INFEASIBLE
    assert p.explanation is not None
    ch = p.explanation.changes
    assert len(ch) == 1
    row = ch.iloc[0]
    # floor 2 → 1 is a relative move of 50 %; labour 1 → 2 would be 100 %
    assert row["constraint"] == "floor" and row["id"] == "bread"
    assert row["needed"] == pytest.approx(1.0, abs=1e-6)
    assert "floor 'bread'" in p.explanation.text


def test_unbounded_is_explained(solver_name: str) -> None:
    e = cp.Economy.leontief([[0.1]], [1.0], ids=["bread"], final_demand=[1.0])
    p = cp.plan(e, "ray", solver_name, _opts(solver_name))
    assert p.status is Status.UNBOUNDED
    assert p.explanation is not None and "limits.csv" in p.explanation.text


def test_planted_optima_of_every_objective(solver_name: str) -> None:
    """A planted economy (``planted_economy(400, binding="all")``): the least labour is the planted
    ``Σ L x*``, the ray's scale is 1 and, with ``harmony_economy``'s weights, the harmony is 0, all to
    1e-6 on every backend (the inexact ones through the polished bracket)."""
    from councilplan.planning.planted import planted_economy

    pe = planted_economy(400, seed=4, binding="all")
    opts = SolveOptions(tol=1e-6)
    least = cp.plan(pe.economy, "min-labour", solver_name, opts, with_values=False)
    assert least.objective == pytest.approx(pe.objective, rel=1e-6)
    ray = cp.plan(pe.economy, "ray", solver_name, opts, with_values=False)
    assert ray.scale == pytest.approx(1.0, abs=1e-6)
    e = pe.harmony_economy()
    harm = cp.plan(e, "harmony", solver_name, opts, with_values=False)
    assert harm.objective == pytest.approx(0.0, abs=1e-6 * 0.25 * float(e.targets["weight"].sum()))
