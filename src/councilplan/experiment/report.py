"""The sweep's outputs: ``results.parquet`` and ``report.html`` (plotly, no network needed)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from councilplan.experiment import analysis as an
from councilplan.experiment.metrics import METRICS
from councilplan.experiment.params import PARAMETERS

PLOTLY_JS = "plotly.min.js"


def write_results(results: pd.DataFrame, directory: str | Path) -> Path:
    """``results.parquet``: one row per (run, arm) with every parameter and metric."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.parquet"
    results.to_parquet(path, index=False)
    return path


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, float_format=lambda v: f"{v:,.4g}", border=0, classes="t", na_rep="–")


def write_report(results: pd.DataFrame, directory: str | Path, *, title: str = "Command or democracy") -> Path:
    """``report.html`` beside ``plotly.min.js``: effects with CIs, sensitivity, win regions, assumptions."""
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    js = out / PLOTLY_JS
    script = get_plotlyjs()
    if not js.is_file() or js.stat().st_size != len(script.encode("utf-8")):
        js.write_text(script, encoding="utf-8")
    eff = an.effects(results)
    sens = an.sensitivity(results)
    wins = an.win_regions(results)
    runs = int(results["run"].nunique())
    economies = ", ".join(sorted(map(str, results["economy"].unique())))
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>{runs} runs on {html.escape(economies)}. Each run draws every parameter uniformly from its "
             "range (table below) and runs both arms on the same world (same capacities, shocks, needs). "
             "<b>advantage</b> is democratic minus command, signed so that &gt; 0 means the democratic arm did "
             f"better; the interval is a {an.CONFIDENCE:.0%} percentile bootstrap over runs. These are the "
             "consequences of the stated assumptions, not measurements of history.</p>",
             "<h2>Effect sizes</h2>" + _table(eff)]
    fig = go.Figure(go.Scatter(
        x=eff["advantage"], y=eff["metric"], mode="markers",
        error_x={"type": "data", "symmetric": False, "array": eff["ci_high"] - eff["advantage"],
                 "arrayminus": eff["advantage"] - eff["ci_low"]}))
    fig.add_vline(x=0.0)
    fig.update_layout(title="democratic advantage per metric (95 % CI)", xaxis_title="advantage", height=400)
    figs = [fig]
    heat = go.Figure(go.Heatmap(z=sens.to_numpy(dtype=float), x=list(sens.columns), y=list(sens.index),
                                zmid=0.0, colorscale="RdBu"))
    heat.update_layout(title="sensitivity: Spearman ρ of each parameter with each advantage", height=900)
    figs.append(heat)
    top = an.top_parameters(results)
    pr = an.paired(results)
    if len(top) == 2:
        sc = go.Figure(go.Scatter(x=pr[top[0]], y=pr[top[1]], mode="markers",
                                  marker={"color": pr["adv_welfare"], "colorscale": "RdBu", "cmid": 0.0,
                                          "showscale": True, "colorbar": {"title": "welfare adv."}}))
        sc.update_layout(title="who wins on welfare across the two most influential parameters "
                               "(red: command wins)", xaxis_title=top[0], yaxis_title=top[1], height=500)
        figs.append(sc)
    parts.append("<h2>Plots</h2>" + "".join(pio.to_html(f, full_html=False, include_plotlyjs=False) for f in figs))
    parts.append("<h2>Sensitivity (Spearman ρ, parameter × advantage)</h2>" + _table(sens.reset_index(names="parameter")))
    cmd = wins[wins["winner"] == "command"]
    parts.append("<h2>Where command wins (welfare, by parameter tercile)</h2>"
                 + (_table(cmd) if len(cmd) else "<p>No parameter tercile where command wins the majority of "
                    "runs in this sweep; see the per-run scatter above for single runs it wins.</p>"))
    parts.append("<h2>Win regions, every parameter (welfare)</h2>" + _table(wins))
    parts.append("<h2>Metrics</h2>" + _table(pd.DataFrame(list(METRICS.items()), columns=["metric", "definition"])))
    parts.append("<h2>Parameters, ranges and sources (every assumption)</h2>" + _table(pd.DataFrame(
        [{"parameter": p.name, "arm": p.arm, "low": p.low, "high": p.high, "default": p.default,
          "meaning": p.meaning, "source": p.source} for p in PARAMETERS])))
    parts.append("<p>The model's formulas and its structural assumptions are in docs/experiment.md "
                 "(and the docstring of councilplan.experiment.arms).</p>")
    style = ("<style>body{font-family:sans-serif;margin:2em} table.t{border-collapse:collapse} "
             ".t td,.t th{padding:2px 8px;border-bottom:1px solid #ddd}</style>")
    path = out / "report.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{style}"
                    f"<script src='{PLOTLY_JS}'></script></head><body>" + "\n".join(parts) + "</body></html>",
                    encoding="utf-8")
    return path
