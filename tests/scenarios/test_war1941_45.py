"""war1941_45: the war by quarter, 1941 Q3 to 1945 Q4, against the published output of every good.

The fit is pinned per good: a change to the model that sends a free result outside its stated factor
of actual output (or makes a free result an input) fails here. The factors are the ones the note
and ``docs/war1941_45.md`` quote, rounded up; they are not the model's best case but its promise.
"""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from councilplan.scenarios.runner import ScenarioRun, find_scenario, run_scenario
from councilplan.scenarios.shocks import read_scenario
from councilplan.scenarios.sweep import joint_sweep, sweep_ranges

DIR = Path(find_scenario("war1941_45")).parent

#: the most a free result may be off, as a factor of actual output, per good (max(r, 1/r))
FACTOR = {"coal": 1.5, "oil": 1.6, "electricity": 1.4, "pig_iron": 1.8, "steel": 1.5, "grain": 1.6,
          "tanks": 2.5, "light_tanks": 2.0, "aircraft": 3.0, "guns": 1.8, "ammunition": 2.0, "aluminium": 1.5}
#: 1941 H2, the evacuation gap: the plan restarts moved plant a quarter later than history did
FACTOR_1941 = 4.0
#: where the plan leaves a good's own plant idle because imports cover its need (documented misses)
IMPORTS_COVER = {("aluminium", 11), ("aluminium", 15)}


@pytest.fixture(scope="module")
def run() -> ScenarioRun:
    return run_scenario("war1941_45", sensitivity=False)


def test_the_central_plan_is_optimal_and_certified(run: ScenarioRun) -> None:
    p = run.plan
    assert p.optimal and p.certificate is not None and p.certificate.within(1e-7)
    assert p.objective_name == "harmony" and len(p.net_output.columns) == 18
    assert p.meta["period_names"][0] == "1941 Q3" and p.meta["period_names"][-1] == "1945 Q4"


def test_every_good_is_compared_and_every_comparison_is_a_free_result(run: ScenarioRun) -> None:
    comp = run.comparison
    assert set(FACTOR) <= set(comp["good"])
    assert (comp["role"] == "free").all(), comp[comp["role"] != "free"]  # no floor tells the plan what to make
    years = comp.groupby("good")["first"].nunique()
    assert (years.drop(["ammunition"]) >= 4).all()  # a figure for (nearly) every year of the war


@pytest.mark.parametrize("good", sorted(FACTOR))
def test_each_free_result_is_within_its_stated_factor_of_history(run: ScenarioRun, good: str) -> None:
    rows = run.comparison[run.comparison["good"] == good]
    for r in rows.itertuples():
        if (good, r.first) in IMPORTS_COVER:
            assert r.plan >= 0
            continue
        bound = FACTOR_1941 if r.first == 1 else FACTOR[good]
        assert r.factor <= bound, f"{good} {r.first}-{r.last}: plan {r.plan:.4g}, actual {r.actual:.4g}"


def test_the_fit_summary(run: ScenarioRun) -> None:
    f = run.fit
    assert f.free == len(run.comparison) >= 45 and f.inputs == 0
    assert f.median_factor <= 1.5 and f.within_2 >= 0.85 and f.within_3 >= 0.9
    assert 0.7 <= f.geometric_mean_ratio <= 1.3
    assert "aluminium" in f.worst  # the documented miss: Lend-Lease aluminium covers the plan's need in 1944
    # the old scenario, with its floors, fits much worse: the point of this one
    old = run_scenario("war1941", sensitivity=False).fit
    assert old.inputs == 2 and old.median_factor > 2 * f.median_factor


def test_occupation_evacuation_and_liberation(run: ScenarioRun) -> None:
    x = run.plan.activity
    west = [p for p in x.index if p.endswith("@west")]
    south = [p for p in x.index if p.endswith("@south")]
    assert x.loc[west, range(2, 9)].abs().to_numpy().max() < 1e-6  # 1941 Q4 - 1943 Q2: all of it held
    assert x.loc[south, [6, 7]].abs().to_numpy().max() < 1e-6  # 1942 Q4 - 1943 Q1
    assert x.loc[west, range(14, 19)].sum().min() > 0  # liberated and producing again
    moved = run.plan.transfers
    assert moved.loc[moved.index.str.startswith("evacuate:"), [1, 2]].to_numpy().sum() > 0  # 1941
    assert moved.loc[moved.index.str.contains(r"@south/.*>east"), 5].sum() > 0  # the second wave, 1942 Q3


