"""LP building, static and multi-period, against a bare sparse mat-vec in the same run.

``python bench/lpbuild.py``                       10^5 and 10^6 goods, every static objective, and a
                                                  10^4-good × 5-period plan with 2,000 capital pairs
``python bench/lpbuild.py --sizes 1e4 --periods 3``

Each figure is the best of ``--repeat`` builds, as seconds and as multiples of one bare ``(B - A) x``
product (scipy CSR) of the same economy, timed in the same process. Both LPs come from the one builder
(``councilplan.planning.builder``); a build that costs many mat-vecs is a build to look at.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from councilplan.model.synthetic import random_economy
from councilplan.planning.problem import build_problem
from councilplan.scenarios.dynamic import DynamicEconomy
from councilplan.scenarios.dynamic_problem import build_dynamic_problem


def best(fn: object, repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out = min(out, time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e5,1e6")
    ap.add_argument("--dynamic-goods", type=float, default=1e4)
    ap.add_argument("--periods", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print("| LP | goods | periods | nnz(K) | build (s) | in bare (B - A) x products |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in (int(float(s)) for s in a.sizes.split(",")):
        e = random_economy(n, seed=0)
        net, x = e.net.tocsr(), np.ones(e.n_processes)
        mv = best(lambda: net @ x, 5)  # noqa: B023
        for obj in ("ray", "harmony", "min-labour"):
            lp = build_problem(e, obj)
            t = best(lambda: build_problem(e, obj), a.repeat)  # noqa: B023
            print(f"| static {obj} | {n:,} | 1 | {lp.K.nnz:,} | {t:.3f} | {t / mv:.1f} |")
    n = int(a.dynamic_goods)
    e = random_economy(n, seed=0)
    pairs = min(2000, n)
    cap = pd.DataFrame({"process": list(e.processes.index[:pairs]), "good": list(e.goods.index[:pairs]),
                        "per_unit": 1.0, "initial": 3.0, "depreciation": 0.1})
    de = DynamicEconomy.from_static(e, a.periods, capital=cap)
    net, x = e.net.tocsr(), np.ones(e.n_processes)
    mv = best(lambda: net @ x, 5)
    lp = build_dynamic_problem(de, "sum-ray")
    t = best(lambda: build_dynamic_problem(de, "sum-ray"), a.repeat)
    print(f"| dynamic sum-ray, {pairs:,} capital pairs | {n:,} | {a.periods} | {lp.K.nnz:,} | {t:.3f} | {t / mv:.0f} |")
    print("\n- best of", a.repeat, "builds; ratios divide by one bare product timed in the same run")


if __name__ == "__main__":
    main()
