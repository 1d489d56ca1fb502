"""The councils' portal: server-rendered pages (Jinja2, no build step, no inline scripts) on the same
FastAPI app, authorisation and database as the API. ``/portal/`` signs in; see docs/portal.md."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from councilplan.web.security import PATH, SecurityHeaders


def mount(app: FastAPI) -> None:
    """Add the portal's pages, its static files and its security headers to ``app``."""
    from councilplan.web import pages, plans

    app.include_router(pages.router)
    app.include_router(plans.router)
    static = resources.files("councilplan.web") / "static"
    app.mount(f"{PATH}/static", StaticFiles(directory=str(static)), name="portal-static")
    app.add_middleware(SecurityHeaders)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PATH}/")
