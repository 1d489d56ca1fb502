"""Checks of councils and proposals against a stored economy, as strict as the economy files' checks.

Every problem is collected and reported at once as a
:class:`~councilplan.democracy.ProposalError` (the API answers 422, one entry
per problem, each naming the field and the fix).
"""

from __future__ import annotations

from councilplan.api.schemas import ProposalCreate
from councilplan.democracy import POINTS_BUDGET, ProposalError, ProposalIssue
from councilplan.model.economy import Economy


def _unknown(ids: list[str], known: object, what: str, field: str, fix: str) -> list[ProposalIssue]:
    out = []
    for i in ids:
        if i not in known:  # type: ignore[operator]
            out.append(ProposalIssue(field, f"'{i}' is not a {what} of this economy", fix))
    return out


def check_processes(processes: list[str], economy: Economy) -> None:
    issues = _unknown(processes, economy.processes.index, "process", "processes",
                      "use process ids from GET /economies/{id}")
    if len(set(processes)) != len(processes):
        issues.append(ProposalIssue("processes", "a process is listed twice", "list each process once"))
    if issues:
        raise ProposalError(issues, source="council")


def check_proposal(body: ProposalCreate, kind: str, council_kind: str, council_processes: list[str],
                   economy: Economy) -> None:
    """Raise :class:`ProposalError` with every problem of ``body`` for a council of ``council_kind``."""
    issues: list[ProposalIssue] = []
    goods_fix = "use good ids from GET /economies/{id}"
    if kind == "consumer":
        if council_kind == "workplace":
            issues.append(ProposalIssue("kind", "a workplace council cannot make a consumer proposal",
                                        "send kind 'workplace' with capacity, hours or techniques"))
        for f in ("capacity", "hours", "techniques"):
            if getattr(body, f):
                issues.append(ProposalIssue(f, f"a consumer proposal has no {f}", f"remove '{f}'"))
        if not body.goods and not body.priorities:
            issues.append(ProposalIssue("goods", "the proposal asks for nothing",
                                        "give 'goods' (quantity per head) or 'priorities' (points)"))
        issues += _unknown(list(body.goods), economy.goods.index, "good", "goods", goods_fix)
        issues += _unknown(list(body.priorities), economy.goods.index, "good", "priorities", goods_fix)
        spent = sum(body.priorities.values())
        if spent > POINTS_BUDGET * (1 + 1e-12):
            issues.append(ProposalIssue("priorities", f"{spent:g} points spent, the budget is {POINTS_BUDGET:g}",
                                        f"spend at most {POINTS_BUDGET:g} points in total"))
    else:
        if council_kind != "workplace":
            issues.append(ProposalIssue("kind", f"a {council_kind} council cannot make a workplace proposal",
                                        "send kind 'consumer' with goods or priorities"))
        for f in ("goods", "priorities"):
            if getattr(body, f):
                issues.append(ProposalIssue(f, f"a workplace proposal has no {f}", f"remove '{f}'"))
        if not body.capacity and not body.hours and not body.techniques:
            issues.append(ProposalIssue("capacity", "the proposal offers nothing",
                                        "give 'capacity', 'hours' or 'techniques'"))
        own = set(council_processes)
        for p in body.capacity:
            if p not in own:
                issues.append(ProposalIssue("capacity", f"process '{p}' is not run by this council",
                                            f"offer capacity only for its processes: {', '.join(sorted(own))}"))
        issues += _unknown(list(body.hours), economy.labour_kinds, "labour kind", "hours",
                           "use labour kinds from GET /economies/{id}")
        rows = {"inputs": economy.goods.index, "outputs": economy.goods.index,
                "labour": economy.labour_kinds, "resources": economy.resources}
        for k, t in enumerate(body.techniques):
            if t.process not in own:
                issues.append(ProposalIssue(f"techniques[{k}].process", f"process '{t.process}' is not run by "
                                            "this council", "change only the techniques of your own processes"))
            if t.item not in rows[t.table]:
                issues.append(ProposalIssue(f"techniques[{k}].item", f"'{t.item}' is not a row of {t.table}",
                                            f"use an id of the economy's {t.table}"))
    if issues:
        raise ProposalError(issues)
