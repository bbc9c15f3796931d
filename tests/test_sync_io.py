"""Full export and import: round trip, safe text cells, spreadsheet edits, scope, atomic writes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from qidesk.services.activity_service import ActivityService
from qidesk.services.base import ServiceError
from qidesk.services.export_service import ExportService
from qidesk.services.import_service import APPLIED, UNCHANGED, ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Coach, Cohort, Member, Team
from qidesk.sync import workbook_writer
from qidesk.sync.merge import winning_versions
from qidesk.sync.preflight import check_file
from qidesk.sync.record_types import META_SHEET, all_specs
from qidesk.sync.workbook_reader import read_workbook
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    RISKY_TEXTS,
    Source,
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)


def _normalised(versions) -> dict:
    out = {}
    for v in versions:
        out[(v.record_type, v.uuid)] = (
            v.vv,
            v.updated_at,
            v.updated_by,
            v.deleted_at,
            dict(v.values),
        )
    return out


def _read(path: Path):
    parsed = read_workbook(path, check_file(path))
    assert parsed.problems == [], [str(p) for p in parsed.problems]
    return parsed


def test_export_then_read_gives_the_database_versions(source: Source) -> None:
    parsed = _read(source.full)
    with Database.open(source.db_path, lock=False) as db, db.unit_of_work() as session:
        expected = _normalised(winning_versions(session))
    got = _normalised(parsed.versions)
    assert len(expected) == len(got) > 5000
    assert got == expected
    assert {v.record_type for v in parsed.versions} == {s.record_type for s in all_specs()}
    assert parsed.edited_rows == 0
    deleted = [v for v in parsed.versions if v.deleted_at is not None]
    assert [v.values["name"] for v in deleted] == ["Gone"]


def test_text_is_never_a_formula(source: Source) -> None:
    target = source.team
    with zipfile.ZipFile(target) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[\s>]", archive.read(name)), name
    wb = openpyxl.load_workbook(target)
    roles = {c.value: c for c in wb["Members"]["E"][1:]}
    for text in RISKY_TEXTS:
        if "_x" in text or "\r" in text or "\x07" in text:
            continue  # openpyxl does not decode OOXML escapes (calamine does)
        assert roles[text].data_type == "s"
    (hyperlink,) = [c for c in wb["Cohorts"]["B"] if str(c.value).startswith("=HYPERLINK")]
    assert hyperlink.data_type == "s"


def test_workbook_layout_for_people(source: Source) -> None:
    wb = openpyxl.load_workbook(source.team)
    assert wb.active.title == "Cohorts"
    assert wb[META_SHEET].sheet_state == "hidden"
    assert all(wb[s].sheet_state == "hidden" for s in ("_rows", "_conflicts"))
    assert [s.sheet for s in all_specs()] == wb.sheetnames[: len(all_specs())]
    meta = {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows(min_row=2)}
    assert meta["format"] == "qidesk-workbook" and meta["format_version"] == 1
    teams = wb["Teams"]
    header = [c.value for c in teams[1]]
    assert header[:3] == ["uuid", "cohort_uuid", "cohort_name"]
    assert teams.freeze_panes == "B2"
    cohorts = wb["Cohorts"]
    start = [c.value for c in cohorts[1]].index("start_date")
    dates = next(iter(cohorts.iter_cols(start + 1, start + 1, 2)))
    assert any(c.is_date for c in dates) and not any(isinstance(c.value, str) for c in dates)
    name_col = header.index("coach_name") + 1
    assert teams.cell(2, name_col).value  # a coach's name beside the coach's uuid


def test_import_into_an_empty_database_then_again_changes_nothing(
    source: Source, tmp_path: Path
) -> None:
    target = source.full
    with Database.open(tmp_path / "other.sqlite") as other:
        service = ImportService(other.unit_of_work, other.path)
        first = service.apply([target])
        assert first.applied and first.files[0].status == APPLIED
        assert first.totals.created + first.totals.deleted == first.files[0].rows
        assert first.backup_path and Path(first.backup_path).exists()
        again = service.apply([target])
        assert not again.applied and again.files[0].status == UNCHANGED
        assert again.totals.changes == 0
        with other.unit_of_work() as session:
            theirs = _normalised(winning_versions(session))
    with Database.open(source.db_path, lock=False) as db, db.unit_of_work() as session:
        ours = _normalised(winning_versions(session))
    assert theirs == ours


def _edit(path: Path, sheet: str, key: str, row: int, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    column = [c.value for c in ws[1]].index(key) + 1
    ws.cell(row, column).value = value
    wb.save(path)


def test_an_edit_made_in_the_spreadsheet_becomes_the_same_new_version_everywhere(
    demo_copy: Database, team_export: Path, tmp_path: Path
) -> None:
    demo_db = demo_copy
    target = team_export
    _edit(target, "Teams", "site", 2, "Tenby Cottage Hospital (Ward 3)")
    parsed = _read(target)
    assert parsed.edited_rows == 1
    edited = next(v for v in parsed.versions if v.source.sheet == "Teams" and v.source.row == 2)
    assert edited.updated_by == parsed.meta.export_id
    results = []
    for name in ("a.sqlite", "b.sqlite"):
        with Database.open(tmp_path / name) as other:
            ImportService(other.unit_of_work, other.path).apply([target])
            with other.unit_of_work() as session:
                team = session.get(Team, edited.uuid)
                results.append((team.vv, team.site))
    result = ImportService(demo_db.unit_of_work, demo_db.path).apply([target])
    assert result.totals.updated == 1 and result.totals.conflicts == 0
    with demo_db.unit_of_work() as session:
        team = session.get(Team, edited.uuid)
        results.append((team.vv, team.site))
    assert results[0] == results[1] == results[2]
    assert results[0][1] == "Tenby Cottage Hospital (Ward 3)"
    again = ImportService(demo_db.unit_of_work, demo_db.path).apply([target])
    assert again.totals.changes == 0


def test_deleting_in_the_spreadsheet_makes_a_tombstone(
    demo_copy: Database, team_export: Path
) -> None:
    target = team_export
    wb = openpyxl.load_workbook(target, read_only=True)
    rows = list(wb["Members"].iter_rows(values_only=True))
    wb.close()
    column = rows[0].index("deleted_at")
    live_row = next(
        n for n, row in enumerate(rows[1:], start=2) if len(row) <= column or not row[column]
    )
    _edit(target, "Members", "deleted_at", live_row, "2026-11-20 10:00:00")
    result = ImportService(demo_copy.unit_of_work, demo_copy.path).apply([target])
    assert result.totals.deleted == 1


def test_export_of_one_cohort_brings_its_teams_and_their_members(
    demo_copy: Database, tmp_path: Path
) -> None:
    demo_db = demo_copy
    with demo_db.unit_of_work() as session:
        cohort = session.scalars(select(Cohort).order_by(Cohort.name)).first()
        name, cohort_uuid = cohort.name, cohort.uuid
        team_ids = set(session.scalars(select(Team.uuid).where(Team.cohort_uuid == cohort_uuid)))
        n_members = len(
            session.scalars(select(Member.uuid).where(Member.team_uuid.in_(team_ids))).all()
        )
        n_coaches = len(session.scalars(select(Coach.uuid)).all())
    target = tmp_path / "one.xlsx"
    summary = ExportService(demo_db.unit_of_work).export_full(target, cohort_names=[name])
    counts = dict(summary.rows_by_sheet)
    assert counts["Cohorts"] == 1 and counts["Teams"] == len(team_ids)
    assert counts["Members"] == n_members and counts["Coaches"] == n_coaches
    parsed = _read(target)
    assert {v.uuid for v in parsed.versions if v.record_type == "Team"} == team_ids
    # Into an empty database: every reference resolves inside the workbook.
    with Database.open(tmp_path / "empty.sqlite") as other:
        result = ImportService(other.unit_of_work, other.path).apply([target])
        assert result.applied and not result.rejected


def test_export_of_an_unknown_team_says_so(demo_copy: Database, tmp_path: Path) -> None:
    demo_db = demo_copy
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ServiceError, match="no team named 'Nope'"):
        ExportService(demo_db.unit_of_work).export_full(out / "x.xlsx", team_names=["Nope"])
    assert not list(out.iterdir())


def test_export_resets_the_unexported_count(demo_copy: Database, tmp_path: Path) -> None:
    demo_db = demo_copy
    activity = ActivityService(demo_db.unit_of_work)
    assert activity.unexported_count() > 0
    ExportService(demo_db.unit_of_work).export_full(tmp_path / "all.xlsx")
    assert activity.unexported_count() == 0


def test_a_failed_write_leaves_no_partial_file(
    demo_copy: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_db = demo_copy
    out = tmp_path / "out"
    out.mkdir()
    target = out / "all.xlsx"
    target.write_bytes(b"previous export")

    def full_disk(path, _data, _meta):
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workbook_writer, "write_workbook", full_disk)
    with pytest.raises(ServiceError, match="No space left on device"):
        ExportService(demo_db.unit_of_work).export_full(target)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in out.iterdir()] == ["all.xlsx"]


def test_export_into_a_missing_folder_says_so(demo_copy: Database, tmp_path: Path) -> None:
    demo_db = demo_copy
    with pytest.raises(ServiceError, match="does not exist"):
        ExportService(demo_db.unit_of_work).export_full(tmp_path / "nope" / "x.xlsx")


def test_merging_one_invalid_file_applies_nothing_by_default(
    team_export: Path, tmp_path: Path
) -> None:
    good = team_export
    bad = tmp_path / "bad.xlsx"
    bad.write_text("a,b\n1,2\n")
    with Database.open(tmp_path / "empty.sqlite") as other:
        service = ImportService(other.unit_of_work, other.path)
        result = service.apply([good, bad])
        assert not result.applied
        assert [f.status for f in result.files] == ["valid", "rejected"]
        with other.unit_of_work() as session:
            assert session.scalars(select(Team)).first() is None
        result = service.apply([good, bad], skip_invalid=True)
        assert result.applied
        assert [f.status for f in result.files] == ["applied", "rejected"]


def test_cancelling_applies_nothing(team_export: Path, tmp_path: Path) -> None:
    from qidesk.services.import_service import ImportCancelled

    good = team_export
    with Database.open(tmp_path / "empty.sqlite") as other:
        service = ImportService(other.unit_of_work, other.path)
        calls = {"n": 0}

        def cancel_late() -> bool:
            calls["n"] += 1
            return calls["n"] > 3

        with pytest.raises(ImportCancelled):
            service.apply([good], cancelled=cancel_late)
        with other.unit_of_work() as session:
            assert session.scalars(select(Team)).first() is None
