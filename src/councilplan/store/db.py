"""Engines, sessions and programmatic migrations.

* **SQLite** (the embedded default, one local file): WAL journal, ``synchronous=FULL``
  (a committed vote survives a crash or power loss), foreign keys on, a 30 s busy
  timeout, and ``BEGIN IMMEDIATE`` for writing sessions so that concurrent writers
  queue instead of failing with "database is locked". Reading sessions begin
  deferred and run beside writers (WAL).
* **PostgreSQL** by URL, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
  Reading sessions run in **autocommit** (each statement its own transaction, as READ COMMITTED
  gives each statement its own snapshot anyway): no ``BEGIN``/``ROLLBACK`` round trips, and a
  write that is one statement (``crud.submit_proposal``) commits atomically through one.

:func:`upgrade` and :func:`downgrade` run the Alembic migrations shipped in
``councilplan/store/migrations`` without an ``alembic.ini``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from councilplan.model.errors import InputError

DEFAULT_URL = "sqlite:///councilplan.db"
_LOCKED = "councilplan_write_lock"


def default_url() -> str:
    """``$COUNCILPLAN_DB`` or a SQLite file ``councilplan.db`` in the working directory."""
    return os.environ.get("COUNCILPLAN_DB", DEFAULT_URL)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs; a bare path as a SQLite file."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings described in the module docstring."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database in (None, "", ":memory:"):
            raise InputError("the embedded database must be a file (WAL needs one): use sqlite:///path/to/file.db")
        engine = create_engine(url, **{"connect_args": {"check_same_thread": False, "timeout": 30},
                                       "pool_size": 20, "max_overflow": 40, **kwargs})
        _sqlite_setup(engine)
        return engine
    # no pre-ping (a round trip per checkout, two per request): a connection that broke (a restarted
    # server) fails its request with 503 and is dropped from the pool; recycling bounds their age
    # a process runs 4 route threads (2 sessions each at most, given back at the end of the route)
    # and one event loop: 20 connections are plenty, and 2 workers stay well below PostgreSQL's
    # default max_connections (100), shared with every other client of the server
    opts: dict[str, Any] = {"pool_size": 10, "max_overflow": 10, "pool_recycle": 1800, "pool_timeout": 60}
    opts.update(kwargs)
    return create_engine(url, **opts)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # Writers of this process queue on a lock instead of polling SQLite's busy handler (which starves
    # under load); the lock is taken at BEGIN IMMEDIATE and released when the connection goes back to
    # the pool, i.e. after COMMIT or ROLLBACK. Other processes still wait through busy_timeout.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE" and not conn.info.get(_LOCKED):
            writer.acquire()
            conn.info[_LOCKED] = True
        conn.exec_driver_sql(f"BEGIN {mode}")

    def _release(_dbapi_conn: Any, record: Any, *_: Any) -> None:
        if record is not None and record.info.pop(_LOCKED, False):
            writer.release()

    event.listen(engine.pool, "checkin", _release)
    event.listen(engine.pool, "invalidate", _release)


class Database:
    """One engine and its session factories."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.url = normalise_url(url or default_url())
        self.engine = engine or make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        read_options = {"sqlite_begin": "DEFERRED"} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
        self._read_options = read_options
        self._read = sessionmaker(self.engine.execution_options(**read_options), expire_on_commit=False)
        self._loop_engine: Engine | None = None  # built by the first loop_session (servers only)

    def session(self, *, write: bool = True) -> Session:
        """A new session; on SQLite a writing one holds the write lock from its first statement, on
        PostgreSQL a reading one runs in autocommit."""
        return self._write() if write else self._read()

    def loop_session(self) -> Session:
        """A reading session for code that runs on a server's event loop, from a pool of its own;
        close it (or roll back) after its statement so that the connection goes back at once.

        The token look-up runs there. The loop must never wait for a connection of the main pool:
        the requests that hold those give them back on the loop (after their answer), so with every
        connection held the loop would wait for itself until the pool's timeout (200 requests/s
        stalled for a minute). The small pool is built on first use (one event loop per server
        process calls this; nothing else does)."""
        return self._loop_read()

    @cached_property
    def _loop_read(self) -> sessionmaker[Session]:
        self._loop_engine = make_engine(self.url, pool_size=1, max_overflow=3, pool_timeout=5)
        return sessionmaker(self._loop_engine.execution_options(**self._read_options), expire_on_commit=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self.session(write=write) as s, s.begin():
            yield s

    def upgrade(self, revision: str = "head") -> None:
        upgrade(self.engine, revision)

    def downgrade(self, revision: str = "base") -> None:
        downgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        return current_revision(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._loop_engine is not None:
            self._loop_engine.dispose()


# ---------------------------------------------------------------- migrations
def alembic_config(engine: Engine | None = None) -> Any:
    """An Alembic ``Config`` pointing at the shipped migrations (and at ``engine`` when given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("councilplan.store") / "migrations"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the schema down to ``revision`` (``base`` drops every table)."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this version of councilplan."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
