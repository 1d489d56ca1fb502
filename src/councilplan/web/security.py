"""Sessions, CSRF and the security headers of the portal.

* **Session**: signing in puts the member's token in the ``cp_session`` cookie (HttpOnly,
  SameSite=Strict, Secure over HTTPS, path ``/portal``). Tokens are never put in a URL, and the
  server stores only their SHA-256, as for the API. Revoking a member or rotating its token ends its
  sessions.
* **CSRF**: every form carries ``csrf``. Signed in, it is ``HMAC-SHA256(token, "councilplan-csrf")``
  (nothing stored, and it dies with the session). Signed out, it is a double-submit value that
  matches the ``cp_pre`` cookie. A POST without the right value gets 403 and changes nothing.
* **Headers**: a strict Content-Security-Policy with no inline scripts or styles
  (:data:`CSP`), ``Referrer-Policy: no-referrer`` so that an invite link never leaks,
  ``X-Frame-Options: DENY`` and ``nosniff``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION = "cp_session"
PRE = "cp_pre"
PATH = "/portal"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"content-security-policy": CSP, "referrer-policy": "no-referrer", "x-frame-options": "DENY",
           "x-content-type-options": "nosniff", "cache-control": "no-store"}


def csrf_of_session(token: str) -> str:
    """The CSRF value of a signed-in session: ``HMAC-SHA256(token, "councilplan-csrf")``, hex."""
    return hmac.new(token.encode(), b"councilplan-csrf", hashlib.sha256).hexdigest()


def new_pre() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class SecurityHeaders:
    """Pure ASGI middleware: :data:`HEADERS` on every answer under :data:`PATH`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(PATH):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    if k not in headers:
                        headers[k] = v
            await send(message)

        await self.app(scope, receive, with_headers)
