"""Economy + objective → one labelled :class:`~councilplan.solvers.base.LinearProgram`.

Columns: process levels ``x`` (block ``process``, bounded by capacities), then the
objective's own variables (``scale`` ``t = s·max(d)`` for ``ray``, with ``max(d)``
in ``lp.meta["ray_unit"]``; ``output`` ``y_i ≥ max(floor_i, 0)``, the net output of each
targeted good, and ``harmony`` ``z_i`` for ``harmony``). Row blocks, all built as sparse stacks without Python loops over
non-zeros:

=============  ==========================================  ================
block          rows                                        objective
=============  ==========================================  ================
``goods``      ``(B - A) x - t d̂ ≥ 0``, ``d̂ = d/max d``     ray
``goods``      ``(B - A) x - E_T y ≥ 0`` (others: floor)   harmony
``goods``      ``(B - A) x ≥ max(target, floor)``           min-labour
``floors``     ``(B - A)_F x ≥ floor_F`` (floor > 0)        ray
``harmony``    ``t_i z_i - b_k y_i ≤ t_i (a_k - b_k)`` ∀k   harmony
``labour``     ``L_k x ≤ available_k`` (finite only)        all
``resources``  ``R_r x ≤ available_r`` (finite only)        all
=============  ==========================================  ================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import InputError
from councilplan.planning.builder import BlockBuilder
from councilplan.planning.objectives import OBJECTIVES, Objective, harmony_pieces
from councilplan.solvers.base import LinearProgram

#: Row blocks whose bounds the councils or the plan's limits set, and which the
#: elastic relaxation may move to explain an infeasible plan.
SOFT_BLOCKS = ("goods", "floors", "labour", "resources", "terminal")


class PlanningInputError(InputError):
    """The goals do not suit the objective (e.g. ``ray`` with no targets)."""


def _limit_rows(M: sp.csr_matrix, available: pd.Series) -> tuple[sp.csr_matrix, np.ndarray, pd.Index]:
    avail = available.to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(avail))
    return M[keep], avail[keep], available.index[keep]


def build_problem(economy: Economy, objective: Objective = "ray",
                  labour_weights: pd.Series | None = None) -> LinearProgram:
    """The LP for ``objective`` on ``economy`` (see the module docstring), one ``define_*`` function
    per constraint family on the builder the dynamic plan uses too (:mod:`councilplan.planning.builder`)."""
    if objective not in OBJECTIVES:
        raise PlanningInputError(f"unknown objective '{objective}'; choose one of {', '.join(OBJECTIVES)}")
    bb = BlockBuilder()
    cost = None
    if objective == "min-labour":
        w = np.ones(len(economy.labour_kinds))
        if labour_weights is not None:
            w = labour_weights.reindex(economy.labour_kinds).fillna(1.0).to_numpy(dtype=float)
        cost = np.asarray(economy.L.T @ w).ravel()  # hours of each process, weighted by kind
    X = define_processes(bb, economy, cost=cost)
    meta: dict[str, float] = {}
    if objective == "ray":
        meta = define_ray(bb, economy, X)
    elif objective == "harmony":
        define_harmony(bb, economy, X)
    else:
        define_goods(bb, economy, X)
    define_limits(bb, economy, X)
    return bb.build(sense="min" if objective == "min-labour" else "max", meta=meta)


def define_processes(bb: BlockBuilder, economy: Economy, *, cost: np.ndarray | None = None) -> int:
    """Columns ``x`` (block ``process``): ``0 ≤ x ≤ capacity``, costing ``cost`` (the minimised hours)."""
    return bb.cols("process", economy.processes.index, upper=economy.capacity.to_numpy(dtype=float),
                   cost=0.0 if cost is None else cost)


def define_ray(bb: BlockBuilder, economy: Economy, X: int) -> dict[str, float]:
    """``max s``: column ``t = s·max(d)`` (block ``scale``), rows ``(B - A) x - t d̂ ≥ 0`` (``goods``)
    and ``(B - A)_F x ≥ floor_F`` (``floors``). Returns the LP's meta (``ray_unit = max(d)``)."""
    net, goods = economy.net, economy.goods.index
    amount = economy.targets["amount"].to_numpy(dtype=float)
    floor = np.maximum(economy.targets["floor"].to_numpy(dtype=float), 0.0)
    if not (amount > 0).any():
        raise PlanningInputError("the ray objective needs targets: give targets.csv positive amounts (the proportions d)")
    # Solve for t = s·max(d) against d̂ = d / max(d), so that the s column is
    # scaled like the rest whatever the units of the targets; s = t / max(d).
    unit = float(amount.max())
    S = bb.cols("scale", pd.Index(["s"]), cost=-1.0 / unit)
    bb.matrix_rows("goods", goods, [(X, net), (S, sp.csr_matrix(-amount[:, None] / unit))], lower=0.0)
    F = np.flatnonzero(floor > 0)
    if F.size:
        bb.matrix_rows("floors", goods[F], [(X, net[F])], lower=floor[F])
    return {"ray_unit": unit}


