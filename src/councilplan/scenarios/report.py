"""The HTML report of a scenario run (plotly): output paths, fulfilment, labour, capacity, shadow prices."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from councilplan.scenarios.runner import ScenarioRun
from councilplan.scenarios.sweep import sweep_ranges

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
    ratios = [c for c in run.joint.columns if c.startswith("ratio:")] if len(run.joint) else []
    if ratios:
        ok = run.joint[run.joint["status"] == "optimal"]
        fig = go.Figure()
        for c in ratios:
            fig.add_trace(go.Box(y=pd.to_numeric(ok[c], errors="coerce"), name=c.removeprefix("ratio:")))
        fig.add_hline(y=1.0, line_dash="dot")
        fig.update_layout(title=f"{label}joint sweep: plan / actual per published figure", yaxis_type="log",
                          yaxis_title="plan / actual (log)", showlegend=False, height=460)
        figs.append(("Joint sweep", fig))
    return figs


def _table(frame: pd.DataFrame) -> str:
    html_ = frame.to_html(index=False, float_format=lambda v: f"{v:,.4g}", border=0, classes="t")
    return html_.replace(' style="text-align: right;"', "")  # no inline style: the portal's CSP refuses it


def _named(result: str, names: list[str]) -> str:
    """``coal 3-6`` as ``coal 1942 Q1 – 1942 Q4`` (a sweep result's periods by name)."""
    m = re.fullmatch(r"(.*) (\d+)-(\d+)( \(.*\))?", result)
    if m is None or not 1 <= int(m[2]) <= int(m[3]) <= len(names):
        return result
    return f"{m[1]} {names[int(m[2]) - 1]} – {names[int(m[3]) - 1]}{m[4] or ''}"


@dataclass(frozen=True)
class Section:
    """One part of a report: a heading and either a paragraph, a table (HTML, escaped) or a plotly figure."""

    title: str
    text: str = ""
    table: str = ""
    figure: object | None = None


def sections(run: ScenarioRun, label: str = "") -> list[Section]:
    """The report of one run, part by part: status, comparison with history, output, evacuation,
    sensitivity, assumptions, sources, then the figures."""
    p = run.plan
    cert = p.certificate
    out = [Section(run.scenario.name, text=run.scenario.description),
           Section("Result", text=f"status {p.status}, objective {p.objective} ({p.objective_name}), solver "
                                  f"{p.solver}; certificate: {cert.as_dict() if cert else None}")]
    if p.explanation is not None:
        out.append(Section("Why", text=p.explanation.text))
    names = period_names(run)
    if len(run.comparison):
        comp = run.comparison.copy()
        comp.insert(2, "periods", [f"{names[a - 1]} – {names[b - 1]}" for a, b in zip(comp["first"], comp["last"], strict=True)])
        comp = comp.drop(columns=["first", "last"])
        out.append(Section("Plan against published actual output",
                           text="free: the plan chose the number; input: a floor told the plan to make it, so "
                                "agreeing with history proves nothing (inputs are left out of the fit)",
                           table=_table(comp)))
        f = run.fit
        out.append(Section("Fit of the free results", text=f.text(),
                           table=_table(f.by_good) if len(f.by_good) else ""))
    if len(run.joint):
        ranges = sweep_ranges(run.joint)
        ranges["result"] = [_named(x, names) for x in ranges["result"]]
        ok = int((run.joint["status"] == "optimal").sum()) if "status" in run.joint else len(run.joint)
        out.append(Section("Joint sweep: every assumption at once",
                           text=f"{len(run.joint)} points ({run.joint_method}) over every assumption's range at once; "
                                f"{ok} optimal. Quantiles of the objective, of the fit and of plan/actual per figure",
                           table=_table(ranges)))
    gross = p.gross_output
    if len(gross):
        g = gross.loc[(gross.abs() > 1e-9).any(axis=1)].copy()
        g.columns = names
        out.append(Section("Gross output by period (what output statistics count)", table=_table(g.reset_index())))
    out_table = p.net_output.loc[(p.net_output.abs() > 1e-9).any(axis=1)].copy()
    out_table.columns = names
    out.append(Section("Net output by period", table=_table(out_table.reset_index())))
    for ev in p.meta.get("evacuation", []):
        out.append(Section("Evacuation, from the published counts", table=_table(pd.DataFrame([ev]))))
    if len(run.sensitivity):
        out.append(Section("Assumptions: how the result moves across each range", table=_table(run.sensitivity)))
    if run.scenario.assumptions:
        a = pd.DataFrame([{"assumption": x.name, "low": x.low, "central": x.central, "high": x.high, "note": x.note}
                          for x in run.scenario.assumptions])
        out.append(Section("Assumptions (not published)", table=_table(a)))
    sources = run.scenario.base / "sources.csv"
    if sources.is_file():
        out.append(Section("Published inputs and their sources", table=_table(pd.read_csv(sources))))
    out.extend(Section(name, figure=fig) for name, fig in _figures(run, label))
    return out


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
        for k, sec in enumerate(sections(run, f"{run.scenario.name}: " if len(runs) > 1 else "")):
            if k == 0:
                parts.append(f"<h2>{html.escape(sec.title)}</h2><p>{html.escape(sec.text)}</p>")
                continue
            if sec.title in ("Result", "Why"):
                parts.append(f"<p><b>{html.escape(sec.title.lower())}:</b> {html.escape(sec.text)}</p>")
                continue
            parts.append(f"<h3>{html.escape(sec.title)}</h3>")
            if sec.text:
                parts.append(f"<p>{html.escape(sec.text)}</p>")
            if sec.table:
                parts.append(sec.table)
            if sec.figure is not None:
                parts.append(pio.to_html(sec.figure, full_html=False, include_plotlyjs=False))
    style = "<style>body{font-family:sans-serif;margin:2em} table.t{border-collapse:collapse} .t td,.t th{padding:2px 8px;border-bottom:1px solid #ddd}</style>"
    out.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title or 'scenario')}</title>{style}<script src='{PLOTLY_JS}'></script></head><body>"
                   + "\n".join(parts) + "</body></html>", encoding="utf-8")
    return out
