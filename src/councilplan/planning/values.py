"""Labour values by kind: ``v = l (I - A)^{-1}`` and its activity-analysis twin.

* Square (Leontief) economies: one sparse transpose solve ``(I - A)ᵀ vₖ = lₖ``
  per labour kind (:func:`councilplan.model.iomath.labour_values`).
* General technologies (alternative techniques, joint production): the duals of
  ``min 1ᵀ L x`` s.t. ``(B - A) x ≥ 1`` give the total values (by the
  non-substitution theorem they do not depend on the demand vector). Values by
  kind then solve ``(B - A)_Sᵀ vₖ = (L_k)_S`` over the techniques ``S`` the LP
  chose, when ``S`` is square (one technique per good); otherwise only the total
  is given.

Capacities and limits are ignored: labour values describe the technology, not
its scarcities (those are the shadow prices of a plan).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse.linalg as spla

from councilplan.model import iomath
from councilplan.model.economy import Economy
from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.base import Solver


class ValuationError(ValueError):
    """Labour values do not exist for this technology (it cannot produce a surplus)."""


def labour_values(economy: Economy, solver: str | Solver = "highs") -> pd.DataFrame:
    """Hours of each labour kind (and ``total``) embodied in one unit of each good."""
    kinds = list(economy.labour_kinds)
    if economy.is_square():
        V = np.atleast_2d(iomath.labour_values(economy.A, economy.L.toarray()))
        out = pd.DataFrame(V.T, index=economy.goods.index, columns=kinds)
        out["total"] = out[kinds].sum(axis=1)
        return out
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


