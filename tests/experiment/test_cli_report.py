"""`councilplan experiment governance` end to end, the analysis tables, and user errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from councilplan import example
from councilplan.cli import app
from councilplan.experiment import analysis as an
from councilplan.experiment.report import write_report, write_results
from councilplan.experiment.run import run_one

pytest.importorskip("distributed", reason="the experiment needs the 'experiment' extra (Dask)")
pytest.importorskip("plotly", reason="the experiment report needs plotly")

runner = CliRunner()


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    econ = example("germany-1995")
    return pd.DataFrame([r for i in range(6) for r in run_one(i, 3, econ)])


def test_advantage_is_signed_so_positive_means_democratic_better(results: pd.DataFrame) -> None:
    eff = an.effects(results).set_index("metric")
    for m in ("welfare", "shortage"):
        diff = eff.loc[m, "democratic"] - eff.loc[m, "command"]
        sign = 1.0 if eff.loc[m, "better"] == "higher" else -1.0
        assert eff.loc[m, "advantage"] == pytest.approx(sign * diff)
        assert eff.loc[m, "ci_low"] <= eff.loc[m, "advantage"] <= eff.loc[m, "ci_high"]


def test_bootstrap_ci_covers_the_mean_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(0)
    small, big = rng.normal(1.0, 1.0, 20), rng.normal(1.0, 1.0, 2000)
    lo_s, hi_s = an.bootstrap_ci(small)
    lo_b, hi_b = an.bootstrap_ci(big)
    assert lo_b < 1.0 < hi_b
    assert hi_b - lo_b < hi_s - lo_s


def test_win_regions_name_a_winner_per_tercile(results: pd.DataFrame) -> None:
    wins = an.win_regions(results)
    assert set(wins["winner"]) <= {"democratic", "command", "tie"}
    assert (wins.groupby("parameter")["runs"].sum() == 6).all()


def test_report_and_parquet_round_trip(results: pd.DataFrame, tmp_path: Path) -> None:
    write_results(results, tmp_path)
    back = pd.read_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(back, results.reset_index(drop=True), check_exact=True)
    html = write_report(results, tmp_path).read_text(encoding="utf-8")
    for heading in ("Effect sizes", "Sensitivity", "Where command wins", "every assumption"):
        assert heading in html
    assert (tmp_path / "plotly.min.js").is_file()


@pytest.mark.slow
def test_cli_runs_a_small_sweep(tmp_path: Path) -> None:
    res = runner.invoke(app, ["experiment", "governance", "--runs", "3", "--example", "germany-1995",
                              "--seed", "3", "--set", "turnout=0.5", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "results.parquet")
    assert len(df) == 6
    assert (df["turnout"] == 0.5).all()
    assert "welfare" in res.output
    assert (tmp_path / "report.html").is_file()


@pytest.mark.parametrize(("args", "needle"), [
    (["--set", "ratchett=1"], "ratchett"),
    (["--set", "ratchet"], "NAME=VALUE"),
    (["--runs", "1"], "at least 2"),
])
def test_cli_user_errors_exit_2_without_traceback(args: list[str], needle: str, tmp_path: Path) -> None:
    res = runner.invoke(app, ["experiment", "governance", "--example", "germany-1995", "--out", str(tmp_path), *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output


def test_cli_two_economy_sources_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["experiment", "governance", "--example", "germany-1995", "--scenario", "war1941",
                              "--out", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "at most one" in res.output
