"""Recently deleted: every deletion, newest first, and a Restore button that undoes it."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from PySide6.QtWidgets import (
    QPushButton,
    QWidget,
)

from qidesk.services.deleted_service import DeletedRecord
from qidesk.services.record_names import record_type_label
from qidesk.ui.context import UiContext
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import EmptyState, button_row, read_only_table, selected_row


def local_time_text(record: DeletedRecord) -> str:
    local = record.deleted_at.replace(tzinfo=UTC).astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


class DeletedTableModel(RowsTableModel[DeletedRecord]):
    WHAT, NAME, WHERE, WITH, WHEN = range(5)
    HEADERS = ("What", "Name", "Where", "Deleted with it", "Deleted")

    def display(self, row: DeletedRecord, column: int) -> str:
        if column == self.WHAT:
            return record_type_label(row.record_type)
        if column == self.NAME:
            return row.title
        if column == self.WHERE:
            return row.context
        if column == self.WITH:
            return f"{row.with_count} records" if row.with_count else ""
        return local_time_text(row)

    def sort_key(self, row: DeletedRecord, column: int) -> Any:
        if column == self.WHEN:
            return row.deleted_at
        if column == self.WITH:
            return row.with_count
        return super().sort_key(row, column)

    def tooltip(self, row: DeletedRecord, column: int) -> str | None:
        if column == self.WITH and row.with_kinds:
            return "\n".join(f"{n} × {kind}" for kind, n in row.with_kinds)
        return None


class DeletedPage(Page):
    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout, _title, self.subtitle = page_header(
            self,
            "Recently deleted",
            "Deleting never destroys anything: restore brings a record back with everything "
            "deleted together with it.",
            wrap=True,
        )
        self.restore_button = QPushButton("Restore")
        self.restore_button.clicked.connect(self.restore_selected)
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip(
            "Earlier versions of the selected record: restoring one brings it back with those "
            "values"
        )
        self.history_button.clicked.connect(self.history_of_selected)
        layout.addLayout(button_row(right=[self.history_button, self.restore_button]))
        layout.addSpacing(4)
        self.model = DeletedTableModel(self)
        self.table = read_only_table(
            self.model,
            "Deleted records",
            stretch=(DeletedTableModel.NAME, DeletedTableModel.WHERE),
            fit=(DeletedTableModel.WHAT, DeletedTableModel.WITH, DeletedTableModel.WHEN),
        )
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.empty = EmptyState(
            "Nothing has been deleted. Deleted cohorts, teams, members, coaches, change ideas, "
            "PDSA cycles and progress scores appear here and can be restored."
        )
        layout.addWidget(self.empty, 1)
        self._update_buttons()

    def refresh(self) -> None:
        rows = self.context.services.deleted.list_deleted()
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> DeletedRecord | None:
        return selected_row(self.table, self.model)

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)
        self.history_button.setEnabled(self.selected() is not None)

    def history_of_selected(self) -> None:
        record = self.selected()
        from qidesk.ui.dialogs.history_dialog import show_history  # loaded when used

        if record is not None and show_history(self.context, record.record_type, record.uuid, self):
            self.refresh()

    def restore_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        if self.context.attempt(
            self, lambda: self.context.services.deleted.restore(record.record_type, record.uuid)
        ):
            self.context.notify_saved(structure=True)
            self.refresh()
