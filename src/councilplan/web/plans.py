"""The round page (state, rule, proposals, what changed, the ballot, the coordinators' buttons) and the
public plan dashboard (fulfilment, labour, what binds, shadow prices and labour values)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from councilplan.api.deps import Actor
from councilplan.api.routes.plans import bundle_response
from councilplan.api.routes.rounds import _advance, plan_round
from councilplan.api.routes.votes import cast_ballot
from councilplan.api.schemas import BallotCast
from councilplan.democracy import POINTS_BUDGET, Role
from councilplan.democracy.rules import ballot_rules
from councilplan.store import crud
from councilplan.store.tables import (
    CouncilRow,
    PlanRow,
    ProposalRow,
    RoundRow,
    VoteRow,
)
from councilplan.web.charts import bundle_view, labour_use, largest_flows, plotly_css, plotly_js
from councilplan.web.context import (
    Visitor,
    check_csrf,
    database,
    form_number,
    guarded,
    members_only,
    redirect,
    render,
    visitor,
)
from councilplan.web.security import PATH
from councilplan.web.strings import t

router = APIRouter(prefix=PATH, include_in_schema=False)
PAGE = 25
BARS = 40       #: fulfilment bars drawn (the least fulfilled targets)
CHANGES = 50    #: goods listed when two plans are compared (the largest changes)
SORTS = ("kind", "id", "shadow_price", "labour_value")


def _may_read(v: Visitor, economy_id: int) -> bool:
    return v.actor is not None and v.actor.economy_id == economy_id


def readable_plan(s: Any, v: Visitor, plan_id: int) -> tuple[PlanRow, RoundRow]:
    """The plan and its round, if the visitor may see it: anyone once it is published, before that
    the economy's members (403 otherwise, 404 when there is no such plan)."""
    plan = crud.get(s, PlanRow, plan_id, what="plan")
    rnd = crud.get(s, RoundRow, plan.round_id, what="round")
    if not plan.published and not _may_read(v, rnd.economy_id):
        raise HTTPException(403, t("plan.not_published"))
    return plan, rnd


# ------------------------------------------------------------------ the round
@router.get("/rounds/{round_id}")
def round_page(request: Request, round_id: int, notice: str = "") -> Response:
    v = visitor(request)

    def go() -> Response:
        with database(request).transaction(write=False) as s:
            rnd = crud.get(s, RoundRow, round_id, what="round")
            if not _may_read(v, rnd.economy_id):
                raise HTTPException(403, f"round {round_id} belongs to an economy you are not a member of")
            councils = {c.id: c for c in s.execute(select(CouncilRow).where(
                CouncilRow.economy_id == rnd.economy_id)).scalars()}
            proposals = s.execute(select(ProposalRow).where(ProposalRow.round_id == rnd.id)
                                  .order_by(ProposalRow.id)).scalars().all()
            plans = s.execute(select(PlanRow).where(PlanRow.round_id == rnd.id)
                              .order_by(PlanRow.iteration, PlanRow.fallback)).scalars().all()
            actor: Actor = v.actor  # type: ignore[assignment]
            ballot = {int(b.proposal_id): float(b.points) for b in s.execute(select(VoteRow).where(
                VoteRow.round_id == rnd.id, VoteRow.council_id == actor.council.id)).scalars()}
        changes = _changes(list(plans))
        takes_ballots = rnd.rule in ballot_rules() and actor.council.kind in ("consumer", "regional")
        return render(request, v, "round.html", round=rnd, councils=councils, proposals=proposals, plans=plans,
                      deadline=deadline_view(rnd.deadline),
                      changes=changes, takes_ballots=takes_ballots and rnd.state == "open", ballot=ballot,
                      budget=POINTS_BUDGET, is_admin=actor.role.at_least(Role.ADMIN),
                      rule_text=t(f"round.rule.{rnd.rule}") if f"round.rule.{rnd.rule}" in _RULES else rnd.rule,
                      notice=notice)

    return members_only(request, v, go)


