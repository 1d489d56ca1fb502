"""A plan as a JSON document: one typed schema for ``plan.json``, the service's stored result and a
round's publication.

Every document of a plan starts with the same :class:`PlanHead` (status, objective, scale, certificate,
timings, iterations, message, explanation), built once by :func:`plan_head`:

* :class:`PlanSummaryDoc` (``plan.json`` of ``Plan.write``, ``Published.as_dict()["plan"]``) adds the
  backend's name as ``method`` and the ``input_hash``;
* :class:`PlanResultDoc` (the service's ``plans.result``, ``GET /plans/{id}``) adds the backend as
  ``solver`` and the plan's tables as rows: net output and fulfilment, every price, what binds, labour
  values, and each proposal's outcome;
* :class:`GoalsDoc` is what a round's rule made of the proposals, stored beside the result;
* :class:`DynamicSummaryDoc` is a multi-period plan's ``plan.json``: the same head, one scale per period;
* :class:`PublishedDoc` is what a simulated round's iteration publishes, around a :class:`PlanSummaryDoc`.

The documents are ``TypedDict`` s, so that the engine needs no validation library; the service's
Pydantic schema (:mod:`councilplan.api.schemas`) uses the same classes for its OpenAPI description and
its responses. Numbers are JSON numbers or ``null`` (:func:`finite`: NaN and ±inf become ``null``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NotRequired, Protocol

from typing_extensions import TypedDict

if TYPE_CHECKING:
    from councilplan.planning.plan import Plan


def finite(v: Any) -> float | None:
    """``float(v)`` when it is a finite number, else ``None`` (JSON has no NaN or infinity)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class CertificateDoc(TypedDict):
    """:class:`councilplan.solvers.base.Certificate`: relative residuals, gap and both objectives
    (``null`` where a diverged solve left them infinite or undefined)."""

    primal_residual: float | None
    dual_residual: float | None
    gap: float | None
    primal_objective: float | None
    dual_objective: float | None


class ChangeDoc(TypedDict):
    """One limit an infeasible plan would need changed (:mod:`councilplan.planning.explain`)."""

    constraint: str
    id: str
    bound: float | None
    needed: float | None
    change: float | None
    relative_change: float | None


class ExplanationDoc(TypedDict):
    """Why a plan is infeasible or unbounded, and what to change."""

    status: str
    text: str
    changes: list[ChangeDoc]


class PlanHead(TypedDict):
    """What every document of a plan says first."""

    status: str
    objective_name: str
    objective: float | None
    scale: float | None
    certificate: CertificateDoc | None
    timings: dict[str, float]
    iterations: int
    message: str
    explanation: ExplanationDoc | None


class PlanSummaryDoc(PlanHead):
    """``plan.json``: the head, the backend (``method``) and the input hash (docs/bundle.md)."""

    method: str
    input_hash: str


class NetOutputRow(TypedDict):
    good: str
    amount: float | None
    target: float | None
    floor: float | None
    fulfilment: float | None  # net output / target; null without a target


class PriceRow(TypedDict):
    kind: str  # good, labour, resource or capacity
    id: str
    shadow_price: float | None


class OutcomeRow(TypedDict):
    """What happened to one proposal: selected or not, its share, its cost, the rule's reason."""

    proposal: int
    council: int
    kind: str
    selected: bool
    share: float | None
    cost_hours: float | None
    cost_shadow: float | None
    price: float | None
    reason: str


class PlanResultDoc(PlanHead):
    """The service's stored result of a round's plan (``GET /plans/{id}``: ``result``)."""

    solver: str
    net_output: list[NetOutputRow]
    prices: list[PriceRow]
    binding: list[PriceRow]
    labour_values: dict[str, float | None]
    outcomes: list[OutcomeRow]
    #: capacities the deviation alerts changed before this plan (docs/monitoring.md)
    capacity_updates: NotRequired[dict[str, float]]


class TargetDoc(TypedDict):
    amount: float | None
    weight: float | None
    floor: float | None


class TechniqueDoc(TypedDict):
    """An accepted technique change: ``table`` (A, B, L or R) of ``process`` at ``item`` becomes ``amount``."""

    process: str
    table: str
    item: str
    amount: float
    justification: str


class GoalsDoc(TypedDict):
    """What a round's rule made of the proposals (``GET /plans/{id}``: ``goals``)."""

    rule: str
    targets: dict[str, TargetDoc]
    capacity: dict[str, float | None]  # offered process levels
    labour: dict[str, float | None]  # offered hours by kind
    techniques: list[TechniqueDoc]
    notes: list[str]
    #: the councils' total demand by good (non-zero entries), compared between iterations for convergence
    demand: NotRequired[dict[str, float | None]]


