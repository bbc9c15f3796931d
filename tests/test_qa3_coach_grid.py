"""QA (third pass) of the answer grid as a coach types a team's answers with the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.ui.pages.team_assessment_tab import AnswerGrid, TeamAssessmentTab
from test_assessment_tab import _scores, tab  # noqa: F401  (tab: a fixture)


@pytest.fixture
def team_uuid(db: Database) -> str:
    """Three members (``tab``, from test_assessment_tab, shows this team)."""
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 1")
        team = Team(cohort=cohort, name="Ward 7 Falls")
        session.add_all([cohort, team])
        session.add_all([Member(team=team, name=f"Person {c}") for c in "ABC"])
        session.flush()
        return team.uuid


def test_backspace_goes_back_to_the_item_just_typed(qtbot, tab, db) -> None:  # noqa: F811
    """A coach types 3, 4, sees the 4 was wrong and presses Backspace, as in any text box.
    Backspace cleared the answer of the item selected after typing (item 3, already answered)
    and moved on to item 4: the wrong 4 stayed and a right answer was lost."""
    services = tab.services
    first = tab.model.respondents[0].key
    items = [i.code for i in tab.sheet.template.items]
    services.assessments.set_score(tab.team_uuid, "start", first, items[2], 5)
    tab.show_team(tab.team_uuid)
    grid = tab.grid
    grid.setFocus()
    grid.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClicks(grid, "34")
    assert grid.currentIndex().row() == 2
    qtbot.keyClick(grid, Qt.Key.Key_Backspace)
    assert (grid.currentIndex().row(), grid.currentIndex().column()) == (1, 0)
    qtbot.keyClicks(grid, "2")
    scores = _scores(db)
    assert [scores[(first, code)] for code in items[:3]] == [3, 2, 5]
    assert grid.currentIndex().row() == 2

    # From the first item of a column, back to the last item of the column before.
    grid.setCurrentIndex(tab.model.index(0, 1))
    qtbot.keyClick(grid, Qt.Key.Key_Backspace)
    assert (grid.currentIndex().row(), grid.currentIndex().column()) == (len(items) - 1, 0)
    assert _scores(db) == scores  # nothing cleared


def _ten_point_grid(qtbot) -> tuple[AnswerGrid, list[tuple[int, object]]]:
    grid = AnswerGrid()
    qtbot.addWidget(grid)
    grid.setModel(QStandardItemModel(6, 2))
    grid.scale = (0, 10)
    grid.show()
    grid.setFocus()
    grid.setCurrentIndex(grid.model().index(0, 0))
    typed: list[tuple[int, object]] = []
    grid.answer_typed.connect(lambda index, value: typed.append((index.row(), value)))
    return grid, typed


def test_a_first_digit_then_an_arrow_key_is_that_score(qtbot) -> None:
    """On a 0–10 scale "1" waits for a possible second digit. The coach meant 1 and pressed
    Down: the 1 was never saved, and the next digit typed, 3 in the next cell, made "13",
    refused with a beep."""
    grid, typed = _ten_point_grid(qtbot)
    messages: list[str] = []
    grid.message.connect(messages.append)
    qtbot.keyClicks(grid, "1")
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert typed == [(0, 1)]
    assert grid.currentIndex().row() == 1
    qtbot.keyClicks(grid, "3")
    assert typed == [(0, 1), (1, 3)]
    assert messages[-1] == ""  # no "not on the scale"

    # Escape drops a waiting digit; nothing is saved.
    qtbot.keyClicks(grid, "1")
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert typed == [(0, 1), (1, 3)]


def test_a_first_digit_then_leaving_the_grid_is_that_score(qtbot, tab, db) -> None:  # noqa: F811
    """The same in the tab: "1" in the grid, then Tab on to the comment box."""
    tab.grid.scale = (0, 10)
    tab.grid.setFocus()
    tab.grid.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClicks(tab.grid, "1")
    qtbot.keyClick(tab.grid, Qt.Key.Key_Tab)
    assert tab.comment_edit.hasFocus()
    first = tab.model.respondents[0].key
    assert _scores(db) == {(first, tab.sheet.template.items[0].code): 1}
    assert tab.model.data(tab.model.index(0, 0)) == "1"


def test_the_stage_row_is_whole_in_a_page_narrowed_by_display_scaling(qtbot, db, team_uuid):  # type: ignore[no-untyped-def]
    """At 150 % scaling a 1366 × 768 laptop leaves the team page about 680 px (logical): the
    stage row cut off "6 of 7 members answered" and "Team consensus column"."""
    widget = TeamAssessmentTab(Services.create(db))
    qtbot.addWidget(widget)
    widget.resize(680, 560)
    widget.show()
    widget.show_team(team_uuid)
    qtbot.waitUntil(lambda: widget.answered_label.width() > 0)
    for shown in (
        widget.stage_combo,
        widget.date_edit,
        widget.consensus_check,
        widget.template_button,
        widget.answered_label,
        widget.pack_button,
    ):
        assert shown.isVisible()
        assert shown.width() >= shown.sizeHint().width(), shown.accessibleName() or shown.text()
    assert widget.answered_label.text() == "0 of 3 members answered"


def test_enter_in_the_comment_box_saves_it_and_goes_back_to_the_answers(qtbot, tab, db) -> None:  # noqa: F811
    """Score, Tab to the comment, type it, Enter, go on typing scores: the focus stayed in the
    comment box, so the scores typed next went into the comment."""
    grid = tab.grid
    grid.setFocus()
    grid.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClicks(grid, "3")
    qtbot.keyClick(grid, Qt.Key.Key_Up)  # back to item 1 to add a comment on its answer
    qtbot.keyClick(grid, Qt.Key.Key_Tab)
    assert tab.comment_edit.hasFocus()
    qtbot.keyClicks(tab.comment_edit, "New to the team")
    qtbot.keyClick(tab.comment_edit, Qt.Key.Key_Return)
    assert grid.hasFocus()
    assert (grid.currentIndex().row(), grid.currentIndex().column()) == (0, 0)
    assert tab.model.data(tab.model.index(0, 0)) == "3 ✎"
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    qtbot.keyClicks(grid, "45")
    first = tab.model.respondents[0].key
    items = [i.code for i in tab.sheet.template.items]
    scores = _scores(db)
    assert [scores.get((first, code)) for code in items[:3]] == [3, 4, 5]
    answer = tab.services.assessments.stage_sheet(tab.team_uuid, "start").answers[(first, items[0])]
    assert answer.comment == "New to the team"


def test_a_waiting_digit_is_not_carried_to_other_answers(qtbot) -> None:
    """A first digit waiting when the grid shows other answers (another stage, a reload) is
    dropped, not joined to the next digit typed there."""
    grid, typed = _ten_point_grid(qtbot)
    qtbot.keyClicks(grid, "1")
    grid.model().setRowCount(6)
    grid.reset()  # what a model reset does
    grid.setCurrentIndex(grid.model().index(0, 0))
    qtbot.keyClicks(grid, "3")
    assert typed == [(0, 3)]
