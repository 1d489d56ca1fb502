"""Detection delay and false-alarm rate of :func:`~councilplan.monitor.forecast.detect` on simulated
series with planted changes (the figures of docs/monitoring.md, measured by
``tests/monitor/test_forecast.py`` and printed by ``python bench/alerts.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from councilplan.monitor.forecast import detect


@dataclass(frozen=True)
class Figures:
    """Over ``series`` simulated series of ``length`` figures, a change planted at ``at``."""

    change: str
    series: int
    detected: float        #: share of series whose change was detected (from ``at - 2`` on)
    mean_delay: float      #: periods from the change to its detection, over detected series
    median_delay: float
    false_alarms: float    #: alarms per figure before the change (or anywhere, without one)

    def row(self) -> str:
        if self.change == "none":
            return f"| none | {self.series} | — | — | — | {self.false_alarms:.4f} |"
        return (f"| {self.change} | {self.series} | {self.detected:.0%} | {self.mean_delay:.2f} | "
                f"{self.median_delay:.0f} | {self.false_alarms:.4f} |")


def planted(change: str, size: float, *, series: int = 200, length: int = 40, at: int = 25, sd: float = 2.0,
            level: float = 100.0, outliers: int = 0, seed: int = 0) -> Figures:
    """Figures of ``change`` (``"step"``: the level moves by ``size`` σ at ``at``; ``"slope"``: it
    moves by ``size`` σ per period from ``at``; ``"none"``) on series ``level + N(0, sd²)`` with
    ``outliers`` single 6 σ spikes placed at random before the change."""
    rng = np.random.default_rng(seed)
    delays: list[int] = []
    alarms = figures = 0
    for _ in range(series):
        y = level + rng.normal(0.0, sd, length)
        if outliers:
            where = rng.choice(np.arange(5, at - 3), size=outliers, replace=False)
            y[where] += rng.choice([-6.0, 6.0], size=outliers) * sd
        if change == "step":
            y[at:] += size * sd
        elif change == "slope":
            y[at:] += size * sd * np.arange(1, length - at + 1)
        found = detect(y)
        if change == "none":
            alarms += len(found)
            figures += length
            continue
        alarms += sum(c.at < at - 2 for c in found)
        figures += at - 2
        hits = [c for c in found if c.at >= at - 2]
        if hits:
            delays.append(hits[0].detected - at)
    n = len(delays)
    return Figures(change if change == "none" else f"{change} {size:+g} σ", series,
                   n / series if change != "none" else 0.0, float(np.mean(delays)) if n else float("nan"),
                   float(np.median(delays)) if n else float("nan"), alarms / max(figures, 1))
