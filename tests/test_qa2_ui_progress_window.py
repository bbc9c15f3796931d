"""QA (second pass): a progress score is for a month of its team's cohort, give or take a margin:
refused outside it (a slip of the year), marked when one is already there or imported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt

from qidesk.core.progress_scale import EARLIEST_MONTH, month_problem, score_window
from qidesk.services.base import ServiceError
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, ProgressScore, Team
from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab, LatestScoresModel
from qidesk.ui.pages.team_progress_tab import TeamProgressTab

TODAY = date(2026, 11, 26)


def test_the_window_runs_from_three_months_before_the_start_to_a_year_after_the_end() -> None:
    both = score_window(date(2025, 12, 15), date(2026, 9, 1))
    assert (both.first, both.last) == (date(2025, 9, 1), date(2027, 9, 1))
    start_only = score_window(date(2026, 8, 1), None)  # taken as nine months long
    assert (start_only.first, start_only.last) == (date(2026, 5, 1), date(2028, 5, 1))
    assert "no end date" in start_only.reason
    end_only = score_window(None, date(2027, 5, 1))
    assert (end_only.first, end_only.last) == (date(2026, 5, 1), date(2028, 5, 1))
    neither = score_window(None, None)
    assert (neither.first, neither.last) == (EARLIEST_MONTH, None)
    backwards = score_window(date(2026, 8, 1), date(2025, 1, 1))  # never empty
    assert backwards.first <= backwards.last  # type: ignore[operator]

    assert month_problem(date(2025, 9, 30), both, TODAY) is None
    assert month_problem(date(2025, 8, 1), both, TODAY) == (
        "August 2025 is outside the months this team's cohort is scored for: September 2025 "
        "to September 2027 (3 months before the cohort starts to a year after it ends). Check "
        "the year, or the cohort's dates."
    )
    # A month to come is refused first, with the message a coach already knows.
    assert "has not begun" in (month_problem(date(2026, 12, 1), both, TODAY) or "")
    assert month_problem(date(2000, 1, 1), neither, TODAY) is not None
    assert month_problem(date(2019, 3, 1), neither, TODAY) is None


@pytest.fixture
def setup(db: Database) -> tuple[Services, str, str]:
    """Cohort 8 (December 2025 to September 2026) with one team."""
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 8", start_date=date(2025, 12, 1), end_date=date(2026, 9, 1))
        session.add(cohort)
        session.flush()
        team = Team(cohort_uuid=cohort.uuid, name="Frailty Service Aberystwyth")
        session.add(team)
        session.flush()
        return Services.create(db), cohort.uuid, team.uuid


def test_a_month_years_before_the_cohort_is_refused(setup) -> None:  # type: ignore[no-untyped-def]
    """A coach meaning November 2025 picked November 2015 (the year box scrolls): the score
    was stored, and the team's chart stretched over ten empty years."""
    services, _cohort, team = setup
    with pytest.raises(ServiceError, match="November 2015 is outside the months"):
        services.progress.set_score(team, date(2015, 11, 1), "coach", 2.0, today=TODAY)
    with pytest.raises(ServiceError, match="outside the months"):
        services.progress.set_score(team, date(2025, 8, 1), "team", 1.0, today=TODAY)
    # The edges: three months before the start, and the cohort's last month.
    services.progress.set_score(team, date(2025, 9, 1), "team", 0.5, today=TODAY)
    services.progress.set_score(team, date(2026, 9, 1), "team", 3.0, today=TODAY)
    # A year after the end is still accepted (sustaining), a month after that is not.
    later = date(2027, 10, 1)
    services.progress.set_score(team, date(2027, 9, 1), "team", 4.5, today=later)
    with pytest.raises(ServiceError, match="October 2027 is outside"):
        services.progress.set_score(team, later, "team", 4.5, today=later)
    assert [s.month for s in services.progress.team_scores(team)] == [
        date(2025, 9, 1),
        date(2026, 9, 1),
        date(2027, 9, 1),
    ]


def _old_score(db: Database, team: str, month: date) -> str:
    """A score made before the rule (or by an older QI Desk): written past the service."""
    from qidesk.core.progress_scale import progress_uuid

    uuid = progress_uuid(team, month, "coach")
    with db.unit_of_work() as session:
        session.add(ProgressScore(uuid=uuid, team_uuid=team, month=month, rater="coach", score=2.0))
    return uuid


