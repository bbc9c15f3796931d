"""The team page's PDSA tab: the timeline above, the cycle list and change ideas, the editor."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.pdsa_rules import DECISION_LABELS, STATUS_LABELS
from qidesk.core.timeline_layout import DECISION_COLOURS, cycle_tooltip
from qidesk.services.base import ServiceError
from qidesk.services.pdsa_service import (
    CHANGE_IDEA_STATUSES,
    NO_IDEA_LANE,
    ChangeIdeaInfo,
    CycleInfo,
    TeamPdsa,
)
from qidesk.ui.charts.timeline_chart import TimelineChart, picture_name
from qidesk.ui.pages.pdsa_editor import PdsaEditor
from qidesk.ui.pages.tabs import services_and_context
from qidesk.ui.table_model import Index, RowsTableModel
from qidesk.ui.widgets import CommitTextEdit, EmptyState, button_row, format_date

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALL = "__all__"
IDEA_STATUS_LABELS = {
    "proposed": "Proposed",
    "testing": "Testing",
    "adopted": "Adopted",
    "abandoned": "Abandoned",
}


class CyclesModel(RowsTableModel[CycleInfo]):
    """The team's cycles: the numbers behind the timeline."""

    NUMBER, TITLE, IDEA, PLANNED_START, PLANNED_END, ACTUAL_START, ACTUAL_END, DECISION, STATUS = (
        range(9)
    )
    HEADERS = (
        "No.",
        "Cycle",
        "Change idea",
        "Planned start",
        "Planned end",
        "Actual start",
        "Actual end",
        "Decision",
        "Status",
    )

    def display(self, row: CycleInfo, column: int) -> str:
        return str(
            {
                self.NUMBER: row.cycle_number,
                self.TITLE: row.title,
                self.IDEA: row.change_idea_title or "—",
                self.PLANNED_START: format_date(row.planned_start),
                self.PLANNED_END: format_date(row.planned_end),
                self.ACTUAL_START: format_date(row.actual_start),
                self.ACTUAL_END: format_date(row.actual_end)
                or ("running" if row.actual_start else ""),
                self.DECISION: DECISION_LABELS.get(row.act_decision, ""),
                self.STATUS: STATUS_LABELS.get(row.status, row.status),
            }[column]
        )

    def tooltip(self, row: CycleInfo, column: int) -> str | None:
        return cycle_tooltip(
            row.timeline_cycle(row.change_idea_uuid or NO_IDEA_LANE, row.change_idea_title)
        )

    def decoration(self, row: CycleInfo, column: int) -> Any:
        if column == self.DECISION:
            return QColor(DECISION_COLOURS.get(row.act_decision, DECISION_COLOURS[None]))
        return None

    def sort_key(self, row: CycleInfo, column: int) -> Any:
        far = date.max.isoformat()
        if column == self.NUMBER:
            return row.cycle_number
        dates = {
            self.PLANNED_START: row.planned_start,
            self.PLANNED_END: row.planned_end,
            self.ACTUAL_START: row.actual_start,
            self.ACTUAL_END: row.actual_end,
        }
        if column in dates:
            value = dates[column]
            return value.isoformat() if value else far
        return self.display(row, column).lower()

    def data(self, index: Index, role: int = 0) -> Any:
        if role == SORT_ROLE:
            row = self.row_at(index.row())
            return self.sort_key(row, index.column()) if row is not None else None
        return super().data(index, role)

    def replace(self, info: CycleInfo) -> int:
        """Put a changed cycle in its row; its row number (or -1 when it is not listed)."""
        for r, row in enumerate(self._rows):
            if row.uuid == info.uuid:
                self._rows[r] = info
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.HEADERS) - 1))
                return r
        return -1


