"""Planning-core benchmarks (issue 2), printed as ratios to bare baselines timed in the same run.

* **I/O**: ``read_economy`` (read + validate) of an economy directory against a bare
  ``pd.read_parquet`` / ``pd.read_csv`` of the same files, and ``build_problem(…, "ray")``.
  Random economies (:func:`councilplan.model.synthetic.random_economy`) of 10^3–10^5 goods
  in CSV and Parquet, 10^6 goods in Parquet, and the real UK, Spanish and Swedish tables
  when the importers and ``../shared/data`` are there.
* **Solve**: ``councilplan.plan(economy, "ray", "highs")`` end to end against highspy
  called directly on the same LP arrays (``passModel``, ``run``, ``getSolution``), with
  the cost of each part of our overhead.

Every figure is the best of ``--repeat`` runs. Results go to stdout (Markdown) and to
``bench/results/`` (gitignored).

Usage::

    python bench/core.py                       # the full suite (about 10 minutes on 2 cores)
    python bench/core.py --quick               # 10^3 and 10^4 goods, one run each
    python bench/core.py --sizes 1000 100000 --big 1000000 --solve-sizes 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import councilplan as cp
from councilplan.model.formats import read_economy, write_economy
from councilplan.model.synthetic import random_economy
from councilplan.planning import build_problem
from councilplan.planning.plan import assemble_prices
from councilplan.planning.solve import input_hash
from councilplan.solvers.base import LinearProgram, SolveOptions, certify

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest of ``repeat`` wall-clock times of ``fn()``, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


@dataclass
class Report:
    io: list[dict[str, Any]] = field(default_factory=list)
    solve: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ I/O
def bare_read(directory: Path, fmt: str) -> int:
    """Read every table file with pandas alone (no ids, no checks); returns the rows read."""
    rows = 0
    for path in sorted(directory.glob(f"*.{fmt}")):
        frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
        rows += len(frame)
    return rows


def io_row(case: str, economy: cp.Economy, workdir: Path, fmt: str, repeat: int, *, source_s: float | None = None) -> dict[str, Any]:
    d = workdir / f"{case}-{fmt}"
    shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    write_economy(economy, d, format=fmt)  # type: ignore[arg-type]
    write_s = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in d.iterdir()) / 1e6
    bare_s, rows = best(lambda: bare_read(d, fmt), repeat)
    read_s, back = best(lambda: read_economy(d), repeat)
    # (labour kinds come back in the order of labour.csv, so compare shapes and sums, not hashes)
    same = (back.A.shape == economy.A.shape and back.A.nnz == economy.A.nnz
            and np.isclose(back.A.sum(), economy.A.sum()) and np.isclose(back.L.sum(), economy.L.sum()))
    if not same:
        raise AssertionError(f"{case}: the economy read back differs from the one written")
    try:
        build_s, lp = best(lambda: build_problem(back, "ray"), repeat)
        lp_shape = f"{lp.shape[0]}×{lp.shape[1]}, nnz {lp.K.nnz}"
    except cp.planning.PlanningInputError:
        build_s, lp_shape = float("nan"), "no targets"
    shutil.rmtree(d, ignore_errors=True)
    return {"case": case, "format": fmt, "goods": economy.n_goods, "processes": economy.n_processes,
            "nnz_A": economy.A.nnz, "rows": rows, "MB": size_mb, "source_s": source_s, "write_s": write_s,
            "bare_read_s": bare_s, "read_validate_s": read_s, "ratio": read_s / bare_s, "build_lp_s": build_s,
            "lp": lp_shape}


def real_economies(report: Report) -> list[tuple[str, cp.Economy, float]]:
    """The UK, Spanish and Swedish tables through the importers, when both are there."""
    try:
        from councilplan.model.importers import read_iot, read_spain, read_sweden
    except ImportError as exc:
        report.notes.append(f"real tables skipped: the importers are not installed ({exc})")
        return []
    if not SHARED.is_dir():
        report.notes.append(f"real tables skipped: {SHARED} is absent")
        return []
    spain = sorted((SHARED / "planners" / "pablovegan-Economic-Planning" / "Spain").glob("cne_tod_*_en.xlsx"))
    cases: list[tuple[str, Callable[[], cp.Economy]]] = [
        ("UK 2010 (ONS IOT)", lambda: read_iot(SHARED / "io" / "ons_uk_2010" / "iot_domestic_basic_pxp_2010.csv",
                                               "ons_uk_2010")),
        (f"Spain {spain[-1].stem[-5:-3] if spain else ''} (INE SUT)", lambda: read_spain(spain[-1])),
        ("Sweden 2016 (SCB SUT)", lambda: read_sweden(SHARED / "planners" / "pablovegan-Economic-Planning" / "Sweden"
                                                      / "nrio_sut_181108.xlsx", year=2016)),
    ]
    out = []
    for name, load in cases:
        try:
            t0 = time.perf_counter()
            economy = load()
            out.append((name, economy, time.perf_counter() - t0))
        except Exception as exc:  # a missing file or an importer not finished: note it, go on
            report.notes.append(f"{name} skipped: {type(exc).__name__}: {exc}")
    return out


# ---------------------------------------------------------------------- solve
def bare_highs(lp: LinearProgram) -> tuple[float, np.ndarray, np.ndarray]:
    """highspy alone on the LP's arrays (CSC built beforehand): pass, run, fetch."""
    import highspy

    K = lp.K.tocsc()
    K.sort_indices()
    inf = highspy.kHighsInf
    m, n = lp.shape
    col_lo, col_hi, row_lo, row_hi = (np.clip(v, -inf, inf) for v in (lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper))
    start, index, value = K.indptr.astype(np.int32), K.indices.astype(np.int32), K.data
    h = highspy._core._Highs() if hasattr(highspy, "_core") else highspy.Highs()
    h.setOptionValue("output_flag", False)
    tol = 1e-7  # the tolerances our backend sets (SolveOptions().tol)
    h.setOptionValue("primal_feasibility_tolerance", tol)
    h.setOptionValue("dual_feasibility_tolerance", tol)
    h.passModel(n, m, int(K.nnz), int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
                np.asarray(lp.c, dtype=np.float64), col_lo, col_hi, row_lo, row_hi, start, index, value, np.zeros(n, dtype=np.int32))
    h.run()
    sol = h.getSolution()
    return float(h.getInfo().objective_function_value), np.asarray(sol.col_value), np.asarray(sol.row_dual)


