"""QA of the window as a coach uses it: pages stay current after other pages change data."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from qidesk.ui.main_window import MainWindow
from qidesk.ui.navigator import Selection


def tab_named(tabs, title: str) -> int:
    return next(i for i in range(tabs.count()) if tabs.tabText(i) == title)


def open_cohort_tab(window: MainWindow, cohort_uuid: str, title: str):
    window.select(Selection("cohort", cohort_uuid))
    page = window.current_page()
    page.tabs.setCurrentIndex(tab_named(page.tabs, title))
    QApplication.processEvents()  # a tab built just now is shown by a queued call
    return page.tabs.extra_widget(title)


def narrow_cohort_tab(qtbot, window: MainWindow, title: str):  # type: ignore[no-untyped-def]
    """The first cohort's tab ``title`` in a 1024 x 640 window, laid out; (cohort, tab)."""
    window.resize(1024, 640)
    cohort = window.context.services.teams.navigator()[0]
    tab = open_cohort_tab(window, cohort.uuid, title)
    qtbot.wait(20)
    QApplication.processEvents()
    return cohort, tab


def open_team_tab(window: MainWindow, team_uuid: str, title: str):
    window.select(Selection("team", team_uuid))
    page = window.current_page()
    page.tabs.setCurrentIndex(tab_named(page.tabs, title))
    QApplication.processEvents()  # a tab built just now is shown by a queued call
    return page.tabs.extra_widget(title)


def test_cohort_progress_tab_shows_a_score_just_saved_on_a_team_page(
    qtbot, demo_window: MainWindow
) -> None:
    """A coach looks at the cohort's progress, opens a team, scores it, goes back: the
    cohort's table must show the new score, not the one it showed before."""
    cohort = demo_window.context.services.teams.navigator()[0]
    team = cohort.teams[0]
    cohort_tab = open_cohort_tab(demo_window, cohort.uuid, "Progress")
    row = next(r for r in cohort_tab.model.rows() if r.team_uuid == team.uuid)
    new_score = 4.5 if row.coach_score != 4.5 else 4.0
    month = row.coach_month or date.today().replace(day=1)

    progress = open_team_tab(demo_window, team.uuid, "Progress")
    progress.select_score(month, "coach", new_score)
    progress.save_score()

    cohort_tab = open_cohort_tab(demo_window, cohort.uuid, "Progress")
    row = next(r for r in cohort_tab.model.rows() if r.team_uuid == team.uuid)
    assert row.coach_score == new_score


def test_cohort_capability_tab_counts_a_stage_entered_on_a_team_page(
    qtbot, demo_window: MainWindow
) -> None:
    cohort = demo_window.context.services.teams.navigator()[0]  # running: not all have mid
    services = demo_window.context.services
    team = next(
        t
        for t in cohort.teams
        if [s.stage for s in services.assessments.team_results(t.uuid).stages] == ["start"]
    )
    capability = open_cohort_tab(demo_window, cohort.uuid, "Capability")
    before = capability.capability.teams_per_stage.get("mid", 0)

    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.views.setCurrentIndex(0)
    tab.stage_combo.setCurrentIndex(1)  # Midpoint
    tab.grid.setFocus()
    tab.grid.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClicks(tab.grid, "4")
    stages = [s.stage for s in services.assessments.team_results(team.uuid).stages]
    assert stages == ["start", "mid"]

    capability = open_cohort_tab(demo_window, cohort.uuid, "Capability")
    assert capability.capability.teams_per_stage.get("mid", 0) == before + 1


