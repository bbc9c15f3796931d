"""The cohort page's "Capability" tab: cohort mean per stage with the range across teams."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.assessment_stats import STAGE_LABELS, STAGES
from qidesk.services.assessment_service import CohortCapability
from qidesk.services.base import ServiceError
from qidesk.ui.charts.radar_paint import cohort_radar_data
from qidesk.ui.charts.spider_chart import SpiderChart, export_chart_dialog
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.widgets import firm_splitter


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


SORT_KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class _SortedItem(QTableWidgetItem):
    """A cell that sorts by its number (an item by its place in the template, a stage by its
    mean, an empty one last), not by its text."""

    def __init__(self, text: str, key: float):
        super().__init__(text)
        self.setData(SORT_KEY_ROLE, key)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_KEY_ROLE), other.data(SORT_KEY_ROLE)
        if mine is None or theirs is None:
            return super().__lt__(other)
        return bool(mine < theirs)


class CohortCapabilityTab(QWidget):
    """Spider chart of a cohort's capability per stage, and a table of the same numbers."""

    def __init__(self, services: Any, parent: QWidget | None = None):
        """``services`` is the Services registry, or the window's UiContext (which holds it)."""
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.cohort_uuid: str | None = None
        self.capability: CohortCapability | None = None
        self.stage_checks = {stage: QCheckBox(STAGE_LABELS[stage]) for stage in STAGES}
        self.band_combo = QComboBox()
        self.band_combo.setAccessibleName("Show the range across teams for")
        self.band_combo.setToolTip("Shade the lowest to highest team score of one stage")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.export_button = QPushButton("Export chart…")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(QLabel("Show:"))
        for check in self.stage_checks.values():
            check.setChecked(True)
            top.addWidget(check)
        top.addSpacing(12)
        top.addWidget(QLabel("Range across teams:"))
        top.addWidget(self.band_combo)
        top.addStretch(1)
        top.addWidget(self.export_button)

        self.chart = SpiderChart()
        self.table = QTableWidget()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.setAccessibleName("Cohort capability per item and stage")
        # Click a stage's header to find the cohort's weakest items (where to tailor teaching);
        # the Item header brings back the template's order.
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setToolTip(
            "Click a column to sort by it (Item: the template's order)"
        )
        # Long item titles wrap: the rows follow the Item column's width (it stretches with
        # the table, after the columns beside it took their widths).
        self._fit_rows_later = QTimer(self)  # dies with the tab (a bare single shot may not)
        self._fit_rows_later.setSingleShot(True)
        self._fit_rows_later.setInterval(0)
        self._fit_rows_later.timeout.connect(self.table.resizeRowsToContents)
        self.table.viewport().installEventFilter(self)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        side_layout.setSpacing(8)
        side_layout.addWidget(self.table, 1)
        side_layout.addWidget(self.summary_label)
        side_layout.addWidget(self.note_label)
        self.splitter = firm_splitter(Qt.Orientation.Horizontal, [self.chart, side])
        self.splitter.setSizes([560, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.splitter, 1)

        for check in self.stage_checks.values():
            check.toggled.connect(self._redraw)
        self.band_combo.currentIndexChanged.connect(self._redraw)
        self.export_button.clicked.connect(self._export_clicked)

    def show_cohort(self, cohort_uuid: str) -> None:
        """Load and show the cohort's capability."""
        self.cohort_uuid = cohort_uuid
        try:
            capability = self.services.assessments.cohort_capability(cohort_uuid)
        except ServiceError as exc:  # deleted meanwhile
            self.capability = None
            self.chart.set_data(None)
            self.empty_label.setText(str(exc))
            self.empty_label.setVisible(True)
            return
        # The same cohort again (data changed elsewhere): keep the stages and range the user
        # chose; another cohort starts from all its stages and the latest one's range.
        same = self.capability is not None and self.capability.cohort_uuid == cohort_uuid
        hidden = {s for s, c in self.stage_checks.items() if c.isEnabled() and not c.isChecked()}
        band_index = self.band_combo.currentIndex()
        band = self.band_combo.currentData()
        self.capability = capability
        with_data = [s for s in STAGES if capability.teams_per_stage.get(s)]
        self.band_combo.blockSignals(True)
        self.band_combo.clear()
        self.band_combo.addItem("None", None)
        for stage in with_data:
            self.band_combo.addItem(STAGE_LABELS[stage], stage)
        if same and band_index >= 0 and (band is None or band in with_data):
            self.band_combo.setCurrentIndex(self.band_combo.findData(band))
        else:
            self.band_combo.setCurrentIndex(len(with_data))  # the latest stage with data
        self.band_combo.blockSignals(False)
        for stage, check in self.stage_checks.items():
            check.blockSignals(True)
            check.setEnabled(stage in with_data)
            check.setChecked(stage in with_data and not (same and stage in hidden))
            check.blockSignals(False)
        self._fill_table(capability)
        self.summary_label.setText(
            f"{capability.team_count} team{'' if capability.team_count == 1 else 's'} in the "
            "cohort. Teams assessed: "
            + ", ".join(f"{STAGE_LABELS[s]} {capability.teams_per_stage.get(s, 0)}" for s in STAGES)
            + ". Each team's score is the mean of its members' answers; each cell shows the "
            "cohort mean of the team scores and, below it, the lowest to the highest team."
        )
        self.note_label.setText(capability.note)
        self.note_label.setVisible(bool(capability.note))
        if not with_data:
            self.empty_label.setText(
                "No team in this cohort has a self-assessment yet. Open a team and enter its "
                "start stage on the Self-assessment tab."
            )
        self.empty_label.setVisible(not with_data)
        self._redraw()

    def selected_stages(self) -> list[str]:
        return [s for s, check in self.stage_checks.items() if check.isChecked()]

    def export_chart_to(self, path: Path) -> Path:
        path = Path(path)
        if path.suffix.lower() == ".svg":
            return self.chart.export_svg(path)
        return self.chart.export_png(path.with_suffix(".png"))

    def _redraw(self) -> None:
        if self.capability is None:
            return
        data = cohort_radar_data(
            self.capability, self.selected_stages(), self.band_combo.currentData()
        )
        self.chart.set_data(data if data.axes else None)
        self.export_button.setEnabled(bool(data.series))

    def _fill_table(self, capability: CohortCapability) -> None:
        stages = [s for s in STAGES if capability.teams_per_stage.get(s)]
        short = {"start": "Start", "mid": "Mid", "end": "End"}
        # Short headings (the sort arrow takes room in each); their tooltips say the rest.
        headers = ["Item", *(short[s] for s in stages)]
        header = self.table.horizontalHeader()
        sorted_by = (header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.table.setSortingEnabled(False)  # while filling: rows must not move under us
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for index, stage in enumerate(stages, start=1):
            heading = self.table.horizontalHeaderItem(index)
            if heading is not None:
                heading.setToolTip(
                    f"{STAGE_LABELS[stage]}: the cohort mean of the team scores, and (below it) "
                    "the lowest to the highest team score. Click to sort by the mean."
                )
        self.table.setRowCount(len(capability.items))
        for row, (code, title) in enumerate(capability.items):
            self.table.setItem(row, 0, _SortedItem(title, row))
            for index, stage in enumerate(stages):
                cell = capability.cells[(code, stage)]
                text = _fmt(cell.mean)
                if cell.min is not None:
                    text += f"\n({_fmt(cell.min)}–{_fmt(cell.max)})"
                value = _SortedItem(text, math.inf if cell.mean is None else cell.mean)
                value.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                value.setToolTip(
                    f"{STAGE_LABELS[stage]}: mean of {cell.n_teams} team scores, "
                    f"lowest {_fmt(cell.min)}, highest {_fmt(cell.max)}"
                )
                self.table.setItem(row, 1 + index, value)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        column, order = sorted_by
        if not 0 <= column < len(headers):
            column, order = 0, Qt.SortOrder.AscendingOrder  # the template's order
        self.table.sortByColumn(column, order)
        self.table.resizeRowsToContents()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_rows_later.start()  # once the columns settled
        return super().eventFilter(watched, event)

    def _export_clicked(self) -> None:
        if self.capability is None:
            return
        name = f"{self.capability.cohort_name} capability.png"
        export_chart_dialog(self, name, self.export_chart_to)
