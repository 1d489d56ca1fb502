"""Proposal validation: every problem at once, each naming field and fix."""

from __future__ import annotations

import math

import pytest

import councilplan as cp
from councilplan.democracy import Council, Proposal, ProposalError, TechniqueChange
from councilplan.democracy.validate import check_proposal, proposal_issues

ECON = cp.example("kantorovich")
STREET = Council("street", "Street", "consumer", population=100)
MILL = Council("mill", "Mill", "workplace", processes=("milling_a", "milling_b"))


def fields(p: Proposal, c: Council) -> dict[str, str]:
    return {i.field: f"{i.message} | {i.fix}" for i in proposal_issues(p, c, ECON)}


def test_valid_proposals_pass() -> None:
    p = Proposal("p", "street", "consumer", goods={"part_a": 2}, priorities={"part_a": 60, "part_b": 40})
    assert check_proposal(p, STREET, ECON) is p
    w = Proposal("w", "mill", "workplace", capacity={"milling_a": 2}, hours={"operator": 100},
                 techniques=(TechniqueChange("milling_b", "outputs", "part_b", 22, "new fixture"),))
    assert check_proposal(w, MILL, ECON) is w


def test_consumer_errors_all_at_once() -> None:
    p = Proposal("p", "street", "consumer", goods={"part_c": 1, "part_a": -1, "part_b": math.nan},
                 priorities={"part_a": 80, "part_b": 30})
    f = fields(p, STREET)
    assert "unknown good 'part_c'" in f["goods['part_c']"] and "goods.csv" in f["goods['part_c']"]
    assert "negative" in f["goods['part_a']"] and "≥ 0" in f["goods['part_a']"]
    assert "NaN" in f["goods['part_b']"]
    assert "110" in f["priorities"] and "at most 100" in f["priorities"]
    with pytest.raises(ProposalError) as e:
        check_proposal(p, STREET, ECON)
    assert len(e.value.issues) == 4
    assert "4 problems" in str(e.value)


def test_workplace_errors() -> None:
    w = Proposal("w", "mill", "workplace", capacity={"turret_a": 1, "milling_x": 3}, hours={"welder": 5},
                 techniques=(TechniqueChange("automatic_a", "inputs", "part_a", -1, ""),))
    f = fields(w, MILL)
    assert "not attached to process 'turret_a'" in f["capacity['turret_a']"]
    assert "e.g. milling_" in f["capacity['milling_x']"]  # suggests a close id
    assert "unknown labour kind 'welder'" in f["hours['welder']"]
    assert "not attached" in f["techniques[0].process"]
    assert "negative" in f["techniques[0].inputs['part_a']"]
    assert "justification" in f["techniques[0].justification"]


def test_kind_mismatch_and_empty() -> None:
    assert "kind" in fields(Proposal("x", "mill", "consumer", goods={"part_a": 1}), MILL)
    assert "kind" in fields(Proposal("x", "street", "workplace", capacity={"milling_a": 1}), STREET)
    assert "asks for nothing" in fields(Proposal("x", "street", "consumer"), STREET)["goods"]
    assert "council_id" in fields(Proposal("x", "other", "consumer", goods={"part_a": 1}), STREET)


def test_huge_values_are_refused_and_huge_points_do_not_overflow() -> None:
    # found by schemathesis: points near the largest float summed to inf with an overflow warning
    p = Proposal("p", "street", "consumer", goods={"part_a": 2e15}, priorities={"part_a": 1.7e308, "part_b": 1.7e308})
    f = fields(p, STREET)
    assert "too large" in f["goods['part_a']"] and "1e+15" in f["goods['part_a']"]
    assert "too large" in f["priorities['part_a']"]
    assert "add up to inf" in f["priorities"]


def test_a_population_past_the_largest_magnitude_is_refused() -> None:
    with pytest.raises(ProposalError) as e:
        Council("big", "Big", "consumer", population=1e300)
    (issue,) = e.value.issues
    assert issue.field == "population" and "over 1e+15" in issue.message
