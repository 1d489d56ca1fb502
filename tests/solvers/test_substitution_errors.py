"""Only "this is not a substitution system" sends the substitution backend to pdlp; a bug surfaces."""

from __future__ import annotations

import pytest

import councilplan.solvers.substitution as substitution
from councilplan.planning.planted import planted_economy
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status
from councilplan.solvers.substitution import SubstitutionSolver


@pytest.mark.parametrize("bug", [ValueError("an index mismatch"), ZeroDivisionError("division by zero"),
                                 FloatingPointError("overflow")])
def test_a_bug_in_the_fast_path_is_not_a_silent_fallback(bug: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    lp = build_problem(planted_economy(200, seed=3).economy, "min-labour")

    def broken(_: object) -> None:
        raise bug

    monkeypatch.setattr(substitution, "substitution_system", broken)
    with pytest.raises(type(bug), match=str(bug)):
        SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6))


def test_the_untouched_fast_path_still_certifies() -> None:
    lp = build_problem(planted_economy(200, seed=3).economy, "min-labour")
    res = SubstitutionSolver().solve_lp(lp, SolveOptions(tol=1e-6))
    assert res.status is Status.OPTIMAL
    assert res.extra.get("method") == "non-substitution"