def deadline_view(deadline: dt.datetime | None) -> dict[str, Any] | None:
    """The deadline as the round page shows it: when (UTC), whether it passed, and the time left."""
    if deadline is None:
        return None
    when = deadline if deadline.tzinfo else deadline.replace(tzinfo=dt.UTC)
    left = when - dt.datetime.now(dt.UTC)
    hours, rest = divmod(max(int(left.total_seconds()), 0), 3600)
    return {"when": when.strftime("%Y-%m-%d %H:%M UTC"), "passed": left.total_seconds() <= 0,
            "left": f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h {rest // 60} min"}


_RULES = {f"round.rule.{r}" for r in ("population-sum", "equal-shares", "cumulative", "participatory")}


def _changes(plans: list[PlanRow]) -> list[dict[str, Any]]:
    """Per good, the target of the last two iterations and the relative change (largest first)."""
    plans = [p for p in plans if not p.fallback]
    if len(plans) < 2:
        return []
    new, old = plans[-1].goals.get("targets", {}), plans[-2].goals.get("targets", {})
    out = []
    for g in sorted(new.keys() | old.keys()):
        a, b = (old.get(g) or {}).get("amount") or 0.0, (new.get(g) or {}).get("amount") or 0.0
        if a != b:
            out.append({"good": g, "before": a, "after": b, "change": (b - a) / a if a else math.inf})
    return sorted(out, key=lambda r: -abs(r["change"]))[:20]


@router.post("/rounds/{round_id}/advance")
def advance(request: Request, round_id: int, csrf: Annotated[str, Form()] = "",
            to: Annotated[str, Form()] = "", deadline: Annotated[str, Form()] = "") -> Response:
    """The coordinators' buttons: close, plan, publish, open the next iteration (admins)."""
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        actor: Actor = v.actor  # type: ignore[assignment]
        db = database(request)
        with db.session() as session, db.session(write=False) as reader:
            if to == "planned":
                plan_round(round_id=round_id, session=session, reader=reader, actor=actor)
            elif to == "open":
                try:
                    when = dt.datetime.fromisoformat(deadline.strip()) if deadline.strip() else None
                except ValueError:
                    raise HTTPException(422, t("round.bad_deadline", value=deadline)) from None
                _advance(round_id, to, session, actor, when)
            elif to in ("closed", "published"):
                _advance(round_id, to, session, actor)
            else:
                raise HTTPException(422, f"unknown step {to!r}")
        return redirect(f"{PATH}/rounds/{round_id}", notice=t("round.advanced", state=to))

    return members_only(request, v, go)


@router.post("/rounds/{round_id}/ballot")
def ballot(request: Request, round_id: int, csrf: Annotated[str, Form()] = "",
           proposal: Annotated[list[str], Form()] = [], points: Annotated[list[str], Form()] = []  # noqa: B006
           ) -> Response:
    """A cumulative ballot: points per consumer proposal (checked as the API checks them)."""
    v = visitor(request)

    def go() -> Response:
        check_csrf(v, csrf)
        votes: dict[int, float] = {}
        for pid, raw in zip(proposal, points, strict=False):
            value = form_number(raw, f"proposal {pid}")
            if value:
                votes[int(pid)] = value
        db = database(request)
        with db.session() as session:
            out = cast_ballot(round_id=round_id, body=BallotCast(votes=votes, council_id=None), session=session,
                              actor=v.actor)
        return redirect(f"{PATH}/rounds/{round_id}", notice=t("round.ballot_saved", spent=out.spent,
                                                                budget=out.budget))

    return members_only(request, v, go)


# ------------------------------------------------------------------ the dashboard
def price_table(result: dict[str, Any], q: str, sort: str, desc: bool, page: int) -> dict[str, Any]:
    """Shadow prices and labour values, searched, sorted and paginated on the server."""
    values = result.get("labour_values", {}) or {}
    rows = [{"kind": r["kind"], "id": r["id"], "shadow_price": r["shadow_price"],
             "labour_value": values.get(r["id"]) if r["kind"] == "good" else None}
            for r in result.get("prices", [])]
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in r["id"].lower() or needle in r["kind"]]
    key = sort if sort in SORTS else "shadow_price"
    rows.sort(key=lambda r: (r[key] is None, r[key] if r[key] is not None else 0), reverse=desc)
    if desc:  # keep the empty ones last
        rows.sort(key=lambda r: r[key] is None)
    pages = max(1, math.ceil(len(rows) / PAGE))
    page = min(max(page, 1), pages)
    return {"rows": rows[(page - 1) * PAGE: page * PAGE], "total": len(rows), "page": page, "pages": pages,
            "q": q, "sort": key, "desc": desc}


def fulfilment_bars(result: dict[str, Any], width: int = 320, n: int = BARS) -> dict[str, Any]:
    """The ``n`` least fulfilled targets as bars (width in pixels, 150 % fills it) and a summary of all:
    how many targets, how many met (``f ≥ 0.999``), the lowest and the median fulfilment."""
    rows = [r for r in result.get("net_output", []) if r.get("target") and r.get("fulfilment") is not None]
    rows.sort(key=lambda r: r["fulfilment"])
    bars = [{"good": r["good"], "fulfilment": r["fulfilment"], "target": r["target"], "amount": r["amount"],
             "w": round(width * min(max(r["fulfilment"], 0.0), 1.5) / 1.5, 1), "short": r["fulfilment"] < 0.999}
            for r in rows[:n]]
    values = [r["fulfilment"] for r in rows]
    return {"bars": bars, "total": len(rows), "met": sum(f >= 0.999 for f in values),
            "lowest": values[0] if values else None, "median": values[len(values) // 2] if values else None}


def comparison(result: dict[str, Any], other: dict[str, Any], n: int = CHANGES) -> dict[str, Any]:
    """Net output per good in two plans: the ``n`` largest relative changes, and how many goods changed."""
    before = {r["good"]: r.get("amount") for r in other.get("net_output", [])}
    rows = []
    for r in result.get("net_output", []):
        a, b = before.get(r["good"]), r.get("amount")
        if a is None or b is None or abs(b - a) <= 1e-9 * max(1.0, abs(a)):
            continue
        rows.append({"good": r["good"], "before": a, "after": b, "change": (b - a) / abs(a) if a else math.inf})
    rows.sort(key=lambda r: -abs(r["change"]))
    return {"rows": rows[:n], "changed": len(rows), "goods": len(result.get("net_output", []))}


@router.get("/plans/{plan_id}")
def dashboard(request: Request, plan_id: int, q: Annotated[str, Query(max_length=200)] = "",
              sort: str = "shadow_price", desc: bool = True, page: int = 1,
              compare: int | None = None) -> Response:
    """Public once published; before that only the economy's members see it."""
    v = visitor(request)

    def go() -> Response:
        with database(request).transaction(write=False) as s:
            plan, rnd = readable_plan(s, v, plan_id)
            view = bundle_view(s, plan_id)
            siblings = s.execute(select(PlanRow.id, PlanRow.iteration).where(  # the ones this visitor may see
                PlanRow.round_id == rnd.id, PlanRow.published.is_(True) | _may_read(v, rnd.economy_id))
                .order_by(PlanRow.iteration)).all()
            other_result = None
            if compare is not None:  # another plan of the same economy that the visitor may read
                other, other_round = readable_plan(s, v, compare)
                if other_round.economy_id != rnd.economy_id:
                    raise HTTPException(422, t("plan.compare_other_economy", id=compare))
                other_result = other.result
            result, goals = plan.result, plan.goals
            iteration, published, status = plan.iteration, plan.published, plan.status
        return render(request, v, "plan.html", plan_id=plan_id, round=rnd, iteration=iteration,
                      published=published, plan_status=status, result=result, goals=goals,
                      fulfil=fulfilment_bars(result), labour=labour_use(view) if view is not None else [],
                      flows=largest_flows(view, result.get("labour_values")) if view is not None else None,
                      has_bundle=view is not None, plotly=plotly_js() is not None,
                      table=price_table(result, q, sort, desc, page), siblings=siblings,
                      compare=compare,
                      comparison=comparison(result, other_result) if other_result is not None else None)

    return guarded(request, v, go)


@router.get("/vendor/plotly.min.js")
def plotly_script() -> Response:
    """Plotly's script from the installed package (the portal never loads anything from another site)."""
    from fastapi.responses import FileResponse

    path = plotly_js()
    if path is None:
        raise HTTPException(404, "plotly is not installed (pip install 'councilplan[report]')")
    return FileResponse(path, media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})


@router.get("/vendor/plotly.css")
def plotly_stylesheet() -> Response:
    """Plotly's style rules as a file (see :func:`~councilplan.web.charts.plotly_css`)."""
    return Response(plotly_css(), media_type="text/css", headers={"cache-control": "public, max-age=86400"})


@router.get("/plans/{plan_id}/bundle")
def bundle(request: Request, plan_id: int) -> Response:
    """The plan's bundle, to anyone once the plan is published (as its dashboard is); before that, to
    the economy's members. The same bytes, ETag and input hash as ``GET /plans/{id}/bundle``."""
    v = visitor(request)

    def go() -> Response:
        with database(request).transaction(write=False) as s:
            plan, _rnd = readable_plan(s, v, plan_id)
            return bundle_response(s, plan)

    return guarded(request, v, go)
