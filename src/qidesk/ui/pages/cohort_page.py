"""The cohort page: its name, dates, status and notes; its teams; tabs other features add."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qidesk.services.base import ServiceError
from qidesk.services.cohort_service import CohortInfo
from qidesk.services.reference_service import COHORT_STATUS_LABELS, TEAM_STATUS_LABELS
from qidesk.services.team_service import TeamSummary
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.team_dialog import TeamDialog
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.pages.tabs import LazyTabs, TabFactory
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    CommitTextEdit,
    EmptyState,
    OptionalDateEdit,
    button_row,
    format_date,
    read_only_table,
    selected_row,
    status_icon,
)

#: Extra tabs of the cohort page, after Teams: (title, factory). Each tab widget has
#: ``show_cohort(cohort_uuid: str)``; it is built the first time the user opens it.
COHORT_TABS: list[tuple[str, TabFactory]] = [
    ("Capability", "qidesk.ui.pages.cohort_capability_tab:CohortCapabilityTab"),
    ("PDSA timeline", "qidesk.ui.pages.cohort_timeline_tab:CohortTimelineTab"),
    ("Progress", "qidesk.ui.pages.cohort_progress_tab:CohortProgressTab"),
]


class TeamsTableModel(RowsTableModel[TeamSummary]):
    NAME, SERVICE, SITE, COACH, MEMBERS, STATUS = range(6)
    HEADERS = ("Team", "Service", "Site", "Coach", "Members", "Status")

    def display(self, row: TeamSummary, column: int) -> str:
        if column == self.NAME:
            return row.name
        if column == self.SERVICE:
            return row.service
        if column == self.SITE:
            return row.site
        if column == self.COACH:
            return row.coach_name or "No coach"
        if column == self.MEMBERS:
            return str(row.member_count)
        return TEAM_STATUS_LABELS.get(row.status, row.status)

    def decoration(self, row: TeamSummary, column: int) -> Any:
        return status_icon(row.status) if column == self.STATUS else None


class CohortTeamsTab(QWidget):
    """The cohort's teams with their coach, service and status; add, open and remove."""

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.cohort: CohortInfo | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        self.add_button = QPushButton("Add team…")
        self.add_button.setToolTip("Add a team to this cohort (Ctrl+N)")
        self.open_button = QPushButton("Open")
        self.remove_button = QPushButton("Remove team")
        self.add_button.clicked.connect(self.add_team)
        self.open_button.clicked.connect(self.open_team)
        self.remove_button.clicked.connect(self.remove_team)
        layout.addLayout(button_row([self.add_button], [self.open_button, self.remove_button]))
        self.model = TeamsTableModel(self)
        self.table = read_only_table(
            self.model,
            "Teams of the cohort",
            stretch=(TeamsTableModel.NAME, TeamsTableModel.SERVICE, TeamsTableModel.SITE),
            fit=(TeamsTableModel.COACH, TeamsTableModel.MEMBERS, TeamsTableModel.STATUS),
        )
        self.table.doubleClicked.connect(lambda _index: self.open_team())
        self.table.activated.connect(lambda _index: self.open_team())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.empty = EmptyState("No teams in this cohort yet. Add a team (Ctrl+N).")
        layout.addWidget(self.empty, 1)
        self._update_buttons()

    def show_cohort(self, cohort: CohortInfo) -> None:
        self.cohort = cohort
        teams = self.context.services.teams.list_for_cohort(cohort.uuid)
        self.model.set_rows(teams)
        self.table.setVisible(bool(teams))
        self.empty.setVisible(not teams)
        self._update_buttons()

    def selected_team(self) -> TeamSummary | None:
        return selected_row(self.table, self.model)

    def _update_buttons(self) -> None:
        has = self.selected_team() is not None
        self.open_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def add_team(self) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        dialog = TeamDialog(
            self.context,
            cohort.name,
            lambda values: self.context.services.teams.create(cohort.uuid, **values),
            parent=self,
        )
        if dialog.exec():
            self.context.notify_saved(structure=True)
            self.context.open_team_requested.emit(dialog.saved_value.uuid)
            # The team's page is on view now: carry on with its project, not on whatever
            # control took the focus when the Add team button went.
            team_page = getattr(self.window(), "current_page", lambda: None)()
            focus = getattr(team_page, "focus_new_team", None)
            if callable(focus):
                focus()

    def open_team(self) -> None:
        team = self.selected_team()
        if team is not None:
            self.context.open_team_requested.emit(team.uuid)

    def remove_team(self) -> None:
        team = self.selected_team()
        if team is None or self.cohort is None:
            return
        if not self.context.confirm_delete(
            self,
            f"the team “{team.name}”",
            f"Its {team.member_count} members and everything recorded for it go with it.",
        ):
            return
        if self.context.attempt(self, lambda: self.context.services.teams.delete(team.uuid)):
            self.context.notify_deleted("Team", team.uuid, team.name)
            self.show_cohort(self.cohort)


