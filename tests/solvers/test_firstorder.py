"""The first-order backend (pdlp): planted optima, warm starts, interruption, both cores."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import pytest

import councilplan as cp
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import PDLPSolver, SolveOptions, Status, certify, get_solver
from councilplan.solvers._pdhg_kernels import HAVE_NUMBA
from councilplan.solvers.firstorder import Progress


@pytest.fixture(scope="module")
def planted() -> tuple[object, object]:
    pe = planted_economy(300, seed=5, resources=2)
    return pe, build_problem(pe.economy, "min-labour")


def test_registered_with_capabilities() -> None:
    s = get_solver("pdlp")
    assert {"warm_start", "interrupt", "large_scale"} <= s.capabilities


@pytest.mark.parametrize("size", [50, 300])
def test_planted_optimum_recovered(size: int) -> None:
    pe = planted_economy(size, seed=size, resources=1)
    lp = build_problem(pe.economy, "min-labour")
    res = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-7))
    assert res.status is Status.OPTIMAL, res.message
    cert = certify(lp, res.x, res.row_dual)
    assert cert.within(1e-7)
    assert cert.primal_objective == pytest.approx(pe.objective, rel=1e-5)
    assert cert.dual_objective == pytest.approx(pe.objective, rel=1e-5)
    # the planted point certifies itself (the binding labour limit makes the duals non-unique)
    assert certify(lp, pe.x, pe.row_dual()).within(1e-12)


def test_plan_with_pdlp_reports_certificate(planted: tuple) -> None:  # type: ignore[type-arg]
    pe, _ = planted
    p = cp.plan(pe.economy, "min-labour", "pdlp", SolveOptions(tol=1e-5), with_values=False)
    assert p.status is Status.OPTIMAL and p.certificate is not None
    assert p.certificate.within(1e-5)
    assert p.objective == pytest.approx(pe.objective, rel=1e-3)


def test_warm_start_needs_fewer_iterations(planted: tuple) -> None:  # type: ignore[type-arg]
    pe, lp = planted
    s = PDLPSolver()
    cold_solver = PDLPSolver()
    first = s.solve_lp(lp, SolveOptions(tol=1e-4))
    assert first.status is Status.OPTIMAL
    # a council vote: one percent more of every fiftieth good
    econ = pe.economy
    t = econ.targets.copy()
    t.iloc[::50, t.columns.get_loc("amount")] *= 1.01
    lp2 = build_problem(econ.with_targets(t), "min-labour")
    cold = cold_solver.solve_lp(lp2, SolveOptions(tol=1e-4))
    warm = s.solve_lp(lp2, SolveOptions(tol=1e-4, warm_start=(first.x, first.row_dual)))
    assert cold.status is Status.OPTIMAL and warm.status is Status.OPTIMAL
    assert warm.iterations < cold.iterations
    assert certify(lp2, warm.x, warm.row_dual).primal_objective == pytest.approx(
        certify(lp2, cold.x, cold.row_dual).primal_objective, rel=1e-3)


def test_ctrl_c_returns_best_iterate(planted: tuple) -> None:  # type: ignore[type-arg]
    _, lp = planted
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if len(seen) == 3:
            raise KeyboardInterrupt

    res = PDLPSolver(progress=progress).solve_lp(lp, SolveOptions(tol=1e-12, extra={"check_every": 8}))
    assert res.status is Status.INTERRUPTED
    assert res.x is not None and res.row_dual is not None
    assert [p.iteration for p in seen] == [8, 16, 24]
    cert = certify(lp, res.x, res.row_dual)
    assert cert.primal_residual < 1.0  # a certified, if not optimal, best-so-far


def test_iteration_limit_is_a_status(planted: tuple) -> None:  # type: ignore[type-arg]
    _, lp = planted
    res = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-12, extra={"max_iter": 128}))
    assert res.status is Status.ITERATION_LIMIT and res.x is not None


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed (pip install councilplan[fast])")
def test_numba_and_numpy_cores_agree(planted: tuple) -> None:  # type: ignore[type-arg]
    _, lp = planted
    a = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-6, extra={"kernels": "numpy"}))
    b = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-6, extra={"kernels": "numba"}))
    assert a.extra["kernels"] == "numpy" and b.extra["kernels"] == "numba"
    # parallel sums round differently, so the paths differ slightly; both must certify
    assert a.status is Status.OPTIMAL and b.status is Status.OPTIMAL
    ca, cb = certify(lp, a.x, a.row_dual), certify(lp, b.x, b.row_dual)
    assert ca.within(1e-6) and cb.within(1e-6)
    assert ca.primal_objective == pytest.approx(cb.primal_objective, rel=1e-5)


def test_auto_picks_by_size(planted: tuple, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    from councilplan.solvers import policy

    _, lp = planted
    auto = get_solver("auto")
    assert auto.solve_lp(lp, SolveOptions(tol=1e-6)).extra["backend"] == "highs"
    monkeypatch.setattr(policy, "POLICY", replace(policy.POLICY, auto_nnz=10))
    res = auto.solve_lp(lp, SolveOptions(tol=1e-6))  # a least-labour plan: substitution, certified
    assert res.extra["backend"] == "substitution" and res.status is Status.OPTIMAL
    assert res.message.startswith("auto → substitution:")
    pe, _ = planted
    ray = build_problem(pe.economy, "ray")  # not a substitution system: pdlp
    res = auto.solve_lp(ray, SolveOptions(tol=1e-6))
    assert res.extra["backend"] == "pdlp" and res.status is Status.OPTIMAL


def test_auto_substitution_falls_back_to_cold_pdlp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the crash is not certified, auto's pdlp runs exactly as pdlp alone (no warm start)."""
    from councilplan.model.synthetic import random_economy
    from councilplan.solvers import policy

    lp = build_problem(random_economy(300, seed=2, feasible_targets=True, headroom=1.5), "min-labour")
    monkeypatch.setattr(policy, "POLICY", replace(policy.POLICY, auto_nnz=10))
    res = get_solver("auto").solve_lp(lp, SolveOptions(tol=1e-4))
    assert res.status is Status.OPTIMAL
    if res.extra["backend"] == "pdlp":  # not certified: the same iterations as a cold pdlp
        assert res.message.startswith("auto → substitution → pdlp:")
        assert res.iterations == get_solver("pdlp").solve_lp(lp, SolveOptions(tol=1e-4)).iterations
    else:
        assert res.extra["backend"] == "substitution"


