"""A tampered bundle is rejected and what was changed is named: a coefficient, a target, a price, a plan
value or an option, by three forgers. The careless one edits an array (the digests name it); the
careful one also rewrites its digest (the input hash catches the inputs); the thorough one also
recomputes the input hash (the mathematics catches it: feasibility, objective, duality)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import councilplan as cp
from councilplan import verifier
from councilplan.planning.bundle import write_bundle

from .tamper import rewrite


def _scale_first(factor: float, column: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    def change(a: np.ndarray) -> np.ndarray:
        i = int(np.argmax(a[:, column]))
        a[i, column] *= factor
        return a
    return change


#: change name → (array, change, the arrays' kind, the checks the thorough forger trips, a name they print)
TAMPERINGS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], str, set[str], str]] = {
    "coefficient": ("A_data", lambda a: a * 1.3, "input", {"objective", "gap"}, "set by"),
    "target": ("targets", _scale_first(1.5), "input", {"objective", "gap"}, "set by"),
    "price": ("price_goods", lambda p: p * 1.5 + 0.01, "plan", {"dual"}, "earns more at these prices"),
    "plan value": ("x", lambda x: x * 0.8, "plan", {"objective", "gap"}, "recomputed from x"),
    "labour price": ("price_labour", lambda p: p + 1.0, "plan", {"gap"}, "P - D"),
}


@pytest.fixture(scope="module")
def germany_ray(tmp_path_factory: pytest.TempPathFactory) -> Path:
    economy = cp.example("germany-1995")
    return write_bundle(cp.plan(economy, "ray"), economy, tmp_path_factory.mktemp("b") / "ray.zip")


def _failed(path: Path) -> dict[str, str]:
    report = verifier.verify(str(path))
    assert not report.ok
    return {c.name: c.text for c in report.failed()}


@pytest.mark.parametrize("what", TAMPERINGS)
def test_a_careless_forger_is_named_by_the_digests(germany_ray: Path, tmp_path: Path, what: str) -> None:
    array, change, _, _, _ = TAMPERINGS[what]
    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", arrays={array: change}))
    assert f"changed after the bundle was written: {array}" in failed["digests"]


@pytest.mark.parametrize("what", TAMPERINGS)
def test_a_careful_forger_is_caught_by_the_input_hash_or_the_mathematics(germany_ray: Path, tmp_path: Path,
                                                                          what: str) -> None:
    array, change, kind, math, _ = TAMPERINGS[what]
    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", arrays={array: change}, redigest=True))
    assert "digests" not in failed
    if kind == "input":
        assert "economy, goals, objective, solver or options differ" in failed["input hash"]
    else:  # the plan's own numbers are not inputs: the hash cannot see them, the LP can
        assert "input hash" not in failed and math <= failed.keys()


@pytest.mark.parametrize("what", TAMPERINGS)
def test_a_thorough_forger_is_caught_by_the_mathematics(germany_ray: Path, tmp_path: Path, what: str) -> None:
    array, change, _, math, named = TAMPERINGS[what]
    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", arrays={array: change}, redigest=True, rehash=True))
    assert failed.keys() == math, failed
    assert any(named in text for text in failed.values()), failed


def test_a_changed_option_is_caught_by_the_input_hash(germany_ray: Path, tmp_path: Path) -> None:
    def looser(m: dict[str, Any]) -> None:
        m["options"]["tol"] = 1e-3

    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", manifest=looser))
    assert failed.keys() == {"input hash"}


def test_a_changed_solver_or_objective_is_caught(germany_ray: Path, tmp_path: Path) -> None:
    def other_solver(m: dict[str, Any]) -> None:
        m["solver"] = "pdlp"

    assert _failed(rewrite(germany_ray, tmp_path / "t.zip", manifest=other_solver)).keys() == {"input hash"}

    def other_objective(m: dict[str, Any]) -> None:
        m["objective"] = "harmony"

    assert "input hash" in _failed(rewrite(germany_ray, tmp_path / "u.zip", manifest=other_objective))


def test_a_changed_recorded_objective_is_caught(germany_ray: Path, tmp_path: Path) -> None:
    def boast(m: dict[str, Any]) -> None:
        m["objective_value"] *= 1.01

    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", manifest=boast))
    assert failed.keys() == {"objective"} and "recorded" in failed["objective"]


def test_a_nan_is_named(germany_ray: Path, tmp_path: Path) -> None:
    def nan(x: np.ndarray) -> np.ndarray:
        x[0] = np.nan
        return x

    failed = _failed(rewrite(germany_ray, tmp_path / "t.zip", arrays={"x": nan}, redigest=True))
    assert "x hold NaN" in failed["numbers"]


@pytest.mark.parametrize(("objective", "array", "change", "check", "named"), [
    ("min-labour", "targets", _scale_first(1.5), "primal", "net output under its target 'part_a'"),
    ("min-labour", "B_data", lambda b: b * 0.9, "primal", "net output under its target"),
    ("min-labour", "price_labour", lambda p: p + 1.0, "dual", "price of labour without a limit 'operator'"),
    ("harmony", "x", lambda x: x * 0.5, "objective", "recomputed from x"),
    ("ray", "B_data", lambda b: b * 0.9, "objective", "set by"),
])
def test_every_objective_is_checked(tmp_path: Path, objective: str, array: str,
                                    change: Callable[[np.ndarray], np.ndarray], check: str, named: str) -> None:
    economy = cp.example("kantorovich")
    good = write_bundle(cp.plan(economy, objective), economy, tmp_path / "k.zip")  # type: ignore[arg-type]
    assert verifier.verify(str(good)).ok
    failed = _failed(rewrite(good, tmp_path / "t.zip", arrays={array: change}, redigest=True, rehash=True))
    assert named in failed[check], failed
