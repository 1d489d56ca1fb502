"""Benchmark of plan bundles (issue 12): writing one and verifying it with ``councilplan.verifier``,
against one bare mat-vec pair of its matrix timed in the same run.

Usage::

    python bench/bundle.py [--sizes 1e4,1e5,1e6] [--seed 0] [--solver planted|substitution|…] [--tol 1e-6]

Each size: a planted economy (``councilplan.planning.planted``: 1.3 processes per good, 8 inputs
each, 3 labour kinds, capacities) and its ``min-labour`` plan, written with ``write_bundle`` and
verified. ``--solver planted`` (the default) bundles the planted optimum itself (its primal and
dual points, exact to two Leontief solves), so that the 10^6 row costs no solve; any backend name
plans it with that backend instead. Columns: the bundle's size; ``write``; the verifier's ``read`` (unzip
and load), ``hash`` (array digests and the input hash), ``math`` (feasibility, objective, dual
feasibility and the gap) and ``total``; ``pair`` is one bare scipy ``N x`` plus ``Nᵀ p`` on the
economy's net-output matrix ``N = B - A`` (best of 5); the ratios divide by it. ``ok``: every check
held at the plan's own tolerance.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _pair_seconds(N, x: np.ndarray, p: np.ndarray, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    N @ x
    N.T @ p
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        N @ x
        N.T @ p
        best = min(best, time.perf_counter() - t)
    return float(best)


def _planted_plan(pe, tol: float):  # type: ignore[no-untyped-def]
    """The planted optimum as a :class:`~councilplan.planning.Plan` (solver ``planted``)."""
    import pandas as pd

    from councilplan.planning import Plan
    from councilplan.planning.problem import build_problem
    from councilplan.planning.solve import hashed_options, input_hash
    from councilplan.solvers import SolveOptions, Status, certify

    e, opts = pe.economy, SolveOptions(tol=tol)
    y = pe.row_dual()
    cert = certify(build_problem(e, "min-labour"), pe.x, y)
    return Plan(status=Status.OPTIMAL, objective_name="min-labour", solver="planted", objective=pe.objective,
                activity=pd.Series(pe.x, index=e.processes.index), net_output=e.net_output(pe.x),
                targets=e.targets, prices=pd.DataFrame(), certificate=cert, timings={},
                input_hash=input_hash(e, "min-labour", "planted", opts), options=hashed_options(opts),
                raw={"x": pe.x, "row_dual": y})


def run(n: int, seed: int, solver: str, tol: float, folder: Path) -> dict[str, object]:
    import councilplan as cp
    from councilplan import verifier
    from councilplan.planning.bundle import write_bundle
    from councilplan.planning.planted import planted_economy

    t = time.perf_counter()
    pe = planted_economy(n, seed=seed)
    economy = pe.economy
    gen = time.perf_counter() - t
    t = time.perf_counter()
    if solver == "planted":
        plan = _planted_plan(pe, tol)
    else:
        plan = cp.plan(economy, "min-labour", solver=solver, options=cp.SolveOptions(tol=tol), with_values=False)
    solve = time.perf_counter() - t
    path = folder / f"bundle-{n}.zip"
    t = time.perf_counter()
    write_bundle(plan, economy, path)
    write = time.perf_counter() - t
    t = time.perf_counter()
    report = verifier.verify(str(path))
    total = time.perf_counter() - t
    N = economy.net
    pair = _pair_seconds(N, plan.activity.to_numpy(), np.ones(N.shape[0]))
    s = report.seconds
    return {"n": n, "nnz": int(economy.A.nnz + economy.B.nnz), "status": str(plan.status), "generate": gen,
            "solve": solve, "MiB": path.stat().st_size / 2**20, "write": write, "read": s["read"],
            "hash": s["hash"], "math": s["math"], "total": total, "pair": pair, "ok": report.ok,
            "failed": [c.text for c in report.failed()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e4,1e5,1e6")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solver", default="planted")
    ap.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args()
    print("| goods | nnz(A)+nnz(B) | bundle MiB | write s | read s | hash s | math s | verify s | pair ms "
          "| math/pair | verify/pair | ok |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(float(v)) for v in args.sizes.split(",")):
            r = run(n, args.seed, args.solver, args.tol, Path(tmp))
            pair = float(r["pair"])  # type: ignore[arg-type]
            print(f"| {n:,} | {r['nnz']:,} | {r['MiB']:.1f} | {r['write']:.2f} | {r['read']:.2f} | "
                  f"{r['hash']:.2f} | {r['math']:.3f} | {r['total']:.2f} | {pair * 1e3:.2f} | "
                  f"{float(r['math']) / pair:.1f} | {float(r['total']) / pair:.1f} | "  # type: ignore[arg-type]
                  f"{'yes' if r['ok'] else 'NO: ' + '; '.join(r['failed'])} |", flush=True)  # type: ignore[arg-type]
            print(f"<!-- {n:,} goods: generated in {r['generate']:.1f} s, planned ({r['status']}) in "
                  f"{r['solve']:.1f} s -->", flush=True)


if __name__ == "__main__":
    main()