def solve_row(n_goods: int, repeat: int, *, values: bool) -> dict[str, Any]:
    economy = random_economy(n_goods, seed=1)
    lp = build_problem(economy, "ray")
    bare_s, (bare_obj, x, y) = best(lambda: bare_highs(lp), repeat)
    ours_s, p = best(lambda: cp.plan(economy, "ray", "highs", with_values=False), repeat)
    if not p.optimal or abs(-bare_obj - p.objective) > 1e-6 * (1 + abs(bare_obj)):
        raise AssertionError(f"plan and bare HiGHS disagree: {p.objective} vs {-bare_obj}")
    # the parts of our overhead, timed alone
    cert_s, _ = best(lambda: certify(lp, x, y), repeat)
    prices_s, _ = best(lambda: assemble_prices(lp, x, y), repeat)
    hash_s, _ = best(lambda: input_hash(economy, "ray", "highs", SolveOptions()), repeat)
    label_s, _ = best(lambda: (economy.net_output(x[: economy.n_processes]),
                               pd.Series(x[: economy.n_processes], index=economy.processes.index)), repeat)
    row = {"goods": n_goods, "processes": economy.n_processes, "lp": f"{lp.shape[0]}×{lp.shape[1]}, nnz {lp.K.nnz}",
           "iterations": p.iterations, "bare_highs_s": bare_s, "plan_s": ours_s, "ratio": ours_s / bare_s,
           "build_s": p.timings["build"], "certificate_s": cert_s, "prices_s": prices_s, "hash_s": hash_s,
           "labels_s": label_s, "scale": p.scale}
    if values:
        def plan_and_values() -> float:
            """The plan, then its labour values (computed on first use), timed together; returns the values' part."""
            pv = cp.plan(economy, "ray", "highs", with_values=True)
            t0 = time.perf_counter()
            assert pv.labour_values is not None
            return time.perf_counter() - t0

        vals_s, values_s = best(plan_and_values, 1)
        row["plan_with_values_s"] = vals_s
        row["ratio_with_values"] = vals_s / bare_s
        row["values_s"] = values_s
    return row


