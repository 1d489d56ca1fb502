"""An append-only, hash-chained event log as pure data.

Each :class:`Event` carries the hash of the event before it, and its own hash is
``SHA-256(prev_hash ‖ seq ‖ kind ‖ actor ‖ timestamp ‖ canonical JSON payload)``.
Changing, removing, reordering or inserting any event breaks every hash after
it, which :func:`verify` finds and names. Storage persists the events; nothing
here touches a database.

>>> log = AuditLog().append("proposal.submitted", {"id": "p1"}, actor="street", timestamp="2024-01-01T00:00:00Z")
>>> log.verify()
True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(payload: Any) -> str:
    """Key-sorted, compact JSON; NaN and infinities are refused (they have no canonical form)."""
    def check(o: Any) -> Any:
        if isinstance(o, float) and not math.isfinite(o):
            raise ValueError(f"audit payloads cannot hold {o!r}; store it as null or a string")
        if isinstance(o, Mapping):
            return {str(k): check(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [check(v) for v in o]
        return o
    return json.dumps(check(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, seq: int, kind: str, actor: str, timestamp: str, payload: Any) -> str:
    h = hashlib.sha256()
    for part in (prev_hash, str(seq), kind, actor, timestamp, canonical_json(payload)):
        h.update(part.encode())
        h.update(b"\x1f")
    return h.hexdigest()


@dataclass(frozen=True)
class Event:
    """One audit event; ``hash`` covers everything else, including ``prev_hash``."""

    seq: int
    kind: str
    actor: str
    timestamp: str
    payload: Any
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        return event_hash(self.prev_hash, self.seq, self.kind, self.actor, self.timestamp, self.payload)

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "actor": self.actor, "timestamp": self.timestamp,
                "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        return cls(int(d["seq"]), str(d["kind"]), str(d["actor"]), str(d["timestamp"]), d["payload"],
                   str(d["prev_hash"]), str(d["hash"]))


def make_event(prev: Event | None, kind: str, payload: Any, *, actor: str = "", timestamp: str | None = None) -> Event:
    """The event that follows ``prev`` (or the first event)."""
    if not kind:
        raise ValueError("an audit event needs a kind, e.g. 'proposal.submitted'")
    seq = 0 if prev is None else prev.seq + 1
    prev_hash = GENESIS if prev is None else prev.hash
    ts = timestamp or datetime.now(UTC).isoformat()
    canonical_json(payload)  # refuse what cannot be hashed canonically, before anything is stored
    return Event(seq, kind, actor, ts, payload, prev_hash, event_hash(prev_hash, seq, kind, actor, ts, payload))


class AuditError(ValueError):
    """The chain is broken; ``seq`` is the first bad event."""

    def __init__(self, seq: int, message: str) -> None:
        self.seq = seq
        super().__init__(f"audit log broken at event {seq}: {message}")


def verify_chain(events: Sequence[Event]) -> None:
    """Raise :class:`AuditError` at the first event whose sequence, link or hash is wrong."""
    prev_hash = GENESIS
    for i, e in enumerate(events):
        if e.seq != i:
            raise AuditError(i, f"sequence number {e.seq}, expected {i} (an event was removed or inserted)")
        if e.prev_hash != prev_hash:
            raise AuditError(i, "it does not link to the event before it (reordered, removed or inserted)")
        if e.expected_hash() != e.hash:
            raise AuditError(i, "its content does not match its hash (it was changed)")
        prev_hash = e.hash


@dataclass(frozen=True)
class AuditLog:
    """An immutable log: :meth:`append` returns a new log with one more event."""

    events: tuple[Event, ...] = ()

    def append(self, kind: str, payload: Any, *, actor: str = "", timestamp: str | None = None) -> AuditLog:
        ev = make_event(self.events[-1] if self.events else None, kind, payload, actor=actor, timestamp=timestamp)
        return AuditLog((*self.events, ev))

    @property
    def head(self) -> str:
        """The hash of the last event (the genesis hash when empty)."""
        return self.events[-1].hash if self.events else GENESIS

    def verify(self) -> bool:
        verify_chain(self.events)
        return True

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)
