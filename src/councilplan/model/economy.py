"""The economy: activity analysis after Kantorovich and von Neumann.

Goods ``i = 1..m`` and processes ``j = 1..n``. Running process ``j`` at level
``x_j`` makes ``B[i, j]`` units of good ``i``, uses ``A[i, j]`` units of good
``i``, ``L[k, j]`` hours of labour of kind ``k`` and ``R[r, j]`` units of
resource ``r``. Net output is ``y = (B - A) x``. Leontief's model is the square
special case ``n = m``, ``B = I``.

The matrices are ``scipy.sparse`` CSR with float64 values; ids and labels live in
pandas indexes at the edges.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

TARGET_COLUMNS = ("amount", "weight", "floor")


def _csr(M: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    out = sp.csr_matrix(M, shape=shape, dtype=np.float64)
    out.sum_duplicates()
    out.eliminate_zeros()
    return out


@dataclass(frozen=True, eq=False)
class Economy:
    """An economy's technology, endowments and goals.

    Attributes
    ----------
    goods : DataFrame indexed by good id, columns ``name, unit`` (+ ``region``).
    processes : DataFrame indexed by process id, columns ``name`` (+ ``region``).
    A, B : (m, n) sparse use and make matrices.
    L : (k, n) sparse labour hours by kind.
    R : (r, n) sparse resource use.
    labour_kinds, resources : Index of the rows of ``L`` and ``R``.
    labour_available : Series by labour kind; ``inf`` means unlimited.
    resource_available : Series by resource; ``inf`` means unlimited.
    capacity : Series by process; ``inf`` means unlimited.
    targets : DataFrame indexed by good with ``amount, weight, floor`` (all goods).
    meta : name, description, source.
    """

    goods: pd.DataFrame
    processes: pd.DataFrame
    A: sp.csr_matrix
    B: sp.csr_matrix
    L: sp.csr_matrix
    R: sp.csr_matrix
    labour_kinds: pd.Index
    resources: pd.Index
    labour_available: pd.Series
    resource_available: pd.Series
    capacity: pd.Series
    targets: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)
    #: results derived from this economy's numbers that callers may keep with it (``"labour_values"``:
    #: labour values by good, see :func:`councilplan.planning.values.cached_labour_values`;
    #: ``"technology_hash"``; ``"catalogue"``); never compared, and :meth:`replace` starts a new, empty one
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        *,
        goods: pd.DataFrame,
        processes: pd.DataFrame,
        A: Any,
        B: Any,
        L: Any,
        labour_kinds: pd.Index | list[str],
        R: Any = None,
        resources: pd.Index | list[str] | None = None,
        labour_available: pd.Series | None = None,
        resource_available: pd.Series | None = None,
        capacity: pd.Series | None = None,
        targets: pd.DataFrame | None = None,
        meta: dict[str, str] | None = None,
    ) -> Economy:
        """Assemble an economy, filling every optional part with its default.

        Defaults: no resources, unlimited labour, resources and capacity, and
        zero targets with weight 1 and floor 0.
        """
        m, n = len(goods), len(processes)
        kinds = pd.Index(labour_kinds, dtype=object, name="kind")
        res = pd.Index([] if resources is None else resources, dtype=object, name="resource")
        R = sp.csr_matrix((len(res), n)) if R is None else R
        inf = np.inf
        lab = pd.Series(inf, index=kinds, dtype=float, name="available")
        if labour_available is not None:
            lab.update(labour_available.astype(float))
        ravail = pd.Series(inf, index=res, dtype=float, name="available")
        if resource_available is not None:
            ravail.update(resource_available.astype(float))
        cap = pd.Series(inf, index=processes.index, dtype=float, name="capacity")
        if capacity is not None:
            cap.update(capacity.astype(float))
        tg = pd.DataFrame(
            {"amount": 0.0, "weight": 1.0, "floor": 0.0}, index=goods.index, dtype=float
        )
        if targets is not None:
            pos = tg.index.get_indexer(targets.index) if targets.index.is_unique else np.array([-1])
            for col in TARGET_COLUMNS:
                if col in targets:
                    if (pos >= 0).all():  # one look-up for all columns (same result as .loc)
                        tg.iloc[pos, tg.columns.get_loc(col)] = targets[col].astype(float).to_numpy()
                    else:
                        tg.loc[targets.index, col] = targets[col].astype(float).to_numpy()
        return cls(
            goods=goods,
            processes=processes,
            A=_csr(A, (m, n)),
            B=_csr(B, (m, n)),
            L=_csr(L, (len(kinds), n)),
            R=_csr(R, (len(res), n)),
            labour_kinds=kinds,
            resources=res,
            labour_available=lab,
            resource_available=ravail,
            capacity=cap,
            targets=tg,
            meta=dict(meta or {}),
        )

    @classmethod
    def leontief(
        cls,
        A: Any,
        labour: Any,
        *,
        ids: list[str] | pd.Index | None = None,
        names: list[str] | None = None,
        units: list[str] | None = None,
        final_demand: Any = None,
        labour_kinds: list[str] | None = None,
        meta: dict[str, str] | None = None,
    ) -> Economy:
        """A square economy: one process per good, ``B = I``.

        ``labour`` is a vector of hours per unit of output, or a (k, n) array
        for ``k`` labour kinds. ``final_demand`` becomes the targets.
        """
        A = sp.csr_matrix(A, dtype=np.float64)
        m = A.shape[0]
        idx = pd.Index([f"g{i}" for i in range(m)] if ids is None else ids, dtype=object)
        goods = pd.DataFrame(
            {"name": list(idx) if names is None else names, "unit": units or ["unit"] * m},
            index=idx,
        )
        goods.index.name = "id"
        processes = pd.DataFrame({"name": goods["name"].to_numpy()}, index=idx.copy())
        processes.index.name = "id"
        lab = np.atleast_2d(np.asarray(labour, dtype=float))
        kinds = labour_kinds or (["labour"] if lab.shape[0] == 1 else [f"labour{k}" for k in range(lab.shape[0])])
        targets = None
        if final_demand is not None:
            targets = pd.DataFrame({"amount": np.asarray(final_demand, dtype=float)}, index=idx)
        return cls.build(
            goods=goods,
            processes=processes,
            A=A,
            B=sp.identity(m, format="csr"),
            L=lab,
            labour_kinds=kinds,
            targets=targets,
            meta=meta,
        )

    # ------------------------------------------------------------- properties
    @property
    def n_goods(self) -> int:
        return len(self.goods)

    @property
    def n_processes(self) -> int:
        return len(self.processes)

    @property
    def name(self) -> str:
        return self.meta.get("name", "economy")

    @property
    def net(self) -> sp.csr_matrix:
        """The net-output matrix ``B - A``."""
        return (self.B - self.A).tocsr()

    @property
    def total_labour(self) -> np.ndarray:
        """Hours of all kinds per unit level of each process, ``1ᵀ L``."""
        return np.asarray(self.L.sum(axis=0)).ravel()

    def is_square(self) -> bool:
        """True for a Leontief economy: ``B`` is the identity in good order."""
        if self.n_goods != self.n_processes:
            return False
        diff = self.B - sp.identity(self.n_goods, format="csr")
        return bool(diff.count_nonzero() == 0)

    def net_output(self, x: np.ndarray | pd.Series) -> pd.Series:
        """``y = (B - A) x`` labelled by good."""
        xv = np.asarray(x, dtype=float)
        return pd.Series(self.net @ xv, index=self.goods.index, name="net_output")

    def with_targets(self, targets: pd.DataFrame) -> Economy:
        """A copy whose targets are replaced (missing goods keep amount 0)."""
        tg = pd.DataFrame(
            {"amount": 0.0, "weight": 1.0, "floor": 0.0}, index=self.goods.index, dtype=float
        )
        for col in TARGET_COLUMNS:
            if col in targets:
                tg.loc[targets.index, col] = targets[col].astype(float).to_numpy()
        return replace(self, targets=tg)

    def replace(self, **changes: Any) -> Economy:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ hash
    def _hash_technology(self, h: Any) -> None:
        for idx in (self.goods.index, self.processes.index, self.labour_kinds, self.resources):
            h.update("\x1f".join(map(str, idx)).encode())
            h.update(b"\x1e")
        for M in (self.A, self.B, self.L, self.R):
            C = M.tocsr()
            C.sort_indices()
            for arr in (np.asarray(C.shape), C.indptr, C.indices, C.data):
                h.update(np.ascontiguousarray(arr).astype(np.float64).tobytes())

    def technology_hash(self) -> str:
        """SHA-256 of the ids and the matrices ``A, B, L, R`` only: what labour values depend on
        (kept in :attr:`derived` once computed)."""
        hit = self.derived.get("technology_hash")
        if hit is None:
            h = hashlib.sha256()
            self._hash_technology(h)
            hit = self.derived["technology_hash"] = h.hexdigest()
        return str(hit)

    def content_hash(self) -> str:
        """SHA-256 of the economy's numbers and ids, independent of file format."""
        h = hashlib.sha256()
        self._hash_technology(h)
        for s in (self.labour_available, self.resource_available, self.capacity):
            h.update(s.to_numpy(dtype=float).tobytes())
        h.update(self.targets[list(TARGET_COLUMNS)].to_numpy(dtype=float).tobytes())
        return h.hexdigest()

    def __repr__(self) -> str:
        return (
            f"Economy({self.name!r}: {self.n_goods} goods, {self.n_processes} processes, "
            f"{len(self.labour_kinds)} labour kinds, {len(self.resources)} resources, "
            f"nnz(A)={self.A.nnz})"
        )
