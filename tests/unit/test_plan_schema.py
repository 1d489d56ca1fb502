"""One typed schema of a plan: plan.json, a round's publication and the service's result share one
head, validate against their TypedDicts, and are strict JSON (no NaN or infinity)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import councilplan as cp
from councilplan.democracy import Council, Proposal, RoundState
from councilplan.democracy.rounds import run_iteration
from councilplan.planning.schema import (
    PlanHead,
    PlanResultDoc,
    PlanSummaryDoc,
    plan_head,
    plan_result,
    plan_summary,
)

pydantic = pytest.importorskip("pydantic")


def _plans() -> list[cp.Plan]:
    e = cp.example("kantorovich")
    infeasible = e.with_targets(e.targets.assign(floor=e.targets["amount"] * 1e6 + 1e6))
    return [cp.plan(e, objective="ray"), cp.plan(infeasible, objective="harmony")]


@pytest.mark.parametrize("which", [0, 1], ids=["optimal", "infeasible"])
def test_plan_json_is_the_typed_summary(tmp_path: Path, which: int) -> None:
    p = _plans()[which]
    written = json.loads((p.write(tmp_path / "plan") / "plan.json").read_text())
    doc = plan_summary(p)
    assert written == json.loads(json.dumps(doc, allow_nan=False))
    pydantic.TypeAdapter(PlanSummaryDoc).validate_python(written)
    head = set(PlanHead.__annotations__)
    assert head <= set(doc) and set(doc) - head == {"method", "input_hash"}
    if which == 1:  # the explanation's table is typed rows, every number finite or null
        assert doc["status"] == "infeasible" and doc["explanation"] is not None
        assert doc["explanation"]["changes"] and all(
            set(c) == {"constraint", "id", "bound", "needed", "change", "relative_change"}
            for c in doc["explanation"]["changes"])


@pytest.mark.parametrize("which", [0, 1], ids=["optimal", "infeasible"])
def test_the_service_result_extends_the_same_head(which: int) -> None:
    p = _plans()[which]
    result = plan_result(p, [])
    assert {k: result[k] for k in PlanHead.__annotations__} == plan_head(p)  # type: ignore[literal-required]
    strict = json.loads(json.dumps(result, allow_nan=False))
    pydantic.TypeAdapter(PlanResultDoc).validate_python(strict)
    if p.optimal:
        assert {r["good"] for r in result["net_output"]} == {str(g) for g in p.net_output.index}
        assert len(result["prices"]) == len(p.prices)
    else:
        assert result["net_output"] == [] and result["binding"] == []


def test_a_round_publishes_the_same_summary() -> None:
    e = cp.example("germany-1995")
    cs = [Council("c0", "c0", "consumer", population=100.0)]
    ps = [Proposal("p0", "c0", "consumer", goods={"trade": 10.0})]
    _, pub = run_iteration(RoundState("r", rule="population-sum"), e, cs, ps)
    doc = pub.as_dict()
    assert doc["plan"] == plan_summary(pub.plan)
    from councilplan.planning.schema import PublishedDoc

    pydantic.TypeAdapter(PublishedDoc).validate_python(json.loads(json.dumps(doc, allow_nan=False)))
    assert doc["change"] is None and doc["proposals"][0]["id"] == "p0" and doc["proposals"][0]["hours"] > 0
    assert set(doc["targets"]) == {str(g) for g in e.goods.index}


def test_the_openapi_schema_types_a_plan() -> None:
    pytest.importorskip("fastapi")
    from councilplan.api.schemas import PlanPublic

    schema = PlanPublic.model_json_schema()
    defs = schema["$defs"]
    result = defs["PlanResultDoc"]
    assert {"net_output", "prices", "binding", "labour_values", "outcomes", "certificate"} <= set(result["required"])
    assert "capacity_updates" not in result["required"]
    assert defs["NetOutputRow"]["properties"]["fulfilment"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert "demand" in defs["GoalsDoc"]["properties"] and "demand" not in defs["GoalsDoc"]["required"]


def test_a_dynamic_plan_json_has_the_same_head(tmp_path: Path) -> None:
    from councilplan.planning.schema import DynamicSummaryDoc
    from councilplan.scenarios.dynamic import DynamicEconomy
    from councilplan.scenarios.result import plan_dynamic

    p = plan_dynamic(DynamicEconomy.from_static(cp.example("kantorovich"), 2), "sum-ray")
    written = json.loads((p.write(tmp_path / "dyn") / "plan.json").read_text())
    pydantic.TypeAdapter(DynamicSummaryDoc).validate_python(written)
    assert set(PlanHead.__annotations__) <= set(written)
    assert set(written["scale"]) == {"1", "2"} and written["input_hash"] == p.input_hash


def test_a_diverged_certificate_still_writes_strict_json(tmp_path: Path) -> None:
    import math

    from councilplan.solvers.base import Certificate

    p = cp.plan(cp.example("kantorovich"), "ray")
    p.certificate = Certificate(math.inf, math.nan, 1e-3, 2.0, 3.0)
    written = json.loads((p.write(tmp_path / "plan") / "plan.json").read_text())
    assert written["certificate"] == {"primal_residual": None, "dual_residual": None, "gap": 1e-3,
                                      "primal_objective": 2.0, "dual_objective": 3.0}
