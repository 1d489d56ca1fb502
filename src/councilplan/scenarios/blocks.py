"""Solve an LP block by block: fixed columns substituted, independent blocks solved apart.

A multi-period plan whose periods are linked only through capital that never binds
(see :func:`~councilplan.scenarios.dynamic_problem.slack_stocks`, which fixes such stocks) falls
apart into one LP per period. :class:`BlockSolver` finds the blocks as the connected
components of the rows and the non-fixed columns of ``K``, solves each with an inner
backend, and returns the whole LP's primal and row duals; :meth:`Solver.solve` then
certifies that pair **on the whole LP**, so the split proves itself (a block's duals
are the whole LP's duals because no row or column links two blocks).

Successive blocks with the same sparsity pattern (the periods of a plan) first try the
previous block's solution as it is (``reused`` when it certifies within ``tol`` on this
block: periods that repeat the same limits cost nothing more), then, with a second
backend (``warm``, e.g. ``pdlp``), a solve warm-started from it; a warm solve that does
not certify within ``tol`` on its block is discarded and the block is solved cold.

>>> import numpy as np, scipy.sparse as sp
>>> from councilplan.solvers.base import LinearProgram
>>> lp = LinearProgram(c=np.array([-1.0, -1.0, 0.0]), K=sp.csr_matrix(np.array([[1.0, 0, 1], [0, 1.0, 0]])),
...                    row_lower=np.full(2, -np.inf), row_upper=np.array([2.0, 3.0]),
...                    col_lower=np.array([0.0, 0.0, 0.5]), col_upper=np.array([np.inf, np.inf, 0.5]))
>>> res, cert, _ = BlockSolver().solve(lp)
>>> res.x.round(6).tolist(), res.extra["blocks"], cert.gap < 1e-9
([1.5, 3.0, 0.5], 2, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.base import LinearProgram, LPResult, Solver, certify


@dataclass(frozen=True)
class Split:
    """The blocks of an LP: each block's rows and columns (global indices)."""

    blocks: tuple[tuple[np.ndarray, np.ndarray], ...]
    fixed: np.ndarray        # columns with lower == upper (substituted)
    shift: np.ndarray        # K[:, fixed] @ fixed values, subtracted from the row bounds
    constant_rows: np.ndarray  # rows with no free column (their dual is 0)


def split_lp(lp: LinearProgram, *, min_share: float = 0.01) -> Split:
    """Blocks of ``lp``: connected components of rows and free columns.

    Components with fewer than ``min_share`` of the non-zeros are merged into one block
    (independent LPs side by side are still one LP), so tiny blocks cost no solver call each.
    """
    lo, hi = lp.col_lower, lp.col_upper
    fixed = np.isfinite(lo) & (lo == hi)
    value = np.where(fixed, lo, 0.0)
    K = lp.K.tocsr()
    shift = K @ value
    free = np.flatnonzero(~fixed)
    Kf = K[:, free].tocsr()
    Kf.eliminate_zeros()
    live = np.flatnonzero(np.diff(Kf.indptr) > 0)
    constant_rows = np.flatnonzero(np.diff(Kf.indptr) == 0)
    Ka = Kf[live]
    ma, nf = Ka.shape
    G = sp.bmat([[None, Ka], [Ka.T, None]], format="csr") if ma and nf else sp.csr_matrix((ma + nf, ma + nf))
    k, label = connected_components(G, directed=False)
    rlab, clab = label[:ma], label[ma:]
    nnz_of = np.bincount(rlab, weights=np.diff(Ka.indptr), minlength=k)
    small = nnz_of < min_share * max(Ka.nnz, 1)
    label_ = np.where(small, k, np.arange(k))  # merge small components into one (label k)
    rlab, clab = label_[rlab], label_[clab]
    order_r, order_c = np.argsort(rlab, kind="stable"), np.argsort(clab, kind="stable")
    bounds_r = np.searchsorted(rlab[order_r], np.arange(k + 2))
    bounds_c = np.searchsorted(clab[order_c], np.arange(k + 2))
    blocks = []
    for b in range(k + 1):
        rows = live[order_r[bounds_r[b]:bounds_r[b + 1]]]
        cols = free[order_c[bounds_c[b]:bounds_c[b + 1]]]
        if rows.size or cols.size:
            blocks.append((rows, cols))
    return Split(tuple(blocks), np.flatnonzero(fixed), shift, constant_rows)


