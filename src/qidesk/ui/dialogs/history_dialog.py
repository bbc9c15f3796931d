"""A record's history: its versions newest first, one version's values, and restoring it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.history_service import RecordHistory, VersionEntry
from qidesk.services.record_names import record_type_label
from qidesk.ui.context import UiContext
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    DIFFERS_COLOUR,
    EmptyState,
    bold_label,
    firm_splitter,
    local_time,
    muted_label,
    read_only_table,
    selected_row,
)


def changes_text(version: VersionEntry) -> str:
    """What a version did, in a few words: "Created", "Deleted", "Site, Status"."""
    if version.first:
        if version.deleted:
            return "Deleted"
        return "Created" if version.source == "This computer" else "First version received"
    if version.deleted:
        return "Deleted"
    labels = [label for label in version.changed_labels if label != "Deleted"]
    if "Deleted" in version.changed_labels:
        labels.insert(0, "Restored")
    return ", ".join(labels) if labels else "No change in values"


class VersionsModel(RowsTableModel[VersionEntry]):
    WHEN, SOURCE, CHANGES = range(3)
    HEADERS = ("When", "Made by / from", "What changed")

    def display(self, row: VersionEntry, column: int) -> str:
        if column == self.WHEN:
            return local_time(row.updated_at)
        if column == self.SOURCE:
            return row.source
        return changes_text(row)

    def tooltip(self, row: VersionEntry, column: int) -> str | None:
        if column == self.SOURCE:
            return row.source_detail
        if column == self.CHANGES:
            return changes_text(row)
        return "The version the record holds now" if row.current else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.FontRole:
            row = self.row_at(index.row())
            if row is not None and row.current:
                font = QFont()
                font.setBold(True)
                return font
        return super().data(index, role)


class HistoryDialog(QDialog):
    """Every version kept of one record; "Restore this version" makes it a new version."""

    def __init__(
        self, context: UiContext, record_type: str, uuid: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.context = context
        self.record_type = record_type
        self.uuid = uuid
        self.history: RecordHistory | None = None
        #: True once a version was restored (the caller re-reads what it shows).
        self.restored = False
        self.setWindowTitle("History")
        self.resize(960, 600)
        self.setMinimumSize(720, 440)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)
        self.title = bold_label(size_delta=3.0)
        self.subtitle = muted_label(self)
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(4)

        self.model = VersionsModel(self)
        self.list = read_only_table(
            self.model,
            "Versions, newest first",
            sortable=False,
            stretch=(VersionsModel.SOURCE, VersionsModel.CHANGES),
            fit=(VersionsModel.WHEN,),
        )
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setWordWrap(False)
        self.list.horizontalHeader().setHighlightSections(False)
        self.list.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.list.selectionModel().selectionChanged.connect(self._show_selected)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(12, 0, 0, 0)
        detail_layout.setSpacing(4)
        self.version_heading = bold_label()
        self.version_source = muted_label(self)
        self.version_source.setWordWrap(True)
        self.values = QTableWidget(0, 2)
        self.values.setAccessibleName("Values of the selected version")
        self.values.setHorizontalHeaderLabels(["Field", "Value"])
        self.values.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.values.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.values.setWordWrap(True)
        self.values.setShowGrid(False)
        self.values.setAlternatingRowColors(True)
        self.values.verticalHeader().hide()
        header = self.values.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.values.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.legend = muted_label(self)
        self.legend.setText("Highlighted: changed since the version before.")
        detail_layout.addWidget(self.version_heading)
        detail_layout.addWidget(self.version_source)
        detail_layout.addSpacing(4)
        detail_layout.addWidget(self.values, 1)
        detail_layout.addWidget(self.legend)

        self.splitter = firm_splitter(Qt.Orientation.Horizontal, [self.list, detail], (1, 1))
        self.splitter.setSizes([520, 400])
        layout.addWidget(self.splitter, 1)
        self.empty = EmptyState("No versions of this record are kept.")
        layout.addWidget(self.empty, 1)

        self.restore_button = QPushButton("&Restore this version…")
        self.restore_button.setToolTip(
            "Make this version's values the current ones, as a new change made here "
            "(the versions in between stay in the history)."
        )
        self.restore_button.clicked.connect(self.restore_selected)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reload()

    # reading --------------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        history = self.context.call(
            self, lambda: self.context.services.history.history(self.record_type, self.uuid)
        )
        self.history = history
        if history is None:
            self.model.set_rows([])
            self.splitter.hide()
            self.empty.show()
            self._show(None)
            return
        kind = history.record_type.lower()
        self.setWindowTitle(f"History of {history.title}")
        self.title.setText(f"{record_type_label(history.record_type)}: {history.title}")
        count = len(history.versions)
        state = f"This {kind} is deleted now · " if history.deleted else ""
        self.subtitle.setText(
            f"{state}{count} version{'s' if count != 1 else ''} kept, newest first. Restoring "
            "one makes its values the current ones as a new change; nothing is lost. The current "
            "version is in bold."
        )
        self.model.set_rows(history.versions)
        self.splitter.setVisible(bool(history.versions))
        self.empty.setVisible(not history.versions)
        if not history.versions:
            self._show(None)
            return
        row = next((i for i, v in enumerate(history.versions) if v.id == select_id), 0)
        self.list.selectRow(row)
        self._show_selected()

    def selected_version(self) -> VersionEntry | None:
        return selected_row(self.list, self.model)

    def _show_selected(self, *_args: Any) -> None:
        self._show(self.selected_version())

    def _show(self, version: VersionEntry | None) -> None:
        table = self.values
        table.setRowCount(0)
        if version is None or self.history is None:
            self.version_heading.setText("")
            self.version_source.setText("")
            self._update_button(None)
            return
        number = len(self.history.versions) - self.history.versions.index(version)
        state = " (current)" if version.current else ""
        deleted = " · deleted" if version.deleted else ""
        self.version_heading.setText(
            f"Version {number} of {len(self.history.versions)}{state}{deleted} · "
            f"{local_time(version.updated_at)}"
        )
        self.version_source.setText(version.source_detail)
        bold = QFont(table.font())
        bold.setBold(True)
        table.setRowCount(len(version.fields))
        for row, field in enumerate(version.fields):
            label = QTableWidgetItem(field.label)
            value = QTableWidgetItem(field.value)
            value.setToolTip(field.value)
            if field.changed:
                for item in (label, value):
                    item.setBackground(QBrush(DIFFERS_COLOUR))
                    item.setFont(bold)
                label.setToolTip("Changed since the version before")
            table.setItem(row, 0, label)
            table.setItem(row, 1, value)
        self.legend.setVisible(any(f.changed for f in version.fields))
        self._update_button(version)

    def _update_button(self, version: VersionEntry | None) -> None:
        self.restore_button.setEnabled(
            version is not None and not version.current and not version.deleted
        )
        if version is not None and version.current:
            self.restore_button.setToolTip("This is the current version.")
        elif version is not None and version.deleted:
            self.restore_button.setToolTip(
                "This version records the deletion: restore the version before it."
            )
        else:
            self.restore_button.setToolTip(
                "Make this version's values the current ones, as a new change made here "
                "(the versions in between stay in the history)."
            )

    # acting ---------------------------------------------------------------------------------
    def confirm_restore(self, version: VersionEntry) -> bool:
        """Ask before restoring; the default answer is Cancel."""
        assert self.history is not None
        kind = self.history.record_type.lower()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Restore version",
            f"Restore the version of {local_time(version.updated_at)}?",
            parent=self,
        )
        again = f" The {kind} comes back from Recently deleted." if self.history.deleted else ""
        box.setInformativeText(
            f"Its values become the {kind}'s current values, as a new change made on this "
            f"computer.{again} Every version stays in the history."
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is restore

    def restore_selected(self) -> None:
        version = self.selected_version()
        if version is None or version.current or version.deleted:
            return
        if not self.confirm_restore(version):
            return
        if self.context.attempt(
            self,
            lambda: self.context.services.history.restore(self.record_type, self.uuid, version.id),
        ):
            self.restored = True
            self.context.notify_saved(structure=True)
            self.reload()


def show_history(context: UiContext, record_type: str, uuid: str, parent: QWidget) -> bool:
    """Open the history of a record; True when the user restored a version."""
    dialog = HistoryDialog(context, record_type, uuid, parent)
    dialog.exec()
    return dialog.restored
