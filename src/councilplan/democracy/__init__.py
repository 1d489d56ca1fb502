"""The democratic layer: councils propose, a rule aggregates, the engine plans, councils revise.

Pure domain code (no database, no HTTP): :mod:`.domain` holds the typed objects,
:mod:`.validate` checks proposals against an economy, :mod:`.rules` the
aggregation rules, :mod:`.rounds` the round state machine and iteration loop,
:mod:`.audit` the hash-chained event log. See ``docs/democracy.md``.
"""

from councilplan.democracy.domain import (
    POINTS_BUDGET,
    Council,
    CouncilKind,
    Goals,
    Member,
    Outcome,
    Proposal,
    ProposalError,
    ProposalIssue,
    ProposalKind,
    Role,
    RoundPhase,
    RoundState,
    RoundTransitionError,
    TechniqueChange,
    Vote,
)
from councilplan.democracy.rules.base import (
    PROPERTIES,
    AggregationRule,
    available_rules,
    get_rule,
    register_rule,
)

__all__ = [
    "POINTS_BUDGET",
    "PROPERTIES",
    "AggregationRule",
    "Council",
    "CouncilKind",
    "Goals",
    "Member",
    "Outcome",
    "Proposal",
    "ProposalError",
    "ProposalIssue",
    "ProposalKind",
    "Role",
    "RoundPhase",
    "RoundState",
    "RoundTransitionError",
    "TechniqueChange",
    "Vote",
    "available_rules",
    "get_rule",
    "register_rule",
]
