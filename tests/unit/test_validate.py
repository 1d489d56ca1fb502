"""Every kind of bad input gets a message naming file, line, column and fix — all at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from councilplan.examples import copy_example
from councilplan.model import EconomyError, read_economy
from councilplan.planning import productivity


@pytest.fixture
def econ(tmp_path: Path) -> Path:
    """A valid economy with processes, outputs, resources, limits and targets."""
    return copy_example("kantorovich", tmp_path / "econ")


def _issues(directory: Path) -> list[str]:
    with pytest.raises(EconomyError) as info:
        read_economy(directory)
    return [str(i) for i in info.value.issues]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_valid_example_reads(econ: Path) -> None:
    e = read_economy(econ)
    assert (e.n_goods, e.n_processes, len(e.resources)) == (2, 6, 3)
    assert e.resource_available["milling_machine"] == 3


def test_missing_required_file(econ: Path) -> None:
    (econ / "goods.csv").unlink()
    msgs = _issues(econ)
    assert any(m.startswith("goods.csv: required file is missing") and "Fix: create" in m for m in msgs)


def test_missing_directory(tmp_path: Path) -> None:
    msgs = _issues(tmp_path / "nope")
    assert "economy directory not found" in msgs[0]


def test_missing_toml_and_key(econ: Path) -> None:
    (econ / "economy.toml").write_text('name = "x"\n')
    msgs = _issues(econ)
    assert any("missing key 'source'" in m for m in msgs)
    assert any("missing key 'description'" in m for m in msgs)


def test_missing_column(econ: Path) -> None:
    _edit(econ / "outputs.csv", "process,good,amount", "process,good,qty")
    msgs = _issues(econ)
    assert any(m.startswith("outputs.csv, line 1") and "missing column amount" in m and "Fix: add a header" in m for m in msgs)


def test_duplicate_id_names_both_lines(econ: Path) -> None:
    _edit(econ / "processes.csv", "turret_b,turret lathe making part B", "turret_a,turret lathe making part B")
    msgs = _issues(econ)
    assert any("processes.csv, line 5, column 'id': duplicate process id 'turret_a' (first defined on line 4)" in m for m in msgs)


@pytest.mark.parametrize(("file", "old", "new", "expect"), [
    ("outputs.csv", "milling_a,part_a,10", "milling_x,part_a,10", r"outputs.csv, line 2, column 'process': unknown process id 'milling_x'.*processes.csv"),
    ("outputs.csv", "milling_a,part_a,10", "milling_a,part_z,10", r"outputs.csv, line 2, column 'good': unknown good id 'part_z'.*goods.csv"),
    ("labour.csv", "turret_b,8,operator", "turret_q,8,operator", r"labour.csv, line 5, column 'process': unknown process id 'turret_q'"),
    ("resources.csv", "milling_a,milling_machine,1", "milling_y,milling_machine,1", r"resources.csv, line 2, column 'process': unknown process id 'milling_y'"),
    ("limits.csv", "resource,turret_lathe,3", "resource,lathe,3", r"limits.csv, line 3, column 'id': unknown resource id 'lathe'"),
    ("limits.csv", "resource,turret_lathe,3", "machine,turret_lathe,3", r"limits.csv, line 3, column 'kind': kind must be labour, resource or capacity"),
    ("targets.csv", "part_b,1", "part_c,1", r"targets.csv, line 3, column 'good': unknown good id 'part_c'"),
])
def test_unknown_ids(econ: Path, file: str, old: str, new: str, expect: str) -> None:
    _edit(econ / file, old, new)
    msgs = _issues(econ)
    assert any(re.search(expect, m) for m in msgs), msgs


@pytest.mark.parametrize(("value", "expect"), [
    ("", "value is empty"),
    ("abc", "'abc' is not a number"),
    ("NaN", "value NaN is NaN"),
    ("inf", "value inf is infinite"),
    ("1e400", "value inf is infinite"),
    ("-3", "value -3 is negative"),
    (" -0.25 ", "value -0.25 is negative"),
])
def test_bad_numbers(econ: Path, value: str, expect: str) -> None:
    _edit(econ / "outputs.csv", "turret_a,part_a,20", f"turret_a,part_a,{value}")
    msgs = _issues(econ)
    hits = [m for m in msgs if expect in m]
    assert hits, msgs
    assert hits[0].startswith("outputs.csv, line 4, column 'amount'")
    assert "Fix:" in hits[0]


def test_negative_coefficient_suggests_outputs(econ: Path) -> None:
    (econ / "inputs.csv").write_text("process,good,amount\nmilling_a,part_b,-0.5\n")
    msgs = _issues(econ)
    assert any("inputs.csv, line 2, column 'amount': value -0.5 is negative" in m and "outputs.csv" in m for m in msgs)


def test_process_that_makes_nothing(econ: Path) -> None:
    _edit(econ / "outputs.csv", "automatic_a,part_a,30\n", "")
    msgs = _issues(econ)
    assert any("process 'automatic_a' makes nothing" in m and "Fix:" in m for m in msgs)


def test_malformed_csv(econ: Path) -> None:
    (econ / "goods.csv").write_text('id,name,unit\npart_a,"first part,piece\npart_b,second,piece\n')
    msgs = _issues(econ)
    assert any(m.startswith("goods.csv") and "malformed CSV" in m for m in msgs)


def test_invalid_toml(econ: Path) -> None:
    (econ / "economy.toml").write_text("name = \n")
    msgs = _issues(econ)
    assert any(m.startswith("economy.toml") and "invalid TOML" in m for m in msgs)


def test_all_problems_at_once(econ: Path) -> None:
    _edit(econ / "outputs.csv", "turret_a,part_a,20", "turret_a,part_a,abc")
    _edit(econ / "labour.csv", "turret_b,8,operator", "turret_b,-8,operator")
    _edit(econ / "targets.csv", "part_b,1", "part_q,1")
    msgs = _issues(econ)
    files = {m.split(",")[0].split(":")[0] for m in msgs}
    assert {"outputs.csv", "labour.csv", "targets.csv"} <= files


def test_many_bad_rows_are_counted_not_listed(tmp_path: Path) -> None:
    d = copy_example("kantorovich", tmp_path / "e")
    rows = "".join(f"x{i},part_a,1\n" for i in range(50))
    (d / "inputs.csv").write_text("process,good,amount\n" + rows)
    msgs = _issues(d)
    unknown = [m for m in msgs if "unknown process id" in m]
    assert len(unknown) == 11  # ten named rows and one count
    assert "in 40 more rows" in unknown[-1]


def test_unproductive_square_technology_reports_spectral_radius(tmp_path: Path) -> None:
    d = tmp_path / "e"
    d.mkdir()
    (d / "economy.toml").write_text('name = "bad"\ndescription = "d"\nsource = "s"\n')
    (d / "goods.csv").write_text("id,name,unit\na,a,t\nb,b,t\n")
    # A = [[0.5, 0.6], [0.9, 0.5]]: ρ(A) = 0.5 + sqrt(0.54) ≈ 1.2348
    (d / "inputs.csv").write_text("process,good,amount\na,a,0.5\na,b,0.9\nb,a,0.6\nb,b,0.5\n")
    (d / "labour.csv").write_text("process,hours\na,1\nb,1\n")
    e = read_economy(d)
    prod = productivity(e)
    assert not prod.productive
    assert prod.figure == pytest.approx(0.5 + 0.54 ** 0.5, rel=1e-9)
    issue = prod.issue()
    assert issue is not None
    assert "spectral radius of A is 1.23" in str(issue) and "Fix:" in str(issue)


def test_unproductive_general_technology_reports_lp_figure(econ: Path) -> None:
    # part_a now consumes part_b and vice versa, each more than it makes
    (econ / "inputs.csv").write_text(
        "process,good,amount\n" + "".join(
            f"{p},{'part_b' if p.endswith('_a') else 'part_a'},100\n"
            for p in ("milling_a", "milling_b", "turret_a", "turret_b", "automatic_a", "automatic_b")))
    e = read_economy(econ)
    prod = productivity(e)
    assert not prod.productive and prod.method == "LP surplus test"
    assert "t* = 0" in str(prod.issue())
