"""Benchmark of the first-order backend and the Leontief fast path (issue 3).

Usage::

    python bench/firstorder.py [--sizes 1e3,1e4,1e5] [--leontief-sizes 1e3,1e4,1e5,1e6]
                               [--highs-limit 60] [--tol 1e-4] [--seed 0]
                               [--backends pdlp,substitution] [--pdlp-algorithm pdlp|halpern]

Every row runs in its own process, so ``peak MiB`` is that run's peak resident
memory (generation included, HiGHS' run after it not). Columns:

* ``pdlp`` rows: a planted economy (``councilplan.planning.planted``: 1.3 processes
  per good, 8 inputs each, 3 labour kinds, capacities), ``min-labour`` solved to
  ``--tol`` by each of ``--backends`` (``substitution``: non-substitution policy
  iteration with wages, pdlp from its point when not certified; iterations are
  its policy rounds); ``obj err`` is the relative error against the planted optimum;
  ``vs HiGHS`` is HiGHS' time over pdlp's (HiGHS with ``--highs-limit`` seconds;
  ``>`` when it did not finish, with how far below the optimum the lower bound of its
  dual simplex was at the limit); ``vs mat-vec`` is time / (iterations × one bare
  ``K x`` plus ``Kᵀ y`` scipy mat-vec pair).
* ``leontief`` rows: a square economy with 20 inputs per good; gross output and
  labour values to 1e-9 together (``leontief.leontief_pair``: lockstep dual BiCG,
  one fused pass over ``A`` per iteration computing one ``A p`` and one ``Aᵀ p̃``;
  numba kernels loaded from their cache by a 2-good warm-up before timing);
  iterations are mat-vec products (2 × fused passes, the residual check included);
  ``vs mat-vec`` is time / (passes × (one bare scipy ``A x`` + one bare scipy
  ``Aᵀ y``)), i.e. time / (products × their bare single-threaded scipy cost).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _matvec_seconds(M, v, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    M @ v
    t = time.perf_counter()
    for _ in range(repeat):
        M @ v
    return (time.perf_counter() - t) / repeat


def run_pdlp(n: int, tol: float, highs_limit: float, seed: int, backend: str = "pdlp",
             algorithm: str = "pdlp") -> dict[str, object]:
    from councilplan.planning.planted import planted_economy
    from councilplan.planning.problem import build_problem
    from councilplan.solvers import SolveOptions, Status, get_solver

    t = time.perf_counter()
    pe = planted_economy(n, seed=seed)
    lp = build_problem(pe.economy, "min-labour")
    gen = time.perf_counter() - t
    res, cert, secs = get_solver(backend).solve(lp, SolveOptions(tol=tol, extra={"algorithm": algorithm}))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before HiGHS adds its own
    assert cert is not None
    KT = lp.K.T.tocsr()
    bare = _matvec_seconds(lp.K, np.ones(lp.shape[1])) + _matvec_seconds(KT, np.ones(lp.shape[0]))
    out: dict[str, object] = {
        "kind": backend if algorithm == "pdlp" else f"{backend} ({algorithm})", "n": n, "nnz": int(lp.K.nnz), "generate_s": gen, "seconds": secs, "status": str(res.status),
        "iterations": res.iterations, "gap": cert.gap, "residual": max(cert.primal_residual, cert.dual_residual),
        "obj_err": abs(cert.primal_objective - pe.objective) / abs(pe.objective),
        # pdlp iterations are mat-vec pairs; substitution iterations are policy rounds (Leontief solves)
        "vs_matvec": secs / max(res.iterations * bare, 1e-12) if res.extra.get("backend", backend) == "pdlp" else float("nan"),
    }
    if highs_limit > 0:
        h, _, hs = get_solver("highs").solve(lp, SolveOptions(time_limit=highs_limit))
        out["highs_s"] = hs
        out["highs_done"] = h.status is Status.OPTIMAL
        if h.status is not Status.OPTIMAL and "dual_bound" in h.extra:
            out["highs_bound_err"] = h.extra["dual_bound"] / pe.objective - 1  # its bound against the optimum
    out["peak_mib"] = peak
    return out


def run_leontief(n: int, seed: int) -> dict[str, object]:
    from councilplan.model.synthetic import random_economy
    from councilplan.solvers import leontief

    t = time.perf_counter()
    e = random_economy(n, inputs_per_good=20, alt_share=0.0, labour_kinds=1, seed=seed, target_share=1.0)
    A, y, l = e.A, e.targets["amount"].to_numpy(), np.asarray(e.L.sum(axis=0)).ravel()
    gen = time.perf_counter() - t
    bare = _matvec_seconds(A, np.ones(n), repeat=3) + _matvec_seconds(A.T, np.ones(n), repeat=3)  # A.T: CSC view
    leontief.leontief_pair(np.array([[0.5, 0.1], [0.1, 0.5]]), [1.0, 1.0], [1.0, 1.0],  # load the kernels
                           kernel="numba" if leontief.HAVE_NUMBA else "scipy")
    t = time.perf_counter()
    s = leontief.leontief_pair(A, y, l)
    secs = time.perf_counter() - t
    passes = s.passes or s.matvecs / 2
    return {"kind": "leontief", "n": n, "nnz": int(A.nnz), "generate_s": gen, "seconds": secs,
            "status": f"{s.method} ({s.kernel}, {s.threads} thread{'s' * (s.threads > 1)}, {passes:g} passes)",
            "iterations": s.matvecs, "gap": float("nan"), "residual": max(s.x.residual, s.v.residual),
            "obj_err": float("nan"), "vs_matvec": secs / (passes * bare),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _fmt_row(r: dict[str, object]) -> str:
    def g(k: str, f: str) -> str:
        v = r.get(k)
        return "—" if v is None or (isinstance(v, float) and v != v) else format(v, f)

    vs_highs = "—"
    if "highs_s" in r:
        ratio = float(r["highs_s"]) / float(r["seconds"])  # type: ignore[arg-type]
        vs_highs = f"{ratio:.1f}×" if r["highs_done"] else f"> {ratio:.1f}× (limit {float(r['highs_s']):.0f} s"  # type: ignore[arg-type]
        if not r["highs_done"]:
            bound = r.get("highs_bound_err")
            vs_highs += "; no bound)" if bound is None else f"; its bound {100 * float(bound):+.1f} % off)"  # type: ignore[arg-type]
    return (f"| {r['kind']} | {int(r['n']):,} | {int(r['nnz']):,} | {g('seconds', '.2f')} | {r['iterations']} | "  # type: ignore[call-overload]
            f"{g('gap', '.1e')} | {g('residual', '.1e')} | {g('obj_err', '.1e')} | {g('peak_mib', '.0f')} | "
            f"{vs_highs} | {g('vs_matvec', '.2f')} | {r['status']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e3,1e4,1e5")
    ap.add_argument("--leontief-sizes", default="1e3,1e4,1e5,1e6")
    ap.add_argument("--highs-limit", type=float, default=60.0)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backends", default="pdlp", help="backends for the planted rows (pdlp, substitution)")
    ap.add_argument("--pdlp-algorithm", default="pdlp", help="pdlp's iteration: pdlp or halpern (r2HPDHG)")
    ap.add_argument("--one", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        kind, n = a.one[0], int(float(a.one[1]))
        r = run_leontief(n, a.seed) if kind == "leontief" else run_pdlp(n, a.tol, a.highs_limit, a.seed, kind,
                                                                        a.pdlp_algorithm)
        print(json.dumps(r))
        return
    if a.leontief_sizes:
        print("leontief rows: iterations = products with A or Aᵀ (2 per fused pass, residual check included); "
              "vs mat-vec = seconds / (passes × (bare scipy A x + bare scipy Aᵀ y))\n")
    print("| kind | goods | nnz | seconds | iterations | gap | residual | obj err | peak MiB | vs HiGHS | vs mat-vec | status |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
    jobs = [(b, s) for s in a.sizes.split(",") if s for b in a.backends.split(",") if b]
    jobs += [("leontief", s) for s in a.leontief_sizes.split(",") if s]
    highs_by_size: dict[str, dict[str, object]] = {}  # HiGHS solves each size's LP once, for every backend row
    for kind, s in jobs:
        reuse = highs_by_size.get(s) if kind != "leontief" else None
        limit = 0 if reuse is not None else a.highs_limit
        cmd = [sys.executable, __file__, "--one", kind, s, "--tol", str(a.tol), "--highs-limit", str(limit),
               "--seed", str(a.seed), "--pdlp-algorithm", a.pdlp_algorithm]
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if p.returncode != 0:
            print(f"| {kind} | {s} | failed: {p.stderr.strip().splitlines()[-1] if p.stderr else p.returncode} |")
            continue
        row = json.loads(p.stdout.strip().splitlines()[-1])
        if kind != "leontief" and reuse is None and "highs_s" in row:
            highs_by_size[s] = {k: v for k, v in row.items() if k.startswith("highs_")}
        print(_fmt_row({**row, **(reuse or {})}), flush=True)


if __name__ == "__main__":
    main()
