"""The one round engine: what an iteration plans, when a round has converged, and what the cap publishes.

A planning round is the same whether it is simulated (:func:`councilplan.democracy.rounds.run_round`)
or served over HTTP (:mod:`councilplan.store.planning`): both call these functions, so that the same
proposals give the same goals, plans, iterations and finish. The store only turns rows into domain
objects and back.

**Aggregation.** The round's rule turns the proposals (and ballots) into :class:`Goals`, priced at the
previous iteration's plan when that plan is optimal (:func:`aggregate_goals`).

**Planning** (:func:`plan_goals`). When nothing is asked for (every target amount is 0) a ray or
harmony round plans least labour, so that the floors are met at the least cost. With ``solver=None``
(the round policy of :mod:`councilplan.solvers.policy`): small LPs go to HiGHS' simplex, warm from the
previous plan's basis; large ones (``POLICY.is_large``) to HiGHS' interior point cold, or ``pdlp`` warm
from the previous primal–dual point (certified to ``POLICY.warm_tol``), falling back to the basis when
that does not finish. A named backend is warm-started when it declares ``warm_start``. A previous plan
is usable for a warm start when it is optimal, of the same objective and of an LP of the same shape.

**Convergence** (:func:`goal_change`, :func:`is_converged`). Iteration ``k ≥ 1`` has converged when its
plan is optimal and

``max( δ(a^k, a^{k-1}), δ(d^k, d^{k-1}) ) ≤ tolerance``, with ``δ(u, v) = max_g |u_g - v_g| / max(1, max_g |v_g|)``

over the union of the goods of both, where ``a`` are the goals' target amounts and ``d`` the councils'
total demand by good (population × quantity per head). ``δ`` is infinite without a previous iteration.

**Cap and fallback** (:func:`finish_state`, :func:`fallback_index`, :func:`fallback_plan`). An iteration
that does not converge and is the last one ``max_iterations`` allows finishes the round as ``cap``; the
round's plan is then the latest optimal iteration's, or, when no iteration was optimal, the ray plan along
the last goals' amounts with their floors dropped (the ray objective scales the goals down to what the
economy can make, so it exists whenever the technology is productive).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from councilplan.democracy.costs import demand_matrix
from councilplan.democracy.domain import Council, Goals, Proposal, RoundState, Vote
from councilplan.democracy.rules.base import AggregationRule
from councilplan.model.economy import Economy
from councilplan.planning.plan import Plan
from councilplan.planning.problem import build_problem
from councilplan.planning.solve import plan as make_plan
from councilplan.solvers import Status, get_solver, policy

#: what attaches labour values to an optimal plan (the store's cache); ``None``: computed on first use
LabourValues = Callable[[Economy], "pd.DataFrame | None"]


# --------------------------------------------------------------- aggregation
def aggregate_goals(rule: AggregationRule, proposals: Sequence[Proposal], councils: Mapping[str, Council],
                    economy: Economy, previous: Plan | None, *, votes: Sequence[Vote] = ()) -> Goals:
    """The rule's goals, priced at the previous plan only when it is optimal."""
    prev = previous if previous is not None and previous.optimal else None
    return rule.aggregate(proposals, councils, economy, prev, votes=votes)


def total_demand(proposals: Sequence[Proposal], councils: Mapping[str, Council], goods: pd.Index) -> pd.Series:
    """The councils' total demand by good: ``d_g = Σ_p pop_{c(p)} q_{p,g}`` over consumer proposals."""
    return demand_matrix(proposals, councils, goods).sum(axis=0)


# ------------------------------------------------------------------ planning
def planned_objective(economy: Economy, objective: str) -> str:
    """``min-labour`` for a ray or harmony round in which nothing is asked for, else ``objective``."""
    if objective in ("ray", "harmony") and not (economy.targets["amount"] > 0).any():
        return "min-labour"
    return objective


def warm_usable(previous: Plan | None, objective: str, shape: tuple[int, int]) -> bool:
    """Whether ``previous`` can start the solve of an LP of ``shape`` with ``objective``."""
    return (previous is not None and previous.optimal and previous.objective_name == objective
            and "x" in previous.raw and "row_dual" in previous.raw
            and shape == (len(previous.raw["row_dual"]), len(previous.raw["x"])))


