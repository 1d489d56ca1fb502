"""Economy + objective → one labelled :class:`~councilplan.solvers.base.LinearProgram`.

Columns: process levels ``x`` (block ``process``, bounded by capacities), then the
objective's own variables (``scale`` ``t = s·max(d)`` for ``ray``, with ``max(d)``
in ``lp.meta["ray_unit"]``, ``harmony`` ``z_i`` for
``harmony``). Row blocks, all built as sparse stacks without Python loops over
non-zeros:

=============  ==========================================  ================
block          rows                                        objective
=============  ==========================================  ================
``goods``      ``(B - A) x - t d̂ ≥ 0``, ``d̂ = d/max d``     ray
``goods``      ``(B - A) x ≥ max(floor, 0)``                harmony
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
from councilplan.planning.objectives import OBJECTIVES, Objective, harmony_pieces
from councilplan.solvers.base import Block, LinearProgram

#: Row blocks whose bounds the councils or the plan's limits set, and which the
#: elastic relaxation may move to explain an infeasible plan.
SOFT_BLOCKS = ("goods", "floors", "labour", "resources")


class PlanningInputError(InputError):
    """The goals do not suit the objective (e.g. ``ray`` with no targets)."""


def _limit_rows(M: sp.csr_matrix, available: pd.Series) -> tuple[sp.csr_matrix, np.ndarray, pd.Index]:
    avail = available.to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(avail))
    return M[keep], avail[keep], available.index[keep]


def build_problem(economy: Economy, objective: Objective = "ray",
                  labour_weights: pd.Series | None = None) -> LinearProgram:
    """The LP for ``objective`` on ``economy`` (see the module docstring)."""
    if objective not in OBJECTIVES:
        raise PlanningInputError(f"unknown objective '{objective}'; choose one of {', '.join(OBJECTIVES)}")
    net = economy.net
    m, n = net.shape
    tg = economy.targets
    amount = tg["amount"].to_numpy(dtype=float)
    floor = np.maximum(tg["floor"].to_numpy(dtype=float), 0.0)
    weight = tg["weight"].to_numpy(dtype=float)
    goods = economy.goods.index

    Lk, lab_avail, lab_ids = _limit_rows(economy.L, economy.labour_available)
    Rr, res_avail, res_ids = _limit_rows(economy.R, economy.resource_available)
    cap = economy.capacity.to_numpy(dtype=float)

    blocks_K: list[sp.spmatrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    row_blocks: list[Block] = []
    extra_cols = 0
    extra_block: Block | None = None
    c_extra = np.zeros(0)
    sense = "max"
    c_x = np.zeros(n)
    meta: dict[str, float] = {}

    def add(name: str, K: sp.spmatrix, lower: np.ndarray, upper: np.ndarray, labels: pd.Index) -> None:
        start = row_blocks[-1].stop if row_blocks else 0
        row_blocks.append(Block(name, start, start + K.shape[0], labels))
        blocks_K.append(K)
        lo.append(lower)
        hi.append(upper)

    if objective == "ray":
        if not (amount > 0).any():
            raise PlanningInputError("the ray objective needs targets: give targets.csv positive amounts (the proportions d)")
        # Solve for t = s·max(d) against d̂ = d / max(d), so that the s column is
        # scaled like the rest whatever the units of the targets; s = t / max(d).
        unit = float(amount.max())
        meta["ray_unit"] = unit
        extra_cols = 1
        extra_block = Block("scale", n, n + 1, pd.Index(["s"]))
        c_extra = np.array([-1.0 / unit])
        add("goods", sp.hstack([net, sp.csr_matrix(-amount[:, None] / unit)]), np.zeros(m), np.full(m, np.inf), goods)
        F = np.flatnonzero(floor > 0)
        if F.size:
            add("floors", sp.hstack([net[F], sp.csr_matrix((F.size, 1))]), floor[F], np.full(F.size, np.inf), goods[F])
    elif objective == "harmony":
        T = np.flatnonzero(amount > 0)
        if T.size == 0:
            raise PlanningInputError("the harmony objective needs targets: give targets.csv positive amounts")
        a, b = harmony_pieces()
        extra_cols = T.size
        extra_block = Block("harmony", n, n + T.size, goods[T])
        c_extra = -weight[T]
        add("goods", sp.hstack([net, sp.csr_matrix((m, T.size))]), floor, np.full(m, np.inf), goods)
        # In units of the good: t_i z_i - b_k y_i ≤ t_i (a_k - b_k), so that a solver's absolute row
        # tolerance is one in the good's own units, not in z (where 1/t_i would magnify it).
        Zi = sp.diags(amount[T], format="csr")
        H = sp.vstack([sp.hstack([-bk * net[T], Zi]) for bk in b]).tocsr()
        rhs = np.concatenate([amount[T] * (ak - bk) for ak, bk in zip(a, b, strict=True)])
        labels = pd.MultiIndex.from_arrays([np.tile(goods[T], b.size), np.repeat(np.arange(b.size), T.size)],
                                           names=["good", "piece"])
        add("harmony", H, np.full(H.shape[0], -np.inf), rhs, labels)
    else:
        sense = "min"
        w = np.ones(len(economy.labour_kinds))
        if labour_weights is not None:
            w = labour_weights.reindex(economy.labour_kinds).fillna(1.0).to_numpy(dtype=float)
        c_x = np.asarray(economy.L.T @ w).ravel()
        add("goods", net, np.maximum(amount, floor), np.full(m, np.inf), goods)

    pad = sp.csr_matrix
    if Lk.shape[0]:
        add("labour", sp.hstack([Lk, pad((Lk.shape[0], extra_cols))]), np.full(Lk.shape[0], -np.inf), lab_avail, lab_ids)
    if Rr.shape[0]:
        add("resources", sp.hstack([Rr, pad((Rr.shape[0], extra_cols))]), np.full(Rr.shape[0], -np.inf), res_avail, res_ids)

    K = sp.vstack(blocks_K, format="csr") if blocks_K else sp.csr_matrix((0, n + extra_cols))
    c = np.concatenate([-c_x if sense == "max" else c_x, c_extra])
    col_lower = np.zeros(n + extra_cols)
    col_upper = np.concatenate([cap, np.full(extra_cols, np.inf)])
    if objective == "harmony":
        col_lower[n:] = -np.inf
    col_blocks = [Block("process", 0, n, economy.processes.index)]
    if extra_block is not None:
        col_blocks.append(extra_block)
    return LinearProgram(
        c=c, K=K, row_lower=np.concatenate(lo), row_upper=np.concatenate(hi),
        col_lower=col_lower, col_upper=col_upper, row_blocks=tuple(row_blocks),
        col_blocks=tuple(col_blocks), sense=sense, meta=meta,
    )
