"""The war1941 scenario and the `councilplan scenario` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.scenarios.runner import builtin_scenarios, run_scenario


def test_war1941_meets_the_gko_floors() -> None:
    run = run_scenario("war1941", sensitivity=False)
    assert run.plan.optimal and run.plan.certificate.within(1e-7)
    comp = run.comparison.set_index("good")
    assert comp.loc["tanks", "plan"] >= 22000 - 1e-6
    assert comp.loc["aircraft", "plan"] >= 22000 - 1e-6
    assert comp.loc["aircraft", "actual"] == 25436
    # the west produces nothing once occupied
    west = [p for p in run.plan.activity.index if p.endswith("@west")]
    assert run.plan.activity.loc[west, [2, 3, 4, 5, 6]].abs().max().max() < 1e-6


def test_cli_list_run_compare(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    runner = CliRunner()
    res = runner.invoke(app, ["scenario", "list"])
    assert res.exit_code == 0 and "war1941" in res.output and builtin_scenarios() == ["war1941"]
    res = runner.invoke(app, ["scenario", "run", "war1941", "--out", str(tmp_path / "w"), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "w" / "report.html").stat().st_size > 1000
    assert (tmp_path / "w" / "plan" / "net_output.csv").is_file()
    res = runner.invoke(app, ["scenario", "compare", "war1941", "war1941", "--out", str(tmp_path / "c")])
    assert res.exit_code == 0 and (tmp_path / "c" / "compare.html").is_file()


def test_cli_user_mistakes_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["scenario", "run", "no-such-scenario", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    bad = tmp_path / "bad.toml"
    bad.write_text('base = "."\n[[shock]]\ntype = "plague"\n')
    res = runner.invoke(app, ["scenario", "run", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "unknown shock type" in res.output
