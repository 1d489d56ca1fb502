"""The HTML report of a scenario run (plotly): output paths, fulfilment, labour, capacity, shadow prices."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from councilplan.scenarios.runner import ScenarioRun

PLOTLY_JS = "plotly.min.js"


def period_names(run: ScenarioRun) -> list[str]:
    """Names of the periods (``period_names`` in ``dynamic.toml``), else ``1..T``."""
    T = int(run.plan.meta.get("periods", len(run.plan.net_output.columns)))
    names = [str(v) for v in run.plan.meta.get("period_names") or []]
    return names if len(names) == T else [str(t) for t in range(1, T + 1)]


def _figures(run: ScenarioRun, label: str = "") -> list[tuple[str, object]]:
    import plotly.graph_objects as go

    p = run.plan
    figs: list[tuple[str, object]] = []
    names = period_names(run)

    def lines(frame: pd.DataFrame, title: str, ytitle: str) -> object:
        fig = go.Figure()
        x = [names[int(t) - 1] for t in frame.columns]
        for idx, row in frame.iterrows():
            fig.add_trace(go.Scatter(x=x, y=row.to_numpy(), mode="lines+markers", name=str(idx)))
        fig.update_layout(title=f"{label}{title}", xaxis_title=str(run.plan.meta.get("period_label", "period")),
                          yaxis_title=ytitle, height=420)
        return fig

    figs.append(("Output paths", lines(p.net_output.loc[(p.net_output.abs() > 1e-9).any(axis=1)], "net output", "units")))
    figs.append(("Fulfilment", lines(p.fulfilment(), "fulfilment (net output / target)", "share of target")))
    lab = pd.concat([p.labour_used.add_suffix(""), ], axis=0)
    figs.append(("Labour", lines(lab, "labour used", "hours (or workers) per period")))
    cap = p.capacity_limit.replace(float("inf"), float("nan")).dropna(how="all")
    figs.append(("Capacity", lines(cap.loc[(cap > 1e-9).any(axis=1)], "capacity by process", "units per period")))
    prices = p.shadow_prices("good")
    if len(prices):
        figs.append(("Shadow prices", lines(prices.loc[(prices.abs() > 1e-12).any(axis=1)], "shadow prices of goods",
                                           "objective per unit")))
    if len(run.sensitivity):
        s = run.sensitivity.pivot_table(index="assumption", columns="setting", values="objective", aggfunc="first")
        base = p.objective or 0.0
        fig = go.Figure()
        for setting in ("low", "high"):
            if setting in s:
                fig.add_trace(go.Bar(y=s.index, x=s[setting] - base, orientation="h", name=f"{setting} value"))
        fig.update_layout(title=f"{label}sensitivity: change of the objective across each assumption's range",
                          barmode="overlay", height=120 + 28 * len(s))
        figs.append(("Sensitivity", fig))
    return figs


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:,.4g}", border=0, classes="t")


def write_report(runs: list[ScenarioRun], path: str | Path, title: str | None = None) -> Path:
    """One HTML file for one or more runs; plotly is written once, as ``plotly.min.js`` beside it.

    The script comes from the installed plotly package (no network); reports written to the same
    directory share it.
    """
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    js = out.parent / PLOTLY_JS
    script = get_plotlyjs()
    if not js.is_file() or js.stat().st_size != len(script.encode("utf-8")):
        js.write_text(script, encoding="utf-8")
    parts = [f"<h1>{html.escape(title or ' vs '.join(r.scenario.name for r in runs))}</h1>"]
    for run in runs:
        p = run.plan
        cert = p.certificate
        parts.append(f"<h2>{html.escape(run.scenario.name)}</h2><p>{html.escape(run.scenario.description)}</p>")
        parts.append(f"<p>status <b>{p.status}</b>, objective <b>{p.objective}</b> ({p.objective_name}), solver "
                     f"{p.solver}; certificate: {html.escape(str(cert.as_dict() if cert else None))}</p>")
        if p.explanation is not None:
            parts.append(f"<p><b>why:</b> {html.escape(p.explanation.text)}</p>")
        names = period_names(run)
        if len(run.comparison):
            comp = run.comparison.copy()
            comp.insert(3, "periods", [f"{names[a - 1]} – {names[b - 1]}" for a, b in zip(comp["first"], comp["last"], strict=True)])
            parts.append("<h3>Plan against published actual output</h3>" + _table(comp))
        out_table = p.net_output.loc[(p.net_output.abs() > 1e-9).any(axis=1)].copy()
        out_table.columns = names
        parts.append("<h3>Net output by period</h3>" + _table(out_table.reset_index()))
        for ev in p.meta.get("evacuation", []):
            parts.append("<h3>Evacuation, from the published counts</h3>" + _table(pd.DataFrame([ev])))
        if len(run.sensitivity):
            parts.append("<h3>Assumptions: how the result moves across each range</h3>" + _table(run.sensitivity))
        if run.scenario.assumptions:
            a = pd.DataFrame([{"assumption": x.name, "low": x.low, "central": x.central, "high": x.high, "note": x.note}
                              for x in run.scenario.assumptions])
            parts.append("<h3>Assumptions (not published)</h3>" + _table(a))
        sources = run.scenario.base / "sources.csv"
        if sources.is_file():
            parts.append("<h3>Published inputs and their sources</h3>" + _table(pd.read_csv(sources)))
        for name, fig in _figures(run, f"{run.scenario.name}: " if len(runs) > 1 else ""):
            parts.append(f"<h3>{html.escape(name)}</h3>")
            parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=False))
    style = "<style>body{font-family:sans-serif;margin:2em} table.t{border-collapse:collapse} .t td,.t th{padding:2px 8px;border-bottom:1px solid #ddd}</style>"
    out.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title or 'scenario')}</title>{style}<script src='{PLOTLY_JS}'></script></head><body>"
                   + "\n".join(parts) + "</body></html>", encoding="utf-8")
    return out
