"""Supply–use tables → activity-analysis :class:`~councilplan.model.economy.Economy`.

**Industry-technology assumption.** Each industry ``j`` becomes one process. Its unit level
is one money unit of the industry's output ``g_j``; at that level it makes its supply column
``B[:, j] = V[:, j] / g_j`` (several products: joint production) and uses its use column
``A[:, j] = U[:, j] / g_j``. An industry makes its products in fixed proportions whatever the
demand, and all its products share one input structure. Running every process at ``x = g``
reproduces the table: ``(B - A) g = V 1 - U 1``.

**Labour.** Hours worked when the table has them (Sweden), else persons or full-time
equivalents (Spain), and never gross output (the mistake of the peers' Spanish and Swedish
inputs, see ``shared/data/planners/SOURCES.md``). Tables without any employment row (US BEA)
use compensation of employees, and the Australian extract, which has no primary-input rows at
all, uses value added (output minus intermediate use); ``meta["description"]`` says which.
Every labour total is checked against the table's own total where the table prints one.

**Imports.** Where the table separates domestic and imported use (Sweden), ``A`` is the
domestic use and imported inputs become the resource ``imports``. Where it gives only total
use and imports by product (Spain, BEA), use is split by import proportionality
(:func:`~councilplan.model.importers._common.import_split`). Targets are the final use of
domestic products (negative entries clipped to 0); the labour limit is the observed total.

Readers: :func:`read_spain` (INE), :func:`read_sweden` (SCB workbook assembled by Hagberg),
:func:`read_bea` (US BEA summary make/use CSVs), :func:`read_abs` (ABS 114-group CSVs), and
:func:`read_sut` which dispatches on ``preset``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.errors import SourceTableError
from councilplan.model.importers._common import (
    clean_label,
    import_split,
    require_file,
    source_error,
    strip_margins,
    sut_economy,
    to_numbers,
)

SpainLabour = Literal["fte", "persons", "jobs", "compensation"]
SUT_PRESETS = ("spain", "sweden", "bea", "abs")


def _read_sheet(path: Path, sheet: str | None, want: str) -> tuple[pd.DataFrame, str]:
    """One worksheet as a grid of cells (no header inference); ``want`` is a regex for its name."""
    try:
        import openpyxl  # noqa: F401  (pandas needs it for .xlsx)
    except ImportError:  # pragma: no cover - the io extra is installed in tests
        raise SourceTableError("reading .xlsx needs openpyxl. Fix: pip install 'councilplan[io]'") from None
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(s) for s in book.sheet_names]
            if sheet is None:
                match = [s for s in names if re.fullmatch(want, s.strip(), flags=re.IGNORECASE)]
                if not match:
                    raise source_error(path, "sheets", f"no sheet matching {want!r} (sheets: {', '.join(names)})",
                                       "give the sheet with --sheet")
                sheet = match[-1]
            if sheet not in names:
                raise source_error(path, f"sheet '{sheet}'", f"no such sheet (sheets: {', '.join(names)})",
                                   "give one of the listed sheets (for Sweden: the year, e.g. --year 2016)")
            grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    except SourceTableError:
        raise
    except Exception as exc:  # a corrupt or non-Excel file is a user's mistake
        raise source_error(path, "whole file", f"not a readable .xlsx workbook ({exc})",
                           "give the workbook as published (.xlsx)") from None
    return grid, sheet


def _find(grid: pd.DataFrame, pattern: str, *, col: int | None = None, start: int = 0) -> tuple[int, int] | None:
    """First cell (row, col) whose text matches ``pattern`` (regex, case-insensitive), rows ≥ start."""
    rx = re.compile(pattern, re.IGNORECASE)
    cols = range(grid.shape[1]) if col is None else [col]
    for i in range(start, grid.shape[0]):
        for j in cols:
            v = grid.iat[i, j]
            if isinstance(v, str) and rx.search(v.strip()):
                return i, j
    return None


def _need(hit: tuple[int, int] | None, path: Path, sheet: str, what: str, fix: str) -> tuple[int, int]:
    if hit is None:
        raise source_error(path, f"sheet '{sheet}'", f"cannot find {what}", fix)
    return hit


# --------------------------------------------------------------------------- Spain (INE)
_SPAIN_LABOUR = {"fte": ("Full-time equivalents", "fte", "full-time equivalent jobs"),
                 "persons": ("Employment \\(persons\\)", "persons", "persons employed"),
                 "jobs": ("Jobs", "jobs", "jobs")}
_SPAIN_END = r"^(CIF/FOB|Taxes less subsidies on products|Total\b|TOTAL)"


def _spain_block(grid: pd.DataFrame, path: Path, sheet: str, total_header: str) -> dict[str, Any]:
    """Locate industries (columns) and products (rows) of an INE supply or use sheet."""
    h, tcol = _need(_find(grid, total_header), path, sheet, f"the column '{total_header}'",
                    "give INE's 'tablas de origen y destino' workbook (Table 1 supply, Table 2 use)")
    # "of which: …" columns are parts of the industry to their left; counting them would double it
    icols = [j for j in range(2, tcol) if clean_label(grid.iat[h, j])
             and not clean_label(grid.iat[h, j]).lower().startswith("of which")]
    codes_row = [grid.iat[h + 1, j] for j in icols]
    icodes = [clean_label(c).removesuffix(".0") if clean_label(c) else str(k + 1)
              for k, c in enumerate(codes_row)]
    inames = [clean_label(grid.iat[h, j]) for j in icols]
    code_col = 2 if icols and icols[0] > 2 else None  # base-2010 layout: codes in their own column
    rows: list[int] = []
    pcodes: list[str] = []
    pnames: list[str] = []
    for i in range(h + 2, grid.shape[0]):
        label = clean_label(grid.iat[i, 1])
        if not label:
            continue
        if re.match(_SPAIN_END, label):
            break
        if label.lower().startswith("of which"):
            continue  # a sub-row of the product above; counting it would double the flows
        m = re.match(r"^(\d+[a-z]?)\s*\.\s*(.*)$", label)
        if code_col is not None and clean_label(grid.iat[i, code_col]):
            code, name = clean_label(grid.iat[i, code_col]).removesuffix(".0"), label
        elif m:
            code, name = m.group(1), m.group(2)
        else:
            code, name = str(len(rows) + 1), label
        rows.append(i)
        pcodes.append(code)
        pnames.append(name)
    if not rows:
        raise source_error(path, f"sheet '{sheet}'", "no product rows below the header", "check the workbook layout")
    return {"h": h, "tcol": tcol, "icols": icols, "icodes": icodes, "inames": inames,
            "rows": rows, "pcodes": pcodes, "pnames": pnames}


def _labelled_row(grid: pd.DataFrame, header: str, path: Path, sheet: str, start: int) -> int:
    """The row labelled ``header`` (regex), or the first 'Total' row after it for a labour group."""
    hit = _need(_find(grid, f"^{header}$", col=1, start=start), path, sheet, f"the row '{header}'",
                "give INE's Table 2 (use table at purchasers' prices with the labour rows)")
    return hit[0]


def read_spain(path: str | Path, *, labour: SpainLabour = "fte") -> Economy:
    """Spanish supply–use table (INE ``cne_tod_YY_en.xlsx``; Table 1 supply, Table 2 use).

    Supply at basic prices (Table 1), use at purchasers' prices (Table 2, the table that holds
    the labour rows; INE's use table at basic prices is at a coarser product level). Use is
    total (domestic + imported) and is split by import proportionality with Table 1's imports.
    ``labour``: ``"fte"`` (full-time equivalent jobs, default; closest to hours), ``"persons"``,
    ``"jobs"`` (all converted from thousands), or ``"compensation"`` (€ million).
    """
    p = require_file(path, "Spanish supply-use workbook (cne_tod_YY_en.xlsx)")
    sup, s1 = _read_sheet(p, None, r"Tab(la|le) ?1")
    use, s2 = _read_sheet(p, None, r"Tab(la|le) ?2")
    S = _spain_block(sup, p, s1, r"^Total output$")
    U_ = _spain_block(use, p, s2, r"^Total intermediate consumption")
    if S["pcodes"] != U_["pcodes"] or S["icodes"] != U_["icodes"]:
        raise source_error(p, f"sheets '{s1}' and '{s2}'", "supply and use list different products or industries",
                           "give a workbook whose Table 1 and Table 2 share one classification")
    V = to_numbers(sup.iloc[S["rows"], S["icols"]], file=p, row_names=S["pcodes"], col_names=S["icodes"])
    U = to_numbers(use.iloc[U_["rows"], U_["icols"]], file=p, row_names=U_["pcodes"], col_names=U_["icodes"])
    imp_col = _need(_find(sup.iloc[[S["h"]]], r"^Total imports"), p, s1, "the column 'Total imports'",
                    "give INE's Table 1 with its imports column")[1]
    imports = to_numbers(sup.iloc[S["rows"], [imp_col]], file=p, row_names=S["pcodes"], col_names=["Total imports"])[:, 0]
    fu_col = _need(_find(use.iloc[[U_["h"]]], r"^Final uses$"), p, s2, "the column 'Final uses'",
                   "give INE's Table 2 with its final-uses column")[1]
    final = to_numbers(use.iloc[U_["rows"], [fu_col]], file=p, row_names=U_["pcodes"], col_names=["Final uses"])[:, 0]
    start = U_["rows"][-1]
    out_row = _labelled_row(use, r"Output at basic prices", p, s2, start)
    g = to_numbers(use.iloc[[out_row], U_["icols"]], file=p, row_names=["Output"], col_names=U_["icodes"])[0]
    if labour == "compensation":
        lrow, kind, unit, scale = _labelled_row(use, r"Compensation of employees", p, s2, start), "compensation", "€ million", 1.0
    else:
        header, kind, unit = _SPAIN_LABOUR[labour]
        grp = _labelled_row(use, header, p, s2, start)
        lrow = _labelled_row(use, r"Total", p, s2, grp + 1)
        scale = 1000.0
    w = to_numbers(use.iloc[[lrow], U_["icols"]], file=p, row_names=[kind], col_names=U_["icodes"])[0]
    printed = to_numbers(use.iloc[[lrow], [U_["tcol"]]], file=p, row_names=[kind], col_names=["Total"])[0, 0]
    _check_total(p, f"sheet '{s2}', row {lrow + 1} ({kind})", w.sum(), printed)
    output = V.sum(axis=1)
    U, F = strip_margins(U, final[:, None], output + imports)
    U_dom, imported = import_split(U, output, imports)
    share = np.divide(output, output + imports, out=np.zeros_like(output), where=output + imports > 0)
    year = _year(p)
    meta = {"name": f"Spain {year} (INE supply-use, {len(S['pcodes'])} products × {len(S['icodes'])} industries)",
            "description": (f"Industry-technology model of INE's {year} supply (basic prices) and use tables (purchasers' "
                            "prices, revalued to basic prices by removing margins and product taxes at each product's "
                            f"average rate and giving the margins to trade and transport); labour is {unit} ({kind}, table row {lrow + 1}, converted from thousands)"
                            if scale != 1.0 else
                            f"Industry-technology model of INE's {year} tables; labour is compensation of employees (€ million), "
                            "a money proxy for labour time")
                           + "; imported inputs split off by import proportionality (resource 'imports', € million).",
            "source": f"INE, Contabilidad Nacional Anual, tablas de origen y destino {year} ({p.name})",
            "labour_total": f"{w.sum() * scale:.10g}", "labour_unit": unit if scale == 1.0 else unit.replace("thousand ", ""),
            "importer": "councilplan.model.importers.sut.read_spain"}
    return sut_economy(V=V, U=U_dom, g=g, products=S["pcodes"], product_names=S["pnames"],
                       industries=S["icodes"], industry_names=S["inames"], primary={kind: w * scale},
                       final_demand=F[:, 0] * share, resources={"imports": imported}, unit="€ million",
                       meta=meta, file=p)


def _year(p: Path) -> str:
    m = re.search(r"tod_(\d\d)", p.name)
    return f"20{m.group(1)}" if m else "?"


def _check_total(path: Path, where: str, computed: float, printed: float, rtol: float = 1e-3) -> None:
    """Raise if a row's sum disagrees with the total the table prints (wrong row chosen)."""
    if printed and abs(computed - printed) > rtol * abs(printed):
        raise source_error(path, where, f"the industries sum to {computed:.10g} but the table's total is {printed:.10g}",
                           "check that the workbook is unmodified and that the right row was chosen")


