"""``councilplan audit verify``: the event chain and every stored row against its events."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from councilplan.cli.app import app, console, guarded

audit_app = typer.Typer(help="Audit a service database: prove its stored votes, proposals and plans are "
                             "what its hash-chained event log says.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@guarded
def verify(
    db: Annotated[str | None, typer.Option("--db", help="database URL (default: sqlite:///councilplan.db, "
                                                        "or $COUNCILPLAN_DB)")] = None,
    economy: Annotated[int | None, typer.Option(min=1, help="only this economy's id (default: all)")] = None,
) -> None:
    """Recompute every economy's event chain and replay its events against the stored proposals, ballots
    and plans, and check every stored plan bundle with the standalone verifier (docs/bundle.md). Exit 0 when everything matches; exit 1, naming each row, when something was edited,
    deleted, reordered or inserted outside the service."""
    from councilplan.model.errors import InputError
    from councilplan.store.db import Database
    from councilplan.store.integrity import audit_database

    database = Database(db)
    if database.current_revision() is None:
        raise InputError(f"{database.url} holds no councilplan database. Fix: pass the URL that "
                         "`councilplan serve --db` uses")
    with database.transaction(write=False) as s:
        reports = audit_database(s, economy)
    database.dispose()
    if economy is not None and reports and reports[0].name == "?":
        raise InputError(f"economy {economy} does not exist in this database. Fix: leave --economy out to "
                         "audit them all")
    table = Table("economy", "events", "rows", "plan bundles verified", "result", title="audit")
    for r in reports:
        table.add_row(f"{r.economy} {r.name}", str(r.events), str(r.rows), str(r.bundles),
                      "[green]ok[/]" if r.ok else f"[bold red]{len(r.findings)} finding(s)[/]")
    console.print(table)
    for r in reports:
        for f in r.findings:
            console.print(f"[red]economy {r.economy}[/]: {f}", soft_wrap=True, highlight=False)
        if r.plans_without_digest:
            console.print(f"economy {r.economy}: {r.plans_without_digest} plan(s) planned before plan digests "
                          "were recorded: their goals and results are not covered", soft_wrap=True)
    if not reports:
        console.print("no economies in this database")
    if any(not r.ok for r in reports):
        raise typer.Exit(1)
