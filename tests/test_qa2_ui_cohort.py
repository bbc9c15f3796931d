"""QA (second pass) of the cohort page as a lead reads it: the Progress tab at 1366 × 768."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.ui.main_window import MainWindow
from qidesk.ui.pages.cohort_progress_tab import LatestScoresModel
from test_qa_ui_window import narrow_cohort_tab, open_cohort_tab

#: The longest team name of the lead's database (600 teams merged from 40 coaches' workbooks).
LONGEST_LEAD_NAME = "Diabetes Specialist Nursing Haverfordwest"


def test_team_names_are_readable_in_the_cohort_progress_table(
    qtbot, demo_window: MainWindow
) -> None:
    """At 1366 × 768 the table of latest scores cut every longer team name to "Acute Medical
    Unit Ll…", "Community Nursing …": a lead could not tell Tenby's team from Cardigan's."""
    services = demo_window.context.services
    cohort = services.teams.navigator()[0]
    services.teams.update(cohort.teams[0].uuid, name=LONGEST_LEAD_NAME)
    tab = open_cohort_tab(demo_window, cohort.uuid, "Progress")
    qtbot.wait(20)
    QApplication.processEvents()
    metrics = QFontMetrics(tab.table.font())
    names = [row.team_name for row in tab.model.rows()]
    assert LONGEST_LEAD_NAME in names
    widest = max(metrics.horizontalAdvance(n) for n in names)
    assert tab.table.columnWidth(LatestScoresModel.TEAM) >= widest
    # Every other column is still in full view beside it, and the chart keeps a usable width.
    assert not any(tab.table.isColumnHidden(c) for c in range(tab.model.columnCount()))
    assert tab.table.horizontalScrollBar().maximum() == 0
    assert tab.chart.width() >= 360
    assert tab.chart.caption.width() >= tab.chart.caption.sizeHint().width()  # title in full
    # If the user narrows the table, names are cut in the middle and the tooltip has them whole.
    assert tab.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = tab.proxy.index(0, LatestScoresModel.TEAM)
    assert tab.proxy.data(index, Qt.ItemDataRole.ToolTipRole) == index.data()


def test_a_team_and_coach_agreeing_both_show_on_the_latest_scores_chart(qtbot) -> None:
    """When team and coach gave the same score, the coach's square was drawn over the team's
    circle of the same size: the chart looked as if the team had not scored itself."""
    from qidesk.ui.charts.progress_chart import LatestScoresChart

    chart = LatestScoresChart()
    qtbot.addWidget(chart)
    chart.set_rows([("Pharmacy Llanelli", 2.0, 2.0)])
    team, coach = chart.points["team"], chart.points["coach"]
    assert chart.team_points("team") == chart.team_points("coach") == [(2.0, 0.0)]
    assert team.zValue() > coach.zValue()  # the circle on top ...
    assert coach.opts["size"] > team.opts["size"]  # ... inside a square that shows around it


def test_long_team_names_beside_the_latest_scores_chart_are_cut_in_the_middle(qtbot) -> None:
    """The chart's names took half its width at 1366 × 768 once the table beside it had room for
    whole names; the chart now cuts long names in the middle (the table has them whole)."""
    from qidesk.ui.charts.progress_chart import LABEL_WIDTH, LatestScoresChart

    chart = LatestScoresChart()
    qtbot.addWidget(chart)
    chart.set_rows([(LONGEST_LEAD_NAME, 2.0, None), ("Pharmacy Llanelli", None, 1.5)])
    ticks = chart.plot_item.getAxis("left")._tickLevels[0]
    labels = [text for _pos, text in ticks]
    metrics = QFontMetrics(chart.font())
    assert labels[1] == "Pharmacy Llanelli"
    assert labels[0] != LONGEST_LEAD_NAME and "…" in labels[0]
    assert labels[0].startswith("Diabetes") and labels[0].endswith("Haverfordwest")
    assert metrics.horizontalAdvance(labels[0]) <= LABEL_WIDTH
    assert chart.row_names() == [LONGEST_LEAD_NAME, "Pharmacy Llanelli"]


