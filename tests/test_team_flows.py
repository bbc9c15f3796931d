"""A team's place and packs: moving a team to another cohort from its Overview (a team that
defers, or was entered under a duplicate cohort), combining a cohort made twice, telling
same-named cohorts apart, and exporting a stage's pack from the Self-assessment tab."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from qidesk.store.engine import Database
from qidesk.store.models import Assessment, Member, Team
from qidesk.ui.main_window import MainWindow
from qidesk.ui.navigator import DETAIL_ROLE, Selection


def _count(db: Database, model, team_uuid: str) -> int:
    with db.unit_of_work() as session:
        return session.query(model).filter_by(team_uuid=team_uuid, deleted_at=None).count()


def _open_team(window: MainWindow, team_uuid: str):
    window.select(Selection("team", team_uuid))
    QApplication.processEvents()
    return window.current_page()


def _choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_a_team_moves_to_another_cohort_with_everything_recorded_for_it(
    demo_window: MainWindow,
    demo_db: Database,
    monkeypatch,
) -> None:
    services = demo_window.context.services
    newer, older = services.teams.navigator()[:2]
    team = newer.teams[0]
    members = _count(demo_db, Member, team.uuid)
    assessments = _count(demo_db, Assessment, team.uuid)
    assert members and assessments
    page = _open_team(demo_window, team.uuid)
    combo = page.overview.cohort_combo
    assert combo.currentData() == newer.uuid
    assert [combo.itemData(i) for i in range(combo.count())] == [
        c.uuid for c in services.cohorts.list_cohorts()
    ]
    asked: list[str] = []

    def confirm(_parent, _title, question, _info, _action) -> bool:
        asked.append(question)
        return True

    monkeypatch.setattr(demo_window.context, "confirm_action", confirm)
    _choose(combo, older.uuid)
    assert asked == [f"Move “{team.name}” from {newer.name} to {older.name}?"]
    with demo_db.unit_of_work() as session:
        assert session.get(Team, team.uuid).cohort_uuid == older.uuid
    # Everything recorded for the team went with it.
    assert _count(demo_db, Member, team.uuid) == members
    assert _count(demo_db, Assessment, team.uuid) == assessments
    # The page and the navigator say where it is now; the team stays selected.
    assert page.subtitle.text().startswith(older.name)
    moved = {c.uuid: [t.uuid for t in c.teams] for c in services.teams.navigator()}
    assert team.uuid in moved[older.uuid] and team.uuid not in moved[newer.uuid]
    assert demo_window.navigator.current() == Selection("team", team.uuid)


def test_cancelling_the_move_changes_nothing(
    demo_window: MainWindow,
    demo_db: Database,
    monkeypatch,
) -> None:
    newer, older = demo_window.context.services.teams.navigator()[:2]
    team = newer.teams[0]
    page = _open_team(demo_window, team.uuid)
    monkeypatch.setattr(demo_window.context, "confirm_action", lambda *_a: False)
    _choose(page.overview.cohort_combo, older.uuid)
    with demo_db.unit_of_work() as session:
        assert session.get(Team, team.uuid).cohort_uuid == newer.uuid
    assert page.overview.cohort_combo.currentData() == newer.uuid


def test_cohorts_of_one_name_are_told_apart(
    demo_window: MainWindow,
) -> None:
    """Two coaches who each made "Cohort 9" give a lead two cohorts of one name after a merge:
    the navigator and the team's Cohort choice show when each starts."""
    services = demo_window.context.services
    newer, older = services.teams.navigator()[:2]
    services.cohorts.update(older.uuid, name=newer.name)
    demo_window.navigator.reload()
    model = demo_window.navigator.model
    details = [model.item(r).data(DETAIL_ROLE) for r in range(model.rowCount())]
    starts = [c.start_date for c in services.cohorts.list_cohorts()]
    assert all(f"from {d.day} {d:%b %Y}" in text for d, text in zip(starts, details, strict=True))
    page = _open_team(demo_window, newer.teams[0].uuid)
    labels = [page.overview.cohort_combo.itemText(i) for i in range(2)]
    assert labels[0] != labels[1]
    assert all(label.startswith(newer.name + " · from ") for label in labels)