# --------------------------------------------------------------------------- Sweden (SCB)
def _sweden_block(grid: pd.DataFrame, path: Path, sheet: str, title: str, *, products: bool = True) -> dict[str, Any]:
    """A product × industry block of the Swedish workbook, located by its title in column A."""
    t = _need(_find(grid, title, col=0), path, sheet, f"the block titled '{title}'",
              "give Statistics Sweden's nrio_sut workbook (one sheet per year)")[0]
    h = next((i for i in range(t, min(t + 4, grid.shape[0])) if clean_label(grid.iat[i, 2])), None)
    if h is None:
        raise source_error(path, f"sheet '{sheet}', row {t + 1}", f"no industry header under '{title}'", "check the layout")
    icols = []
    for j in range(2, grid.shape[1]):
        lab = clean_label(grid.iat[h, j])
        if not lab or lab in ("Summa", "Pris", "Prices"):
            break
        icols.append(j)
    rows, codes = [], []
    for i in range(h + 1, grid.shape[0]):
        lab = clean_label(grid.iat[i, 1])
        if not lab:
            break
        if products and lab.lower().startswith("koldioxid"):
            continue  # CO2 added as a "product" row in some copies: an emission, read from the variables block
        rows.append(i)
        codes.append(lab)
    return {"h": h, "icols": icols, "icodes": [clean_label(grid.iat[h, j]) for j in icols],
            "rows": rows, "codes": codes}


