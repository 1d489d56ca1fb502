"""End to end in headless chromium: two councils join by invite and propose, the coordinator closes,
plans and publishes the round, and both see the dashboard; a forged form and a form without its
CSRF token change nothing; bad input is named next to its field; axe-core finds no serious or
critical violation on any page."""

from __future__ import annotations

import re
from typing import Any

import httpx
from portalhelpers import axe_violations, refused_by_csp

from councilplan.store.db import Database


def _api(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60)


def _economy(url: str) -> dict[str, Any]:
    with _api(url) as c:
        d = c.post("/economies", json={"example": "germany-1995"}).json()
        h = {"Authorization": f"Bearer {d['token']}"}
        codes = {}
        for name, pop in (("north", 3000.0), ("south", 1000.0)):
            r = c.post(f"/economies/{d['economy']['id']}/councils", headers=h,
                       json={"name": name, "kind": "consumer", "population": pop, "processes": []}).json()
            codes[name] = r["invite"]["code"]
        rnd = c.post(f"/economies/{d['economy']['id']}/rounds", headers=h,
                     json={"rule": "population-sum", "objective": "harmony"}).json()
    return {"economy": d["economy"]["id"], "admin": d["token"], "codes": codes, "round": rnd["id"]}


def _join(browser: Any, url: str, code: str, name: str) -> Any:
    ctx = browser.new_context(base_url=url)
    page = ctx.new_page()
    page.goto(f"/portal/join/{code}")
    assert not axe_violations(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    assert page.locator("#new-token").inner_text().startswith("cpt_")
    page.goto("/portal/council")
    return page


def _propose(page: Any, rows: list[tuple[str, str]]) -> None:
    n = page.locator('input[name="item"]').count()
    for i, (item, amount) in enumerate(rows + [("", "")] * (n - len(rows))):
        page.locator(f"#item-{i}").fill(item)
        page.locator(f"#amount-{i}").fill(amount)
    page.get_by_role("button", name="Submit the proposal").click()


def _proposals(url: str, token: str, rnd: int) -> list[dict[str, Any]]:
    with _api(url) as c:
        return c.get(f"/rounds/{rnd}/proposals", headers={"Authorization": f"Bearer {token}"}).json()["items"]


def test_two_councils_propose_and_see_the_published_plan(browser: Any, portal: tuple[str, Database],
                                                         shots: Any) -> None:
    url, _db = portal
    w = _economy(url)
    north = _join(browser, url, w["codes"]["north"], "Nora")
    south = _join(browser, url, w["codes"]["south"], "Sami")

    # bad input: named next to its field, nothing stored
    _propose(north, [("agriculture", "-1"), ("trade", "lots"), ("unobtainium", "3")])
    assert north.locator("#amount-0-error").inner_text().startswith("must be 0 or more")
    assert "is not a number" in north.locator("#amount-1-error").inner_text()
    assert "is not a good of this economy" in north.locator("#item-2-error").inner_text()
    assert north.locator("#amount-0").get_attribute("aria-invalid") == "true"
    assert _proposals(url, w["admin"], w["round"]) == []
    shots(north, "bad-input")
    assert not axe_violations(north)

    _propose(north, [("agriculture", "30"), ("trade", "30")])
    assert re.fullmatch(r"Proposal \d+ stored\.", north.locator(".notice").inner_text())
    _propose(south, [("agriculture", "20"), ("manufacturing", "10")])
    assert re.fullmatch(r"Proposal \d+ stored\.", south.locator(".notice").inner_text())
    shots(north, "council")
    stored = {p["council_id"]: p for p in _proposals(url, w["admin"], w["round"])}
    assert len(stored) == 2

    # a forged form: north's session posts a revision of south's proposal, with north's valid CSRF value
    south_id = next(p["id"] for p in stored.values() if p["content"]["goods"].get("manufacturing"))
    csrf = north.locator('input[name="csrf"]').first.get_attribute("value")
    forged = north.request.post(f"/portal/proposals/{south_id}",
                                form={"csrf": csrf, "item": "agriculture", "amount": "999"}, max_redirects=0)
    assert forged.status == 403 and "another council" in forged.text()
    withdraw = north.request.post(f"/portal/proposals/{south_id}", form={"csrf": csrf, "action": "withdraw"},
                                  max_redirects=0)
    assert withdraw.status == 403
    no_csrf = north.request.post("/portal/proposals", form={"item": "trade", "amount": "1"}, max_redirects=0)
    assert no_csrf.status == 403 and "did not come from this site" in no_csrf.text()
    after = {p["council_id"]: p for p in _proposals(url, w["admin"], w["round"])}
    assert after == stored  # nothing changed: same versions, contents and statuses

    # the coordinator signs in with a token (never in the URL) and runs the round
    admin_ctx = browser.new_context(base_url=url)
    admin = admin_ctx.new_page()
    admin.goto("/portal/signin")
    assert not axe_violations(admin)
    admin.get_by_label("Your token").fill(w["admin"])
    admin.get_by_role("button", name="Sign in").click()
    assert w["admin"] not in admin.url
    admin.goto(f"/portal/rounds/{w['round']}")
    for step, state in (("Close the round", "closed"), ("Compute the plan", "planned"),
                        ("Publish the plan", "published")):
        admin.get_by_role("button", name=step).click()
        assert admin.locator("#round-state").inner_text().startswith(state)
    shots(admin, "round")
    assert not axe_violations(admin)
    plan_href = admin.get_by_role("link", name=re.compile("Iteration 0")).get_attribute("href")

    # both councils see the plan: costs on their page, the public dashboard (its Sankey drawn by
    # Plotly from the package, under the strict CSP: no script refused)
    console: list[tuple[str, str]] = []
    north.on("console", lambda m: console.append((m.text, m.location.get("url", ""))))
    for page in (north, south):
        page.goto("/portal/council")
        assert page.locator(".outcome").count() == 1 and "labour hours" in page.locator(".outcome").inner_text()
        page.goto(plan_href)
        assert page.locator("#plan-status").inner_text().startswith("optimal")
        assert page.locator("svg.bars rect").count() >= 3
        assert page.locator("#prices tbody tr").count() > 0
        assert page.locator("#flows tbody tr").count() > 0
        page.wait_for_selector('#sankey[data-drawn="true"]', timeout=20_000)
        assert page.locator("#sankey svg.main-svg").count() >= 1
    assert not refused_by_csp(console), console
    shots(north, "dashboard")
    assert not axe_violations(north)
    anonymous = browser.new_context(base_url=url).new_page()
    anonymous.goto(plan_href)  # published: public
    assert anonymous.locator("#plan-status").inner_text().startswith("optimal")
    anonymous.goto("/portal/plans/{}?q=agri".format(plan_href.rsplit("/", 1)[1]))
    assert all("agri" in r.lower() for r in anonymous.locator("#prices tbody tr").all_inner_texts())

    # the economy browser: search by the form, follow a good to the processes that make it
    anonymous.goto(f"/portal/economies/{w['economy']}")
    anonymous.get_by_label("Search ids and names").fill("AGRI")
    anonymous.get_by_role("button", name="Search").click()
    assert anonymous.locator("#catalogue tbody tr").all_inner_texts()[0].startswith("agriculture")
    assert not axe_violations(anonymous)
    shots(anonymous, "economy")
    anonymous.get_by_role("link", name="agriculture", exact=True).click()
    assert anonymous.locator("#made_by tbody tr").count() >= 1
    assert not axe_violations(anonymous)

    # on a phone: nothing wider than the screen, on the dashboard and the browser
    phone = browser.new_context(base_url=url, viewport={"width": 375, "height": 812}, is_mobile=True).new_page()
    for path in (plan_href, f"/portal/economies/{w['economy']}"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, (path, width)  # the device's 375 px: a page any wider scrolls sideways
    shots(phone, "phone")

    # keyboard only: Tab to the token field, type, Enter signs in
    keys = browser.new_context(base_url=url).new_page()
    keys.goto("/portal/signin")
    for _ in range(20):
        keys.keyboard.press("Tab")
        if keys.evaluate("document.activeElement.id") == "token":
            break
    assert keys.evaluate("document.activeElement.id") == "token"
    keys.keyboard.type(w["admin"])
    keys.keyboard.press("Enter")
    keys.wait_for_url("**/portal/council")
    assert "Signed in as" in keys.locator("header").inner_text()

    # signing out ends the session
    north.get_by_role("button", name="Sign out").click()
    north.goto("/portal/council")
    assert "/portal/signin" in north.url


def test_security_headers_and_cookie(portal: tuple[str, Database]) -> None:
    url, _db = portal
    with _api(url) as c:
        r = c.get("/portal/signin")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["referrer-policy"] == "no-referrer" and r.headers["x-frame-options"] == "DENY"
        assert "<script>" not in r.text and "style=" not in r.text  # no inline scripts or styles
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/portal" in cookie
        w = _economy(url)
        pre = c.cookies.get("cp_pre")
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
        assert csrf is not None and csrf.group(1) == pre
        bad = c.post("/portal/signin", data={"csrf": csrf.group(1), "token": "cpt_nope"})
        assert bad.status_code == 401 and "not valid" in bad.text
        ok = c.post("/portal/signin", data={"csrf": csrf.group(1), "token": w["admin"]})
        assert ok.status_code == 303 and "httponly" in ok.headers["set-cookie"].lower()
        assert w["admin"] not in ok.headers["location"]


def test_a_used_invite_link_is_refused(portal: tuple[str, Database]) -> None:
    url, _db = portal
    w = _economy(url)
    with _api(url) as c:
        page = c.get(f"/portal/join/{w['codes']['north']}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert c.post(f"/portal/join/{w['codes']['north']}", data={"csrf": csrf, "name": "A"}).status_code == 200
    with _api(url) as other:
        r = other.get(f"/portal/join/{w['codes']['north']}")
        assert r.status_code == 409 and "used already" in r.text
        assert other.get("/portal/join/not-a-code").status_code == 404

