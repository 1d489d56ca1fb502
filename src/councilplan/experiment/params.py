"""The experiment's parameters, declared as data: name, range, default, unit of meaning, source.

Every parameter of the governance model is one row of :data:`PARAMETERS`. A
sweep draws each run's parameters uniformly from ``[low, high]`` (integers are
rounded); :class:`Params` holds one draw. ``source`` says where a range comes
from; ``"no published estimate; swept wide"`` means exactly that. The table is
rendered into the HTML report and into ``docs/experiment.md``.

>>> p = Params()
>>> p.ratchet, p.turnout
(0.5, 0.5)
>>> Params.names()[:3]
('ratchet', 'tautness', 'bonus_over')
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from councilplan.model.errors import InputError

NO_ESTIMATE = "no published estimate; swept wide"


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table."""

    name: str
    arm: str  # "command", "democratic" or "both"
    low: float
    high: float
    default: float
    meaning: str
    source: str
    integer: bool = False


PARAMETERS: tuple[Parameter, ...] = (
    # ----------------------------------------------------------------- command
    Parameter("ratchet", "command", 0.0, 1.0, 0.5,
              "ratchet coefficient λ: next capacity belief = belief + λ·(reported output − belief)",
              "Weitzman (1980) defines the ratchet; its magnitude in Soviet practice: " + NO_ESTIMATE),
    Parameter("tautness", "command", 1.0, 1.3, 1.1,
              "targets as a multiple of the centre's capacity belief (taut planning)",
              "Berliner (1957) and Granick (1954) describe taut plans; " + NO_ESTIMATE),
    Parameter("bonus_over", "command", 0.0, 1.0, 0.4,
              "bonus per unit of over-fulfilment, relative to the bonus per unit of target",
              "Berliner (1957) on the bonus system; " + NO_ESTIMATE),
    Parameter("horizon", "command", 0.2, 0.8, 0.5,
              "manager's discount factor δ; the ratchet's future cost weighs δ/(1−δ)",
              "Granick (1960) on short managerial tenure; " + NO_ESTIMATE),
    Parameter("audit_prob", "command", 0.0, 0.5, 0.1,
              "probability that an enterprise's report is audited in a period",
              NO_ESTIMATE),
    Parameter("penalty", "command", 0.0, 5.0, 2.0,
              "penalty per unit of padded report found by an audit, relative to the bonus",
              "Harrison (2011) on the criminalisation of false reports; " + NO_ESTIMATE),
    Parameter("collusion", "command", 0.0, 0.6, 0.2,
              "share of audits defeated by collusion between enterprise and inspector",
              "Berliner (1957) on 'family circles'; " + NO_ESTIMATE),
    Parameter("bailout", "command", 0.0, 0.8, 0.3,
              "probability that a penalty is waived (soft budget constraint)",
              "Kornai (1986) defines the soft budget constraint; " + NO_ESTIMATE),
    Parameter("coercion", "command", 0.0, 1.0, 0.5,
              "strength of coercion γ (0 none, 1 wartime labour discipline)",
              NO_ESTIMATE),
    Parameter("coercion_effort", "command", 0.0, 0.5, 0.2,
              "share of the effort gap (1 − e₀) that full coercion closes in the short run",
              NO_ESTIMATE),
    Parameter("coercion_quality", "command", 0.0, 0.3, 0.1,
              "quality lost per unit of coercion",
              NO_ESTIMATE),
    Parameter("coercion_initiative", "command", 0.0, 1.0, 0.5,
              "share of capacity growth (initiative) lost per unit of coercion",
              NO_ESTIMATE),
    Parameter("levels", "command", 1, 4, 2,
              "hierarchy levels a report passes (each adds noise)",
              "Harrison (2008) on the ministry–glavk–enterprise chain; " + NO_ESTIMATE, integer=True),
    Parameter("level_noise", "command", 0.0, 0.1, 0.03,
              "relative noise each hierarchy level adds to a report (s.d.)",
              NO_ESTIMATE),
    Parameter("report_delay", "command", 0, 2, 1,
              "periods before a report reaches the centre",
              NO_ESTIMATE, integer=True),
    Parameter("centre_mix_noise", "command", 0.0, 0.5, 0.2,
              "s.d. of the log error of the centre's view of needs (goods mix)",
              NO_ESTIMATE),
    # -------------------------------------------------------------- democratic
    Parameter("turnout", "democratic", 0.05, 0.95, 0.5,
              "probability that a consumer council takes part in a round",
              NO_ESTIMATE),
    Parameter("strategic_share", "democratic", 0.0, 0.5, 0.1,
              "share of councils that vote strategically (exaggerate and hold out)",
              NO_ESTIMATE),
    Parameter("exaggeration", "democratic", 0.0, 1.0, 0.3,
              "factor by which strategic councils inflate their favoured goods",
              NO_ESTIMATE),
    Parameter("meeting_hours", "democratic", 0.0, 0.02, 0.005,
              "share of a period's working time one round of meetings takes",
              NO_ESTIMATE),
    Parameter("round_cap", "democratic", 2, 8, 5,
              "rounds allowed before the last plan is adopted unconverged",
              NO_ESTIMATE, integer=True),
    Parameter("adjust", "democratic", 0.2, 1.0, 0.6,
              "elasticity η with which councils scale their asks to the plan's scale s (ask·s^η)",
              NO_ESTIMATE),
    Parameter("optimism", "democratic", 0.0, 0.5, 0.2,
              "largest initial over-asking of a council (drawn uniformly up to it)",
              NO_ESTIMATE),
    Parameter("audit_freq", "democratic", 0.2, 1.0, 0.5,
              "share of enterprises whose capacity is audited each period",
              NO_ESTIMATE),
    Parameter("audit_noise", "democratic", 0.0, 0.15, 0.05,
              "relative error of an audited capacity (s.d.)",
              NO_ESTIMATE),
    Parameter("balance_check", "democratic", 0.3, 1.0, 0.7,
              "probability that a padded report is caught by the material-balance cross-check",
              NO_ESTIMATE),
    Parameter("pad_share_dem", "democratic", 0.0, 0.5, 0.2,
              "share of a shortfall a democratic enterprise pads when it expects no check",
              NO_ESTIMATE),
    Parameter("feedback", "democratic", 0.0, 0.3, 0.1,
              "quality gain per period from consumer feedback at full turnout (share of the gap to 1)",
              NO_ESTIMATE),
    Parameter("dem_effort_gain", "democratic", 0.0, 0.2, 0.0,
              "share of the effort gap closed by participation (default 0: no motivation effect assumed)",
              NO_ESTIMATE),
    # -------------------------------------------------------------------- both
    Parameter("effort0", "both", 0.7, 0.95, 0.85,
              "baseline effort e₀: share of physical capacity an enterprise can run",
              NO_ESTIMATE),
    Parameter("effort_cost", "both", 0.0, 1.0, 0.3,
              "largest per-unit effort cost of over-fulfilment, relative to the bonus",
              NO_ESTIMATE),
    Parameter("capacity_sd", "both", 0.02, 0.15, 0.05,
              "s.d. of the per-period log shock to each enterprise's capacity",
              NO_ESTIMATE),
    Parameter("growth", "both", 0.0, 0.05, 0.02,
              "capacity growth per period without coercion",
              "Allen (2003) on Soviet growth rates sets the order of magnitude; per-enterprise: "
              + NO_ESTIMATE),
    Parameter("quality0", "both", 0.6, 0.9, 0.75,
              "initial quality (1 = fully fit for use)",
              NO_ESTIMATE),
    Parameter("conceal0", "both", 0.0, 0.3, 0.1,
              "share of capacity unknown to the planner at the start",
              "Berliner (1957) on the 'safety factor'; " + NO_ESTIMATE),
    Parameter("need_spread", "both", 0.1, 1.0, 0.4,
              "s.d. of the log of councils' needs around the mean mix",
              NO_ESTIMATE),
)

