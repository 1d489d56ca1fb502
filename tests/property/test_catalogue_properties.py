"""The economy browser's search kernel agrees with a brute-force scan, for any ids, names and query."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilplan.model.catalogue import SEARCHED_BYTES, Index

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


def brute(ids: list[str], names: list[str], q: str) -> list[int]:
    needle = q.strip().lower()
    return [k for k, (i, n) in enumerate(zip(ids, names, strict=True))
            if needle in f"{i}\t{n}".lower()] if needle else list(range(len(ids)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(text, text), max_size=40, unique_by=lambda r: r[0]), text,
       st.integers(0, 45), st.integers(1, 20), st.sampled_from(["id", "name"]), st.booleans())
def test_search_is_a_page_of_the_brute_force_matches(rows: list[tuple[str, str]], q: str, offset: int, limit: int,
                                                     sort: str, desc: bool) -> None:
    ids, names = [r[0] for r in rows], [r[1] for r in rows]
    index = Index.of(ids, names)
    want = brute(ids, names, q)
    if sort == "name":
        want.sort(key=lambda k: (names[k].lower(), k))
    if desc:
        want.reverse()
    hits = index.search(q, offset=offset, limit=limit, sort=sort, desc=desc)
    assert hits.total == len(want)
    assert [int(k) for k in hits.rows] == want[offset: offset + limit]


def test_long_names_are_searched_up_to_the_cut() -> None:
    long = "x" * (SEARCHED_BYTES + 50) + "needle"
    index = Index.of(["a", "b"], [long, "short needle"])
    assert list(index.matches("needle")) == [1]
    assert list(index.matches("XXX")) == [0]


def test_unknown_sort_is_refused_with_the_choices() -> None:
    index = Index.of(["a"], ["b"])
    with pytest.raises(ValueError, match="id, name"):
        index.search("", sort="price")


def test_empty_index() -> None:
    index = Index.of([], [])
    hits = index.search("a")
    assert hits.total == 0 and len(hits.rows) == 0
    assert np.array_equal(index.matches(""), np.arange(0))
