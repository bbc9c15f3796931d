"""The cohort page's Progress tab: every team's latest IHI score from team and coach, sortable."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.progress_service import TeamLatest
from qidesk.ui.charts.progress_chart import LatestScoresChart
from qidesk.ui.charts.timeline_chart import picture_name
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.pages.team_progress_tab import (
    PROBLEM_COLOUR,
    gap_text,
    month_text,
    score_text,
)
from qidesk.ui.table_model import Index, RowsTableModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def _teams(count: int) -> str:
    return f"{count} team{'' if count == 1 else 's'}"


def _scores_outside(count: int) -> str:
    return f"{count} score{'s' if count > 1 else ''} for months outside the cohort's"


#: The table's most of the tab's width when it is given the room its team names need ...
TABLE_SHARE = 0.6
#: ... or more in a narrow window, down to this width left for the chart.
CHART_MIN_WIDTH = 300


class LatestScoresModel(RowsTableModel[TeamLatest]):
    TEAM, TEAM_SCORE, TEAM_MONTH, COACH_SCORE, COACH_MONTH, GAP = range(6)
    HEADERS = ("Team", "Team", "Month", "Coach", "Month", "Gap")

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.labels: dict[float, str] = {}
        #: The Month columns are hidden (a narrow window): the scores' tooltips name the month.
        self.months_in_tooltips = False

    def _display(self, row: TeamLatest, column: int) -> str:
        if column == self.TEAM:
            return row.team_name
        if column == self.TEAM_SCORE:
            return self._score(row.team_score)
        if column == self.TEAM_MONTH:
            return month_text(row.team_month)
        if column == self.COACH_SCORE:
            return self._score(row.coach_score)
        if column == self.COACH_MONTH:
            return month_text(row.coach_month)
        text = gap_text(row.gap)
        if row.gap_month is not None and not row.team_month == row.coach_month == row.gap_month:
            text += f" ({row.gap_month:%b})"  # not the latest scores' month: say whose it is
        return text

    def _score(self, score: float | None) -> str:
        return score_text(score) if score is not None else "–"

    def tooltip(self, row: TeamLatest, column: int) -> str | None:
        if column == self.TEAM:
            if row.outside_window:
                return (
                    f"{row.team_name}\n{_scores_outside(row.outside_window)}: "
                    "open the team to check them"
                )
            return row.team_name  # in full, when the column is too narrow for it
        score = {self.TEAM_SCORE: row.team_score, self.COACH_SCORE: row.coach_score}.get(column)
        if column in (self.TEAM_SCORE, self.COACH_SCORE):
            if score is None:
                return "Not scored yet"
            text = f"{score_text(score)} {self.labels.get(score, '')}".strip()
            month = row.team_month if column == self.TEAM_SCORE else row.coach_month
            if self.months_in_tooltips and month is not None:
                text += f" ({month:%B %Y})"  # the Month columns are hidden
            return text
        if column == self.GAP:
            if row.gap_month is None:
                return "Team and coach have not yet scored the same month"
            return f"Coach minus team in {row.gap_month:%B %Y}, the latest month both scored"
        return None

    def display(self, row: TeamLatest, column: int) -> str:
        text = self._display(row, column)
        return f"{text} ⚠" if column == self.TEAM and row.outside_window else text

    def foreground(self, row: TeamLatest, column: int) -> Any:
        if column == self.TEAM and row.outside_window:
            return QColor(PROBLEM_COLOUR)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return (
                "Team",
                "The team's latest score of itself",
                "Month of the team's latest score",
                "The coach's latest score of the team",
                "Month of the coach's latest score",
                "Coach minus team, in the latest month both scored",
            )[section]
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = 0) -> Any:
        row = self.row_at(index.row())
        if row is not None and role == SORT_ROLE:
            column = index.column()
            value: Any = {
                self.TEAM: row.team_name.lower(),
                self.TEAM_SCORE: row.team_score,
                self.TEAM_MONTH: row.team_month.isoformat() if row.team_month else "",
                self.COACH_SCORE: row.coach_score,
                self.COACH_MONTH: row.coach_month.isoformat() if row.coach_month else "",
                self.GAP: row.gap,
            }[column]
            if value is None:
                return -99.0  # unscored sorts first (lowest)
            return value
        return super().data(index, role)


MONTH_COLUMNS = (LatestScoresModel.TEAM_MONTH, LatestScoresModel.COACH_MONTH)


class CohortProgressTab(QWidget):
    """The latest progress score of each team of a cohort, from the team and from its coach."""

    def __init__(self, services: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.cohort_uuid: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = LatestScoresModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setAccessibleName("Latest progress scores per team")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(LatestScoresModel.TEAM, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # "Diabetes Specialist…Haverfordwest": the service and the site both stay readable.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LatestScoresModel.TEAM, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_team)
        # The legend says which mark is whose: a short title leaves the table room for names.
        self.chart = LatestScoresChart(title="Latest progress scores")
        # In a narrow window the title may be cut rather than take the table's room.
        self.chart.caption.setMinimumWidth(1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        splitter.setSizes([560, 480])
        # The table gets the width its team names need until the user moves the divider.
        self._user_sized = False
        splitter.splitterMoved.connect(self._divider_moved)
        splitter.installEventFilter(self)
        layout.addWidget(splitter, 1)
        # The chart lists the teams in the table's order: sort the table, the chart follows.
        self.proxy.layoutChanged.connect(self._update_chart)

    def show_cohort(self, cohort_uuid: str) -> None:
        self.cohort_uuid = cohort_uuid
        if not self.model.labels:
            self.model.labels = {s.score: s.title for s in self.services.progress.scale()}
        rows = self.services.progress.cohort_latest(cohort_uuid)
        name = self.services.cohorts.get(cohort_uuid).name
        self.chart.export_name = picture_name(name, "latest progress scores")
        self.model.set_rows(rows)
        self.table.sortByColumn(
            self.table.horizontalHeader().sortIndicatorSection(),
            self.table.horizontalHeader().sortIndicatorOrder(),
        )
        self._update_chart()
        self._fit_table()
        gaps = [r.gap for r in rows if r.gap is not None]
        scored = sum(1 for r in rows if r.team_score is not None or r.coach_score is not None)
        if not rows:
            text = "No teams in this cohort yet: add them on the Teams tab (Ctrl+N)."
        elif not scored:
            text = (
                "No team has a progress score yet: open a team (double-click it) and record a "
                "month's score on its Progress tab."
            )
        else:
            text = f"{scored} of {len(rows)} teams have a progress score."
            if gaps:
                text += (
                    " In the latest month both scored, coaches score "
                    f"{_teams(sum(1 for g in gaps if g < 0))} lower than the teams score "
                    f"themselves, {sum(1 for g in gaps if g > 0)} higher."
                )
            outside = sum(1 for r in rows if r.outside_window)
            if outside:
                text += (
                    f" {outside} team{'s have' if outside > 1 else ' has'} scores for months "
                    "outside the cohort's (three months before it starts to a year after it "
                    "ends), marked ⚠: a slip of the year, or scores from before a team moved "
                    "here."
                )
            text += " Double-click a team to open it."
        self.summary.setText(text)

    def table_width_wanted(self, *, months: bool = True) -> int:
        """The table's width with every column (without the Month columns: ``months`` False),
        the longest team name included, in full."""
        header = self.table.horizontalHeader()
        names = [self.model.display(row, LatestScoresModel.TEAM) for row in self.model.rows()]
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(n) for n in names), default=0)
        width = 0
        for column in range(self.model.columnCount()):
            if not months and column in MONTH_COLUMNS:
                continue
            wanted = max(header.sectionSizeHint(column), self.table.sizeHintForColumn(column))
            if column == LatestScoresModel.TEAM:
                wanted = max(wanted, widest + 2 * metrics.horizontalAdvance("M"))
            width += wanted
        scroll = self.table.verticalScrollBar().sizeHint().width()
        return width + scroll + 2 * self.table.frameWidth()

    def _fit_table(self) -> None:
        """Give the table the room its team names need, up to ``TABLE_SHARE`` of the tab; the
        chart takes the rest. Names still too long are elided in the middle, with the full name
        as the cell's tooltip."""
        if self._user_sized or not self.splitter.isVisible():
            return  # (not on view: its size means nothing yet)
        total = self.splitter.width() - self.splitter.handleWidth()
        if total <= 0:
            return
        room = max(int(total * TABLE_SHARE), total - CHART_MIN_WIDTH)
        wanted = self.table_width_wanted()
        # Too narrow for it all (a small window): the Month columns give way to the names, and
        # the scores' tooltips name their month instead.
        narrow = wanted > room
        for column in MONTH_COLUMNS:
            self.table.setColumnHidden(column, narrow)
        self.model.months_in_tooltips = narrow
        if narrow:
            wanted = self.table_width_wanted(months=False)
        table = min(wanted, room)
        self.splitter.setSizes([total - table, table])

    def _divider_moved(self, _pos: int, _index: int) -> None:
        self._user_sized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.splitter and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._fit_table()
        return super().eventFilter(watched, event)

    def _update_chart(self) -> None:
        rows = []
        for r in range(self.proxy.rowCount()):
            row = self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            if row is not None:
                rows.append((row.team_name, row.team_score, row.coach_score))
        self.chart.set_rows(rows)

    def _open_team(self, index: Any) -> None:
        row = self.model.row_at(self.proxy.mapToSource(index).row())
        if row is not None and self.context is not None:
            self.context.open_team_requested.emit(row.team_uuid)