_BY_NAME = {p.name: p for p in PARAMETERS}


@dataclass(frozen=True)
class Params:
    """One draw of every parameter (see :data:`PARAMETERS` for meaning and source)."""

    ratchet: float = 0.5
    tautness: float = 1.1
    bonus_over: float = 0.4
    horizon: float = 0.5
    audit_prob: float = 0.1
    penalty: float = 2.0
    collusion: float = 0.2
    bailout: float = 0.3
    coercion: float = 0.5
    coercion_effort: float = 0.2
    coercion_quality: float = 0.1
    coercion_initiative: float = 0.5
    levels: int = 2
    level_noise: float = 0.03
    report_delay: int = 1
    centre_mix_noise: float = 0.2
    turnout: float = 0.5
    strategic_share: float = 0.1
    exaggeration: float = 0.3
    meeting_hours: float = 0.005
    round_cap: int = 5
    adjust: float = 0.6
    optimism: float = 0.2
    audit_freq: float = 0.5
    audit_noise: float = 0.05
    balance_check: float = 0.7
    pad_share_dem: float = 0.2
    feedback: float = 0.1
    dem_effort_gain: float = 0.0
    effort0: float = 0.85
    effort_cost: float = 0.3
    capacity_sd: float = 0.05
    growth: float = 0.02
    quality0: float = 0.75
    conceal0: float = 0.1
    need_spread: float = 0.4

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_(self, **changes: Any) -> Params:
        """A copy with some parameters changed (names checked)."""
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise InputError(f"unknown experiment parameter(s) {unknown}; known: {', '.join(self.names())}")
        return replace(self, **changes)

    def as_dict(self) -> dict[str, float]:
        return {n: float(getattr(self, n)) for n in self.names()}


def check_table() -> None:
    """Every :class:`Params` field has exactly one table row whose default matches (tested)."""
    names = Params.names()
    if tuple(p.name for p in PARAMETERS) != names:
        raise AssertionError("PARAMETERS and Params list different names or orders")
    d = Params()
    for p in PARAMETERS:
        if not p.low <= p.default <= p.high or getattr(d, p.name) != p.default:
            raise AssertionError(f"parameter {p.name}: default {p.default} outside [{p.low}, {p.high}] or ≠ Params()")


def draw_params(rng: np.random.Generator, fixed: dict[str, float] | None = None) -> Params:
    """Each parameter uniform on its range (integers rounded), except those in ``fixed``.

    The draw consumes the same number of variates whatever ``fixed`` holds, so fixing one
    parameter leaves the others' draws unchanged (common random numbers across sweeps).
    """
    fixed = dict(fixed or {})
    Params().with_(**fixed)  # name check
    u = rng.random(len(PARAMETERS))
    values: dict[str, Any] = {}
    for ui, p in zip(u, PARAMETERS, strict=True):
        v = fixed.get(p.name, p.low + ui * (p.high - p.low))
        values[p.name] = round(v) if p.integer else float(v)
    return Params(**values)


def parameter(name: str) -> Parameter:
    """The table row of ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InputError(f"unknown experiment parameter {name!r}; known: {', '.join(_BY_NAME)}") from None
