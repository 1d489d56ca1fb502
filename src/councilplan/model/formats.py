"""The economy directory format (ARCHITECTURE section 8), in CSV and Parquet.

==================  ===============================================  ========
file                columns                                          required
==================  ===============================================  ========
economy.toml        name, description, source                        yes
goods.csv           id, name, unit (+ region)                        yes
processes.csv       id, name (+ region, capacity)                    no
inputs.csv          process, good, amount   (A, amount ≥ 0)          yes
outputs.csv         process, good, amount   (B)                      no
labour.csv          process, hours (+ kind, default "labour")        yes
resources.csv       process, resource, amount   (R)                  no
limits.csv          kind, id, available  (kind: labour|resource|     no
                    capacity)
targets.csv         good, amount (+ weight, floor)                   no
==================  ===============================================  ========

Each ``.csv`` may instead be a ``.parquet`` file with the same stem and columns.
When ``processes.csv`` is absent each good ``g`` has one process ``g``; when
``outputs.csv`` is absent each process makes one unit of the good with its id.

Reading builds the sparse matrices with vectorised index look-ups (no Python
loop over non-zeros) and reports every problem at once as an
:class:`~councilplan.model.errors.EconomyError`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError
from councilplan.model.validate import MIN_MAGNITUDE, Checker, Table

Format = Literal["csv", "parquet"]
LIMIT_KINDS = ("labour", "resource", "capacity")
TABLES = ("goods", "processes", "inputs", "outputs", "labour", "resources", "limits", "targets")


def _read_table(directory: Path, stem: str, checker: Checker, *, required: bool) -> Table | None:
    csv, parquet = directory / f"{stem}.csv", directory / f"{stem}.parquet"
    if parquet.exists():
        try:
            frame = pd.read_parquet(parquet)
        except ImportError:
            checker.add(parquet.name, "reading Parquet needs pyarrow", "pip install 'councilplan[parquet]'")
            return None
        except Exception as exc:  # a corrupt file is a user's mistake
            checker.add(parquet.name, f"cannot read Parquet file ({exc})", "rewrite the file, or use CSV")
            return None
        return Table(parquet.name, frame.reset_index(drop=True), header_lines=0)
    if csv.exists():
        try:
            frame = pd.read_csv(csv, dtype={"id": str, "process": str, "good": str, "kind": str,
                                            "resource": str, "name": str, "unit": str, "region": str},
                                skipinitialspace=True, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            checker.add(csv.name, "file is empty", "write a header line and one row per record", 1)
            return None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            checker.add(csv.name, f"malformed CSV ({str(exc).strip().splitlines()[-1]})",
                        "check quoting and that each line has as many fields as the header")
            return None
        frame.columns = [str(c).strip() for c in frame.columns]
        return Table(csv.name, frame)
    if required:
        checker.add(f"{stem}.csv", "required file is missing", f"create {directory / (stem + '.csv')}")
    return None


def _read_meta(directory: Path, checker: Checker) -> dict[str, str]:
    path = directory / "economy.toml"
    if not path.exists():
        checker.add("economy.toml", "required file is missing",
                    'create it with name = "...", description = "...", source = "..."')
        return {"name": directory.name}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        checker.add("economy.toml", f"invalid TOML ({exc})", 'write lines like name = "my economy"')
        return {"name": directory.name}
    for key in ("name", "description", "source"):
        if key not in data:
            checker.add("economy.toml", f"missing key '{key}'", f'add a line {key} = "..."')
    return {str(k): str(v) for k, v in data.items()}


def _triplets(
    checker: Checker, table: Table, row_col: str, row_index: pd.Index, row_what: str, row_where: str,
    col_col: str, col_index: pd.Index, col_what: str, col_where: str, value_col: str, *, positive: bool = False,
    smallest: float = 0.0,
) -> sp.csr_matrix | None:
    """Build a sparse (len(row_index), len(col_index)) matrix from a long table."""
    if not checker.columns(table, (col_col, row_col, value_col)):
        return None
    rows = checker.known(table, checker.ids(table, row_col, row_what), row_col, row_index, row_what, row_where)
    cols = checker.known(table, checker.ids(table, col_col, col_what), col_col, col_index, col_what, col_where)
    vals = checker.numbers(table, value_col, positive=positive, smallest=smallest)
    known = (rows >= 0) & (cols >= 0)
    ok = known & np.isfinite(vals)
    M = sp.csr_matrix((vals[ok], (rows[ok], cols[ok])), shape=(len(row_index), len(col_index)))
    # Building M merged any repeated pairs; only then (or with invalid values) look for them row by row.
    if M.nnz != np.count_nonzero(ok) or np.count_nonzero(ok) != np.count_nonzero(known):
        pair = pd.MultiIndex.from_arrays([rows, cols])
        dup = np.asarray(pair.duplicated()) & known
        checker.rows(table, dup, None, f"duplicate ({col_col}, {row_col}) pair", "merge the two rows into one")
    return M


def read_economy(directory: str | Path) -> Economy:
    """Read and validate an economy directory.

    Raises
    ------
    EconomyError
        listing every problem found, each with file, line, column and fix.
    """
    directory = Path(directory)
    checker = Checker()
    if not directory.is_dir():
        checker.add(str(directory), "economy directory not found",
                    "give the path of a directory with goods.csv, inputs.csv and labour.csv "
                    "(or make one with `councilplan example NAME DEST`)")
        raise EconomyError(checker.issues, source=str(directory))
    meta = _read_meta(directory, checker)
    t = {stem: _read_table(directory, stem, checker, required=stem in ("goods", "inputs", "labour"))
         for stem in TABLES}

    goods = _entities(checker, t["goods"], ("id", "name", "unit"), "good")
    if t["processes"] is not None:
        processes = _entities(checker, t["processes"], ("id", "name"), "process")
    elif goods is not None:
        processes = pd.DataFrame({"name": goods["name"].to_numpy()}, index=goods.index.copy())
    else:
        processes = None
    if goods is None or processes is None:
        raise EconomyError(checker.issues, source=str(directory))

    gi, pi = goods.index, processes.index
    where_p = "processes.csv" if t["processes"] is not None else "goods.csv (each good is its own process)"
    m, n = len(gi), len(pi)
    A = B = L = R = None
    if t["inputs"] is not None:
        A = _triplets(checker, t["inputs"], "good", gi, "good", "goods.csv", "process", pi, "process", where_p, "amount")
    if t["outputs"] is not None:
        B = _triplets(checker, t["outputs"], "good", gi, "good", "goods.csv", "process", pi, "process", where_p, "amount",
                      smallest=MIN_MAGNITUDE)
    else:
        codes = gi.get_indexer(pi)
        if (codes < 0).any():
            bad = pi[codes < 0]
            checker.add("outputs.csv", f"outputs.csv is absent, so each process must have the id of the good it makes, but process '{bad[0]}' is not a good ({len(bad)} such processes)",
                        "add outputs.csv with process,good,amount rows")
        ok = codes >= 0
        B = sp.csr_matrix((np.ones(ok.sum()), (codes[ok], np.flatnonzero(ok))), shape=(m, n))
    kinds = pd.Index(["labour"], dtype=object, name="kind")
    if t["labour"] is not None and checker.columns(t["labour"], ("process", "hours")):
        lab = t["labour"].frame
        if "kind" not in lab.columns:
            lab = lab.assign(kind="labour")
        kind_ids = lab["kind"].fillna("labour").astype(str).str.strip()
        kinds = pd.Index(pd.unique(kind_ids), dtype=object, name="kind")
        L = _triplets(checker, Table(t["labour"].name, lab, t["labour"].header_lines), "kind", kinds, "labour kind",
                      "labour.csv", "process", pi, "process", where_p, "hours")
    resources = pd.Index([], dtype=object, name="resource")
    if t["resources"] is not None and checker.columns(t["resources"], ("process", "resource", "amount")):
        resources = pd.Index(pd.unique(t["resources"].frame["resource"].astype(str).str.strip()), dtype=object, name="resource")
        R = _triplets(checker, t["resources"], "resource", resources, "resource", "resources.csv",
                      "process", pi, "process", where_p, "amount")

    capacity = pd.Series(np.inf, index=pi, dtype=float)
    if t["processes"] is not None and "capacity" in t["processes"].frame.columns:
        cap = checker.numbers(t["processes"], "capacity", allow_empty=True)
        capacity[:] = np.where(np.isnan(cap), np.inf, cap)
    lab_avail = pd.Series(np.inf, index=kinds, dtype=float)
    res_avail = pd.Series(np.inf, index=resources, dtype=float)
    if t["limits"] is not None:
        _limits(checker, t["limits"], lab_avail, res_avail, capacity, kinds, resources, pi)
    targets = None
    if t["targets"] is not None and checker.columns(t["targets"], ("good", "amount")):
        targets = _targets(checker, t["targets"], gi)

    if B is not None:
        makes = np.asarray((B != 0).sum(axis=0)).ravel()
        dead = np.flatnonzero(makes == 0)
        for j in dead[:10]:
            checker.add("outputs.csv" if t["outputs"] is not None else where_p,
                        f"process '{pi[j]}' makes nothing", "add an outputs.csv row for it, or remove the process")
        if dead.size > 10:
            checker.add("outputs.csv", f"{dead.size - 10} more processes make nothing", "give each process an output")
    if checker.issues or A is None or B is None or L is None:
        raise EconomyError(checker.issues, source=str(directory))
    return Economy.build(goods=goods, processes=processes, A=A, B=B, L=L, labour_kinds=kinds, R=R,
                         resources=resources, labour_available=lab_avail, resource_available=res_avail,
                         capacity=capacity, targets=targets, meta=meta)


def _entities(checker: Checker, table: Table | None, required: tuple[str, ...], what: str) -> pd.DataFrame | None:
    if table is None or not checker.columns(table, required):
        return None
    ids = checker.ids(table, "id", what)
    dup = checker.unique(table, ids, "id", what)
    keep = [c for c in table.frame.columns if c not in ("id", "capacity")]
    frame = table.frame[keep].copy()
    frame.index = pd.Index(ids.to_numpy(), dtype=object, name="id")
    # empty and repeated ids are reported above; drop them (keep a repeat's first row) so later checks still run
    drop = dup | ids.isna().to_numpy(dtype=bool) | (ids.fillna("") == "").to_numpy(dtype=bool)
    return frame[~drop] if drop.any() else frame


def _limits(checker: Checker, table: Table, lab: pd.Series, res: pd.Series, cap: pd.Series,
            kinds: pd.Index, resources: pd.Index, processes: pd.Index) -> None:
    if not checker.columns(table, ("kind", "id", "available")):
        return
    kind = table.frame["kind"].astype(str).str.strip().str.lower()
    badkind = ~kind.isin(LIMIT_KINDS).to_numpy()
    checker.rows(table, badkind, "kind", "kind must be labour, resource or capacity", "write labour, resource or capacity")
    ids = checker.ids(table, "id", "limit")
    avail = checker.numbers(table, "available")
    dup = pd.DataFrame({"kind": kind.to_numpy(), "id": ids.to_numpy()}).duplicated().to_numpy()
    checker.rows(table, dup, "id", "a second limit for the same (kind, id)",
                 "give each labour kind, resource or capacity one limit row (keep the one you mean)")
    for name, index, series, where in (("labour", kinds, lab, "labour.csv 'kind'"),
                                       ("resource", resources, res, "resources.csv"),
                                       ("capacity", processes, cap, "processes.csv")):
        sel = (kind == name).to_numpy()
        if not sel.any():
            continue
        sub_rows = np.flatnonzero(sel)
        codes = checker.positions(index, ids[sel])
        unknown = np.flatnonzero(codes < 0)
        for pos in unknown[:10]:
            checker.add(table.name, f"unknown {name} id '{ids[sel].iloc[pos]}'", f"define it in {where} or correct the spelling",
                        int(table.line(sub_rows[pos:pos + 1])[0]), "id")
        ok = (codes >= 0) & np.isfinite(avail[sel])
        series.iloc[codes[ok]] = avail[sel][ok]


def _targets(checker: Checker, table: Table, goods: pd.Index) -> pd.DataFrame:
    ids = checker.ids(table, "good", "good")
    codes = checker.known(table, ids, "good", goods, "good", "goods.csv")
    dup = ids.duplicated().to_numpy() & (codes >= 0)
    checker.rows(table, dup, "good", "duplicate target for the same good", "give each good one target row")
    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), dtype=object))
    out["amount"] = checker.numbers(table, "amount")
    for col in ("weight", "floor"):
        if col in table.frame.columns:
            out[col] = np.nan_to_num(checker.numbers(table, col, allow_empty=True), nan=1.0 if col == "weight" else 0.0)
    keep = (codes >= 0) & ~dup
    return out.loc[keep]


# ---------------------------------------------------------------------- write
def _frame_out(frame: pd.DataFrame, path: Path, fmt: Format) -> None:
    if fmt == "parquet":
        frame.to_parquet(path.with_suffix(".parquet"), index=False)
    else:
        frame.to_csv(path.with_suffix(".csv"), index=False, float_format="%.17g")


def _long(M: sp.csr_matrix, row_ids: pd.Index, col_ids: pd.Index, row_name: str, col_name: str, value: str) -> pd.DataFrame:
    C = M.tocoo()
    order = np.lexsort((C.row, C.col))
    return pd.DataFrame({col_name: np.asarray(col_ids)[C.col[order]], row_name: np.asarray(row_ids)[C.row[order]],
                         value: C.data[order]})


def write_economy(economy: Economy, directory: str | Path, *, format: Format = "csv") -> Path:
    """Write ``economy`` as a directory (CSV or Parquet) that :func:`read_economy` reads back."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    meta = {"name": economy.name, "description": "", "source": ""} | economy.meta
    (d / "economy.toml").write_text("".join(f"{k} = {_toml_str(v)}\n" for k, v in meta.items()), encoding="utf-8")
    goods = economy.goods.reset_index(names="id")
    _frame_out(goods, d / "goods", format)
    procs = economy.processes.reset_index(names="id")
    _frame_out(procs, d / "processes", format)
    _frame_out(_long(economy.A, economy.goods.index, economy.processes.index, "good", "process", "amount"), d / "inputs", format)
    _frame_out(_long(economy.B, economy.goods.index, economy.processes.index, "good", "process", "amount"), d / "outputs", format)
    lab = _long(economy.L, economy.labour_kinds, economy.processes.index, "kind", "process", "hours")
    _frame_out(lab[["process", "hours", "kind"]], d / "labour", format)
    if len(economy.resources):
        _frame_out(_long(economy.R, economy.resources, economy.processes.index, "resource", "process", "amount"), d / "resources", format)
    limits = [
        pd.DataFrame({"kind": name, "id": s.index[np.isfinite(s.to_numpy())], "available": s[np.isfinite(s.to_numpy())].to_numpy()})
        for name, s in (("labour", economy.labour_available), ("resource", economy.resource_available), ("capacity", economy.capacity))
    ]
    lim = pd.concat(limits, ignore_index=True)
    if len(lim):
        _frame_out(lim, d / "limits", format)
    tg = economy.targets
    active = (tg["amount"] > 0) | (tg["floor"] > 0) | (tg["weight"] != 1)
    if active.any():
        _frame_out(tg.loc[active].reset_index(names="good"), d / "targets", format)
    return d


def _toml_str(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
