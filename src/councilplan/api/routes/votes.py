"""Ballots of councils in a round (the ``cumulative`` rule): cast (replace) and read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from councilplan.api.deps import (
    CurrentMember,
    CurrentViewer,
    Id,
    ReadSessionDep,
    SessionDep,
    authorize,
    can_read,
    transactional,
)
from councilplan.api.schemas import MAX_ID, BallotCast, BallotPublic
from councilplan.democracy import POINTS_BUDGET, ProposalError, ProposalIssue, ProposalKind, Vote
from councilplan.democracy.rules import ballot_rules
from councilplan.democracy.rules.cumulative import vote_issues
from councilplan.store import crud
from councilplan.store.planning import domain_council
from councilplan.store.tables import CouncilRow, ProposalRow, RoundRow, VoteRow

router = APIRouter(tags=["votes"])



def _ballot(round_id: Id, council_id: int, rows: Sequence[VoteRow]) -> BallotPublic:
    votes = {v.proposal_id: float(v.points) for v in rows}
    return BallotPublic(round_id=round_id, council_id=council_id, votes=votes, spent=float(sum(votes.values())),
                        budget=POINTS_BUDGET, default=not rows)


def _located(issues: list[ProposalIssue], pids: list[int]) -> list[ProposalIssue]:
    """The issues of :func:`vote_issues` located in the request's body: ``votes.<proposal id>`` for a vote,
    ``council_id`` for the caller's council (once)."""
    out: list[ProposalIssue] = []
    for i in issues:
        m = re.fullmatch(r"votes\[(\d+)\]\.(\w+)", i.field)
        field = i.field if m is None else "council_id" if m[2] == "council_id" else f"votes.{pids[int(m[1])]}"
        if all((field, i.message) != (o.field, o.message) for o in out):
            out.append(replace(i, field=field))
    return out


@router.put("/rounds/{round_id}/votes", response_model=BallotPublic)
@transactional
def cast_ballot(round_id: Id, body: BallotCast, session: SessionDep, actor: CurrentMember) -> BallotPublic:
    """Replace your council's whole ballot in a round while it is open (delegates of consumer and regional
    councils; rounds of the ``cumulative`` rule). Points go to consumer proposals of the round, at most the
    equal budget in all; an empty ballot returns the council to the default one (its whole budget on its
    own proposals)."""
    rnd = crud.get(session, RoundRow, round_id, what="round")
    council_id = body.council_id if body.council_id is not None else actor.council.id
    authorize(actor, "votes.cast", economy_id=rnd.economy_id, council_id=council_id)
    if actor.council.kind == crud.BOARD:
        raise HTTPException(403, "the facilitation board casts no ballots; consumer and regional councils do")
    if rnd.rule not in ballot_rules():
        raise crud.ConflictError(f"round {rnd.id} aggregates with the rule '{rnd.rule}', which counts no ballots; "
                                 f"ballots are cast in rounds of: {', '.join(ballot_rules())}")
    rnd = crud.lock_round(session, round_id, shared=True)
    crud.ensure_open(rnd)
    proposals = session.execute(select(ProposalRow.id).where(
        ProposalRow.round_id == rnd.id, ProposalRow.status == "active",
        ProposalRow.kind == ProposalKind.CONSUMER.value)).scalars().all()
    council = domain_council(actor.council)
    votes = [Vote(council.id, str(pid), pts) for pid, pts in body.votes.items()]
    issues = vote_issues(votes or [Vote(council.id, "", 0.0)], {council.id: council},
                         [str(p) for p in proposals], POINTS_BUDGET)
    if not votes:  # an empty ballot: only who casts it is checked
        issues = [i for i in issues if i.field.endswith(".council_id")]
    if issues:
        raise ProposalError(_located(issues, list(body.votes)))
    rows = crud.replace_ballot(session, rnd=rnd, council=actor.council, actor=actor.id, votes=body.votes)
    session.commit()
    return _ballot(rnd.id, actor.council.id, rows)


@router.get("/rounds/{round_id}/votes", response_model=list[BallotPublic])
@transactional
def list_ballots(round_id: Id, session: ReadSessionDep, actor: CurrentViewer,
                 council_id: int | None = Query(None, ge=1, le=MAX_ID, description="one council's ballot (default: your council's; "
                                                                  "the board's members get every stored ballot)"),
                 ) -> list[BallotPublic]:
    """Ballots of a round: your council's (its default ballot when none is stored), or ``council_id``'s;
    members of the facilitation board get every stored ballot. Members read their own economy only (the
    ballots are in its event log too)."""
    rnd = crud.get(session, RoundRow, round_id, what="round")
    can_read(actor, rnd.economy_id)
    if council_id is None and actor.council.kind == crud.BOARD:
        rows = crud.round_votes(session, rnd.id)
        by: dict[int, list[VoteRow]] = {}
        for v in rows:
            by.setdefault(v.council_id, []).append(v)
        return [_ballot(rnd.id, cid, vs) for cid, vs in by.items()]
    cid = council_id if council_id is not None else actor.council.id
    council = crud.get(session, CouncilRow, cid, what="council")
    if council.economy_id != rnd.economy_id:
        raise crud.NotFoundError(f"council {cid} is not a council of round {rnd.id}'s economy")
    return [_ballot(rnd.id, cid, crud.round_votes(session, rnd.id, council_id=cid))]
