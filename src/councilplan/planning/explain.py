"""Why a plan is infeasible or unbounded, and what must move.

Infeasible goals are explained by an **elastic relaxation**: every soft row
(targets and floors of net output, labour and resource limits) and every
capacity gets a slack variable ``σ ≥ 0``, and

.. math::

    \\min \\sum_i σ_i / \\max(1, |b_i|)

finds the smallest *relative* change of the goals and limits that makes the plan
feasible. Each constraint with ``σ_i > 0`` is reported with its bound, the bound
it needs, and the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.planning.problem import SOFT_BLOCKS
from councilplan.solvers.base import Block, LinearProgram, SolveOptions, Solver, Status

_KIND = {"goods": "net output", "floors": "floor", "labour": "labour", "resources": "resource",
         "terminal": "capital at the end"}


@dataclass(frozen=True)
class Explanation:
    """What binds: a table of needed changes and a sentence for people."""

    status: Status
    text: str
    changes: pd.DataFrame  # constraint, id, bound, needed, change, relative_change

    def as_dict(self) -> dict[str, Any]:
        return {"status": str(self.status), "text": self.text,
                "changes": self.changes.replace({np.inf: None}).to_dict(orient="records")}


def explain_unbounded(lp: LinearProgram) -> Explanation:
    """An unbounded plan: no limit stops the objective."""
    limits = [b.name for b in lp.row_blocks if b.name in ("labour", "resources")]
    capped = np.isfinite(lp.col_upper).any()
    if not limits and not capped:
        text = ("the plan is unbounded: no labour, resource or capacity limit stops production. "
                "Fix: add limits.csv rows such as 'labour,labour,1000000'")
    else:
        text = ("the plan is unbounded: the limits given do not cover every process that serves the goals. "
                "Fix: give every process labour hours or a capacity, or add limits for the labour kinds and resources it uses")
    return Explanation(Status.UNBOUNDED, text, pd.DataFrame(columns=["constraint", "id", "bound", "needed", "change", "relative_change"]))


def explain_infeasible(lp: LinearProgram, solver: Solver, options: SolveOptions | None = None) -> Explanation:
    """Solve the elastic relaxation of ``lp`` and report the smallest relative moves."""
    m, n = lp.shape
    soft_rows = np.zeros(m, dtype=bool)
    for b in lp.row_blocks:
        if b.name in SOFT_BLOCKS:
            soft_rows[b.slice] = True
    lo_rows = np.flatnonzero(soft_rows & np.isfinite(lp.row_lower))
    hi_rows = np.flatnonzero(soft_rows & np.isfinite(lp.row_upper))
    proc = lp.col_block("process")
    cap_cols = np.flatnonzero(np.isfinite(lp.col_upper[: proc.stop if proc else n]))
    k_lo, k_hi, k_cap = lo_rows.size, hi_rows.size, cap_cols.size
    S_lo = sp.csr_matrix((np.ones(k_lo), (lo_rows, np.arange(k_lo))), shape=(m, k_lo))
    S_hi = sp.csr_matrix((-np.ones(k_hi), (hi_rows, np.arange(k_hi))), shape=(m, k_hi))
    K_top = sp.hstack([lp.K, S_lo, S_hi, sp.csr_matrix((m, k_cap))])
    # capacity rows: x_j - σ_j ≤ cap_j
    C = sp.hstack([sp.csr_matrix((np.ones(k_cap), (np.arange(k_cap), cap_cols)), shape=(k_cap, n)),
                   sp.csr_matrix((k_cap, k_lo + k_hi)), -sp.identity(k_cap)])
    K = sp.vstack([K_top, C]).tocsr()
    weight = lambda b: 1.0 / np.maximum(1.0, np.abs(b))  # noqa: E731
    c = np.concatenate([np.zeros(n), weight(lp.row_lower[lo_rows]), weight(lp.row_upper[hi_rows]),
                        weight(lp.col_upper[cap_cols])])
    col_upper = lp.col_upper.copy()
    col_upper[cap_cols] = np.inf
    elastic = LinearProgram(
        c=c, K=K,
        row_lower=np.concatenate([lp.row_lower, np.full(k_cap, -np.inf)]),
        row_upper=np.concatenate([lp.row_upper, lp.col_upper[cap_cols]]),
        col_lower=np.concatenate([lp.col_lower, np.zeros(k_lo + k_hi + k_cap)]),
        col_upper=np.concatenate([col_upper, np.full(k_lo + k_hi + k_cap, np.inf)]),
        row_blocks=lp.row_blocks, col_blocks=(Block("x", 0, n, pd.RangeIndex(n)),),
    )
    res = solver.solve_lp(elastic, options or SolveOptions())
    if res.status is not Status.OPTIMAL or res.x is None:
        text = ("the plan is infeasible even when every target, floor and limit may move: "
                "the technology itself cannot meet the structural balances (check that it can produce a surplus "
                "with `councilplan check`)")
        return Explanation(Status.INFEASIBLE, text, pd.DataFrame(columns=["constraint", "id", "bound", "needed", "change", "relative_change"]))
    sig = res.x[n:]
    s_lo, s_hi, s_cap = sig[:k_lo], sig[k_lo:k_lo + k_hi], sig[k_lo + k_hi:]
    rows: list[dict[str, Any]] = []
    tol = 1e-7
    for idx, s, sign in ((lo_rows, s_lo, -1.0), (hi_rows, s_hi, 1.0)):
        for i, si in zip(idx[s > tol], s[s > tol], strict=True):
            kind, label = lp.row_label(int(i))
            bound = lp.row_lower[i] if sign < 0 else lp.row_upper[i]
            rows.append({"constraint": _KIND.get(kind, kind), "id": label, "bound": float(bound),
                         "needed": float(bound + sign * si), "change": float(sign * si)})
    labels = proc.labels if proc else pd.RangeIndex(n)
    for j, s in zip(cap_cols[s_cap > tol], s_cap[s_cap > tol], strict=True):
        rows.append({"constraint": "capacity", "id": str(labels[j]), "bound": float(lp.col_upper[j]),
                     "needed": float(lp.col_upper[j] + s), "change": float(s)})
    changes = pd.DataFrame(rows, columns=["constraint", "id", "bound", "needed", "change"])
    changes["relative_change"] = changes["change"] / changes["bound"].abs().where(changes["bound"] != 0, np.nan)
    changes = changes.sort_values("relative_change", key=lambda s: s.abs(), ascending=False, na_position="first").reset_index(drop=True)
    parts = [f"{r.constraint} '{r.id}' from {r.bound:.10g} to {r.needed:.10g} ({r.change:+.3g})"
             for r in changes.head(8).itertuples()]
    more = f" and {len(changes) - 8} more" if len(changes) > 8 else ""
    text = ("the goals cannot all be met. The smallest relative change that makes the plan feasible moves "
            + "; ".join(parts) + more + ". Fix: lower those targets or floors, or raise those limits")
    return Explanation(Status.INFEASIBLE, text, changes)