def test_a_cohort_made_twice_is_combined_into_the_other(
    demo_window: MainWindow,
    demo_db: Database,
    monkeypatch,
) -> None:
    """A lead combines the duplicate: its teams (with everything recorded for them) move into
    the other cohort, the emptied one is deleted, and the window shows the combined cohort."""
    services = demo_window.context.services
    newer, older = services.teams.navigator()[:2]
    services.cohorts.update(older.uuid, name=newer.name)
    moving = [t.uuid for t in older.teams]
    staying = [t.uuid for t in newer.teams]
    assessments = {t: _count(demo_db, Assessment, t) for t in moving}
    demo_window.select(Selection("cohort", older.uuid))
    QApplication.processEvents()
    page = demo_window.current_page()
    page._fill_combine_menu()
    actions = [a.text() for a in page.combine_menu.actions()]
    start = newer.start_date
    assert actions == [f"{newer.name} · from {start.day} {start:%b %Y}  ({len(staying)} teams)"]
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_action", lambda _p, _t, q, _i, _a: asked.append(q) or True
    )
    page.combine_menu.actions()[0].trigger()
    QApplication.processEvents()
    assert asked and asked[0].startswith(f"Move the {len(moving)} teams of “{newer.name}” into")
    cohorts = services.teams.navigator()
    assert [c.uuid for c in cohorts] == [newer.uuid]
    assert sorted(t.uuid for t in cohorts[0].teams) == sorted(moving + staying)
    assert {t: _count(demo_db, Assessment, t) for t in moving} == assessments
    assert demo_window.navigator.current() == Selection("cohort", newer.uuid)
    # The emptied cohort is in Recently deleted; restoring it brings back no team.
    services.cohorts.restore(older.uuid)
    assert services.cohorts.get(older.uuid).team_count == 0


def test_combining_a_cohort_with_itself_is_refused(demo_db: Database) -> None:
    from qidesk.services.base import ServiceError
    from qidesk.services.registry import Services

    services = Services.create(demo_db)
    cohort = services.cohorts.list_cohorts()[0]
    with pytest.raises(ServiceError, match="another cohort"):
        services.cohorts.combine_into(cohort.uuid, cohort.uuid)
    assert services.cohorts.get(cohort.uuid).team_count == cohort.team_count


def test_the_self_assessment_tab_exports_the_pack_of_the_stage_it_shows(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """A coach looking at a team's midpoint sends the team its midpoint pack from there (it was
    only in the File menu, where the stage had to be chosen again)."""
    from PySide6.QtCore import Qt, QTimer

    from test_qa_ui_window import open_team_tab

    team = demo_window.context.services.teams.navigator()[0].teams[0]
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.stage_combo.setCurrentIndex(tab.stage_combo.findData("mid"))
    seen: dict[str, object] = {}

    def look_and_close() -> None:
        dialog = tab.pack_dialog
        seen.update(
            team=dialog.team_combo.currentData(),
            stage=dialog.stage_combo.currentData(),
            pack=dialog.pack_radio.isChecked(),
        )
        dialog.reject()

    QTimer.singleShot(0, look_and_close)
    qtbot.mouseClick(tab.pack_button, Qt.MouseButton.LeftButton)
    assert seen == {"team": team.uuid, "stage": "mid", "pack": True}
    assert tab.pack_dialog is None


def test_a_team_deleted_before_its_cohort_was_combined_is_restored_into_the_cohort_kept(
    demo_db: Database,
) -> None:
    """A team deleted by mistake in the duplicate cohort, which the lead then combined: it is
    restored from Recently deleted into the combined cohort (it used to ask for the emptied
    duplicate to be restored first)."""
    from qidesk.services.registry import Services

    services = Services.create(demo_db)
    kept, duplicate = services.teams.navigator()[:2]
    deleted = duplicate.teams[0]
    services.teams.delete(deleted.uuid)
    moved = services.cohorts.combine_into(duplicate.uuid, kept.uuid)
    assert moved == len(duplicate.teams) - 1
    services.deleted.restore("Team", deleted.uuid)
    assert services.teams.get(deleted.uuid).cohort_uuid == kept.uuid
    [cohort] = services.teams.navigator()
    assert cohort.uuid == kept.uuid
    assert len(cohort.teams) == len(kept.teams) + len(duplicate.teams)


def test_a_lead_gathers_every_cohort_of_one_name_into_one(
    demo_window: MainWindow,
    monkeypatch,
) -> None:
    """Forty coaches each made "Cohort 9": combining them one at a time, from forty menus of
    identical names, is where a lead loses track. 'Gather the N other cohorts named …' does it
    in one step, into the cohort open."""
    services = demo_window.context.services
    newer, older = services.teams.navigator()[:2]
    services.cohorts.update(older.uuid, name=newer.name)
    third = services.cohorts.create(newer.name, newer.start_date)
    services.teams.create(third.uuid, "Ward 3")
    other = services.cohorts.create("Cohort 10")
    demo_window.select(Selection("cohort", newer.uuid))
    QApplication.processEvents()
    page = demo_window.current_page()
    page._fill_combine_menu()
    actions = page.combine_menu.actions()
    moving = len(older.teams) + 1
    assert actions[0].text() == (
        f"Gather the 2 other cohorts named “{newer.name}” into this one  ({moving} teams)"
    )
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_action", lambda _p, _t, q, _i, _a: asked.append(q) or True
    )
    actions[0].trigger()
    QApplication.processEvents()
    assert asked == [
        f"Move the {moving} teams of the 2 other cohorts named “{newer.name}” into this one, "
        "and delete those cohorts?"
    ]
    tree = services.teams.navigator()
    assert sorted(c.uuid for c in tree) == sorted([newer.uuid, other.uuid])
    gathered = next(c for c in tree if c.uuid == newer.uuid)
    assert len(gathered.teams) == len(newer.teams) + moving
    assert demo_window.navigator.current() == Selection("cohort", newer.uuid)
    assert page.cohort.team_count == len(newer.teams) + moving
    # Only one namesake left (none): the menu offers no gathering.
    page._fill_combine_menu()
    assert [a.text() for a in page.combine_menu.actions()] == ["Cohort 10  (0 teams)"]