class CohortPage(Page):
    NEW_LABEL = "New team…"

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.cohort: CohortInfo | None = None
        layout, self.title, self.subtitle = page_header(self)
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Every earlier version of this cohort, and getting one back")
        self.history_button.clicked.connect(self.show_cohort_history)
        title_row = QHBoxLayout()
        layout.removeWidget(self.title)
        title_row.addWidget(self.title, 1)
        # A cohort made twice (two coaches each made "Cohort 9"): its teams go into the other.
        self.combine_button = QPushButton("Combine with…")
        self.combine_button.setToolTip(
            "Move this cohort's teams into another cohort and delete this one (for a cohort "
            "that was made twice)"
        )
        self.combine_menu = QMenu(self.combine_button)
        self.combine_menu.aboutToShow.connect(self._fill_combine_menu)
        self.combine_button.setMenu(self.combine_menu)
        title_row.addWidget(self.combine_button, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addWidget(self.history_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.insertLayout(0, title_row)

        details = QGridLayout()
        details.setHorizontalSpacing(12)
        details.setVerticalSpacing(8)
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(lambda: self._save("name", self.name_edit.text()))
        self.status_combo = QComboBox()
        for choice in context.services.reference.vocabularies().cohort_statuses:
            self.status_combo.addItem(choice.label, choice.code)
        self.status_combo.activated.connect(
            lambda _i: self._save("status", self.status_combo.currentData())
        )
        self.start_edit = OptionalDateEdit()
        self.end_edit = OptionalDateEdit()
        self.start_edit.committed.connect(
            lambda: self._save("start_date", self.start_edit.date_value())
        )
        self.end_edit.committed.connect(lambda: self._save("end_date", self.end_edit.date_value()))
        self.notes_edit = CommitTextEdit(lines=2)
        self.notes_edit.setPlaceholderText("Notes about this cohort (teaching days, venues, …)")
        self.notes_edit.committed.connect(lambda: self._save("notes", self.notes_edit.text()))

        def label(text: str, buddy: QWidget) -> QLabel:
            widget = QLabel(text)
            widget.setBuddy(buddy)
            return widget

        details.addWidget(label("&Name", self.name_edit), 0, 0)
        details.addWidget(self.name_edit, 0, 1, 1, 3)
        details.addWidget(label("S&tatus", self.status_combo), 0, 4)
        details.addWidget(self.status_combo, 0, 5)
        details.addWidget(label("&Starts", self.start_edit), 1, 0)
        details.addWidget(self.start_edit, 1, 1)
        details.addWidget(label("&Ends", self.end_edit), 1, 2)
        details.addWidget(self.end_edit, 1, 3)
        details.addWidget(label("N&otes", self.notes_edit), 2, 0)
        details.addWidget(self.notes_edit, 2, 1, 1, 5)
        details.setColumnStretch(1, 1)
        details.setColumnStretch(3, 1)
        details.setColumnStretch(5, 1)
        layout.addLayout(details)
        layout.addSpacing(8)

        self.tabs = LazyTabs(context, "show_cohort", COHORT_TABS)
        self.teams_tab = CohortTeamsTab(context)
        self.tabs.addTab(self.teams_tab, "Teams")
        self.tabs.add_extra_tabs()
        layout.addWidget(self.tabs, 1)
        context.saved.connect(self._after_save)

    def show_cohort(self, cohort_uuid: str) -> None:
        cohort = self.context.call(self, lambda: self.context.services.cohorts.get(cohort_uuid))
        if cohort is None:
            return
        if self.cohort is None or self.cohort.uuid != cohort.uuid:
            self.tabs.forget_shown()
        self._show(cohort)
        self.tabs.set_record(cohort.uuid)

    def _after_save(self) -> None:
        """Something was saved (a team removed on the Teams tab, added, restored): the
        header's team count is read again."""
        if self.cohort is None or not self.isVisible():
            return
        try:
            cohort = self.context.services.cohorts.get(self.cohort.uuid)
        except ServiceError:  # the cohort itself was deleted: the window moves away
            return
        self._show_header(cohort)

    def _show(self, cohort: CohortInfo) -> None:
        self._show_header(cohort)
        self.name_edit.setText(cohort.name)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(cohort.status)))
        for edit, value in ((self.start_edit, cohort.start_date), (self.end_edit, cohort.end_date)):
            edit.blockSignals(True)
            edit.set_date_value(value)
            edit.blockSignals(False)
        self.notes_edit.setText(cohort.notes)
        self.teams_tab.show_cohort(cohort)

    def _show_header(self, cohort: CohortInfo) -> None:
        self.cohort = cohort
        self.title.setText(cohort.name)
        start, end = format_date(cohort.start_date), format_date(cohort.end_date)
        if start and end:
            when = f"{start} – {end}"
        elif start or end:
            when = f"From {start}" if start else f"Until {end}"
        else:
            when = "No dates yet"
        n = cohort.team_count
        self.subtitle.setText(
            f"{when}  ·  {COHORT_STATUS_LABELS.get(cohort.status, cohort.status)}  ·  "
            f"{n} team{'s' if n != 1 else ''}"
        )

    def _save(self, field: str, value: Any) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        current = getattr(cohort, field)
        if isinstance(value, str) and value.strip() == current:
            return
        if not isinstance(value, str) and value == current:
            return
        updated = self.context.call(
            self, lambda: self.context.services.cohorts.update(cohort.uuid, **{field: value})
        )
        if updated is None:
            self._show(cohort)
            return
        self._show(updated)
        self.context.notify_saved(structure=field in ("name", "status", "start_date"))

    def refresh(self) -> None:
        if self.cohort is not None:
            self.tabs.forget_shown()  # every tab re-reads when next shown
            self.show_cohort(self.cohort.uuid)

    def new_item(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.teams_tab.add_team()

    def delete_item(self) -> None:
        if self.teams_tab.table.hasFocus() and self.teams_tab.selected_team():
            self.teams_tab.remove_team()
        else:
            self.delete_cohort()

    def show_cohort_history(self) -> None:
        cohort = self.cohort
        from qidesk.ui.dialogs.history_dialog import show_history  # loaded when used

        if cohort is not None and show_history(self.context, "Cohort", cohort.uuid, self):
            self.refresh()

    def _fill_combine_menu(self) -> None:
        menu = self.combine_menu
        menu.clear()
        cohort = self.cohort
        others = [
            c
            for c in self.context.services.cohorts.list_cohorts()
            if cohort and c.uuid != cohort.uuid
        ]
        names = [c.name for c in others] + ([cohort.name] if cohort else [])
        namesakes = [c for c in others if cohort and c.name == cohort.name]
        if cohort and len(namesakes) > 1:  # a lead's coaches each made it: gather them here
            n = sum(c.team_count for c in namesakes)
            action = menu.addAction(
                f"Gather the {len(namesakes)} other cohorts named “{cohort.name}” into this "
                f"one  ({n} team{'s' if n != 1 else ''})"
            )
            action.triggered.connect(self.gather_namesakes)
            menu.addSeparator()
        for other in others:
            label = other.name
            if names.count(other.name) > 1:
                label += f" · from {format_date(other.start_date) or 'no start date'}"
            n = other.team_count
            action = menu.addAction(f"{label}  ({n} team{'s' if n != 1 else ''})")
            action.triggered.connect(
                lambda _checked=False, uuid=other.uuid, text=label: self.combine_into(uuid, text)
            )
        if not others:
            menu.addAction("No other cohort").setEnabled(False)

    def combine_into(self, target_uuid: str, target_label: str) -> None:
        """Move this cohort's teams into ``target_uuid`` and delete this one (asked first)."""
        cohort = self.cohort
        if cohort is None:
            return
        n = cohort.team_count
        if not self.context.confirm_action(
            self,
            "Combine cohorts",
            f"Move the {n} team{'s' if n != 1 else ''} of “{cohort.name}” into {target_label}, "
            f"and delete “{cohort.name}”?",
            "Everything recorded for the teams goes with them. The emptied cohort can be "
            "restored from Recently deleted, without its teams; a team moves back from the "
            "Cohort choice on its Overview." + self._outside_note([cohort.uuid], target_uuid),
            "Combine",
        ):
            return
        moved = self.context.call(
            self, lambda: self.context.services.cohorts.combine_into(cohort.uuid, target_uuid)
        )
        if moved is None:
            return
        self.cohort = None
        self.context.notify_data_replaced()
        self.context.open_cohort_requested.emit(target_uuid)

    def _outside_note(self, from_cohorts: list[str], target_uuid: str) -> str:
        """What the question adds when teams moving into ``target_uuid`` have progress scores
        outside its months (they stay, marked ⚠ on the Progress tabs); "" when none has."""
        services = self.context.services
        teams = [t.uuid for c in from_cohorts for t in services.teams.list_for_cohort(c)]
        outside = self.context.call(
            self, lambda: self.context.services.progress.months_outside(target_uuid, teams)
        )
        if not outside:
            return ""
        n = len(outside)
        return (
            f"\n\n⚠ {n} of the teams ha{'ve' if n != 1 else 's'} progress scores for months "
            "outside that cohort's months: they are kept, marked ⚠ on the Progress tabs."
        )

    def gather_namesakes(self) -> None:
        """Combine every other cohort of this one's name into this one (asked first)."""
        cohort = self.cohort
        if cohort is None:
            return
        namesakes = [
            c
            for c in self.context.services.cohorts.list_cohorts()
            if c.name == cohort.name and c.uuid != cohort.uuid
        ]
        n = sum(c.team_count for c in namesakes)
        starts = sorted({format_date(c.start_date) or "no start date" for c in namesakes})
        if not self.context.confirm_action(
            self,
            "Combine cohorts",
            f"Move the {n} team{'s' if n != 1 else ''} of the {len(namesakes)} other cohorts "
            f"named “{cohort.name}” into this one, and delete those cohorts?",
            f"Their starts: {', '.join(starts[:3])}{' and more' if len(starts) > 3 else ''}. "
            "Everything recorded for the teams goes with them. The emptied cohorts can be "
            "restored from Recently deleted, without their teams; a team moves back from the "
            "Cohort choice on its Overview."
            + self._outside_note([c.uuid for c in namesakes], cohort.uuid),
            "Combine",
        ):
            return
        done = self.context.call(
            self, lambda: self.context.services.cohorts.combine_namesakes_into(cohort.uuid)
        )
        if done is None:
            return
        self.context.notify_data_replaced()  # the navigator, and this page's team count

    def delete_cohort(self) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        if not self.context.confirm_delete(
            self,
            f"the cohort “{cohort.name}”",
            f"Its {cohort.team_count} teams and their members go with it.",
        ):
            return
        if self.context.attempt(self, lambda: self.context.services.cohorts.delete(cohort.uuid)):
            self.cohort = None
            self.context.notify_deleted("Cohort", cohort.uuid, cohort.name)
