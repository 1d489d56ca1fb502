"""Each mechanism moves the metric it should, all else equal (same worlds, same seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from councilplan import example
from councilplan.experiment.params import Params
from councilplan.experiment.run import run_once

SEEDS = (11, 12, 13)


@pytest.fixture(scope="module")
def economy():  # type: ignore[no-untyped-def]
    return example("germany-1995")


def mean_metric(economy, arm: str, metric: str, **changes: float) -> float:  # type: ignore[no-untyped-def]
    p = Params().with_(**changes)
    return float(np.mean([run_once(economy, p, s)[arm][metric] for s in SEEDS]))


@pytest.mark.slow
def test_larger_ratchet_raises_hidden_reserves_in_command(economy) -> None:  # type: ignore[no-untyped-def]
    low = mean_metric(economy, "command", "hidden_reserves", ratchet=0.05)
    high = mean_metric(economy, "command", "hidden_reserves", ratchet=0.9)
    assert high > low + 0.02, (low, high)


@pytest.mark.slow
def test_higher_audit_probability_lowers_report_error(economy) -> None:  # type: ignore[no-untyped-def]
    none = mean_metric(economy, "command", "report_error", audit_prob=0.0, level_noise=0.0)
    strict = mean_metric(economy, "command", "report_error", audit_prob=0.5, penalty=5.0, level_noise=0.0)
    assert none > 0.0
    assert strict < none, (none, strict)


@pytest.mark.slow
def test_turnout_collapse_degrades_democratic_welfare(economy) -> None:  # type: ignore[no-untyped-def]
    full = mean_metric(economy, "democratic", "welfare", turnout=0.95, need_spread=1.0)
    collapsed = mean_metric(economy, "democratic", "welfare", turnout=0.05, need_spread=1.0)
    assert collapsed < full - 0.01, (full, collapsed)


@pytest.mark.slow
def test_meeting_load_costs_output(economy) -> None:  # type: ignore[no-untyped-def]
    free = mean_metric(economy, "democratic", "output_ratio", meeting_hours=0.0)
    loaded = mean_metric(economy, "democratic", "output_ratio", meeting_hours=0.02)
    assert loaded < free, (free, loaded)


def test_meeting_share_is_rounds_times_hours(economy) -> None:  # type: ignore[no-untyped-def]
    res = run_once(economy, Params().with_(meeting_hours=0.01), 5)["democratic"]
    assert res["meeting_share"] == pytest.approx(res["rounds"] * 0.01)
    assert 1.0 <= res["rounds"] <= Params().round_cap


def test_coercion_lowers_quality_adjusted_welfare_when_it_buys_no_effort(economy) -> None:  # type: ignore[no-untyped-def]
    mild = mean_metric(economy, "command", "welfare", coercion=0.0)
    harsh = mean_metric(economy, "command", "welfare", coercion=1.0, coercion_effort=0.0, coercion_quality=0.3)
    assert harsh < mild, (mild, harsh)
