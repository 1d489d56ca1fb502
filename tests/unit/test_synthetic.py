"""Random economies: productive by construction, sized as asked, deterministic, plannable."""

from __future__ import annotations

import numpy as np
import pytest

from councilplan import Status, plan, read_economy, write_economy
from councilplan.model import iomath
from councilplan.model.synthetic import random_economy
from councilplan.planning import productivity


def test_sizes_and_shape() -> None:
    e = random_economy(500, inputs_per_good=6, alt_share=0.2, labour_kinds=4, resources=2, seed=3)
    assert e.n_goods == 500
    assert e.n_processes == 600
    assert list(e.labour_kinds) == ["labour", "labour2", "labour3", "labour4"]
    assert list(e.resources) == ["resource1", "resource2"]
    assert e.A.shape == e.B.shape == (500, 600)
    # about inputs_per_good inputs per process (repeated draws of a good are merged)
    per_process = e.A.nnz / e.n_processes
    assert 4.0 < per_process <= 6.5
    # every process makes exactly one unit of one good, and uses labour
    assert np.array_equal(np.asarray(e.B.sum(axis=0)).ravel(), np.ones(600))
    assert (e.total_labour > 0).all()
    # labour and resources are limited, some processes are capped, some goods targeted
    assert np.isfinite(e.labour_available.to_numpy()).all()
    assert np.isfinite(e.resource_available.to_numpy()).all()
    capped = np.isfinite(e.capacity.to_numpy()).mean()
    assert 0.03 < capped < 0.2
    assert (e.capacity.to_numpy() > 0).all()
    assert 200 < (e.targets["amount"] > 0).sum() < 300
    assert e.goods.index.is_unique
    assert e.processes.index.is_unique


def test_column_sums_below_one_minus_margin() -> None:
    e = random_economy(2000, margin=0.15, seed=1)
    col = np.asarray(e.A.sum(axis=0)).ravel()
    assert col.max() <= 0.85 + 1e-12
    assert (e.A.data > 0).all()


def test_power_law_popularity() -> None:
    e = random_economy(5000, seed=2)
    users = np.sort(np.diff(e.A.tocsr().indptr))[::-1]
    # the most popular good feeds a large share of all processes, the median good few
    assert users[0] > 0.2 * e.n_processes
    assert np.median(users) < 10


def test_square_without_alternatives_is_productive() -> None:
    e = random_economy(300, alt_share=0.0, seed=4)
    assert e.is_square()
    p = productivity(e)
    assert p.productive
    assert p.method == "spectral radius"
    assert p.figure < 0.9


def test_general_technology_is_productive() -> None:
    e = random_economy(300, alt_share=0.5, seed=5)
    assert not e.is_square()
    p = productivity(e)
    assert p.productive
    assert p.method == "non-substitution"  # every process makes one good: a chosen technique set decides
    assert 0 < p.figure < 1  # a Collatz–Wielandt bound on ρ of the techniques chosen


def test_every_choice_of_technique_is_productive() -> None:
    e = random_economy(300, alt_share=1.0, seed=6)
    alt = e.A[:, 300:]
    rho = iomath.spectral_radius(alt)
    assert rho < 0.9


def test_default_calibration_is_stable() -> None:
    """Other tests and benchmarks build on these exact economies: keep the default draws."""
    e = random_economy(300, seed=3)
    assert e.A.nnz == 2713
    assert e.labour_available.to_numpy() == pytest.approx([184.02585311, 209.42512506, 254.07520705])


def test_deterministic() -> None:
    a, b = random_economy(400, resources=1, seed=7), random_economy(400, resources=1, seed=7)
    assert a.content_hash() == b.content_hash()
    assert random_economy(400, resources=1, seed=8).content_hash() != a.content_hash()


@pytest.mark.parametrize("objective", ["ray", "harmony", "min-labour"])
def test_plans_optimally(objective: str) -> None:
    e = random_economy(200, resources=1, seed=9, feasible_targets=True)  # so min-labour has a plan
    p = plan(e, objective, "highs", with_values=False)  # type: ignore[arg-type]
    assert p.status is Status.OPTIMAL
    assert p.certificate is not None
    assert p.certificate.within(1e-6)
    if objective == "ray":
        assert p.scale is not None
        assert 1.05 - 1e-9 <= p.scale < 3.0


