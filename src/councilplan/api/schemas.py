"""Request and response bodies, layered as in the FastAPI template: ``XCreate`` in, ``XPublic`` out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from councilplan.model.validate import MAX_MAGNITUDE
from councilplan.planning.schema import GoalsDoc, PlanResultDoc

T = TypeVar("T")

#: a quantity, population, number of hours or points: finite, ≥ 0 and at most the engine's largest magnitude
Amount = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
RoleName = Literal["member", "delegate", "coordinator", "admin"]
CouncilKindName = Literal["workplace", "consumer", "regional"]
Objective = Literal["ray", "harmony", "min-labour"]


#: the largest id or offset a request may name: the databases' 64-bit integers (a bigger one is a 422,
#: not an overflow inside the database driver)
MAX_ID = 2**63 - 1

#: a row's id sent in a body or a query
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC: SQLite hands back the stored UTC time without its zone, which is not RFC 3339."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: a moment, always sent with its zone (``2026-12-06T13:46:00.102332Z``)
Timestamp = Annotated[dt.datetime, AfterValidator(_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorItem(BaseModel):
    """One thing wrong with a request: where (``loc``), what and how to fix it (``msg``), and its kind."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """Every error answer: ``detail`` is a message, or for bad input (422) a list of :class:`ErrorItem`;
    ``type`` names the kind (``not_found``, ``conflict``, ``overloaded``…) where the server knows it."""

    detail: str | list[ErrorItem]
    type: str | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, at most ``limit``, of ``total``."""

    items: list[T]
    total: int
    offset: int
    limit: int


# ------------------------------------------------------------------ economies
class EconomyCreate(In):
    """Either a built-in ``example`` name or the economy's ``files`` (name → text, ARCHITECTURE §8)."""

    example: str | None = Field(None, description="a built-in economy, e.g. 'germany-1995'")
    files: dict[str, str] | None = Field(None, description="economy.toml and the CSV files, as text")
    name: Name | None = None
    admin_name: Name = "admin"


class EconomyPublic(Out):
    id: int
    name: str
    description: str
    source: str
    content_hash: str
    n_goods: int
    n_processes: int
    log_seq: int
    log_head: str
    created_at: Timestamp


class EconomyDetail(EconomyPublic):
    goods: list[str]
    processes: list[str]
    labour_kinds: list[str]
    resources: list[str]


class CatalogueItem(BaseModel):
    """A good or a process of an economy, as the browser lists it."""

    id: str
    name: str


# ------------------------------------------------------------------- councils
class CouncilCreate(In):
    name: Name
    kind: CouncilKindName
    population: Amount | None = Field(None, description="people the council speaks for (workers for a workplace)")
    processes: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list,
                                                                 description="process ids a workplace runs")


class CouncilUpdate(In):
    name: Name | None = None
    population: Amount | None = None
    processes: list[Annotated[str, Field(min_length=1)]] | None = None


class CouncilPublic(Out):
    id: int
    economy_id: int
    name: str
    kind: str
    population: float | None
    processes: list[str]
    created_at: Timestamp


class InviteCreate(In):
    role: RoleName = "member"
    days: int = Field(14, ge=1, le=365)


class InvitePublic(Out):
    id: int
    council_id: int
    role: str
    expires_at: Timestamp
    code: str = Field(description="the one-time invite code; shown only now, stored only as a hash")


class CouncilCreated(BaseModel):
    council: CouncilPublic
    invite: InvitePublic


class InviteAccept(In):
    code: Annotated[str, Field(min_length=8, max_length=200)]
    name: Name


class MemberPublic(Out):
    id: int
    council_id: int
    name: str
    role: str
    active: bool
    created_at: Timestamp


class MemberUpdate(In):
    role: RoleName | None = None
    name: Name | None = None


class MemberWithToken(BaseModel):
    member: MemberPublic
    council: CouncilPublic
    token: str = Field(description="the bearer token; shown only now, stored only as a hash")


class Me(BaseModel):
    member: MemberPublic
    council: CouncilPublic
    economy_id: int


class EconomyCreated(BaseModel):
    economy: EconomyPublic
    board: CouncilPublic
    admin: MemberPublic
    token: str = Field(description="the admin's bearer token; shown only now, stored only as a hash")


# --------------------------------------------------------------------- rounds
class RoundCreate(In):
    rule: str = Field("equal-shares", description="an aggregation rule (GET /rules)")
    objective: Objective = "harmony"
    max_iterations: int = Field(10, ge=1, le=100)
    tolerance: float = Field(0.01, gt=0, le=1, allow_inf_nan=False)
    deadline: dt.datetime | None = Field(None, description="when the first iteration stops taking proposals "
                                                            "and ballots (RFC 3339; UTC when no zone is given)")


class RoundReopen(In):
    deadline: dt.datetime | None = Field(None, description="when the next iteration stops taking proposals "
                                                           "and ballots (none when omitted)")


class RoundPublic(Out):
    id: int
    economy_id: int
    number: int
    iteration: int
    state: str
    rule: str
    objective: str
    max_iterations: int
    tolerance: float
    finished: bool
    finish_reason: str | None
    deadline: Timestamp | None = None
    created_at: Timestamp


