"""QA of the cohort's Progress tab: what it says when there is nothing to show yet."""

from __future__ import annotations

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab


def test_empty_cohort_progress_says_what_to_do(qtbot, db: Database) -> None:
    """A new cohort's Progress tab said "0 of 0 teams have a progress score. Double-click a
    team to open it." above an empty chart."""
    services = Services.create(db)
    cohort = services.cohorts.create(name="Cohort 12")
    tab = CohortProgressTab(services)
    qtbot.addWidget(tab)
    tab.show_cohort(cohort.uuid)
    assert tab.summary.text() == "No teams in this cohort yet: add them on the Teams tab (Ctrl+N)."

    services.teams.create(cohort.uuid, "Ward 3")
    tab.show_cohort(cohort.uuid)
    assert tab.summary.text() == (
        "No team has a progress score yet: open a team (double-click it) and record a "
        "month's score on its Progress tab."
    )
