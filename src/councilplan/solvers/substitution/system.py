"""The structure the substitution backend reads off an LP: ``N x ≥ t, G x ≤ g, 0 ≤ x ≤ u`` (see
:mod:`councilplan.solvers.substitution`), its kernels, and a basis (policy, saturated set, prices)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from councilplan.solvers.base import LinearProgram


class NotApplicableError(Exception):
    """The LP is not a Leontief substitution system, or the method got stuck on it."""


class _OutOfTimeError(Exception):
    """``SolveOptions.time_limit`` passed during the wage search."""


# ------------------------------------------------------------------ structure
@dataclass(frozen=True)
class SubstitutionSystem:
    """``N x ≥ t, G x ≤ g, 0 ≤ x ≤ u`` read off a :class:`LinearProgram` (see the module docstring)."""

    goods_rows: np.ndarray  # rows of N in the LP
    side_rows: np.ndarray  # rows of G in the LP
    N: sp.csc_matrix
    G: sp.csr_matrix
    c: np.ndarray
    t: np.ndarray
    g: np.ndarray
    u: np.ndarray
    makes: np.ndarray  # good made by each column, -1 for none
    b: np.ndarray  # its output rate (1 where none, unused)
    order: np.ndarray  # making columns sorted by good
    starts: np.ndarray  # first position of each good in ``order``


def substitution_system(lp: LinearProgram) -> SubstitutionSystem:
    """The structure of ``lp``, or :class:`NotApplicableError`."""
    if lp.sense != "min":
        raise NotApplicableError("not a minimisation")
    K = lp.K.tocsr()
    rl, ru, cl, cu = lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper
    if not (np.all(np.isfinite(lp.c)) and np.all(lp.c >= 0) and np.all(cl == 0) and np.all(cu >= 0)):
        raise NotApplicableError("needs c ≥ 0 and 0 ≤ x ≤ u")
    goods = np.flatnonzero(np.isfinite(rl) & ~np.isfinite(ru))
    side = np.flatnonzero(~np.isfinite(rl) & np.isfinite(ru))
    if goods.size == 0 or goods.size + side.size + np.sum(~np.isfinite(rl) & ~np.isfinite(ru)) != K.shape[0]:
        raise NotApplicableError("rows must be ≥ (goods) or ≤ (limits)")
    N = K[goods].tocsc()
    N.sum_duplicates()
    G = K[side].tocsr()
    t = rl[goods]
    if np.any(t < 0) or (G.nnz and G.data.min() < 0):
        raise NotApplicableError("needs t ≥ 0 and G ≥ 0")
    n = K.shape[1]
    cols = np.repeat(np.arange(n), np.diff(N.indptr))
    pos = N.data > 0
    if np.any(np.bincount(cols[pos], minlength=n) > 1):
        raise NotApplicableError("joint production (two outputs in a column)")
    makes = np.full(n, -1)
    b = np.ones(n)
    makes[cols[pos]] = N.indices[pos]
    b[cols[pos]] = N.data[pos]
    making = np.flatnonzero(makes >= 0)
    order = making[np.argsort(makes[making], kind="stable")]
    counts = np.bincount(makes[making], minlength=goods.size)
    if np.any(counts == 0):
        raise NotApplicableError("a good that no process makes")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return SubstitutionSystem(goods, side, N, G, np.asarray(lp.c, float), t, ru[side], np.asarray(cu, float),
                              makes, b, order, starts)


# ------------------------------------------------------------------- kernels
def group_argmin(values: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each good, the column (from ``order``, grouped by ``starts``) of least ``values``."""
    v = values[order]
    gmin = np.minimum.reduceat(v, starts)
    counts = np.diff(np.append(starts, order.size))
    pos = np.where(v == np.repeat(gmin, counts), np.arange(order.size), order.size)
    first = np.minimum.reduceat(pos, starts)
    return order[np.minimum(first, order.size - 1)]


def policy_improvement(r: np.ndarray, S: np.ndarray, order: np.ndarray, starts: np.ndarray,
                       threshold: np.ndarray) -> np.ndarray | None:
    """Howard's policy improvement, the one step every policy iteration here shares (the substitution
    subproblem and :func:`councilplan.planning.values.nonsubstitution_values`): good ``g`` switches
    from technique ``S_g`` to its technique of least ``r`` when that is below ``threshold_g``;
    ``None`` when no good switches (the policy is optimal at these prices)."""
    best = group_argmin(r, order, starts)
    better = r[best] < threshold
    return np.where(better, best, S) if better.any() else None


def input_rows(N: sp.csc_matrix, b: np.ndarray) -> sp.csr_matrix:
    """Row ``j``: the inputs ``a_ij / b_j`` of column ``j`` (CSR, columns × goods), built once; the
    rows of a policy ``S`` are ``Ãᵀ`` for ``Ã = A_S B_S⁻¹`` (``B_S - A_S = (I - Ã) B_S``): a row
    selection per policy change, no transpose."""
    NT = sp.csr_matrix((N.data, N.indices, N.indptr), shape=(N.shape[1], N.shape[0]))  # Nᵀ: the CSC as CSR
    data = np.where(NT.data < 0, -NT.data, 0.0) / np.repeat(b, np.diff(NT.indptr))
    A = sp.csr_matrix((data, NT.indices.copy(), NT.indptr.copy()), shape=NT.shape)
    A.eliminate_zeros()
    A.sort_indices()
    return A


@dataclass
class Basis:
    """A policy ``S``, the saturated set ``F``, and the pair it defines at wages ``mu``."""

    S: np.ndarray
    F: np.ndarray  # bool over columns
    mu: np.ndarray
    x: np.ndarray
    lam: np.ndarray
    z: np.ndarray
    At: sp.csr_matrix  # Ãᵀ (rows of input_rows at S)
    tol: float = 0.0  # the Leontief tolerance it was solved to
