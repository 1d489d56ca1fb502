#!/usr/bin/env python3
"""Check a councilplan plan bundle with nothing but numpy and scipy.

This file stands alone on purpose: it imports nothing from councilplan, so that a sceptic can read
all of it, copy it anywhere and run ::

    python verifier.py PLAN.zip [--tol 1e-6] [--expect-hash HEX]

The bundle format is the contract in ``docs/bundle.md`` (format version 1). From the bundle's own
numbers this file rebuilds the linear program of the plan's objective. It does not ask the
optimiser that produced the plan, and it checks, each against a printed tolerance:

1. **digests**: every array matches the SHA-256 the manifest records for it. A file edited after
   the bundle was written is named here.
2. **input hash**: the SHA-256 of the economy, the goals, the objective, the solver and its
   options, recomputed. It must equal the manifest's and, with ``--expect-hash``, the published
   one.
3. **primal feasibility**: with net output ``y = (B - A) x``, the plan meets every row of its LP.
   ``x ≥ 0``, ``x ≤ capacity``, ``L x ≤ labour available``, ``R x ≤ resources available``, and
   the goods rows of the objective:

   ============  ==================================================  =========================
   objective     goods rows                                          objective value ``P``
   ============  ==================================================  =========================
   min-labour    ``y ≥ max(amount, floor)``                          ``Σ_k w_k L_k x`` (min)
   ray           ``y ≥ s·amount``, ``y ≥ floor`` where floor > 0     ``s = min_i y_i/amount_i``
   harmony       ``y ≥ max(floor, 0)``                               ``Σ_i w_i h(y_i/t_i - 1)``
   ============  ==================================================  =========================

   ``residual = ‖violations‖₂ / (1 + ‖finite right-hand sides‖₂)``.
4. **objective**: ``P`` recomputed from ``x`` alone agrees with the recorded objective:
   ``|P - recorded| / (1 + |P|) ≤ tol``.
5. **dual feasibility**: the recorded shadow prices (goods ``p``, floors ``f``, harmony pieces
   ``η``, labour ``u``, resources ``v``, capacities ``q``, each ≥ 0 and zero on rows the LP does
   not have) satisfy, for every process ``j``, ``g_j ≤ 0`` where

   * min-labour: ``g = Nᵀp - Lᵀu - Rᵀv - q - Lᵀw``
   * ray: ``g = Nᵀp + Nᵀf - Lᵀu - Rᵀv - q``, and ``p·amount ≥ 1`` (the scale's column)
   * harmony: ``g = Nᵀ(p + Σ_k b_k η_k / t) - Lᵀu - Rᵀv - q``, and ``Σ_k η_k = w`` on targets

   ``residual = ‖violations‖₂ / (1 + ‖objective coefficients‖₂)``.
6. **duality gap**: the dual objective ``D`` (below) against ``P``:
   ``|P - D| / (1 + |P| + |D|) ≤ tol``. With availabilities ``a`` (finite ones only):

   * min-labour: ``D = p·max(amount, floor) - u·a_L - v·a_R - q·cap``
   * ray: ``D = u·a_L + v·a_R + q·cap - f·floor``
   * harmony: ``D = Σ_k η_k·(a_k - b_k) - p·floor + u·a_L + v·a_R + q·cap``

By weak duality a feasible ``x`` and feasible prices with a zero gap prove the plan optimal. The
tolerance is the one the plan was solved to (the manifest's ``options.tol``) unless ``--tol`` is
given. Exit status: 0 when every check holds, 1 when one fails, 2 when the bundle cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import scipy.sparse as sp

FORMAT = "councilplan-plan-bundle"
VERSION = 1
#: The economy's matrices, each stored as CSR arrays ``{name}_data``, ``_indices``, ``_indptr``, ``_shape``.
MATRICES = ("A", "B", "L", "R")
#: The economy's vectors; ``targets`` is goods × (amount, weight, floor).
VECTORS = ("labour_available", "resource_available", "capacity", "targets", "labour_weights")
#: The plan: process levels and the shadow prices of every row family (≥ 0, the gain from one more unit).
PLAN = ("x", "price_goods", "price_floors", "price_harmony", "price_labour", "price_resources", "price_capacity")
LABELS = ("goods", "processes", "labour", "resources")
OBJECTIVES = ("ray", "harmony", "min-labour")
#: The harmony function of format version 1, ``h(u) = min_k (a_k + b_k u)``: steep below target,
#: gentle just above it, flat beyond +50 %.
HARMONY_A = np.array([1.0, 0.0, 0.0, 0.25])
HARMONY_B = np.array([4.0, 2.0, 0.5, 0.0])


class BundleError(Exception):
    """The bundle cannot be read: not a zip, a missing member or array, a wrong shape."""


@dataclass
class Check:
    """One verified property: its value, the tolerance it is held to and whether it holds."""

    name: str
    ok: bool
    text: str
    value: float | None = None
    tol: float | None = None


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class Bundle:
    manifest: dict[str, Any]
    labels: dict[str, list[str]]
    labels_bytes: bytes
    arrays: dict[str, np.ndarray]


# ------------------------------------------------------------------ reading
def array_digest(a: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and C-order bytes."""
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def read_bundle(source: str | os.PathLike[str] | IO[bytes]) -> Bundle:
    """The manifest, labels and arrays of a bundle at a path or in an open binary file (``BundleError``
    when it cannot be read)."""
    path = source if isinstance(source, str | os.PathLike) else "the bundle"
    try:
        with zipfile.ZipFile(source) as z:
            names = set(z.namelist())
            for member in ("manifest.json", "labels.json", "economy.npz", "plan.npz"):
                if member not in names:
                    raise BundleError(f"{path}: no {member} in the bundle. Fix: write it with "
                                      "`councilplan plan DIR --bundle FILE`")
            manifest = json.loads(z.read("manifest.json"))
            labels_bytes = z.read("labels.json")
            labels = json.loads(labels_bytes)
            arrays: dict[str, np.ndarray] = {}
            for member in ("economy.npz", "plan.npz"):
                with np.load(io.BytesIO(z.read(member)), allow_pickle=False) as npz:
                    arrays.update({k: npz[k] for k in npz.files})
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as e:
        raise BundleError(f"{path}: not a readable plan bundle ({e}). Fix: pass the .zip that "
                          "`councilplan plan --bundle` or the service wrote") from e
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BundleError(f"{path}: manifest.json says format {manifest.get('format')!r} version "
                          f"{manifest.get('version')!r}; this verifier reads {FORMAT} version {VERSION}")
    want = [f"{m}_{part}" for m in MATRICES for part in ("data", "indices", "indptr", "shape")]
    missing = [k for k in (*want, *VECTORS, *PLAN) if k not in arrays]
    missing += [k for k in LABELS if not isinstance(labels.get(k), list)]
    if missing:
        raise BundleError(f"{path}: the bundle lacks {', '.join(missing)}. Fix: rewrite it with "
                          "`councilplan plan DIR --bundle FILE`")
    return Bundle(manifest, labels, labels_bytes, arrays)


