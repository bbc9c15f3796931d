"""QA (third pass) of the Progress tab as a coach records a month's score by keyboard."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from qidesk.ui.pages.team_progress_tab import TeamProgressTab
from test_qa_ui_progress import setup  # noqa: F401  (a fixture)


@pytest.fixture
def tab(qtbot, setup) -> TeamProgressTab:  # type: ignore[no-untyped-def]  # noqa: F811
    """The Progress tab of test_qa_ui_progress's team ("A ward" of "Cohort 9")."""
    services, _cohort_uuid, team_uuid = setup
    widget = TeamProgressTab(services)
    widget.today = date(2026, 11, 26)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_team(team_uuid)
    return widget


def test_enter_in_the_score_box_saves_the_score(qtbot, tab: TeamProgressTab) -> None:
    """Month, Tab, Scored by, Tab, Score (arrow keys), Enter: Save score looks like the default
    button, yet Enter there did nothing and the score was never stored."""
    tab.month_edit.setFocus()
    qtbot.keyClick(tab.month_edit, Qt.Key.Key_Down)  # October 2026
    tab.rater_combo.setFocus()
    qtbot.keyClick(tab.rater_combo, Qt.Key.Key_Down)  # Coach
    assert tab.rater_combo.currentData() == "coach"
    qtbot.keyClick(tab.rater_combo, Qt.Key.Key_Tab)
    assert tab.score_combo.hasFocus()
    for _ in range(3):  # 0.5, 1.0, 1.5
        qtbot.keyClick(tab.score_combo, Qt.Key.Key_Down)
    qtbot.keyClick(tab.score_combo, Qt.Key.Key_Return)
    scores = tab.services.progress.team_scores(tab.team_uuid)
    assert [(s.month, s.rater, s.score) for s in scores] == [(date(2026, 10, 1), "coach", 1.5)]
    assert tab.message.text() == "Saved the coach's score for Oct 2026."
    assert QApplication.focusWidget() is tab.score_combo  # on to the next month from here


def test_enter_in_the_month_box_without_a_score_says_to_choose_one(
    qtbot, tab: TeamProgressTab
) -> None:
    tab.month_edit.setFocus()
    qtbot.keyClick(tab.month_edit, Qt.Key.Key_Enter)
    assert tab.message.text() == "Choose the team's score for Nov 2026 first."
    assert tab.score_combo.hasFocus()
    assert tab.services.progress.team_scores(tab.team_uuid) == ()


def test_enter_in_the_note_saves_once(qtbot, tab: TeamProgressTab, monkeypatch) -> None:
    saves: list[int] = []
    original = tab.services.progress.set_score
    monkeypatch.setattr(
        tab.services.progress,
        "set_score",
        lambda *a, **k: saves.append(1) or original(*a, **k),
    )
    tab.score_combo.setCurrentIndex(tab.score_combo.findData(2.0))
    tab.note_edit.setFocus()
    qtbot.keyClicks(tab.note_edit, "Good month")
    qtbot.keyClick(tab.note_edit, Qt.Key.Key_Return)
    assert saves == [1]
