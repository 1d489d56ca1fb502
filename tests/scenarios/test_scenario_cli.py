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
    comp = run.comparison[run.comparison["first"] == 3].set_index("good")
    assert comp.loc["tanks", "plan"] >= 22000 - 1e-6
    assert comp.loc["aircraft", "plan"] >= 22000 - 1e-6
    assert comp.loc["aircraft", "actual"] == 25436
    # the floors bind, so the two 1942 comparisons are inputs; every other good is a free result
    assert comp.loc[["tanks", "aircraft"], "role"].eq("input").all()
    assert comp.drop(index=["tanks", "aircraft"])["role"].eq("free").all() and len(comp) >= 9
    # the west produces nothing once occupied
    west = [p for p in run.plan.activity.index if p.endswith("@west")]
    assert run.plan.activity.loc[west, [2, 3, 4, 5, 6]].abs().max().max() < 1e-6


def test_cli_list_run_compare(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    runner = CliRunner()
    res = runner.invoke(app, ["scenario", "list"])
    assert res.exit_code == 0 and "war1941" in res.output and builtin_scenarios() == ["war1941", "war1941_45", "war1941_weapons"]
    res = runner.invoke(app, ["scenario", "run", "war1941", "--out", str(tmp_path / "w"), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    report = (tmp_path / "w" / "report.html").read_text(encoding="utf-8")
    # plotly is a shared script beside the report, not inlined: the report stays small
    assert 1000 < len(report) < 500_000 and "<script src='plotly.min.js'>" in report
    assert (tmp_path / "w" / "plotly.min.js").stat().st_size > 1_000_000
    assert "1942 Q4" in report and "1941 Q3" in report  # quarter names, not period numbers
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
