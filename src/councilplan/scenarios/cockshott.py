"""Import Paul Cockshott's ``5yearplan`` CSV files as a :class:`DynamicEconomy`.

Cockshott's planner (``wc22m/5yearplan``, ``planning/nyearplan.java``) writes an LP
for lp_solve from four square tables over products ``1..n``:

``flows.csv``
    rows = products (inputs), columns = using industries: absolute flows at the
    base-year output; then a ``labour`` (or ``labor``) row and an ``output`` row.
``cap.csv``
    capital stock of the row good held by the column industry at base output.
``dep.csv``
    yearly depreciation rate of that stock.
``labtarg.csv``
    one row per ``yearK``: the final-consumption target of each product and, in
    the last column, the labour supply of that year.

His LP, for years ``t = 1..T``, products ``i`` and industries ``j``:

* ``flow[j,i,t] ≥ a_ij · output[j,t]`` with ``a_ij = flows[i,j] / output_j``;
* ``output[j,t] ≤ K[j,s,t] / k_sj`` with ``k_sj = cap[s,j] / output_j`` (capacity);
* ``labour used = Σ_j (labour_j / output_j) output[j,t] ≤ supply_t``;
* ``K[j,s,1] ≤ cap[s,j]``, ``K[j,s,t] ≤ (1 - dep[s,j]) K[j,s,t-1] + acc[j,s,t-1]``
  (investment becomes capacity the next year);
* ``0 ≤ consumption[i,t] ≤ output[i,t] - Σ_j acc[j,i,t] - Σ_j flow[j,i,t]``;
* ``max Σ_t s_t`` with ``s_t ≤ consumption[i,t] / target[i,t]`` for each target > 0.

That is exactly :func:`~councilplan.scenarios.dynamic_problem.build_dynamic_problem` with
the ``sum-ray`` objective on the economy built here: Leontief technology,
one capital stock per non-zero ``cap`` entry (gestation 1), no inventories, no
production lag.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.errors import SourceTableError
from councilplan.scenarios.dynamic import DynamicEconomy

#: (flows, capital, depreciation, targets) file names of the known layouts.
LAYOUTS = (
    ("flows.csv", "cap.csv", "dep.csv", "labtarg.csv"),                       # 5yearplan/plancode
    ("testflow.csv", "testcap.csv", "testdep.csv", "testtarg.csv"),           # 5yearplan/plancode/pasharm
    ("flows.csv", "capital_stock.csv", "depreciation_rates.csv", "targets.csv"),  # rakvat/planning experiment3
)
LABOUR_NAMES = ("labour", "labor")


def _table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SourceTableError(f"{path}: file not found; a 5yearplan directory holds {', '.join(LAYOUTS[0])}")
    try:
        frame = pd.read_csv(path, index_col=0, skipinitialspace=True, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SourceTableError(f"{path}: cannot read CSV ({exc}); the first row must be 'headings,<products...>'") from None
    frame.index = frame.index.astype(str).str.strip()
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame[(frame.index != "") & (frame.index != "nan")]
    try:
        return frame.apply(lambda s: pd.to_numeric(s.str.strip()))
    except ValueError as exc:
        raise SourceTableError(f"{path}: every cell after the first column must be a number ({exc})") from None


def find_layout(directory: Path) -> tuple[Path, Path, Path, Path]:
    """The four files of a 5yearplan directory, in any known layout."""
    for names in LAYOUTS:
        paths = tuple(directory / n for n in names)
        if all(p.is_file() for p in paths):
            return paths  # type: ignore[return-value]
    raise SourceTableError(f"{directory}: no 5yearplan files found; expected one of "
                           + "; ".join(", ".join(n) for n in LAYOUTS))


def read_cockshott(directory: str | Path | None = None, *, flows: str | Path | None = None,
                   capital: str | Path | None = None, depreciation: str | Path | None = None,
                   targets: str | Path | None = None) -> DynamicEconomy:
    """Read a 5yearplan directory (or the four files) as a dynamic economy.

    Plan it with ``plan_dynamic(de, "sum-ray")`` to get Cockshott's LP optimum.
    """
    if directory is not None:
        f, c, d, t = find_layout(Path(directory))
    elif None in (flows, capital, depreciation, targets):
        raise SourceTableError("give a 5yearplan directory, or all four of flows, capital, depreciation, targets")
    else:
        f, c, d, t = (Path(str(p)) for p in (flows, capital, depreciation, targets))
    flow, cap, dep, targ = _table(f), _table(c), _table(d), _table(t)
    products = list(flow.columns)
    lab_row = next((r for r in flow.index if r.lower() in LABOUR_NAMES), None)
    if lab_row is None or "output" not in flow.index:
        raise SourceTableError(f"{f}: needs a 'labour' (or 'labor') row and an 'output' row")
    for path, tab in ((c, cap), (d, dep)):
        if list(tab.columns) != products or list(tab.index) != products:
            raise SourceTableError(f"{path}: rows and columns must be the products of {f.name} in the same order "
                                   f"({', '.join(products)})")
    missing = [p for p in products if p not in flow.index]
    if missing:
        raise SourceTableError(f"{f}: no row for product(s) {', '.join(missing)}")
    output = flow.loc["output", products].to_numpy(dtype=float)
    if (output <= 0).any():
        raise SourceTableError(f"{f}: every industry's output must be positive")
    lab_col = next((col for col in targ.columns if col.lower() in LABOUR_NAMES), None)
    if lab_col is None or list(targ.columns[: len(products)]) != products:
        raise SourceTableError(f"{t}: columns must be the products of {f.name} and then 'labour'")
    years = [r for r in targ.index if r.lower().startswith("year")]
    if not years:
        raise SourceTableError(f"{t}: no 'yearK' rows")
    T = len(years)

    flows_abs = flow.loc[products, products].to_numpy(dtype=float)
    A = flows_abs / output[None, :]
    L = flow.loc[lab_row, products].to_numpy(dtype=float)[None, :] / output[None, :]
    ids = pd.Index(products, dtype=object)
    economy = Economy.leontief(A, L, ids=ids, labour_kinds=["labour"],
                               meta={"name": f.parent.name, "description": "Cockshott 5yearplan economy",
                                     "source": f"5yearplan CSV files in {f.parent}"})
    capv = cap.to_numpy(dtype=float)  # [stock good s, industry j]
    s_idx, j_idx = np.nonzero(capv)
    capital = pd.DataFrame({
        "process": ids[j_idx], "good": ids[s_idx], "per_unit": capv[s_idx, j_idx] / output[j_idx],
        "initial": capv[s_idx, j_idx], "depreciation": dep.to_numpy(dtype=float)[s_idx, j_idx], "gestation": 1.0,
    })
    de = DynamicEconomy.from_static(economy, T, capital=capital, meta=economy.meta)
    cols = pd.RangeIndex(1, T + 1, name="period")
    target = pd.DataFrame(targ.loc[years, products].to_numpy(dtype=float).T, index=economy.goods.index, columns=cols)
    labour = pd.DataFrame(targ.loc[years, lab_col].to_numpy(dtype=float)[None, :], index=economy.labour_kinds,
                          columns=cols)
    return de.replace(target=target, labour=labour)
