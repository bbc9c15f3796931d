"""A new user's first window: the welcome page of an empty database and Help → About."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction

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
