"""The export and import dialogs, used the way a coach uses them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.export_dialog import ExportDialog
from qidesk.ui.dialogs.import_dialog import ImportDialog
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)

SHOTS = os.environ.get("QIDESK_SHOTS")


def shot(widget, name: str) -> None:
    """Save a PNG of ``widget`` when QIDESK_SHOTS names a folder (for looking at screens)."""
    if SHOTS:
        widget.show()
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def context(demo_copy: Database) -> UiContext:
    return UiContext(Services.create(demo_copy))


@pytest.fixture
def empty_context(tmp_path: Path):
    db = Database.open(tmp_path / "empty.sqlite")
    yield UiContext(Services.create(db))
    db.close()


def test_export_dialog_writes_a_pack_for_the_chosen_team(qtbot, context, tmp_path) -> None:
    dialog = ExportDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.full_radio.isChecked()
    radio = dialog.pack_radio
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert dialog.pages.currentIndex() == 1
    dialog.team_combo.setCurrentIndex(2)
    dialog.stage_combo.setCurrentIndex(1)
    assert dialog.path_edit.text().endswith("-mid.xlsx")
    target = tmp_path / "pack.xlsx"
    dialog.path_edit.setText(str(target))
    shot(dialog, "export-dialog-pack")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20000)
    assert target.exists() and dialog.summary.kind == "assessment-pack"
    assert "Wrote the self-assessment pack" in dialog.status.text()


def test_export_dialog_exports_the_ticked_cohort(qtbot, context, tmp_path) -> None:
    dialog = ExportDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    cohort = dialog.tree.topLevelItem(0)
    cohort.setCheckState(0, Qt.CheckState.Checked)
    assert all(
        cohort.child(i).checkState(0) == Qt.CheckState.Checked for i in range(cohort.childCount())
    )
    shot(dialog, "export-dialog-full")
    target = tmp_path / "cohort.xlsx"
    dialog.path_edit.setText(str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20000)
    by_sheet = dict(dialog.summary.rows_by_sheet)
    assert by_sheet["Cohorts"] == 1 and by_sheet["Teams"] == cohort.childCount()


def test_import_dialog_checks_shows_the_plan_and_applies_after_asking(
    qtbot, empty_context, team_export, monkeypatch
) -> None:
    dialog = ImportDialog(empty_context, [team_export])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    rows = {dialog.plan.item(r, 0).text(): r for r in range(dialog.plan.rowCount())}
    assert int(dialog.plan.item(rows["Teams"], 1).text()) == 2
    assert "Applying would create" in dialog.summary.text()
    assert dialog.apply_button.isEnabled()
    shot(dialog, "import-dialog-preview")
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20000)
    assert asked and "backup" in asked[0]
    assert dialog.result.applied
    assert dialog.summary.text().startswith("Applied:")
    with empty_context.services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 2
        assert session.scalar(select(func.count()).select_from(Member)) > 5


def test_import_dialog_lists_problems_with_their_location(qtbot, empty_context, tmp_path) -> None:
    bad = tmp_path / "bad.csv.xlsx"
    bad.write_text("uuid,name\n")
    dialog = ImportDialog(empty_context)
    qtbot.addWidget(dialog)
    dialog.add_files([bad])
    dialog.show()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    assert dialog.problems.rowCount() == 1
    assert "CSV" in dialog.problems.item(0, 4).text()
    assert not dialog.apply_button.isEnabled()
    shot(dialog, "import-dialog-problems")


def test_cancelling_an_import_applies_nothing(qtbot, empty_context, team_export, monkeypatch):
    dialog = ImportDialog(empty_context, [team_export])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    service = empty_context.services.workbook_import
    original = service.apply

    def apply_then_cancel(paths, **kwargs):
        kwargs["cancelled"] = lambda: True  # the user pressed Cancel at once
        return original(paths, **kwargs)

    monkeypatch.setattr(service, "apply", apply_then_cancel)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in dialog.summary.text(), timeout=20000)
    with empty_context.services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 0


def test_main_window_gets_import_export_and_drop(qtbot, context, team_export, monkeypatch):
    from qidesk.ui.dialogs import import_dialog
    from qidesk.ui.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    import_dialog.register(window)
    texts = [a.text() for a in window.menu("File").actions()]
    assert texts[:3] == ["&Import…", "&Export…", "Export self-assessment &pack…"]
    assert window.import_action.shortcut().toString() == "Ctrl+I"
    taken, opened = drop_files(window, monkeypatch, [team_export, Path("/tmp/notes.txt")])
    assert taken
    assert opened == [[str(team_export)]]
    assert window.acceptDrops()


def drop_files(window, monkeypatch, paths: list[Path]) -> tuple[bool, list[list[str]]]:
    """Drop ``paths`` on ``window``: whether its drop filter took them, and the files the import
    dialog was opened with (each opening's list)."""
    from qidesk.ui.dialogs import import_dialog

    opened: list[list[str]] = []
    monkeypatch.setattr(
        import_dialog, "open_import_dialog", lambda _w, paths=(): opened.append(list(paths))
    )
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    drop = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt delivers synthetic drops only during a real drag, so hand the event to the filter.
    return window._workbook_drop_filter.eventFilter(window, drop), opened


def test_status_words_cover_every_file_status() -> None:
    from qidesk.services import import_service
    from qidesk.ui.dialogs.import_dialog import STATUS_TEXT

    statuses = {
        import_service.APPLIED,
        import_service.UNCHANGED,
        import_service.REJECTED,
        import_service.VALID,
    }
    assert set(STATUS_TEXT) == statuses


def test_import_dialog_shows_each_files_status_beside_it(
    qtbot, empty_context, team_export, tmp_path
) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("name,role\nNia,nurse\n")
    dialog = ImportDialog(empty_context, [team_export, bad])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.paths() == [str(team_export), str(bad)]
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    rows = [
        [dialog.files.item(r, c).text() for c in range(dialog.files.columnCount())]
        for r in range(dialog.files.rowCount())
    ]
    assert rows[0] == ["team.xlsx", "ready", ""]
    assert rows[1][:2] == ["notes.xlsx", "rejected"]
    assert rows[1][2] == "1 problem (listed below)"
    assert dialog.files.item(1, 1).font().bold()
    assert "2 files: 1 ready, 1 rejected" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()  # a rejected file and "skip" not ticked
    dialog.files.selectRow(1)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.paths() == [str(team_export)]
    assert dialog.files.item(0, 1).text() == ""  # checking again is needed


def test_import_dialog_writes_large_counts_with_thousands_separators(qtbot, empty_context) -> None:
    from qidesk.services.import_service import APPLIED, Counts, FileReport, ImportPreview

    dialog = ImportDialog(empty_context, [])
    qtbot.addWidget(dialog)
    counts = Counts(created=149_033, updated=1_200, deleted=7, unchanged=0, conflicts=0)
    report = FileReport(path="coach-00.xlsx", status=APPLIED, problems=(), warnings=(), rows=3738)
    preview = ImportPreview((report,), (("AssessmentResponse", counts),), counts)
    assert dialog._summary_text(preview, applied=True).startswith(
        "Applied: 149,033 created, 1,200 updated, 7 deleted"
    )
    assert "create 149,033, update 1,200" in dialog._summary_text(preview, applied=False)
    dialog._fill(preview, applied=True)
    texts = [dialog.plan.item(0, c).text() for c in range(1, 4)]
    assert texts == ["149,033", "1,200", "7"]
