"""Symmetric input–output tables in money terms → :class:`~councilplan.model.economy.Economy`.

A symmetric table (product × product or industry × industry) gives the intermediate flows
``Z``, gross output ``x``, final demand ``f`` and primary-input rows ``w`` (compensation of
employees, employment, value added …). The economy is Leontief's:

* ``A = Z diag(x)^{-1}`` (:func:`councilplan.model.iomath.calc_A`), ``B = I``;
* labour coefficients ``l = w / x`` for each chosen labour row (one labour kind each);
* targets ``max(f, 0)`` (the final demand of the table's year; negative entries, i.e.
  inventories run down, are clipped to 0);
* labour limits: the observed totals ``Σ w``, so the table's own year is a feasible plan.

One unit of each good is one money unit of its output at the table's prices (basic prices
for the presets). When a table has no labour row, the residual primary input
``x - Σ_i Z_ij`` (value added plus imports and product taxes) is used and ``meta`` says so.

A *wide* CSV layout is read with :class:`IOTLayout`; :data:`PRESETS` names the layouts of
published tables (``councilplan import iot --preset NAME``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.importers._common import (
    clean_label,
    require_file,
    source_error,
    square_economy,
    to_numbers,
)


@dataclass(frozen=True)
class IOTLayout:
    """Where the parts of a wide input–output CSV are.

    Rows are identified by the values of ``label_col``; columns by their headers.

    Attributes
    ----------
    label_col : column whose cells identify the rows (product codes, ``"P1"`` …).
    name_col : column with human-readable row labels (names of the goods), if any.
    products : product row ids, in order. ``None``: every row id that is also a column header.
    product_columns : the matching column headers, in the same order, when columns are named
        differently from rows (``None``: the same as ``products``).
    output_row / output_col : where gross output ``x`` is (exactly one of them).
    final_demand : final-demand columns, summed into ``f``.
    labour : ``{kind: row id}``; each row becomes one labour kind. Empty: residual value added.
    labour_scale : multiply each labour row by this (e.g. ``1000`` for thousands of persons).
    resources : ``{resource: row id}``, e.g. emissions rows; coefficients ``r / x``.
    sep : field separator; ``None`` sniffs ``,`` ``;`` or tab.
    unit, name, description, source : metadata of the economy.
    """

    label_col: str
    products: tuple[str, ...] | None = None
    product_columns: tuple[str, ...] | None = None
    name_col: str | None = None
    output_row: str | None = None
    output_col: str | None = None
    final_demand: tuple[str, ...] = ()
    labour: dict[str, str] = field(default_factory=dict)
    labour_scale: dict[str, float] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    sep: str | None = None
    unit: str = "money unit"
    name: str = "imported input-output table"
    description: str = ""
    source: str = ""
    file: str = ""  # the preset's usual file name (documentation and CLI help)


@dataclass(frozen=True)
class IOTable:
    """A symmetric table read into labelled parts (what :func:`read_iot_table` returns).

    ``Z`` (products × products), ``x`` and ``f`` by product, ``rows``: every non-product row
    of the table by product column (primary inputs, totals, employment …), ``names`` by id.
    """

    Z: pd.DataFrame
    x: pd.Series
    f: pd.Series | None
    rows: pd.DataFrame
    names: pd.Series
    layout: IOTLayout
    path: Path

    def row(self, row_id: str) -> np.ndarray:
        """A non-product row by its id, as a vector over products."""
        if row_id not in self.rows.index:
            have = ", ".join(map(str, self.rows.index[:30]))
            raise source_error(self.path, f"row '{row_id}'", "no such row",
                               f"choose one of the table's rows: {have}")
        return self.rows.loc[row_id].to_numpy(dtype=float)

    def to_economy(self, labour: dict[str, str] | None = None) -> Economy:
        """The Leontief economy of this table (see the module docstring for the formulas)."""
        lay = self.layout
        labour = lay.labour if labour is None else labour
        if labour:
            primary = {k: self.row(r) * lay.labour_scale.get(k, 1.0) for k, r in labour.items()}
            labour_note = ", ".join(f"{k} = row '{r}'" + (f" × {lay.labour_scale[k]:g}" if k in lay.labour_scale else "")
                                    for k, r in labour.items())
        else:
            primary = {"value_added": self.x.to_numpy() - self.Z.to_numpy().sum(axis=0)}
            labour_note = ("value_added = gross output minus intermediate inputs: the table has no "
                           "labour row, so a money proxy stands in for labour time")
        resources = {k: self.row(r) for k, r in lay.resources.items()}
        meta = {"name": lay.name,
                "description": (lay.description + " " if lay.description else "")
                + f"Leontief economy, A = Z/x; labour per unit of output: {labour_note}.",
                "source": lay.source or str(self.path.name),
                "importer": "councilplan.model.importers.iot", "file": self.path.name,
                "unit": lay.unit}
        return square_economy(Z=self.Z.to_numpy(), x=self.x.to_numpy(), ids=list(self.Z.index),
                              names=list(self.names.reindex(self.Z.index).fillna("")),
                              primary=primary, final_demand=None if self.f is None else self.f.to_numpy(),
                              resources=resources, unit=lay.unit, meta=meta, file=self.path)


def _sniff(path: Path) -> str:
    head = path.read_text(encoding="utf-8-sig", errors="replace")[:4096]
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_iot_table(path: str | Path, layout: IOTLayout) -> IOTable:
    """Read a wide input–output CSV into its labelled parts.

    Raises :class:`~councilplan.model.errors.SourceTableError` naming the file, the row or
    column and the fix when a part is missing or a cell is not a number.
    """
    p = require_file(path, "input-output table")
    sep = layout.sep or _sniff(p)
    try:
        raw = pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise source_error(p, "whole file", f"not a readable CSV ({str(exc).strip().splitlines()[-1]})",
                           "save the table as CSV with one header line") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    if layout.label_col not in raw.columns:
        raise source_error(p, f"column '{layout.label_col}'", "label column not found",
                           f"use --label-col with one of: {', '.join(raw.columns[:20])}")
    ids = raw[layout.label_col].map(clean_label)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise source_error(p, f"row '{dup}'", f"the id appears twice in column '{layout.label_col}'",
                           "give every row a distinct id")
    frame = raw.set_index(pd.Index(ids, dtype=object))
    products = list(layout.products) if layout.products is not None else [
        i for i in frame.index if i in frame.columns and i != layout.label_col]
    if not products:
        raise source_error(p, f"column '{layout.label_col}'", "no product rows found (no row id is also a column header)",
                           "list the product rows with --products, or choose the label column whose ids head the columns")
    pcols = list(layout.product_columns) if layout.product_columns is not None else products
    if len(pcols) != len(products):
        raise source_error(p, "product columns", f"{len(pcols)} product columns for {len(products)} product rows",
                           "give as many product columns as product rows")
    for r in products:
        if r not in frame.index:
            raise source_error(p, f"row '{r}'", "product row not found", f"check the ids in column '{layout.label_col}'")
    for c in [*pcols, *layout.final_demand, *([layout.output_col] if layout.output_col else [])]:
        if c not in frame.columns:
            raise source_error(p, f"column '{c}'", "column not found",
                               f"choose one of the header's columns: {', '.join(frame.columns[:25])} …")
    Z = pd.DataFrame(to_numbers(frame.loc[products, pcols], file=p, row_names=products, col_names=pcols),
                     index=pd.Index(products, dtype=object), columns=pd.Index(products, dtype=object))
    if (layout.output_row is None) == (layout.output_col is None):
        raise source_error(p, "gross output", "give exactly one of an output row or an output column",
                           "use --output-row NAME or --output-col NAME")
    if layout.output_row is not None:
        if layout.output_row not in frame.index:
            raise source_error(p, f"row '{layout.output_row}'", "output row not found",
                               f"choose the row of total output in column '{layout.label_col}'")
        xv = to_numbers(frame.loc[[layout.output_row], pcols], file=p, row_names=[layout.output_row], col_names=pcols)[0]
    else:
        col = str(layout.output_col)
        xv = to_numbers(frame.loc[products, [col]], file=p, row_names=products, col_names=[col])[:, 0]
    x = pd.Series(xv, index=Z.index, name="x")
    f = None
    if layout.final_demand:
        fd = to_numbers(frame.loc[products, list(layout.final_demand)], file=p, row_names=products,
                        col_names=list(layout.final_demand))
        f = pd.Series(fd.sum(axis=1), index=Z.index, name="f")
    others = [i for i in frame.index if i not in set(products) and i != ""]
    rows = pd.DataFrame(to_numbers(frame.loc[others, pcols], file=p, row_names=others, col_names=pcols),
                        index=pd.Index(others, dtype=object), columns=Z.index)
    names = (frame.loc[products, layout.name_col].map(clean_label) if layout.name_col and layout.name_col in frame.columns
             else pd.Series(products, index=products))
    names.index = Z.index
    return IOTable(Z=Z, x=x, f=f, rows=rows, names=names, layout=layout, path=p)


def read_iot(path: str | Path, layout: IOTLayout | str, *, labour: dict[str, str] | None = None) -> Economy:
    """Read a symmetric input–output CSV and return its Leontief economy.

    ``layout`` is an :class:`IOTLayout` or the name of a preset in :data:`PRESETS`.
    ``labour`` overrides the layout's labour rows (``{kind: row id}``).
    """
    lay = preset(layout) if isinstance(layout, str) else layout
    return read_iot_table(path, lay).to_economy(labour)


def preset(name: str) -> IOTLayout:
    """The layout of a named published table (see :data:`PRESETS`)."""
    key = name.strip().lower().replace("-", "_")
    if key not in PRESETS:
        raise source_error(name, "preset", f"unknown preset '{name}'",
                           f"choose one of: {', '.join(sorted(PRESETS))}")
    return PRESETS[key]


def with_options(layout: IOTLayout, **changes: object) -> IOTLayout:
    """A copy of ``layout`` with some fields replaced (``None`` values are ignored)."""
    return replace(layout, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


_BEUTEL_COLS = ("agriculture_group", "manufacturing_group", "construction_group", "trade_group",
                "business_services_group", "other_services_group")
_UN_COLS = ("Agriculture", "Manufacturing", "Construction", "Trade_transport_comm",
            "Finance_and_business_services", "Other_services")

#: Layouts of the published tables in ``shared/data/io`` (and of any table laid out alike).
PRESETS: dict[str, IOTLayout] = {
    "ons_uk_2010": IOTLayout(
        label_col="row_code", name_col="row_label", output_row="Total output",
        final_demand=("Households", "Non-profit instns serving households", "Central government",
                      "Local government", "Gross fixed capital formation", "Valuables",
                      "Changes in inventories", "Exports of goods", "Exports of services"),
        labour={"compensation": "Compensation of employees"},
        unit="£ million (2010, basic prices)", name="UK 2010 (ONS IOAT, domestic use, product × product)",
        description="ONS UK Input-Output Analytical Tables 2010, domestic use at basic prices, 127 products. "
                    "The table has no hours row: labour is compensation of employees (£ million).",
        source="ONS, UK Input-Output Analytical Tables 2010 (OGL v3), via rOpenGov/iotables",
        file="iot_domestic_basic_pxp_2010.csv"),
    "eurostat_germany_1995": IOTLayout(
        label_col="t_rows2", name_col="t_rows2_lab",
        products=("cpa_a", "cpa_c", "cpa_f", "cpa_g_i", "cpa_business", "cpa_other"),
        product_columns=_BEUTEL_COLS, output_row="P1",
        final_demand=("consumption_expenditure_household", "consumption_expenditure_government",
                      "gross_capital_formation", "inventory_change", "export_goods_services"),
        labour={"persons": "EMP"}, labour_scale={"persons": 1000.0},
        unit="€ million (1995, basic prices)", name="Germany 1995 (Eurostat manual, Beutel Table 15.4)",
        description="Germany 1995 symmetric IOT, 6 product groups; labour is total employment (persons).",
        source="Beutel (2008), Eurostat Manual of Supply, Use and Input-Output Tables, Table 15.4, via rOpenGov/iotables",
        file="Beutel_15_4.csv"),
    "miller_blair_2sector": IOTLayout(
        label_col="from_to", output_col="total_output", final_demand=("final_demand",),
        unit="money unit", name="Miller & Blair 2-sector example",
        description="Miller & Blair's 2-sector worked example.",
        source="Miller & Blair, Input-Output Analysis, worked 2-sector example", file="flows.csv"),
    "netherlands_2000": IOTLayout(
        label_col="prod_na", output_row="output_bp", sep=";",
        products=("agriculture_group", "mining_group", "manufacturing_group", "utilities_group",
                  "construction_group", "services_group"),
        final_demand=("final_consumption_private", "final_consumption_government",
                      "gross_fixed_capital_formation", "exports"),
        labour={"compensation": "compensation_employees"},
        unit="€ million (2000)", name="Netherlands 2000 (simplified SIOT, 6 sectors)",
        description="Simplified Netherlands 2000 SIOT; the table has no hours row: labour is compensation of employees.",
        source="D'Hernoncourt, Cordier & Hadley (2011), Spicosa, via rOpenGov/iotables", file="netherlands_2000.csv"),
    "un_germany_2009": IOTLayout(
        label_col="prod_na", name_col="prod_na_lab",
        products=("CPA_A", "CPA_B-E", "CPA_F", "CPA_G-I", "CPA_J-N", "CPA_O-T"),
        product_columns=_UN_COLS, output_row="P1",
        final_demand=("final_consumption_households", "final_consumption_government",
                      "gross_capital_formation", "inventory_change", "exports"),
        labour={"persons": "EMP"}, resources={"CO2": "CO2", "CH4": "CH4", "N2O": "N2O"},
        unit="€ billion (2009)", name="Germany 2009 (UN handbook example, 6 sectors)",
        description="UN Handbook on Supply, Use and IO Tables with Extensions (2018) Germany 2009 example; "
                    "labour is total domestic employment as printed; CO2, CH4, N2O emissions are resources.",
        source="UN Handbook on Supply, Use and Input-Output Tables with Extensions (2018), via rOpenGov/iotables",
        file="germany_2009.csv"),
}