def test_a_month_both_scored_alike_shows_both_marks_on_the_team_chart(qtbot) -> None:
    """On a team's Progress chart the coach's square covered the team's circle in every month
    both gave the same score, as if the team had not scored itself."""
    from datetime import date

    from qidesk.ui.charts.progress_chart import ProgressChart

    chart = ProgressChart()
    qtbot.addWidget(chart)
    chart.set_data(
        [(1.5, "Planning begun")], [(date(2026, 9, 1), r, 1.5) for r in ("team", "coach")]
    )
    team, coach = chart.curves["team"], chart.curves["coach"]
    assert chart.curve_points("team") == chart.curve_points("coach")
    assert team.zValue() > coach.zValue()
    assert coach.opts["symbolSize"] > team.opts["symbolSize"]


def test_the_cohort_gap_compares_the_same_month(qtbot, db: Database) -> None:
    """The cohort's Gap column took the team's latest score minus... the coach's latest, even
    of another month: a team that scored April while its coach had scored only March (both 2.0
    in March) showed "−1.0", and the summary counted it among teams their coach scores lower."""
    from datetime import date

    from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab

    services = Services.create(db)
    cohort = services.cohorts.create(name="Cohort 9", start_date=date(2026, 1, 1))
    team = services.teams.create(cohort.uuid, "Stroke Unit Carmarthen").uuid
    today = date(2026, 5, 2)
    services.progress.set_score(team, date(2026, 3, 1), "team", 2.0, today=today)
    services.progress.set_score(team, date(2026, 3, 1), "coach", 2.0, today=today)
    services.progress.set_score(team, date(2026, 4, 1), "team", 3.0, today=today)
    tab = CohortProgressTab(services)
    qtbot.addWidget(tab)
    tab.show_cohort(cohort.uuid)
    row = tab.model.rows()[0]
    assert (row.team_score, row.coach_score, row.gap, row.gap_month) == (
        3.0,
        2.0,
        0.0,
        date(2026, 3, 1),
    )
    gap = tab.proxy.index(0, LatestScoresModel.GAP)
    assert gap.data() == "same (Mar)"
    assert gap.data(Qt.ItemDataRole.ToolTipRole) == (
        "Coach minus team in March 2026, the latest month both scored"
    )
    assert "coaches score 0 teams lower than the teams score themselves, 0 higher" in (
        tab.summary.text()
    )
    # Once the coach scores April too, the gap is April's, without the month.
    services.progress.set_score(team, date(2026, 4, 1), "coach", 2.5, today=today)
    tab.show_cohort(cohort.uuid)
    assert tab.proxy.index(0, LatestScoresModel.GAP).data() == "−0.5"
    assert "coaches score 1 team lower" in tab.summary.text()


def test_the_cohort_capability_table_sorts_to_show_the_weakest_items(
    qtbot, demo_db: Database
) -> None:
    """A programme lead reading the cohort's capability to tailor the teaching could not sort
    the table: finding the weakest items at the latest stage meant reading twelve rows."""
    from qidesk.ui.pages.cohort_capability_tab import CohortCapabilityTab

    services = Services.create(demo_db)
    tab = CohortCapabilityTab(services)
    qtbot.addWidget(tab)
    cohort = services.teams.navigator()[-1]  # the completed cohort: start, mid and end
    tab.show_cohort(cohort.uuid)
    table = tab.table
    titles = [title for _code, title in tab.capability.items]  # type: ignore[union-attr]

    def column(c: int) -> list[str]:
        return [table.item(r, c).text() for r in range(table.rowCount())]

    assert column(0) == titles  # the template's order at first
    end = 3
    assert table.horizontalHeaderItem(end).text().startswith("End")
    header = table.horizontalHeader()
    tab.resize(1000, 600)
    tab.show()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(end) + 8, header.height() // 2),
    )
    means = [float(text.split("\n")[0]) for text in column(end)]
    if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        means.reverse()
    assert means == sorted(means) and len(set(means)) > 1
    # Sorting by number: the lowest mean first, whatever the text; the order stays on reload.
    shown = column(end)
    tab.show_cohort(cohort.uuid)
    assert column(end) == shown
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert column(0) == titles


