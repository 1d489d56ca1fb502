"""HiGHS through highspy directly: the exact reference backend.

The LP is passed as one CSC matrix (``passModel`` with arrays), so building it
costs no Python loop. HiGHS' row duals follow the minimisation convention of
:mod:`councilplan.solvers.base` (``λ ≥ 0`` on active lower bounds).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from councilplan.model.errors import SolverError
from councilplan.solvers.base import LinearProgram, LPResult, SolveOptions, Solver, Status


def _status_map() -> dict[Any, Status]:
    import highspy

    S = highspy.HighsModelStatus
    return {
        S.kOptimal: Status.OPTIMAL,
        S.kInfeasible: Status.INFEASIBLE,
        S.kUnbounded: Status.UNBOUNDED,
        S.kUnboundedOrInfeasible: Status.INFEASIBLE,  # resolved below by a feasibility re-solve
        S.kTimeLimit: Status.TIME_LIMIT,
        S.kIterationLimit: Status.ITERATION_LIMIT,
        S.kInterrupt: Status.INTERRUPTED,
        S.kModelEmpty: Status.OPTIMAL,
    }


class HighsSolver(Solver):
    """HiGHS (dual simplex by default; ``extra={"solver": "ipm"}`` for interior point).

    A simplex solve stopped by a time or iteration limit reports its objective as
    ``LPResult.extra["dual_bound"]`` (a lower bound on the optimum of a minimisation
    once dual simplex is in its phase 2, where it usually spends its time)."""

    name = "highs"
    capabilities = frozenset({"lp", "duals", "exact", "warm_start"})
    required_modules = ("highspy",)
    status_map: ClassVar[dict[Any, Status]] = {}

    def __init__(self, method: str | None = None) -> None:
        #: HiGHS' ``solver`` option unless the options name one (``"ipm"``, ``"simplex"``, ``"pdlp"``)
        self.method = method

    def _highs(self, options: SolveOptions) -> Any:
        import highspy

        # The core class: the Python wrapper prints a banner on construction and
        # installs callbacks we do not use.
        core = getattr(highspy, "_core", None)
        h = core._Highs() if core is not None and hasattr(core, "_Highs") else highspy.Highs()
        h.setOptionValue("output_flag", bool(options.verbose))
        tol = max(min(options.tol, 1e-6), 1e-10)
        h.setOptionValue("primal_feasibility_tolerance", tol)
        h.setOptionValue("dual_feasibility_tolerance", tol)
        if options.time_limit is not None:
            h.setOptionValue("time_limit", float(options.time_limit))
        if options.threads is not None:
            h.setOptionValue("threads", int(options.threads))
        extra = {"solver": self.method, **options.extra} if self.method else options.extra
        for key, value in extra.items():
            h.setOptionValue(key, value)
        return h

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        import highspy

        if not type(self).status_map:
            type(self).status_map = _status_map()
        h = self._highs(options)
        K = lp.K.tocsc()
        K.sort_indices()
        inf = highspy.kHighsInf
        m, n = lp.shape

        def clip(v: np.ndarray) -> np.ndarray:
            return np.clip(np.asarray(v, dtype=np.float64), -inf, inf)

        status = h.passModel(
            n, m, int(K.nnz), int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), float(lp.offset),
            np.asarray(lp.c, dtype=np.float64), clip(lp.col_lower), clip(lp.col_upper),
            clip(lp.row_lower), clip(lp.row_upper),
            K.indptr.astype(np.int32), K.indices.astype(np.int32), K.data.astype(np.float64),
            np.zeros(n, dtype=np.int32),  # integrality: all continuous
        )
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model (passModel returned an error)")
        if options.warm_basis is not None and len(options.warm_basis.col_status) == n \
                and len(options.warm_basis.row_status) == m:
            h.setBasis(options.warm_basis)
        elif options.warm_start is not None:
            xs, ys = options.warm_start
            sol = highspy.HighsSolution()
            sol.col_value = list(map(float, xs))
            sol.row_dual = list(map(float, ys))
            sol.value_valid = True
            sol.dual_valid = True
            h.setSolution(sol)
        h.run()
        native = h.getModelStatus()
        status_ = self.status_map.get(native, Status.ERROR)
        if native == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            status_ = self._infeasible_or_unbounded(lp, options)
        info = h.getInfo()
        iters = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
        res = LPResult(status=status_, iterations=iters, native_status=h.modelStatusToString(native))
        if status_ in (Status.OPTIMAL, Status.TIME_LIMIT, Status.ITERATION_LIMIT, Status.INTERRUPTED):
            sol = h.getSolution()
            if status_ is Status.OPTIMAL:
                res.extra["basis"] = h.getBasis()
            if status_ is not Status.OPTIMAL and info.ipm_iteration_count == 0 and info.simplex_iteration_count > 0:
                # dual simplex stopped early: its objective is that of a dual feasible basis (of the
                # presolved LP), a lower bound on the optimum once its phase 1 is over
                res.extra["dual_bound"] = float(info.objective_function_value)
            if sol.value_valid:
                res.x = np.asarray(sol.col_value, dtype=float)
                res.row_dual = np.asarray(sol.row_dual, dtype=float) if sol.dual_valid else np.zeros(m)
        return res

    def _infeasible_or_unbounded(self, lp: LinearProgram, options: SolveOptions) -> Status:
        """Tell infeasible from unbounded by solving the feasibility problem (c = 0)."""
        from dataclasses import replace

        feas = replace(lp, c=np.zeros_like(lp.c))
        res = self.solve_lp(feas, options)
        return Status.UNBOUNDED if res.status is Status.OPTIMAL else Status.INFEASIBLE
