"""The reader's and merger's fast paths give exactly what the general conversions give."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pytest

from qidesk.sync import merge
from qidesk.sync.cells import CellError, convert, row_hash
from qidesk.sync.record_types import REF, all_specs
from qidesk.sync.workbook_reader import (
    _Collector,
    _convert_row,
    _fast_version_fields,
    _read_hashes,
    _version_fields,
    is_uuid_text,
)
from test_sync_io_support import cell_samples

UUID = "176e6c55-f3f5-4ccb-9d56-4a8f00cf4905"
SAMPLES: list[Any] = cell_samples(UUID)


def _reference(col: Any, raw: Any) -> tuple[bool, Any]:
    try:
        value = convert(raw, col.kind, nullable=col.nullable, choices=col.choices)
    except CellError:
        return False, None
    if col.ref_type and value is not None and not is_uuid_text(value):
        return False, None
    return True, value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.record_type)
def test_convert_row_matches_convert_for_every_column_and_sample(spec: Any) -> None:
    index = {col.key: i for i, col in enumerate(spec.columns)}
    for raw in SAMPLES + [c for col in spec.columns for c in col.choices]:
        row = [raw] * len(spec.columns)
        out = _Collector("f.xlsx")
        got = _convert_row(spec, row, index, "S", 2, out)
        expected = {col.key: _reference(col, raw) for col in spec.columns}
        if all(ok for ok, _ in expected.values()):
            assert got is not None, (raw, out.problems)
            for key, (_, value) in expected.items():
                assert _same(got[key], value), (spec.record_type, key, raw, got[key], value)
        else:
            assert got is None
            bad = {key for key, (ok, _) in expected.items() if not ok}
            assert {p.column for p in out.problems} == bad, raw


def test_ref_fast_path_only_for_well_formed_lowercase_uuids() -> None:
    spec = next(s for s in all_specs() if any(c.kind == REF for c in s.columns))
    ref = next(c for c in spec.columns if c.kind == REF)
    index = {col.key: i for i, col in enumerate(spec.columns)}
    out = _Collector("f.xlsx")
    row: list[Any] = [None] * len(spec.columns)
    row[index[ref.key]] = UUID.upper()
    got = _convert_row(spec, row, index, "S", 2, out)
    problems_for_ref = [p for p in out.problems if p.column == ref.key]
    if got is not None:
        assert got[ref.key] == UUID  # lowered by the general path
    else:
        assert not problems_for_ref  # other (required) columns failed, not the reference


@pytest.mark.parametrize(
    "cells",
    [
        ["a:1", "2026-11-26 08:19:54.084579", "inst", ""],
        ["b:2;a:1", "2026-11-26 08:19:54", " inst ", None],
        ["a:1;a:2", "2026-11-26 08:19:54", "inst", ""],
        ["a:0", "2026-11-26 08:19:54", "inst", ""],
        ["", "2026-11-26 08:19:54", "inst", ""],
        ["a:1", "2026-11-26T08:19:54+02:00", "inst", ""],
        ["a:1", "yesterday", "inst", ""],
        ["a:1", "2026-11-26 08:19:54", "inst", "2026-11-27 10:00:00"],
        ["a:1", "2026-11-26 08:19:54", "inst", "  "],
        [" a:1 ", " 2026-11-26 08:19:54 ", 5.0, ""],
    ],
)
def test_fast_version_fields_agree_with_the_general_path(cells: list[Any]) -> None:
    index = {"vv": 0, "updated_at": 1, "updated_by": 2, "deleted_at": 3}
    out = _Collector("f.xlsx")
    expected = _version_fields(cells, index, "S", 2, out)
    vectors: dict[str, str | None] = {}
    for _ in range(2):  # second time from the vector cache
        fast = _fast_version_fields(cells, (0, 1, 2, 3), vectors)
        assert fast is None or fast == expected
    if expected is None:
        assert _fast_version_fields(cells, (0, 1, 2, 3), vectors) is None


def test_read_hashes_normalises_what_it_does_not_take_as_written() -> None:
    rows: list[list[Any]] = [
        ["sheet", "uuid", "hash"],
        ["Teams", UUID, "abc"],
        ["Teams", f" {UUID.upper()} ", " def "],
        ["Teams", "", "x"],
        ["Teams"],
    ]
    hashes = _read_hashes(rows)
    assert hashes == {("Teams", UUID): "def"}


def test_canonical_values_fast_path_matches_canon() -> None:
    for spec in merge.record_specs():
        samples: list[Any] = [None, "", "x", 0, 3, 2.5, True, False, date(2026, 1, 2)]
        samples.append(datetime(2026, 1, 2, 3, 4, 5))
        for raw in samples:
            values = {c.key: raw for c in spec.columns}
            try:
                expected = {c.key: merge._canon(c, raw) for c in spec.columns}
            except (TypeError, ValueError):
                continue
            got = merge.canonical_values(spec, values)
            for key, value in expected.items():
                assert _same(got[key], value), (spec.record_type, key, raw)


def test_row_hash_is_unchanged_by_the_rewrite() -> None:
    import hashlib

    values = {"b": 1, "a": "x\r\ny", "c": None, "d": 2.0, "e": date(2026, 1, 2), "f": True}
    parts = ["a='x\\ny'", "b=1", "c=None", "d=2", "e='2026-01-02'", "f=True"]
    parts.append("__deleted_at=None")
    expected = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    assert row_hash(values, None) == expected


def test_live_and_history_parameters_match_the_row_dicts() -> None:
    from qidesk.store.models.sync import vector_rev

    stamp = datetime(2026, 11, 26, 9, 30, 1, 250)
    samples: dict[str, Any] = {
        "str": "x",
        "int": 4,
        "float": 2.5,
        "bool": True,
        "date": "2026-11-26",
        "datetime": "2026-11-26 09:30:05",
        "other": None,
    }
    for spec in merge.record_specs():
        if not merge._plain_columns(spec.table):
            continue
        for deleted_at in (None, stamp):
            canon = {c.key: samples[c.kind] for c in spec.columns}
            canon[spec.columns[0].key] = None  # NULLs stay NULL
            version = merge._version(
                spec, UUID, "b:2;a:1", stamp, "inst", deleted_at, canon, "incoming"
            )
            names, params = merge._live_params(spec, [version])
            row = merge._live_row(spec, version)
            kinds = {c.name: merge._kind(c.type) for c in spec.table.columns}
            expected = []
            for name in names:
                value = row[name]
                convert = merge._SQLITE_CONVERTERS.get(kinds[name])
                expected.append(value if value is None or convert is None else convert(value))
            assert params == [tuple(expected)], spec.record_type
            stored = merge._stored_row(version, "imp")
            history = merge._history_params(version, "imp")
            for name, value in zip(merge._HISTORY_NAMES, history, strict=True):
                want = stored[name]
                if isinstance(want, datetime):
                    want = merge._sqlite_datetime(want)
                assert value == want, name
            assert history[2] == vector_rev("a:1;b:2") == 3


def _scan(xml: bytes) -> tuple[bool, list[str]]:
    import io
    import zipfile

    from qidesk.sync.workbook_reader import scan_sheet_xml

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    out = _Collector("f.xlsx")
    with zipfile.ZipFile(buffer) as archive:
        ok = scan_sheet_xml(archive, "xl/worksheets/sheet1.xml", "S", out, lambda _: None)
    return ok, [p.message for p in out.problems]


HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
ROWS = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (i, i) for i in range(1, 50))
TAIL = b"</sheetData></worksheet>"


@pytest.mark.parametrize("separator", [b" ", b"\n", b"\t"])
def test_scan_refuses_a_far_prefixed_cell_whatever_follows_its_tag_name(separator: bytes) -> None:
    far = b'<row r="900000"><x:c' + separator + b'r="A900000"><x:v>1</x:v></x:c></row>'
    ok, messages = _scan(HEAD + ROWS + far + TAIL)
    assert not ok
    assert any("900000" in m for m in messages)


@pytest.mark.parametrize("tag", [b"<f>", b"<f ", b"<x:f>", b"<x:f\n"])
def test_scan_finds_formulas_prefixed_or_not(tag: bytes) -> None:
    cell = b'<row r="60"><c r="B60">' + tag + (b"" if tag.endswith(b">") else b">")
    cell += b"SUM(A1:A2)</" + (b"x:" if b"x:" in tag else b"") + b"f><v>2</v></c></row>"
    ok, messages = _scan(HEAD + ROWS + cell + TAIL)
    assert not ok
    assert any("formula" in m for m in messages)


def test_scan_accepts_plain_cells() -> None:
    assert _scan(HEAD + ROWS + TAIL) == (True, [])


def test_fast_constructors_make_equal_objects() -> None:
    from qidesk.sync.versions import CellRef, IncomingVersion, cell_ref, incoming_version

    stamp = datetime(2026, 11, 26, 9, 30)
    ref = cell_ref("f.xlsx", "Teams", 4)
    assert ref == CellRef("f.xlsx", "Teams", 4, None)
    assert hash(ref) == hash(CellRef("f.xlsx", "Teams", 4, None))
    made = incoming_version("Team", UUID, "a:1", stamp, "inst", None, {"name": "x"}, ref)
    assert made == IncomingVersion("Team", UUID, "a:1", stamp, "inst", None, {"name": "x"}, ref)
    assert made.extra == {} and not made.is_conflict_head
    with pytest.raises(AttributeError):
        made.uuid = "other"  # type: ignore[misc]
