"""Aggregation rules, one file each; importing this package registers them."""

from councilplan.democracy.rules.base import (
    PROPERTIES,
    AggregationRule,
    available_rules,
    ballot_rules,
    get_rule,
    register_rule,
)

__all__ = ["PROPERTIES", "AggregationRule", "available_rules", "ballot_rules", "get_rule", "register_rule"]

from councilplan.democracy.rules import (  # noqa: F401  (registers)
    cumulative,
    equal_shares,
    participatory,
    population_sum,
)
