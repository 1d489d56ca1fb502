"""Every broken economy in the corpus ends with a clear message (exit 2, or 1 when infeasible), never a
traceback, an internal error, or a silent NaN in a plan; readers survive editors' accidents."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.examples import example_path

from .corpus import Mutation, materialise, mutations

runner = CliRunner()
BASES = ("kantorovich", "generated")


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bases")
    assert runner.invoke(app, ["example", "kantorovich", str(root / "kantorovich")]).exit_code == 0
    res = runner.invoke(app, ["generate", str(root / "generated"), "--goods", "6", "--planted", "--seed", "2"])
    assert res.exit_code == 0, res.output
    return {"kantorovich": root / "kantorovich", "generated": root / "generated"}


def _corpus(base: str) -> list[Mutation]:
    """The mutations of ``base`` (collected at import, so that each is its own test)."""
    if base == "kantorovich":
        return list(mutations(example_path("kantorovich")))
    with tempfile.TemporaryDirectory() as tmp:
        res = runner.invoke(app, ["generate", str(Path(tmp) / base), "--goods", "6", "--planted", "--seed", "2"])
        assert res.exit_code == 0, res.output
        return list(mutations(Path(tmp) / base))


CORPUS = [(b, m) for b in BASES for m in _corpus(b)]


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 200
    assert len({m.name for _, m in CORPUS}) >= 150


def _finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite(v) for v in obj)
    return True


@pytest.mark.parametrize(("base", "mutation"), CORPUS, ids=[f"{b}-{m.name}" for b, m in CORPUS])
def test_mutation(base: str, mutation: Mutation, bases: dict[str, Path], tmp_path: Path) -> None:
    d = materialise(bases[base], mutation, tmp_path / "econ")
    res = runner.invoke(app, ["plan", str(d), "--out", str(tmp_path / "plan")])
    out = " ".join(res.output.split())
    assert "Traceback" not in res.output, out
    assert "internal error" not in out, out
    assert res.exit_code in (0, 1, 2), (res.exit_code, out)
    if mutation.must_fail:
        assert res.exit_code in ((1, 2) if mutation.infeasible_ok else (2,)), out
    if res.exit_code == 2:
        assert any(w in out for w in ("Fix:", "give", "choose", "add ")), f"the message should say how to fix it: {out}"
        assert ".csv" in out or "economy" in out, f"the message should name the file: {out}"
        if mutation.shows is not None and mutation.must_fail:
            assert mutation.shows in out, f"the message should show the offending value {mutation.shows!r}: {out}"
        if mutation.line is not None and mutation.shows is not None:
            assert f"line {mutation.line}" in out, out
    if res.exit_code == 0:
        for f in (tmp_path / "plan").glob("*.json"):
            data = json.loads(f.read_text(encoding="utf-8"), parse_constant=lambda c: float(c))
            assert _finite(data), f"{f.name} holds a NaN or an infinity"


@pytest.fixture(scope="module")
def parquet_economy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pyarrow")
    d = tmp_path_factory.mktemp("pq") / "econ"
    res = runner.invoke(app, ["generate", str(d), "--goods", "6", "--planted", "--seed", "2", "--format", "parquet"])
    assert res.exit_code == 0, res.output
    return d


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("table", ["goods", "inputs", "labour", "targets"])
def test_truncated_parquet(parquet_economy: Path, table: str, keep: float, tmp_path: Path) -> None:
    d = tmp_path / "econ"
    shutil.copytree(parquet_economy, d)
    f = d / f"{table}.parquet"
    f.write_bytes(f.read_bytes()[: int(f.stat().st_size * keep)])
    res = runner.invoke(app, ["plan", str(d)])
    out = " ".join(res.output.split())
    assert res.exit_code == 2, out
    assert f"{table}.parquet" in out and "internal error" not in out, out
