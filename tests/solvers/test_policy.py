"""The one solver policy: thresholds as data read at call time, defaults and capabilities declared by
the backends and read by the CLI and the service."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.model.synthetic import random_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import get_solver, policy
from councilplan.solvers.base import CAPABILITIES
from councilplan.solvers.registry import _REGISTRY


def test_every_declared_capability_is_documented() -> None:
    for name, cls in _REGISTRY.items():
        assert cls.capabilities <= set(CAPABILITIES), (name, cls.capabilities - set(CAPABILITIES))
    assert "iis" not in get_solver("highs").capabilities  # nothing stands behind it


def test_backends_declare_their_default_tolerance() -> None:
    assert policy.default_tol("highs") == 1e-7
    assert policy.default_tol("pdlp") == policy.default_tol("substitution") == policy.default_tol("auto") == 1e-4
    with pytest.raises(Exception, match="nonesuch"):
        policy.default_tol("nonesuch")


def test_auto_reads_the_policy_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    e = random_economy(60, seed=1, feasible_targets=True)
    lp = build_problem(e, "min-labour")
    assert policy.POLICY.auto_backend(lp) == "highs"
    monkeypatch.setattr(policy, "POLICY", replace(policy.POLICY, auto_nnz=1))
    assert get_solver("auto").choose(lp).name == "substitution"
    ray = build_problem(e, "ray")
    assert get_solver("auto").choose(ray).name == "pdlp"


def test_large_lps_and_valuations_follow_the_thresholds() -> None:
    lp = build_problem(random_economy(60, seed=1, feasible_targets=True), "ray")
    small, large = replace(policy.POLICY, large_lp_nnz=lp.K.nnz + 1), replace(policy.POLICY, large_lp_nnz=lp.K.nnz)
    assert not small.is_large(lp) and small.cold_options(lp).extra == {}
    assert large.is_large(lp) and large.cold_options(lp).extra == {"solver": "ipm"}
    assert policy.POLICY.valuation_method(policy.POLICY.valuation_ipm_nnz) == "ipm"
    assert policy.POLICY.valuation_method(policy.POLICY.valuation_ipm_nnz - 1) is None


def test_highs_method_is_used_unless_the_options_name_one() -> None:
    from councilplan.solvers import HighsSolver, SolveOptions

    lp = build_problem(random_economy(40, seed=2, feasible_targets=True), "ray")
    simplex = HighsSolver().solve_lp(lp, SolveOptions())
    ipm = HighsSolver("ipm").solve_lp(lp, SolveOptions())
    told = HighsSolver("ipm").solve_lp(lp, SolveOptions(extra={"solver": "simplex"}))
    assert simplex.x is not None and ipm.x is not None and told.x is not None
    assert float(lp.c @ ipm.x) == pytest.approx(float(lp.c @ simplex.x), rel=1e-7)
    assert told.iterations == simplex.iterations  # the options' method wins over the constructor's


def test_the_cli_plans_with_the_backends_own_tolerance(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["example", "kantorovich", str(tmp_path / "e")]).exit_code == 0
    from councilplan.model.formats import read_economy
    from councilplan.planning.solve import input_hash
    from councilplan.solvers import SolveOptions

    economy = read_economy(tmp_path / "e")
    for solver, tol in (("highs", 1e-7), ("pdlp", 1e-4)):
        out = tmp_path / solver
        r = runner.invoke(app, ["plan", str(tmp_path / "e"), "--solver", solver, "--out", str(out)])
        assert r.exit_code == 0, r.output
        summary = json.loads((out / "plan.json").read_text())  # the input hash covers the tolerance
        assert summary["input_hash"] == input_hash(economy, "ray", solver, SolveOptions(tol=tol))
