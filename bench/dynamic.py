"""Benchmark: a 5-period plan for a 10^4-good economy (one LP), with time and certificate gap.

    /work/venv/bin/python bench/dynamic.py [n_goods] [periods]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from councilplan.model.synthetic import random_economy
from councilplan.scenarios import DynamicEconomy, plan_dynamic
from councilplan.solvers import SolveOptions, available_solvers


def main(n: int = 10_000, T: int = 5) -> None:
    t0 = time.perf_counter()
    ec = random_economy(n, seed=1)
    # every process holds a stock of its own first input good as plant: capacity = 2x the unconstrained need
    procs = ec.processes.index
    cap = pd.DataFrame({"process": procs, "good": ec.goods.index[np.asarray(ec.B.argmax(axis=0)).ravel()],
                        "per_unit": 0.5, "initial": 1e6, "depreciation": 0.05, "gestation": 1})
    de = DynamicEconomy.from_static(ec, T, capital=cap)
    t_build = time.perf_counter() - t0
    for solver in [s for s in ("highs",) if s in available_solvers()]:
        opts = SolveOptions(extra={"solver": "ipm"} if n > 5000 else {})
        p = plan_dynamic(de, "sum-ray", solver, opts)
        c = p.certificate
        print(f"{solver}: {n} goods x {T} periods, status {p.status}, objective {p.objective}, "
              f"economy {t_build:.1f}s, LP build {p.timings['build']:.1f}s, solve {p.timings['solve']:.1f}s, "
              f"gap {c.gap if c else float('nan'):.2e}, primal residual {c.primal_residual if c else float('nan'):.2e}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
