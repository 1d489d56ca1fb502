"""Planning objectives and the harmony function.

``ray`` (Kantorovich)
    ``max s`` s.t. ``(B - A) x ≥ s·d`` and ``(B - A) x ≥ floor``: go as far as
    possible along the councils' proportions ``d`` (the target amounts).
``harmony`` (after Cockshott and Cottrell)
    ``max Σ_i w_i h(u_i)`` with ``u_i = (y_i - t_i) / t_i`` for every good with a
    target ``t_i > 0``, where ``h`` is concave and piecewise linear
    (:data:`HARMONY_BREAKPOINTS`, :data:`HARMONY_SLOPES`): steep below target,
    gentle just above it and flat beyond ``+50 %``.
``min-labour``
    ``min Σ_k ω_k L_k x`` s.t. ``(B - A) x ≥ max(t, floor)``; with one labour kind
    its good duals are the labour values.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Objective = Literal["ray", "harmony", "min-labour"]
OBJECTIVES: tuple[Objective, ...] = ("ray", "harmony", "min-labour")

#: Breakpoints of ``h`` in relative fulfilment ``u = (y - t)/t``.
HARMONY_BREAKPOINTS = np.array([-0.5, 0.0, 0.5])
#: Slopes of ``h`` on ``(-∞, -0.5], [-0.5, 0], [0, 0.5], [0.5, ∞)``: steep below target, flat above.
HARMONY_SLOPES = np.array([4.0, 2.0, 0.5, 0.0])


def harmony_pieces() -> tuple[np.ndarray, np.ndarray]:
    """Intercepts ``a_k`` and slopes ``b_k`` with ``h(u) = min_k (a_k + b_k u)`` and ``h(0) = 0``."""
    b = HARMONY_SLOPES
    # h is continuous with h(0) = 0; integrate the slopes from 0 outwards.
    a = np.empty_like(b)
    bp = HARMONY_BREAKPOINTS
    i0 = int(np.searchsorted(bp, 0.0))  # segment index starting at u = 0
    # value of h at each breakpoint
    h_at = np.zeros(bp.size)
    for k in range(i0, bp.size - 1):
        h_at[k + 1] = h_at[k] + b[k + 1] * (bp[k + 1] - bp[k])
    for k in range(i0 - 1, -1, -1):
        h_at[k] = h_at[k + 1] - b[k + 1] * (bp[k + 1] - bp[k])
    # segment k lies on [bp[k-1], bp[k]]; line through (bp[k], h_at[k]) or (bp[k-1], ...)
    for k in range(b.size):
        anchor = k if k < bp.size else k - 1
        a[k] = h_at[anchor] - b[k] * bp[anchor]
    return a, b


def harmony(u: np.ndarray) -> np.ndarray:
    """``h(u) = min_k (a_k + b_k u)``, elementwise."""
    a, b = harmony_pieces()
    return np.min(a[:, None] + b[:, None] * np.asarray(u, dtype=float)[None, :], axis=0)
