"""Reading a data sheet column by column gives exactly what reading it row by row gives, and a
parsed workbook pickles (as a worker process sends it) into an equal one."""

from __future__ import annotations

import math
import pickle
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qidesk.sync import workbook_reader
from qidesk.sync.cells import row_hash
from qidesk.sync.record_types import BOOL, DATE, DATETIME, ENUM, FLOAT, INT, REF, all_specs
from qidesk.sync.validate import Problem
from qidesk.sync.versions import (
    CellRef,
    IncomingVersion,
    VersionColumns,
    cell_ref,
    incoming_version,
)
from qidesk.sync.workbook_reader import (
    ParsedWorkbook,
    WorkbookMeta,
    _Collector,
    _convert_column,
    _convert_row,
    _read_hashes,
    _row_plan,
    are_uuid_texts,
    is_uuid_text,
    read_data_sheet,
    read_workbook,
)
from test_sync_io_support import (  # noqa: F401  (source_fixture: a fixture, by name)
    Source,
    cell_samples,
    edited_copy,
    source_fixture,
)

UUIDS = [f"{i:08x}-f3f5-4ccb-9d56-4a8f00cf4905" for i in range(6)]
SAMPLES: list[Any] = cell_samples(UUIDS[0])
META = WorkbookMeta(
    format="qidesk",
    format_version=1,
    kind="full",
    export_id="7c0e8a4e-1111-4ccb-9d56-4a8f00cf4905",
    exported_at=datetime(2026, 11, 1, 12, 0),
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def _exact(versions: list[IncomingVersion]) -> list[tuple[Any, ...]]:
    """Versions with the types of their values (1, 1.0 and True are equal)."""
    return [
        (v, tuple((k, type(x)) for k, x in v.values.items()), type(v.updated_at)) for v in versions
    ]


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.record_type)
def test_a_column_converts_as_its_cells_do_one_by_one(spec: Any) -> None:
    index = {col.key: i for i, col in enumerate(spec.columns)}
    plan = _row_plan(spec, index)
    for entry in plan:
        _, key, kind, choices, col = entry
        samples = SAMPLES + list(col.choices)
        for first in samples:
            for second in samples:
                cells = [first, second, first]
                row = [None] * len(spec.columns)
                expected = []
                for cell in cells:
                    row[entry[0]] = cell
                    out = _Collector("f")
                    expected.append(_convert_row(spec, row, index, "S", 2, out, (entry,)))
                got = _convert_column(list(cells), kind, choices, col)
                if any(e is None for e in expected):
                    assert got is None, (key, cells)
                else:
                    assert got is not None, (key, cells)
                    values = [e[key] for e in expected if e is not None]
                    assert all(map(_same, got, values)), (key, cells, got, values)


def _cell_strategy(col: Any, plain: bool) -> st.SearchStrategy[Any]:
    typical: list[Any] = {
        INT: [1.0, 2.0, 5],
        FLOAT: [1.5, 2.0],
        BOOL: [True, False],
        DATE: [date(2026, 1, 2), date(2025, 12, 31)],
        DATETIME: [datetime(2026, 1, 2, 10, 0), datetime(2026, 1, 2)],
        ENUM: [c for c in col.choices if c] or ["x"],
        REF: UUIDS[:3],
    }.get(col.kind, ["Ann", "Bob", "", "line\r\nbreak"])
    if col.nullable:
        typical = [*typical, ""]
    if plain:  # what QI Desk writes
        return st.sampled_from(typical)
    return st.one_of(st.sampled_from(typical), st.sampled_from(SAMPLES))


VECTORS = ["a:1", "b:2;a:1", " a:1 ", "a:1;b:2", "bad", ""]
TIMES: list[Any] = ["2026-11-26 08:19:54", "2026-11-26T08:19:54", "2026-11-26 08:19:54+02:00"]
TIMES += ["yesterday", datetime(2026, 11, 26, 8, 0), ""]
AUTHORS: list[Any] = ["inst", " inst ", 5.0]
DELETED: list[Any] = ["", None, "2026-11-27 10:00:00", "  ", "soon", datetime(2026, 11, 27)]


