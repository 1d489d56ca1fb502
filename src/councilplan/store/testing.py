"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database dropped afterwards.

``COUNCILPLAN_TEST_POSTGRES`` names the PostgreSQL server to use (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); a fresh database
``councilplan_test_<random>`` is created on it and dropped on exit.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from councilplan.store.db import normalise_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return normalise_url(os.environ.get("COUNCILPLAN_TEST_POSTGRES", DEFAULT_POSTGRES))


def postgres_unreachable(url: str | None = None) -> str | None:
    """None when PostgreSQL answers at ``url``; otherwise why not (a skip reason)."""
    url = url or postgres_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect is a reason to skip
        shown = make_url(url).render_as_string(hide_password=True)
        return f"PostgreSQL at {shown} is unreachable ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    return None


@contextmanager
def temporary_postgres(url: str | None = None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server of ``url``; yields its URL and drops it on exit."""
    base = make_url(url or postgres_url())
    name = f"councilplan_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def throwaway_url(backend: str, folder: Path, name: str, *, skip: Callable[[str], Any]) -> Iterator[str]:
    """A database for one test or session: ``backend`` ``"sqlite"`` (the file ``folder/name``) or
    ``"postgresql"`` (:func:`temporary_postgres`); when PostgreSQL is unreachable, ``skip(reason)``
    (pass ``pytest.skip``)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / name}"
        return
    reason = postgres_unreachable()
    if reason:
        skip(reason)
    with temporary_postgres() as url:
        yield url
