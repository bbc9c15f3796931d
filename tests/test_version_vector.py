"""Version vectors: parsing, ordering and merging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qidesk.core.version_vector import VersionVector

vectors = st.dictionaries(st.sampled_from("abcd"), st.integers(1, 5)).map(VersionVector)


def test_parse_and_format_round_trip() -> None:
    v = VersionVector.parse("b:2;a:1")
    assert str(v) == "a:1;b:2"
    assert VersionVector.parse("") == VersionVector({})


@pytest.mark.parametrize("bad", ["a", "a:", ":1", "a:x", "a:0", "a:1;a:2", "a:-1"])
def test_bad_text_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        VersionVector.parse(bad)


def test_descends_and_concurrent() -> None:
    a1 = VersionVector.parse("a:1")
    a2 = a1.incremented("a")
    b = a1.incremented("b")
    assert a2.descends_from(a1) and not a1.descends_from(a2)
    assert a2.concurrent_with(b)
    assert not a1.descends_from(a1)


@given(vectors, vectors)
def test_merged_descends_from_or_equals_both(x: VersionVector, y: VersionVector) -> None:
    m = VersionVector.merged([x, y])
    assert m.dominates_or_equals(x) and m.dominates_or_equals(y)
    assert VersionVector.merged([y, x]) == m
    assert VersionVector.parse(str(m)) == m