def sub_lp(lp: LinearProgram, split: Split, rows: np.ndarray, cols: np.ndarray) -> LinearProgram:
    """The LP of one block (rows' bounds less the fixed columns' share)."""
    K = lp.K.tocsr()[rows][:, cols].tocsr()
    s = split.shift[rows]
    return LinearProgram(c=lp.c[cols], K=K, row_lower=lp.row_lower[rows] - s, row_upper=lp.row_upper[rows] - s,
                         col_lower=lp.col_lower[cols], col_upper=lp.col_upper[cols], sense="min")


def _same_pattern(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return a.shape == b.shape and a.nnz == b.nnz and np.array_equal(a.indptr, b.indptr) \
        and np.array_equal(a.indices, b.indices)


class BlockSolver(Solver):
    """Split, solve each block with ``inner`` (optionally ``warm`` from the previous block), assemble."""

    name = "blocks"
    capabilities = frozenset({"lp", "duals", "large_scale"})
    required_modules: ClassVar[tuple[str, ...]] = ()

    def __init__(self, inner: str | Solver = "highs", *, warm: str | Solver | None = None,
                 inner_options: SolveOptions | None = None, warm_options: SolveOptions | None = None) -> None:
        self.inner = get_solver(inner) if isinstance(inner, str) else inner
        self.warm = get_solver(warm) if isinstance(warm, str) else warm
        self.inner_options = inner_options
        self.warm_options = warm_options
        #: per block: rows, cols, how (cold / reused / warm / cold after a failed warm), status, seconds, iterations
        self.log: list[dict[str, object]] = []

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        t0 = time.perf_counter()
        split = split_lp(lp)
        m = lp.shape[0]
        x = np.where(np.isfinite(lp.col_lower) & (lp.col_lower == lp.col_upper), lp.col_lower, 0.0)
        y = np.zeros(m)
        iters = 0
        prev: tuple[LinearProgram, np.ndarray, np.ndarray] | None = None
        self.log = []
        for rows, cols in split.blocks:
            sub = sub_lp(lp, split, rows, cols)
            left = None if options.time_limit is None else max(options.time_limit - (time.perf_counter() - t0), 1.0)
            t1 = time.perf_counter()
            res: LPResult | None = None
            how = "cold"
            same = prev is not None and _same_pattern(prev[0].K, sub.K)
            if same and prev is not None and certify(sub, prev[1], prev[2]).within(options.tol):
                res, how = LPResult(status=Status.OPTIMAL, x=prev[1].copy(), row_dual=prev[2].copy()), "reused"
            elif self.warm is not None and same and prev is not None:
                wopts = replace(self.warm_options or options, warm_start=(prev[1], prev[2]), tol=options.tol,
                                time_limit=min(left or np.inf, (self.warm_options or options).time_limit or np.inf))
                r = self.warm.solve_lp(sub, wopts)
                if r.x is not None and r.row_dual is not None and certify(sub, r.x, r.row_dual).within(options.tol):
                    res, how = r, f"warm {self.warm.name}"
                else:
                    how = "warm failed"
                    iters += r.iterations
            if res is None:  # cold
                res = self.inner.solve_lp(sub, replace(self.inner_options or options, time_limit=left, tol=options.tol))
                how = f"cold {self.inner.name}" if how == "cold" else f"cold {self.inner.name} (warm failed)"
            iters += res.iterations
            self.log.append({"rows": rows.size, "cols": cols.size, "how": how, "status": str(res.status),
                             "seconds": time.perf_counter() - t1, "iterations": res.iterations})
            if res.x is not None:
                x[cols] = res.x
            if res.row_dual is not None:
                y[rows] = res.row_dual
            if res.status is not Status.OPTIMAL:
                return LPResult(status=res.status, x=x if res.x is not None else None,
                                row_dual=y if res.row_dual is not None else None, iterations=iters,
                                message=f"block {len(self.log)} of {len(split.blocks)}: {res.message}",
                                extra={"blocks": len(split.blocks), "log": self.log})
            if res.x is not None and res.row_dual is not None:
                prev = (sub, res.x, res.row_dual)
        return LPResult(status=Status.OPTIMAL, x=x, row_dual=y, iterations=iters,
                        message=f"{len(split.blocks)} independent blocks", native_status="optimal",
                        extra={"blocks": len(split.blocks), "log": self.log})
