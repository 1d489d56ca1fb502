"""What every portal page needs: the visitor (signed in or not), its CSRF value, rendering, and
turning the store's refusals into pages."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from councilplan.api.deps import Actor
from councilplan.model.errors import InputError
from councilplan.store import crud
from councilplan.store.db import Database
from councilplan.web.security import PATH, PRE, SESSION, csrf_of_session, new_pre, same
from councilplan.web.strings import t

T = TypeVar("T")

templates = Environment(loader=PackageLoader("councilplan.web", "templates"),
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True)
templates.globals["t"] = t


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


templates.filters["num"] = _fmt
templates.filters["pct"] = lambda v: "—" if v is None else "∞" if abs(float(v)) == float("inf") else f"{100 * float(v):.1f} %"


@dataclass
class Visitor:
    """Who is looking: the member behind the session cookie (or nobody) and the page's CSRF value."""

    actor: Actor | None
    token: str | None
    csrf: str
    new_pre: str | None = None   #: a fresh pre-session CSRF cookie to set

    @property
    def signed_in(self) -> bool:
        return self.actor is not None


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def visitor(request: Request) -> Visitor:
    token = request.cookies.get(SESSION)
    actor = None
    if token:
        with database(request).transaction(write=False) as s:
            found = crud.member_by_token(s, token)
            for row in found or ():
                s.expunge(row)
        actor = Actor(*found) if found is not None else None
    if actor is not None and token is not None:
        return Visitor(actor, token, csrf_of_session(token))
    pre = request.cookies.get(PRE)
    if pre:
        return Visitor(None, None, pre)
    fresh = new_pre()
    return Visitor(None, None, fresh, new_pre=fresh)


def check_csrf(v: Visitor, sent: str | None) -> None:
    """403 unless the form's ``csrf`` is the visitor's."""
    if not same(sent, v.csrf) or v.new_pre is not None:
        raise HTTPException(403, t("error.csrf"))


def cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path=PATH, max_age=max_age)


def render(request: Request, v: Visitor, template: str, *, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("notice", "")
    ctx.setdefault("error", "")
    html = templates.get_template(template).render(v=v, request=request, path=PATH, **ctx)
    response = HTMLResponse(html, status_code=status)
    if v.new_pre is not None:
        cookie(response, request, PRE, v.new_pre)
    return response


def redirect(url: str, *, notice: str | None = None) -> RedirectResponse:
    """303 to ``url`` (POST, redirect, GET), with an optional notice shown there."""
    from urllib.parse import quote

    sep = "&" if "?" in url else "?"
    return RedirectResponse(url + (f"{sep}notice={quote(notice)}" if notice else ""), status_code=303)


def error_page(request: Request, v: Visitor, status: int, message: str) -> HTMLResponse:
    return render(request, v, "error.html", status=status, message=message)


def guarded(request: Request, v: Visitor, fn: Callable[[], Response]) -> Response:
    """``fn()``, with the store's and the authorisation's refusals as pages (403, 404, 409, 422)."""
    try:
        return fn()
    except HTTPException as e:
        key = {403: "error.forbidden", 404: "error.not_found", 409: "error.conflict"}.get(e.status_code)
        detail = str(e.detail)
        return error_page(request, v, e.status_code,
                          detail if key is None or detail == t("error.csrf") else t(key, detail=detail))
    except crud.NotFoundError as e:
        return error_page(request, v, 404, t("error.not_found", detail=str(e).strip("'\"")))
    except crud.ConflictError as e:
        return error_page(request, v, 409, t("error.conflict", detail=str(e)))
    except InputError as e:
        return error_page(request, v, 422, str(e))


def members_only(request: Request, v: Visitor, fn: Callable[[], Response]) -> Response:
    """:func:`guarded` ``fn()`` for a signed-in visitor; anyone else goes to the sign-in page."""
    if not v.signed_in:
        return redirect(f"{PATH}/signin", notice=t("error.signin"))
    return guarded(request, v, fn)


def form_number(raw: str, field: str) -> float | None:
    """A form's non-negative number: ``None`` when blank; 422 naming ``field`` unless finite and ≥ 0."""
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise HTTPException(422, f"{field}: {t('form.not_number', value=raw)}")
    return value


def need_actor(v: Visitor) -> Actor:
    if v.actor is None:
        raise HTTPException(401, t("error.signin"))
    return v.actor
