"""Sweep throughput of the governance experiment (issue 11) on 1 and 2 local Dask workers.

``python bench/experiment.py [--runs 32] [--example germany-1995]``

Runs the same sweep (same seeds) on a 1-worker and a 2-worker ``LocalCluster``
(processes, one thread each), after one warm-up task per worker. Prints runs per
second for each, the 2-vs-1 speed-up ratio (measured in this run), the peak
resident memory of each worker process (``psutil``, reported by the workers), and
checks that both sweeps gave bit-identical tables.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd


def _rss() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def timed(runs: int, workers: int, economy: object) -> tuple[float, pd.DataFrame, list[float]]:
    from councilplan.experiment.run import run_one
    from councilplan.experiment.sweep import dask_client, sweep

    with dask_client(workers) as client:
        client.gather(client.map(run_one, range(workers), base_seed=999, economy=economy, pure=False))
        t0 = time.perf_counter()
        df = sweep(runs, economy, base_seed=0, client=client)  # type: ignore[arg-type]
        dt = time.perf_counter() - t0
        mem = sorted(client.run(_rss).values())
    return dt, df, mem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=32)
    ap.add_argument("--example", default="germany-1995")
    a = ap.parse_args()
    from councilplan import example

    econ = example(a.example)
    t1, d1, m1 = timed(a.runs, 1, econ)
    t2, d2, m2 = timed(a.runs, 2, econ)
    pd.testing.assert_frame_equal(d1, d2, check_exact=True)
    print(f"economy {a.example}, {a.runs} runs, both arms, 8 periods each")
    print(f"1 worker : {t1:7.2f} s  {a.runs / t1:6.2f} runs/s  worker RSS {', '.join(f'{m:.0f}' for m in m1)} MiB")
    print(f"2 workers: {t2:7.2f} s  {a.runs / t2:6.2f} runs/s  worker RSS {', '.join(f'{m:.0f}' for m in m2)} MiB")
    print(f"speed-up 2 vs 1 workers: {t1 / t2:.2f}x  (tables bit-identical)")


if __name__ == "__main__":
    main()
