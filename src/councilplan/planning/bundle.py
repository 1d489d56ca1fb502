"""Plan bundles: one self-contained zip per plan that anyone can check (``docs/bundle.md``).

A bundle holds the economy and its goals, the objective, the solver and its options, the input
hash, the plan's process levels and the shadow price of every row of its LP, the certificate and
the software's version. :mod:`councilplan.verifier` checks one with plain numpy and scipy.

Prices are stored ≥ 0 as the gain from one more unit of each row's bound, split by row family, with
the minimisation duals ``λ`` of :mod:`councilplan.solvers.base`: goods and floors ``λ``, harmony
pieces, labour and resources ``-λ``, and capacities ``q = max(-z, 0)`` with ``z = c - Kᵀλ``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from councilplan.model.economy import TARGET_COLUMNS, Economy
from councilplan.model.errors import InputError
from councilplan.planning.objectives import harmony_pieces
from councilplan.planning.plan import Plan
from councilplan.planning.problem import build_problem
from councilplan.planning.solve import input_hash
from councilplan.solvers import SolveOptions
from councilplan.verifier import FORMAT, VERSION, array_digest

#: Software whose versions a bundle records.
_SOFTWARE = ("councilplan", "numpy", "scipy", "highspy", "pandas")


class BundleInputError(InputError):
    """The plan cannot be bundled (no primal–dual point, or options that do not match its hash)."""


def _csr_arrays(name: str, M: sp.spmatrix) -> dict[str, np.ndarray]:
    C = sp.csr_matrix(M, copy=True)
    C.sort_indices()
    return {f"{name}_data": C.data.astype(np.float64), f"{name}_indices": C.indices, f"{name}_indptr": C.indptr,
            f"{name}_shape": np.asarray(C.shape, dtype=np.int64)}


def economy_arrays(economy: Economy) -> dict[str, np.ndarray]:
    """The economy's matrices (CSR), availabilities, capacities and targets (goods × amount, weight, floor)."""
    out: dict[str, np.ndarray] = {}
    for name in ("A", "B", "L", "R"):
        out.update(_csr_arrays(name, getattr(economy, name)))
    out["labour_available"] = economy.labour_available.to_numpy(dtype=np.float64)
    out["resource_available"] = economy.resource_available.to_numpy(dtype=np.float64)
    out["capacity"] = economy.capacity.to_numpy(dtype=np.float64)
    out["targets"] = np.ascontiguousarray(economy.targets[list(TARGET_COLUMNS)].to_numpy(dtype=np.float64))
    out["labour_weights"] = np.ones(len(economy.labour_kinds))
    return out


def plan_arrays(plan: Plan, economy: Economy) -> dict[str, np.ndarray]:
    """Process levels and the shadow prices of every row family, laid out as the verifier reads them."""
    if "x" not in plan.raw or "row_dual" not in plan.raw:
        raise BundleInputError(f"this plan ({plan.status}) has no primal–dual point to bundle: the solver "
                               "stopped before it found one. Fix: plan again with a longer --time-limit")
    lp = build_problem(economy, plan.objective_name)  # type: ignore[arg-type]
    xfull, lam = np.asarray(plan.raw["x"], dtype=float), np.asarray(plan.raw["row_dual"], dtype=float)
    if lam.shape[0] != lp.K.shape[0] or xfull.shape[0] != lp.K.shape[1]:
        raise BundleInputError("the plan's primal–dual point does not fit the economy's LP: bundle a plan "
                               "with the economy it was computed for")
    m, n = economy.n_goods, economy.n_processes
    goods = economy.goods.index
    pieces = harmony_pieces()[1].size
    out = {"x": xfull[:n].copy(), "price_goods": np.zeros(m), "price_floors": np.zeros(m),
           "price_harmony": np.zeros((pieces, m)), "price_labour": np.zeros(len(economy.labour_kinds)),
           "price_resources": np.zeros(len(economy.resources)), "price_capacity": np.zeros(n)}
    for block in lp.row_blocks:
        lam_b = lam[block.slice]
        if block.name in ("goods", "floors"):
            out[f"price_{block.name}"][goods.get_indexer(block.labels)] = lam_b
        elif block.name == "harmony":
            where = goods.get_indexer(block.labels.get_level_values("good"))
            pos = block.labels.get_level_values("piece").to_numpy()
            # the LP's rows are t_i z_i - b_k y_i ≤ t_i (a_k - b_k): the price of the unscaled row is t_i λ
            out["price_harmony"][pos, where] = -lam_b * economy.targets["amount"].to_numpy(dtype=float)[where]
        elif block.name == "labour":
            out["price_labour"][economy.labour_kinds.get_indexer(block.labels)] = -lam_b
        elif block.name == "resources":
            out["price_resources"][economy.resources.get_indexer(block.labels)] = -lam_b
    if plan.objective_name == "harmony":
        # a targeted good's row prices its harmony (Σ_k b_k η_ik / t_i) and its floor together: keep the floor's rent
        amount = economy.targets["amount"].to_numpy(dtype=float)
        t = np.where(amount > 0, amount, 1.0)
        out["price_goods"] -= (harmony_pieces()[1][:, None] * out["price_harmony"]).sum(axis=0) / t
    z = (lp.c - lp.K.T @ lam)[:n]
    capped = np.isfinite(economy.capacity.to_numpy(dtype=float))
    out["price_capacity"] = np.where(capped, np.maximum(-z, 0.0), 0.0)
    return out


