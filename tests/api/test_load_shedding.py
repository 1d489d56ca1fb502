"""Load shedding: past its cap a server process answers 503 ``overloaded`` with ``Retry-After`` at once,
keeps serving what it admitted, and is healthy afterwards."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx
import pytest
from apihelpers import burst
from typer.testing import CliRunner

from councilplan.api import create_app
from councilplan.api.server import running
from councilplan.api.shedding import MAX_INFLIGHT, LoadShedder, max_inflight_from_env
from councilplan.cli import app as cli_app
from councilplan.model.errors import InputError
from councilplan.store.db import Database


# ------------------------------------------------------------ the middleware alone
class Gate:
    """An ASGI app whose requests wait until the gate opens (or fail, for ``/boom``)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.entered += 1
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        if scope["path"] != "/health":
            await self.open.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _call(app: Any, path: str = "/x") -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_the_middleware_admits_its_limit_and_refuses_the_rest_at_once() -> None:
    async def scenario() -> None:
        inner = Gate()
        shedder = LoadShedder(inner, limit=3, retry_after_s=2)
        held = [asyncio.create_task(_call(shedder)) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert shedder.inflight == 3 and inner.entered == 3
        status, headers, body = await asyncio.wait_for(_call(shedder), timeout=1)  # answered while 3 wait
        assert status == 503 and headers[b"retry-after"] == b"2"
        assert json.loads(body)["type"] == "overloaded" and inner.entered == 3  # never reached the app
        assert (await _call(shedder, "/health"))[0] == 200  # the health check is never shed
        inner.open.set()
        assert [r[0] for r in await asyncio.gather(*held)] == [200, 200, 200]
        assert shedder.inflight == 0 and (await _call(shedder))[0] == 200  # room again
        with pytest.raises(RuntimeError):
            await _call(shedder, "/boom")
        assert shedder.inflight == 0  # a failing request gives its place back
        assert (shedder.admitted, shedder.shed) == (5, 1)

    asyncio.run(scenario())


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LoadShedder(Gate(), limit=0)
    with pytest.raises(ValueError, match="negative"):
        create_app("sqlite://", max_inflight=-1)


def test_the_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNCILPLAN_MAX_INFLIGHT", raising=False)
    assert max_inflight_from_env() == MAX_INFLIGHT
    monkeypatch.setenv("COUNCILPLAN_MAX_INFLIGHT", "7")
    assert max_inflight_from_env() == 7
    for bad, msg in (("many", "not an integer"), ("-3", "negative")):
        monkeypatch.setenv("COUNCILPLAN_MAX_INFLIGHT", bad)
        with pytest.raises(InputError, match=msg):
            max_inflight_from_env()


def test_serve_reports_a_bad_limit_without_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("COUNCILPLAN_MAX_INFLIGHT", "lots")
    r = CliRunner().invoke(cli_app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert r.exit_code == 2, r.output
    assert "COUNCILPLAN_MAX_INFLIGHT='lots' is not an integer" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli_app, ["serve", "--max-inflight", "-1"])
    assert r.exit_code == 2 and "Traceback" not in r.output


# ------------------------------------------------------------ a real server, flooded
def test_a_flooded_server_sheds_and_stays_healthy(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'shed.db'}")
    db.upgrade()
    with running(create_app(db, migrate=False, max_inflight=2)) as url, httpx.Client(base_url=url) as c:
        e = c.post("/economies", json={"example": "kantorovich"}).json()
        eid, admin = e["economy"]["id"], {"Authorization": f"Bearer {e['token']}"}
        requests = [("GET", f"/economies/{eid}/councils", admin, None)] * 400
        flood = asyncio.run(asyncio.wait_for(burst(url, requests, connections=100, retry_overloaded=False),
                                             timeout=120))
        codes = Counter(r.status_code for r in flood)
        assert set(codes) == {200, 503}, codes  # nothing else: no 500, no reset connection
        shed = [r for r in flood if r.status_code == 503]
        assert all(r.json()["type"] == "overloaded" and r.retry_after == 1 for r in shed)
        assert codes[200] >= 2  # what was admitted was served
        # a client that honours Retry-After gets every answer
        again = asyncio.run(asyncio.wait_for(burst(url, requests[:40], connections=20), timeout=120))
        assert {r.status_code for r in again} == {200}
        # afterwards the server answers normally
        assert c.get("/health").json() == {"status": "ok"}
        assert all(c.get(f"/economies/{eid}/councils", headers=admin).status_code == 200 for _ in range(20))
    db.dispose()
