"""Two coaches edit the same team and a lead merges their workbooks in either order: one
conflict, the same winner, each version named by the workbook its installation exported, and
keeping the other version closes the conflict on the other lead copy too."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from qidesk.services.conflict_service import ConflictService
from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Team
from qidesk.ui.context import UiContext
from qidesk.ui.pages.conflicts_page import ConflictsPage
from test_merge_support import fresh_database
from test_qa_sync_pack import make_team


def team_name(db: Database) -> str:
    with db.unit_of_work() as session:
        return session.scalars(select(Team.name)).one()


def coaches_workbooks(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The lead's database (before merging) and coach A's and coach B's full exports, each
    having renamed the team since they received the lead's workbook."""
    lead = fresh_database(tmp_path, "lead", "1ead0000")
    make_team(lead)
    start = tmp_path / "from-lead.xlsx"
    ExportService(lead.unit_of_work).export_full(start)
    lead.close()
    books = []
    for key, new_name in (("a", "Stroke Unit Carmarthen (A)"), ("b", "Stroke Unit (B)")):
        coach = fresh_database(tmp_path, key, f"{key * 4}0000")
        assert ImportService(coach.unit_of_work, coach.path).apply([start]).applied
        services = Services.create(coach)
        with coach.unit_of_work() as session:
            team = session.scalars(select(Team.uuid)).one()
        services.teams.update(team, name=new_name)
        book = tmp_path / f"coach-{key}.xlsx"
        ExportService(coach.unit_of_work).export_full(book)
        coach.close()
        books.append(book)
    return tmp_path / "lead.sqlite", books[0], books[1]


def test_two_coaches_edits_merge_to_one_conflict_in_either_order(tmp_path: Path, qtbot) -> None:
    lead_file, book_a, book_b = coaches_workbooks(tmp_path)
    leads = []
    for order in ((book_a, book_b), (book_b, book_a)):
        copy = tmp_path / f"lead-{order[0].stem}.sqlite"
        shutil.copyfile(lead_file, copy)
        db = Database.open(copy)
        service = ImportService(db.unit_of_work, db.path)
        assert service.apply([order[0]]).totals.updated == 1
        assert service.apply([order[1]]).totals.conflicts == 1
        assert service.apply([order[1]]).totals.changes == 0  # the same workbook twice
        leads.append(db)
    first, second = leads
    assert team_name(first) == team_name(second)

    conflicts = ConflictService(first.unit_of_work)
    (conflict,) = conflicts.list_conflicts()
    where = {v.made_where.split("(")[1][:4]: v for v in conflict.versions}
    assert where["aaaa"].made_where == "another installation (aaaa0000)"
    assert where["aaaa"].exported_in == "coach-a.xlsx"
    assert where["bbbb"].exported_in == "coach-b.xlsx"
    shown = next(v for v in conflict.versions if v.shown)
    assert f"which exported {shown.exported_in})" in conflict.summary

    # The Conflicts view names the workbooks in the versions' headings.
    page = ConflictsPage(UiContext(Services.create(first)))
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    headings = [page.versions.horizontalHeaderItem(c).text() for c in range(2)]
    assert any("which exported coach-a.xlsx" in h for h in headings), headings
    assert any("which exported coach-b.xlsx" in h for h in headings), headings

    # Keep the version not shown; the resolution closes the conflict on the other lead copy.
    other = next(v for v in conflict.versions if not v.shown)
    expected = "Stroke Unit Carmarthen (A)" if other is where["aaaa"] else "Stroke Unit (B)"
    page.keep(other.key)
    assert conflicts.count() == 0 and team_name(first) == expected
    resolved = tmp_path / "resolved.xlsx"
    ExportService(first.unit_of_work).export_full(resolved)
    result = ImportService(second.unit_of_work, second.path).apply([resolved])
    assert result.totals.updated == 1
    assert ConflictService(second.unit_of_work).count() == 0
    assert team_name(second) == expected


