"""Core commands: ``check``, ``plan``, ``values``, ``example`` and ``demo``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from councilplan.cli.app import (
    EXIT_INVALID,
    EXIT_NOT_OPTIMAL,
    EXIT_OK,
    app,
    console,
    err_console,
    guarded,
)
from councilplan.examples import DEMO, available_examples, copy_example, example_path
from councilplan.model.economy import Economy
from councilplan.model.errors import EconomyError
from councilplan.model.formats import read_economy
from councilplan.planning import Plan, labour_values, plan, productivity
from councilplan.solvers import SolveOptions, available_solvers
from councilplan.solvers.policy import default_tol


class ObjectiveName(StrEnum):
    ray = "ray"
    harmony = "harmony"
    min_labour = "min-labour"


def _load(directory: Path, *, surplus_test: bool = True) -> Economy:
    with console.status(f"reading and validating {directory} …"):
        economy = read_economy(directory)
        if surplus_test:
            prod = productivity(economy)
            issue = prod.issue()
            if issue is not None:
                raise EconomyError([issue], source=str(directory))
    return economy


def _fmt(v: float | None, digits: int = 6) -> str:
    if v is None or pd.isna(v):
        return "—"
    return f"{v:.{digits}g}"


@app.command()
@guarded
def check(
    directory: Annotated[Path, typer.Argument(help="economy directory (CSV or Parquet)")],
) -> None:
    """Validate an economy: files, ids, numbers, and that it can produce a surplus."""
    from councilplan.scenarios.dynamic_format import is_dynamic, read_dynamic

    if is_dynamic(directory):  # a dynamic directory (docs/dynamic-format.md): validate its time files too
        dynamic = read_dynamic(directory)
        dynamic.check()
        console.print(f"[green]✓[/] dynamic: {dynamic.periods} periods, {len(dynamic.capital)} capital stocks, "
                      f"{len(dynamic.transfers)} transfers, {len(dynamic.totals)} multi-period totals")
    economy = _load(directory, surplus_test=False)
    prod = productivity(economy)
    issue = prod.issue()
    if issue is not None:
        raise EconomyError([issue], source=str(directory))
    console.print(f"[green]✓[/] {economy!r}")
    console.print(f"  productive: {prod.describe()}")


def print_plan(p: Plan, economy: Economy) -> None:
    """The summary table of a plan and what each target costs."""
    colour = "green" if p.optimal else "red"
    console.print(f"[bold]{economy.name}[/]: objective [bold]{p.objective_name}[/] via {p.solver}: "
                  f"[{colour}]{p.status}[/]")
    if not p.optimal:
        if p.explanation is not None:
            console.print(f"[yellow]why:[/] {p.explanation.text}")
            if len(p.explanation.changes):
                t = Table("constraint", "id", "bound", "needed", "change", title="what must move")
                for r in p.explanation.changes.head(20).itertuples():
                    t.add_row(str(r.constraint), str(r.id), _fmt(r.bound, 10), _fmt(r.needed, 10), _fmt(r.change))
                console.print(t)
        return
    cert = p.certificate
    line = f"objective = {_fmt(p.objective, 10)}"
    if p.scale is not None:
        line += f", scale s = {_fmt(p.scale, 10)}"
    if cert is not None:
        line += (f"; certificate: primal residual {cert.primal_residual:.1e}, dual residual "
                 f"{cert.dual_residual:.1e}, gap {cert.gap:.1e}")
    console.print(line)
    costs = p.target_costs()
    t = Table("good", "target", "net output", "fulfilment", "hours/unit", "labour hours", "shadow price",
              title="what every target costs")
    for g, r in costs.head(50).iterrows():
        t.add_row(str(g), _fmt(r["target"]), _fmt(r["net_output"]), _fmt(r["net_output"] / r["target"], 4),
                  _fmt(r.get("hours_per_unit")), _fmt(r.get("labour_hours")), _fmt(r["shadow_price"]))
    if len(costs) > 50:
        t.caption = f"first 50 of {len(costs)} targets; see net_output.csv with --out"
    console.print(t)
    binding = p.binding()
    binding = binding[binding["kind"] != "good"]
    if len(binding):
        t = Table("kind", "id", "shadow price", title="what binds")
        for r in binding.head(20).itertuples():
            t.add_row(str(r.kind), str(r.id), _fmt(r.shadow_price))
        console.print(t)
    console.print("[dim]times: " + ", ".join(f"{k} {v:.3f}s" for k, v in p.timings.items()) + "[/]")


@app.command("plan")
@guarded
def plan_cmd(
    directory: Annotated[Path, typer.Argument(help="economy directory")],
    objective: Annotated[ObjectiveName, typer.Option(help="what to optimise")] = ObjectiveName.ray,
    solver: Annotated[str, typer.Option(help=f"solver backend ({', '.join(available_solvers())}); "
                                         "auto: HiGHS for small plans; for large, substitution for "
                                         "least-labour plans, else pdlp")] = "highs",
    out: Annotated[Path | None, typer.Option(help="write the plan directory here")] = None,
    tol: Annotated[float | None, typer.Option(help="certificate tolerance [default: the backend's "
                                                    "own: 1e-7 for highs, 1e-4 for pdlp, substitution "
                                                    "and auto]")] = None,
    time_limit: Annotated[float | None, typer.Option(help="seconds")] = None,
    bundle: Annotated[Path | None, typer.Option(help="also write a plan bundle (.zip) that `councilplan "
                                                     "verify` or verifier.py can check (docs/bundle.md)")] = None,
) -> None:
    """Compute a certified optimal plan and print what every target costs."""
    economy = _load(directory)
    from councilplan.cli.generate import progress_solver

    if tol is None:
        tol = default_tol(solver)
    with console.status(f"planning ({objective.value}, {solver}) …") as status:
        backend = progress_solver(solver, status)
        p = plan(economy, objective.value, backend, SolveOptions(tol=tol, time_limit=time_limit))
    print_plan(p, economy)
    if not p.optimal and p.certificate is not None:
        c = p.certificate
        console.print(f"best plan so far ({p.iterations} iterations): objective {_fmt(c.primal_objective, 10)}; "
                      f"primal residual {c.primal_residual:.1e}, dual residual {c.dual_residual:.1e}, "
                      f"gap {c.gap:.1e} (not optimal)")
    if out is not None:
        p.write(out)
        console.print(f"plan written to {out}")
    if bundle is not None:
        from councilplan.planning.bundle import write_bundle

        if not p.raw:
            err_console.print(f"no bundle written: the plan ({p.status}) has no primal–dual point to check")
        else:
            with console.status(f"writing the bundle {bundle} …"):
                write_bundle(p, economy, bundle)
            console.print(f"bundle written to {bundle}; check it with `councilplan verify {bundle}`")
    raise typer.Exit(EXIT_OK if p.optimal else EXIT_NOT_OPTIMAL)


@app.command()
@guarded
def values(
    directory: Annotated[Path, typer.Argument(help="economy directory")],
    out: Annotated[Path | None, typer.Option(help="write labour_values.csv here")] = None,
) -> None:
    """Labour values by kind: hours embodied in one unit of each good."""
    economy = _load(directory)
    lv = labour_values(economy)
    t = Table("good", *map(str, lv.columns), title=f"labour values of {economy.name}")
    for g, r in lv.head(100).iterrows():
        t.add_row(str(g), *(_fmt(v) for v in r.to_numpy()))
    console.print(t)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        lv.rename(columns={"total": "hours"}).rename_axis("good").reset_index().to_csv(out, index=False)


@app.command("example")
@guarded
def example_cmd(
    name: Annotated[str, typer.Argument(help=f"one of: {', '.join(available_examples())}")],
    dest: Annotated[Path, typer.Argument(help="new directory to write the economy to")],
) -> None:
    """Copy a built-in example economy to a directory."""
    copy_example(name, dest)
    console.print(f"wrote example '{name}' to {dest}")


@app.command()
@guarded
def demo(
    name: Annotated[str, typer.Option(help="built-in economy")] = DEMO,
) -> None:
    """Check, plan and value a built-in economy, and print what every target costs."""
    path = example_path(name)
    console.rule(f"councilplan demo: {name}")
    economy = _load(path)
    console.print(f"[green]✓[/] checked {economy!r}")
    console.print(f"[dim]source: {economy.meta.get('source', '')}[/]")
    p = plan(economy, "ray")
    print_plan(p, economy)
    if not p.optimal:
        err_console.print("the demo economy should plan optimally")
        raise typer.Exit(EXIT_INVALID)
