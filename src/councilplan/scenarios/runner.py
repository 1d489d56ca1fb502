"""Run a scenario: the central plan, the sensitivity over every assumption range, the published comparison.

Built-in scenarios live in ``councilplan/scenarios/builtin/NAME/scenario.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from councilplan.scenarios.history import Fit, compare, fit
from councilplan.scenarios.result import DynamicPlan, plan_dynamic
from councilplan.scenarios.shocks import Scenario, read_scenario
from councilplan.scenarios.sweep import joint_sweep, labels, scenario_actual
from councilplan.solvers import SolveOptions


def builtin_scenarios() -> list[str]:
    root = resources.files("councilplan.scenarios") / "builtin"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "scenario.toml").is_file())


def find_scenario(name_or_file: str | Path) -> Path:
    """A built-in scenario's TOML by name, or a scenario file / directory holding ``scenario.toml``."""
    p = Path(name_or_file)
    if p.is_file():
        return p
    if p.is_dir() and (p / "scenario.toml").is_file():
        return p / "scenario.toml"
    if str(name_or_file) in builtin_scenarios():
        return Path(str(resources.files("councilplan.scenarios") / "builtin" / str(name_or_file) / "scenario.toml"))
    raise FileNotFoundError(2, f"no scenario named '{name_or_file}' (built-in: {', '.join(builtin_scenarios())}) "
                               "and no such scenario file", str(name_or_file))


@dataclass
class ScenarioRun:
    scenario: Scenario
    plan: DynamicPlan
    comparison: pd.DataFrame   # :data:`councilplan.scenarios.history.COLUMNS`: plan, actual, ratio, role, ...
    sensitivity: pd.DataFrame  # assumption, value, setting, objective, + one column per compared figure
    #: one row per point of a joint sweep (:func:`councilplan.scenarios.sweep.joint_sweep`), else empty
    joint: pd.DataFrame = field(default_factory=pd.DataFrame)
    joint_method: str = ""

    @property
    def fit(self) -> Fit:
        """How close the free results come to history (inputs left out)."""
        return fit(self.comparison)

    def headline(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {"objective": self.plan.objective}
        for r in self.comparison.itertuples():
            out[f"{r.good}_{r.first}-{r.last}"] = float(r.plan)
        return out


def run_scenario(name_or_file: str | Path, solver: str = "highs", *, sensitivity: bool = True,
                 options: SolveOptions | None = None, joint: int = 0, method: str = "sobol", seed: int = 0,
                 map_fn: Callable[..., Iterable[dict[str, Any]]] | None = None,
                 on_done: Callable[[int], None] | None = None) -> ScenarioRun:
    """The central plan and its comparison with history; the one-at-a-time sensitivity (each
    assumption at its low and high end, the others central); and, with ``joint = n``, a joint
    sweep of ``n`` points over every range at once (:mod:`councilplan.scenarios.sweep`)."""
    sc = read_scenario(find_scenario(name_or_file))
    actual = scenario_actual(sc)
    de = sc.economy()
    plan = plan_dynamic(de, sc.objective, solver, options)
    comparison = compare(plan, de, actual)
    rows = []
    if sensitivity:
        for a in sc.assumptions:
            for setting, value in (("low", a.low), ("high", a.high)):
                de_a = sc.economy(**{a.name: value})
                p = plan_dynamic(de_a, sc.objective, solver, options)
                row = {"assumption": a.name, "setting": setting, "value": value, "status": str(p.status),
                       "objective": p.objective}
                comp = compare(p, de_a, actual)
                for name, c in zip(labels(comp), comp.itertuples(), strict=True):
                    row[name] = c.plan
                rows.append(row)
    sweep = joint_sweep(sc, joint, method, seed, solver, map_fn=map_fn, on_done=on_done) if joint else pd.DataFrame()
    return ScenarioRun(sc, plan, comparison, pd.DataFrame(rows), sweep, method if joint else "")
