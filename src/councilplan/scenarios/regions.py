"""Regions and transport: regional copies of processes, and processes that move goods.

Convention: the regional copy of sector ``s`` in region ``r`` has the id
``s@r`` and a ``region`` column; :func:`in_region` finds processes (or goods, or
capital stocks) of a region by that column, or by the ``@region`` suffix.

>>> import councilplan as cp
>>> ec = regionalise(cp.example("germany-1995"), ["west", "east"], goods=False)
>>> ec.n_processes, sorted(set(ec.processes["region"]))
(12, ['east', 'west'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import InputError


def regional_id(sector: str, region: str) -> str:
    return f"{sector}@{region}"


def sector_of(regional: str) -> str:
    return regional.rsplit("@", 1)[0]


def in_region(frame: pd.DataFrame | pd.Index, region: str) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` (goods, processes or an index) in ``region``."""
    if isinstance(frame, pd.DataFrame) and "region" in frame.columns:
        return (frame["region"].astype(str) == region).to_numpy()
    index = frame.index if isinstance(frame, pd.DataFrame) else frame
    return np.asarray(pd.Index(index).astype(str).str.endswith(f"@{region}"))


def regionalise(economy: Economy, regions: Sequence[str], *, goods: bool = False,
                shares: Mapping[str, Mapping[str, float]] | None = None) -> Economy:
    """Copy every process into each region (ids ``process@region``).

    With ``goods=False`` goods stay national (one balance) and only production
    is regional. ``shares[region][process]`` splits a finite process capacity
    between the regions (default: equal shares). With ``goods=True`` goods are
    regional too and :func:`add_transport` must link the regions.
    """
    R = len(regions)
    procs = economy.processes
    new_p = pd.concat([procs.assign(region=r, sector=procs.index) for r in regions])
    new_p.index = pd.Index([regional_id(p, r) for r in regions for p in procs.index], dtype=object, name="id")
    cap = economy.capacity.to_numpy(dtype=float)
    caps = []
    for r in regions:
        share = np.array([(shares or {}).get(r, {}).get(p, 1.0 / R) for p in procs.index])
        finite = np.isfinite(cap)
        caps.append(np.where(finite, np.where(finite, cap, 0.0) * share, np.inf))
    if goods:
        gd = economy.goods
        new_g = pd.concat([gd.assign(region=r) for r in regions])
        new_g.index = pd.Index([regional_id(g, r) for r in regions for g in gd.index], dtype=object, name="id")
        A = sp.block_diag([economy.A] * R, format="csr")
        B = sp.block_diag([economy.B] * R, format="csr")
        tg = economy.targets
        targets = pd.DataFrame({c: np.tile(tg[c].to_numpy() / (R if c in ("amount", "floor") else 1), R)
                                for c in ("amount", "weight", "floor")}, index=new_g.index)
    else:
        new_g = economy.goods
        A = sp.hstack([economy.A] * R, format="csr")
        B = sp.hstack([economy.B] * R, format="csr")
        targets = economy.targets
    return Economy.build(
        goods=new_g, processes=new_p, A=A, B=B, L=sp.hstack([economy.L] * R, format="csr"),
        labour_kinds=economy.labour_kinds, R=sp.hstack([economy.R] * R, format="csr"), resources=economy.resources,
        labour_available=economy.labour_available, resource_available=economy.resource_available,
        capacity=pd.Series(np.concatenate(caps), index=new_p.index), targets=targets, meta=economy.meta,
    )


def add_transport(economy: Economy, routes: pd.DataFrame) -> Economy:
    """Add one transport process per route: it takes 1 unit of ``good`` at ``origin`` and
    delivers ``1 - loss`` units at ``dest``, using ``inputs`` of other goods and ``hours`` of labour.

    ``routes`` columns: ``good, origin, dest`` (+ ``loss`` 0, ``hours`` 0, ``kind`` the first
    labour kind, ``service`` a good used per unit moved, ``service_amount`` 0,
    ``capacity`` inf). Goods must be regional (``good@region``).
    """
    goods = economy.goods.index
    rows = routes.reset_index(drop=True)
    ids = [f"move:{g}:{o}>{d}" for g, o, d in zip(rows["good"], rows["origin"], rows["dest"], strict=True)]
    k = len(ids)
    origin = goods.get_indexer([regional_id(g, o) for g, o in zip(rows["good"], rows["origin"], strict=True)])
    dest = goods.get_indexer([regional_id(g, d) for g, d in zip(rows["good"], rows["dest"], strict=True)])
    if (origin < 0).any() or (dest < 0).any():
        raise InputError("a transport route names a good that is not regional (good@region) in this economy")
    loss = rows["loss"].to_numpy(dtype=float) if "loss" in rows else np.zeros(k)
    cols = np.arange(k)
    A_new = sp.csr_matrix((np.ones(k), (origin, cols)), shape=(len(goods), k)).tolil()
    if "service" in rows:
        svc = goods.get_indexer(rows["service"].astype(str))
        amt = rows["service_amount"].to_numpy(dtype=float)
        for j in np.flatnonzero((svc >= 0) & (amt > 0)):
            A_new[svc[j], j] += amt[j]
    B_new = sp.csr_matrix((1.0 - loss, (dest, cols)), shape=(len(goods), k))
    kinds = economy.labour_kinds
    hours = rows["hours"].to_numpy(dtype=float) if "hours" in rows else np.zeros(k)
    kind = kinds.get_indexer(rows["kind"].astype(str)) if "kind" in rows else np.zeros(k, dtype=np.int64)
    L_new = sp.csr_matrix((hours, (np.maximum(kind, 0), cols)), shape=(len(kinds), k))
    new_p = pd.DataFrame({"name": [f"transport of {g} from {o} to {d}" for g, o, d in
                                   zip(rows["good"], rows["origin"], rows["dest"], strict=True)],
                          "region": rows["origin"].astype(str).to_numpy(), "sector": "transport"},
                         index=pd.Index(ids, dtype=object, name="id"))
    cap = rows["capacity"].to_numpy(dtype=float) if "capacity" in rows else np.full(k, np.inf)
    processes = pd.concat([economy.processes, new_p])
    return Economy.build(
        goods=economy.goods, processes=processes, A=sp.hstack([economy.A, A_new.tocsr()]),
        B=sp.hstack([economy.B, B_new]), L=sp.hstack([economy.L, L_new]), labour_kinds=kinds,
        R=sp.hstack([economy.R, sp.csr_matrix((len(economy.resources), k))]), resources=economy.resources,
        labour_available=economy.labour_available, resource_available=economy.resource_available,
        capacity=pd.concat([economy.capacity, pd.Series(cap, index=new_p.index)]), targets=economy.targets,
        meta=economy.meta,
    )


def pair_region(capital: pd.DataFrame, processes: pd.DataFrame, region: str) -> np.ndarray:
    """Mask of capital stocks held by processes of ``region``."""
    in_r = pd.Series(in_region(processes, region), index=processes.index)
    return in_r.reindex(capital["process"]).fillna(False).to_numpy(dtype=bool)
