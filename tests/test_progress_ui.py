"""The Progress tabs: recording team and coach scores, the chart's series, the cohort table."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from qidesk.core.timeline_layout import date_x
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team
from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab, LatestScoresModel
from qidesk.ui.pages.team_progress_tab import MonthScoresModel, TeamProgressTab


@pytest.fixture
def setup(db: Database) -> tuple[Services, str, str, str]:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        a, b = Team(cohort=cohort, name="A ward"), Team(cohort=cohort, name="B ward")
        session.add_all([cohort, a, b])
        session.flush()
        return Services.create(db), cohort.uuid, a.uuid, b.uuid


def test_recording_scores_fills_the_chart_and_table(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    services, _, team, _ = setup
    tab = TeamProgressTab(services)
    tab.today = date(2026, 5, 10)
    qtbot.addWidget(tab)
    tab.show_team(team)
    labels = tab.chart.axis_labels()
    assert labels[0] == (0.5, "0.5 Intent to participate")
    assert labels[-1] == (5.0, "5.0 Outstanding sustainable results")
    assert tab.chart.series("team") == [] and tab.chart.empty_label.isVisible()

    for month, rater, score in (
        (date(2026, 3, 1), "team", 2.0),
        (date(2026, 4, 1), "team", 3.0),
        (date(2026, 3, 1), "coach", 1.5),
        (date(2026, 4, 1), "coach", 3.0),
    ):
        tab.select_score(month, rater, score, note="first" if rater == "coach" else "")
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "Saved the coach's score for Apr 2026" in tab.message.text()
    assert tab.chart.series("team") == [(date(2026, 3, 1), 2.0), (date(2026, 4, 1), 3.0)]
    assert tab.chart.series("coach") == [(date(2026, 3, 1), 1.5), (date(2026, 4, 1), 3.0)]
    assert tab.chart.curve_points("coach") == [
        (date_x(date(2026, 3, 1)), 1.5),
        (date_x(date(2026, 4, 1)), 3.0),
    ]
    assert tab.chart.gaps() == [(date(2026, 3, 1), -0.5), (date(2026, 4, 1), 0.0)]
    assert not tab.chart.empty_label.isVisible()
    table = [[tab.model.index(r, c).data() for c in range(5)] for r in range(tab.model.rowCount())]
    assert table == [
        ["Mar 2026", "2.0", "1.5", "−0.5", ""],
        ["Apr 2026", "3.0", "3.0", "same", ""],
    ]
    assert tab.model.index(0, MonthScoresModel.COACH_NOTE).data() == "first"

    # choosing a month and rater shows the stored score; changing it replaces it
    tab.select_score(date(2026, 3, 1), "coach", 2.5)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.chart.series("coach")[0] == (date(2026, 3, 1), 2.5)
    assert len(services.progress.team_scores(team)) == 4
    tab.select_score(date(2026, 4, 1), "team", 3.0)
    assert tab.delete_button.isEnabled()
    qtbot.mouseClick(tab.delete_button, Qt.MouseButton.LeftButton)
    assert tab.chart.series("team") == [(date(2026, 3, 1), 2.0)]


def test_cohort_progress_lists_latest_scores_sortably(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    services, cohort, a, b = setup
    services.progress.set_score(a, date(2026, 3, 1), "team", 2.0)
    services.progress.set_score(a, date(2026, 4, 1), "team", 3.5)
    services.progress.set_score(a, date(2026, 4, 1), "coach", 2.5)
    services.progress.set_score(b, date(2026, 4, 1), "team", 4.0)
    tab = CohortProgressTab(services)
    qtbot.addWidget(tab)
    tab.show_cohort(cohort)

    def column(c: int) -> list[str]:
        return [tab.proxy.index(r, c).data() for r in range(tab.proxy.rowCount())]

    assert column(LatestScoresModel.TEAM) == ["A ward", "B ward"]
    assert column(LatestScoresModel.TEAM_SCORE) == ["3.5", "4.0"]
    assert column(LatestScoresModel.COACH_SCORE) == ["2.5", "–"]
    tip = tab.proxy.index(0, LatestScoresModel.COACH_SCORE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "2.5 Changes tested, no improvement"
    assert tab.chart.row_names() == ["A ward", "B ward"]
    assert tab.chart.team_points("team") == [(3.5, 0.0), (4.0, 1.0)]
    assert tab.chart.team_points("coach") == [(2.5, 0.0)]
    assert column(LatestScoresModel.GAP) == ["−1.0", ""]
    tab.table.sortByColumn(LatestScoresModel.TEAM_SCORE, Qt.SortOrder.DescendingOrder)
    assert column(LatestScoresModel.TEAM) == ["B ward", "A ward"]
    assert tab.chart.row_names() == ["B ward", "A ward"]  # the chart follows the table's order
    assert tab.chart.row_names() == ["B ward", "A ward"]  # the chart follows the table's order
    tab.table.sortByColumn(LatestScoresModel.COACH_SCORE, Qt.SortOrder.DescendingOrder)
    assert column(LatestScoresModel.TEAM) == ["A ward", "B ward"]
    assert "2 of 2 teams have a progress score" in tab.summary.text()