def test_two_fills_of_one_pack_are_a_conflict_a_coach_can_read(
    db: Database, tmp_path: Path, qtbot
) -> None:
    """Two copies of one pack filled differently, imported on different days: the conflict
    says whose answer to which item of which team it is, names the respondent, and names the
    copy each version came from (the import that brought it)."""
    import openpyxl

    from test_qa_sync_pack import column_of, export_pack, row_of

    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    for copy, level in (("monday.xlsx", 2), ("thursday.xlsx", 4)):
        wb = openpyxl.load_workbook(pack)
        ws = wb["Assessment"]
        ws.cell(row_of(ws, "MFI"), column_of(ws, "Aled Jones")).value = level
        wb.save(tmp_path / copy)
        service.apply([tmp_path / copy])

    (conflict,) = ConflictService(db.unit_of_work).list_conflicts()

    assert conflict.title.endswith(" · Aled Jones · Stroke Unit Carmarthen · Start")
    assert not conflict.title.startswith("MFI")  # the item's wording, not its code
    assert conflict.summary.startswith("This self-assessment answer was changed in 2 places")
    fields = {f.key: f.values for f in conflict.fields}
    assert fields["respondent"] == ("Aled Jones", "Aled Jones")
    assert fields["assessment_uuid"][0] == "Stroke Unit Carmarthen · Start"
    assert sorted(v.made_where_in_full for v in conflict.versions) == [
        "a spreadsheet edit (monday.xlsx), imported earlier",
        "a spreadsheet edit (thursday.xlsx), imported last",
    ]
    assert names["Aled Jones"] not in conflict.summary

    # The long title wraps: the page does not grow wider than a 1366-pixel screen allows.
    page = ConflictsPage(UiContext(Services.create(db)))
    qtbot.addWidget(page)
    page.resize(1046, 680)
    page.show()
    page.refresh()
    assert page.record_title.text().startswith("Self-assessment answer: ")
    assert page.minimumSizeHint().width() < 1046


def test_the_import_dialog_says_where_conflicts_are_chosen(qtbot, db: Database) -> None:
    from qidesk.services.import_service import APPLIED, Counts, FileReport, ImportPreview
    from qidesk.ui.dialogs.import_dialog import ImportDialog

    dialog = ImportDialog(UiContext(Services.create(db)), [])
    qtbot.addWidget(dialog)
    report = FileReport(path="coach-b.xlsx", status=APPLIED, rows=12)
    for conflicts, hint in ((1, True), (0, False)):
        counts = Counts(updated=1, conflicts=conflicts)
        preview = ImportPreview((report,), (("Team", counts),), counts)
        text = dialog._summary_text(preview, applied=True)
        assert ("Open Conflicts" in text) is hint, text
    assert "1 conflict." in dialog._summary_text(
        ImportPreview((report,), (), Counts(conflicts=1)), applied=True
    )


def test_a_corrected_pack_sent_again_says_which_fill_was_imported_last(
    db: Database, tmp_path: Path
) -> None:
    """A team sends its pack, then corrects an answer in the same file and sends it again: the
    two fills are concurrent edits of one export (a conflict, as two copies would be), with
    the same file, author and time; the versions say which was imported last, and the summary
    does not claim the shown one was 'changed last'."""
    import openpyxl

    from test_qa_sync_pack import column_of, export_pack, row_of

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    for level in (2, 4):
        wb = openpyxl.load_workbook(pack)
        ws = wb["Assessment"]
        ws.cell(row_of(ws, "MFI"), column_of(ws, "Aled Jones")).value = level
        wb.save(pack)
        service.apply([pack])

    (conflict,) = ConflictService(db.unit_of_work).list_conflicts()

    by_score = {
        f.values[i]: v
        for f in conflict.fields
        if f.key == "score"
        for i, v in enumerate(conflict.versions)
    }
    assert by_score["4"].made_where_in_full == "a spreadsheet edit (pack.xlsx), imported last"
    assert by_score["2"].made_where_in_full == "a spreadsheet edit (pack.xlsx), imported earlier"
    assert by_score["4"].import_order == "imported last"
    assert "changed last" not in conflict.summary
    assert "picked the same way on every computer" in conflict.summary
