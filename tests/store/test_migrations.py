"""Migrations up and down on both databases, and the models agree with the migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from councilplan.store.db import Database, head_revision, table_names
from councilplan.store.tables import Base

TABLES = ["alembic_version", "alerts", "councils", "economies", "events", "invites", "members", "plan_bundles", "plans",
          "proposals", "reports", "rounds", "votes"]
BACKENDS = pytest.mark.parametrize("fresh_url", ["sqlite", "postgresql"], indirect=True)


def _event(db: Database) -> None:
    with db.transaction() as s:
        s.execute(text("insert into economies(name, description, source, content_hash, files, n_goods, "
                       "n_processes, log_seq, log_head, created_at) values ('e', '', '', 'h', '{}', 1, 1, 0, 'x', "
                       "CURRENT_TIMESTAMP)"))
        s.execute(text("insert into events(economy_id, seq, at, action, entity, payload, prev_hash, hash) "
                       "values ((select max(id) from economies), 1, 't', 'a', 'e', '{}', 'p', 'h')"))


@BACKENDS
def test_up_down_up(fresh_url: str) -> None:
    db = Database(fresh_url)
    try:
        assert db.current_revision() is None
        db.upgrade()
        assert db.current_revision() == head_revision() == "0007"
        assert table_names(db.engine) == TABLES
        _event(db)
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text("delete from events"))
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text("update events set action = 'forged'"))
        db.downgrade("0004")  # reports and alerts go
        assert table_names(db.engine) == [t for t in TABLES if t not in ("reports", "alerts")]
        db.downgrade("0003")  # the plan bundles go
        assert table_names(db.engine) == [t for t in TABLES if t not in ("reports", "alerts", "plan_bundles")]
        db.downgrade("0002")  # the votes table goes
        assert table_names(db.engine) == [t for t in TABLES if t not in ("votes", "plan_bundles", "reports", "alerts")]
        db.downgrade("0001")  # the triggers go, the data stays
        assert db.current_revision() == "0001"
        with db.transaction() as s:
            assert s.execute(text("select count(*) from events")).scalar_one() == 1
            s.execute(text("delete from events"))
        db.downgrade("base")
        assert table_names(db.engine) == ["alembic_version"]
        assert db.current_revision() is None
        db.upgrade()
        assert table_names(db.engine) == TABLES
        _event(db)
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text("delete from events"))
    finally:
        db.dispose()


@BACKENDS
def test_models_match_migrations(fresh_url: str) -> None:
    db = Database(fresh_url)
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == [], f"the models differ from the migrations; add a revision: {diff}"
    finally:
        db.dispose()


def test_memory_sqlite_refused() -> None:
    with pytest.raises(ValueError, match="must be a file"):
        Database("sqlite://")


def test_sqlite_is_wal_and_durable(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/w.db")
    try:
        with db.transaction(write=False) as s:
            assert s.execute(text("pragma journal_mode")).scalar_one() == "wal"
            assert s.execute(text("pragma synchronous")).scalar_one() == 2  # FULL
            assert s.execute(text("pragma foreign_keys")).scalar_one() == 1
    finally:
        db.dispose()


def test_event_loop_pool_is_built_on_first_use(tmp_path: Path) -> None:
    # CLI commands never read on a server's event loop: no second engine for them
    db = Database(f"sqlite:///{tmp_path / 'loop.db'}")
    assert db._loop_engine is None
    with db.loop_session() as s:
        assert s.execute(text("select 1")).scalar_one() == 1
    assert db._loop_engine is not None and db._loop_engine is not db.engine
    assert db.loop_session().bind is not None
    db.dispose()
