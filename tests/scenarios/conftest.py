"""Small dynamic economies whose optima can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from councilplan.model.economy import Economy
from councilplan.scenarios.dynamic import DynamicEconomy


def corn(a: float = 0.0, labour: float = 1.0, available: float = np.inf) -> Economy:
    """One good 'c' made by one process 'c' from ``a`` units of itself and ``labour`` hours."""
    return Economy.leontief([[a]], [labour], ids=["c"], final_demand=[1.0],
                            meta={"name": "corn", "description": "test", "source": "test"}).replace(
        labour_available=pd.Series([available], index=pd.Index(["labour"], name="kind")))


@pytest.fixture
def machine_economy() -> DynamicEconomy:
    """Corn needs 1 unit of corn capital per unit: K0 = 4, δ = 0.5, gestation 1, two periods."""
    cap = pd.DataFrame({"process": ["c"], "good": ["c"], "per_unit": [1.0], "initial": [4.0], "depreciation": [0.5]})
    return DynamicEconomy.from_static(corn(), 2, capital=cap)


@pytest.fixture
def make_corn():
    """The :func:`corn` factory."""
    return corn
