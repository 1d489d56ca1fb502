"""Cockshott's 5yearplan LP optima, reproduced from his CSV files.

The known answers are those published with the data (``io/cockshott_5yearplan/README.md``):
lp_solve 5.5.2.5 and HiGHS 1.16 on ``nyearplan.java``'s LP.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from councilplan.model.errors import SourceTableError
from councilplan.scenarios import plan_dynamic, read_cockshott
from councilplan.scenarios.dynamic_problem import build_dynamic_problem

pytestmark = pytest.mark.shared_data

CASES = [
    ("io/cockshott_5yearplan/toy_iron_coal_corn_bread", 8.79729913, [0.5, 2.06187, 2.03932, 1.98685, 2.20926]),
    ("io/cockshott_5yearplan/test_4x2", 2.50637858, [1.3391, 1.16728]),
    ("planners/rakvat-planning/experiment3/test_data", 7.3364531, None),
]


@pytest.mark.parametrize(("folder", "optimum", "per_year"), CASES, ids=["toy-5-year", "test-2-year", "rakvat"])
def test_known_optimum(shared_data: Path, folder: str, optimum: float, per_year: list[float] | None) -> None:
    de = read_cockshott(shared_data / folder)
    p = plan_dynamic(de, "sum-ray")
    assert p.optimal
    assert p.objective == pytest.approx(optimum, abs=1e-6)
    assert p.certificate is not None and p.certificate.within(1e-9)
    if per_year is not None:
        np.testing.assert_allclose(p.scale.to_numpy(), per_year, atol=1e-5)
    # consumption never below the target proportions times the year's scale
    d = de.target.to_numpy()
    assert (p.net_output.to_numpy() >= d * p.scale.to_numpy()[None, :] - 1e-9).all()


def test_model_shape(shared_data: Path) -> None:
    de = read_cockshott(shared_data / CASES[0][0])
    assert de.periods == 5 and list(de.base.goods.index) == ["iron", "coal", "corn", "bread"]
    # capacity = base-year output: initial stock / per-unit stock
    cap = de.capital
    np.testing.assert_allclose((cap["initial"] / cap["per_unit"]).groupby(cap["process"]).min().reindex(
        ["iron", "coal", "corn", "bread"]).to_numpy(), [10, 6, 10, 1])
    lp = build_dynamic_problem(de, "sum-ray")
    names = {b.name for b in lp.row_blocks}
    assert {"balance", "goods", "labour", "capacity", "stock"} <= names
    assert lp.row_block("balance").labels.names == ["id", "period"]


def test_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceTableError, match="no 5yearplan files"):
        read_cockshott(tmp_path)
    (tmp_path / "flows.csv").write_text("headings,a\na,0.1\noutput,1\n")
    for name in ("cap.csv", "dep.csv"):
        (tmp_path / name).write_text("headings,a\na,1\n")
    (tmp_path / "labtarg.csv").write_text("headings,a,labour\nyear1,1,1\n")
    with pytest.raises(SourceTableError, match="labour"):
        read_cockshott(tmp_path)
