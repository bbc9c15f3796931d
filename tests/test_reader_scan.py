"""The sheet XML scan's quick proof that a sheet is within the caps never lets through what a
full reading of every cell position refuses, and typing keeps its values and messages."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from qidesk.sync.cells import CellError, convert, to_text
from qidesk.sync.record_types import all_specs
from qidesk.sync.workbook_reader import (
    _PREFIXED_CELL,
    MAX_COLUMNS,
    MAX_ROWS,
    SPARSE_ROW_ALLOWANCE,
    _cell_outside,
    _cells_within_caps,
    _check_extent,
    _check_extent_exactly,
    _Collector,
    _column_number,
    _convert_row,
    _decimal_below,
    _digits_at_most,
    _rows_at_least,
    _rows_fit,
    _too_far,
    _two_digits_down,
    is_uuid_text,
    scan_sheet_xml,
)

# ---- the number-range regexes ------------------------------------------------------------------

digit_strings = st.one_of(
    st.integers(0, 10**12).map(str),
    st.from_regex(r"\A[0-9]{1,13}\Z"),
)


@given(limit=st.integers(-5, 10**12), text=digit_strings)
def test_decimal_below_matches_exactly_the_plain_numbers_under_the_limit(
    limit: int, text: str
) -> None:
    plain = text == str(int(text))
    expected = plain and 1 <= int(text) < limit
    assert (re.fullmatch(_decimal_below(limit), text) is not None) == expected


@given(limit=st.integers(1, 10**9), delta=st.integers(-3, 3))
def test_decimal_below_at_the_edges(limit: int, delta: int) -> None:
    number = limit + delta
    if number >= 0:
        matched = re.fullmatch(_decimal_below(limit), str(number)) is not None
        assert matched == (1 <= number < limit)


@given(top=st.from_regex(r"\A[0-9]{1,10}\Z"), data=st.data())
def test_digits_at_most_compares_equal_length_digit_strings(top: str, data: Any) -> None:
    text = data.draw(st.from_regex(rf"\A[0-9]{{{len(top)}}}\Z"))
    assert (re.fullmatch(_digits_at_most(top), text) is not None) == (int(text) <= int(top))


@given(number=st.integers(0, 10**9))
def test_two_digits_down_rounds_down_by_less_than_a_tenth(number: int) -> None:
    rounded = _two_digits_down(number)
    assert rounded <= number and 10 * rounded >= 9 * number
    assert len(str(rounded).rstrip("0") or "0") <= 2
    for dense_rows in (number // 2, number // 3):  # rows 1..n: the last stays below the limit
        limit = 2 * dense_rows + SPARSE_ROW_ALLOWANCE + 1
        assert _two_digits_down(limit) > dense_rows


@given(
    column=st.sampled_from(["A", "Z", "AA", "AZ", "BA", "BL", "BM", "BZ", "CA", "ZZ", "AAA", "a"]),
    row=st.integers(0, 2 * 10**6),
    limit=st.integers(1, MAX_ROWS + 1),
)
def test_cell_outside_flags_every_position_but_the_plain_ones_within_the_caps(
    column: str, row: int, limit: int
) -> None:
    plain = column.isupper() and _column_number(column) <= MAX_COLUMNS and 1 <= row < limit
    tag = b'<c r="%s%d" t="n">' % (column.encode(), row)
    assert (_cell_outside(limit).search(tag) is None) == plain
    for odd in (b"<c\nr=", b"<c\tr=", b"<c  r=", b'<c s="1" r=', b"<c r = "):
        assert _cell_outside(limit).search(tag.replace(b"<c r=", odd)) is not None
    assert _cell_outside(limit).search(b'<c r="%s0%d">' % (column.encode(), row)) is not None
    for bare in (b"<c>", b"<c/>", b"<c/ >"):
        assert _cell_outside(limit).search(bare) is not None
    for other in (b"<col min='1'/>", b"<cols>", b"<cfRule>", b"<cr>"):
        assert _cell_outside(limit).search(other) is None


# ---- the quick proof against the full check ----------------------------------------------------

HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = b"</sheetData></worksheet>"

# Cell start tags as writers (and attackers) spell them: the column, then the row.
FORMS = [
    b'<c r="%s%s" t="n">',
    b'<c r="%s%s">',
    b'<c\nr="%s%s">',
    b'<c\tr="%s%s">',
    b'<c s="1" r="%s%s">',
    b"<c r='%s%s'>",
    b'<c r="%s0%s">',
    b'<c r="%s%s"/>',
    b'<x:c r="%s%s">',
    b"<c>",
    b"<c/>",
]
COLUMNS = ["A", "B", "L", "Z", "AA", "BL", "BM", "ZZ", "XFD", "a", "bl"]


def _old_check_extent(data: bytes, sheet: str, out: _Collector) -> bool:
    """The check as it was before the quick proof (commit 99abf3b), for comparison."""
    cells = data.count(b"<c ")
    if re.search(rb"<c>", data) is not None:
        cells += data.count(b"<c>")
    prefixed = re.search(rb"<[A-Za-z_][\w.-]*:c[\s>]", data) is not None
    if not prefixed and cells == data.count(b'<c r="'):
        too_wide = re.compile(rb'<c r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])')
        too_long = re.compile(rb'<c r="[A-Z]{1,3}\d{8}')
        hits = [m for m in (too_wide.search(data), too_long.search(data)) if m]
        for match in hits:
            ref = re.compile(rb'r="([A-Z]+)(\d+)"').match(data, match.start() + 3)
            row, col = (int(ref.group(2)), ref.group(1).decode()) if ref else (None, None)
            _too_far(sheet, row, col, out)
        if hits:
            return False
        rows = {int(r) for r in set(re.findall(rb'<c r="[A-Z]{1,3}(\d+)"', data))}
        return _rows_fit(rows, sheet, out)
    return _check_extent_exactly(data, sheet, out, prefixed=True)


@st.composite
def sheets(draw: Any) -> bytes:
    """Sheet XML: a dense block of rows (one or a few cells each), then some odd cells."""
    dense = draw(st.integers(0, 1600))
    per_row = draw(st.sampled_from([1, 1, 3]))
    gap = draw(st.sampled_from([0, 0, 0, 1, 2]))  # every (gap + 1)-th row
    space = draw(st.sampled_from([b"", b"", b"\n  "]))  # pretty-printed XML or not
    parts = [HEAD]
    for i in range(1, dense + 1):
        row = i * (gap + 1)
        columns = (b"A", b"B", b"C")[:per_row]
        cells = b"".join(space + b'<c r="%s%d" t="n"><v>1</v></c>' % (c, row) for c in columns)
        parts.append(b'<row r="%d">%s</row>' % (row, cells))
    for _ in range(draw(st.integers(0, 3))):
        form = draw(st.sampled_from(FORMS))
        column = draw(st.sampled_from(COLUMNS)).encode()
        row = draw(
            st.one_of(
                st.integers(1, 3 * dense + 2 * SPARSE_ROW_ALLOWANCE + 10),
                st.integers(1, 2 * MAX_ROWS),
                st.sampled_from([0, MAX_ROWS, MAX_ROWS + 1, 10**7, 10**8 + 7]),
            )
        )
        tag = form % (column, str(row).encode()) if b"%s" in form else form
        cell = tag + b"<v>1</v></c>"
        where = draw(st.sampled_from(["own row", "last row", "first"]))
        if where == "own row":
            parts.append(b'<row r="%d">%s</row>' % (row, cell))
        elif where == "first":
            parts.insert(1, b'<row r="1">%s</row>' % cell)
        elif len(parts) > 1:
            parts[-1] = parts[-1].replace(b"</row>", cell + b"</row>")
    parts.append(TAIL)
    return b"".join(parts)


@settings(max_examples=300, deadline=None)
@given(data=sheets())
def test_scan_refuses_what_the_old_scan_or_the_full_reading_refuses(data: bytes) -> None:
    old, full, new = _Collector("f"), _Collector("f"), _Collector("f")
    old_ok = _old_check_extent(data, "S", old)
    full_ok = _check_extent_exactly(data, "S", full, prefixed=True)
    new_ok = _check_extent(data, "S", new, maybe_prefixed=True)
    assert new_ok == (old_ok and full_ok)
    if not old_ok:
        assert new.problems == old.problems  # the same messages where the old scan refused
    elif not full_ok:
        assert new.problems == full.problems
    else:
        assert new.problems == []
    if _PREFIXED_CELL.search(data) is None and _cells_within_caps(data):
        assert old_ok and full_ok  # the quick proof (made only without prefixed cells) holds


def _sheet_xml_of(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@given(rows=st.lists(st.integers(1, 3000), max_size=300), window=st.integers(1, 200))
def test_rows_at_least_counts_distinct_rows_and_never_more(rows: list[int], window: int) -> None:
    data = b"".join(b'<row r="%d"><c r="B%d" t="n"><v>1</v></c></row>' % (r, r) for r in rows)
    assert _rows_at_least(data) == len(set(rows))
    assert _rows_at_least(data, window) <= len(set(rows))


def test_a_dense_sheet_is_decided_by_the_quick_proof() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in range(1, 3001):
        for column in range(1, 13):
            sheet.cell(row, column, f"r{row}c{column}")
    data = _sheet_xml_of(workbook)
    assert _cells_within_caps(data)
    out = _Collector("f")
    assert _check_extent(data, "S", out, maybe_prefixed=False) and out.problems == []


def test_one_far_cell_after_a_dense_block_is_refused_with_its_row() -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 3001))
    far = b'<row r="7003"><c r="B7003"><v>1</v></c></row>'
    out = _Collector("f")
    assert not _check_extent(HEAD + rows + far + TAIL, "S", out)
    assert [(p.row, p.column) for p in out.problems] == [(7003, None)]
    assert "3001 rows but a cell in row 7003" in out.problems[0].message
    near = b'<row r="7002"><c r="B7002"><v>1</v></c></row>'  # 2 * 3001 + 1000: allowed
    assert _check_extent(HEAD + rows + near + TAIL, "S", _Collector("f"))


def test_scan_refuses_a_far_cell_whose_tag_name_ends_in_a_line_break() -> None:
    buffer = io.BytesIO()
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 50))
    for tag in (b'<c\nr="A900000">', b'<c\tr="A900000">', b'<c r="a900000">'):
        with zipfile.ZipFile(buffer, "w") as archive:
            far = b'<row r="900000">' + tag + b"<v>5</v></c></row>"
            archive.writestr("xl/worksheets/sheet1.xml", HEAD + rows + far + TAIL)
        out = _Collector("f.xlsx")
        with zipfile.ZipFile(buffer) as archive:
            assert not scan_sheet_xml(archive, "xl/worksheets/sheet1.xml", "S", out, str)
        assert [p.row for p in out.problems] == [900000], tag


# ---- typing: same values and the same messages as the general conversion -----------------------

SAMPLES: list[Any] = [None, "", " ", "x", "  padded ", "x" * 40000, 3.0, 2.5, 7, True]
SAMPLES += ["2026-11-26", "176e6c55-f3f5-4ccb-9d56-4a8f00cf4905", "NOT-A-UUID", float("nan")]


def _reference_problems(spec: Any, raw: Any) -> list[tuple[str, str]]:
    problems = []
    for col in spec.columns:
        try:
            value = convert(raw, col.kind, nullable=col.nullable, choices=col.choices)
        except CellError as exc:
            problems.append((str(exc), col.key))
            continue
        if col.ref_type and value is not None and not is_uuid_text(value):
            message = f"expected the uuid of a {col.ref_type}, found {to_text(raw)!r}"
            problems.append((message, col.key))
    return problems


def test_convert_row_reports_the_same_messages_as_the_general_conversion() -> None:
    for spec in all_specs():
        index = {col.key: i for i, col in enumerate(spec.columns)}
        for raw in SAMPLES + [c for col in spec.columns for c in col.choices]:
            out = _Collector("f.xlsx")
            got = _convert_row(spec, [raw] * len(spec.columns), index, "S", 7, out)
            expected = _reference_problems(spec, raw)
            assert [(p.message, p.column) for p in out.problems] == expected, (spec, raw)
            assert all((p.sheet, p.row) == ("S", 7) for p in out.problems)
            assert (got is None) == bool(expected)


def test_convert_row_types_empty_text_cells_as_the_general_conversion() -> None:
    for spec in all_specs():
        index = {col.key: i for i, col in enumerate(spec.columns)}
        text_cols = [c for c in spec.columns if c.kind == "text" and not c.ref_type]
        for col in text_cols:
            row: list[Any] = [None] * len(spec.columns)
            row[index[col.key]] = ""
            got = _convert_row(spec, row, index, "S", 2, _Collector("f"))
            expected = convert("", col.kind, nullable=col.nullable)
            if got is not None:
                assert got[col.key] == expected and type(got[col.key]) is type(expected)
