"""The README's main job: ``councilplan serve --demo`` seeds the demo and prints tokens and portal links that work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the service extra (httpx) is not installed")
pytest.importorskip("fastapi", reason="the service extra (fastapi) is not installed")

from councilplan.api.server import free_port  # noqa: E402

TOKEN_LINE = re.compile(r"^  (?P<council>.+) \((?P<role>\w+)\): (?P<token>\S+)$")


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 90.0) -> list[str]:
    """Lines of the server's output up to the one containing ``marker``."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in the server's output:\n" + "\n".join(lines))


@pytest.mark.slow
def test_serve_demo_prints_whole_working_tokens(tmp_path: Path) -> None:
    """Every printed token is complete (a narrow, non-terminal stdout does not cut it) and authenticates."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from councilplan.cli import main; main()", "serve", "--demo",
         "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _read_until(proc, "API on http")
        header = next(line for line in lines if line.startswith("demo economy"))
        economy = int(header.split()[2].rstrip(":"))
        links_at = next(i for i, line in enumerate(lines) if line.startswith("one-time sign-in links"))
        tokens = [m.groupdict() for m in map(TOKEN_LINE.match, lines[:links_at]) if m]
        links = [m.groupdict() for m in map(TOKEN_LINE.match, lines[links_at:]) if m]
        assert {t["council"] for t in tokens} == {t["council"] for t in links}, lines
        assert any(line.startswith("portal on http") for line in lines)
        assert len(tokens) >= 2, lines
        assert any(t["role"] == "admin" for t in tokens)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health"
            time.sleep(0.2)
        for t in tokens:
            r = httpx.get(f"{url}/economies/{economy}/rounds",
                          headers={"Authorization": f"Bearer {t['token']}"})
            assert r.status_code == 200, (t["council"], r.text)
        bad = httpx.get(f"{url}/economies/{economy}/rounds",
                        headers={"Authorization": f"Bearer {tokens[0]['token'][:-3]}"})
        assert bad.status_code == 401
        for link in links:  # each link opens its council's join page and signs in once
            with httpx.Client() as browser:
                page = browser.get(link["token"])
                assert page.status_code == 200 and link["council"] in page.text, link
                csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
                assert csrf is not None
                joined = browser.post(link["token"], data={"name": "a delegate", "csrf": csrf.group(1)})
                assert joined.status_code == 200 and 'id="new-token"' in joined.text, joined.text
                council = browser.get(f"{url}/portal/council")
                assert council.status_code == 200 and link["council"] in council.text
            assert httpx.get(link["token"]).status_code == 409  # spent
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