def _wheel(widget, steps: int = -1) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(
        QPointF(5, 5),
        QPointF(widget.mapToGlobal(QPoint(5, 5))),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    QApplication.processEvents()


def test_scrolling_the_overview_past_its_choices_changes_nothing(
    demo_window: MainWindow,
    monkeypatch,
) -> None:
    """The Overview form scrolls; the wheel over the Cohort choice asked to move the team,
    and over Coach or Status changed them (saved at once) while a coach only meant to scroll."""
    services = demo_window.context.services
    team = services.teams.navigator()[0].teams[0]
    before = services.teams.get(team.uuid)
    page = _open_team(demo_window, team.uuid)
    asked: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_action", lambda _p, _t, q, _i, _a: asked.append(q) or False
    )
    overview = page.overview
    for combo in (
        overview.cohort_combo,
        overview.coach_combo,
        overview.buddy_combo,
        overview.status_combo,
    ):
        assert not combo.hasFocus()
        _wheel(combo, -1)
        _wheel(combo, 1)
        _wheel(combo, -1)
    assert asked == []
    after = services.teams.get(team.uuid)
    assert (after.cohort_uuid, after.coach_uuid, after.buddy_coach_uuid, after.status) == (
        before.cohort_uuid,
        before.coach_uuid,
        before.buddy_coach_uuid,
        before.status,
    )


def test_moving_a_team_says_which_scores_fall_outside_the_new_cohorts_months(
    demo_window: MainWindow,
    monkeypatch,
) -> None:
    """A team of the older cohort moves to the newer one: its monthly scores from before the
    newer cohort's months are kept but marked ⚠ there; the question says so first."""
    from qidesk.core.progress_scale import score_window

    services = demo_window.context.services
    newer, older = services.cohorts.list_cohorts()[:2]
    team = services.teams.navigator()[1].teams[0]
    window = score_window(newer.start_date, newer.end_date)
    outside = sorted(
        {s.month for s in services.progress.team_scores(team.uuid) if not window.contains(s.month)}
    )
    assert len(outside) > 4
    infos: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_action", lambda _p, _t, _q, i, _a: infos.append(i) or True
    )
    page = _open_team(demo_window, team.uuid)
    _choose(page.overview.cohort_combo, newer.uuid)
    months = ", ".join(f"{m:%b %Y}" for m in outside[:4])
    assert infos[0].endswith(
        f"⚠ Its progress scores for {len(outside)} months ({months} …) are outside "
        f"{newer.name}'s months: they are kept, and marked ⚠ there."
    )
    latest = services.progress.cohort_latest(newer.uuid)
    assert [t.team_uuid for t in latest if t.outside_window] == [team.uuid]
    # Moving it back: every score is inside its old cohort's months; nothing to warn of.
    _choose(page.overview.cohort_combo, older.uuid)
    assert "⚠" not in infos[1]


