"""The Programme page: every cohort at a glance, read as the cohort page's tabs read it."""

from __future__ import annotations

import statistics
from pathlib import Path

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from qidesk.core.assessment_stats import CohortCell, cohort_stage_mean
from qidesk.services.cohort_service import CohortInfo
from qidesk.services.programme_service import WORKBOOK_HEADERS, CohortSummary
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from qidesk.ui.context import UiContext
from qidesk.ui.main_window import MainWindow
from qidesk.ui.navigator import Selection
from qidesk.ui.pages.programme_page import READING, ProgrammeRow, ProgrammeTableModel


def test_a_stage_mean_is_the_mean_of_the_items_answered_at_it() -> None:
    cells = {
        ("A", "start"): CohortCell(2.0, 1.0, 3.0, 4),
        ("B", "start"): CohortCell(3.0, 3.0, 3.0, 1),
        ("C", "start"): CohortCell(None, None, None, 0),  # no team answered C
    }
    assert cohort_stage_mean(cells, ["A", "B", "C"], "start") == 2.5
    assert cohort_stage_mean(cells, ["A", "B", "C"], "end") is None


def test_a_cohort_summary_agrees_with_the_cohort_tabs(demo_db: Database) -> None:
    services = Services.create(demo_db)
    for cohort in services.cohorts.list_cohorts():
        summary = services.programme.cohort_summary(cohort.uuid)
        capability = services.assessments.cohort_capability(cohort.uuid)
        codes = [code for code, _ in capability.items]
        for stage in ("start", "mid", "end"):
            assert summary.teams_assessed[stage] == capability.teams_per_stage[stage]
            means = [
                capability.cells[(c, stage)].mean
                for c in codes
                if capability.cells[(c, stage)].mean is not None
            ]
            expected = sum(means) / len(means) if means else None
            assert summary.capability[stage] == expected
        pdsa = services.pdsa.cohort_pdsa(cohort.uuid)
        assert summary.cycles == len(pdsa.cycles) > 0
        decided = [c.decision for c in pdsa.cycles]
        assert summary.decisions == {d: decided.count(d) for d in ("adopt", "adapt", "abandon")}
        latest = services.progress.cohort_latest(cohort.uuid)
        coach = [t.coach_score for t in latest if t.coach_score is not None]
        assert summary.coach_median == (statistics.median(coach) if coach else None)
        assert summary.coach_teams == len(coach)
        with demo_db.unit_of_work() as session:
            members = session.scalar(
                select(func.count())
                .select_from(Member)
                .join(Team, Team.uuid == Member.team_uuid)
                .where(
                    Team.cohort_uuid == cohort.uuid,
                    Team.deleted_at.is_(None),
                    Member.deleted_at.is_(None),
                    Member.active.is_(True),
                )
            )
        assert summary.members == members > 0
    # The demo's completed cohort has all three stages; the running one no end yet.
    running, completed = services.cohorts.list_cohorts()[:2]
    assert services.programme.cohort_summary(running.uuid).capability["end"] is None
    assert services.programme.cohort_summary(completed.uuid).capability["end"] is not None


