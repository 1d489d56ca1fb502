"""The hash-chained event log: intact under concurrent writers, tampering detected, tokens only as hashes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from councilplan.examples import example_path
from councilplan.store import crud
from councilplan.store.audit import GENESIS, append_event, verify_chain
from councilplan.store.db import Database
from councilplan.store.economies import files_of_directory
from councilplan.store.security import hash_secret
from councilplan.store.tables import EventRow, InviteRow, MemberRow


@pytest.fixture(scope="module")
def db(db_url: str) -> Iterator[Database]:
    d = Database(db_url)
    d.upgrade()
    yield d
    d.dispose()


def _economy(db: Database) -> tuple[int, int, str]:
    with db.transaction() as s:
        eco, _board, admin, token = crud.create_economy(s, files=files_of_directory(example_path("kantorovich")))
        return eco.id, admin.id, token


def test_chain_of_a_new_economy(db: Database) -> None:
    eid, admin, token = _economy(db)
    with db.transaction() as s:
        _council, _inv, code = crud.create_council(s, economy_id=eid, actor=admin, name="c", kind="consumer",
                                                  population=10.0, processes=[])
    with db.transaction() as s:
        _member, _c, tok = crud.accept_invite(s, code=code, name="ann")
    with db.transaction(write=False) as s:
        check = verify_chain(s, eid)
        assert check.ok, check.message
        assert check.events == 3
        first = s.execute(select(EventRow).where(EventRow.economy_id == eid, EventRow.seq == 1)).scalar_one()
        assert first.prev_hash == GENESIS
        # only hashes are stored: neither the admin's nor the member's token, nor the invite code
        hashes = set(s.execute(select(MemberRow.token_hash)).scalars())
        assert hash_secret(token) in hashes and hash_secret(tok) in hashes
        assert token not in hashes and tok not in hashes
        assert hash_secret(code) in set(s.execute(select(InviteRow.code_hash)).scalars())
        for table in ("members", "invites", "events"):
            dump = " ".join(map(str, s.execute(text(f"select * from {table}")).all()))
            assert token not in dump and tok not in dump and code not in dump


def test_concurrent_appends_never_fork(db: Database) -> None:
    eid, admin, _ = _economy(db)

    def write(i: int) -> None:
        with db.transaction() as s:
            append_event(s, economy_id=eid, action="test.write", entity="test", entity_id=i, actor=admin,
                         payload={"i": i})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(200)))
    with db.transaction(write=False) as s:
        check = verify_chain(s, eid)
        assert check.ok, check.message
        assert check.events == 201
        ids = sorted(e for e in s.execute(select(EventRow.entity_id).where(
            EventRow.economy_id == eid, EventRow.action == "test.write")).scalars())
        assert ids == list(range(200))


def test_tampering_is_detected(db: Database) -> None:
    eid, admin, _ = _economy(db)
    with db.transaction() as s:
        append_event(s, economy_id=eid, action="a", entity="e", entity_id=None, actor=admin, payload={"x": 1})
    with db.transaction() as s:  # a forged event appended behind the chain's back
        s.add(EventRow(economy_id=eid, seq=3, at="2020-01-01T00:00:00", actor=None, action="forged", entity="e",
                       entity_id=None, payload={}, prev_hash="f" * 64, hash="0" * 64))
    with db.transaction(write=False) as s:
        check = verify_chain(s, eid)
    assert not check.ok
    assert check.broken_at == 3


AWKWARD = {"text": "ünïcødé \u2028 \"quoted\" \\ back\u00a0slash", "floats": [0.1, 1e-7, 1e300, -0.0, 2.5],
           "none": None, "nested": {"b": 1, "a": [1, {"z": True}]}, "big": 123456789012345678, "": "empty key"}


def test_awkward_payloads_keep_the_chain(db: Database) -> None:
    """On PostgreSQL the server hashes the event (one statement); the hash must be Python's to the byte."""
    eid, admin, _ = _economy(db)
    with db.transaction() as s:
        append_event(s, economy_id=eid, action="a", entity="e", entity_id=7, actor=admin, payload=AWKWARD)
        append_event(s, economy_id=eid, action="b", entity="e", entity_id=None, actor=None, payload={})
    with db.transaction(write=False) as s:
        check = verify_chain(s, eid)
        assert check.ok, check.message
        stored = s.execute(select(EventRow.payload).where(EventRow.economy_id == eid, EventRow.action == "a")
                           ).scalar_one()
    assert stored == AWKWARD


def test_sentinel_found_in_the_payload_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A splice marker that also occurs in the content would splice the wrong place: a new one is drawn."""
    from councilplan.store import audit

    draws = iter([23456789012345678 - 10**17, 23456789012345678 - 10**17, 5, 6])
    monkeypatch.setattr(audit.secrets, "randbelow", lambda _n: next(draws))
    sql, params = audit.append_sql(economy_id=1, action="a", entity="e", entity_id=audit.Late("prev.x"),
                                   actor=None, payload={"n": 23456789012345678})
    text_params = "".join(str(v) for k, v in params.items() if k.startswith("body"))
    assert "23456789012345678" in text_params  # the content's number stays literal text
    assert "CAST(prev.x AS text)" in sql and "CAST(prev.seq AS text)" in sql