# ------------------------------------------------------------------ proposals
class TechniqueIn(In):
    process: Annotated[str, Field(min_length=1)]
    table: Literal["inputs", "outputs", "labour", "resources"]
    item: Annotated[str, Field(min_length=1)]
    amount: Amount
    justification: Annotated[str, Field(min_length=3, max_length=2000)]


class ProposalContent(In):
    """Consumer: ``goods`` (per head) and/or ``priorities`` (points). Workplace: ``capacity``, ``hours``,
    ``techniques``."""

    goods: dict[str, Amount] = Field(default_factory=dict, description="good → quantity per head")
    priorities: dict[str, Amount] = Field(default_factory=dict, description="good → priority points")
    capacity: dict[str, Amount] = Field(default_factory=dict, description="process → maximum level offered")
    hours: dict[str, Amount] = Field(default_factory=dict, description="labour kind → hours offered")
    techniques: list[TechniqueIn] = Field(default_factory=list)
    note: Annotated[str, Field(max_length=2000)] = ""


class ProposalCreate(ProposalContent):
    kind: Literal["consumer", "workplace"] | None = Field(None, description="default: from the council's kind")
    council_id: RowId | None = Field(None, description="default and only allowed value: the caller's council")
    client_key: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="idempotency key: resubmitting the same key returns the stored proposal")


class ProposalPublic(Out):
    id: int
    round_id: int
    council_id: int
    member_id: int | None
    kind: str
    client_key: str
    content: dict[str, Any]
    status: str
    iteration: int
    version: int
    created_at: Timestamp
    updated_at: Timestamp


# ---------------------------------------------------------------------- votes
class BallotCast(In):
    """A council's whole ballot in a round (the ``cumulative`` rule): it replaces the stored one."""

    votes: dict[RowId, float] = Field(description="consumer proposal id → points (≥ 0, at most the budget in all); "
                                                "an empty ballot returns the council to the default ballot")
    council_id: RowId | None = Field(None, description="default and only allowed value: the caller's council")


class BallotPublic(BaseModel):
    round_id: int
    council_id: int
    votes: dict[int, float] = Field(description="proposal id → points")
    spent: float = Field(description="points given in all")
    budget: float = Field(description="the equal budget of points of every council")
    default: bool = Field(description="no ballot is stored: the council's whole budget goes to its own proposals")


# ---------------------------------------------------------------------- plans
class PlanSummary(Out):
    id: int
    round_id: int
    iteration: int
    status: str
    objective: str
    rule: str
    input_hash: str
    published: bool
    #: the cap's ray plan of a round in which no iteration had an optimal plan (docs/service.md)
    fallback: bool = False
    created_at: Timestamp


class PlanPublic(PlanSummary):
    """A round's plan: the goals its rule made of the proposals and the plan's result
    (:mod:`councilplan.planning.schema`)."""

    goals: GoalsDoc
    result: PlanResultDoc


class RoundAdvanced(BaseModel):
    round: RoundPublic
    plan: PlanSummary | None = None


# --------------------------------------------------------------------- events
class EventPublic(Out):
    seq: int
    at: str
    actor: int | None
    action: str
    entity: str
    entity_id: int | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class ChainPublic(BaseModel):
    ok: bool
    events: int
    head: str
    broken_at: int | None
    message: str


# ------------------------------------------------------------ reports, alerts
class ReportIn(In):
    """One period's figures of one of the council's processes (docs/monitoring.md)."""

    process: Name = Field(description="a process the council runs")
    period: Annotated[int, Field(ge=1, le=1_000_000, description="the plan period, numbered 1, 2, …")]
    output: Amount = Field(description="amount of the process's main product made in the period")
    hours: Amount = Field(description="hours worked in the period, all kinds together")


class ReportBatch(In):
    reports: list[ReportIn] = Field(min_length=1, max_length=100_000,
                                    description="stored all together or, when one is invalid, not at all")


class ReportPublic(Out):
    id: int
    council_id: int
    member_id: int | None
    process: str
    period: int
    output: float
    hours: float
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class AlertPublic(Out):
    id: int
    council_id: int
    process: str
    metric: Literal["output", "hours"]
    period: int = Field(description="the period where the series changed")
    detected_period: int = Field(description="the period whose report revealed it")
    kind: Literal["step", "slope", "drift"]
    direction: Literal["down", "up"]
    probability: float = Field(description="posterior probability of the change (docs/monitoring.md)")
    expected: float = Field(description="what the forecast expected at `period`")
    actual: float = Field(description="what was reported at `period`")
    level: float = Field(description="the level the forecast expects now")
    state: Literal["open", "acknowledged", "explained"]
    escalate_at: Timestamp
    escalated: bool = Field(False, description="open past `escalate_at`: the facilitation board sees it too")
    responded_by: int | None
    responded_at: Timestamp | None
    explanation: str | None
    capacity: float | None = Field(description="the process's capacity given with the explanation")
    created_at: Timestamp


class ReportsSubmitted(BaseModel):
    reports: list[ReportPublic]
    alerts: list[AlertPublic] = Field(description="alerts these reports raised")


class AlertExplanation(In):
    explanation: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
    capacity: Amount | None = Field(None, description="the process's capacity from now on, in units of "
                                                      "activity; the next planning round uses it")
