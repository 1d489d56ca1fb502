"""Re-planning after a vote starts from the previous plan and needs fewer iterations."""

from __future__ import annotations

import numpy as np
import pytest

import councilplan as cp
from councilplan.model.synthetic import random_economy


def test_highs_warm_start_after_target_change() -> None:
    e = random_economy(300, seed=3)
    first = cp.plan(e, "ray", with_values=False)
    assert first.optimal and first.raw["basis"] is not None
    tg = e.targets.copy()
    tg["amount"] *= np.random.default_rng(1).uniform(0.8, 1.2, len(tg))
    changed = e.with_targets(tg)
    cold = cp.plan(changed, "ray", with_values=False)
    warm = cp.plan(changed, "ray", with_values=False, warm=first)
    assert warm.optimal
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert warm.iterations < cold.iterations
