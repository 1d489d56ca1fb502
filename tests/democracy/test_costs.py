"""Unit costs of goods: labour values kept with the economy they were computed for."""

from __future__ import annotations

import numpy as np

from councilplan.democracy.costs import remember_labour_values, unit_costs
from councilplan.model.synthetic import random_economy


def test_labour_values_are_computed_once_and_kept_with_the_economy() -> None:
    e = random_economy(60, seed=3)
    assert not e.is_square()  # alternative techniques: labour values need policy iteration or an LP
    assert "labour_values" not in e.derived
    first = unit_costs(e)
    assert "labour_values" in e.derived
    assert np.all(first["hours"].to_numpy() > 0)
    doubled = e.derived["labour_values"] * 2.0  # what is kept is what is used
    remember_labour_values(e, doubled)
    np.testing.assert_allclose(unit_costs(e)["hours"].to_numpy(), 2.0 * first["hours"].to_numpy())
    other = e.replace(meta={"name": "changed"})
    assert other.derived == {}  # a changed economy does not inherit them
    np.testing.assert_allclose(unit_costs(other)["hours"].to_numpy(), first["hours"].to_numpy())
