"""Small widgets the pages share: self-saving text boxes, optional dates, empty states, marks,
read-only tables and button rows."""

from __future__ import annotations

import errno
import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime

from PySide6.QtCore import QAbstractItemModel, QDate, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFocusEvent,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QTableView,
    QWidget,
)

from qidesk.ui.table_model import RowsTableModel

#: Status marks (Okabe–Ito): active green, completed blue, withdrawn grey; cohorts alike.
STATUS_COLOURS = {
    "active": "#009E73",
    "running": "#009E73",
    "completed": "#0072B2",
    "planned": "#E69F00",
    "withdrawn": "#999999",
}

SPACING = 8
MARGIN = 12


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#999999"))


@functools.cache
def status_icon(status: str, size: int = 10) -> QIcon:
    """A small filled circle in the status colour (withdrawn: a hollow ring)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = status_colour(status)
    if status == "withdrawn":
        pen = painter.pen()
        pen.setColor(colour)
        pen.setWidthF(1.6)
        painter.setPen(pen)
        painter.drawEllipse(1, 1, size - 3, size - 3)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)


def muted_colour(widget: QWidget) -> QColor:
    """Secondary text colour that follows the light or dark palette."""
    return widget.palette().color(QPalette.ColorRole.PlaceholderText)


def bold_label(text: str = "", size_delta: float = 0.0) -> QLabel:
    """A bold label (a heading or caption), ``size_delta`` points larger than the default font."""
    label = QLabel(text)
    font = label.font()
    if size_delta:
        font.setPointSizeF(font.pointSizeF() + size_delta)
    font.setBold(True)
    label.setFont(font)
    return label


def page_title_label(size_delta: float = 5.0) -> QLabel:
    """The big bold title of a page (its text set later)."""
    return bold_label(size_delta=size_delta)


def muted_label(parent: QWidget) -> QLabel:
    """A label in the secondary text colour of ``parent``'s palette."""
    label = QLabel()
    palette = label.palette()
    palette.setColor(label.foregroundRole(), muted_colour(parent))
    label.setPalette(palette)
    return label


class EmptyState(QLabel):
    """Centred, muted text that says what to do next."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMargin(24)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted_colour(self))
        self.setPalette(palette)


class CommitTextEdit(QPlainTextEdit):
    """Multi-line text that commits when it loses focus or on Enter (Shift+Enter: new line)."""

    committed = Signal()

    def __init__(self, parent: QWidget | None = None, *, lines: int = 3):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        height = self.fontMetrics().lineSpacing() * lines + 14
        self.setFixedHeight(height)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        if text != self.toPlainText():
            self.setPlainText(text)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.committed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.committed.emit()
            return
        super().keyPressEvent(event)


class OptionalDateEdit(QDateEdit):
    """A date that may be unset: the minimum date shows as "Not set".

    Back to "Not set": the clear button inside the field (shown while a date is set), the
    Delete key, Backspace with the whole text selected, or erasing the text and leaving the
    field. Each ends the edit (``committed``) like a click in the calendar does.
    """

    _UNSET = QDate(1900, 1, 1)
    #: The user finished choosing: Enter, focus out, a click in the calendar, or clearing.
    committed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.editingFinished.connect(self.committed)
        self._calendar_connected = False
        self.setDisplayFormat("d MMM yyyy")
        self.setMinimumDate(self._UNSET)
        self.setSpecialValueText("Not set")
        self.setDate(self._UNSET)
        self.clear_action = QAction(
            self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton),
            "Clear the date",
            self,
        )
        self.clear_action.setToolTip("Clear the date (Not set)")
        self.clear_action.triggered.connect(self.clear_date)
        self.lineEdit().addAction(self.clear_action, QLineEdit.ActionPosition.TrailingPosition)
        self.setToolTip(
            "Pick a date from the calendar or type it. The ✕ button or the Delete key clears it."
        )
        # Pages set dates with signals blocked, so set_date_value() updates the button too.
        self.dateChanged.connect(self._show_clear_action)
        self._show_clear_action()

    def _show_clear_action(self) -> None:
        self.clear_action.setVisible(self.date_value() is not None and not self.isReadOnly())

    def clear_date(self) -> None:
        """Back to "Not set", as the user's finished choice (emits ``committed``)."""
        self.set_date_value(None)
        self.committed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # The calendar pop-up is made on first use (it is slow to build), so connect to it then.
        if not self._calendar_connected:
            self._calendar_connected = True
            self.calendarWidget().clicked.connect(lambda _d: self.committed.emit())
        super().mousePressEvent(event)
        if self.date_value() is None:  # open the calendar on this month, not on 1900
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        whole = self.lineEdit().selectedText() == self.lineEdit().text()
        clears = key == Qt.Key.Key_Delete or (key == Qt.Key.Key_Backspace and whole)
        if clears and not self.isReadOnly() and self.date_value() is not None:
            self.clear_date()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._unset_if_erased()
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._unset_if_erased()
        super().focusOutEvent(event)

    def _unset_if_erased(self) -> None:
        """Text with no digits left (all erased) means "Not set", not the date it had."""
        if self.date_value() is not None and not any(ch.isdigit() for ch in self.lineEdit().text()):
            self.setDate(self._UNSET)

    def stepBy(self, steps: int) -> None:
        if self.date_value() is None:  # up or down from "Not set" starts at today, not 1900
            self.setDate(QDate.currentDate())
            return
        super().stepBy(steps)

    def date_value(self) -> date | None:
        value = self.date()
        if value == self._UNSET:
            return None
        return date(value.year(), value.month(), value.day())

    def set_date_value(self, value: date | None) -> None:
        self.setDate(QDate(value.year, value.month, value.day) if value else self._UNSET)
        self._show_clear_action()


