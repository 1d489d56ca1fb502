"""Portal figures of issue 10, each against a bare baseline measured in the same run.

Usage::

    python bench/portal.py [--goods 10000] [--browse 100000] [--repeat 7] [--no-browser]

``dashboard``: a ``random_economy`` of ``--goods`` goods with feasible targets, one consumer council
proposing every target, one round planned (min-labour, HiGHS) and published through the service;
then the server time of the plan dashboard ``GET /portal/plans/{id}`` (first page, a search, a
later page sorted by labour value) against the JSON route of the same plan ``GET /plans/{id}``
(median of ``--repeat`` after one warm-up). With chromium (Debian's ``/usr/bin/chromium``, or
``$COUNCILPLAN_CHROMIUM``): time to interactive, from navigation to the Sankey drawn, in a fresh
browser context each time: interactive (``DOMContentLoaded``: tables, forms and links work; Plotly
is loaded after it), then the Sankey drawn (cold: Plotly's 4.6 MB script fetched and parsed), and
again in the same context (warm: cached).

``browse``: an economy of ``--browse`` goods stored through the service; the server time of the
economy browser's search ``GET /portal/economies/{id}?q=…`` for a rare, a common and an empty query
and a later page sorted by name, against the JSON route ``GET /economies/{id}/goods?q=…`` and the
bare search kernel (:meth:`councilplan.model.catalogue.Index.search`) in-process.

Server times are wall-clock times of the request over loopback (httpx, keep-alive); the service
runs in this process on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def _median_ms(fn: Any, repeat: int) -> float:
    fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return 1e3 * statistics.median(out)


def _get(c: httpx.Client, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    def go() -> None:
        r = c.get(path, params=params, headers=headers)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return go


def _economy(c: httpx.Client, goods: int, seed: int = 0) -> dict[str, Any]:
    from councilplan.model.synthetic import random_economy
    from councilplan.store.economies import files_of_economy

    e = random_economy(goods, seed=seed, feasible_targets=True, labour_kinds=3)
    t = time.perf_counter()
    r = c.post("/economies", json={"files": files_of_economy(e), "admin_name": "board"})
    assert r.status_code == 201, r.text[:500]
    d = r.json()
    return {"id": d["economy"]["id"], "token": d["token"], "economy": e, "store_s": time.perf_counter() - t}


def dashboard(c: httpx.Client, goods: int, repeat: int, browser: bool) -> None:
    w = _economy(c, goods)
    e, h = w["economy"], {"Authorization": f"Bearer {w['token']}"}
    eid = w["id"]
    council = c.post(f"/economies/{eid}/councils", headers=h,
                     json={"name": "everyone", "kind": "consumer", "population": 1.0, "processes": []}).json()
    joined = c.post("/invites/accept", json={"code": council["invite"]["code"], "name": "delegate"}).json()
    targets = {str(g): float(a) for g, a in e.targets["amount"].items() if a > 0}
    rnd = c.post(f"/economies/{eid}/rounds", headers=h, json={"rule": "population-sum",
                                                              "objective": "min-labour"}).json()
    r = c.post(f"/rounds/{rnd['id']}/proposals", headers={"Authorization": f"Bearer {joined['token']}"},
               json={"goods": targets})
    assert r.status_code == 201, r.text[:300]
    c.post(f"/rounds/{rnd['id']}/close", headers=h).raise_for_status()
    t = time.perf_counter()
    planned = c.post(f"/rounds/{rnd['id']}/plan", headers=h, timeout=600)
    plan_s = time.perf_counter() - t
    assert planned.status_code == 200, planned.text[:500]
    pid = planned.json()["plan"]["id"]
    c.post(f"/rounds/{rnd['id']}/publish", headers=h).raise_for_status()
    print(f"dashboard: {goods:,} goods, {e.n_processes:,} processes; stored in {w['store_s']:.1f} s, "
          f"planned in {plan_s:.1f} s (plan {pid}, {len(targets):,} targets)")
    base = _median_ms(_get(c, f"/plans/{pid}", h), repeat)
    print(f"  baseline  GET /plans/{pid} (JSON)            {base:8.1f} ms")
    for label, params in (("first page", {}), ("search 'g00'", {"q": "g00"}),
                          ("page 20 by labour value", {"sort": "labour_value", "page": 20})):
        ms = _median_ms(_get(c, f"/portal/plans/{pid}", **params), repeat)
        print(f"  dashboard {label:<28} {ms:8.1f} ms = {ms / base:5.2f}× JSON   (goal ≤ 1000 ms)")
    if browser:
        _interactive(str(c.base_url), pid, repeat, h)


def _interactive(url: str, pid: int, repeat: int, auth: dict[str, str]) -> None:
    chromium = os.environ.get("COUNCILPLAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  (no Playwright: interactive time not measured)")
        return
    if not Path(chromium).exists():
        print(f"  (no chromium at {chromium}: interactive time not measured)")
        return
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        ready, cold, warm, plain = [], [], [], []
        for _ in range(repeat):
            ctx = b.new_context(base_url=url)
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(f"/portal/plans/{pid}", wait_until="domcontentloaded")
            ready.append(time.perf_counter() - t)
            page.wait_for_selector('#sankey[data-drawn="true"]', timeout=30_000)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            page.goto(f"/portal/plans/{pid}?page=2")
            page.wait_for_selector('#sankey[data-drawn="true"]', timeout=30_000)
            warm.append(time.perf_counter() - t)
            ctx.close()
            ctx = b.new_context(base_url=url, extra_http_headers=auth)
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(f"/plans/{pid}")  # the JSON route of the same plan, as chromium shows it
            page.wait_for_load_state("load")
            plain.append(time.perf_counter() - t)
            ctx.close()
        b.close()
    base = 1e3 * statistics.median(plain)
    print(f"  chromium  JSON route loaded                  {base:8.1f} ms")
    for label, v in (("interactive (DOM ready)", ready), ("Sankey drawn, cold cache", cold),
                     ("Sankey drawn, warm cache", warm)):
        ms = 1e3 * statistics.median(v)
        print(f"  chromium  {label:<28} {ms:8.1f} ms = {ms / base:5.2f}× JSON   (goal ≤ 2000 ms)")


def browse(c: httpx.Client, goods: int, repeat: int) -> None:
    from councilplan.model.catalogue import Catalogue

    w = _economy(c, goods, seed=1)
    eid, e = w["id"], w["economy"]
    print(f"browse: {goods:,} goods, {e.n_processes:,} processes; stored in {w['store_s']:.1f} s")
    first = time.perf_counter()
    _get(c, f"/portal/economies/{eid}", q="x")()
    print(f"  first search (parses the stored economy and builds the index) {time.perf_counter() - first:.2f} s")
    index = Catalogue.of(e).goods
    rare = str(e.goods.index[goods // 3])
    for label, params in ((f"rare '{rare}'", {"q": rare}), ("common 'g0'", {"q": "g0"}), ("empty", {}),
                          ("page 40 by name", {"q": "g", "sort": "name", "page": 40})):
        page = int(params.pop("page", 1))
        bare = _median_ms(lambda p=params, pg=page: index.search(p.get("q", ""), offset=(pg - 1) * 50, limit=50,
                                                                  sort=p.get("sort", "id")), repeat)
        json_ms = _median_ms(_get(c, f"/economies/{eid}/goods", offset=(page - 1) * 50, limit=50, **params), repeat)
        ms = _median_ms(_get(c, f"/portal/economies/{eid}", page=page, **params), repeat)
        print(f"  search {label:<22} portal {ms:7.1f} ms = {ms / json_ms:5.2f}× JSON ({json_ms:.1f} ms), "
              f"kernel {bare:6.2f} ms   (goal ≤ 100 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--goods", type=int, default=10_000)
    ap.add_argument("--browse", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    from councilplan.api import create_app
    from councilplan.api.server import running
    from councilplan.store.db import Database

    with tempfile.TemporaryDirectory(prefix="councilplan-bench-portal-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'portal.db'}")
        db.upgrade()
        with running(create_app(db, migrate=False, max_inflight=0)) as url, \
                httpx.Client(base_url=url, timeout=600) as c:
            if args.goods:
                dashboard(c, args.goods, args.repeat, not args.no_browser)
            if args.browse:
                browse(c, args.browse, args.repeat)
        db.dispose()


if __name__ == "__main__":
    main()
