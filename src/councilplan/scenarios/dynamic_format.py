"""The dynamic directory format: a static economy directory plus optional time files.

A directory that :func:`~councilplan.model.formats.read_economy` reads is read
here unchanged; a ``dynamic.toml`` and the optional files below add time. Static
readers ignore these files, so every dynamic directory is also a valid static
economy (its first period). See ``docs/dynamic-format.md``.

==================  =========================================================  ========
file                columns                                                    required
==================  =========================================================  ========
dynamic.toml        periods (+ period_label, objective table)                  yes
capital.csv         process, good, per_unit, initial (+ depreciation,          no
                    gestation, terminal, source)
depreciation.csv    process, good, rate  (overrides capital.csv)               no
lags.csv            process, lag                                               no
inventories.csv     good (+ initial, loss, terminal)                           no
schedule.csv        kind, id, period, value (kind: labour | resource |         no
                    capacity | target | floor | supply | survival |
                    productivity: process, 1 = its labour as written)
transfers.csv       id, source, dest, lag (+ loss, share, first, last)         no
transfer_costs.csv  transfer, kind (good | labour), id, amount                 no
totals.csv          good, first, last, amount  (Σ net output over periods ≥)   no
sources.csv         any columns; provenance only, never read as numbers        no
==================  =========================================================  ========
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.errors import EconomyError
from councilplan.model.formats import read_economy, write_economy
from councilplan.model.validate import Checker, Table
from councilplan.scenarios.dynamic import TRANSFER_COLUMNS, DynamicEconomy, normalise_capital

SCHEDULE_KINDS = {"labour": "labour", "resource": "resources", "capacity": "capacity", "target": "target",
                  "floor": "floor", "supply": "supply", "survival": "survival", "productivity": "productivity"}


def is_dynamic(directory: str | Path) -> bool:
    return (Path(directory) / "dynamic.toml").is_file()


def _csv(directory: Path, name: str) -> Table | None:
    """A time file as text cells: ``NAME.csv``, or ``NAME.parquet`` (same stem and columns) when present."""
    path = directory / name
    parquet = path.with_suffix(".parquet")
    if parquet.is_file():
        raw = pd.read_parquet(parquet)
        frame = raw.astype(object).where(raw.notna(), None).map(lambda v: v if v is None else str(v))
        frame.columns = [str(c).strip() for c in frame.columns]
        return Table(parquet.name, frame.reset_index(drop=True), header_lines=0)
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False, na_values=[""], comment=None)
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(name, frame)


def _num(checker: Checker, table: Table, column: str, default: float) -> np.ndarray:
    if column not in table.frame.columns:
        return np.full(len(table.frame), default)
    v = checker.numbers(table, column, allow_empty=True, allow_inf=column in ("value", "available"))
    return np.where(np.isnan(v), default, v)


def _periods(checker: Checker, table: Table, T: int) -> list[list[int]]:
    """Each row's periods: ``3``, ``2-5``, or empty / ``*`` for all."""
    out: list[list[int]] = []
    for pos, raw in enumerate(table.frame["period"].fillna("*").astype(str).str.strip()):
        if raw in ("", "*"):
            out.append(list(range(1, T + 1)))
            continue
        a, _, b = raw.partition("-")
        try:
            lo, hi = int(a), int(b or a)
        except ValueError:
            lo, hi = 0, -1
        if not (1 <= lo <= hi <= T):
            checker.add(table.name, f"period '{raw}' is not within 1..{T}", "write a period like 3, a range like 2-5, or * for all",
                        int(table.line(np.array([pos]))[0]), "period")
            out.append([])
        else:
            out.append(list(range(lo, hi + 1)))
    return out