@st.composite
def sheets(draw: st.DrawFn, spec: Any) -> tuple[list[list[Any]], list[bool | None]]:
    """A sheet's rows (the header, then rows mostly of the form QI Desk writes) and, for each
    row, whether ``_rows`` holds its true hash (True), a stale one (False) or none (None)."""
    headers = spec.headers()
    columns = {col.key: col for col in spec.columns}
    plain = draw(st.booleans())  # a sheet as written, or one with odd cells anywhere

    def cell(key: str) -> Any:
        if key == "uuid":
            return draw(st.sampled_from(UUIDS if plain else [*UUIDS, UUIDS[0].upper(), "", "x"]))
        if key in columns:
            return draw(_cell_strategy(columns[key], plain))
        choices = {"vv": VECTORS, "updated_at": TIMES, "updated_by": AUTHORS, "deleted_at": DELETED}
        if key in choices:
            return draw(st.sampled_from(choices[key][: 2 if plain else None]))
        return draw(st.sampled_from(["label", ""]))

    count = draw(st.integers(0, 5))
    body = [[cell(key) for key in headers] for _ in range(count)]
    if plain:  # unique uuids, as QI Desk writes them
        for number, row in enumerate(body):
            row[0] = UUIDS[number]
    elif body and draw(st.booleans()):
        body[-1] = body[-1][: draw(st.integers(0, len(headers)))]  # a short row
    if body and not plain and draw(st.booleans()):
        body.insert(draw(st.integers(0, len(body))), [""] * len(headers))  # a blank row
    known = [draw(st.sampled_from([True, True, False, None])) for _ in body]
    return [list(headers), *body], known


def _read(
    spec: Any,
    rows: list[list[Any]],
    hashes: dict[tuple[str, str], str],
    as_exported: bool,
    full: bool = False,
) -> tuple[list[IncomingVersion], int, list[Problem], bool]:
    out = _Collector("f.xlsx")
    if full:
        out.problems = [Problem("f.xlsx", "earlier")] * workbook_reader.MAX_PROBLEMS_PER_FILE
    got, edited = read_data_sheet(
        spec, rows, file="f.xlsx", meta=META, hashes=hashes, out=out, as_exported=as_exported
    )
    columns = isinstance(got, VersionColumns)
    versions = got.versions() if isinstance(got, VersionColumns) else got
    return versions, edited, out.problems, columns


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.record_type)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_columns_read_exactly_what_rows_read(spec: Any, data: st.DataObject) -> None:
    rows, known = data.draw(sheets(spec))
    as_exported = data.draw(st.booleans())
    full = data.draw(st.integers(0, 9)) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workbook_reader, "_read_columns", lambda *args: None)
        by_rows, _, _, _ = _read(spec, rows, {}, False)
        # _rows holds the true hash of some rows (unedited), a stale one for others (edited)
        hashes = {}
        for version, is_known in zip(by_rows, known, strict=False):
            if is_known is not None:  # None: the row is missing from _rows
                true = row_hash(version.values, version.deleted_at)
                hashes[(spec.sheet, version.uuid)] = true if is_known else "0" * 32
        expected = _read(spec, rows, hashes, as_exported, full)
    got = _read(spec, rows, hashes, as_exported, full)
    assert _exact(got[0]) == _exact(expected[0])
    assert got[1:3] == expected[1:3]  # edited rows, problems
    if got[3]:
        assert not got[2] and not full
    COLUMNS_READ[got[3]] = COLUMNS_READ.get(got[3], 0) + 1


#: How many sheets the test above read as columns (True) and row by row (False).
COLUMNS_READ: dict[bool, int] = {}


def test_the_sheets_above_were_read_both_ways() -> None:
    """(Runs after the property test: most sheets as columns, and enough row by row.)"""
    if not COLUMNS_READ:
        pytest.skip("the property test did not run")
    assert COLUMNS_READ.get(True, 0) > 100 and COLUMNS_READ.get(False, 0) > 100, COLUMNS_READ


