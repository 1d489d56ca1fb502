"""The first-order backends agree with HiGHS on random economies (objectives to 1e-4).

``ray`` and ``harmony`` plans are always feasible (``x = 0`` meets zero floors);
``min-labour`` is checked on planted economies, which are feasible by construction
(infeasible goals may end in an iteration limit rather than a certificate).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from councilplan.model.synthetic import random_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, certify, get_solver

from .strategies import activity_economies


def _objectives(lp) -> tuple[Status, Status, float, float]:  # type: ignore[no-untyped-def]
    ref = get_solver("highs").solve_lp(lp, SolveOptions(tol=1e-9))
    fo = get_solver("pdlp").solve_lp(lp, SolveOptions(tol=1e-7, extra={"max_iter": 100_000}))
    if ref.status is not Status.OPTIMAL:
        return ref.status, fo.status, 0.0, 0.0
    return (ref.status, fo.status, certify(lp, ref.x, ref.row_dual).primal_objective,
            certify(lp, fo.x, fo.row_dual).primal_objective)


# derandomized: CI must not go red by the luck of the draw; the stall a random draw found is pinned below
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 40), seed=st.integers(0, 10_000), alt=st.sampled_from([0.0, 0.3, 0.6]),
       objective=st.sampled_from(["ray", "harmony"]))
def test_random_economies(n: int, seed: int, alt: float, objective: str) -> None:
    e = random_economy(n, seed=seed, alt_share=alt, inputs_per_good=3, resources=1, capacity_share=0.3)
    lp = build_problem(e, objective)  # type: ignore[arg-type]
    ref_status, status, ref, got = _objectives(lp)
    assert status is ref_status
    if ref_status is Status.OPTIMAL:
        assert got == pytest.approx(ref, rel=1e-4, abs=1e-4)


@pytest.mark.xfail(strict=True, reason="known pdlp stall (issue 13, feasibility polishing): on this 6-good "
                   "ray LP, found by a random draw on 2026-12-07, PDHG stops at residuals ~4e-6 after "
                   "100,000 iterations while HiGHS certifies the optimum 0.99964")
def test_pdlp_certifies_a_small_degenerate_ray_plan() -> None:
    e = random_economy(6, seed=1841, alt_share=0.0, inputs_per_good=3, resources=1, capacity_share=0.3)
    ref_status, status, ref, got = _objectives(build_problem(e, "ray"))
    assert ref_status is Status.OPTIMAL and status is Status.OPTIMAL
    assert got == pytest.approx(ref, rel=1e-4, abs=1e-4)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(e=activity_economies(), objective=st.sampled_from(["ray", "harmony"]))
def test_joint_production(e, objective: str) -> None:  # type: ignore[no-untyped-def]
    lp = build_problem(e, objective)
    ref_status, status, ref, got = _objectives(lp)
    assert status is ref_status
    if ref_status is Status.OPTIMAL:
        assert got == pytest.approx(ref, rel=1e-4, abs=1e-4)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 60), seed=st.integers(0, 10_000), alt=st.sampled_from([0.0, 0.3, 0.6]))
def test_planted_min_labour(n: int, seed: int, alt: float) -> None:
    from councilplan.planning.planted import planted_economy

    pe = planted_economy(n, seed=seed, alt_share=alt, inputs_per_good=3, resources=1)
    lp = build_problem(pe.economy, "min-labour")
    ref_status, status, ref, got = _objectives(lp)
    assert ref_status is Status.OPTIMAL and status is Status.OPTIMAL
    assert ref == pytest.approx(pe.objective, rel=1e-9)
    assert got == pytest.approx(ref, rel=1e-4, abs=1e-4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(5, 200), seed=st.integers(0, 10_000), alt=st.sampled_from([0.3, 0.6]),
       capacity=st.sampled_from([0.0, 0.2, 0.5]), headroom=st.sampled_from([1.1, 1.5, 3.0]))
def test_substitution_agrees_on_min_labour_plans(n: int, seed: int, alt: float, capacity: float,
                                                  headroom: float) -> None:
    # least-labour plans of random economies with capacities and labour limits: the non-substitution
    # backend (its own certificate, or pdlp from its point) and HiGHS agree on status and objective
    e = random_economy(n, seed=seed, alt_share=alt, inputs_per_good=3, capacity_share=capacity,
                       feasible_targets=True, headroom=headroom)
    lp = build_problem(e, "min-labour")
    ref = get_solver("highs").solve_lp(lp, SolveOptions(tol=1e-9))
    got = get_solver("substitution").solve_lp(lp, SolveOptions(tol=1e-6, time_limit=60))
    if ref.status is not Status.OPTIMAL:
        assert got.status is not Status.OPTIMAL
        return
    assert got.status is Status.OPTIMAL, got.message
    cert = certify(lp, got.x, got.row_dual)
    assert cert.within(1e-6)
    assert cert.primal_objective == pytest.approx(certify(lp, ref.x, ref.row_dual).primal_objective,
                                                  rel=1e-4, abs=1e-4)
