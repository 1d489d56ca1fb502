"""The councils' portal: server-rendered pages (Jinja2, no build step, no inline scripts) on the same
FastAPI app, authorisation and database as the API. ``/portal/`` signs in; see docs/portal.md."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from councilplan.web.security import PATH, SecurityHeaders


def mount(app: FastAPI) -> None:
    """Add the portal's pages, its static files and its security headers to ``app``."""
    from councilplan.web import economy, pages, plans, scenarios

    app.include_router(pages.router)
    app.include_router(plans.router)
    app.include_router(economy.router)
    app.include_router(scenarios.router)
    static = resources.files("councilplan.web") / "static"
    app.mount(f"{PATH}/static", StaticFiles(directory=str(static)), name="portal-static")
    app.add_middleware(SecurityHeaders)
    for exc in (RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc, _pages_for_portal(app.exception_handlers.get(exc)))

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PATH}/")


def _pages_for_portal(api: Callable[..., Any] | None) -> Callable[..., Any]:
    """An exception handler that answers the portal's paths with an error page (the API's with ``api``)."""

    async def handler(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith(PATH) or request.url.path.startswith(f"{PATH}/static"):
            if api is None:
                raise exc
            out = api(request, exc)
            return await out if hasattr(out, "__await__") else out
        from councilplan.web.context import error_page, visitor
        from councilplan.web.strings import t

        if isinstance(exc, RequestValidationError):
            fields = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
                               for e in exc.errors())
            return error_page(request, visitor(request), 422, t("error.bad_query", fields=fields))
        if isinstance(exc, StarletteHTTPException):
            key = {404: "error.no_page", 405: "error.method"}.get(exc.status_code)
            return error_page(request, visitor(request), exc.status_code,
                              t(key) if key else str(exc.detail))
        import logging

        from councilplan.web.context import Visitor

        logging.getLogger("councilplan.web").exception("portal page failed: %s", request.url.path)
        return error_page(request, Visitor(None, None, ""), 500, t("error.internal"))

    return handler
