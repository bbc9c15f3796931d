"""Self-assessment packs as a coach meets them: problems named by the header the coach sees,
and copies of one pack (or two packs for one stage) filled apart and imported one by one."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.sync.pack import FILL_SHEET
from test_qa_sync_pack import answers, column_of, export_pack, make_team, row_of


def test_a_formula_in_a_pack_names_the_members_header_not_a_letter(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = "=1+2"
    ws.cell(row_of(ws, "AIM"), column_of(ws, "Comments")).value = "=A1"
    wb.save(pack)
    before = db.path.read_bytes()

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert report.status == "rejected" and db.path.read_bytes() == before
    where = [(p.sheet, p.row, p.column) for p in report.problems]
    assert where == [("Assessment", 5, "Bethan Evans"), ("Assessment", 6, "Comments")]
    assert all("formula" in p.message for p in report.problems)


def test_a_formula_under_a_header_two_members_share_keeps_its_letter(
    db: Database, tmp_path: Path
) -> None:
    """Two members with one name: the header alone would not say which column."""
    from sqlalchemy import select

    from qidesk.store.models import Member

    make_team(db)
    with db.unit_of_work() as session:
        bethan = session.scalars(select(Member).where(Member.name == "Bethan Evans")).one()
        bethan.name = "Aled Jones"
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), 6).value = "=2"
    wb.save(pack)

    (problem,) = ImportService(db.unit_of_work, db.path).apply([pack]).files[0].problems

    assert (problem.row, problem.column) == (5, "Aled Jones (F)")


# ---- copies of one pack, and two packs for one stage, filled apart ----------------------------


def filled_copy(source: Path, target: Path, cells: dict[tuple[str, str], object]) -> Path:
    """A copy of the pack ``source`` with ``cells`` (header, item code) filled in."""
    wb = openpyxl.load_workbook(source)
    ws = wb[FILL_SHEET]
    for (header, code), value in cells.items():
        ws.cell(row_of(ws, code), column_of(ws, header)).value = value
    wb.save(target)
    return target


MONDAY = {("Aled Jones", "MFI"): 2, ("Carys Price", "AIM"): 3, ("Comments", "DATA"): "Run charts"}
THURSDAY = {("Aled Jones", "MFI"): 4, ("Carys Price", "AIM"): 3, ("Comments", "DATA"): "SPC"}


def differing_warnings(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [w for w in report.warnings if "in this pack differ" in w]


def test_a_second_copy_of_a_pack_names_the_first_and_keeps_both(
    db: Database, tmp_path: Path
) -> None:
    """Two people filled copies of one pack; the coach imports them on different days. The
    second import says which answers differ from which copy, and both are kept (a conflict
    each), never one silently replacing the other."""
    from qidesk.services.conflict_service import ConflictService

    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    monday = filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)
    thursday = filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)
    service = ImportService(db.unit_of_work, db.path)
    first = service.apply([monday])
    assert first.applied and not differing_warnings(first.files[0])

    preview = service.preview([thursday])
    result = service.apply([thursday])

    for outcome in (preview, result):
        (warning,) = differing_warnings(outcome.files[0])
        assert warning.startswith(
            "2 answers in this pack differ from the answers of monday.xlsx, another copy of "
            "this pack, imported on "
        ), warning
        assert "(Aled Jones: MFI; Comments: DATA)" in warning
        assert "keeps both, as conflicts" in warning and "Conflicts" in warning
    assert result.totals.conflicts == 2
    conflicts = ConflictService(db.unit_of_work).list_conflicts()
    kept = {
        (c.title.split(" · ")[1], tuple(sorted(f.values)))
        for c in conflicts
        for f in c.fields
        if f.key in ("score", "comment") and f.differs
    }
    assert kept == {("Aled Jones", ("2", "4")), ("Team consensus", ("Run charts", "SPC"))}
    # Each version names the copy it came from.
    made = sorted(v.made_where for c in conflicts for v in c.versions)
    assert (
        made
        == ["a spreadsheet edit (monday.xlsx)"] * 2 + ["a spreadsheet edit (thursday.xlsx)"] * 2
    )
    # The same copies again, in any order: nothing new, nothing said.
    for again in (thursday, monday):
        outcome = service.apply([again])
        assert outcome.totals.changes == 0 and not differing_warnings(outcome.files[0])
    assert answers(db, names)[("Carys Price", "AIM")] == (3, "")


def test_copies_imported_in_either_order_give_the_same_answers_and_conflicts(
    tmp_path: Path,
) -> None:
    import shutil

    from test_merge_support import fresh_database, state

    start = fresh_database(tmp_path, "start", "c0ac0000")
    make_team(start)
    pack = export_pack(start, tmp_path / "pack.xlsx")
    start.close()
    monday = filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)
    thursday = filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)
    states, said = [], []
    for order in ((monday, thursday), (thursday, monday)):
        copy = tmp_path / f"{order[0].stem}-first.sqlite"
        shutil.copyfile(tmp_path / "start.sqlite", copy)
        db = Database.open(copy)
        service = ImportService(db.unit_of_work, db.path)
        service.apply([order[0]])
        (warning,) = differing_warnings(service.apply([order[1]]).files[0])
        said.append(warning)
        states.append(state(db).shown())
        db.close()
    assert states[0] == states[1]
    assert "the answers of monday.xlsx, another copy" in said[0]
    assert "the answers of thursday.xlsx, another copy" in said[1]


def test_copies_merged_in_one_go_each_name_the_other(db: Database, tmp_path: Path) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    monday = filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)
    thursday = filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)

    result = ImportService(db.unit_of_work, db.path).apply([monday, thursday])

    assert result.totals.conflicts == 2
    by_file = {Path(f.path).name: differing_warnings(f) for f in result.files}
    assert (
        "from the answers of thursday.xlsx, another copy of this pack, imported with it"
        in (by_file["monday.xlsx"][0])
    )
    assert "from the answers of monday.xlsx, another copy" in by_file["thursday.xlsx"][0]
    # Merged again together (a lead re-running the same folder): nothing new, nothing said.
    again = ImportService(db.unit_of_work, db.path).preview([monday, thursday])
    assert again.totals.changes == 0 and not any(f.warnings for f in again.files)


def test_a_second_pack_exported_for_the_same_stage_is_named_as_such(
    db: Database, tmp_path: Path
) -> None:
    """The coach exported the pack twice (a lost e-mail): both came back filled."""
    make_team(db)
    first = export_pack(db, tmp_path / "first.xlsx")
    second = export_pack(db, tmp_path / "second.xlsx")
    filled_copy(first, first, {("Bethan Evans", "AIM"): 1})
    filled_copy(second, second, {("Bethan Evans", "AIM"): 5, ("Team consensus", "AIM"): 4})
    service = ImportService(db.unit_of_work, db.path)
    service.apply([first])

    result = service.apply([second])

    (warning,) = differing_warnings(result.files[0])
    assert warning.startswith(
        "1 answer in this pack differs from the answers of first.xlsx, another pack for this "
        "team and stage, imported on "
    )
    assert "(Bethan Evans: AIM)" in warning and "as a conflict" in warning
    assert result.totals.conflicts == 1 and result.totals.created == 1


def test_a_pack_corrected_and_sent_again_says_so(db: Database, tmp_path: Path) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    filled_copy(pack, pack, {("Aled Jones", "MFI"): 2})
    service.apply([pack])
    filled_copy(pack, pack, {("Aled Jones", "MFI"): 3})

    (warning,) = differing_warnings(service.apply([pack]).files[0])

    assert "from the answers of pack.xlsx as it was imported on " in warning


def test_an_answer_changed_in_qi_desk_since_export_is_named(db: Database, tmp_path: Path) -> None:
    from sqlalchemy import select

    from qidesk.store.models.assessment import AssessmentResponse

    make_team(db)
    service = ImportService(db.unit_of_work, db.path)
    service.apply(
        [
            filled_copy(
                export_pack(db, tmp_path / "a.xlsx"),
                tmp_path / "a.xlsx",
                {("Aled Jones", "MFI"): 2},
            )
        ]
    )
    pack = export_pack(db, tmp_path / "b.xlsx")  # carries Aled's 2
    with db.unit_of_work() as session:
        session.scalars(select(AssessmentResponse)).one().score = 3  # the coach corrects it
    filled_copy(pack, pack, {("Aled Jones", "MFI"): 5})  # the team changes it too

    (warning,) = differing_warnings(service.apply([pack]).files[0])

    assert "from the answers changed in QI Desk on this computer since this pack was exported" in (
        warning
    )


def test_copies_agreeing_or_answering_different_cells_say_nothing(
    db: Database, tmp_path: Path
) -> None:
    names = make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    service.apply([filled_copy(pack, tmp_path / "a.xlsx", {("Aled Jones", "MFI"): 2})])
    cells = {("Aled Jones", "MFI"): 2, ("Bethan Evans", "MFI"): 4}

    result = service.apply([filled_copy(pack, tmp_path / "b.xlsx", cells)])

    assert not result.files[0].warnings and result.totals.conflicts == 0
    assert answers(db, names) == {("Aled Jones", "MFI"): (2, ""), ("Bethan Evans", "MFI"): (4, "")}


def test_the_import_log_lists_each_copys_own_answers(db: Database, tmp_path: Path) -> None:
    """Copies share their export id, which was each single import's id: the log entry of each
    copy listed the answers of both, and the history named the first copy for both."""
    from qidesk.services.import_log_service import ImportLogService

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    service.apply([filled_copy(pack, tmp_path / "monday.xlsx", {("Aled Jones", "MFI"): 2})])
    service.apply([filled_copy(pack, tmp_path / "thursday.xlsx", {("Carys Price", "AIM"): 3})])

    log = ImportLogService(db.unit_of_work)
    received = {
        entry.file_name: [v.title for v in log.versions_received(entry.import_id)]
        for entry in log.list_imports()
    }

    assert len(received["monday.xlsx"]) == 1 and "Aled Jones" in received["monday.xlsx"][0]
    assert len(received["thursday.xlsx"]) == 1 and "Carys Price" in received["thursday.xlsx"][0]


def test_the_command_line_prints_which_copy_differs(capsys, db: Database, tmp_path: Path) -> None:
    import json

    from qidesk.cli import main

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    monday = filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)
    thursday = filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)
    ImportService(db.unit_of_work, db.path).apply([monday])
    db.close()

    status = main(["import", "--db", str(db.path), "--dry-run", str(thursday)])
    text = capsys.readouterr().out
    assert status == 3
    assert "warning: 2 answers in this pack differ from the answers of monday.xlsx" in text
    status = main(["import", "--db", str(db.path), "--json", str(thursday)])
    (warning,) = json.loads(capsys.readouterr().out)["files"][0]["warnings"]
    assert status == 3 and "monday.xlsx, another copy of this pack" in warning


# ---- the export dialog's pack page --------------------------------------------------------------


def test_the_pack_dialog_offers_the_teams_next_stage_and_says_what_it_holds(
    qtbot, db: Database, tmp_path: Path
) -> None:
    """The stage was always 'Start': a coach exporting the midpoint pack from the team page
    sent the team its start pack again unless they noticed the stage."""
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs.export_dialog import ExportDialog

    names = make_team(db)
    services = Services.create(db)
    context = UiContext(services)
    with db.unit_of_work() as session:
        from sqlalchemy import select

        from qidesk.store.models import Team

        team_uuid = session.scalars(select(Team.uuid)).one()

    def dialog_for_team() -> ExportDialog:
        dialog = ExportDialog(context, team_uuid=team_uuid, pack=True)
        qtbot.addWidget(dialog)
        return dialog

    dialog = dialog_for_team()
    assert dialog.stage_combo.currentData() == "start"
    assert dialog.stage_note.text() == "No start answers recorded for Stroke Unit Carmarthen yet."
    assert dialog.team_combo.currentText() == "Stroke Unit Carmarthen · Cohort 9"

    pack = export_pack(db, tmp_path / "start.xlsx")
    ImportService(db.unit_of_work, db.path).apply(
        [filled_copy(pack, pack, {("Aled Jones", "MFI"): 3})]
    )
    dialog = dialog_for_team()
    assert dialog.stage_combo.currentData() == "mid"
    assert dialog.path_edit.text().endswith("-mid.xlsx")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData("start"))
    assert "already has start answers: the pack shows them" in dialog.stage_note.text()
    assert answers(db, names) == {("Aled Jones", "MFI"): (3, "")}


def test_a_pack_saved_as_ods_and_dropped_on_the_window_says_how_to_save_it(
    qtbot, db: Database, tmp_path: Path, monkeypatch
) -> None:
    """The team saved the pack in LibreOffice's own format; the coach drops it on the window.
    The drop took only .xlsx and .xlsm, so nothing happened and nothing was said."""
    import zipfile

    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs import import_dialog
    from qidesk.ui.main_window import MainWindow
    from test_sync_io_ui import drop_files

    ods = tmp_path / "pack.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    window = MainWindow(UiContext(Services.create(db)))
    qtbot.addWidget(window)
    import_dialog.register(window)
    taken, opened = drop_files(window, monkeypatch, [ods, tmp_path / "notes.txt"])
    assert taken
    assert opened == [[str(ods)]]
    (report,) = ImportService(db.unit_of_work, db.path).preview(opened[0]).files
    (problem,) = report.problems
    assert "OpenDocument spreadsheet (.ods). Save it as an Excel Workbook" in problem.message


def test_one_rejected_pack_is_not_told_to_tick_skip_files_with_problems(
    qtbot, db: Database, tmp_path: Path
) -> None:
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs.import_dialog import ImportDialog

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    bad = filled_copy(pack, tmp_path / "bad.xlsx", {("Aled Jones", "MFI"): 9})
    good = filled_copy(pack, tmp_path / "good.xlsx", {("Aled Jones", "AIM"): 2})
    dialog = ImportDialog(UiContext(Services.create(db)), [bad])
    qtbot.addWidget(dialog)
    service = ImportService(db.unit_of_work, db.path)

    dialog._show_preview(service.preview([bad]))
    assert dialog.summary.text().startswith(
        "This file has problems (listed below): nothing can be applied until they are put right."
    )
    assert "Skip files" not in dialog.summary.text()
    assert dialog.problems.item(0, 3).text() == "Aled Jones"

    dialog.add_files([good])
    dialog._show_preview(service.preview([bad, good]))
    assert "tick “Skip files with problems”" in dialog.summary.text()


def test_a_copy_met_at_the_lead_after_the_other_came_in_a_coachs_workbook(
    tmp_path: Path,
) -> None:
    """The coach imported Monday's copy and sent the lead a full export; the team sent
    Thursday's copy to the lead directly. The lead is told the other copy's answers came in
    the coach's workbook (not that the coach's workbook is a copy of the pack)."""
    from qidesk.services.export_service import ExportService
    from test_merge_support import fresh_database

    coach = fresh_database(tmp_path, "coach", "c0ac0000")
    make_team(coach)
    pack = export_pack(coach, tmp_path / "pack.xlsx")
    start = tmp_path / "start.xlsx"
    ExportService(coach.unit_of_work).export_full(start)
    lead = fresh_database(tmp_path, "lead", "1ead0000")
    assert ImportService(lead.unit_of_work, lead.path).apply([start]).applied
    monday = filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)
    thursday = filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)
    ImportService(coach.unit_of_work, coach.path).apply([monday])
    book = tmp_path / "coach-book.xlsx"
    ExportService(coach.unit_of_work).export_full(book)
    service = ImportService(lead.unit_of_work, lead.path)
    service.apply([book])

    (warning,) = differing_warnings(service.apply([thursday]).files[0])

    assert warning.startswith(
        "2 answers in this pack differ from the answers of another copy of this pack, received "
        "in coach-book.xlsx, imported on "
    ), warning


def test_the_next_stage_follows_the_latest_stage_with_answers() -> None:
    from qidesk.services.export_service import TeamChoice

    def next_after(*answered: str) -> str:
        return TeamChoice("t", "Ward 7", "c", "Cohort 9", answered).next_stage

    assert next_after() == "start"
    assert next_after("start") == "mid"
    assert next_after("start", "mid") == "end"
    assert next_after("end", "start") == "end"  # mid skipped: not offered after the end
    assert next_after("mid") == "end"


def test_the_import_log_keeps_what_the_import_said_of_a_pack(
    qtbot, db: Database, tmp_path: Path
) -> None:
    """The warnings (copies that differ, answers kept but hidden) were shown only in the import
    dialog: once it was closed, nothing said them again."""
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.pages.import_log_page import ImportLogPage

    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    service = ImportService(db.unit_of_work, db.path)
    service.apply([filled_copy(pack, tmp_path / "monday.xlsx", MONDAY)])
    service.apply([filled_copy(pack, tmp_path / "thursday.xlsx", THURSDAY)])
    page = ImportLogPage(UiContext(Services.create(db)))
    qtbot.addWidget(page)
    page.resize(1046, 680)
    page.show()

    page.refresh()  # the newest first: thursday.xlsx

    text = page.detail_title.text()
    assert text.startswith("<b>thursday.xlsx</b> imported")
    assert "<br>⚠ 2 answers in this pack differ from the answers of monday.xlsx" in text
    page.imports.selectRow(1)
    assert "⚠" not in page.detail_title.text()


def test_a_lead_finds_a_team_for_a_pack_by_typing_part_of_its_name(
    qtbot, demo_db: Database, tmp_path: Path
) -> None:
    """A lead's list holds hundreds of teams: typing part of a name (any case, anywhere in it)
    offers the matches; typed text that is not a team never exports the team chosen before."""
    from PySide6.QtCore import Qt

    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(UiContext(Services.create(demo_db)), pack=True)
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.team_combo
    assert combo.isEditable()
    completer = combo.completer()
    completer.setCompletionPrefix("tenby")
    offered = [completer.completionModel().index(r, 0).data() for r in range(10)]
    offered = [text for text in offered if text]
    assert offered and all("tenby" in text.lower() for text in offered)
    wanted = offered[-1]
    out = tmp_path / "out"
    out.mkdir()
    dialog.path_edit.setText(str(out / "pack.xlsx"))
    combo.lineEdit().setText("no such team")
    dialog.export()
    assert "Choose a team from the list" in dialog.status.text()
    assert not list(out.iterdir())
    # The whole name typed, then Enter: that team is chosen and its pack written.
    combo.lineEdit().setText(wanted)
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    assert combo.currentText() == wanted == combo.itemText(combo.currentIndex())
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Wrote"), timeout=30_000)
    (written,) = out.iterdir()
    assert "tenby" in written.name.lower() and wanted.split(" · ")[0] in dialog.status.text()


def test_teams_of_one_name_in_cohorts_of_one_name_are_told_apart_in_the_pack_list() -> None:
    """A lead's merge of coaches who each made "Cohort 8" listed "Maternity Unit Cardigan ·
    Cohort 8 (December 2025)" eight times: the coach, and if need be the uuid, tells them apart."""
    from qidesk.services.export_service import TeamChoice
    from qidesk.ui.dialogs.export_dialog import _team_labels

    teams = [
        TeamChoice("a1b2c3d4-0000", "Ward 7", "c1", "Cohort 8", coach_name="Elin Vaughan"),
        TeamChoice("b2c3d4e5-0000", "Ward 7", "c2", "Cohort 8", coach_name="Huw Phillips"),
        TeamChoice("c3d4e5f6-0000", "Ward 7", "c3", "Cohort 8", coach_name="Huw Phillips"),
        TeamChoice("d4e5f6a7-0000", "Ward 9", "c1", "Cohort 8", coach_name="Huw Phillips"),
    ]
    assert _team_labels(teams) == [
        "Ward 7 · Cohort 8 · Elin Vaughan",
        "Ward 7 · Cohort 8 · Huw Phillips · b2c3d4e5",
        "Ward 7 · Cohort 8 · Huw Phillips · c3d4e5f6",
        "Ward 9 · Cohort 8",
    ]
