"""Import or merge workbooks: choose files, check them, see the plan, confirm, apply.

Reading, checking and applying run off the UI thread with a progress dialog that can be
cancelled (cancel means nothing is applied). ``register(window)`` adds File → Import… and
File → Export…, toolbar buttons and drag-and-drop of workbooks onto the window.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QThread, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.base import USER_ERRORS
from qidesk.services.record_names import record_type_label
from qidesk.ui.context import UiContext

if TYPE_CHECKING:
    # The import service pulls in the workbook reader (openpyxl, numpy): this module is loaded
    # while the window is built, so the service is imported only when an import starts.
    from qidesk.services.import_service import ImportPreview, ImportResult

WORKBOOK_FILTER = "Excel workbooks (*.xlsx *.xlsm);;All files (*)"
PLAN_COLUMNS = ("Record type", "Created", "Updated", "Deleted", "Unchanged", "Conflicts")
PROBLEM_COLUMNS = ("File", "Sheet", "Row", "Column", "Problem")
#: File statuses of services.import_service (APPLIED, UNCHANGED, REJECTED, VALID) in words.
#: Columns of the list of workbooks.
FILE_COLUMNS = ("Workbook", "Status", "Notes")
FILE_NAME, FILE_STATUS, FILE_NOTES = range(len(FILE_COLUMNS))
STATUS_TEXT = {
    "applied": "applied",
    "unchanged": "nothing new",
    "rejected": "rejected",
    "valid": "ready",
}


class Worker(QThread):
    """Runs ``job(progress, cancelled)`` off the UI thread; reports progress, result or error."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]):
        super().__init__()
        self._job = job
        self.cancel_requested = threading.Event()

    def run(self) -> None:
        try:
            result = self._job(
                lambda done, total, text: self.progressed.emit(done, total, text),
                self.cancel_requested.is_set,
            )
        except BaseException as exc:  # reported to the UI thread, never lost
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


def run_with_progress(
    parent: QWidget,
    title: str,
    job: Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> Worker:
    """Start ``job`` in a worker with a modal, cancellable progress dialog."""
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setMinimumWidth(420)
    worker = Worker(job)

    def progressed(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 1) if total else 0)
        dialog.setValue(min(done, max(total, 1)))
        dialog.setLabelText(text)

    def finished_ok(result: Any) -> None:
        dialog.reset()
        dialog.close()
        on_done(result)

    def finished_badly(exc: BaseException) -> None:
        dialog.reset()
        dialog.close()
        on_error(exc)

    def cancel() -> None:
        worker.cancel_requested.set()
        dialog.setLabelText("Cancelling…")

    worker.progressed.connect(progressed)
    worker.succeeded.connect(finished_ok)
    worker.failed.connect(finished_badly)
    dialog.canceled.connect(cancel)
    worker.finished.connect(worker.deleteLater)
    parent._worker = worker  # type: ignore[attr-defined]  # keep it alive while it runs
    worker.start()
    return worker


