"""The solver registry: backends by name, with cheap availability checks.

``auto`` (:class:`AutoSolver`) picks by size (:mod:`councilplan.solvers.policy`): HiGHS, exact,
for LPs with fewer than ``POLICY.auto_nnz`` non-zeros (about 10^4 goods with 8 inputs each); above,
``substitution`` for the LPs it recognises (least-labour plans: its crash, then,
if that is not certified, ``pdlp`` cold, exactly as ``pdlp`` alone would run) and
the first-order ``pdlp`` for the rest, where HiGHS takes minutes to hours.

>>> from councilplan.solvers import get_solver
>>> get_solver("highs").name
'highs'
"""

from __future__ import annotations

from dataclasses import replace
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


class AutoSolver(Solver):
    """HiGHS for small LPs; for large ones ``substitution`` where it applies, else ``pdlp``
    (:meth:`councilplan.solvers.policy.SolverPolicy.auto_backend`)."""

    name = "auto"
    capabilities = frozenset({"lp", "duals", "warm_start", "large_scale"})
    #: the loosest default of the backends it may pick (the first-order ones)
    default_tol = 1e-4

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress

    def choose(self, lp: LinearProgram) -> Solver:
        from councilplan.solvers import policy

        name = policy.POLICY.auto_backend(lp)
        backend = get_solver(name)
        if name != "highs":
            backend.progress = self.progress  # type: ignore[attr-defined]
        return backend

    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        backend = self.choose(lp)
        if backend.name == "substitution":  # an uncertified crash must not slow pdlp down
            options = replace(options, extra={**options.extra, "warm_fallback": False})
        res = backend.solve_lp(lp, options)
        res.extra.setdefault("backend", backend.name)
        via = f"{backend.name} → {res.extra['backend']}" if res.extra["backend"] != backend.name else backend.name
        res.message = f"auto → {via}: {res.message}".rstrip(": ")
        return res
