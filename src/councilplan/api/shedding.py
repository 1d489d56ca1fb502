"""Load shedding: a server process refuses work it cannot start soon, instead of queueing it.

Past its capacity a server that queues every request answers all of them late: at an arrival rate
``λ`` above the service rate ``μ`` the queue grows by ``λ - μ`` requests a second and the latency
of every request grows with it, until clients time out and retry, which adds load (a metastable
failure). Shedding keeps the number of requests in flight in one process at most ``N``; by Little's
law the admitted requests then wait at most about ``N / μ`` seconds, and the rest are refused at once
with **503** ``{"type": "overloaded"}`` and ``Retry-After``, which costs the server microseconds and
tells a client when to come back.

It is pure ASGI (no ``BaseHTTPMiddleware``, whose task per request would itself cost CPU at the rates
where shedding matters). ``/health`` is never shed: a load balancer must see the process alive.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from councilplan.model.errors import InputError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: requests one server process holds at once (running or waiting for one of its route threads).
#: Measured on two cores (docs/reliability.md, section 7): at 200 requests/s nothing is shed with 16
#: or 64; at 2× and 5× that rate 16 keeps the served requests' p99 at 160–300 ms, 64 at 500–710 ms.
MAX_INFLIGHT = 16

#: paths answered even when the process is full
EXEMPT = frozenset({"/health"})


def max_inflight_from_env(default: int = MAX_INFLIGHT) -> int:
    """``$COUNCILPLAN_MAX_INFLIGHT`` as a positive integer (0 turns shedding off), else ``default``."""
    raw = os.environ.get("COUNCILPLAN_MAX_INFLIGHT")
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"COUNCILPLAN_MAX_INFLIGHT={raw!r} is not an integer. Fix: set it to a whole number "
                         "of requests (0 turns load shedding off)") from None
    if value < 0:
        raise InputError(f"COUNCILPLAN_MAX_INFLIGHT={value} is negative. Fix: set it to 0 (off) or more")
    return value


class LoadShedder:
    """ASGI middleware: at most ``limit`` HTTP requests in flight; the next ones get 503 at once.

    ``shed`` and ``admitted`` count the requests refused and let through since start (the
    ``/health`` route reports them).
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_INFLIGHT, retry_after_s: int = 1) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.app, self.limit, self.retry_after_s = app, limit, retry_after_s
        self.inflight = 0
        self.shed = 0
        self.admitted = 0
        self._body = json.dumps({"detail": f"the server is at capacity ({limit} requests in progress); "
                                           f"retry in {retry_after_s} s", "type": "overloaded"}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:  # one event loop: no lock needed between the test and the increment
            self.shed += 1
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(self._body)).encode()),
                                    (b"retry-after", str(self.retry_after_s).encode())]})
            await send({"type": "http.response.body", "body": self._body})
            return
        self.inflight += 1
        self.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
