"""councilplan: democratic economic planning.

Councils decide what the economy should produce; the engine computes a feasible,
optimal plan from the economy's technology and shows what every goal costs in
labour time and shadow prices.

>>> import councilplan as cp
>>> economy = cp.example("germany-1995")
>>> p = cp.plan(economy, objective="ray")
>>> p.status
<Status.OPTIMAL: 'optimal'>
"""

from councilplan.examples import available_examples, example
from councilplan.model import Economy, EconomyError, Issue, read_economy, write_economy
from councilplan.planning import Plan, labour_values, plan, productivity
from councilplan.solvers import SolveOptions, Status, available_solvers, get_solver

__version__ = "0.1.0"

__all__ = [
    "Economy",
    "EconomyError",
    "Issue",
    "Plan",
    "SolveOptions",
    "Status",
    "__version__",
    "available_examples",
    "available_solvers",
    "example",
    "get_solver",
    "labour_values",
    "plan",
    "productivity",
    "read_economy",
    "write_economy",
]
