"""Sweeps on Dask distributed: a ``LocalCluster`` by default, or any scheduler by address.

Each run is one task, ``run_one(index, base_seed, economy, ...)``; its randomness
comes only from ``(base_seed, index)``, so the result table is bit-identical
whatever the number of workers or the order in which tasks finish. The table is
sorted by ``run, arm`` before it is returned.

On a real cluster, start a scheduler and workers there (``dask-jobqueue`` on
SLURM/PBS, the Dask Helm chart or ``dask-kubernetes`` on Kubernetes; see
``docs/experiment.md``) and pass its address as ``scheduler``; every worker
needs ``councilplan[experiment]`` installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from councilplan.experiment.run import EconomySource, run_one
from councilplan.model.errors import InputError


@contextmanager
def dask_client(workers: int = 1, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a fresh process-based LocalCluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - the extra is part of dev
        raise RuntimeError("the experiment sweep needs Dask: pip install 'councilplan[experiment]'") from exc
    if scheduler is not None:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    if workers < 1:
        raise InputError(f"workers must be ≥ 1, got {workers}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client


def sweep(runs: int, economy: EconomySource, *, base_seed: int = 0, workers: int = 1,
          scheduler: str | None = None, fixed: dict[str, float] | None = None, rule: str = "population-sum",
          on_done: Callable[[int], None] | None = None, client: Any = None) -> pd.DataFrame:
    """Run ``runs`` runs of the experiment on Dask; one row per (run, arm), sorted.

    ``on_done(k)`` is called after each finished run with the number finished so far
    (for a progress bar). ``client`` reuses an existing ``distributed.Client``.
    """
    if runs < 1:
        raise InputError(f"runs must be ≥ 1, got {runs}")
    if client is None:
        with dask_client(workers, scheduler) as c:
            return sweep(runs, economy, base_seed=base_seed, fixed=fixed, rule=rule, on_done=on_done, client=c)
    from distributed import as_completed

    econ = client.scatter(economy, broadcast=True)
    futures = client.map(run_one, range(runs), base_seed=base_seed, economy=econ, fixed=fixed, rule=rule,
                         key=[f"councilplan-run-{base_seed}-{i}" for i in range(runs)])
    rows: list[dict[str, Any]] = []
    for done, fut in enumerate(as_completed(futures), start=1):
        rows.extend(fut.result())
        if on_done is not None:
            on_done(done)
    return pd.DataFrame(rows).sort_values(["run", "arm"], kind="stable").reset_index(drop=True)
