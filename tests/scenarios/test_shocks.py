"""Every shock type, each checked for conservation of capacity, labour or stocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from councilplan.model.economy import Economy
from councilplan.planning import PlanningInputError
from councilplan.scenarios import DynamicEconomy, plan_dynamic
from councilplan.scenarios.regions import add_transport, regionalise
from councilplan.scenarios.shocks import (
    Blockade,
    Destruction,
    Evacuation,
    Imports,
    Mobilisation,
    Occupation,
    make_shock,
)


def two_regions(periods: int = 3) -> DynamicEconomy:
    """Corn made in west and east, each from its own corn capital (1 per unit), K0 = 6 and 2.

    Investment never matures within the plan (gestation 10), so the optima are easy sums.
    """
    base = Economy.leontief([[0.0]], [1.0], ids=["c"], final_demand=[1.0],
                            meta={"name": "two regions", "description": "", "source": "test"})
    ec = regionalise(base, ["west", "east"])
    cap = pd.DataFrame({"process": ["c@west", "c@east"], "good": ["c", "c"], "per_unit": [1.0, 1.0],
                        "initial": [6.0, 2.0], "depreciation": [0.0, 0.0], "gestation": [10, 10]})
    de = DynamicEconomy.from_static(ec, periods, capital=cap)
    lab = de.labour.copy()
    lab.loc["labour"] = 100.0
    return de.replace(labour=lab)


def test_occupation_conserves_capacity_elsewhere() -> None:
    de = two_regions()
    out = Occupation(region="west", start=2).apply(de)
    assert (out.capacity.loc["c@west", [2, 3]] == 0).all()
    pd.testing.assert_series_equal(out.capacity.loc["c@east"], de.capacity.loc["c@east"])
    assert out.capacity.loc["c@west", 1] == de.capacity.loc["c@west", 1]
    p = plan_dynamic(out, "sum-ray")
    assert p.activity.loc["c@west", [2, 3]].abs().max() < 1e-9
    # total output = west's stock in period 1 + east's in every period
    assert p.objective == pytest.approx(6 + 3 * 2)
    partial = Occupation(region="west", start=2, share=0.25).apply(de)
    p = plan_dynamic(partial, "sum-ray")
    assert p.stock.loc["c@west/c", 2] == pytest.approx(6 * 0.75)  # the lost quarter is gone, no more


def test_evacuation_moves_stock_and_conserves_it() -> None:
    de = two_regions()
    shocked = Evacuation(source="west", dest="east", start=1, end=1, lag=1, share=0.5, loss=0.1,
                         labour={"labour": 2.0}).apply(Occupation(region="west", start=2).apply(de))
    p = plan_dynamic(shocked, "sum-ray")
    moved = p.transfers.iloc[0, 0]
    assert moved == pytest.approx(3.0)  # half of the west's stock: worth moving
    # stock accounting: what leaves the west arrives in the east, less the loss
    # (the west's remaining stock is useless once occupied, so it may be left idle: ≤)
    assert p.stock.loc["c@west/c", 2] <= 6.0 - moved + 1e-9
    assert p.stock.loc["c@east/c", 2] == pytest.approx(2.0 + 0.9 * moved)
    # the move costs labour in period 1
    assert p.labour_used.loc["labour", 1] == pytest.approx(p.activity[1].sum() + 2.0 * moved)
    assert p.objective == pytest.approx(6 + 2 + 2 * (2 + 0.9 * 3))


def test_evacuation_to_a_region_without_stock_creates_it() -> None:
    de = two_regions()
    de = de.with_capital(de.capital.iloc[:1])
    out = Evacuation(source="west", dest="east", start=1, lag=2).apply(de)
    assert "c@east/c" in out.capital.index and out.capital.loc["c@east/c", "initial"] == 0
    with pytest.raises(PlanningInputError, match="no capital stock"):
        Evacuation(source="east", dest="west", start=1).apply(de)


def test_mobilisation_removes_exactly_the_labour() -> None:
    de = two_regions()
    for shock, expected in ((Mobilisation(kind="labour", start=2, share=0.3), 70.0),
                            (Mobilisation(kind="labour", start=2, amount=25.0), 75.0),
                            (Mobilisation(kind="labour", start=2, level=40.0), 40.0)):
        out = shock.apply(de)
        removed = de.labour.loc["labour"] - out.labour.loc["labour"]
        assert removed[1] == 0
        assert out.labour.loc["labour", 2] == pytest.approx(expected)
        assert (out.labour.loc["labour"] + removed).tolist() == de.labour.loc["labour"].tolist()
    with pytest.raises(PlanningInputError, match="exactly one"):
        Mobilisation(kind="labour", start=1, share=0.1, amount=1.0).apply(de)
    tight = Mobilisation(kind="labour", start=1, level=5.0).apply(de)
    assert plan_dynamic(tight, "sum-ray").labour_used.loc["labour"].max() <= 5.0 + 1e-9


def test_destruction_removes_the_share_of_stock() -> None:
    de = two_regions()
    out = Destruction(period=2, share=0.5, region="west").apply(de)
    p = plan_dynamic(out, "sum-ray")
    assert p.stock.loc["c@west/c", 2] == pytest.approx(3.0)
    assert p.stock.loc["c@east/c", 2] == pytest.approx(2.0)
    assert p.objective == pytest.approx(8 + 5 + 5)
    by_name = Destruction(period=1, share=1.0, stocks=("c@east/*",)).apply(de)
    assert plan_dynamic(by_name, "sum-ray").stock.loc["c@east/c"].max() == pytest.approx(0.0)


def test_imports_and_blockade_balance_supply() -> None:
    de = two_regions()
    aid = Imports(good="c", amount=1.5, start=2).apply(de)
    p0, p1 = plan_dynamic(de, "sum-ray"), plan_dynamic(aid, "sum-ray")
    # the aid appears one for one in net output, and nowhere else
    np.testing.assert_allclose((p1.net_output - p0.net_output).loc["c"].to_numpy(), [0.0, 1.5, 1.5], atol=1e-9)
    blocked = Blockade(start=3, goods=("c",)).apply(aid)
    assert blocked.supply.loc["c"].tolist() == [0.0, 1.5, 0.0]
    assert plan_dynamic(blocked, "sum-ray").objective == pytest.approx(p0.objective + 1.5)


def test_blockade_closes_a_transport_route() -> None:
    base = Economy.leontief([[0.0]], [1.0], ids=["c"], final_demand=[1.0],
                            meta={"name": "t", "description": "", "source": "test"})
    ec = regionalise(base, ["west", "east"], goods=True, shares={"west": {"c": 1.0}, "east": {"c": 0.0}})
    ec = ec.replace(capacity=pd.Series([10.0, 0.0], index=ec.processes.index))
    ec = add_transport(ec, pd.DataFrame({"good": ["c"], "origin": ["west"], "dest": ["east"], "loss": [0.2],
                                         "hours": [0.5]}))
    de = DynamicEconomy.from_static(ec, 2)
    p = plan_dynamic(de, "sum-ray")
    # west keeps y, ships z: y = 10 - z, east gets 0.8 z; both targets 0.5: y = 0.8 z → z = 10/1.8
    assert p.net_output.loc["c@east", 1] == pytest.approx(0.8 * 10 / 1.8)
    closed = Blockade(start=2, goods=(), processes=("move:*",)).apply(de)
    assert plan_dynamic(closed, "sum-ray").scale[2] == pytest.approx(0.0)


def test_make_shock_validates() -> None:
    assert isinstance(make_shock({"type": "imports", "good": "c", "amount": 1, "start": 1}), Imports)
    with pytest.raises(PlanningInputError, match="unknown shock type"):
        make_shock({"type": "plague"})
    with pytest.raises(PlanningInputError, match="unknown field"):
        make_shock({"type": "imports", "good": "c", "amount": 1, "start": 1, "colour": "red"})
