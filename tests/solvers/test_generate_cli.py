"""``councilplan generate`` writes readable economies; ``--planted`` writes the known optimum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.model.formats import read_economy


def test_generate_planted_and_plan_with_pdlp(tmp_path: Path) -> None:
    dest = tmp_path / "econ"
    r = CliRunner().invoke(app, ["generate", str(dest), "--goods", "120", "--planted", "--seed", "4", "--kinds", "2"])
    assert r.exit_code == 0, r.output
    e = read_economy(dest)
    assert e.n_goods == 120 and len(e.labour_kinds) == 2
    value = json.loads((dest / "planted" / "solution.json").read_text())["value"]
    r = CliRunner().invoke(app, ["plan", str(dest), "--objective", "min-labour", "--solver", "pdlp",
                                 "--tol", "1e-7", "--out", str(tmp_path / "plan")])
    assert r.exit_code == 0, r.output
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert plan["objective"] == pytest.approx(value, rel=1e-5)


def test_generate_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    r = CliRunner().invoke(app, ["generate", str(tmp_path / "p"), "--goods", "50", "--format", "parquet",
                                 "--alt-share", "0.5", "--inputs", "3"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "p" / "inputs.parquet").exists()
    assert read_economy(tmp_path / "p").n_processes == 75
