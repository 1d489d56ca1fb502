"""Bearer tokens and invite codes: random, shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    """A fresh random secret (256 bits) with a readable prefix (``cpt_`` token, ``cpi_`` invite)."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def new_token() -> str:
    return new_secret("cpt_")


def new_invite_code() -> str:
    return new_secret("cpi_")


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a token or code; the only form that is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()
