"""Short-term forecasts of reported series, and the probability that a series has changed.

The Harrison–Stevens (1971, 1976) multi-state model, as Cybersyn's Cyberstride used it: a linear
growth model

.. math::

    y_t = μ_t + ε_t, \\qquad μ_t = μ_{t-1} + β_t + γ_t, \\qquad β_t = β_{t-1} + δ_t,

whose disturbances ``ε, γ, δ`` come, each period, from one of four states (:data:`STATES`): steady,
an outlier (large ``ε``), a step in the level (large ``γ``), a change of slope (large ``δ``).
Variances are multiples of an unknown observation variance ``V`` learnt with its conjugate
(inverse-gamma) update, so that one-step forecasts are Student-t (West & Harrison 1997, §4.6).

The posterior over state sequences grows as ``4^t``. As Harrison and Stevens did, it is collapsed
after every period to one Gaussian per current state (second-order generalised pseudo-Bayes,
West & Harrison §12.3). This costs 16 Kalman updates per period. It gives, after period ``t``, the
probability of each state **at t** and, one period later and more reliably, **at t - 1** (an
outlier and a step look the same until the next figure arrives).

:func:`detect` raises a change when the one-period-back probability of a step or a slope change
passes ``threshold``, or the probability at ``t`` passes ``now_threshold``. The detection delay and
false-alarm rate on simulated series are measured in ``tests/monitor/test_forecast.py`` and
reported in ``docs/monitoring.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

#: The four states.
STATES = ("steady", "outlier", "step", "slope")
#: Prior probability of each state in any period (independent of the previous state).
PRIOR = np.array([0.87, 0.03, 0.08, 0.02])
#: Per state: the variance of ε, γ and δ as multiples of V.
VARIANCES = np.array([
    [1.0, 0.01, 0.0001],   # steady: noise only, a slowly wandering level
    [25.0, 0.01, 0.0001],  # outlier: one wild figure (5 σ)
    [1.0, 9.0, 0.0001],    # step: the level jumps (3 σ)
    [1.0, 0.01, 0.09],     # slope: the trend changes (0.3 σ per period)
])
#: P(step or slope change one period back) that raises a change.
THRESHOLD = 0.3
#: P(the slope has a sign) that raises a drift.
DRIFT_THRESHOLD = 0.99
F = np.array([1.0, 0.0])
G = np.array([[1.0, 1.0], [0.0, 1.0]])


@dataclass(frozen=True)
class Filtered:
    """The filter's output for a series of ``T`` figures (index ``t`` is after figure ``t``).

    ``forecast[t]``/``spread[t]`` are the one-step forecast of figure ``t`` made before it came
    (mean and scale of the Student-t), ``level[t]``/``slope[t]`` the posterior means after it;
    ``now[t, k]`` is P(state k at t | figures ≤ t) and ``back[t, k]`` P(state k at t-1 | figures ≤ t).
    """

    forecast: np.ndarray
    spread: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    now: np.ndarray
    back: np.ndarray
    scale: np.ndarray
    #: P(slope < 0 | figures ≤ t), from the mixture of the four states' posteriors
    falling: np.ndarray


@dataclass(frozen=True)
class Change:
    """A detected change of a series: where it happened, how likely, which way, how large."""

    detected: int          #: index of the figure after which it was detected
    at: int                #: index of the figure where the change happened
    kind: str              #: "step" or "slope"
    probability: float     #: posterior probability of a step or slope change at ``at``
    direction: str         #: "down" or "up"
    expected: float        #: what the series was forecast to be at ``at`` before the change
    actual: float          #: the figure at ``at``
    level: float           #: the level the series has now (posterior mean after ``detected``)


def _log_t(e: np.ndarray, q: np.ndarray, n: float) -> np.ndarray:
    """Log density of a Student-t with ``n`` degrees of freedom, scale² ``q``, at ``e``."""
    return (special.gammaln((n + 1) / 2) - special.gammaln(n / 2) - 0.5 * np.log(n * np.pi * q)
            - (n + 1) / 2 * np.log1p(e * e / (n * q)))


def filter_series(y: np.ndarray | list[float], *, prior_scale: float | None = None) -> Filtered:
    """Run the collapsed four-state filter over ``y`` (see the module docstring).

    The prior: level at the first figure, slope 0, both vague; ``V`` guessed as
    ``prior_scale²`` (default: 5 % of the first figure) with one degree of freedom, so that it is
    learnt from the series within a few periods.
    """
    y = np.asarray(y, dtype=float)
    T = y.size
    K = len(STATES)
    out = {k: np.full(T, np.nan) for k in ("forecast", "spread", "level", "slope", "scale", "falling")}
    now, back = np.full((T, K), np.nan), np.full((T, K), np.nan)
    if T == 0:
        return Filtered(now=now, back=back, **out)
    s0 = prior_scale if prior_scale is not None else 0.05 * abs(y[0])
    S = np.full(K, max(s0, 1e-9) ** 2)
    n = 1.0
    m = np.tile([y[0], 0.0], (K, 1))
    C = np.tile(np.diag([1.0, 0.01]), (K, 1, 1)) * S[:, None, None]
    p = PRIOR.copy()
    out["level"][0], out["slope"][0], out["scale"][0], out["falling"][0] = y[0], 0.0, np.sqrt(S[0]), 0.5
    now[0] = PRIOR
    for t in range(1, T):
        # every (previous state i, current state j): predict, weigh, update
        a = m @ G.T                                                   # (K, 2)
        R0 = G @ C @ G.T                                              # (K, 2, 2)
        W = np.zeros((K, K, 2, 2))
        W[:, :, 0, 0] = (VARIANCES[:, 1] + VARIANCES[:, 2])[None, :] * S[:, None]
        W[:, :, 0, 1] = W[:, :, 1, 0] = VARIANCES[None, :, 2] * S[:, None]
        W[:, :, 1, 1] = VARIANCES[None, :, 2] * S[:, None]
        R = R0[:, None] + W                                           # (K, K, 2, 2)
        f = a[:, 0][:, None].repeat(K, axis=1)                        # (K, K)
        Q = R[..., 0, 0] + VARIANCES[None, :, 0] * S[:, None]
        e = y[t] - f
        logw = np.log(p)[:, None] + np.log(PRIOR)[None, :] + _log_t(e, Q, n)
        w = np.exp(logw - logw.max())
        w /= w.sum()
        mix_f = float((w * f).sum())
        out["forecast"][t] = mix_f
        out["spread"][t] = float(np.sqrt((w * (Q + (f - mix_f) ** 2)).sum()))
        n1 = n + 1.0
        S1 = S[:, None] + S[:, None] / n1 * (e * e / Q - 1.0)        # (K, K)
        S1 = np.maximum(S1, S[:, None] * 1e-3)
        A = R[..., :, 0] / Q[..., None]                               # (K, K, 2)
        m1 = a[:, None, :] + A * e[..., None]
        C1 = (S1 / S[:, None])[..., None, None] * (R - A[..., :, None] * A[..., None, :] * Q[..., None, None])
        # collapse to one component per current state j
        pj = w.sum(axis=0)
        q = w / np.maximum(pj[None, :], 1e-300)                       # P(i | j)
        Sj = 1.0 / (q / S1).sum(axis=0)
        r = q * Sj[None, :] / S1                                      # weights of the moment match
        mj = (r[..., None] * m1).sum(axis=0)
        d = m1 - mj[None]
        C = (r[..., None, None] * (C1 + d[..., :, None] * d[..., None, :])).sum(axis=0)
        m, S, p, n = mj, Sj, pj, n1
        now[t], back[t] = pj, w.sum(axis=1)
        out["level"][t], out["slope"][t] = float(p @ m[:, 0]), float(p @ m[:, 1])
        out["scale"][t] = float(np.sqrt(p @ S))
        out["falling"][t] = float(p @ special.ndtr(-m[:, 1] / np.sqrt(np.maximum(C[:, 1, 1], 1e-300))))
    return Filtered(now=now, back=back, **out)


def detect(y: np.ndarray | list[float], *, threshold: float = THRESHOLD, now_threshold: float = 0.95,
           drift_threshold: float = DRIFT_THRESHOLD, warmup: int = 4,
           prior_scale: float | None = None) -> list[Change]:
    """The changes of ``y``: one per episode of the change probability above its threshold.

    At figure ``t ≥ warmup``: a change at ``t - 1`` when P(step or slope at t - 1 | figures ≤ t) ≥
    ``threshold``, else at ``t`` when P(step or slope at t | figures ≤ t) ≥ ``now_threshold``; or a
    **drift** (kind ``"drift"``, ``at = t``) when P(slope < 0) or P(slope > 0) given figures ≤ t
    reaches ``drift_threshold``: a trend no single period shows. Once raised, the next change
    must be at least two periods later, and a drift must end (probability back under the
    threshold) before another drift is raised.
    """
    y = np.asarray(y, dtype=float)
    fl = filter_series(y, prior_scale=prior_scale)
    changes: list[Change] = []
    last = -10
    drifting = False
    for t in range(max(warmup, 1), y.size):
        pb = float(fl.back[t, 2] + fl.back[t, 3])
        pn = float(fl.now[t, 2] + fl.now[t, 3])
        pd_ = max(float(fl.falling[t]), 1.0 - float(fl.falling[t]))
        was_drifting, drifting = drifting, pd_ >= drift_threshold
        if pb >= threshold:
            at, prob, kind = t - 1, pb, "step" if fl.back[t, 2] >= fl.back[t, 3] else "slope"
        elif pn >= now_threshold:
            at, prob, kind = t, pn, "step" if fl.now[t, 2] >= fl.now[t, 3] else "slope"
        elif drifting and not was_drifting:
            at, prob, kind = t, pd_, "drift"
        else:
            continue
        if at < warmup or at - last < 2:
            continue
        expected = float(fl.forecast[at])
        changes.append(Change(detected=t, at=at, kind=kind, probability=prob,
                              direction="down" if y[at] < expected else "up", expected=expected,
                              actual=float(y[at]), level=float(fl.level[t])))
        last = at
    return changes
