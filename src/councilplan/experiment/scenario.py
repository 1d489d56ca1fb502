"""A scenario's economy as a static world for the experiment (``--scenario war1941``).

The experiment needs one static economy: the scenario's technology (its economy
directory) with its war basket (``targets.csv``) and its labour force from
``schedule.csv`` (rows ``kind = labour`` for period ``*`` or ``1``) as the limit of
the reference plan. The scenario's shocks (occupation, evacuation, mobilisation)
are **not** applied: both arms face the same pre-shock economy, and the
experiment's own capacity shocks stand in for wartime disruption.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from councilplan.model.economy import Economy
from councilplan.model.formats import read_economy
from councilplan.scenarios.runner import find_scenario
from councilplan.scenarios.shocks import read_scenario


def scenario_economy(name: str) -> Economy:
    """The static economy of scenario ``name`` (a built-in name or a scenario path), labour from its schedule."""
    toml = find_scenario(name)
    sc = read_scenario(toml)
    econ = read_economy(sc.base)
    sched = sc.base / "schedule.csv"
    if Path(sched).is_file():
        s = pd.read_csv(sched, dtype={"period": str})
        lab = s[(s["kind"] == "labour") & s["period"].isin(["*", "1"])]
        lab = lab.drop_duplicates("id", keep="last").set_index("id")["value"].astype(float)
        avail = econ.labour_available.copy()
        known = lab.index.intersection(avail.index)
        avail.loc[known] = lab.loc[known].to_numpy()
        econ = econ.replace(labour_available=avail)
    return econ
