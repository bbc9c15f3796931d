"""The History dialog as a user meets it: opened from the pages, versions listed, restoring one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from qidesk.services.registry import Services
from qidesk.store.models import Member, Team
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.history_dialog import HistoryDialog, VersionsModel
from qidesk.ui.pages.coaches_page import CoachesPage
from qidesk.ui.pages.cohort_page import CohortPage
from qidesk.ui.pages.deleted_page import DeletedPage
from qidesk.ui.pages.team_page import TeamPage
from qidesk.ui.widgets import DIFFERS_COLOUR


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[HistoryDialog]]:
    """History dialogs the pages open (shown, not run modally, so the test can use them; closed
    when the test ends, so no window is left over the next test's widgets)."""
    dialogs: list[HistoryDialog] = []

    def fake_exec(self: HistoryDialog) -> int:
        dialogs.append(self)
        self.show()
        return 0

    monkeypatch.setattr(HistoryDialog, "exec", fake_exec)
    monkeypatch.setattr(HistoryDialog, "confirm_restore", lambda self, version: True)
    yield dialogs
    for dialog in dialogs:
        if shiboken6.isValid(dialog):
            dialog.close()


@pytest.fixture
def edited(db) -> tuple[UiContext, dict[str, str]]:
    """A cohort, a coach, a team edited twice and a member: the context and their uuids."""
    services = Services.create(db)
    cohort = services.cohorts.create("Cohort 8", start_date=date(2026, 3, 1)).uuid
    coach = services.coaches.create("Dr Siân Morgan").uuid
    team = services.teams.create(cohort, "ED Carmarthen", site="Glangwili").uuid
    services.teams.update(team, name="ED Carmarthen (night)", coach_uuid=coach)
    services.teams.update(team, site="Prince Philip", status="completed")
    member = services.members.create(team, "Nia Evans", role="Staff nurse").uuid
    uuids = {"cohort": cohort, "coach": coach, "team": team, "member": member}
    return UiContext(services), uuids


def column_texts(dialog: HistoryDialog, column: int) -> list[str]:
    model = dialog.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def highlighted_fields(dialog: HistoryDialog) -> set[str]:
    table = dialog.values
    marked = set()
    for row in range(table.rowCount()):
        label = table.item(row, 0)
        value = table.item(row, 1)
        if value.background() == QBrush(DIFFERS_COLOUR) and label.font().bold():
            marked.add(label.text())
    return marked


def test_team_history_lists_three_versions_and_restores_the_first(
    qtbot, db, edited, opened
) -> None:
    context, uuids = edited
    page = TeamPage(context)
    qtbot.addWidget(page)
    page.show_team(uuids["team"])
    qtbot.mouseClick(page.history_button, Qt.MouseButton.LeftButton)
    (dialog,) = opened
    assert dialog.title.text() == "Team: ED Carmarthen (night)"
    assert column_texts(dialog, VersionsModel.CHANGES) == ["Site, Status", "Name, Coach", "Created"]
    assert set(column_texts(dialog, VersionsModel.SOURCE)) == {"This computer"}
    # the current (newest) version is selected; it cannot be restored
    assert dialog.selected_version().current
    assert highlighted_fields(dialog) == {"Site", "Status"}
    assert not dialog.restore_button.isEnabled()
    dialog.list.selectRow(1)
    assert highlighted_fields(dialog) == {"Name", "Coach"}
    dialog.list.selectRow(2)
    assert highlighted_fields(dialog) == set()
    assert dialog.restore_button.isEnabled()

    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.restored
    assert dialog.model.rowCount() == 4
    assert column_texts(dialog, VersionsModel.CHANGES)[0] == "Name, Site, Coach, Status"
    assert dialog.selected_version().current
    with db.unit_of_work() as session:
        team = session.get(Team, uuids["team"])
        assert (team.name, team.site, team.coach_uuid, team.rev) == (
            "ED Carmarthen",
            "Glangwili",
            None,
            4,
        )


def test_member_history_opens_from_the_members_table(qtbot, edited, opened) -> None:
    context, uuids = edited
    context.services.members.update(uuids["member"], role="Ward sister")
    page = TeamPage(context)
    qtbot.addWidget(page)
    page.show_team(uuids["team"])
    members = page.overview
    assert not members.member_history_button.isEnabled()
    members.members_table.selectRow(0)
    qtbot.mouseClick(members.member_history_button, Qt.MouseButton.LeftButton)
    (dialog,) = opened
    assert (dialog.record_type, dialog.uuid) == ("Member", uuids["member"])
    assert column_texts(dialog, VersionsModel.CHANGES) == ["Role", "Created"]
    values = {
        dialog.values.item(r, 0).text(): dialog.values.item(r, 1).text()
        for r in range(dialog.values.rowCount())
    }
    assert values["Team"] == "ED Carmarthen (night)"
    assert values["Role"] == "Ward sister"


def test_cohort_and_coach_history_open_from_their_pages(qtbot, edited, opened) -> None:
    context, uuids = edited
    context.services.cohorts.update(uuids["cohort"], name="Cohort 8 (spring)")
    cohort_page = CohortPage(context)
    qtbot.addWidget(cohort_page)
    cohort_page.show_cohort(uuids["cohort"])
    qtbot.mouseClick(cohort_page.history_button, Qt.MouseButton.LeftButton)
    coaches = CoachesPage(context)
    qtbot.addWidget(coaches)
    coaches.refresh()
    qtbot.mouseClick(coaches.history_button, Qt.MouseButton.LeftButton)
    cohort_dialog, coach_dialog = opened
    assert (cohort_dialog.record_type, cohort_dialog.uuid) == ("Cohort", uuids["cohort"])
    assert column_texts(cohort_dialog, VersionsModel.CHANGES) == ["Name", "Created"]
    assert (coach_dialog.record_type, coach_dialog.uuid) == ("Coach", uuids["coach"])
    assert coach_dialog.title.text() == "Coach: Dr Siân Morgan"


def test_restoring_a_deleted_members_version_from_recently_deleted_undeletes_it(
    qtbot, db, edited, opened
) -> None:
    context, uuids = edited
    context.services.members.delete(uuids["member"])
    page = DeletedPage(context)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.mouseClick(page.history_button, Qt.MouseButton.LeftButton)
    (dialog,) = opened
    assert "deleted now" in dialog.subtitle.text()
    assert column_texts(dialog, VersionsModel.CHANGES) == ["Deleted", "Created"]
    assert not dialog.restore_button.isEnabled()  # the deletion itself is current
    dialog.list.selectRow(1)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert column_texts(dialog, VersionsModel.CHANGES)[0] == "Restored"
    with db.unit_of_work() as session:
        assert session.get(Member, uuids["member"]).deleted_at is None


def test_a_refused_restore_says_why_and_changes_nothing(
    qtbot, db, edited, opened, monkeypatch
) -> None:
    context, uuids = edited
    context.services.teams.update(uuids["team"], coach_uuid=None)
    context.services.coaches.delete(uuids["coach"])
    problems: list[str] = []
    monkeypatch.setattr(context, "show_problem", lambda parent, message: problems.append(message))
    dialog = HistoryDialog(context, "Team", uuids["team"])
    qtbot.addWidget(dialog)
    dialog.list.selectRow(2)  # name changed, coach set: the coach is deleted now
    coach = {f.key: f.value for f in dialog.selected_version().fields}["coach_uuid"]
    assert coach == "Dr Siân Morgan (deleted)"
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert len(problems) == 1 and "Restore the coach" in problems[0]
    assert not dialog.restored
    assert dialog.model.rowCount() == 4
    with db.unit_of_work() as session:
        assert session.get(Team, uuids["team"]).coach_uuid is None
