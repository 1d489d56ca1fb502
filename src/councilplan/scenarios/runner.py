"""Run a scenario: the central plan, the sensitivity over every assumption range, the published comparison.

Built-in scenarios live in ``councilplan/scenarios/builtin/NAME/scenario.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from councilplan.scenarios.result import DynamicPlan, plan_dynamic
from councilplan.scenarios.shocks import Scenario, read_scenario
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
    comparison: pd.DataFrame   # good, first, last, plan, actual, ratio, source
    sensitivity: pd.DataFrame  # assumption, value, setting, objective, + one column per compared good

    def headline(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {"objective": self.plan.objective}
        for r in self.comparison.itertuples():
            out[f"{r.good}_{r.first}-{r.last}"] = float(r.plan)
        return out


def _compare(plan: DynamicPlan, actual: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in actual.to_dict(orient="records"):
        cols = [t for t in plan.net_output.columns if int(r.get("first", 1)) <= t <= int(r.get("last", t))]
        value = float(plan.net_output.loc[r["good"], cols].sum()) if plan.optimal else float("nan")
        rows.append({"good": r["good"], "first": int(r.get("first", 1)), "last": int(r.get("last", cols[-1])),
                     "plan": value, "actual": float(r["value"]), "ratio": value / float(r["value"]),
                     "source": r.get("source", "")})
    return pd.DataFrame(rows, columns=["good", "first", "last", "plan", "actual", "ratio", "source"])


def run_scenario(name_or_file: str | Path, solver: str = "highs", *, sensitivity: bool = True,
                 options: SolveOptions | None = None) -> ScenarioRun:
    sc = read_scenario(find_scenario(name_or_file))
    plan = plan_dynamic(sc.economy(), sc.objective, solver, options)
    comparison = _compare(plan, sc.actual) if len(sc.actual) else _compare(plan, pd.DataFrame(columns=["good", "value"]))
    rows = []
    if sensitivity:
        for a in sc.assumptions:
            for setting, value in (("low", a.low), ("high", a.high)):
                p = plan_dynamic(sc.economy(**{a.name: value}), sc.objective, solver, options)
                row = {"assumption": a.name, "setting": setting, "value": value, "status": str(p.status),
                       "objective": p.objective}
                for c in _compare(p, sc.actual).itertuples() if len(sc.actual) else ():
                    row[f"{c.good} {c.first}-{c.last}"] = c.plan
                rows.append(row)
    return ScenarioRun(sc, plan, comparison, pd.DataFrame(rows))
