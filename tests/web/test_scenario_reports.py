"""Scenario reports served by the portal: computed once in the background, the page says so meanwhile,
then the same sections as the CLI's report, with the figures drawn in chromium under the CSP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from portalhelpers import axe_violations, refused_by_csp

from councilplan.scenarios.runner import builtin_scenarios
from councilplan.store.db import Database


def _ready(url: str, name: str, timeout: float = 240.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=60) as c:
        first = c.get(f"/portal/scenarios/{name}")
        if first.status_code == 202:
            assert '<meta http-equiv="refresh"' in first.text and "being computed" in first.text
        r = first
        while r.status_code == 202:
            assert time.monotonic() < deadline, "the report was not ready in time"
            time.sleep(1.0)
            r = c.get(f"/portal/scenarios/{name}")
    return r


def _drawn(browser: Any, url: str, name: str, charts: int) -> Any:
    """A chromium page on the scenario's report once its figures are drawn, none refused by the CSP."""
    page = browser.new_context(base_url=url, viewport={"width": 1400, "height": 900}).new_page()
    console: list[tuple[str, str]] = []
    page.on("console", lambda m: console.append((m.text, m.location.get("url", ""))))
    page.goto(f"/portal/scenarios/{name}")
    page.wait_for_selector('.chart[data-drawn="true"]', timeout=30_000)
    assert page.locator(".chart svg.main-svg").count() >= charts
    assert not refused_by_csp(console), console
    return page


def _section(page: Any, title: str) -> Any:
    return page.locator("section", has=page.get_by_role("heading", name=title, exact=True))


def test_the_list_names_every_builtin_scenario(portal: tuple[str, Database]) -> None:
    url, _db = portal
    page = httpx.get(f"{url}/portal/scenarios")
    assert page.status_code == 200
    for name in builtin_scenarios():
        assert f'href="/portal/scenarios/{name}"' in page.text


def test_an_unknown_scenario_names_the_known_ones(portal: tuple[str, Database]) -> None:
    url, _db = portal
    r = httpx.get(f"{url}/portal/scenarios/war1812")
    assert r.status_code == 404 and "war1941" in r.text and "war1812" in r.text


@pytest.mark.slow
def test_war1941_report_in_the_browser(portal: tuple[str, Database], browser: Any, shots: Any) -> None:
    url, _db = portal
    r = _ready(url, "war1941")
    assert r.status_code == 200, r.text[:400]
    for heading in ("Plan against published actual output", "Net output by period",
                    "Published inputs and their sources", "Output paths"):
        assert heading in r.text
    assert "<script>" not in r.text  # the figures travel as JSON data blocks, never as inline scripts
    page = _drawn(browser, url, "war1941", charts=3)
    comparison = _section(page, "Plan against published actual output")
    assert "the plan makes what it is told" in comparison.inner_text()  # the GKO floors: inputs, labelled
    shots(page, "comparison", comparison)
    shots(page, "war1941")
    assert not axe_violations(page)


@pytest.mark.slow
def test_war1941_45_report_shows_history_labels_and_the_joint_sweep(portal: tuple[str, Database], browser: Any,
                                                                    shots: Any) -> None:
    """The report a historian reads: every good against actual output, free results apart from
    inputs, the fit, and the joint sweep's ranges (with its box plot drawn)."""
    url, _db = portal
    r = _ready(url, "war1941_45")
    assert r.status_code == 200, r.text[:400]
    for heading in ("Plan against published actual output", "Fit of the free results",
                    "Joint sweep: every assumption at once", "Published inputs and their sources"):
        assert heading in r.text
    assert "free: the plan chose it" in r.text and "within a factor of 2" in r.text
    assert "p5" in r.text and "p95" in r.text  # the sweep's distribution, not only its ends
    page = _drawn(browser, url, "war1941_45", charts=4)
    shots(page, "war1941_45")
    for name, title in (("comparison", "Plan against published actual output"), ("fit", "Fit of the free results"),
                        ("joint", "Joint sweep: every assumption at once")):
        section = _section(page, title)
        if name == "comparison":  # every row says what it is; here no floor binds, so all are free
            text = section.inner_text()
            assert text.count("free: the plan chose it") >= 45 and "input: the floor" not in text
        shots(page, name, section)
    assert not axe_violations(page)