def test_infeasible_economy_is_detected_not_timed_out() -> None:
    """A random economy whose labour cannot meet its targets: pdlp ends with a Farkas ray (the
    dual iterate grows along it), not at its iteration or time limit, and HiGHS agrees."""
    from councilplan.model.synthetic import random_economy

    e = random_economy(200, seed=2)
    lp = build_problem(e, "min-labour")
    assert get_solver("highs").solve_lp(lp, SolveOptions()).status is Status.INFEASIBLE
    res = get_solver("pdlp").solve_lp(lp, SolveOptions(tol=1e-4, time_limit=120))
    assert res.status is Status.INFEASIBLE
    p = cp.plan(e, "min-labour", "pdlp", options=SolveOptions(tol=1e-4, time_limit=120), with_values=False)
    assert p.status is Status.INFEASIBLE and p.explanation is not None and len(p.explanation.changes) > 0


def test_threads_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """COUNCILPLAN_THREADS overrides the measured guess (bounded by the cores there are)."""
    from councilplan.solvers._pdhg_kernels import idle_cores

    monkeypatch.setenv("COUNCILPLAN_THREADS", "1")
    assert idle_cores() == 1
    monkeypatch.setenv("COUNCILPLAN_THREADS", "999")
    assert idle_cores() == (os.cpu_count() or 1)
    monkeypatch.setenv("COUNCILPLAN_THREADS", "many")  # not a number: the guess
    assert 1 <= idle_cores() <= (os.cpu_count() or 1)


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="measures busy cores on Linux's /proc/stat")
def test_busy_cores_counts_other_processes_not_this_one() -> None:
    """``_busy_cores`` sees a process spinning on a core, and not this process's own spinning thread
    (which the load average would count for a minute: a 10^6-good economy's generation once sent
    pdlp to one thread)."""
    import subprocess
    import sys
    import threading

    from councilplan.solvers._pdhg_kernels import _busy_cores

    before = _busy_cores(0.2)
    assert before is not None and 0.0 <= before <= (os.cpu_count() or 1)
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\nwhile time.time() - t < 5: pass"])
    try:
        time.sleep(0.3)
        with_child = max(_busy_cores(0.2) or 0.0 for _ in range(3))  # other load only adds
    finally:
        child.kill()
        child.wait()
    assert with_child >= 0.6

    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    th = threading.Thread(target=spin)
    th.start()
    try:
        time.sleep(0.1)
        # the sleeping main thread releases the GIL, so the spinner runs; other load only adds
        own = min(_busy_cores(0.2) or 0.0 for _ in range(3))
    finally:
        stop.set()
        th.join()
    assert own < 0.5