def define_harmony(bb: BlockBuilder, economy: Economy, X: int) -> None:
    """``max Σ_i w_i z_i`` over the goods with a target, with their net outputs as columns of their own.

    Columns ``y_i`` (block ``output``, ``y_i ≥ max(floor_i, 0)``) and ``z_i`` (block ``harmony``,
    free); rows ``(B - A) x - E_T y ≥ 0`` on targeted goods and ``≥ max(floor, 0)`` on the others
    (``goods``), and ``t_i z_i - b_k y_i ≤ t_i (a_k - b_k)`` for every piece ``k`` (``harmony``, in
    units of the good, so that a solver's absolute row tolerance is one in the good's own units,
    not in ``z``, where ``1/t_i`` would magnify it). Since ``h`` is nondecreasing this is the plan
    with ``z_i ≤ h((n_i x - t_i)/t_i)``; the harmony rows have two entries each instead of a copy of
    the good's row of ``B - A`` per piece (pdlp: 4,672 iterations instead of 25,872 on a planted
    10^4-good economy). A targeted good's goods-row price is its marginal harmony ``Σ_k b_k η_ik``
    plus the rent of its floor (the reduced cost of ``y_i``)."""
    net, goods = economy.net, economy.goods.index
    amount = economy.targets["amount"].to_numpy(dtype=float)
    floor = np.maximum(economy.targets["floor"].to_numpy(dtype=float), 0.0)
    T = np.flatnonzero(amount > 0)
    if T.size == 0:
        raise PlanningInputError("the harmony objective needs targets: give targets.csv positive amounts")
    a, b = harmony_pieces()
    Y = bb.cols("output", goods[T], lower=floor[T])
    Z = bb.cols("harmony", goods[T], lower=-np.inf, cost=-economy.targets["weight"].to_numpy(dtype=float)[T])
    E_T = sp.csr_matrix((np.full(T.size, -1.0), (T, np.arange(T.size))), shape=(len(goods), T.size))
    lower = floor.copy()
    lower[T] = 0.0
    bb.matrix_rows("goods", goods, [(X, net), (Y, E_T)], lower=lower)
    H_y = sp.vstack([sp.diags(np.full(T.size, -bk), format="csr") for bk in b])
    H_z = sp.vstack([sp.diags(amount[T], format="csr")] * b.size)
    rhs = np.concatenate([amount[T] * (ak - bk) for ak, bk in zip(a, b, strict=True)])
    labels = pd.MultiIndex.from_arrays([np.tile(goods[T], b.size), np.repeat(np.arange(b.size), T.size)],
                                       names=["good", "piece"])
    bb.matrix_rows("harmony", labels, [(Y, H_y), (Z, H_z)], upper=rhs)


def define_goods(bb: BlockBuilder, economy: Economy, X: int) -> None:
    """Least labour's goods rows: ``(B - A) x ≥ max(target, floor)`` (``goods``)."""
    tg = economy.targets
    need = np.maximum(tg["amount"].to_numpy(dtype=float), np.maximum(tg["floor"].to_numpy(dtype=float), 0.0))
    bb.matrix_rows("goods", economy.goods.index, [(X, economy.net)], lower=need)


def define_limits(bb: BlockBuilder, economy: Economy, X: int) -> None:
    """``L_k x ≤ available_k`` (``labour``) and ``R_r x ≤ available_r`` (``resources``), finite limits only."""
    for name, M, available in (("labour", economy.L, economy.labour_available),
                               ("resources", economy.R, economy.resource_available)):
        rows, avail, ids = _limit_rows(M, available)
        if rows.shape[0]:
            bb.matrix_rows(name, ids, [(X, rows)], upper=avail)
