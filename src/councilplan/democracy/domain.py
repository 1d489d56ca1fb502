"""The democratic domain as plain typed data: councils, roles, proposals, votes, goals, rounds.

Everything here is a frozen dataclass or an enum and holds no database or HTTP
concern; storage persists these objects and the API serialises them.

Conventions
-----------
* Quantities in a consumer :class:`Proposal` are **per head** of the proposing
  council's population, per plan period, in the good's unit (``goods.csv``). The
  council's whole demand is ``population × quantity``.
* Priority points are spent from an **equal budget** of
  :data:`POINTS_BUDGET` points per council (equal for every council, whatever its
  size; population enters through the rule, not the points).
* A workplace proposal offers capacity (a maximum level per process it is
  attached to), hours by labour kind, and technique changes, each with a
  justification.
* A :class:`Vote` is one council's support for one proposal (approval, or
  points for cumulative voting). A proposal's author always supports it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import TARGET_COLUMNS
from councilplan.model.errors import InputError
from councilplan.model.validate import MAX_MAGNITUDE

if TYPE_CHECKING:
    from councilplan.model.economy import Economy

#: Priority points every consumer council may spend per proposal (an equal budget).
POINTS_BUDGET = 100.0


# --------------------------------------------------------------------- errors
@dataclass(frozen=True)
class ProposalIssue:
    """One problem in a proposal or council: which object, which field, what is wrong, how to fix it."""

    field: str
    message: str
    fix: str
    proposal: str | None = None

    def __str__(self) -> str:
        where = f"proposal '{self.proposal}', " if self.proposal else ""
        return f"{where}field '{self.field}': {self.message}. Fix: {self.fix}"


class ProposalError(InputError):
    """A proposal (or council) is invalid. ``issues`` holds every problem found, all at once."""

    def __init__(self, issues: list[ProposalIssue], *, source: str = "proposal") -> None:
        self.issues = list(issues)
        n = len(self.issues)
        lines = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"{source} has {n} problem{'s' if n != 1 else ''}:\n{lines}")


class RoundTransitionError(InputError):
    """A round was asked to move to a phase it cannot reach from where it is."""


# -------------------------------------------------------------------- councils
class CouncilKind(enum.StrEnum):
    WORKPLACE = "workplace"
    CONSUMER = "consumer"
    REGIONAL = "regional"


class Role(enum.StrEnum):
    """A member's role in a council, from least to most authority."""

    MEMBER = "member"
    DELEGATE = "delegate"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """True when this role carries at least ``other``'s authority."""
        return self.rank >= other.rank


@dataclass(frozen=True)
class Council:
    """A workplace council (attached to processes) or a consumer/regional council (with a population).

    ``population`` is the number of people a consumer or regional council speaks
    for (> 0); for a workplace council it is its number of workers (may be 0 if
    unknown).
    """

    id: str
    name: str
    kind: CouncilKind
    processes: tuple[str, ...] = ()
    population: float = 0.0
    region: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CouncilKind(self.kind))
        object.__setattr__(self, "processes", tuple(self.processes))
        issues = council_issues(self)
        if issues:
            raise ProposalError(issues, source=f"council '{self.id}'")

    @property
    def is_workplace(self) -> bool:
        return self.kind is CouncilKind.WORKPLACE

    @property
    def weight(self) -> float:
        """The council's voting weight: its population."""
        return float(self.population)


def council_issues(c: Council) -> list[ProposalIssue]:
    """Every problem with a council's own fields (ids against an economy are checked in validate)."""
    out: list[ProposalIssue] = []
    if not str(c.id).strip():
        out.append(ProposalIssue("id", "the council id is empty", "give the council a non-empty id"))
    pop = float(c.population)
    if not np.isfinite(pop) or pop < 0:
        out.append(ProposalIssue("population", f"population is {c.population!r}", "give a finite number ≥ 0"))
    elif pop > MAX_MAGNITUDE:
        out.append(ProposalIssue("population", f"population {pop:g} is over {MAX_MAGNITUDE:g}",
                                 "give the number of people the council speaks for"))
    if c.kind is CouncilKind.WORKPLACE:
        if not c.processes:
            out.append(ProposalIssue("processes", "a workplace council must be attached to at least one process",
                                     "list the process ids (processes.csv) this workplace runs"))
    else:
        if c.processes:
            out.append(ProposalIssue("processes", f"a {c.kind} council cannot be attached to processes",
                                     "attach processes only to workplace councils"))
        if np.isfinite(pop) and pop <= 0:
            out.append(ProposalIssue("population", f"a {c.kind} council needs a population > 0, got {c.population!r}",
                                     "give the number of people the council speaks for"))
    return out


