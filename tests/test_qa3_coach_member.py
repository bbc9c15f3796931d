"""QA (third pass): adding a team member with the keyboard only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.coach_dialog import CoachDialog
from qidesk.ui.dialogs.cohort_dialog import CohortDialog
from qidesk.ui.dialogs.member_dialog import MemberDialog


@pytest.fixture
def context(db: Database) -> UiContext:
    return UiContext(Services.create(db))


@pytest.fixture
def team_uuid(db: Database) -> str:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 1")
        team = Team(cohort=cohort, name="Ward 7 Falls")
        session.add_all([cohort, team])
        session.flush()
        return team.uuid


def test_the_member_dialog_opens_in_the_name_box(qtbot, context: UiContext, team_uuid) -> None:
    """Add member opened with the focus on OK (its buttons came first in the Tab order): the
    name a coach typed went nowhere and the space in it pressed OK, which refused an empty
    name."""
    dialog = MemberDialog(
        context, lambda values: context.services.members.create(team_uuid, **values)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.focusWidget() is dialog.name_edit
    qtbot.keyClicks(dialog.name_edit, "Sian Ap Rhys")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.role_edit
    qtbot.keyClicks(dialog.role_edit, "Staff nurse")
    qtbot.keyClick(dialog.role_edit, Qt.Key.Key_Return)
    assert dialog.result() == MemberDialog.DialogCode.Accepted
    members = context.services.members.list_for_team(team_uuid)
    assert [(m.name, m.role) for m in members] == [("Sian Ap Rhys", "Staff nurse")]


def test_other_record_dialogs_open_in_their_first_field(qtbot, context: UiContext) -> None:
    cohort = CohortDialog(context, lambda values: None)
    coach = CoachDialog(context, lambda values: None)
    for dialog in (cohort, coach):
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.focusWidget() is dialog.name_edit
