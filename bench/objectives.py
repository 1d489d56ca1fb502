"""Benchmark: every objective from 10^3 goods up, on planted economies with known optima (issue 13).

Usage::

    python bench/objectives.py [--sizes 1e3,1e4,1e5,1e6] [--objectives min-labour,ray,harmony]
                               [--solver auto] [--tol 1e-4] [--highs-max 1e4] [--highs-limit 120]
                               [--timeout 900] [--memory-gib 20]

Economy: ``planted_economy(N, seed=5, binding="all")`` (1.3 processes per good, 8 inputs each,
3 labour kinds all binding, 10 % of the techniques at capacity), whose optima are known: the ray's
scale ``s* = 1`` and, with the weights of
:meth:`~councilplan.planning.planted.PlantedEconomy.harmony_economy`, harmony ``H* = 0``. Least
labour ``Σ L x*`` runs on ``binding="first"`` (one labour kind binding, as in ``bench/firstorder.py``):
with every limit binding at a zero price its wage search is degenerate.

Each row runs ``councilplan.plan(economy, objective, SOLVER, SolveOptions(tol=TOL))`` in a process of
its own (``--memory-gib`` caps its address space; ``--timeout`` its wall time) and prints:

* ``path``: the backend that ran (``auto → pdlp`` where ``auto`` chose);
* ``time``: the plan's wall time (build, solve, bracket; generation not included);
* ``pairs``: that time over one bare ``K x`` + ``Kᵀ y`` of the objective's LP (scipy, best of 5, same
  process): the baseline measured in the same run;
* ``error``: the objective's relative error against the planted optimum (for harmony, whose
  optimum is 0, the absolute error over ``Σ w_i``);
* ``bracket``: ``(U − L)/U`` for the ray and harmony from inexact backends (``—`` where the backend is
  exact), and the certificate's worst measure;
* ``HiGHS``: HiGHS' time on the same plan (sizes up to ``--highs-max``, with ``--highs-limit``) as a
  ratio to the row's time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def one(objective: str, n: int, solver: str, tol: float, highs_limit: float | None) -> dict[str, object]:
    import councilplan as cp
    from bracket import pair_seconds  # bench/bracket.py, beside this file
    from councilplan.planning.planted import planted_economy
    from councilplan.solvers import SolveOptions

    t = time.perf_counter()
    pe = planted_economy(n, seed=5, binding="first" if objective == "min-labour" else "all")
    e = pe.harmony_economy() if objective == "harmony" else pe.economy
    gen = time.perf_counter() - t
    pair = pair_seconds(e, objective)

    def value(p: cp.Plan) -> float:
        return float(p.scale if objective == "ray" else p.objective)  # type: ignore[arg-type]

    ref = {"min-labour": pe.objective, "ray": 1.0, "harmony": 0.0}[objective]
    norm = float(e.targets["weight"].sum()) if objective == "harmony" else abs(ref)
    t = time.perf_counter()
    p = cp.plan(e, objective, solver, SolveOptions(tol=tol), with_values=False)  # type: ignore[arg-type]
    secs = time.perf_counter() - t
    c = p.certificate
    out: dict[str, object] = {
        "objective": objective, "n": n, "processes": e.n_processes, "gen": gen, "seconds": secs,
        "pairs": secs / pair, "pair_ms": pair * 1e3, "status": str(p.status), "iterations": p.iterations,
        "error": (value(p) - ref) / norm if p.status.ok else None,
        "bracket": ((p.bounds[1] - p.bounds[0]) / max(abs(p.bounds[1]), 1e-300)
                    if p.bounds is not None and objective == "ray" else
                    None if p.bounds is None else (p.bounds[1] - p.bounds[0]) / norm),
        "certificate": None if c is None else max(c.primal_residual, c.dual_residual, c.gap),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "message": p.message[-160:],
        "path": p.message.split(":")[0] if p.message.startswith(solver) else solver,
    }
    if highs_limit is not None:
        t = time.perf_counter()
        h = cp.plan(e, objective, "highs", SolveOptions(time_limit=highs_limit), with_values=False)  # type: ignore[arg-type]
        out["highs_seconds"] = time.perf_counter() - t
        out["highs_status"] = str(h.status)
    return out


def cell(r: dict[str, object], key: str, fmt: str) -> str:
    v = r.get(key)
    return "—" if v is None else format(v, fmt)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e3,1e4,1e5,1e6")
    ap.add_argument("--objectives", default="min-labour,ray,harmony")
    ap.add_argument("--solver", default="auto")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--highs-max", type=float, default=1e4, help="run HiGHS up to this many goods")
    ap.add_argument("--highs-limit", type=float, default=120.0)
    ap.add_argument("--timeout", type=float, default=900.0, help="wall-clock limit of each row")
    ap.add_argument("--memory-gib", type=float, default=20.0, help="address-space limit of each row")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        lim = None if float(a.one[1]) > a.highs_max else a.highs_limit
        print(json.dumps(one(a.one[0], int(float(a.one[1])), a.solver, a.tol, lim)))
        return
    print(f"solver {a.solver}, tol {a.tol:g}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    print("| objective | goods | path | status | time (s) | mat-vec pairs | error | bracket (U−L) | certificate "
          "| HiGHS (s) | HiGHS / this | peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    cap = int(a.memory_gib * 2**30)
    for n in (int(float(s)) for s in a.sizes.split(",")):
        for obj in a.objectives.split(","):
            cmd = [sys.executable, __file__, "--one", obj, str(n), "--solver", a.solver, "--tol", str(a.tol),
                   "--highs-max", str(a.highs_max), "--highs-limit", str(a.highs_limit)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout,
                                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
            except subprocess.TimeoutExpired:
                print(f"| {obj} | {n:,} | | over the {a.timeout:.0f} s limit | | | | | | | | |", flush=True)
                continue
            if done.returncode != 0:
                why = (done.stderr.strip().splitlines() or ["?"])[-1][:80]
                print(f"| {obj} | {n:,} | | failed: {why} | | | | | | | | |", flush=True)
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            hs = r.get("highs_seconds")
            ratio = "—" if hs is None else f"{hs / r['seconds']:.1f}" + ("" if r["highs_status"] == "optimal"
                                                                         else f" ({r['highs_status']})")
            print(f"| {obj} | {n:,} | {r['path']} | {r['status']} | {r['seconds']:.2f} | {r['pairs']:,.0f} "
                  f"| {cell(r, 'error', '+.1e')} | {cell(r, 'bracket', '.1e')} | {cell(r, 'certificate', '.1e')} "
                  f"| {cell(r, 'highs_seconds', '.1f')} | {ratio} | {r['peak_mib']:,.0f} |", flush=True)
    print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