@dataclass(frozen=True)
class Member:
    """A member of a council (authentication lives in the service, not here)."""

    id: str
    council_id: str
    role: Role = Role.MEMBER
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))


# ------------------------------------------------------------------- proposals
class ProposalKind(enum.StrEnum):
    CONSUMER = "consumer"
    WORKPLACE = "workplace"


TechniqueTable = Literal["inputs", "outputs", "labour", "resources"]
TECHNIQUE_TABLES: tuple[str, ...] = ("inputs", "outputs", "labour", "resources")


@dataclass(frozen=True)
class TechniqueChange:
    """A workplace's proposed new coefficient: ``table`` row (``process``, ``item``) becomes ``amount``.

    ``item`` is a good id (inputs, outputs), a labour kind (labour) or a resource
    id (resources); ``amount`` is per unit level of the process.
    """

    process: str
    table: TechniqueTable
    item: str
    amount: float
    justification: str


@dataclass(frozen=True)
class Proposal:
    """A council's proposal for one iteration of a round.

    Consumer: ``goods`` (good → quantity per head) and/or ``priorities`` (good →
    points, summing to at most :data:`POINTS_BUDGET`). Workplace: ``capacity``
    (process → maximum level offered), ``hours`` (labour kind → hours offered)
    and ``techniques``.
    """

    id: str
    council_id: str
    kind: ProposalKind
    goods: Mapping[str, float] = field(default_factory=dict)
    priorities: Mapping[str, float] = field(default_factory=dict)
    capacity: Mapping[str, float] = field(default_factory=dict)
    hours: Mapping[str, float] = field(default_factory=dict)
    techniques: tuple[TechniqueChange, ...] = ()
    iteration: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ProposalKind(self.kind))
        object.__setattr__(self, "techniques", tuple(self.techniques))
        for name in ("goods", "priorities", "capacity", "hours"):
            object.__setattr__(self, name, dict(getattr(self, name)))

    def total_goods(self, council: Council) -> dict[str, float]:
        """The council's whole demand: population × quantity per head."""
        return {g: float(q) * council.weight for g, q in self.goods.items()}

    def revised(self, **changes: Any) -> Proposal:
        """A copy for the next iteration with some fields changed."""
        changes.setdefault("iteration", self.iteration + 1)
        return replace(self, **changes)


@dataclass(frozen=True)
class Vote:
    """Council ``council_id`` supports proposal ``proposal_id`` with ``points`` (1 = approval)."""

    council_id: str
    proposal_id: str
    points: float = 1.0


# ----------------------------------------------------------------------- goals
@dataclass(frozen=True)
class Outcome:
    """What a rule decided about one proposal, and why.

    ``share`` is the funded fraction (0 or 1 for indivisible rules);
    ``cost_hours`` and ``cost_shadow`` its cost in labour hours and at shadow
    prices (NaN when unknown); ``price`` the Equal Shares price per unit of
    utility at which it was bought or failed; ``reason`` a sentence for people.
    """

    proposal_id: str
    selected: bool
    share: float = 1.0
    cost_hours: float = float("nan")
    cost_shadow: float = float("nan")
    price: float | None = None
    supporters: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, eq=False)
class Goals:
    """What a rule makes of the proposals: targets ready for ``Economy.with_targets`` and offers.

    ``targets`` is indexed by good id with columns ``amount, weight, floor``.
    ``capacity`` (process → level) and ``labour`` (kind → hours) are workplace
    offers that replace the economy's limits where given; ``techniques`` are the
    accepted technique changes. ``outcomes`` says, per proposal, what happened.
    """

    targets: pd.DataFrame
    rule: str
    capacity: pd.Series | None = None
    labour: pd.Series | None = None
    techniques: tuple[TechniqueChange, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        missing = [c for c in TARGET_COLUMNS if c not in self.targets.columns]
        if missing:
            raise InputError(f"goals need target columns {', '.join(missing)}")

    def outcome(self, proposal_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.proposal_id == proposal_id), None)

    def apply(self, economy: Economy) -> Economy:
        """The economy with these goals: targets, offered capacities and hours, technique changes."""
        out = economy.with_targets(self.targets[list(TARGET_COLUMNS)])
        changes: dict[str, Any] = {}
        if self.capacity is not None and len(self.capacity):
            cap = out.capacity.copy()
            cap.loc[self.capacity.index] = self.capacity.astype(float).to_numpy()
            changes["capacity"] = cap
        if self.labour is not None and len(self.labour):
            lab = out.labour_available.copy()
            lab.loc[self.labour.index] = self.labour.astype(float).to_numpy()
            changes["labour_available"] = lab
        if self.techniques:
            changes.update(_apply_techniques(out, self.techniques))
        return out.replace(**changes) if changes else out