def test_delete_key_twice_in_the_members_table_never_offers_to_delete_the_team(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """A coach removes two members with the Delete key: the second press names the next
    member, not the whole team (it used to ask "Delete the team …?", the table having lost
    its selection)."""
    asked: list[str] = []

    def confirm(_parent, what: str, consequence: str = "") -> bool:
        asked.append(what)
        return True

    monkeypatch.setattr(demo_window.context, "confirm_delete", confirm)
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    overview = demo_window.current_page().overview
    names = [m.name for m in overview.members_model.rows()]
    overview.members_table.setFocus()
    overview.members_table.selectRow(1)
    qtbot.keyClick(overview.members_table, Qt.Key.Key_Delete)
    assert overview.members_table.hasFocus()
    assert overview.selected_member().name == names[2]  # the next one, ready
    demo_window.delete_action.trigger()  # the Delete shortcut
    assert asked == [f"the member “{names[1]}”", f"the member “{names[2]}”"]
    assert [m.name for m in overview.members_model.rows()] == [names[0], *names[3:]]

    # Nothing selected in the table: Delete does nothing (the team stays, nothing is asked).
    overview.members_table.clearSelection()
    overview.members_table.setFocus()
    demo_window.delete_action.trigger()
    assert len(asked) == 2
    assert team.name in [t.name for t in demo_window.context.services.teams.navigator()[0].teams]


def test_adding_and_naming_a_change_idea_stays_on_the_change_ideas_panel(
    qtbot, demo_window: MainWindow
) -> None:
    """Add change idea, type its title, Tab to the description: the panel stays on view with
    the new idea's form (it used to jump to the Cycles list, hiding the field being typed in,
    and the Tab landed in the cycle editor)."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    tab = open_team_tab(demo_window, team.uuid, "PDSA")
    assert tab.editor.cycle is not None  # the team's latest cycle is open
    panel = tab.ideas_panel
    tab.left_tabs.setCurrentWidget(panel)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert tab.left_tabs.currentWidget() is panel
    assert panel.title_edit.isVisible() and panel.title_edit.hasFocus()
    qtbot.keyClicks(panel.title_edit, "Discharge checklist")
    qtbot.keyClick(panel.title_edit, Qt.Key.Key_Tab)
    assert tab.left_tabs.currentWidget() is panel
    assert panel.description_edit.hasFocus()
    assert panel.current().title == "Discharge checklist"
    assert panel.message.text() == "Saved"
    ideas = demo_window.context.services.pdsa.team_pdsa(team.uuid).ideas
    assert "Discharge checklist" in [i.title for i in ideas]


def test_tab_key_leaves_read_only_tables(qtbot, demo_window: MainWindow) -> None:
    """Keyboard users move between controls with Tab: a read-only table takes one Tab, not
    one per cell (the members table held Tab for 8 rows × 4 columns)."""
    services = demo_window.context.services
    cohort = services.teams.navigator()[0]
    team = cohort.teams[0]
    demo_window.select(Selection("team", team.uuid))
    overview = demo_window.current_page().overview
    results = open_team_tab(demo_window, team.uuid, "Self-assessment")
    results.views.setCurrentIndex(1)
    progress = open_team_tab(demo_window, team.uuid, "Progress")
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    capability = open_cohort_tab(demo_window, cohort.uuid, "Capability")
    cohort_progress = open_cohort_tab(demo_window, cohort.uuid, "Progress")
    timeline = open_cohort_tab(demo_window, cohort.uuid, "PDSA timeline")
    teams_table = demo_window.current_page().teams_tab.table
    tables = [
        overview.members_table,
        results.table,
        progress.table,
        pdsa.table,
        capability.table,
        cohort_progress.table,
        timeline.table,
        teams_table,
    ]
    for table in tables:
        assert not table.tabKeyNavigation(), table.accessibleName()

    demo_window.select(Selection("team", team.uuid))
    demo_window.current_page().tabs.setCurrentIndex(0)
    QApplication.processEvents()
    overview.members_table.setFocus()
    overview.members_table.selectRow(0)
    qtbot.keyClick(overview.members_table, Qt.Key.Key_Tab)
    assert not overview.members_table.hasFocus()


def test_team_overview_fields_keep_their_width_in_a_narrow_window(
    qtbot, demo_window: MainWindow
) -> None:
    """At 1024 × 640 the team's fields were squeezed to a few letters beside the alignment
    ticks (and the page scrolled sideways); there the ticks go below the fields."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    overview = demo_window.current_page().overview
    QApplication.processEvents()
    assert overview.name_edit.width() >= 250

    demo_window.resize(1024, 640)
    qtbot.wait(20)
    QApplication.processEvents()
    assert overview.name_edit.width() >= 250
    assert overview.is_stacked()
    assert overview.name_edit.text() == team.name

    demo_window.resize(1366, 768)
    qtbot.waitUntil(lambda: not overview.is_stacked())


def test_undo_a_deletion_from_the_keyboard_shows_what_came_back(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Delete a team from the navigator, then Ctrl+Z (Edit → Undo delete): the team is back,
    shown and selected, with the focus in the navigator. The status bar's Undo button was the
    only way (not reachable from the keyboard), and after it the cohort page stayed with the
    focus on a History… button."""
    monkeypatch.setattr(demo_window.context, "confirm_delete", lambda *_a, **_k: True)
    team = demo_window.context.services.teams.navigator()[0].teams[3]
    demo_window.select(Selection("team", team.uuid))
    tree = demo_window.navigator.tree
    tree.setFocus()
    assert not demo_window.undo_action.isEnabled()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert demo_window.current_page().title.text() != team.name
    assert demo_window.undo_action.isEnabled()
    assert team.name in demo_window.undo_action.text()

    qtbot.keyClick(tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert demo_window.navigator.current() == Selection("team", team.uuid)
    assert demo_window.current_page().title.text() == team.name
    assert tree.hasFocus()
    assert not demo_window.undo_action.isEnabled()
    assert not demo_window.undo_button.isVisibleTo(demo_window)


def test_deleting_a_cycle_idea_or_score_offers_undo(qtbot, demo_window: MainWindow, monkeypatch):
    """Deleting a PDSA cycle, a change idea or a progress score offered no Undo in the status
    bar (only teams, members, cohorts and coaches did): the coach had to find it in Recently
    deleted."""
    monkeypatch.setattr(demo_window.context, "confirm_delete", lambda *_a, **_k: True)
    services = demo_window.context.services
    team = services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    cycle = pdsa.editor.cycle
    before = len(pdsa.model.rows())
    pdsa.delete_item()
    assert len(pdsa.model.rows()) == before - 1
    assert cycle.title in demo_window.undo_label.text()
    demo_window.undo_action.trigger()
    assert cycle.uuid in [c.uuid for c in pdsa.model.rows()]

    idea = services.pdsa.create_change_idea(team.uuid, "Idea to drop")
    pdsa.reload(keep_idea=idea.uuid)
    pdsa.ideas_panel.delete_idea()
    assert "Idea to drop" in demo_window.undo_label.text()
    demo_window.undo_action.trigger()
    assert "Idea to drop" in [i.title for i in services.pdsa.team_pdsa(team.uuid).ideas]

    progress = open_team_tab(demo_window, team.uuid, "Progress")
    score = services.progress.team_scores(team.uuid)[-1]
    progress.select_score(score.month, score.rater, score.score)
    progress.delete_score()
    assert score.uuid not in [s.uuid for s in services.progress.team_scores(team.uuid)]
    assert "score" in demo_window.undo_label.text()
    demo_window.undo_action.trigger()
    assert score.uuid in [s.uuid for s in services.progress.team_scores(team.uuid)]


def test_filtered_navigator_says_how_many_of_a_cohorts_teams_it_shows(
    qtbot, demo_window: MainWindow
) -> None:
    """Filtered, a cohort of 15 teams read "Running · 1 team": as if the cohort had one."""
    from qidesk.ui.navigator import DETAIL_ROLE

    navigator = demo_window.navigator
    model = navigator.model
    assert model.index(0, 0).data(DETAIL_ROLE) == "Running · 15 teams"
    navigator.filter_edit.setText("emergency")
    navigator.reload()
    cohort = model.index(0, 0)
    shown = model.rowCount(cohort)
    assert shown < 15
    assert cohort.data(DETAIL_ROLE) == f"Running · {shown} of 15 teams"


def test_a_new_cycle_is_in_view_on_the_timeline(qtbot, demo_window: MainWindow) -> None:
    """New cycle (planned from today for two weeks): its bar was drawn past the right edge of
    the timeline, which kept the old zoom, so the coach saw nothing happen."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    info = pdsa.new_cycle()
    assert info is not None
    (x0, x1), _ = pdsa.timeline.view_box.viewRange()
    bars = pdsa.timeline.chart_layout.bars_of(info.uuid)
    assert bars
    assert all(x0 <= b.x0 and b.x1 <= x1 for b in bars)


def test_tab_from_the_navigator_reaches_the_page_shown(qtbot, demo_window: MainWindow) -> None:
    """A keyboard user on a team presses Tab to go to the team's page: the list below the tree
    (Coaches, Conflicts, ...) took the focus and, having no current entry, made its first one
    current, which opened the Coaches page. So Tab never reached the team page."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    page = demo_window.current_page()
    demo_window.navigator.tree.setFocus()
    qtbot.keyClick(demo_window.navigator.tree, Qt.Key.Key_Tab)
    assert demo_window.navigator.fixed.hasFocus()
    assert demo_window.current_page() is page
    assert demo_window.navigator.current() == Selection("team", team.uuid)
    qtbot.keyClick(demo_window.navigator.fixed, Qt.Key.Key_Tab)
    assert page.isAncestorOf(QApplication.focusWidget())

    # Arrow keys in the list still open its pages; Shift+Tab back into the tree (which has no
    # current row now) opens nothing either.
    fixed = demo_window.navigator.fixed
    fixed.setFocus()
    qtbot.keyClick(fixed, Qt.Key.Key_Down)
    assert demo_window.navigator.current().kind == "fixed"
    shown = demo_window.current_page()
    assert shown is not page
    qtbot.keyClick(fixed, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert demo_window.navigator.tree.hasFocus()
    assert demo_window.current_page() is shown


def test_a_stage_entered_with_the_keyboard_only(qtbot, demo_window: MainWindow) -> None:
    """Keyboard only: choose Midpoint in Stage, Tab to the grid, type the scores. The tab opens
    on the chart for a team with answers, and choosing a stage left it there, so no grid was
    on view (and none in the Tab order) to type into."""
    services = demo_window.context.services
    cohort = services.teams.navigator()[0]
    team = next(
        t
        for t in cohort.teams
        if [s.stage for s in services.assessments.team_results(t.uuid).stages] == ["start"]
    )
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    assert tab.views.currentIndex() == 1  # the chart first, in front of the team
    tab.stage_combo.setFocus()
    qtbot.keyClick(tab.stage_combo, Qt.Key.Key_Down)
    assert tab.current_stage() == "mid"
    for _ in range(10):
        if tab.grid.hasFocus():
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert tab.grid.hasFocus()
    items = tab.model.rowCount()
    for digit in "34" * (items // 2) + "3" * (items % 2):
        qtbot.keyClick(tab.grid, digit)
    assert tab.answered_label.text().startswith("1 of ")
    mid = next(s for s in services.assessments.team_results(team.uuid).stages if s.stage == "mid")
    assert mid is not None


def test_escape_clears_the_navigator_filter(qtbot, demo_window: MainWindow) -> None:
    navigator = demo_window.navigator
    demo_window.filter_action.trigger()
    qtbot.keyClicks(navigator.filter_edit, "stroke")
    qtbot.keyClick(navigator.filter_edit, Qt.Key.Key_Escape)
    assert navigator.filter_edit.text() == ""


def test_deleting_a_buddy_coach_says_what_the_teams_lose(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Deleting a buddy coach of 8 teams said "8 teams will show no coach until you restore
    them": the teams keep their coach (they lose their buddy coach), and "them" read as the
    teams."""
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context,
        "confirm_delete",
        lambda _p, what, consequence="": asked.append(consequence) or False,
    )
    demo_window.select(Selection("fixed", "coaches"))
    page = demo_window.current_page()
    coaches = page.model.rows()
    buddy = next(c for c in coaches if c.teams and all(t.as_buddy for t in c.teams))
    lead = next(c for c in coaches if len(c.teams) > 1 and not any(t.as_buddy for t in c.teams))
    for coach in (buddy, lead):
        page.table.selectRow(coaches.index(coach))
        page.delete_item()
    n_buddy, n_lead = len(buddy.teams), len(lead.teams)
    assert asked == [
        f"{n_buddy} teams will show no buddy coach until you restore the coach or choose another.",
        f"{n_lead} teams will show no coach until you restore the coach or choose another.",
    ]


def test_a_new_team_opens_with_the_focus_in_its_project_title(
    qtbot, demo_window: MainWindow
) -> None:
    """After Add team… the new team's page opened with the focus on its History… button (the
    Add team button it came from had gone); the next thing to fill in is the project."""
    from PySide6.QtWidgets import QDialogButtonBox

    cohort = demo_window.context.services.teams.navigator()[0]
    demo_window.select(Selection("cohort", cohort.uuid))
    cohort_page = demo_window.current_page()

    def exec_filled(dialog) -> int:
        dialog.name_edit.setText("Respiratory Ward Llanelli")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        return dialog.result()

    from qidesk.ui.dialogs import team_dialog

    original = team_dialog.TeamDialog.exec
    team_dialog.TeamDialog.exec = exec_filled  # type: ignore[method-assign]
    try:
        cohort_page.teams_tab.add_team()
    finally:
        team_dialog.TeamDialog.exec = original  # type: ignore[method-assign]
    page = demo_window.current_page()
    assert page.title.text() == "Respiratory Ward Llanelli"
    assert page.tabs.currentIndex() == 0
    assert demo_window.focusWidget() is page.overview.text_edits["project_title"]


def test_the_today_label_of_a_timeline_is_not_cut_off(qtbot, demo_window: MainWindow) -> None:
    """Today is usually the right end of a timeline, and its label ran off the edge ("Toda")."""
    cohort = demo_window.context.services.teams.navigator()[-1]  # finished: today is last
    tab = open_cohort_tab(demo_window, cohort.uuid, "PDSA timeline")
    chart = tab.timeline
    QApplication.processEvents()
    label = chart.today_line.label
    shown = label.mapRectToScene(label.boundingRect())
    view = chart.view_box.mapRectToScene(chart.view_box.boundingRect())
    assert view.contains(shown)


def test_cohort_header_counts_teams_after_one_is_removed(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Remove team on the cohort's Teams tab: the table and navigator said 14, the page's
    header still '15 teams'."""
    monkeypatch.setattr(demo_window.context, "confirm_delete", lambda *_a, **_k: True)
    cohort = demo_window.context.services.teams.navigator()[0]
    demo_window.select(Selection("cohort", cohort.uuid))
    page = demo_window.current_page()
    assert page.subtitle.text().endswith("15 teams")
    page.teams_tab.table.selectRow(0)
    page.teams_tab.remove_team()
    assert page.teams_tab.model.rowCount() == 14
    assert page.subtitle.text().endswith("14 teams")


def test_coach_names_are_readable_in_a_narrow_window(qtbot, demo_window: MainWindow) -> None:
    """At 1024 × 640 the Coaches table's Name column, the only one that gives way, was
    squeezed to about 40 px ("Amira Ho…")."""
    from PySide6.QtGui import QFontMetrics

    demo_window.resize(1024, 640)
    demo_window.select(Selection("fixed", "coaches"))
    page = demo_window.current_page()
    qtbot.wait(20)
    QApplication.processEvents()
    metrics = QFontMetrics(page.table.font())
    widest = max(metrics.horizontalAdvance(c.name) for c in page.model.rows())
    assert page.table.columnWidth(0) >= widest


def test_renaming_a_change_idea_renames_it_in_the_open_cycle(qtbot, demo_window: MainWindow):
    """Rename a change idea on the Change ideas panel: the list, the filter and the timeline
    showed the new name, the open cycle's Change idea box still the old one."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    editor = pdsa.editor
    idea_uuid = editor.cycle.change_idea_uuid
    panel = pdsa.ideas_panel
    pdsa.left_tabs.setCurrentWidget(panel)
    row = next(
        i
        for i in range(panel.list.count())
        if panel.list.item(i).data(Qt.ItemDataRole.UserRole).uuid == idea_uuid
    )
    panel.list.setCurrentRow(row)
    panel.title_edit.setFocus()
    panel.title_edit.selectAll()
    qtbot.keyClicks(panel.title_edit, "Protected teaching time")
    qtbot.keyClick(panel.title_edit, Qt.Key.Key_Tab)
    assert editor.idea_combo.currentText() == "Protected teaching time"
    assert editor.idea_combo.currentData() == idea_uuid
    assert "Protected teaching time" in editor.number_label.toolTip()


def test_delete_in_the_answer_grid_clears_the_answer_not_the_team(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Delete marks an answer "not answered" (the grid's own help says so); in the window the
    Edit → Delete shortcut took the key first and asked "Delete the team …?"."""
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_delete", lambda _p, what, c="": asked.append(what) or False
    )
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.views.setCurrentIndex(0)
    tab.grid.setFocus()
    first = tab.model.index(0, 0)
    tab.grid.setCurrentIndex(first)
    assert tab.model.answer(first).score is not None
    qtbot.keyClick(tab.grid, Qt.Key.Key_Delete)
    assert asked == []
    assert tab.model.answer(tab.model.index(0, 0)) is None or (
        tab.model.answer(tab.model.index(0, 0)).score is None
    )
    assert tab.grid.currentIndex().row() == 1  # and on to the next item


def test_delete_acts_on_what_has_the_focus(qtbot, demo_window: MainWindow, monkeypatch) -> None:
    """With the focus on a team in the navigator and its PDSA tab open, Delete offered to
    delete the open PDSA cycle, not the team selected; with a score selected on the Progress
    tab it offered to delete the team."""
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_delete", lambda _p, what, c="": asked.append(what) or False
    )
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    open_team_tab(demo_window, team.uuid, "PDSA")
    demo_window.navigator.tree.setFocus()
    qtbot.keyClick(demo_window.navigator.tree, Qt.Key.Key_Delete)
    assert asked == [f"the team “{team.name}”"]

    progress = open_team_tab(demo_window, team.uuid, "Progress")
    progress.table.setFocus()
    index = next(i for i, r in enumerate(progress.model.rows()) if r.team is not None)
    progress.table.selectRow(index)  # the form shows its month (scored by: Team)
    row = progress.model.row_at(index)
    qtbot.keyClick(progress.table, Qt.Key.Key_Delete)
    assert len(asked) == 2 and "score for" in asked[1]
    assert f"{row.month:%b %Y}" in asked[1]


def test_delete_in_the_change_ideas_list_deletes_the_idea(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Delete with a change idea selected in its list asked to delete the cycle open in the
    editor."""
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_delete", lambda _p, what, c="": asked.append(what) or False
    )
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    panel = pdsa.ideas_panel
    pdsa.left_tabs.setCurrentWidget(panel)
    panel.list.setFocus()
    panel.list.setCurrentRow(0)
    idea = panel.current()
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert asked == [f"the change idea “{idea.title}”"]


def test_the_new_action_is_named_for_what_it_makes(qtbot, demo_window: MainWindow) -> None:
    """On a team's PDSA tab the toolbar said "New member" and made a PDSA cycle."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    demo_window.select(Selection("team", team.uuid))
    assert demo_window.new_action.text() == "New member…"
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    assert demo_window.new_action.text() == "New PDSA cycle"
    before = len(pdsa.model.rows())
    demo_window.new_action.trigger()
    assert len(pdsa.model.rows()) == before + 1
    page = demo_window.current_page()
    page.tabs.setCurrentIndex(0)
    assert demo_window.new_action.text() == "New member…"


def test_delete_on_a_question_row_removes_the_question(
    qtbot, demo_window: MainWindow, monkeypatch
) -> None:
    """Delete on a selected question (or task) of the cycle asked "Delete cycle 2 …?"."""
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_delete", lambda _p, what, c="": asked.append(what) or False
    )
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    editor = pdsa.editor
    questions = editor.questions_table
    n = questions.rowCount()
    assert n >= 2
    second = questions.item(1, 0).text()
    questions.setFocus()
    questions.setCurrentCell(0, 0)
    qtbot.keyClick(questions, Qt.Key.Key_Delete)
    assert asked == []
    assert questions.rowCount() == n - 1
    stored = demo_window.context.services.pdsa.team_pdsa(team.uuid)
    cycle = next(c for c in stored.cycles if c.uuid == editor.cycle.uuid)
    assert cycle.questions[0].question == second


def test_team_names_stay_readable_below_a_narrow_cohort_timeline(
    qtbot, demo_window: MainWindow
) -> None:
    """At 1024 × 640 the table of cycles per team squeezed its Team column to "…"."""
    from PySide6.QtGui import QFontMetrics

    cohort, tab = narrow_cohort_tab(qtbot, demo_window, "PDSA timeline")
    metrics = QFontMetrics(tab.table.font())
    widest = max(metrics.horizontalAdvance(t.name) for t in cohort.teams)
    assert tab.table.columnWidth(0) >= widest


def test_the_open_cycle_stays_open_after_saving_on_another_tab(
    qtbot, demo_window: MainWindow
) -> None:
    """Open an older cycle, score the month on the Progress tab, come back to PDSA: the tab
    re-reads (data changed) but keeps the cycle the coach had open."""
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    older = next(c for c in pdsa.model.rows() if c.uuid != pdsa.editor.cycle.uuid)
    pdsa.open_cycle(older.uuid)
    progress = open_team_tab(demo_window, team.uuid, "Progress")
    progress.select_score(progress.today.replace(day=1), "coach", 3.0)
    progress.save_score()
    pdsa = open_team_tab(demo_window, team.uuid, "PDSA")
    assert pdsa.editor.cycle.uuid == older.uuid


def test_the_chosen_stage_stays_after_adding_a_member(qtbot, demo_window: MainWindow) -> None:
    """Choose End (not started yet), add a member on the Overview, come back: still End, with
    the new member's column."""
    services = demo_window.context.services
    team = services.teams.navigator()[0].teams[0]
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.stage_combo.setCurrentIndex(2)  # End
    columns = tab.model.columnCount()
    demo_window.current_page().tabs.setCurrentIndex(0)
    services.members.create(team.uuid, "Nia Newmember")
    demo_window.context.notify_saved()
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    assert tab.current_stage() == "end"
    assert tab.model.columnCount() == columns + 1