def test_labour_values_exist() -> None:
    e = random_economy(150, seed=10)
    p = plan(e, "ray", "highs")
    assert p.labour_values is not None
    assert (p.labour_values["total"] > 0).all()


def test_round_trips_through_the_directory_format(tmp_path: object) -> None:
    e = random_economy(300, resources=2, seed=11)
    from pathlib import Path

    d = write_economy(e, Path(str(tmp_path)) / "econ", format="csv")
    back = read_economy(d)
    assert back.content_hash() == e.content_hash()


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_goods"):
        random_economy(0)
    with pytest.raises(ValueError, match="margin"):
        random_economy(10, margin=1.5)


def test_arrow_lookup_matches_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large id columns are looked up by Arrow (runs, threads); same codes as get_indexer."""
    pytest.importorskip("pyarrow")
    import pandas as pd

    from councilplan.model import validate

    monkeypatch.setattr(validate, "LOOKUP_SPLIT", 1000)
    rng = np.random.default_rng(0)
    known = pd.Index([f"p{i}" for i in range(5000)], dtype=object)
    words = np.array([f"p{i}" for i in range(5200)] + ["zzz"], dtype=object)
    picks = np.sort(rng.integers(0, words.size, size=30_000))  # sorted: long runs
    in_order = np.repeat(np.arange(5000), 3)  # every known id, in the index's order: no hashing
    for order, hole in ((picks, 5), (rng.permutation(picks), 5), (in_order, None)):
        values = list(words[order])
        if hole is not None:
            values[hole] = None
        ids = pd.Series(values, dtype="str")
        table = validate.Table("inputs.parquet", pd.DataFrame({"process": ids}), header_lines=0)
        checker = validate.Checker()
        codes = checker.known(table, ids, "process", known, "process", "processes.csv")
        assert np.array_equal(codes, known.get_indexer(ids.astype(object)))
        assert any("unknown process id" in i.message for i in checker.issues) is (hole is not None)


def test_large_parquet_errors_are_reported(tmp_path: object) -> None:
    """The fast paths (Arrow look-up, duplicate check after building A) keep the messages."""
    pytest.importorskip("pyarrow")
    from pathlib import Path

    import pandas as pd

    from councilplan import EconomyError

    d = write_economy(random_economy(2000, seed=12), Path(str(tmp_path)) / "econ", format="parquet")
    inputs = pd.read_parquet(d / "inputs.parquet")
    assert len(inputs) > 10_000
    inputs.loc[3, "good"] = "nowhere"
    inputs = pd.concat([inputs, inputs.iloc[[7]]], ignore_index=True)
    inputs.to_parquet(d / "inputs.parquet", index=False)
    with pytest.raises(EconomyError) as err:
        read_economy(d)
    messages = [(i.file, i.line, i.message) for i in err.value.issues]
    assert ("inputs.parquet", 4, "unknown good id 'nowhere'") in messages
    assert ("inputs.parquet", len(inputs), "duplicate (process, good) pair") in messages


@pytest.mark.parametrize(("values", "expected"), [
    (["p1", "p2", "p3"], False),
    ([" p1", "p2", "p3"], True),
    (["p1", "p2\t", "p3"], True),
    (["p1", "", None, "p3"], False),
    (["p1", "p\u00a0", "p3"], True),  # non-ASCII: strip to be safe
])
def test_strip_is_skipped_only_for_clean_ids(values: list[str | None], expected: bool) -> None:
    pytest.importorskip("pyarrow")
    import pandas as pd

    from councilplan.model.validate import _may_need_strip

    s = pd.Series(["x"] * 3 + values, dtype="str").iloc[3:]  # a slice: offsets do not start at 0
    assert _may_need_strip(s) is expected
    assert _may_need_strip(pd.Series(values, dtype=object)) is True  # not Arrow: always strip
