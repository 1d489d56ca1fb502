"""Scenario reports (``war1941`` and the other built-in scenarios) served by the portal: the same
sections as ``councilplan scenario run``'s HTML file, with its Plotly figures drawn under the CSP.

A report is computed once per server process, in a background thread, the first time someone asks
for it (a scenario with its sensitivity runs takes seconds to a minute); meanwhile the page says so
and reloads itself (``<meta http-equiv="refresh">``, not a script).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from councilplan.web.charts import plotly_js
from councilplan.web.context import error_page, render, visitor
from councilplan.web.security import PATH
from councilplan.web.strings import t

router = APIRouter(prefix=PATH, include_in_schema=False)
log = logging.getLogger("councilplan.web")
REFRESH_S = 3
#: points of the joint sweep (Sobol, over every assumption range at once) in a served report
JOINT_POINTS = 64


@dataclass
class Job:
    """One scenario's report: ``running``, ``ready`` (with its sections) or ``failed`` (with why)."""

    state: str = "running"
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    sections: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def _figure_json(fig: Any) -> Markup:
    """The figure as JSON safe inside ``<script type="application/json">`` (``</`` cannot close it)."""
    return Markup(fig.to_json().replace("</", "<\\/"))


def _compute(name: str, job: Job) -> None:
    try:
        from councilplan.scenarios.report import sections
        from councilplan.scenarios.runner import run_scenario

        run = run_scenario(name, "highs", sensitivity=True, joint=JOINT_POINTS)
        job.sections = [{"title": s.title, "text": s.text, "table": Markup(s.table) if s.table else "",
                         "figure": _figure_json(s.figure) if s.figure is not None else ""}
                        for s in sections(run)]
        job.state = "ready"
    except Exception as e:  # a report that fails says why on its page; the server goes on
        log.exception("scenario report %s failed", name)
        job.error, job.state = f"{type(e).__name__}: {e}", "failed"
    finally:
        job.seconds = time.monotonic() - job.started


def report_job(name: str) -> Job:
    """The report's job, started on first use."""
    with _lock:
        job = _jobs.get(name)
        if job is None or job.state == "failed":
            job = _jobs[name] = Job()
            threading.Thread(target=_compute, args=(name, job), name=f"scenario-{name}", daemon=True).start()
        return job


@router.get("/scenarios")
def scenarios(request: Request) -> Response:
    from councilplan.scenarios.runner import builtin_scenarios, find_scenario
    from councilplan.scenarios.shocks import read_scenario

    rows = []
    for name in builtin_scenarios():
        job = _jobs.get(name)
        rows.append({"name": name, "description": read_scenario(find_scenario(name)).description,
                     "state": job.state if job is not None else ""})
    return render(request, visitor(request), "scenarios.html", rows=rows)


@router.get("/scenarios/{name}")
def scenario(request: Request, name: str) -> Response:
    from councilplan.scenarios.runner import builtin_scenarios

    v = visitor(request)
    if name not in builtin_scenarios():
        return error_page(request, v, 404, t("scenario.unknown", name=name, names=", ".join(builtin_scenarios())))
    job = report_job(name)
    if job.state == "failed":
        return error_page(request, v, 500, t("scenario.failed", name=name, error=job.error))
    response = render(request, v, "scenario.html", name=name, job=job, refresh=REFRESH_S,
                      plotly=plotly_js() is not None, status=200 if job.state == "ready" else 202)
    return response
