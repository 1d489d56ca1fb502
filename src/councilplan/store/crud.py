"""Create, read and change stored objects; every change appends its event in the same transaction.

Functions take keyword-only arguments and a :class:`~sqlalchemy.orm.Session`; the
caller owns the transaction (the API commits before it answers). Authorisation
is the API's job (:mod:`councilplan.api.deps`); these functions trust their caller.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, Select, bindparam, delete, func, select, text
from sqlalchemy.orm import Session, aliased

from councilplan.model.errors import InputError
from councilplan.store import economies as econ_files
from councilplan.store.audit import Late, append_event, append_sql
from councilplan.store.security import hash_secret, new_invite_code, new_token
from councilplan.store.tables import (
    CouncilRow,
    EconomyRow,
    EventRow,
    InviteRow,
    MemberRow,
    PlanRow,
    ProposalRow,
    RoundRow,
    VoteRow,
    utcnow,
)

T = TypeVar("T")
BOARD = "board"
INVITE_DAYS = 14


class NotFoundError(LookupError):
    """A stored object does not exist (the API answers 404)."""


class ConflictError(InputError):
    """The request conflicts with the stored state (the API answers 409)."""


def page(session: Session, query: Select[Any], *, offset: int, limit: int) -> tuple[Sequence[Any], int]:
    """One page of ``query`` and the total count, in one statement (the count is a scalar subquery);
    a second one counts only when the page is empty past the first item."""
    count = select(func.count()).select_from(query.order_by(None).subquery())
    rows = session.execute(query.add_columns(count.scalar_subquery()).offset(offset).limit(limit)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][-1])
    return [], int(session.execute(count).scalar_one()) if offset else 0


def get(session: Session, model: type[T], ident: int, *, what: str) -> T:
    row = session.get(model, ident)
    if row is None:
        raise NotFoundError(f"{what} {ident} does not exist")
    return row


# ------------------------------------------------------------------ economies
def create_economy(
    session: Session, *, files: dict[str, str], admin_name: str = "admin", name: str | None = None,
) -> tuple[EconomyRow, CouncilRow, MemberRow, str]:
    """Validate and store an economy with its facilitation board and first admin; returns the admin token."""
    economy = econ_files.parse_files(files)
    meta = economy.meta
    row = EconomyRow(name=name or meta.get("name", "economy"), description=meta.get("description", ""),
                     source=meta.get("source", ""), content_hash=economy.content_hash(), files=files,
                     n_goods=economy.n_goods, n_processes=economy.n_processes, log_seq=0, log_head="0" * 64)
    session.add(row)
    session.flush()
    board = CouncilRow(economy_id=row.id, name="facilitation board", kind=BOARD, population=None, processes=[])
    session.add(board)
    session.flush()
    token = new_token()
    admin = MemberRow(council_id=board.id, name=admin_name, role="admin", token_hash=hash_secret(token))
    session.add(admin)
    session.flush()
    append_event(session, economy_id=row.id, action="economy.created", entity="economy", entity_id=row.id,
                 actor=admin.id, payload={"name": row.name, "content_hash": row.content_hash,
                                          "goods": row.n_goods, "processes": row.n_processes,
                                          "board": board.id, "admin": admin.id})
    return row, board, admin, token


# ------------------------------------------------------------------- councils
def create_council(
    session: Session, *, economy_id: int, actor: int, name: str, kind: str,
    population: float | None, processes: list[str], first_role: str = "coordinator",
) -> tuple[CouncilRow, InviteRow, str]:
    """A council and a one-time invite for its first coordinator (the code is returned once)."""
    if session.execute(select(CouncilRow.id).where(CouncilRow.economy_id == economy_id,
                                                   CouncilRow.name == name)).first():
        raise ConflictError(f"a council named '{name}' already exists in economy {economy_id}; choose another name")
    row = CouncilRow(economy_id=economy_id, name=name, kind=kind, population=population, processes=processes)
    session.add(row)
    session.flush()
    invite, code = _invite(session, council_id=row.id, role=first_role, created_by=actor)
    append_event(session, economy_id=economy_id, action="council.created", entity="council", entity_id=row.id,
                 actor=actor, payload={"name": name, "kind": kind, "population": population,
                                       "processes": processes, "invite": invite.id, "invite_role": first_role})
    return row, invite, code


def update_council(
    session: Session, *, council: CouncilRow, actor: int, changes: dict[str, Any],
) -> CouncilRow:
    for key, value in changes.items():
        setattr(council, key, value)
    append_event(session, economy_id=council.economy_id, action="council.updated", entity="council",
                 entity_id=council.id, actor=actor, payload=changes)
    return council


# ------------------------------------------------------------ invites/members
def _invite(session: Session, *, council_id: int, role: str, created_by: int | None,
            days: int = INVITE_DAYS) -> tuple[InviteRow, str]:
    code = new_invite_code()
    inv = InviteRow(council_id=council_id, role=role, code_hash=hash_secret(code), created_by=created_by,
                    expires_at=utcnow() + dt.timedelta(days=days))
    session.add(inv)
    session.flush()
    return inv, code


def create_invite(
    session: Session, *, council: CouncilRow, actor: int, role: str, days: int = INVITE_DAYS,
) -> tuple[InviteRow, str]:
    inv, code = _invite(session, council_id=council.id, role=role, created_by=actor, days=days)
    append_event(session, economy_id=council.economy_id, action="invite.created", entity="invite",
                 entity_id=inv.id, actor=actor, payload={"council": council.id, "role": role, "days": days})
    return inv, code


def accept_invite(session: Session, *, code: str, name: str) -> tuple[MemberRow, CouncilRow, str]:
    """Turn a valid, unused invite into a member and a bearer token (returned once)."""
    inv = session.execute(
        select(InviteRow).where(InviteRow.code_hash == hash_secret(code)).with_for_update()
    ).scalar_one_or_none()
    if inv is None:
        raise NotFoundError("this invite code is not valid; ask your council's coordinator for a new one")
    if inv.used_at is not None:
        raise ConflictError("this invite has been used already; ask your council's coordinator for a new one")
    expires = inv.expires_at if inv.expires_at.tzinfo else inv.expires_at.replace(tzinfo=dt.UTC)
    if expires < utcnow():
        raise ConflictError("this invite has expired; ask your council's coordinator for a new one")
    council = get(session, CouncilRow, inv.council_id, what="council")
    token = new_token()
    member = MemberRow(council_id=council.id, name=name, role=inv.role, token_hash=hash_secret(token))
    session.add(member)
    session.flush()
    inv.used_at, inv.used_by = utcnow(), member.id
    append_event(session, economy_id=council.economy_id, action="member.joined", entity="member",
                 entity_id=member.id, actor=member.id,
                 payload={"council": council.id, "role": inv.role, "name": name, "invite": inv.id})
    return member, council, token


# Hot statements are built once, with bound parameters (building a statement costs more than running it).
_MEMBER_BY_TOKEN = (select(MemberRow, CouncilRow).join(CouncilRow, CouncilRow.id == MemberRow.council_id)
                    .where(MemberRow.token_hash == bindparam("h"), MemberRow.active.is_(True)))
_PROPOSAL_BY_KEY = select(ProposalRow).where(ProposalRow.round_id == bindparam("r"),
                                             ProposalRow.council_id == bindparam("c"),
                                             ProposalRow.client_key == bindparam("k"))
_ROUND_FOR_SHARE = (select(RoundRow).where(RoundRow.id == bindparam("r")).with_for_update(read=True)
                    .execution_options(populate_existing=True))
_ROUND_FOR_UPDATE = (select(RoundRow).where(RoundRow.id == bindparam("r")).with_for_update(key_share=True)
                     .execution_options(populate_existing=True))
_KEYED = aliased(ProposalRow)
_ROUND_ECONOMY = (select(RoundRow, EconomyRow.content_hash, _KEYED)
                  .join(EconomyRow, EconomyRow.id == RoundRow.economy_id)
                  .outerjoin(_KEYED, (_KEYED.round_id == RoundRow.id) & (_KEYED.council_id == bindparam("c"))
                             & (_KEYED.client_key == bindparam("k")))
                  .where(RoundRow.id == bindparam("r")))


def member_by_token(session: Session, token: str) -> tuple[MemberRow, CouncilRow] | None:
    row = session.execute(_MEMBER_BY_TOKEN, {"h": hash_secret(token)}).first()
    return (row[0], row[1]) if row else None


def round_and_economy(session: Session, round_id: int, *, council_id: int = 0, client_key: str = ""
                      ) -> tuple[RoundRow, str, ProposalRow | None]:
    """The round, its economy's content hash and the council's proposal stored under ``client_key``
    (if any), in one query."""
    row = session.execute(_ROUND_ECONOMY, {"r": round_id, "c": council_id, "k": client_key}).first()
    if row is None:
        raise NotFoundError(f"round {round_id} does not exist")
    return row[0], row[1], row[2]


def update_member(
    session: Session, *, member: MemberRow, economy_id: int, actor: int, changes: dict[str, Any],
) -> MemberRow:
    for key, value in changes.items():
        setattr(member, key, value)
    append_event(session, economy_id=economy_id, action="member.updated", entity="member",
                 entity_id=member.id, actor=actor, payload=changes)
    return member


# --------------------------------------------------------------------- rounds
def create_round(
    session: Session, *, economy_id: int, actor: int, rule: str, objective: str,
    max_iterations: int, tolerance: float, deadline: dt.datetime | None = None,
) -> RoundRow:
    running = session.execute(select(RoundRow.id).where(RoundRow.economy_id == economy_id,
                                                        RoundRow.finished.is_(False))).first()
    if running:
        raise ConflictError(f"round {running[0]} of this economy is still running; finish it before starting another")
    number = (session.execute(select(func.max(RoundRow.number)).where(RoundRow.economy_id == economy_id))
              .scalar_one() or 0) + 1
    row = RoundRow(economy_id=economy_id, number=number, iteration=0, state="open", rule=rule,
                   objective=objective, max_iterations=max_iterations, tolerance=tolerance, finished=False,
                   deadline=check_deadline(deadline))
    session.add(row)
    session.flush()
    append_event(session, economy_id=economy_id, action="round.created", entity="round", entity_id=row.id,
                 actor=actor, payload={"number": number, "rule": rule, "objective": objective,
                                       "max_iterations": max_iterations, "tolerance": tolerance,
                                       "deadline": row.deadline.isoformat() if row.deadline else None})
    return row


def check_deadline(deadline: dt.datetime | None) -> dt.datetime | None:
    """``deadline`` in UTC (a time without a zone is taken as UTC); refused unless it is in the future."""
    if deadline is None:
        return None
    when = deadline.replace(tzinfo=dt.UTC) if deadline.tzinfo is None else deadline.astimezone(dt.UTC)
    if when <= utcnow():
        raise ConflictError(f"the deadline {when.isoformat(timespec='minutes')} has passed already; "
                            "give a time in the future (UTC unless it names its zone)")
    return when


def ensure_open(rnd: RoundRow) -> None:
    """Raise :class:`ConflictError` unless the round takes proposals now: open, and before its deadline."""
    if rnd.finished or rnd.state != "open":
        state = f"finished ({rnd.finish_reason})" if rnd.finished else rnd.state
        raise ConflictError(f"round {rnd.id} is {state}; proposals are taken only while it is open")
    if rnd.deadline is not None:
        deadline = rnd.deadline if rnd.deadline.tzinfo else rnd.deadline.replace(tzinfo=dt.UTC)
        if utcnow() >= deadline:
            raise ConflictError(f"round {rnd.id} stopped taking proposals and ballots at its deadline, "
                                f"{deadline.isoformat(timespec='minutes')} (UTC); the coordinators close it "
                                "and plan with what was proposed")


def lock_round(session: Session, round_id: int, *, shared: bool) -> RoundRow:
    """The round, locked: shared by proposal writes, exclusive by transitions (PostgreSQL)."""
    row = session.execute(_ROUND_FOR_SHARE if shared else _ROUND_FOR_UPDATE, {"r": round_id}).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"round {round_id} does not exist")
    return row


# ------------------------------------------------------------------ proposals
def find_proposal(session: Session, *, round_id: int, council_id: int, client_key: str) -> ProposalRow | None:
    """The proposal a council stored in a round under ``client_key``, if any."""
    return session.execute(_PROPOSAL_BY_KEY, {"r": round_id, "c": council_id, "k": client_key}).scalar_one_or_none()


def _submitted(round_id: int, iteration: int | Late, council: CouncilRow, kind: str, content: dict[str, Any],
               client_key: str) -> dict[str, Any]:
    """The payload of a ``proposal.submitted`` event."""
    return {"round": round_id, "iteration": iteration, "council": council.id, "kind": kind, "content": content,
            "client_key": client_key}


def _submit_sql(*, round_id: int, council: CouncilRow, actor: int, kind: str, content: dict[str, Any],
                client_key: str) -> tuple[Any, dict[str, Any]]:
    """One PostgreSQL statement: lock the round shared (open only), insert the proposal unless its key
    is stored, and append the event (the economy row locked last, only when a row was inserted)."""
    events, params = append_sql(economy_id=council.economy_id, action="proposal.submitted", entity="proposal",
                                entity_id=Late("prev.proposal_id"), actor=actor,
                                payload=_submitted(round_id, Late("prev.iteration"), council, kind, content,
                                                   client_key),
                                source="p", source_columns="p.id AS proposal_id, p.iteration")
    now = utcnow()
    params.update(round_id=round_id, council_id=council.id, member_id=actor, kind=kind, client_key=client_key,
                  content=content, now=now)
    cols = ", ".join(c.name for c in ProposalRow.__table__.columns)
    sql = f"""WITH r AS MATERIALIZED (
    SELECT id, iteration FROM rounds WHERE id = :round_id AND state = 'open' AND NOT finished FOR SHARE),
