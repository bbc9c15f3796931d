"""A new user's first window: the welcome page of an empty database and Help → About."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.ui.context import UiContext
from qidesk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, db: Database) -> Iterator[MainWindow]:
    win = MainWindow(UiContext(Services.create(db)))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_welcome_offers_to_import_the_workbook_a_lead_sent(qtbot, window: MainWindow) -> None:
    """A coach whose lead sent the cohort as a workbook is told to import it, and can, from
    the welcome page (making the cohort by hand too would list it twice after the import)."""
    welcome = window.welcome
    assert window.current_page() is welcome
    assert "import it" in welcome.message.text()
    assert welcome.import_button.isVisible()
    triggered: list[bool] = []
    spy = QAction("spy", window)
    spy.triggered.connect(lambda: triggered.append(True))
    window.import_action = spy  # what the button triggers: File → Import…
    welcome.import_button.click()
    assert triggered == [True]


def test_about_names_the_backup_folder(tmp_path: Path) -> None:
    """README: Help → About shows where the backups made before migrations and imports are."""
    from qidesk.ui.dialogs.about_dialog import about_text

    database = tmp_path / "coach.sqlite"
    text = about_text(database)
    assert "Backups" in text
    assert str(tmp_path / "coach-backups") in text
    assert "Backups" not in about_text(None)


def test_new_coach_imports_the_leads_workbook_from_the_welcome_page(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first hour of a coach: an empty database, the lead's workbook, Import a workbook…,
    Check, Apply; the welcome page gives way to the cohorts that came with it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from qidesk.cli import main
    from qidesk.ui.dialogs.import_dialog import ImportDialog

    lead = tmp_path / "lead.sqlite"
    workbook = tmp_path / "cohort-9.xlsx"
    assert main(["demo", "--db", str(lead)]) == 0
    assert main(["export", "--db", str(lead), "--out", str(workbook)]) == 0
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes
    )
    seen: list[ImportDialog] = []

    def in_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportDialog):
            QTimer.singleShot(10, in_dialog)
            return
        seen.append(dialog)
        dialog.add_files([workbook])
        dialog.check_button.click()
        qtbot.waitUntil(lambda: dialog.preview is not None, timeout=30000)
        dialog.apply_button.click()
        qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
        dialog.close_button.click()

    QTimer.singleShot(0, in_dialog)
    window.welcome.import_button.click()
    assert seen and seen[0].result is not None and seen[0].result.applied
    qtbot.waitUntil(lambda: window.current_page() is not window.welcome, timeout=5000)
    assert window.navigator.model.rowCount() == 2  # the lead's two cohorts


def test_programme_page_of_an_empty_database_names_a_shortcut_that_works(
    qtbot, window: MainWindow
) -> None:
    """Programme said 'Make one with New cohort (Ctrl+N)', but off the welcome page Ctrl+N
    is Edit → New (hidden there) and New cohort is Ctrl+Shift+N: the key did nothing."""
    import re

    from qidesk.ui.navigator import Selection

    window.select(Selection("fixed", "programme"))
    page = window.current_page()
    assert page is not window.welcome
    named = re.findall(r"\((Ctrl\+[A-Za-z+]+)\)", page.empty.text())
    assert named, page.empty.text()
    shortcuts = {s.toString() for s in window.new_cohort_action.shortcuts()}
    assert set(named) <= shortcuts


def test_import_log_of_an_empty_database_names_the_menu_item_as_it_is(
    qtbot, window: MainWindow
) -> None:
    """The empty Import log sent the user to 'File → Import workbooks…'; the menu says Import…"""
    from qidesk.ui.navigator import Selection

    window.select(Selection("fixed", "import_log"))
    page = window.current_page()
    texts = " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())
    assert "File → " in texts
    named = texts.split("File → ", 1)[1].split(" (", 1)[0]
    file_menu = window.menu("File")
    assert named in [a.text().replace("&", "") for a in file_menu.actions()]
