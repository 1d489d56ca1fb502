"""The append-only, hash-chained event log of each economy.

Every write appends one event in the same transaction as the change it records,
so an event exists exactly when its change was committed. Each event's hash is
``sha256(prev_hash ‖ canonical JSON of the event)``, the first ``prev_hash`` is 64
zeros, and the economy row holds the chain's head (``log_seq``, ``log_head``).
Appending locks the economy row (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), so the chain never forks.

Lock order, to stay free of deadlocks: take every other row lock first, the
economy row last (``append_event`` is the last statement of a write).

On PostgreSQL an append is **one statement** (:func:`append_sql`): it locks the economy
row, moves the chain's head and inserts the event, with the hash computed by the server
(``sha256`` of the same canonical text Python hashes; values only the statement knows,
such as the new row's id or ``seq``, are spliced into that text as SQL). A write can so
insert its row and append its event in a single round trip (``crud.submit_proposal``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from councilplan.store.tables import EconomyRow, EventRow, utcnow

GENESIS = "0" * 64
_LOCK_ECONOMY = (select(EconomyRow).where(EconomyRow.id == bindparam("e")).with_for_update(key_share=True)
                 .execution_options(populate_existing=True))


def canonical(obj: Any) -> str:
    """Sorted-key, compact JSON: the bytes that are hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


def plan_digest(goals: Any, result: Any) -> str:
    """``sha256`` of a plan's canonical goals and result: recorded in its ``round.planned`` event, so an
    edited stored plan no longer matches its event (:mod:`councilplan.store.integrity`)."""
    return hashlib.sha256(canonical({"goals": goals, "result": result}).encode()).hexdigest()


