"""The core CLI: exit codes 0/1/2, files written, no traceback for a user's mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from councilplan.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, " ".join(res.output.split())  # Rich wraps long lines


@pytest.fixture
def kant(tmp_path: Path) -> Path:
    code, out = run("example", "kantorovich", str(tmp_path / "k"))
    assert code == 0, out
    return tmp_path / "k"


def test_demo_runs_and_prints_costs() -> None:
    code, out = run("demo")
    assert code == 0, out
    assert "optimal" in out and "what every target costs" in out


def test_check_ok(kant: Path) -> None:
    code, out = run("check", str(kant))
    assert code == 0, out
    assert "productive: ρ(Ã) ≤" in out and "non-substitution" in out  # one good per process


def test_plan_writes_the_plan_directory(kant: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "plan"
    code, out = run("plan", str(kant), "--objective", "ray", "--out", str(out_dir))
    assert code == 0, out
    meta = json.loads((out_dir / "plan.json").read_text())
    assert meta["status"] == "optimal"
    assert meta["scale"] == pytest.approx(260 / 3)
    assert meta["objective"] == pytest.approx(260 / 3)
    assert set(meta["certificate"]) >= {"primal_residual", "dual_residual", "gap"}
    assert len(meta["input_hash"]) == 64
    activity = pd.read_csv(out_dir / "activity.csv")
    assert list(activity.columns) == ["process", "level"] and len(activity) == 6
    net = pd.read_csv(out_dir / "net_output.csv")
    assert list(net.columns) == ["good", "amount", "target", "fulfilment"]
    prices = pd.read_csv(out_dir / "prices.csv")
    assert set(prices["kind"]) == {"good", "resource"}
    lv = pd.read_csv(out_dir / "labour_values.csv")
    assert "hours" in lv.columns


def test_same_inputs_same_hash(kant: Path, tmp_path: Path) -> None:
    hashes = []
    for k in range(2):
        run("plan", str(kant), "--out", str(tmp_path / f"p{k}"))
        hashes.append(json.loads((tmp_path / f"p{k}" / "plan.json").read_text())["input_hash"])
    assert hashes[0] == hashes[1]
    run("plan", str(kant), "--objective", "harmony", "--out", str(tmp_path / "h"))
    assert json.loads((tmp_path / "h" / "plan.json").read_text())["input_hash"] != hashes[0]


def test_infeasible_exits_1_with_explanation(kant: Path) -> None:
    (kant / "targets.csv").write_text("good,amount,floor\npart_a,1,100\npart_b,1,100\n")
    code, out = run("plan", str(kant))
    assert code == 1
    assert "infeasible" in out and "what must move" in out


def test_unbounded_exits_1(tmp_path: Path) -> None:
    d = tmp_path / "u"
    run("example", "kantorovich", str(d))
    (d / "limits.csv").unlink()
    code, out = run("plan", str(d))
    assert code == 1
    assert "unbounded" in out


def test_invalid_input_exits_2(kant: Path) -> None:
    (kant / "labour.csv").write_text("process,hours\nmilling_a,abc\n")
    code, out = run("plan", str(kant))
    assert code == 2
    assert "labour.csv, line 2, column 'hours'" in out


def test_unknown_example_and_nonempty_destination_exit_2(kant: Path) -> None:
    code, out = run("example", "atlantis", "x")
    assert code == 2 and "unknown example" in out
    code, out = run("example", "kantorovich", str(kant))
    assert code == 2 and "not empty" in out


def test_unknown_solver_exits_2(kant: Path) -> None:
    code, out = run("plan", str(kant), "--solver", "cplex")
    assert code == 2 and "unknown solver 'cplex'" in out


def test_values(kant: Path, tmp_path: Path) -> None:
    code, out = run("values", str(kant), "--out", str(tmp_path / "lv.csv"))
    assert code == 0, out
    lv = pd.read_csv(tmp_path / "lv.csv").set_index("good")
    # cheapest technique for part A is the automatic lathe: 8 h / 30 parts
    assert lv.loc["part_a", "hours"] == pytest.approx(8 / 30)


def test_console_script_has_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "councilplan", "check", str(tmp_path / "missing")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "economy directory not found" in proc.stderr
