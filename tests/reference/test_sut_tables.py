"""Supply–use tables from four statistical offices: the right labour row, known totals, plans.

Known totals are published figures: Sweden's 2016 hours worked are 794,353 × 10,000 h
(``planners/SOURCES.md``), INE prints Spain's employment totals in Table 2, and BEA prints
compensation of employees in the use table's total column. The peers' mistake, taking the
gross-output row for hours, must not recur: each test checks that the labour total is not
gross output.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import councilplan as cp
from councilplan.model.formats import read_economy, write_economy
from councilplan.model.importers.pymrio_io import from_pymrio
from councilplan.model.importers.sut import read_abs, read_bea, read_spain, read_sweden
from councilplan.planning import productivity

pytestmark = pytest.mark.shared_data

SWEDEN_2016_HOURS_10K = 794_353  # SOURCES.md: row 86, 2016 total 794,353 = 7.94 bn h
SWEDEN_2016_OUTPUT_MSEK = 7_617_856  # the 'Produktionsvärde' (gross output) total the peers used as hours


@pytest.fixture(scope="module")
def planners(shared_data: Path) -> Path:
    return shared_data / "planners"


def _sweden_files(planners: Path) -> list[Path]:
    return [planners / "lokehagberg-rhp" / "Sweden" / "nrio_sut_181108(1).xlsx",
            planners / "pablovegan-Economic-Planning" / "Sweden" / "nrio_sut_181108.xlsx"]


def _assert_plans(economy: cp.Economy) -> None:
    prod = productivity(economy)
    assert prod.productive, prod
    p = cp.plan(economy, objective="ray")
    assert p.optimal, p.message
    assert p.scale is not None and p.scale > 0
    used = economy.L @ p.activity.to_numpy()
    assert np.all(used <= economy.labour_available.to_numpy() * (1 + 1e-7))


@pytest.mark.parametrize("copy", [0, 1], ids=["lokehagberg", "pablovegan"])
def test_sweden_2016_hours_not_output(planners: Path, copy: int) -> None:
    t0 = time.perf_counter()
    economy = read_sweden(_sweden_files(planners)[copy], year=2016)
    print(f"Sweden 2016 import: {time.perf_counter() - t0:.3f}s")
    assert list(economy.labour_kinds) == ["hours"]
    assert economy.labour_available["hours"] == pytest.approx(SWEDEN_2016_HOURS_10K * 1e4, rel=1e-12)
    assert economy.labour_available["hours"] != pytest.approx(SWEDEN_2016_OUTPUT_MSEK, rel=1e-3)
    assert "CO2" in economy.resources and "imports" in economy.resources
    assert "CO2" not in economy.goods.index and not any(g.lower().startswith("koldioxid") for g in economy.goods.index)
    # B = V / g with g the output row: every industry's supply adds up to its output (one cell,
    # -229 in J59_60, is a negative supply moved to the input side, hence the 1 % tolerance)
    np.testing.assert_allclose(np.asarray(economy.B.sum(axis=0)).ravel(), 1.0, atol=1e-2)
    _assert_plans(economy)


def test_sweden_every_year_has_hours(planners: Path) -> None:
    path = _sweden_files(planners)[0]
    totals = {y: read_sweden(path, year=y).labour_available["hours"] for y in (2008, 2012, 2016)}
    assert all(5e9 < t < 1e10 for t in totals.values()), totals  # 5–10 bn hours: Sweden's scale
    assert len(set(totals.values())) == 3


@pytest.mark.parametrize(("year", "labour", "published_thousands"), [
    ("19", "fte", 18_490.2),       # INE Table 2, 'Full-time equivalents / Total', total column
    ("19", "persons", 20_332.1),   # 'Employment (persons) / Total'
    ("10", "persons", 19_639.5),   # base-2010 layout
])
def test_spain_labour_rows_match_ine_totals(planners: Path, year: str, labour: str, published_thousands: float) -> None:
    path = planners / "pablovegan-Economic-Planning" / "Spain" / f"cne_tod_{year}_en.xlsx"
    t0 = time.perf_counter()
    economy = read_spain(path, labour=labour)  # type: ignore[arg-type]
    print(f"Spain 20{year} import: {time.perf_counter() - t0:.3f}s")
    assert list(economy.labour_kinds) == [labour]
    assert economy.labour_available[labour] == pytest.approx(published_thousands * 1000, rel=1e-9)
    assert "imports" in economy.resources
    _assert_plans(economy)


def test_spain_2019_shape_and_codes(planners: Path) -> None:
    economy = read_spain(planners / "pablovegan-Economic-Planning" / "Spain" / "cne_tod_19_en.xlsx")
    assert economy.goods.loc["1", "name"] == "Products of agriculture"
    assert economy.processes.loc["1", "name"].startswith("Crop and animal production")
    assert economy.n_goods > economy.n_processes > 60  # joint production: more products than industries


@pytest.mark.parametrize("level", ["15", "71"])
def test_bea_uses_compensation_and_says_so(shared_data: Path, level: str) -> None:
    d = shared_data / "io" / "bea_us_2021_summary"
    economy = read_bea(d / f"make_{level}.csv")
    use = pd.read_csv(d / f"use_{level}.csv", dtype=str)
    use = use.set_index(use.columns[0])
    total_col = "Total Intermediate" if "Total Intermediate" in use.columns else "T001"
    published = float(use.loc["Compensation of employees", total_col])
    output = float(use.loc["Total industry output (basic prices)", total_col])
    assert list(economy.labour_kinds) == ["compensation"]
    assert economy.labour_available["compensation"] == pytest.approx(published, abs=0.5 * int(level) // 15 + 5)
    assert economy.labour_available["compensation"] < 0.5 * output
    assert "compensation of employees" in economy.meta["description"]
    _assert_plans(economy)


def test_abs_uses_value_added_and_says_so(shared_data: Path) -> None:
    d = shared_data / "io" / "abs_australia_2020_21"
    economy = read_abs(d)
    assert economy.n_goods == economy.n_processes == 114
    assert list(economy.labour_kinds) == ["value_added"]
    assert "value added" in economy.meta["description"]
    _assert_plans(economy)


@pytest.mark.parametrize("which", ["sweden", "spain", "uk", "pymrio"])
def test_import_write_read_round_trip(shared_data: Path, tmp_path: Path, which: str) -> None:
    if which == "sweden":
        economy = read_sweden(_sweden_files(shared_data / "planners")[0], year=2016)
    elif which == "spain":
        economy = read_spain(shared_data / "planners" / "pablovegan-Economic-Planning" / "Spain" / "cne_tod_19_en.xlsx")
    elif which == "uk":
        economy = cp.model.importers.read_iot(shared_data / "io" / "ons_uk_2010" / "iot_domestic_basic_pxp_2010.csv",
                                              "ons_uk_2010")
    else:
        import pymrio

        economy = from_pymrio(pymrio.load_test())
    write_economy(economy, tmp_path / "econ")
    back = read_economy(tmp_path / "econ")
    assert back.content_hash() == economy.content_hash()
    assert back.meta["description"] == economy.meta["description"]
    assert back.goods["name"].tolist() == economy.goods["name"].tolist()


@pytest.mark.parametrize("which", ["iot-uk", "sut-sweden", "sut-bea"])
def test_cli_import_published_tables(shared_data: Path, tmp_path: Path, which: str) -> None:
    from typer.testing import CliRunner

    from councilplan.cli import app

    args = {"iot-uk": ["iot", str(shared_data / "io" / "ons_uk_2010" / "iot_domestic_basic_pxp_2010.csv"),
                       "--preset", "ons_uk_2010"],
            "sut-sweden": ["sut", str(_sweden_files(shared_data / "planners")[0]), "--preset", "sweden", "--year", "2016"],
            "sut-bea": ["sut", str(shared_data / "io" / "bea_us_2021_summary"), "--preset", "bea"]}[which]
    dest = tmp_path / "econ"
    res = CliRunner().invoke(app, ["import", *args[:2], str(dest), *args[2:]])
    assert res.exit_code == 0, res.output
    assert "productive" in res.output
    economy = read_economy(dest)
    assert productivity(economy).productive
    check = CliRunner().invoke(app, ["check", str(dest)])
    assert check.exit_code == 0, check.output
