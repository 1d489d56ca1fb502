"""Benchmark of the ray's bracket (issue 13, item 2): pdlp with the bracket against HiGHS, one run.

Usage::

    python bench/bracket.py N planted|joint HIGHS_LIMIT_S

``planted``: a planted ray economy (``planted_economy(N, binding="all")``, s* = 1); ``joint``: a
random economy with by-products in 30 % of processes (s* from HiGHS). Prints pdlp + bracket's time,
the scale's relative error, the bracket's ``(U - L)/U`` and HiGHS' time as a ratio.
"""

from __future__ import annotations

import sys
import time

import councilplan as cp
from councilplan.model.synthetic import random_economy
from councilplan.planning.planted import planted_economy
from councilplan.solvers import SolveOptions


def main(n: int, kind: str, limit: float) -> None:
    if kind == "planted":
        e = planted_economy(n, seed=5, binding="all").economy
    else:
        e = random_economy(n, seed=1, joint_share=0.3)
    t = time.perf_counter()
    p = cp.plan(e, "ray", "pdlp", SolveOptions(tol=1e-4), with_values=False)
    tp = time.perf_counter() - t
    t = time.perf_counter()
    h = cp.plan(e, "ray", "highs", SolveOptions(time_limit=limit), with_values=False)
    th = time.perf_counter() - t
    ref = 1.0 if kind == "planted" else (h.scale if h.optimal and h.scale else float("nan"))
    assert p.bounds is not None and p.scale is not None
    lo, hi = p.bounds
    print(f"{kind} {n}: pdlp+bracket {tp:.1f} s, scale-ref {(p.scale - ref) / ref:+.1e}, gap {(hi - lo) / hi:.1e}, "
          f"iterations {p.iterations}; HiGHS {h.status} {th:.1f} s ({th / tp:.2f}x)")
    print("   ", p.message[-150:])


if __name__ == "__main__":
    main(int(float(sys.argv[1])), sys.argv[2], float(sys.argv[3]))