def test_the_month_box_offers_the_cohorts_months_and_marks_a_score_outside_them(
    qtbot, db: Database, setup
) -> None:  # type: ignore[no-untyped-def]
    services, _cohort, team = setup
    _old_score(db, team, date(2015, 11, 1))
    tab = TeamProgressTab(services)
    tab.today = TODAY
    qtbot.addWidget(tab)
    tab.show_team(team)
    # The box reaches back to the old score (so its row can be chosen) and no further, and
    # forward to this month.
    assert tab.month_edit.minimumDate() == QDate(2015, 11, 1)
    assert tab.month_edit.maximumDate() == QDate(2026, 11, 30)
    assert tab.model.display(tab.model.rows()[0], 0) == "Nov 2015 ⚠"
    tooltip = tab.model.data(tab.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "September 2025 to September 2027" in tooltip
    assert tab.message.text() == "⚠ Nov 2015 is outside the cohort's months."
    assert "September 2025 to September 2027" in tab.message.toolTip()

    # A new score for another month out there is refused, with the reason, where the coach is
    # looking ...
    tab.table.selectRow(0)
    assert tab.month_edit.date() == QDate(2015, 11, 1)
    tab.rater_combo.setCurrentIndex(tab.rater_combo.findData("team"))
    tab.score_combo.setCurrentIndex(tab.score_combo.findData(3.0))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "November 2015 is outside the months" in tab.message.text()
    # ... the one already there can be corrected (it may be from before the team moved to
    # this cohort) ...
    tab.rater_combo.setCurrentIndex(tab.rater_combo.findData("coach"))
    tab.score_combo.setCurrentIndex(tab.score_combo.findData(3.0))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Saved the coach's score for Nov 2015."
    assert [(s.month, s.score) for s in services.progress.team_scores(team)] == [
        (date(2015, 11, 1), 3.0)
    ]
    # ... and deleted.
    assert tab.delete_button.isEnabled()
    tab.context = None  # no confirmation dialog in this bare tab
    tab.delete_score()
    assert services.progress.team_scores(team) == ()

    # Without the old score the box starts three months before the cohort.
    tab.show_team(team)
    assert tab.month_edit.minimumDate() == QDate(2025, 9, 1)


def test_a_workbook_holding_such_a_score_imports_and_the_lead_sees_it(
    qtbot, db: Database, setup, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Workbooks from before the rule may hold such scores. They import as before (the score is
    another installation's record: refusing it would hold back the whole workbook, and no
    spreadsheet edit could mend it, as a score's month cannot be changed there), and the
    cohort's Progress tab marks the team and says so."""
    services, cohort, team = setup
    services.progress.set_score(team, date(2026, 9, 1), "team", 3.0, today=TODAY)
    _old_score(db, team, date(2016, 9, 1))
    workbook = tmp_path / "coach-07.xlsx"
    services.workbook_export.export_full(workbook)

    lead = Database.open(tmp_path / "lead.sqlite")
    try:
        theirs = Services.create(lead)
        result = theirs.workbook_import.apply([workbook])
        assert result.applied and not result.rejected
        assert len(theirs.progress.team_scores(team)) == 2
        tab = CohortProgressTab(theirs)
        qtbot.addWidget(tab)
        tab.show_cohort(cohort)
        row = tab.model.rows()[0]
        assert row.outside_window == 1
        assert (row.team_month, row.team_score) == (date(2026, 9, 1), 3.0)
        assert tab.model.display(row, LatestScoresModel.TEAM) == "Frailty Service Aberystwyth ⚠"
        assert "1 team has scores for months outside the cohort's" in tab.summary.text()
        index = tab.proxy.index(0, LatestScoresModel.TEAM)
        assert "1 score for months outside" in index.data(Qt.ItemDataRole.ToolTipRole)
    finally:
        lead.close()


def test_a_month_not_yet_scored_shows_no_score_and_asks_for_one(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    """The score box kept what it last showed (at first "0.5 Intent to participate") for a
    month not yet scored: a coach who chose the month and pressed Save stored 0.5."""
    services, _cohort, team = setup
    services.progress.set_score(team, date(2026, 10, 1), "team", 3.0, today=TODAY)
    tab = TeamProgressTab(services)
    tab.today = TODAY
    qtbot.addWidget(tab)
    tab.show_team(team)
    assert tab.month_edit.date() == QDate(2026, 11, 1)
    assert tab.score_combo.currentIndex() == -1
    assert tab.score_combo.placeholderText() == "Choose a score"
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Choose the team's score for Nov 2026 first."
    assert [s.month for s in services.progress.team_scores(team)] == [date(2026, 10, 1)]
    # A month already scored shows its score; back to a new month, the box is empty again.
    tab.month_edit.setDate(QDate(2026, 10, 1))
    assert tab.score_combo.currentData() == 3.0
    tab.month_edit.setDate(QDate(2026, 9, 1))
    assert tab.score_combo.currentIndex() == -1
