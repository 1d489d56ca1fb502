"""Members: joining through an invite, who am I, listing, role changes and removal."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from councilplan.api.deps import (
    CurrentMember,
    CurrentViewer,
    Id,
    PageDep,
    ReadSessionDep,
    SessionDep,
    authorize,
    can_read,
    page_of,
    transactional,
)
from councilplan.api.schemas import (
    CouncilPublic,
    InviteAccept,
    Me,
    MemberPublic,
    MemberUpdate,
    MemberWithToken,
    Page,
)
from councilplan.democracy import Role
from councilplan.store import crud
from councilplan.store.tables import CouncilRow, MemberRow

router = APIRouter(tags=["members"])


@router.post("/invites/accept", status_code=status.HTTP_201_CREATED, response_model=MemberWithToken)
@transactional
def accept_invite(body: InviteAccept, session: SessionDep) -> MemberWithToken:
    """Join a council with an invite code; the answer carries your bearer token (shown once)."""
    member, council, token = crud.accept_invite(session, code=body.code, name=body.name)
    session.commit()
    return MemberWithToken(member=MemberPublic.model_validate(member), council=CouncilPublic.model_validate(council),
                           token=token)


@router.get("/me", response_model=Me)
def me(actor: CurrentViewer) -> Me:
    return Me(member=MemberPublic.model_validate(actor.member), council=CouncilPublic.model_validate(actor.council),
              economy_id=actor.economy_id)


@router.get("/councils/{council_id}/members", response_model=Page[MemberPublic])
@transactional
def list_members(council_id: Id, session: ReadSessionDep, actor: CurrentViewer, paging: PageDep
                 ) -> Page[MemberPublic]:
    council = crud.get(session, CouncilRow, council_id, what="council")
    can_read(actor, council.economy_id)
    q = select(MemberRow).where(MemberRow.council_id == council_id).order_by(MemberRow.id)
    return page_of(session, q, paging, MemberPublic)


def _target(session: SessionDep, actor: CurrentMember, member_id: int, action: str) -> tuple[MemberRow, CouncilRow]:
    member = crud.get(session, MemberRow, member_id, what="member")
    council = crud.get(session, CouncilRow, member.council_id, what="council")
    authorize(actor, action, economy_id=council.economy_id, council_id=council.id)
    if member.id != actor.id and Role(member.role).rank > actor.role.rank:
        raise HTTPException(403, f"{action}: member {member.id} is '{member.role}', above your role '{actor.role}'")
    return member, council


@router.patch("/members/{member_id}", response_model=MemberPublic)
@transactional
def update_member(member_id: Id, body: MemberUpdate, session: SessionDep, actor: CurrentMember) -> MemberPublic:
    """Change a member's name or role in your own council (coordinators; never above your own role)."""
    member, council = _target(session, actor, member_id, "members.update")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise HTTPException(422, "nothing to change: give role or name")
    if "role" in changes and not actor.role.at_least(Role(changes["role"])):
        raise HTTPException(403, f"you cannot make anyone '{changes['role']}': that is above your role '{actor.role}'")
    crud.update_member(session, member=member, economy_id=council.economy_id, actor=actor.id, changes=changes)
    session.commit()
    return MemberPublic.model_validate(member)


@router.delete("/members/{member_id}", response_model=MemberPublic)
@transactional
def remove_member(member_id: Id, session: SessionDep, actor: CurrentMember) -> MemberPublic:
    """Remove a member from your own council (coordinators); their token stops working."""
    member, council = _target(session, actor, member_id, "members.remove")
    crud.update_member(session, member=member, economy_id=council.economy_id, actor=actor.id,
                       changes={"active": False})
    session.commit()
    return MemberPublic.model_validate(member)
