"""Benchmark of the ray's bracket (issue 13, item 2): pdlp with the polished bracket against HiGHS, one run.

Usage::

    python bench/bracket.py N planted|joint HIGHS_LIMIT_S

``planted``: a planted ray economy (``planted_economy(N, binding="all")``, s* = 1); ``joint``: a
random economy with by-products in 30 % of processes (s* from HiGHS). Prints, for
``plan(economy, "ray", "pdlp", tol=1e-4)``: its time, split into pdlp's and the bracket's (repair,
polish, dual bounds), also in mat-vec pairs (one ``K x`` and one ``Kᵀ y`` of the ray LP's matrix, the
best of 5 timed in the same run); the scale's relative error; the bracket's ``(U - L)/U``; the
certificate of the plan reported (its duals are the polished prices); and HiGHS' time as a ratio.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import councilplan as cp
from councilplan.model.synthetic import random_economy
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions


def pair_seconds(e: cp.Economy, objective: str = "ray") -> float:
    """The best of 5 timings of one ``K x`` and one ``Kᵀ y`` of the objective's LP matrix."""
    K = build_problem(e, objective).K.tocsr()  # type: ignore[arg-type]
    KT = K.T.tocsr()
    x, y = np.ones(K.shape[1]), np.ones(K.shape[0])
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        K @ x
        KT @ y
        best = min(best, time.perf_counter() - t)
    return best


def main(n: int, kind: str, limit: float) -> None:
    if kind == "planted":
        e = planted_economy(n, seed=5, binding="all").economy
    else:
        e = random_economy(n, seed=1, joint_share=0.3)
    pair = pair_seconds(e)
    t = time.perf_counter()
    p = cp.plan(e, "ray", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    tp = time.perf_counter() - t
    t = time.perf_counter()
    h = cp.plan(e, "ray", "highs", SolveOptions(time_limit=limit), with_values=False)
    th = time.perf_counter() - t
    ref = 1.0 if kind == "planted" else (h.scale if h.optimal and h.scale else float("nan"))
    assert p.bounds is not None and p.scale is not None and p.certificate is not None
    lo, hi = p.bounds
    c = p.certificate
    print(f"{kind} {n:,}: pdlp+bracket {tp:.1f} s ({tp / pair:,.0f} pairs; pdlp {p.iterations:,} iterations), "
          f"scale-ref {(p.scale - ref) / ref:+.1e}, gap {(hi - lo) / hi:.1e}; certificate primal "
          f"{c.primal_residual:.1e}, dual {c.dual_residual:.1e}, gap {c.gap:.1e}; HiGHS {h.status} {th:.1f} s "
          f"({th / tp:.2f}x); pair {pair * 1e3:.2f} ms")
    print("   ", p.message[-170:])


if __name__ == "__main__":
    main(int(float(sys.argv[1])), sys.argv[2], float(sys.argv[3]))