def plan_goals(economy: Economy, objective: str, *, previous: Plan | None = None, solver: str | None = None,
               labour_values: LabourValues | None = None) -> tuple[Plan, str]:
    """The plan of ``economy`` (goals applied) and how it was solved (``"cold: …"`` or ``"warm: …"``).

    ``solver=None`` is the round policy (module docstring); a name uses that backend. ``labour_values``
    attaches known labour values to an optimal plan; without it they are computed on first use.
    """
    t0 = time.perf_counter()
    objective = planned_objective(economy, objective)
    lp = build_problem(economy, objective)  # type: ignore[arg-type]
    usable = warm_usable(previous, objective, lp.shape)
    lazy = labour_values is None
    pl: Plan | None = None
    if solver is not None:
        warm = previous if usable and "warm_start" in get_solver(solver).capabilities else None
        pl = make_plan(economy, objective, solver, warm=warm, with_values=lazy)  # type: ignore[arg-type]
        how = f"warm: {solver} from the previous plan" if warm is not None else f"cold: {solver}"
    else:
        rules = policy.POLICY
        large = rules.is_large(lp)
        how = ""
        if usable and large:
            assert previous is not None
            pl = make_plan(economy, objective, "pdlp", with_values=lazy,  # type: ignore[arg-type]
                           options=rules.warm_options(previous.raw["x"], previous.raw["row_dual"]))
            how = "warm: pdlp from the previous plan's primal-dual point"
            if pl.status is not Status.OPTIMAL:
                pl = None
        if pl is None and usable:
            pl = make_plan(economy, objective, with_values=lazy, warm=previous)  # type: ignore[arg-type]
            how = "warm: HiGHS from the previous plan's basis"
        if pl is None:
            pl = make_plan(economy, objective, options=rules.cold_options(lp),  # type: ignore[arg-type]
                           with_values=lazy)
            how = "cold: HiGHS " + ("interior point" if large else "simplex")
        if pl.status is Status.OPTIMAL:
            pl.message = f"{pl.message} ({how})" if pl.message else how
    if labour_values is not None and pl.status is Status.OPTIMAL:
        pl.labour_values = labour_values(economy)
    pl.timings["total"] = time.perf_counter() - t0
    return pl, how


# --------------------------------------------------------------- convergence
def relative_change(new: pd.Series, old: pd.Series | None) -> float:
    """``δ(new, old) = max_g |new_g - old_g| / max(1, max_g |old_g|)`` over the union of both indices
    (a good missing from one side counts as 0); ``inf`` without ``old``."""
    if old is None:
        return float("inf")
    idx = new.index.union(old.index, sort=False) if not new.index.equals(old.index) else new.index
    a = new.reindex(idx).fillna(0.0).to_numpy(dtype=float)
    b = old.reindex(idx).fillna(0.0).to_numpy(dtype=float)
    return float(np.max(np.abs(a - b), initial=0.0) / max(1.0, float(np.max(np.abs(b), initial=0.0))))


def goal_change(targets: pd.Series, previous_targets: pd.Series | None, demand: pd.Series | None = None,
                previous_demand: pd.Series | None = None) -> float:
    """``max(δ(a^k, a^{k-1}), δ(d^k, d^{k-1}))`` (module docstring); the demand term only where both
    iterations know their demand (plans stored before it was recorded do not)."""
    change = relative_change(targets, previous_targets)
    if demand is not None and previous_demand is not None and previous_targets is not None:
        change = max(change, relative_change(demand, previous_demand))
    return change


def is_converged(optimal: bool, change: float, tolerance: float) -> bool:
    """An optimal plan whose goals moved by at most ``tolerance`` (never the first iteration: δ = inf)."""
    return bool(optimal and np.isfinite(change) and change <= tolerance)


def finish_state(state: RoundState, converged: bool) -> RoundState:
    """A published iteration's state: finished as ``converged``, as ``cap`` when it is the last
    iteration ``max_iterations`` allows, else unchanged (the round may reopen)."""
    if converged:
        return state.finish("converged")
    if state.iteration + 1 >= state.max_iterations:
        return state.finish("cap")
    return state


# ------------------------------------------------------------------ fallback
def fallback_index(optimal: Sequence[bool]) -> int | None:
    """The iteration the cap publishes: the latest optimal one, ``None`` when none was."""
    return next((k for k in range(len(optimal) - 1, -1, -1) if optimal[k]), None)


def fallback_plan(goals: Goals, economy: Economy, *, solver: str | None = None,
                  labour_values: LabourValues | None = None) -> tuple[Goals, Economy, Plan]:
    """The ray plan along ``goals``' amounts with floors dropped (all amounts 1 when none is
    positive), on ``economy`` with the goals applied: the cap's plan when no iteration was optimal."""
    t = goals.targets.copy()
    t["floor"] = 0.0
    if not (t["amount"] > 0).any():
        t["amount"] = 1.0
    econ = economy.with_targets(t)
    p, _ = plan_goals(econ, "ray", solver=solver, labour_values=labour_values)
    return replace(goals, targets=t, notes=(*goals.notes, "fallback: ray plan along the last goals")), econ, p
