"""The coaches page: the coaching network and, for the selected coach, the teams they support."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.coach_service import CoachInfo
from qidesk.services.reference_service import COACH_ROLE_LABELS
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.coach_dialog import CoachDialog
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    EmptyState,
    bold_label,
    button_row,
    format_date,
    muted_label,
    read_only_table,
    selected_row,
)


class CoachesTableModel(RowsTableModel[CoachInfo]):
    NAME, ROLE, IIP, ACTIVE, TEAMS = range(5)
    HEADERS = ("Name", "Role", "IiP accredited", "Active", "Teams")

    def display(self, row: CoachInfo, column: int) -> str:
        if column == self.NAME:
            return row.name
        if column == self.ROLE:
            return COACH_ROLE_LABELS.get(row.role, row.role)
        if column == self.IIP:
            return format_date(row.iip_accredited_on) or "Not yet"
        if column == self.ACTIVE:
            return "Yes" if row.active else "No"
        lead = sum(not t.as_buddy for t in row.teams)
        buddy = len(row.teams) - lead
        if buddy and lead:
            return f"{lead} + {buddy} as buddy"
        return f"{buddy} as buddy" if buddy else str(lead)

    def sort_key(self, row: CoachInfo, column: int) -> Any:
        if column == self.IIP:
            return (row.iip_accredited_on is None, row.iip_accredited_on or 0)
        if column == self.TEAMS:
            return len(row.teams)
        return super().sort_key(row, column)

    def foreground(self, row: CoachInfo, column: int) -> Any:
        return None if row.active else QColor("#888888")


class CoachesPage(Page):
    NEW_LABEL = "New coach…"

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout, _title, self.subtitle = page_header(self, "Coaches")
        self.add_button = QPushButton("Add coach…")
        self.add_button.setToolTip("Add a coach (Ctrl+N)")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Earlier versions of the selected coach")
        self.history_button.clicked.connect(self.coach_history)
        self.add_button.clicked.connect(self.new_item)
        self.edit_button.clicked.connect(self.edit_coach)
        self.delete_button.clicked.connect(self.delete_item)
        layout.addLayout(
            button_row(
                [self.add_button], [self.edit_button, self.history_button, self.delete_button]
            )
        )
        layout.addSpacing(4)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = CoachesTableModel(self)
        self.table = read_only_table(
            self.model,
            "Coaches",
            # The name never gives way (it did, to "Amira Ho…" in a 1024 px window); the role
            # takes the spare width.
            stretch=(CoachesTableModel.ROLE,),
            fit=(
                CoachesTableModel.IIP,
                CoachesTableModel.ACTIVE,
                CoachesTableModel.TEAMS,
            ),
        )
        self.table.doubleClicked.connect(lambda _index: self.edit_coach())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        splitter.addWidget(self.table)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        side_layout.setSpacing(4)
        self.teams_heading = bold_label("Teams")
        side_layout.addWidget(self.teams_heading)
        self.teams_list = QListWidget()
        self.teams_list.setAccessibleName("Teams of the selected coach")
        self.teams_list.setWordWrap(True)  # long team names and the hint wrap, not scroll
        self.teams_list.setAlternatingRowColors(True)  # where one two-line entry ends
        self.teams_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.teams_list.itemActivated.connect(self._open_team)
        side_layout.addWidget(self.teams_list, 1)
        hint = muted_label(self)
        hint.setText("Double-click a team to open it.")
        side_layout.addWidget(hint)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 300])  # most of the width to the table
        layout.addWidget(splitter, 1)
        self.empty = EmptyState(
            "No coaches yet. Add the coaches, buddy coaches and improvement advisors (Ctrl+N)."
        )
        layout.addWidget(self.empty, 1)
        self.splitter = splitter
        self._selection_changed()

    def refresh(self) -> None:
        selected = self.selected_coach()
        coaches = self.context.services.coaches.list_coaches()
        self.model.set_rows(coaches)
        # As wide as the longest name (measured here: fitting the column to its contents
        # reads every row at each layout, slow with a lead's 400 coaches).
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(c.name) for c in coaches), default=80)
        self.table.setColumnWidth(CoachesTableModel.NAME, widest + 16)
        active = sum(c.active for c in coaches)
        self.subtitle.setText(f"{len(coaches)} in the network, {active} active")
        self.splitter.setVisible(bool(coaches))
        self.empty.setVisible(not coaches)
        row = 0
        if selected is not None:
            row = next((i for i, c in enumerate(coaches) if c.uuid == selected.uuid), 0)
        if coaches:
            self.table.selectRow(row)
        self._selection_changed()

    def selected_coach(self) -> CoachInfo | None:
        return selected_row(self.table, self.model)

    def _selection_changed(self) -> None:
        coach = self.selected_coach()
        self.edit_button.setEnabled(coach is not None)
        self.delete_button.setEnabled(coach is not None)
        self.history_button.setEnabled(coach is not None)
        self.teams_list.clear()
        if coach is None:
            self.teams_heading.setText("Teams")
            return
        self.teams_heading.setText(f"Teams {coach.name} supports")
        for team in coach.teams:
            suffix = " (buddy coach)" if team.as_buddy else ""
            item = QListWidgetItem(f"{team.name}{suffix}\n{team.cohort_name}")
            item.setData(Qt.ItemDataRole.UserRole, team.uuid)
            self.teams_list.addItem(item)
        if not coach.teams:
            item = QListWidgetItem("No teams yet: choose this coach on a team's Overview.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.teams_list.addItem(item)

    def _open_team(self, item: QListWidgetItem) -> None:
        uuid = item.data(Qt.ItemDataRole.UserRole)
        if uuid:
            self.context.open_team_requested.emit(uuid)

    def new_item(self) -> None:
        dialog = CoachDialog(
            self.context, lambda values: self.context.services.coaches.create(**values), parent=self
        )
        if dialog.exec():
            self.context.notify_saved(structure=True)
            self.refresh()
            self._select(dialog.saved_value.uuid)

    def _select(self, uuid: str) -> None:
        for row, coach in enumerate(self.model.rows()):
            if coach.uuid == uuid:
                self.table.selectRow(row)

    def edit_coach(self) -> None:
        coach = self.selected_coach()
        if coach is None:
            return
        dialog = CoachDialog(
            self.context,
            lambda values: self.context.services.coaches.update(coach.uuid, **values),
            coach=coach,
            parent=self,
        )
        if dialog.exec():
            self.context.notify_saved(structure=True)
            self.refresh()

    def coach_history(self) -> None:
        coach = self.selected_coach()
        from qidesk.ui.dialogs.history_dialog import show_history  # loaded when used

        if coach is not None and show_history(self.context, "Coach", coach.uuid, self):
            self.refresh()

    def delete_item(self) -> None:
        coach = self.selected_coach()
        if coach is None:
            return
        led = sum(not t.as_buddy for t in coach.teams)
        buddied = len(coach.teams) - led
        losses = [
            f"{n} team{'s' if n != 1 else ''} will show no {what}"
            for n, what in ((led, "coach"), (buddied, "buddy coach"))
            if n
        ]
        consequence = (
            " and ".join(losses) + " until you restore the coach or choose another."
            if losses
            else ""
        )
        if not self.context.confirm_delete(self, f"the coach “{coach.name}”", consequence):
            return
        if self.context.attempt(self, lambda: self.context.services.coaches.delete(coach.uuid)):
            self.context.notify_deleted("Coach", coach.uuid, coach.name)
            self.refresh()
