"""Labour values by kind: ``v = l (I - A)^{-1}`` and its activity-analysis twin.

* Square (Leontief) economies: one sparse transpose solve ``(I - A)ᵀ vₖ = lₖ``
  per labour kind, solved as the Leontief system ``(I - Aᵀ) vₖ = lₖ`` of ``Aᵀ``
  (:func:`councilplan.model.iomath.leontief_solve`; above
  ``policy.POLICY.iterative_goods`` goods the iterative Leontief path of
  :mod:`councilplan.solvers.leontief`, which never factorises).
* Alternative techniques without joint production (every process makes one
  good): by the **non-substitution theorem** the values solve the Bellman
  equation ``v_g = min_{j makes g} (l_j + A_{·j}ᵀ v) / b_{gj}``, whatever the final
  demand. :func:`nonsubstitution_values` finds its fixed point by Howard's policy
  iteration: for the techniques ``S`` chosen (one per good) it solves
  ``(I - A_S)ᵀ v = l_S`` (``A_S``, ``l_S``: the chosen columns divided by their
  output), then switches every good to a strictly cheaper technique at those
  values, until none is cheaper. The answer is certified: ``v ≥ 0`` and
  ``(B - A)ᵀ v ≤ l`` (dual feasibility of ``min lᵀx s.t. (B - A) x ≥ 1``) with
  equality on ``S``, whose levels ``x_S = (I - A_S)^{-1} 1 ≥ 0`` are primal
  feasible at the same cost — so ``v`` *are* the min-labour duals, without an LP.
* Joint production: the duals of ``min 1ᵀ L x`` s.t. ``(B - A) x ≥ 1`` give the
  total values. Values by kind then solve ``(B - A)_Sᵀ vₖ = (L_k)_S`` over the
  techniques ``S`` the LP chose, when ``S`` is square (one technique per good);
  otherwise only the total is given.

Capacities and limits are ignored: labour values describe the technology, not
its scarcities (those are the shadow prices of a plan).

**One cache.** :func:`cached_labour_values` is how every layer gets them (unit costs, a plan's
``labour_values``, the service): kept with the economy object (``Economy.derived``) and in one
in-process LRU by :meth:`Economy.technology_hash <councilplan.model.economy.Economy.technology_hash>`,
so that a round's goal economies, which share the technology, compute them once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from councilplan.model import iomath
from councilplan.model.economy import Economy
from councilplan.model.errors import InputError
from councilplan.solvers import SolveOptions, Status, get_solver, policy
from councilplan.solvers.base import Solver
from councilplan.solvers.leontief import NotProductiveError
from councilplan.solvers.substitution import group_argmin, policy_improvement

Method = Literal["auto", "policy-iteration", "lp"]


class ValuationError(InputError):
    """Labour values do not exist for this technology (it cannot produce a surplus)."""


def _values_of(At: sp.spmatrix, rhs: np.ndarray) -> np.ndarray:
    """Values ``V`` with ``(I - A)ᵀ V = rhs``, given ``At = Aᵀ``: the Leontief system ``(I - At) V = rhs``
    of ``At`` (:func:`~councilplan.model.iomath.leontief_solve`), for ``rhs`` of shape (n,) or (k, n);
    LU when small, else iterative (no transposed copy either way)."""
    R = np.atleast_2d(rhs)
    if At.shape[0] <= policy.POLICY.iterative_goods:  # LU fills in above (10^4 goods: minutes, BiCGSTAB 0.1 s)
        V = np.atleast_2d(iomath.leontief_solve(At, R.T).T)
    else:
        from councilplan.solvers import leontief

        V = np.vstack([leontief.leontief_solve(At, r, tol=1e-12, maxiter=2_000).x for r in R])
    return V if rhs.ndim == 2 else V[0]


@dataclass(frozen=True)
class NonSubstitution:
    """The fixed point of ``v = min_j (l_j + A_{·j}ᵀ v) / b_j``: values, techniques, work done."""

    values: np.ndarray
    #: the technique (process position) chosen for each good, in good order
    techniques: np.ndarray
    #: policy evaluations (Leontief solves) and value-iteration sweeps used
    evaluations: int
    sweeps: int
    #: ``Ãᵀ`` of the chosen techniques: row ``g`` holds the inputs of good ``g``'s technique per unit made
    policy: sp.csr_matrix


def single_output(B: sp.spmatrix) -> tuple[np.ndarray, np.ndarray] | None:
    """``(good, amount)`` made by each process when every process makes exactly one good, else ``None``."""
    Bc = sp.csc_matrix(B)
    Bc.eliminate_zeros()
    if Bc.shape[1] == 0 or not (np.diff(Bc.indptr) == 1).all():
        return None
    return Bc.indices.astype(np.int64), Bc.data.astype(np.float64)


#: policy iteration's defaults: relative improvement that switches a technique, Leontief solves, sweeps
RTOL, MAX_EVALUATIONS, MAX_SWEEPS = 1e-10, 200, 10_000


def nonsubstitution_values(A: sp.spmatrix, B: sp.spmatrix, l: np.ndarray, *, rtol: float = RTOL,
                           max_evaluations: int = MAX_EVALUATIONS, max_sweeps: int = MAX_SWEEPS) -> NonSubstitution:
    """Labour values of a technology without joint production, by policy iteration.

    ``A`` (goods × processes) uses, ``B`` makes (one good per process), ``l`` the
    hours per unit of each process. Returns ``v`` with ``v_g = min over j making
    g of (l_j + A_{·j}ᵀ v) / b_gj``. Raises :class:`ValuationError` when some good
    is made by no process or no choice of techniques is productive.
    """
    out = single_output(B)
    if out is None:
        raise ValueError("non-substitution values need every process to make exactly one good")
    return _policy_iteration(A, *out, l, B.shape[0], rtol=rtol, max_evaluations=max_evaluations,
                             max_sweeps=max_sweeps)


def _policy_iteration(A: sp.spmatrix, good: np.ndarray, b: np.ndarray, l: np.ndarray, n: int, *,
                      rtol: float = RTOL, max_evaluations: int = MAX_EVALUATIONS,
                      max_sweeps: int = MAX_SWEEPS) -> NonSubstitution:
    """:func:`nonsubstitution_values` once ``good`` (made by each process) and ``b`` (how much) are known."""
    lj = np.asarray(l, dtype=np.float64).ravel() / b
    AT = (sp.diags(1.0 / b) @ sp.csr_matrix(A, dtype=np.float64).T).tocsr()  # row j: A_{·j}ᵀ / b_j
    made = np.bincount(good, minlength=n)
    if (made == 0).any():
        raise ValuationError(f"labour values do not exist: {int((made == 0).sum())} good(s) are made by no "
                             "process, so the technology cannot produce one unit of every good")
    order = np.argsort(good, kind="stable")
    first = np.r_[0, np.cumsum(made)[:-1]]

    def cost(v: np.ndarray) -> np.ndarray:
        """``(l_j + A_{·j}ᵀ v) / b_j`` for every process."""
        return lj + AT @ v

    def cheapest(c: np.ndarray) -> np.ndarray:
        """The cheapest process of each good (the first of equals)."""
        return group_argmin(c, order, first)

    def evaluate(S: np.ndarray) -> np.ndarray | None:
        """``(I - A_S)ᵀ v = l_S``, or ``None`` when the choice ``S`` is not productive."""
        try:
            v = _values_of(AT[S], lj[S])
        except (RuntimeError, ValueError, ArithmeticError):
            return None
        scale = max(float(np.abs(v).max(initial=0.0)), 1.0)
        if not np.isfinite(v).all() or v.min(initial=0.0) < -1e-9 * scale:
            return None
        return np.maximum(v, 0.0)

    v = np.zeros(n)
    S = cheapest(cost(v))
    evaluations = sweeps = 0
    while True:
        if evaluations >= max_evaluations:
            raise ValuationError(f"labour values: policy iteration did not settle in {max_evaluations} steps")
        vS = evaluate(S)
        evaluations += 1
        if vS is None:  # this choice cannot reproduce itself: climb from below by value iteration
            for _ in range(50):
                c = cost(v)
                S = cheapest(c)
                v = c[S]
                sweeps += 1
                if not np.isfinite(v).all() or sweeps > max_sweeps or v.max() > 1e15 * (1.0 + lj.max()):
                    raise ValuationError("labour values do not exist: value iteration diverges: whatever "
                                         "techniques it chooses, the technology cannot produce one unit of every "
                                         "good (it cannot produce a surplus; see `councilplan check`)")
            continue
        v = vS
        c = cost(v)
        improved = policy_improvement(c, S, order, first, c[S] - rtol * (1.0 + np.abs(c[S])))
        if improved is None:
            break
        S = improved
    # certificate: (B - A)ᵀ v ≤ l on every process, equality on the chosen ones
    slack = c - v[good]
    if slack.min() < -1e-7 * (1.0 + float(np.abs(v).max())):
        raise ValuationError("labour values could not be certified (reduced costs below zero)")
    return NonSubstitution(v, S, evaluations, sweeps, sp.csr_matrix(AT[S]))


def labour_values(economy: Economy, solver: str | Solver = "highs", method: Method = "auto") -> pd.DataFrame:
    """Hours of each labour kind (and ``total``) embodied in one unit of each good.

    ``method``: ``"auto"`` uses the Leontief solve for square economies, policy
    iteration when every process makes one good, and the min-labour LP (on
    ``solver``) with joint production; ``"policy-iteration"`` or ``"lp"`` force one.
    """
    kinds = list(economy.labour_kinds)
    if economy.is_square() and method == "auto":
        Lk = economy.L.toarray()
        try:
            V = np.atleast_2d(_values_of(economy.A.T, Lk))
        except NotProductiveError as e:
            raise ValuationError(str(e)) from e
        if Lk.min(initial=0.0) >= 0 and V.min(initial=0.0) < -1e-9 * max(1.0, float(np.abs(V).max(initial=0.0))):
            raise ValuationError("labour values do not exist: non-negative labour would need negative values, so "
                                 "the technology cannot produce a surplus (ρ(A) ≥ 1; check the columns of A that "
                                 "sum to 1 or more)")
        out = pd.DataFrame(V.T, index=economy.goods.index, columns=kinds)
        out["total"] = out[kinds].sum(axis=1)
        return out
    made = single_output(economy.B) if method != "lp" else None
    if made is not None:
        good, b = made
        ns = _policy_iteration(economy.A, good, b, np.asarray(economy.L.sum(axis=0)).ravel(), economy.n_goods)
        S = ns.techniques
        Lk = economy.L.tocsc()[:, S].toarray() / b[S]
        V = np.atleast_2d(_values_of(ns.policy, Lk)) if kinds else np.zeros((0, economy.n_goods))
        out = pd.DataFrame(V.T, index=economy.goods.index, columns=kinds)
        out["total"] = ns.values
        return out
    if method == "policy-iteration":
        raise ValueError("policy iteration needs every process to make exactly one good (no joint production)")
    from councilplan.planning.problem import build_problem

    unit = economy.replace(
        capacity=economy.capacity * np.inf,
        labour_available=economy.labour_available * np.inf,
        resource_available=economy.resource_available * np.inf,
    ).with_targets(pd.DataFrame({"amount": np.ones(economy.n_goods)}, index=economy.goods.index))
    lp = build_problem(unit, "min-labour")
    backend = get_solver(solver) if isinstance(solver, str) else solver
    res = backend.solve_lp(lp, SolveOptions())
    if res.status is not Status.OPTIMAL or res.x is None or res.row_dual is None:
        raise ValuationError(f"labour values do not exist: the min-labour problem is {res.status} "
                             "(the technology cannot produce one unit of every good)")
    goods = lp.row_block("goods")
    assert goods is not None
    out = pd.DataFrame(index=economy.goods.index)
    total = res.row_dual[goods.slice]
    x = res.x[: economy.n_processes]
    S = np.flatnonzero(x > 1e-9 * max(1.0, float(x.max(initial=0.0))))
    if S.size == economy.n_goods:
        M = economy.net[:, S].tocsc()
        try:
            lu = spla.splu(M)
            for k, kind in enumerate(kinds):
                out[kind] = lu.solve(np.asarray(economy.L[k, S].todense()).ravel(), trans="T")
        except RuntimeError:  # singular chosen basis: only totals
            pass
    out["total"] = total
    return out




_lock = threading.Lock()
_by_technology: OrderedDict[str, pd.DataFrame] = OrderedDict()
#: technologies whose labour values the in-process cache keeps
CACHE_SIZE = 16


def cached_labour_values(economy: Economy) -> pd.DataFrame | None:
    """:func:`labour_values` of ``economy`` with HiGHS (``policy.POLICY.valuation_method``), from the
    economy's own memo, else the cache by technology hash, else computed and kept in both; ``None``
    when they do not exist (the technology cannot produce a surplus)."""
    hit = economy.derived.get("labour_values")
    if hit is not None:
        return hit
    key = economy.technology_hash()
    with _lock:
        hit = _by_technology.get(key)
        if hit is not None:
            _by_technology.move_to_end(key)
    if hit is None:
        from councilplan.solvers import HighsSolver

        method = policy.POLICY.valuation_method(economy.net.nnz)
        try:
            hit = labour_values(economy, solver=HighsSolver(method) if method else "highs")
        except (ValuationError, RuntimeError):
            return None
        with _lock:
            _by_technology[key] = hit
            while len(_by_technology) > CACHE_SIZE:
                _by_technology.popitem(last=False)
    economy.derived["labour_values"] = hit
    return hit
