"""The solver interface: one labelled LP in, one :class:`Plan` out.

Every backend solves the same bounded-row linear program

.. math::

    \\min_x\\; c^\\top x + c_0 \\quad\\text{s.t.}\\quad
    r^{lo} \\le K x \\le r^{hi}, \\qquad x^{lo} \\le x \\le x^{hi}

and returns raw primal ``x`` and row duals ``λ`` as an :class:`LPResult`. The
shared code here turns that into a :class:`Plan`: it computes the certificate
itself, from the data (so no backend can claim optimality it has not reached),
and labels prices by block (goods, labour, resources, capacities).

Dual convention (minimisation): reduced costs ``z = c - Kᵀλ``; ``λ_i ≥ 0`` may
only be non-zero on a finite lower row bound and ``λ_i ≤ 0`` on a finite upper
row bound; likewise ``z_j`` for column bounds. The dual objective is

.. math::

    D = c_0 + \\sum_i (λ_i^+ r^{lo}_i - λ_i^- r^{hi}_i)
          + \\sum_j (z_j^+ x^{lo}_j - z_j^- x^{hi}_j).

Shadow prices are reported as the gain from relaxing a constraint by one unit,
so they are ≥ 0: ``λ_i`` for ``≥`` rows, ``-λ_i`` for ``≤`` rows and ``-z_j`` for
an upper column bound (a capacity).
"""

from __future__ import annotations

import enum
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp


