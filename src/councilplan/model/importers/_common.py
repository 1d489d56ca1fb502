"""Shared helpers of the importers: reading cells, reporting bad tables, building economies.

Every importer turns a published table into an :class:`~councilplan.model.economy.Economy`
through one of two constructions, both stated here once:

* **Symmetric input–output table** (product × product or industry × industry):
  ``A = Z diag(x)^{-1}`` (technical coefficients, :func:`councilplan.model.iomath.calc_A`),
  ``l_k = w_k / x`` for each primary-input row ``w_k`` (labour, compensation …), ``B = I``.
  One unit of a process is one money unit of its gross output.
* **Supply–use table** under the *industry-technology assumption*: each industry ``j`` is one
  process whose unit level is one money unit of the industry's output ``g_j``; it makes
  ``B[:, j] = V[:, j] / g_j`` (its supply column, so several products per process: joint
  production) and uses ``A[:, j] = U[:, j] / g_j`` (its use column). Every product an industry
  makes comes out in fixed proportions, whatever the product mix demanded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import SourceTableError
from councilplan.model.iomath import calc_A, calc_coefficients

#: Cell spellings that statistical offices use for "nothing here" (suppressed, not published, nil).
BLANKS = ("", "---", "...", "..", "-", "n.p.", "np", "x", "nan", "NaN", ":")

_NUM = re.compile(r"^\s*[-+]?(\d[\d ]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def source_error(file: str | Path, where: str, problem: str, fix: str) -> SourceTableError:
    """A :class:`SourceTableError` whose message names file, place, problem and fix."""
    return SourceTableError(f"{Path(file).name}: {where}: {problem}. Fix: {fix}")


def require_file(path: str | Path, what: str) -> Path:
    """Return ``path`` as a :class:`Path`, or raise a helpful error if it is not a file."""
    p = Path(path)
    if not p.is_file():
        raise SourceTableError(
            f"{p}: {what} not found. Fix: give the path of the {what} file"
            + (" (a directory was given)" if p.is_dir() else ""))
    return p


def to_numbers(frame: pd.DataFrame, *, file: str | Path, row_names: Sequence[Any] | None = None,
               col_names: Sequence[Any] | None = None, blanks_are_zero: bool = True) -> np.ndarray:
    """Convert a block of cells to float64, treating :data:`BLANKS` as 0.

    Any other non-numeric cell raises :class:`SourceTableError` naming its row and column.
    """
    values = frame.to_numpy(dtype=object)
    out = np.zeros(values.shape, dtype=float)
    flat = values.ravel()
    res = out.ravel()
    for k, v in enumerate(flat):  # small tables (≤ a few 10^4 cells): clarity over speed
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            res[k] = float(v)
            continue
        s = str(v).strip()
        if blanks_are_zero and s in BLANKS:
            continue
        if _NUM.match(s):
            res[k] = float(s.replace(" ", ""))
            continue
        i, j = divmod(k, values.shape[1])
        r = row_names[i] if row_names is not None else frame.index[i]
        c = col_names[j] if col_names is not None else frame.columns[j]
        raise source_error(file, f"row '{r}', column '{c}'", f"cell {s!r} is not a number",
                           "write a number there (blank, '---' or 'n.p.' count as 0)")
    if not np.isfinite(out).all():
        i, j = (int(a[0]) for a in np.nonzero(~np.isfinite(out)))
        r = row_names[i] if row_names is not None else frame.index[i]
        c = col_names[j] if col_names is not None else frame.columns[j]
        raise source_error(file, f"row '{r}', column '{c}'", "value is infinite", "write a finite number")
    return out


def clean_label(value: Any) -> str:
    """A label as text: whitespace collapsed, ``nan`` as empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(str(value).split())


