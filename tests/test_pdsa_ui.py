"""The PDSA tab as a coach uses it: the editor's rules, next cycle, the list, clicking a bar."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team
from qidesk.ui.pages.team_pdsa_tab import CyclesModel, TeamPdsaTab

TODAY = date(2026, 5, 20)


@pytest.fixture
def services(db: Database) -> Services:
    return Services.create(db)


@pytest.fixture
def team(db: Database) -> str:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9", start_date=date(2026, 1, 1), end_date=date(2026, 10, 1))
        team = Team(cohort=cohort, name="Ward 5")
        session.add_all([cohort, team])
        session.flush()
        return team.uuid


@pytest.fixture
def tab(qtbot, services: Services, team: str) -> TeamPdsaTab:  # type: ignore[no-untyped-def]
    idea = services.pdsa.create_change_idea(team, "Checklist")
    services.pdsa.create_cycle(
        team,
        idea.uuid,
        "Checklist on nights",
        planned_start=date(2026, 3, 2),
        planned_end=date(2026, 3, 15),
        actual_start=date(2026, 3, 2),
        actual_end=date(2026, 3, 16),
    )
    services.pdsa.create_cycle(
        team, None, "Loose test", planned_start=date(2026, 4, 1), planned_end=date(2026, 4, 10)
    )
    widget = TeamPdsaTab(services)
    widget.today = TODAY
    qtbot.addWidget(widget)
    widget.resize(1300, 860)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_team(team)
    return widget


def choose(combo: QComboBox, data: object) -> None:
    """Pick an entry as a user does (activated is what a user's choice emits)."""
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def open_titled(tab: TeamPdsaTab, title: str) -> str:
    uuid = next(c.uuid for c in tab.model.rows() if c.title == title)
    tab.open_cycle(uuid)
    return uuid


def test_an_act_decision_without_a_study_is_explained_and_not_saved(
    qtbot,
    tab: TeamPdsaTab,
    services: Services,  # type: ignore[no-untyped-def]
) -> None:
    uuid = open_titled(tab, "Checklist on nights")
    editor = tab.editor
    choose(editor.decision_combo, "adopt")
    assert "An Act decision needs a Study" in editor.problem_text("act")
    assert "Not saved" in editor.status_note.text()
    assert services.pdsa.cycle(uuid).act_decision is None
    editor.learning_edit.setFocus()
    qtbot.keyClicks(editor.learning_edit, "Works when the shift lead owns it")
    qtbot.keyClick(editor.learning_edit, Qt.Key.Key_Return)
    stored = services.pdsa.cycle(uuid)
    assert (stored.act_decision, stored.study_learning) == (
        "adopt",
        "Works when the shift lead owns it",
    )
    assert editor.problem_text("act") == ""
    assert editor.status_note.text() == "Saved"
    # the list and the timeline show the decision at once
    row = tab.model.rows().index(stored)
    assert tab.model.index(row, CyclesModel.DECISION).data() == "Adopt"
    assert {b.colour for b in tab.timeline.chart_layout.bars_of(uuid)} == {"#009E73"}


def test_done_needs_a_decision(qtbot, tab: TeamPdsaTab, services: Services) -> None:  # type: ignore[no-untyped-def]
    uuid = open_titled(tab, "Loose test")
    choose(tab.editor.status_combo, "done")
    assert "done needs an Act decision" in tab.editor.problem_text("act")
    assert services.pdsa.cycle(uuid).status == "planned"
    # leaving the cycle with the rule broken says that the change was not saved
    with qtbot.waitSignal(tab.editor.unsaved_dropped) as dropped:
        open_titled(tab, "Checklist on nights")
    assert "cycle 1 “Loose test” were not saved" in dropped.args[0]
    open_titled(tab, "Loose test")
    assert tab.editor.status_combo.currentData() == "planned"
    choose(tab.editor.status_combo, "running")
    assert tab.editor.problem_text("act") == ""
    assert services.pdsa.cycle(uuid).status == "running"


def test_end_before_start_is_explained_in_plan(tab: TeamPdsaTab, services: Services) -> None:
    uuid = open_titled(tab, "Loose test")
    end = tab.editor.planned_end
    end.edit.setDate(QDate(2026, 3, 20))
    end.edit.editingFinished.emit()
    assert "planned end (20 Mar 2026) is before the planned start (1 Apr 2026)" in (
        tab.editor.problem_text("plan")
    )
    assert services.pdsa.cycle(uuid).planned_end == date(2026, 4, 10)
    end.edit.setDate(QDate(2026, 4, 12))
    end.edit.editingFinished.emit()
    assert tab.editor.problem_text("plan") == ""
    assert services.pdsa.cycle(uuid).planned_end == date(2026, 4, 12)
    bar = next(b for b in tab.timeline.chart_layout.bars_of(uuid) if b.kind == "planned")
    assert bar.x1 - bar.x0 == 12 * 86400


def test_questions_and_tasks_are_saved_from_their_tables(
    qtbot,
    tab: TeamPdsaTab,
    services: Services,  # type: ignore[no-untyped-def]
) -> None:
    uuid = open_titled(tab, "Loose test")
    editor = tab.editor
    editor._add_row(editor.questions_table)
    editor.questions_table.item(0, 1).setText("8 of 10 shifts")
    editor.questions_table.item(0, 0).setText("Will staff use it?")
    stored = services.pdsa.cycle(uuid)
    assert [(q.question, q.prediction) for q in stored.questions] == [
        ("Will staff use it?", "8 of 10 shifts")
    ]


def test_next_cycle_continues_the_ramp(qtbot, tab: TeamPdsaTab, services: Services) -> None:  # type: ignore[no-untyped-def]
    first = open_titled(tab, "Checklist on nights")
    qtbot.mouseClick(tab.editor.next_button, Qt.MouseButton.LeftButton)
    assert "Decide the Act step" in tab.editor.status_note.text()
    assert len(tab.model.rows()) == 2
    tab.editor.results_edit.setText("9 of 10 shifts")
    choose(tab.editor.decision_combo, "adapt")
    tab.editor.next_step_edit.setText("Add a prompt card")
    tab.editor.commit()
    qtbot.mouseClick(tab.next_button, Qt.MouseButton.LeftButton)
    assert len(tab.model.rows()) == 3
    new = tab.editor.cycle
    assert new is not None and new.uuid != first
    assert (new.cycle_number, new.ramp_previous_uuid, new.objective) == (
        2,
        first,
        "Add a prompt card",
    )
    assert new.planned_start == date(2026, 5, 20)
    assert tab.editor.number_label.text() == "Cycle 2"
    connectors = [(c.from_uuid, c.to_uuid) for c in tab.timeline.chart_layout.connectors]
    assert connectors == [(first, new.uuid)]


def test_clicking_a_bar_opens_its_cycle(qtbot, tab: TeamPdsaTab) -> None:  # type: ignore[no-untyped-def]
    target = next(c.uuid for c in tab.model.rows() if c.title == "Loose test")
    open_titled(tab, "Checklist on nights")
    scene_pos = tab.timeline.scene_pos_of(target)
    assert scene_pos is not None
    view_pos = tab.timeline.graphics.mapFromScene(scene_pos)
    with qtbot.waitSignal(tab.timeline.cycle_clicked) as signal:
        qtbot.mouseClick(tab.timeline.graphics.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert signal.args == [target]
    assert tab.editor.cycle is not None and tab.editor.cycle.uuid == target
    assert tab.editor.title_edit.text() == "Loose test"
    selected = tab.table.selectionModel().selectedRows()
    assert [tab.proxy.index(i.row(), CyclesModel.TITLE).data() for i in selected] == ["Loose test"]
    tab.timeline._mouse_moved(scene_pos)
    assert tab.timeline.hover_text.splitlines()[0] == "Cycle 1: Loose test"
    assert "Planned: 1 Apr 2026 – 10 Apr 2026" in tab.timeline.hover_text


def test_list_filters_by_change_idea_and_status_and_sorts(tab: TeamPdsaTab) -> None:
    def titles() -> list[str]:
        return [tab.proxy.index(r, CyclesModel.TITLE).data() for r in range(tab.proxy.rowCount())]

    assert sorted(titles()) == ["Checklist on nights", "Loose test"]
    tab.idea_filter.setCurrentIndex(tab.idea_filter.findText("Checklist"))
    assert titles() == ["Checklist on nights"]
    tab.idea_filter.setCurrentIndex(tab.idea_filter.findText("No change idea"))
    assert titles() == ["Loose test"]
    tab.idea_filter.setCurrentIndex(0)
    tab.status_filter.setCurrentIndex(tab.status_filter.findData("running"))
    assert titles() == []
    tab.status_filter.setCurrentIndex(0)
    tab.table.sortByColumn(CyclesModel.PLANNED_START, Qt.SortOrder.DescendingOrder)
    assert titles() == ["Loose test", "Checklist on nights"]
    tab.table.sortByColumn(CyclesModel.PLANNED_START, Qt.SortOrder.AscendingOrder)
    assert titles() == ["Checklist on nights", "Loose test"]


def test_moving_a_cycle_to_a_change_idea_renumbers_and_moves_its_lane(
    tab: TeamPdsaTab, services: Services
) -> None:
    uuid = open_titled(tab, "Loose test")
    choose(tab.editor.idea_combo, tab.data.ideas[0].uuid)  # type: ignore[union-attr]
    assert tab.editor.number_label.text() == "Cycle 2"
    assert services.pdsa.cycle(uuid).change_idea_title == "Checklist"
    lanes = [lane.title for lane in tab.timeline.chart_layout.lanes]
    assert lanes == ["Checklist"]  # the lane of cycles without a change idea is gone
    assert tab.timeline.chart_layout.cycle_lane[uuid] == tab.data.ideas[0].uuid  # type: ignore[union-attr]


def test_change_ideas_are_managed_in_their_panel(
    tab: TeamPdsaTab, services: Services, team: str
) -> None:
    panel = tab.ideas_panel
    panel.add_idea()
    assert [i.title for i in services.pdsa.change_ideas(team)][-1] == "New change idea 2"
    panel.title_edit.setText("Huddle at handover")
    panel.primary_edit.setText("Reliable processes")
    panel.title_edit.editingFinished.emit()
    ideas = {i.title: i for i in services.pdsa.change_ideas(team)}
    assert ideas["Huddle at handover"].primary_driver == "Reliable processes"
    assert "Huddle at handover" in [
        tab.idea_filter.itemText(i) for i in range(tab.idea_filter.count())
    ]
    for r in range(panel.list.count()):
        if panel.list.item(r).text().startswith("Checklist"):
            panel.list.setCurrentRow(r)
    panel.delete_idea()
    assert "has 1 cycle" in panel.message.text()


def test_tabs_are_registered_on_the_team_and_cohort_pages() -> None:
    from qidesk.ui.pages.cohort_page import COHORT_TABS
    from qidesk.ui.pages.team_page import TEAM_TABS

    assert ("PDSA", "qidesk.ui.pages.team_pdsa_tab:TeamPdsaTab") in TEAM_TABS
    assert ("Progress", "qidesk.ui.pages.team_progress_tab:TeamProgressTab") in TEAM_TABS
    assert ("PDSA timeline", "qidesk.ui.pages.cohort_timeline_tab:CohortTimelineTab") in COHORT_TABS
    assert ("Progress", "qidesk.ui.pages.cohort_progress_tab:CohortProgressTab") in COHORT_TABS


def test_a_coach_records_a_ramp_from_plan_to_decision(
    qtbot,
    services: Services,
    team: str,  # type: ignore[no-untyped-def]
) -> None:
    tab = TeamPdsaTab(services)
    tab.today = TODAY
    qtbot.addWidget(tab)
    tab.resize(1300, 860)
    tab.show()
    tab.show_team(team)
    assert not tab.table.isVisible() and tab.empty.isVisible()
    # a change idea
    tab.left_tabs.setCurrentIndex(1)
    qtbot.mouseClick(tab.ideas_panel.add_button, Qt.MouseButton.LeftButton)
    tab.ideas_panel.title_edit.setText("Safety huddle")
    tab.ideas_panel.title_edit.editingFinished.emit()
    # Plan
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    editor = tab.editor
    assert editor.number_label.text() == "Cycle 1"
    editor.title_edit.setText("Huddle on the early shift")
    editor.title_edit.editingFinished.emit()
    choose(editor.idea_combo, services.pdsa.change_ideas(team)[0].uuid)
    editor.objective_edit.setText("Will a 5-minute huddle happen every morning?")
    editor.commit()
    # Do
    editor.actual_start.check.setChecked(True)  # starts today
    editor.actual_end.check.setChecked(True)
    editor.actual_end.edit.setDate(QDate(2026, 5, 30))
    editor.actual_end.edit.editingFinished.emit()
    choose(editor.as_planned_combo, "partly")
    # Study
    editor.results_edit.setText("Happened on 8 of 10 days")
    editor.learning_edit.setText("Works when the nurse in charge leads it")
    editor.commit()
    # Act
    choose(editor.decision_combo, "adapt")
    editor.next_step_edit.setText("Try it on the late shift")
    choose(editor.status_combo, "done")
    assert editor.problems == []
    first = services.pdsa.cycle(editor.cycle.uuid)  # type: ignore[union-attr]
    assert (first.change_idea_title, first.actual_start, first.actual_end) == (
        "Safety huddle",
        TODAY,
        date(2026, 5, 30),
    )
    assert (first.do_as_planned, first.act_decision, first.status) == ("partly", "adapt", "done")
    # the next cycle of the ramp
    qtbot.mouseClick(editor.next_button, Qt.MouseButton.LeftButton)
    second = editor.cycle
    assert second is not None and second.cycle_number == 2
    assert second.objective == "Try it on the late shift"
    assert second.planned_start == date(2026, 5, 31)
    layout = tab.timeline.chart_layout
    assert [lane.title for lane in layout.lanes] == ["Safety huddle"]
    assert [(c.from_uuid, c.to_uuid) for c in layout.connectors] == [(first.uuid, second.uuid)]
    assert {b.colour for b in layout.bars_of(first.uuid)} == {"#E69F00"}


def test_in_the_window_a_cohort_timeline_bar_opens_the_cycle_on_its_team_page(
    qtbot,
    demo_db: Database,  # type: ignore[no-untyped-def]
) -> None:
    from qidesk.ui.context import UiContext
    from qidesk.ui.main_window import MainWindow
    from qidesk.ui.navigator import Selection
    from qidesk.ui.pages.cohort_page import CohortPage
    from qidesk.ui.pages.cohort_timeline_tab import CohortTimelineTab
    from qidesk.ui.pages.team_page import TeamPage

    services = Services.create(demo_db)
    window = MainWindow(UiContext(services))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    cohort = max(services.cohorts.list_cohorts(), key=lambda c: c.start_date or date.min)
    window.select(Selection("cohort", cohort.uuid))
    page = window.current_page()
    assert isinstance(page, CohortPage)
    timeline_tab = page.tabs.extra_widget("PDSA timeline")
    assert isinstance(timeline_tab, CohortTimelineTab)
    page.tabs.setCurrentIndex(page.tabs.indexOf(timeline_tab.parentWidget()))
    assert timeline_tab.cohort_uuid == cohort.uuid
    layout = timeline_tab.timeline.chart_layout
    assert len(layout.lanes) == cohort.team_count
    bar = layout.bars[len(layout.bars) // 2]
    timeline_tab.timeline.cycle_double_clicked.emit(bar.uuid)  # what a double-click emits
    team_page = window.current_page()
    assert isinstance(team_page, TeamPage)
    assert team_page.team_uuid == layout.cycle_lane[bar.uuid]
    assert team_page.tabs.tabText(team_page.tabs.currentIndex()) == "PDSA"
    pdsa_tab = team_page.tabs.extra_widget("PDSA")
    assert isinstance(pdsa_tab, TeamPdsaTab)
    assert pdsa_tab.editor.cycle is not None and pdsa_tab.editor.cycle.uuid == bar.uuid
    window.close()


def test_next_cycle_under_the_list_follows_the_selection(
    qtbot, services: Services, team: str
) -> None:
    """With no cycle selected, the list's Next cycle is disabled (it did nothing when clicked)."""
    widget = TeamPdsaTab(services)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_team(team)  # a team with no cycles yet
    assert widget.editor.cycle is None and not widget.next_button.isEnabled()
    idea = services.pdsa.create_change_idea(team, "Checklist")
    cycle = services.pdsa.create_cycle(team, idea.uuid, "Checklist on nights")
    widget.reload()
    widget.open_cycle(cycle.uuid)
    assert widget.next_button.isEnabled()
    widget.editor.load(None)
    assert not widget.next_button.isEnabled()
