"""What the dashboard draws from a plan's bundle: labour used against available, and the largest
flows of the plan for its Sankey diagram; and Plotly's script, served from the installed package.

A flow is good ``i`` going into process ``j`` (``A_ij x_j``) or process ``j`` making good ``i``
(``B_ij x_j``); the diagram has three columns, goods used, processes and goods made. Goods are counted in different units, so flows are weighed in labour hours where
the plan has labour values ``λ`` (``λ_i A_ij x_j`` hours embodied, comparable across goods), and in
the goods' own units otherwise (then said so on the page).
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

FLOWS = 30  #: flows the Sankey shows


@dataclass(frozen=True)
class BundleView:
    """The arrays of one bundle that the dashboard reads."""

    goods: list[str]
    processes: list[str]
    labour: list[str]
    A: sp.csr_matrix
    B: sp.csr_matrix
    L: sp.csr_matrix
    labour_available: np.ndarray
    x: np.ndarray


def _csr(e: Any, name: str) -> sp.csr_matrix:
    return sp.csr_matrix((e[f"{name}_data"], e[f"{name}_indices"], e[f"{name}_indptr"]),
                         shape=tuple(int(v) for v in e[f"{name}_shape"]))


_views: OrderedDict[str, BundleView] = OrderedDict()
_views_lock = threading.Lock()
VIEWS = 8  #: bundles whose arrays stay in memory


def bundle_view(session: Any, plan_id: int) -> BundleView | None:
    """The arrays of the plan's stored bundle (``None`` without one), cached by the bundle's SHA-256:
    the bundle's bytes (hundreds of MB at 10^6 goods) are read from the database only on a miss."""
    from sqlalchemy import select

    from councilplan.store.tables import PlanBundleRow

    sha = session.execute(select(PlanBundleRow.sha256).where(PlanBundleRow.plan_id == plan_id)).scalar()
    if sha is None:
        return None
    with _views_lock:
        hit = _views.get(sha)
        if hit is not None:
            _views.move_to_end(sha)
            return hit
    data = session.execute(select(PlanBundleRow.data).where(PlanBundleRow.plan_id == plan_id)).scalar_one()
    view = read_view(data)
    with _views_lock:
        _views[sha] = view
        while len(_views) > VIEWS:
            _views.popitem(last=False)
    return view


def read_view(data: bytes) -> BundleView:
    """The labels, matrices and plan of a bundle's bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        labels = json.loads(z.read("labels.json"))
        with np.load(io.BytesIO(z.read("economy.npz"))) as e, np.load(io.BytesIO(z.read("plan.npz"))) as p:
            return BundleView(labels["goods"], labels["processes"], labels["labour"], _csr(e, "A"), _csr(e, "B"),
                              _csr(e, "L"), np.asarray(e["labour_available"], dtype=float),
                              np.asarray(p["x"], dtype=float))


def labour_use(view: BundleView) -> list[dict[str, Any]]:
    """Per labour kind: hours used ``(L x)_k``, available, and their ratio (``None`` when unlimited)."""
    used = view.L @ view.x
    out = []
    for k, u, a in zip(view.labour, used, view.labour_available, strict=True):
        finite = math.isfinite(float(a))
        out.append({"kind": k, "used": float(u), "available": float(a) if finite else None,
                    "share": float(u / a) if finite and a > 0 else None})
    return out


def largest_flows(view: BundleView, values: dict[str, float] | None, n: int = FLOWS) -> dict[str, Any]:
    """The ``n`` largest flows ``w_i A_ij x_j`` (into processes) and ``w_i B_ij x_j`` (out of them),
    with ``w = λ`` (labour hours) when ``values`` covers every good, else ``w = 1`` (own units)."""
    m = len(view.goods)
    lam = np.array([values.get(g, math.nan) for g in view.goods], dtype=float) if values else np.full(m, math.nan)
    hours = bool(np.isfinite(lam).all())
    w = lam if hours else np.ones(m)
    flows: list[tuple[float, str, str]] = []
    for M, into in ((view.A, True), (view.B, False)):
        F = sp.coo_matrix(sp.diags(w) @ M @ sp.diags(view.x))
        if F.nnz == 0:
            continue
        top = np.argsort(-F.data)[:n]
        for k in top:
            v = float(F.data[k])
            if v <= 0:
                continue
            good, proc = view.goods[F.row[k]], view.processes[F.col[k]]
            flows.append((v, f"{good} ▸", f"⚙ {proc}") if into else (v, f"⚙ {proc}", f"▸ {good}"))
    flows.sort(key=lambda f: -f[0])
    flows = flows[:n]
    # three columns, never a cycle: goods used (``good ▸``), processes (``⚙``), goods made (``▸ good``)
    nodes: dict[str, int] = {}
    for _v, a, b in flows:
        nodes.setdefault(a, len(nodes))
        nodes.setdefault(b, len(nodes))
    return {"hours": hours, "rows": [{"source": a, "target": b, "value": v} for v, a, b in flows],
            "figure": {"data": [{"type": "sankey", "arrangement": "snap",
                                 "node": {"label": list(nodes), "pad": 12, "thickness": 14},
                                 "link": {"source": [nodes[a] for _v, a, _b in flows],
                                          "target": [nodes[b] for _v, _a, b in flows],
                                          "value": [v for v, _a, _b in flows]}}],
                       "layout": {"height": 520, "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
                                  "font": {"size": 12}}}}


def plotly_js() -> Path | None:
    """The installed plotly package's ``plotly.min.js`` (no CDN, no network), or ``None`` without plotly."""
    try:
        path = resources.files("plotly") / "package_data" / "plotly.min.js"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


@functools.lru_cache(maxsize=1)
def plotly_css() -> str:
    """Plotly's own style rules as a stylesheet, read from its script.

    Plotly adds these rules with ``insertRule`` on a ``<style>`` element, which a strict CSP refuses
    (``style-src 'self'``). Served as a file and linked with ``id="plotly.js-style-global"
    class="no-inline-styles"``, Plotly finds them there and does not try (plotly.js ≥ 2.35). The
    rules are the object literal ``{"X,X div": "...", ...}`` of its ``plotcss`` module, ``X`` and
    ``Y`` standing for ``.js-plotly-plot .plotly`` and ``.plotly-notifier``; empty if not found.
    """
    path = plotly_js()
    if path is None:
        return ""
    script = path.read_text(encoding="utf-8")
    start = script.find('{"X,X div"')
    end = script.find("};for(", start)
    if start < 0 or end < 0:
        return ""
    pairs = re.findall(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")',
                       script[start + 1: end])
    rules = []
    for key, single, double in pairs:
        selector = re.sub(r"^,", " ,", key).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector} {{{single or double}}}")
    return "\n".join(rules) + "\n"
