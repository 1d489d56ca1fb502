"""``councilplan report import FILE``: workplace councils' production reports from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from councilplan.cli.app import app, console, guarded

report_app = typer.Typer(help="Production reports of workplace councils (docs/monitoring.md).",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("import")
@guarded
def import_reports(
    file: Annotated[Path, typer.Argument(help="CSV with the header council,process,period,output,hours")],
    db: Annotated[str | None, typer.Option("--db", help="database URL (default: sqlite:///councilplan.db, "
                                                        "or $COUNCILPLAN_DB)")] = None,
) -> None:
    """Store a file of production reports, all in one transaction: every bad cell is named (file, line,
    column, value and fix) and then nothing is stored. A report of a stored period corrects it. Prints
    the alerts the new figures raised."""
    from sqlalchemy import select

    from councilplan.democracy import CouncilKind
    from councilplan.model.errors import InputError
    from councilplan.monitor.reports import read_report_file
    from councilplan.store.db import Database
    from councilplan.store.monitoring import submit_reports
    from councilplan.store.tables import CouncilRow

    if not file.is_file():
        raise InputError(f"{file}: no such file. Fix: pass a CSV with the header council,process,period,output,hours")
    database = Database(db)
    if database.current_revision() is None:
        raise InputError(f"{database.url} holds no councilplan database. Fix: pass the URL that "
                         "`councilplan serve --db` uses")
    database.upgrade()
    with database.transaction() as s:
        councils = {c.id: c for c in s.execute(select(CouncilRow).where(
            CouncilRow.kind == CouncilKind.WORKPLACE.value)).scalars()}
        reports = read_report_file(file, processes={cid: c.processes or [] for cid, c in councils.items()})
        alerts = []
        with console.status(f"storing {len(reports):,} reports and forecasting their series …"):
            for cid in sorted({r.council for r in reports if r.council is not None}):
                _, raised = submit_reports(s, council=councils[cid], reports=[r for r in reports if r.council == cid],
                                           actor=None)
                alerts += raised
        table = Table("alert", "council", "process", "series", "change", "P", "reported (expected)",
                      title=f"{len(reports):,} reports stored from {file.name}; alerts raised")
        for a in alerts:
            table.add_row(str(a.id), str(a.council_id), a.process, f"{a.metric} from period {a.period}",
                          f"{a.kind} {a.direction}", f"{a.probability:.2f}", f"{a.actual:.4g} ({a.expected:.4g})")
    database.dispose()
    console.print(table if alerts else f"{len(reports):,} reports stored from {file.name}; no alerts")