def matrix(b: Bundle, name: str) -> sp.csr_matrix:
    a = b.arrays
    shape = tuple(int(v) for v in a[f"{name}_shape"])
    try:
        M = sp.csr_matrix((a[f"{name}_data"], a[f"{name}_indices"], a[f"{name}_indptr"]), shape=shape)
        M.check_format(full_check=True)
    except ValueError as e:
        raise BundleError(f"matrix {name} of the bundle is not a valid CSR matrix of shape {shape}: {e}") from e
    M.sort_indices()
    return M


# ------------------------------------------------------------------ hashes
def content_hash(labels: dict[str, list[str]], M: dict[str, sp.csr_matrix], a: dict[str, np.ndarray]) -> str:
    """SHA-256 of the economy: its ids, then each matrix's shape, indptr, indices and data (as
    float64), then the availabilities, capacities and targets (amount, weight, floor) as float64."""
    h = hashlib.sha256()
    for key in LABELS:
        h.update("\x1f".join(labels[key]).encode())
        h.update(b"\x1e")
    for name in MATRICES:
        C = M[name]
        for arr in (np.asarray(C.shape), C.indptr, C.indices, C.data):
            h.update(np.ascontiguousarray(arr).astype(np.float64).tobytes())
    for name in ("labour_available", "resource_available", "capacity", "targets"):
        h.update(np.ascontiguousarray(a[name], dtype=np.float64).tobytes())
    return h.hexdigest()


def input_hash(economy_hash: str, objective: str, solver: str, tol: float, extra: dict[str, Any]) -> str:
    """SHA-256 of the economy's hash, then the JSON of objective, solver, tolerance and extra options."""
    h = hashlib.sha256(economy_hash.encode())
    h.update(json.dumps({"objective": objective, "solver": solver, "tol": tol,
                         "extra": {k: str(v) for k, v in sorted(extra.items())}}).encode())
    return h.hexdigest()


