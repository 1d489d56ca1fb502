"""A bug is not a user mistake: the CLI says which is which (exit 2 versus exit 3, with a kept trace)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import councilplan.cli.core as core
from councilplan.cli import app
from councilplan.cli.app import EXIT_INTERNAL, EXIT_INVALID
from councilplan.model.errors import InputError

runner = CliRunner()


@pytest.fixture
def kant(tmp_path: Path) -> Path:
    assert runner.invoke(app, ["example", "kantorovich", str(tmp_path / "k")]).exit_code == 0
    return tmp_path / "k"


def _broken_reader(exc: Exception):  # type: ignore[no-untyped-def]
    def read_economy(directory: Path) -> None:
        raise exc

    return read_economy


def test_a_bug_exits_3_and_keeps_its_trace(kant: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an internal ValueError (e.g. from numpy or pandas deep inside) used to be reported as bad input
    monkeypatch.setattr(core, "read_economy", _broken_reader(ValueError("operands could not be broadcast")))
    monkeypatch.setenv("COUNCILPLAN_LOG_DIR", str(tmp_path))
    res = runner.invoke(app, ["check", str(kant)])
    assert res.exit_code == EXIT_INTERNAL
    out = " ".join(res.output.split())
    assert "internal error" in out and "not a mistake in your input" in out
    assert "Traceback" not in res.output
    log = (tmp_path / "councilplan-internal-errors.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "operands could not be broadcast" in log and "in read_economy" in log


def test_a_user_mistake_still_exits_2(kant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "read_economy", _broken_reader(InputError("goods.csv, line 3: bad. Fix: good")))
    res = runner.invoke(app, ["check", str(kant)])
    assert res.exit_code == EXIT_INVALID
    assert "goods.csv, line 3" in res.output and "internal error" not in res.output


def test_unknown_names_are_user_mistakes(tmp_path: Path) -> None:
    res = runner.invoke(app, ["example", "no-such-economy", str(tmp_path / "x")])
    assert res.exit_code == EXIT_INVALID
    assert "unknown example 'no-such-economy'" in res.output and "kantorovich" in res.output
