"""The domain objects: councils, roles and the round state machine."""

from __future__ import annotations

import pytest

from councilplan.democracy import (
    Council,
    CouncilKind,
    ProposalError,
    Role,
    RoundPhase,
    RoundState,
    RoundTransitionError,
)


def test_workplace_council_needs_processes() -> None:
    with pytest.raises(ProposalError, match="processes") as e:
        Council("w", "Works", CouncilKind.WORKPLACE)
    assert e.value.issues[0].field == "processes"


def test_consumer_council_needs_population_and_no_processes() -> None:
    with pytest.raises(ProposalError) as e:
        Council("c", "Street", "consumer", processes=("p",), population=0)
    assert {i.field for i in e.value.issues} == {"processes", "population"}
    assert Council("c", "Street", "consumer", population=12).kind is CouncilKind.CONSUMER


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.at_least(Role.COORDINATOR)
    assert Role.DELEGATE.at_least(Role.MEMBER)
    assert not Role.MEMBER.at_least(Role.DELEGATE)


def test_round_cycle_and_cap() -> None:
    s = RoundState("r", max_iterations=2)
    phases = []
    for _ in range(4):
        s = s.advance()
        phases.append((s.phase, s.iteration))
    assert phases == [(RoundPhase.CLOSED, 0), (RoundPhase.PLANNED, 0), (RoundPhase.PUBLISHED, 0), (RoundPhase.OPEN, 1)]
    s = s.advance().advance().advance()
    with pytest.raises(RoundTransitionError, match="cap of 2"):
        s.advance()
    done = s.finish("cap")
    with pytest.raises(RoundTransitionError, match="finished"):
        done.advance()


def test_round_refuses_skipping_phases() -> None:
    with pytest.raises(RoundTransitionError, match="only move to closed"):
        RoundState("r").advance(RoundPhase.PUBLISHED)
    with pytest.raises(RoundTransitionError, match="once published"):
        RoundState("r").finish("converged")
    assert RoundState("r").accepts_proposals
    assert not RoundState("r").advance().accepts_proposals
