"""A filled pack whose columns or rows a team moved, deleted or added in the spreadsheet: the
answers land on the right people and items, or the pack is refused naming the column; never
read as someone else's answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.store.models.assessment import AssessmentResponse
from qidesk.sync.pack import FILL_SHEET, PACK_SHEET

MEMBERS = ("Aled Jones", "Bethan Evans", "Carys Price")


def make_team(db: Database) -> dict[str, str]:
    """One team of three; returns member uuids by name."""
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        team = Team(cohort=cohort, name="Stroke Unit Carmarthen")
        session.add_all([cohort, team])
        members = [Member(team=team, name=name, role="Staff Nurse") for name in MEMBERS]
        session.add_all(members)
        session.flush()
        return {m.name: m.uuid for m in members}


def export_pack(db: Database, target: Path) -> Path:
    ExportService(db.unit_of_work).export_pack(
        target, team_name="Stroke Unit Carmarthen", stage="start"
    )
    return target


def answers(db: Database, names: dict[str, str]) -> dict[tuple[str, str], tuple[int | None, str]]:
    """(respondent name, item code) -> (score, comment) of every live response."""
    by_uuid = {uuid: name for name, uuid in names.items()} | {"consensus": "consensus"}
    with db.unit_of_work() as session:
        return {
            (by_uuid[r.respondent], r.item_code): (r.score, r.comment)
            for r in session.scalars(
                select(AssessmentResponse).where(AssessmentResponse.deleted_at.is_(None))
            )
        }


def column_of(ws, header: str) -> int:
    return next(c.column for c in ws[4] if c.value == header)


def row_of(ws, code: str) -> int:
    return next(c.row for c in ws["A"] if c.value == code)


def filled_pack(
    db: Database,
    tmp_path: Path,
    cells: dict[tuple[str, str], object],
    name: str = "pack.xlsx",
) -> Path:
    """A new pack with ``cells`` (member header, item code) filled in."""
    pack = export_pack(db, tmp_path / name)
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    for (header, code), value in cells.items():
        ws.cell(row_of(ws, code), column_of(ws, header)).value = value
    wb.save(pack)
    return pack


def unprotected_fill_sheet(pack: Path):  # type: ignore[no-untyped-def]
    """The pack's workbook and its fill-in sheet, unprotected (to delete or insert rows and
    columns, as a team may)."""
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.protection.sheet = False
    return wb, ws


def test_a_deleted_member_column_does_not_shift_answers_onto_others(
    db: Database, tmp_path: Path
) -> None:
    names = make_team(db)
    service = ImportService(db.unit_of_work, db.path)
    # Aled answered MFI in an earlier pack.
    first = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 4}, "first.xlsx")
    assert service.apply([first]).applied
    # The next pack: Aled left, the team deleted his column, then filled the rest.
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.delete_cols(column_of(ws, "Aled Jones"))
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = "2 – Know the basics"
    ws.cell(row_of(ws, "AIM"), column_of(ws, "Carys Price")).value = 3
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Team consensus")).value = 5
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Comments")).value = "Agreed at huddle"
    wb.save(pack)

    result = service.apply([pack])

    (report,) = result.files
    assert result.applied and not report.problems
    assert any("Aled Jones" in w and "not read" in w for w in report.warnings), report.warnings
    assert answers(db, names) == {
        ("Aled Jones", "MFI"): (4, ""),  # as it was: his column is gone, not blank
        ("Bethan Evans", "MFI"): (2, ""),
        ("Carys Price", "AIM"): (3, ""),
        ("consensus", "MFI"): (5, "Agreed at huddle"),
    }


def test_a_member_column_added_by_hand_is_refused_naming_it(db: Database, tmp_path: Path) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.insert_cols(6)  # between Aled and Bethan
    ws.cell(4, 6).value = "Dafydd Owen"
    ws.cell(row_of(ws, "MFI"), 6).value = 3
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = 1
    wb.save(pack)
    before = db.path.read_bytes()

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert report.status == "rejected" and not result.applied
    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("Assessment", 4, "F")
    assert "'Dafydd Owen'" in problem.message and "not in the pack" in problem.message
    assert db.path.read_bytes() == before


def test_an_empty_column_added_by_hand_is_ignored(db: Database, tmp_path: Path) -> None:
    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.insert_cols(5)
    ws.cell(4, 5).value = "Notes to self"
    ws.cell(row_of(ws, "AIM"), column_of(ws, "Carys Price")).value = 4
    wb.save(pack)

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    assert result.applied, result.as_json()
    assert answers(db, names) == {("Carys Price", "AIM"): (4, "")}


def test_rows_sorted_in_the_spreadsheet_keep_their_answers(db: Database, tmp_path: Path) -> None:
    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Aled Jones")).value = 1
    ws.cell(row_of(ws, "VALUE"), column_of(ws, "Aled Jones")).value = 5
    ws.cell(row_of(ws, "VALUE"), column_of(ws, "Comments")).value = "Last item"
    ws.cell(row_of(ws, "VALUE"), column_of(ws, "Team consensus")).value = 4
    # The team sorts the rows by code (Z to A), as a spreadsheet's sort would.
    rows = [[c.value for c in ws[r]] for r in range(5, ws.max_row + 1)]
    rows.sort(key=lambda values: values[0], reverse=True)
    for offset, values in enumerate(rows):
        for col, value in enumerate(values, start=1):
            ws.cell(5 + offset, col).value = value
    wb.save(pack)
    assert ws.cell(5, 1).value != "MFI"

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    assert result.applied and not result.files[0].warnings, result.as_json()
    assert answers(db, names) == {
        ("Aled Jones", "MFI"): (1, ""),
        ("Aled Jones", "VALUE"): (5, ""),
        ("consensus", "VALUE"): (4, "Last item"),
    }


def test_a_deleted_item_row_is_named_and_its_answers_kept(db: Database, tmp_path: Path) -> None:
    names = make_team(db)
    service = ImportService(db.unit_of_work, db.path)
    first = filled_pack(db, tmp_path, {("Bethan Evans", "AIM"): 2}, "first.xlsx")
    assert service.apply([first]).applied
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.delete_rows(row_of(ws, "AIM"))
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = 3
    wb.save(pack)

    result = service.apply([pack])

    assert result.applied
    assert any("AIM" in w for w in result.files[0].warnings), result.files[0].warnings
    assert answers(db, names) == {
        ("Bethan Evans", "AIM"): (2, ""),
        ("Bethan Evans", "MFI"): (3, ""),
    }


def test_a_pack_without_recorded_headers_refuses_shifted_columns(
    db: Database, tmp_path: Path
) -> None:
    """Packs written before the headers were recorded in ``_pack``: a deleted column is
    refused (the consensus column is no longer where it was), not read shifted."""
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    layout = wb[PACK_SHEET]
    for row in range(layout.max_row, 1, -1):
        if layout.cell(row, 1).value == "header":
            layout.delete_rows(row)
    ws = wb[FILL_SHEET]
    ws.protection.sheet = False
    ws.delete_cols(column_of(ws, "Aled Jones"))
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = 3
    wb.save(pack)

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert report.status == "rejected"
    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("Assessment", 4, "H")
    assert "'Team consensus'" in problem.message


# ---- packs meeting a database that changed since they were exported ---------------------------


def test_a_pack_for_a_team_this_database_never_had_is_refused_in_one_sentence(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    pack = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 3})
    other = Database.open(tmp_path / "other.sqlite")
    before = other.path.read_bytes()

    result = ImportService(other.unit_of_work, other.path).apply([pack])

    (report,) = result.files
    assert report.status == "rejected"
    (problem,) = report.problems
    assert problem.sheet == "_meta"
    assert (
        "'Stroke Unit Carmarthen'" in problem.message and "not in this database" in problem.message
    )
    assert other.path.read_bytes() == before


def test_answers_for_a_team_deleted_since_export_are_kept_and_the_user_told(
    db: Database, tmp_path: Path
) -> None:
    from qidesk.services.deleted_service import tombstone_with_children

    names = make_team(db)
    pack = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 3})
    with db.unit_of_work() as session:
        team = session.scalars(select(Team)).one()
        tombstone_with_children(session, team)

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert result.applied and result.totals.created == 1
    assert any("“Stroke Unit Carmarthen” was deleted" in w for w in report.warnings), (
        report.warnings
    )
    assert answers(db, names) == {("Aled Jones", "MFI"): (3, "")}


def test_answers_of_a_member_deleted_since_export_are_kept_and_named(
    db: Database, tmp_path: Path
) -> None:
    from qidesk.services.base import tombstone

    names = make_team(db)
    pack = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 3, ("Carys Price", "MFI"): 2})
    with db.unit_of_work() as session:
        tombstone(session.get(Member, names["Carys Price"]))

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert result.applied and result.totals.created == 2
    (warning,) = report.warnings
    assert "Carys Price" in warning and "Aled Jones" not in warning
    assert answers(db, names) == {("Aled Jones", "MFI"): (3, ""), ("Carys Price", "MFI"): (2, "")}


def test_answers_to_an_item_dropped_from_the_template_since_export_are_named(
    db: Database, tmp_path: Path
) -> None:
    from qidesk.services.base import tombstone
    from qidesk.store.models.assessment import Assessment, TemplateItem

    names = make_team(db)
    pack = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 3, ("Aled Jones", "AIM"): 2})
    with db.unit_of_work() as session:
        template_uuid = session.scalars(select(Assessment.template_uuid)).one()
        tombstone(
            session.scalars(
                select(TemplateItem).where(
                    TemplateItem.template_uuid == template_uuid, TemplateItem.code == "MFI"
                )
            ).one()
        )

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert result.applied
    (warning,) = report.warnings
    assert "MFI" in warning and "no longer in the assessment's template" in warning
    assert answers(db, names) == {("Aled Jones", "MFI"): (3, ""), ("Aled Jones", "AIM"): (2, "")}


def test_an_unchanged_pack_for_a_deleted_team_says_nothing(db: Database, tmp_path: Path) -> None:
    from qidesk.services.deleted_service import tombstone_with_children

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    with db.unit_of_work() as session:
        tombstone_with_children(session, session.scalars(select(Team)).one())

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    assert not result.files[0].warnings and result.totals.changes == 0


def test_a_comment_typed_with_a_leading_equals_sign_is_refused_with_the_way_out(
    db: Database, tmp_path: Path
) -> None:
    """A spreadsheet makes '=we did well' a formula (LibreOffice saves it with the value
    #VALUE!, so 'paste values' alone would import an error text): the message says how to type
    it as text."""
    make_team(db)
    pack = filled_pack(db, tmp_path, {("Comments", "MFI"): "=we did well"})

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (problem,) = result.files[0].problems
    assert (problem.sheet, problem.row, problem.column) == ("Assessment", 5, "Comments")
    assert "apostrophe" in problem.message and "('=…)" in problem.message


def test_the_pack_file_name_keeps_a_team_name_with_brackets(qtbot, db: Database) -> None:
    """The suggested file name came from the combo's text cut at the first ' (' (meant for
    the cohort), so 'Ward 7 (Day Unit)' and 'Ward 7 (Night)' both suggested 'Ward-7'."""
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs.export_dialog import ExportDialog

    make_team(db)
    with db.unit_of_work() as session:
        session.scalars(select(Team)).one().name = "Ward 7 (Day Unit)"
    dialog = ExportDialog(UiContext(Services.create(db)))
    qtbot.addWidget(dialog)
    dialog.pack_radio.setChecked(True)
    assert Path(dialog.path_edit.text()).name == "self-assessment-Ward-7-Day-Unit-start.xlsx"


def test_a_pack_merged_with_the_full_export_that_brings_its_team_is_applied(
    db: Database, tmp_path: Path
) -> None:
    """A lead merging a coach's full export and the coach's filled packs into a new database
    in one go: the pack's team arrives with the export."""
    names = make_team(db)
    pack = filled_pack(db, tmp_path, {("Aled Jones", "MFI"): 3})
    book = tmp_path / "full.xlsx"
    ExportService(db.unit_of_work).export_full(book)
    lead = Database.open(tmp_path / "lead.sqlite")

    result = ImportService(lead.unit_of_work, lead.path).apply([pack, book])

    assert result.applied and not any(f.problems for f in result.files), result.as_json()
    assert answers(lead, names) == {("Aled Jones", "MFI"): (3, "")}


def test_a_pack_is_only_written_when_it_can_be_read_back(db: Database, tmp_path: Path) -> None:
    """Import reads 64 columns: a team of 59 or more members got a pack that was refused on
    import ('a cell at BM4, beyond what QI Desk reads'), after the team had filled it in."""
    from qidesk.services.base import ServiceError

    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        team = Team(cohort=cohort, name="Whole ward")
        session.add_all([cohort, team])
        session.add_all([Member(team=team, name=f"Person {i:02d}") for i in range(58)])
    pack = tmp_path / "pack.xlsx"
    ExportService(db.unit_of_work).export_pack(pack, team_name="Whole ward", stage="start")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Person 57")).value = 3
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Comments")).value = "last column"
    wb.save(pack)
    assert ImportService(db.unit_of_work, db.path).apply([pack]).totals.created == 2

    with db.unit_of_work() as session:
        team = session.scalars(select(Team)).one()
        session.add(Member(team=team, name="Person 58"))
    with pytest.raises(ServiceError, match="59 members taking part; a pack has room for 58"):
        ExportService(db.unit_of_work).export_pack(
            tmp_path / "too-wide.xlsx", team_name="Whole ward", stage="start"
        )
    assert not (tmp_path / "too-wide.xlsx").exists()


@pytest.mark.soffice
@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed",
)
def test_a_pack_with_a_column_deleted_and_saved_by_libreoffice(
    db: Database, tmp_path: Path
) -> None:
    """The same as a person would: delete a member's column, fill, save in LibreOffice Calc."""
    from test_roundtrip_soffice import resave

    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.delete_cols(column_of(ws, "Bethan Evans"))
    ws.cell(row_of(ws, "DATA"), column_of(ws, "Carys Price")).value = "4 – Can apply it on my own"
    ws.cell(row_of(ws, "DATA"), column_of(ws, "Comments")).value = "Sêr! ⭐"
    wb.save(pack)
    saved = resave(pack, tmp_path / "calc")

    result = ImportService(db.unit_of_work, db.path).apply([saved])

    (report,) = result.files
    assert result.applied and any("Bethan Evans" in w for w in report.warnings)
    assert answers(db, names) == {
        ("Carys Price", "DATA"): (4, ""),
        ("consensus", "DATA"): (None, "Sêr! ⭐"),
    }