# ------------------------------------------------------------------ the LP
def harmony(u: np.ndarray) -> np.ndarray:
    """``h(u) = min_k (a_k + b_k u)``."""
    return np.min(HARMONY_A[:, None] + HARMONY_B[:, None] * u[None, :], axis=0)


def _norm(*parts: np.ndarray) -> float:
    return float(np.sqrt(sum(float(np.dot(p, p)) for p in parts)))


#: One family of violations: what it is, by how much per row, each row's bound and the rows' names.
Violations = list[tuple[str, np.ndarray, np.ndarray, "list[str] | None"]]


def _worst(parts: Violations) -> str:
    """The largest violation relative to its bound, named: ``"labour 'skilled': 12 over (bound 100)"``."""
    best, text = 0.0, ""
    for what, viol, bound, names in parts:
        if viol.size == 0:
            continue
        rel = viol / (1.0 + np.abs(np.where(np.isfinite(bound), bound, 0.0)))
        i = int(np.argmax(rel))
        if rel[i] > best:
            who = f" {names[i]!r}" if names is not None else ""
            best, text = float(rel[i]), f"worst: {what}{who} by {viol[i]:.3g} (bound {bound[i]:.6g})"
    return text


def check_plan(b: Bundle, tol: float, M: dict[str, sp.csr_matrix] | None = None) -> list[Check]:
    """Primal feasibility, the objective, dual feasibility and the duality gap (module docstring)."""
    a, man, lab = b.arrays, b.manifest, b.labels
    M = M or {name: matrix(b, name) for name in MATRICES}
    N = (M["B"] - M["A"]).tocsr()
    L, R = M["L"], M["R"]
    m, n = N.shape
    x = a["x"].astype(float)
    amount, weight, floor = (a["targets"][:, j].astype(float) for j in range(3))
    floor = np.maximum(floor, 0.0)
    la, ra, cap = (a[k].astype(float) for k in ("labour_available", "resource_available", "capacity"))
    fl, fr, fc = np.isfinite(la), np.isfinite(ra), np.isfinite(cap)
    la0, ra0, cap0 = np.where(fl, la, 0.0), np.where(fr, ra, 0.0), np.where(fc, cap, 0.0)
    p, f, eta = a["price_goods"].astype(float), a["price_floors"].astype(float), a["price_harmony"].astype(float)
    u, v, q = (a[k].astype(float) for k in ("price_labour", "price_resources", "price_capacity"))
    shapes = {"x": (x, n), "price_goods": (p, m), "price_floors": (f, m), "price_labour": (u, L.shape[0]),
              "price_resources": (v, R.shape[0]), "price_capacity": (q, n), "targets rows": (amount, m),
              "capacity": (cap, n), "labour_available": (la, L.shape[0]), "resource_available": (ra, R.shape[0])}
    bad = [f"{k} has {arr.shape[0]} entries, not {size}" for k, (arr, size) in shapes.items() if arr.shape[0] != size]
    if eta.shape != (HARMONY_B.size, m):
        bad.append(f"price_harmony has shape {eta.shape}, not {(HARMONY_B.size, m)}")
    if L.shape[1] != n or R.shape[1] != n or M["A"].shape != M["B"].shape:
        bad.append("the matrices' shapes do not agree")
    if bad:
        raise BundleError("; ".join(bad))
    nonfinite = [k for k in ("x", *PLAN[1:]) if not np.isfinite(a[k]).all()]
    if nonfinite:
        return [Check("numbers", False, f"{', '.join(nonfinite)} hold NaN or infinite values")]
    objective = man["objective"]
    if objective not in OBJECTIVES:
        raise BundleError(f"unknown objective {objective!r}; format version 1 has {', '.join(OBJECTIVES)}")
    goods, procs = lab["goods"], lab["processes"]
    t0 = time.perf_counter()
    y = N @ x
    Lx, Rx = L @ x, R @ x
    primal: Violations = [("process level below 0", np.maximum(-x, 0.0), np.zeros(n), procs),
              ("process over its capacity", np.maximum(x - cap0, 0.0) * fc, cap, procs),
              ("labour over what is available", np.maximum(Lx - la0, 0.0) * fl, la, lab["labour"]),
              ("resource over what is available", np.maximum(Rx - ra0, 0.0) * fr, ra, lab["resources"])]
    T = amount > 0
    lw = a["labour_weights"].astype(float)
    c = np.asarray(L.T @ lw).ravel() if objective == "min-labour" else np.zeros(n)
    if objective == "min-labour":
        need = np.maximum(amount, floor)
        primal.append(("net output under its target", np.maximum(need - y, 0.0), need, goods))
        P = float(c @ x)
        cnorm = _norm(c)
    elif objective == "ray":
        if not T.any():
            raise BundleError("a ray plan needs targets with positive amounts; this bundle has none")
        P = float(np.min(y[T] / amount[T]))
        primal.append(("scale s below 0", np.array([max(-P, 0.0)]), np.zeros(1), None))
        primal.append(("net output under its floor", np.maximum(floor - y, 0.0) * (floor > 0), floor, goods))
        primal.append(("net output below 0", np.maximum(-y, 0.0) * ~T, np.zeros(m), goods))
        cnorm = 1.0
        need = np.zeros(m)
    else:
        if not T.any():
            raise BundleError("a harmony plan needs targets with positive amounts; this bundle has none")
        P = float(weight[T] @ harmony(y[T] / amount[T] - 1.0))
        primal.append(("net output under its floor", np.maximum(floor - y, 0.0), floor, goods))
        cnorm = _norm(weight[T])
        need = floor
    bounds = _norm(need, la0, ra0, cap0)
    pres = _norm(*(viol for _, viol, _, _ in primal)) / (1.0 + bounds)
    t_primal = time.perf_counter() - t0

    # dual: signs, prices on rows the LP does not have, stationarity of every column
    t1 = time.perf_counter()
    zero = np.zeros
    dual: Violations = []
    for name, price, names in (("negative good price", p, goods), ("negative floor price", f, goods),
                               ("negative labour price", u, lab["labour"]),
                               ("negative resource price", v, lab["resources"]),
                               ("negative capacity price", q, procs)):
        dual.append((name, np.maximum(-price, 0.0), zero(price.size), names))
    dual.append(("negative harmony price", np.maximum(-eta, 0.0).ravel(), zero(eta.size), None))
    dual += [("price of labour without a limit", np.abs(u) * ~fl, zero(u.size), lab["labour"]),
             ("price of a resource without a limit", np.abs(v) * ~fr, zero(v.size), lab["resources"]),
             ("price of a capacity without a limit", np.abs(q) * ~fc, zero(n), procs)]
    has_floor_rows = objective == "ray"
    dual.append(("price of a floor row the LP does not have", np.abs(f) * ~(has_floor_rows & (floor > 0)),
                 zero(m), goods))
    eta_rows = np.zeros(m, dtype=bool) if objective != "harmony" else T
    dual.append(("price of a harmony row the LP does not have", (np.abs(eta) * ~eta_rows[None, :]).ravel(),
                 zero(eta.size), None))
    goods_price = p.copy()
    if objective == "ray":
        goods_price += f
    elif objective == "harmony":
        tt = np.where(T, amount, 1.0)
        goods_price += (HARMONY_B[:, None] * eta).sum(axis=0) / tt * T
    g = np.asarray(N.T @ goods_price).ravel() - np.asarray(L.T @ u).ravel() - np.asarray(R.T @ v).ravel() - q - c
    dual.append(("process earns more at these prices than it costs", np.maximum(g, 0.0), zero(n), procs))
    if objective == "ray":
        dual.append(("the scale's column: p·amount < 1", np.array([max(1.0 - float(p @ amount), 0.0)]),
                     np.ones(1), None))
        D = float(u @ la0 + v @ ra0 + q @ cap0 - f @ floor)
    elif objective == "harmony":
        dual.append(("harmony prices of a target do not add up to its weight",
                     np.abs(weight - eta.sum(axis=0)) * T, weight, goods))
        D = float(eta.sum(axis=1) @ (HARMONY_A - HARMONY_B) - p @ floor + u @ la0 + v @ ra0 + q @ cap0)
    else:
        D = float(p @ need - u @ la0 - v @ ra0 - q @ cap0)
    dres = _norm(*(viol for _, viol, _, _ in dual)) / (1.0 + cnorm)
    gap = abs(P - D) / (1.0 + abs(P) + abs(D))
    t_dual = time.perf_counter() - t1

    recorded = man.get("objective_value")
    checks = [Check("primal", pres <= tol, f"residual {pres:.2e} ≤ {tol:.0e}" if pres <= tol
                    else f"residual {pres:.2e} > {tol:.0e}; {_worst(primal)}", pres, tol)]
    if recorded is None:
        checks.append(Check("objective", False, f"the bundle records status {man.get('status')!r} and no "
                                                "objective value: not an optimal plan"))
    else:
        diff = abs(P - float(recorded)) / (1.0 + abs(P))
        text = (f"{P:.10g} recomputed from x, {float(recorded):.10g} recorded: difference {diff:.2e} "
                f"{'≤' if diff <= tol else '>'} {tol:.0e}")
        if objective == "ray" and diff > tol:
            i = np.flatnonzero(T)[int(np.argmin(y[T] / amount[T]))]
            text += f"; the scale is set by {goods[i]!r} (net output {y[i]:.6g} for a proportion of {amount[i]:.6g})"
        checks.append(Check("objective", diff <= tol, text, diff, tol))
    checks.append(Check("dual", dres <= tol, f"residual {dres:.2e} ≤ {tol:.0e}" if dres <= tol
                        else f"residual {dres:.2e} > {tol:.0e}; {_worst(dual)}", dres, tol))
    checks.append(Check("gap", gap <= tol, f"|P - D| / (1 + |P| + |D|) = {gap:.2e} "
                                           f"{'≤' if gap <= tol else '>'} {tol:.0e} (P {P:.10g}, D {D:.10g})",
                        gap, tol))
    checks.append(Check("status", man.get("status") == "optimal", f"recorded status {man.get('status')!r}"))
    b.manifest["_seconds"] = {"primal": t_primal, "dual": t_dual}
    return checks


