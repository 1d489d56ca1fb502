"""Checks of councils and proposals against a stored economy, as strict as the economy files' checks.

Every problem is collected and reported at once as a
:class:`~councilplan.democracy.ProposalError` (the API answers 422, one entry
per problem, each naming the field and the fix).
"""

from __future__ import annotations

from dataclasses import replace

from councilplan.api.schemas import ProposalCreate
from councilplan.democracy import (
    POINTS_BUDGET,
    Council,
    CouncilKind,
    Proposal,
    ProposalError,
    ProposalIssue,
    ProposalKind,
    TechniqueChange,
)
from councilplan.democracy.validate import proposal_issues
from councilplan.model.economy import Economy


def _unknown(ids: list[str], known: object, what: str, field: str, fix: str) -> list[ProposalIssue]:
    out = []
    for i in ids:
        if i not in known:  # type: ignore[operator]
            out.append(ProposalIssue(field, f"'{i}' is not a {what} of this economy", fix))
    return out


def check_processes(processes: list[str], economy: Economy) -> None:
    issues = _unknown(processes, economy.processes.index, "process", "processes",
                      "use process ids from GET /economies/{id}")
    if len(set(processes)) != len(processes):
        issues.append(ProposalIssue("processes", "a process is listed twice", "list each process once"))
    if issues:
        raise ProposalError(issues, source="council")


def check_proposal(body: ProposalCreate, kind: str, council_kind: str, council_processes: list[str],
                   economy: Economy, *, council_id: str = "council", population: float = 1.0) -> None:
    """Raise :class:`ProposalError` with every problem of ``body`` for a council of ``council_kind``.

    The checks are the domain's (:func:`councilplan.democracy.validate.proposal_issues`), so that a
    proposal is judged the same over HTTP, in a simulated round and in Python; the API answers each
    issue as one 422 entry whose ``loc`` is the field and whose ``msg`` says what is wrong and the fix.
    """
    council = Council(id=council_id, name=council_id, kind=CouncilKind(council_kind),
                      processes=tuple(council_processes), population=population)
    techniques = tuple(TechniqueChange(process=t.process, table=t.table, item=t.item, amount=t.amount,
                                       justification=t.justification) for t in body.techniques)
    proposal = Proposal(id="submitted", council_id=council_id, kind=ProposalKind(kind), goods=body.goods,
                        priorities=body.priorities, capacity=body.capacity, hours=body.hours,
                        techniques=techniques)
    issues = proposal_issues(proposal, council, economy, points_budget=POINTS_BUDGET)
    if issues:
        raise ProposalError([replace(i, proposal=None) for i in issues])
