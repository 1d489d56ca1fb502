"""A searchable catalogue of an economy's goods and processes: what the economy browser and its JSON
routes page through.

Search is a case-insensitive substring match on ``id`` and ``name``. The index is built once per
economy (kept in :attr:`Economy.derived`, so it lives as long as the cached economy) as one
fixed-width byte array of the lowercased UTF-8 lines ``"id\tname"`` (cut at :data:`SEARCHED_BYTES`);
a query is one vectorised :func:`numpy.strings.find` over it, a few milliseconds at 10^5 goods
whatever the number of hits.

A good's detail lists the processes that make it (the nonzeros of row ``i`` of ``B``) and use it
(row ``i`` of ``A``); a process's lists its inputs (column ``j`` of ``A``), outputs (column ``j`` of
``B``) and labour (column ``j`` of ``L``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from councilplan.model.economy import Economy

#: sort orders a listing accepts
SORTS = ("id", "name")
#: bytes of ``"id\tname"`` that search sees (longer names are cut, for the index only)
SEARCHED_BYTES = 160
_find = getattr(np, "strings", np.char).find  # numpy >= 2: a ufunc; numpy 1.26: np.char


@dataclass(frozen=True)
class Hits:
    """One page of a search: the rows' positions, how many matched, and the page asked for."""

    rows: np.ndarray
    total: int
    offset: int
    limit: int


@dataclass
class Index:
    """Ids and names of one kind of row (goods or processes), searchable."""

    ids: np.ndarray
    names: np.ndarray
    text: np.ndarray = field(repr=False)       #: lowercased UTF-8 ``id\tname``, fixed-width bytes
    name_rank: np.ndarray = field(repr=False)  #: each row's place in name order
    position: dict[str, int] = field(repr=False)

    @classmethod
    def of(cls, ids: Any, names: Any) -> Index:
        ids_ = np.asarray([str(i) for i in ids], dtype=object)
        names_ = np.asarray(["" if n is None or n != n else str(n) for n in names], dtype=object)
        text = (np.asarray([f"{i}\t{n}".lower().encode()[:SEARCHED_BYTES] for i, n in zip(ids_, names_, strict=True)],
                           dtype=bytes) if len(ids_) else np.zeros(0, dtype="S1"))
        by_name = np.asarray(sorted(range(len(names_)), key=lambda k: str(names_[k]).lower()), dtype=np.int64)
        rank = np.empty(len(names_), dtype=np.int64)
        rank[by_name] = np.arange(len(names_))
        return cls(ids_, names_, text, rank, {str(i): k for k, i in enumerate(ids_)})

    def __len__(self) -> int:
        return len(self.ids)

    def matches(self, q: str) -> np.ndarray:
        """Positions (in id order) of the rows whose ``id`` or ``name`` contains ``q`` (any case)."""
        needle = q.strip().lower().encode()
        if not needle:
            return np.arange(len(self.ids))
        return np.flatnonzero(_find(self.text, needle) >= 0)

    def search(self, q: str = "", *, offset: int = 0, limit: int = 50, sort: str = "id",
               desc: bool = False) -> Hits:
        """One page of :meth:`matches`, in id order (the file's order) or by name."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        hits = self.matches(q)
        if sort == "name":
            hits = hits[np.argsort(self.name_rank[hits], kind="stable")]
        if desc:
            hits = hits[::-1]
        return Hits(hits[offset: offset + limit], len(hits), offset, limit)


@dataclass
class Catalogue:
    """The goods and processes of one economy, searchable, with their links."""

    economy: Economy
    goods: Index
    processes: Index
    _csc: dict[str, sp.csc_matrix] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, economy: Economy) -> Catalogue:
        """The economy's catalogue, built once and kept in ``economy.derived["catalogue"]``."""
        hit = economy.derived.get("catalogue")
        if isinstance(hit, Catalogue):
            return hit
        g, p = economy.goods, economy.processes
        cat = cls(economy, Index.of(g.index, g.get("name", g.index)),
                  Index.of(p.index, p.get("name", p.index)))
        economy.derived["catalogue"] = cat
        return cat

    def _col(self, which: str) -> sp.csc_matrix:
        if which not in self._csc:
            self._csc[which] = sp.csc_matrix(getattr(self.economy, which))
        return self._csc[which]

    def good(self, good_id: str) -> dict[str, Any]:
        """A good: its unit, target, and the processes that make it and use it (coefficient per unit run)."""
        i = self.goods.position.get(good_id)
        if i is None:
            raise KeyError(good_id)
        e = self.economy
        row = e.goods.iloc[i]
        target = e.targets.iloc[i] if len(e.targets) == len(e.goods) else None
        return {"id": good_id, "name": self.goods.names[i], "unit": str(row.get("unit", "")),
                "target": None if target is None else float(target["amount"]),
                "made_by": self._row(e.B, i), "used_by": self._row(e.A, i)}

    def process(self, process_id: str) -> dict[str, Any]:
        """A process: inputs, outputs and labour per unit run, and its capacity (``None`` if unlimited)."""
        j = self.processes.position.get(process_id)
        if j is None:
            raise KeyError(process_id)
        e = self.economy
        cap = float(e.capacity.iloc[j])
        return {"id": process_id, "name": self.processes.names[j],
                "capacity": cap if np.isfinite(cap) else None,
                "inputs": self._column("A", j, self.goods.ids), "outputs": self._column("B", j, self.goods.ids),
                "labour": self._column("L", j, np.asarray([str(k) for k in e.labour_kinds], dtype=object)),
                "resources": self._column("R", j, np.asarray([str(r) for r in e.resources], dtype=object))}

    def _row(self, M: sp.csr_matrix, i: int) -> list[dict[str, Any]]:
        lo, hi = M.indptr[i], M.indptr[i + 1]
        return [{"id": str(self.processes.ids[j]), "coefficient": float(v)}
                for j, v in zip(M.indices[lo:hi], M.data[lo:hi], strict=True) if v != 0]

    def _column(self, which: str, j: int, labels: np.ndarray) -> list[dict[str, Any]]:
        M = self._col(which)
        lo, hi = M.indptr[j], M.indptr[j + 1]
        return [{"id": str(labels[i]), "coefficient": float(v)}
                for i, v in zip(M.indices[lo:hi], M.data[lo:hi], strict=True) if v != 0]