def square_economy(*, Z: np.ndarray, x: np.ndarray, ids: Sequence[str], names: Sequence[str],
                   primary: dict[str, np.ndarray], final_demand: np.ndarray | None,
                   resources: dict[str, np.ndarray] | None = None, unit: str = "money unit",
                   meta: dict[str, str], file: str | Path,
                   limit_labour_to_observed: bool = True) -> Economy:
    """A Leontief economy from flows ``Z``, gross output ``x`` and primary-input rows.

    ``A = calc_A(Z, x)``; each entry of ``primary`` becomes one labour kind with coefficients
    ``w / x``; each entry of ``resources`` one resource with coefficients ``r / x``. The observed
    totals ``Σ w`` become the labour limits, so that ``plan(..., "ray")`` is bounded and the
    observed economy is feasible.
    """
    x = np.asarray(x, dtype=float)
    bad = np.flatnonzero(~(x > 0))
    if bad.size:
        raise source_error(file, f"product '{ids[bad[0]]}' (and {bad.size - 1} more)" if bad.size > 1
                           else f"product '{ids[bad[0]]}'",
                           f"gross output is {x[bad[0]]:g}, but must be positive to divide by it",
                           "drop products without output from the product list, or correct the output row")
    if (np.asarray(Z) < 0).any():
        i, j = (int(a[0]) for a in np.nonzero(np.asarray(Z) < 0))
        raise source_error(file, f"row '{ids[i]}', column '{ids[j]}'",
                           f"intermediate flow {Z[i, j]:g} is negative",
                           "use a table of non-negative flows (domestic use at basic prices)")
    A = calc_A(Z, x)
    kinds = list(primary)
    L = np.vstack([calc_coefficients(primary[k], x) for k in kinds])
    if (L < 0).any():
        k, j = (int(a[0]) for a in np.nonzero(L < 0))
        raise source_error(file, f"row '{kinds[k]}', column '{ids[j]}'", "labour input is negative",
                           "choose a labour row with non-negative entries (hours, persons or compensation)")
    m = len(ids)
    goods = pd.DataFrame({"name": list(names), "unit": [unit] * m},
                         index=pd.Index([str(i) for i in ids], dtype=object, name="id"))
    processes = pd.DataFrame({"name": list(names)}, index=goods.index.copy())
    res = resources or {}
    R = np.vstack([calc_coefficients(res[r], x) for r in res]) if res else None
    targets = None
    if final_demand is not None:
        targets = pd.DataFrame({"amount": np.maximum(np.asarray(final_demand, dtype=float), 0.0)},
                               index=goods.index)
    lab_avail = (pd.Series({k: float(np.sum(primary[k])) for k in kinds}, dtype=float)
                 if limit_labour_to_observed else None)
    return Economy.build(goods=goods, processes=processes, A=A, B=sp.identity(m, format="csr"), L=L,
                         labour_kinds=kinds, R=R, resources=list(res) or None,
                         labour_available=lab_avail, targets=targets, meta=meta)


def sut_economy(*, V: np.ndarray, U: np.ndarray, g: np.ndarray | None, products: Sequence[str],
                product_names: Sequence[str], industries: Sequence[str], industry_names: Sequence[str],
                primary: dict[str, np.ndarray], final_demand: np.ndarray | None,
                resources: dict[str, np.ndarray] | None = None, unit: str = "money unit",
                meta: dict[str, str], file: str | Path) -> Economy:
    """An activity-analysis economy from supply ``V`` and use ``U`` (both product × industry).

    Industry-technology assumption: process ``j`` at level 1 is one money unit of industry
    ``j``'s output ``g_j`` (default: the column sums of ``V``), so ``B = V diag(g)^{-1}``,
    ``A = U diag(g)^{-1}``, ``L_k = w_k / g`` and ``R_r = r / g``. At the observed levels
    ``x = g`` the economy reproduces the table: ``B g = V 1``, ``A g = U 1``, ``L g = Σ w``.
    Industries with no output are dropped (they make nothing); products that are neither
    made nor used are dropped too (they cannot be planned for). Both are recorded in ``meta``.
    """
    V = np.asarray(V, dtype=float)
    U = np.asarray(U, dtype=float)
    g = V.sum(axis=0) if g is None else np.asarray(g, dtype=float)
    notes = []
    # Published tables carry a few negative cells (adjustments). A negative output is an input
    # and a negative input an output, so move them across: B - A, and so every net output, is kept.
    negV, negU = V < 0, U < 0
    if negV.any() or negU.any():
        V, U = np.where(negV, 0.0, V) - np.where(negU, U, 0.0), np.where(negU, 0.0, U) - np.where(negV, V, 0.0)
        notes.append(f"{int(negV.sum())} negative supply and {int(negU.sum())} negative use cells moved to the "
                     "other side (a negative output is an input), which keeps B - A")
    keep_j = (g > 0) & (V.sum(axis=0) > 0)
    keep_i = (V[:, keep_j].sum(axis=1) > 0) | (U[:, keep_j].sum(axis=1) > 0)
    if not keep_j.all():
        notes.append("industries without output dropped: " + ", ".join(np.asarray(industries)[~keep_j]))
    if not keep_i.all():
        notes.append("products neither made nor used dropped: " + ", ".join(np.asarray(products)[~keep_i]))
    unmade = keep_i & (V[:, keep_j].sum(axis=1) <= 0)
    if unmade.any():
        raise source_error(file, f"product '{np.asarray(products)[unmade][0]}'"
                           + (f" (and {int(unmade.sum()) - 1} more)" if unmade.sum() > 1 else ""),
                           "is used by industries but made by none, so no plan can supply it",
                           "treat it as imported (pass the imports column so its use is split off), "
                           "or drop it from the use table")
    V, U, g = V[np.ix_(keep_i, keep_j)], U[np.ix_(keep_i, keep_j)], g[keep_j]
    inv = sp.diags(1.0 / g)
    B = sp.csr_matrix(V) @ inv
    A = sp.csr_matrix(U) @ inv
    kinds = list(primary)
    L = np.vstack([np.asarray(primary[k], dtype=float)[keep_j] / g for k in kinds])
    if (L < 0).any():
        k, j = (int(a[0]) for a in np.nonzero(L < 0))
        raise source_error(file, f"labour row '{kinds[k]}', industry '{np.asarray(industries)[keep_j][j]}'",
                           "labour input is negative",
                           "choose a labour row with non-negative entries (hours, persons or compensation)")
    res = resources or {}
    R = np.vstack([np.asarray(res[r], dtype=float)[keep_j] / g for r in res]) if res else None
    pid = pd.Index([str(p) for p in np.asarray(products)[keep_i]], dtype=object, name="id")
    iid = pd.Index([str(p) for p in np.asarray(industries)[keep_j]], dtype=object, name="id")
    goods = pd.DataFrame({"name": list(np.asarray(product_names)[keep_i]), "unit": unit}, index=pid)
    processes = pd.DataFrame({"name": list(np.asarray(industry_names)[keep_j])}, index=iid)
    targets = None
    if final_demand is not None:
        f = np.asarray(final_demand, dtype=float)[keep_i]
        targets = pd.DataFrame({"amount": np.maximum(f, 0.0)}, index=pid)
    lab_avail = pd.Series({k: float(np.sum(np.asarray(primary[k])[keep_j])) for k in kinds}, dtype=float)
    meta = dict(meta)
    if notes:
        meta["notes"] = "; ".join([meta["notes"], *notes]) if meta.get("notes") else "; ".join(notes)
    return Economy.build(goods=goods, processes=processes, A=A, B=B, L=L, labour_kinds=kinds, R=R,
                         resources=list(res) or None, labour_available=lab_avail, targets=targets,
                         meta=meta)


