"""The team page's Progress tab: team and coach IHI scores on one chart, their table, a form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.progress_scale import RATER_LABELS, RATERS, ScoreWindow
from qidesk.services.base import ServiceError
from qidesk.services.progress_service import ProgressScoreInfo, ScaleLevel
from qidesk.ui.charts.progress_chart import ProgressChart
from qidesk.ui.charts.timeline_chart import picture_name
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import button_row

PROBLEM_COLOUR = "#D55E00"


def month_text(month: date | None) -> str:
    return f"{month:%b %Y}" if month else ""


def gap_text(gap: float | None) -> str:
    """Coach minus team: "+0.5", "−1.0", "same" (empty when one of them did not score)."""
    if gap is None:
        return ""
    return "same" if gap == 0 else f"{gap:+.1f}".replace("-", "−")


def score_text(score: float | None) -> str:
    return f"{score:.1f}" if score is not None else ""


@dataclass(frozen=True)
class MonthRow:
    month: date
    team: float | None
    coach: float | None
    team_note: str
    coach_note: str

    @property
    def gap(self) -> float | None:
        return None if self.team is None or self.coach is None else self.coach - self.team


class MonthScoresModel(RowsTableModel[MonthRow]):
    MONTH, TEAM, COACH, GAP, TEAM_NOTE, COACH_NOTE = range(6)
    HEADERS = ("Month", "Team", "Coach", "Gap (coach − team)", "Team's note", "Coach's note")

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.scale: dict[float, str] = {}
        #: The months the team's cohort is scored for: a row outside them is marked.
        self.window: ScoreWindow | None = None

    def outside(self, row: MonthRow) -> bool:
        return self.window is not None and not self.window.contains(row.month)

    def foreground(self, row: MonthRow, column: int) -> Any:
        return QColor(PROBLEM_COLOUR) if column == self.MONTH and self.outside(row) else None

    def display(self, row: MonthRow, column: int) -> str:
        if column == self.MONTH:
            if self.outside(row):
                return f"{month_text(row.month)} ⚠"
            return month_text(row.month)
        if column == self.TEAM:
            return score_text(row.team)
        if column == self.COACH:
            return score_text(row.coach)
        if column == self.GAP:
            return gap_text(row.gap)
        if column == self.TEAM_NOTE:
            return row.team_note
        return row.coach_note

    def tooltip(self, row: MonthRow, column: int) -> str | None:
        if column == self.MONTH and self.outside(row):
            assert self.window is not None
            return (
                f"Outside the months this team's cohort is scored for ({self.window.text()}): "
                "a slip of the year, or a score from before the team moved to this cohort. "
                "Delete it if it is wrong."
            )
        score = {self.TEAM: row.team, self.COACH: row.coach}.get(column)
        return self.scale.get(score) if score is not None else None


def month_rows(scores: tuple[ProgressScoreInfo, ...]) -> list[MonthRow]:
    by_month: dict[date, dict[str, ProgressScoreInfo]] = {}
    for s in scores:
        by_month.setdefault(s.month, {})[s.rater] = s
    rows = []
    for month in sorted(by_month):
        team, coach = by_month[month].get("team"), by_month[month].get("coach")
        rows.append(
            MonthRow(
                month,
                team.score if team else None,
                coach.score if coach else None,
                team.note if team else "",
                coach.note if coach else "",
            )
        )
    return rows


class TeamProgressTab(QWidget):
    """Progress tab of a team: chart above, table and the score form below."""

    def __init__(self, services: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.team_uuid: str | None = None
        self.today = date.today()
        self.scale: tuple[ScaleLevel, ...] = ()
        self._scores: tuple[ProgressScoreInfo, ...] = ()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(8)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart = ProgressChart(title="IHI progress score: team and coach")
        splitter.addWidget(self.chart)

        lower = QWidget()
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(12)
        self.model = MonthScoresModel(self)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setAccessibleName("Progress scores by month")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)
        lower_layout.addWidget(self.table, 3)

        form_box = QGroupBox("Record a month's score")
        form = QFormLayout(form_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setSpacing(8)
        self.month_edit = QDateEdit()
        self.month_edit.setDisplayFormat("MMMM yyyy")
        self.month_edit.setCalendarPopup(True)
        self.month_edit.dateChanged.connect(self._load_form_score)
        form.addRow("Month", self.month_edit)
        self.rater_combo = QComboBox()
        for rater in RATERS:
            self.rater_combo.addItem(RATER_LABELS[rater], rater)
        self.rater_combo.currentIndexChanged.connect(self._load_form_score)
        form.addRow("Scored by", self.rater_combo)
        self.score_combo = QComboBox()
        self.score_combo.setMinimumContentsLength(28)
        # A month not yet scored shows no score: saving then asks for one, rather than storing
        # whatever the box last showed (at first "0.5 Intent to participate").
        self.score_combo.setPlaceholderText("Choose a score")
        form.addRow("Score", self.score_combo)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Optional: why this score")
        self.note_edit.returnPressed.connect(self.save_score)  # Enter saves, as everywhere
        form.addRow("Note", self.note_edit)
        self.save_button = QPushButton("Save score")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_score)
        self.delete_button = QPushButton("Delete score")
        self.delete_button.clicked.connect(self.delete_score)
        form.addRow(button_row([self.save_button, self.delete_button]))
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        lower_layout.addWidget(form_box, 2)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer.addWidget(splitter)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the Month, Scored by or Score box saves, as it does in Note (which saves
        # itself): these boxes pass Enter on, and nothing took it, so a coach who chose the
        # score and pressed Enter saw nothing happen and moved on with the score unsaved.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            self.month_edit.hasFocus() or self.rater_combo.hasFocus() or self.score_combo.hasFocus()
        ):
            self.save_score()
            return
        super().keyPressEvent(event)

    def show_team(self, team_uuid: str) -> None:
        if team_uuid == self.team_uuid and self.scale:
            self._reload()  # the same team again (data changed elsewhere): keep the form
            return
        self.team_uuid = team_uuid
        self.chart.export_name = picture_name(self.services.teams.get(team_uuid).name, "progress")
        if not self.scale:
            self.scale = self.services.progress.scale()
            self.model.scale = {s.score: s.label for s in self.scale}
            self.score_combo.clear()
            for level in self.scale:
                self.score_combo.addItem(level.label, level.score)
                self.score_combo.setItemData(
                    self.score_combo.count() - 1, level.description, Qt.ItemDataRole.ToolTipRole
                )
        self._reload()
        self.month_edit.setDate(QDate(self.today.year, self.today.month, 1))  # clamped to range
        outside = [row.month for row in self.model.rows() if self.model.outside(row)]
        if outside and self.model.window is not None:
            # Short, to fit beside the form; the tooltip (and each marked row's) says more.
            what = (
                f"{month_text(outside[0])} is"
                if len(outside) == 1
                else f"{len(outside)} months are"
            )
            self._say(f"⚠ {what} outside the cohort's months.", problem=True)
            self.message.setToolTip(
                f"The months this team's cohort is scored for: {self.model.window.text()}. "
                "A score outside them is a slip of the year, or from before the team moved to "
                "this cohort: check it, and delete it if it was recorded by mistake."
            )
        else:
            self._say("")

    def _reload(self) -> None:
        assert self.team_uuid is not None
        self._scores = self.services.progress.team_scores(self.team_uuid)
        self.model.window = self.services.progress.window(self.team_uuid)
        self._set_month_range()
        self.model.set_rows(month_rows(self._scores))
        self.chart.set_data(
            [(s.score, s.title) for s in self.scale],
            [(s.month, s.rater, s.score) for s in self._scores],
            self.today,
        )
        self._load_form_score()

    def _set_month_range(self) -> None:
        """The month box offers the months the cohort is scored for (none to come), widened to
        take in any score already outside them, so a row of the table can still be chosen."""
        window = self.model.window
        this_month = date(self.today.year, self.today.month, 1)
        months = [s.month for s in self._scores]
        first = min([window.first, *months]) if window else min([this_month, *months])
        last = this_month
        if window is not None and window.last is not None and window.last < this_month:
            last = max([window.last, *months])
        self.month_edit.setDateRange(
            QDate(first.year, first.month, 1),
            QDate(last.year, last.month, 1).addMonths(1).addDays(-1),
        )

    def _form_month(self) -> date:
        q = self.month_edit.date()
        return date(q.year(), q.month(), 1)

    def _existing(self) -> ProgressScoreInfo | None:
        month, rater = self._form_month(), self.rater_combo.currentData()
        return next((s for s in self._scores if s.month == month and s.rater == rater), None)

    def _load_form_score(self) -> None:
        existing = self._existing()
        self.delete_button.setEnabled(existing is not None)
        if existing is not None:
            index = self.score_combo.findData(existing.score)
            self.score_combo.setCurrentIndex(max(index, 0))
            self.note_edit.setText(existing.note)
        else:
            self.score_combo.setCurrentIndex(-1)
            self.note_edit.clear()

    def _row_selected(self, current: Any, _previous: Any) -> None:
        row = self.model.row_at(current.row())
        if row is not None:
            self.month_edit.setDate(QDate(row.month.year, row.month.month, 1))

    def select_score(self, month: date, rater: str, score: float, note: str = "") -> None:
        """Fill the form (what a user does with the month, rater and score boxes)."""
        self.month_edit.setDate(QDate(month.year, month.month, 1))
        self.rater_combo.setCurrentIndex(self.rater_combo.findData(rater))
        self.score_combo.setCurrentIndex(self.score_combo.findData(score))
        self.note_edit.setText(note)

    def save_score(self) -> None:
        if self.team_uuid is None:
            return
        month, rater = self._form_month(), self.rater_combo.currentData()
        if self.score_combo.currentData() is None:
            self._say(
                f"Choose the {RATER_LABELS[rater].lower()}'s score for {month_text(month)} first.",
                problem=True,
            )
            self.score_combo.setFocus()
            return
        try:
            self.services.progress.set_score(
                self.team_uuid,
                month,
                rater,
                self.score_combo.currentData(),
                self.note_edit.text(),
                today=self.today,
            )
        except ServiceError as exc:
            self._say(str(exc), problem=True)
            return
        self._reload()
        self._say(f"Saved the {RATER_LABELS[rater].lower()}'s score for {month_text(month)}.")
        if self.context is not None:
            self.context.notify_saved()

    def delete_item(self) -> None:
        """Delete on this tab: the score of the month and rater in the form (a row of the
        table selects its month), after asking."""
        self.delete_score()

    def delete_score(self) -> None:
        existing = self._existing()
        if existing is None:
            return
        if self.context is not None and not self.context.confirm_delete(
            self,
            f"the {RATER_LABELS[existing.rater].lower()}'s score for {month_text(existing.month)}",
        ):
            return
        try:
            self.services.progress.delete_score(existing.uuid)
        except ServiceError as exc:
            self._say(str(exc), problem=True)
            return
        self._reload()
        self._say("Score deleted.")
        if self.context is not None:  # the status bar offers Undo
            rater = RATER_LABELS[existing.rater].lower()
            self.context.notify_deleted(
                "ProgressScore", existing.uuid, f"{rater}'s score for {month_text(existing.month)}"
            )

    def _say(self, text: str, *, problem: bool = False) -> None:
        palette = self.message.palette()
        colour = (
            QColor(PROBLEM_COLOUR) if problem else self.palette().color(QPalette.ColorRole.Text)
        )
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.message.setPalette(palette)
        self.message.setText(text)
        self.message.setToolTip("")
