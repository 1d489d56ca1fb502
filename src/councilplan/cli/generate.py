"""``councilplan generate``: synthetic productive economies, optionally with a planted optimum."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from councilplan.cli.app import app, console, guarded
from councilplan.model.errors import InputError
from councilplan.model.formats import write_economy
from councilplan.solvers.base import Solver


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


@app.command()
@guarded
def generate(
    dest: Annotated[Path, typer.Argument(help="new economy directory")],
    goods: Annotated[int, typer.Option("--goods", help="number of goods")] = 1000,
    alt_share: Annotated[float, typer.Option(help="share of goods with an alternative technique")] = 0.3,
    inputs: Annotated[float, typer.Option(help="mean number of inputs per process")] = 8,
    kinds: Annotated[int, typer.Option(help="labour kinds")] = 3,
    resources: Annotated[int, typer.Option(help="resources (land, plant, emissions)")] = 0,
    seed: Annotated[int, typer.Option(help="random seed (equal seeds, equal economies)")] = 0,
    format: Annotated[FileFormat, typer.Option("--format", help="file format")] = FileFormat.csv,
    planted: Annotated[bool, typer.Option("--planted", help="plant a known min-labour optimum "
                                          "(written to DEST/planted/)")] = False,
    joint_share: Annotated[float, typer.Option(help="share of processes with a by-product (joint production; "
                                               "not with --planted)")] = 0.0,
) -> None:
    """Generate a realistic sparse productive economy (power-law inputs, alternatives, labour kinds)."""
    if goods < 1:
        raise InputError("--goods must be at least 1")
    if planted and joint_share:
        raise InputError("--planted plants one output per process: leave out --joint-share")
    with console.status(f"generating {goods} goods …"):
        if planted:
            from councilplan.planning.planted import planted_economy

            pe = planted_economy(goods, inputs_per_good=inputs, alt_share=alt_share, labour_kinds=kinds,
                                 resources=resources, seed=seed)
            economy = pe.economy
        else:
            from councilplan.model.synthetic import random_economy

            economy = random_economy(goods, inputs_per_good=inputs, alt_share=alt_share, labour_kinds=kinds,
                                     resources=resources, seed=seed, joint_share=joint_share)
        write_economy(economy, dest, format=format.value)
        if planted:
            sol = dest / "planted"
            sol.mkdir(exist_ok=True)
            pd.DataFrame({"process": economy.processes.index, "level": pe.x}).to_csv(sol / "activity.csv", index=False)
            pd.DataFrame({"good": economy.goods.index, "price": pe.good_prices}).to_csv(sol / "good_prices.csv",
                                                                                       index=False)
            (sol / "solution.json").write_text(json.dumps({
                "objective": "min-labour", "value": pe.objective,
                "wages": pe.wages.to_dict(), "rents": pe.rents.to_dict(),
            }, indent=2), encoding="utf-8")
    console.print(f"wrote {economy!r} to {dest}")
    if planted:
        console.print(f"planted min-labour optimum: {pe.objective:.12g} hours (see {dest / 'planted'})")


def progress_solver(name: str, status: Any) -> str | Solver:
    """The backend called ``name``; first-order ones report progress on the Rich ``status`` line."""
    if name not in ("pdlp", "auto", "substitution"):
        return name
    from councilplan.solvers import get_solver
    from councilplan.solvers.firstorder import Progress

    def show(p: Progress) -> None:
        work = (f"policy round {p.iteration:,}, wage probe {p.restarts}" if p.stage == "substitution"
                else f"iteration {p.iteration:,}, restarts {p.restarts}")
        status.update(f"{name} ({p.stage}): {work} ({p.seconds:.1f}s) · gap {p.gap:.1e} · primal residual "
                      f"{p.primal_residual:.1e} · dual residual {p.dual_residual:.1e} · objective "
                      f"{p.primal_objective:.8g} · Ctrl-C: best plan so far")

    backend = get_solver(name)
    backend.progress = show  # type: ignore[attr-defined]
    return backend