def test_in_a_small_window_the_month_columns_give_way_to_the_names(
    qtbot, demo_window: MainWindow
) -> None:
    """At 1024 × 640 the table had room for the names or the scores, not both."""
    from qidesk.ui.pages.cohort_progress_tab import MONTH_COLUMNS

    _cohort, tab = narrow_cohort_tab(qtbot, demo_window, "Progress")
    metrics = QFontMetrics(tab.table.font())
    widest = max(metrics.horizontalAdvance(row.team_name) for row in tab.model.rows())
    assert tab.table.columnWidth(LatestScoresModel.TEAM) >= widest
    assert all(tab.table.isColumnHidden(c) for c in MONTH_COLUMNS)
    assert tab.table.horizontalScrollBar().maximum() == 0
    index = tab.proxy.index(0, LatestScoresModel.TEAM_SCORE)
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith("(November 2026)")
    # Back to a laptop's full screen, the months come back.
    demo_window.resize(1366, 768)
    qtbot.wait(20)
    QApplication.processEvents()
    assert not any(tab.table.isColumnHidden(c) for c in MONTH_COLUMNS)


def test_the_capability_tab_keeps_the_chosen_stages_when_data_changes(
    qtbot, demo_db: Database
) -> None:
    """A lead comparing the midpoint with the end (Start unticked, range of the midpoint) lost
    both choices whenever the tab re-read the cohort after a save on any page."""
    from qidesk.ui.pages.cohort_capability_tab import CohortCapabilityTab

    services = Services.create(demo_db)
    tab = CohortCapabilityTab(services)
    qtbot.addWidget(tab)
    completed, running = services.teams.navigator()[-1], services.teams.navigator()[0]
    tab.show_cohort(completed.uuid)
    assert tab.selected_stages() == ["start", "mid", "end"]
    assert tab.band_combo.currentData() == "end"
    tab.stage_checks["start"].setChecked(False)
    tab.band_combo.setCurrentIndex(tab.band_combo.findData("mid"))
    tab.show_cohort(completed.uuid)  # what the window does after a save elsewhere
    assert tab.selected_stages() == ["mid", "end"]
    assert tab.band_combo.currentData() == "mid"
    assert [s.label for s in tab.chart.data().series] == [  # type: ignore[union-attr]
        s.label
        for s in tab.chart.data().series  # type: ignore[union-attr]
        if not s.label.startswith("Start")
    ]
    # Another cohort starts afresh.
    tab.show_cohort(running.uuid)
    assert tab.selected_stages() == ["start", "mid"]
    assert tab.band_combo.currentData() == "mid"


def test_capability_item_titles_are_whole_at_1366(qtbot, demo_window: MainWindow) -> None:
    """With the table sortable, the sort arrows widened the stage columns and the item titles
    were cut ("Model for Improvement (aim..."): the headings are now short and the rows follow
    the Item column's width."""
    from PySide6.QtCore import QRect

    cohort = demo_window.context.services.teams.navigator()[-1]
    tab = open_cohort_tab(demo_window, cohort.uuid, "Capability")
    qtbot.wait(20)
    QApplication.processEvents()
    table = tab.table
    metrics = QFontMetrics(table.font())
    width = table.columnWidth(0) - 8  # the cell's own margins
    for row in range(table.rowCount()):
        text = table.item(row, 0).text()
        needed = metrics.boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text
        ).height()
        assert table.rowHeight(row) >= needed, text
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Item",
        "Start",
        "Mid",
        "End",
    ]
