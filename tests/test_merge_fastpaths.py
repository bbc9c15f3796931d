"""The merge's shortcut constructors and caches build exactly what the plain ones would."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

import pytest

from qidesk.store.models.sync import vector_rev
from qidesk.sync import merge
from qidesk.sync.versions import CellRef
from qidesk.sync.winner import KnownVersion


def test_version_shortcut_equals_the_dataclass() -> None:
    spec = merge.record_spec("Coach")
    canon = {c.key: None for c in spec.columns}
    when = datetime(2026, 11, 26, 9, 30)
    fast = merge._version(spec, "u1", "b:2;a:1", when, "a", None, canon, "incoming", "src")
    plain = KnownVersion(
        record_type="Coach",
        uuid="u1",
        vv="a:1;b:2",
        updated_at=when,
        updated_by="a",
        deleted_at=None,
        canon=canon,
        origin="incoming",
        source="src",
    )
    assert {f.name: getattr(fast, f.name) for f in fields(KnownVersion)} == {
        f.name: getattr(plain, f.name) for f in fields(KnownVersion)
    }
    assert fast.vector == plain.vector and fast.digest == plain.digest
    fast.extra["x"] = 1
    other = merge._version(spec, "u2", "a:1", when, "a", None, canon, "incoming")
    assert other.extra == {}  # not shared


def test_record_action_shortcut_equals_the_dataclass() -> None:
    spec = merge.record_spec("Coach")
    version = merge._version(spec, "u", "a:1", datetime(2026, 1, 1), "a", None, {}, "incoming")
    values = (
        "Coach",
        "u",
        "created",
        version,
        (),
        (version,),
        (),
        (CellRef("f", "s", 2),),
        True,
        False,
    )
    assert merge._quick_record_action(*values) == merge.RecordAction(*values)
    with pytest.raises(ValueError):
        merge._quick_record_action(*values[:-1])


@pytest.mark.parametrize(
    "kind_values",
    [
        ("Coach", {"name": "", "email": None, "active": None, "iip_accredited_on": ""}),
        ("Coach", {"name": None, "email": "", "active": 1, "iip_accredited_on": date(2026, 2, 1)}),
        ("Member", {"name": "Ann", "role": None, "active": "yes"}),
        ("ProgressScore", {"score": 3, "month": datetime(2026, 3, 1, 10, 0)}),
        ("AssessmentResponse", {"score": None, "comment": None}),
        ("AssessmentResponse", {"score": 4.0, "comment": ""}),
    ],
)
def test_canonical_values_shortcuts_agree_with_canon(kind_values: tuple[str, dict]) -> None:
    record_type, given = kind_values
    spec = merge.record_spec(record_type)
    values = {c.key: given.get(c.key, "x" if c.kind == "str" else None) for c in spec.columns}
    slow = {c.key: merge._canon(c, values[c.key]) for c in spec.columns}
    assert merge.canonical_values(spec, values) == slow
    # Canonical values are a fixed point.
    assert merge.canonical_values(spec, slow) == slow


def test_cached_rev_and_time_match_the_plain_functions() -> None:
    for vv in ("a:1", "a:3;b:2", "x:10;y:1;z:7"):
        assert merge._rev_of(vv) == vector_rev(vv)
    when = datetime(2026, 11, 26, 9, 30, 0, 123)
    assert merge._stored_time(when) == merge._sqlite_datetime(when) == "2026-11-26 09:30:00.000123"