def _cell(value: object, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ImportDialog(QDialog):
    """Choose workbooks, check them (the plan), then apply after asking."""

    def __init__(
        self, context: UiContext, paths: Sequence[str | Path] = (), parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.context = context
        self.service = context.services.workbook_import
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        self.worker: Worker | None = None
        self._running = False
        self.setWindowTitle("Import workbooks")
        self.resize(960, 620)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)

        intro = QLabel(
            "Choose one or more workbooks exported by QI Desk (full exports or filled-in "
            "self-assessment packs). They are checked first; nothing changes until you apply."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        files_row = QHBoxLayout()
        files_row.setSpacing(8)
        self.files = QTableWidget(0, len(FILE_COLUMNS))
        self.files.setHorizontalHeaderLabels(FILE_COLUMNS)
        self.files.setAccessibleName("Workbooks to import, with what checking found in each")
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.verticalHeader().setVisible(False)
        self.files.verticalHeader().setDefaultSectionSize(24)
        self.files.setColumnWidth(FILE_NAME, 260)
        self.files.setColumnWidth(FILE_STATUS, 110)
        self.files.horizontalHeader().setSectionResizeMode(
            FILE_NOTES, QHeaderView.ResizeMode.Stretch
        )
        self.files.setMinimumHeight(120)
        self.files.setMaximumHeight(170)
        files_row.addWidget(self.files, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        self.add_button = QPushButton("Add files…")
        self.remove_button = QPushButton("Remove")
        self.check_button = QPushButton("Check files")
        self.check_button.setDefault(True)
        for button in (self.add_button, self.remove_button, self.check_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        files_row.addLayout(buttons)
        layout.addLayout(files_row)

        self.summary = QLabel("Add workbooks, then Check files.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        splitter = QSplitter(Qt.Orientation.Vertical)
        self.plan = QTableWidget(0, len(PLAN_COLUMNS))
        self.plan.setHorizontalHeaderLabels(PLAN_COLUMNS)
        self.plan.setAccessibleName("What the import would change, per record type")
        self.plan.verticalHeader().setVisible(False)
        self.plan.verticalHeader().setDefaultSectionSize(24)
        self.plan.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.plan.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        splitter.addWidget(self.plan)
        self.problems = QTableWidget(0, len(PROBLEM_COLUMNS))
        self.problems.setHorizontalHeaderLabels(PROBLEM_COLUMNS)
        self.problems.setAccessibleName(
            "Problems and warnings found, with file, sheet, row and column"
        )
        self.problems.verticalHeader().setVisible(False)
        self.problems.setWordWrap(True)
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((160, 110, 56, 130)):
            self.problems.setColumnWidth(column, width)
        splitter.addWidget(self.problems)
        splitter.setSizes([260, 200])
        layout.addWidget(splitter, 1)

        self.skip_invalid = QCheckBox("Skip files with problems (apply the others)")
        layout.addWidget(self.skip_invalid)
        self.box = QDialogButtonBox()
        self.apply_button = self.box.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(False)
        self.close_button = self.box.addButton(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(self.box)

        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.check_button.clicked.connect(self.check)
        self.apply_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.reject)
        self.skip_invalid.toggled.connect(lambda _on: self._invalidate())
        self.add_files(paths)

    # files -------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        return [
            self.files.item(row, FILE_NAME).data(Qt.ItemDataRole.UserRole)
            for row in range(self.files.rowCount())
        ]

    def add_files(self, paths: Sequence[str | Path]) -> None:
        present = set(self.paths())
        for path in paths:
            text = str(Path(path))
            if text not in present:
                row = self.files.rowCount()
                self.files.insertRow(row)
                name = QTableWidgetItem(Path(text).name)
                name.setData(Qt.ItemDataRole.UserRole, text)
                name.setToolTip(text)
                self.files.setItem(row, FILE_NAME, name)
                self.files.setItem(row, FILE_STATUS, QTableWidgetItem(""))
                self.files.setItem(row, FILE_NOTES, QTableWidgetItem(""))
                present.add(text)
        self._invalidate()

    def choose_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self, "Choose workbooks to import", "", WORKBOOK_FILTER
        )
        self.add_files(chosen)

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.files.selectedIndexes()}, reverse=True)
        for row in rows:
            self.files.removeRow(row)
        self._invalidate()

    def _invalidate(self) -> None:
        self.preview = None
        for row in range(self.files.rowCount()):
            for column in (FILE_STATUS, FILE_NOTES):
                self.files.item(row, column).setText("")
        self.apply_button.setEnabled(False)
        self.check_button.setEnabled(bool(self.paths()))

    # checking ------------------------------------------------------------------------------
    def check(self) -> None:
        paths = self.paths()
        if not paths:
            return
        skip = self.skip_invalid.isChecked()
        self._busy(True)
        self.worker = run_with_progress(
            self,
            "Checking workbooks…",
            lambda progress, cancelled: self.service.preview(
                paths, skip_invalid=skip, progress=progress, cancelled=cancelled
            ),
            self._show_preview,
            self._failed,
        )

    def _show_preview(self, preview: ImportPreview) -> None:
        self._busy(False)
        self.preview = preview
        self._fill(preview)
        applicable = preview.totals.changes > 0 and (
            not preview.rejected or self.skip_invalid.isChecked()
        )
        self.apply_button.setEnabled(applicable)
        self.apply_button.setDefault(applicable)

    def _fill(self, preview: ImportPreview, *, applied: bool = False) -> None:
        rows = [*preview.by_type, ("Total", preview.totals)]
        self.plan.setRowCount(len(rows))
        for row, (record_type, counts) in enumerate(rows):
            self.plan.setItem(row, 0, _cell(record_type_label(record_type, plural=True)))
            for col, value in enumerate(
                (
                    counts.created,
                    counts.updated,
                    counts.deleted,
                    counts.unchanged,
                    counts.conflicts,
                ),
                start=1,
            ):
                self.plan.setItem(row, col, _cell(f"{value:,}", align_right=True))
        if rows:
            font = self.plan.item(len(rows) - 1, 0).font()
            font.setBold(True)
            for col in range(len(PLAN_COLUMNS)):
                self.plan.item(len(rows) - 1, col).setFont(font)
        # Problems first, then warnings (which a one-line note beside the file would cut off).
        lines: list[tuple[str, object, object, object, str]] = [
            (Path(f.path).name, p.sheet, p.row, p.column, p.message)
            for f in preview.files
            for p in f.problems
        ]
        lines += [
            (Path(f.path).name, None, None, None, f"⚠ {warning}")
            for f in preview.files
            for warning in f.warnings
        ]
        self.problems.setRowCount(len(lines))
        for row, values in enumerate(lines):
            for col, value in enumerate(values):
                self.problems.setItem(row, col, _cell(value, align_right=col == 2))
        self.problems.resizeRowsToContents()
        self._fill_files(preview)
        self.summary.setText(self._summary_text(preview, applied=applied))

    def _fill_files(self, preview: ImportPreview) -> None:
        """Each file's status and notes beside it (problem count, spreadsheet edits, warnings)."""
        reports = {report.path: report for report in preview.files}
        for row, path in enumerate(self.paths()):
            report = reports.get(path)
            if report is None:
                continue
            status = self.files.item(row, FILE_STATUS)
            status.setText(STATUS_TEXT.get(report.status, report.status))
            font = status.font()
            font.setBold(report.status == "rejected")
            status.setFont(font)
            notes = []
            if report.problems:
                n = len(report.problems)
                notes.append(f"{n} problem{'s' if n != 1 else ''} (listed below)")
            if report.edited_rows:
                notes.append(f"{report.edited_rows} rows edited in the spreadsheet")
            if report.warnings:
                n = len(report.warnings)
                notes.append(f"⚠ {n} warning{'s' if n != 1 else ''} (listed below)")
            text = "; ".join(notes)
            self.files.item(row, FILE_NOTES).setText(text)
            self.files.item(row, FILE_NOTES).setToolTip(text)

    def _summary_text(self, preview: ImportPreview, *, applied: bool) -> str:
        t = preview.totals
        tally: dict[str, int] = {}
        for report in preview.files:
            status = STATUS_TEXT.get(report.status, report.status)
            tally[status] = tally.get(status, 0) + 1
        n_files = len(preview.files)
        files_line = f"{n_files} file{'s' if n_files != 1 else ''}: " + ", ".join(
            f"{count} {status}" for status, count in tally.items()
        )
        lines = [files_line]
        if applied:
            head = (
                f"Applied: {t.created:,} created, {t.updated:,} updated, {t.deleted:,} deleted, "
                f"{t.conflicts:,} conflict{'' if t.conflicts == 1 else 's'}."
            )
            if t.conflicts:
                head += " Open Conflicts (below the teams) to see both versions and keep one."
            stranded = preview.stranded_text() if hasattr(preview, "stranded_text") else ""
            if stranded:  # an ImportResult (the service is imported only when used)
                head += " " + stranded
        elif preview.rejected and len(preview.rejected) == n_files:
            # "tick Skip files with problems" would apply nothing: there is nothing else.
            head = (
                "This file has problems (listed below)"
                if n_files == 1
                else f"All {n_files} files have problems (listed below)"
            ) + ": nothing can be applied until they are put right."
        elif preview.rejected and not self.skip_invalid.isChecked():
            head = (
                "Some files have problems (listed below). Nothing will be applied unless you "
                "fix them or tick “Skip files with problems”."
            )
        elif t.changes == 0:
            head = "Nothing new: everything in these files is already in this database."
        else:
            head = (
                f"Applying would create {t.created:,}, update {t.updated:,}, delete "
                f"{t.deleted:,} records and record {t.conflicts:,} "
                f"conflict{'' if t.conflicts == 1 else 's'}."
            )
        return "\n".join([head, *lines])

    # applying ------------------------------------------------------------------------------
    def apply(self) -> None:
        if self.preview is None:
            return
        t = self.preview.totals
        n_files = len(self.preview.valid)
        answer = QMessageBox.question(
            self,
            "Apply the import?",
            f"Apply {t.changes:,} changes from {n_files} file{'s' if n_files != 1 else ''}?\n\n"
            "A backup copy of the database is made first. Conflicts are kept and listed in "
            "the Conflicts view.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        paths = self.paths()
        skip = self.skip_invalid.isChecked()
        self._busy(True)
        self.worker = run_with_progress(
            self,
            "Importing…",
            lambda progress, cancelled: self.service.apply(
                paths, skip_invalid=skip, progress=progress, cancelled=cancelled
            ),
            self._applied,
            self._failed,
        )

    def _applied(self, result: ImportResult) -> None:
        self._busy(False)
        self.result = result
        self.preview = None
        self._fill(result, applied=result.applied)
        self.apply_button.setEnabled(False)
        if result.applied:
            self.context.notify_saved(structure=True)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        from qidesk.services.import_service import ImportCancelled

        if isinstance(exc, ImportCancelled):
            self.summary.setText("Cancelled: nothing was changed.")
        elif isinstance(exc, USER_ERRORS):
            self.context.show_problem(self, str(exc))
        else:
            self.context.show_problem(self, f"The import failed and nothing was changed: {exc}")

    def reject(self) -> None:
        """Closing while work runs asks it to stop first (it applies nothing once cancelled)."""
        if self._running:
            if self.worker is not None:
                self.worker.cancel_requested.set()
            return
        super().reject()

    def _busy(self, busy: bool) -> None:
        self._running = busy
        for widget in (self.add_button, self.remove_button, self.check_button, self.close_button):
            widget.setEnabled(not busy)
        if busy:
            self.apply_button.setEnabled(False)


# ---- window integration -------------------------------------------------------------------------


#: Files a drop onto the window takes for workbooks. Besides .xlsx and .xlsm, spreadsheets a
#: team may send back saved the wrong way (.ods, .xls, .csv, ...): the import says how to save
#: them as .xlsx, where ignoring the drop said nothing at all.
DROPPED_SPREADSHEETS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".ods", ".csv")


def workbook_paths(urls: Sequence[Any]) -> list[str]:
    """Local spreadsheet files among dropped URLs."""
    out = []
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if path.lower().endswith(DROPPED_SPREADSHEETS):
                out.append(path)
    return out


class _DropFilter(QObject):
    """Accepts workbooks dropped anywhere on the window and opens the import dialog."""

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            drag = event
            assert isinstance(drag, QDragEnterEvent | QDropEvent)
            if drag.mimeData().hasUrls() and workbook_paths(drag.mimeData().urls()):
                drag.acceptProposedAction()
                return True
        elif event.type() == QEvent.Type.Drop:
            drop = event
            assert isinstance(drop, QDropEvent)
            paths = workbook_paths(drop.mimeData().urls()) if drop.mimeData().hasUrls() else []
            if paths:
                drop.acceptProposedAction()
                open_import_dialog(self.window, paths)
                return True
        return False


def open_import_dialog(window: Any, paths: Sequence[str] = ()) -> None:
    dialog = ImportDialog(window.context, paths, window)
    if paths:
        dialog.check()
    dialog.exec()
    if hasattr(window, "refresh_counts"):
        window.refresh_counts()


def open_export_dialog(window: Any, *, pack: bool = False) -> None:
    from qidesk.ui.dialogs.export_dialog import ExportDialog

    team = window.current_team_uuid() if hasattr(window, "current_team_uuid") else None
    ExportDialog(window.context, team_uuid=team, pack=pack, parent=window).exec()
    if hasattr(window, "refresh_counts"):
        window.refresh_counts()


def register(window: Any) -> None:
    """Add File → Import…/Export…, toolbar buttons and drag-and-drop to the main window."""
    file_menu = window.menu("File")
    import_action = QAction("&Import workbooks…", window)
    import_action.setShortcut(QKeySequence("Ctrl+I"))
    import_action.triggered.connect(lambda _checked=False: open_import_dialog(window))
    export_action = QAction("&Export…", window)
    export_action.setShortcut(QKeySequence("Ctrl+E"))
    export_action.triggered.connect(lambda _checked=False: open_export_dialog(window))
    pack_action = QAction("Export self-assessment &pack…", window)
    pack_action.setToolTip("A workbook for the selected team to fill in for one stage")
    pack_action.triggered.connect(lambda _checked=False: open_export_dialog(window, pack=True))
    first = file_menu.actions()[0] if file_menu.actions() else None
    separator = QAction(window)
    separator.setSeparator(True)
    actions = [import_action, export_action, pack_action, separator]
    if first is not None:
        file_menu.insertActions(first, actions)
    else:
        file_menu.addActions(actions)
    import_action.setText("&Import…")
    if hasattr(window, "add_toolbar_action"):
        window.add_toolbar_action(import_action)
        window.add_toolbar_action(export_action)
    window.import_action = import_action
    window.export_action = export_action
    window.export_pack_action = pack_action
    window.setAcceptDrops(True)
    window._workbook_drop_filter = _DropFilter(window)
    window.installEventFilter(window._workbook_drop_filter)
