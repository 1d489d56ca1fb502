"""Signing in and out, joining by invite, and the council's own page: members, proposals and alerts.

Every write goes through the same checks as the API: :func:`councilplan.api.deps.authorize` with the
action of :data:`~councilplan.api.deps.PERMISSIONS`, the same validation and the same store
functions, so a page can never do what the API would refuse.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from councilplan.api.deps import Actor, authorize
from councilplan.api.schemas import ProposalCreate
from councilplan.api.validation import check_proposal
from councilplan.democracy import ProposalError, Role
from councilplan.store import crud, monitoring
from councilplan.store.planning import economy_of
from councilplan.store.tables import (
    AlertRow,
    CouncilRow,
    EconomyRow,
    MemberRow,
    PlanRow,
    ProposalRow,
    RoundRow,
)
from councilplan.web.context import (
    check_csrf,
    cookie,
    database,
    error_page,
    form_number,
    guarded,
    members_only,
    redirect,
    render,
    visitor,
)
from councilplan.web.security import PATH, SESSION
from councilplan.web.strings import t

router = APIRouter(prefix=PATH, include_in_schema=False)
Field = Annotated[str, Form()]
Many = Annotated[list[str], Form()]


# ------------------------------------------------------------------ sign in, join, sign out
@router.get("/")
def home(request: Request) -> Response:
    v = visitor(request)
    return redirect(f"{PATH}/council" if v.signed_in else f"{PATH}/signin")


@router.get("/signin")
def signin_form(request: Request, notice: str = "") -> Response:
    return render(request, visitor(request), "signin.html", notice=notice, error="")


@router.post("/signin")
def signin(request: Request, token: Field = "", csrf: Field = "") -> Response:
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        with database(request).transaction(write=False) as s:
            found = crud.member_by_token(s, token.strip())
        if found is None:
            return render(request, v, "signin.html", status=401, notice="", error=t("signin.bad"))
        response = redirect(f"{PATH}/council")
        cookie(response, request, SESSION, token.strip(), max_age=30 * 86400)
        return response

    return guarded(request, v, go)


@router.get("/join/{code}")
def join_form(request: Request, code: str) -> Response:
    """The one-time invite link: the only URL that carries a secret, spent when it is used."""
    v = visitor(request)
    with database(request).transaction(write=False) as s:
        from councilplan.store.security import hash_secret
        from councilplan.store.tables import InviteRow

        inv = s.execute(select(InviteRow).where(InviteRow.code_hash == hash_secret(code))).scalar_one_or_none()
        council = crud.get(s, CouncilRow, inv.council_id, what="council") if inv is not None else None
        reason = ("" if inv is not None and inv.used_at is None else
                  "it was used already" if inv is not None else "it is not valid")
        name = council.name if council is not None else ""
    if reason:
        return error_page(request, v, 404 if inv is None else 409, t("join.bad", reason=reason))
    return render(request, v, "join.html", code=code, council=name, token="")


@router.post("/join/{code}")
def join(request: Request, code: str, name: Field = "", csrf: Field = "") -> Response:
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        if not name.strip():
            return render(request, v, "join.html", status=422, code=code, council="", token="",
                          error=t("form.empty"))
        with database(request).transaction() as s:
            _member, council, token = crud.accept_invite(s, code=code, name=name.strip()[:200])
            council_name = council.name
        response = render(request, v, "join.html", code=code, council=council_name, token=token)
        cookie(response, request, SESSION, token, max_age=30 * 86400)
        return response

    return guarded(request, v, go)


@router.post("/signout")
def signout(request: Request, csrf: Field = "") -> Response:
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        response = redirect(f"{PATH}/signin", notice=t("signout.done"))
        response.delete_cookie(SESSION, path=PATH)
        return response

    return guarded(request, v, go)


# ------------------------------------------------------------------ my council
def current_round(s: Any, economy_id: int) -> RoundRow | None:
    return s.execute(select(RoundRow).where(RoundRow.economy_id == economy_id)
                     .order_by(RoundRow.number.desc()).limit(1)).scalar_one_or_none()


def latest_result(s: Any, round_id: int) -> tuple[PlanRow | None, dict[int, dict[str, Any]]]:
    """The round's latest plan and its outcome of each proposal (cost in hours and at shadow prices)."""
    plan = crud.latest_plan(s, round_id)
    outcomes = {int(o["proposal"]): o for o in (plan.result.get("outcomes", []) if plan is not None else [])}
    return plan, outcomes


