"""The team's Self-assessment tab: keyboard entry with pytest-qt, results, chart export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.store.models.assessment import AssessmentResponse
from qidesk.ui.pages.team_assessment_tab import TeamAssessmentTab


@pytest.fixture
def team_uuid(db: Database) -> str:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 1")
        team = Team(cohort=cohort, name="Ward 7 Falls")
        session.add_all([cohort, team])
        session.add_all([Member(team=team, name=f"Person {c}") for c in "ABCD"])
        session.flush()
        return team.uuid


@pytest.fixture
def tab(qtbot, db: Database, team_uuid: str) -> TeamAssessmentTab:
    widget = TeamAssessmentTab(Services.create(db))
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    widget.show_team(team_uuid)
    return widget


def _scores(db: Database) -> dict[tuple[str, str], int | None]:
    with db.unit_of_work() as session:
        return {
            (r.respondent, r.item_code): r.score
            for r in session.scalars(select(AssessmentResponse))
        }


def test_type_digits_down_a_column_and_on_to_the_next(qtbot, tab, db) -> None:
    grid = tab.grid
    grid.setFocus()
    assert tab.answered_label.text() == "0 of 4 members answered"
    qtbot.keyClicks(grid, "123451234512")  # the 12 items of the first member
    assert grid.currentIndex().row() == 0 and grid.currentIndex().column() == 1
    qtbot.keyClicks(grid, "5")
    scores = _scores(db)
    first = tab.model.respondents[0].key
    assert [scores[(first, i.code)] for i in tab.sheet.template.items] == [
        1,
        2,
        3,
        4,
        5,
        1,
        2,
        3,
        4,
        5,
        1,
        2,
    ]
    assert tab.answered_label.text() == "2 of 4 members answered"
    assert tab.model.data(tab.model.index(0, 1)) == "5"


def test_out_of_range_refused_and_not_answered_allowed(qtbot, tab, db) -> None:
    grid = tab.grid
    grid.setFocus()
    qtbot.keyClicks(grid, "7")
    assert "scores run from 1 to 5" in tab.message_label.text()
    assert grid.currentIndex().row() == 0  # stayed on the cell
    assert _scores(db) == {}
    qtbot.keyClicks(grid, "x")
    assert "Type a score from 1 to 5" in tab.message_label.text()
    qtbot.keyClicks(grid, "4")
    grid.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    assert grid.currentIndex().row() == 1
    first = tab.model.respondents[0].key
    assert _scores(db) == {(first, "MFI"): None}
    assert tab.model.data(tab.model.index(0, 0)) == "–"  # recorded as not answered
    assert tab.answered_label.text() == "0 of 4 members answered"


def test_comment_on_an_answer(qtbot, tab, db) -> None:
    tab.grid.setFocus()
    qtbot.keyClicks(tab.grid, "3")
    tab.grid.setCurrentIndex(tab.model.index(0, 0))
    tab.comment_edit.setFocus()
    qtbot.keyClicks(tab.comment_edit, "Learnt this on the course")
    qtbot.keyClick(tab.comment_edit, Qt.Key.Key_Return)
    with db.unit_of_work() as session:
        row = session.scalars(select(AssessmentResponse)).one()
        assert (row.score, row.comment) == (3, "Learnt this on the course")
    assert tab.model.data(tab.model.index(0, 0)) == "3 ✎"


def test_three_stages_from_the_keyboard_then_results_and_exports(
    qtbot, tab, db, tmp_path: Path
) -> None:
    for stage_index, digits in enumerate(["1" * 12, "2" * 12, "3" * 11 + "5"]):
        tab.stage_combo.setCurrentIndex(stage_index)
        tab.grid.setFocus()
        tab.grid.setCurrentIndex(tab.model.index(0, 0))
        qtbot.keyClicks(tab.grid, digits + digits)  # two members
    tab.views.setCurrentIndex(1)
    results = tab.results
    assert results is not None and [s.stage for s in results.stages] == ["start", "mid", "end"]
    curves = tab.chart.series_curves()
    assert set(curves) == {"start", "mid", "end"}
    xs, ys = curves["end"]
    assert len(xs) == 13 and xs[0] == xs[-1] and ys[0] == ys[-1]  # closed 12-gon
    assert tab.chart.legend_labels()[0].startswith("Start (")
    assert tab.table.rowCount() == 12
    assert tab.table.item(11, 0).text() == "Value-based healthcare and benefit realisation"
    assert [tab.table.item(11, c).text() for c in range(1, 5)] == ["1.0", "2.0", "5.0", "+4.0"]
    assert tab.progress_label.text().startswith("Value-based healthcare and benefit realisation")
    assert "2 of 4 members answered" in tab.responses_label.text()
    # Hover at the top vertex of the end polygon names the item, the stage and the value.
    text = tab.chart.hover_text_at(xs[0], ys[0])
    assert text.startswith("Model for Improvement") and "End" in text and "3.0" in text
    png = tab.export_chart_to(tmp_path / "chart.png")
    svg = tab.export_chart_to(tmp_path / "chart.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Model for Improvement" in svg.read_text(encoding="utf-8")
    pdf = tab.make_report_to(tmp_path / "team.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_consensus_column_and_empty_team(qtbot, db, tab) -> None:
    assert not tab.consensus_check.isChecked()
    assert tab.model.columnCount() == 4
    tab.consensus_check.setChecked(True)
    assert tab.model.columnCount() == 5
    tab.grid.setCurrentIndex(tab.model.index(0, 4))
    tab.grid.setFocus()
    qtbot.keyClicks(tab.grid, "4")
    assert _scores(db) == {("consensus", "MFI"): 4}
    assert tab.answered_label.text() == "0 of 4 members answered"
    with db.unit_of_work() as session:
        cohort = session.scalars(select(Cohort)).one()
        empty = Team(cohort=cohort, name="Empty")
        session.add(empty)
        session.flush()
        empty_uuid = empty.uuid
    tab.show_team(empty_uuid)
    assert "no members yet" in tab.empty_label.text()
    assert tab.empty_label.isVisible()


def test_template_export_and_import_from_the_tab(qtbot, tab, tmp_path: Path) -> None:
    import dataclasses

    from qidesk.sync.template_sheet import read_template_sheet, write_template_sheet

    path = tab.export_template_to(tmp_path / "tool")
    definition = read_template_sheet(path)
    assert path.suffix == ".xlsx" and len(definition.items) == 12
    edited = dataclasses.replace(definition, items=definition.items[:6])
    write_template_sheet(edited, path)
    text = tab.import_template_from(path, use_for_new=True)
    # No answers yet, so version 1 was edited in place and the grid now has six items.
    assert "updated" in text and "from now on" in text
    assert tab.model.rowCount() == 6


def test_tab_in_the_window_context_follows_member_changes(qtbot, db, team_uuid) -> None:
    from qidesk.ui.context import UiContext

    context = UiContext(Services.create(db))
    saves: list[bool] = []
    context.saved.connect(lambda: saves.append(True))
    widget = TeamAssessmentTab(context)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_team(team_uuid)
    widget.grid.setFocus()
    qtbot.keyClicks(widget.grid, "3")
    assert saves == [True]  # the status bar hears of every stored answer
    assert widget.model.columnCount() == 4
    context.services.members.create(team_uuid, name="Joined Late")
    context.notify_saved()  # as the Overview tab does after adding a member
    assert widget.model.columnCount() == 5
    assert widget.answered_label.text() == "1 of 5 members answered"


def test_team_report_button_asks_where_and_writes(qtbot, tab, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "ward 7"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    tab.views.setCurrentIndex(1)
    qtbot.mouseClick(tab.report_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "ward 7.pdf"
    assert written.read_bytes()[:5] == b"%PDF-"
    assert str(written) in tab.message_label.text()


def test_two_digit_scores_on_a_0_to_10_scale(qtbot) -> None:
    from PySide6.QtGui import QStandardItemModel

    from qidesk.ui.pages.team_assessment_tab import AnswerGrid

    grid = AnswerGrid()
    qtbot.addWidget(grid)
    grid.setModel(QStandardItemModel(6, 1))
    grid.scale = (0, 10)
    grid.show()
    grid.setFocus()
    grid.setCurrentIndex(grid.model().index(0, 0))
    typed: list[tuple[int, object]] = []
    grid.answer_typed.connect(lambda index, value: typed.append((index.row(), value)))
    qtbot.keyClicks(grid, "10")  # ten
    qtbot.keyClicks(grid, "0")  # zero at once
    qtbot.keyClicks(grid, "7")  # seven at once (70 is off the scale)
    qtbot.keyClicks(grid, "1")
    qtbot.keyClick(grid, Qt.Key.Key_Return)  # one
    assert typed == [(0, 10), (1, 0), (2, 7), (3, 1)]


def test_a_team_with_answers_opens_on_its_chart(qtbot, db, team_uuid) -> None:
    services = Services.create(db)
    member = services.assessments.stage_sheet(team_uuid, "start").respondents[0].key
    services.assessments.set_score(team_uuid, "start", member, "MFI", 3)
    widget = TeamAssessmentTab(services)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_team(team_uuid)
    assert widget.views.currentIndex() == 1
    assert list(widget.chart.series_curves()) == ["start"]
    assert widget.table.item(0, 1).text() == "3.0"
