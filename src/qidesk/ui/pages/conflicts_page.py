"""Conflicts: records changed in two places, their versions side by side, and "Keep version"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.conflict_service import ConflictSummary, ConflictVersion
from qidesk.services.record_names import record_type_label
from qidesk.ui.context import UiContext
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    DIFFERS_COLOUR,
    EmptyState,
    firm_splitter,
    local_time,
    page_title_label,
    read_only_table,
    selected_row,
)


def version_heading(index: int, version: ConflictVersion) -> str:
    state = "shown now" if version.shown else "not shown"
    deleted = " · deleted" if version.deleted else ""
    exported = f"\nwhich exported {version.exported_in}" if version.exported_in else ""
    if version.import_order:
        exported += f"\n{version.import_order}"
    return (
        f"Version {index + 1} ({state}{deleted})\n{version.made_where}{exported}\n"
        f"{local_time(version.updated_at)}"
    )


class ConflictListModel(RowsTableModel[ConflictSummary]):
    WHAT, NAME, DIFFERS = range(3)
    HEADERS = ("What", "Name", "Differs in")

    def display(self, row: ConflictSummary, column: int) -> str:
        if column == self.WHAT:
            return record_type_label(row.record_type)
        if column == self.NAME:
            return row.title
        return ", ".join(row.differing)

    def tooltip(self, row: ConflictSummary, column: int) -> str | None:
        return row.summary


class ConflictsPage(Page):
    """The Conflicts view: open conflicts on the left, the chosen one's versions on the right."""

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.current: ConflictSummary | None = None
        self.keep_buttons: list[QPushButton] = []
        layout, _title, self.subtitle = page_header(
            self,
            "Conflicts",
            "A record changed in two places before they shared their changes. QI Desk shows one "
            "version everywhere and keeps the others here: nothing is lost. Keep the right one "
            "and the conflict closes on every computer you export to.",
            wrap=True,
        )

        self.list_model = ConflictListModel(self)
        self.list = read_only_table(
            self.list_model,
            "Records in conflict",
            sortable=False,
            stretch=(ConflictListModel.NAME, ConflictListModel.DIFFERS),
            fit=(ConflictListModel.WHAT,),
        )
        self.list.selectionModel().selectionChanged.connect(self._show_selected)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(12, 0, 0, 0)
        detail_layout.setSpacing(8)
        self.record_title = page_title_label(2.0)
        # Long titles (a PDSA cycle's objective, an answer's item, person and team) wrap
        # instead of widening the page past the window and squeezing the list away.
        self.record_title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.only_differences = QCheckBox("Only values that differ")
        self.only_differences.setChecked(False)
        self.only_differences.toggled.connect(self._apply_filter)
        self.versions = QTableWidget()
        self.versions.setAccessibleName("Versions side by side")
        self.versions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.versions.setWordWrap(True)
        self.versions.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.versions.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.versions.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.buttons_row = QHBoxLayout()
        self.buttons_row.setSpacing(8)
        detail_layout.addWidget(self.record_title)
        detail_layout.addWidget(self.summary)
        detail_layout.addWidget(self.only_differences)
        detail_layout.addWidget(self.versions, 1)
        detail_layout.addLayout(self.buttons_row)

        self.splitter = firm_splitter(
            Qt.Orientation.Horizontal, [self.list, detail], stretch=(2, 3)
        )
        layout.addWidget(self.splitter, 1)
        self.empty = EmptyState(
            "No conflicts. When the same record was changed on two computers before they "
            "exchanged workbooks, both versions appear here for you to choose from."
        )
        layout.addWidget(self.empty, 1)

    # reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        keep = (self.current.record_type, self.current.uuid) if self.current else None
        rows = self.context.services.conflicts.list_conflicts()
        self.list_model.set_rows(rows)
        self.splitter.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if not rows:
            self.current = None
            self._show(None)
            return
        index = next((i for i, r in enumerate(rows) if keep and (r.record_type, r.uuid) == keep), 0)
        self.list.selectRow(index)
        if self.current is not rows[index]:
            self._show(rows[index])

    def _show_selected(self, *_args: Any) -> None:
        row = selected_row(self.list, self.list_model)
        self._show(row)

    def _show(self, conflict: ConflictSummary | None) -> None:
        self.current = conflict
        for button in self.keep_buttons:
            self.buttons_row.removeWidget(button)
            button.hide()
            button.setParent(None)
        self.keep_buttons = []
        while self.buttons_row.count():
            self.buttons_row.takeAt(0)
        if conflict is None:
            self.record_title.setText("")
            self.summary.setText("")
            self.versions.clear()
            self.versions.setRowCount(0)
            self.versions.setColumnCount(0)
            return
        self.record_title.setText(f"{record_type_label(conflict.record_type)}: {conflict.title}")
        self.summary.setText(conflict.summary)
        table = self.versions
        table.clear()
        table.setColumnCount(len(conflict.versions))
        table.setRowCount(len(conflict.fields))
        headings = [version_heading(i, v) for i, v in enumerate(conflict.versions)]
        table.setHorizontalHeaderLabels(headings)
        for column, heading in enumerate(headings):
            header = table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(heading)  # a long file name is cut short in the header
        table.setVerticalHeaderLabels([f.label for f in conflict.fields])
        bold = QFont(table.font())
        bold.setBold(True)
        for row, field in enumerate(conflict.fields):
            header_item = table.verticalHeaderItem(row)
            if header_item is not None and field.differs:
                header_item.setFont(bold)
                header_item.setText(f"≠ {field.label}")
            for column, value in enumerate(field.values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if field.differs:
                    item.setBackground(QBrush(DIFFERS_COLOUR))
                    item.setFont(bold)
                table.setItem(row, column, item)
        self.buttons_row.addStretch(1)
        for index, version in enumerate(conflict.versions):
            button = QPushButton(f"Keep version {index + 1}")
            button.setToolTip(
                "Keep this version: it replaces the others here and on every computer "
                "that imports your next export."
            )
            button.setAccessibleName(f"Keep version {index + 1} of {conflict.title}")
            button.clicked.connect(lambda _checked=False, key=version.key: self.keep(key))
            self.buttons_row.addWidget(button)
            self.keep_buttons.append(button)
        self._apply_filter()

    def _apply_filter(self) -> None:
        if self.current is None:
            return
        only = self.only_differences.isChecked()
        for row, field in enumerate(self.current.fields):
            self.versions.setRowHidden(row, only and not field.differs)

    # acting ---------------------------------------------------------------------------------
    def keep(self, version_key: str) -> None:
        conflict = self.current
        if conflict is None:
            return
        if self.context.attempt(
            self,
            lambda: self.context.services.conflicts.keep_version(
                conflict.record_type, conflict.uuid, version_key
            ),
        ):
            self.current = None
            self.context.notify_saved(structure=True)
            self.refresh()
        else:
            self.refresh()


def conflict_count(context: UiContext) -> int:
    return context.services.conflicts.count()


def register(window: Any) -> None:
    """Add the Conflicts entry (with its count) below the navigator's tree."""
    window.add_fixed_page(
        "conflicts",
        "Conflicts",
        ConflictsPage,
        count=lambda: conflict_count(window.context),
    )