def _council_page(request: Request, v: Any, *, status: int = 200, form: dict[str, Any] | None = None,
                  notice: str = "") -> Response:
    actor = v.actor
    with database(request).transaction(write=False) as s:
        council = crud.get(s, CouncilRow, actor.council.id, what="council")
        members = s.execute(select(MemberRow).where(MemberRow.council_id == council.id,
                                                    MemberRow.active.is_(True)).order_by(MemberRow.id)).scalars().all()
        rnd = current_round(s, council.economy_id)
        proposals = [] if rnd is None else s.execute(
            select(ProposalRow).where(ProposalRow.round_id == rnd.id, ProposalRow.council_id == council.id)
            .order_by(ProposalRow.id)).scalars().all()
        plan, outcomes = latest_result(s, rnd.id) if rnd is not None else (None, {})
        alerts = s.execute(select(AlertRow).where(AlertRow.council_id == council.id)
                           .order_by(AlertRow.id.desc()).limit(50)).scalars().all()
        economy = economy_of(crud.get(s, EconomyRow, council.economy_id, what="economy"))
        from councilplan.api.routes.reports import alert_public

        ctx = {"council": council, "members": members, "round": rnd, "proposals": proposals, "plan": plan,
               "outcomes": outcomes, "alerts": [alert_public(a) for a in alerts],
               "items": [str(g) for g in (economy.goods.index if council.kind != "workplace"
                                          else (council.processes or []))],
               "item_label": t("proposal.good") if council.kind != "workplace" else "process",
               "may_propose": actor.role.at_least(Role.DELEGATE) and council.kind != crud.BOARD,
               "form": form or {"rows": [("", "")] * 5, "errors": {}, "edit": None}, "notice": notice}
    return render(request, v, "council.html", status=status, **ctx)


@router.get("/council")
def council_page(request: Request, notice: str = "", edit: int | None = None) -> Response:
    v = visitor(request)

    def go() -> Response:
        form = None
        if edit is not None:
            with database(request).transaction(write=False) as s:
                row = crud.get(s, ProposalRow, edit, what="proposal")
                if row.council_id != v.actor.council.id:  # type: ignore[union-attr]
                    raise HTTPException(403, f"proposal {edit} belongs to another council; a council can "
                                             "never change another council's data")
                rows = [(k, f"{a:g}") for part in row.content.values() if isinstance(part, dict)
                        for k, a in part.items()]
            form = {"rows": rows + [("", "")] * max(1, 5 - len(rows)), "errors": {}, "edit": edit}
        return _council_page(request, v, notice=notice, form=form)

    return members_only(request, v, go)


def parse_rows(items: list[str], amounts: list[str], known: set[str]) -> tuple[dict[str, float], dict[str, str],
                                                                             list[tuple[str, str]]]:
    """The form's (item, amount) rows as ``{item: amount}``, and a message per bad field
    (``item-3``, ``amount-3``) — text in a number field, a negative or non-finite amount, an unknown
    or repeated item."""
    content: dict[str, float] = {}
    errors: dict[str, str] = {}
    rows = list(zip(items, amounts, strict=False))
    for i, (item, raw) in enumerate(rows):
        item, raw = item.strip(), raw.strip()
        if not item and not raw:
            continue
        if item not in known:
            errors[f"item-{i}"] = t("form.unknown_good", value=item)
        elif item in content:
            errors[f"item-{i}"] = t("form.twice", value=item)
        try:
            amount = float(raw.replace(",", "")) if raw else math.nan
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount):
            errors[f"amount-{i}"] = t("form.not_number", value=raw)
        elif amount < 0:
            errors[f"amount-{i}"] = t("form.negative", value=raw)
        elif f"item-{i}" not in errors:
            content[item] = amount
    if not content and not errors:
        errors["item-0"] = t("form.empty")
    return content, errors, rows


