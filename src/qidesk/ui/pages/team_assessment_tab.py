"""The team page's "Self-assessment" tab: keyboard entry per stage, spider chart, results, PDF."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFocusEvent, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.assessment_stats import STAGE_LABELS, STAGES
from qidesk.services.assessment_service import (
    AnswerInfo,
    RespondentInfo,
    StageSheet,
    TeamResults,
)
from qidesk.services.base import ServiceError
from qidesk.ui.charts.radar_paint import team_radar_data
from qidesk.ui.charts.spider_chart import SpiderChart, export_chart_dialog
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.widgets import button_row, file_error_text, firm_splitter

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _fmt_change(value: float | None) -> str:
    if value is None:
        return "–"
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}"


class AnswerModel(QAbstractTableModel):
    """Items as rows, respondents as columns; a cell is one answer (score, comment)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.sheet: StageSheet | None = None
        self.respondents: list[RespondentInfo] = []
        self.answers: dict[tuple[str, str], AnswerInfo] = {}

    def set_sheet(self, sheet: StageSheet | None, show_consensus: bool) -> None:
        self.beginResetModel()
        self.sheet = sheet
        if sheet is None:
            self.respondents, self.answers = [], {}
        else:
            self.respondents = [
                r for r in sheet.respondents if show_consensus or not r.is_consensus
            ]
            self.answers = dict(sheet.answers)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.sheet is None else len(self.sheet.template.items)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.respondents)

    def key(self, index: ModelIndex) -> tuple[str, str]:
        assert self.sheet is not None
        return (
            self.respondents[index.column()].key,
            self.sheet.template.items[index.row()].code,
        )

    def answer(self, index: ModelIndex) -> AnswerInfo | None:
        return self.answers.get(self.key(index))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.sheet is None:
            return None
        answer = self.answer(index)
        if role == Qt.ItemDataRole.DisplayRole:
            if answer is None:
                return ""
            # "–" marks an answer recorded as not answered (a blank cell: nothing entered yet).
            text = "–" if answer.score is None else str(answer.score)
            return text + (" ✎" if answer.comment else "")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            respondent = self.respondents[index.column()]
            item = self.sheet.template.items[index.row()]
            lines = [f"{respondent.name} — {item.title}"]
            if answer is not None and answer.score is not None:
                lines.append(f"{answer.score}: {self.sheet.template.level_label(answer.score)}")
            else:
                lines.append("Not answered")
            if answer is not None and answer.comment:
                lines.append(f"Comment: {answer.comment}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.BackgroundRole and self.respondents[index.column()].is_consensus:
            return QBrush(QColor(86, 180, 233, 40))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            score = "not answered" if answer is None or answer.score is None else answer.score
            respondent_name = self.respondents[index.column()].name
            item_title = self.sheet.template.items[index.row()].title
            return f"{respondent_name}, {item_title}: {score}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.sheet is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            respondent = self.respondents[section]
            if role == Qt.ItemDataRole.DisplayRole:
                name = respondent.name.replace(" ", "\n", 1)
                return name + ("\n(left)" if not respondent.active else "")
            if role == Qt.ItemDataRole.ToolTipRole:
                return respondent.name + (f", {respondent.role}" if respondent.role else "")
            return None
        item = self.sheet.template.items[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{section + 1}. {item.title}"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.title]
            if item.description:
                lines.append(item.description)
            template = self.sheet.template
            for offset, descriptor in enumerate(item.descriptors):
                level = template.scale_min + offset
                text = descriptor or template.level_label(level)
                lines.append(f"{level}: {text}")
            return "\n".join(lines)
        return None

    def set_answer(self, index: ModelIndex, answer: AnswerInfo) -> None:
        self.answers[self.key(index)] = answer
        self.dataChanged.emit(index, index)

    def members_answered(self) -> int:
        return len(
            {
                respondent
                for (respondent, _), a in self.answers.items()
                if a.score is not None and respondent != "consensus"
            }
        )


class AnswerGrid(QTableView):
    """The entry grid: type a digit to score and move on; Delete for "not answered"."""

    #: (index, score or None) when the user types an answer.
    answer_typed = Signal(QModelIndex, object)
    #: A message for the user (refused input), "" to clear.
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setTabKeyNavigation(False)
        self.scale = (1, 5)
        self._buffer = ""
        self.setAccessibleName("Answers: items in rows, respondents in columns")

    def event(self, event: QEvent) -> bool:
        # The keys that score or clear an answer are the grid's, not the window's shortcuts
        # (Delete there deletes the team).
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            and (
                event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                or event.text() in ("-", " ")
                or event.text().isdigit()
            )
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        text = event.text()
        if not index.isValid() or event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            super().keyPressEvent(event)
            return
        lo, hi = self.scale
        if text.isdigit():
            candidate = self._buffer + text
            value = int(candidate)
            if hi >= 10 and value > 0 and value * 10 <= hi and not self._buffer:
                self._buffer = candidate  # wait for a possible second digit
                self.message.emit(f"{candidate}…")
                return
            self._buffer = ""
            if not lo <= value <= hi:
                self.message.emit(
                    f"{value} is not on the scale: scores run from {lo} to {hi}. "
                    "Delete (or -) leaves the answer not answered."
                )
                QApplication.beep()
                return
            self.answer_typed.emit(index, value)
            self._advance(index)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._buffer:
            value, self._buffer = int(self._buffer), ""
            if lo <= value <= hi:
                self.answer_typed.emit(index, value)
                self._advance(index)
            return
        if event.key() == Qt.Key.Key_Backspace:
            # Back to the item just typed, to type it again (a first digit waiting for its
            # second is simply dropped). It cleared the answer selected after typing, that of
            # the next item, and moved further on.
            if self._buffer:
                self._buffer = ""
                self.message.emit("")
            else:
                self._retreat(index)
            return
        if event.key() == Qt.Key.Key_Escape and self._buffer:
            self._buffer = ""
            self.message.emit("")
            return
        if event.key() == Qt.Key.Key_Delete or text in ("-", " "):
            self._buffer = ""
            self.answer_typed.emit(index, None)
            self._advance(index)
            return
        if text and text.isprintable() and not text.isspace():
            self.message.emit(f"Type a score from {lo} to {hi}, or Delete for not answered.")
            return
        super().keyPressEvent(event)

    def _commit_buffer(self, index: QModelIndex) -> None:
        """A first digit waiting for a second is the score when the coach moves on instead
        (an arrow key, Tab, a click): "1" then Down is 1 on a 0–10 scale. It was kept and
        joined to the next digit typed, in another cell."""
        if not self._buffer:
            return
        value, self._buffer = int(self._buffer), ""
        self.message.emit("")
        lo, hi = self.scale
        if index.isValid() and lo <= value <= hi:
            self.answer_typed.emit(index, value)

    def currentChanged(self, current: ModelIndex, previous: ModelIndex) -> None:
        if self._buffer and previous.isValid():
            self._commit_buffer(self.model().index(previous.row(), previous.column()))
        super().currentChanged(current, previous)

    def reset(self) -> None:
        # Other answers shown (another stage or team): a digit waiting here is for none of them.
        self._buffer = ""
        super().reset()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self._commit_buffer(self.currentIndex())
        super().focusOutEvent(event)

    def _retreat(self, index: QModelIndex) -> None:
        """Up the respondent's column; from the first item to the last of the column before."""
        model = self.model()
        row, column = index.row() - 1, index.column()
        if row < 0:
            row, column = model.rowCount() - 1, column - 1
        if column < 0:
            row, column = index.row(), index.column()
        self.setCurrentIndex(model.index(row, column))

    def _advance(self, index: QModelIndex) -> None:
        """Down the respondent's column; from the last item to the top of the next column."""
        model = self.model()
        row, column = index.row() + 1, index.column()
        if row >= model.rowCount():
            row, column = 0, column + 1
        if column >= model.columnCount():
            row, column = index.row(), index.column()
        self.setCurrentIndex(model.index(row, column))


class TeamAssessmentTab(QWidget):
    """Self-assessment of one team: choose the stage and date, enter answers, see results."""

    def __init__(self, services: Any, parent: QWidget | None = None):
        """``services`` is the Services registry, or the window's UiContext (which holds it)."""
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.team_uuid: str | None = None
        #: The pack export dialog while it is open (tests reach it here).
        self.pack_dialog: QDialog | None = None
        self.sheet: StageSheet | None = None
        self.results: TeamResults | None = None
        self._loading = False
        self._results_stale = True
        self._comment_index: QPersistentModelIndex | None = None
        self._saving = False
        self._stale_elsewhere = False
        self._shown_once = False
        if self.context is not None:
            self.context.saved.connect(self._saved_elsewhere)

        self.stage_combo = QComboBox()
        for stage in STAGES:
            self.stage_combo.addItem(STAGE_LABELS[stage], stage)
        self.stage_combo.setAccessibleName("Stage")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setAccessibleName("Date of this stage")
        self.answered_label = QLabel()
        self.answered_label.setAccessibleName("How many members answered")
        self.consensus_check = QCheckBox("Team consensus column")
        self.consensus_check.setToolTip(
            "Record the answers the team agreed together instead of (or as well as) individual "
            "answers. Where a consensus answer exists it is the team's score for that item."
        )
        self.template_label = QLabel()
        self.template_label.setObjectName("hint")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(QLabel("Stage:"))
        top.addWidget(self.stage_combo)
        top.addSpacing(8)
        top.addWidget(QLabel("Date:"))
        top.addWidget(self.date_edit)
        top.addStretch(1)
        top.addWidget(self.consensus_check)
        self.template_button = QToolButton()
        self.template_button.setText("Template")
        self.template_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.template_button.setToolTip("Export or import the self-assessment template (.xlsx)")
        template_menu = QMenu(self.template_button)
        template_menu.addAction("Export template sheet…", self._export_template_clicked)
        template_menu.addAction("Import template sheet…", self._import_template_clicked)
        self.template_button.setMenu(template_menu)
        # A coach's usual next step: send the team this stage's fill-in workbook.
        self.pack_button = QPushButton("Export pack…")
        self.pack_button.setToolTip(
            "Write this stage's self-assessment pack: a workbook the team fills in, in Excel or "
            "LibreOffice, for you to import back"
        )
        self.pack_button.clicked.connect(self.export_pack)
        top.addWidget(self.template_button)

        # --- entry ---
        self.model = AnswerModel(self)
        self.grid = AnswerGrid()
        self.grid.setModel(self.model)
        self.grid.horizontalHeader().setDefaultSectionSize(76)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.verticalHeader().setDefaultSectionSize(28)
        self.grid.verticalHeader().setMaximumWidth(340)
        self.grid.verticalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Message")
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText(
            "Comment on the selected answer (saved when you leave the box)"
        )
        self.comment_edit.setAccessibleName("Comment on the selected answer")
        self.comment_label = QLabel("Comment:")
        help_label = QLabel(
            "Type a score (the digit) and the next item is selected; Backspace goes back one; "
            "Delete or - for not answered. Arrow keys move. Hover an item for what each level "
            "means."
        )
        help_label.setWordWrap(True)
        help_label.setObjectName("hint")
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        entry = QWidget()
        entry_layout = QVBoxLayout(entry)
        entry_layout.setContentsMargins(0, 8, 0, 0)
        entry_layout.setSpacing(8)
        entry_layout.addWidget(help_label)
        entry_layout.addWidget(self.empty_label)
        entry_layout.addWidget(self.grid, 1)
        comment_row = QHBoxLayout()
        comment_row.addWidget(self.comment_label)
        comment_row.addWidget(self.comment_edit, 1)
        entry_layout.addLayout(comment_row)
        entry_layout.addWidget(self.message_label)
        entry_layout.addWidget(self.template_label)

        # --- results ---
        self.chart = SpiderChart()
        self.table = QTableWidget()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Team scores per item and stage")
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        # Rows follow the width they are given: sized once while the side panel was still
        # narrow, titles that fit on one line later kept two lines' height.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.development_label = QLabel()
        self.development_label.setWordWrap(True)
        self.development_label.setTextFormat(Qt.TextFormat.PlainText)
        self.responses_label = QLabel()
        self.responses_label.setWordWrap(True)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.scale_label = QLabel()
        self.scale_label.setWordWrap(True)
        self.scale_label.setObjectName("hint")
        self.export_button = QPushButton("Export chart…")
        self.export_button.setToolTip("Save the chart as PNG (300 dpi) or SVG")
        self.report_button = QPushButton("Team report (PDF)…")
        self.report_button.setToolTip("An A4 summary to hand to the team")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        side_layout.setSpacing(8)
        side_layout.addWidget(self.table, 3)
        areas = QFormLayout()
        areas.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        bold = QFont(self.font())
        bold.setBold(True)
        progress_title = QLabel("Areas of progress:")
        progress_title.setFont(bold)
        development_title = QLabel("Areas for development:")
        development_title.setFont(bold)
        areas.addRow(progress_title, self.progress_label)
        areas.addRow(development_title, self.development_label)
        areas.addRow(QLabel("Responses:"), self.responses_label)
        side_layout.addLayout(areas)
        side_layout.addWidget(self.note_label)
        side_layout.addLayout(button_row(right=[self.export_button, self.report_button]))
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart, 1)
        chart_layout.addWidget(self.scale_label)
        # At 125-150% display scaling the areas' wrapped text did not fit below the table and
        # was cut: the side scrolls instead (at 100% it fits, and nothing changes).
        side_scroll = QScrollArea()
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_side = side_scroll
        self.results_splitter = firm_splitter(
            Qt.Orientation.Horizontal, [chart_box, side_scroll], stretch=(3, 2)
        )
        self.results_splitter.setSizes([560, 480])

        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(entry, "Enter answers")
        self.views.addTab(self.results_splitter, "Results and chart")
        # Beside the two views (the stage row above is full in a 1024 px window).
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 4)
        corner_layout.setSpacing(12)
        # Here rather than in the stage row, which then cut it (and the consensus box) off in a
        # narrow page, such as at 150 % display scaling.
        # The tab widget sizes its corner once: room for any count from the start.
        self.answered_label.setMinimumWidth(
            self.answered_label.fontMetrics().horizontalAdvance("888 of 888 members answered")
        )
        self.answered_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        corner_layout.addWidget(self.answered_label)
        corner_layout.addWidget(self.pack_button)
        self.views.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.views, 1)

        self.stage_combo.currentIndexChanged.connect(self._load_stage)
        # Choosing a stage is for entering it: show the grid (the chart shows every stage).
        self.stage_combo.activated.connect(lambda _i: self.views.setCurrentIndex(0))
        self.date_edit.editingFinished.connect(self._date_edited)
        self.consensus_check.toggled.connect(self._consensus_toggled)
        self.grid.answer_typed.connect(self._answer_typed)
        self.grid.message.connect(self._show_message)
        self.grid.selectionModel().currentChanged.connect(self._update_comment_box)
        self.comment_edit.editingFinished.connect(self._comment_edited)
        # Enter saves the comment (editingFinished) and goes back to the answer it is on, to
        # type on: the focus stayed in the box, and the next scores typed joined the comment.
        self.comment_edit.returnPressed.connect(self.grid.setFocus)
        self.views.currentChanged.connect(self._view_changed)
        self.export_button.clicked.connect(self._export_clicked)
        self.report_button.clicked.connect(self._report_clicked)
        self._set_enabled(False)
        self.empty_label.setText("Choose a team to see its self-assessment.")

    # --- public -----------------------------------------------------------------------------

    def show_team(self, team_uuid: str) -> None:
        """Show ``team_uuid``: its latest stage for entry, and its results. The same team
        shown again (data changed elsewhere) keeps the stage the coach chose."""
        if team_uuid == self.team_uuid and self.sheet is not None:
            self._results_stale = True
            self._reload_keeping_stage()
            return
        self.team_uuid = team_uuid
        self._results_stale = True
        try:
            results = self.services.assessments.team_results(team_uuid)
        except ServiceError as exc:  # deleted meanwhile (for example by an import)
            self.team_uuid = None
            self._set_enabled(False)
            self._show_message(str(exc))
            return
        self.results = results
        if not self._shown_once:
            # A coach opening the tab in front of the team wants the chart; an empty team, entry.
            self._shown_once = True
            self.views.blockSignals(True)
            self.views.setCurrentIndex(1 if results.has_data else 0)
            self.views.blockSignals(False)
        stage = results.stages[-1].stage if results.stages else "start"
        self._loading = True
        self.stage_combo.setCurrentIndex(STAGES.index(stage))
        self._loading = False
        self._load_stage()  # also refreshes the results when they are on view

    def current_stage(self) -> str:
        return str(self.stage_combo.currentData())

    def refresh_results(self) -> None:
        """Recompute the chart, the table and the areas from the database."""
        if self.team_uuid is None:
            return
        results = self.services.assessments.team_results(self.team_uuid)
        self.results = results
        self._results_stale = False
        data = team_radar_data(results)
        self.chart.set_data(data)
        self.scale_label.setText("Scale: " + data.scale_key())
        stages = list(results.stages)
        short = {"start": "Start", "mid": "Mid", "end": "End"}
        headers = ["Item", *(short[s.stage] for s in stages)]
        if len(stages) > 1:
            headers.append("Change")
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(results.items))
        for row, item in enumerate(results.items):
            cell = QTableWidgetItem(item.title)
            cell.setToolTip(item.title)
            self.table.setItem(row, 0, cell)
            for column, stage in enumerate(stages, start=1):
                summary = item.summaries[stage.stage]
                value = QTableWidgetItem(_fmt(summary.mean))
                value.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if summary.n:
                    value.setToolTip(
                        f"mean {_fmt(summary.mean, 2)}, median {_fmt(summary.median)}, "
                        f"min {_fmt(summary.min, 0)}, max {_fmt(summary.max, 0)}, "
                        f"{summary.n} answered"
                    )
                self.table.setItem(row, column, value)
            if len(stages) > 1:
                first, last = item.score(stages[0].stage), item.score(stages[-1].stage)
                change = None if first is None or last is None else last - first
                value = QTableWidgetItem(_fmt_change(change))
                value.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, len(headers) - 1, value)
        if len(stages) > 1:
            change_item = self.table.horizontalHeaderItem(len(headers) - 1)
            if change_item is not None:
                change_item.setToolTip(
                    f"Change from {STAGE_LABELS[stages[0].stage]} to "
                    f"{STAGE_LABELS[stages[-1].stage]}"
                )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()
        progress = [
            f"{results.item_title(e.item_code)} ({_fmt_change(e.gain)})" for e in results.progress
        ]
        if results.progress_note:
            progress.append(results.progress_note)
        self.progress_label.setText(
            "\n".join(progress)
            or (
                "Shown once a later stage is entered."
                if len(results.stages) <= 1
                else "No item has risen yet."
            )
        )
        development = [
            f"{results.item_title(e.item_code)} ({_fmt(e.score)})" for e in results.development
        ]
        if results.development_note:
            development.append(results.development_note)
        if results.areas_note:
            development.append(results.areas_note)
        self.development_label.setText("\n".join(development) or "No answers yet.")
        self.responses_label.setText(
            "\n".join(f"{s.label}: {s.answered_text}" for s in results.stages)
            or "No stage entered yet."
        )
        self.note_label.setText(results.note)
        self.note_label.setVisible(bool(results.note))
        has_chart = bool(self.chart.data() and self.chart.data().series)  # type: ignore[union-attr]
        self.export_button.setEnabled(has_chart)
        self.report_button.setEnabled(True)

    def export_chart_to(self, path: Path) -> Path:
        """Save the chart: SVG for a .svg name, otherwise PNG at 300 dpi."""
        if self._results_stale or self.chart.data() is None:
            self.refresh_results()
        path = Path(path)
        if path.suffix.lower() == ".svg":
            return self.chart.export_svg(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        return self.chart.export_png(path)

    def make_report_to(self, path: Path) -> Path:
        """Write the team's A4 summary PDF to ``path``."""
        from qidesk.ui.reports.team_report import write_team_report

        assert self.team_uuid is not None
        results = self.services.assessments.team_results(self.team_uuid)
        return write_team_report(results, Path(path))

    # --- loading ----------------------------------------------------------------------------

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.stage_combo,
            self.date_edit,
            self.consensus_check,
            self.grid,
            self.comment_edit,
            self.export_button,
            self.report_button,
        ):
            widget.setEnabled(enabled)

    def _load_stage(self) -> None:
        if self._loading or self.team_uuid is None:
            return
        try:
            sheet = self.services.assessments.stage_sheet(self.team_uuid, self.current_stage())
        except ServiceError as exc:
            self._show_message(str(exc))
            return
        self.sheet = sheet
        self._set_enabled(True)
        self._loading = True
        try:
            self.consensus_check.setChecked(sheet.has_consensus)
            self.date_edit.setDate(QDate(sheet.assessed_on or date.today()))
        finally:
            self._loading = False
        self.model.set_sheet(sheet, self.consensus_check.isChecked())
        self.grid.scale = (sheet.template.scale_min, sheet.template.scale_max)
        self.grid.verticalHeader().setMinimumWidth(220)
        members = [r for r in sheet.respondents if not r.is_consensus]
        if not members and not self.consensus_check.isChecked():
            self.empty_label.setText(
                "This team has no members yet. Add its members on the Overview tab, or tick "
                "“Team consensus column” to record the answers the team agreed together."
            )
            self.empty_label.setVisible(True)
        else:
            self.empty_label.setVisible(False)
        started = "" if sheet.assessment_uuid else " (not started: typing a score starts it)"
        self.template_label.setText(
            f"Template: {sheet.template.display_name}, scale {sheet.template.scale_min}–"
            f"{sheet.template.scale_max}{started}"
        )
        self._update_answered()
        self._show_message("")
        if self.model.rowCount() and self.model.columnCount():
            self.grid.setCurrentIndex(self.model.index(0, 0))
        self._update_comment_box()
        self._results_stale = True
        if self.views.currentIndex() == 1:
            self.refresh_results()

    def _update_answered(self) -> None:
        if self.sheet is None:
            return
        total = self.sheet.members_total
        self.answered_label.setText(f"{self.model.members_answered()} of {total} members answered")

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)

    def _view_changed(self, index: int) -> None:
        if index == 1 and self._results_stale:
            self.refresh_results()

    # --- editing ----------------------------------------------------------------------------

    def _answer_typed(self, index: QModelIndex, score: int | None) -> None:
        if self.sheet is None:
            return
        respondent, item_code = self.model.key(index)
        previous = self.model.answer(index)
        if previous is None and score is None:
            return
        try:
            self.services.assessments.set_score(
                self.sheet.team_uuid, self.sheet.stage, respondent, item_code, score
            )
        except ServiceError as exc:
            self._show_message(str(exc))
            return
        self.model.set_answer(index, AnswerInfo(score, previous.comment if previous else ""))
        self._saved()
        self._show_message("")
        self._update_answered()
        self._results_stale = True
        if self.sheet.assessment_uuid is None:
            self._refresh_sheet_header()

    def _refresh_sheet_header(self) -> None:
        """After the first answer the stage exists: reload its date and template line."""
        if self.team_uuid is None:
            return
        self.sheet = self.services.assessments.stage_sheet(self.team_uuid, self.current_stage())
        self.template_label.setText(
            f"Template: {self.sheet.template.display_name}, scale {self.sheet.template.scale_min}–"
            f"{self.sheet.template.scale_max}"
        )

    def _update_comment_box(self) -> None:
        index = self.grid.currentIndex()
        if not index.isValid() or self.sheet is None:
            self.comment_edit.setText("")
            self.comment_edit.setEnabled(False)
            return
        self.comment_edit.setEnabled(True)
        answer = self.model.answer(index)
        respondent = self.model.respondents[index.column()].name
        self.comment_label.setText(f"Comment ({respondent}, item {index.row() + 1}):")
        self.comment_edit.setText(answer.comment if answer else "")
        self._comment_index = QPersistentModelIndex(index)

    def _comment_edited(self) -> None:
        index = self._comment_index
        if index is None or not index.isValid() or self.sheet is None:
            return
        text = self.comment_edit.text().strip()
        previous = self.model.answer(index)
        if (previous.comment if previous else "") == text:
            return
        respondent, item_code = self.model.key(index)
        try:
            self.services.assessments.set_comment(
                self.sheet.team_uuid, self.sheet.stage, respondent, item_code, text
            )
        except ServiceError as exc:
            self._show_message(str(exc))
            return
        self.model.set_answer(
            self.model.index(index.row(), index.column()),
            AnswerInfo(previous.score if previous else None, text),
        )
        self._saved()

    def _date_edited(self) -> None:
        if self._loading or self.sheet is None:
            return
        chosen = self.date_edit.date().toPython()
        if chosen == self.sheet.assessed_on:
            return
        try:
            self.services.assessments.set_stage_date(self.sheet.team_uuid, self.sheet.stage, chosen)
        except ServiceError as exc:
            self._show_message(str(exc))
            return
        self._refresh_sheet_header()
        self._results_stale = True
        self._saved()

    def _saved(self) -> None:
        """Tell the window an edit was stored (status bar "Saved", changes to export)."""
        if self.context is not None:
            self._saving = True
            try:
                self.context.notify_saved()
            finally:
                self._saving = False

    def _saved_elsewhere(self) -> None:
        """Another page changed data (members, a team): reload when next shown."""
        if not self._saving:
            self._stale_elsewhere = True
            if self.isVisible():
                self._reload_keeping_stage()

    def _reload_keeping_stage(self) -> None:
        self._stale_elsewhere = False
        if self.team_uuid is None:
            return
        try:
            self._load_stage()
        except ServiceError:
            return  # the team was deleted: the window moves away from it

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale_elsewhere:
            self._reload_keeping_stage()

    def _consensus_toggled(self, checked: bool) -> None:
        if self._loading or self.sheet is None:
            return
        self._load_stage_keep_consensus(checked)

    def _load_stage_keep_consensus(self, checked: bool) -> None:
        """Reload answers from the database but keep the consensus column as the user chose."""
        assert self.team_uuid is not None
        self.sheet = self.services.assessments.stage_sheet(self.team_uuid, self.current_stage())
        self.model.set_sheet(self.sheet, checked)
        self.empty_label.setVisible(self.model.columnCount() == 0)
        if self.model.rowCount() and self.model.columnCount():
            self.grid.setCurrentIndex(self.model.index(0, 0))

    # --- files ------------------------------------------------------------------------------

    def _export_clicked(self) -> None:
        if self.results is None:
            return
        name = f"{self.results.team_name} self-assessment.png"
        saved = export_chart_dialog(self, name, self.export_chart_to)
        if saved is not None:
            self._show_message(f"Chart saved to {saved}")

    def _report_clicked(self) -> None:
        if self.team_uuid is None:
            return
        saved = save_team_report(self, self.services, self.team_uuid)
        if saved is not None:
            self._show_message(f"Report saved to {saved}")

    def export_template_to(self, path: Path) -> Path:
        """Write the template of the stage shown as an .xlsx sheet."""
        if self.sheet is None:
            raise ValueError("no stage shown")
        path = Path(path).with_suffix(".xlsx")
        self.services.templates.export_sheet(self.sheet.template.uuid, path)
        return path

    def import_template_from(self, path: Path, use_for_new: bool) -> str:
        """Load a template sheet; returns what happened, in words. Raises ServiceError."""
        result = self.services.templates.import_sheet(Path(path))
        template = result.template
        words = {
            "created": "loaded",
            "unchanged": "already loaded: nothing changed",
            "updated": "updated (that version had no answers yet)",
            "new_version": "saved as a new version; answers given on the old version keep it",
        }[result.outcome]
        text = f"{template.title} (version {template.version}) {words}."
        if use_for_new:
            self.services.templates.use_for_new_assessments(template.code)
            text += " Teams starting their self-assessment from now on use it."
        self._saved()
        if self.team_uuid is not None:
            self._load_stage()
        return text

    def export_pack(self) -> None:
        """The export dialog's pack page, for this team and the stage shown here."""
        if self.team_uuid is None or self.context is None:
            return
        from qidesk.ui.dialogs.export_dialog import ExportDialog  # loaded when used

        self.pack_dialog = ExportDialog(
            self.context,
            team_uuid=self.team_uuid,
            pack=True,
            stage=self.current_stage(),
            parent=self,
        )
        self.pack_dialog.exec()
        self.pack_dialog = None

    def _export_template_clicked(self) -> None:
        if self.sheet is None:
            return
        name = f"{self.sheet.template.code} v{self.sheet.template.version}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "Export template", name, "Excel (*.xlsx)")
        if not path:
            return
        try:
            saved = self.export_template_to(Path(path))
        except OSError as exc:
            QMessageBox.warning(
                self, "Export template", f"The sheet could not be saved. {file_error_text(exc)}"
            )
            return
        self._show_message(f"Template saved to {saved}")

    def _import_template_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import template", "", "Excel (*.xlsx)")
        if not path:
            return
        answer = QMessageBox.question(
            self,
            "Import template",
            "Use this template for teams that start their self-assessment from now on?\n"
            "(Stages already started keep their template.)",
        )
        try:
            text = self.import_template_from(Path(path), answer == QMessageBox.StandardButton.Yes)
        except ServiceError as exc:
            QMessageBox.warning(self, "Import template", str(exc))
            return
        self._show_message(text)


def save_team_report(parent: QWidget, services: Any, team_uuid: str) -> Path | None:
    """Ask where to save the team's A4 summary PDF, write it, and return its path.

    The main window's "Team report" action (Ctrl+P) can call this for the selected team.
    """
    from qidesk.ui.reports.team_report import write_team_report

    results = services.assessments.team_results(team_uuid)
    name = f"{results.team_name} self-assessment summary.pdf"
    path, _ = QFileDialog.getSaveFileName(parent, "Team report", name, "PDF (*.pdf)")
    if not path:
        return None
    target = Path(path) if path.lower().endswith(".pdf") else Path(path + ".pdf")
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return write_team_report(results, target)
    except OSError as exc:
        QMessageBox.warning(
            parent, "Team report", f"The report could not be written. {file_error_text(exc)}"
        )
        return None
    finally:
        QApplication.restoreOverrideCursor()
