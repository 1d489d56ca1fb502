"""The ``substitution`` backend: non-substitution policy iteration with wages, certified or pdlp."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from councilplan.model.synthetic import random_economy
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import PDLPSolver, SolveOptions, Status, certify, get_solver
from councilplan.solvers.base import LinearProgram, LPResult
from councilplan.solvers.firstorder import Progress
from councilplan.solvers.substitution import (
    NotApplicableError,
    SubstitutionSolver,
    combine,
    group_argmin,
    substitution_system,
)


def test_registered() -> None:
    assert get_solver("substitution").name == "substitution"


def test_group_argmin() -> None:
    order = np.array([2, 0, 1, 3])  # good 0: columns 2, 0; good 1: columns 1, 3
    starts = np.array([0, 2])
    assert list(group_argmin(np.array([5.0, 1.0, 3.0, 0.5]), order, starts)) == [2, 3]


@pytest.mark.parametrize(("size", "seed"), [(50, 1), (300, 2), (1000, 3), (2000, 0)])
def test_planted_optimum_recovered_by_policy_iteration(size: int, seed: int) -> None:
    pe = planted_economy(size, seed=seed)
    lp = build_problem(pe.economy, "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-7))
    assert res.status is Status.OPTIMAL, res.message
    assert res.extra["method"] == "non-substitution", res.message  # no pdlp needed
    cert = certify(lp, res.x, res.row_dual)
    assert cert.within(1e-7)
    assert cert.primal_objective == pytest.approx(pe.objective, rel=1e-6)
    assert cert.dual_objective == pytest.approx(pe.objective, rel=1e-6)
    np.testing.assert_allclose(res.x, pe.x, rtol=1e-6, atol=1e-6 * float(np.abs(pe.x).max()))


@pytest.mark.parametrize("extra", [{"probe_tol": 1e-10}, {"probe_tol": 1e-5}, {"kelley": False}, {"probe_tol": 1e-6}])
def test_wage_search_settings_still_certified(extra: dict[str, object]) -> None:
    # probes solved loosely (or tightly throughout, or without cutting planes) end on a basis
    # solved at leontief_tol: the answer is certified without pdlp
    pe = planted_economy(3000, seed=1)
    lp = build_problem(pe.economy, "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-7, extra=extra))
    assert res.status is Status.OPTIMAL, res.message
    assert res.extra["method"] == "non-substitution", res.message
    assert certify(lp, res.x, res.row_dual).within(1e-7)
    assert res.extra["probes"] >= 1


def assert_gap_stop_certified(lp: LinearProgram, res: LPResult, optimum: float) -> None:
    """Certified at tol 1e-4 with the gap within gap_stop · tol, the objective within 1e-4 of the known
    optimum, and the dual objective below it (the prices are dual feasible)."""
    cert = certify(lp, res.x, res.row_dual)
    assert cert.within(1e-4)
    assert cert.gap <= 0.25e-4 * (1 + 1e-9)
    assert cert.primal_objective == pytest.approx(optimum, rel=1e-4)
    assert cert.dual_objective <= optimum * (1 + 1e-9)


@pytest.mark.parametrize(("size", "seed"), [(2000, 0), (3000, 1), (3000, 2)])
def test_wage_search_stops_at_the_tolerance_with_fewer_probes(size: int, seed: int) -> None:
    # Kelley's gap between the two bracket ends bounds the error: the search stops once it is within
    # gap_stop · tol, with fewer probes than the exact bracket (gap_stop=0), and the objective still
    # agrees with the planted optimum to 1e-4
    pe = planted_economy(size, seed=seed)
    lp = build_problem(pe.economy, "min-labour")
    early = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4))
    exact = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4, extra={"gap_stop": 0}))
    for res in (early, exact):
        assert res.status is Status.OPTIMAL and res.extra["method"] == "non-substitution", res.message
    assert_gap_stop_certified(lp, early, pe.objective)
    assert early.extra["probes"] < exact.extra["probes"]
    over = early.x > lp.col_upper * (1 + 1e-9)
    assert early.extra["capacity_overruns"] == int(over.sum())
    assert (early.extra["worst_overrun"] > 1) == bool(over.any())
    assert certify(lp, exact.x, exact.row_dual).gap < 1e-9


def test_combination_of_two_ends_stays_between_them() -> None:
    u = 0.1 + np.arange(7) / 3.0
    xa = np.array([u[0], u[1], 0.0, 2.0, u[4], 1.0, u[6]])
    xb = np.array([u[0], 0.5, 1.0, 2.0, u[4], 3.0, u[6]])
    for theta in np.linspace(0.0, 1.0, 13):
        x = combine(float(theta), xa, xb)
        assert np.all(x >= np.minimum(xa, xb)) and np.all(x <= np.maximum(xa, xb))
        assert x[0] == u[0] and x[4] == u[4] and x[6] == u[6]  # exactly, no rounding above a capacity
        np.testing.assert_allclose(x, theta * xa + (1 - theta) * xb, rtol=1e-15, atol=1e-15)


def test_agrees_with_highs_on_random_economies() -> None:
    for seed in range(4):
        e = random_economy(150, seed=seed, feasible_targets=True, capacity_share=0.2)
        lp = build_problem(e, "min-labour")
        h = get_solver("highs").solve_lp(lp, SolveOptions())
        s = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-7))
        assert h.status is Status.OPTIMAL and s.status is Status.OPTIMAL, s.message
        ch, cs = certify(lp, h.x, h.row_dual), certify(lp, s.x, s.row_dual)
        assert cs.within(1e-7)
        assert cs.primal_objective == pytest.approx(ch.primal_objective, rel=1e-6)


def test_two_binding_limits_certified_through_pdlp_with_fewer_iterations() -> None:
    # a binding wage and a binding rent: the one-at-a-time wage search does not settle,
    # and pdlp starts from its point
    pe = planted_economy(300, seed=5, resources=2)
    lp = build_problem(pe.economy, "min-labour")
    # the wage search now settles this economy by itself: one probe per side limit
    # (``max_probes``) leaves the bracket open, so pdlp must finish from its point
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-5, extra={"max_probes": 1}))
    assert res.status is Status.OPTIMAL, res.message
    assert res.extra["backend"] == "pdlp", res.message
    assert certify(lp, res.x, res.row_dual).within(1e-5)
    assert certify(lp, res.x, res.row_dual).primal_objective == pytest.approx(pe.objective, rel=1e-3)
    cold = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-5))
    assert res.iterations < cold.iterations


def test_other_lps_go_to_pdlp() -> None:
    e = random_economy(60, seed=1, feasible_targets=True)
    lp = build_problem(e, "ray")  # a maximisation with a scale column
    with pytest.raises(NotApplicableError):
        substitution_system(lp)
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-5))
    assert res.status is Status.OPTIMAL
    assert res.extra["backend"] == "pdlp"
    assert "not a substitution system" in res.message


def test_infeasible_limits_never_optimal() -> None:
    e = random_economy(40, seed=2, feasible_targets=True)
    short = e.labour_available * 0.2
    lp = build_problem(e.replace(labour_available=short), "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-5, time_limit=20))
    assert res.status is not Status.OPTIMAL
    assert get_solver("highs").solve_lp(lp, SolveOptions()).status is Status.INFEASIBLE


def test_capacity_of_the_only_technique_binds() -> None:
    # good 0 made by one process whose capacity is exactly what the targets need: it binds,
    # no technique sets the price of good 0, and the answer is still optimal and certified
    e = random_economy(30, seed=3, alt_share=0.0, feasible_targets=True)
    lp0 = build_problem(e, "min-labour")
    x0 = get_solver("highs").solve_lp(lp0, SolveOptions()).x
    cap = pd.Series(np.inf, index=e.processes.index)
    cap.iloc[0] = x0[0]
    lp = build_problem(e.replace(capacity=cap), "min-labour")
    h = get_solver("highs").solve_lp(lp, SolveOptions())
    assert h.status is Status.OPTIMAL, h.message
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6))
    assert res.status is Status.OPTIMAL, res.message
    assert certify(lp, res.x, res.row_dual).within(1e-6)
    assert certify(lp, res.x, res.row_dual).primal_objective == pytest.approx(
        certify(lp, h.x, h.row_dual).primal_objective, rel=1e-4)
    assert res.x[0] == pytest.approx(cap.iloc[0], rel=1e-6)  # the capacity binds
    assert h.x[0] == pytest.approx(cap.iloc[0], rel=1e-6)


def test_capacity_of_the_only_technique_below_need_never_optimal() -> None:
    # the same capacity a little below what the targets need: no other technique makes up the rest
    e = random_economy(30, seed=3, alt_share=0.0, feasible_targets=True)
    lp0 = build_problem(e, "min-labour")
    x0 = get_solver("highs").solve_lp(lp0, SolveOptions()).x
    cap = pd.Series(np.inf, index=e.processes.index)
    cap.iloc[0] = 0.999 * x0[0]
    lp = build_problem(e.replace(capacity=cap), "min-labour")
    assert get_solver("highs").solve_lp(lp, SolveOptions()).status is Status.INFEASIBLE
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6))
    assert res.status is not Status.OPTIMAL


@pytest.mark.parametrize("size", [50, 300])
def test_halpern_option_recovers_planted_optimum(size: int) -> None:
    pe = planted_economy(size, seed=size, resources=1)
    lp = build_problem(pe.economy, "min-labour")
    res = PDLPSolver().solve_lp(lp, SolveOptions(tol=1e-6, extra={"algorithm": "halpern"}))
    assert res.status is Status.OPTIMAL, res.message
    assert res.extra["algorithm"] == "halpern"
    cert = certify(lp, res.x, res.row_dual)
    assert cert.within(1e-6)
    assert cert.primal_objective == pytest.approx(pe.objective, rel=1e-4)


def test_halpern_option_passes_the_known_lps() -> None:
    from conformance.known_lps import known_lps

    for case in known_lps():
        res = PDLPSolver().solve_lp(case.lp, SolveOptions(tol=1e-6, extra={"algorithm": "halpern"}))
        assert res.status is case.status, (case.name, res.message)
        if case.objective is not None:
            cert = certify(case.lp, res.x, res.row_dual)
            assert cert.within(1e-6)
            assert cert.primal_objective == pytest.approx(case.objective, rel=1e-4, abs=1e-4)


def test_progress_reports_and_ctrl_c_returns_the_point_so_far() -> None:
    pe = planted_economy(2000, seed=0)
    lp = build_problem(pe.economy, "min-labour")
    seen: list[Progress] = []
    full = SubstitutionSolver(progress=seen.append).solve_lp(lp, SolveOptions(tol=1e-4))
    assert full.status is Status.OPTIMAL
    assert len(seen) >= 3 and all(p.stage == "substitution" for p in seen)
    assert [p.iteration for p in seen] == sorted(p.iteration for p in seen)  # policy rounds so far
    assert seen[-1].gap <= 0.25e-4 * (1 + 1e-9)  # the last report is the answer's certificate
    assert seen[-1].primal_objective == pytest.approx(certify(lp, full.x, full.row_dual).primal_objective)

    calls: list[Progress] = []

    def stop_at_third(p: Progress) -> None:
        calls.append(p)
        if len(calls) == 3:
            raise KeyboardInterrupt

    res = SubstitutionSolver(progress=stop_at_third).solve_lp(lp, SolveOptions(tol=1e-4))
    assert res.status is Status.INTERRUPTED, res.message
    assert res.x is not None and res.row_dual is not None
    cert = certify(lp, res.x, res.row_dual)
    assert cert.gap == pytest.approx(calls[-1].gap, rel=1e-9)  # the point the third report showed
    assert cert.dual_objective <= pe.objective * (1 + 1e-9)  # its prices still bound the optimum
    assert res.extra["certificate"]["gap"] == pytest.approx(cert.gap)


def test_time_limit_returns_the_point_so_far() -> None:
    pe = planted_economy(2000, seed=0)
    lp = build_problem(pe.economy, "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4, time_limit=1e-9))
    assert res.status is Status.TIME_LIMIT, res.message
    assert res.x is not None and res.extra["probes"] == 0  # stopped after the first subproblem
    assert certify(lp, res.x, res.row_dual).dual_objective <= pe.objective * (1 + 1e-9)


@pytest.mark.parametrize(("share", "change"), [(0.02, 0.01), (0.1, 0.05)])
def test_warm_start_after_a_vote_needs_fewer_leontief_solves(share: float, change: float) -> None:
    # a council vote changes some targets: the previous answer's prices, wages and techniques
    # are the start, and the wage search begins at the previous wage
    pe = planted_economy(3000, seed=4)
    lp = build_problem(pe.economy, "min-labour")
    before = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4))
    rng = np.random.default_rng(0)
    goods = lp.row_block("goods")
    assert goods is not None
    lower = lp.row_lower.copy()
    rows = np.arange(goods.slice.start, goods.slice.stop)
    lower[rows[rng.random(rows.size) < share]] *= 1 + change
    voted = dataclasses.replace(lp, row_lower=lower)
    cold = SubstitutionSolver().solve_lp(voted, SolveOptions(tol=1e-4))
    warm = SubstitutionSolver().solve_lp(voted, SolveOptions(tol=1e-4, warm_start=(before.x, before.row_dual)))
    for res in (cold, warm):
        assert res.status is Status.OPTIMAL and res.extra["method"] == "non-substitution", res.message
        assert certify(voted, res.x, res.row_dual).within(1e-4)
    assert warm.extra["leontief_solves"] < cold.extra["leontief_solves"]
    assert warm.extra["bellman_sweeps"] == 0  # no cold start from λ = 0
    assert certify(voted, warm.x, warm.row_dual).primal_objective == pytest.approx(
        certify(voted, cold.x, cold.row_dual).primal_objective, rel=1e-4)


def test_warm_start_of_another_shape_is_ignored() -> None:
    pe = planted_economy(500, seed=1)
    lp = build_problem(pe.economy, "min-labour")
    cold = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6))
    odd = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6, warm_start=(np.ones(3), np.ones(2))))
    assert odd.status is Status.OPTIMAL
    assert odd.extra["leontief_solves"] == cold.extra["leontief_solves"]


@pytest.mark.parametrize(("size", "seed"), [(10000, 4), (20000, 1), (20000, 2)])
def test_no_technique_runs_over_its_capacity_after_a_cycle(size: int, seed: int) -> None:
    # on these planted LPs a cheap capped technique cycled in and out of the saturated set (saturated,
    # it looked dearer than the next technique, which made it look cheaper again) and was left running
    # over its capacity (1-3 processes each); it is now pinned at its capacity
    pe = planted_economy(size, seed=seed)
    lp = build_problem(pe.economy, "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4))
    assert res.status is Status.OPTIMAL and res.extra["method"] == "non-substitution", res.message
    assert res.extra["capacity_overruns"] == 0
    assert np.all(res.x <= lp.col_upper * (1 + 1e-9))
    cert = certify(lp, res.x, res.row_dual)
    assert cert.within(1e-4)
    assert cert.primal_objective == pytest.approx(pe.objective, rel=1e-4)


@pytest.mark.parametrize("seed", [0, 2])
def test_two_binding_limits_priced_jointly_with_fewer_probes(seed: int) -> None:
    # a binding wage and a binding resource rent: Kelley's cutting planes over both prices at once,
    # with the Dantzig–Wolfe combination of the probes, against one limit at a time
    pe = planted_economy(6000, seed=seed, resources=2)
    lp = build_problem(pe.economy, "min-labour")
    joint = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4))
    alone = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-4, extra={"joint": False}))
    for res in (joint, alone):
        assert res.status is Status.OPTIMAL and res.extra["method"] == "non-substitution", res.message
    assert_gap_stop_certified(lp, joint, pe.objective)
    assert np.all(lp.K @ joint.x <= lp.row_upper * (1 + 1e-9) + 1e-9)  # every limit met
    assert joint.extra["probes"] < alone.extra["probes"]