def _body(e: EventRow) -> dict[str, Any]:
    return {"economy": e.economy_id, "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "entity": e.entity, "entity_id": e.entity_id, "payload": e.payload}


@dataclass(frozen=True)
class Late:
    """An integer of an event that only the statement knows (a new row's id, a locked row's column):
    an SQL expression over the columns of the CTE ``prev`` (see :func:`append_sql`)."""

    sql: str


def _mark(obj: Any, marks: dict[str, str]) -> Any:
    """``obj`` with every :class:`Late` replaced by a fresh sentinel integer (recorded in ``marks``)."""
    if isinstance(obj, Late):
        sentinel = str(10**17 + secrets.randbelow(9 * 10**17))
        marks[sentinel] = obj.sql
        return int(sentinel)
    if isinstance(obj, dict):
        return {k: _mark(v, marks) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_mark(v, marks) for v in obj]
    return obj


def _concat(canon: str, marks: dict[str, str], params: dict[str, Any], name: str) -> str:
    """SQL text concatenation equal to ``canon`` once each sentinel (found at most once) is replaced by
    its integer's text. The SQL depends only on which expressions come where, so it is the same for
    every event of one kind (the statement is compiled once, see :func:`statement`)."""
    pieces, last = [], 0
    for i, (at, sentinel) in enumerate(sorted((canon.find(s), s) for s in marks if s in canon)):
        params[f"{name}{i}"] = canon[last:at]
        pieces += [f":{name}{i}", f"CAST({marks[sentinel]} AS text)"]
        last = at + len(sentinel)
    params[f"{name}_end"] = canon[last:]
    return " || ".join([*pieces, f":{name}_end"])


@functools.lru_cache(maxsize=64)
def statement(sql: str) -> TextClause:
    """``text(sql)``, built once per SQL string (building and parsing it costs more than running it)."""
    return text(sql)


def append_sql(
    *, economy_id: int, action: str, entity: str, entity_id: int | Late | None, actor: int | None,
    payload: dict[str, Any], source: str = "", source_columns: str = "",
) -> tuple[str, dict[str, Any]]:
    """CTEs (PostgreSQL) that append one event: ``prev`` locks the economy row (joined with ``source``,
    e.g. a CTE that inserted the recorded row: no row there, no event), ``head`` moves the chain's
    head and ``ev`` inserts the event. Returns ``(sql, params)``; ``entity_id`` and values in
    ``payload`` may be :class:`Late` expressions over ``source_columns`` (selected into ``prev``).

    The economy row is locked only once the statement has produced its ``source`` row, so the
    lock order of :mod:`councilplan.store.audit` holds within the one statement."""
    while True:
        marks: dict[str, str] = {}
        body = json.loads(canonical(_mark({"economy": economy_id, "seq": Late("prev.seq"),
                                           "at": utcnow().isoformat(), "actor": actor, "action": action,
                                           "entity": entity, "entity_id": entity_id, "payload": payload}, marks)))
        canon_body, canon_payload = canonical(body), canonical(body["payload"])
        if all(canon_body.count(s) == 1 for s in marks):  # a sentinel also found in the content: draw again
            break
    params: dict[str, Any] = {"economy_id": economy_id, "at": body["at"], "actor": actor, "action": action,
                              "entity": entity}
    body_sql = _concat(canon_body, marks, params, "body")
    payload_sql = _concat(canon_payload, marks, params, "payload")
    ent = f"CAST({marks[str(body['entity_id'])]} AS integer)" if isinstance(entity_id, Late) else \
        "CAST(:entity_id AS integer)"
    params["entity_id"] = None if isinstance(entity_id, Late) else entity_id
    sql = f"""prev AS MATERIALIZED (
    SELECT e.log_seq + 1 AS seq, e.log_head AS prev_hash{", " + source_columns if source_columns else ""}
    FROM economies e{", " + source if source else ""} WHERE e.id = :economy_id FOR NO KEY UPDATE OF e),
head AS (
    UPDATE economies SET log_seq = prev.seq,
        log_head = encode(sha256(convert_to(prev.prev_hash || {body_sql}, 'UTF8')), 'hex')
    FROM prev WHERE economies.id = :economy_id RETURNING economies.log_seq, economies.log_head),
ev AS (
    INSERT INTO events (economy_id, seq, at, actor, action, entity, entity_id, payload, prev_hash, hash)
    SELECT :economy_id, prev.seq, :at, CAST(:actor AS integer), :action, :entity, {ent},
        CAST({payload_sql} AS json), prev.prev_hash, head.log_head
    FROM prev, head RETURNING seq, hash)"""
    return sql, params


def append_event(
    session: Session,
    *,
    economy_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    actor: int | None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one event to the economy's chain (flushes; the caller commits).

    PostgreSQL: one statement (:func:`append_sql`); SQLite (writers already serialised): the ORM."""
    session.flush()  # the recorded change first: its row locks come before the economy's
    if session.get_bind().dialect.name == "postgresql":
        sql, params = append_sql(economy_id=economy_id, action=action, entity=entity, entity_id=entity_id,
                                 actor=actor, payload=payload or {})
        seq, head = session.execute(statement(f"WITH {sql} SELECT seq, hash FROM ev"), params).one()
        eco = session.identity_map.get(session.identity_key(EconomyRow, economy_id))
        if eco is not None:  # the loaded row shows the new head
            set_committed_value(eco, "log_seq", seq)
            set_committed_value(eco, "log_head", head)
        return
    eco = session.execute(_LOCK_ECONOMY, {"e": economy_id}).scalar_one()
    ev = EventRow(economy_id=economy_id, seq=eco.log_seq + 1, at=utcnow().isoformat(), actor=actor,
                  action=action, entity=entity, entity_id=entity_id,
                  payload=json.loads(canonical(payload or {})), prev_hash=eco.log_head, hash="")
    ev.hash = event_hash(ev.prev_hash, _body(ev))
    eco.log_seq, eco.log_head = ev.seq, ev.hash
    session.add(ev)
    session.flush()


@dataclass(frozen=True)
class ChainCheck:
    """The result of :func:`verify_chain`: ``ok``, events checked, and the first broken ``seq``."""

    ok: bool
    events: int
    head: str
    broken_at: int | None = None
    message: str = ""


def verify_chain(session: Session, economy_id: int) -> ChainCheck:
    """Recompute every hash of the economy's chain and compare with the stored head."""
    prev, n = GENESIS, 0
    rows = session.execute(select(EventRow).where(EventRow.economy_id == economy_id).order_by(EventRow.seq))
    for (e,) in rows:
        n += 1
        if e.seq != n:
            return ChainCheck(False, n, prev, e.seq, f"event {n} is missing (found seq {e.seq})")
        if e.prev_hash != prev or event_hash(prev, _body(e)) != e.hash:
            return ChainCheck(False, n, prev, e.seq, f"event {e.seq} does not match its hash")
        prev = e.hash
    eco = session.get(EconomyRow, economy_id)
    if eco is not None and (eco.log_seq != n or eco.log_head != prev):
        return ChainCheck(False, n, prev, n + 1, "the economy's chain head does not match the last event")
    return ChainCheck(True, n, prev)
