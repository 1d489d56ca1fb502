"""war1941: labour calibration, the weapons variant, the counted evacuation; `check` and Parquet on dynamic directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.model.economy import Economy
from councilplan.scenarios import DynamicEconomy, build_dynamic_problem, plan_dynamic
from councilplan.scenarios.dynamic_format import read_dynamic
from councilplan.scenarios.regions import regionalise
from councilplan.scenarios.runner import find_scenario, run_scenario
from councilplan.scenarios.shocks import Evacuation, Occupation, read_scenario, set_value


def two_regions(periods: int = 3) -> DynamicEconomy:
    """Corn made in west and east from their own corn capital (1 per unit), K0 = 6 and 2 (as in test_shocks)."""
    base = Economy.leontief([[0.0]], [1.0], ids=["c"], final_demand=[1.0],
                            meta={"name": "two regions", "description": "", "source": "test"})
    cap = pd.DataFrame({"process": ["c@west", "c@east"], "good": ["c", "c"], "per_unit": [1.0, 1.0],
                        "initial": [6.0, 2.0], "depreciation": [0.0, 0.0], "gestation": [10, 10]})
    de = DynamicEconomy.from_static(regionalise(base, ["west", "east"]), periods, capital=cap)
    lab = de.labour.copy()
    lab.loc["labour"] = 100.0
    return de.replace(labour=lab)

WAR = find_scenario("war1941").parent


def test_labour_binds_in_1942_at_the_published_workforce() -> None:
    sc = read_scenario(find_scenario("war1941"))
    de = sc.economy()
    # 1942 workforce: 18.4 M of 31.2 M (published), times the modelled share
    share = next(a for a in sc.assumptions if a.name == "modelled_share").central
    assert de.labour.loc["workers", 3] == pytest.approx(31.2 * share * (1 - 0.4103))
    p = plan_dynamic(de, sc.objective)
    lab = p.shadow_prices("labour").loc["workers"]
    assert (lab[[3, 4, 5, 6]] > 1e-6).all()  # a real constraint in every 1942 quarter
    assert p.labour_used.loc["workers", 3] == pytest.approx(de.labour.loc["workers", 3], rel=1e-7)
    # at 1940 labour productivity the same workforce would be idle: the calibration's premise
    p1940 = plan_dynamic(sc.economy(labour_intensity=1.0), sc.objective)
    assert (p1940.shadow_prices("labour").loc["workers"] == 0).all()
    assert p1940.objective > p.objective


def test_weapons_variant_reaches_beyond_the_floors() -> None:
    run = run_scenario("war1941_weapons", sensitivity=False)
    ray = run_scenario("war1941", sensitivity=False)
    assert run.plan.optimal and run.plan.certificate.within(1e-7)
    p = run.plan
    weapons = p.net_output.loc[["tanks", "aircraft"], [3, 4, 5, 6]].to_numpy().sum()
    assert p.objective == pytest.approx(weapons, rel=1e-9)
    assert weapons > 44000 + 1.0  # more than the two GKO floors together
    assert weapons > ray.plan.net_output.loc[["tanks", "aircraft"], [3, 4, 5, 6]].to_numpy().sum()
    # the war basket is held at half of its targets in every quarter (basket_floor, central)
    basket = ["ammunition", "artillery", "grain", "consumer"]
    assert (p.net_output.loc[basket] >= 0.5 * p.target.loc[basket] - 1e-7).all().all()
    # the variant inherits the parent's shocks: nothing is made in the west after 1941 Q3
    west = [x for x in p.activity.index if x.endswith("@west")]
    assert p.activity.loc[west, [2, 3, 4, 5, 6]].abs().max().max() < 1e-6
    assert {"tanks", "aircraft", "coal", "oil", "grain"} <= set(run.comparison["good"])
    roles = run.comparison.set_index(["good", "first"])["role"]
    assert roles["coal", 3] == "free"


def test_counted_evacuation_sets_share_and_transport_cost() -> None:
    de = Occupation(region="west", start=2).apply(two_regions())
    ev = Evacuation(source="west", dest="east", start=1, end=1, lag=1, enterprises=100, plant_per_enterprise=0.03,
                    wagon_loads=1000, transport_per_wagon=0.002, transport_good="c")
    out = ev.apply(de)
    derived = out.meta["evacuation"][0]
    assert derived["plant_moved"] == pytest.approx(3.0)
    assert out.transfers["share"].iloc[0] == pytest.approx(3.0 / 6.0)  # west stock K0 = 6
    cost = out.transfer_costs.set_index("id").loc["c", "amount"]
    assert cost == pytest.approx(1000 * 0.002 / 3.0)
    p = plan_dynamic(out, "sum-ray")
    moved = p.transfers.iloc[0, 0]
    assert moved <= 3.0 + 1e-9  # never more plant than the enterprises held
    # the move uses transport (here corn): period 1 net output is output less the cost of the move
    assert p.net_output.loc["c", 1] == pytest.approx(p.activity[1].sum() - cost * moved)
    with pytest.raises(Exception, match="plant_per_enterprise"):
        Evacuation(source="west", dest="east", start=1, enterprises=10).apply(de)


def test_war1941_evacuation_is_tied_to_the_published_counts() -> None:
    sc = read_scenario(find_scenario("war1941"))
    de = sc.economy()
    ev = de.meta["evacuation"][0]
    assert ev["enterprises"] == 1523 and ev["wagon_loads"] == 1.5e6
    k = next(a for a in sc.assumptions if a.name == "plant_per_enterprise").central
    w = next(a for a in sc.assumptions if a.name == "transport_per_wagon").central
    assert ev["plant_moved"] == pytest.approx(1523 * k)
    assert ev["transport_per_unit"] == pytest.approx(1.5e6 * w / (1523 * k))
    evac = de.transfers[de.transfers.index.str.startswith("evacuate:")]
    assert np.allclose(evac["share"], ev["share"]) and 0 < ev["share"] < 1


def test_floor_share_location() -> None:
    de = two_regions()
    out = set_value(de, "floor_share:c", 0.25)
    assert (out.floor.loc["c"] == 0.25 * de.target.loc["c"]).all()
    out2 = set_value(de, "floor_share:c:2", 0.5)
    assert out2.floor.loc["c", 2] == 0.5 * de.target.loc["c", 2] and out2.floor.loc["c", 1] == de.floor.loc["c", 1]


def test_check_validates_dynamic_directories(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["check", str(WAR)])
    assert res.exit_code == 0, res.output
    assert "6 periods" in res.output and "26 capital stocks" in res.output
    bad = tmp_path / "bad"
    shutil.copytree(WAR, bad)
    cap = pd.read_csv(bad / "capital.csv")
    cap.loc[0, "process"] = "coal@moon"
    cap.to_csv(bad / "capital.csv", index=False)
    res = runner.invoke(app, ["check", str(bad)])
    assert res.exit_code == 2 and "coal@moon" in res.output


def test_parquet_time_files_read_like_csv(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    d = tmp_path / "pq"
    shutil.copytree(WAR, d)
    for name in ("capital", "transfers", "totals", "schedule"):
        pd.read_csv(d / f"{name}.csv").to_parquet(d / f"{name}.parquet", index=False)
        (d / f"{name}.csv").unlink()
    a, b = build_dynamic_problem(read_dynamic(WAR), "ray"), build_dynamic_problem(read_dynamic(d), "ray")
    assert (a.K != b.K).nnz == 0
    assert np.array_equal(a.row_lower, b.row_lower) and np.array_equal(a.col_upper, b.col_upper)


# ---------------------------------------------------------------- ranges of the unpublished coefficients
SHARES = {"west_share_coal": "coal", "west_share_pig_iron": "steel", "west_share_aluminium": "aluminium",
          "west_share_grain": "grain"}


def _west_share(de: DynamicEconomy, sector: str) -> float:
    k0 = de.capital["initial"]
    return float(k0[f"{sector}@west/machinery"] / (k0[f"{sector}@west/machinery"] + k0[f"{sector}@east/machinery"]))


def test_capital_share_location_conserves_the_combined_stock() -> None:
    de = two_regions()
    for v in (0.0, 0.3, 1.0):
        out = set_value(de, "capital_share:c@west/c:c@east/c", v)
        assert out.capital["initial"].sum() == pytest.approx(8.0)
        assert out.capital.loc["c@west/c", "initial"] == pytest.approx(8.0 * v)
    half = set_value(de, "*capital_share:c@west/c:c@east/c", 0.5)  # multiplies the present share 6/8
    assert half.capital.loc["c@west/c", "initial"] == pytest.approx(3.0)
    assert set_value(de, "*capital_share:c@west/c:c@east/c", 2.0).capital.loc["c@east/c", "initial"] == 0
    with pytest.raises(Exception, match="two different stocks"):
        set_value(de, "capital_share:c@*/c:c@east/c", 0.5)
    with pytest.raises(Exception, match="in \\[0, 1\\]"):
        set_value(de, "capital_share:c@west/c:c@east/c", 1.5)


def test_published_shares_are_ranges_around_the_sources() -> None:
    sc = read_scenario(find_scenario("war1941"))
    a = {x.name: x for x in sc.assumptions}
    # "more than 60 %": never below 0.60; "about 40 %" of grain, and Dobb's "some 30 per cent"
    for name in ("west_share_coal", "west_share_pig_iron", "west_share_aluminium"):
        assert a[name].low == 0.60 and a[name].high > 0.60
    assert (a["west_share_grain"].low, a["west_share_grain"].central) == (0.30, 0.40) and a["west_share_grain"].high > 0.40
    de = sc.economy()
    for name, sector in SHARES.items():  # capital.csv holds the central split
        assert _west_share(de, sector) == pytest.approx(a[name].central)


def test_sweep_covers_both_ends_of_every_range(monkeypatch: pytest.MonkeyPatch) -> None:
    import councilplan.scenarios.runner as runner

    seen: list[DynamicEconomy] = []
    first: list[object] = []
    real = runner.plan_dynamic

    def record(de, objective, solver, options):  # type: ignore[no-untyped-def]
        seen.append(de)
        if len(seen) == 1:
            first.append(real(de, objective, solver, options))
            return first[0]
        return type("P", (), {"status": "optimal", "objective": 0.0, "optimal": False, "meta": first[0].meta,
                              "net_output": first[0].net_output, "gross_output": first[0].gross_output})()

    monkeypatch.setattr(runner, "plan_dynamic", record)
    run = runner.run_scenario("war1941")
    sc = run.scenario
    s = run.sensitivity
    for a in sc.assumptions:
        rows = s[s["assumption"] == a.name].set_index("setting")["value"]
        assert rows.to_dict() == {"low": a.low, "high": a.high}, a.name
    # the swept value reaches the economy: the west's share of each published sector at both ends
    by_setting = dict(zip(zip(s["assumption"], s["setting"], strict=True), seen[1:], strict=True))
    for name, sector in SHARES.items():
        a = next(x for x in sc.assumptions if x.name == name)
        assert _west_share(by_setting[name, "low"], sector) == pytest.approx(a.low)
        assert _west_share(by_setting[name, "high"], sector) == pytest.approx(a.high)


@pytest.mark.parametrize("name", ["west_share_grain", "west_share_other", "unpublished_1940_output"])
def test_plan_accounting_holds_at_both_ends_of_a_range(name: str) -> None:
    sc = read_scenario(find_scenario("war1941"))
    a = next(x for x in sc.assumptions if x.name == name)

    def plant(de: DynamicEconomy) -> pd.Series:  # 1940 plant by sector, both regions together
        return de.capital.groupby(de.capital["process"].str.split("@").str[0])["initial"].sum()

    centre = plant(sc.economy())
    for value in (a.low, a.high):
        de = sc.economy(**{name: value})
        p = plan_dynamic(de, sc.objective)
        assert p.optimal and p.certificate.within(1e-7), (name, value)
        assert (p.labour_used.loc["workers"] <= de.labour.loc["workers"] * (1 + 1e-9)).all()
        # no stock exceeds what survived of it plus what was invested and moved into it
        k = p.stock.to_numpy()
        assert (k[:, 0] <= (de.capital["initial"] * de.survival[1]).to_numpy() + 1e-9).all()
        keep = (1 - de.capital["depreciation"]).to_numpy()[:, None]
        grown = k[:, 1:] - keep * de.survival.to_numpy()[:, 1:] * k[:, :-1]
        assert grown.sum() <= p.investment.to_numpy().sum() + p.transfers.to_numpy().sum() + 1e-7
        after = plant(de)
        if name == "unpublished_1940_output":  # scales the uncited sectors' plant, nothing else
            scaled = ["aluminium", "machinery", "tanks", "artillery", "ammunition", "consumer", "transport"]
            assert np.allclose(after[scaled], value * centre[scaled])
            rest = centre.index.difference(scaled)
            assert np.allclose(after[rest], centre[rest])
        else:  # a regional share moves plant between the regions, never creates or destroys it
            assert np.allclose(after.to_numpy(), centre.reindex(after.index).to_numpy())


def test_every_source_says_whether_it_was_checked() -> None:
    src = pd.read_csv(WAR / "sources.csv", dtype=str, keep_default_na=False)
    for row in src.itertuples():
        c = row.checked.lower()
        assert c.startswith(("verified", "consistent")) or "unverified" in c or "secondary source" in c, row.id
    for fig in ("actual_tanks_1942", "actual_aircraft_1942", "lost_pig_iron", "lost_aluminium", "lost_grain"):
        assert "secondary source, unverified" in src.set_index("id").loc[fig, "checked"]
