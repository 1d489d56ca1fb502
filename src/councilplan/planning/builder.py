"""Assemble one labelled :class:`~councilplan.solvers.base.LinearProgram` from blocks: the one LP
builder of the static plan (:func:`councilplan.planning.problem.build_problem`) and the dynamic one
(:func:`councilplan.scenarios.dynamic_problem.build_dynamic_problem`).

Column blocks (with bounds and costs) and row blocks are appended in order, each labelled by a
pandas index (good or process ids; ``(id, period)`` :class:`~pandas.MultiIndex` over periods). A
row block comes from sparse triplets with local row indices and global columns (:meth:`BlockBuilder.rows`)
or from sparse matrices placed at column blocks (:meth:`BlockBuilder.matrix_rows`). Each constraint
family is one ``define_*`` function of its problem that appends its blocks, as PyPSA's are. Nothing
here loops over non-zeros in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.solvers.base import Block, LinearProgram


def period_index(ids: pd.Index | list[str], periods: int, *, start: int = 1) -> pd.MultiIndex:
    """``(id, period)`` labels in period-major order (all ids of period 1 first)."""
    ids = pd.Index(ids, dtype=object)
    k = len(ids)
    if ids.is_unique:  # codes directly: no factorisation of k·T labels
        return pd.MultiIndex(levels=[ids, pd.RangeIndex(start, start + periods)],
                             codes=[np.tile(np.arange(k), periods), np.repeat(np.arange(periods), k)],
                             names=["id", "period"], verify_integrity=False)
    return pd.MultiIndex.from_arrays(
        [np.tile(ids.to_numpy(), periods), np.repeat(np.arange(start, start + periods), k)],
        names=["id", "period"],
    )


@dataclass
class BlockBuilder:
    """Collects column and row blocks, then builds the :class:`LinearProgram`."""

    col_blocks: list[Block] = field(default_factory=list)
    c: list[np.ndarray] = field(default_factory=list)
    col_lo: list[np.ndarray] = field(default_factory=list)
    col_hi: list[np.ndarray] = field(default_factory=list)
    row_blocks: list[Block] = field(default_factory=list)
    row_lo: list[np.ndarray] = field(default_factory=list)
    row_hi: list[np.ndarray] = field(default_factory=list)
    trip_r: list[np.ndarray] = field(default_factory=list)
    trip_c: list[np.ndarray] = field(default_factory=list)
    trip_v: list[np.ndarray] = field(default_factory=list)
    extra_cost: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    #: row blocks given as sparse matrices: (first row, [(first column, matrix), …])
    matrices: list[tuple[int, list[tuple[int, sp.csr_matrix]]]] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return self.col_blocks[-1].stop if self.col_blocks else 0

    @property
    def n_rows(self) -> int:
        return self.row_blocks[-1].stop if self.row_blocks else 0

    def cols(self, name: str, labels: pd.Index, *, lower: np.ndarray | float = 0.0,
             upper: np.ndarray | float = np.inf, cost: np.ndarray | float = 0.0) -> int:
        """Append a column block; returns its first column."""
        k = len(labels)
        start = self.n_cols
        self.col_blocks.append(Block(name, start, start + k, labels))
        self.c.append(np.broadcast_to(np.asarray(cost, dtype=float), (k,)).copy())
        self.col_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (k,)).copy())
        self.col_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (k,)).copy())
        return start

    def rows(self, name: str, labels: pd.Index, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, *,
             lower: np.ndarray | float = -np.inf, upper: np.ndarray | float = np.inf) -> int:
        """Append a row block from triplets (``rows`` local to the block, ``cols`` global)."""
        k = len(labels)
        start = self.n_rows
        self.row_blocks.append(Block(name, start, start + k, labels))
        self.trip_r.append(np.asarray(rows, dtype=np.int64) + start)
        self.trip_c.append(np.asarray(cols, dtype=np.int64))
        self.trip_v.append(np.asarray(vals, dtype=float))
        self.row_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (k,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (k,)).copy())
        return start

    def matrix_rows(self, name: str, labels: pd.Index, parts: list[tuple[int, sp.spmatrix]], *,
                    lower: np.ndarray | float = -np.inf, upper: np.ndarray | float = np.inf) -> int:
        """Append a row block ``Σ_i M_i x[start_i : start_i + M_i.shape[1]]`` from ``(start_i, M_i)``
        (kept as CSR: placing a matrix is a shift of its column indices, no triplets, no sort)."""
        k = len(labels)
        start = self.n_rows
        self.row_blocks.append(Block(name, start, start + k, labels))
        self.row_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (k,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (k,)).copy())
        self.matrices.append((start, [(c0, sp.csr_matrix(M, dtype=np.float64)) for c0, M in parts]))
        return start

    def _placed(self, m: int, n: int) -> sp.csr_matrix:
        """The matrix row blocks as one (m × n) CSR: each part's column indices shifted to its block."""
        blocks: list[sp.csr_matrix] = []
        row = 0
        for start, parts in self.matrices:
            k = next(b.stop - b.start for b in self.row_blocks if b.start == start)
            if start > row:
                blocks.append(sp.csr_matrix((start - row, n)))
            placed = [M if c0 == 0 and M.shape[1] == n else
                      sp.csr_matrix((M.data, M.indices + np.asarray(c0, dtype=M.indices.dtype), M.indptr),
                                    shape=(k, n)) for c0, M in parts]
            blocks.append(placed[0] if len(placed) == 1 else sum(placed[1:], placed[0]))
            row = start + k
        if row < m:
            blocks.append(sp.csr_matrix((m - row, n)))
        return sp.vstack(blocks, format="csr")

    def add_cost(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` to the (minimisation) cost of global columns ``cols``."""
        self.extra_cost.append((np.asarray(cols, dtype=np.int64), np.asarray(values, dtype=float)))

    def build(self, sense: str = "min", meta: dict[str, float] | None = None) -> LinearProgram:
        m, n = self.n_rows, self.n_cols
        K: sp.csr_matrix | None = self._placed(m, n) if self.matrices else None  # as given, explicit zeros too
        if self.trip_r or K is None:
            if self.trip_r:
                r, cc, v = (np.concatenate(a) for a in (self.trip_r, self.trip_c, self.trip_v))
            else:
                r = cc = np.zeros(0, dtype=np.int64)
                v = np.zeros(0)
            T = sp.csr_matrix((v, (r, cc)), shape=(m, n))
            T.sum_duplicates()
            T.eliminate_zeros()
            K = T if K is None else K + T
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
        c = cat(self.c)
        for cols, vals in self.extra_cost:
            np.add.at(c, cols, vals)
        return LinearProgram(
            c=c, K=K, row_lower=cat(self.row_lo), row_upper=cat(self.row_hi),
            col_lower=cat(self.col_lo), col_upper=cat(self.col_hi),
            row_blocks=tuple(self.row_blocks), col_blocks=tuple(self.col_blocks), sense=sense,
            meta=dict(meta or {}),
        )
