"""``councilplan import iot|sut|pymrio SRC DEST``: turn tables people already hold into economies.

Each command reads a source table, builds the economy (see
:mod:`councilplan.model.importers`), checks that it can produce a surplus, and writes the
economy directory of ARCHITECTURE section 8. A bad source table exits with code 2 and a
message that names the file, the row or column and the fix.
"""

from __future__ import annotations

import time
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from councilplan.cli.app import app, console, guarded
from councilplan.model.economy import Economy
from councilplan.model.errors import SourceTableError
from councilplan.model.formats import write_economy
from councilplan.model.importers.iot import PRESETS, IOTLayout, read_iot_table, with_options
from councilplan.model.importers.sut import SUT_PRESETS, read_sut

import_app = typer.Typer(name="import", help="Import input-output, supply-use or pymrio tables as an economy directory.",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


Dest = Annotated[Path, typer.Argument(help="new economy directory to write")]
FormatOpt = Annotated[FileFormat, typer.Option("--format", help="file format of the economy directory")]
ForceOpt = Annotated[bool, typer.Option("--force", help="write into DEST even if it is not empty")]


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        kind, sep, row = v.partition("=")
        if not sep or not kind.strip() or not row.strip():
            raise SourceTableError(f"{option} '{v}' is not KIND=ROW. Fix: write e.g. {option} hours='Hours worked'")
        out[kind.strip()] = row.strip()
    return out


def _write(economy: Economy, dest: Path, fmt: FileFormat, force: bool, seconds: float) -> None:
    from councilplan.planning import productivity

    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())) and not force:
        raise FileExistsError(f"{dest} exists and is not empty. Fix: choose a new directory, or pass --force")
    prod = productivity(economy)
    t0 = time.perf_counter()
    write_economy(economy, dest, format=fmt.value)
    t_write = time.perf_counter() - t0
    console.print(f"[green]✓[/] {economy!r}")
    console.print(f"  {economy.meta.get('description', '')}")
    for kind, total in economy.labour_available.items():
        console.print(f"  labour '{kind}': observed total {total:.10g}")
    mark = "[green]productive[/]" if prod.productive else "[red]NOT productive[/]"
    console.print(f"  {mark}: {prod.describe()}")
    if economy.meta.get("notes"):
        console.print(f"  [yellow]notes:[/] {economy.meta['notes']}")
    console.print(f"  written to {dest} (read {seconds:.3f}s, write {t_write:.3f}s)")


@import_app.command("iot")
@guarded
def iot_cmd(
    src: Annotated[Path, typer.Argument(help="symmetric input-output table (wide CSV)")],
    dest: Dest,
    preset: Annotated[str | None, typer.Option(help=f"a published layout: {', '.join(sorted(PRESETS))}")] = None,
    label_col: Annotated[str | None, typer.Option(help="column whose cells identify the rows")] = None,
    name_col: Annotated[str | None, typer.Option(help="column with the rows' names")] = None,
    product: Annotated[list[str] | None, typer.Option(help="product row id (repeat; default: rows whose id heads a column)")] = None,
    output_row: Annotated[str | None, typer.Option(help="row holding gross output")] = None,
    output_col: Annotated[str | None, typer.Option(help="column holding gross output")] = None,
    final_demand: Annotated[list[str] | None, typer.Option(help="final-demand column (repeat)")] = None,
    labour: Annotated[list[str] | None, typer.Option(help="labour kind and row, KIND=ROW (repeat)")] = None,
    sep: Annotated[str | None, typer.Option(help="field separator (default: sniffed)")] = None,
    name: Annotated[str | None, typer.Option(help="name of the economy")] = None,
    fmt: FormatOpt = FileFormat.csv,
    force: ForceOpt = False,
) -> None:
    """Import a symmetric input-output table (Z, x, final demand, a labour row): A = Z/x."""
    if preset is not None:
        from councilplan.model.importers.iot import preset as get_preset

        layout = get_preset(preset)
    elif label_col is not None:
        layout = IOTLayout(label_col=label_col)
    else:
        raise SourceTableError("no layout given. Fix: pass --preset NAME "
                               f"({', '.join(sorted(PRESETS))}) or describe the table with --label-col and "
                               "--output-row/--output-col")
    layout = with_options(layout, label_col=label_col, name_col=name_col,
                          products=tuple(product) if product else None,
                          final_demand=tuple(final_demand) if final_demand else None,
                          labour=_pairs(labour, "--labour") or None, sep=sep, name=name)
    if output_row is not None or output_col is not None:  # one replaces the other
        layout = replace(layout, output_row=output_row, output_col=output_col)
    t0 = time.perf_counter()
    economy = read_iot_table(src, layout).to_economy()
    _write(economy, dest, fmt, force, time.perf_counter() - t0)


@import_app.command("sut")
@guarded
def sut_cmd(
    src: Annotated[Path, typer.Argument(help="supply-use workbook (.xlsx), or the make table / its directory (.csv)")],
    dest: Dest,
    preset: Annotated[str, typer.Option(help=f"which statistical office's layout: {', '.join(SUT_PRESETS)}")],
    year: Annotated[str | None, typer.Option("--year", "--sheet", help="sheet (year) of a workbook with one sheet per year")] = None,
    use: Annotated[Path | None, typer.Option(help="use table, when not next to the make table")] = None,
    labour: Annotated[str | None, typer.Option(help="Spain: fte (default), persons, jobs or compensation")] = None,
    fmt: FormatOpt = FileFormat.csv,
    force: ForceOpt = False,
) -> None:
    """Import a supply-use table: one process per industry (industry-technology assumption)."""
    t0 = time.perf_counter()
    economy = read_sut(src, preset, year=year, use=use, labour=labour)
    _write(economy, dest, fmt, force, time.perf_counter() - t0)


@import_app.command("pymrio")
@guarded
def pymrio_cmd(
    src: Annotated[str, typer.Argument(help="a directory saved by pymrio (IOSystem.save_all), or 'test' for pymrio's test system")],
    dest: Dest,
    labour_extension: Annotated[str, typer.Option(help="extension holding the labour rows")] = "factor_inputs",
    labour_row: Annotated[list[str] | None, typer.Option(help="row of that extension to use as labour (repeat)")] = None,
    fmt: FormatOpt = FileFormat.csv,
    force: ForceOpt = False,
) -> None:
    """Import a pymrio IOSystem (EXIOBASE, WIOD, OECD …) as a Leontief economy."""
    from councilplan.model.importers.pymrio_io import from_pymrio

    try:
        import pymrio
    except ImportError:
        raise SourceTableError("this command needs pymrio. Fix: pip install 'councilplan[io]'") from None
    t0 = time.perf_counter()
    if src == "test":
        io = pymrio.load_test()
    else:
        path = Path(src)
        if not path.is_dir():
            raise SourceTableError(f"{src}: not a directory saved by pymrio. Fix: give the folder written by "
                                   "IOSystem.save_all(...), or 'test'")
        try:
            io = pymrio.load_all(path)
        except Exception as exc:  # pymrio raises several types for a folder it cannot read
            raise SourceTableError(f"{src}: pymrio cannot load it ({exc}). Fix: give the folder written by "
                                   "IOSystem.save_all(...)") from None
    economy = from_pymrio(io, labour_extension=labour_extension, labour_rows=labour_row)
    _write(economy, dest, fmt, force, time.perf_counter() - t0)
