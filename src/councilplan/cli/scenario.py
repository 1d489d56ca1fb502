"""``councilplan scenario``: list, run and compare scenarios; each run writes an HTML report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from councilplan.cli.app import EXIT_NOT_OPTIMAL, app, console, fail, guarded

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
        t = Table("good", "periods", "plan", "actual", "plan/actual", "role", title="plan against published output")
        for r in run.comparison.itertuples():
            good = f"{r.good} ({r.variant})" if r.variant else str(r.good)
            role = "[green]free[/]" if r.role == "free" else "[yellow]input[/]"
            t.add_row(good, f"{r.first}-{r.last}", _num(r.plan), _num(r.actual), f"{r.ratio:.3f}", role)
        console.print(t)
        console.print(f"fit: {run.fit.text()}")


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}"


def _dask_map(client: Any) -> Callable[..., Iterator[dict[str, Any]]]:
    """``map`` on a Dask client: submit every point, yield the results in order."""
    def map_(fn: Callable[..., dict[str, Any]], *args: list[Any]) -> Iterator[dict[str, Any]]:
        for fut in client.map(fn, *args, pure=False):
            yield fut.result()
    return map_


@scenario_app.command("run")
@guarded
def run(
    scenario: Annotated[str, typer.Argument(help="a built-in scenario name, or a scenario TOML file")],
    out: Annotated[Path, typer.Option("--out", help="directory for report.html and the plan's CSV files")] = Path("scenario-out"),
    solver: Annotated[str, typer.Option(help="solver backend")] = "highs",
    sensitivity: Annotated[bool, typer.Option(help="re-plan at each assumption's low and high value")] = True,
    joint: Annotated[int, typer.Option(help="points of a joint sweep over every assumption range at once (0: none)")] = 0,
    method: Annotated[str, typer.Option(help="joint sweep design: sobol or lhs")] = "sobol",
    seed: Annotated[int, typer.Option(help="seed of the joint sweep's design")] = 0,
    workers: Annotated[int, typer.Option(help="Dask LocalCluster workers for the joint sweep (1: in this process)")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="address of a Dask scheduler for the joint sweep")] = None,
) -> None:
    """Plan a scenario and write OUT/report.html (comparison with history, fit, sweeps, plots, sources)."""
    from councilplan.scenarios.report import write_report
    from councilplan.scenarios.runner import run_scenario

    if joint < 0:
        fail(f"--joint must be ≥ 0, not {joint}")
    with Progress(TextColumn("joint sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not joint) as progress:
        task = progress.add_task("points", total=joint or 1)
        kw: dict[str, Any] = {"joint": joint, "method": method, "seed": seed,
                              "on_done": lambda k: progress.update(task, completed=k)}
        if joint and (workers > 1 or scheduler):
            from councilplan.experiment.sweep import dask_client

            with dask_client(workers, scheduler) as client:
                result = run_scenario(scenario, solver, sensitivity=sensitivity, map_fn=_dask_map(client), **kw)
        else:
            result = run_scenario(scenario, solver, sensitivity=sensitivity, **kw)
    result.plan.write(out / "plan")
    out.mkdir(parents=True, exist_ok=True)
    result.comparison.to_csv(out / "comparison.csv", index=False)
    if len(result.sensitivity):
        result.sensitivity.to_csv(out / "sensitivity.csv", index=False)
    if len(result.joint):
        result.joint.to_csv(out / "joint.csv", index=False)
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
