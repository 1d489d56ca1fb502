"""Helpers of the browser tests: axe-core's verdict on a page, and the console's CSP refusals."""

from __future__ import annotations

from typing import Any

#: every page axe-core checked in this run (written to test-artifacts/portal/axe.txt)
PAGES_CHECKED: list[str] = []


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on ``page`` (axe-core is vendored in
    axe-playwright-python; nothing is fetched)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    PAGES_CHECKED.append(page.url)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def refused_by_csp(console: list[tuple[str, str]]) -> list[str]:
    """The console's CSP refusals that matter: every one, except the single style attribute that
    plotly.min.js sets to probe ``image-rendering`` when it loads (the chart does not use it)."""
    return [text for text, url in console if "Content Security Policy" in text
            and not ("inline style" in text and url.endswith("/portal/vendor/plotly.min.js"))]
