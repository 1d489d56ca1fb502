"""Importers on small tables written in the test: formulas, assumptions and error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from councilplan.cli import app
from councilplan.model.errors import SourceTableError
from councilplan.model.formats import read_economy
from councilplan.model.importers import IOTLayout, read_iot, read_iot_table
from councilplan.model.importers._common import import_split, strip_margins, sut_economy
from councilplan.model.importers.sut import read_sut

Z = np.array([[10.0, 40.0, 5.0], [20.0, 5.0, 30.0], [0.0, 15.0, 10.0]])
F = np.array([45.0, 45.0, 75.0])
X = Z.sum(axis=1) + F
WAGES = np.array([30.0, 20.0, 25.0])


def _write_table(path: Path, *, bad_cell: str | None = None, sep: str = ",") -> Path:
    ids = ["a", "b", "c"]
    lines = [sep.join(["code", "label", *ids, "households", "total"])]
    for i, code in enumerate(ids):
        cells = [f"{v:g}" for v in Z[i]]
        if bad_cell is not None and i == 1:
            cells[2] = bad_cell
        lines.append(sep.join([code, f"good {code}", *cells, f"{F[i]:g}", f"{X[i]:g}"]))
    lines.append(sep.join(["wages", "wages", *[f"{v:g}" for v in WAGES], "", ""]))
    lines.append(sep.join(["output", "output", *[f"{v:g}" for v in X], "", ""]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


LAYOUT = IOTLayout(label_col="code", name_col="label", output_row="output", final_demand=("households",),
                   labour={"wages": "wages"})


def test_iot_formulas(tmp_path: Path) -> None:
    economy = read_iot(_write_table(tmp_path / "t.csv"), LAYOUT)
    np.testing.assert_allclose(economy.A.toarray(), Z / X[None, :], rtol=1e-15)  # A = Z diag(x)^-1
    np.testing.assert_allclose(economy.L.toarray()[0], WAGES / X, rtol=1e-15)
    np.testing.assert_allclose(economy.targets["amount"].to_numpy(), F)
    assert economy.labour_available["wages"] == pytest.approx(WAGES.sum())
    assert economy.is_square() and list(economy.goods.index) == ["a", "b", "c"]
    assert economy.goods.loc["b", "name"] == "good b"


def test_iot_output_column_and_semicolons_and_residual_labour(tmp_path: Path) -> None:
    path = _write_table(tmp_path / "t.csv", sep=";")
    table = read_iot_table(path, IOTLayout(label_col="code", output_col="total", products=("a", "b", "c")))
    np.testing.assert_allclose(table.x.to_numpy(), X)
    economy = table.to_economy()
    assert list(economy.labour_kinds) == ["value_added"]
    np.testing.assert_allclose(economy.L.toarray()[0], (X - Z.sum(axis=0)) / X)


@pytest.mark.parametrize(("layout", "bad", "expected"), [
    (LAYOUT, "lots", ["t.csv", "row 'b'", "column 'c'", "'lots' is not a number", "Fix:"]),
    (IOTLayout(label_col="nope", output_row="output"), None, ["label column not found", "--label-col"]),
    (IOTLayout(label_col="code", output_row="gross"), None, ["row 'gross'", "output row not found"]),
    (IOTLayout(label_col="code", output_row="output", products=("a", "z")), None, ["row 'z'", "product row not found"]),
    (IOTLayout(label_col="code", output_row="output", final_demand=("exports",)), None, ["column 'exports'"]),
    (IOTLayout(label_col="code", output_row="output", labour={"hours": "hours"}), None, ["row 'hours'", "no such row"]),
    (LAYOUT, "-3", ["row 'b'", "column 'c'", "negative"]),
])
def test_iot_bad_tables_name_place_and_fix(tmp_path: Path, layout: IOTLayout, bad: str | None, expected: list[str]) -> None:
    path = _write_table(tmp_path / "t.csv", bad_cell=bad)
    with pytest.raises(SourceTableError) as err:
        read_iot(path, layout)
    for text in expected:
        assert text in str(err.value)


def test_iot_zero_output_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("code,a,b\na,1,2\nb,3,4\noutput,10,0\n", encoding="utf-8")
    with pytest.raises(SourceTableError, match=r"product 'b'.*gross output is 0"):
        read_iot(path, IOTLayout(label_col="code", output_row="output"))
    with pytest.raises(SourceTableError, match="not found"):
        read_iot(tmp_path / "missing.csv", LAYOUT)
    with pytest.raises(SourceTableError, match="unknown preset"):
        read_iot(path, "atlantis")


def test_sut_industry_technology() -> None:
    V = np.array([[90.0, 10.0], [0.0, 50.0], [5.0, 0.0]])  # products × industries; industry 0 makes 2 products
    U = np.array([[10.0, 5.0], [20.0, 10.0], [0.0, 4.0]])
    g = V.sum(axis=0)
    economy = sut_economy(V=V, U=U, g=None, products=["p", "q", "r"], product_names=["p", "q", "r"],
                          industries=["I", "J"], industry_names=["I", "J"], primary={"hours": np.array([7.0, 3.0])},
                          final_demand=V.sum(axis=1) - U.sum(axis=1), meta={"name": "t"}, file="t")
    np.testing.assert_allclose(economy.B.toarray(), V / g)
    np.testing.assert_allclose(economy.A.toarray(), U / g)
    np.testing.assert_allclose(economy.net_output(g).to_numpy(), V.sum(axis=1) - U.sum(axis=1))  # reproduces the table
    np.testing.assert_allclose(economy.L.toarray()[0] * g, [7.0, 3.0])


def test_sut_negative_cells_keep_net_output_and_unmade_products_are_refused() -> None:
    V = np.array([[90.0, -2.0], [1.0, 50.0]])
    U = np.array([[10.0, 5.0], [-1.0, 10.0]])
    kw = {"products": ["p", "q"], "product_names": ["p", "q"], "industries": ["I", "J"], "industry_names": ["I", "J"],
          "primary": {"hours": np.array([1.0, 1.0])}, "final_demand": None, "meta": {}, "file": "t"}
    economy = sut_economy(V=V, U=U, g=V.sum(axis=0), **kw)  # type: ignore[arg-type]
    assert (economy.A.toarray() >= 0).all() and (economy.B.toarray() >= 0).all()
    np.testing.assert_allclose((economy.B - economy.A).toarray(), (V - U) / V.sum(axis=0))
    assert "negative" in economy.meta["notes"]
    with pytest.raises(SourceTableError, match="made by none"):
        sut_economy(V=np.array([[5.0, 5.0], [0.0, 0.0]]), U=np.array([[1.0, 1.0], [1.0, 0.0]]), g=None, **kw)  # type: ignore[arg-type]


def test_strip_margins_balances_products_and_import_split() -> None:
    # goods 0, 1 are bought at purchasers' prices; product 2 is trade, whose margins are embedded
    U = np.array([[20.0, 30.0], [10.0, 10.0], [2.0, 3.0]])
    F = np.array([[50.0], [40.0], [5.0]])
    supply = np.array([80.0, 54.0, 26.0])  # basic prices; margins total 16 = 20 (trade supply) - 10 (bought directly) + …
    Ub, Fb = strip_margins(U, F, supply)
    use_b = Ub.sum(axis=1) + Fb.sum(axis=1)
    np.testing.assert_allclose(use_b, supply)  # every product's use now equals its basic supply
    Ud, imported = import_split(Ub, np.array([60.0, 54.0, 26.0]), np.array([20.0, 0.0, 0.0]))
    np.testing.assert_allclose(Ud[0], Ub[0] * 60.0 / 80.0)
    np.testing.assert_allclose(imported, Ub[0] * 20.0 / 80.0)


def test_unknown_sut_preset() -> None:
    with pytest.raises(SourceTableError, match="choose one of: spain, sweden, bea, abs"):
        read_sut("x.xlsx", "narnia")


# ----------------------------------------------------------------------------------- CLI
runner = CliRunner()


def test_cli_import_iot_generic_layout(tmp_path: Path) -> None:
    src = _write_table(tmp_path / "t.csv")
    dest = tmp_path / "econ"
    res = runner.invoke(app, ["import", "iot", str(src), str(dest), "--label-col", "code", "--name-col", "label",
                              "--output-row", "output", "--final-demand", "households", "--labour", "wages=wages"])
    assert res.exit_code == 0, res.output
    economy = read_economy(dest)
    np.testing.assert_allclose(economy.A.toarray(), Z / X[None, :], rtol=1e-15)
    assert list(economy.labour_kinds) == ["wages"]
    res = runner.invoke(app, ["import", "iot", str(src), str(dest), "--label-col", "code", "--output-row", "output"])
    assert res.exit_code == 2 and "not empty" in res.output and "--force" in res.output


@pytest.mark.parametrize(("args", "expected"), [
    (["iot", "{bad}", "{dest}", "--label-col", "code", "--output-row", "output"], ["t.csv", "row 'b'", "column 'c'", "Fix"]),
    (["iot", "{bad}", "{dest}"], ["--preset"]),
    (["iot", "{bad}", "{dest}", "--preset", "atlantis"], ["unknown preset", "ons_uk_2010"]),
    (["iot", "{bad}", "{dest}", "--label-col", "code", "--output-row", "output", "--labour", "hours"], ["KIND=ROW"]),
    (["sut", "{bad}", "{dest}", "--preset", "sweden"], ["t.csv", "not a readable .xlsx"]),
    (["sut", "{missing}", "{dest}", "--preset", "spain"], ["not found"]),
    (["pymrio", "{missing}", "{dest}"], ["not a directory saved by pymrio"]),
])
def test_cli_bad_sources_exit_2_with_a_message(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    bad = _write_table(tmp_path / "t.csv", bad_cell="lots")
    subs = {"bad": str(bad), "dest": str(tmp_path / "out"), "missing": str(tmp_path / "nope.xlsx")}
    res = runner.invoke(app, ["import", *(a.format(**subs) for a in args)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    flat = " ".join(res.output.split())
    for text in expected:
        assert text in flat


def test_cli_import_pymrio_test_system(tmp_path: Path) -> None:
    pytest.importorskip("pymrio")
    res = runner.invoke(app, ["import", "pymrio", "test", str(tmp_path / "mrio")])
    assert res.exit_code == 0, res.output
    economy = read_economy(tmp_path / "mrio")
    assert economy.n_goods == 48 and "reg1/food" in economy.goods.index
    assert "money proxy" in economy.meta["description"]
