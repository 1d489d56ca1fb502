"""The solver registry: backends by name, with cheap availability checks.

``auto`` (:class:`AutoSolver`) picks by size: HiGHS, exact, for LPs with fewer
than :data:`AUTO_NNZ` non-zeros (about 10^4 goods with 8 inputs each), the
first-order ``pdlp`` above, where HiGHS takes minutes to hours.

>>> from councilplan.solvers import get_solver
>>> get_solver("highs").name
'highs'
"""

from __future__ import annotations

from typing import Any

from councilplan.model.errors import SolverUnavailableError
from councilplan.solvers.base import LinearProgram, LPResult, SolveOptions, Solver

_REGISTRY: dict[str, type[Solver]] = {}


def register(cls: type[Solver]) -> type[Solver]:
    """Register a backend class under ``cls.name`` (usable as a decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


def registered_solvers() -> list[str]:
    """Names of every registered backend, installed or not."""
    return sorted(_REGISTRY)


def available_solvers() -> list[str]:
    """Names of the backends whose required modules are installed."""
    return [name for name in registered_solvers() if _REGISTRY[name].is_available()]


def get_solver(name: str) -> Solver:
    """An instance of the backend called ``name``.

    Raises
    ------
    SolverUnavailableError
        if no backend has that name or its modules are not installed.
    """
    cls = _REGISTRY.get(name)
    if cls is None:
        raise SolverUnavailableError(
            f"unknown solver '{name}'; choose one of: {', '.join(registered_solvers())}"
        )
    if not cls.is_available():
        raise SolverUnavailableError(
            f"solver '{name}' needs {', '.join(cls.required_modules)}; install it with pip"
        )
    return cls()


#: ``--solver auto`` uses HiGHS below this many non-zeros of ``K`` and ``pdlp`` from it on.
AUTO_NNZ = 100_000


class AutoSolver(Solver):
    """HiGHS for small LPs, the first-order ``pdlp`` for large ones (see :data:`AUTO_NNZ`)."""

    name = "auto"
    capabilities = frozenset({"lp", "duals", "warm_start", "large_scale"})

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress

    def choose(self, lp: LinearProgram) -> Solver:
        if lp.K.nnz < AUTO_NNZ:
            return get_solver("highs")
        backend = get_solver("pdlp")
        backend.progress = self.progress  # type: ignore[attr-defined]
        return backend

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        backend = self.choose(lp)
        res = backend.solve_lp(lp, options)
        res.extra["backend"] = backend.name
        res.message = f"auto → {backend.name}: {res.message}".rstrip(": ")
        return res
