"""A scenario's plan against published actual output: every good, free results apart from inputs.

A published figure is one row ``good, first, last, value`` (periods ``first..last`` inclusive)
with its ``source`` (``good`` may join goods with ``+``: their sum); optional columns are ``variant`` (e.g. ``heavy and medium``), ``measure``
(``gross``, the default: what the good's processes produced, :math:`\\sum_{t} (Bx_t)_g`; or
``net``: net output :math:`\\sum_t y_{g,t}`), ``checked`` (how the figure was checked) and
``role``. Rows come from ``[[actual]]`` tables in ``scenario.toml`` and from ``actual.csv``
beside the economy.

A comparison is **free** when the plan chose the number, and an **input** when the scenario told
the plan to make it: when a floor on the good (a per-period floor, or a total over periods that
overlap the comparison's) binds, the plan makes what it is told and agreeing with history proves
nothing. Inputs are shown, labelled, and left out of the fit. A row may also say ``role =
"input"`` itself, e.g. when a coefficient was calibrated on that very figure.

The fit of the free results is the distribution of ``factor = max(r, 1/r)`` with
``r = plan / actual``: its median, the share within a factor of 2 and 3, the geometric mean
:math:`\\exp(\\overline{\\log r})` over the rows with ``r > 0`` (below 1: the plan makes too
little; rows where the plan makes none are counted apart) and the worst row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.dynamic import DynamicEconomy
from councilplan.scenarios.result import DynamicPlan

COLUMNS = ["good", "variant", "first", "last", "measure", "plan", "actual", "ratio", "factor", "role", "why",
           "source", "checked"]
#: relative slack under which a floor counts as binding
BINDS = 1e-6


def read_actual(rows: list[dict[str, object]] | pd.DataFrame, csv: Path | None = None) -> pd.DataFrame:
    """Published figures from ``[[actual]]`` rows and an optional ``actual.csv``, validated.

    Raises :class:`PlanningInputError` naming the file and row when a value is missing,
    not a positive number, or its periods are not ``1 ≤ first ≤ last``.
    """
    frames = [(pd.DataFrame(rows), "scenario.toml [[actual]]")]
    if csv is not None and csv.is_file():
        frames.append((pd.read_csv(csv, comment="#", skipinitialspace=True), str(csv)))
    out = []
    for frame, where in frames:
        if frame.empty:
            continue
        for col in ("good", "value"):
            if col not in frame:
                raise PlanningInputError(f"{where}: published figures need a column '{col}'")
        for i, r in enumerate(frame.to_dict(orient="records")):
            line = f"{where}, row {i + 1} ({r.get('good')})"
            try:
                value = float(r["value"])
                first = _period(r.get("first")) or 1
                last = _period(r.get("last"))
            except (TypeError, ValueError):
                raise PlanningInputError(f"{line}: value, first and last must be numbers") from None
            if not np.isfinite(value) or value <= 0:
                raise PlanningInputError(f"{line}: the published value must be a positive number, not {r['value']}")
            if first < 1 or (last is not None and last < first):
                raise PlanningInputError(f"{line}: periods must satisfy 1 ≤ first ≤ last, not {first}..{last}")
            if _text(r.get("role")) not in ("", "input"):
                raise PlanningInputError(f"{line}: role is 'input' or empty, not '{r.get('role')}'")
            measure = _text(r.get("measure")) or "gross"
            if measure not in ("gross", "net"):
                raise PlanningInputError(f"{line}: measure is 'gross' or 'net', not '{measure}'")
            out.append({"good": str(r["good"]), "variant": _text(r.get("variant")), "first": first,
                        "last": last, "value": value, "measure": measure, "source": _text(r.get("source")),
                        "checked": _text(r.get("checked")), "role": _text(r.get("role"))})
    return pd.DataFrame(out, columns=["good", "variant", "first", "last", "value", "measure", "source", "checked",
                                      "role"])


def _period(v: object) -> int | None:
    """A period number from a cell (``3``, ``3.0`` or ``"3"``); ``None`` when empty."""
    text = _text(v)
    if not text:
        return None
    f = float(text)
    if f != int(f):
        raise ValueError(text)
    return int(f)


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _binding_floor(plan: DynamicPlan, de: DynamicEconomy, good: str, span: list[int]) -> str:
    """Why the plan's output of ``good`` in ``span`` is an input: the floor that binds, else ``""``."""
    y = plan.net_output
    for r in de.totals.itertuples():
        if str(r.good) != good:
            continue
        cols = [t for t in y.columns if int(r.first) <= t <= int(r.last)]
        if not set(cols) & set(span):
            continue
        made = float(y.loc[good, cols].sum())
        if made <= float(r.amount) * (1 + BINDS) + 1e-9:
            return (f"input: the floor of {float(r.amount):,.0f} over periods {r.first}–{r.last} binds "
                    "(the plan makes what it is told)")
    if good in de.floor.index:
        for t in span:
            f = float(de.floor.loc[good, t])
            if f > 0 and float(y.loc[good, t]) <= f * (1 + BINDS) + 1e-9:
                return f"input: the floor of {f:,.4g} in period {t} binds (the plan makes what it is told)"
    return ""