def test_a_real_export_is_read_as_columns_and_the_same_as_by_rows(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as exported; and re-saved with one edit (hashes recomputed, fingerprints, an edited row)
    edited = edited_copy(
        source.full, tmp_path / "edited.xlsx", "Teams", "site", "Tenby Cottage Hospital (Ward 3)"
    )
    as_exported = tmp_path / "full.xlsx"
    shutil.copyfile(source.full, as_exported)
    for path in (as_exported, edited):
        parsed = read_workbook(path)
        assert parsed.problems == []
        blocks = [p for p in parsed.version_parts if isinstance(p, VersionColumns)]
        assert len(blocks) >= 8 and sum(map(len, blocks)) > 5000
        with monkeypatch.context() as patch:
            patch.setattr(workbook_reader, "_read_columns", lambda *args: None)
            by_rows = read_workbook(path)
        assert not any(isinstance(p, VersionColumns) for p in by_rows.version_parts)
        assert parsed == by_rows
        assert _exact(parsed.versions) == _exact(by_rows.versions)
        assert parsed.edited_rows == (1 if path == edited else 0)


def _every_kind_of_parsed_workbook() -> ParsedWorkbook:
    at = datetime(2026, 5, 1, 9, 30)
    london = timezone(timedelta(hours=1))
    values: dict[str, Any] = {
        "text": "Ann",
        "empty": "",
        "none": None,
        "int": 3,
        "float": 2.5,
        "whole_float": 2.0,
        "bool": True,
        "date": date(2026, 1, 1),
        "datetime": datetime(2026, 1, 1, 8, 0, 1, 500),
        "aware": datetime(2026, 1, 1, 8, 0, tzinfo=london),
        "newline": "line 1\nline 2",
    }
    columns = VersionColumns(
        "Team",
        "f.xlsx",
        "Teams",
        tuple(values),
        [2, 3],
        [[v, v] for v in values.values()],
        [UUIDS[0], UUIDS[1]],
        ["a:1", "a:1;b:2"],
        [at, at],
        ["inst", "inst"],
        [None, at],
        ["", "fp"],
    )
    objects = [
        incoming_version(
            "Coach", UUIDS[2], "a:1", at, "x", None, {"name": "C"}, cell_ref("f", "Coaches", 2)
        ),
        IncomingVersion(
            "Team",
            UUIDS[3],
            "b:1",
            at,
            "y",
            at,
            {"n": 1, "when": at},
            CellRef("f", "_conflicts", 2),
            is_conflict_head=True,
        ),
        IncomingVersion(
            "Team", UUIDS[4], "b:1", at, "y", None, {}, CellRef("f", "T", 9), extra={"k": [1]}
        ),
        IncomingVersion("Team", UUIDS[5], "b:1", at, "y", None, {}, CellRef("f", "T", 9, "n")),
    ]
    parsed = ParsedWorkbook(
        path=Path("/tmp/f.xlsx"),
        meta=WorkbookMeta(format="qidesk", exported_at=at, sheets=("Teams",), extra={"a": "b"}),
        problems=[Problem("f.xlsx", "bad", "Teams", 3, "name"), Problem("f.xlsx", "file")],
        warnings=["macros ignored"],
        file_hash="abc",
        edited_rows=1,
        display_name="f.xlsx",
        skipped_sheets=("Members",),
        known_records=[("Member", UUIDS[0])],
        read_sheets=[("digest", "Team", [UUIDS[0], UUIDS[1]])],
    )
    parsed.version_parts = [columns, objects[:1], columns, objects[1:]]
    return parsed


def test_a_parsed_workbook_pickles_into_an_equal_one() -> None:
    for materialised in (False, True):
        parsed = _every_kind_of_parsed_workbook()
        if materialised:
            assert len(parsed.versions) == 8  # made into objects: these pickle packed
        back = pickle.loads(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        fresh = _every_kind_of_parsed_workbook()
        assert back == fresh
        assert _exact(back.versions) == _exact(fresh.versions)
        assert [v.source for v in back.versions] == [v.source for v in fresh.versions]
        assert [v.updated_at.tzinfo for v in back.versions] == [None] * 8
        aware = [v.values.get("aware") for v in back.versions]
        assert [a.tzinfo if a else None for a in aware][:2] == [timezone(timedelta(hours=1))] * 2
        heads = [(v.is_conflict_head, v.extra) for v in back.versions]
        assert heads[5:] == [(True, {}), (False, {"k": [1]}), (False, {})]
        assert (back.problems, back.warnings, back.known_records, back.read_sheets) == (
            fresh.problems,
            fresh.warnings,
            fresh.known_records,
            fresh.read_sheets,
        )
        assert back.meta == fresh.meta and back.skipped_sheets == ("Members",)


def test_parsed_workbooks_differ_when_a_version_differs() -> None:
    one, other = _every_kind_of_parsed_workbook(), _every_kind_of_parsed_workbook()
    assert one == other
    one, other = _every_kind_of_parsed_workbook(), _every_kind_of_parsed_workbook()
    block = other.version_parts[0]
    assert isinstance(block, VersionColumns)
    block.vvs[1] = "a:2"
    assert one != other
    other = _every_kind_of_parsed_workbook()
    other.warnings = []
    assert one != other


def test_versions_are_made_once_and_can_be_replaced() -> None:
    parsed = _every_kind_of_parsed_workbook()
    first = parsed.versions
    assert parsed.versions is first and parsed.version_parts == [first]
    parsed.versions = []
    assert parsed.versions == [] and parsed.version_parts == [[]]


def test_rows_is_read_only_when_a_sheet_to_read_is_not_as_exported(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export's data sheets and ``_rows`` as written: no row was edited, so ``_rows`` (a
    quarter of a workbook) is neither scanned nor parsed; once a sheet is edited it is."""
    edited = tmp_path / "edited.xlsx"
    book = openpyxl.load_workbook(source.full)
    sheet = book["Teams"]
    sheet.cell(2, [c.value for c in sheet[1]].index("site") + 1).value = "edited"
    book.save(edited)
    hashed: list[int] = []
    scanned: list[str] = []
    real_hashes, real_scan = workbook_reader._read_hashes, workbook_reader.scan_sheet_xml

    def spy_hashes(rows: list[list[Any]]) -> dict[tuple[str, str], str]:
        hashed.append(len(rows))
        return real_hashes(rows)

    def spy_scan(archive: Any, member: str, sheet: str, *args: Any) -> bool:
        scanned.append(sheet)
        return real_scan(archive, member, sheet, *args)

    monkeypatch.setattr(workbook_reader, "_read_hashes", spy_hashes)
    monkeypatch.setattr(workbook_reader, "scan_sheet_xml", spy_scan)

    def nothing_known(digests: list[str]) -> dict[str, tuple[str, list[str]]]:
        return {}

    quick = read_workbook(source.full, known_sheets=nothing_known)
    assert hashed == [] and "_rows" not in scanned and "Teams" in scanned
    assert quick.problems == [] and quick.edited_rows == 0 and len(quick.versions) > 5000
    with monkeypatch.context() as patch:
        patch.setattr(workbook_reader, "_sheets_as_exported", lambda meta, digests: set())
        full = read_workbook(source.full, known_sheets=nothing_known)
    assert hashed and "_rows" in scanned
    assert [replace(v, fingerprint="") for v in full.versions] == quick.versions
    assert full.read_sheets == quick.read_sheets and full.edited_rows == 0
    hashed.clear()
    scanned.clear()
    changed = read_workbook(edited, known_sheets=nothing_known)
    assert hashed and "_rows" in scanned and changed.edited_rows == 1


@given(
    st.lists(
        st.one_of(
            st.uuids().map(str),
            st.uuids().map(lambda u: str(u).upper()),
            st.text(alphabet="0123456789abcdefABCDEF-xg ü\n", min_size=30, max_size=40),
            st.uuids().map(lambda u: str(u).replace("-", "")),
            st.uuids().map(lambda u: f"{u}"[:8] + "a" + f"{u}"[9:]),
            st.uuids().map(lambda u: f"{u}"[1:] + "-"),
        ),
        max_size=6,
    )
)
def test_are_uuid_texts_is_is_uuid_text_of_each(texts: list[str]) -> None:
    assert are_uuid_texts(texts) == all(map(is_uuid_text, texts))
    valid = [t for t in texts if is_uuid_text(t)]
    assert are_uuid_texts(valid)
    for text in texts:
        if not is_uuid_text(text):
            assert not are_uuid_texts([*valid, text]) and not are_uuid_texts([text, *valid])


@given(
    st.lists(
        st.tuples(
            # mostly what QI Desk writes (read a column at a time), sometimes not
            st.sampled_from(["Teams"] * 6 + ["Members", " Teams", 5.0]),
            st.sampled_from(UUIDS[:3] * 6 + [UUIDS[0].upper(), f" {UUIDS[1]}", "", None, 1.0]),
            st.sampled_from(["a" * 32] * 6 + ["b" * 32, " c ", "", 1.0, None]),
        ).map(list),
        max_size=6,
    )
)
def test_read_hashes_as_columns_gives_what_the_row_loop_gives(rows: list[list[Any]]) -> None:
    header: list[Any] = ["sheet", "uuid", "hash"]
    by_rows = _read_hashes([header, *rows, ["a short row: read row by row"]])
    assert _read_hashes([header, *rows]) == by_rows
