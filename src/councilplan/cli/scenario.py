"""``councilplan scenario``: list, run and compare scenarios; each run writes an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from councilplan.cli.app import EXIT_NOT_OPTIMAL, app, console, guarded

scenario_app = typer.Typer(help="Multi-period scenarios with shocks: list, run, compare (HTML reports).",
                           no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("list")
@guarded
def list_() -> None:
    """The built-in scenarios."""
    from councilplan.scenarios.runner import builtin_scenarios, find_scenario
    from councilplan.scenarios.shocks import read_scenario

    t = Table("name", "description")
    for name in builtin_scenarios():
        t.add_row(name, read_scenario(find_scenario(name)).description)
    console.print(t)


def _print(run: object) -> None:
    from councilplan.scenarios.runner import ScenarioRun

    assert isinstance(run, ScenarioRun)
    p = run.plan
    console.print(f"[bold]{run.scenario.name}[/]: {p.status}, objective {p.objective}")
    if p.explanation is not None:
        console.print(f"[yellow]why:[/] {p.explanation.text}")
    if len(run.comparison):
        t = Table("good", "periods", "plan", "actual", "plan/actual", "source")
        for r in run.comparison.itertuples():
            t.add_row(str(r.good), f"{r.first}-{r.last}", f"{r.plan:,.0f}", f"{r.actual:,.0f}", f"{r.ratio:.3f}", str(r.source))
        console.print(t)


@scenario_app.command("run")
@guarded
def run(
    scenario: Annotated[str, typer.Argument(help="a built-in scenario name, or a scenario TOML file")],
    out: Annotated[Path, typer.Option("--out", help="directory for report.html and the plan's CSV files")] = Path("scenario-out"),
    solver: Annotated[str, typer.Option(help="solver backend")] = "highs",
    sensitivity: Annotated[bool, typer.Option(help="re-plan at each assumption's low and high value")] = True,
) -> None:
    """Plan a scenario and write OUT/report.html (plots, sources, sensitivity)."""
    from councilplan.scenarios.report import write_report
    from councilplan.scenarios.runner import run_scenario

    result = run_scenario(scenario, solver, sensitivity=sensitivity)
    result.plan.write(out / "plan")
    if len(result.sensitivity):
        result.sensitivity.to_csv(out / "sensitivity.csv", index=False)
    path = write_report([result], out / "report.html")
    _print(result)
    console.print(f"report: {path}")
    if not result.plan.optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


@scenario_app.command("compare")
@guarded
def compare(
    a: Annotated[str, typer.Argument(help="first scenario (name or file)")],
    b: Annotated[str, typer.Argument(help="second scenario (name or file)")],
    out: Annotated[Path, typer.Option("--out", help="directory for compare.html")] = Path("scenario-compare"),
    solver: Annotated[str, typer.Option(help="solver backend")] = "highs",
) -> None:
    """Plan two scenarios and write one report with both."""
    from councilplan.scenarios.report import write_report
    from councilplan.scenarios.runner import run_scenario

    runs = [run_scenario(s, solver, sensitivity=False) for s in (a, b)]
    for r in runs:
        _print(r)
    console.print(f"report: {write_report(runs, out / 'compare.html')}")
