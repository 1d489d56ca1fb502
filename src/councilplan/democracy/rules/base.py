"""The aggregation-rule interface and the rule registry.

A rule turns one iteration's proposals (and votes) into :class:`Goals`:
targets, weights and floors ready for :meth:`Economy.with_targets`, plus the
workplaces' offers and a per-proposal :class:`Outcome`.

Every rule names the properties it has, drawn from :data:`PROPERTIES`; the
test suite checks each claimed property (``tests/democracy``).

>>> from councilplan.democracy.rules import get_rule
>>> get_rule("population-sum").name
'population-sum'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from councilplan.democracy.domain import Council, Goals, Proposal, Vote
from councilplan.model.errors import UnknownNameError

if TYPE_CHECKING:
    from councilplan.model.economy import Economy
    from councilplan.planning.plan import Plan

#: The vocabulary of properties a rule may claim. Each one is tested for every rule that claims it.
PROPERTIES: dict[str, str] = {
    "anonymity": "renaming or reordering councils (and their proposals) does not change the goals",
    "neutrality": "renaming goods permutes the targets in the same way",
    "monotonicity": "a council raising its demand for a good never lowers that good's target",
    "population-consistency": "splitting a council into two with the same proposal and the same total "
                              "population does not change the goals",
    "homogeneity": "scaling every demand by c > 0 scales every target by c",
    "additivity": "the targets for a union of councils are the sum of the targets for each part",
    "budget-feasibility": "the selected proposals' total cost fits the capacity vector in every dimension",
    "proportionality": "each group of councils controls a share of capacity proportional to its population "
                       "(extended justified representation up to one project, for approval utilities)",
    "priceability": "there is a price system under which every selected proposal is paid for by its "
                    "supporters from their equal shares and no unselected one could be afforded",
    "exhaustive-budget": "every council's points are spent in full",
    "points-monotonicity": "a funded proposal that gets more points, all else equal, stays funded",
    "convergence": "the iterative procedure stops within its cap, with a certified plan",
    "market-clearing": "at convergence the posted prices make supply meet demand for every good "
                       "within the tolerance",
}


class AggregationRule(ABC):
    """A pluggable rule: ``aggregate(proposals, councils, economy, plan) -> Goals``.

    Subclasses set ``name``, ``properties`` (keys of :data:`PROPERTIES`) and
    ``summary``, and implement :meth:`aggregate`. ``plan`` is the current
    iteration's plan (its labour values and shadow prices price the proposals),
    or ``None`` in the first iteration.
    """

    name: ClassVar[str]
    properties: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""
    #: whether :meth:`aggregate` counts councils' stored ballots (``votes``); the others ignore them
    takes_ballots: ClassVar[bool] = False

    @abstractmethod
    def aggregate(
        self,
        proposals: Sequence[Proposal],
        councils: Mapping[str, Council] | Iterable[Council],
        economy: Economy,
        plan: Plan | None = None,
        *,
        votes: Sequence[Vote] = (),
    ) -> Goals:
        """Turn proposals (and votes) into goals."""

    def describe(self) -> dict[str, Any]:
        """Name, summary and properties with their meaning (for the API and docs)."""
        return {"name": self.name, "summary": self.summary,
                "properties": {p: PROPERTIES[p] for p in self.properties}}


def council_map(councils: Mapping[str, Council] | Iterable[Council]) -> dict[str, Council]:
    """Councils by id, from a mapping or any iterable of councils."""
    if isinstance(councils, Mapping):
        return dict(councils)
    return {c.id: c for c in councils}


_RULES: dict[str, type[AggregationRule]] = {}


def register_rule(cls: type[AggregationRule]) -> type[AggregationRule]:
    """Register a rule class under ``cls.name`` (usable as a decorator)."""
    unknown = [p for p in cls.properties if p not in PROPERTIES]
    if unknown:
        raise ValueError(f"rule '{cls.name}' claims unknown properties {unknown}; add them to PROPERTIES")
    _RULES[cls.name] = cls
    return cls


def available_rules() -> list[str]:
    """Names of the registered rules."""
    from councilplan.democracy import rules as _  # noqa: F401  (registers the built-in rules)

    return sorted(_RULES)


def ballot_rules() -> list[str]:
    """Names of the registered rules that count stored ballots."""
    from councilplan.democracy import rules as _  # noqa: F401

    return sorted(n for n, cls in _RULES.items() if cls.takes_ballots)


def get_rule(name: str, **params: Any) -> AggregationRule:
    """An instance of the rule called ``name``, built with ``params``."""
    from councilplan.democracy import rules as _  # noqa: F401

    cls = _RULES.get(name)
    if cls is None:
        raise UnknownNameError(f"unknown aggregation rule '{name}'; choose one of: {', '.join(sorted(_RULES))}")
    return cls(**params)
