"""The append-only, hash-chained event log of each economy.

Every write appends one event in the same transaction as the change it records,
so an event exists exactly when its change was committed. Each event's hash is
``sha256(prev_hash ‖ canonical JSON of the event)``, the first ``prev_hash`` is 64
zeros, and the economy row holds the chain's head (``log_seq``, ``log_head``).
Appending locks the economy row (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), so the chain never forks.

Lock order, to stay free of deadlocks: take every other row lock first, the
economy row last (``append_event`` is the last statement of a write).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from councilplan.store.tables import EconomyRow, EventRow, utcnow

GENESIS = "0" * 64
_LOCK_ECONOMY = (select(EconomyRow).where(EconomyRow.id == bindparam("e")).with_for_update(key_share=True)
                 .execution_options(populate_existing=True))


def canonical(obj: Any) -> str:
    """Sorted-key, compact JSON: the bytes that are hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


def _body(e: EventRow) -> dict[str, Any]:
    return {"economy": e.economy_id, "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "entity": e.entity, "entity_id": e.entity_id, "payload": e.payload}


def append_event(
    session: Session,
    *,
    economy_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    actor: int | None,
    payload: dict[str, Any] | None = None,
) -> EventRow:
    """Append one event to the economy's chain (flushes; the caller commits)."""
    session.flush()  # the recorded change first: its row locks come before the economy's
    eco = session.execute(_LOCK_ECONOMY, {"e": economy_id}).scalar_one()
    ev = EventRow(economy_id=economy_id, seq=eco.log_seq + 1, at=utcnow().isoformat(), actor=actor,
                  action=action, entity=entity, entity_id=entity_id,
                  payload=json.loads(canonical(payload or {})), prev_hash=eco.log_head, hash="")
    ev.hash = event_hash(ev.prev_hash, _body(ev))
    eco.log_seq, eco.log_head = ev.seq, ev.hash
    session.add(ev)
    session.flush()
    return ev


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