# --------------------------------------------------------------------- output
def fmt_s(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{v:.3g}" if v < 10 else f"{v:.1f}"


def markdown(report: Report, machine: str, command: str) -> str:
    out = [f"Command: `{command}`", "", f"Machine: {machine}", ""]
    out += ["### Reading + validating, and building the LP", "",
            "| economy | format | goods | processes | nnz(A) | MB | bare pandas read (s) | read_economy (s) "
            "| ratio | build_problem ray (s) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report.io:
        src = f" (import {fmt_s(r['source_s'])} s)" if r.get("source_s") is not None else ""
        out.append(f"| {r['case']}{src} | {r['format']} | {r['goods']:,} | {r['processes']:,} | {r['nnz_A']:,} "
                   f"| {r['MB']:.1f} | {fmt_s(r['bare_read_s'])} | {fmt_s(r['read_validate_s'])} "
                   f"| **{r['ratio']:.2f}×** | {fmt_s(r['build_lp_s'])} |")
    if report.solve:
        out += ["", "### End-to-end plan vs bare highspy (ray, random economy)", "",
                "| goods | processes | LP rows×cols | simplex its | bare highspy (s) | `plan(…, with_values=False)` (s) "
                "| ratio | with labour values (s) | ratio | of which: build | certificate | prices | input hash "
                "| labels | values |",
                "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in report.solve:
            out.append(f"| {r['goods']:,} | {r['processes']:,} | {r['lp']} | {r['iterations']} | {fmt_s(r['bare_highs_s'])} "
                       f"| {fmt_s(r['plan_s'])} | **{r['ratio']:.2f}×** | {fmt_s(r.get('plan_with_values_s'))} "
                       f"| {r['ratio_with_values']:.2f}× | {fmt_s(r['build_s'])} | {fmt_s(r['certificate_s'])} "
                       f"| {fmt_s(r['prices_s'])} | {fmt_s(r['hash_s'])} | {fmt_s(r['labels_s'])} "
                       f"| {fmt_s(r.get('values_s'))} |" if "ratio_with_values" in r else
                       f"| {r['goods']:,} | {r['processes']:,} | {r['lp']} | {r['iterations']} | {fmt_s(r['bare_highs_s'])} "
                       f"| {fmt_s(r['plan_s'])} | **{r['ratio']:.2f}×** | — | — | {fmt_s(r['build_s'])} "
                       f"| {fmt_s(r['certificate_s'])} | {fmt_s(r['prices_s'])} | {fmt_s(r['hash_s'])} "
                       f"| {fmt_s(r['labels_s'])} | — |")
    if report.notes:
        out += [""] + [f"- {n}" for n in report.notes]
    return "\n".join(out) + "\n"


def machine_line() -> str:
    import scipy

    try:
        import pyarrow

        pa_v = pyarrow.__version__
    except ImportError:
        pa_v = "absent"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    from importlib.metadata import version

    hv = version("highspy")
    return (f"{platform.machine()}, {os.cpu_count()} cores, load {load}; Python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}, pyarrow {pa_v}, "
            f"highspy {hv}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000],
                    help="goods of the random economies read in CSV and Parquet")
    ap.add_argument("--big", type=int, nargs="*", default=[1_000_000], help="goods of the economies read in Parquet only")
    ap.add_argument("--solve-sizes", type=int, nargs="*", default=[1_000, 2_000], help="goods of the solve comparison")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is kept)")
    ap.add_argument("--quick", action="store_true", help="10^3 and 10^4 goods, one run, no 10^6, no real tables")
    ap.add_argument("--no-real", action="store_true", help="skip the UK, Spanish and Swedish tables")
    ap.add_argument("--no-values", action="store_true", help="skip the plan with labour values")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.big, args.solve_sizes, args.repeat, args.no_real = [1_000, 10_000], [], [1_000], 1, True
    command = "python bench/core.py " + " ".join(sys.argv[1:] if argv is None else argv)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="councilplan-bench-") as tmp:
        work = Path(tmp)
        if not args.no_real:
            for name, economy, source_s in real_economies(report):
                for fmt in ("csv", "parquet"):
                    report.io.append(io_row(name, economy, work, fmt, args.repeat, source_s=source_s))
                    print(f"done: {name} {fmt}", file=sys.stderr)
        for n in args.sizes:
            economy = random_economy(n)
            for fmt in ("csv", "parquet"):
                report.io.append(io_row(f"random 10^{np.log10(n):.0f}" if n in (10**k for k in range(9)) else f"random {n}",
                                        economy, work, fmt, args.repeat))
                print(f"done: random {n} {fmt}", file=sys.stderr)
        for n in args.big:
            t0 = time.perf_counter()
            economy = random_economy(n)
            report.notes.append(f"random_economy({n:,}) built in {time.perf_counter() - t0:.2f} s")
            report.io.append(io_row(f"random 10^{np.log10(n):.0f}" if n in (10**k for k in range(9)) else f"random {n}",
                                    economy, work, "parquet", args.repeat))
            print(f"done: random {n} parquet", file=sys.stderr)
            del economy
    for n in args.solve_sizes:
        report.solve.append(solve_row(n, args.repeat, values=not args.no_values))
        print(f"done: solve {n}", file=sys.stderr)
    report.notes.append(f"each figure is the best of {args.repeat} run(s); ratios divide by the bare baseline "
                        "timed in the same run")
    text = markdown(report, machine_line(), command)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"core-{stamp}.md").write_text(text)
    (args.out / f"core-{stamp}.json").write_text(json.dumps({"io": report.io, "solve": report.solve,
                                                             "notes": report.notes, "command": command}, indent=2,
                                                            default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
