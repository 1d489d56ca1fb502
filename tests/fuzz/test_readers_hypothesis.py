"""Property: whatever bytes a file holds, the reader returns a finite economy or an InputError naming a file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from councilplan.examples import example_path
from councilplan.model.errors import InputError
from councilplan.model.formats import read_economy

FILES = ["goods.csv", "processes.csv", "outputs.csv", "labour.csv", "limits.csv", "resources.csv", "targets.csv"]
HEADERS = {"goods.csv": "id,name,unit", "processes.csv": "id,name", "outputs.csv": "process,good,amount",
           "labour.csv": "process,hours,kind", "limits.csv": "kind,id,available",
           "resources.csv": "process,resource,amount", "targets.csv": "good,amount"}
#: cells a spreadsheet or an editor might leave, mixed with the economy's own ids
CELLS = st.one_of(
    st.sampled_from(["part_a", "part_b", "milling_a", "turret_b", "operator", "labour", "resource",
                     "milling_machine", "", " ", "NaN", "inf", "-1", "0", "1e308", "1,5", '"', "x;y"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)


def _check(directory: Path) -> None:
    try:
        e = read_economy(directory)
    except InputError as exc:
        message = str(exc)
    else:
        message = None
    if message is not None:
        assert ".csv" in message or "economy" in message, message
        return
    for m in (e.A, e.B, e.L):
        assert np.isfinite(m.data).all(), "the reader let a non-finite coefficient through"


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from(FILES), rows=st.lists(st.lists(CELLS, min_size=0, max_size=4), max_size=5),
       keep_header=st.booleans())
def test_random_rows_never_crash_the_reader(file: str, rows: list[list[str]], keep_header: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "econ"
        shutil.copytree(example_path("kantorovich"), d)
        body = "\n".join(",".join(r) for r in rows)
        (d / file).write_text((HEADERS[file] + "\n" if keep_header else "") + body + "\n", encoding="utf-8")
        _check(d)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(file=st.sampled_from(FILES), data=st.binary(max_size=64))
def test_random_bytes_never_crash_the_reader(file: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "econ"
        shutil.copytree(example_path("kantorovich"), d)
        (d / file).write_bytes(data)
        _check(d)


def test_found_by_hypothesis_two_empty_ids(tmp_path: Path) -> None:
    """Two rows with empty ids once crashed the duplicate check (IndexError), then the index (not unique)."""
    d = tmp_path / "econ"
    shutil.copytree(example_path("kantorovich"), d)
    (d / "goods.csv").write_text("id,name,unit\n,part_a\n,part_a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"goods.csv, line 2, column 'id': empty good id"):
        read_economy(d)