def test_labour_kinds_hours_and_productivity() -> None:
    sc = read_scenario(find_scenario("war1941_45"))
    de = sc.economy()
    assert set(de.base.labour_kinds) == {"workers", "kolkhozniki"}
    kolkhoz = de.base.L[list(de.base.labour_kinds).index("kolkhozniki")].toarray().ravel()
    procs = de.base.processes.index
    assert {procs[j].split("@")[0] for j in np.flatnonzero(kolkhoz)} == {"grain"}
    per = de.labour_factor()  # 1 / productivity, (process, period)
    tank = procs.get_loc("tanks@east")
    coal = procs.get_loc("coal@east")
    assert per[tank, 9] == pytest.approx(0.5 * per[tank, 0])  # munitions: twice the output per hour by 1943 Q4
    assert per[coal, 9] > per[coal, 0]  # civilian industry: less
    # workers = published workers and employees x the modelled share x hours
    a = {x.name: x.central for x in sc.assumptions}
    assert de.labour.loc["workers", 3] == pytest.approx(18.4 * a["modelled_share"] * a["hours"])


def test_lend_lease_arrives_as_imports() -> None:
    de = read_scenario(find_scenario("war1941_45")).economy()
    sup = de.supply
    assert sup.loc["aluminium"].sum() == pytest.approx(328.1, rel=1e-9)
    assert sup.loc["grain"].sum() == pytest.approx(4.5, rel=1e-9)
    assert sup.loc[["tanks", "light_tanks"]].to_numpy().sum() == pytest.approx(12700, rel=1e-9)
    by_year = {y: sup.loc["aluminium", cols].sum() / 328.1 for y, cols in
               (("1941-42", range(1, 7)), ("1943", range(7, 11)), ("1944-45", range(11, 19)))}
    assert by_year["1941-42"] == pytest.approx(0.13) and by_year["1944-45"] == pytest.approx(0.64)


def test_every_published_figure_keeps_its_source() -> None:
    actual = pd.read_csv(DIR / "actual.csv", dtype=str, keep_default_na=False)
    for r in actual.itertuples():
        assert r.source and r.checked, r
        if r.checked.startswith("verified"):
            assert "http" in r.checked and "('" in r.checked, r  # the page and the words read there
        else:
            assert r.checked.startswith(("not found", "derived")), r
    sources = pd.read_csv(DIR / "sources.csv", dtype=str, keep_default_na=False)
    assert sources["id"].is_unique and (sources["checked"] != "").all()
    for r in sources.itertuples():
        if r.checked == "verified":
            assert "http" in r.checked_against, r


def test_a_joint_sweep_keeps_the_fit() -> None:
    sc = read_scenario(find_scenario("war1941_45"))
    joint = joint_sweep(sc, 8, "sobol", seed=0)
    assert (joint["status"] == "optimal").all()
    ranges = sweep_ranges(joint).set_index("result")
    assert ranges.loc["fit:within_2", "p50"] >= 0.75
    assert ranges.loc["fit:median_factor", "max"] <= 2.0
    for a in sc.assumptions:  # every assumption moves within its range
        assert joint[a.name].between(a.low, a.high).all()
        assert a.low == a.high or joint[a.name].nunique() > 1 or a.integer
    assert not math.isnan(ranges.loc["coal 3-6", "p50"])


def test_the_data_files_are_what_the_script_writes(tmp_path: Path) -> None:
    """``scripts/war1941_45.py`` states every coefficient; the package's files must be its output."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "war1941_45.py"
    if not script.is_file():
        pytest.skip("scripts/ is not beside the tests (an installed package)")
    ns = runpy.run_path(str(script))
    ns["write"](tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made and set(made) <= {p.name for p in DIR.iterdir()}
    for name in made:
        assert (tmp_path / name).read_text(encoding="utf-8") == (DIR / name).read_text(encoding="utf-8"), name
