"""A lead's edits of a full workbook in a spreadsheet: what is imported, and what the user is
told when an edit cannot be (a removed row, a row added without uuid, a renamed sheet)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from test_qa_sync_pack import export_pack, make_team


def full_export(db: Database, target: Path) -> Path:
    ExportService(db.unit_of_work).export_full(target)
    return target


def column(ws, key: str) -> int:
    return next(c.column for c in ws[1] if c.value == key)


def row_named(ws, name: str) -> int:
    col = column(ws, "name")
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == name)


def test_a_row_removed_in_the_spreadsheet_is_kept_and_the_user_told(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Members"].delete_rows(row_named(wb["Members"], "Bethan Evans"))
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (report,) = result.files
    assert report.status == "unchanged" and not report.problems
    (warning,) = report.warnings
    assert warning.startswith("Members: 1 row exported") and "deleted_at" in warning
    with db.unit_of_work() as session:
        assert session.scalars(select(Member).where(Member.name == "Bethan Evans")).one()


def test_deleted_at_filled_in_the_spreadsheet_deletes_the_record(
    db: Database, tmp_path: Path
) -> None:
    """What the warning above tells the user to do works."""
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Members"]
    ws.cell(row_named(ws, "Bethan Evans"), column(ws, "deleted_at")).value = dt.datetime(
        2026, 11, 20, 9, 30
    )
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    assert result.applied and result.totals.deleted == 1 and not result.files[0].warnings
    with db.unit_of_work() as session:
        member = session.scalars(select(Member).where(Member.name == "Bethan Evans")).one()
        assert member.deleted_at is not None


def test_a_row_added_without_uuid_gets_one_message(db: Database, tmp_path: Path) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Members"]
    new = ws.max_row + 1
    ws.cell(new, column(ws, "team_uuid")).value = ws.cell(2, column(ws, "team_uuid")).value
    ws.cell(new, column(ws, "name")).value = "Dafydd Owen"
    ws.cell(new, column(ws, "active")).value = True
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (report,) = result.files
    assert report.status == "rejected"
    (problem,) = report.problems  # not also "updated_at: expected a date and time, found ''"
    assert (problem.sheet, problem.row, problem.column) == ("Members", new, "uuid")
    assert "add records in QI Desk" in problem.message


def test_a_renamed_data_sheet_is_named_in_the_message(db: Database, tmp_path: Path) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Teams"].title = "Timau"
    wb.create_sheet("My notes")
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (problem,) = result.files[0].problems
    assert problem.sheet == "Teams"
    assert "renamed" in problem.message and "'Timau'" in problem.message
    assert "'My notes'" in problem.message


def test_a_renamed_pack_sheet_is_named_in_the_message(db: Database, tmp_path: Path) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    wb["Assessment"].title = "Asesiad"
    wb.save(pack)

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (problem,) = result.files[0].problems
    assert problem.sheet == "Assessment" and "'Asesiad'" in problem.message


def test_a_typo_fixed_and_a_sheet_sorted_import_as_one_update(db: Database, tmp_path: Path) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Members"]
    ws.cell(row_named(ws, "Carys Price"), column(ws, "name")).value = "Carys Prys"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    rows.sort(key=lambda values: values[column(ws, "name") - 1], reverse=True)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    wb.save(book)
    service = ImportService(db.unit_of_work, db.path)

    result = service.apply([book])

    assert result.totals.updated == 1 and not result.files[0].warnings, result.as_json()
    assert service.apply([book]).totals.changes == 0
    with db.unit_of_work() as session:
        names = set(session.scalars(select(Member.name)))
        assert names == {"Aled Jones", "Bethan Evans", "Carys Prys"}
        assert session.scalars(select(Team.name)).one() == "Stroke Unit Carmarthen"


def test_import_dialog_lists_warnings_in_full_below(qtbot, db: Database, tmp_path: Path) -> None:
    """A warning is a sentence: the one-line note beside the file points to it, and the list
    below shows it whole (it used to be cut off in the note)."""
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs.import_dialog import FILE_NOTES, ImportDialog

    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Members"].delete_rows(row_named(wb["Members"], "Bethan Evans"))
    wb.save(book)
    dialog = ImportDialog(UiContext(Services.create(db)), [book])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)

    assert dialog.files.item(0, FILE_NOTES).text() == "⚠ 1 warning (listed below)"
    assert dialog.problems.rowCount() == 1
    message = dialog.problems.item(0, 4).text()
    assert message.startswith("⚠ Members: 1 row exported") and message.endswith("in QI Desk.")
    assert dialog.problems.item(0, 0).text() == "full.xlsx"


def test_a_name_corrected_only_in_a_label_column_is_named_in_a_warning(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Members"]
    ws.cell(row_named(ws, "Carys Price"), column(ws, "team_name")).value = "Stroke Unit, Carmarthen"
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (report,) = result.files
    assert report.status == "unchanged"
    (warning,) = report.warnings
    assert warning.startswith("Members: team_name was changed in row ")
    assert "'Stroke Unit, Carmarthen'" in warning and "edit it in the Teams sheet" in warning


def test_a_name_corrected_in_its_own_sheet_gives_no_label_warning(
    db: Database, tmp_path: Path
) -> None:
    """Renaming the team in Teams leaves the old name in every team_name label: not an edit."""
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Teams"]
    ws.cell(2, column(ws, "name")).value = "Stroke Unit Glangwili"
    wb.save(book)
    service = ImportService(db.unit_of_work, db.path)

    result = service.apply([book])

    assert result.totals.updated == 1 and not result.files[0].warnings
    again = service.apply([book])  # the labels hold the name as exported: still no warning
    assert again.totals.changes == 0 and not again.files[0].warnings


# ---- the rules QI Desk's editors keep hold for spreadsheet edits -------------------------------

from test_sync_io_support import (  # noqa: E402, F401  (fixtures are found by their name)
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)

OTHER = {"start": "mid", "mid": "end", "end": "start", "team": "coach", "coach": "team"}


@pytest.mark.parametrize(
    ("sheet", "column", "value", "reported", "words"),
    [
        ("Assessments", "stage", OTHER, "stage", "identified by its team and stage"),
        ("Responses", "item_code", "ZZZ", "item_code", "respondent and item"),
        ("ProgressScores", "rater", OTHER, "rater", "identified by its team, month and rater"),
        ("ProgressScores", "month", dt.date(2019, 1, 1), "month", "team, month and rater"),
        ("ProgressScores", "score", 9, "score", "0.5 to 5.0 in steps of 0.5"),
        ("PDSA", "planned_end", dt.date(2001, 1, 1), "planned_end", "before the planned start"),
        ("Members", "email", "ann at ward 7", "email", "does not look like an email"),
    ],
)
def test_a_spreadsheet_edit_breaking_a_rule_of_the_app_is_refused_at_its_cell(
    demo_copy: Database,
    team_export: Path,
    tmp_path: Path,
    sheet: str,
    column: str,
    value: object,
    reported: str,
    words: str,
) -> None:
    """A changed stage, item, month or rater made a second record for one natural key (two
    'mid' self-assessments of one team, two answers to one item, two scores for one month);
    a score off the scale, a cycle ending before it starts, an email without @ went in."""
    wb = openpyxl.load_workbook(team_export)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    # The first live row (rows are in uuid order, and the export holds tombstones too).
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, len(header)).value is None)
    assert header[-1] == "deleted_at"
    cell = ws.cell(row, header.index(column) + 1)
    cell.value = OTHER[cell.value] if value is OTHER else value
    book = tmp_path / "edited.xlsx"
    wb.save(book)
    before = demo_copy.path.read_bytes()

    result = ImportService(demo_copy.unit_of_work, demo_copy.path).apply([book])

    (report,) = result.files
    assert report.status == "rejected"
    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column) == (sheet, row, reported)
    assert words in problem.message
    assert demo_copy.path.read_bytes() == before


def test_a_row_refused_for_a_bad_cell_is_not_also_reported_as_removed(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Members"]
    ws.cell(row_named(ws, "Aled Jones"), column(ws, "deleted_at")).value = "20/11/2026"
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (report,) = result.files
    (problem,) = report.problems
    assert (problem.sheet, problem.column) == ("Members", "deleted_at")
    assert not report.warnings


def test_a_text_longer_than_a_cell_holds_stops_the_export_naming_it(
    db: Database, tmp_path: Path
) -> None:
    """A 40,000-character aim was written into the export, which every import then refused
    ('text longer than 32767 characters'), the whole workbook with it, and Excel would have cut
    it short. The editors now refuse such a text (tests/test_store.py); a database saved before
    that may still hold one, made here by SQL."""
    import pytest
    from sqlalchemy import text

    from qidesk.services.base import ServiceError

    make_team(db)
    with db.unit_of_work() as session:
        session.execute(text("UPDATE team SET aim_statement = :aim"), {"aim": "Ŵ" * 40_000})
    target = tmp_path / "full.xlsx"

    with pytest.raises(ServiceError) as raised:
        ExportService(db.unit_of_work).export_full(target)

    message = str(raised.value)
    assert message.startswith("Teams: the aim statement of “Stroke Unit Carmarthen” is 40,000")
    assert "at most 32,767" in message and "Nothing was written" in message
    assert not target.exists()


def test_notes_typed_in_a_column_added_by_hand_are_named_in_a_warning(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    book = full_export(db, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Teams"]
    ws.cell(1, ws.max_column + 1).value = "Lead's notes"
    ws.cell(2, ws.max_column).value = "Chase the aim statement"
    ws.cell(1, ws.max_column + 1).value = "Empty extra"  # nothing in it: no warning
    wb.save(book)

    result = ImportService(db.unit_of_work, db.path).apply([book])

    (report,) = result.files
    assert report.status == "unchanged" and not report.problems
    (warning,) = report.warnings
    assert warning.startswith('Teams: the column "Lead\'s notes" (')
    assert "was not imported" in warning
