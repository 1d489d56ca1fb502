"""The one solver policy: which backend and which settings, by the size of the problem.

Every size threshold of the engine lives here, as data (:class:`SolverPolicy`, the instance
:data:`POLICY`), and every caller reads it at call time (``policy.POLICY``), so a test or a
deployment changes one object:

=========================  ==========  ==========================================================
field                      default     what it decides
=========================  ==========  ==========================================================
``auto_nnz``               100,000     ``--solver auto``: HiGHS below this many non-zeros of ``K``;
                                       from it on ``substitution`` where it applies, else ``pdlp``
``large_lp_nnz``           150,000     a served round's LP is *large* from here: solved cold by
                                       HiGHS' interior point, re-solved after a vote by ``pdlp``
                                       from the previous primal-dual point
``valuation_ipm_nnz``      50,000      labour-value LPs of a technology with this many non-zeros
                                       of ``B - A`` or more: HiGHS' interior point (its dual simplex
                                       needs minutes at 10^4 goods, where each factorisation fills in)
``iterative_goods``        500         Leontief systems with more goods: iterative (BiCGSTAB), not
                                       sparse LU (the LU of a random ``I - A`` fills in)
``warm_tol``               1e-5        certificate tolerance of the warm ``pdlp`` re-solve
``warm_limit``             20 s        how long it may take before HiGHS takes over from the basis
=========================  ==========  ==========================================================

A backend's default tolerance is its own data (:attr:`Solver.default_tol`); :func:`default_tol`
reads it for the CLI and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from councilplan.solvers.base import LinearProgram, SolveOptions


@dataclass(frozen=True)
class SolverPolicy:
    """The size thresholds and warm-start settings of the engine (see the module's table)."""

    auto_nnz: int = 100_000
    large_lp_nnz: int = 150_000
    valuation_ipm_nnz: int = 50_000
    iterative_goods: int = 500
    warm_tol: float = 1e-5
    warm_limit: float = 20.0

    def auto_backend(self, lp: LinearProgram) -> str:
        """The backend ``auto`` runs on ``lp``: ``highs``, ``substitution`` or ``pdlp``."""
        if lp.K.nnz < self.auto_nnz:
            return "highs"
        from councilplan.solvers.registry import _REGISTRY
        from councilplan.solvers.substitution import NotApplicableError, substitution_system

        cls = _REGISTRY.get("substitution")
        if cls is not None and cls.is_available():
            try:
                substitution_system(lp)  # signs and sparsity only: milliseconds at 10^4 goods
                return "substitution"
            except NotApplicableError:
                pass
        return "pdlp"

    def is_large(self, lp: LinearProgram) -> bool:
        """Whether a served round's LP counts as large (:attr:`large_lp_nnz`)."""
        return lp.K.nnz >= self.large_lp_nnz

    def cold_options(self, lp: LinearProgram) -> SolveOptions:
        """HiGHS' options for a cold solve of a round's LP: interior point when it is large."""
        return SolveOptions(extra={"solver": "ipm"}) if self.is_large(lp) else SolveOptions()

    def warm_options(self, x: np.ndarray, row_dual: np.ndarray) -> SolveOptions:
        """``pdlp``'s options for a warm re-solve from a previous primal-dual point."""
        return SolveOptions(tol=self.warm_tol, time_limit=self.warm_limit, warm_start=(x, row_dual))

    def valuation_method(self, nnz: int) -> str | None:
        """HiGHS' method for the labour-value LPs of a technology with ``nnz`` non-zeros (``None``: its default)."""
        return "ipm" if nnz >= self.valuation_ipm_nnz else None


#: the policy in force; replace it (``dataclasses.replace``) to change a threshold
POLICY = SolverPolicy()


def default_tol(name: str) -> float:
    """The default certificate tolerance of backend ``name``, as the backend declares it."""
    from councilplan.solvers.registry import _REGISTRY

    if name not in _REGISTRY:
        from councilplan.solvers.registry import get_solver

        get_solver(name)  # the registry's own error, naming the backends
    return float(_REGISTRY[name].default_tol)
