"""The economy browser over real HTTP: search and pages agree with the economy's own tables, the
JSON routes page the same matches, links lead where they say, and bad input gets a page that says why."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

httpx = pytest.importorskip("httpx", reason="the service extra (httpx) is not installed")

from councilplan.model.synthetic import random_economy  # noqa: E402
from councilplan.store.economies import files_of_economy  # noqa: E402
from councilplan.web.economy import LINKS, PAGE  # noqa: E402

N = 2_000


@pytest.fixture(scope="module")
def world(portal: tuple[str, Any]) -> Iterator[dict[str, Any]]:
    base, _db = portal
    economy = random_economy(N, seed=3)
    files = files_of_economy(economy)
    # one good with markup in its name: it must be shown as text, never as HTML
    files["goods.csv"] = files["goods.csv"].replace("\ng0007,g0007,", "\ng0007,<b>bold</b> & co,", 1)
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.post("/economies", json={"files": files, "admin_name": "board"})
        assert r.status_code == 201, r.text
        yield {"client": client, "id": r.json()["economy"]["id"], "economy": economy}


def ids_in(page: str) -> list[str]:
    body = page.split('<tbody>', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', body)


def test_search_pages_match_the_tables(world: dict[str, Any]) -> None:
    c, eid, e = world["client"], world["id"], world["economy"]
    want = [str(g) for g in e.goods.index if "g1" in str(g)]
    first = c.get(f"/portal/economies/{eid}", params={"q": "G1"})
    assert first.status_code == 200
    assert f"{len(want)} found" in first.text
    assert ids_in(first.text) == want[:PAGE]
    last_page = -(-len(want) // PAGE)
    last = c.get(f"/portal/economies/{eid}", params={"q": "g1", "page": last_page})
    assert ids_in(last.text) == want[(last_page - 1) * PAGE:]
    beyond = c.get(f"/portal/economies/{eid}", params={"q": "g1", "page": last_page + 5})
    assert ids_in(beyond.text) == ids_in(last.text)  # past the end: the last page, not an empty one
    assert 'rel="next"' in first.text and 'rel="next"' not in last.text
    none = c.get(f"/portal/economies/{eid}", params={"q": "no such good"})
    assert "0 found" in none.text and ids_in(none.text) == []


def test_the_json_route_pages_the_same_matches(world: dict[str, Any]) -> None:
    c, eid, e = world["client"], world["id"], world["economy"]
    want = [str(g) for g in e.goods.index if "g1" in str(g)]
    r = c.get(f"/economies/{eid}/goods", params={"q": "g1", "offset": 60, "limit": 30}).json()
    assert r["total"] == len(want) and [i["id"] for i in r["items"]] == want[60:90]
    p = c.get(f"/economies/{eid}/processes", params={"q": "-alt", "limit": 500}).json()
    assert [i["id"] for i in p["items"]] == [str(j) for j in e.processes.index if "-alt" in str(j)][:500]
    assert c.get(f"/economies/{eid}/goods", params={"sort": "price"}).status_code == 422
    assert c.get("/economies/999999/goods").status_code == 404


def test_processes_tab_and_name_sort(world: dict[str, Any]) -> None:
    c, eid, e = world["client"], world["id"], world["economy"]
    page = c.get(f"/portal/economies/{eid}", params={"tab": "processes", "sort": "name", "q": "alt"})
    names = sorted((str(n) for j, n in e.processes["name"].items() if "alt" in f"{j}\t{n}".lower()),
                   key=str.lower)
    assert ids_in(page.text) == names[:PAGE]  # the generator names processes by their ids


def test_markup_in_a_name_is_text(world: dict[str, Any]) -> None:
    c, eid = world["client"], world["id"]
    page = c.get(f"/portal/economies/{eid}", params={"q": "bold"})
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page.text and "<b>bold</b>" not in page.text
    assert ids_in(page.text) == ["g0007"]


def test_a_good_links_its_makers_and_users(world: dict[str, Any]) -> None:
    c, eid, e = world["client"], world["id"], world["economy"]
    i = 1
    good = str(e.goods.index[i])
    page = c.get(f"/portal/economies/{eid}/goods/{quote(good)}")
    assert page.status_code == 200
    makers = {str(e.processes.index[j]) for j in e.B[[i], :].nonzero()[1]}
    users = {str(e.processes.index[j]) for j in e.A[[i], :].nonzero()[1]}
    made = page.text.split('id="made_by"', 1)[1].split("</table>", 1)[0]
    used = page.text.split('id="used_by"', 1)[1].split("</table>", 1)[0]
    assert set(re.findall(r'processes/([^"]+)">', made)) == makers
    assert len(users) <= LINKS  # every user is listed, none cut
    assert set(re.findall(r'processes/([^"]+)">', used)) == users
    j = e.processes.index.get_loc(sorted(makers)[0])
    proc = c.get(f"/portal/economies/{eid}/processes/{quote(str(e.processes.index[j]))}")
    inputs = proc.text.split('id="inputs"', 1)[1].split("</table>", 1)[0]
    assert set(re.findall(r'goods/([^"]+)">', inputs)) == {str(e.goods.index[k]) for k in e.A[:, [j]].nonzero()[0]}
    assert good in proc.text.split('id="outputs"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/goods/nonesuch", 404, "good 'nonesuch' is not in economy"),
    ("/processes/nonesuch", 404, "process 'nonesuch' is not in economy"),
    ("?tab=prices", 422, "'prices' is not a list of this browser"),
    ("?sort=price", 422, "'price' is not a sort order"),
    ("?page=abc", 422, "page: Input should be a valid integer"),
    ("/nowhere", 404, "There is no such page"),
])
def test_bad_input_gets_a_page_that_says_why(world: dict[str, Any], path: str, status: int, says: str) -> None:
    c, eid = world["client"], world["id"]
    r = c.get(f"/portal/economies/{eid}{path}")
    assert r.status_code == status and says in html.unescape(r.text), r.text[:500]
    assert r.headers["content-type"].startswith("text/html") and "Traceback" not in r.text


def test_unknown_economy_and_the_list(world: dict[str, Any]) -> None:
    c, eid = world["client"], world["id"]
    assert c.get("/portal/economies/999999").status_code == 404
    listing = c.get("/portal/economies")
    assert listing.status_code == 200 and f'href="/portal/economies/{eid}"' in listing.text