class CycleFilter(QSortFilterProxyModel):
    """Filters the cycle list by change idea and status; sorts by each column's natural key."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.idea: str | None = ALL  # ALL, a change idea uuid, or NO_IDEA_LANE
        self.status = ALL
        self.setSortRole(SORT_ROLE)

    def set_filter(self, idea: str | None, status: str) -> None:
        self.beginFilterChange()
        self.idea, self.status = idea, status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CyclesModel)
        row = model.row_at(source_row)
        if row is None:
            return False
        if self.idea != ALL and (row.change_idea_uuid or NO_IDEA_LANE) != self.idea:
            return False
        return self.status == ALL or row.status == self.status


class ChangeIdeasPanel(QWidget):
    """The team's change ideas: a list, and a form that saves as you type (focus out)."""

    def __init__(self, tab: TeamPdsaTab):
        super().__init__()
        self.tab = tab
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Change ideas")
        self.list.currentItemChanged.connect(lambda *_: self._show_current())
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add change idea")
        self.add_button.clicked.connect(self.add_idea)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_idea)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        left.addLayout(buttons)
        layout.addLayout(left, 2)
        form_box = QWidget()
        form = QFormLayout(form_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(8)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Change idea title")
        self.title_edit.editingFinished.connect(self._save)
        form.addRow("Title", self.title_edit)
        self.description_edit = CommitTextEdit(lines=3)
        self.description_edit.committed.connect(self._save)
        form.addRow("Description", self.description_edit)
        self.primary_edit = QLineEdit()
        self.primary_edit.setPlaceholderText("Optional: from the driver diagram")
        self.primary_edit.editingFinished.connect(self._save)
        form.addRow("Primary driver", self.primary_edit)
        self.secondary_edit = QLineEdit()
        self.secondary_edit.setPlaceholderText("Optional")
        self.secondary_edit.editingFinished.connect(self._save)
        form.addRow("Secondary driver", self.secondary_edit)
        self.status_combo = QComboBox()
        for status in CHANGE_IDEA_STATUSES:
            self.status_combo.addItem(IDEA_STATUS_LABELS[status], status)
        self.status_combo.activated.connect(lambda _i: self._save())
        form.addRow("Status", self.status_combo)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        layout.addWidget(form_box, 3)
        self._loading = False

    def set_ideas(self, ideas: tuple[ChangeIdeaInfo, ...], keep: str | None = None) -> None:
        self._loading = True
        current = keep or (self.current().uuid if self.current() else None)
        self.list.clear()
        for idea in ideas:
            plural = "s" if idea.cycle_count != 1 else ""
            item = QListWidgetItem(f"{idea.title}  ({idea.cycle_count} cycle{plural})")
            item.setData(Qt.ItemDataRole.UserRole, idea)
            self.list.addItem(item)
            if idea.uuid == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._loading = False
        self._show_current()

    def current(self) -> ChangeIdeaInfo | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_current(self) -> None:
        if self._loading:
            return
        idea = self.current()
        self._loading = True
        for w in (self.title_edit, self.description_edit, self.primary_edit, self.secondary_edit):
            w.setEnabled(idea is not None)
        self.status_combo.setEnabled(idea is not None)
        self.delete_button.setEnabled(idea is not None)
        self.title_edit.setText(idea.title if idea else "")
        self.description_edit.setText(idea.description if idea else "")
        self.primary_edit.setText(idea.primary_driver if idea else "")
        self.secondary_edit.setText(idea.secondary_driver if idea else "")
        self.status_combo.setCurrentIndex(
            max(0, self.status_combo.findData(idea.status if idea else "testing"))
        )
        self.message.clear()
        self._loading = False

    def _save(self) -> None:
        idea = self.current()
        if self._loading or idea is None:
            return
        changes = {
            "title": self.title_edit.text(),
            "description": self.description_edit.text(),
            "primary_driver": self.primary_edit.text().strip(),
            "secondary_driver": self.secondary_edit.text().strip(),
            "status": self.status_combo.currentData(),
        }
        old = {
            "title": idea.title,
            "description": idea.description,
            "primary_driver": idea.primary_driver,
            "secondary_driver": idea.secondary_driver,
            "status": idea.status,
        }
        changes = {k: v for k, v in changes.items() if v != old[k]}
        if not changes:
            return
        try:
            self.tab.services.pdsa.update_change_idea(idea.uuid, changes)
        except ServiceError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.tab.reload(keep_idea=idea.uuid)
        self.message.setText("Saved")  # after the reload, which clears the message
        self.tab.notify_saved()

    def add_idea(self) -> None:
        if self.tab.team_uuid is None:
            return
        n = self.list.count() + 1
        try:
            idea = self.tab.services.pdsa.create_change_idea(
                self.tab.team_uuid, f"New change idea {n}"
            )
        except ServiceError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.tab.reload(keep_idea=idea.uuid)
        self.tab.notify_saved()
        self.title_edit.setFocus()
        self.title_edit.selectAll()

    def delete_idea(self) -> None:
        idea = self.current()
        if idea is None:
            return
        context = self.tab.context
        if context is not None and not context.confirm_delete(
            self, f"the change idea “{idea.title}”"
        ):
            return
        try:
            self.tab.services.pdsa.delete_change_idea(idea.uuid)
        except ServiceError as exc:
            self.message.setText(f"⚠ {exc}")
            return
        self.tab.reload()
        if context is not None:  # the status bar offers Undo
            context.notify_deleted("ChangeIdea", idea.uuid, idea.title)


class TeamPdsaTab(QWidget):
    """PDSA tab of a team: timeline, cycle list (sortable, filtered), change ideas, editor."""

    #: What Ctrl+N makes on this tab (the window's New action shows it).
    NEW_LABEL = "New PDSA cycle"

    def __init__(self, services: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.context = services_and_context(services)
        self.team_uuid: str | None = None
        self.data: TeamPdsa | None = None
        self._today: date = date.today()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(8)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.timeline = TimelineChart(title="PDSA timeline: one lane per change idea")
        self.timeline.cycle_clicked.connect(self.open_cycle)
        self.splitter.addWidget(self.timeline)

        lower = QSplitter(Qt.Orientation.Horizontal)
        self.left_tabs = QTabWidget()
        self.left_tabs.setDocumentMode(True)
        cycles_page = QWidget()
        cycles_layout = QVBoxLayout(cycles_page)
        cycles_layout.setContentsMargins(0, 4, 0, 0)
        cycles_layout.setSpacing(4)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(QLabel("Change idea"))
        self.idea_filter = QComboBox()
        self.idea_filter.setAccessibleName("Filter by change idea")
        self.idea_filter.setMinimumContentsLength(14)
        self.idea_filter.currentIndexChanged.connect(self._apply_filter)
        filters.addWidget(self.idea_filter, 1)
        filters.addWidget(QLabel("Status"))
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItem("All", ALL)
        for status, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, status)
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        filters.addWidget(self.status_filter)
        cycles_layout.addLayout(filters)
        self.model = CyclesModel(self)
        self.proxy = CycleFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # read-only: Tab leaves the table
        self.table.setAccessibleName("PDSA cycles")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CyclesModel.PLANNED_START, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            CyclesModel.TITLE, QHeaderView.ResizeMode.Interactive
        )
        self.table.setColumnWidth(CyclesModel.TITLE, 200)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        cycles_layout.addWidget(self.table, 1)
        self.empty = EmptyState(
            "No cycles yet. Add a change idea under Change ideas, then press New cycle."
        )
        cycles_layout.addWidget(self.empty)
        self.new_button = QPushButton("New cycle")
        self.new_button.setToolTip("Start a new cycle (Ctrl+N)")
        self.new_button.clicked.connect(self.new_cycle)
        self.next_button = QPushButton("Next cycle")
        self.next_button.setToolTip("The following cycle of the selected cycle's ramp")
        self.next_button.clicked.connect(lambda: self.editor.create_next_cycle())
        cycles_layout.addLayout(button_row([self.new_button, self.next_button]))
        self.left_tabs.addTab(cycles_page, "Cycles")
        self.ideas_panel = ChangeIdeasPanel(self)
        self.left_tabs.addTab(self.ideas_panel, "Change ideas")
        lower.addWidget(self.left_tabs)

        self.editor = PdsaEditor(self.services, self.context)
        self.editor.saved.connect(self._cycle_saved)
        self.editor.unsaved_dropped.connect(self._unsaved_dropped)
        self.editor.cycle_created.connect(self._cycle_created)
        # "Next cycle" under the list follows the selected cycle (none: nothing to follow).
        self.editor.cycle_shown.connect(lambda c: self.next_button.setEnabled(c is not None))
        self.next_button.setEnabled(False)
        self.editor.cycle_deleted.connect(lambda _uuid: self.reload())
        lower.addWidget(self.editor)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        lower.setSizes([520, 640])
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 380])
        outer.addWidget(self.splitter)

    @property
    def today(self) -> date:
        return self._today

    @today.setter
    def today(self, value: date) -> None:
        self._today = value
        self.editor.today = value

    def notify_saved(self) -> None:
        if self.context is not None:
            self.context.notify_saved()

    # --- loading ----------------------------------------------------------------------------

    def show_team(self, team_uuid: str) -> None:
        """Show a team's cycles, with its latest started cycle open in the editor; the same
        team shown again (its data changed elsewhere) keeps the cycle that was open."""
        if team_uuid == self.team_uuid and self.editor.cycle is not None:
            self.reload()
            if self.editor.cycle is not None:
                return
        self.team_uuid = team_uuid
        self.editor.load(None)
        self.reload()
        if self.data is not None and self.data.cycles and self.editor.cycle is None:
            latest = max(
                self.data.cycles,
                key=lambda c: (c.actual_start or c.planned_start or date.min, c.cycle_number),
            )
            self.open_cycle(latest.uuid)

    def reload(self, select: str | None = None, keep_idea: str | None = None) -> None:
        """Re-read the team's ideas and cycles; keep (or choose) the selected cycle."""
        if self.team_uuid is None:
            return
        selected = select or (self.editor.cycle.uuid if self.editor.cycle else None)
        try:
            self.data = self.services.pdsa.team_pdsa(self.team_uuid)
        except ServiceError as exc:
            self.data = None
            self.empty.setText(str(exc))
            return
        data = self.data
        self.timeline.export_name = picture_name(data.team_name, "PDSA timeline")
        self.timeline.set_data(
            data.lanes(),
            data.timeline_cycles(),
            self.today,
            keep_view=select is not None,
            empty_message=(
                "No cycles with dates yet: add a new cycle and give it planned dates."
                if data.ideas
                else "No change ideas yet: add one under Change ideas, then a new cycle."
            ),
        )
        self.model.set_rows(data.cycles)
        self._fill_idea_filter(data)
        self.ideas_panel.set_ideas(data.ideas, keep=keep_idea)
        self.empty.setVisible(not data.cycles)
        self.table.setVisible(bool(data.cycles))
        uuids = {c.uuid for c in data.cycles}
        if selected in uuids:
            # Re-reading keeps the user where they are (say, typing in a change idea's form).
            self.open_cycle(selected, show_list=False)
        else:
            self.editor.load(None, data.ideas)
            self.timeline.select_cycle(None)

    def _fill_idea_filter(self, data: TeamPdsa) -> None:
        current = self.idea_filter.currentData()
        self.idea_filter.blockSignals(True)
        self.idea_filter.clear()
        self.idea_filter.addItem("All", ALL)
        for idea in data.ideas:
            self.idea_filter.addItem(idea.title, idea.uuid)
        self.idea_filter.addItem("No change idea", NO_IDEA_LANE)
        index = self.idea_filter.findData(current)
        self.idea_filter.setCurrentIndex(max(index, 0))
        self.idea_filter.blockSignals(False)
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.idea_filter.currentData(), self.status_filter.currentData())

    # --- selection --------------------------------------------------------------------------

    def open_cycle(self, uuid: str, *, show_list: bool = True) -> None:
        """Show a cycle in the editor, select its row and outline its bar (a bar click);
        ``show_list`` also brings the list of cycles to the front."""
        if self.data is None:
            return
        cycle = next((c for c in self.model.rows() if c.uuid == uuid), None)
        if cycle is None:
            return
        if show_list:
            self.left_tabs.setCurrentIndex(0)
        row = self._proxy_row(uuid)
        if row < 0:  # hidden by a filter: clear the filters so the row shows
            self.idea_filter.setCurrentIndex(0)
            self.status_filter.setCurrentIndex(0)
            row = self._proxy_row(uuid)
        if self.editor.cycle is None or self.editor.cycle.uuid != uuid:
            self.editor.load(cycle, self.data.ideas)
        else:  # the same cycle, re-read: its change ideas may have been renamed
            self.editor.refresh_ideas(cycle, self.data.ideas)
        self.timeline.select_cycle(uuid)
        if row >= 0:
            self.table.selectionModel().blockSignals(True)
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.proxy.index(row, 0))
            self.table.selectionModel().blockSignals(False)
            self.table.scrollTo(self.proxy.index(row, 0))

    def _proxy_row(self, uuid: str) -> int:
        for r in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(r, 0))
            row = self.model.row_at(source.row())
            if row is not None and row.uuid == uuid:
                return r
        return -1

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        row = self.model.row_at(self.proxy.mapToSource(current).row())
        if row is not None:
            self.open_cycle(row.uuid)

    def selected_uuid(self) -> str | None:
        return self.editor.cycle.uuid if self.editor.cycle else None

    # --- actions ----------------------------------------------------------------------------

    def new_item(self) -> None:
        """Ctrl+N on this tab (when the page passes it on): a new cycle."""
        self.new_cycle()

    def delete_item(self) -> None:
        """Delete on this tab: the change idea selected in its list when that has the focus,
        else the cycle in the editor; after asking."""
        if self.ideas_panel.list.hasFocus() and self.ideas_panel.current() is not None:
            self.ideas_panel.delete_idea()
            return
        self.editor.delete_cycle()

    def new_cycle(self) -> CycleInfo | None:
        if self.team_uuid is None:
            return None
        idea = self.idea_filter.currentData()
        if idea in (ALL, NO_IDEA_LANE):
            current = self.editor.cycle
            idea = current.change_idea_uuid if current and idea == ALL else None
        try:
            info = self.services.pdsa.create_cycle(
                self.team_uuid,
                idea,
                "New cycle",
                planned_start=self.today,
                planned_end=date.fromordinal(self.today.toordinal() + 13),
            )
        except ServiceError as exc:
            self.editor._set_status(str(exc), problem=True)
            return None
        self.reload(select=info.uuid)
        self.timeline.ensure_visible(info.uuid)
        self.notify_saved()
        self.editor.title_edit.setFocus()
        self.editor.title_edit.selectAll()
        return info

    def _cycle_created(self, info: CycleInfo) -> None:
        """Next cycle: show it selected, in view."""
        self.reload(select=info.uuid)
        self.timeline.ensure_visible(info.uuid)

    def _unsaved_dropped(self, message: str) -> None:
        if self.context is not None:
            self.context.show_problem(self, message)

    def _cycle_saved(self, info: CycleInfo) -> None:
        """Fast path after an edit: one row and one cycle of the timeline change."""
        assert self.data is not None
        old = next((c for c in self.model.rows() if c.uuid == info.uuid), None)
        if old is None or old.change_idea_uuid != info.change_idea_uuid:
            self.reload(select=info.uuid)
            return
        self.model.replace(info)
        self.timeline.update_cycle(info.timeline_cycle(info.change_idea_uuid or NO_IDEA_LANE))
        cycles = tuple(info if c.uuid == info.uuid else c for c in self.data.cycles)
        self.data = TeamPdsa(self.data.team_uuid, self.data.team_name, self.data.ideas, cycles)