def compare(plan: DynamicPlan, de: DynamicEconomy, actual: pd.DataFrame) -> pd.DataFrame:
    """One row per published figure: the plan's value over the same periods, ``ratio = plan /
    actual``, ``factor = max(ratio, 1/ratio)``, and ``role`` (``free`` or ``input``) with ``why``.

    A plan that is not optimal has no values (NaN); a good the economy does not have is an error
    that names it.
    """
    rows = []
    T = int(plan.meta.get("periods", len(plan.net_output.columns)))
    goods = set(plan.net_output.index)
    for r in actual.to_dict(orient="records"):
        good = str(r["good"])
        parts = [g.strip() for g in good.split("+")]  # "tanks+light_tanks": the sum of the goods
        for g in parts:
            if g not in goods:
                raise PlanningInputError(f"published figure for '{good}': the economy has no good '{g}' "
                                         f"(goods: {', '.join(sorted(goods))}; join goods with +)")
        first = int(r["first"])
        last = T if r["last"] is None or pd.isna(r["last"]) else int(r["last"])
        if last > T:
            raise PlanningInputError(f"published figure for '{good}' ({first}–{last}): the plan has {T} periods")
        span = list(range(first, last + 1))
        frame = plan.gross_output if r["measure"] == "gross" else plan.net_output
        value = float(frame.loc[parts, span].to_numpy().sum()) if plan.optimal else float("nan")
        why = "input: named so in the scenario" if r.get("role") == "input" else ""
        if plan.optimal and not why:
            why = next((w for w in (_binding_floor(plan, de, g, span) for g in parts) if w), "")
        ratio = value / float(r["value"])
        rows.append({"good": good, "variant": r["variant"], "first": first, "last": last, "measure": r["measure"],
                     "plan": value, "actual": float(r["value"]), "ratio": ratio,
                     "factor": max(ratio, 1 / ratio) if ratio > 0 else float("inf") if ratio == 0 else float("nan"),
                     "role": "input" if why else "free", "why": why or "free: the plan chose it",
                     "source": r["source"], "checked": r["checked"]})
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class Fit:
    """How close the free results come to history (see the module docstring)."""

    free: int
    inputs: int
    median_factor: float
    within_2: float
    within_3: float
    geometric_mean_ratio: float
    worst: str
    by_good: pd.DataFrame  # good, comparisons, worst factor, geometric mean ratio
    #: free comparisons where the plan makes none of the good (left out of the geometric mean)
    zeros: int = 0

    def text(self) -> str:
        if not self.free:
            return f"no free results to compare ({self.inputs} comparisons are inputs)"
        return (f"{self.free} free comparisons ({self.inputs} inputs left out): median factor "
                f"{self.median_factor:.2f}, {self.within_2:.0%} within a factor of 2, {self.within_3:.0%} within 3; "
                f"geometric mean plan/actual {self.geometric_mean_ratio:.2f}"
                + (f" (over the {self.free - self.zeros} the plan makes any of)" if self.zeros else "")
                + f"; worst: {self.worst}")

    def as_dict(self) -> dict[str, float | int | str]:
        return {"free": self.free, "inputs": self.inputs, "zeros": self.zeros, "median_factor": self.median_factor,
                "within_2": self.within_2, "within_3": self.within_3,
                "geometric_mean_ratio": self.geometric_mean_ratio, "worst": self.worst}


def fit(comparison: pd.DataFrame) -> Fit:
    """The fit of the free rows of :func:`compare` (inputs are counted, not scored)."""
    free = comparison[comparison["role"] == "free"]
    n_in = int((comparison["role"] == "input").sum())
    f = free["factor"].to_numpy(dtype=float)
    empty = pd.DataFrame(columns=["good", "comparisons", "worst_factor", "geometric_mean_ratio"])
    if not len(free) or not np.isfinite(f).any():
        return Fit(len(free), n_in, float("nan"), float("nan"), float("nan"), float("nan"), "", empty)
    r = free["ratio"].to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), np.nan)  # a plan of zero has no log: counted apart
    k = int(np.nanargmax(np.where(np.isnan(f), -np.inf, f)))
    w = free.iloc[k]
    worst = f"{w['good']} {w['variant']} {w['first']}–{w['last']}".replace("  ", " ") + f" (plan/actual {w['ratio']:.3g})"
    by = (free.assign(logr=logr).groupby("good", sort=False)
          .agg(comparisons=("factor", "size"), worst_factor=("factor", "max"), mean_log=("logr", "mean"))
          .reset_index())
    by["geometric_mean_ratio"] = np.exp(by.pop("mean_log"))
    return Fit(free=len(free), inputs=n_in, median_factor=float(np.nanmedian(f)),
               within_2=float(np.mean(f <= 2)), within_3=float(np.mean(f <= 3)),
               geometric_mean_ratio=float(np.exp(np.nanmean(logr))) if np.isfinite(logr).any() else float("nan"),
               worst=worst, by_good=by, zeros=int((r == 0).sum()))
