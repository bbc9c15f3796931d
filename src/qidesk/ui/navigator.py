"""The navigator on the left: a filter box, cohorts with their teams, and fixed entries below."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QKeySequence,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.reference_service import COHORT_STATUS_LABELS, TEAM_STATUS_LABELS
from qidesk.services.team_service import NavigatorCohort
from qidesk.ui.context import UiContext
from qidesk.ui.widgets import EmptyState, format_date, muted_colour, status_colour

#: Item data roles of the tree.
KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "cohort" or "team"
UUID_ROLE = Qt.ItemDataRole.UserRole + 2
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3  # second line: coach or team count
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4
KEY_ROLE = Qt.ItemDataRole.UserRole + 5  # fixed entries


@dataclass(frozen=True)
class Selection:
    """What the navigator has selected: ("cohort"|"team"|"fixed", uuid or key)."""

    kind: str
    key: str


class NavigatorDelegate(QStyledItemDelegate):
    """Draws a team as its name over its coach, with a status mark; a cohort in bold."""

    PADDING = 4

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = option.fontMetrics
        lines = 2 if index.data(DETAIL_ROLE) else 1
        return QSize(200, metrics.height() * lines + 2 * self.PADDING + (lines - 1) * 2)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        text, opt.text = opt.text, ""
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        main_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        detail_colour = main_colour if selected else muted_colour(widget) if widget else main_colour
        rect = opt.rect.adjusted(self.PADDING, self.PADDING, -self.PADDING, -self.PADDING)
        metrics = opt.fontMetrics
        painter.save()
        is_team = index.data(KIND_ROLE) == "team"
        font = QFont(opt.font)
        if not is_team:
            font.setBold(True)
        status = index.data(STATUS_ROLE) or ""
        dot = 8
        mark_rect = QRect(rect.left(), rect.top() + (metrics.height() - dot) // 2, dot, dot)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = status_colour(status)
        if status == "withdrawn":
            painter.setPen(colour)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(mark_rect.adjusted(1, 1, -1, -1))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(mark_rect)
        text_left = rect.left() + dot + 8
        painter.setFont(font)
        painter.setPen(main_colour)
        line = QRect(text_left, rect.top(), rect.right() - text_left, metrics.height())
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, line.width())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        detail = index.data(DETAIL_ROLE)
        if detail:
            small = QFont(opt.font)
            small.setPointSizeF(max(7.0, opt.font.pointSizeF() - 1))
            painter.setFont(small)
            painter.setPen(detail_colour)
            line2 = line.translated(0, metrics.height() + 2)
            elided = painter.fontMetrics().elidedText(
                detail, Qt.TextElideMode.ElideRight, line2.width()
            )
            painter.drawText(
                line2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
            )
        painter.restore()


class Navigator(QWidget):
    """Filter box, tree of cohorts and teams, fixed entries. Emits ``selection_changed``."""

    selection_changed = Signal(object)  # Selection | None
    fixed_key_role = KEY_ROLE

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self._collapsed: set[str] = set()
        self._current: Selection | None = None
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.setSpacing(8)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by team, service or coach  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter teams")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(120)
        self._filter_timer.timeout.connect(self.reload)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        clear = QAction("Clear the filter", self.filter_edit)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self.filter_edit.clear)
        self.filter_edit.addAction(clear)
        layout.addWidget(self.filter_edit)

        self.model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setItemDelegate(NavigatorDelegate(self.tree))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(False)
        self.tree.setIndentation(14)
        self.tree.setAccessibleName("Cohorts and teams")
        # Selection, not the current index, opens a page: an item view given the focus by Tab
        # makes its first row current without selecting it, and that must open nothing.
        self.tree.selectionModel().selectionChanged.connect(self._tree_selection_changed)
        self.tree.collapsed.connect(lambda index: self._collapsed.add(index.data(UUID_ROLE)))
        self.tree.expanded.connect(lambda index: self._collapsed.discard(index.data(UUID_ROLE)))
        layout.addWidget(self.tree, 1)
        self.empty = EmptyState()
        self.empty.hide()
        layout.addWidget(self.empty, 1)

        self.fixed = QListWidget()
        self.fixed.setAccessibleName("Other pages")
        self.fixed.setFrameShape(QListWidget.Shape.NoFrame)
        self.fixed.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fixed.setStyleSheet(
            "QListWidget { background: transparent; }"
            " QListWidget::item { padding: 5px 6px; border-radius: 3px; }"
            " QListWidget::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        self.fixed.itemSelectionChanged.connect(self._fixed_selection_changed)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(rule)
        layout.addWidget(self.fixed)
        self.filter_edit.returnPressed.connect(self._focus_first_match)

    # fixed entries -------------------------------------------------------------------------
    def set_fixed_entries(self, entries: list[tuple[str, str]]) -> None:
        """(key, title) of the fixed entries below the tree, in order."""
        self._updating = True
        self.fixed.clear()
        for key, title in entries:
            item = QListWidgetItem(title)
            item.setData(KEY_ROLE, key)
            self.fixed.addItem(item)
        self._updating = False
        row_height = self.fixed.sizeHintForRow(0) if entries else 0
        self.fixed.setFixedHeight(row_height * len(entries) + 4)
        if self._current and self._current.kind == "fixed":
            self._select_fixed(self._current.key)

    def set_fixed_title(self, key: str, title: str) -> None:
        for row in range(self.fixed.count()):
            item = self.fixed.item(row)
            if item.data(KEY_ROLE) == key:
                item.setText(title)

    # tree ----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the tree from the database, keeping the selection where possible."""
        filter_text = self.filter_edit.text()
        cohorts = self.context.services.teams.navigator(filter_text)
        self._fill(cohorts, bool(filter_text.strip()))
        if not cohorts:
            self.empty.setText(
                f"No team matches “{filter_text.strip()}”."
                if filter_text.strip()
                else "No cohorts yet."
            )
        self.empty.setVisible(not cohorts)
        self.tree.setVisible(bool(cohorts))

    def _fill(self, cohorts: list[NavigatorCohort], filtering: bool) -> None:
        self._updating = True
        try:
            self.model.clear()
            root = self.model.invisibleRootItem()
            names = Counter(c.name for c in cohorts)
            for cohort in cohorts:
                item = QStandardItem(cohort.name)
                item.setData("cohort", KIND_ROLE)
                item.setData(cohort.uuid, UUID_ROLE)
                item.setData(cohort.status, STATUS_ROLE)
                n, total = len(cohort.teams), max(cohort.team_count, len(cohort.teams))
                status = COHORT_STATUS_LABELS.get(cohort.status, cohort.status)
                count = f"{n} of {total}" if n != total else f"{n}"
                detail = f"{status} · {count} team{'s' if total != 1 else ''}"
                if names[cohort.name] > 1:  # two cohorts of one name: tell them apart
                    start = format_date(cohort.start_date) or "no start date"
                    detail = f"from {start} · {detail}"
                item.setData(detail, DETAIL_ROLE)
                item.setToolTip(f"{cohort.name}: {status}")
                for team in cohort.teams:
                    child = QStandardItem(team.name)
                    child.setData("team", KIND_ROLE)
                    child.setData(team.uuid, UUID_ROLE)
                    child.setData(team.status, STATUS_ROLE)
                    child.setData(team.coach_name or "No coach", DETAIL_ROLE)
                    child.setToolTip(
                        f"{team.name}\n{team.service or 'No service'} · "
                        f"{TEAM_STATUS_LABELS.get(team.status, team.status)}\n"
                        f"Coach: {team.coach_name or 'none'}"
                    )
                    item.appendRow(child)
                root.appendRow(item)
                if filtering or cohort.uuid not in self._collapsed:
                    self.tree.expand(item.index())
            lost = False
            if self._current and self._current.kind in ("cohort", "team"):
                index = self._find(self._current)
                if index.isValid():
                    self.tree.setCurrentIndex(index)
                    self.tree.scrollTo(index)
                else:
                    lost = not filtering
        finally:
            self._updating = False
        if lost:  # deleted: let the window choose what to show instead
            self._current = None
            self.selection_changed.emit(None)

    def _find(self, selection: Selection) -> QModelIndex:
        matches = self.model.match(
            self.model.index(0, 0),
            UUID_ROLE,
            selection.key,
            1,
            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
        )
        return matches[0] if matches else QModelIndex()

    def first_team_index(self) -> QModelIndex:
        for row in range(self.model.rowCount()):
            cohort = self.model.index(row, 0)
            if self.model.rowCount(cohort):
                return self.model.index(0, 0, cohort)
        return QModelIndex()

    def _focus_first_match(self) -> None:
        self._filter_timer.stop()
        self.reload()
        index = self.first_team_index()
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.setFocus()

    # selection ------------------------------------------------------------------------------
    def current(self) -> Selection | None:
        return self._current

    def select(self, selection: Selection) -> None:
        """Select a cohort, team or fixed entry as if the user clicked it."""
        if selection.kind == "fixed":
            self._select_fixed(selection.key)
            return
        index = self._find(selection)
        if not index.isValid() and self.filter_edit.text():
            self.filter_edit.clear()
            self._filter_timer.stop()
            self.reload()
            index = self._find(selection)
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)
        else:
            self._set_current(selection)

    def _select_fixed(self, key: str) -> None:
        for row in range(self.fixed.count()):
            if self.fixed.item(row).data(KEY_ROLE) == key:
                self.fixed.setCurrentRow(row)
                return

    def _tree_selection_changed(self, *_args: object) -> None:
        if self._updating:
            return
        selected = self.tree.selectionModel().selectedIndexes()
        if not selected:
            return
        current = selected[0]
        self._updating = True
        self.fixed.setCurrentRow(-1)
        self._updating = False
        self._set_current(Selection(current.data(KIND_ROLE), current.data(UUID_ROLE)))

    def _fixed_selection_changed(self) -> None:
        if self._updating:
            return
        selected = self.fixed.selectedItems()
        if not selected:
            return
        current = selected[0]
        self._updating = True
        self.tree.setCurrentIndex(QModelIndex())
        self.tree.clearSelection()
        self._updating = False
        self._set_current(Selection("fixed", current.data(KEY_ROLE)))

    def _set_current(self, selection: Selection) -> None:
        if selection != self._current:
            self._current = selection
            self.selection_changed.emit(selection)
