"""Deviation alerts: raised from a reported series' forecast (:mod:`.forecast`), sent to the
workplace council first, escalated to the economy's facilitation board when nobody acknowledged or
explained them in time, and turned into capacity updates for the next planning round.

States: ``open`` → ``acknowledged`` (seen, being looked into) → ``explained`` (with a reason and,
optionally, the process's new capacity). An alert is **escalated** while it is ``open`` past its
``escalate_at``. That is a fact of time, not a stored state, so no clock job is needed and an
escalation is never missed.

**Capacity updates** (:func:`capacity_updates`): for each process, its latest output alert counts.
If it was explained with a capacity, that capacity is used. Otherwise, if the alert is a fall in
output, the level the forecast now expects, in units of activity, becomes the capacity: the plan
counts on no more than the process has been making.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: How long an open alert waits for its council before it escalates to the board.
ESCALATE_AFTER = dt.timedelta(hours=48)
METRICS = ("output", "hours")


class AlertState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    EXPLAINED = "explained"


def escalated(state: str, escalate_at: dt.datetime, now: dt.datetime) -> bool:
    """Open past its deadline: the board sees it too."""
    if escalate_at.tzinfo is None:
        escalate_at = escalate_at.replace(tzinfo=dt.UTC)
    return state == AlertState.OPEN and now >= escalate_at


@dataclass(frozen=True)
class AlertFacts:
    """What :func:`capacity_updates` needs of one alert."""

    process: str
    metric: str
    period: int
    direction: str
    state: str
    level: float          #: the series' level now, in the series' units
    capacity: float | None  #: the capacity given with an explanation, in units of activity


def capacity_updates(alerts: Iterable[AlertFacts], per_activity: Mapping[str, float]) -> dict[str, float]:
    """Per process, the capacity the next round plans with (module docstring); ``per_activity`` is
    each process's output of its main product per unit of activity."""
    latest: dict[str, AlertFacts] = {}
    for a in alerts:
        if a.metric == "output" and (a.process not in latest or a.period >= latest[a.process].period):
            latest[a.process] = a
    out: dict[str, float] = {}
    for process, a in latest.items():
        if a.state == AlertState.EXPLAINED and a.capacity is not None:
            out[process] = a.capacity
        elif a.state != AlertState.EXPLAINED and a.direction == "down" and per_activity.get(process, 0.0) > 0:
            out[process] = max(a.level, 0.0) / per_activity[process]
    return out
