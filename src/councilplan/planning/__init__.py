"""Planning: economy + goals → LP → solver → labelled :class:`Plan` with prices and explanations."""

from councilplan.planning.diagnose import Productivity, productivity
from councilplan.planning.explain import Explanation
from councilplan.planning.objectives import OBJECTIVES, Objective
from councilplan.planning.plan import Plan
from councilplan.planning.problem import PlanningInputError, build_problem
from councilplan.planning.solve import plan
from councilplan.planning.values import ValuationError, labour_values

__all__ = [
    "OBJECTIVES",
    "Explanation",
    "Objective",
    "Plan",
    "PlanningInputError",
    "Productivity",
    "ValuationError",
    "build_problem",
    "labour_values",
    "plan",
    "productivity",
]
