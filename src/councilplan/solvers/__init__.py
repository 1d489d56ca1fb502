"""Solver backends behind one interface (see :mod:`councilplan.solvers.base`)."""

from councilplan.solvers.base import (
    Block,
    Certificate,
    LinearProgram,
    LPResult,
    SolveOptions,
    Solver,
    Status,
    certify,
)
from councilplan.solvers.firstorder import PDLPSolver
from councilplan.solvers.highs import HighsSolver
from councilplan.solvers.registry import (
    AutoSolver,
    available_solvers,
    get_solver,
    register,
    registered_solvers,
)
from councilplan.solvers.substitution import SubstitutionSolver

register(HighsSolver)
register(PDLPSolver)
register(SubstitutionSolver)
register(AutoSolver)

__all__ = [
    "AutoSolver",
    "Block",
    "Certificate",
    "HighsSolver",
    "LPResult",
    "LinearProgram",
    "PDLPSolver",
    "SolveOptions",
    "Solver",
    "Status",
    "SubstitutionSolver",
    "available_solvers",
    "certify",
    "get_solver",
    "register",
    "registered_solvers",
]
