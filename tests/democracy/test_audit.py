"""The hash-chained audit log: every kind of tampering is found."""

from __future__ import annotations

import dataclasses

import pytest

from councilplan.democracy.audit import GENESIS, AuditError, AuditLog, Event, verify_chain


def log3() -> AuditLog:
    log = AuditLog()
    for i in range(3):
        log = log.append("proposal.submitted", {"id": f"p{i}", "goods": {"bread": i}}, actor="street",
                         timestamp=f"2024-01-0{i + 1}T00:00:00Z")
    return log


def test_chain_links_and_verifies() -> None:
    log = log3()
    assert log.verify() and len(log) == 3
    assert log.events[0].prev_hash == GENESIS
    assert log.events[2].prev_hash == log.events[1].hash
    assert log.head == log.events[2].hash
    # round trip through dicts (what storage keeps)
    verify_chain([Event.from_dict(e.as_dict()) for e in log])


def test_hash_is_deterministic_and_key_order_free() -> None:
    a = AuditLog().append("x", {"a": 1, "b": 2}, timestamp="t")
    b = AuditLog().append("x", {"b": 2, "a": 1}, timestamp="t")
    assert a.head == b.head


def test_changed_payload_is_found() -> None:
    ev = list(log3())
    ev[1] = dataclasses.replace(ev[1], payload={"id": "p1", "goods": {"bread": 99}})
    with pytest.raises(AuditError, match=r"event 1.*changed"):
        verify_chain(ev)


def test_removed_reordered_and_rehashed_events_are_found() -> None:
    ev = list(log3())
    with pytest.raises(AuditError, match="event 1"):
        verify_chain([ev[0], ev[2]])
    with pytest.raises(AuditError, match="event 0"):
        verify_chain([ev[1], ev[0], ev[2]])
    # a forger who recomputes event 1's own hash still breaks the link of event 2
    forged = dataclasses.replace(ev[1], actor="mallory")
    forged = dataclasses.replace(forged, hash=forged.expected_hash())
    with pytest.raises(AuditError, match=r"event 2.*link"):
        verify_chain([ev[0], forged, ev[2]])


def test_refuses_non_canonical_payloads() -> None:
    with pytest.raises(ValueError, match="nan"):
        AuditLog().append("x", {"v": float("nan")})
    with pytest.raises(ValueError, match="kind"):
        AuditLog().append("", {})