def test_comments_are_read_when_the_consensus_column_was_deleted(
    db: Database, tmp_path: Path
) -> None:
    names = make_team(db)
    service = ImportService(db.unit_of_work, db.path)
    first = filled_pack(db, tmp_path, {("Team consensus", "MFI"): 3})
    assert service.apply([first]).applied
    pack = export_pack(db, tmp_path / "second.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    ws.delete_cols(column_of(ws, "Team consensus"))
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Comments")).value = "Agreed at huddle"
    ws.cell(row_of(ws, "AIM"), column_of(ws, "Comments")).value = "New this time"
    wb.save(pack)

    result = service.apply([pack])

    assert result.applied and any("Team consensus" in w for w in result.files[0].warnings)
    assert answers(db, names) == {
        ("consensus", "MFI"): (3, "Agreed at huddle"),  # the level as it was
        ("consensus", "AIM"): (None, "New this time"),
    }


def test_a_renamed_member_column_is_refused_with_the_name_to_give_back(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb, ws = unprotected_fill_sheet(pack)
    col = column_of(ws, "Aled Jones")
    ws.cell(4, col).value = "Aled J."
    ws.cell(row_of(ws, "MFI"), col).value = 3
    wb.save(pack)

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (problem,) = result.files[0].problems
    assert "'Aled J.'" in problem.message
    assert "If it is the column of 'Aled Jones', give it back the header" in problem.message