class DynamicSummaryDoc(TypedDict):
    """``plan.json`` of a multi-period plan: the head with one scale per period (``{"1": s_1, …}``,
    a ``ray`` plan repeats its one scale), the backend, the input hash and the scenario's meta."""

    status: str
    objective_name: str
    objective: float | None
    scale: dict[str, float | None] | None
    certificate: CertificateDoc | None
    timings: dict[str, float]
    iterations: int
    message: str
    explanation: ExplanationDoc | None
    method: str
    input_hash: str
    meta: dict[str, Any]


class ProposalCostRow(TypedDict):
    """One proposal in a simulated round's publication: outcome and cost (hours, at shadow prices)."""

    id: str
    council: str
    kind: str
    selected: bool
    share: float | None
    hours: float | None
    shadow_cost: float | None
    price: float | None
    reason: str


class PublishedDoc(TypedDict):
    """What a simulated round's iteration publishes (``Published.as_dict``): the plan's summary, the
    goals' targets, net output, what binds and each proposal's cost."""

    iteration: int
    rule: str
    converged: bool
    fallback: bool
    change: float | None
    warm_started: bool
    plan: PlanSummaryDoc
    targets: dict[str, TargetDoc]
    net_output: dict[str, float | None]
    binding: list[PriceRow]
    proposals: list[ProposalCostRow]
    notes: list[str]


class _Planned(Protocol):
    """What a head is read from: a :class:`~councilplan.planning.plan.Plan` or a multi-period plan."""

    status: Any
    objective_name: str
    objective: float | None
    certificate: Any
    timings: dict[str, float]
    iterations: int
    message: str
    explanation: Any


def explanation_doc(plan: _Planned) -> ExplanationDoc | None:
    e = plan.explanation
    if e is None:
        return None
    changes: list[ChangeDoc] = [
        {"constraint": str(r["constraint"]), "id": str(r["id"]), "bound": finite(r["bound"]),
         "needed": finite(r["needed"]), "change": finite(r["change"]), "relative_change": finite(r["relative_change"])}
        for r in e.changes.to_dict(orient="records")]
    return {"status": str(e.status), "text": e.text, "changes": changes}


def plan_head(plan: Plan) -> PlanHead:
    """The head of every document of ``plan``."""
    return {**_head(plan), "scale": finite(plan.scale)}  # type: ignore[typeddict-item]


def _head(plan: _Planned) -> dict[str, Any]:
    c = plan.certificate
    return {
        "status": str(plan.status), "objective_name": plan.objective_name, "objective": finite(plan.objective),
        "certificate": None if c is None else {
            "primal_residual": finite(c.primal_residual), "dual_residual": finite(c.dual_residual),
            "gap": finite(c.gap), "primal_objective": finite(c.primal_objective),
            "dual_objective": finite(c.dual_objective)},
        "timings": {k: float(v) for k, v in plan.timings.items() if math.isfinite(v)},
        "iterations": int(plan.iterations),
        "message": plan.message, "explanation": explanation_doc(plan),
    }


def dynamic_summary(plan: Any) -> DynamicSummaryDoc:
    """``plan.json`` of a :class:`~councilplan.scenarios.result.DynamicPlan`."""
    scale = None if plan.scale is None else {str(k): finite(v) for k, v in plan.scale.items()}
    return {**_head(plan), "scale": scale, "method": plan.solver,  # type: ignore[typeddict-item]
            "input_hash": plan.input_hash, "meta": dict(plan.meta)}


def plan_summary(plan: Plan) -> PlanSummaryDoc:
    """``plan.json`` of ``plan``."""
    return {**plan_head(plan), "method": plan.solver, "input_hash": plan.input_hash}


def price_rows(frame: Any) -> list[PriceRow]:
    """Rows ``kind, id, shadow_price`` of a prices table (``Plan.prices``, ``Plan.binding()``)."""
    return [{"kind": str(r.kind), "id": str(r.id), "shadow_price": finite(r.shadow_price)}
            for r in frame.itertuples()]


def plan_result(plan: Plan, outcomes: list[OutcomeRow]) -> PlanResultDoc:
    """The service's result document of ``plan`` with the proposals' ``outcomes``."""
    f = plan.fulfilment() if plan.optimal else None
    lv = plan.labour_values
    return {
        **plan_head(plan), "solver": plan.solver,
        "net_output": ([{"good": str(g), "amount": finite(r.amount), "target": finite(r.target),
                         "floor": finite(r.floor), "fulfilment": finite(r.fulfilment)}
                        for g, r in zip(f.index, f.itertuples(), strict=True)] if f is not None else []),
        "prices": price_rows(plan.prices),
        "binding": price_rows(plan.binding()) if plan.optimal else [],
        "labour_values": {str(g): finite(v) for g, v in lv["total"].items()} if lv is not None else {},
        "outcomes": outcomes,
    }
