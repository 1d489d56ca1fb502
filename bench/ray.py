"""Benchmark of the ray plan on planted economies (issue 13): the structure path against pdlp and HiGHS.

Usage::

    python bench/ray.py [--sizes 1e3,1e4] [--tol 1e-4] [--highs-limit 120] [--max-probes 60] [--seed 0]

Each size builds ``planted_economy(n, binding="all")``, whose ray optimum is ``s* = 1`` exactly
(:meth:`~councilplan.planning.planted.PlantedEconomy.ray_row_dual` certifies it), and solves
``build_problem(economy, "ray")`` three ways in the same run:

* ``RaySearch`` (``councilplan.solvers.substitution.ray``): a feasible scale ``L`` and a dual bound
  ``U``; ``bounds`` is ``(U - L)/U`` when it stops (at ``tol`` or after ``--max-probes`` rounds);
* ``pdlp`` to ``--tol`` (its certificate's normalised measures, not the scale's own error);
* HiGHS (``--highs-limit`` seconds).

``err`` is each method's scale minus 1 (the planted optimum); ``× RaySearch`` is that method's time
over RaySearch's (above 1: RaySearch is faster).
"""

from __future__ import annotations

import argparse
import time

from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, get_solver
from councilplan.solvers.substitution.ray import RaySearch, ray_system


def run(n: int, tol: float, highs_limit: float, max_probes: int, seed: int) -> list[str]:
    """The Markdown rows for one size."""
    pe = planted_economy(n, seed=seed, binding="all")
    lp = build_problem(pe.economy, "ray")
    unit = lp.meta["ray_unit"]
    t = time.perf_counter()
    search = RaySearch(ray_system(lp), SolveOptions(tol=tol, extra={"max_probes": max_probes}))
    _, L, _ = search.solve()
    t_ray = time.perf_counter() - t
    rows = [f"| {n:,} | RaySearch | {L / unit - 1:+.1e} | bounds {(search.upper - L) / search.upper:.1e} after "
            f"{search.dw_rounds} rounds, {search.priced.size} priced capacities | {t_ray:.2f} | 1 |"]
    for name, opts in (("pdlp", SolveOptions(tol=tol)), ("highs", SolveOptions(time_limit=highs_limit))):
        t = time.perf_counter()
        res, cert, _ = get_solver(name).solve(lp, opts)
        secs = time.perf_counter() - t
        rows.append(f"| {n:,} | {name} | {cert.primal_objective - 1:+.1e} | {res.status.value}, primal res "
                    f"{cert.primal_residual:.1e}, gap {cert.gap:.1e} | {secs:.2f} | {secs / t_ray:.2f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e3,1e4")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--highs-limit", type=float, default=120.0)
    ap.add_argument("--max-probes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print("| goods | method | err (s - 1) | stop | seconds | × RaySearch |")
    print("|---|---|---|---|---|---|")
    for size in a.sizes.split(","):
        for row in run(int(float(size)), a.tol, a.highs_limit, a.max_probes, a.seed):
            print(row, flush=True)


if __name__ == "__main__":
    main()
