"""The main window driven like a user: create, edit, filter, delete and restore, open errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QToolButton, QWidget
from sqlalchemy import select

from qidesk import __version__
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.ui.context import UiContext
from qidesk.ui.main_window import MainWindow
from qidesk.ui.navigator import KIND_ROLE, Selection
from qidesk.ui.widgets import format_date


@pytest.fixture
def window(qtbot, db: Database) -> Iterator[MainWindow]:
    win = MainWindow(UiContext(Services.create(db)))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def fill_dialog(qtbot, trigger: Callable[[], object], fill: Callable[[QDialog], None]) -> None:
    """Run ``trigger`` (which opens a modal dialog) and let ``fill`` work in the dialog."""
    seen: list[QDialog] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and not seen:
            seen.append(dialog)
            fill(dialog)
        elif not seen:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    trigger()
    assert seen, "no dialog opened"


def click_ok(qtbot, dialog: QDialog) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def clear_button(edit) -> QToolButton:
    """The clear button a user sees inside an OptionalDateEdit (None when hidden)."""
    buttons = [
        b
        for b in edit.lineEdit().findChildren(QToolButton)
        if b.defaultAction() is edit.clear_action
    ]
    assert len(buttons) == 1
    return buttons[0]


def visible_team_names(window: MainWindow) -> list[str]:
    model = window.navigator.model
    names = []
    for row in range(model.rowCount()):
        cohort = model.index(row, 0)
        for child in range(model.rowCount(cohort)):
            index = model.index(child, 0, cohort)
            assert index.data(KIND_ROLE) == "team"
            names.append(index.data())
    return names


def test_empty_database_says_what_to_do(window: MainWindow) -> None:
    assert window.current_page() is window.welcome
    assert "no cohorts yet" in window.welcome.message.text()
    assert window.navigator.empty.isVisibleTo(window)
    assert window.new_cohort_action.shortcuts()[-1].toString() == "Ctrl+N"


def test_create_cohort_team_and_member_through_the_widgets(
    qtbot, window: MainWindow, db: Database
) -> None:
    def fill_cohort(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Cohort 12")
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, window.welcome.new_button.click, fill_cohort)
    page = window.current_page()
    assert page.title.text() == "Cohort 12"
    assert "No teams in this cohort yet" in page.teams_tab.empty.text()

    def fill_team(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Stroke Unit Llanelli")
        qtbot.keyClicks(dialog.service_edit, "Stroke")
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, window.new_item, fill_team)  # Ctrl+N on a cohort page: a team
    team_page = window.current_page()
    assert team_page.title.text() == "Stroke Unit Llanelli"
    assert visible_team_names(window) == ["Stroke Unit Llanelli"]

    def fill_member(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Nia Price")
        qtbot.keyClicks(dialog.role_edit, "Staff nurse")
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, window.new_action.trigger, fill_member)  # Ctrl+N on a team page
    overview = team_page.overview
    assert overview.members_model.rowCount() == 1

    with db.unit_of_work() as session:
        cohort = session.scalars(select(Cohort)).one()
        team = session.scalars(select(Team)).one()
        member = session.scalars(select(Member)).one()
    assert cohort.name == "Cohort 12"
    assert cohort.end_date is not None and cohort.start_date is not None
    assert (cohort.end_date.year * 12 + cohort.end_date.month) - (
        cohort.start_date.year * 12 + cohort.start_date.month
    ) == 9
    assert (team.name, team.service, team.cohort_uuid) == (
        "Stroke Unit Llanelli",
        "Stroke",
        cohort.uuid,
    )
    assert (member.name, member.role, member.team_uuid) == ("Nia Price", "Staff nurse", team.uuid)


def test_dialog_stays_open_when_the_save_is_refused(qtbot, window: MainWindow, monkeypatch) -> None:
    problems: list[str] = []
    monkeypatch.setattr(window.context, "show_problem", lambda _p, text: problems.append(text))
    still_open: list[bool] = []

    def fill(dialog: QDialog) -> None:
        click_ok(qtbot, dialog)  # no name
        still_open.append(dialog.isVisible())
        dialog.reject()

    fill_dialog(qtbot, window.new_cohort, fill)
    assert problems == ["A cohort needs a name."]
    assert still_open == [True]


def test_team_overview_saves_on_enter_and_ticks(
    qtbot, demo_window: MainWindow, demo_db: Database
) -> None:
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    overview = demo_window.current_page().overview
    edit = overview.text_edits["project_title"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "Fewer falls at night")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert demo_window.saved_label.text().endswith("Saved")
    box = overview.focus_checks.boxes["6"]
    was = box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    with demo_db.unit_of_work() as session:
        stored = session.get(Team, team.uuid)
        assert stored.project_title == "Fewer falls at night"
        assert ("6" in stored.focus_areas.split(";")) is not was
    # A refused edit shows the stored value again.
    problems: list[str] = []
    demo_window.context.show_problem = lambda _p, text: problems.append(text)  # type: ignore[method-assign]
    name = overview.text_edits["name"]
    name.setText("")
    name.editingFinished.emit()
    assert problems == ["A team needs a name."]
    assert name.text() == team.name


def test_filter_narrows_the_navigator(qtbot, demo_window: MainWindow) -> None:
    all_names = visible_team_names(demo_window)
    assert len(all_names) == 30
    demo_window.filter_action.trigger()
    qtbot.keyClicks(demo_window.navigator.filter_edit, "emergency")
    qtbot.waitUntil(lambda: len(visible_team_names(demo_window)) < 30)
    names = visible_team_names(demo_window)
    assert names and all("Emergency" in n for n in names)
    coach = next(
        c
        for c in demo_window.context.services.coaches.list_coaches()
        if c.teams and not c.teams[0].as_buddy
    )
    expected = sorted(t.name for t in coach.teams if not t.as_buddy)
    demo_window.navigator.filter_edit.clear()
    qtbot.keyClicks(demo_window.navigator.filter_edit, coach.name)
    qtbot.waitUntil(lambda: sorted(visible_team_names(demo_window)) == expected)
    demo_window.navigator.filter_edit.clear()
    qtbot.keyClicks(demo_window.navigator.filter_edit, "zzz nothing")
    qtbot.waitUntil(lambda: demo_window.navigator.empty.isVisibleTo(demo_window))
    assert "zzz nothing" in demo_window.navigator.empty.text()


def test_delete_asks_first_and_restores_from_recently_deleted(
    qtbot, demo_window: MainWindow, demo_db: Database, monkeypatch
) -> None:
    team = demo_window.context.services.teams.navigator()[0].teams[2]
    demo_window.select(Selection("team", team.uuid))
    questions: list[str] = []
    answer = [False]

    def confirm(_parent: QWidget, what: str, consequence: str = "") -> bool:
        questions.append(what)
        return answer[0]

    monkeypatch.setattr(demo_window.context, "confirm_delete", confirm)
    demo_window.delete_action.trigger()
    assert questions == [f"the team “{team.name}”"]
    assert team.name in visible_team_names(demo_window)  # said no: nothing happened
    answer[0] = True
    demo_window.delete_action.trigger()
    assert team.name not in visible_team_names(demo_window)
    assert demo_window.current_page().title.text() != team.name  # shows the cohort instead
    with demo_db.unit_of_work() as session:
        assert session.get(Team, team.uuid).deleted_at is not None

    assert demo_window.undo_button.isVisibleTo(demo_window)
    assert team.name in demo_window.undo_label.text()
    demo_window.select(Selection("fixed", "deleted"))
    page = demo_window.current_page()
    assert page.model.rowCount() == 1
    assert page.model.row_at(0).title == team.name
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert team.name in visible_team_names(demo_window)
    assert page.empty.isVisibleTo(page)
    with demo_db.unit_of_work() as session:
        assert session.get(Team, team.uuid).deleted_at is None


def test_undo_in_the_status_bar_restores_a_deleted_member(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    overview = demo_window.current_page().overview
    before = overview.members_model.rowCount()
    overview.members_table.selectRow(0)
    name = overview.selected_member().name
    monkeypatch.setattr(demo_window.context, "confirm_delete", lambda *_a, **_k: True)
    qtbot.mouseClick(overview.remove_member_button, Qt.MouseButton.LeftButton)
    assert overview.members_model.rowCount() == before - 1
    assert name in demo_window.undo_label.text()
    qtbot.mouseClick(demo_window.undo_button, Qt.MouseButton.LeftButton)
    assert overview.members_model.rowCount() == before
    assert not demo_window.undo_button.isVisibleTo(demo_window)


def test_coaches_page_lists_teams_and_adds_a_coach(qtbot, demo_window: MainWindow) -> None:
    demo_window.select(Selection("fixed", "coaches"))
    page = demo_window.current_page()
    assert page.model.rowCount() == 10
    page.table.selectRow(1)
    coach = page.selected_coach()
    assert page.teams_list.count() == max(1, len(coach.teams))

    def fill(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Zara Newcoach")
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, demo_window.new_action.trigger, fill)
    assert page.model.rowCount() == 11
    assert page.selected_coach().name == "Zara Newcoach"


def test_clearing_a_date_in_the_cohort_and_coach_dialogs_stores_no_date(
    qtbot, demo_window: MainWindow, demo_db: Database
) -> None:
    # (Before test_qidesk_with_db_opens_...: once an app has quit, a dialog's exec() returns
    # at once.)
    from qidesk.store.models import Coach

    def new_cohort_without_end(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Cohort 11")
        assert dialog.end_edit.date_value() is not None  # nine months after the start
        qtbot.mouseClick(clear_button(dialog.end_edit), Qt.MouseButton.LeftButton)
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, demo_window.new_cohort_action.trigger, new_cohort_without_end)
    with demo_db.unit_of_work() as session:
        created = session.scalars(select(Cohort).where(Cohort.name == "Cohort 11")).one()
        assert created.start_date is not None and created.end_date is None

    demo_window.select(Selection("fixed", "coaches"))
    page = demo_window.current_page()
    row = next(i for i, c in enumerate(page.model.rows()) if c.iip_accredited_on is not None)
    page.table.selectRow(row)
    coach = page.selected_coach()

    def clear_accreditation(dialog: QDialog) -> None:
        dialog.iip_edit.setFocus()
        qtbot.keyClick(dialog.iip_edit, Qt.Key.Key_Delete)
        assert dialog.iip_edit.text() == "Not set"
        click_ok(qtbot, dialog)

    fill_dialog(qtbot, page.edit_coach, clear_accreditation)
    with demo_db.unit_of_work() as session:
        assert session.get(Coach, coach.uuid).iip_accredited_on is None


def test_extra_tabs_are_built_lazily(qtbot, demo_window: MainWindow, monkeypatch) -> None:
    from qidesk.ui.pages import team_page

    built: list[str] = []

    class FakeTab(QLabel):
        def __init__(self, context: UiContext):
            super().__init__("fake")
            built.append("built")
            self.shown: list[str] = []

        def show_team(self, team_uuid: str) -> None:
            self.shown.append(team_uuid)

    monkeypatch.setattr(team_page, "TEAM_TABS", [("Fake", FakeTab)])
    tree = demo_window.context.services.teams.navigator()
    first, second = tree[0].teams[0], tree[0].teams[1]
    demo_window.select(Selection("team", first.uuid))
    page = demo_window.current_page()
    assert page.tabs.tabText(1) == "Fake" and built == []
    page.tabs.setCurrentIndex(1)
    assert built == ["built"]
    demo_window.select(Selection("team", second.uuid))
    tab = page.tabs.extra_widget("Fake")
    assert tab.shown == [first.uuid, second.uuid]
    demo_window.refresh_counts()  # after an import: the visible tab re-reads
    assert tab.shown == [first.uuid, second.uuid, second.uuid]
    assert built == ["built"]


def test_registered_fixed_page_shows_its_count(qtbot, demo_window: MainWindow) -> None:
    demo_window.add_fixed_page("example", "Example", lambda ctx: QLabel("example page"), lambda: 3)
    fixed = demo_window.navigator.fixed
    titles = [fixed.item(i).text() for i in range(fixed.count())]
    assert titles[:2] == ["Programme", "Coaches"] and titles[-1] == "Recently deleted"
    assert "Example (3)" in titles
    demo_window.select(Selection("fixed", "example"))
    assert demo_window.current_page().text() == "example page"


def type_aim_and_press_enter(qtbot, window: MainWindow, team_uuid: str, text: str) -> None:
    window.select(Selection("team", team_uuid))
    aim = window.current_page().overview.aim_edit
    window.activateWindow()
    aim.setFocus()
    qtbot.waitUntil(aim.hasFocus)
    aim.selectAll()
    qtbot.keyClicks(aim, text)
    qtbot.keyClick(aim, Qt.Key.Key_Return)


def test_status_bar_counts_changed_records_until_an_export_includes_them(
    qtbot, demo_window: MainWindow, tmp_path: Path
) -> None:
    from qidesk.ui.dialogs.export_dialog import UUID_ROLE
    from qidesk.ui.dialogs.import_dialog import open_export_dialog

    label = demo_window.unexported_label
    # The demo's own records are the starting point: nothing of the coach's to send yet.
    assert label.text() == "No changes to export"
    assert "since the demo data was built" in label.toolTip()
    first, second = demo_window.context.services.teams.navigator()[:2]
    type_aim_and_press_enter(qtbot, demo_window, first.teams[0].uuid, "Halve the waits")
    assert label.text() == "1 changed record not yet exported"
    type_aim_and_press_enter(qtbot, demo_window, first.teams[0].uuid, "Halve the waits by May")
    type_aim_and_press_enter(qtbot, demo_window, second.teams[0].uuid, "No falls at night")
    assert label.text() == "2 changed records not yet exported"
    assert "Not yet exported: 2 teams." in label.toolTip()

    def export_first_cohort(dialog: QDialog) -> None:
        tree = dialog.tree
        item = next(
            tree.topLevelItem(i)
            for i in range(tree.topLevelItemCount())
            if tree.topLevelItem(i).data(0, UUID_ROLE) == first.uuid
        )
        item.setCheckState(0, Qt.CheckState.Checked)
        dialog.path_edit.setText(str(tmp_path / "first.xlsx"))
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20000)
        dialog.reject()

    fill_dialog(qtbot, lambda: open_export_dialog(demo_window), export_first_cohort)
    # The other cohort's team is still waiting for an export that includes it.
    assert label.text() == "1 changed record not yet exported"
    assert "Not yet exported: 1 team." in label.toolTip()
    assert "Last export from this database" in label.toolTip()
    demo_window.context.services.workbook_export.export_full(tmp_path / "all.xlsx")
    demo_window.refresh_counts()
    assert label.text() == "All changes exported"


def test_about_dialog_names_version_and_files(qtbot, db: Database) -> None:
    from qidesk.paths import data_dir, log_file
    from qidesk.ui.dialogs.about_dialog import AboutDialog

    dialog = AboutDialog(db.path)
    qtbot.addWidget(dialog)
    text = dialog.label.text()
    for expected in (__version__, str(data_dir()), str(db.path), str(log_file())):
        assert expected in text


# Opening databases that cannot be used ----------------------------------------------------


def test_locked_database_gives_a_clear_message(application, db_path: Path) -> None:
    with Database.open(db_path):
        assert application.open_path(db_path, initial=True) is False
    assert "already open in another QI Desk" in application.messages[0]


def test_read_only_database_gives_a_clear_message(application, db_path: Path) -> None:
    Database.open(db_path).close()
    db_path.chmod(0o444)
    try:
        assert application.open_path(db_path, initial=True) is False
    finally:
        db_path.chmod(0o644)
    assert "read-only" in application.messages[0]


def test_corrupt_file_gives_a_clear_message(application, tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are not the droids")
    assert application.open_path(path, initial=True) is False
    assert "not a QI Desk database" in application.messages[0]


def test_newer_database_gives_a_clear_message(application, db_path: Path) -> None:
    Database.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.commit()
    conn.close()
    assert application.open_path(db_path, initial=True) is False
    assert "9999" in application.messages[0] and __version__ in application.messages[0]


def test_after_a_failure_the_user_can_open_another(
    application, tmp_path: Path, monkeypatch
) -> None:
    from qidesk import app as app_module

    bad = tmp_path / "bad.sqlite"
    bad.write_text("garbage")
    good = tmp_path / "good.sqlite"
    monkeypatch.setattr(
        app_module, "ask_after_open_failure", lambda *_a, **_k: app_module.OPEN_ANOTHER
    )
    monkeypatch.setattr(app_module, "choose_database_file", lambda _parent, *, new: good)
    assert application.open_path(bad, initial=True) is True
    assert application.window is not None and application.db.path == good.resolve()
    assert application.recent_databases()[0] == str(good.resolve())


def test_unexpected_error_is_shown_with_the_log_file_and_logged(application, monkeypatch) -> None:
    from qidesk import app as app_module
    from qidesk.paths import log_file

    shown: list[str] = []
    monkeypatch.setattr(
        app_module.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )
    try:
        raise ValueError("boom")
    except ValueError as exc:
        application.handle_exception(ValueError, exc, exc.__traceback__)
    assert "boom" in shown[0] and str(log_file()) in shown[0]


def test_qidesk_with_db_opens_the_window_on_a_new_database(tmp_path: Path) -> None:
    """``qidesk --db NEW`` makes the database and opens the window (in its own process: running
    the application's event loop here would end every later dialog's loop at once)."""
    import os
    import subprocess
    import sys

    from qidesk import app as app_module

    path = tmp_path / "new folder" / "fresh.sqlite"
    env = {
        **os.environ,
        app_module.BENCH_FIRST_PAINT_ENV: "1",  # quit after the first paint
        "QT_QPA_PLATFORM": "offscreen",
        "QIDESK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(Path(app_module.__file__).resolve().parents[1]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "qidesk", "--db", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "first-paint" in done.stdout
    assert path.exists()
    with Database.open(path) as db, db.unit_of_work() as session:
        assert session.scalars(select(Cohort)).all() == []


def test_renaming_and_deleting_a_cohort_on_its_page(
    qtbot, demo_window: MainWindow, demo_db: Database, monkeypatch
) -> None:
    cohort = demo_window.context.services.teams.navigator()[1]
    demo_window.select(Selection("cohort", cohort.uuid))
    page = demo_window.current_page()
    page.name_edit.setFocus()
    page.name_edit.selectAll()
    qtbot.keyClicks(page.name_edit, "Cohort Eight")
    qtbot.keyClick(page.name_edit, Qt.Key.Key_Return)
    model = demo_window.navigator.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())][1] == "Cohort Eight"
    monkeypatch.setattr(demo_window.context, "confirm_delete", lambda *_a, **_k: True)
    demo_window.delete_action.trigger()
    assert model.rowCount() == 1
    assert len(visible_team_names(demo_window)) == 15
    with demo_db.unit_of_work() as session:
        teams = session.scalars(select(Team).where(Team.cohort_uuid == cohort.uuid)).all()
        assert teams and all(t.deleted_at is not None for t in teams)


def test_switching_databases_from_the_file_menu(application, tmp_path: Path) -> None:
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    assert application.open_path(first, initial=True)
    old_window = application.window
    application.open_database(str(second))
    assert application.db.path == second.resolve() and application.window is not old_window
    application.open_database(str(second))  # the open one: nothing to do, no lock error
    assert application.messages == []
    assert application.recent_databases()[:2] == [str(second.resolve()), str(first.resolve())]
    # The first database was closed (its lock released): it opens again.
    application.open_database(str(first))
    assert application.db.path == first.resolve()


def test_team_table_sorts_by_a_clicked_column_and_keeps_it(qtbot, demo_window: MainWindow) -> None:
    from qidesk.ui.pages.cohort_page import TeamsTableModel

    page = demo_window.current_page()
    table, model = page.teams_tab.table, page.teams_tab.model
    table.sortByColumn(TeamsTableModel.COACH, Qt.SortOrder.AscendingOrder)
    coaches = [model.display(row, TeamsTableModel.COACH) for row in model.rows()]
    assert coaches == sorted(coaches, key=str.casefold) and len(set(coaches)) > 1
    page.refresh()
    assert [model.display(row, TeamsTableModel.COACH) for row in model.rows()] == coaches
    table.sortByColumn(TeamsTableModel.MEMBERS, Qt.SortOrder.DescendingOrder)
    counts = [row.member_count for row in model.rows()]
    assert counts == sorted(counts, reverse=True)


def test_optional_date_shows_month_names_and_not_set(qtbot) -> None:
    from datetime import date

    from qidesk.ui.widgets import OptionalDateEdit

    edit = OptionalDateEdit()
    qtbot.addWidget(edit)
    assert edit.text() == "Not set" and edit.date_value() is None
    edit.set_date_value(date(2026, 8, 1))
    assert edit.text() == "1 Aug 2026" and edit.date_value() == date(2026, 8, 1)
    committed: list[bool] = []
    edit.committed.connect(lambda: committed.append(True))
    edit.set_date_value(None)
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)  # connects the calendar on first use
    assert edit.calendarWidget().yearShown() == date.today().year
    edit.calendarWidget().clicked.emit(edit.calendarWidget().selectedDate())
    assert committed


def test_optional_date_goes_back_to_not_set_by_button_or_key(qtbot) -> None:
    from datetime import date

    from qidesk.ui.widgets import OptionalDateEdit

    edit = OptionalDateEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    committed: list[bool] = []
    edit.committed.connect(lambda: committed.append(True))
    assert not clear_button(edit).isVisible()  # nothing to clear
    edit.set_date_value(date(2026, 8, 1))
    button = clear_button(edit)
    assert button.isVisible() and "Not set" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert edit.text() == "Not set" and edit.date_value() is None and committed == [True]
    assert not button.isVisible()

    edit.set_date_value(date(2026, 8, 1))
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert edit.date_value() is None and len(committed) == 2

    edit.set_date_value(date(2026, 8, 1))
    qtbot.keyClick(edit, Qt.Key.Key_End)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # edits the year, keeps the date
    assert edit.lineEdit().text() == "1 Aug 202" and len(committed) == 2
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # the whole field selected: cleared
    assert edit.date_value() is None and len(committed) == 3

    qtbot.keyClick(edit, Qt.Key.Key_Up)  # from "Not set", the arrows start at today
    assert edit.date_value() == date.today()

    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)  # cut it all
    assert edit.lineEdit().text() == ""
    # Leaving an emptied field (Tab) means "Not set", not the date it had.
    QApplication.sendEvent(edit, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    assert edit.date_value() is None and edit.text() == "Not set" and len(committed) == 4


def test_clearing_a_cohort_date_stores_no_date(
    qtbot, demo_window: MainWindow, demo_db: Database
) -> None:
    cohort = demo_window.context.services.teams.navigator()[0]
    demo_window.select(Selection("cohort", cohort.uuid))
    page = demo_window.current_page()
    demo_window.activateWindow()
    assert page.start_edit.date_value() is not None and page.end_edit.date_value() is not None
    qtbot.mouseClick(clear_button(page.end_edit), Qt.MouseButton.LeftButton)
    with demo_db.unit_of_work() as session:
        stored = session.get(Cohort, cohort.uuid)
        assert stored.end_date is None and stored.start_date is not None
    assert page.end_edit.text() == "Not set"
    assert page.subtitle.text().startswith(f"From {format_date(stored.start_date)}  ·")

    page.start_edit.setFocus()
    qtbot.waitUntil(page.start_edit.hasFocus)
    qtbot.keyClick(page.start_edit, Qt.Key.Key_Delete)
    qtbot.keyClick(page.start_edit, Qt.Key.Key_Return)
    with demo_db.unit_of_work() as session:
        assert session.get(Cohort, cohort.uuid).start_date is None
    assert page.subtitle.text().startswith("No dates yet")
    assert not clear_button(page.start_edit).isVisible()
    assert "Saved" in demo_window.saved_label.text()
    # Another cohort with dates shows its clear buttons again (set with signals blocked).
    other = next(c for c in demo_window.context.services.teams.navigator() if c.uuid != cohort.uuid)
    demo_window.select(Selection("cohort", other.uuid))
    assert clear_button(page.start_edit).isVisible()


def test_closing_the_window_saves_the_field_being_edited(
    qtbot, demo_window: MainWindow, demo_db: Database
) -> None:
    team = demo_window.context.services.teams.navigator()[0].teams[1]
    demo_window.select(Selection("team", team.uuid))
    aim = demo_window.current_page().overview.aim_edit
    demo_window.activateWindow()
    aim.setFocus()
    qtbot.waitUntil(aim.hasFocus)
    aim.selectAll()
    qtbot.keyClicks(aim, "By June, half the waits")
    demo_window.close()
    with demo_db.unit_of_work() as session:
        assert session.get(Team, team.uuid).aim_statement == "By June, half the waits"


def test_refresh_counts_re_reads_changes_made_behind_the_window(
    demo_window: MainWindow,
) -> None:
    """What an import does: change data without the window's pages; then refresh_counts()."""
    services = demo_window.context.services
    cohort = services.teams.navigator()[0]
    services.teams.create(cohort.uuid, "Aaa Imported Team")
    assert "Aaa Imported Team" not in visible_team_names(demo_window)
    demo_window.refresh_counts()
    assert "Aaa Imported Team" in visible_team_names(demo_window)
    page = demo_window.current_page()
    assert "Aaa Imported Team" in [t.name for t in page.teams_tab.model.rows()]


def test_ctrl_p_saves_the_selected_teams_report(
    qtbot, demo_window: MainWindow, tmp_path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    tree = demo_window.context.services.teams.navigator()
    team = tree[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    target = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF"))
    assert demo_window.team_report_action.shortcut().toString() == "Ctrl+P"
    demo_window.team_report_action.trigger()
    assert target.exists() and target.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert team.name.split()[0] in text


def test_ctrl_n_on_the_pdsa_tab_makes_a_cycle(qtbot, demo_window: MainWindow) -> None:
    tree = demo_window.context.services.teams.navigator()
    team = tree[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    page = demo_window.current_page()
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["Overview", "Self-assessment", "PDSA", "Progress"]
    page.tabs.setCurrentIndex(titles.index("PDSA"))
    before = len(demo_window.context.services.pdsa.team_pdsa(team.uuid).cycles)
    demo_window.new_action.trigger()
    assert len(demo_window.context.services.pdsa.team_pdsa(team.uuid).cycles) == before + 1
