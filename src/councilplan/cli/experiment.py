"""``councilplan experiment governance``: the command-or-democracy sweep on Dask, with a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from councilplan.cli.app import app, console, fail, guarded
from councilplan.model.errors import InputError

experiment_app = typer.Typer(help="Reproducible experiments on the planner (swept on Dask).", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


def _parse_fixed(values: list[str]) -> dict[str, float]:
    from councilplan.experiment.params import parameter

    out: dict[str, float] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item!r}: expected NAME=VALUE, e.g. --set ratchet=0.8")
        parameter(name.strip())
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--set {item!r}: {value!r} is not a number; give e.g. --set {name}=0.5") from None
    return out


@experiment_app.command("governance")
@guarded
def governance(
    runs: Annotated[int, typer.Option(help="number of runs (each draws every parameter)")] = 64,
    workers: Annotated[int, typer.Option(help="local Dask worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://host:8786")] = None,
    economy: Annotated[Path | None, typer.Option(help="economy directory (default: a fresh generated economy per run)")] = None,
    example_name: Annotated[str | None, typer.Option("--example", help="a built-in example economy, e.g. germany-1995")] = None,
    scenario: Annotated[str | None, typer.Option(help="a scenario's static economy, e.g. war1941 (its shocks are not applied)")] = None,
    goods: Annotated[int, typer.Option(help="goods in each generated economy")] = 10,
    seed: Annotated[int, typer.Option(help="base seed; run i uses SeedSequence([seed, i])")] = 0,
    set_: Annotated[list[str] | None, typer.Option("--set", help="hold a parameter fixed: NAME=VALUE (repeatable)")] = None,
    out: Annotated[Path, typer.Option(help="output directory: results.parquet, report.html")] = Path("experiment-out"),
) -> None:
    """Command vs democratic planning on the same worlds; effect sizes, sensitivity, win regions."""
    from councilplan.experiment.analysis import effects
    from councilplan.experiment.report import write_report, write_results
    from councilplan.experiment.run import EconomySource, Generated
    from councilplan.experiment.sweep import sweep

    if sum(x is not None for x in (economy, example_name, scenario)) > 1:
        raise fail("give at most one of --economy, --example and --scenario")
    if runs < 2:
        raise fail(f"--runs {runs}: give at least 2 runs (confidence intervals need them)")
    source: EconomySource
    if economy is not None:
        from councilplan.model.formats import read_economy

        source = read_economy(economy)
    elif scenario is not None:
        from councilplan.experiment.scenario import scenario_economy

        source = scenario_economy(scenario)
    elif example_name is not None:
        from councilplan.examples import example

        source = example(example_name)
    else:
        source = Generated(goods)
    fixed = _parse_fixed(set_ or [])
    with Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=False) as progress:
        task = progress.add_task("runs", total=runs)
        results = sweep(runs, source, base_seed=seed, workers=workers, scheduler=scheduler, fixed=fixed,
                        on_done=lambda k: progress.update(task, completed=k))
    parquet = write_results(results, out)
    report = write_report(results, out)
    t = Table("metric", "better", "command", "democratic", "advantage", "95 % CI", "dem. wins")
    for r in effects(results).itertuples():
        t.add_row(str(r.metric), str(r.better), f"{r.command:.3f}", f"{r.democratic:.3f}", f"{r.advantage:+.3f}",
                  f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}]", f"{r.democratic_wins:.0%}")
    console.print(t)
    console.print(f"results: {parquet}\nreport:  {report}")
