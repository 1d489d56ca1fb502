"""Plan bundles: every objective of every built-in economy verifies, through the CLI, the module and
the standalone script; the verifier stands alone and agrees with the planner's own hash."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import councilplan as cp
from councilplan import verifier
from councilplan.cli import app
from councilplan.planning.bundle import BundleInputError, bundle_bytes, write_bundle
from councilplan.planning.objectives import harmony_pieces
from councilplan.solvers import SolveOptions

from .tamper import rewrite

VERIFIER = Path(verifier.__file__)
CASES = [("kantorovich", "ray"), ("kantorovich", "harmony"), ("kantorovich", "min-labour"),
         ("germany-1995", "ray"), ("germany-1995", "harmony")]


@pytest.mark.parametrize(("example", "objective"), CASES)
def test_a_good_bundle_verifies(make_bundle: Callable[..., Path], example: str, objective: str) -> None:
    path = make_bundle(example, objective)
    report = verifier.verify(str(path))
    assert report.ok, [c.text for c in report.failed()]
    assert [c.name for c in report.checks] == ["format", "digests", "input hash", "primal", "objective", "dual",
                                               "gap", "status"]
    man = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert man["software"]["version"] == cp.__version__ and man["objective"] == objective


@pytest.mark.parametrize(("example", "objective"), CASES)
def test_the_verifier_recomputes_the_planners_input_hash(example: str, objective: str, tmp_path: Path) -> None:
    """Two implementations of the hash contract (model/economy.py + planning/solve.py, and verifier.py)."""
    economy = cp.example(example)
    p = cp.plan(economy, objective, options=SolveOptions(tol=1e-8, extra={"presolve": "on"}))  # type: ignore[arg-type]
    b = verifier.read_bundle(str(write_bundle(p, economy, tmp_path / "b.zip")))
    M = {n: verifier.matrix(b, n) for n in verifier.MATRICES}
    assert verifier.content_hash(b.labels, M, b.arrays) == economy.content_hash()
    assert verifier.input_hash(economy.content_hash(), objective, "highs", 1e-8, {"presolve": "on"}) == p.input_hash


def test_a_first_order_plan_verifies_at_its_own_tolerance(tmp_path: Path) -> None:
    economy = cp.example("kantorovich")
    p = cp.plan(economy, "ray", solver="pdlp", options=SolveOptions(tol=1e-6))
    report = verifier.verify(str(write_bundle(p, economy, tmp_path / "b.zip")))
    assert report.ok and {c.tol for c in report.checks if c.tol is not None} == {1e-6}
    strict = verifier.verify(str(tmp_path / "b.zip"), tol=1e-15)
    assert not strict.ok  # a first-order plan is not exact: the tolerance is real


def test_harmony_of_the_verifier_is_the_planners() -> None:
    a, b = harmony_pieces()
    np.testing.assert_allclose(verifier.HARMONY_A, a)
    np.testing.assert_allclose(verifier.HARMONY_B, b)


def test_expect_hash(make_bundle: Callable[..., Path]) -> None:
    path = make_bundle()
    good = json.loads(zipfile.ZipFile(path).read("manifest.json"))["input_hash"]
    assert verifier.verify(str(path), expect_hash=good).ok
    report = verifier.verify(str(path), expect_hash="0" * 64)
    assert [c.name for c in report.failed()] == ["input hash"] and "published hash" in report.failed()[0].text


def test_a_plan_without_a_point_cannot_be_bundled() -> None:
    economy = cp.example("germany-1995")
    p = cp.plan(economy, "min-labour")  # HiGHS: infeasible targets
    assert not p.optimal and not p.raw
    with pytest.raises(BundleInputError, match="no primal–dual point"):
        bundle_bytes(p, economy)


def test_a_plan_cannot_be_bundled_with_another_economy() -> None:
    economy = cp.example("kantorovich")
    p = cp.plan(economy, "ray")
    with pytest.raises(BundleInputError, match="input hash does not match"):
        bundle_bytes(p, economy.with_targets(economy.targets * 2))


# ------------------------------------------------------------------ standalone
def test_the_verifier_imports_nothing_but_numpy_scipy_and_the_standard_library() -> None:
    tree = ast.parse(VERIFIER.read_text(encoding="utf-8"))
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert roots - set(sys.stdlib_module_names) == {"numpy", "scipy"}


def test_the_standalone_script_runs_from_a_copy(make_bundle: Callable[..., Path], tmp_path: Path) -> None:
    """Copied out of the package and run in isolated mode (-I), it verifies and fails as the CLI does."""
    script = shutil.copy(VERIFIER, tmp_path / "verifier.py")
    path = make_bundle("germany-1995", "harmony")
    run = subprocess.run([sys.executable, "-I", script, str(path)], capture_output=True, text=True, check=False,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verified: the plan is feasible and optimal" in run.stdout
    tampered = tmp_path / "bad.zip"
    rewrite(path, tampered, arrays={"x": lambda x: x * 1.5})
    run = subprocess.run([sys.executable, "-I", script, str(tampered)], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "FAIL digests" in run.stdout and "x" in run.stdout
    (tmp_path / "junk.zip").write_text("not a zip")
    run = subprocess.run([sys.executable, "-I", script, str(tmp_path / "junk.zip")], capture_output=True,
                         text=True, check=False)
    assert run.returncode == 2 and "not a readable plan bundle" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------ CLI
def test_cli_plan_bundle_then_verify(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["example", "kantorovich", str(tmp_path / "k")]).exit_code == 0
    res = runner.invoke(app, ["plan", str(tmp_path / "k"), "--objective", "harmony", "--bundle",
                              str(tmp_path / "k.zip")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["verify", str(tmp_path / "k.zip")])
    assert res.exit_code == 0 and "verified" in res.output, res.output
    res = runner.invoke(app, ["verify", str(tmp_path / "k.zip"), "--expect-hash", "ab" * 32])
    assert res.exit_code == 1 and "NOT verified" in res.output


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 broken", None])
def test_cli_bad_bundles_are_clear_errors(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.zip"
    if content is not None:
        path.write_bytes(content)
    res = CliRunner().invoke(app, ["verify", str(path)])
    assert res.exit_code == 2 and "Fix:" in res.output
    assert "Traceback" not in res.output


def test_cli_a_bundle_missing_a_member(make_bundle: Callable[..., Path], tmp_path: Path) -> None:
    src = make_bundle()
    out = tmp_path / "partial.zip"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as w:
        for n in z.namelist():
            if n != "plan.npz":
                w.writestr(n, z.read(n))
    res = CliRunner().invoke(app, ["verify", str(out)])
    assert res.exit_code == 2 and "no plan.npz" in res.output
