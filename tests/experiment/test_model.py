"""The parameter table, the metric kernels and a run's determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from councilplan import example
from councilplan.experiment import metrics as mt
from councilplan.experiment.params import PARAMETERS, Params, check_table, draw_params
from councilplan.experiment.run import Generated, run_one
from councilplan.experiment.world import ExperimentInputError, make_world


def test_parameter_table_matches_params_and_cites_or_admits() -> None:
    check_table()
    for p in PARAMETERS:
        assert p.source, p.name
        assert p.low < p.high, p.name


def test_draws_stay_in_range_and_fixing_one_leaves_the_others() -> None:
    a = draw_params(np.random.default_rng(3))
    b = draw_params(np.random.default_rng(3), {"ratchet": 0.9})
    for p in PARAMETERS:
        assert p.low <= getattr(a, p.name) <= p.high
    assert b.ratchet == 0.9
    assert a.with_(ratchet=0.9) == b


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(ValueError, match="ratchett"):
        Params().with_(ratchett=1.0)


def test_welfare_is_the_need_weighted_quality_adjusted_share() -> None:
    needs = np.array([2.0, 1.0, 0.0])
    net = np.array([1.0, 2.0, 5.0])
    qbar = np.array([1.0, 0.5, 1.0])
    # good 0: 1/2 delivered; good 1: min(1, 2*0.5/1) = 1 -> (2*0.5 + 1*1)/3
    assert mt.welfare(net, qbar, needs, 1.0) == pytest.approx(2.0 / 3.0)


def test_quality_by_good_weights_by_output() -> None:
    B = sp.csr_matrix(np.array([[1.0, 1.0], [0.0, 0.0]]))
    q = mt.quality_by_good(B, np.array([1.0, 0.5]), np.array([1.0, 3.0]))
    assert q == pytest.approx([(1.0 + 1.5) / 4.0, 1.0])


def test_detection_time_counts_from_the_shock_and_censors() -> None:
    assert mt.detection_time(np.array([10.0, 10.0, 9.0, 8.0]), 2, 0.3) == 2
    assert mt.detection_time(np.array([10.0, 10.0, 10.0, 10.0]), 2, 0.3) == 3
    assert mt.detection_time(np.array([np.nan, 10.0, 8.0, 8.0]), 2, 0.3) == 1
    assert mt.detection_time(np.array([np.nan, 10.0, 8.0, 8.0]), 1, 0.3) == 4  # nothing before the shock


def test_hidden_reserves_and_shortage() -> None:
    eK = np.array([10.0, 10.0])
    assert mt.hidden_reserves(eK, np.array([6.0, 10.0]), np.array([8.0, 0.0]), np.array([20.0, 20.0])) == 0.05
    assert mt.shortage(np.array([4.0, 0.0]), np.array([3.0, -1.0]), np.array([8.0, 2.0])) == pytest.approx(0.2)


def test_a_run_is_reproducible_and_seed_sensitive() -> None:
    econ = example("germany-1995")
    a, b, c = run_one(4, 7, econ), run_one(4, 7, econ), run_one(5, 7, econ)
    assert pd.DataFrame(a).equals(pd.DataFrame(b))  # NaN-aware, bit for bit
    assert not pd.DataFrame(a).equals(pd.DataFrame(c))
    assert {r["arm"] for r in a} == {"command", "democratic"}


def test_generated_economies_differ_by_run() -> None:
    a, b = run_one(0, 1, Generated(8)), run_one(1, 1, Generated(8))
    assert a[0]["economy"] != b[0]["economy"]
    assert np.isfinite(a[0]["welfare"]) and np.isfinite(a[1]["welfare"])


def test_economy_without_targets_is_refused_with_a_fix() -> None:
    econ = example("germany-1995")
    empty = econ.with_targets(econ.targets.assign(amount=0.0))
    with pytest.raises(ExperimentInputError, match=r"[Ff]ix"):
        make_world(empty, Params(), np.random.default_rng(0))


def test_war1941_static_economy_plans_and_runs() -> None:
    from councilplan.experiment.scenario import scenario_economy

    econ = scenario_economy("war1941")
    assert econ.labour_available["workers"] == pytest.approx(31.2)
    rows = run_one(0, 0, econ)
    assert all(np.isfinite(r["welfare"]) and 0.0 <= r["welfare"] <= 1.0 for r in rows)


def test_unknown_scenario_names_the_builtins() -> None:
    from councilplan.experiment.scenario import scenario_economy

    with pytest.raises(FileNotFoundError, match="war1941"):
        scenario_economy("war1812")
