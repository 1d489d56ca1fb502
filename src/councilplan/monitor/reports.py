"""Production reports: what a workplace council's process actually made, and the hours it took, per
plan period.

A report is ``(process, period, output, hours)``: ``output`` is the amount of the process's main
product (the good it makes most of per unit of activity, :func:`main_product`) made in plan period
``period`` (1, 2, …), and ``hours`` the hours worked in it, all kinds together. Reports are validated
as every input is. Each problem names the file (or request), the line, the column, the value and
the fix, and a batch with one bad row stores nothing.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from councilplan.model.economy import Economy
from councilplan.model.errors import InputError, Issue
from councilplan.model.validate import MAX_MAGNITUDE

#: The columns of a report file, in order; ``council`` is the reporting council's id.
COLUMNS = ("council", "process", "period", "output", "hours")
#: Periods are numbered from 1 up to this.
MAX_PERIOD = 1_000_000
#: Most rows in one batch (one request or one file).
MAX_BATCH = 100_000


@dataclass(frozen=True)
class Report:
    """One period's figures of one process (see the module docstring)."""

    process: str
    period: int
    output: float
    hours: float
    council: int | None = None


class ReportError(InputError):
    """A batch of reports is invalid. ``issues`` names every bad cell, all at once; nothing was stored."""

    def __init__(self, issues: list[Issue], *, source: str = "reports") -> None:
        self.issues = list(issues)
        n = len(self.issues)
        lines = "\n".join(f"  - {i}" for i in self.issues[:50])
        more = f"\n  … and {n - 50} more" if n > 50 else ""
        super().__init__(f"{source} has {n} problem{'s' if n != 1 else ''} (nothing was stored):\n{lines}{more}")


def main_product(economy: Economy) -> dict[str, tuple[str, float]]:
    """Per process: its main product and the amount it makes per unit of activity (the largest
    entry of its column of ``B``)."""
    B = economy.B.tocsc()
    goods = economy.goods.index
    out: dict[str, tuple[str, float]] = {}
    for j, pid in enumerate(economy.processes.index):
        col = B[:, j]
        if col.nnz:
            k = int(np.argmax(col.data))
            out[str(pid)] = (str(goods[col.indices[k]]), float(col.data[k]))
    return out


def _number(raw: object, column: str, *, integer: bool = False) -> tuple[float | None, str | None]:
    """The value of a cell, or why it is not one (not a number, NaN, infinite, negative, too large)."""
    try:
        v = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, f"'{column}' is {raw!r}, not a number"
    if not math.isfinite(v):
        return None, f"'{column}' is {raw!r}: NaN and infinite figures are not reports"
    if v < 0:
        return None, f"'{column}' is {v:g}, below 0"
    if integer and (v != int(v) or not 1 <= v <= MAX_PERIOD):
        return None, f"'{column}' is {raw!r}, not a period number from 1 to {MAX_PERIOD:,}"
    if v > MAX_MAGNITUDE:
        return None, f"'{column}' is {v:g}, over {MAX_MAGNITUDE:g}"
    return v, None


def report_issues(rows: Sequence[Mapping[str, object]], *, source: str,
                  processes: Mapping[int, Iterable[str]], first_line: int = 2) -> tuple[list[Report], list[Issue]]:
    """Parse and check ``rows`` (dicts with :data:`COLUMNS`), each on line ``first_line + i``.

    ``processes``: each council that may report (by id) and the processes it runs. Returns the
    reports and every issue; callers store nothing when there is one.
    """
    issues: list[Issue] = []
    out: list[Report] = []
    seen: dict[tuple[int, str, int], int] = {}
    if len(rows) > MAX_BATCH:
        return [], [Issue(source, f"{len(rows):,} rows in one batch", f"send at most {MAX_BATCH:,} at a time")]
    for i, row in enumerate(rows):
        line = first_line + i
        found = len(issues)

        def bad(column: str, message: str, fix: str, line: int = line) -> None:
            issues.append(Issue(source, message, fix, line, column))

        council_raw = row.get("council")
        council: int | None = None
        try:
            council = int(str(council_raw))
        except ValueError:
            bad("council", f"council is {council_raw!r}, not a council id",
                f"give the id of a workplace council: {', '.join(map(str, sorted(processes))) or 'none here'}")
        if council is not None and council not in processes:
            bad("council", f"council {council} is not a workplace council that may report here",
                f"use one of: {', '.join(map(str, sorted(processes))) or 'none'}")
            council = None
        process = str(row.get("process") or "").strip()
        if not process:
            bad("process", "process is empty", "give the id of one of the council's processes")
        elif council is not None and process not in set(processes[council]):
            runs = sorted(processes[council])
            bad("process", f"process {process!r} is not run by council {council}",
                f"report only its processes: {', '.join(runs[:20]) or 'it runs none (attach processes to it first)'}")
        values: dict[str, float | None] = {}
        for column in ("period", "output", "hours"):
            v, why = _number(row.get(column), column, integer=column == "period")
            if why is not None:
                bad(column, why, {"period": "number plan periods 1, 2, 3, …",
                                  "output": "give the amount of the main product made, ≥ 0",
                                  "hours": "give the hours worked, ≥ 0"}[column])
            values[column] = v
        if len(issues) > found or council is None:
            continue
        key = (council, process, int(values["period"]))  # type: ignore[arg-type]
        if key in seen:
            bad("period", f"period {key[2]} of process {process!r} is reported twice (also line {seen[key]})",
                "keep one row per process and period; a later batch corrects an earlier one")
            continue
        seen[key] = line
        out.append(Report(process, key[2], float(values["output"]), float(values["hours"]), council))  # type: ignore[arg-type]
    return out, issues


def read_report_file(path: str | Path, *, processes: Mapping[int, Iterable[str]]) -> list[Report]:
    """The reports of a CSV file with header :data:`COLUMNS` (``ReportError`` naming every bad cell)."""
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ReportError([Issue(p.name, f"the header lacks {', '.join(missing)}",
                                         f"start the file with the line: {','.join(COLUMNS)}", 1)], source=p.name)
            rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    except UnicodeDecodeError as e:
        raise ReportError([Issue(p.name, f"not UTF-8 text ({e.reason})", "save the file as UTF-8 CSV")],
                          source=p.name) from e
    except csv.Error as e:
        raise ReportError([Issue(p.name, f"malformed CSV ({e})", "save it as plain comma-separated text")],
                          source=p.name) from e
    if not rows:
        raise ReportError([Issue(p.name, "no reports in the file", "add one line per process and period", 2)],
                          source=p.name)
    reports, issues = report_issues(rows, source=p.name, processes=processes)
    if issues:
        raise ReportError(issues, source=p.name)
    return reports
