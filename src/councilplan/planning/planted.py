"""Economies with a planted optimum: the exact answer is known at any size.

:func:`planted_economy` takes a :func:`~councilplan.model.synthetic.random_economy`
and sets its targets, labour and resource limits and capacities so that a
primal point ``x*`` and a dual point ``(λ*, μ*, ρ*)`` of the ``min-labour`` LP
certify each other (feasibility of both and complementary slackness):

1. **Prices first.** Labour kinds get shadow wages ``μ_k ≥ 0`` (the first kind
   binds, ``μ = wage``; the others are slack, ``μ = 0``), resources rents
   ``ρ_r``. Each process then costs ``e_j = Σ_k (1 + μ_k) L_kj + Σ_r ρ_r R_rj``.
   With the first technique of each good as the basis ``S``, the good prices are
   the values of that cost, ``(I - A_S)ᵀ λ = e_S`` (``λ ≥ 0`` as ``A_S`` is
   productive), so every basic process has zero reduced cost
   ``z = e - (B - A)ᵀ λ``.
2. **Non-basic techniques** with ``z_j < 0`` (cheaper at these prices) run at
   their capacity ``x_j = cap_j`` (half the good's target); those with
   ``z_j > 0`` stay idle, ``x_j = 0``.
3. **Quantities.** The basic levels solve ``(I - A_S) x_S = t - (B - A)_N x_N``,
   positive because every right-hand side is. Targets ``t`` bind (``λ > 0``), the
   binding labour kind's limit is ``L_1 x*`` and every slack limit is 25 % above
   use; a share of the basic processes get a capacity 10–100 % above their level.

Then ``x*`` is primal feasible, ``y* = (λ, -μ, -ρ)`` is dual feasible in the sign
convention of :mod:`councilplan.solvers.base`, and ``cᵀx* = D(y*)``: both are
optimal, to the accuracy of two Leontief solves (relative residual 1e-13).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.errors import InputError
from councilplan.model.synthetic import random_economy
from councilplan.solvers.leontief import leontief_solve


@dataclass(frozen=True)
class PlantedEconomy:
    """An economy and its known ``min-labour`` optimum.

    ``x`` are process levels, ``good_prices`` ``λ`` (≥ 0), ``wages`` the shadow
    wage ``μ_k`` of each labour limit (≥ 0, the gain from one more hour), ``rents``
    those of resources, and ``objective`` the least labour ``Σ L x*``.
    """

    economy: Economy
    x: np.ndarray
    good_prices: np.ndarray
    wages: pd.Series
    rents: pd.Series
    objective: float

    def row_dual(self) -> np.ndarray:
        """``y*`` in the row order of ``build_problem(economy, "min-labour")`` (goods, labour, resources)."""
        e = self.economy
        lab = -self.wages.reindex(e.labour_kinds)[np.isfinite(e.labour_available.to_numpy())]
        res = -self.rents.reindex(e.resources)[np.isfinite(e.resource_available.to_numpy())]
        return np.concatenate([self.good_prices, lab.to_numpy(dtype=float), res.to_numpy(dtype=float)])

    def harmony_economy(self) -> Economy:
        """The economy (planted with ``binding="all"``) with harmony weights that make ``x*`` the
        ``harmony`` optimum too: ``w_i ∝ λ_i t_i`` (mean 1). Every good is then made exactly to its
        target, ``u_i = 0`` and ``H* = 0``: at the goods prices ``λ`` scaled to ``κ λ`` with ``κ`` the
        weights' scale, each good's price is its marginal harmony times ``1`` (``κ λ_i t_i / w_i = 1``,
        inside ``h``'s subgradient ``[0.5, 2]`` at ``u = 0``), the wages are the ray's, and
        complementary slackness holds as for least labour."""
        e = self.economy
        t = e.targets["amount"].to_numpy(dtype=float)
        v = self.good_prices * t
        w = np.where(t > 0, v / float(v[t > 0].mean()), 1.0)
        tg = e.targets.copy()
        tg["weight"] = w
        return e.with_targets(tg)

    def ray_row_dual(self) -> np.ndarray:
        """The ``ray`` plan's dual ``y*`` (rows of ``build_problem(economy, "ray")``), for an economy
        planted with ``binding="all"``, where ``s* = 1``.

        Least labour's dual ``(λ, μ, ρ)`` prices every process at most at its hours plus rents,
        ``(B - A)ᵀλ ≤ Lᵀ(1 + μ) + Rᵀρ + (capacity rents)``. With every labour limit binding these are the
        ray's dual constraints for the wages ``1 + μ``; normalised so that the basket costs one,
        ``λ̂ = λ/κ`` with ``κ = λᵀt``, the dual objective is ``((1 + μ)ᵀL x* + ρᵀR x* + rents)/κ = 1``
        (least labour's strong duality ``λᵀt = 1ᵀL x* + μᵀg + ρᵀr + rents``). The goods rows of the ray
        LP are ``(B - A) x - s_t d̂ ≥ 0`` with ``s_t = s max t`` and ``d̂ = t / max t``: the same duals."""
        e = self.economy
        t = e.targets["amount"].to_numpy(dtype=float)
        kappa = float(self.good_prices @ t)
        y = self.row_dual()  # goods, then the labour limits (all finite here), then resources
        y[t.size:t.size + len(e.labour_kinds)] -= 1.0  # wages 1 + μ
        return y / kappa


def planted_economy(
    n_goods: int,
    *,
    inputs_per_good: float = 8,
    alt_share: float = 0.3,
    labour_kinds: int = 3,
    resources: int = 0,
    capacity_share: float = 0.1,
    seed: int = 0,
    wage: float = 0.5,
    rent: float = 0.3,
    binding: str = "first",
) -> PlantedEconomy:
    """A random economy (:func:`~councilplan.model.synthetic.random_economy`) with a planted optimum.

    ``wage`` is the planted shadow wage of the first labour kind, ``rent`` that of
    the first resource (others are slack). ``binding="all"`` sets every labour kind's
    limit to its use at ``x*`` (the wages stay as planted): then ``x*`` with scale
    ``s* = 1`` is also the optimum of the ``ray`` plan (:meth:`PlantedEconomy.ray_row_dual`).
    See the module docstring.
    """
    if binding not in ("first", "all"):
        raise InputError(f"binding must be 'first' or 'all', not {binding!r}")
    base = random_economy(n_goods, inputs_per_good=inputs_per_good, alt_share=alt_share,
                          labour_kinds=labour_kinds, resources=resources, capacity_share=0.0,
                          seed=seed, target_share=1.0)
    rng = np.random.default_rng([seed, 7])
    m, n = base.n_goods, base.n_processes
    Bc = base.B.tocsc()
    makes = Bc.indices[Bc.indptr[:-1]]  # the good each process makes (one per column)
    _, basic = np.unique(makes, return_index=True)  # first technique of each good, in good order
    if basic.size != m:
        raise InputError("every good needs a process that makes it")
    nonbasic = np.setdiff1d(np.arange(n), basic)

    # 1. prices
    mu = np.zeros(len(base.labour_kinds))
    mu[0] = wage
    rho = np.zeros(len(base.resources))
    if rho.size:
        rho[0] = rent
    cost = np.asarray(base.L.T @ (1.0 + mu)).ravel() + np.asarray(base.R.T @ rho).ravel()
    A_S = base.A[:, basic].tocsr()
    lam = leontief_solve(A_S, cost[basic], transpose=True, tol=1e-13, method="jacobi").x
    z = cost - np.asarray(base.net.T @ lam).ravel()
    z[basic] = 0.0

    # 2. targets and non-basic levels
    t = base.targets["amount"].to_numpy(dtype=float).copy()
    cheap = nonbasic[z[nonbasic] < 0]
    t[makes[cheap]] = np.maximum(t[makes[cheap]], 0.1 * max(float(t.mean()), 1e-3))
    cap = np.full(n, np.inf)
    cap[cheap] = 0.5 * t[makes[cheap]]
    x = np.zeros(n)
    x[cheap] = cap[cheap]

    # 3. basic levels and limits
    rhs = t - np.asarray(base.net[:, cheap] @ x[cheap]).ravel()
    x[basic] = leontief_solve(A_S, rhs, tol=1e-13, method="jacobi").x
    capped = basic[rng.random(m) < capacity_share]
    cap[capped] = x[capped] * rng.uniform(1.1, 2.0, size=capped.size)
    lab_use = np.asarray(base.L @ x).ravel()
    lab_avail = np.where((mu > 0) | (binding == "all"), lab_use, 1.25 * lab_use)
    res_use = np.asarray(base.R @ x).ravel()
    res_avail = np.where(rho > 0, res_use, 1.25 * res_use)
    economy = base.replace(
        capacity=pd.Series(cap, index=base.processes.index, name="capacity"),
        labour_available=pd.Series(lab_avail, index=base.labour_kinds, name="available"),
        resource_available=pd.Series(res_avail, index=base.resources, name="available"),
        meta={**base.meta, "name": f"planted-{n_goods}-s{seed}",
              "description": "random economy with a planted min-labour optimum (councilplan.planning.planted)"},
    ).with_targets(pd.DataFrame({"amount": t}, index=base.goods.index))
    return PlantedEconomy(
        economy=economy, x=x, good_prices=lam,
        wages=pd.Series(mu, index=base.labour_kinds, name="wage"),
        rents=pd.Series(rho, index=base.resources, name="rent"),
        objective=float(base.total_labour @ x),
    )