def read_sweden(path: str | Path, *, year: int | str | None = None) -> Economy:
    """Swedish supply–use table (SCB, ``nrio_sut_181108.xlsx``, one sheet per year 2008–2016).

    ``A`` is domestic use; imported use becomes the resource ``imports`` (SEK million); CO2
    (kt, where the sheet has it) becomes the resource ``CO2``. Labour is the row
    "Arbetade timmar (10K)" (hours worked in units of 10,000 h), converted to hours; the row
    above it, "Produktionsvärde", is gross output and is used only as ``g``.
    """
    p = require_file(path, "Swedish supply-use workbook (nrio_sut_*.xlsx)")
    grid, sheet = _read_sheet(p, None if year is None else str(year), r"\d{4}")
    dom = _sweden_block(grid, p, sheet, r"^Insatsmatris - inhemsk")
    imp = _sweden_block(grid, p, sheet, r"^Insatsmatris - import")
    sup = _sweden_block(grid, p, sheet, r"^Tillförselmatris - inhemsk")
    if dom["icodes"] != sup["icodes"] or imp["icodes"] != sup["icodes"]:
        raise source_error(p, f"sheet '{sheet}'", "the use and supply blocks list different industries",
                           "give the workbook unmodified")
    products = sup["codes"]
    V = to_numbers(grid.iloc[sup["rows"], sup["icols"]], file=p, row_names=products, col_names=sup["icodes"])

    def by_product(block: dict[str, Any]) -> np.ndarray:
        M = to_numbers(grid.iloc[block["rows"], block["icols"]], file=p, row_names=block["codes"], col_names=block["icodes"])
        out = np.zeros((len(products), M.shape[1]))
        pos = {c: k for k, c in enumerate(products)}
        for r, code in enumerate(block["codes"]):
            if code in pos:
                out[pos[code]] += M[r]
            elif np.any(M[r] != 0):  # e.g. a CO2 "product" row added by hand: not a product
                raise source_error(p, f"sheet '{sheet}', row {block['rows'][r] + 1} ('{code}')",
                                   "a use row that is not a product of the supply block has non-zero entries",
                                   "remove the row, or add the product to the supply block")
        return out

    U_dom, U_imp = by_product(dom), by_product(imp)
    var = _sweden_block(grid, p, sheet, r"^Övriga variabler", products=False)
    vals = to_numbers(grid.iloc[var["rows"], var["icols"]], file=p, row_names=var["codes"], col_names=var["icodes"])
    rows = {code: vals[k] for k, code in enumerate(var["codes"])}

    def var_row(pattern: str) -> tuple[str, np.ndarray]:
        for code, v in rows.items():
            if re.match(pattern, code, re.IGNORECASE):
                return code, v
        raise source_error(p, f"sheet '{sheet}', block 'Övriga variabler bransch'", f"no row matching '{pattern}'",
                           "give the workbook with the hours-worked row 'Arbetade timmar (10K)'")

    _, g = var_row(r"^Produktionsvärde")
    hours_label, hours10k = var_row(r"^Arbetade timmar")
    summa = next((j for j in range(var["icols"][-1] + 1, grid.shape[1]) if clean_label(grid.iat[var["h"], j]) == "Summa"), None)
    if summa is not None:
        r = var["rows"][var["codes"].index(hours_label)]
        _check_total(p, f"sheet '{sheet}', row {r + 1} (hours)", hours10k.sum(),
                     to_numbers(grid.iloc[[r], [summa]], file=p, row_names=[hours_label], col_names=["Summa"])[0, 0])
    resources = {"imports": U_imp.sum(axis=0)}
    co2 = [v for c, v in rows.items() if c.lower().startswith("koldioxid")]
    if co2:
        resources["CO2"] = co2[0]
    fd = _find(grid, r"^Slutlig användning - inhemsk")
    final = None
    if fd is not None:
        t, c0 = fd
        h = t + 1
        sj = next((j for j in range(c0 + 1, grid.shape[1]) if clean_label(grid.iat[h, j]) == "Summa"), None)
        if sj is not None:
            fr = [i for i in range(h + 1, h + 1 + len(products)) if clean_label(grid.iat[i, c0]) in products]
            fcodes = [clean_label(grid.iat[i, c0]) for i in fr]
            if sorted(fcodes) == sorted(products):
                fvals = to_numbers(grid.iloc[fr, [sj]], file=p, row_names=fcodes, col_names=["Summa"])[:, 0]
                final = pd.Series(fvals, index=fcodes).reindex(products).to_numpy()
    meta = {"name": f"Sweden {sheet} (SCB supply-use, {len(products)} products × {len(sup['icodes'])} industries)",
            "description": f"Industry-technology model of Statistics Sweden's {sheet} supply and domestic use tables "
                           "(SEK million, basic prices); labour is hours worked (row 'Arbetade timmar (10K)' × 10,000 h); "
                           "imported inputs are the resource 'imports' (SEK million)"
                           + ("; CO2 emissions the resource 'CO2' (kt)" if co2 else "") + ".",
            "source": f"Statistics Sweden (SCB) national accounts, supply and use tables {sheet}; hours and CO2 rows "
                      f"assembled by L. Hagberg ({p.name})",
            "labour_total": f"{hours10k.sum() * 1e4:.10g}", "labour_unit": "hours",
            "importer": "councilplan.model.importers.sut.read_sweden"}
    return sut_economy(V=V, U=U_dom, g=g, products=products, product_names=products, industries=sup["icodes"],
                       industry_names=sup["icodes"], primary={"hours": hours10k * 1e4}, final_demand=final,
                       resources=resources, unit="SEK million", meta=meta, file=p)


