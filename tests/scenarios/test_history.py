"""A scenario against history: free results apart from inputs, the fit, joint sweeps, productivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from councilplan import example
from councilplan.cli import app
from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.dynamic import DynamicEconomy
from councilplan.scenarios.dynamic_format import read_dynamic, write_dynamic
from councilplan.scenarios.history import compare, fit, read_actual
from councilplan.scenarios.result import plan_dynamic
from councilplan.scenarios.runner import find_scenario
from councilplan.scenarios.shocks import Assumption, read_scenario
from councilplan.scenarios.sweep import joint_design, joint_sweep, sweep_ranges


def _war() -> tuple[DynamicEconomy, dict[str, object]]:
    sc = read_scenario(find_scenario("war1941"))
    return sc.economy(), sc.objective


def test_a_binding_floor_makes_a_comparison_an_input_and_a_slack_one_leaves_it_free() -> None:
    de, objective = _war()
    actual = read_actual([{"good": "tanks", "first": 3, "last": 6, "value": 24400, "source": "s"},
                          {"good": "artillery", "first": 3, "last": 6, "value": 30.0}])
    comp = compare(plan_dynamic(de, objective), de, actual).set_index("good")
    assert comp.loc["tanks", "role"] == "input" and "22,000" in comp.loc["tanks", "why"]
    assert comp.loc["tanks", "plan"] == pytest.approx(22000, rel=1e-6)
    assert comp.loc["artillery", "role"] == "free"
    # the same figure becomes a free result once the floor no longer binds: tanks join the basket
    target = de.target.copy()
    target.loc["tanks", [3, 4, 5, 6]] = 3000.0
    slack = de.replace(target=target,
                       totals=de.totals.assign(amount=np.where(de.totals["good"] == "tanks", 100.0, de.totals["amount"])))
    comp2 = compare(plan_dynamic(slack, objective), slack, actual).set_index("good")
    assert comp2.loc["tanks", "role"] == "free" and comp2.loc["tanks", "plan"] > 100 * (1 + 1e-3)
    assert comp2.loc["tanks", "ratio"] == pytest.approx(comp2.loc["tanks", "plan"] / 24400)


def test_gross_output_counts_what_is_used_up_and_net_output_does_not() -> None:
    de, objective = _war()
    plan = plan_dynamic(de, objective)
    B, A = de.base.B.toarray(), de.base.A.toarray()
    x = plan.activity.to_numpy()
    np.testing.assert_allclose(plan.gross_output.to_numpy(), B @ x, atol=1e-9)
    # gross = net + used up in production (+ investment and evacuation's transport) - imports
    used = plan.gross_output.to_numpy() - plan.net_output.to_numpy() + de.supply.reindex(plan.gross_output.index).to_numpy()
    assert (used >= A @ x - 1e-6).all()
    actual = read_actual([{"good": "coal", "first": 3, "last": 6, "value": 75.5},
                          {"good": "coal", "first": 3, "last": 6, "value": 75.5, "measure": "net"},
                          {"good": "tanks+aircraft", "first": 3, "last": 6, "value": 49836}])
    comp = compare(plan, de, actual)
    assert comp["plan"].iloc[0] == pytest.approx(plan.gross_output.loc["coal", [3, 4, 5, 6]].sum())
    assert comp["plan"].iloc[0] > comp["plan"].iloc[1] + 1e-6  # coal is used up making steel and power
    both = plan.gross_output.loc[["tanks", "aircraft"], [3, 4, 5, 6]].to_numpy().sum()
    assert comp["plan"].iloc[2] == pytest.approx(both) and comp["role"].iloc[2] == "input"


@pytest.mark.parametrize(("row", "message"), [
    ({"good": "coal", "first": 1, "last": 2, "value": -3}, "positive number"),
    ({"good": "coal", "first": 1, "last": 2, "value": float("nan")}, "positive number"),
    ({"good": "coal", "first": 3, "last": 2, "value": 1}, "first ≤ last"),
    ({"good": "coal", "first": "x", "value": 1}, "must be numbers"),
    ({"good": "coal", "value": 1, "measure": "gorss"}, "'gross' or 'net'"),
    ({"good": "coal", "value": 1, "role": "inptu"}, "role is 'input' or empty"),
])
def test_bad_published_figures_name_the_row(row: dict[str, object], message: str) -> None:
    with pytest.raises(PlanningInputError, match=message) as err:
        read_actual([{"good": "tanks", "value": 1}, row])
    assert "row 2 (coal)" in str(err.value)


def test_actual_csv_rows_and_unknown_goods(tmp_path: Path) -> None:
    csv = tmp_path / "actual.csv"
    csv.write_text("good,first,last,value,source\nsteel,3,6,4.8,pig iron 1942\ncoal,3,x,1,oops\n", encoding="utf-8")
    with pytest.raises(PlanningInputError, match=r"actual.csv, row 2 \(coal\)"):
        read_actual([], csv)
    csv.write_text("good,first,last,value,source\nsteel,3,6,4.8,pig iron 1942\n", encoding="utf-8")
    assert read_actual([], csv)["value"].tolist() == [4.8]
    de, objective = _war()
    with pytest.raises(PlanningInputError, match="no good 'tractors'"):
        compare(plan_dynamic(de, objective), de, read_actual([{"good": "tractors", "value": 1}]))
    with pytest.raises(PlanningInputError, match="the plan has 6 periods"):
        compare(plan_dynamic(de, objective), de, read_actual([{"good": "coal", "first": 1, "last": 9, "value": 1}]))


def test_fit_scores_free_rows_only() -> None:
    ratios = [0.5, 1.0, 4.0, 1.5]
    comp = pd.DataFrame({"good": ["a", "a", "b", "c"], "variant": "", "first": 1, "last": 1,
                         "ratio": ratios, "factor": [max(r, 1 / r) for r in ratios],
                         "role": ["free", "free", "free", "input"]})
    f = fit(comp)
    assert (f.free, f.inputs) == (3, 1)
    assert f.median_factor == pytest.approx(2.0) and f.within_2 == pytest.approx(2 / 3)
    assert f.geometric_mean_ratio == pytest.approx((0.5 * 1.0 * 4.0) ** (1 / 3))
    assert f.worst.startswith("b") and "4" in f.worst
    by = f.by_good.set_index("good")
    assert by.loc["a", "worst_factor"] == pytest.approx(2.0) and "c" not in by.index
    assert "1 inputs left out" in f.text()


def _assumptions() -> tuple[Assumption, ...]:
    return (Assumption("a", 0.0, 0.5, 1.0), Assumption("lag", 1, 1, 3, integer=True), Assumption("fixed", 2, 2, 2))


@pytest.mark.parametrize("method", ["sobol", "lhs"])
def test_joint_design_stays_in_range_is_reproducible_and_rounds_counts(method: str) -> None:
    d = joint_design(_assumptions(), 64, method, seed=3)
    assert d.shape == (64, 3) and d["a"].between(0, 1).all()
    assert set(d["lag"]) == {1.0, 2.0, 3.0} and (d["fixed"] == 2).all()
    pd.testing.assert_frame_equal(d, joint_design(_assumptions(), 64, method, seed=3))
    assert not d.equals(joint_design(_assumptions(), 64, method, seed=4))
    with pytest.raises(PlanningInputError, match="sobol, lhs"):
        joint_design(_assumptions(), 4, "grid")
    with pytest.raises(PlanningInputError, match="at least 1"):
        joint_design(_assumptions(), 0)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 200), seed=st.integers(0, 2**31 - 1))
def test_latin_hypercube_puts_one_point_in_every_stratum(n: int, seed: int) -> None:
    d = joint_design((Assumption("x", 0.0, 1.0, 2.0), Assumption("y", -1.0, 0.0, 1.0)), n, "lhs", seed)
    for col, lo in (("x", 0.0), ("y", -1.0)):
        strata = np.floor((d[col].to_numpy() - lo) / 2.0 * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_joint_sweep_on_dask_equals_the_serial_sweep() -> None:
    distributed = pytest.importorskip("distributed")
    sc = read_scenario(find_scenario("war1941"))
    serial = joint_sweep(sc, 6, "sobol", seed=1)
    assert len(serial) == 6 and set(serial.columns) >= {"objective", "ratio:tanks 3-6", "evac_lag"}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        def dask_map(fn, *args):  # type: ignore[no-untyped-def]
            return (f.result() for f in client.map(fn, *args, pure=False))
        on_dask = joint_sweep(sc, 6, "sobol", seed=1, map_fn=dask_map)
    pd.testing.assert_frame_equal(serial, on_dask)
    ranges = sweep_ranges(serial).set_index("result")
    ok = serial[serial["status"] == "optimal"]["objective"]
    assert ranges.loc["objective", "points"] == len(ok)
    assert ranges.loc["objective", "min"] == pytest.approx(ok.min())
    assert ranges.loc["objective", "p5"] <= ranges.loc["objective", "p50"] <= ranges.loc["objective", "p95"]


def test_productivity_divides_labour_per_period(tmp_path: Path) -> None:
    de = DynamicEconomy.from_static(example("kantorovich"), 3)
    de = de.replace(labour=de.labour.clip(upper=24.0))  # 3 machine-shifts of the 7: labour binds
    base = plan_dynamic(de, "sum-ray")
    prod = de.productivity.copy()
    prod.loc[:, 2] = 2.0  # twice the output per hour in period 2
    fast = plan_dynamic(de.replace(productivity=prod), "sum-ray")
    assert fast.optimal and fast.certificate is not None and fast.certificate.within(1e-7)
    L = de.base.L.toarray()
    np.testing.assert_allclose(fast.labour_used[2].to_numpy(), L @ fast.activity[2].to_numpy() / 2.0, atol=1e-9)
    assert fast.scale is not None and base.scale is not None
    assert fast.scale[2] > base.scale[2] * 1.01 and fast.scale[1] == pytest.approx(base.scale[1])
    # productivity travels through the directory format, and a bad one is refused
    d = write_dynamic(de.replace(productivity=prod), tmp_path / "e")
    back = read_dynamic(d)
    np.testing.assert_allclose(back.labour_factor(), de.replace(productivity=prod).labour_factor())
    assert back.content_hash() == de.replace(productivity=prod).content_hash() != de.content_hash()
    prod.iloc[0, 0] = 0.0
    with pytest.raises(Exception, match="positive productivity"):
        plan_dynamic(de.replace(productivity=prod), "sum-ray")


def test_cli_joint_sweep_writes_the_sweep_and_labels_inputs(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    runner = CliRunner()
    res = runner.invoke(app, ["scenario", "run", "war1941", "--out", str(tmp_path / "w"), "--no-sensitivity",
                              "--joint", "4", "--method", "lhs"])
    assert res.exit_code == 0, res.output
    assert "input" in res.output and "fit:" in res.output
    joint = pd.read_csv(tmp_path / "w" / "joint.csv")
    assert len(joint) == 4 and "ratio:tanks 3-6" in joint
    report = (tmp_path / "w" / "report.html").read_text(encoding="utf-8")
    assert "Joint sweep" in report and "the plan makes what it is told" in report
    comp = pd.read_csv(tmp_path / "w" / "comparison.csv")
    assert set(comp["role"]) <= {"free", "input"}
    res = runner.invoke(app, ["scenario", "run", "war1941", "--out", str(tmp_path / "x"), "--no-sensitivity",
                              "--joint", "2", "--method", "grid"])
    assert res.exit_code != 0 and "Traceback" not in res.output and "sobol, lhs" in res.output
