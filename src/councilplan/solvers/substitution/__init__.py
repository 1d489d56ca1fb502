"""Leontief substitution LPs: non-substitution policy iteration, certified, else pdlp from it.

The backend ``substitution`` recognises, from the signs of the data alone, the
LPs of least-labour plans (``build_problem(economy, "min-labour")``)

.. math::

    \\min_x\\; c^\\top x \\quad\\text{s.t.}\\quad N x ≥ t,\\quad G x ≤ g,\\quad 0 ≤ x ≤ u,

where every column ``j`` of ``N`` has at most one positive entry (process ``j``
makes good ``m(j)`` at the rate ``b_j = N_{m(j) j}`` and uses the inputs
``a_ij = -N_ij ≥ 0``), ``G ≥ 0`` are the side limits (labour kinds, resources),
``c ≥ 0`` and ``t ≥ 0``. Anything else goes to ``pdlp`` unchanged.

**Lagrangian prices.** Side limits get shadow prices ``μ ≥ 0``; a process then
costs ``e = c + Gᵀμ``, and what is left is the capacitated substitution system
``min eᵀx  s.t.  N x ≥ t, 0 ≤ x ≤ u``.

**Non-substitution (policy iteration).** Without capacities the cheapest
technique of every good does not depend on final demand (Samuelson's
non-substitution theorem): the good prices are the fixed point of the Bellman
equation

.. math::

    λ_g = \\min_{j:\\, m(j) = g,\\; j ∉ F}\\; \\frac{e_j + \\sum_i a_{ij} λ_i}{b_j},

solved by Howard's policy iteration: for a policy ``S`` (one technique per
good) *policy evaluation* is the Leontief system ``(B_S - A_S)ᵀ λ = e_S`` and
*policy improvement* switches each good to the technique of least
``z_j / b_j`` with reduced costs ``z = e - Nᵀλ`` (one mat-vec). Quantities are
the Leontief system ``(B_S - A_S) x_S = t - N_F u_F``. Capacities: a technique
of the policy run above its capacity joins the saturated set ``F`` (fixed at
``u``; the next cheapest becomes the marginal one), a saturated technique whose
reduced cost turns positive leaves it, and a good over-supplied by saturated
techniques takes its dearest saturated technique as the marginal one. At the
fixed point ``z_S = 0``, ``z ≥ 0`` off ``S ∪ F``, ``z ≤ 0`` on ``F`` and ``x``
is feasible: an optimal primal–dual pair of the subproblem (both Leontief
solves by :mod:`councilplan.solvers.leontief`).

**Wages.** ``μ_k`` is found by bracketing, one side limit at a time: on a fixed
basis ``λ`` and ``z`` are affine in ``μ_k`` (``∂λ/∂μ_k`` from one more Leontief
solve), so every probe yields the whole interval of ``μ_k`` on which its basis
stays optimal and its use ``G_k x`` is constant; probes cut the gap between
the interval of the last basis that overuses the limit and the first that does
not (regula falsi on the use, Kelley's cutting plane on the Lagrangian where that
stalls). A probe starts from the nearer end's basis with its prices moved along
``∂λ/∂μ_k`` (exact for that basis: no price solve) and is solved loosely
(``probe_tol``); the bases that close the bracket are solved again tightly. When the two
intervals touch at ``μ*`` both bases are optimal there and the convex combination that uses
exactly ``g_k`` is optimal for the LP. The search stops sooner, on Kelley's gap: that combination
costs ``P = θ cᵀx_a + (1-θ) cᵀx_b``, the value at which the two ends' tangent lines of the concave
Lagrangian ``φ(μ_k)`` cross, and the better end's ``φ`` is a lower bound ``D``; once
``(P - D) / (1 + |P| + |D|) ≤ gap_stop · tol`` (the certificate's gap) the combination, with the
better end's prices, is returned (10^5 planted goods: 5 probes instead of 10).

**Several binding limits.** Once a second limit binds after the first search, all prices are found
at once (:meth:`WageSearch.joint`): Kelley's cutting planes on ``φ(μ)`` with a trust box, the next ``μ``
from a small master LP (HiGHS through scipy), and Dantzig–Wolfe's primal recovery: the master's duals
weigh the probes' solutions into the cheapest combination that meets every limit (planted 10^5 goods
with a binding wage and rent: 15–16 probes and 5–6 s, against 35–86 probes and 7–19 s one limit at a
time, ``joint=False``).

**Warm start** (:attr:`SolveOptions.warm_start`, a previous answer ``(x, y)`` of an LP of the same
shape, e.g. before a council vote changed some targets): the search starts at the previous wages
``μ = -y_side`` from the previous basis (``F``: the techniques at their capacity, ``S``: each good's
busiest other technique), not from ``μ = 0`` and Bellman sweeps (10^6 planted goods, 1 % more of 2 % of
the targets: 28 Leontief solves and 13.5 s against 71 and 31.9 s cold).

The pair ``x``, ``y = (λ, -μ)`` is then judged by :func:`~councilplan.solvers.base.certify`;
within ``tol`` it is returned as optimal, otherwise ``pdlp`` starts from it
(:attr:`SolveOptions.warm_start`) and certifies its own answer. Options in ``SolveOptions.extra``:

* ``max_rounds`` (policy rounds per subproblem, 60), ``max_probes`` (per side limit, 60);
* ``leontief_tol`` (1e-10); ``probe_tol`` (``min(1e-7, 1e-3 tol)``: the Leontief tolerance of wage
  probes; a basis that closes an exact bracket is solved again at ``leontief_tol``);
* ``gap_stop`` (0.25: stop the bracket at this share of ``tol``; 0: bracket exactly);
* ``kelley`` (True: cutting planes where regula falsi stalls); ``joint`` (True: several binding limits
  priced at once); ``value_sweeps`` (Bellman sweeps before policy iteration, 50);
* ``max_flips`` (1: a technique that left the saturated set that often is pinned there when it runs
  over its capacity again, instead of cycling; should its reduced cost end positive, the certificate
  counts ``z_j u_j`` as gap. A good whose every technique is saturated keeps its last one over
  capacity: the certificate counts the excess as a primal residual, and ``LPResult.extra`` reports
  ``capacity_overruns`` and ``worst_overrun``);
* ``warm_fallback`` (True: ``pdlp`` starts from the uncertified pair; False: from ``options.warm_start``
  as if called directly, which ``auto`` uses so that it never costs more than the crash over plain
  ``pdlp``).

Progress: each wage probe reports the certificate of the point so far (:class:`Progress`, ``stage
"substitution"``); Ctrl-C or ``time_limit`` returns that point as ``interrupted`` / ``time_limit``.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from councilplan.solvers import leontief
from councilplan.solvers.base import LinearProgram, LPResult, SolveOptions, Solver, Status, certify
from councilplan.solvers.firstorder import DEFAULT_TOL, PDLPSolver, Progress
from councilplan.solvers.substitution.policy_iteration import PolicyIteration
from councilplan.solvers.substitution.system import (
    Basis,
    NotApplicableError,
    SubstitutionSystem,
    _OutOfTimeError,
    group_argmin,
    input_rows,
    policy_improvement,
    substitution_system,
)
from councilplan.solvers.substitution.wages import WageSearch, combine

__all__ = [
    "Basis",
    "NotApplicableError",
    "PolicyIteration",
    "SubstitutionSolver",
    "SubstitutionSystem",
    "WageSearch",
    "combine",
    "group_argmin",
    "input_rows",
    "policy_improvement",
    "substitution_system",
]


# ------------------------------------------------------------------ solver
class SubstitutionSolver(Solver):
    """Non-substitution policy iteration with Lagrangian wages, certified; ``pdlp`` from it otherwise."""

    name = "substitution"
    capabilities = frozenset({"lp", "duals", "warm_start", "large_scale"})
    status_map: ClassVar[dict[Any, Status]] = {}
    default_tol: ClassVar[float] = DEFAULT_TOL

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        t0 = time.perf_counter()
        note = ""
        warm = options.warm_start
        extra: dict[str, Any] = {}
        try:
            st = substitution_system(lp)
            method = WageSearch(st, options)

            def row_dual(lam: np.ndarray, mu: np.ndarray) -> np.ndarray:
                y = np.zeros(lp.shape[0])
                y[st.goods_rows] = lam
                y[st.side_rows] = -mu
                return y

            def on_point(x: np.ndarray, lam: np.ndarray, mu: np.ndarray) -> None:
                elapsed = time.perf_counter() - t0
                if self.progress is not None:
                    c = certify(lp, x, row_dual(lam, mu))
                    self.progress(Progress(method.rounds, elapsed, c.primal_residual, c.dual_residual, c.gap,
                                           c.primal_objective, method.probes, math.nan, math.nan,
                                           stage="substitution"))
                if options.time_limit is not None and elapsed > options.time_limit:
                    raise _OutOfTimeError

            method.on_point = on_point
            stopped: Status | None = None
            start = None
            if warm is not None and warm[0].shape == (lp.shape[1],) and warm[1].shape == (lp.shape[0],):
                start = (np.asarray(warm[0], float), np.asarray(warm[1][st.goods_rows], float),
                         -np.asarray(warm[1][st.side_rows], float))
            try:
                x, lam, mu = method.wages(start)
            except (KeyboardInterrupt, _OutOfTimeError) as exc:
                if method.best is None:
                    raise
                stopped = Status.INTERRUPTED if isinstance(exc, KeyboardInterrupt) else Status.TIME_LIMIT
                x, lam, mu = method.best
            finally:
                extra = {"leontief_solves": method.solves, "policy_rounds": method.rounds, "probes": method.probes,
                         "bellman_sweeps": method.sweeps}
            y = row_dual(lam, mu)
            cert = certify(lp, x, y)
            seconds = time.perf_counter() - t0
            if stopped is not None:  # Ctrl-C or the time limit: the point so far, with its certificate
                extra.update(method="non-substitution", seconds=seconds, certificate=cert.as_dict())
                return LPResult(stopped, x=x, row_dual=y, iterations=method.rounds, native_status=stopped.value,
                                extra=extra, message=f"non-substitution stopped ({stopped.value}) after "
                                                     f"{method.rounds} policy rounds, {method.probes} wage probes "
                                                     f"({seconds:.2f}s)")
            over = x > st.u * (1 + 1e-9)
            extra.update(method="non-substitution", seconds=seconds, certificate=cert.as_dict(),
                         # goods whose every technique is full (a capacity rent no policy prices): how
                         # many processes run above their capacity, and the largest such level as a
                         # multiple of it
                         capacity_overruns=int(over.sum()),
                         worst_overrun=float((x[over] / st.u[over]).max()) if over.any() else 0.0)
            if cert.within(options.tol):
                return LPResult(Status.OPTIMAL, x=x, row_dual=y, iterations=method.rounds,
                                native_status="optimal", extra=extra,
                                message=f"non-substitution: {method.sweeps} Bellman sweeps, {method.rounds} policy "
                                        f"rounds, {method.solves} Leontief solves, {method.probes} wage probes "
                                        f"({seconds:.2f}s)")
            if bool(options.extra.get("warm_fallback", True)):
                warm = (x, y)
            worst = max(cert.primal_residual, cert.dual_residual, cert.gap)
            note = f"non-substitution crash not certified ({worst:.1e}{'; ' + method.note if method.note else ''}); "
        except (NotApplicableError, leontief.NotProductiveError) as exc:  # a bug is not 'not applicable'
            note = f"not a substitution system ({exc}); "
        backend = PDLPSolver(self.progress)
        left = None if options.time_limit is None else max(options.time_limit - (time.perf_counter() - t0), 0.0)
        res = backend.solve_lp(lp, replace(options, warm_start=warm, time_limit=left))
        res.extra.update(extra, backend="pdlp", crash_seconds=time.perf_counter() - t0 - res.extra.get("seconds", 0.0))
        res.message = note + res.message
        return res