p AS (
    INSERT INTO proposals (round_id, council_id, member_id, kind, client_key, content, status, iteration,
                           version, created_at, updated_at)
    SELECT r.id, :council_id, :member_id, :kind, :client_key, :content, 'active', r.iteration, 1, :now, :now
    FROM r ON CONFLICT (round_id, council_id, client_key) DO NOTHING RETURNING {cols}),
{events}
SELECT {cols} FROM p"""
    return _proposal_statement(sql), params


@functools.lru_cache(maxsize=16)
def _proposal_statement(sql: str) -> Any:
    """An ORM statement returning :class:`ProposalRow` from ``sql`` (built once per SQL string)."""
    stmt = text(sql).bindparams(bindparam("content", type_=JSON)).columns(*ProposalRow.__table__.columns)
    return select(ProposalRow).from_statement(stmt)


def submit_proposal(
    session: Session, *, round_id: int, council: CouncilRow, actor: int, kind: str,
    content: dict[str, Any], client_key: str, checked: bool = False,
) -> tuple[ProposalRow, bool]:
    """Store a proposal while its round is open; returns (row, created). The same ``client_key``
    returns the stored one (also when a concurrent request stored it first).

    PostgreSQL: one statement (:func:`_submit_sql`), atomic on its own, so the session may be in
    autocommit. SQLite: the round is read inside the writer's transaction and the row inserted;
    ``checked``: the caller has just looked the key up, so it is not looked up again under the write
    lock (a concurrent duplicate then fails on the unique constraint; the caller reads the stored row)."""
    if session.get_bind().dialect.name == "postgresql":
        stmt, params = _submit_sql(round_id=round_id, council=council, actor=actor, kind=kind, content=content,
                                   client_key=client_key)
        row = session.execute(stmt, params).scalar_one_or_none()
        if row is not None:
            return row, True
        ensure_open(lock_round(session, round_id, shared=True))  # nothing inserted: a closed round, or the key
        stored = find_proposal(session, round_id=round_id, council_id=council.id, client_key=client_key)
        if stored is None:  # pragma: no cover (the conflict names exactly this key)
            raise ConflictError(f"proposal '{client_key}' was not stored; retry")
        return stored, False
    rnd = lock_round(session, round_id, shared=True)
    ensure_open(rnd)
    existing = None if checked else find_proposal(session, round_id=rnd.id, council_id=council.id,
                                                  client_key=client_key)
    if existing is not None:
        return existing, False
    row = ProposalRow(round_id=rnd.id, council_id=council.id, member_id=actor, kind=kind, client_key=client_key,
                      content=content, status="active", iteration=rnd.iteration, version=1)
    session.add(row)
    session.flush()
    append_event(session, economy_id=council.economy_id, action="proposal.submitted", entity="proposal",
                 entity_id=row.id, actor=actor,
                 payload=_submitted(rnd.id, rnd.iteration, council, kind, content, client_key))
    return row, True


def revise_proposal(
    session: Session, *, row: ProposalRow, rnd: RoundRow, economy_id: int, actor: int,
    content: dict[str, Any],
) -> ProposalRow:
    row.content, row.version, row.iteration = content, row.version + 1, rnd.iteration
    row.member_id, row.updated_at = actor, utcnow()
    append_event(session, economy_id=economy_id, action="proposal.revised", entity="proposal", entity_id=row.id,
                 actor=actor, payload={"round": rnd.id, "iteration": rnd.iteration, "version": row.version,
                                       "content": content})
    return row


def withdraw_proposal(
    session: Session, *, row: ProposalRow, economy_id: int, actor: int,
) -> ProposalRow:
    row.status, row.updated_at = "withdrawn", utcnow()
    append_event(session, economy_id=economy_id, action="proposal.withdrawn", entity="proposal",
                 entity_id=row.id, actor=actor, payload={"round": row.round_id})
    return row


def active_proposals(session: Session, round_id: int) -> Sequence[ProposalRow]:
    return session.execute(select(ProposalRow).where(ProposalRow.round_id == round_id,
                                                     ProposalRow.status == "active")
                           .order_by(ProposalRow.id)).scalars().all()


# ---------------------------------------------------------------------- votes
def round_votes(session: Session, round_id: int, *, council_id: int | None = None) -> Sequence[VoteRow]:
    """The stored votes of a round (of one council when given), by council and proposal."""
    q = select(VoteRow).where(VoteRow.round_id == round_id)
    if council_id is not None:
        q = q.where(VoteRow.council_id == council_id)
    return session.execute(q.order_by(VoteRow.council_id, VoteRow.proposal_id)).scalars().all()


def replace_ballot(
    session: Session, *, rnd: RoundRow, council: CouncilRow, actor: int, votes: dict[int, float],
) -> Sequence[VoteRow]:
    """Replace the council's whole ballot in ``rnd`` (its stored votes go, ``votes`` are stored) and
    append the event. ``rnd`` must be locked and open and ``votes`` checked; the council row is locked
    (``FOR NO KEY UPDATE`` on PostgreSQL) so that two ballots of one council are replaced one after the
    other; the economy row is locked last, by the append."""
    session.execute(select(CouncilRow.id).where(CouncilRow.id == council.id).with_for_update(key_share=True))
    session.execute(delete(VoteRow).where(VoteRow.round_id == rnd.id, VoteRow.council_id == council.id))
    rows = [VoteRow(round_id=rnd.id, council_id=council.id, proposal_id=pid, member_id=actor, points=float(pts))
            for pid, pts in sorted(votes.items())]
    session.add_all(rows)
    session.flush()
    append_event(session, economy_id=council.economy_id, action="votes.cast", entity="round", entity_id=rnd.id,
                 actor=actor, payload={"round": rnd.id, "iteration": rnd.iteration, "council": council.id,
                                       "votes": {str(pid): float(pts) for pid, pts in sorted(votes.items())}})
    return rows


def events_query(economy_id: int) -> Select[Any]:
    return select(EventRow).where(EventRow.economy_id == economy_id).order_by(EventRow.seq)


def latest_plan(session: Session, round_id: int, *, published_only: bool = False) -> PlanRow | None:
    """The round's plan of its latest iteration (not the cap's fallback plan)."""
    q = select(PlanRow).where(PlanRow.round_id == round_id, PlanRow.fallback.is_(False))
    if published_only:
        q = q.where(PlanRow.published.is_(True))
    return session.execute(q.order_by(PlanRow.iteration.desc()).limit(1)).scalar_one_or_none()


def rotate_token(session: Session, *, member: MemberRow, economy_id: int) -> str:
    """Give a member a new token (the old one stops working); returns it once."""
    token = new_token()
    member.token_hash = hash_secret(token)
    append_event(session, economy_id=economy_id, action="member.token_rotated", entity="member",
                 entity_id=member.id, actor=None, payload={})
    return token
