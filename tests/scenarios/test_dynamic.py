"""Multi-period plans on economies small enough to solve by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from councilplan import example, plan
from councilplan.planning import PlanningInputError
from councilplan.scenarios import (
    DynamicEconomy,
    DynamicObjective,
    Term,
    build_dynamic_problem,
    plan_dynamic,
)
from councilplan.solvers import Status


def test_one_period_ray_equals_static_plan() -> None:
    ec = example("kantorovich")
    p = plan_dynamic(DynamicEconomy.from_static(ec, 1), "ray")
    assert p.objective == pytest.approx(plan(ec, "ray").scale, rel=1e-9)


def test_sum_ray_repeats_a_static_economy(make_corn) -> None:
    de = DynamicEconomy.from_static(make_corn(a=0.5, available=10.0), 3)
    p = plan_dynamic(de, "sum-ray")
    assert p.objective == pytest.approx(15.0)  # y = (1 - 0.5) · 10 per period
    assert p.certificate.within(1e-9)
    # one more hour in period 2 gives 0.5 more corn, i.e. 0.5 more scale
    assert p.shadow_prices("labour").loc["labour", 2] == pytest.approx(0.5)


def test_period_weights_and_common_ray(make_corn) -> None:
    de = DynamicEconomy.from_static(make_corn(available=10.0), 2)
    de = de.replace(labour=pd.DataFrame([[10.0, 4.0]], index=de.labour.index, columns=de.labour.columns))
    assert plan_dynamic(de, {"kind": "sum-ray", "period_weights": [1, 2]}).objective == pytest.approx(18.0)
    assert plan_dynamic(de, "ray").objective == pytest.approx(4.0)


@pytest.mark.parametrize(("loss", "expected"), [(0.0, 5.0), (0.2, 0.8 * 10 / 1.8)])
def test_inventories_carry_over(make_corn, loss: float, expected: float) -> None:
    de = DynamicEconomy.from_static(make_corn(available=10.0), 2,
                                    inventory=pd.DataFrame({"loss": [loss], "initial": [0.0]}, index=["c"]))
    de = de.replace(labour=pd.DataFrame([[10.0, 0.0]], index=de.labour.index, columns=de.labour.columns))
    p = plan_dynamic(de, "ray")
    assert p.objective == pytest.approx(expected)
    stored = p.inventory.loc["c", 1]
    assert p.net_output.loc["c", 2] == pytest.approx((1 - loss) * stored)  # stock accounting
    no_store = DynamicEconomy.from_static(make_corn(), 2).replace(labour=de.labour)
    assert plan_dynamic(no_store, "ray").objective == pytest.approx(0.0, abs=1e-9)


def test_terminal_inventory(make_corn) -> None:
    inv = pd.DataFrame({"initial": [0.0], "terminal": [4.0]}, index=["c"])
    de = DynamicEconomy.from_static(make_corn(available=10.0), 2, inventory=inv)
    p = plan_dynamic(de, "ray")
    assert p.objective == pytest.approx(8.0)  # 20 hours, 4 kept: 16 over two periods
    assert p.inventory.loc["c", 2] == pytest.approx(4.0)


def test_production_lag_and_pipeline_supply(make_corn) -> None:
    de = DynamicEconomy.from_static(make_corn(available=10.0), 2, lag=pd.Series({"c": 1}))
    assert plan_dynamic(de, "sum-ray").objective == pytest.approx(10.0)  # period 1 gets nothing
    supply = de.supply.copy()
    supply.loc["c", 1] = 3.0
    p = plan_dynamic(de.replace(supply=supply), "sum-ray")
    assert p.scale.tolist() == pytest.approx([3.0, 10.0])


def test_capital_depreciation_and_investment(machine_economy: DynamicEconomy) -> None:
    p = plan_dynamic(machine_economy, "ray")
    # y1 = 4 - I1 and y2 = 0.5 · 4 + I1: equal at I1 = 1
    assert p.objective == pytest.approx(3.0)
    assert p.investment.loc["c/c", 1] == pytest.approx(1.0)
    assert p.stock.loc["c/c", 2] == pytest.approx(3.0)
    assert p.capacity_limit.loc["c"].tolist() == pytest.approx([4.0, 3.0])
    # capital is what binds: a unit of initial stock is worth more than nothing
    assert p.shadow_prices("stock").loc["c/c", 1] > 0
    assert p.certificate.within(1e-9)


def test_gestation_lag(machine_economy: DynamicEconomy) -> None:
    cap = machine_economy.capital.assign(gestation=2.0)
    de = DynamicEconomy.from_static(machine_economy.base, 3, capital=cap)
    p = plan_dynamic(de, "ray")
    # stocks 4, 2, 1 + I1: y1 = 4 - I1, y2 = 2 - I2, y3 = 1 + I1 (I2 would arrive after T)
    assert p.objective == pytest.approx(2.0)
    assert p.investment.loc["c/c", 2] == pytest.approx(0.0)
    assert p.investment.loc["c/c", 3] == pytest.approx(0.0)


def test_terminal_capital(machine_economy: DynamicEconomy) -> None:
    de = machine_economy.with_capital(machine_economy.capital.assign(terminal=1.0))
    p = plan_dynamic(de, "ray")
    # keep 4 units after T: 0.5 K2 + I2 ≥ 4 → y1 = 4 - I1 = 1.5 I1 - 1 → I1 = 2
    assert p.objective == pytest.approx(2.0)
    assert 0.5 * p.stock.loc["c/c", 2] + p.investment.loc["c/c", 2] == pytest.approx(4.0)
    assert "terminal" in {b.name for b in build_dynamic_problem(de, "ray").row_blocks}


def test_linear_objectives(machine_economy: DynamicEconomy) -> None:
    floor = machine_economy.floor.copy()
    floor.loc["c", 1] = 1.0
    de = machine_economy.replace(floor=floor)
    p = plan_dynamic(de, {"kind": "linear", "terms": ["net_output:c@2"]})
    assert p.objective == pytest.approx(5.0)  # invest 3 in period 1
    p = plan_dynamic(de, DynamicObjective("linear", terms=(Term("stock", "c/c", (2,)),)))
    assert p.objective == pytest.approx(5.0)
    p = plan_dynamic(de, {"kind": "linear", "terms": ["labour:labour"], "sense": "min"})
    assert p.objective == pytest.approx(1.0)  # least labour that meets the floor
    p = plan_dynamic(de, {"kind": "linear", "terms": ["capacity:c@2*2", "activity:c@1*-1"]})
    assert p.objective == pytest.approx(2 * 5.0 - 4.0)


def test_term_parse() -> None:
    t = Term.parse("net_output:tanks@2-3,5*0.5")
    assert (t.what, t.id, t.periods, t.weight) == ("net_output", "tanks", (2, 3, 5), 0.5)
    with pytest.raises(PlanningInputError, match="cannot read"):
        Term.parse("wishes:tanks")


def test_infeasible_floor_is_a_status(machine_economy: DynamicEconomy) -> None:
    floor = machine_economy.floor.copy()
    floor.loc["c", 2] = 100.0
    p = plan_dynamic(machine_economy.replace(floor=floor), "ray")
    assert p.status is Status.INFEASIBLE
    assert p.explanation is not None and "floor" in p.explanation.text


def test_bad_inputs(machine_economy: DynamicEconomy) -> None:
    with pytest.raises(PlanningInputError, match="unknown dynamic objective"):
        plan_dynamic(machine_economy, "wish")
    with pytest.raises(PlanningInputError, match="needs terms"):
        DynamicObjective.of({"kind": "linear"})
    target = machine_economy.target.copy()
    target.loc["c", 2] = 0.0
    with pytest.raises(PlanningInputError, match="period"):
        plan_dynamic(machine_economy.replace(target=target), "sum-ray")


def test_write(machine_economy: DynamicEconomy, tmp_path) -> None:
    p = plan_dynamic(machine_economy, "ray")
    p.write(tmp_path / "out")
    frame = pd.read_csv(tmp_path / "out" / "stock.csv")
    assert list(frame.columns) == ["id", "period", "stock"]
    assert np.isclose(frame["stock"], [4.0, 3.0]).all()
