"""Dependencies: database sessions, the calling member, pagination, and the permission table.

Every write route names its action in :data:`PERMISSIONS` and calls
:func:`authorize`, which checks the caller's **role** and **scope**: a
council-scoped action is allowed only on the caller's own council, an
economy-scoped one only in the caller's own economy. A council can therefore
never change another council's data.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, HTTPException, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from councilplan.api.schemas import MAX_ID
from councilplan.democracy import Role
from councilplan.store import crud
from councilplan.store.db import Database
from councilplan.store.tables import CouncilRow, MemberRow

Scope = Literal["economy", "council"]
T = TypeVar("T")

#: a row's id in a path: positive and within :data:`MAX_ID`
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the row's id")]

#: action -> (least role, scope). The authorisation matrix test walks this table.
PERMISSIONS: dict[str, tuple[Role, Scope]] = {
    "councils.create": (Role.ADMIN, "economy"),
    "councils.update": (Role.COORDINATOR, "council"),
    "invites.create": (Role.COORDINATOR, "council"),
    "members.update": (Role.COORDINATOR, "council"),
    "members.remove": (Role.COORDINATOR, "council"),
    "proposals.submit": (Role.DELEGATE, "council"),
    "proposals.revise": (Role.DELEGATE, "council"),
    "proposals.withdraw": (Role.DELEGATE, "council"),
    "votes.cast": (Role.DELEGATE, "council"),
    "reports.submit": (Role.DELEGATE, "council"),
    "alerts.respond": (Role.DELEGATE, "council"),
    "rounds.create": (Role.ADMIN, "economy"),
    "rounds.advance": (Role.ADMIN, "economy"),
}


# The dependencies are ``async``: they run on the event loop, not in a worker thread, so a request
# costs one hand-off to a thread (its route body) instead of one per dependency. Creating a session
# does no I/O; the member look-up is one indexed read that never waits for a lock, on a connection
# of the loop's own pool (never one that a request holds until its answer is sent).
async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _session(db: Database, *, write: bool) -> AsyncIterator[Session]:
    s = db.session(write=write)
    try:
        yield s
    finally:
        if s.in_transaction():
            s.rollback()  # routes commit explicitly before they answer; anything left is discarded
        s.close()


async def get_db(db: Annotated[Database, Depends(database)]) -> AsyncIterator[Session]:
    """A writing session (routes call ``commit()`` before answering)."""
    async for s in _session(db, write=True):
        yield s


async def get_read_db(db: Annotated[Database, Depends(database)]) -> AsyncIterator[Session]:
    """A reading session (on SQLite it does not take the write lock)."""
    async for s in _session(db, write=False):
        yield s


SessionDep = Annotated[Session, Depends(get_db)]
ReadSessionDep = Annotated[Session, Depends(get_read_db)]

_bearer = HTTPBearer(auto_error=False, description="a member's token (from POST /invites/accept)")


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a member, its council and economy."""

    member: MemberRow
    council: CouncilRow

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def role(self) -> Role:
        return Role(self.member.role)

    @property
    def economy_id(self) -> int:
        return self.council.economy_id


def _actor(db: Database, cred: HTTPAuthorizationCredentials | None) -> Actor:
    # runs on the event loop: a reading session from the loop's own small pool (`Database.loop_session`),
    # closed at once, so the loop never waits for a connection that requests give back on the loop
    if cred is None or not cred.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send your token as 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    with db.loop_session() as session:
        found = crud.member_by_token(session, cred.credentials)
        for row in found or ():
            session.expunge(row)  # a snapshot of the caller
        session.rollback()
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this token is not valid (unknown or revoked)",
                            headers={"WWW-Authenticate": "Bearer"})
    return Actor(*found)


async def current_member(db: Annotated[Database, Depends(database)],
                         cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    return _actor(db, cred)


current_viewer = current_member


def transactional(fn: Callable[..., T]) -> Callable[..., T]:
    """Wrap a route that uses sessions: whatever happens, each one's transaction ends (and its
    connection goes back to the pool) inside the route's own thread.

    Writing routes commit before they answer; on an error (a 403, a 422) the open transaction is
    rolled back here at once, so SQLite's write lock is never held while waiting for another thread.
    Reading routes give their connection back here, not when the session is closed on the event
    loop after the answer has been sent (under load, requests waiting for that held every
    connection of the pool; PostgreSQL then refused more clients).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            for session in kwargs.values():
                if isinstance(session, Session) and session.in_transaction():
                    session.rollback()

    return wrapper


CurrentMember = Annotated[Actor, Depends(current_member)]
CurrentViewer = Annotated[Actor, Depends(current_viewer)]


def authorize(actor: Actor, action: str, *, economy_id: int, council_id: int | None = None) -> None:
    """Raise 403 unless ``actor`` may do ``action`` on this economy (and council)."""
    least, scope = PERMISSIONS[action]
    if actor.economy_id != economy_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{action}: you are a member of economy {actor.economy_id}, not of economy {economy_id}")
    if scope == "council" and council_id != actor.council.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{action}: you belong to council {actor.council.id}; a council can never change "
                            f"another council's data (council {council_id})")
    if not actor.role.at_least(least):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{action} needs the role '{least}' or higher; you are '{actor.role}'")


def can_read(actor: Actor, economy_id: int) -> None:
    """Members read everything in their own economy, nothing in another."""
    if actor.economy_id != economy_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"you are a member of economy {actor.economy_id}, not of economy {economy_id}")


def _query_names(dependant: Any) -> frozenset[str]:
    """The query parameters an operation takes: its own and those of every dependency, by their aliases."""
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


#: The attribute a route caches its query names in: on the route itself, so that it lives and dies with
#: it (a module dict keyed by ``id(route)`` could hand one app's names to a later app's route).
_QUERY_NAMES = "_councilplan_query_names"


async def known_query(request: Request) -> None:
    """Refuse query parameters the operation does not take: ``?limt=5`` is a 422 that names the
    parameters there are, not a silently ignored typo."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    names: frozenset[str] | None = getattr(route, _QUERY_NAMES, None)
    if names is None:
        names = _query_names(dependant)
        setattr(route, _QUERY_NAMES, names)
    unknown = [k for k in request.query_params if k not in names]
    if unknown:
        from fastapi.exceptions import RequestValidationError

        takes = ", ".join(sorted(names)) or "none"
        raise RequestValidationError([{"type": "unknown_query_parameter", "loc": ["query", k], "input": k,
                                       "msg": f"unknown query parameter {k!r}. Fix: leave it out; this "
                                              f"operation takes: {takes}"} for k in unknown])


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


async def paging(offset: Annotated[int, Query(ge=0, le=MAX_ID, description="items to skip")] = 0,
           limit: Annotated[int, Query(ge=1, le=500, description="items per page (≤ 500)")] = 50) -> Paging:
    return Paging(offset, limit)


PageDep = Annotated[Paging, Depends(paging)]


def page_of(session: Session, query: Any, paging: Paging, schema: Any) -> Any:
    """One :class:`~councilplan.api.schemas.Page` of ``query``'s rows, validated as ``schema``."""
    from councilplan.api.schemas import Page

    items, total = crud.page(session, query, offset=paging.offset, limit=paging.limit)
    return Page(items=[schema.model_validate(i) for i in items], total=total,
                offset=paging.offset, limit=paging.limit)
