"""Import log: every imported workbook, newest first, what its merge changed and what it brought."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.import_log_service import COUNT_KEYS, ImportEntry, ReceivedVersion
from qidesk.services.record_names import record_type_label, record_type_order
from qidesk.ui.context import UiContext
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    EmptyState,
    firm_splitter,
    local_time,
    read_only_table,
    selected_row,
)


class ImportsModel(RowsTableModel[ImportEntry]):
    WHEN, FILE, KIND, CHANGES = range(4)
    HEADERS = ("Imported", "File", "Kind", "What it changed")

    def display(self, row: ImportEntry, column: int) -> str:
        if column == self.WHEN:
            return local_time(row.imported_at)
        if column == self.FILE:
            return row.file_name
        if column == self.KIND:
            return row.kind_label
        return row.summary_text

    def tooltip(self, row: ImportEntry, column: int) -> str | None:
        return f"Export id {row.export_id}\nFile hash {row.file_hash[:16]}…"


class TypeCountsModel(RowsTableModel[tuple[str, dict[str, int]]]):
    HEADERS = ("Records", *(k.capitalize() for k in COUNT_KEYS))

    def display(self, row: tuple[str, dict[str, int]], column: int) -> str:
        if column == 0:
            return record_type_label(row[0], plural=True)
        return f"{row[1].get(COUNT_KEYS[column - 1], 0):,}"

    def data(self, index: Any, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


class ReceivedModel(RowsTableModel[ReceivedVersion]):
    WHAT, NAME, WHEN = range(3)
    HEADERS = ("What", "Name", "Version made")

    def display(self, row: ReceivedVersion, column: int) -> str:
        if column == self.WHAT:
            return record_type_label(row.record_type)
        if column == self.NAME:
            return row.title + (" (deleted)" if row.deleted else "")
        return local_time(row.updated_at)


class ImportLogPage(Page):
    """Imports on top; below, the chosen import's counts per record type and what it brought."""

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self._shown: ImportEntry | None = None
        layout, _title, _subtitle = page_header(
            self,
            "Import log",
            "Every workbook imported into this database. Each import was applied in one go after "
            "a backup; the versions it brought are kept in the history of each record.",
            wrap=True,
        )

        self.imports_model = ImportsModel(self)
        self.imports = read_only_table(
            self.imports_model,
            "Imported workbooks",
            sortable=False,
            stretch=(ImportsModel.FILE, ImportsModel.CHANGES),
            fit=(ImportsModel.WHEN, ImportsModel.KIND),
        )
        self.imports.selectionModel().selectionChanged.connect(self._show_selected)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 8, 0, 0)
        detail_layout.setSpacing(8)
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts_model = TypeCountsModel(self)
        # The names take the room they need ("Self-assessment answers"); the counts share the
        # rest.
        self.counts = read_only_table(
            self.counts_model,
            "Counts per kind of record",
            sortable=False,
            stretch=range(1, len(TypeCountsModel.HEADERS)),
            fit=(0,),
        )
        self.received_model = ReceivedModel(self)
        self.received = read_only_table(
            self.received_model,
            "Versions this import brought",
            sortable=False,
            stretch=(ReceivedModel.NAME,),
            fit=(ReceivedModel.WHAT, ReceivedModel.WHEN),
        )
        lower = firm_splitter(
            Qt.Orientation.Horizontal, [self.counts, self.received], stretch=(3, 2)
        )
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(lower, 1)

        self.splitter = firm_splitter(
            Qt.Orientation.Vertical, [self.imports, detail], stretch=(1, 1)
        )
        layout.addWidget(self.splitter, 1)
        self.empty = EmptyState(
            "Nothing imported yet. Import a workbook with File → Import… (Ctrl+I) or "
            "drop it on the window; each import is listed here."
        )
        layout.addWidget(self.empty, 1)

    def refresh(self) -> None:
        self._shown = None  # read again, once
        rows = self.context.services.import_log.list_imports()
        self.imports_model.set_rows(rows)
        self.splitter.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            self.imports.selectRow(0)  # shows it, through the selection's signal
            self._show(rows[0])  # (if that row was selected already: then this is a no-op)
        else:
            self._show(None)

    def _show_selected(self, *_args: Any) -> None:
        self._show(selected_row(self.imports, self.imports_model))

    def _show(self, entry: ImportEntry | None) -> None:
        # Selecting the first row on refresh shows it already: read each entry once (a lead's
        # merge brings 150,000 versions; reading its list takes a moment).
        if entry is not None and entry == self._shown:
            return
        self._shown = entry
        if entry is None:
            self.detail_title.setText("")
            self.counts_model.set_rows([])
            self.received_model.set_rows([])
            return
        received = self.context.services.import_log.versions_received(entry.import_id)
        merged = (
            f", merged together with {entry.files_in_merge - 1} other file(s)"
            if entry.files_in_merge > 1
            else ""
        )
        shown = (
            f" The list shows {len(received):,} of them."
            if 0 < len(received) < entry.versions_received
            else ""
        )
        self.detail_title.setText(
            f"<b>{html.escape(entry.file_name)}</b> imported "
            f"{local_time(entry.imported_at)}{merged}. "
            f"It brought {entry.versions_received:,} new version"
            f"{'s' if entry.versions_received != 1 else ''} into the history.{shown}"
            # What the import said of the file, kept for when its dialog is closed.
            + "".join(f"<br>⚠ {html.escape(w)}" for w in entry.warnings)
        )
        self.counts_model.set_rows(sorted(entry.by_type.items(), key=record_type_order))
        self.received_model.set_rows(received)


def register(window: Any) -> None:
    """Add the Import log entry below the navigator's tree."""
    window.add_fixed_page("import_log", "Import log", ImportLogPage)
