"""Proposal validation, as strict as the economy files: every problem at once, each naming field and fix.

>>> import councilplan as cp
>>> from councilplan.democracy import Council, Proposal
>>> from councilplan.democracy.validate import proposal_issues
>>> econ = cp.example("kantorovich")
>>> street = Council("street", "Street", "consumer", population=100)
>>> [str(i) for i in proposal_issues(Proposal("p", "street", "consumer", goods={"part_c": 1}), street, econ)]
["proposal 'p', field 'goods['part_c']': unknown good 'part_c'. Fix: use a good id from goods.csv, e.g. part_b"]
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from councilplan.democracy.domain import (
    POINTS_BUDGET,
    TECHNIQUE_TABLES,
    Council,
    CouncilKind,
    Proposal,
    ProposalError,
    ProposalIssue,
    ProposalKind,
)
from councilplan.model.economy import Economy
from councilplan.model.validate import MAX_MAGNITUDE


def _suggest(name: str, ids: pd.Index, what: str) -> str:
    options = [str(i) for i in ids]
    close = difflib.get_close_matches(str(name), options, n=1)
    eg = close[0] if close else (options[0] if options else None)
    return f"use a {what}" + (f", e.g. {eg}" if eg is not None else "")


def _number_issues(pid: str, field: str, values: Mapping[str, float], ids: pd.Index, what: str,
                   unit: str) -> list[ProposalIssue]:
    out: list[ProposalIssue] = []
    known = set(map(str, ids))
    for key, value in values.items():
        f = f"{field}['{key}']"
        if str(key) not in known:
            out.append(ProposalIssue(f, f"unknown {what.split(' id')[0].split(' from')[0]} '{key}'",
                                     _suggest(str(key), ids, what), pid))
        try:
            v = float(value)
        except (TypeError, ValueError):
            out.append(ProposalIssue(f, f"{value!r} is not a number", f"give a number ≥ 0 ({unit})", pid))
            continue
        if np.isnan(v):
            out.append(ProposalIssue(f, "is NaN", f"give a number ≥ 0 ({unit}), or leave the entry out", pid))
        elif not np.isfinite(v):
            out.append(ProposalIssue(f, f"is {v}", f"give a finite number ≥ 0 ({unit})", pid))
        elif v < 0:
            out.append(ProposalIssue(f, f"is negative ({v:g})", f"give a number ≥ 0 ({unit})", pid))
        elif v > MAX_MAGNITUDE:
            out.append(ProposalIssue(f, f"is too large ({v:g}, over {MAX_MAGNITUDE:g})",
                                     f"give a number ≤ {MAX_MAGNITUDE:g} ({unit})", pid))
    return out


def proposal_issues(proposal: Proposal, council: Council, economy: Economy, *,
                    points_budget: float = POINTS_BUDGET) -> list[ProposalIssue]:
    """Every problem with ``proposal`` made by ``council`` for ``economy`` (empty when valid)."""
    p, pid = proposal, proposal.id
    out: list[ProposalIssue] = []
    if not str(p.id).strip():
        out.append(ProposalIssue("id", "the proposal id is empty", "give the proposal a non-empty id", None))
    if p.council_id != council.id:
        out.append(ProposalIssue("council_id", f"the proposal names council '{p.council_id}' but is checked "
                                 f"against council '{council.id}'", "submit it as the council that makes it", pid))
    consumer_side = council.kind in (CouncilKind.CONSUMER, CouncilKind.REGIONAL)
    if p.kind is ProposalKind.CONSUMER and not consumer_side:
        out.append(ProposalIssue("kind", f"a {council.kind} council cannot make a consumer proposal",
                                 "make consumer proposals from a consumer or regional council", pid))
    if p.kind is ProposalKind.WORKPLACE and consumer_side:
        out.append(ProposalIssue("kind", f"a {council.kind} council cannot make a workplace proposal",
                                 "make workplace proposals from a workplace council", pid))

    if p.kind is ProposalKind.CONSUMER:
        for name in ("capacity", "hours"):
            if getattr(p, name):
                out.append(ProposalIssue(name, "a consumer proposal cannot offer " + name,
                                         "leave it empty; workplace councils offer capacity and hours", pid))
        if p.techniques:
            out.append(ProposalIssue("techniques", "a consumer proposal cannot change techniques",
                                     "leave it empty; workplace councils propose technique changes", pid))
        if not p.goods and not p.priorities:
            out.append(ProposalIssue("goods", "the proposal asks for nothing",
                                     "give quantities per head in 'goods' and/or points in 'priorities'", pid))
        out += _number_issues(pid, "goods", p.goods, economy.goods.index, "good id from goods.csv",
                              "quantity per head, in the good's unit")
        out += _number_issues(pid, "priorities", p.priorities, economy.goods.index, "good id from goods.csv",
                              "points")
        pts = [float(v) for v in p.priorities.values() if _is_number(v)]
        # plain floats: a sum past the largest float is inf (over the budget), not an overflow warning
        total = sum((v for v in pts if not math.isnan(v)), 0.0)
        if total > points_budget * (1 + 1e-12):
            out.append(ProposalIssue("priorities", f"the points add up to {total:g}, over the equal budget of "
                                     f"{points_budget:g} points per council",
                                     f"lower the points so that they add up to at most {points_budget:g}", pid))
        return out

    # workplace
    for name in ("goods", "priorities"):
        if getattr(p, name):
            out.append(ProposalIssue(name, f"a workplace proposal cannot ask for {name}",
                                     "leave it empty; consumer and regional councils ask for goods", pid))
    if not p.capacity and not p.hours and not p.techniques:
        out.append(ProposalIssue("capacity", "the proposal offers nothing",
                                 "offer capacity by process, hours by labour kind, or technique changes", pid))
    attached = set(council.processes)
    out += _number_issues(pid, "capacity", p.capacity, economy.processes.index,
                          "process id from processes.csv", "maximum level of the process")
    out += _not_attached(pid, "capacity", p.capacity.keys(), attached, economy, council)
    out += _number_issues(pid, "hours", p.hours, economy.labour_kinds, "labour kind from labour.csv", "hours")
    rows = {"inputs": economy.goods.index, "outputs": economy.goods.index,
            "labour": economy.labour_kinds, "resources": economy.resources}
    what = {"inputs": "good id from goods.csv", "outputs": "good id from goods.csv",
            "labour": "labour kind from labour.csv", "resources": "resource id from resources.csv"}
    for k, t in enumerate(p.techniques):
        f = f"techniques[{k}]"
        if t.table not in TECHNIQUE_TABLES:
            out.append(ProposalIssue(f + ".table", f"unknown table '{t.table}'",
                                     f"use one of {', '.join(TECHNIQUE_TABLES)}", pid))
        else:
            out += _number_issues(pid, f + f".{t.table}", {t.item: t.amount}, rows[t.table],
                                  what[t.table], "amount per unit level")
        if t.process not in set(map(str, economy.processes.index)):
            out.append(ProposalIssue(f + ".process", f"unknown process '{t.process}'",
                                     _suggest(t.process, economy.processes.index, "process id from processes.csv"), pid))
        else:
            out += _not_attached(pid, f + ".process", [t.process], attached, economy, council)
        if not str(t.justification).strip():
            out.append(ProposalIssue(f + ".justification", "a technique change needs a justification",
                                     "say why the new coefficient is right (measurement, new machine, ...)", pid))
    return out


def _is_number(v: object) -> bool:
    try:
        float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _not_attached(pid: str, field: str, processes: Iterable[str], attached: set[str], economy: Economy,
                  council: Council) -> list[ProposalIssue]:
    known = set(map(str, economy.processes.index))
    return [ProposalIssue(field if field.endswith(".process") else f"{field}['{j}']",
                          f"council '{council.id}' is not attached to process '{j}'",
                          f"propose only for its processes ({', '.join(sorted(attached))}), or ask an admin "
                          "to attach the council to that process", pid)
            for j in processes if j in known and j not in attached]


def check_proposal(proposal: Proposal, council: Council, economy: Economy, *,
                   points_budget: float = POINTS_BUDGET) -> Proposal:
    """Return ``proposal`` if it is valid; otherwise raise :class:`ProposalError` with every issue."""
    issues = proposal_issues(proposal, council, economy, points_budget=points_budget)
    if issues:
        raise ProposalError(issues, source=f"proposal '{proposal.id}'")
    return proposal


def council_economy_issues(council: Council, economy: Economy) -> list[ProposalIssue]:
    """Processes a workplace council is attached to that the economy does not have."""
    known = set(map(str, economy.processes.index))
    return [ProposalIssue("processes", f"unknown process '{j}'",
                          _suggest(j, economy.processes.index, "process id from processes.csv"))
            for j in council.processes if j not in known]
