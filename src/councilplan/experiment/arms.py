"""The two governance arms, period by period, on top of the real planner and the real vote rule.

Both arms plan with :func:`councilplan.planning.plan` (objective ``ray``) against
their own *belief* ``Ĉ`` about capacities; enterprises then produce ``y`` against
their true capacity ``K`` and report ``r``. Assumptions are listed in
``docs/experiment.md``; the formulas:

**Command** (Weitzman 1980; Berliner 1957; Kornai 1986; Harrison 2011)

* effort ``e = e₀ + (1 − e₀) γ a`` (coercion ``γ``, ``a = coercion_effort``);
  quality ``q = q₀ (1 − γ b)``; growth ``g (1 − γ c)`` (initiative lost);
* targets ``T = plan(Ĉ · tautness, needs as the centre sees them)``, the centre's
  needs being ``d_g exp(σ_c ζ_g)``;
* output ``y = min(T, eK) + u · max(0, eK − T)``, where the share of spare
  capacity an enterprise reveals is ``u = logistic((β_o − λ δ/(1−δ) − c_j) / 0.1)``:
  over-fulfilment earns ``β_o`` now and raises every future target by ``λ``;
* reports ``r = y + ψ · max(0, T − y)`` unless audited (probability
  ``p (1 − collusion)``), with ``ψ = clip(1 − p(1 − collusion)(1 + penalty(1 − bailout)), 0, 1)``;
  each of ``levels − 1`` hierarchy levels multiplies the report by ``1 + σ_l ε``; the
  centre sees it ``report_delay`` periods later;
* ratchet: ``Ĉ ← Ĉ + λ (r_seen − Ĉ)``.

**Democratic**

* effort ``e = e₀ + (1 − e₀) m`` (``m = dem_effort_gain``, default 0);
* each round, every council takes part with probability ``turnout`` and proposes
  ``ask_c · q_{cg}`` per head (strategic councils inflate their favoured goods by
  ``1 + exaggeration`` and never revise down); the real rule
  (:func:`councilplan.democracy.rules.get_rule`, population-sum by default) turns
  proposals into targets, the plan gives scale ``s``; rounds stop when
  ``|s − 1| ≤ 0.02`` or at ``round_cap``; councils revise ``ask_c ← ask_c s^η``;
* meetings take ``rounds × meeting_hours`` of working time: ``K_eff = K (1 − rounds h)``;
* output ``y = min(T, e K_eff)`` (no ratchet, no over-fulfilment bonus);
* reports pad ``pad_share_dem`` of a shortfall unless the material-balance
  cross-check catches it (probability ``balance_check``; a caught shortfall reveals
  the capacity); ``Ĉ`` is re-audited with probability ``audit_freq`` per enterprise,
  with relative error ``audit_noise``;
* consumer feedback: ``q ← q + feedback · turnout · (1 − q)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from councilplan.democracy.domain import Proposal, ProposalKind
from councilplan.democracy.rules import get_rule
from councilplan.experiment import metrics as mt
from councilplan.experiment.params import Params
from councilplan.experiment.world import SHOCK, World
from councilplan.model.economy import Economy
from councilplan.planning import plan

#: smoothing of the enterprises' reveal decision (in units of the plan-fulfilment bonus)
REVEAL_SMOOTHING = 0.1
#: councils' convergence tolerance on the plan's ray scale
ROUND_TOL = 0.02
#: the largest number of hierarchy levels (noise draws are made for all of them, used or not)
MAX_LEVELS = 4


def ray_plan(economy: Economy, capacity: np.ndarray) -> tuple[np.ndarray, float]:
    """Activity and scale of the ray plan under ``capacity``; zeros and 0 when it is not optimal."""
    p = plan(economy.replace(capacity=pd.Series(capacity, index=economy.processes.index)), "ray",
             with_values=False)
    if not p.optimal or p.scale is None:
        return np.zeros(economy.n_processes), 0.0
    return np.maximum(p.activity.to_numpy(dtype=float), 0.0), float(p.scale)


def first_best(world: World, params: Params) -> np.ndarray:
    """``s*_t``: the ray scale with perfect information at ``e₀ K_t`` (no coercion, no meetings)."""
    K = world.capacity_path(params.growth, params.capacity_sd)
    return np.array([ray_plan(world.economy, params.effort0 * K[t])[1] for t in range(world.periods)])


def _period_metrics(world: World, y: np.ndarray, x_plan: np.ndarray, q: np.ndarray, s_star: float
                    ) -> tuple[float, float]:
    E = world.economy
    net = E.net @ y
    wel = mt.welfare(net, mt.quality_by_good(E.B, q, y), world.needs, s_star)
    sho = mt.shortage(E.net @ x_plan, net, E.B @ x_plan)
    return wel, sho


def _summary(out: dict[str, list[float]], K: np.ndarray, ys: Sequence[np.ndarray], detect: int
             ) -> dict[str, float]:
    res = {k: float(np.nanmean(v)) if len(v) else float("nan") for k, v in out.items()}
    res["output_ratio"] = float(sum(float(y.sum()) for y in ys) / K.sum())
    res["detect_time"] = float(detect)
    return res


def simulate_command(world: World, params: Params, s_star: np.ndarray, rng: np.random.Generator
                     ) -> dict[str, float]:
    """Run the command arm; the metrics of :data:`councilplan.experiment.metrics.METRICS`."""
    P, E, n = params, world.economy, world.economy.n_processes
    g = P.coercion
    e = P.effort0 + (1.0 - P.effort0) * g * P.coercion_effort
    q = np.full(n, np.clip(P.quality0 * (1.0 - g * P.coercion_quality), 0.0, 1.0))
    K = world.capacity_path(P.growth * (1.0 - g * P.coercion_initiative), P.capacity_sd)
    centre_needs = world.needs * np.exp(P.centre_mix_noise * world.centre_z)
    centre = E.with_targets(pd.DataFrame({"amount": centre_needs}, index=E.goods.index))
    belief = P.effort0 * world.K0 * (1.0 - P.conceal0)
    H = P.horizon / (1.0 - P.horizon)
    u = mt.logistic((P.bonus_over - P.ratchet * H - world.cost) / REVEAL_SMOOTHING)
    p_eff = P.audit_prob * (1.0 - P.collusion)
    psi = float(np.clip(1.0 - p_eff * (1.0 + P.penalty * (1.0 - P.bailout)), 0.0, 1.0))
    reports: list[np.ndarray] = []
    signal = np.full(world.periods, np.nan)
    out: dict[str, list[float]] = {"hidden_reserves": [], "shortage": [], "welfare": [], "report_error": []}
    ys: list[np.ndarray] = []
    for t in range(world.periods):
        eK = e * K[t]
        x_plan, _ = ray_plan(centre, P.tautness * belief)
        y = np.minimum(x_plan, eK) + u * np.maximum(eK - x_plan, 0.0)
        audited = rng.random(n) < p_eff
        r = y + np.where(audited, 0.0, psi * np.maximum(x_plan - y, 0.0))
        noise = rng.standard_normal((MAX_LEVELS - 1, n))[: P.levels - 1]
        r = r * np.prod(1.0 + P.level_noise * noise, axis=0)
        reports.append(r)
        out["hidden_reserves"].append(mt.hidden_reserves(eK, y, belief, K[t]))
        wel, sho = _period_metrics(world, y, x_plan, q, float(s_star[t]))
        out["welfare"].append(wel)
        out["shortage"].append(sho)
        out["report_error"].append(mt.report_error(r, y))
        ys.append(y)
        if t - P.report_delay >= 0:
            seen = reports[t - P.report_delay]
            signal[t] = seen[world.shock_process]
            belief = belief + P.ratchet * (seen - belief)
    res = _summary(out, K, ys, mt.detection_time(signal, world.shock_period, SHOCK))
    res.update(rounds=float("nan"), meeting_share=0.0, converged=float("nan"))
    return res


def _proposals(world: World, ask: np.ndarray, inflate: np.ndarray, present: np.ndarray, tag: str
               ) -> list[Proposal]:
    goods = [str(gid) for gid in world.economy.goods.index]
    out = []
    for c, council in enumerate(world.councils):
        if not present[c]:
            continue
        qty = world.per_head[c] * ask[c] * inflate[c]
        out.append(Proposal(id=f"{council.id}-{tag}", council_id=council.id, kind=ProposalKind.CONSUMER,
                            goods={gid: float(v) for gid, v in zip(goods, qty, strict=True) if v > 0}))
    return out


def simulate_democratic(world: World, params: Params, s_star: np.ndarray, rng: np.random.Generator, *,
                        rule: str = "population-sum") -> dict[str, float]:
    """Run the democratic arm; the metrics of :data:`councilplan.experiment.metrics.METRICS`."""
    P, E, n = params, world.economy, world.economy.n_processes
    agg = get_rule(rule)
    C = len(world.councils)
    e = P.effort0 + (1.0 - P.effort0) * P.dem_effort_gain
    q = np.full(n, float(P.quality0))
    K = world.capacity_path(P.growth, P.capacity_sd)
    belief = P.effort0 * world.K0 * (1.0 - P.conceal0)
    strategic = world.strategic_u < P.strategic_share
    inflate = np.where(strategic[:, None] & world.favoured, 1.0 + P.exaggeration, 1.0)
    ask = world.optimism.copy()
    signal = np.full(world.periods, np.nan)
    out: dict[str, list[float]] = {"hidden_reserves": [], "shortage": [], "welfare": [], "report_error": [],
                                   "rounds": [], "meeting_share": [], "converged": []}
    ys: list[np.ndarray] = []
    for t in range(world.periods):
        x_plan = np.zeros(n)
        rounds, converged = 0, False
        for r in range(P.round_cap):
            rounds += 1
            draw = rng.random(C)
            present = draw < P.turnout
            if not present.any():
                present[int(np.argmin(draw))] = True  # somebody always turns up
            goals = agg.aggregate(_proposals(world, ask, inflate, present, f"{t}-{r}"), world.councils, E)
            x_plan, s = ray_plan(E.with_targets(goals.targets), belief)
            if s > 0 and abs(s - 1.0) <= ROUND_TOL:
                converged = True
                break
            if s > 0:
                factor = s ** P.adjust
                ask = np.where(strategic & (factor < 1.0), ask, ask * factor)
        share = min(rounds * P.meeting_hours, 1.0)
        eK = e * K[t] * (1.0 - share)
        y = np.minimum(x_plan, eK)
        gap = np.maximum(x_plan - y, 0.0)
        caught = rng.random(n) < P.balance_check
        rep = y + np.where(caught, 0.0, P.pad_share_dem * gap)
        out["hidden_reserves"].append(mt.hidden_reserves(eK, y, belief, K[t]))
        wel, sho = _period_metrics(world, y, x_plan, q, float(s_star[t]))
        out["welfare"].append(wel)
        out["shortage"].append(sho)
        out["report_error"].append(mt.report_error(rep, y))
        out["rounds"].append(float(rounds))
        out["meeting_share"].append(share)
        out["converged"].append(float(converged))
        ys.append(y)
        audited = rng.random(n) < P.audit_freq
        measured = eK * (1.0 + P.audit_noise * rng.standard_normal(n))
        belief = np.where(caught & (gap > 0), y, belief)
        belief = np.where(audited, measured, belief)
        signal[t] = belief[world.shock_process]
        q = q + P.feedback * P.turnout * (1.0 - q)
    return _summary(out, K, ys, mt.detection_time(signal, world.shock_period, SHOCK))
