"""The team page: a header naming the team, its Overview tab and the tabs other features add."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from qidesk.services.reference_service import TEAM_STATUS_LABELS
from qidesk.ui.context import UiContext
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.pages.tabs import LazyTabs, TabFactory
from qidesk.ui.pages.team_overview_tab import TeamOverviewTab

#: Extra tabs of the team page, after Overview: (title, factory). Each tab widget has
#: ``show_team(team_uuid: str)``; it is built the first time the user opens it. Features add
#: one line each, for example ("PDSA", "qidesk.ui.pages.team_pdsa_tab:TeamPdsaTab").
TEAM_TABS: list[tuple[str, TabFactory]] = [
    ("Self-assessment", "qidesk.ui.pages.team_assessment_tab:TeamAssessmentTab"),
    ("PDSA", "qidesk.ui.pages.team_pdsa_tab:TeamPdsaTab"),
    ("Progress", "qidesk.ui.pages.team_progress_tab:TeamProgressTab"),
]


class TeamPage(Page):
    NEW_LABEL = "New member…"

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.team_uuid: str | None = None
        layout, self.title, self.subtitle = page_header(self, gap=4)
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Every earlier version of this team, and getting one back")
        self.history_button.clicked.connect(self.show_team_history)
        title_row = QHBoxLayout()
        layout.removeWidget(self.title)
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.history_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.insertLayout(0, title_row)
        self.tabs = LazyTabs(context, "show_team", TEAM_TABS)
        self.overview = TeamOverviewTab(context)
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.add_extra_tabs()
        layout.addWidget(self.tabs, 1)
        context.saved.connect(self._after_save)

    def show_team(self, team_uuid: str) -> None:
        changed = team_uuid != self.team_uuid
        self.team_uuid = team_uuid
        self.overview.show_team(team_uuid)
        self._update_header()
        if changed:
            self.tabs.forget_shown()
        self.tabs.set_record(team_uuid)

    def focus_new_team(self) -> None:
        """Just made: the Overview, with the focus in the project title (the dialog asked for
        the name, service, site and coach)."""
        self.tabs.setCurrentIndex(0)
        self.overview.text_edits["project_title"].setFocus()

    def _update_header(self) -> None:
        detail = self.overview.detail
        if detail is None:
            return
        self.title.setText(detail.name)
        parts = [detail.cohort_name]
        parts += [p for p in (detail.service, detail.site) if p]
        parts.append(TEAM_STATUS_LABELS.get(detail.status, detail.status))
        parts.append(f"Coach: {detail.coach_name}" if detail.coach_name else "No coach yet")
        self.subtitle.setText("  ·  ".join(parts))

    def _after_save(self) -> None:
        if self.isVisible():
            self._update_header()

    def refresh(self) -> None:
        if self.team_uuid:
            self.tabs.forget_shown()  # every tab re-reads when next shown
            self.show_team(self.team_uuid)

    def _current_feature_tab(self) -> QWidget | None:
        if self.tabs.currentIndex() <= 0:
            return None
        return self.tabs.extra_widget(self.tabs.tabText(self.tabs.currentIndex()))

    def new_label(self) -> str:
        """What Ctrl+N (the toolbar's New) makes here, as its label."""
        tab = self._current_feature_tab()
        label = getattr(tab, "NEW_LABEL", None) if tab is not None else None
        return label if callable(getattr(tab, "new_item", None)) and label else self.NEW_LABEL

    def new_item(self) -> None:
        """Ctrl+N: what the open tab makes (a cycle on PDSA), else a member on Overview."""
        tab = self._current_feature_tab()
        if tab is not None and callable(getattr(tab, "new_item", None)):
            tab.new_item()
            return
        self.tabs.setCurrentIndex(0)
        self.overview.add_member()

    def delete_item(self) -> None:
        """Delete: what the open tab holds (a cycle on PDSA); on Overview the selected member
        when the members table has focus, else the team."""
        tab = self._current_feature_tab()
        if tab is not None and callable(getattr(tab, "delete_item", None)):
            tab.delete_item()
            return
        if self.overview.members_table.hasFocus():
            # Only ever a member here: with none selected (say, just after removing one), a
            # second press must not turn into "Delete the team?".
            if self.overview.selected_member():
                self.overview.remove_member()
            return
        self.delete_team()

    def show_team_history(self) -> None:
        from qidesk.ui.dialogs.history_dialog import show_history  # loaded when used

        if self.team_uuid and show_history(self.context, "Team", self.team_uuid, self):
            self.refresh()

    def delete_team(self) -> None:
        detail = self.overview.detail
        if detail is None:
            return
        if not self.context.confirm_delete(
            self,
            f"the team “{detail.name}”",
            f"Its {len(detail.members)} members and everything recorded for it go with it.",
        ):
            return
        if self.context.attempt(self, lambda: self.context.services.teams.delete(detail.uuid)):
            self.team_uuid = None
            self.context.notify_deleted("Team", detail.uuid, detail.name)
            self.context.open_cohort_requested.emit(detail.cohort_uuid)
