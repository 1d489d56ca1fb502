"""Benchmark: a T-period plan for an n-good economy (one LP), time and certificate gap per backend.

    nice /work/venv/bin/python bench/dynamic.py [n_goods] [periods] [--backends a,b,...] [--time-limit S]
        [--growth G]

Backends (each with ``SolveOptions(tol=1e-6)``): ``simplex`` (HiGHS dual simplex, presolve on),
``simplex-nopre`` (presolve off), ``ipm`` (HiGHS interior point + crossover), ``ipm-nox`` (no
crossover), ``ipm-nopre``, ``highs-pdlp`` (HiGHS' own PDLP) and ``pdlp`` (councilplan's backend),
all on the whole LP; ``blocks`` fixes the capital that can never bind
(``build_dynamic_problem(..., fix_slack=True)``), splits the LP into its independent blocks and
solves each with HiGHS IPM without crossover (:class:`~councilplan.scenarios.blocks.BlockSolver`);
``blocks-warm`` solves block 1 so and each later block with ``pdlp`` warm from the previous one
(cold IPM when that does not certify within 60 s). Every certificate is computed on the whole LP.
Baselines measured in the same run: one sparse mat-vec ``K x`` + ``Kᵀ y`` of the same LP, and the
static one-period plan of the same economy with the same backend. Prints one Markdown table; a
plan counts as certified when its certificate (computed from the data) is within 1e-6.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.synthetic import random_economy
from councilplan.scenarios import DynamicEconomy, build_dynamic_problem
from councilplan.scenarios.blocks import BlockSolver
from councilplan.scenarios.dynamic_problem import slack_stocks
from councilplan.solvers import SolveOptions, available_solvers, get_solver
from councilplan.solvers.base import LinearProgram, Solver

TOL = 1e-6
BACKENDS: dict[str, tuple[str, dict[str, Any]]] = {
    "simplex": ("highs", {}),
    "simplex-nopre": ("highs", {"presolve": "off"}),
    "ipm": ("highs", {"solver": "ipm"}),
    "ipm-nox": ("highs", {"solver": "ipm", "run_crossover": "off"}),
    "ipm-nopre": ("highs", {"solver": "ipm", "presolve": "off"}),
    "highs-pdlp": ("highs", {"solver": "pdlp"}),
    "pdlp": ("pdlp", {}),
    "blocks": ("blocks", {}),
    "blocks-warm": ("blocks", {"warm": "pdlp"}),
}
IPM_NOX = {"solver": "ipm", "run_crossover": "off"}


@dataclass
class Row:
    backend: str
    periods: int
    status: str
    seconds: float
    iterations: int
    gap: float
    primal: float
    dual: float

    @property
    def certified(self) -> bool:
        return self.status == "optimal" and max(self.gap, self.primal, self.dual) <= TOL


def economy(n: int, T: int, growth: float = 0.0, plant: float | None = None) -> DynamicEconomy:
    """``random_economy(n, seed=1)`` over T periods; each process holds a plant stock of the good it makes.

    ``per_unit`` 0.5, ``initial`` 10^6 (so plant never binds: labour does), depreciation 5 %,
    gestation 1: the LP has every block of a dynamic plan (process, net output, stock,
    investment, scale; balance, goods, labour, capacity, stock rows) at the size of the issue.
    ``growth`` > 0 makes the periods differ: labour available and process capacities grow by that
    rate per period (labour alone changes nothing at 10^3-10^4 goods: capacities bind there).
    ``plant`` (e.g. 0.9) makes capital bind instead: each primary process starts with the plant for
    ``plant`` times its baseline level ``x0 = Σ_k A_P^k d`` (the primary techniques' gross output for
    the targets; alternatives start with none), so growth needs investment and links the periods.
    """
    ec = random_economy(n, seed=1)
    procs = ec.processes.index
    initial = np.full(len(procs), 1e6)
    if plant is not None:
        n_goods = ec.n_goods
        A_P = ec.A.tocsr()[:, :n_goods]  # primary technique of good i is process i
        d = ec.targets["amount"].to_numpy(dtype=float)
        x0, term = d.copy(), d.copy()
        for _ in range(300):
            term = A_P @ term
            x0 += term
            if term.sum() < 1e-12 * x0.sum():
                break
        initial = np.concatenate([plant * 0.5 * x0, np.zeros(len(procs) - n_goods)])
    cap = pd.DataFrame({"process": procs, "good": ec.goods.index[np.asarray(ec.B.argmax(axis=0)).ravel()],
                        "per_unit": 0.5, "initial": initial, "depreciation": 0.05, "gestation": 1})
    de = DynamicEconomy.from_static(ec, T, capital=cap)
    if growth:  # every limit grows: the optimum of each period differs (labour alone may not bind)
        g = (1 + growth) ** np.arange(T)
        de = de.replace(labour=de.labour * g, capacity=de.capacity * g)
    return de


def matvec_seconds(lp: LinearProgram, repeat: int = 20) -> float:
    x, y = np.ones(lp.shape[1]), np.ones(lp.shape[0])
    K, KT = lp.K.tocsr(), lp.K.T.tocsr()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        K @ x
        KT @ y
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def solve(lp: LinearProgram, name: str, T: int, time_limit: float) -> Row:
    backend, extra = BACKENDS[name]
    solver: Solver
    if backend == "blocks":
        solver = BlockSolver("highs", warm=extra.get("warm"), inner_options=SolveOptions(extra=IPM_NOX),
                             warm_options=SolveOptions(time_limit=60.0))
        extra = {}
    else:
        solver = get_solver(backend)
    res, cert, seconds = solver.solve(lp, SolveOptions(tol=TOL, time_limit=time_limit, extra=extra))
    for b in res.extra.get("log", ()):
        print(f"    block {b['rows']:,} x {b['cols']:,}: {b['how']}, {b['status']}, {b['seconds']:.1f}s, "
              f"{b['iterations']:,} iterations", flush=True)
    nan = float("nan")
    return Row(name, T, str(res.status), seconds, res.iterations, cert.gap if cert else nan,
               cert.primal_residual if cert else nan, cert.dual_residual if cert else nan)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("periods", nargs="?", type=int, default=5)
    ap.add_argument("--backends", default="simplex,ipm,pdlp")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--no-static", action="store_true", help="skip the one-period baseline")
    ap.add_argument("--growth", type=float, default=0.0, help="labour and capacities grow by this rate per period")
    ap.add_argument("--plant", type=float, default=None,
                    help="initial plant for this share of the baseline output (binding capital; default: 10^6, slack)")
    a = ap.parse_args()
    names = [b for b in a.backends.split(",") if BACKENDS[b][0] in [*available_solvers(), "blocks"]]

    t0 = time.perf_counter()
    de = economy(a.n, a.periods, a.growth, a.plant)
    t1 = time.perf_counter()
    de.check()
    t2 = time.perf_counter()
    lp = build_dynamic_problem(de, "sum-ray")
    t3 = time.perf_counter()
    mv = matvec_seconds(lp)
    lp_fixed = build_dynamic_problem(de, "sum-ray", fix_slack=True)
    one = economy(a.n, 1, 0.0, a.plant)
    static_lp = build_dynamic_problem(one, "sum-ray")
    static_fixed = build_dynamic_problem(one, "sum-ray", fix_slack=True)
    print(f"stocks that never bind (fixed by blocks): {slack_stocks(de).mean():.0%}; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{a.n} goods x {a.periods} periods: LP {lp.shape[0]:,} rows x {lp.shape[1]:,} columns, "
          f"{lp.K.nnz:,} non-zeros; economy {t1 - t0:.2f}s, check {t2 - t1:.2f}s, LP build {t3 - t2:.2f}s; "
          f"one K x + K^T y: {mv * 1e3:.2f} ms\n")
    rows: list[Row] = []
    print("| backend | periods | status | time (s) | iterations | gap | primal res. | dual res. "
          "| time / mat-vec | time / 1-period plan |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        blocks = BACKENDS[name][0] == "blocks"
        static = None if a.no_static else solve(static_fixed if blocks else static_lp, name, 1, a.time_limit)
        r = solve(lp_fixed if blocks else lp, name, a.periods, a.time_limit)
        rows.append(r)
        for x in (static, r):
            if x is None:
                continue
            vs = f"{r.seconds / static.seconds:.1f}" if (x is r and static is not None and static.certified) else "1" \
                if x is static else "—"
            print(f"| {x.backend} | {x.periods} | {x.status}{'' if x.certified else ' (not certified)'} "
                  f"| {x.seconds:.1f} | {x.iterations:,} | {x.gap:.1e} | {x.primal:.1e} | {x.dual:.1e} "
                  f"| {x.seconds / mv:,.0f} | {vs} |", flush=True)
    best = min((r for r in rows if r.certified), key=lambda r: r.seconds, default=None)
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"\nfastest certified: {best.backend} in {best.seconds:.1f}s (gap {best.gap:.1e})" if best
          else "\nno backend reached a certified plan within the time limit")


if __name__ == "__main__":
    main()
