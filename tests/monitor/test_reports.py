"""Production reports from a file or a request: every bad cell named (file, line, column, value, fix),
nothing half-stored; ``councilplan report import`` on a real database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import councilplan as cp
from councilplan.cli import app
from councilplan.examples import example_path
from councilplan.monitor.alerts import AlertFacts, capacity_updates, escalated
from councilplan.monitor.reports import (
    COLUMNS,
    ReportError,
    main_product,
    read_report_file,
    report_issues,
)
from councilplan.store import crud
from councilplan.store.db import Database
from councilplan.store.economies import files_of_directory
from councilplan.store.tables import AlertRow, EventRow, ReportRow

PROCESSES = {7: ["steel", "coal"], 9: ["bread"]}


def _csv(path: Path, lines: list[str], header: str = ",".join(COLUMNS)) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_good_file_reads(tmp_path: Path) -> None:
    f = _csv(tmp_path / "r.csv", ["7,steel,1,100,40", "7,coal,1,50.5,20", "9,bread,2,1e3,0"])
    reports = read_report_file(f, processes=PROCESSES)
    assert [(r.council, r.process, r.period, r.output, r.hours) for r in reports] == [
        (7, "steel", 1, 100.0, 40.0), (7, "coal", 1, 50.5, 20.0), (9, "bread", 2, 1000.0, 0.0)]


@pytest.mark.parametrize(("line", "column", "says"), [
    ("x,steel,1,100,40", "council", "not a council id"),
    ("8,steel,1,100,40", "council", "not a workplace council"),
    ("7,bread,1,100,40", "process", "not run by council 7"),
    ("7,,1,100,40", "process", "empty"),
    ("7,steel,0,100,40", "period", "not a period number"),
    ("7,steel,1.5,100,40", "period", "not a period number"),
    ("7,steel,1,nan,40", "output", "NaN"),
    ("7,steel,1,inf,40", "output", "infinite"),
    ("7,steel,1,-3,40", "output", "below 0"),
    ("7,steel,1,lots,40", "output", "not a number"),
    ("7,steel,1,100,1e300", "hours", "over 1e+15"),
])
def test_every_bad_cell_is_named(tmp_path: Path, line: str, column: str, says: str) -> None:
    f = _csv(tmp_path / "bad.csv", ["7,coal,1,1,1", line])
    with pytest.raises(ReportError) as e:
        read_report_file(f, processes=PROCESSES)
    (issue,) = e.value.issues
    assert (issue.file, issue.line, issue.column) == ("bad.csv", 3, column)
    assert says in issue.message and issue.fix
    assert f"bad.csv, line 3, column '{column}'" in str(e.value) and "nothing was stored" in str(e.value)


def test_duplicates_missing_columns_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"line 3, column 'period': period 1 of process 'coal' is reported twice"):
        read_report_file(_csv(tmp_path / "d.csv", ["7,coal,1,1,1", "7,coal,1,2,2"]), processes=PROCESSES)
    with pytest.raises(ReportError, match="the header lacks hours"):
        read_report_file(_csv(tmp_path / "h.csv", ["7,coal,1,1"], header="council,process,period,output"),
                         processes=PROCESSES)
    with pytest.raises(ReportError, match="no reports in the file"):
        read_report_file(_csv(tmp_path / "e.csv", []), processes=PROCESSES)
    (tmp_path / "latin1.csv").write_bytes("council,process,period,output,hours\n7,caf\xe9,1,1,1\n".encode("latin-1"))
    with pytest.raises(ReportError, match="not UTF-8"):
        read_report_file(tmp_path / "latin1.csv", processes=PROCESSES)


def test_all_problems_come_at_once() -> None:
    rows = [{"council": 7, "process": "steel", "period": 1, "output": -1, "hours": "x"},
            {"council": 7, "process": "gold", "period": 2, "output": 1, "hours": 1}]
    reports, issues = report_issues(rows, source="req", processes=PROCESSES)
    assert reports == [] and {(i.line, i.column) for i in issues} == {(2, "output"), (2, "hours"), (3, "process")}


def test_capacity_updates_follow_the_latest_output_alert() -> None:
    def fact(period: int, state: str, direction: str = "down", capacity: float | None = None,
             metric: str = "output") -> AlertFacts:
        return AlertFacts("steel", metric, period, direction, state, 80.0, capacity)

    per = {"steel": 2.0}
    assert capacity_updates([fact(3, "open")], per) == {"steel": 40.0}  # 80 units a period = 40 of activity
    assert capacity_updates([fact(3, "explained", capacity=55.0)], per) == {"steel": 55.0}
    assert capacity_updates([fact(3, "explained")], per) == {}  # explained, no new capacity: plan as before
    assert capacity_updates([fact(3, "open", direction="up")], per) == {}
    assert capacity_updates([fact(3, "open"), fact(5, "explained", capacity=70.0)], per) == {"steel": 70.0}
    assert capacity_updates([fact(3, "open", metric="hours")], per) == {}


def test_escalation_is_a_fact_of_time() -> None:
    import datetime as dt

    t = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert not escalated("open", t, t - dt.timedelta(seconds=1))
    assert escalated("open", t, t) and escalated("open", t.replace(tzinfo=None), t + dt.timedelta(days=1))
    assert not escalated("acknowledged", t, t + dt.timedelta(days=9))


def test_main_product_is_the_largest_output() -> None:
    e = cp.example("kantorovich")
    assert main_product(e)["automatic_b"] == ("part_b", 80.0)


# ------------------------------------------------------------------ CLI
@pytest.fixture
def factory_db(tmp_path: Path) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'cp.db'}"
    db = Database(url)
    db.upgrade()
    with db.transaction() as s:
        eco, _board, admin, _token = crud.create_economy(s, name="g", files=files_of_directory(
            example_path("germany-1995")))
        council, _invite, _code = crud.create_council(s, economy_id=eco.id, name="works", kind="workplace",
                                                      population=100.0, processes=["manufacturing"], actor=admin.id)
        cid = council.id
    db.dispose()
    return url, cid


def test_cli_import_stores_and_raises_alerts(tmp_path: Path, factory_db: tuple[str, int]) -> None:
    url, cid = factory_db
    out = 1000 + np.random.default_rng(0).normal(0, 10, 30)
    out[19:] *= 0.7
    f = _csv(tmp_path / "works.csv", [f"{cid},manufacturing,{t + 1},{out[t]:.3f},400" for t in range(30)])
    r = CliRunner().invoke(app, ["report", "import", str(f), "--db", url])
    assert r.exit_code == 0, r.output
    assert "30 reports stored" in r.output and "manufactur" in r.output and "step down" in r.output
    db = Database(url)
    with db.transaction(write=False) as s:
        assert s.execute(select(func.count()).select_from(ReportRow)).scalar_one() == 30
        assert s.execute(select(func.count()).select_from(AlertRow)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(EventRow)
                         .where(EventRow.action == "report.submitted")).scalar_one() == 30
    db.dispose()


def test_cli_import_of_a_bad_file_stores_nothing(tmp_path: Path, factory_db: tuple[str, int]) -> None:
    url, cid = factory_db
    f = _csv(tmp_path / "bad.csv", [f"{cid},manufacturing,1,100,40", f"{cid},manufacturing,2,-5,40"])
    r = CliRunner().invoke(app, ["report", "import", str(f), "--db", url])
    assert r.exit_code == 2 and "bad.csv, line 3, column 'output'" in r.output and "Traceback" not in r.output
    db = Database(url)
    with db.transaction(write=False) as s:
        assert s.execute(select(func.count()).select_from(ReportRow)).scalar_one() == 0
    db.dispose()
    r = CliRunner().invoke(app, ["report", "import", str(tmp_path / "missing.csv"), "--db", url])
    assert r.exit_code == 2 and "no such file" in r.output
