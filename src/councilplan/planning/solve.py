"""Plan an economy: build the LP, solve it with a backend, label the result.

>>> from councilplan import example, plan
>>> p = plan(example("kantorovich"), objective="ray")
>>> p.status, round(p.scale, 6)
(<Status.OPTIMAL: 'optimal'>, 86.666667)
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.planning.bracket import Bracket
from councilplan.planning.explain import explain_infeasible, explain_unbounded
from councilplan.planning.objectives import Objective, harmony
from councilplan.planning.plan import Plan, assemble_prices
from councilplan.planning.problem import build_problem
from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.base import Certificate, LinearProgram, LPResult, Solver


def hashed_options(options: SolveOptions) -> dict[str, Any]:
    """The options a plan's input hash covers: the tolerance and the extra options (as strings)."""
    return {"tol": options.tol, "extra": {k: str(v) for k, v in sorted(options.extra.items())}}


def input_hash(economy: Economy, objective: str, solver: str, options: SolveOptions) -> str:
    """SHA-256 of the exact inputs of a plan: ``sha256(economy.content_hash() ‖ JSON of objective,
    solver, tol and extra options)`` (the contract of docs/bundle.md)."""
    h = hashlib.sha256(economy.content_hash().encode())
    h.update(json.dumps({"objective": objective, "solver": solver, **hashed_options(options)}).encode())
    return h.hexdigest()


#: tightenings of a first-order backend's tolerance (÷ 10 each, warm) to bring a ray's bracket within tol
BRACKET_ROUNDS = 3
#: the polish stops once the bracket is within this share of tol
POLISH_SHARE = 0.5


def bracket_plan(economy: Economy, objective: Objective, lp: LinearProgram, backend: Solver, opts: SolveOptions,
                 res: LPResult, cert: Certificate | None, seconds: float
                 ) -> tuple[LPResult, Certificate | None, float, Bracket | None]:
    """A ray or harmony plan from an inexact backend, made to mean what its tolerance says
    (:mod:`councilplan.planning.bracket`, :mod:`councilplan.planning.harmony_bracket`): the reported
    plan is the repaired, feasible one, its objective ``L`` a lower bound of the optimum with a dual
    bound ``U``. While the bracket's gap exceeds ``tol``, the backend is run again from its point with
    a tolerance ten times tighter (at most :data:`BRACKET_ROUNDS` times); the result says how close it
    got (``LPResult.message``)."""
    from councilplan.planning.bracket import ray_bracket
    from councilplan.planning.harmony_bracket import harmony_bracket
    from councilplan.solvers.base import certify

    if res.x is None or res.row_dual is None:
        return res, cert, seconds, None
    target = POLISH_SHARE * opts.tol

    def measure(r: LPResult) -> Bracket | None:
        assert r.x is not None and r.row_dual is not None
        if objective == "ray":
            return ray_bracket(economy, lp, r.x, r.row_dual, target)
        return harmony_bracket(economy, lp, r.x, r.row_dual)

    bracket = measure(res)
    inner, rounds = opts.tol, 0
    while (bracket is None or bracket.gap > opts.tol) and rounds < BRACKET_ROUNDS and "warm_start" in backend.capabilities:
        inner /= 10
        again, cert2, t2 = backend.solve(lp, replace(opts, tol=inner, warm_start=(res.x, res.row_dual)))
        seconds += t2
        rounds += 1
        if again.status is not Status.OPTIMAL or again.x is None or again.row_dual is None:
            break
        res, cert = again, cert2
        bracket = measure(again)
    if bracket is None or res.x is None or res.row_dual is None:
        return res, cert, seconds, None
    n = economy.n_processes
    x = res.x.copy()
    x[:n] = bracket.x
    y = res.row_dual if bracket.row_dual is None else bracket.row_dual  # the bound's prices
    if objective == "ray":
        x[n] = bracket.lower * float(lp.meta.get("ray_unit", 1.0))
        what = "scale"
    else:  # each targeted good's net output and harmony at the repaired plan
        T = np.flatnonzero(economy.targets["amount"].to_numpy(dtype=float) > 0)
        t = economy.targets["amount"].to_numpy(dtype=float)[T]
        out, z = lp.col_block("output"), lp.col_block("harmony")
        assert out is not None and z is not None
        x[out.slice] = (economy.net @ bracket.x)[T]
        x[z.slice] = harmony(x[out.slice] / t - 1.0)
        what = "harmony"
    within = "within" if bracket.gap <= opts.tol else "NOT within"
    note = (f"{what} {bracket.lower:.10g} of a feasible plan, at most {bracket.upper:.10g} (dual bound): "
            f"{bracket.gap:.1e} apart, {within} tol {opts.tol:g}"
            + (f" after {rounds} tightening(s)" if rounds else ""))
    res = replace(res, x=x, row_dual=y, message=f"{res.message}; {note}" if res.message else note)
    return res, certify(lp, x, y), seconds, bracket


