"""Known-answer LPs (in the style of cvxpy's ``StandardTestLPs``).

Every answer — primal values, row duals (minimisation convention of
:mod:`councilplan.solvers.base`) and objective — was derived by hand from the
optimality conditions, written next to each case; none was produced by a solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from councilplan.solvers import LinearProgram, Status

INF = np.inf


@dataclass(frozen=True)
class KnownLP:
    name: str
    lp: LinearProgram
    status: Status
    objective: float | None = None
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None


def _lp(c, K, rlo, rhi, clo=None, chi=None, offset=0.0) -> LinearProgram:  # type: ignore[no-untyped-def]
    K = sp.csr_matrix(np.asarray(K, dtype=float))
    n = K.shape[1]
    return LinearProgram(
        c=np.asarray(c, dtype=float), K=K, row_lower=np.asarray(rlo, dtype=float), row_upper=np.asarray(rhi, dtype=float),
        col_lower=np.zeros(n) if clo is None else np.asarray(clo, dtype=float),
        col_upper=np.full(n, INF) if chi is None else np.asarray(chi, dtype=float), offset=offset,
    )


def known_lps() -> list[KnownLP]:
    det = 0.7575  # det(I - A) of Miller & Blair's A = [[.15, .25], [.2, .05]]
    return [
        # lp_0: min x1 + x2, x1 + 2 x2 ≥ 2, 3 x1 + x2 ≥ 3. Both rows active:
        # x = (4/5, 3/5); Kᵀy = c gives y = (2/5, 1/5) ≥ 0; P = D = 7/5.
        KnownLP("lp_0 two covering rows", _lp([1, 1], [[1, 2], [3, 1]], [2, 3], [INF, INF]),
                Status.OPTIMAL, 1.4, np.array([0.8, 0.6]), np.array([0.4, 0.2])),
        # lp_1: bounds, an equality row and an upper column bound:
        # min 2x1 + 3x2 - x3, x1 + x2 + x3 = 4, x2 - x1 ≥ -2, x3 ≤ 1.
        # x3 = 1 (cost -1); x1 + x2 = 3, x2 = x1 - 2 → x = (2.5, .5, 1), P = 5.5.
        # Zero reduced costs of x1, x2: 2 - y1 + y2 = 0, 3 - y1 - y2 = 0 → y = (2.5, .5);
        # z3 = -1 - 2.5 = -3.5 ≤ 0 at its upper bound; D = 4·2.5 - 2·.5 - 3.5 = 5.5.
        KnownLP("lp_1 equality and bounds", _lp([2, 3, -1], [[1, 1, 1], [-1, 1, 0]], [4, -2], [4, INF],
                                                 [0, 0, 0], [INF, INF, 1]),
                Status.OPTIMAL, 5.5, np.array([2.5, 0.5, 1.0]), np.array([2.5, 0.5])),
        # lp_2: Miller & Blair's economy, min labour l·x with l = (.1, .2) for f = (350, 1700):
        # x = (I-A)^{-1} f = (1000, 2000); duals are the labour values v = l (I-A)^{-1}
        # = (.135, .195)/det; P = l·x = 500 = v·f.
        KnownLP("lp_2 Leontief min-labour", _lp([0.1, 0.2], [[0.85, -0.25], [-0.2, 0.95]], [350, 1700], [INF, INF]),
                Status.OPTIMAL, 500.0, np.array([1000.0, 2000.0]), np.array([0.135 / det, 0.195 / det])),
        # lp_3: a ≤ row with an offset: max x1 + 2 x2 (as min -x1 - 2x2 + 10), x1 + x2 ≤ 4, x2 ≤ 3.
        # x = (1, 3); y1 = -1 (≤ row, gain 1 per unit), z2 = -2 + 1 = -1 at its bound; P = -7 + 10 = 3.
        KnownLP("lp_3 offset and upper row", _lp([-1, -2], [[1, 1]], [-INF], [4], [0, 0], [INF, 3], offset=10.0),
                Status.OPTIMAL, 3.0, np.array([1.0, 3.0]), np.array([-1.0])),
        # lp_4: infeasible: x1 + x2 ≤ 1 and x1 + x2 ≥ 2.
        KnownLP("lp_4 infeasible", _lp([1, 1], [[1, 1], [1, 1]], [-INF, 2], [1, INF]), Status.INFEASIBLE),
        # lp_5: unbounded: min -x1, x1 - x2 ≤ 1.
        KnownLP("lp_5 unbounded", _lp([-1, 0], [[1, -1]], [-INF], [1]), Status.UNBOUNDED),
        # lp_6: degenerate ranged row: min x1 + x2, 1 ≤ x1 + x2 ≤ 1 (equality as a range),
        # x1 - x2 ≥ 0. Objective 1 on the whole face x1 ≥ x2, x1 + x2 = 1: y = (1, 0).
        KnownLP("lp_6 degenerate face", _lp([1, 1], [[1, 1], [1, -1]], [1, 0], [1, INF]),
                Status.OPTIMAL, 1.0, None, np.array([1.0, 0.0])),
    ]