# ------------------------------------------------------------------------ US BEA (summary)
def _csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise source_error(path, "whole file", f"not a readable CSV ({str(exc).strip().splitlines()[-1]})",
                           "give the table as CSV with one header line") from None


def read_bea(make: str | Path, use: str | Path | None = None) -> Economy:
    """US BEA summary supply ("make", commodity × industry) and use tables (CSV; ``---`` = 0).

    ``make`` may be the make file or the directory holding ``make_NN.csv`` and ``use_NN.csv``
    (then the 71-industry pair when present). Use is total (domestic + imported) at producers'
    prices; imports by commodity are total supply minus domestic output and CIF/FOB
    adjustments, and split off by import proportionality. The tables have no hours or persons
    row, so labour is **compensation of employees** ($ million), as ``meta`` says.
    """
    mk = Path(make)
    if mk.is_dir():
        level = "71" if (mk / "make_71.csv").exists() else "15"
        mk, use = mk / f"make_{level}.csv", mk / f"use_{level}.csv"
    mk = require_file(mk, "BEA make table (make_NN.csv)")
    us = require_file(use if use is not None else mk.with_name(mk.name.replace("make", "use")), "BEA use table (use_NN.csv)")
    M, Ut = _csv(mk), _csv(us)
    mcols = list(M.columns)
    stop = next((k for k, c in enumerate(mcols) if k > 0 and re.match(r"^(Total|Imports|CIF/FOB)", c)), None)
    if stop is None:
        raise source_error(mk, "header", "no 'Total …' or 'CIF/FOB …' column after the industries", "give BEA's make table")
    inames = mcols[1:stop]
    n = len(inames)
    ucols = list(Ut.columns)
    if len(ucols) < n + 1:
        raise source_error(us, "header", f"fewer than {n} industry columns", "give the use table of the same level as the make table")
    icodes = [c.strip() for c in ucols[1:n + 1]]
    if ucols[1:n + 1] != inames and not all(re.fullmatch(r"[0-9A-Z]+", c) for c in icodes):
        raise source_error(us, "header", "its industries differ from the make table's", "give make and use tables of the same level and year")
    comm = [clean_label(v) for v in M.iloc[:, 0]]
    if "Total industry supply" not in comm:
        raise source_error(mk, "first column", "no row 'Total industry supply'", "give BEA's make table unmodified")
    nc = comm.index("Total industry supply")
    comm = comm[:nc]
    ulab = [clean_label(v) for v in Ut.iloc[:, 0]]
    if ulab[:nc] != comm:
        bad = next(k for k in range(nc) if k >= len(ulab) or ulab[k] != comm[k])
        raise source_error(us, f"row {bad + 2}", f"commodity '{ulab[bad] if bad < len(ulab) else ''}' differs from the make table's '{comm[bad]}'",
                           "give make and use tables of the same level and year")
    V = to_numbers(M.iloc[:nc, 1:n + 1], file=mk, row_names=comm, col_names=inames)
    U = to_numbers(Ut.iloc[:nc, 1:n + 1], file=us, row_names=comm, col_names=icodes)
    total = to_numbers(M.iloc[:nc, [len(mcols) - 1]], file=mk, row_names=comm, col_names=[mcols[-1]])[:, 0]
    cif_k = next((k for k, c in enumerate(mcols) if c.startswith("CIF/FOB")), None)
    cif = to_numbers(M.iloc[:nc, [cif_k]], file=mk, row_names=comm, col_names=[mcols[cif_k]])[:, 0] if cif_k else 0.0
    imports = total - V.sum(axis=1) - cif
    if "Imports" in mcols:
        imports = to_numbers(M.iloc[:nc, [mcols.index("Imports")]], file=mk, row_names=comm, col_names=["Imports"])[:, 0]

    def urow(label: str) -> np.ndarray:
        if label not in ulab:
            raise source_error(us, "first column", f"no row '{label}'", "give BEA's use table with its value-added rows")
        k = ulab.index(label)
        return to_numbers(Ut.iloc[[k], 1:n + 1], file=us, row_names=[label], col_names=icodes)[0]

    comp, g = urow("Compensation of employees"), urow("Total industry output (basic prices)")
    tcol = next((k for k, c in enumerate(ucols) if k > n and c.strip() in ("Total use of products", "T019")), len(ucols) - 1)
    fcols = list(range(n + 2, tcol))  # after 'Total Intermediate' (T001)
    F = to_numbers(Ut.iloc[:nc, fcols], file=us, row_names=comm, col_names=[ucols[k] for k in fcols])
    output = V.sum(axis=1)
    U, F = strip_margins(U, F, output + imports)
    U_dom, imported = import_split(U, output, imports)
    share = np.divide(output, output + imports, out=np.zeros_like(output), where=output + imports > 0)
    f = F.sum(axis=1)
    code_of = dict(zip(inames, icodes, strict=True))
    pcodes = [code_of.get(c, c) for c in comm]
    meta = {"name": f"United States (BEA summary supply-use, {nc} commodities × {n} industries)",
            "description": "Industry-technology model of the BEA summary make and use tables ($ million); use revalued from "
                           "purchasers' to basic prices (margins and product taxes removed at each commodity's average rate, "
                           "margins given to trade and transport). "
                           "The tables have no hours or persons row, so labour is compensation of employees ($ million), a "
                           "money proxy for labour time; imported inputs split off by import proportionality (resource 'imports').",
            "source": f"US Bureau of Economic Analysis, summary make and use tables ({mk.name}, {us.name}), via QuantEcon",
            "labour_total": f"{comp.sum():.10g}", "labour_unit": "$ million (compensation)",
            "importer": "councilplan.model.importers.sut.read_bea"}
    return sut_economy(V=V, U=U_dom, g=g, products=pcodes, product_names=comm, industries=icodes, industry_names=inames,
                       primary={"compensation": comp}, final_demand=f * share, resources={"imports": imported},
                       unit="$ million", meta=meta, file=us)


