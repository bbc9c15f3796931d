"""QA of the Progress tab: a month that has not begun cannot be scored."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt

from qidesk.services.base import ServiceError
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team
from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab
from qidesk.ui.pages.team_progress_tab import TeamProgressTab


@pytest.fixture
def setup(db: Database) -> tuple[Services, str, str]:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        session.add(cohort)
        session.flush()
        team = Team(cohort_uuid=cohort.uuid, name="A ward")
        session.add(team)
        session.flush()
        return Services.create(db), cohort.uuid, team.uuid


def test_a_future_month_cannot_be_scored(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    """A slip in the month picker (June 2027 in November 2026) stored a score for a month to
    come, which the cohort's Progress tab then showed as the team's latest score."""
    services, cohort, team = setup
    services.progress.set_score(team, date(2026, 11, 1), "coach", 2.0, today=date(2026, 11, 26))
    with pytest.raises(ServiceError, match="December 2026 has not begun"):
        services.progress.set_score(team, date(2026, 12, 1), "coach", 4.0, today=date(2026, 11, 26))

    tab = TeamProgressTab(services)
    tab.today = date(2026, 11, 26)
    qtbot.addWidget(tab)
    tab.show_team(team)
    assert tab.month_edit.maximumDate() == QDate(2026, 11, 30)
    tab.month_edit.setDate(QDate(2027, 6, 1))  # what the picker allows: this month at most
    assert tab.month_edit.date() == QDate(2026, 11, 30)
    tab.rater_combo.setCurrentIndex(tab.rater_combo.findData("coach"))
    tab.score_combo.setCurrentIndex(tab.score_combo.findData(3.0))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "Nov 2026" in tab.message.text()

    latest = CohortProgressTab(services)
    qtbot.addWidget(latest)
    latest.show_cohort(cohort)
    row = latest.model.rows()[0]
    assert (row.coach_month, row.coach_score) == (date(2026, 11, 1), 3.0)


def test_enter_in_the_note_saves_the_score(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    """Everywhere else Enter saves; on the Progress tab it did nothing (the Save score button is
    a default button only in a dialog), so a keyboard user's score was not stored."""
    services, _cohort, team = setup
    tab = TeamProgressTab(services)
    tab.today = date(2026, 11, 26)
    qtbot.addWidget(tab)
    tab.show_team(team)
    tab.score_combo.setCurrentIndex(tab.score_combo.findData(2.5))
    tab.note_edit.setFocus()
    qtbot.keyClicks(tab.note_edit, "First tests on the ward")
    qtbot.keyClick(tab.note_edit, Qt.Key.Key_Return)
    (stored,) = services.progress.team_scores(team)
    assert (stored.month, stored.rater, stored.score, stored.note) == (
        date(2026, 11, 1),
        "team",
        2.5,
        "First tests on the ward",
    )


def test_the_chosen_month_stays_when_the_tab_is_shown_again(qtbot, setup) -> None:  # type: ignore[no-untyped-def]
    services, _cohort, team = setup
    tab = TeamProgressTab(services)
    tab.today = date(2026, 11, 26)
    qtbot.addWidget(tab)
    tab.show_team(team)
    tab.select_score(date(2026, 9, 1), "coach", 2.0)
    tab.show_team(team)  # shown again after a save on another tab
    assert tab.month_edit.date() == QDate(2026, 9, 1)
    assert tab.rater_combo.currentData() == "coach"