def plan(
    economy: Economy,
    objective: Objective = "ray",
    solver: str | Solver = "highs",
    options: SolveOptions | None = None,
    *,
    with_values: bool = True,
    warm: Plan | None = None,
) -> Plan:
    """Compute an optimal plan for ``economy`` under ``objective``.

    Infeasible or unbounded goals give a :class:`Plan` with that status and an
    explanation, never an exception. ``with_values`` attaches labour values
    (:func:`councilplan.planning.values.labour_values`), computed on first use of
    ``Plan.labour_values`` (:func:`councilplan.planning.values.cached_labour_values`; ``None``
    where the technology has none), so that every target's cost in hours can be reported. ``warm`` re-solves from a previous plan of the same
    economy after its goals changed (a council vote): its primal-dual point, and
    for HiGHS its simplex basis.
    """
    opts = options or SolveOptions()
    if warm is not None and warm.raw:
        opts = replace(opts, warm_start=(warm.raw["x"], warm.raw["row_dual"]), warm_basis=warm.raw.get("basis"))
    backend = get_solver(solver) if isinstance(solver, str) else solver
    t0 = time.perf_counter()
    lp = build_problem(economy, objective)
    t_build = time.perf_counter() - t0
    res, cert, t_solve = backend.solve(lp, opts)
    bracket = None
    ran = res.extra.get("backend", backend.name)  # auto: the backend it picked
    if objective in ("ray", "harmony") and res.status is Status.OPTIMAL and "exact" not in get_solver(ran).capabilities:
        res, cert, t_solve, bracket = bracket_plan(economy, objective, lp, backend, opts, res, cert, t_solve)
    timings = {"build": t_build, "solve": t_solve}
    n = economy.n_processes
    x = res.x[:n] if res.x is not None else np.zeros(n)
    activity = pd.Series(x, index=economy.processes.index, name="level")
    net_output = economy.net_output(x)
    prices = (assemble_prices(lp, res.x, res.row_dual) if res.x is not None and res.row_dual is not None
              else pd.DataFrame({"kind": pd.Series(dtype=str), "id": pd.Series(dtype=str), "shadow_price": pd.Series(dtype=float)}))
    explanation = None
    t1 = time.perf_counter()
    if res.status is Status.INFEASIBLE:
        explanation = explain_infeasible(lp, backend, opts)
    elif res.status is Status.UNBOUNDED:
        explanation = explain_unbounded(lp)
    if explanation is not None:
        timings["explain"] = time.perf_counter() - t1
    scale = None
    if objective == "ray" and res.x is not None:
        scale = bracket.lower if bracket is not None else float(res.x[n]) / lp.meta.get("ray_unit", 1.0)
    objective_value = cert.primal_objective if cert is not None and res.status is Status.OPTIMAL else None
    p = Plan(
        status=res.status, objective_name=objective, solver=backend.name, objective=objective_value,
        activity=activity, net_output=net_output, targets=economy.targets.copy(), prices=prices,
        certificate=cert, timings=timings, iterations=res.iterations, scale=scale, explanation=explanation,
        input_hash=input_hash(economy, objective, backend.name, opts), options=hashed_options(opts),
        message=explanation.text if explanation else res.message,
        bounds=(bracket.lower, bracket.upper) if bracket is not None else None,
        raw=({"x": res.x, "row_dual": res.row_dual, "basis": res.extra.get("basis")}
             if res.x is not None and res.row_dual is not None else {}),
    )
    timings["total"] = time.perf_counter() - t0
    if with_values and res.status is Status.OPTIMAL:
        from councilplan.planning.values import cached_labour_values

        p.values_source = lambda: cached_labour_values(economy)
    return p
