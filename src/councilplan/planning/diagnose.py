"""Can the technology produce a surplus? (the last check of ``councilplan check``)

* Square economies: Hawkins–Simon, ``ρ(A) < 1`` (spectral radius reported).
* Every process makes one good: by the non-substitution theorem it is enough that
  one choice of technique ``S`` (one per good) is productive. Policy iteration
  (:func:`councilplan.planning.values.nonsubstitution_values`, one hour per unit of
  every process) finds one: its values ``v > 0`` solve ``(I - Ã_S)ᵀ v = l_S > 0``, so
  ``Ã_Sᵀ v < v`` and ``ρ(Ã_S) ≤ max_g (Ã_Sᵀ v)_g / v_g < 1`` (Collatz–Wielandt), the
  figure reported; ``x_S = (I - Ã_S)^{-1} 1 ≥ 1`` then makes a surplus of every good.
  Where policy iteration fails, the LP test below decides (and gives ``t*``).
* General technologies: the LP test

  .. math:: t^* = \\max t \\;\\text{s.t.}\\; (B - A) x ≥ t\\,\\mathbf{1},\\; \\mathbf{1}^\\top x ≤ 1,\\; x ≥ 0

  The technology is productive exactly when ``t* > 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model import iomath
from councilplan.model.economy import Economy
from councilplan.model.errors import Issue
from councilplan.planning.values import nonsubstitution_values
from councilplan.solvers import SolveOptions, Status, get_solver
from councilplan.solvers.base import Block, LinearProgram


@dataclass(frozen=True)
class Productivity:
    productive: bool
    method: str  # "spectral radius", "non-substitution" or "LP surplus test"
    figure: float  # ρ(A), a bound ρ(Ã_S) ≤ figure for the techniques chosen, or t*
    unmade: tuple[str, ...] = ()  # goods no process makes

    def describe(self) -> str:
        """The figure in words, e.g. ``ρ(A) = 0.62 (Hawkins–Simon)``."""
        if self.method == "spectral radius":
            return f"ρ(A) = {self.figure:.6g} (Hawkins–Simon: < 1)"
        if self.method == "non-substitution":
            return (f"ρ(Ã) ≤ {self.figure:.6g} for one technique per good chosen by policy iteration "
                    "(non-substitution: < 1)")
        return f"LP surplus test t* = {self.figure:.6g} (> 0)"

    def issue(self) -> Issue | None:
        if self.productive:
            return None
        if self.method == "spectral radius":
            msg = (f"the technology cannot produce a surplus: the spectral radius of A is {self.figure:.6g} ≥ 1 "
                   "(Hawkins–Simon fails), so no gross output yields positive net output of every good")
        else:
            msg = (f"the technology cannot produce a surplus: the LP surplus test max t s.t. (B-A)x ≥ t·1, Σx ≤ 1 "
                   f"gives t* = {self.figure:.6g} (must be > 0)")
            if self.unmade:
                msg += f"; no process makes {', '.join(self.unmade[:5])}" + (" …" if len(self.unmade) > 5 else "")
        return Issue(file="inputs.csv", message=msg,
                     fix="lower the input coefficients (each column of A should use less than it makes), "
                         "or add processes that make the missing goods")


def productivity(economy: Economy, solver: str = "highs", method: str = "auto") -> Productivity:
    """Check that some ``x ≥ 0`` gives ``(B - A) x > 0`` (``method="lp"``: always by the LP test)."""
    if economy.is_square():
        ok, rho = iomath.productive_by_hawkins_simon(economy.A)
        return Productivity(ok, "spectral radius", rho)
    m, n = economy.net.shape
    made = np.asarray((economy.B != 0).sum(axis=1)).ravel() > 0
    unmade = tuple(map(str, economy.goods.index[~made]))
    if method != "lp":
        try:
            ns = nonsubstitution_values(economy.A, economy.B, np.ones(n))
        except ValueError:  # joint production, a good no process makes, no productive choice found
            pass  # the LP decides
        else:
            v = ns.values
            if v.size and v.min() > 0:
                bound = float(np.max((ns.policy @ v) / v))
                if bound < 1.0:
                    return Productivity(True, "non-substitution", bound)
    K = sp.vstack([sp.hstack([economy.net, -np.ones((m, 1))]),
                   sp.hstack([np.ones((1, n)), sp.csr_matrix((1, 1))])]).tocsr()
    lp = LinearProgram(
        c=np.r_[np.zeros(n), -1.0], K=K,
        row_lower=np.r_[np.zeros(m), -np.inf], row_upper=np.r_[np.full(m, np.inf), 1.0],
        col_lower=np.r_[np.zeros(n), -np.inf], col_upper=np.full(n + 1, np.inf),
        row_blocks=(Block("goods", 0, m, economy.goods.index), Block("norm", m, m + 1, pd.Index(["sum"]))),
        sense="max",
    )
    res = get_solver(solver).solve_lp(lp, SolveOptions())
    t = max(float(res.x[n]), 0.0) + 0.0 if res.status is Status.OPTIMAL and res.x is not None else 0.0
    return Productivity(t > 1e-12, "LP surplus test", t, unmade)
