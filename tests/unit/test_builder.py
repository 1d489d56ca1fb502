"""The one LP builder: row blocks from triplets and from placed sparse matrices make the same LP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from councilplan.planning.builder import BlockBuilder


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 6), w1=st.integers(1, 5), w2=st.integers(1, 5), seed=st.integers(0, 1000),
       mixed=st.booleans())
def test_placed_matrices_are_their_triplets(k: int, w1: int, w2: int, seed: int, mixed: bool) -> None:
    rng = np.random.default_rng(seed)
    M1 = sp.random(k, w1, density=0.5, random_state=rng, format="csr")
    M2 = sp.random(k, w2, density=0.5, random_state=rng, format="csr")
    labels = pd.Index([f"r{i}" for i in range(k)])
    built = []
    for as_matrix in (True, False):
        bb = BlockBuilder()
        a = bb.cols("a", pd.Index([f"a{j}" for j in range(w1)]), upper=1.0, cost=-1.0)
        b = bb.cols("b", pd.Index([f"b{j}" for j in range(w2)]))
        if mixed:  # a triplet block before, so the matrix block starts below it
            bb.rows("first", pd.Index(["f"]), np.array([0]), np.array([b]), np.array([2.0]), upper=3.0)
        if as_matrix:
            bb.matrix_rows("m", labels, [(a, M1), (b, M2)], lower=0.0)
        else:
            C1, C2 = M1.tocoo(), M2.tocoo()
            bb.rows("m", labels, np.r_[C1.row, C2.row], np.r_[C1.col + a, C2.col + b], np.r_[C1.data, C2.data],
                    lower=0.0)
        built.append(bb.build(sense="max", meta={"unit": 2.0}))
    lp, ref = built
    np.testing.assert_array_equal(lp.K.toarray(), ref.K.toarray())
    expected = sp.hstack([M1, M2]).toarray()
    np.testing.assert_array_equal(lp.K.toarray()[-k:], expected)
    for f in ("c", "row_lower", "row_upper", "col_lower", "col_upper"):
        np.testing.assert_array_equal(getattr(lp, f), getattr(ref, f))
    assert [(r.name, r.start, r.stop) for r in lp.row_blocks] == [(r.name, r.start, r.stop) for r in ref.row_blocks]
    assert lp.meta == {"unit": 2.0} and lp.sense == "max"
