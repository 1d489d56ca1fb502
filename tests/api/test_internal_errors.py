"""A bug is not a user mistake: only input errors are 422; anything else is a logged 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import councilplan.api.routes.economies as economies_routes
from councilplan.api import create_app
from councilplan.api.server import running
from councilplan.model.errors import InputError


@pytest.fixture
def client(tmp_path: Path) -> Iterator[httpx.Client]:
    with running(create_app(f"sqlite:///{tmp_path / 'e.db'}")) as url, httpx.Client(base_url=url) as c:
        yield c


def _raising(exc: Exception):  # type: ignore[no-untyped-def]
    def available_rules() -> list[str]:
        raise exc

    return available_rules


def test_an_internal_value_error_is_500_and_logged(client: httpx.Client, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(economies_routes, "available_rules", _raising(ValueError("shapes (3,) and (4,)")))
    with caplog.at_level(logging.ERROR):
        r = client.get("/rules")
    assert r.status_code == 500
    assert r.json()["type"] == "internal"
    assert "shapes" not in r.text  # no internals leak to the client
    assert any(rec.exc_info and "shapes (3,) and (4,)" in str(rec.exc_info[1]) for rec in caplog.records)


def test_an_input_error_is_422(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(economies_routes, "available_rules", _raising(InputError("unknown rule 'x'; choose ...")))
    r = client.get("/rules")
    assert r.status_code == 422
    assert "unknown rule 'x'" in r.json()["detail"]
