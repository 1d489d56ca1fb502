"""The forecast and its alerts on simulated series with planted changes: detection delay and
false-alarm rate (the figures of docs/monitoring.md), and the filter's invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilplan.monitor.forecast import detect, filter_series
from councilplan.monitor.simulate import planted


def test_large_steps_are_caught_a_period_later() -> None:
    f = planted("step", -5.0)
    assert f.detected >= 0.97 and f.median_delay == 1 and f.mean_delay <= 1.2, f
    assert f.false_alarms <= 0.01, f
    up = planted("step", +5.0, seed=1)
    assert up.detected >= 0.97 and up.median_delay == 1, up


def test_three_sigma_steps_are_caught_more_often_than_not() -> None:
    f = planted("step", -3.0)
    assert f.detected >= 0.55 and f.median_delay <= 1, f


def test_drifts_are_caught_as_they_accumulate() -> None:
    f = planted("slope", -0.5)
    assert f.detected >= 0.8 and f.median_delay <= 10, f


def test_steady_series_raise_almost_nothing_even_with_outliers() -> None:
    quiet = planted("none", 0.0)
    assert quiet.false_alarms <= 0.005, quiet  # measured: 0.003, one in about 330 periods
    spiky = planted("none", 0.0, outliers=3)
    assert spiky.false_alarms <= 0.01, spiky  # an outlier is told from a step by the next figure


def test_each_alert_says_which_way_and_how_likely() -> None:
    y = np.r_[np.full(15, 100.0), np.full(10, 80.0)] + np.random.default_rng(0).normal(0, 1, 25)
    (c,) = detect(y)
    assert c.at in (14, 15) and c.kind == "step" and c.direction == "down" and 0.3 <= c.probability <= 1
    assert c.expected == pytest.approx(100, abs=2) and c.level == pytest.approx(80, abs=2)


def test_forecasts_track_a_steady_series() -> None:
    y = 50 + np.random.default_rng(1).normal(0, 0.5, 60)
    f = filter_series(y)
    assert np.abs(f.forecast[10:] - 50).max() < 2.0
    assert 0.3 < f.scale[-1] < 0.8  # the noise's scale is learnt
    assert np.allclose(f.now.sum(axis=1), 1) and np.allclose(f.back[1:].sum(axis=1), 1)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.01, 1e4), st.floats(-1e4, 1e4))
def test_alerts_do_not_depend_on_units(seed: int, a: float, b: float) -> None:
    """Reporting in tonnes or kilograms, or from another origin, finds the same changes."""
    rng = np.random.default_rng(seed)
    y = 100 + rng.normal(0, 2, 30)
    y[rng.integers(5, 30):] -= rng.uniform(0, 20)
    base = [(c.at, c.kind, c.direction) for c in detect(y)]
    assert [(c.at, c.kind, c.direction) for c in detect(a * y + b, prior_scale=a * 0.05 * abs(y[0]))] == base
