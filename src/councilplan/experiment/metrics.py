"""The metrics of a run, as pure functions of arrays (textbook names, no state).

Notation: ``y`` realised activity, ``K`` physical capacity, ``eK`` the capacity an
enterprise can run with its effort, ``Ĉ`` the planner's capacity belief,
``N = B − A`` the net-output matrix, ``d`` true needs, ``s*`` the first-best ray
scale (the plan a planner with perfect information would make).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

METRICS: dict[str, str] = {
    "output_ratio": "Σ realised activity ÷ Σ true physical capacity (higher is better)",
    "hidden_reserves": "Σ max(0, eK − max(y, Ĉ)) ÷ Σ K: capacity neither used nor known to the planner (lower is better)",
    "shortage": "Σ_g max(0, planned − realised net output) ÷ Σ planned gross output (lower is better)",
    "welfare": "quality-adjusted share of the first-best basket delivered, weighted by need (higher is better)",
    "report_error": "mean |report reaching the planner − true output| ÷ true output (lower is better)",
    "detect_time": "periods until the planner's signal for the shocked enterprise falls by half the shock; "
                   "horizon + 1 when never (lower is better)",
    "rounds": "rounds of council meetings per period (democratic arm only)",
    "meeting_share": "share of working time spent in meetings (democratic arm only)",
    "converged": "share of periods whose rounds converged within the cap (democratic arm only)",
}

#: metrics where a larger value is better (the others: smaller is better; the last three are descriptive)
HIGHER_IS_BETTER = {"output_ratio": True, "hidden_reserves": False, "shortage": False, "welfare": True,
                    "report_error": False, "detect_time": False}


def quality_by_good(B: sp.csr_matrix, q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``q̄_g = (B (q ∘ y))_g / (B y)_g``: output-weighted quality of good ``g`` (1 where nothing is made)."""
    made = B @ y
    qual = B @ (q * y)
    return np.divide(qual, made, out=np.ones_like(made), where=made > 0)


def welfare(net: np.ndarray, qbar: np.ndarray, needs: np.ndarray, s_star: float) -> float:
    """``Σ_g d_g · min(1, max(n_g, 0) q̄_g / (s* d_g)) / Σ_g d_g`` over goods with ``d_g > 0``."""
    wanted = needs > 0
    if not wanted.any() or s_star <= 0:
        return float("nan")
    d = needs[wanted]
    got = np.minimum(1.0, np.maximum(net[wanted], 0.0) * qbar[wanted] / (s_star * d))
    return float((d * got).sum() / d.sum())


def shortage(planned_net: np.ndarray, net: np.ndarray, planned_gross: np.ndarray) -> float:
    """``Σ_g max(0, planned_g − n_g) / Σ_g planned gross_g``: what the plan promised and did not arrive."""
    total = float(np.abs(planned_gross).sum())
    if total <= 0:
        return 0.0
    return float(np.maximum(planned_net - net, 0.0).sum() / total)


def hidden_reserves(eK: np.ndarray, y: np.ndarray, belief: np.ndarray, K: np.ndarray) -> float:
    """``Σ_j max(0, eK_j − max(y_j, Ĉ_j)) / Σ_j K_j``."""
    return float(np.maximum(eK - np.maximum(y, belief), 0.0).sum() / K.sum())


def report_error(report: np.ndarray, y: np.ndarray) -> float:
    """``mean_j |r_j − y_j| / y_j`` over enterprises with ``y_j > 0``."""
    ok = y > 0
    if not ok.any():
        return 0.0
    return float(np.mean(np.abs(report[ok] - y[ok]) / y[ok]))


def detection_time(signal: np.ndarray, shock_period: int, shock: float) -> int:
    """First ``t ≥ shock_period`` with ``signal_t ≤ pre · (1 − shock/2)``, as ``t − shock_period + 1``.

    ``pre`` is the signal's last value before the shock; ``len(signal) − shock_period + 1``
    (one past the horizon) when it never falls that far. NaN entries mean "nothing arrived yet".
    """
    horizon = len(signal) - shock_period
    before = signal[:shock_period]
    before = before[np.isfinite(before)]
    if before.size == 0:
        return horizon + 1
    pre = float(before[-1])
    after = signal[shock_period:]
    hit = np.flatnonzero(np.isfinite(after) & (after <= pre * (1.0 - shock / 2.0)))
    return int(hit[0]) + 1 if hit.size else horizon + 1


def logistic(u: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^{−u})``, computed without overflow."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * u)))