def _versions() -> dict[str, str]:
    out = {"name": "councilplan"}
    for pkg in _SOFTWARE:
        try:
            out["version" if pkg == "councilplan" else pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def bundle_bytes(plan: Plan, economy: Economy, *, meta: dict[str, Any] | None = None) -> bytes:
    """The zip of ``plan`` (computed for ``economy``, goals included) in format version 1.

    ``meta`` adds provenance to the manifest (the service records economy, round, iteration and plan ids).
    """
    opts = SolveOptions(tol=float(plan.options.get("tol", 1e-7)), extra=dict(plan.options.get("extra", {})))
    if input_hash(economy, plan.objective_name, plan.solver, opts) != plan.input_hash:
        raise BundleInputError("the economy or options differ from those the plan was computed with (its "
                               "input hash does not match): bundle a plan with its own economy")
    eco, pl = economy_arrays(economy), plan_arrays(plan, economy)
    labels = {"goods": [str(v) for v in economy.goods.index], "processes": [str(v) for v in economy.processes.index],
              "labour": [str(v) for v in economy.labour_kinds], "resources": [str(v) for v in economy.resources]}
    labels_bytes = json.dumps(labels, ensure_ascii=False).encode()
    digests = {k: array_digest(v) for k, v in {**eco, **pl}.items()}
    digests["labels.json"] = hashlib.sha256(labels_bytes).hexdigest()
    manifest = {
        "format": FORMAT, "version": VERSION, "software": _versions(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "economy": {"name": economy.name, "goods": economy.n_goods, "processes": economy.n_processes,
                    "labour": len(economy.labour_kinds), "resources": len(economy.resources),
                    "source": str(economy.meta.get("source", ""))},
        "objective": plan.objective_name, "solver": plan.solver,
        "options": {"tol": opts.tol, "extra": opts.extra}, "input_hash": plan.input_hash,
        "status": str(plan.status), "objective_value": plan.objective, "scale": plan.scale,
        "certificate": plan.certificate.as_dict() if plan.certificate else None,
        "iterations": plan.iterations, "digests": digests, **({"provenance": meta} if meta else {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n", compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("labels.json", labels_bytes, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("economy.npz", _npz(eco), compress_type=zipfile.ZIP_STORED)
        z.writestr("plan.npz", _npz(pl), compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def write_bundle(plan: Plan, economy: Economy, path: str | Path, *, meta: dict[str, Any] | None = None) -> Path:
    """Write :func:`bundle_bytes` to ``path`` (a ``.zip``), atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".part")
    tmp.write_bytes(bundle_bytes(plan, economy, meta=meta))
    tmp.replace(p)
    return p
