"""``councilplan verify BUNDLE``: check a plan bundle with the standalone :mod:`councilplan.verifier`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from councilplan.cli.app import EXIT_INVALID, app, console


@app.command("verify")
def verify_cmd(
    bundle: Annotated[Path, typer.Argument(help="a plan bundle (.zip) from `plan --bundle` or the service")],
    tol: Annotated[float | None, typer.Option(min=0.0, help="tolerance [default: the one the plan was "
                                                             "solved to]")] = None,
    expect_hash: Annotated[str | None, typer.Option(help="the input hash the plan was published with")] = None,
) -> None:
    """Recheck a plan bundle from its own numbers, importing nothing from the solvers or the planner: the
    digests, the input hash, primal feasibility, the objective, dual feasibility and the duality gap.
    Exit 0 only when all hold (1 when one fails, 2 when the bundle cannot be read). The same checks run
    without councilplan: `python verifier.py BUNDLE` (src/councilplan/verifier.py, docs/bundle.md)."""
    from councilplan.verifier import BundleError, verify

    if not bundle.is_file():
        console.print(f"[red]error:[/] {bundle}: no such file. Fix: pass the .zip that `councilplan plan "
                      "--bundle` or the service's /plans/{id}/bundle wrote")
        raise typer.Exit(EXIT_INVALID)
    try:
        with console.status(f"verifying {bundle} …"):
            report = verify(str(bundle), tol=tol, expect_hash=expect_hash)
    except BundleError as e:
        console.print(f"[red]error:[/] {e}", soft_wrap=True, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    t = Table("", "check", "result", title=f"verify {bundle.name}")
    for c in report.checks:
        t.add_row("[green]✓[/]" if c.ok else "[bold red]✗[/]", c.name, c.text)
    console.print(t)
    console.print("[dim]times: " + ", ".join(f"{k} {v:.3f}s" for k, v in report.seconds.items()) + "[/]")
    if report.ok:
        console.print("[green]verified:[/] the plan is feasible and optimal for its inputs")
        return
    console.print(f"[bold red]NOT verified:[/] {', '.join(c.name for c in report.failed())} failed")
    raise typer.Exit(1)
