"""The world both arms live in: an economy, enterprises' true capacities, councils' needs.

One :class:`World` per run, drawn from the run's own random stream, shared by the
two arms (common random numbers: the arms differ only by governance).

* Enterprises are the economy's processes. Physical capacity follows
  ``K_{t+1,j} = K_{t,j} · (1 + g_j) · exp(σ_K z_{t,j})`` with ``z`` standard normal
  and ``g_j`` the period's growth (which coercion lowers, see :mod:`.arms`);
  ``K_0`` is the activity of the economy's own reference plan (``plan(economy)``),
  unused processes getting the median of the used ones.
* At period ``T // 2`` one enterprise's capacity drops by :data:`SHOCK` (the
  deviation the planner must detect).
* Labour is assumed non-binding (``labour_available = ∞``): working time enters
  through the enterprises' capacities, so that capacity is the private information.
* Needs: ``C`` consumer councils with populations ``pop_c`` (lognormal) and need
  tilts ``w_{cg} = exp(σ_n ζ_{cg})``. Council ``c``'s need per head is
  ``q_{cg} = d_g w_{cg} / Σ_c' pop_c' w_c'g`` so that ``Σ_c pop_c q_{cg} = d_g``,
  the true needs, scaled so the first-best ray plan at ``e₀ K_0`` has scale 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from councilplan.democracy.domain import Council, CouncilKind
from councilplan.experiment.params import Params
from councilplan.model.economy import Economy
from councilplan.model.errors import InputError
from councilplan.planning import plan

#: periods per run
PERIODS = 8
#: relative capacity drop of the shocked enterprise
SHOCK = 0.3
#: consumer councils per run
N_COUNCILS = 12


class ExperimentInputError(InputError):
    """The economy cannot host the experiment (the message says why and how to fix it)."""


@dataclass(frozen=True, eq=False)
class World:
    """Everything exogenous in one run (arrays indexed by period ``t`` and enterprise ``j``)."""

    economy: Economy            # targets = true needs d, labour unlimited
    needs: np.ndarray           # d_g, true needs (m,)
    K0: np.ndarray              # initial physical capacity (n,)
    z: np.ndarray               # capacity shocks (T, n)
    cost: np.ndarray            # per-unit effort cost of over-fulfilment (n,)
    shock_period: int
    shock_process: int
    councils: tuple[Council, ...]
    per_head: np.ndarray        # q_{cg} (C, m)
    favoured: np.ndarray        # bool (C, m): goods a council tilts towards (w > 1)
    optimism: np.ndarray        # initial over-asking factor per council (C,)
    strategic_u: np.ndarray     # uniform per council: strategic when below strategic_share (C,)
    centre_z: np.ndarray        # standard normal per good: the centre's error about needs (m,)

    @property
    def periods(self) -> int:
        return int(self.z.shape[0])

    def capacity_path(self, growth: float, capacity_sd: float) -> np.ndarray:
        """``K`` (T, n): growth compounding with the shocks, and the deviation at ``shock_period``."""
        steps = (1.0 + growth) * np.exp(capacity_sd * self.z)
        steps[0] = 1.0
        K = self.K0[None, :] * np.cumprod(steps, axis=0)
        K[self.shock_period:, self.shock_process] *= 1.0 - SHOCK
        return K


def reference_capacity(economy: Economy) -> np.ndarray:
    """``K_0``: the reference ray plan's activity; unused processes get the used ones' median."""
    p = plan(economy, "ray", with_values=False)
    if not p.optimal:
        raise ExperimentInputError(
            f"economy '{economy.name}': its own ray plan is {p.status.value}, so there is no reference "
            "capacity. Fix: give the economy positive targets (targets.csv) and finite limits "
            "(labour, resources or capacities) so that `councilplan plan` finds an optimal plan")
    x = p.activity.to_numpy(dtype=float)
    used = x > 1e-9 * max(float(x.max()), 1.0)
    if not used.any():
        raise ExperimentInputError(f"economy '{economy.name}': its reference plan runs no process; "
                                   "fix: give it positive targets")
    return np.where(used, x, float(np.median(x[used])))


def make_world(economy: Economy, params: Params, rng: np.random.Generator, *,
               periods: int = PERIODS, n_councils: int = N_COUNCILS) -> World:
    """Draw one run's world from ``rng`` (always the same number of variates, whatever ``params``)."""
    n, m = economy.n_processes, economy.n_goods
    d = np.clip(economy.targets["amount"].to_numpy(dtype=float), 0.0, None)
    if not (d > 0).any():
        raise ExperimentInputError(f"economy '{economy.name}' has no positive target amount; "
                                   "fix: targets.csv needs at least one good with amount > 0")
    K0 = reference_capacity(economy)
    free = economy.replace(labour_available=pd.Series(np.inf, index=economy.labour_kinds, name="available"))
    z = rng.standard_normal((periods, n))
    cost = rng.random(n) * params.effort_cost
    shock_process = int(rng.integers(n))
    pop = np.exp(rng.normal(0.0, 0.5, n_councils)) * 1000.0
    zeta = rng.standard_normal((n_councils, m))
    optimism = rng.random(n_councils) * params.optimism
    strategic_u = rng.random(n_councils)
    centre_z = rng.standard_normal(m)

    first = plan(free.replace(capacity=pd.Series(params.effort0 * K0, index=economy.processes.index)),
                 "ray", with_values=False)
    if not first.optimal or not first.scale:
        raise ExperimentInputError(f"economy '{economy.name}': the first-best plan at the reference capacity "
                                   f"is {first.status.value}; fix: check its targets and floors")
    d = d * float(first.scale)
    world_econ = free.with_targets(pd.DataFrame({"amount": d}, index=economy.goods.index))
    w = np.exp(params.need_spread * zeta)
    per_head = d[None, :] * w / (pop[:, None] * w).sum(axis=0)[None, :]
    councils = tuple(Council(id=f"c{c:02d}", name=f"council {c}", kind=CouncilKind.CONSUMER,
                             population=float(pop[c])) for c in range(n_councils))
    return World(economy=world_econ, needs=d, K0=K0, z=z, cost=cost, shock_period=periods // 2,
                 shock_process=shock_process, councils=councils, per_head=per_head, favoured=w > 1.0,
                 optimism=1.0 + optimism, strategic_u=strategic_u, centre_z=centre_z)
