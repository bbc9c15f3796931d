"""The cohort page's PDSA timeline: one lane per team, so a coach sees who tests and who stalled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.timeline_layout import TimelineLayout
from qidesk.services.pdsa_service import CohortPdsa
from qidesk.ui.charts.timeline_chart import TimelineChart, picture_name
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.table_model import Index, RowsTableModel
from qidesk.ui.widgets import format_date

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: A running cohort's team is "stalled" when nothing started or ended for this many days.
STALL_DAYS = 42


@dataclass(frozen=True)
class TeamTimelineRow:
    team_uuid: str
    team_name: str
    cycles: int
    running: int
    adopt: int
    adapt: int
    abandon: int
    undecided: int
    last_activity: date | None
    stalled: bool


def team_rows(data: CohortPdsa, layout: TimelineLayout) -> list[TeamTimelineRow]:
    rows = []
    for lane in layout.lanes:
        counts = data.decisions.get(lane.key, {})
        rows.append(
            TeamTimelineRow(
                lane.key,
                lane.title,
                lane.cycle_count,
                lane.running_count,
                counts.get("adopt", 0),
                counts.get("adapt", 0),
                counts.get("abandon", 0),
                counts.get(None, 0),
                lane.last_activity,
                lane.stalled,
            )
        )
    return rows


class TeamTimelineModel(RowsTableModel[TeamTimelineRow]):
    TEAM, CYCLES, RUNNING, ADOPT, ADAPT, ABANDON, UNDECIDED, LAST, STALLED = range(9)
    HEADERS = (
        "Team",
        "Cycles",
        "Running",
        "Adopt",
        "Adapt",
        "Abandon",
        "Not decided",
        "Last activity",
        "Stalled",
    )

    def _value(self, row: TeamTimelineRow, column: int) -> Any:
        return (
            row.team_name,
            row.cycles,
            row.running,
            row.adopt,
            row.adapt,
            row.abandon,
            row.undecided,
            row.last_activity,
            row.stalled,
        )[column]

    def display(self, row: TeamTimelineRow, column: int) -> str:
        value = self._value(row, column)
        if column == self.LAST:
            return format_date(value) or "no cycle carried out"
        if column == self.STALLED:
            return "Stalled" if value else ""
        return str(value)

    def data(self, index: Index, role: int = 0) -> Any:
        row = self.row_at(index.row())
        if row is not None and role == SORT_ROLE:
            value = self._value(row, index.column())
            if index.column() == self.LAST:
                return value.isoformat() if value else ""
            if index.column() == self.TEAM:
                return str(value).lower()
            return int(value)
        if (
            row is not None
            and role == Qt.ItemDataRole.TextAlignmentRole
            and index.column() not in (self.TEAM, self.LAST)
        ):
            return int(Qt.AlignmentFlag.AlignCenter)
        return super().data(index, role)


class CohortTimelineTab(QWidget):
    """PDSA timeline of a cohort: a lane per team, and the per-team numbers below."""

    def __init__(self, services: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.cohort_uuid: str | None = None
        self.today = date.today()
        self.data: CohortPdsa | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.timeline = TimelineChart(title="PDSA timeline: one lane per team")
        self.timeline.cycle_clicked.connect(self._cycle_clicked)
        self.timeline.cycle_double_clicked.connect(self.open_cycle)
        self.timeline.reset_button.setToolTip(
            self.timeline.reset_button.toolTip()
            + " Double-click a bar to open that cycle on its team's page."
        )
        splitter.addWidget(self.timeline)
        self.model = TeamTimelineModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setAccessibleName("Cycles per team")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TeamTimelineModel.TEAM, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        # Every column fits its contents, the team names too (stretched, they were the ones
        # squeezed to "…" in a narrow window); the last takes the spare width.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open_team)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 140])
        outer.addWidget(splitter)

    def show_cohort(self, cohort_uuid: str) -> None:
        self.cohort_uuid = cohort_uuid
        data = self.services.pdsa.cohort_pdsa(cohort_uuid)
        self.data = data
        self.timeline.export_name = picture_name(data.cohort_name, "PDSA timeline")
        running = (data.start_date is None or data.start_date <= self.today) and (
            data.end_date is None or self.today <= data.end_date
        )
        self.timeline.set_data(
            data.lanes,
            data.cycles,
            self.today,
            stall_days=STALL_DAYS if running else None,
            empty_message="No team of this cohort has a PDSA cycle with dates yet.",
        )
        self.model.set_rows(team_rows(data, self.timeline.chart_layout))

    def _cycle_clicked(self, uuid: str) -> None:
        lane = self.timeline.chart_layout.cycle_lane.get(uuid)
        for r in range(self.proxy.rowCount()):
            row = self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            if row is not None and row.team_uuid == lane:
                self.table.selectRow(r)
                self.table.scrollTo(self.proxy.index(r, 0))

    def open_cycle(self, uuid: str) -> None:
        """Open the team page of a cycle on its PDSA tab, with the cycle in the editor."""
        team = self.timeline.chart_layout.cycle_lane.get(uuid)
        if team is None or self.context is None:
            return
        from qidesk.ui.pages.team_page import TeamPage

        self.context.open_team_requested.emit(team)
        page = self.window().findChild(TeamPage)
        if page is None or page.team_uuid != team:
            return
        for index in range(page.tabs.count()):
            if page.tabs.tabText(index) == "PDSA":
                page.tabs.setCurrentIndex(index)  # shows the team there if it is new
                widget = page.tabs.extra_widget("PDSA")
                if widget is not None and getattr(widget, "team_uuid", None) == team:
                    widget.open_cycle(uuid)  # type: ignore[attr-defined]

    def _open_team(self, index: Any) -> None:
        row = self.model.row_at(self.proxy.mapToSource(index).row())
        if row is not None and self.context is not None:
            self.context.open_team_requested.emit(row.team_uuid)


def selftest_timeline(db: Any, folder: Any) -> str:
    """For ``qidesk selftest``: draw the demo database's latest cohort timeline offscreen, check
    it has a lane per team and bars, and export it as PNG and SVG into ``folder``."""
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from qidesk.services.registry import Services

    app = QApplication.instance() or QApplication([])
    services = Services.create(db)
    cohorts = services.cohorts.list_cohorts()
    if not cohorts:
        raise RuntimeError("the database holds no cohort")
    cohort_uuid = max(cohorts, key=lambda c: (c.start_date or date.min, c.name)).uuid
    tab = CohortTimelineTab(services)
    tab.resize(1200, 700)
    tab.show()
    tab.show_cohort(cohort_uuid)
    app.processEvents()
    layout = tab.timeline.chart_layout
    if not layout.bars or len(layout.lanes) != len(tab.data.lanes if tab.data else ()):
        raise RuntimeError("the timeline drew no cycles, or not one lane per team")
    png = tab.timeline.export(Path(folder) / "selftest-timeline.png")
    svg = tab.timeline.export(Path(folder) / "selftest-timeline.svg")
    tab.close()
    if png.stat().st_size < 1000 or svg.stat().st_size < 1000:
        raise RuntimeError("the exported timeline pictures are empty")
    return (
        f"{len(layout.lanes)} teams, {len(layout.bars)} bars, {len(layout.connectors)} ramp links; "
        "exported PNG and SVG"
    )
