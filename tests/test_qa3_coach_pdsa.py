"""QA (third pass) of the PDSA editor as a coach uses it with the keyboard only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from qidesk.ui.main_window import MainWindow
from test_qa_ui_window import open_team_tab


def pdsa_with_questions(window: MainWindow):  # type: ignore[no-untyped-def]
    """The PDSA tab of a demo team whose open cycle has questions."""
    services = window.context.services
    for cohort in services.teams.navigator():
        for team in cohort.teams:
            tab = open_team_tab(window, team.uuid, "PDSA")
            if tab.editor.cycle is not None and tab.editor.questions_table.rowCount() >= 1:
                return tab
    raise AssertionError("no demo cycle with questions")


def tab_until(qtbot, widget, limit: int = 12) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if QApplication.focusWidget() is widget:
            return
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.accessibleName() or widget.text()}")


def test_tab_goes_through_the_questions_and_on_to_the_rest_of_the_cycle(
    qtbot, demo_window: MainWindow
) -> None:
    """Tab in the Questions table went round its cells for ever (Qt wraps to the first cell):
    a keyboard user could never reach Add question, Tasks, or the Do, Study and Act steps."""
    tab = pdsa_with_questions(demo_window)
    editor = tab.editor
    editor.objective_edit.setFocus()
    tab_until(qtbot, editor.questions_table)
    tab_until(qtbot, editor.tasks_table, limit=2 * editor.questions_table.rowCount() + 4)
    tab_until(qtbot, editor.data_plan_edit, limit=4 * editor.tasks_table.rowCount() + 4)
    tab_until(qtbot, editor.decision_combo, limit=30)

    # And back: Shift+Tab from the first cell leaves the table for the Objective.
    editor.questions_table.setFocus()
    editor.questions_table.setCurrentCell(0, 0)
    qtbot.keyClick(editor.questions_table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert editor.objective_edit.hasFocus() or editor.objective_edit.isAncestorOf(
        QApplication.focusWidget()
    )


def test_a_question_and_its_prediction_typed_with_tab_then_on_to_the_next_field(
    qtbot, demo_window: MainWindow
) -> None:
    """Add question, type the question, Tab, type the prediction, Tab: both are saved and the
    focus goes on to the Add question button (it went back to the first question's cell)."""
    tab = pdsa_with_questions(demo_window)
    editor = tab.editor
    before = editor.questions_table.rowCount()
    buttons = editor.findChildren(type(editor.next_button))
    add = next(b for b in buttons if b.text() == "Add question")
    add.setFocus()
    qtbot.keyClick(add, Qt.Key.Key_Space)
    editing = QApplication.focusWidget()
    assert editor.questions_table.isAncestorOf(editing)
    qtbot.keyClicks(editing, "Do patients read it?")
    qtbot.keyClick(editing, Qt.Key.Key_Tab)
    editing = QApplication.focusWidget()
    assert editor.questions_table.isAncestorOf(editing)
    assert editor.questions_table.currentColumn() == 1
    qtbot.keyClicks(editing, "Most will")
    qtbot.keyClick(editing, Qt.Key.Key_Tab)
    assert add.hasFocus()
    assert editor.questions_table.rowCount() == before + 1
    stored = demo_window.context.services.pdsa.team_pdsa(tab.team_uuid)
    cycle = next(c for c in stored.cycles if c.uuid == editor.cycle.uuid)
    assert (cycle.questions[-1].question, cycle.questions[-1].prediction) == (
        "Do patients read it?",
        "Most will",
    )


def test_the_cycle_editor_fits_a_window_at_125_percent_scaling(
    qtbot, demo_window: MainWindow
) -> None:
    """A 1366 × 768 laptop at 125 % is a 1093 × 614 window: the editor showed a dozen letters
    of the cycle's title, and its sections scrolled sideways with their fields cut off (the
    planned and actual dates held every section as wide as label, two dates and hint)."""
    demo_window.resize(1093, 614)
    tab = pdsa_with_questions(demo_window)
    editor = tab.editor
    qtbot.waitUntil(lambda: editor.scroll.viewport().width() < 500)
    QApplication.processEvents()
    average = editor.title_edit.fontMetrics().averageCharWidth()
    assert editor.title_edit.width() >= 28 * average
    assert editor.scroll.widget().minimumSizeHint().width() <= editor.scroll.viewport().width()
    assert editor.scroll.horizontalScrollBar().maximum() == 0
    for field in (editor.objective_edit, editor.questions_table, editor.planned_start.edit):
        assert field.width() >= field.minimumSizeHint().width()
