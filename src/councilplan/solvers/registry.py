"""The solver registry: backends by name, with cheap availability checks.

>>> from councilplan.solvers import get_solver
>>> get_solver("highs").name
'highs'
"""

from __future__ import annotations

from councilplan.model.errors import SolverUnavailableError
from councilplan.solvers.base import Solver

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