def read_dynamic(directory: str | Path) -> DynamicEconomy:
    """Read a dynamic economy directory (see the module docstring).

    Raises
    ------
    EconomyError
        listing every problem, each with file, line, column and fix.
    """
    d = Path(directory)
    base = read_economy(d)
    checker = Checker()
    spec = _read_toml(d, checker)
    T = spec.get("periods")
    if not isinstance(T, int) or T < 1:
        checker.add("dynamic.toml", f"periods must be a whole number ≥ 1, not {T!r}", "write a line periods = 5")
        raise EconomyError(checker.issues, source=str(d))
    capital = None
    tab = _csv(d, "capital.csv")
    if tab is not None and checker.columns(tab, ("process", "good", "per_unit", "initial")):
        frame = pd.DataFrame({"process": checker.ids(tab, "process", "process"), "good": checker.ids(tab, "good", "good")})
        checker.known(tab, frame["process"], "process", base.processes.index, "process", "processes.csv")
        checker.known(tab, frame["good"], "good", base.goods.index, "good", "goods.csv")
        for col, default in (("per_unit", 0.0), ("initial", 0.0), ("depreciation", 0.0), ("gestation", 1.0), ("terminal", 0.0)):
            frame[col] = _num(checker, tab, col, default)
        dep = _csv(d, "depreciation.csv")
        if dep is not None and checker.columns(dep, ("process", "good", "rate")):
            rate = pd.Series(_num(checker, dep, "rate", 0.0), index=pd.MultiIndex.from_arrays(
                [dep.frame["process"].str.strip(), dep.frame["good"].str.strip()]))
            key = pd.MultiIndex.from_arrays([frame["process"], frame["good"]])
            hit = key.isin(rate.index)
            frame.loc[hit, "depreciation"] = rate.reindex(key[hit]).to_numpy()
        capital = frame
    lag = None
    tab = _csv(d, "lags.csv")
    if tab is not None and checker.columns(tab, ("process", "lag")):
        ids = checker.ids(tab, "process", "process")
        checker.known(tab, ids, "process", base.processes.index, "process", "processes.csv")
        lag = pd.Series(_num(checker, tab, "lag", 0.0).astype(np.int64), index=ids.to_numpy())
    inventory = None
    tab = _csv(d, "inventories.csv")
    if tab is not None and checker.columns(tab, ("good",)):
        ids = checker.ids(tab, "good", "good")
        checker.known(tab, ids, "good", base.goods.index, "good", "goods.csv")
        inventory = pd.DataFrame({c: _num(checker, tab, c, 0.0) for c in ("initial", "loss", "terminal")},
                                 index=ids.to_numpy())
    if checker.issues:
        raise EconomyError(checker.issues, source=str(d))
    de = DynamicEconomy.from_static(base, T, capital=capital, lag=lag, inventory=inventory,
                                    meta=base.meta | {k: v for k, v in spec.items() if k != "objective"}
                                    | {"objective": spec.get("objective", {"kind": "sum-ray"})})
    de = _schedule(d, de, checker)
    de = _transfers(d, de, checker)
    tab = _csv(d, "totals.csv")
    if tab is not None and checker.columns(tab, ("good", "first", "last", "amount")):
        gids = checker.ids(tab, "good", "good")
        checker.known(tab, gids, "good", base.goods.index, "good", "goods.csv")
        de = de.replace(totals=pd.DataFrame({"good": gids.to_numpy(), "first": _num(checker, tab, "first", 1).astype(np.int64),
                                             "last": _num(checker, tab, "last", T).astype(np.int64),
                                             "amount": _num(checker, tab, "amount", 0.0)}))
    if checker.issues:
        raise EconomyError(checker.issues, source=str(d))
    de.check()
    return de


def _read_toml(d: Path, checker: Checker) -> dict[str, Any]:
    path = d / "dynamic.toml"
    if not path.is_file():
        checker.add("dynamic.toml", "required file is missing", "create it with a line periods = 5")
        raise EconomyError(checker.issues, source=str(d))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        checker.add("dynamic.toml", f"invalid TOML ({exc})", "write lines like periods = 5")
        raise EconomyError(checker.issues, source=str(d)) from None


def _schedule(d: Path, de: DynamicEconomy, checker: Checker) -> DynamicEconomy:
    tab = _csv(d, "schedule.csv")
    if tab is None or not checker.columns(tab, ("kind", "id", "period", "value")):
        return de
    kinds = tab.frame["kind"].astype(str).str.strip().str.lower()
    bad = ~kinds.isin(list(SCHEDULE_KINDS)).to_numpy()
    checker.rows(tab, bad, "kind", "unknown schedule kind", f"write one of {', '.join(SCHEDULE_KINDS)}")
    ids = checker.ids(tab, "id", "schedule")
    values = _num(checker, tab, "value", np.nan)
    periods = _periods(checker, tab, de.periods)
    if de.productivity.empty:  # a productivity row needs the full (process × period) table
        de = de.replace(productivity=pd.DataFrame(1.0, index=de.base.processes.index, columns=de.period_index))
    frames = {attr: getattr(de, attr) for attr in SCHEDULE_KINDS.values()}
    arrays = {attr: f.to_numpy(dtype=float, copy=True) for attr, f in frames.items()}
    rows = {attr: f.index.get_indexer(ids.to_numpy()) if f.index.is_unique else None for attr, f in frames.items()}
    for pos, (kind, id_, value, ps) in enumerate(zip(kinds, ids, values, periods, strict=True)):
        attr = SCHEDULE_KINDS.get(kind)
        if attr is None or not ps or np.isnan(value):
            continue
        row = rows[attr]
        i = int(row[pos]) if row is not None else -1
        if i < 0:
            checker.add(tab.name, f"unknown {kind} id '{id_}'", f"name a {kind} defined in the economy's files",
                        int(tab.line(np.array([pos]))[0]), "id")
            continue
        arrays[attr][i, np.asarray(ps) - 1] = value  # columns are the periods 1..T
    return de.replace(**{attr: pd.DataFrame(arrays[attr], index=f.index, columns=f.columns)
                         for attr, f in frames.items()})