def _save(request: Request, v: Any, proposal_id: int | None, items: list[str], amounts: list[str]) -> Response:
    actor: Actor = v.actor
    db = database(request)
    with db.transaction(write=False) as s:
        council = crud.get(s, CouncilRow, actor.council.id, what="council")
        rnd = current_round(s, council.economy_id)
        economy = economy_of(crud.get(s, EconomyRow, council.economy_id, what="economy"))
        existing = crud.get(s, ProposalRow, proposal_id, what="proposal") if proposal_id is not None else None
    if proposal_id is not None and existing is None:
        raise crud.NotFoundError(f"proposal {proposal_id} does not exist")
    target = existing.council_id if existing is not None else council.id
    authorize(actor, "proposals.revise" if existing is not None else "proposals.submit",
              economy_id=council.economy_id, council_id=target)
    if rnd is None:
        raise crud.ConflictError(t("council.no_round"))
    workplace = council.kind == "workplace"
    known = set(council.processes or []) if workplace else {str(g) for g in economy.goods.index}
    content, errors, rows = parse_rows(items, amounts, known)
    key = "capacity" if workplace else "goods"
    if not errors:
        try:
            check_proposal(ProposalCreate.model_validate({key: content}), "workplace" if workplace else "consumer",
                           council.kind, list(council.processes or []), economy, council_id=str(council.id),
                           population=float(council.population or 0.0))
        except ProposalError as e:
            for issue in e.issues:
                item = issue.field.split(".", 1)[-1]
                at = next((i for i, (it, _) in enumerate(rows) if it.strip() == item), 0)
                errors[f"amount-{at}"] = f"{issue.message}. {issue.fix}"
    if errors:
        form = {"rows": rows + [("", "")] * max(0, 5 - len(rows)), "errors": errors, "edit": proposal_id}
        return _council_page(request, v, status=422, form=form, notice=t("form.errors"))
    with db.transaction() as s:
        if existing is None:
            row, _ = crud.submit_proposal(s, round_id=rnd.id, council=crud.get(s, CouncilRow, council.id, what="council"), actor=actor.id,
                                          kind="workplace" if workplace else "consumer", content={key: content},
                                          client_key=uuid.uuid4().hex, checked=True)
            notice = t("proposal.stored", id=row.id)
        else:
            locked = crud.lock_round(s, existing.round_id, shared=True)
            crud.ensure_open(locked)
            row = crud.get(s, ProposalRow, existing.id, what="proposal")
            if row.status != "active":
                raise crud.ConflictError(f"proposal {row.id} is {row.status}")
            crud.revise_proposal(s, row=row, rnd=locked, economy_id=locked.economy_id, actor=actor.id,
                                 content={key: content})
            notice = t("proposal.revised", id=row.id, version=row.version)
    return redirect(f"{PATH}/council", notice=notice)


@router.post("/proposals")
def submit(request: Request, csrf: Field = "", item: Many = [], amount: Many = []) -> Response:  # noqa: B006
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        return _save(request, v, None, item, amount)

    return members_only(request, v, go)


@router.post("/proposals/{proposal_id}")
def revise(request: Request, proposal_id: int, csrf: Field = "", item: Many = [],  # noqa: B006
           amount: Many = [], action: Field = "save") -> Response:  # noqa: B006
    """Revise (``action=save``) or withdraw (``action=withdraw``) a proposal."""
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        if action != "withdraw":
            return _save(request, v, proposal_id, item, amount)
        actor: Actor = v.actor  # type: ignore[assignment]
        with database(request).transaction() as s:
            row = crud.get(s, ProposalRow, proposal_id, what="proposal")
            rnd = crud.get(s, RoundRow, row.round_id, what="round")
            authorize(actor, "proposals.withdraw", economy_id=rnd.economy_id, council_id=row.council_id)
            rnd = crud.lock_round(s, rnd.id, shared=True)
            crud.ensure_open(rnd)
            if row.status != "active":
                raise crud.ConflictError(f"proposal {row.id} is {row.status}")
            crud.withdraw_proposal(s, row=row, economy_id=rnd.economy_id, actor=actor.id)
        return redirect(f"{PATH}/council", notice=t("proposal.withdrawn", id=proposal_id))

    return members_only(request, v, go)


@router.post("/alerts/{alert_id}")
def answer_alert(request: Request, alert_id: int, csrf: Field = "", explanation: Field = "",
                 capacity: Field = "") -> Response:
    """Acknowledge (no explanation) or explain an alert on the council's figures."""
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        actor: Actor = v.actor  # type: ignore[assignment]
        cap = form_number(capacity, t("alerts.capacity"))
        with database(request).transaction() as s:
            alert = crud.get(s, AlertRow, alert_id, what="alert")
            authorize(actor, "alerts.respond", economy_id=alert.economy_id, council_id=alert.council_id)
            monitoring.respond(s, alert=alert, actor=actor.id, explanation=explanation.strip()[:4000] or None,
                               capacity=cap)
            state = alert.state
        return redirect(f"{PATH}/council", notice=f"alert {alert_id}: {state}")

    return members_only(request, v, go)