def test_combining_warns_of_progress_scores_outside_the_kept_cohorts_months(
    demo_window: MainWindow,
    monkeypatch,
) -> None:
    """Moving one team said which of its scores fall outside the new cohort's months;
    combining a whole cohort said nothing of them."""
    from datetime import date

    services = demo_window.context.services
    source = services.teams.navigator()[1]  # the completed cohort: its teams have scores
    target = services.cohorts.create("Pilot 2020", date(2020, 1, 1), date(2020, 10, 1))
    demo_window.select(Selection("cohort", source.uuid))
    QApplication.processEvents()
    page = demo_window.current_page()
    infos: list[str] = []
    monkeypatch.setattr(
        demo_window.context, "confirm_action", lambda _p, _t, _q, info, _a: infos.append(info)
    )
    page.combine_into(target.uuid, target.name)
    scored = services.progress.months_outside(target.uuid, [t.uuid for t in source.teams])
    assert scored  # the demo's scores are years after 2020
    assert f"⚠ {len(scored)} of the teams have progress scores" in infos[0]
    # Into a cohort whose months hold them (the same months), nothing is added.
    info = services.cohorts.get(source.uuid)
    same = services.cohorts.create("Same months", info.start_date, info.end_date)
    page.combine_into(same.uuid, same.name)
    assert "⚠" not in infos[1]


def test_a_move_between_cohorts_of_one_name_reads_as_a_change_in_history(
    demo_db: Database,
) -> None:
    """A team moved between two cohorts called "Cohort 9" showed "Cohort 9" before and after in
    its History (and in Conflicts): the start tells them apart."""
    from qidesk.services.history_service import HistoryService
    from qidesk.services.registry import Services

    services = Services.create(demo_db)
    newer, older = services.teams.navigator()[:2]
    services.cohorts.update(older.uuid, name=newer.name)
    team = newer.teams[0]
    services.teams.update(team.uuid, cohort_uuid=older.uuid)
    history = HistoryService(demo_db.unit_of_work).history("Team", team.uuid)
    now, before = history.versions[:2]
    (field,) = [f for f in now.fields if f.key == "cohort_uuid"]
    (was,) = [f for f in before.fields if f.key == "cohort_uuid"]
    assert field.changed and field.value != was.value
    starts = {c.uuid: c.start_date for c in services.cohorts.list_cohorts()}
    start = starts[older.uuid]
    assert field.value == f"{newer.name} · from {start.day} {start:%b %Y}"


def test_the_results_side_scrolls_instead_of_cutting_its_text_in_a_small_window(
    demo_window: MainWindow,
) -> None:
    """At 125-150% display scaling the areas' wrapped text below the scores table was cut off
    (found by QA at 1093 x 614): the side panel now scrolls and keeps the text whole."""
    from test_qa_ui_window import open_team_tab

    demo_window.resize(1024, 560)
    team = demo_window.context.services.teams.navigator()[1].teams[0]  # all three stages
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.views.setCurrentIndex(1)
    for _ in range(3):
        QApplication.processEvents()
    side = tab.results_side.widget()
    assert side.height() >= side.minimumSizeHint().height()
    assert tab.results_side.verticalScrollBar().maximum() > 0  # the rest is a scroll away


def test_score_rows_take_one_line_again_once_the_table_is_wide(
    demo_window: MainWindow,
) -> None:
    """Rows were sized once, while the side panel was still narrow: titles that fit on one line
    at full width kept two lines' height (uneven rows)."""
    from test_qa_ui_window import open_team_tab

    demo_window.resize(1024, 640)
    team = demo_window.context.services.teams.navigator()[0].teams[0]
    tab = open_team_tab(demo_window, team.uuid, "Self-assessment")
    tab.views.setCurrentIndex(1)
    for _ in range(3):
        QApplication.processEvents()
    demo_window.resize(1366, 768)
    for _ in range(3):
        QApplication.processEvents()
    table = tab.table
    titles = [table.item(r, 0).text() for r in range(table.rowCount())]
    width = table.columnWidth(0)
    metrics = table.fontMetrics()
    one_line = [r for r, t in enumerate(titles) if metrics.horizontalAdvance(t) + 16 < width]
    assert len(one_line) >= len(titles) - 1  # at 1366 px nearly every title fits on a line
    heights = {table.rowHeight(r) for r in one_line}
    assert len(heights) == 1, heights
