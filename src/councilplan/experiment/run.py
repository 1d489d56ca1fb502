"""One run of the experiment: seed → parameters → world → both arms → two result rows.

A run's randomness comes only from ``numpy.random.SeedSequence([base_seed, index])``
(never from worker state), spawned into independent streams for the parameter
draw, the world, the economy (when generated) and each arm. So a run gives the
same numbers on any worker, in any order.

>>> from councilplan import example
>>> rows = run_one(0, 1, example("germany-1995"))
>>> [r["arm"] for r in rows]
['command', 'democratic']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from councilplan.experiment.arms import first_best, simulate_command, simulate_democratic
from councilplan.experiment.params import Params, draw_params
from councilplan.experiment.world import make_world
from councilplan.model.economy import Economy
from councilplan.model.synthetic import random_economy

ARMS = ("command", "democratic")


@dataclass(frozen=True)
class Generated:
    """A fresh random economy per run (:func:`councilplan.model.synthetic.random_economy`)."""

    n_goods: int = 10

    def draw(self, rng: np.random.Generator) -> Economy:
        return random_economy(self.n_goods, seed=int(rng.integers(2**31 - 1)), feasible_targets=True)


EconomySource = Economy | Generated


def run_once(economy: Economy, params: Params, seed: int | np.random.SeedSequence, *,
             rule: str = "population-sum") -> dict[str, dict[str, float]]:
    """Both arms on one world drawn from ``seed``, with ``params`` given: ``{arm: metrics}``."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    w_ss, c_ss, d_ss = ss.spawn(3)
    world = make_world(economy, params, np.random.default_rng(w_ss))
    s_star = first_best(world, params)
    return {"command": simulate_command(world, params, s_star, np.random.default_rng(c_ss)),
            "democratic": simulate_democratic(world, params, s_star, np.random.default_rng(d_ss), rule=rule)}


def run_one(index: int, base_seed: int, economy: EconomySource, *, fixed: dict[str, float] | None = None,
            rule: str = "population-sum") -> list[dict[str, Any]]:
    """Run ``index`` of a sweep: draw its parameters (``fixed`` ones held), run both arms.

    Returns one row per arm: ``run, seed, arm``, every parameter, every metric.
    """
    ss = np.random.SeedSequence([base_seed, index])
    p_ss, e_ss, run_ss = ss.spawn(3)
    params = draw_params(np.random.default_rng(p_ss), fixed)
    econ = economy.draw(np.random.default_rng(e_ss)) if isinstance(economy, Generated) else economy
    res = run_once(econ, params, run_ss, rule=rule)
    base = {"run": index, "seed": base_seed, "economy": econ.name, **params.as_dict()}
    return [{**base, "arm": arm, **res[arm]} for arm in ARMS]