def file_error_text(exc: OSError) -> str:
    """Why a file could not be saved, in words a user can act on (not ``[Errno 13] ...``)."""
    if isinstance(exc, PermissionError):
        return (
            "QI Desk may not write there (permission denied). If the file is open in another "
            "program, close it there; otherwise choose another folder."
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "The disk is full. Free some space or choose another drive."
    if isinstance(exc, FileNotFoundError):
        return "The folder does not exist any more. Choose another one."
    if exc.errno == errno.EROFS:
        return "That drive is read-only. Choose another folder."
    return f"{exc.strerror or exc}."


def format_date(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def local_time(moment: datetime) -> str:
    """A stored (UTC) time in this computer's time zone: ``26 Nov 2026, 09:30``."""
    local = moment.replace(tzinfo=UTC).astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


#: Okabe–Ito orange, faint, behind values that differ between versions (Conflicts, History).
DIFFERS_COLOUR = QColor(230, 159, 0, 70)


def read_only_table(
    model: QAbstractItemModel,
    accessible_name: str,
    *,
    sortable: bool = True,
    stretch: Iterable[int] = (),
    fit: Iterable[int] = (),
) -> QTableView:
    """A table of whole rows, one selectable at a time, never edited in place; alternating
    colours, no row numbers. ``sortable``: a header click sorts (no column sorted at first).
    Columns in ``stretch`` share the spare width; those in ``fit`` fit their contents."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # Tab moves to the next control, not the next cell
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    if sortable:
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)  # click a header to sort
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    for column in fit:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return view


def button_row(left: Iterable[QWidget] = (), right: Iterable[QWidget] = ()) -> QHBoxLayout:
    """A row of buttons: ``left`` ones, then a stretch, then ``right`` ones."""
    row = QHBoxLayout()
    for widget in left:
        row.addWidget(widget)
    row.addStretch(1)
    for widget in right:
        row.addWidget(widget)
    return row


def selected_row[RowT](view: QTableView, model: RowsTableModel[RowT]) -> RowT | None:
    """The row (DTO) of ``model`` selected in ``view``, or None."""
    rows = view.selectionModel().selectedRows()
    return model.row_at(rows[0].row()) if rows else None


def firm_splitter(
    orientation: Qt.Orientation, widgets: Iterable[QWidget], stretch: Iterable[int] = ()
) -> QSplitter:
    """A splitter holding ``widgets``, none of which can be collapsed away; ``stretch`` gives
    their stretch factors in order (none given: Qt's default)."""
    splitter = QSplitter(orientation)
    for widget in widgets:
        splitter.addWidget(widget)
    for index, factor in enumerate(stretch):
        splitter.setStretchFactor(index, factor)
    splitter.setChildrenCollapsible(False)
    return splitter