def test_the_programme_page_lists_every_cohort_and_opens_one(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """A lead opens Programme (first below the tree): one line per cohort, its figures filled
    in a cohort at a time, then totals; a double-click opens the cohort."""
    services = demo_window.context.services
    fixed = demo_window.navigator.fixed
    assert fixed.item(0).text() == "Programme"
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    model = page.model
    cohorts = services.cohorts.list_cohorts()
    assert [model.row_at(r).cohort.uuid for r in range(model.rowCount())] == [
        c.uuid for c in cohorts
    ]
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    for r, cohort in enumerate(cohorts):
        summary = services.programme.cohort_summary(cohort.uuid)
        shown = [model.display(model.row_at(r), c) for c in range(model.columnCount())]
        assert READING not in " ".join(shown)
        assert shown[ProgrammeTableModel.COHORT] == cohort.name
        assert shown[ProgrammeTableModel.TEAMS] == f"{cohort.team_count} · {summary.members}"
        start = summary.capability["start"]
        assert shown[ProgrammeTableModel.CAPABILITY].startswith(f"{start:.1f} → ")
        assert shown[ProgrammeTableModel.CYCLES].startswith(f"{summary.cycles} (")
    assert page.totals.text().startswith(f"{len(cohorts)} cohorts, ")
    index = model.index(1, ProgrammeTableModel.COHORT)
    page.table.doubleClicked.emit(index)
    QApplication.processEvents()
    assert demo_window.navigator.current() == Selection("cohort", cohorts[1].uuid)


def test_the_programme_page_sorts_by_the_latest_capability(
    qtbot,
    demo_window: MainWindow,
) -> None:
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    page.table.sortByColumn(ProgrammeTableModel.CAPABILITY, Qt.SortOrder.DescendingOrder)
    rows = [page.model.row_at(r) for r in range(page.model.rowCount())]
    latest = [
        next(s.capability[k] for k in ("end", "mid", "start") if s.capability[k])
        for s in (r.summary for r in rows)
    ]
    assert latest == sorted(latest, reverse=True)


def test_a_sort_chosen_while_the_figures_are_read_holds_once_they_are_in(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """A lead clicks 'Mean capability' as soon as the page shows: every line is still '…', so
    the sort found nothing to order by; the lines are sorted once the figures are in."""
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    assert page.reading()
    page.table.sortByColumn(ProgrammeTableModel.CAPABILITY, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    rows = [page.model.row_at(r) for r in range(page.model.rowCount())]
    latest = [
        next(s.capability[k] for k in ("end", "mid", "start") if s.capability[k])
        for s in (r.summary for r in rows)
    ]
    assert latest == sorted(latest, reverse=True)
    # The demo lists the newest cohort first; its capability (no end yet) is the lower one.
    assert [r.cohort.uuid for r in rows] != [
        c.uuid for c in demo_window.context.services.cohorts.list_cohorts()
    ]


def test_a_cohort_deleted_while_the_figures_are_read_leaves_the_table(
    qtbot,
    demo_window: MainWindow,
) -> None:
    services = demo_window.context.services
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    assert page.reading()
    gone, kept = services.cohorts.list_cohorts()[1], services.cohorts.list_cohorts()[0]
    services.cohorts.delete(gone.uuid)
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    rows = page.model.rows()
    assert [r.cohort.uuid for r in rows] == [kept.uuid]
    shown = [page.model.display(rows[0], c) for c in range(page.model.columnCount())]
    assert READING not in " ".join(shown)
    assert page.totals.text().startswith(f"1 cohort, {kept.team_count} teams, ")


def test_a_median_between_two_scores_is_shown_as_it_is() -> None:
    """Fourteen teams scored: the median may fall between two steps of the scale (3.25); one
    decimal showed it as 3.2."""
    model = ProgrammeTableModel()
    cohort = CohortInfo("c", "Cohort 9", None, None, "running", "", 14)
    summary = CohortSummary(
        cohort_uuid="c",
        members=0,
        teams_assessed=dict.fromkeys(("start", "mid", "end"), 0),
        capability=dict.fromkeys(("start", "mid", "end")),
        cycles=0,
        decisions=dict.fromkeys(("adopt", "adapt", "abandon"), 0),
        coach_median=statistics.median([3.0, 3.5] * 7),
        coach_teams=14,
        team_median=4.0,
        team_teams=14,
    )
    row = ProgrammeRow(cohort, summary)
    assert model.display(row, ProgrammeTableModel.PROGRESS) == "3.25 · 4.0"


def test_scores_outside_the_cohorts_months_are_marked_as_on_the_cohort_page(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """A team of the older cohort moves to the newer one: its scores from before are outside
    the newer cohort's months. Its Progress tab marks the team ⚠; so does the Programme line."""
    services = demo_window.context.services
    newer, older = services.cohorts.list_cohorts()[:2]
    assert services.programme.cohort_summary(newer.uuid).teams_outside_window == 0
    team = services.teams.navigator()[1].teams[0]
    services.teams.update(team.uuid, cohort_uuid=newer.uuid)
    latest = services.progress.cohort_latest(newer.uuid)
    assert [t.team_uuid for t in latest if t.outside_window] == [team.uuid]
    assert services.programme.cohort_summary(newer.uuid).teams_outside_window == 1
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    rows = {r.cohort.uuid: r for r in page.model.rows()}
    column = ProgrammeTableModel.PROGRESS
    assert page.model.display(rows[newer.uuid], column).endswith(" ⚠")
    assert "1 team has scores for months outside" in page.model.tooltip(rows[newer.uuid], column)
    assert "⚠" not in page.model.display(rows[older.uuid], column)


def test_the_programme_is_exported_one_figure_to_a_cell_and_text_as_text(
    qtbot,
    demo_window: MainWindow,
    tmp_path: Path,
    monkeypatch,
) -> None:
    """A lead takes the table into a report: a workbook with a figure to a cell (numbers as
    numbers, in the order the table is sorted), and a cohort name that looks like a formula
    stays text."""
    services = demo_window.context.services
    newer, older = services.cohorts.list_cohorts()[:2]
    services.cohorts.update(older.uuid, name='=HYPERLINK("http://x","Cohort 8")')
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    assert not page.export_button.isEnabled()  # figures still being read
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    assert page.export_button.isEnabled()
    page.table.sortByColumn(ProgrammeTableModel.DATES, Qt.SortOrder.AscendingOrder)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    saved = page.export_to(tmp_path / "programme")
    assert saved == tmp_path / "programme.xlsx"
    assert page.saved_label.text() == "Saved programme.xlsx"
    assert list(tmp_path.iterdir()) == [saved]  # no partial file left

    sheet = openpyxl.load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == WORKBOOK_HEADERS
    name_cell = sheet.cell(row=2, column=1)
    assert name_cell.data_type == "s"
    assert name_cell.value == '=HYPERLINK("http://x","Cohort 8")'
    header = {h: i for i, h in enumerate(WORKBOOK_HEADERS)}
    for line, cohort in zip(rows[1:3], (older, newer), strict=True):
        summary = services.programme.cohort_summary(cohort.uuid)
        assert line[header["Starts"]].date() == cohort.start_date
        assert line[header["Teams"]] == cohort.team_count
        assert line[header["Active members"]] == summary.members
        assert line[header["PDSA cycles"]] == summary.cycles
        assert line[header["Adopted"]] == summary.decisions["adopt"]
        assert line[header["Median of latest coach scores"]] == summary.coach_median
        assert line[header["Mean capability: start"]] == round(summary.capability["start"], 2)
    # The running cohort has no end-stage figure: an empty cell, not 0.
    assert rows[2][header["Mean capability: end"]] is None
    assert rows[4][0].startswith("From QI Desk on ")


def test_an_export_that_cannot_be_saved_says_why(
    qtbot,
    demo_window: MainWindow,
    tmp_path: Path,
    monkeypatch,
) -> None:
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    tmp_path = tmp_path / "out"
    (tmp_path / "taken.xlsx").mkdir(parents=True)  # a folder of that name: no file there
    problems: list[str] = []
    monkeypatch.setattr(demo_window.context, "show_problem", lambda _p, m: problems.append(m))
    assert page.export_to(tmp_path / "taken.xlsx") is None
    assert problems and problems[0].startswith("The workbook could not be saved.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.xlsx"]


def test_an_empty_programme_says_how_to_make_a_cohort_and_counts_in_the_singular(
    qtbot, db: Database
) -> None:
    """The empty page named Ctrl+N, which does nothing on this page (New cohort is
    Ctrl+Shift+N); one team was '1 teams'."""
    services = Services.create(db)
    window = MainWindow(UiContext(services))
    qtbot.addWidget(window)
    window.show()
    window.select(Selection("fixed", "programme"))
    page = window.current_page()
    shortcut = window.new_cohort_action.shortcut().toString()
    assert page.empty.isVisible() and not page.table.isVisible()
    assert f"New cohort ({shortcut})" in page.empty.text()
    assert not page.export_button.isVisible()
    cohort = services.cohorts.create("Cohort 11")
    services.teams.create(cohort.uuid, "Ward 1")
    services.cohorts.create("Cohort 12")
    page.refresh()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    assert page.totals.text().startswith("2 cohorts, 1 team, 0 active members, 0 PDSA cycles. ")
    rows = {r.cohort.name: r for r in page.model.rows()}
    shown = [page.model.display(rows["Cohort 12"], c) for c in range(page.model.columnCount())]
    assert shown[1:] == ["No dates", "0 · 0", "0 · 0 · 0", "– → – → –", "0 (0 · 0 · 0)", "– · –"]


def test_cohorts_of_one_name_are_pointed_at_combining(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """A lead's database after merging coaches' workbooks: each coach made 'Cohort 8', so the
    table holds identical lines; the totals say how to make them one."""
    services = demo_window.context.services
    newer, older = services.cohorts.list_cohorts()[:2]
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    assert "share a name" not in page.totals.text()
    services.cohorts.update(older.uuid, name=newer.name)
    page.refresh()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    assert page.totals.text().endswith(
        " 2 cohorts share a name with another (did several coaches each make it?): open one "
        "and gather the others into it with Combine with…."
    )


def test_enter_opens_the_cohort_of_the_current_line(
    qtbot,
    demo_window: MainWindow,
) -> None:
    """As on the cohort's Teams table: a keyboard user opens a cohort with Enter."""
    cohorts = demo_window.context.services.cohorts.list_cohorts()
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    qtbot.waitUntil(lambda: not page.reading(), timeout=10_000)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(1, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert demo_window.navigator.current() == Selection("cohort", cohorts[1].uuid)


def test_members_are_the_active_ones_and_the_tooltip_adds_up_to_the_teams_tab(
    demo_db: Database,
) -> None:
    """The cohort's Teams tab counts every member in its Members column; the Programme line
    counts the active ones. The heading says 'active', and the tooltip gives the Teams tab's
    sum, so a lead checking one against the other finds where the difference is."""
    services = Services.create(demo_db)
    model = ProgrammeTableModel()
    assert "active" in model.HEADERS[ProgrammeTableModel.TEAMS]
    differ = 0
    for cohort in services.cohorts.list_cohorts():
        summary = services.programme.cohort_summary(cohort.uuid)
        on_teams_tab = sum(t.member_count for t in services.teams.list_for_cohort(cohort.uuid))
        assert summary.members + summary.inactive_members == on_teams_tab
        tip = model.tooltip(ProgrammeRow(cohort, summary), ProgrammeTableModel.TEAMS)
        if summary.inactive_members:
            differ += 1
            assert f"({on_teams_tab} members in all, as the cohort's Teams tab" in tip
    assert differ  # the demo has members who left


def test_cohorts_sort_by_name_as_people_read_numbers() -> None:
    """Sorting the Programme table by Cohort put "Cohort 10" before "Cohort 9"."""
    from qidesk.core.sorting import natural_key

    names = ["Cohort 10", "cohort 9", "Cohort 9 (August 2026)", "Cohort 1", "Pilot"]
    assert sorted(names, key=natural_key) == [
        "Cohort 1",
        "cohort 9",
        "Cohort 9 (August 2026)",
        "Cohort 10",
        "Pilot",
    ]
    from qidesk.services.cohort_service import CohortInfo
    from qidesk.ui.pages.programme_page import ProgrammeRow

    rows = [ProgrammeRow(CohortInfo(n, n, None, None, "running", "", 0)) for n in names]
    model = ProgrammeTableModel()
    shown = sorted(rows, key=lambda r: model.sort_key(r, ProgrammeTableModel.COHORT))
    assert [r.cohort.name for r in shown][-2:] == ["Cohort 10", "Pilot"]
