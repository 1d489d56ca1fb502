"""A ``pymrio.IOSystem`` (EXIOBASE, WIOD, OECD ICIO, Eora …) → Leontief :class:`Economy`.

pymrio keeps a multi-regional table as DataFrames indexed by ``(region, sector)``: flows
``Z``, final demand ``Y`` and satellite accounts ``F`` per extension. The economy is
Leontief's, one good per region–sector pair (id ``"region/sector"``):

* ``x = Σ_j Z_ij + Σ_k Y_ik`` (pymrio's ``calc_x``), ``A = Z diag(x)^{-1}``
  (:func:`councilplan.model.iomath.calc_A`);
* labour: the rows of one extension's ``F`` (default: every row of ``factor_inputs`` whose
  name mentions employment, hours, labour or compensation; else all its rows), divided by ``x``;
  each row is one labour kind, and ``meta`` says which rows were used;
* other extensions' rows (emissions …) become resources with coefficients ``F / x``;
* targets: total final demand by region–sector (negative entries clipped to 0).

pymrio is in the ``io`` extra and imported only when a system is converted.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.errors import SourceTableError
from councilplan.model.importers._common import square_economy

_LABOUR = re.compile(r"employ|hour|labou?r|compensation|persons|wage", re.IGNORECASE)


def _label(key: Any) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def from_pymrio(io: Any, *, labour_extension: str = "factor_inputs", labour_rows: list[str] | None = None,
                resources: bool = True, name: str | None = None) -> Economy:
    """Convert a ``pymrio.IOSystem`` to an :class:`Economy` (see the module docstring)."""
    try:
        import pymrio  # noqa: F401  (fails early with a clear fix when the extra is missing)
    except ImportError:  # pragma: no cover - installed with the io extra
        raise SourceTableError("converting a pymrio system needs pymrio. Fix: pip install 'councilplan[io]'") from None
    if getattr(io, "Z", None) is None or getattr(io, "Y", None) is None:
        raise SourceTableError("the IOSystem has no Z or Y. Fix: load a system with flows and final demand "
                               "(pymrio.parse_exiobase3(...), pymrio.load(...)); call io.reset_to_flows() if only A is set")
    Z = io.Z
    x = Z.sum(axis=1).to_numpy() + io.Y.sum(axis=1).to_numpy()
    ids = [_label(k) for k in Z.index]
    exts = {str(getattr(e, "name", "")).lower().replace(" ", "_"): e for e in io.get_extensions(data=True)}
    key = labour_extension.lower().replace(" ", "_")
    if key not in exts:
        raise SourceTableError(f"the IOSystem has no extension '{labour_extension}'. Fix: choose one of: "
                               f"{', '.join(exts) or 'none'} (option labour_extension)")
    F = exts[key].F
    rows = [_label(r) for r in F.index]
    chosen = labour_rows or [r for r in rows if _LABOUR.search(r)] or rows
    missing = [r for r in chosen if r not in rows]
    if missing:
        raise SourceTableError(f"extension '{labour_extension}' has no row '{missing[0]}'. Fix: choose from: {', '.join(rows)}")
    Fl = pd.DataFrame(F.to_numpy(dtype=float), index=rows, columns=ids)
    primary = {r: Fl.loc[r].to_numpy() for r in chosen}
    res: dict[str, np.ndarray] = {}
    if resources:
        for ename, ext in exts.items():
            if ename == key:
                continue
            for r, vals in zip(ext.F.index, ext.F.to_numpy(dtype=float), strict=True):
                res[f"{ename}:{_label(r)}"] = np.asarray(vals)
    proxy = not any(_LABOUR.search(r) for r in chosen)
    meta = {"name": name or f"pymrio system {getattr(io, 'name', '') or ''}".strip(),
            "description": "Leontief economy from a pymrio IOSystem (A = Z/x, x = row sums of Z and Y); labour: "
                           + ", ".join(f"'{r}' of extension '{labour_extension}'" for r in chosen)
                           + (" (a money proxy: the system has no hours or employment row)" if proxy else "") + ".",
            "source": str(getattr(io, "meta", "") and getattr(io.meta, "description", "")) or "pymrio IOSystem",
            "importer": "councilplan.model.importers.pymrio_io.from_pymrio"}
    unit = "money unit"
    if getattr(io, "unit", None) is not None and "unit" in io.unit:
        units = pd.unique(io.unit["unit"].astype(str))
        unit = str(units[0]) if len(units) == 1 else unit
    return square_economy(Z=Z.to_numpy(dtype=float), x=x, ids=ids, names=ids, primary=primary,
                          final_demand=io.Y.sum(axis=1).to_numpy(), resources=res, unit=unit, meta=meta,
                          file=getattr(io, "name", None) or "IOSystem")
