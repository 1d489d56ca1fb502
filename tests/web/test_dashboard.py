"""The plan dashboard over HTTP, against the plan's own numbers: the fulfilment summary, the
comparison of two iterations, the largest flows recomputed from the bundle, and the figure's data."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

httpx = pytest.importorskip("httpx", reason="the service extra (httpx) is not installed")


@pytest.fixture(scope="module")
def two_plans(portal: tuple[str, Any]) -> Iterator[dict[str, Any]]:
    base, _db = portal
    with httpx.Client(base_url=base, timeout=120) as c:
        d = c.post("/economies", json={"example": "germany-1995"}).json()
        eid, h = d["economy"]["id"], {"Authorization": f"Bearer {d['token']}"}
        council = c.post(f"/economies/{eid}/councils", headers=h,
                         json={"name": "towns", "kind": "consumer", "population": 1000.0, "processes": []}).json()
        token = c.post("/invites/accept", json={"code": council["invite"]["code"], "name": "d"}).json()["token"]
        rnd = c.post(f"/economies/{eid}/rounds", headers=h, json={"rule": "population-sum",
                                                                  "objective": "harmony"}).json()
        mine = {"Authorization": f"Bearer {token}"}
        prop = c.post(f"/rounds/{rnd['id']}/proposals", headers=mine,
                      json={"goods": {"agriculture": 30.0, "trade": 30.0}}).json()
        plans = []
        for goods in (None, {"agriculture": 60.0, "trade": 10.0, "construction": 5.0}):
            if goods is not None:
                c.post(f"/rounds/{rnd['id']}/reopen", headers=h).raise_for_status()
                c.put(f"/proposals/{prop['id']}", headers=mine, json={"goods": goods}).raise_for_status()
            c.post(f"/rounds/{rnd['id']}/close", headers=h).raise_for_status()
            plans.append(c.post(f"/rounds/{rnd['id']}/plan", headers=h).json()["plan"]["id"])
            c.post(f"/rounds/{rnd['id']}/publish", headers=h).raise_for_status()
        results = [c.get(f"/plans/{p}", headers=h).json()["result"] for p in plans]
        c.post(f"/rounds/{rnd['id']}/reopen", headers=h).raise_for_status()
        c.post(f"/rounds/{rnd['id']}/close", headers=h).raise_for_status()
        unpublished = c.post(f"/rounds/{rnd['id']}/plan", headers=h).json()["plan"]["id"]
        bundle = c.get(f"/plans/{plans[1]}/bundle", headers=h)
        public = c.get(f"/portal/plans/{plans[1]}/bundle")  # published: anyone may check it
        assert public.status_code == 200 and public.content == bundle.content
        assert public.headers["x-input-hash"] == bundle.headers["x-input-hash"]
        yield {"client": c, "plans": plans, "results": results, "bundle": bundle.content,
               "unpublished": unpublished}


def test_fulfilment_summary_counts_the_plans_targets(two_plans: dict[str, Any]) -> None:
    c, (_p1, p2), (_r1, r2) = two_plans["client"], two_plans["plans"], two_plans["results"]
    page = html.unescape(c.get(f"/portal/plans/{p2}").text)
    f = sorted(r["fulfilment"] for r in r2["net_output"] if r.get("target") and r.get("fulfilment") is not None)
    met = sum(v >= 0.999 for v in f)
    assert f"{met} of {len(f)} targets met; lowest fulfilment {100 * f[0]:.1f} %" in page


def test_comparison_lists_what_changed(two_plans: dict[str, Any]) -> None:
    c, (p1, p2), (r1, r2) = two_plans["client"], two_plans["plans"], two_plans["results"]
    page = c.get(f"/portal/plans/{p2}", params={"compare": p1}).text
    before = {r["good"]: r["amount"] for r in r1["net_output"]}
    changed = {r["good"] for r in r2["net_output"] if abs(r["amount"] - before[r["good"]]) > 1e-9 * max(1, abs(before[r["good"]]))}
    assert changed, "the two iterations should differ"
    table = page.split('id="comparison"', 1)[1].split("</table>", 1)[0]
    assert set(re.findall(r"<tr><td>([^<]+)</td>", table)) == changed
    assert f"{len(changed)} of {len(r2['net_output'])} goods change" in page


def test_largest_flows_recomputed_from_the_bundle(two_plans: dict[str, Any]) -> None:
    c, (_p1, p2), (_r1, r2) = two_plans["client"], two_plans["plans"], two_plans["results"]
    with zipfile.ZipFile(io.BytesIO(two_plans["bundle"])) as z:
        labels = json.loads(z.read("labels.json"))
        e, p = np.load(io.BytesIO(z.read("economy.npz"))), np.load(io.BytesIO(z.read("plan.npz")))
        A = sp.csr_matrix((e["A_data"], e["A_indices"], e["A_indptr"]), shape=tuple(e["A_shape"]))
        x = p["x"]
    lam = np.array([r2["labour_values"][g] for g in labels["goods"]])
    into = (sp.diags(lam) @ A @ sp.diags(x)).tocoo()
    k = int(np.argmax(into.data))
    page = c.get(f"/portal/plans/{p2}").text
    data = json.loads(page.split('<script type="application/json" id="sankey-data">', 1)[1].split("</script>", 1)[0])
    link, labels_ = data["data"][0]["link"], data["data"][0]["node"]["label"]
    flows = {(labels_[s], labels_[t]): v for s, t, v in zip(link["source"], link["target"], link["value"], strict=True)}
    key = (f"{labels['goods'][into.row[k]]} ▸", f"⚙ {labels['processes'][into.col[k]]}")
    assert flows[key] == pytest.approx(float(into.data[k]), rel=1e-9)
    assert len(flows) <= 30 and all(v > 0 for v in flows.values())
    # three columns: a good used never appears as made, so the diagram has no cycle
    assert not any(s.startswith("▸") or t.endswith("▸") for s, t in flows)


def test_an_unpublished_plan_is_not_shown_to_outsiders(two_plans: dict[str, Any]) -> None:
    c, pid = two_plans["client"], two_plans["unpublished"]
    for path in (f"/portal/plans/{pid}", f"/portal/plans/{pid}/bundle"):
        r = c.get(path)
        assert r.status_code == 403 and "not published" in r.text and r.headers["content-type"].startswith("text/html")


def test_an_unpublished_plan_cannot_be_seen_through_a_comparison(two_plans: dict[str, Any]) -> None:
    c, (_p1, p2), hidden = two_plans["client"], two_plans["plans"], two_plans["unpublished"]
    page = c.get(f"/portal/plans/{p2}")
    assert page.status_code == 200 and f'<option value="{hidden}"' not in page.text  # not offered
    forced = c.get(f"/portal/plans/{p2}", params={"compare": hidden})
    assert forced.status_code == 403 and "not published" in forced.text