class Status(enum.StrEnum):
    """Common solver statuses; each backend maps its native codes here."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INTERRUPTED = "interrupted"  # stopped by the user; the best plan so far
    ITERATION_LIMIT = "iteration_limit"
    TIME_LIMIT = "time_limit"
    ERROR = "error"

    @property
    def ok(self) -> bool:
        return self is Status.OPTIMAL


@dataclass(frozen=True)
class Block:
    """A labelled range of rows or columns of the LP."""

    name: str
    start: int
    stop: int
    labels: pd.Index

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)


@dataclass(frozen=True, eq=False)
class LinearProgram:
    """``min cᵀx + offset  s.t.  row_lower ≤ K x ≤ row_upper, col_lower ≤ x ≤ col_upper``.

    ``sense`` is the user's sense: for ``"max"`` the builder has negated the
    objective, and :class:`Plan.objective` is reported in the user's sense.
    """

    c: np.ndarray
    K: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_blocks: tuple[Block, ...] = ()
    col_blocks: tuple[Block, ...] = ()
    offset: float = 0.0
    sense: str = "min"
    #: builder's notes for reading the solution back (e.g. ``ray_unit``: the scaling of ``s``)
    meta: dict[str, float] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.K.shape

    def row_block(self, name: str) -> Block | None:
        return next((b for b in self.row_blocks if b.name == name), None)

    def col_block(self, name: str) -> Block | None:
        return next((b for b in self.col_blocks if b.name == name), None)

    def row_label(self, i: int) -> tuple[str, str]:
        for b in self.row_blocks:
            if b.start <= i < b.stop:
                return b.name, str(b.labels[i - b.start])
        return "row", str(i)


@dataclass
class LPResult:
    """What a backend returns: raw arrays and its own bookkeeping."""

    status: Status
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    iterations: int = 0
    message: str = ""
    native_status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Certificate:
    """Relative primal residual, dual residual and duality gap, computed from the data.

    ``primal_residual = ‖violation(Kx, x)‖₂ / (1 + ‖finite bounds‖₂)``,
    ``dual_residual = ‖sign violation of (λ, z)‖₂ / (1 + ‖c‖₂)``,
    ``gap = |P - D| / (1 + |P| + |D|)``.
    """

    primal_residual: float
    dual_residual: float
    gap: float
    primal_objective: float
    dual_objective: float

    def within(self, tol: float) -> bool:
        return max(self.primal_residual, self.dual_residual, self.gap) <= tol

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def _finite(v: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(v), v, 0.0)


def certify(lp: LinearProgram, x: np.ndarray, y: np.ndarray) -> Certificate:
    """The certificate of a primal–dual pair ``(x, y)`` for ``lp`` (formulas in :class:`Certificate`)."""
    Kx = lp.K @ x
    lo_r, hi_r, lo_c, hi_c = lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper
    pviol = np.concatenate([
        np.maximum(_finite(lo_r) - Kx, 0.0) * np.isfinite(lo_r),
        np.maximum(Kx - _finite(hi_r), 0.0) * np.isfinite(hi_r),
        np.maximum(_finite(lo_c) - x, 0.0) * np.isfinite(lo_c),
        np.maximum(x - _finite(hi_c), 0.0) * np.isfinite(hi_c),
    ])
    bnorm = np.linalg.norm(np.concatenate([_finite(lo_r), _finite(hi_r), _finite(lo_c), _finite(hi_c)]))
    primal_res = float(np.linalg.norm(pviol) / (1.0 + bnorm))

    z = lp.c - lp.K.T @ y
    yp, ym = np.maximum(y, 0.0), np.maximum(-y, 0.0)
    zp, zm = np.maximum(z, 0.0), np.maximum(-z, 0.0)
    dviol = np.concatenate([
        yp * ~np.isfinite(lo_r), ym * ~np.isfinite(hi_r),
        zp * ~np.isfinite(lo_c), zm * ~np.isfinite(hi_c),
    ])
    dual_res = float(np.linalg.norm(dviol) / (1.0 + np.linalg.norm(lp.c)))
    P = float(lp.c @ x + lp.offset)
    D = float(lp.offset + yp @ _finite(lo_r) - ym @ _finite(hi_r) + zp @ _finite(lo_c) - zm @ _finite(hi_c))
    gap = abs(P - D) / (1.0 + abs(P) + abs(D))
    sign = -1.0 if lp.sense == "max" else 1.0
    return Certificate(primal_res, dual_res, float(gap), sign * P, sign * D)


@dataclass(frozen=True)
class SolveOptions:
    """Options every backend understands; backends may read more from ``extra``."""

    tol: float = 1e-7
    time_limit: float | None = None
    threads: int | None = None
    verbose: bool = False
    warm_start: tuple[np.ndarray, np.ndarray] | None = None  # (x, row duals)
    #: a backend's own warm-start state from a previous ``LPResult.extra["basis"]``
    #: (HiGHS: a simplex basis, far better than a primal-dual point for simplex)
    warm_basis: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


#: the capabilities a backend may declare, and who reads each
CAPABILITIES: dict[str, str] = {
    "lp": "solves linear programs (every backend)",
    "duals": "returns row duals, so plans have shadow prices and certificates (every backend)",
    "exact": "a vertex solution to solver precision (simplex); the conformance tests' reference",
    "warm_start": "accepts SolveOptions.warm_start or warm_basis (democracy.rounds re-plans with it)",
    "interrupt": "stops at SolveOptions.time_limit with its best point so far",
    "large_scale": "matrix-free or structure-exploiting: for 10^5 goods and more",
    "first_order": "iterates on mat-vecs (pdlp): its tolerance is relative, its default loose",
}


class Solver(ABC):
    """A backend. Subclasses set the class attributes and implement :meth:`solve_lp`."""

    name: ClassVar[str]
    #: what the backend can do, from :data:`CAPABILITIES`
    capabilities: ClassVar[frozenset[str]] = frozenset({"lp", "duals"})
    #: the certificate tolerance it is run with unless told otherwise (exact solvers: 1e-7)
    default_tol: ClassVar[float] = 1e-7
    #: modules that must import for :meth:`is_available`
    required_modules: ClassVar[tuple[str, ...]] = ()
    #: native status → common status
    status_map: ClassVar[dict[Any, Status]] = {}

    @classmethod
    def is_available(cls) -> bool:
        import importlib.util

        return all(importlib.util.find_spec(m) is not None for m in cls.required_modules)

    @abstractmethod
    def solve_lp(self, lp: LinearProgram, options: SolveOptions) -> LPResult:
        """Solve ``lp``. Infeasible or unbounded is a status, never an exception."""

    def solve(self, lp: LinearProgram, options: SolveOptions | None = None) -> tuple[LPResult, Certificate | None, float]:
        """Solve and certify; returns (result, certificate, seconds)."""
        opts = options or SolveOptions()
        t0 = time.perf_counter()
        res = self.solve_lp(lp, opts)
        seconds = time.perf_counter() - t0
        cert = certify(lp, res.x, res.row_dual) if res.x is not None and res.row_dual is not None else None
        return res, cert, seconds