def import_split(U: np.ndarray, output: np.ndarray, imports: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a total use table into domestic and imported parts (import proportionality).

    Where a table gives only total use and imports by product, each product's use is
    assumed to come from home and abroad in the proportions of its supply:
    ``share_i = output_i / (output_i + imports_i)``, ``U_dom = diag(share) U``,
    ``U_imp = U - U_dom``. Returns ``(U_dom, imported inputs per industry)``.
    """
    output = np.asarray(output, dtype=float)
    total = output + np.maximum(np.asarray(imports, dtype=float), 0.0)
    share = np.divide(output, total, out=np.zeros_like(total), where=total > 0)
    share = np.clip(share, 0.0, 1.0)
    U_dom = U * share[:, None]
    return U_dom, (U - U_dom).sum(axis=0)


def strip_margins(U: np.ndarray, F: np.ndarray, supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Revalue a use table at purchasers' prices to basic prices, with one margin pool.

    ``U`` (products × industries) and ``F`` (products × final uses) are at purchasers' prices,
    ``supply`` is each product's total supply at basic prices (domestic output + imports).
    ``D_i = Σ_j U_ij + Σ_k F_ik - supply_i`` is what users paid for product ``i`` beyond its basic
    value: trade and transport margins plus net product taxes when positive; margin products
    (trade, transport), whose margin output is embedded in the other rows, have ``D_i < 0``.
    Assuming each product's margin-and-tax rate ``r_i = D_i / use_i`` (for ``D_i > 0``) is the same
    for every user, user ``j`` pays ``m_j = Σ_i U_ij r_i``; that is removed from the goods rows and
    the margin part ``m_j · Σ(-D⁻) / Σ D⁺`` is given to the margin products in proportion to
    ``-D_k``; the rest (product taxes) leaves the table. Afterwards every product's use equals
    its basic-price supply, up to the taxes on margin products.
    """
    use = U.sum(axis=1) + F.sum(axis=1)
    D = use - supply
    pos, neg = np.maximum(D, 0.0), np.maximum(-D, 0.0)
    rate = np.divide(pos, use, out=np.zeros_like(use), where=use > 0)
    frac_margin = min(1.0, float(neg.sum() / pos.sum())) if pos.sum() > 0 else 0.0
    weights = neg / neg.sum() if neg.sum() > 0 else np.zeros_like(neg)
    out = []
    for M in (U, F):
        paid = (M * rate[:, None]).sum(axis=0)
        out.append(M * (1.0 - rate)[:, None] + np.outer(weights, paid * frac_margin))
    return out[0], out[1]
