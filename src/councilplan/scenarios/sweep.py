"""Joint sweeps over every assumption range of a scenario (Sobol or Latin hypercube).

The one-at-a-time sensitivity moves one assumption to an end of its range with the others at
their central values; a joint sweep moves them all at once. Point :math:`k` of an ``n``-point
design sets assumption :math:`a` to ``low_a + u_{k,a} (high_a - low_a)``, with :math:`u` a
scrambled Sobol sequence (``method="sobol"``) or a Latin hypercube (``"lhs"``) in
:math:`[0, 1)^d` drawn from ``seed`` (``scipy.stats.qmc``), so the design is reproducible.
Assumptions marked ``integer = true`` (lags) are rounded to the nearest integer.

:func:`sweep_point` plans one point and is a plain function of picklable arguments, so a sweep
runs with the builtin ``map`` here or with a Dask client's ``map`` on a cluster (``councilplan
scenario run --joint N --workers K`` or ``--scheduler ADDRESS``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from councilplan.planning.problem import PlanningInputError
from councilplan.scenarios.dynamic import DynamicEconomy
from councilplan.scenarios.history import compare, fit, read_actual
from councilplan.scenarios.result import DynamicPlan, plan_dynamic
from councilplan.scenarios.shocks import Assumption, Scenario, read_scenario

METHODS = ("sobol", "lhs")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def joint_design(assumptions: tuple[Assumption, ...], n: int, method: str = "sobol", seed: int = 0) -> pd.DataFrame:
    """An ``n × d`` table of assumption values, one column per assumption (see the module docstring)."""
    from scipy.stats import qmc

    if n < 1:
        raise PlanningInputError(f"a joint sweep needs at least 1 point, not {n}")
    if method not in METHODS:
        raise PlanningInputError(f"joint sweep method is one of {', '.join(METHODS)}, not '{method}'")
    moving = [a for a in assumptions if a.high > a.low]
    if not moving:
        return pd.DataFrame({a.name: [a.central] * n for a in assumptions})
    sampler = (qmc.Sobol(len(moving), scramble=True, seed=seed) if method == "sobol"
               else qmc.LatinHypercube(len(moving), seed=seed))
    with warnings.catch_warnings():  # Sobol's balance wants n = 2^m; any n is still a valid design
        warnings.simplefilter("ignore", UserWarning)
        u = sampler.random(n)
    out = {}
    for a in assumptions:
        out[a.name] = np.full(n, a.central)
    for j, a in enumerate(moving):
        v = a.low + u[:, j] * (a.high - a.low)
        out[a.name] = np.clip(np.rint(v), a.low, a.high) if a.integer else v
    return pd.DataFrame(out)


def sweep_point(path: str, values: dict[str, float], solver: str = "highs") -> dict[str, Any]:
    """Plan the scenario at ``path`` with ``values`` and return one row: the values, status,
    objective, the fit's summary figures and, per published figure, ``plan`` and ``ratio``."""
    sc = read_scenario(path)
    de = sc.economy(**values)
    plan = plan_dynamic(de, sc.objective, solver)
    row: dict[str, Any] = dict(values) | {"status": str(plan.status), "objective": plan.objective,
                                          "labour_binds": labour_binds(plan, de) if plan.optimal else float("nan")}
    actual = scenario_actual(sc)
    if len(actual):
        comp = compare(plan, de, actual)
        f = fit(comp)
        row |= {"fit:median_factor": f.median_factor, "fit:within_2": f.within_2,
                "fit:geometric_mean_ratio": f.geometric_mean_ratio}
        for name, r in zip(labels(comp), comp.itertuples(), strict=True):
            row[f"ratio:{name}"] = r.ratio
    return row


def labour_binds(plan: DynamicPlan, de: DynamicEconomy) -> float:
    """The share of periods in which some labour kind is used to within 0.1 % of what is available."""
    avail = de.labour.reindex(plan.labour_used.index).to_numpy(dtype=float)
    used = plan.labour_used.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        tight = np.isfinite(avail) & (used >= 0.999 * avail)
    return float(tight.any(axis=0).mean()) if tight.size else 0.0


def labels(comparison: pd.DataFrame) -> list[str]:
    """``good first-last`` for each row of :func:`~councilplan.scenarios.history.compare` (with
    ``(variant)`` where two rows would share a name): the comparison's name in sweep tables."""
    base = [f"{r.good} {r.first}-{r.last}" for r in comparison.itertuples()]
    counts = pd.Series(base).value_counts()
    return [b if counts[b] == 1 or not r.variant else f"{b} ({r.variant})"
            for b, r in zip(base, comparison.itertuples(), strict=True)]


def scenario_actual(sc: Scenario) -> pd.DataFrame:
    """The scenario's published figures: ``[[actual]]`` rows and ``actual.csv`` beside its economy."""
    return read_actual(sc.actual, sc.base / "actual.csv")


def joint_sweep(scenario: Scenario, n: int, method: str = "sobol", seed: int = 0, solver: str = "highs", *,
                map_fn: Callable[..., Iterable[dict[str, Any]]] | None = None,
                on_done: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Plan every point of :func:`joint_design`; one row per point, in design order.

    ``map_fn(sweep_point, paths, values, solvers)`` runs the points (default: the builtin
    ``map``, one after another; pass a Dask client's ``map`` and gather for a cluster).
    """
    if scenario.path is None:
        raise PlanningInputError("a joint sweep needs a scenario read from a file")
    design = joint_design(scenario.assumptions, n, method, seed)
    points = design.to_dict(orient="records")
    path = str(Path(scenario.path))
    results = (map_fn or map)(sweep_point, [path] * n, points, [solver] * n)
    rows = []
    for k, row in enumerate(results, start=1):
        rows.append(row)
        if on_done is not None:
            on_done(k)
    out = pd.DataFrame(rows)
    out.insert(0, "point", range(len(out)))
    return out


def sweep_ranges(joint: pd.DataFrame) -> pd.DataFrame:
    """The distribution of every result column of a joint sweep over its optimal points: quantiles,
    min and max of the objective, of ``labour_binds`` (the share of periods where labour is used up),
    of the fit and of every plan/actual."""
    ok = joint[joint["status"] == "optimal"] if "status" in joint else joint
    cols = [c for c in ("objective", "labour_binds") if c in joint]
    cols += [c for c in joint.columns if c.startswith(("ratio:", "fit:"))]
    rows = []
    for c in cols:
        v = pd.to_numeric(ok[c], errors="coerce").dropna()
        q = v.quantile(list(QUANTILES)).to_numpy() if len(v) else np.full(len(QUANTILES), np.nan)
        rows.append({"result": c.removeprefix("ratio:"), "points": len(v),
                     **{f"p{int(p * 100)}": x for p, x in zip(QUANTILES, q, strict=True)},
                     "min": v.min() if len(v) else np.nan, "max": v.max() if len(v) else np.nan})
    return pd.DataFrame(rows)