def _transfers(d: Path, de: DynamicEconomy, checker: Checker) -> DynamicEconomy:
    tab = _csv(d, "transfers.csv")
    if tab is None or not checker.columns(tab, ("id", "source", "dest", "lag")):
        return de
    ids = checker.ids(tab, "id", "transfer")
    checker.unique(tab, ids, "id", "transfer")
    frame = pd.DataFrame(index=pd.Index(ids.to_numpy(), dtype=object, name="transfer"))
    for col in ("source", "dest"):
        v = checker.ids(tab, col, "capital stock")
        checker.known(tab, v, col, de.capital.index, "capital stock (process/good)", "capital.csv")
        frame[col] = v.to_numpy()
    for col, default in (("lag", 1.0), ("loss", 0.0), ("share", 1.0), ("first", 1.0), ("last", float(de.periods))):
        frame[col] = _num(checker, tab, col, default)
    costs = de.transfer_costs
    ctab = _csv(d, "transfer_costs.csv")
    if ctab is not None and checker.columns(ctab, ("transfer", "kind", "id", "amount")):
        t_ids = checker.ids(ctab, "transfer", "transfer")
        checker.known(ctab, t_ids, "transfer", frame.index, "transfer", "transfers.csv")
        costs = pd.DataFrame({"transfer": t_ids.to_numpy(), "kind": ctab.frame["kind"].str.strip().to_numpy(),
                              "id": ctab.frame["id"].str.strip().to_numpy(), "amount": _num(checker, ctab, "amount", 0.0)})
    return de.replace(transfers=frame[list(TRANSFER_COLUMNS)], transfer_costs=costs)


def write_dynamic(de: DynamicEconomy, directory: str | Path) -> Path:
    """Write ``de`` as a dynamic directory that :func:`read_dynamic` reads back."""
    d = Path(directory)
    write_economy(de.base, d)
    obj = de.meta.get("objective", {"kind": "sum-ray"})
    lines = [f"periods = {de.periods}"]
    if isinstance(obj, dict):
        lines.append("[objective]")
        for k, v in obj.items():
            lines.append(f"{k} = {_toml(v)}")
    (d / "dynamic.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if len(de.capital):
        normalise_capital(de.capital).to_csv(d / "capital.csv", index=False, float_format="%.17g")
    if (de.lag != 0).any():
        de.lag[de.lag != 0].rename_axis("process").rename("lag").reset_index().to_csv(d / "lags.csv", index=False)
    if len(de.inventory):
        de.inventory.rename_axis("good").reset_index().to_csv(d / "inventories.csv", index=False, float_format="%.17g")
    rows = []
    for kind, attr in SCHEDULE_KINDS.items():
        frame: pd.DataFrame = getattr(de, attr)
        if kind == "productivity":
            frame = frame[(frame != 1.0).any(axis=1)] if not frame.empty else frame
        long = frame.rename_axis(index="id", columns="period").stack().rename("value").reset_index()
        long.insert(0, "kind", kind)
        rows.append(long)
    pd.concat(rows, ignore_index=True).to_csv(d / "schedule.csv", index=False, float_format="%.17g")
    if len(de.transfers):
        de.transfers.rename_axis("id").reset_index().to_csv(d / "transfers.csv", index=False, float_format="%.17g")
        de.transfer_costs.to_csv(d / "transfer_costs.csv", index=False, float_format="%.17g")
    return d


def _toml(v: Any) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return str(v).lower() if isinstance(v, bool) else repr(v)
