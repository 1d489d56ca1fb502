"""The directory format: CSV and Parquet round trips, defaults of optional files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import councilplan as cp
from councilplan.model import read_economy, write_economy


def _same(a: cp.Economy, b: cp.Economy) -> None:
    assert a.content_hash() == b.content_hash()
    for M in ("A", "B", "L", "R"):
        np.testing.assert_array_equal(getattr(a, M).toarray(), getattr(b, M).toarray())
    assert list(a.goods.index) == list(b.goods.index)
    assert list(a.processes.index) == list(b.processes.index)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("name", cp.available_examples())
def test_round_trip(tmp_path: Path, fmt: str, name: str) -> None:
    e = cp.example(name)
    write_economy(e, tmp_path / "e", format=fmt)  # type: ignore[arg-type]
    assert (tmp_path / "e" / f"goods.{fmt}").exists()
    _same(e, read_economy(tmp_path / "e"))


def test_defaults_without_processes_and_outputs(tmp_path: Path) -> None:
    d = tmp_path / "e"
    d.mkdir()
    (d / "economy.toml").write_text('name = "mb"\ndescription = "Miller & Blair"\nsource = "textbook"\n')
    (d / "goods.csv").write_text("id,name,unit\ns1,sector 1,$\ns2,sector 2,$\n")
    (d / "inputs.csv").write_text("process,good,amount\ns1,s1,0.15\ns1,s2,0.2\ns2,s1,0.25\ns2,s2,0.05\n")
    (d / "labour.csv").write_text("process,hours\ns1,0.1\ns2,0.2\n")
    e = read_economy(d)
    assert e.is_square()
    np.testing.assert_array_equal(e.B.toarray(), np.eye(2))
    assert np.isinf(e.labour_available["labour"]) and (e.targets["amount"] == 0).all()
    assert e.meta["source"] == "textbook"


def test_labour_kinds_and_capacity_column(tmp_path: Path) -> None:
    d = cp.examples.copy_example("kantorovich", tmp_path / "k")
    (d / "processes.csv").write_text((d / "processes.csv").read_text().replace("id,name", "id,name,capacity")
                                     .replace("making part A\n", "making part A,2\n", 1))
    e = read_economy(d)
    assert e.capacity["milling_a"] == 2 and np.isinf(e.capacity["milling_b"])
    p = cp.plan(e, "ray")
    assert p.optimal and p.activity["milling_a"] <= 2 + 1e-9
    assert "capacity" in set(p.prices["kind"])


def test_content_hash_changes_with_numbers() -> None:
    e = cp.example("kantorovich")
    tg = e.targets.copy()
    tg.loc["part_a", "amount"] = 2.0
    assert e.content_hash() != e.with_targets(tg).content_hash()