# ----------------------------------------------------------------------- Australia (ABS)
def read_abs(make: str | Path, use: str | Path | None = None) -> Economy:
    """ABS 114-group supply ("make", product × industry, rows coded) and use (uncoded rows) CSVs.

    The use file has no label column: its rows are taken to be the supply file's products in
    order. Neither file has employment, compensation or imports, so labour is **value added**
    ``g - Σ_i U_ij`` ($ million), a money proxy, as ``meta`` says; cells ``n.p.`` count as 0.
    """
    mk = Path(make)
    if mk.is_dir():
        mk, use = mk / "make_114_aus.csv", mk / "use_114_aus.csv"
    mk = require_file(mk, "ABS supply table (make_114_aus.csv)")
    us = require_file(use if use is not None else mk.with_name(mk.name.replace("make", "use")), "ABS use table (use_114_aus.csv)")
    M, Ut = _csv(mk), _csv(us)
    codes = [clean_label(v) for v in M.iloc[:, 0]]
    n_p = next((k for k, c in enumerate(codes) if not c or c.lower() == "total"), len(codes))
    products = codes[:n_p]
    cols = [str(c).strip() for c in M.columns]
    tot = next((k for k, c in enumerate(cols) if c.lower() == "total"), None)
    if tot is None:
        raise source_error(mk, "header", "no 'total' column", "give the ABS supply table with its total column")
    industries = cols[1:tot]
    ucols = [str(c).strip() for c in Ut.columns]
    if ucols[:len(industries)] != industries:
        raise source_error(us, "header", "its industry codes differ from the supply table's", "give matching ABS supply and use tables")
    if len(Ut) < n_p:
        raise source_error(us, f"row {len(Ut) + 2}", f"{len(Ut)} rows for {n_p} products", "give the full 114-row use table")
    V = to_numbers(M.iloc[:n_p, 1:tot], file=mk, row_names=products, col_names=industries)
    U = to_numbers(Ut.iloc[:n_p, :len(industries)], file=us, row_names=products, col_names=industries)
    g = V.sum(axis=0)
    va = g - U.sum(axis=0)
    neg = np.flatnonzero(va < 0)
    if neg.size:
        raise source_error(us, f"column '{industries[neg[0]]}'", "intermediate use exceeds the industry's output",
                           "check that supply rows are products and columns industries")
    meta = {"name": f"Australia 2020-21 (ABS supply-use, {n_p} products × {len(industries)} industries)",
            "description": "Industry-technology model of the ABS 2020-21 supply and use tables ($ million). The extract has no "
                           "hours, persons or compensation row, so labour is value added (output minus intermediate use), a "
                           "money proxy for labour time; use is total use (no import split is possible); targets are "
                           "output minus intermediate use by product (no final-demand columns), clipped at 0.",
            "source": f"Australian Bureau of Statistics, input-output tables 2020-21 ({mk.name}, {us.name}), via QuantEcon",
            "labour_total": f"{va.sum():.10g}", "labour_unit": "$ million (value added)",
            "importer": "councilplan.model.importers.sut.read_abs"}
    return sut_economy(V=V, U=U, g=g, products=products, product_names=products, industries=industries,
                       industry_names=industries, primary={"value_added": va},
                       final_demand=V.sum(axis=1) - U.sum(axis=1), unit="$ million",
                       meta=meta, file=us)


def read_sut(source: str | Path, preset: str, *, year: int | str | None = None, use: str | Path | None = None,
             labour: str | None = None) -> Economy:
    """Dispatch to the reader of ``preset`` (``spain``, ``sweden``, ``bea`` or ``abs``)."""
    key = preset.strip().lower()
    if key == "spain":
        return read_spain(source, labour=(labour or "fte"))  # type: ignore[arg-type]
    if key == "sweden":
        return read_sweden(source, year=year)
    if key == "bea":
        return read_bea(source, use)
    if key == "abs":
        return read_abs(source, use)
    raise SourceTableError(f"unknown supply-use preset '{preset}'. Fix: choose one of: {', '.join(SUT_PRESETS)}")