# ------------------------------------------------------------------ verify
def verify(source: str | os.PathLike[str] | IO[bytes], *, tol: float | None = None,
           expect_hash: str | None = None) -> Report:
    """Every check of the module docstring on the bundle at ``source`` (a path or an open binary file)."""
    report = Report()
    t0 = time.perf_counter()
    b = read_bundle(source)
    report.seconds["read"] = time.perf_counter() - t0
    man = b.manifest
    options = man.get("options") or {}
    tol = float(tol if tol is not None else options.get("tol", 1e-7))
    soft = man.get("software", {})
    report.checks.append(Check("format", True, f"{FORMAT} version {VERSION}, written by "
                                               f"{soft.get('name', '?')} {soft.get('version', '?')}"))

    t0 = time.perf_counter()
    recorded = man.get("digests", {})
    changed = [k for k, arr in b.arrays.items() if recorded.get(k) != array_digest(arr)]
    changed += [k for k in recorded if k not in b.arrays and k != "labels.json"]
    if recorded.get("labels.json") != hashlib.sha256(b.labels_bytes).hexdigest():
        changed.append("labels.json")
    report.checks.append(Check("digests", not changed,
                               f"{len(recorded)} arrays and labels match the manifest's SHA-256" if not changed else
                               f"changed after the bundle was written: {', '.join(sorted(changed))} (the "
                               "SHA-256 differs from the manifest's)"))
    M = {name: matrix(b, name) for name in MATRICES}
    eh = content_hash(b.labels, M, b.arrays)
    ih = input_hash(eh, str(man.get("objective")), str(man.get("solver")), float(options.get("tol", 1e-7)),
                    dict(options.get("extra", {})))
    report.seconds["hash"] = time.perf_counter() - t0
    text = f"{ih[:16]}… recomputed from the economy, goals, objective, solver and options"
    ok = ih == man.get("input_hash")
    if not ok:
        text = (f"recomputed {ih[:16]}…, but the manifest records {str(man.get('input_hash'))[:16]}…: the "
                "economy, goals, objective, solver or options differ from what was planned")
    elif expect_hash is not None and ih != expect_hash:
        ok, text = False, f"recomputed {ih[:16]}…, but the published hash is {expect_hash[:16]}…"
    elif expect_hash is not None:
        text += " = the published hash"
    report.checks.append(Check("input hash", ok, text))
    t0 = time.perf_counter()
    report.checks += check_plan(b, tol, M)
    report.seconds["math"] = time.perf_counter() - t0
    report.seconds.update({f"math.{k}": v for k, v in b.manifest.pop("_seconds", {}).items()})
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check a councilplan plan bundle (docs/bundle.md).")
    ap.add_argument("bundle")
    ap.add_argument("--tol", type=float, default=None, help="tolerance [default: the plan's own]")
    ap.add_argument("--expect-hash", default=None, help="the input hash the plan was published with")
    args = ap.parse_args(argv)
    try:
        report = verify(args.bundle, tol=args.tol, expect_hash=args.expect_hash)
    except BundleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for c in report.checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<11} {c.text}")
    print("verified: the plan is feasible and optimal for its inputs" if report.ok
          else f"NOT verified: {', '.join(c.name for c in report.failed())} failed")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