def _apply_techniques(economy: Economy, changes: tuple[TechniqueChange, ...]) -> dict[str, sp.csr_matrix]:
    rows = {"inputs": economy.goods.index, "outputs": economy.goods.index,
            "labour": economy.labour_kinds, "resources": economy.resources}
    attr = {"inputs": "A", "outputs": "B", "labour": "L", "resources": "R"}
    mats: dict[str, sp.lil_matrix] = {}
    for ch in changes:
        name = attr[ch.table]
        if name not in mats:
            mats[name] = sp.lil_matrix(getattr(economy, name))
        i = int(rows[ch.table].get_loc(ch.item))
        j = int(economy.processes.index.get_loc(ch.process))
        mats[name][i, j] = float(ch.amount)
    return {k: sp.csr_matrix(v) for k, v in mats.items()}


def empty_targets(economy: Economy) -> pd.DataFrame:
    """Targets with amount 0, weight 1 and floor 0 for every good."""
    return pd.DataFrame({"amount": 0.0, "weight": 1.0, "floor": 0.0}, index=economy.goods.index.copy(), dtype=float)


# ---------------------------------------------------------------------- rounds
class RoundPhase(enum.StrEnum):
    """``open → closed → planned → published``, then ``open`` again for the next iteration."""

    OPEN = "open"
    CLOSED = "closed"
    PLANNED = "planned"
    PUBLISHED = "published"


_NEXT = {RoundPhase.OPEN: RoundPhase.CLOSED, RoundPhase.CLOSED: RoundPhase.PLANNED,
         RoundPhase.PLANNED: RoundPhase.PUBLISHED, RoundPhase.PUBLISHED: RoundPhase.OPEN}


@dataclass(frozen=True)
class RoundState:
    """Where a planning round stands.

    ``iteration`` counts from 0. ``finished`` is set when a published iteration
    converged or the cap ``max_iterations`` was reached; ``finish_reason`` is then
    ``"converged"`` or ``"cap"`` (the fallback plan is published). A finished
    round accepts no more transitions.
    """

    round_id: str
    phase: RoundPhase = RoundPhase.OPEN
    iteration: int = 0
    max_iterations: int = 10
    rule: str = "equal-shares"
    objective: str = "harmony"
    tolerance: float = 1e-2
    finished: bool = False
    finish_reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "phase", RoundPhase(self.phase))
        if self.max_iterations < 1:
            raise RoundTransitionError(f"max_iterations must be ≥ 1, got {self.max_iterations}")

    @property
    def accepts_proposals(self) -> bool:
        return self.phase is RoundPhase.OPEN and not self.finished

    def next_phase(self) -> RoundPhase:
        return _NEXT[self.phase]

    def advance(self, to: RoundPhase | str | None = None) -> RoundState:
        """The state after one legal transition (to ``to`` if given, which must be the next phase).

        ``published → open`` starts the next iteration; it is refused once the
        round is finished or the cap is reached.
        """
        if self.finished:
            raise RoundTransitionError(
                f"round '{self.round_id}' is finished ({self.finish_reason}); start a new round")
        nxt = self.next_phase()
        if to is not None and RoundPhase(to) is not nxt:
            raise RoundTransitionError(
                f"round '{self.round_id}' is {self.phase}; it can only move to {nxt}, not {RoundPhase(to)}")
        if nxt is RoundPhase.OPEN:
            if self.iteration + 1 >= self.max_iterations:
                raise RoundTransitionError(
                    f"round '{self.round_id}' reached its cap of {self.max_iterations} iterations; "
                    "finish it with the fallback plan")
            return replace(self, phase=nxt, iteration=self.iteration + 1)
        return replace(self, phase=nxt)

    def finish(self, reason: Literal["converged", "cap"]) -> RoundState:
        """Mark a published iteration as the round's last."""
        if self.phase is not RoundPhase.PUBLISHED:
            raise RoundTransitionError(f"round '{self.round_id}' can only finish once published, it is {self.phase}")
        return replace(self, finished=True, finish_reason=reason)
