"""Sweeps are bit-identical on 1 worker, 2 workers and a scheduler + worker started here on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed", reason="the experiment sweep needs the 'experiment' extra (Dask)")

from councilplan import example
from councilplan.experiment.run import run_one
from councilplan.experiment.sweep import sweep

RUNS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    econ = example("germany-1995")
    rows = [r for i in range(RUNS) for r in run_one(i, 42, econ)]
    return pd.DataFrame(rows).sort_values(["run", "arm"], kind="stable").reset_index(drop=True)


@pytest.fixture
def loopback_scheduler() -> Iterator[str]:
    """``dask scheduler`` and one ``dask worker`` as processes on 127.0.0.1, killed afterwards."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip(f"no `dask` command next to {sys.executable}")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail("the dask scheduler did not open its port within 30 s")
            time.sleep(0.2)
        procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_local_cluster_matches_serial_bit_for_bit(serial: pd.DataFrame, workers: int) -> None:
    seen: list[int] = []
    got = sweep(RUNS, example("germany-1995"), base_seed=42, workers=workers, on_done=seen.append)
    assert seen == list(range(1, RUNS + 1))
    pd.testing.assert_frame_equal(got, serial, check_exact=True)


@pytest.mark.slow
def test_external_scheduler_matches_serial_bit_for_bit(serial: pd.DataFrame, loopback_scheduler: str) -> None:
    got = sweep(RUNS, example("germany-1995"), base_seed=42, scheduler=loopback_scheduler)
    pd.testing.assert_frame_equal(got, serial, check_exact=True)


def test_zero_runs_is_refused() -> None:
    with pytest.raises(ValueError, match="runs must be"):
        sweep(0, example("germany-1995"))
