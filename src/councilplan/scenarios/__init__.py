"""Scenarios and time: multi-period plans, regions, shocks and built-in scenarios.

``dynamic``       :class:`DynamicEconomy`, :class:`DynamicObjective`, the one-LP builder
``result``        :func:`plan_dynamic` → :class:`DynamicPlan` (labelled by id and period)
``blocks``        :class:`BlockSolver`: independent blocks (periods) solved apart, certified on the whole LP
``dynamic_format``  the dynamic directory format (``docs/dynamic-format.md``)
``cockshott``     import of Cockshott's 5yearplan CSV files
``regions``       regional economies and transport processes
``shocks``        declarative shocks and TOML scenario files
"""

from councilplan.scenarios.cockshott import read_cockshott
from councilplan.scenarios.dynamic import DynamicEconomy, DynamicObjective, Term
from councilplan.scenarios.dynamic_problem import build_dynamic_problem
from councilplan.scenarios.result import DynamicPlan, plan_dynamic

__all__ = [
    "DynamicEconomy",
    "DynamicObjective",
    "DynamicPlan",
    "Term",
    "build_dynamic_problem",
    "plan_dynamic",
    "read_cockshott",
]
