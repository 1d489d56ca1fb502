"""Command or democracy: the founding essay's claim as a reproducible, swept experiment.

A multi-period agent-based model (:mod:`.world`, :mod:`.arms`) on top of the real
planner and the real council vote rules; one run per seed (:mod:`.run`); sweeps on
Dask distributed (:mod:`.sweep`); an HTML report (:mod:`.report`). Parameters and
their sources are data (:mod:`.params`); ``docs/experiment.md`` states every assumption.
"""

from councilplan.experiment.metrics import METRICS
from councilplan.experiment.params import PARAMETERS, Params, draw_params
from councilplan.experiment.run import ARMS, run_once, run_one

__all__ = ["ARMS", "METRICS", "PARAMETERS", "Params", "draw_params", "run_once", "run_one"]
